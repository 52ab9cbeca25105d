/**
 * Tier 2: a KafkaWorkflow end to end on a real KRaft broker (Kafka 4.3.1 on loopback) with the stream processor
 * (Bento 1.20.0) running every stage's generated config unchanged.
 *
 * The stage configs name the embedded cluster's pod (`wf-kafka-0.wf-kafka:9092`): nss_wrapper maps that name to a
 * loopback address where a TCP forwarder listens on 9092 and passes the bootstrap connection to the test broker,
 * which then advertises its own address. The topics are created by the workflow's own Job script (the Kafka CLI,
 * run twice: idempotent). Then messages go into the source topics and every stage's semantics is checked on its
 * output topics. Last, the Strimzi flavour of a workflow is applied to a real kube-apiserver with Strimzi's and
 * KEDA's CRDs installed (`--dry-run=server`).
 */
import * as fs from 'fs';
import { Server } from 'net';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { buildApp as buildPhotoApp } from '../../examples/kafka-photo-pipeline';
import { KafkaCluster, KafkaConfig, KafkaWorkflow, ReduceAggregation, StreamProcessorConfig } from '../../src';
import { serverDryRun, startApiServer } from '../harness/apiserver';
import { allocHost, nssWrapperEnv } from '../harness/daemons';
import { KafkaBroker, kafkaHomeForScripts, lintStreamConfig, runStreamProcessor, startForwarder, startKafka } from '../harness/kafka';
import { run, runAsync, stopAll, tempDir, toolPath } from '../harness/proc';

const SINKS = ['copy-a', 'copy-b', 'even', 'big', 'fives', 'rest', 'shard-0', 'shard-1', 'shard-2', 'merged', 'batches', 'counts', 'dlq'];
const JOIN_WINDOW_S = 2;
const REDUCE_WINDOW_S = 3;

/** The workflow under test: every stage kind (but custom, which runs a user image) on a one-broker embedded cluster. */
function testWorkflow(): { wf: KafkaWorkflow; objects: any[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'test');
  const wf = new KafkaWorkflow(chart, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }), deadLetterTopic: 'dlq' });
  wf.addTopic('in', { partitions: 3, source: true });
  wf.addTopic('left', { partitions: 1, source: true });
  wf.addTopic('right', { partitions: 1, source: true });
  wf.addTopic('parts', { partitions: 2, source: true });
  wf.addTopic('events', { partitions: 2, source: true });
  for (const t of SINKS) wf.addTopic(t, { partitions: 1, sink: true });
  wf.addCopier('copier', { input: 'in', outputs: ['copy-a', 'copy-b'] });
  wf.addFilter('filter', { input: 'in', output: 'even', condition: 'this.n % 2 == 0' });
  wf.addSplitter('splitter', {
    input: 'in',
    routes: [{ condition: 'this.n >= 25', output: 'big' }, { condition: 'this.n % 5 == 0', output: 'fives' }],
    copy: true,
    unmatchedOutput: 'rest',
  });
  wf.addSharder('sharder', { input: 'in', key: 'this.user', outputs: ['shard-0', 'shard-1', 'shard-2'] });
  wf.addMerger('merger', { inputs: ['left', 'right'], output: 'merged' });
  wf.addJoin('join', { inputs: ['parts'], output: 'batches', batchKey: 'this.batch', count: 3, partKey: 'this.part', window: Duration.seconds(JOIN_WINDOW_S) });
  wf.addReduce('reduce', {
    input: 'events',
    output: 'counts',
    key: 'this.tag',
    window: Duration.seconds(REDUCE_WINDOW_S),
    aggregations: [ReduceAggregation.count(), ReduceAggregation.sum('total', 'this.v'), ReduceAggregation.max('max', 'this.v')],
  });
  app.synth(); // runs the graph check
  return { wf, objects: chart.toJson() };
}

const { wf, objects } = testWorkflow();
const configOf = (stage: string): string => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `wf-${stage}-config`).data['config.yaml'];
const STAGES = ['copier', 'filter', 'splitter', 'sharder', 'merger', 'join', 'reduce'];

let kafka: KafkaBroker;
let forwarder: Server;
let nssEnv: Record<string, string>;

