/**
 * Tier 2: KafkaWorkflow's failure contract for the brokers (README, "KafkaWorkflow: when a part fails"), on the
 * embedded cluster the library renders with its default three brokers: three combined controller+broker KRaft JVMs
 * (Kafka 4.3.1), each on its own loopback address, from the rendered `server.properties` (the quorum and the
 * advertised pod DNS names as rendered, resolved by nss_wrapper); the topics created by the workflow's own topics
 * Job script (replication factor 3; the brokers' `min.insync.replicas` 2); a copier stage running its generated
 * config in the stream processor (Bento 1.20.0).
 *
 * - The topics Job script run twice with changed declarations: partitions increased, settings changed, a decrease
 *   refused with a clear error (Kafka cannot remove partitions).
 * - A bounded stream of numbered messages, produced with `acks=all` by Kafka's verifiable producer (one line per
 *   acknowledged or failed message), through the copier while a broker, the leader of a partition of the input, is
 *   SIGKILLed: counted as produced, acknowledged and consumed (input and output topics). Then a second broker is
 *   SIGKILLed (two of three dead): an `acks=all` write is not acknowledged. Both are started again: every message
 *   ever acknowledged is in the input, and in the output.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { KafkaWorkflow } from '../../src';
import { kafkaHomeForScripts, KafkaNodeCluster, KafkaPartitionState, runStreamProcessor, startKafkaCluster } from '../harness/kafka';
import { runAsync, sleep, start, stopAll, tempDir, toolPath } from '../harness/proc';

const STREAM = 3_000;
const RATE = 100; // messages a second: a 30 s stream
/** Kafka's `broker.session.timeout.ms` (the controller fences a silent broker after it) plus a busy machine's margin. */
const FAILOVER_BOUND_MS = 60_000;

interface Synth { readonly wf: KafkaWorkflow; readonly objects: any[] }

/** A workflow on the default embedded cluster (3 brokers): `topics` as declared, and the broker test's copier. */
function synth(topics: Array<{ name: string; partitions: number; config?: Record<string, string> }>, copier = false): Synth {
  const app = Testing.app();
  const chart = new Chart(app, 'test');
  const wf = new KafkaWorkflow(chart, 'wf');
  for (const t of topics) wf.addTopic(t.name, { partitions: t.partitions, config: t.config, source: true, sink: true });
  if (copier) {
    wf.addTopic('in', { partitions: 3, source: true });
    wf.addTopic('out', { partitions: 3, sink: true });
    wf.addCopier('copy', { input: 'in', outputs: ['out'], replicas: 1 });
  }
  app.synth();
  return { wf, objects: chart.toJson() };
}

const main = synth([], true);
const find = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

let cluster: KafkaNodeCluster;
let kafkaHome: string;

beforeAll(async () => {
  const sts = find(main.objects, 'StatefulSet', 'wf-kafka');
  expect(sts.spec.replicas).toBe(3);
  const props: string = find(main.objects, 'ConfigMap', 'wf-kafka-config').data['server.properties'];
  expect(props).toMatch(/^min\.insync\.replicas=2$/m);
  expect(props).toMatch(/^controller\.quorum\.voters=0@wf-kafka-0\.wf-kafka:9093,1@wf-kafka-1\.wf-kafka:9093,2@wf-kafka-2\.wf-kafka:9093$/m);
  cluster = await startKafkaCluster({
    serverProperties: props,
    statefulSet: 'wf-kafka',
    nodes: 3,
    clusterId: sts.spec.template.spec.containers[0].env.find((e: any) => e.name === 'KAFKA_CLUSTER_ID').value,
  });
  kafkaHome = kafkaHomeForScripts(); // the Job's KAFKA_HOME: bin/ holds the CLI the script calls
}, 300_000);

afterAll(async () => {
  await stopAll();
});

/** The topics Job's script and environment as synthesized, run once with the CLI (as the Job's container does). */
async function runTopicsJob(s: Synth) {
  const job = s.objects.find((o) => o.kind === 'Job');
  const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
  expect(env.KAFKA_BOOTSTRAP_SERVERS).toBe('wf-kafka-0.wf-kafka:9092,wf-kafka-1.wf-kafka:9092,wf-kafka-2.wf-kafka:9092');
  const file = path.join(tempDir('topics-job'), 'create-topics.sh');
  fs.writeFileSync(file, find(s.objects, 'ConfigMap', 'wf-topics').data['create-topics.sh']);
  return runAsync('/bin/sh', [file], { env: { ...cluster.env, ...env, KAFKA_HOME: kafkaHome }, timeoutMs: 300_000 });
}

