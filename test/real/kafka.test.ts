/**
 * Tier 2: the Kafka harness works and can fail. A real KRaft broker (Maven Central jars) round-trips messages, the
 * stream processor (Bento) copies a topic to another with a minimal config, and `bento lint` rejects a broken one.
 */
import { KafkaBroker, lintStreamConfig, runStreamProcessor, startKafka } from '../harness/kafka';
import { stopAll } from '../harness/proc';

let kafka: KafkaBroker;

beforeAll(async () => {
  kafka = await startKafka({ topics: [{ name: 'in' }, { name: 'out' }, { name: 'keyed', partitions: 3 }] });
}, 180_000);

afterAll(async () => {
  await stopAll();
});

/** A minimal copier: everything from `in` to `out`, one franz-go consumer and one sarama producer. */
const copier = `
input:
  kafka_franz:
    seed_brokers: [ "\${KAFKA_BOOTSTRAP}" ]
    topics: [ in ]
    consumer_group: copier
    start_from_oldest: true
output:
  kafka:
    addresses: [ "\${KAFKA_BOOTSTRAP}" ]
    topic: out
logger:
  level: WARN
`;

describe('kafka broker', () => {
  test('creates the topics it was asked for', async () => {
    const topics = await kafka.listTopics();
    expect(topics).toEqual(expect.arrayContaining(['in', 'out', 'keyed']));
  });

  test('round-trips messages', async () => {
    await kafka.produce('in', ['hello', 'world']);
    expect(await kafka.consume('in', 2, 20_000)).toEqual(['hello', 'world']);
  });

  test('keeps keys, and a key always lands on the same partition', async () => {
    await kafka.produce('keyed', [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'a', value: '3' }]);
    const records = await kafka.consumeRecords('keyed', 3, 20_000);
    expect(records.map((r) => `${r.key}=${r.value}`).sort()).toEqual(['a=1', 'a=3', 'b=2']);
    const partitionsOfA = new Set(records.filter((r) => r.key === 'a').map((r) => r.partition));
    expect(partitionsOfA.size).toBe(1);
  });

  test('consume returns what arrived when the timeout passes first', async () => {
    await kafka.createTopic({ name: 'empty' });
    expect(await kafka.consume('empty', 1, 2_000)).toEqual([]);
  });
});

describe('stream processor', () => {
  test('copies messages from one topic to another', async () => {
    const env = { KAFKA_BOOTSTRAP: kafka.bootstrap };
    expect(lintStreamConfig(copier, { env })).toEqual({ ok: true, output: '' });
    const bento = await runStreamProcessor(copier, { env });
    try {
      // 'in' already holds 'hello' and 'world' from the round trip; add one more
      await kafka.produce('in', ['copied']);
      const out = await kafka.consume('out', 3, 30_000);
      expect(out.sort()).toEqual(['copied', 'hello', 'world']);
      expect(bento.exited).toBeUndefined();
    } finally {
      await bento.stop();
    }
  });

  test('bento lint accepts the copier without env and rejects broken configs', () => {
    expect(lintStreamConfig(copier).ok).toBe(true);

    const unknownField = lintStreamConfig(copier.replace('topics: [ in ]', 'topicz: [ in ]'));
    expect(unknownField.ok).toBe(false);
    expect(unknownField.output).toMatch(/field topicz not recognised/);

    const unknownOutput = lintStreamConfig(copier.replace('  kafka:\n', '  kafkaa:\n'));
    expect(unknownOutput.ok).toBe(false);
    expect(unknownOutput.output).toMatch(/kafkaa/);

    const badMapping = lintStreamConfig(`${copier}pipeline:\n  processors:\n    - mapping: 'root = this.('\n`);
    expect(badMapping.ok).toBe(false);
  });

  test('a stream processor that cannot start fails with its log', async () => {
    await expect(runStreamProcessor('input:\n  nope: {}\n', { readyTimeoutMs: 10_000 })).rejects.toThrow(/nope/);
  });
});