beforeAll(async () => {
  kafka = await startKafka();
  const [bHost, bPort] = kafka.bootstrap.split(':');
  const podAddress = allocHost();
  forwarder = await startForwarder(podAddress, 9092, { host: bHost, port: Number(bPort) });
  // every name the generated configs use for the broker: the StatefulSet pod's DNS name
  expect(wf.bootstrapServers).toEqual(['wf-kafka-0.wf-kafka:9092']);
  nssEnv = nssWrapperEnv({ 'wf-kafka-0.wf-kafka': podAddress });
}, 180_000);

afterAll(async () => {
  forwarder?.close();
  await stopAll();
});

describe('the embedded cluster', () => {
  test('the topics Job script creates every topic with the Kafka CLI, and a second run changes nothing (grown partitions and changed settings: test/real/kafka-brokers.test.ts)', async () => {
    // GIVEN the Job's script and environment as synthesized, and a KAFKA_HOME whose bin/ holds the CLI
    const job = objects.find((o) => o.kind === 'Job');
    const script = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'wf-topics').data['create-topics.sh'];
    const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.KAFKA_BOOTSTRAP_SERVERS).toBe('wf-kafka-0.wf-kafka:9092');
    const home = kafkaHomeForScripts();
    const file = path.join(home, 'create-topics.sh');
    fs.writeFileSync(file, script);
    const runScript = () => runAsync('/bin/sh', [file], { env: { ...nssEnv, ...env, KAFKA_HOME: home, KAFKA_HEAP_OPTS: '-Xmx256m' }, timeoutMs: 120_000 });

    // WHEN it runs twice
    const first = await runScript();
    const second = await runScript();

    // THEN every topic exists (the join's pending topic too), created once
    const names = wf.topics.map((t) => t.topicName);
    expect(names).toContain('join.pending');
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n').filter((l) => l.endsWith(': created')).sort()).toEqual(names.map((n) => `topic ${n}: created`).sort());
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/created/);
    expect(second.stdout.split('\n').filter((l) => l.startsWith('topic ') && !l.includes(': settings set: ')).sort())
      .toEqual(wf.topics.map((t) => `topic ${t.topicName}: exists with the declared ${t.partitions} partitions`).sort());
    expect(second.stderr).not.toMatch(/^topic /m);
    expect(await kafka.listTopics()).toEqual(expect.arrayContaining(names));
  }, 180_000);

  test('the rendered server.properties is accepted by kafka-storage format (and a second format is a no-op)', () => {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'wf-kafka-config');
    const dir = tempDir('kafka-format');
    const props = cm.data['server.properties']
      .replace(/@NODE_ID@/g, '0').replace(/@POD_NAME@/g, 'wf-kafka-0').replace(/@POD_NAMESPACE@/g, 'default')
      .replace(/^log\.dirs=.*$/m, `log.dirs=${path.join(dir, 'data')}`);
    const file = path.join(dir, 'server.properties');
    fs.writeFileSync(file, props);
    const sts = objects.find((o) => o.kind === 'StatefulSet');
    const clusterId = sts.spec.template.spec.containers[0].env.find((e: any) => e.name === 'KAFKA_CLUSTER_ID').value;
    const format = () => run(toolPath('kafka-storage'), ['format', '--ignore-formatted', '--cluster-id', clusterId, '--config', file], { env: nssEnv, timeoutMs: 60_000 });
    const first = format();
    expect(`${first.stdout}${first.stderr}`).toMatch(/Formatting/);
    expect(first.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'data', 'meta.properties'), 'utf8')).toContain(`cluster.id=${clusterId}`);
    const second = format();
    expect(second.code).toBe(0);
    expect(`${second.stdout}${second.stderr}`).not.toMatch(/Formatting/);
  }, 120_000);
});