/** As the Job does: run it again after a failure (the quorum may still be electing), a bounded number of times. */
async function runTopicsJobUntilDone(s: Synth) {
  let r = await runTopicsJob(s);
  for (let attempt = 1; r.code !== 0 && attempt < 6; attempt++) { await sleep(5_000); r = await runTopicsJob(s); }
  if (r.code !== 0) throw new Error(`the topics Job script failed (${r.code}):\n${r.stdout}${r.stderr}`);
  return r;
}

async function topicSettings(topic: string): Promise<string> {
  const d = await runAsync(toolPath('kafka-run-class'), ['kafka.admin.ConfigCommand', '--bootstrap-server', cluster.bootstrap,
    '--describe', '--entity-type', 'topics', '--entity-name', topic], { env: { ...cluster.env, KAFKA_HEAP_OPTS: '-Xmx256m' }, timeoutMs: 90_000 });
  if (d.code !== 0) throw new Error(`kafka-configs --describe ${topic} failed:\n${d.stdout}${d.stderr}`);
  return d.stdout;
}

describe('the topics Job when the topics exist', () => {
  test('partitions grown are added, settings changed are set, a decrease fails the Job with the reason; a second run changes nothing', async () => {
    // GIVEN the topics as a first version of the workflow declares them, created by its Job
    const v1 = synth([{ name: 'grows', partitions: 2, config: { 'retention.ms': '3600000' } }, { name: 'shrinks', partitions: 3 }, { name: 'same', partitions: 1 }]);
    const first = await runTopicsJobUntilDone(v1);
    expect(first.stdout.split('\n').filter((l) => l.startsWith('topic ')).sort()).toEqual(['topic grows: created', 'topic same: created', 'topic shrinks: created']);
    expect((await cluster.describe('grows')).map((p) => p.replicas.length)).toEqual([3, 3]); // the replication factor of 3 brokers

    // WHEN a second version grows one topic's partitions and changes its settings, and shrinks another's
    const v2 = synth([{ name: 'grows', partitions: 5, config: { 'retention.ms': '7200000', 'cleanup.policy': 'compact,delete' } },
      { name: 'shrinks', partitions: 2 }, { name: 'same', partitions: 1 }]);
    const second = await runTopicsJob(v2);

    // THEN the growth and the settings are applied, the decrease is refused with the reason, and the Job fails
    expect(second.stdout).toContain('topic grows: partitions increased from 2 to 5\n');
    expect(second.stdout).toContain('topic grows: settings set: cleanup.policy=[compact,delete],retention.ms=7200000\n');
    expect(second.stdout).toContain('topic same: exists with the declared 1 partitions\n');
    expect(second.stderr).toContain('topic shrinks: has 3 partitions, 2 declared: Kafka cannot decrease partitions; declare 3 or more, or delete the topic (its messages are lost) and run this again');
    expect(second.code).toBe(1);
    expect((await cluster.describe('grows')).length).toBe(5);
    expect((await cluster.describe('shrinks')).length).toBe(3);
    const settings = await topicSettings('grows');
    expect(settings).toMatch(/retention\.ms=7200000 /);
    expect(settings).toMatch(/cleanup\.policy=compact,delete /);

    // AND a version that declares what the cluster has runs clean, and again without a change
    const v3 = synth([{ name: 'grows', partitions: 5, config: { 'retention.ms': '7200000', 'cleanup.policy': 'compact,delete' } },
      { name: 'shrinks', partitions: 3 }, { name: 'same', partitions: 1 }]);
    for (let run = 0; run < 2; run++) {
      const r = await runTopicsJob(v3);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/created|increased/);
      expect(r.stderr).not.toMatch(/topic /);
    }
    expect((await cluster.describe('grows')).length).toBe(5);
  }, 600_000);
});

/** What a producer reported: every acknowledged value, when (the producer's clock) and to which partition, every failure. */
interface Sends {
  readonly acked: string[];
  readonly acks: Array<{ at: number; partition: number }>;
  readonly failed: Array<{ value: string; exception: string; message: string }>;
  readonly done: boolean;
}

/**
 * Kafka's verifiable producer: `count` messages `<prefix>.<i>` to `topic` at `rate` a second, keys cycling over
 * `keys` values (spread over the partitions), one JSON line per acknowledged or failed send. It sets `retries=0`
 * itself; here it retries as a Kafka client does by default, and as the stages' producers do (idempotent, acks=all,
 * retried until `delivery.timeout.ms`, Kafka's default 120 s).
 */
