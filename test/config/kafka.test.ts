import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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
      ['an override sets the listeners', { controllers: three, overrides: { listeners: 'x' } }, 'broker setting \'listeners\' must be a setting other than the node\'s roles, id, quorum, listeners and log dir (the cluster sets them), got \'listeners\''],
      ['an override name is not a setting name', { controllers: three, overrides: { 'Bad Key': 'x' } }, 'broker setting \'Bad Key\' must be a setting name of dotted lowercase words, got \'Bad Key\''],
      ['an override value spans lines', { controllers: three, overrides: { 'a.b': 'x\ny' } }, 'broker setting \'a.b\' must be a one-line string, got \'x\ny\''],
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
  test('one describe, then an ensure per topic: settings sorted, shell-quoted, a list value bracketed for kafka-configs.sh', () => {
    const text = KafkaConfig.createTopicsScript([
      { name: 'photos', partitions: 6, replicationFactor: 3, config: { 'retention.ms': '86400000', 'cleanup.policy': 'compact,delete' } },
      { name: 'Odd_Name.v1', partitions: 1, replicationFactor: 1, config: { 'message.timestamp.type': 'LogAppendTime' } },
      { name: 'plain', partitions: 2, replicationFactor: 1 },
    ]);
    expect(text).toMatchSnapshot();
    expect(text.split('\n').slice(-5)).toEqual([
      'ensure \'photos\' 6 3 \'cleanup.policy=[compact,delete],retention.ms=86400000\' --config \'cleanup.policy=compact,delete\' --config \'retention.ms=86400000\'',
      'ensure \'Odd_Name.v1\' 1 1 \'message.timestamp.type=LogAppendTime\' --config \'message.timestamp.type=LogAppendTime\'',
      'ensure \'plain\' 2 1 \'\'',
      'exit "$failed"',
      '',
    ]);
  });

  describe('run against a stub CLI (what the real broker does is proven in test/real/kafka-brokers.test.ts)', () => {
    // a kafka-topics.sh that describes `grows` (2 partitions, rf 3), `shrinks` (4) and `same` (1), and logs every call
    function runScript(topics: Parameters<typeof KafkaConfig.createTopicsScript>[0]) {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'topics-script-'));
      fs.mkdirSync(path.join(home, 'bin'));
      const calls = path.join(home, 'calls');
      const describe = ['grows\t2\t3', 'shrinks\t4\t3', 'same\t1\t3'].map((l) => {
        const [n, p, rf] = l.split('\t');
        return `Topic: ${n}\tTopicId: x\tPartitionCount: ${p}\tReplicationFactor: ${rf}\tConfigs: \n\tTopic: ${n}\tPartition: 0\tLeader: 0`;
      }).join('\n');
      fs.writeFileSync(path.join(home, 'describe'), describe + '\n');
      const stub = (tool: string) => `#!/bin/sh\necho "${tool} $*" >> ${calls}\ncase "$*" in *--describe*) cat ${home}/describe ;; esac\n`;
      fs.writeFileSync(path.join(home, 'bin', 'kafka-topics.sh'), stub('topics'), { mode: 0o755 });
      fs.writeFileSync(path.join(home, 'bin', 'kafka-configs.sh'), stub('configs'), { mode: 0o755 });
      fs.writeFileSync(path.join(home, 'run.sh'), KafkaConfig.createTopicsScript(topics));
      const r = spawnSync('/bin/sh', [path.join(home, 'run.sh')], { env: { PATH: process.env.PATH, KAFKA_HOME: home, KAFKA_BOOTSTRAP_SERVERS: 'b:9092' }, encoding: 'utf8' });
      const called = fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/^(\w+) --bootstrap-server b:9092 /, '$1 '));
      fs.rmSync(home, { recursive: true, force: true });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr, called };
    }

    test('a missing topic is created, a grown one altered, settings set; the same count changes nothing', () => {
      const r = runScript([
        { name: 'new', partitions: 3, replicationFactor: 3, config: { 'retention.ms': '1000' } },
        { name: 'grows', partitions: 5, replicationFactor: 3, config: { 'cleanup.policy': 'compact,delete' } },
        { name: 'same', partitions: 1, replicationFactor: 3 },
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')).toEqual(['topic new: created', 'topic grows: partitions increased from 2 to 5',
        'topic grows: settings set: cleanup.policy=[compact,delete]', 'topic same: exists with the declared 1 partitions', '']);
      expect(r.called).toEqual([
        'topics --describe --exclude-internal',
        'topics --create --if-not-exists --topic new --partitions 3 --replication-factor 3 --config retention.ms=1000',
        'topics --alter --topic grows --partitions 5',
        'configs --alter --entity-type topics --entity-name grows --add-config cleanup.policy=[compact,delete]',
      ]);
    });

    test('a decrease is refused with the reason and fails the script after the other topics; another replication factor is reported', () => {
      const r = runScript([
        { name: 'shrinks', partitions: 2, replicationFactor: 3 },
        { name: 'same', partitions: 1, replicationFactor: 1 },
        { name: 'new', partitions: 1, replicationFactor: 1 },
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')).toEqual([
        'topic shrinks: has 4 partitions, 2 declared: Kafka cannot decrease partitions; declare 4 or more, or delete the topic (its messages are lost) and run this again',
        'topic same: replication factor 3, 1 declared: not changed (kafka-reassign-partitions.sh changes it)',
        '',
      ]);
      expect(r.stdout).toContain('topic new: created\n');
      expect(r.called.filter((c) => c.includes('--alter'))).toEqual([]);
    });
  });

  describe('fails when', () => {
    test.each([
      ['a topic is listed twice', [{ name: 'a', partitions: 1, replicationFactor: 1 }, { name: 'a', partitions: 1, replicationFactor: 1 }], 'topic \'a\' is listed twice'],
      ['a topic name has a space', [{ name: 'a b', partitions: 1, replicationFactor: 1 }], 'topic name \'a b\' has characters outside [a-zA-Z0-9._-]'],
      ['partitions are 0', [{ name: 'a', partitions: 0, replicationFactor: 1 }], 'topic \'a\': partitions must be an integer of at least 1, got 0'],
      ['a setting name is not one', [{ name: 'a', partitions: 1, replicationFactor: 1, config: { 'x y': '1' } }], 'topic \'a\': setting \'x y\' must be a setting name of dotted lowercase words, got \'x y\''],
      ['a setting Kafka would refuse', [{ name: 'a', partitions: 1, replicationFactor: 1, config: { 'retention.ms': 'forever' } }],
        'topic \'a\': setting \'retention.ms\' must be an integer of at least -1 (milliseconds; -1: no limit), got \'forever\''],
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

describe('KafkaConfig broker settings', () => {
  test.each([
    ['a well-formed setting', 'log.retention.hours', '24', undefined],
    ['an empty value', 'log.retention.hours', '', undefined],
    ['a name with a space', 'Bad Key', '1', { setting: 'Bad Key', expectation: 'a setting name of dotted lowercase words', value: 'Bad Key' }],
    ['a value that spans lines', 'a.b', 'x\ny', { setting: 'a.b', expectation: 'a one-line string', value: 'x\ny' }],
    ['min.insync.replicas 0', 'min.insync.replicas', '0', { setting: 'min.insync.replicas', expectation: 'an integer from 1 to 32767 (replicas)', value: '0' }],
    ['a replication factor in words', 'offsets.topic.replication.factor', 'three', { setting: 'offsets.topic.replication.factor', expectation: 'an integer from 1 to 32767 (replicas)', value: 'three' }],
    ['auto.create.topics.enable yes', 'auto.create.topics.enable', 'yes', { setting: 'auto.create.topics.enable', expectation: '\'true\' or \'false\'', value: 'yes' }],
  ])('a broker setting: %s', (_what, key, value, problem) => {
    expect(KafkaConfig.brokerSettingProblem(key, value)).toEqual(problem);
  });

  test('a KRaft override may not set what the node sets itself; otherwise the broker rules', () => {
    const own = 'a setting other than the node\'s roles, id, quorum, listeners and log dir (the cluster sets them)';
    expect(KafkaConfig.kraftOverrideProblem('node.id', '1')).toEqual({ setting: 'node.id', expectation: own, value: 'node.id' });
    expect(KafkaConfig.kraftOverrideProblem('controller.quorum.voters', 'x')?.expectation).toBe(own);
    expect(KafkaConfig.kraftOverrideProblem('Bad Key', '1')?.expectation).toBe('a setting name of dotted lowercase words');
    expect(KafkaConfig.kraftOverrideProblem('num.network.threads', '8')).toBeUndefined();
    expect(KafkaConfig.brokerSettingProblem('node.id', '1')).toBeUndefined();
  });

  test.each([
    ['listeners', 'listeners'], ['node.id', 'node.id'], ['process.roles', 'process.roles'], ['ssl.keystore.location', 'ssl.*'],
    ['advertised.listeners', 'advertised.*'], ['controller.quorum.voters', 'controller.*'], ['log.dirs', 'log.dir'], ['authorizer.class.name', 'authorizer.*'],
  ])('Strimzi refuses %s (it sets %s itself)', (key, prefix) => {
    expect(KafkaConfig.strimziSettingProblem(key, 'x')).toEqual({ setting: key, expectation: `a setting Strimzi lets you set (it sets '${prefix}' itself)`, value: key });
  });

  test('Strimzi\'s exceptions to its forbidden prefixes pass, and so do other settings', () => {
    for (const key of ['ssl.cipher.suites', 'controller.quorum.election.timeout.ms', 'broker.session.timeout.ms', 'log.retention.hours', 'num.partitions']) {
      expect(KafkaConfig.strimziSettingProblem(key, '1')).toBeUndefined();
    }
  });

  test('the settings together: replication factors at most the nodes, min ISRs at most their topics\' replication', () => {
    expect(KafkaConfig.brokerSettingsProblem({}, 1)).toBeUndefined();
    expect(KafkaConfig.brokerSettingsProblem({ 'min.insync.replicas': '3' }, 3)).toBeUndefined();
    expect(KafkaConfig.brokerSettingsProblem({ 'default.replication.factor': '4' }, 3)).toEqual({ setting: 'default.replication.factor', expectation: 'at most the brokers (3)', value: '4' });
    expect(KafkaConfig.brokerSettingsProblem({ 'min.insync.replicas': '4' }, 5)).toEqual({
      setting: 'min.insync.replicas',
      expectation: 'at most offsets.topic.replication.factor (3): the consumer offsets topic takes the brokers\' min.insync.replicas, and every offset commit would fail with NOT_ENOUGH_REPLICAS',
      value: '4',
    });
    expect(KafkaConfig.brokerSettingsProblem({ 'transaction.state.log.min.isr': '3' }, 2)).toEqual({
      setting: 'transaction.state.log.min.isr', expectation: 'at most transaction.state.log.replication.factor (2)', value: '3',
    });
  });

  test('the replication defaults follow the nodes; the brokers\' min.insync.replicas is the setting or the default', () => {
    expect([1, 2, 3, 5].map((n) => KafkaConfig.brokerMinInsyncReplicas(n))).toEqual([1, 1, 2, 2]);
    expect(KafkaConfig.replicationDefaults(5)['offsets.topic.replication.factor']).toBe('3');
    expect(KafkaConfig.brokerMinInsyncReplicas(5, { 'min.insync.replicas': '3' })).toBe(3);
  });
});

describe('KafkaConfig topic settings (Kafka 4.3 LogConfig)', () => {
  // Each verdict is Kafka 4.3.1's own: LogConfig.validate run on the value (see the tier-2 suite, which creates
  // topics with these settings on a real broker).
  test.each([
    ['retention.ms', '-1'], ['retention.ms', '604800000'], ['retention.bytes', '-5'], ['cleanup.policy', 'compact,delete'],
    ['cleanup.policy', 'compact, delete'], ['cleanup.policy', 'delete,delete'], ['compression.type', 'zstd'], ['preallocate', 'TRUE'],
    ['segment.bytes', '1048576'], ['min.cleanable.dirty.ratio', '1e-1'], ['min.insync.replicas', '2'], ['leader.replication.throttled.replicas', '*'],
    ['follower.replication.throttled.replicas', '0:1,1:2'], ['compression.gzip.level', '-1'], ['max.compaction.lag.ms', '1'],
    ['message.timestamp.type', 'LogAppendTime'], ['retention.ms', '9223372036854775807'],
  ])('Kafka accepts %s=%s', (key, value) => {
    expect(KafkaConfig.topicSettingProblem(key, value)).toBeUndefined();
  });

  test.each([
    ['retention.ms', 'forever', 'an integer of at least -1 (milliseconds; -1: no limit)'],
    ['retention.ms', '-2', 'an integer of at least -1 (milliseconds; -1: no limit)'],
    ['retention.ms', '9223372036854775808', 'an integer of at least -1 (milliseconds; -1: no limit)'],
    ['retention.ms', '1_000', 'an integer of at least -1 (milliseconds; -1: no limit)'],
    ['retention.ms', '0x10', 'an integer of at least -1 (milliseconds; -1: no limit)'],
    ['cleanup.policy', 'Compact', 'a comma-separated list of \'compact\' and \'delete\''],
    ['cleanup.policy', 'compact,,delete', 'a comma-separated list of \'compact\' and \'delete\''],
    ['compression.type', 'GZIP', 'one of \'uncompressed\', \'zstd\', \'lz4\', \'snappy\', \'gzip\', \'producer\''],
    ['compression.type', 'none', 'one of \'uncompressed\', \'zstd\', \'lz4\', \'snappy\', \'gzip\', \'producer\''],
    ['preallocate', 'yes', '\'true\' or \'false\''],
    ['segment.bytes', '1048575', 'an integer from 1048576 to 2147483647 (bytes)'],
    ['max.message.bytes', '2147483648', 'an integer from 0 to 2147483647 (bytes)'],
    ['min.cleanable.dirty.ratio', '1.5', 'a number from 0 to 1'],
    ['min.insync.replicas', '0', 'an integer from 1 to 32767 (replicas)'],
    ['segment.ms', '0', 'an integer of at least 1 (milliseconds)'],
    ['compression.gzip.level', '0', 'an integer from 1 to 9, or -1 (the codec\'s default)'],
    ['leader.replication.throttled.replicas', 'x', '\'*\' or a comma-separated list of <partition>:<broker id>'],
  ])('Kafka refuses %s=%s', (key, value, expectation) => {
    expect(KafkaConfig.topicSettingProblem(key, value)).toEqual({ setting: key, expectation, value });
  });

  test('a name Kafka does not know is refused (Kafka: Unknown topic config name), as are names removed in Kafka 4', () => {
    for (const key of ['foo.bar', 'message.downconversion.enable', 'message.format.version']) {
      expect(KafkaConfig.topicSettingProblem(key, 'true')).toEqual({ setting: key, expectation: 'a topic setting Kafka 4.3 knows (KafkaConfig.topicSettingNames())', value: key });
    }
    expect(KafkaConfig.topicSettingNames()).toContain('retention.ms');
    expect(KafkaConfig.topicSettingNames()).toHaveLength(33);
  });

  test('a value must be a non-empty one-line string, a name dotted lowercase words', () => {
    expect(KafkaConfig.topicSettingProblem('retention.ms', '')).toEqual({ setting: 'retention.ms', expectation: 'a non-empty one-line string', value: '' });
    expect(KafkaConfig.topicSettingProblem('retention.ms', 1000 as any)).toEqual({ setting: 'retention.ms', expectation: 'a non-empty one-line string', value: 1000 });
    expect(KafkaConfig.topicSettingProblem('Retention', '1')).toEqual({ setting: 'Retention', expectation: 'a setting name of dotted lowercase words', value: 'Retention' });
  });

  test('the settings together and with the topic: min ISR at most the replication factor, compaction lags in order, tiered storage', () => {
    expect(KafkaConfig.topicSettingsProblem({ 'min.insync.replicas': '2' }, 2)).toBeUndefined();
    expect(KafkaConfig.topicSettingsProblem({ 'min.insync.replicas': '3' }, 2)).toEqual({
      setting: 'min.insync.replicas', expectation: 'at most the topic\'s replication factor (2): with more, every acks=all write fails with NOT_ENOUGH_REPLICAS', value: '3',
    });
    expect(KafkaConfig.topicSettingsProblem({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' }, 1)).toEqual({
      setting: 'min.compaction.lag.ms', expectation: 'at most max.compaction.lag.ms (5)', value: '10',
    });
    expect(KafkaConfig.topicSettingsProblem({ 'remote.storage.enable': 'true' }, 1, false)?.setting).toBe('remote.storage.enable');
    expect(KafkaConfig.topicSettingsProblem({ 'remote.storage.enable': 'true' }, 1, true)).toBeUndefined();
    expect(KafkaConfig.topicSettingsProblem({ 'remote.storage.enable': 'true' }, 1)).toBeUndefined();
    // the first setting in name order is reported first
    expect(KafkaConfig.topicSettingsProblem({ 'segment.ms': '0', 'cleanup.policy': 'x' }, 1)?.setting).toBe('cleanup.policy');
  });
});