describe('topic settings', () => {
  // Each pair is judged twice: by KafkaConfig.topicSettingProblem (what the workflow refuses at synthesis) and by
  // the real broker (kafka-topics.sh --create --config, as the topics Job runs it). They must agree.
  const accepted: Array<[string, string]> = [
    ['retention.ms', '-1'], ['retention.ms', '604800000'], ['retention.bytes', '-5'], ['cleanup.policy', 'compact,delete'],
    ['compression.type', 'zstd'], ['preallocate', 'TRUE'], ['segment.bytes', '1048576'], ['min.cleanable.dirty.ratio', '0.25'],
    ['message.timestamp.type', 'LogAppendTime'], ['leader.replication.throttled.replicas', '*'], ['compression.gzip.level', '9'],
    ['max.compaction.lag.ms', '1'], ['local.retention.ms', '-2'], ['unclean.leader.election.enable', 'false'],
  ];
  const refused: Array<[string, string]> = [
    ['retention.ms', 'forever'], ['retention.ms', '-2'], ['retention.ms', '9223372036854775808'], ['cleanup.policy', 'Compact'],
    ['cleanup.policy', 'compact,,delete'], ['compression.type', 'none'], ['compression.type', 'GZIP'], ['preallocate', 'yes'],
    ['segment.bytes', '1048575'], ['max.message.bytes', '2147483648'], ['min.cleanable.dirty.ratio', '1.5'], ['min.insync.replicas', '0'],
    ['segment.ms', '0'], ['compression.gzip.level', '0'], ['leader.replication.throttled.replicas', 'x'], ['retention.hours', '24'],
    ['message.downconversion.enable', 'true'], ['message.format.version', '3.0'],
  ];

  /** Creates a topic with one setting on the real broker: the exit code and what the CLI said. */
  const create = (i: number, key: string, value: string) => runAsync(toolPath('kafka-topics'), [
    '--bootstrap-server', kafka.bootstrap, '--create', '--topic', `setting-${i}`, '--partitions', '1', '--replication-factor', '1', '--config', `${key}=${value}`,
  ], { env: { KAFKA_HEAP_OPTS: '-Xmx128m' }, timeoutMs: 120_000 });

  test('the library and the broker agree on every setting: what one accepts the other accepts, what one refuses the other refuses', async () => {
    // GIVEN the library's verdicts
    const all = [...accepted.map(([k, v]) => ({ k, v, ok: true })), ...refused.map(([k, v]) => ({ k, v, ok: false }))];
    for (const c of all) expect([c.k, c.v, KafkaConfig.topicSettingProblem(c.k, c.v) === undefined]).toEqual([c.k, c.v, c.ok]);

    // WHEN the broker is asked (four CLIs at a time)
    const verdicts: Array<[string, string, boolean, string]> = [];
    for (let i = 0; i < all.length; i += 4) {
      const batch = all.slice(i, i + 4);
      const results = await Promise.all(batch.map((c, j) => create(i + j, c.k, c.v)));
      results.forEach((r, j) => verdicts.push([batch[j].k, batch[j].v, r.code === 0, `${r.stdout}${r.stderr}`.split('\n').find((l) => /Error|Exception|Created/.test(l)) ?? '']));
    }

    // THEN it says the same
    expect(verdicts.map(([k, v, ok]) => [k, v, ok])).toEqual(all.map((c) => [c.k, c.v, c.ok]));
  }, 300_000);
});

describe('stage configs', () => {
  test('every stage config of this workflow and of the example passes bento lint', () => {
    for (const stage of STAGES) expect({ stage, ...lintStreamConfig(configOf(stage)) }).toEqual({ stage, ok: true, output: '' });
    const photo = buildPhotoApp().charts[0].toJson();
    const configs = photo.filter((o: any) => o.kind === 'ConfigMap' && o.data?.['config.yaml']);
    expect(configs.length).toBe(7);
    for (const cm of configs) expect({ name: cm.metadata.name, ...lintStreamConfig(cm.data['config.yaml']) }).toEqual({ name: cm.metadata.name, ok: true, output: '' });
  }, 60_000);
});

