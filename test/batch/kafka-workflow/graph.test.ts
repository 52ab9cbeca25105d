import {
  declaredList, firstUndeclared, GraphModel, GraphStage, GraphTopic, graphCycles, graphMermaid, graphProblems,
} from '../../../src/batch/kafka-workflow/_graph';

function topic(name: string, extra: Partial<GraphTopic> = {}): GraphTopic {
  return { name, partitions: 3, replicationFactor: 3, source: false, sink: false, ...extra };
}

function stage(name: string, inputs: string[], outputs: string[], extra: Partial<GraphStage> = {}): GraphStage {
  return { name, inputs, outputs, custom: false, allowCycle: false, label: 'filter', replicas: 2, edgeLabels: {}, ...extra };
}

describe('declared topics', () => {
  const topics = [topic('a'), topic('b'), topic('j.pending', { internalTo: 'j' })];

  test('the first name that is not declared, in the order given; a pending topic is not declared', () => {
    expect(firstUndeclared(topics, ['a', 'b'])).toBeUndefined();
    expect(firstUndeclared(topics, ['a', 'x', 'y'])).toBe('x');
    expect(firstUndeclared(topics, ['j.pending'])).toBe('j.pending');
  });

  test('the list for a message', () => {
    expect(declaredList(topics)).toBe('a, b');
    expect(declaredList([topic('p', { internalTo: 'j' })])).toBe('none');
  });
});

describe('graphProblems', () => {
  test('a complete graph has none', () => {
    const model: GraphModel = {
      topics: [topic('in', { source: true }), topic('mid'), topic('out', { sink: true })],
      stages: [stage('f', ['in'], ['mid']), stage('g', ['mid'], ['out'])],
    };
    expect(graphProblems(model)).toEqual([]);
  });

  test('read but never written, written but never read, unused: in topic order, stages named', () => {
    const model: GraphModel = {
      topics: [topic('in'), topic('out'), topic('idle'), topic('both', { source: true, sink: true })],
      stages: [stage('f', ['in'], ['out']), stage('g', ['in'], ['out'])],
    };
    expect(graphProblems(model)).toEqual([
      'topic \'in\' is read by stages \'f\', \'g\' but no stage writes it: declare it a source (source: true) or add a stage that writes it',
      'topic \'out\' is written by stages \'f\', \'g\' but no stage reads it: declare it a sink (sink: true) or add a stage that reads it',
      'topic \'idle\' is neither read nor written by any stage',
    ]);
  });

  test('a pending topic is not checked; the dead-letter topic is written by every stage but a custom one', () => {
    const model: GraphModel = {
      topics: [topic('in', { source: true }), topic('out', { sink: true }), topic('dlq'), topic('j.pending', { internalTo: 'j' })],
      stages: [stage('j', ['in'], ['out'], { pendingTopic: 'j.pending' }), stage('c', ['in'], ['out'], { custom: true })],
      deadLetterTopic: 'dlq',
    };
    expect(graphProblems(model)).toEqual([
      'topic \'dlq\' is written by stage \'j\' but no stage reads it: declare it a sink (sink: true) or add a stage that reads it',
    ]);
    expect(graphProblems({ ...model, stages: [model.stages[1]] })).toEqual(['topic \'dlq\' is neither read nor written by any stage']);
  });

  test('a cycle, unless a stage on it allows one', () => {
    const stages = [stage('m', ['in', 'b'], ['a']), stage('f', ['a'], ['b'])];
    const model: GraphModel = { topics: [topic('in', { source: true }), topic('a'), topic('b')], stages };
    expect(graphProblems(model)).toEqual([
      'the graph has a cycle: m -> a -> f -> b -> m; set allowCycle on one of its stages if the loop is deliberate',
    ]);
    expect(graphProblems({ ...model, stages: [stages[0], { ...stages[1], allowCycle: true }] })).toEqual([]);
  });
});

