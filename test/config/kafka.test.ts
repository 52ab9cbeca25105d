import { KafkaConfig } from '../../src';

function props(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const three = ['k-0.k:9093', 'k-1.k:9093', 'k-2.k:9093'];

describe('KafkaConfig.kraftServerProperties', () => {
  test('a combined KRaft node with a static quorum, 3 replicas and min ISR 2 for 3 nodes', () => {
    const text = KafkaConfig.kraftServerProperties({ controllers: three, advertisedHost: '@POD_NAME@.k.@POD_NAMESPACE@.svc', logDir: '/data/logs' });
    expect(text).toMatchSnapshot();
    expect(props(text)).toEqual({
      'process.roles': 'broker,controller',
      'node.id': '@NODE_ID@',
      'controller.quorum.voters': '0@k-0.k:9093,1@k-1.k:9093,2@k-2.k:9093',
      'listeners': 'PLAINTEXT://:9092,CONTROLLER://:9093',
      'advertised.listeners': 'PLAINTEXT://@POD_NAME@.k.@POD_NAMESPACE@.svc:9092',
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'log.dirs': '/data/logs',
      'auto.create.topics.enable': 'false',
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
      'offsets.topic.replication.factor': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
      'share.coordinator.state.topic.replication.factor': '3',
      'share.coordinator.state.topic.min.isr': '2',
    });
  });

  test.each([
    [1, '1', '1'],
    [2, '2', '1'],
    [5, '3', '2'],
  ])('%i nodes: replication factor %s, min ISR %s', (nodes, rf, isr) => {
    const p = props(KafkaConfig.kraftServerProperties({
      controllers: Array.from({ length: nodes }, (_, i) => `k-${i}.k:9093`), advertisedHost: 'h', logDir: '/d',
    }));
    expect([p['default.replication.factor'], p['offsets.topic.replication.factor'], p['min.insync.replicas'], p['transaction.state.log.min.isr']]).toEqual([rf, rf, isr, isr]);
  });

  test('overrides replace defaults in place and add new settings sorted; values are escaped for Java properties', () => {
    const p = KafkaConfig.kraftServerProperties({
      controllers: three,
      advertisedHost: 'h',
      logDir: '/d',
      port: 19092,
      controllerPort: 19093,
      overrides: { 'num.network.threads': '8', 'min.insync.replicas': '1', 'ssl.keystore.location': 'C:\\x' },
    });
    const lines = p.split('\n');
    expect(lines).toContain('min.insync.replicas=1');
    expect(lines).toContain('listeners=PLAINTEXT://:19092,CONTROLLER://:19093');
    expect(lines.slice(-3)).toEqual(['num.network.threads=8', 'ssl.keystore.location=C:\\\\x', '']);
  });

  describe('fails when', () => {
    test.each([
      ['there are no controllers', { controllers: [] }, '\'controllers\' must list at least one host:port, got none'],
      ['a controller has no port', { controllers: ['k-0.k'] }, '\'controllers\' entries must be host:port, got \'k-0.k\''],
      ['the ports are equal', { controllers: three, port: 9093 }, 'the client and controller ports must differ, got 9093 for both'],
      ['an override sets the listeners', { controllers: three, overrides: { listeners: 'x' } }, 'broker setting \'listeners\' is set by the cluster itself and cannot be overridden'],
      ['an override name is not a setting name', { controllers: three, overrides: { 'Bad Key': 'x' } }, 'broker setting \'Bad Key\' has a name that is not dotted lowercase words'],
      ['an override value spans lines', { controllers: three, overrides: { 'a.b': 'x\ny' } }, 'broker setting \'a.b\' has a value that is not a one-line string'],
    ])('%s', (_n, o, message) => {
      expect(() => KafkaConfig.kraftServerProperties({ advertisedHost: 'h', logDir: '/d', ...(o as any) })).toThrow(message);
    });
  });
});

describe('KafkaConfig.startScript', () => {
  test('renders the properties, formats once, execs the broker', () => {
    const text = KafkaConfig.startScript('/etc/kw/server.properties', '/var/run/kafka');
    expect(text).toMatchSnapshot();
    expect(text).toContain('"$KAFKA_HOME/bin/kafka-storage.sh" format --ignore-formatted --cluster-id "$KAFKA_CLUSTER_ID" --config /var/run/kafka/server.properties');
    expect(text).toContain('exec "$KAFKA_HOME/bin/kafka-server-start.sh" /var/run/kafka/server.properties');
    expect(text).toContain('node_id="${POD_NAME##*-}"');
  });

  test('fails when a path is relative', () => {
    expect(() => KafkaConfig.startScript('etc/x', '/r')).toThrow('\'template\' must be an absolute path of [A-Za-z0-9._/-], got \'etc/x\'');
  });
});

describe('KafkaConfig.createTopicsScript', () => {
  test('one list, then a create for each missing topic, settings sorted and shell-quoted', () => {
    const text = KafkaConfig.createTopicsScript([
      { name: 'photos', partitions: 6, replicationFactor: 3, config: { 'retention.ms': '86400000', 'cleanup.policy': 'compact' } },
      { name: 'Odd_Name.v1', partitions: 1, replicationFactor: 1, config: { 'message.timestamp.type': 'it\'s' } },
    ]);
    expect(text).toMatchSnapshot();
    expect(text.split('\n').slice(-3)).toEqual([
      'create \'photos\' --partitions 6 --replication-factor 3 --config \'cleanup.policy=compact\' --config \'retention.ms=86400000\'',
      'create \'Odd_Name.v1\' --partitions 1 --replication-factor 1 --config \'message.timestamp.type=it\'\\\'\'s\'',
      '',
    ]);
  });

  describe('fails when', () => {
    test.each([
      ['a topic is listed twice', [{ name: 'a', partitions: 1, replicationFactor: 1 }, { name: 'a', partitions: 1, replicationFactor: 1 }], 'topic \'a\' is listed twice'],
      ['a topic name has a space', [{ name: 'a b', partitions: 1, replicationFactor: 1 }], 'topic name \'a b\' has characters outside [a-zA-Z0-9._-]'],
      ['partitions are 0', [{ name: 'a', partitions: 0, replicationFactor: 1 }], 'topic \'a\': partitions must be an integer of at least 1, got 0'],
      ['a setting name is not one', [{ name: 'a', partitions: 1, replicationFactor: 1, config: { 'x y': '1' } }], 'topic \'a\': setting \'x y\' has a name that is not dotted lowercase words'],
    ])('%s', (_n, topics, message) => {
      expect(() => KafkaConfig.createTopicsScript(topics as any)).toThrow(message);
    });
  });
});

describe('KafkaConfig topic names', () => {
  test.each([
    ['an empty name', '', 'is empty'],
    ['.', '.', 'cannot be \'.\''],
    ['..', '..', 'cannot be \'..\''],
    ['250 characters', 'a'.repeat(250), 'is 250 characters, more than 249'],
    ['a slash', 'a/b', 'has characters outside [a-zA-Z0-9._-]'],
    ['a non-ASCII letter', 'ä', 'has characters outside [a-zA-Z0-9._-]'],
  ])('Kafka rejects %s', (_what, name, problem) => {
    expect(KafkaConfig.topicNameProblem(name)).toBe(problem);
  });

  test('Kafka accepts letters of both cases, digits, dots, underscores and dashes, up to 249', () => {
    for (const n of ['a', 'A.b_c-1', 'a'.repeat(249), '...']) expect(KafkaConfig.topicNameProblem(n)).toBeUndefined();
    expect(KafkaConfig.collisionName('a.b_c')).toBe('a_b_c');
  });
});

describe('KafkaConfig settings', () => {
  test.each([
    ['a well-formed setting', 'log.retention.hours', '24', undefined],
    ['an empty value', 'log.retention.hours', '', undefined],
    ['a name with a space', 'Bad Key', '1', 'has a name that is not dotted lowercase words'],
    ['a value that spans lines', 'a.b', 'x\ny', 'has a value that is not a one-line string'],
  ])('a broker setting: %s', (_what, key, value, problem) => {
    expect(KafkaConfig.brokerSettingProblem(key, value)).toBe(problem);
  });

  test('a KRaft override may not set what the node sets itself; otherwise the broker rules', () => {
    expect(KafkaConfig.kraftOverrideProblem('node.id', '1')).toBe('is set by the cluster itself and cannot be overridden');
    expect(KafkaConfig.kraftOverrideProblem('controller.quorum.voters', 'x')).toBe('is set by the cluster itself and cannot be overridden');
    expect(KafkaConfig.kraftOverrideProblem('Bad Key', '1')).toBe('has a name that is not dotted lowercase words');
    expect(KafkaConfig.kraftOverrideProblem('num.network.threads', '8')).toBeUndefined();
    expect(KafkaConfig.brokerSettingProblem('node.id', '1')).toBeUndefined();
  });

  test('a topic setting needs a non-empty value', () => {
    expect(KafkaConfig.topicSettingProblem('retention.ms', '1000')).toBeUndefined();
    expect(KafkaConfig.topicSettingProblem('retention.ms', '')).toBe('has a value that is not a non-empty one-line string');
    expect(KafkaConfig.topicSettingProblem('Retention', '1')).toBe('has a name that is not dotted lowercase words');
  });
});