describe('the stages, end to end', () => {
  // 30 messages with n = 0..29 and 30 distinct users, keyed by user; plus one without `n`, which fails the
  // filter's and the splitter's conditions
  const messages = Array.from({ length: 30 }, (_, n) => ({ key: `user-${n}`, value: JSON.stringify({ n, user: `user-${n}` }) }));
  const bad = { key: 'user-x', value: JSON.stringify({ user: 'user-x' }) };
  const parse = (values: string[]) => values.map((v) => JSON.parse(v));
  const ns = (values: string[]) => parse(values).map((m) => m.n).sort((a, b) => a - b);
  const range = (pred: (n: number) => boolean) => Array.from({ length: 30 }, (_, n) => n).filter(pred);

  beforeAll(async () => {
    const env = { ...nssEnv, GODEBUG: 'netdns=cgo' };
    await Promise.all(STAGES.map((s) => runStreamProcessor(configOf(s), { env, name: `bento-${s}` })));
    await kafka.produce('in', [...messages, bad]);
    await kafka.produce('left', ['l1', 'l2', 'l3']);
    await kafka.produce('right', ['r1', 'r2']);
    // join: batch A complete (with a duplicate part), B missing p3, C only p1
    await kafka.produce('parts', [
      { key: 'A', value: '{"batch":"A","part":"p1","v":1}' },
      { key: 'B', value: '{"batch":"B","part":"p1","v":4}' },
      { key: 'A', value: '{"batch":"A","part":"p2","v":2}' },
      { key: 'A', value: '{"batch":"A","part":"p2","v":99}' },
      { key: 'C', value: '{"batch":"C","part":"p1","v":7}' },
      { key: 'B', value: '{"batch":"B","part":"p2","v":5}' },
      { key: 'A', value: '{"batch":"A","part":"p3","v":3}' },
    ]);
    await kafka.produce('events', [
      ...['a', 'b', 'a', 'c', 'a', 'b'].map((tag, i) => ({ key: tag, value: JSON.stringify({ tag, v: i + 1 }) })),
    ]);
  }, 180_000);

  test('copier: every message to each output, unchanged', async () => {
    const expected = [...messages, bad].map((m) => m.value).sort();
    expect((await kafka.consume('copy-a', 31, 30_000)).sort()).toEqual(expected);
    expect((await kafka.consume('copy-b', 31, 30_000)).sort()).toEqual(expected);
  }, 120_000);

  test('filter: drops exactly the non-matching, and the message its condition fails on goes to the dead-letter topic', async () => {
    expect(ns(await kafka.consume('even', 16, 4_000))).toEqual(range((n) => n % 2 === 0));
    // the filter and the splitter each failed on the bad message
    const dead = await kafka.consume('dlq', 3, 3_000);
    expect(dead).toEqual([bad.value, bad.value]);
  }, 120_000);

  test('splitter: routes by condition, copies to every matching route, the rest to unmatched', async () => {
    expect(ns(await kafka.consume('big', 6, 4_000))).toEqual(range((n) => n >= 25));
    expect(ns(await kafka.consume('fives', 7, 4_000))).toEqual(range((n) => n % 5 === 0));
    expect(ns(await kafka.consume('rest', 30, 4_000))).toEqual(range((n) => n < 25 && n % 5 !== 0));
  }, 120_000);

  test('sharder: every key on the shard its FNV-1 hash names, spread evenly', async () => {
    const shards = await Promise.all([0, 1, 2].map((i) => kafka.consume(`shard-${i}`, 31, 4_000)));
    const all = shards.flatMap((values, i) => parse(values).map((m) => ({ shard: i, user: m.user })));
    expect(all.length).toBe(31);
    for (const { shard, user } of all) expect({ user, shard }).toEqual({ user, shard: StreamProcessorConfig.shardIndex(user, 3) });
    // 30 distinct users hash to 10 per shard (checked against the model), plus the extra user
    expect(shards.map((s) => s.length).sort()).toEqual([10, 10, 11]);
  }, 120_000);

  test('merger: the union of its inputs', async () => {
    expect((await kafka.consume('merged', 6, 3_000)).sort()).toEqual(['l1', 'l2', 'l3', 'r1', 'r2']);
  }, 120_000);

  test('join: emits a batch only when all its parts have arrived, once, keyed by the batch', async () => {
    // A is complete within the first window; B is not
    const first = await kafka.consumeRecords('batches', 1, 20_000);
    expect(first.map((r) => r.key)).toEqual(['A']);
    expect(JSON.parse(first[0].value)).toEqual({
      key: 'A',
      parts: [{ batch: 'A', part: 'p1', v: 1 }, { batch: 'A', part: 'p2', v: 2 }, { batch: 'A', part: 'p3', v: 3 }],
    });
    // B's last part arrives later: B's first parts waited in the pending topic across windows
    await new Promise((r) => setTimeout(r, (JOIN_WINDOW_S + 1) * 1000));
    await kafka.produce('parts', [{ key: 'B', value: '{"batch":"B","part":"p3","v":6}' }]);
    // (20 s without a record before the consumer gives up: the joiner's next window on a loaded machine)
    const records = await kafka.consumeRecords('batches', 3, 20_000);
    expect(records.map((r) => r.key)).toEqual(['A', 'B']);
    const b = JSON.parse(records[1].value);
    expect(b.key).toBe('B');
    expect(b.parts.map((p: any) => p.part).sort()).toEqual(['p1', 'p2', 'p3']);
    expect(b.parts.map((p: any) => p.v).sort()).toEqual([4, 5, 6]);
    // C, incomplete, is still held (in the pending topic, with its part identity in a header)
    const pending = await kafka.consume('join.pending', 50, 3_000);
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.map((v) => JSON.parse(v).batch)).toContain('C');
  }, 120_000);

  test('reduce: per key, the aggregates over its windows add up to the input', async () => {
    // events: a = 1, 3, 5; b = 2, 6; c = 4 (the windows may split them: sum per key over windows)
    const records = await kafka.consumeRecords('counts', 6, 8_000);
    const outs = records.map((r) => ({ key: r.key, ...JSON.parse(r.value) }));
    for (const o of outs) expect(o.window_end).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const by = (k: string) => outs.filter((o) => o.key === k);
    const sum = (k: string, f: string) => by(k).reduce((s, o) => s + o[f], 0);
    expect([sum('a', 'count'), sum('b', 'count'), sum('c', 'count')]).toEqual([3, 2, 1]);
    expect([sum('a', 'total'), sum('b', 'total'), sum('c', 'total')]).toEqual([9, 8, 4]);
    expect(Math.max(...by('a').map((o) => o.max))).toBe(5);
    expect(Math.max(...by('b').map((o) => o.max))).toBe(6);
    // one message per key and window
    const windows = outs.map((o) => `${o.key}@${o.window_end}`);
    expect(new Set(windows).size).toBe(windows.length);
  }, 120_000);
});