describe('graphCycles', () => {
  test('none in a chain', () => {
    expect(graphCycles([stage('a', ['x'], ['y']), stage('b', ['y'], ['z'])])).toEqual([]);
  });

  test('a stage that reads what it writes is a cycle of one', () => {
    expect(graphCycles([stage('loop', ['t'], ['t'])])).toEqual([['loop', 't']]);
  });

  test('each elementary cycle once, starting from its first stage in declaration order', () => {
    const stages = [
      stage('a', ['x', 'z'], ['y']),
      stage('b', ['y'], ['z', 'w']),
      stage('c', ['w'], ['x']),
    ];
    expect(graphCycles(stages)).toEqual([
      ['a', 'y', 'b', 'z'],
      ['a', 'y', 'b', 'w', 'c', 'x'],
    ]);
  });

  test('two stages that feed each other through two topics make two cycles', () => {
    expect(graphCycles([stage('a', ['p', 'q'], ['r']), stage('b', ['r'], ['p', 'q'])])).toEqual([
      ['a', 'r', 'b', 'p'],
      ['a', 'r', 'b', 'q'],
    ]);
  });
});

describe('graphMermaid', () => {
  test('topics, stages, edges, the pending topic and the classes, exactly', () => {
    const model: GraphModel = {
      topics: [
        topic('in', { source: true, partitions: 1 }),
        topic('out', { sink: true, replicationFactor: 1 }),
        topic('both', { source: true, sink: true }),
        topic('dlq', { sink: true }),
        topic('j.pending', { internalTo: 'j' }),
      ],
      stages: [
        stage('j', ['in'], ['out', 'dlq'], { label: 'join (2 parts)', replicas: 1, pendingTopic: 'j.pending', edgeLabels: { out: 'a "b" | <c> #d' } }),
        stage('c', ['both'], ['out'], { custom: true, label: 'custom: example/x:1', replicas: 0, maxReplicas: 4 }),
      ],
      deadLetterTopic: 'dlq',
    };
    expect(graphMermaid(model, 'KafkaWorkflow wf: embedded Kafka, 1 broker')).toBe([
      'flowchart LR',
      '  %% KafkaWorkflow wf: embedded Kafka, 1 broker',
      '  t0[("in<br/>1 partition × 3 · source")]',
      '  t1[("out<br/>3 partitions × 1 · sink")]',
      '  t2[("both<br/>3 partitions × 3 · source, sink")]',
      '  t3[("dlq<br/>3 partitions × 3 · sink, dead letters")]',
      '  t4[("j.pending<br/>3 partitions × 3")]',
      '  s0{{"j<br/>join (2 parts) · 1 replica"}}',
      '  s1[["c<br/>custom: example/x:1 · 0..4 replicas (KEDA)"]]',
      '  t0 --> s0',
      '  s0 -->|"a #quot;b#quot; #124; #lt;c#gt; #35;d"| t1',
      '  s0 --> t3',
      '  s0 -.->|"incomplete"| t4',
      '  t4 -.-> s0',
      '  t2 --> s1',
      '  s1 --> t1',
      '  classDef topic fill:#fff7e6,stroke:#d46b08,color:#000',
      '  classDef source fill:#f6ffed,stroke:#389e0d,color:#000',
      '  classDef sink fill:#e6f4ff,stroke:#0958d9,color:#000',
      '  classDef stage fill:#f9f0ff,stroke:#531dab,color:#000',
      '  class t4 topic',
      '  class t0,t2 source',
      '  class t1,t3 sink',
      '  class s0,s1 stage',
      '',
    ].join('\n'));
  });

  test('an empty graph has only the header and the class definitions', () => {
    expect(graphMermaid({ topics: [], stages: [] }, 'x').split('\n')).toEqual([
      'flowchart LR', '  %% x',
      '  classDef topic fill:#fff7e6,stroke:#d46b08,color:#000',
      '  classDef source fill:#f6ffed,stroke:#389e0d,color:#000',
      '  classDef sink fill:#e6f4ff,stroke:#0958d9,color:#000',
      '  classDef stage fill:#f9f0ff,stroke:#531dab,color:#000',
      '',
    ]);
  });
});