async function produce(topic: string, prefix: number, count: number, rate: number, extra: Record<string, string> = {}, keys = 30) {
  const dir = tempDir('producer');
  const config = path.join(dir, 'producer.properties');
  const props = { 'linger.ms': '0', 'retries': '2147483647', 'enable.idempotence': 'true', ...extra };
  fs.writeFileSync(config, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const p = await start({
    name: `producer-${prefix}`,
    command: toolPath('kafka-run-class'),
    args: ['org.apache.kafka.tools.VerifiableProducer', '--bootstrap-server', cluster.bootstrap, '--topic', topic,
      '--max-messages', String(count), '--throughput', String(rate), '--acks', '-1', '--value-prefix', String(prefix), '--repeating-keys', String(keys), '--command-config', config],
    env: { ...cluster.env, KAFKA_HEAP_OPTS: '-Xmx256m' },
    maxLifeMs: 600_000,
  });
  const poll = (): Sends => {
    const acked: string[] = [];
    const acks: Sends['acks'] = [];
    const failed: Sends['failed'] = [];
    let done = false;
    for (const line of p.logs().split('\n')) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line);
      if (e.name === 'producer_send_success') {
        acked.push(e.value);
        acks.push({ at: e.timestamp, partition: e.partition });
      } else if (e.name === 'producer_send_error') {failed.push({ value: e.value, exception: e.exception, message: e.message });} else if (e.name === 'shutdown_complete') {done = true;}
    }
    return { acked, acks, failed, done: done || p.exited !== undefined };
  };
  return { process: p, poll };
}