describe('Strimzi', () => {
  test('the Strimzi flavour (Kafka, KafkaNodePool, KafkaTopic, KEDA ScaledObject) is accepted by a real API server with the CRDs installed', async () => {
    const crdRoot = path.join(process.env.CDK8S_DP_TOOLS ?? path.join(os.homedir(), '.cache', 'cdk8s-distributed-patterns', 'tools'), 'crds');
    const api = await startApiServer({ crdDirs: [path.join(crdRoot, 'strimzi'), path.join(crdRoot, 'keda')] });
    const app = Testing.app();
    const chart = new Chart(app, 'strimzi', { namespace: api.namespace });
    const swf = new KafkaWorkflow(chart, 'orders', {
      cluster: KafkaCluster.strimzi({
        replicas: 3,
        brokerResources: { cpu: { request: kplus.Cpu.units(1) }, memory: { request: Size.gibibytes(4), limit: Size.gibibytes(4) } },
      }),
      // every pod option Strimzi's pod template has a field for, mapped there (the CRD's schema checks the shapes)
      pod: {
        imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'Pull', 'registry-creds')],
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'kafka', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64'] }] }] } } },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
        priorityClassName: 'batch',
        labels: { team: 'orders' },
        annotations: { 'example.com/owner': 'orders' },
      },
    });
    swf.addTopic('Orders_V1', { partitions: 6, source: true, config: { 'retention.ms': '86400000', 'cleanup.policy': 'compact,delete', 'min.insync.replicas': '2' } });
    swf.addTopic('valid-orders', { partitions: 6, sink: true });
    swf.addFilter('validate', { input: 'Orders_V1', output: 'valid-orders', condition: 'this.total > 0', autoscaling: { maxReplicas: 6 } });
    app.synth();
    // the pod templates name a PriorityClass: it must exist for their pods to be admitted
    const pc = await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'batch' }, value: 1000 }) });
    expect(pc.code).toBe(0);
    const verdicts = await serverDryRun(api, chart.toJson());
    const summary = verdicts.map((v) => ({ kind: v.kind, name: v.name, accepted: v.accepted, warnings: v.warnings, message: v.accepted ? '' : v.message }));
    expect(summary.filter((v) => !v.accepted || v.warnings.length > 0)).toEqual([]);
    // the autoscaled stage (1..6 replicas) has a PodDisruptionBudget: it is sized for KEDA's maximum
    expect(verdicts.map((v) => v.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Kafka', 'KafkaNodePool', 'KafkaTopic', 'KafkaTopic', 'NetworkPolicy', 'PodDisruptionBudget', 'ScaledObject']);
    await api.stop();
  }, 300_000);
});
