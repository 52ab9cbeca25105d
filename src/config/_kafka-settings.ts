// Internal: the value rules of the Kafka settings the library knows, as Kafka itself validates them. The topic table
// is Kafka 4.3's `LogConfig` (`org.apache.kafka.storage.internals.log.LogConfig`: every topic-level setting with its
// type and validator); a name outside it is refused by Kafka (`Unknown topic config name`), and so here. Where Kafka
// is lenient about a form (`+5`, `' 100 '`, `NaN`) the rule here is the plain form: stricter, never looser.

/** One rule: the expectation when `value` breaks it (completing "must be …"), else undefined. */
export type SettingRule = (value: string) => string | undefined;

const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

function integer(kind: 'INT' | 'LONG', min: bigint | undefined, what: string, max?: bigint): SettingRule {
  const lo = min ?? (kind === 'INT' ? INT_MIN : LONG_MIN);
  const hi = max ?? (kind === 'INT' ? INT_MAX : LONG_MAX);
  // a LONG's upper bound is too large to be worth saying; an INT's is not
  const range = kind === 'LONG' && max === undefined && min !== undefined ? `of at least ${lo}` : `from ${lo} to ${hi}`;
  const expectation = `an integer ${range}${what ? ` (${what})` : ''}`;
  return (v) => {
    if (!/^-?[0-9]+$/.test(v)) return expectation;
    const n = BigInt(v);
    return n < lo || n > hi ? expectation : undefined;
  };
}

const int = (min: number | undefined, what = '', max?: number) => integer('INT', min === undefined ? undefined : BigInt(min), what, max === undefined ? undefined : BigInt(max));
const long = (min: number | undefined, what = '') => integer('LONG', min === undefined ? undefined : BigInt(min), what);

function ratio(v: string): string | undefined {
  const expectation = 'a number from 0 to 1';
  if (!/^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(v)) return expectation;
  const n = Number(v);
  return n >= 0 && n <= 1 ? undefined : expectation;
}

function bool(v: string): string | undefined {
  return /^(true|false)$/i.test(v) ? undefined : '\'true\' or \'false\'';
}