/** Poll `f` every second until it returns true, at most `ms`. */
async function until(what: string, ms: number, f: () => Promise<boolean> | boolean): Promise<number> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not after ${ms} ms`);
    await sleep(1_000);
  }
  return Date.now() - t0;
}

function counts(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

describe('a broker SIGKILLed under a stream (3 brokers, replication factor 3, min.insync.replicas 2, acks=all)', () => {
  test('one dead: writes go on, nothing acknowledged is lost; two dead: no write is acknowledged; back: everything acknowledged is there', async () => {
    // GIVEN the workflow's topics, created by its Job, and the copier running its generated config
    await runTopicsJobUntilDone(main);
    const before = await cluster.describe('in');
    expect(before.map((p) => [p.replicas.length, p.isr.length])).toEqual([[3, 3], [3, 3], [3, 3]]);
    const stage = await runStreamProcessor(find(main.objects, 'ConfigMap', 'wf-copy-config').data['config.yaml'],
      { env: { ...cluster.env, GODEBUG: 'netdns=cgo' }, name: 'bento-copy', readyTimeoutMs: 120_000 });

    // WHEN a bounded stream runs and, a sixth of the way in, the leader of the input's partition 0 is SIGKILLed
    const stream = await produce('in', 1, STREAM, RATE);
    await until('the first acknowledgements', 120_000, () => stream.poll().acked.length >= STREAM / 6);
    const victim = before[0].leader;
    const killedAt = Date.now();
    const ackedAtKill = stream.poll().acked.length;
    await cluster.nodes[victim].kill();
    // THEN writes go on with two of three brokers: the stream is acknowledged further, partition 0 with a new leader
    await until('acknowledgements with 2 of 3 brokers', FAILOVER_BOUND_MS + 60_000, () => stream.poll().acked.length >= ackedAtKill + STREAM / 6);
    // and the controller fenced the victim: partition 0 has another leader, no ISR holds the victim
    let after: KafkaPartitionState[] = [];
    await until('the victim fenced', FAILOVER_BOUND_MS, async () => {
      after = await cluster.describe('in').catch(() => []);
      return after.length === 3 && after[0].leader >= 0 && after[0].leader !== victim && after.every((p) => !p.isr.includes(victim));
    });
    await until('the stream\'s end', 240_000, () => stream.poll().done);
    const sent = stream.poll();
    // per partition, the longest pause between two acknowledgements after the kill: the fail-over as clients see it
    const stalls = [0, 1, 2].map((partition) => {
      const times = sent.acks.filter((a) => a.partition === partition).map((a) => a.at).sort((a, b) => a - b);
      let longest = 0;
      for (let i = 1; i < times.length; i++) if (times[i] >= killedAt) longest = Math.max(longest, times[i] - Math.max(times[i - 1], killedAt));
      return longest;
    });
    const stall = Math.max(...stalls);

    // WHEN a second broker (the leader of partition 0 now) is SIGKILLed too: one of three left
    const second = after[0].leader;
    await cluster.nodes[second].kill();
    // (a new idempotent producer, and one without idempotence, which needs no producer id from the controller; a
    // new producer has no metadata yet, and a send blocks up to max.block.ms for it — Kafka's default of 60 s a send
    // made one run of 30 sends outlast the bound below, so 2 s: a send that gets no metadata fails with the same
    // TimeoutException, at once)
    const probes: Record<string, Sends> = {};
    for (const [name, prefix, idempotence] of [['idempotent', 2, 'true'], ['plain', 4, 'false']] as const) {
      const probe = await produce('in', prefix, 30, 10, {
        'delivery.timeout.ms': '20000', 'request.timeout.ms': '5000', 'max.block.ms': '2000', 'enable.idempotence': idempotence,
      });
      await until(`the ${name} probe's end`, 120_000, () => probe.poll().done);
      probes[name] = probe.poll();
    }

    // THEN no acks=all write is acknowledged, on any partition. The controller quorum (3 voters, the same nodes) has
    // lost its majority too: no leader moves, no ISR shrinks, no producer id is handed out — the writes time out;
    // none is refused with NOT_ENOUGH_REPLICAS (that needs an ISR the controller shrank below 2)
    for (const [name, refused] of Object.entries(probes)) {
      const kinds = [...counts(refused.failed.map((f) => f.exception.replace(/^class /, ''))).keys()];
      console.log(`two of three dead, ${name} producer: ${JSON.stringify({
        acked: refused.acked.length,
        failed: refused.failed.length,
        errors: [...counts(refused.failed.map((f) => `${f.exception}: ${f.message.replace(/in-[0-9]+:[0-9]+ ms/, 'in-N:… ms')}`)).entries()],
      })}`);
      expect(refused.acked).toEqual([]);
      expect(refused.failed.length).toBe(30);
      expect(kinds).toEqual(['org.apache.kafka.common.errors.TimeoutException']);
    }

    // WHEN both are started again on their logs
    await cluster.nodes[victim].restart();
    await cluster.nodes[second].restart();
    await until('every partition back in sync on 3 replicas', 180_000, async () => {
      const d = await cluster.describe('in').catch(() => []);
      return d.length === 3 && d.every((p) => p.isr.length === 3);
    });
    const tail = await produce('in', 3, 300, 100);
    await until('the last stream\'s end', 180_000, () => tail.poll().done);
    const last = tail.poll();
    expect(last.failed).toEqual([]);

    // THEN every message ever acknowledged is in the input, once (the idempotent producer's retries); the copier
    // wrote each to the output: none lost, duplicates only of a re-read since the last offset commit
    const acked = [...sent.acked, ...last.acked];
    const expected = STREAM + 300;
    let out = counts([]);
    await until('every acknowledged message in the output', 180_000, async () => {
      out = counts(await cluster.consume('out', 3 * expected, 8_000));
      return acked.every((v) => out.has(v));
    });
    const input = counts(await cluster.consume('in', 3 * expected, 8_000));
    const lostIn = acked.filter((v) => !input.has(v)).length;
    const lostOut = acked.filter((v) => !out.has(v)).length;
    // duplicates of acknowledged messages; a probe's message that was not acknowledged may still have been written
    // (appended by a leader, replicated once a broker was back): the contract says nothing about those
    const dups = (m: Map<string, number>) => acked.reduce((s, v) => s + Math.max(0, (m.get(v) ?? 0) - 1), 0);
    const dupIn = dups(input);
    const dupOut = dups(out);
    const unackedWritten = [...input.keys()].filter((v) => !v.startsWith('1.') && !v.startsWith('3.')).length;
    console.log(`broker SIGKILL: ${JSON.stringify({
      produced: STREAM,
      acknowledged: sent.acked.length,
      failed: sent.failed.length,
      failedKinds: [...counts(sent.failed.map((f) => f.exception)).entries()],
      longestAckPauseMsByPartition: stalls,
      victim,
      second,
      inputRecords: [...input.values()].reduce((s, n) => s + n, 0),
      lostIn,
      dupIn,
      outputRecords: [...out.values()].reduce((s, n) => s + n, 0),
      lostOut,
      dupOut,
      maxCopiesOut: Math.max(...acked.map((v) => out.get(v) ?? 0)),
      unackedWritten,
    })}`);
    expect(stage.exited).toBeUndefined(); // the stage followed the leaders, it did not exit
    expect(sent.failed).toEqual([]); // a retrying producer saw every write through the fail-over
    expect(sent.acked.length).toBe(STREAM);
    expect(lostIn).toBe(0);
    expect(lostOut).toBe(0);
    expect(dupIn).toBe(0);
    expect(Math.max(...acked.map((v) => out.get(v) ?? 0))).toBeLessThanOrEqual(3);
    expect(dupOut).toBeLessThanOrEqual(expected / 10);
    expect(stall).toBeLessThan(FAILOVER_BOUND_MS);
  }, 1_200_000);
});