function oneOf(allowed: string[]): SettingRule {
  return (v) => (allowed.includes(v) ? undefined : `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
}

function listOf(allowed: string[]): SettingRule {
  const expectation = `a comma-separated list of ${allowed.map((a) => `'${a}'`).join(' and ')}`;
  return (v) => (v.split(',').every((item) => allowed.includes(item.trim())) ? undefined : expectation);
}

function throttledReplicas(v: string): string | undefined {
  if (v.trim() === '*' || v.split(',').every((item) => /^\s*[0-9]+:[0-9]+\s*$/.test(item))) return undefined;
  return '\'*\' or a comma-separated list of <partition>:<broker id>';
}

function gzipLevel(v: string): string | undefined {
  return /^(-1|[1-9])$/.test(v) ? undefined : 'an integer from 1 to 9, or -1 (the codec\'s default)';
}

/** Every topic-level setting of Kafka 4.3, with its rule (its `LogConfig` type and validator). */
export const TOPIC_SETTINGS: { readonly [key: string]: SettingRule } = {
  'cleanup.policy': listOf(['compact', 'delete']),
  'compression.gzip.level': gzipLevel,
  'compression.lz4.level': int(1, '', 17),
  'compression.type': oneOf(['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer']),
  'compression.zstd.level': int(-131072, '', 22),
  'delete.retention.ms': long(0, 'milliseconds'),
  'file.delete.delay.ms': long(0, 'milliseconds'),
  'flush.messages': long(1, 'messages'),
  'flush.ms': long(0, 'milliseconds'),
  'follower.replication.throttled.replicas': throttledReplicas,
  'index.interval.bytes': int(0, 'bytes'),
  'leader.replication.throttled.replicas': throttledReplicas,
  'local.retention.bytes': long(-2, 'bytes; -2: retention.bytes'),
  'local.retention.ms': long(-2, 'milliseconds; -2: retention.ms'),
  'max.compaction.lag.ms': long(1, 'milliseconds'),
  'max.message.bytes': int(0, 'bytes'),
  'message.timestamp.after.max.ms': long(0, 'milliseconds'),
  'message.timestamp.before.max.ms': long(0, 'milliseconds'),
  'message.timestamp.type': oneOf(['CreateTime', 'LogAppendTime']),
  'min.cleanable.dirty.ratio': ratio,
  'min.compaction.lag.ms': long(0, 'milliseconds'),
  // Kafka's own bound is the INT range; a replication factor is at most 32767 (a short), so more can never be met
  'min.insync.replicas': int(1, 'replicas', 32767),
  'preallocate': bool,
  'remote.log.copy.disable': bool,
  'remote.log.delete.on.disable': bool,
  'remote.storage.enable': bool,
  'retention.bytes': long(undefined, 'bytes; -1: no limit'),
  'retention.ms': long(-1, 'milliseconds; -1: no limit'),
  'segment.bytes': int(1048576, 'bytes'),
  'segment.index.bytes': int(4, 'bytes'),
  'segment.jitter.ms': long(0, 'milliseconds'),
  'segment.ms': long(1, 'milliseconds'),
  'unclean.leader.election.enable': bool,
};

/**
 * The broker settings whose values the library reads or depends on (replication of the internal topics, the
 * brokers' `min.insync.replicas`), with their rules; any other broker setting is passed on as it is.
 */
export const BROKER_SETTINGS: { readonly [key: string]: SettingRule } = {
  'auto.create.topics.enable': bool,
  'default.replication.factor': int(1, 'replicas', 32767),
  'min.insync.replicas': int(1, 'replicas', 32767),
  'num.partitions': int(1, 'partitions'),
  'offsets.topic.replication.factor': int(1, 'replicas', 32767),
  'remote.log.storage.system.enable': bool,
  'share.coordinator.state.topic.min.isr': int(1, 'replicas', 32767),
  'share.coordinator.state.topic.replication.factor': int(1, 'replicas', 32767),
  'transaction.state.log.min.isr': int(1, 'replicas', 32767),
  'transaction.state.log.replication.factor': int(1, 'replicas', 32767),
};

/**
 * What Strimzi refuses in `spec.kafka.config` (it sets these itself): `KafkaClusterSpec.FORBIDDEN_PREFIXES` and
 * `FORBIDDEN_PREFIX_EXCEPTIONS` of the Strimzi 0.51 API, exactly.
 */
export const STRIMZI_FORBIDDEN_PREFIXES = ['listeners', 'advertised.', 'broker.', 'listener.', 'host.name', 'port',
  'inter.broker.listener.name', 'sasl.', 'ssl.', 'security.', 'password.', 'log.dir', 'zookeeper.connect', 'zookeeper.set.acl',
  'zookeeper.ssl', 'zookeeper.clientCnxnSocket', 'authorizer.', 'super.user', 'cruise.control.metrics.topic',
  'cruise.control.metrics.reporter.bootstrap.servers', 'node.id', 'process.roles', 'controller.', 'metadata.log.dir',
  'zookeeper.metadata.migration.enable', 'client.quota.callback.static.kafka.admin.', 'client.quota.callback.static.produce',
  'client.quota.callback.static.fetch', 'client.quota.callback.static.storage.per.volume.limit.min.available.',
  'client.quota.callback.static.excluded.principal.name.list', 'prometheus.metrics.reporter.'];

export const STRIMZI_FORBIDDEN_EXCEPTIONS = ['zookeeper.connection.timeout.ms', 'sasl.server.max.receive.size', 'ssl.cipher.suites',
  'ssl.protocol', 'ssl.enabled.protocols', 'ssl.secure.random.implementation', 'cruise.control.metrics.topic.num.partitions',
  'cruise.control.metrics.topic.replication.factor', 'cruise.control.metrics.topic.retention.ms',
  'cruise.control.metrics.topic.auto.create.retries', 'cruise.control.metrics.topic.auto.create.timeout.ms',
  'cruise.control.metrics.topic.min.insync.replicas', 'broker.session.timeout.ms', 'broker.heartbeat.interval.ms',
  'controller.socket.timeout.ms', 'controller.quorum.election.backoff.max.ms', 'controller.quorum.election.timeout.ms',
  'controller.quorum.fetch.timeout.ms'];

/** The Strimzi prefix that forbids `key`, or undefined (Strimzi matches by prefix, with named exceptions). */
export function strimziForbiddenPrefix(key: string): string | undefined {
  if (STRIMZI_FORBIDDEN_EXCEPTIONS.includes(key)) return undefined;
  return STRIMZI_FORBIDDEN_PREFIXES.find((p) => key.startsWith(p));
}
