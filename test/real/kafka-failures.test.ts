/**
 * Tier 2: KafkaWorkflow's failure contract (README, "KafkaWorkflow: when a part fails"), proven on a real KRaft broker
 * (Kafka 4.3.1 on loopback) with the stream processor (Bento 1.20.0) running a stage's generated config unchanged,
 * two replicas in the stage's consumer group, as its Deployment runs them.
 *
 * Each case streams 5,000 numbered messages (keyed, over 4 partitions) into the stage's input in batches while it
 * runs, breaks one part mid-stream, and counts what reached the output: lost (a number never seen) and duplicated
 * (seen more than once). The contract: nothing lost; a duplicate only of a record read since its partition's last
 * offset commit (`commit_period: 1s`) by the replica that gave the partition up, once more per hand-over. For a
 * SIGKILL the bound asserted is what the victim read in the 5 s before it died (its own `input_received` counter,
 * scraped every 250 ms: one commit period plus margin). A SIGSTOP or a broker restart hands partitions over while a
 * backlog is being caught up (fast reading, so one commit period holds more records) and twice (away and back): the
 * bound asserted there is 10 % of the stream and at most one copy more per hand-over. A replica that wakes from a
 * SIGSTOP still believes it owns its partitions until its next heartbeat tells it otherwise, and writes what it had
 * fetched already: up to `checkpoint_limit` (1024) records per partition it held, on top.
 */
import * as http from 'http';
import { Server } from 'net';
import { Chart, Testing } from 'cdk8s';
import { KafkaCluster, KafkaWorkflow } from '../../src';
import { allocHost, nssWrapperEnv } from '../harness/daemons';
import { KafkaBroker, runStreamProcessor, startForwarder, startKafka, StreamProcessor } from '../harness/kafka';
import { sleep, stopAll } from '../harness/proc';

const N = 5_000;
const BATCHES = 20;
/** The batch after which the part is broken: mid-stream, with most of the stream still to come. */
const BREAK_AFTER = 6;
/** franz-go's group session timeout (Bento 1.20 does not expose it): a silent member is dropped after this. */
const SESSION_TIMEOUT_MS = 45_000;
const CASES = ['kill', 'stop', 'broker'];
/** The stop and broker cases' bound on duplicates (see above). */
const CATCH_UP_DUPLICATES = N / 10;
/** The stage configs' `checkpoint_limit`: how many records of a partition a replica may hold unacknowledged. */
const CHECKPOINT_LIMIT = 1024;

function testWorkflow(): { wf: KafkaWorkflow; objects: any[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'test');
  const wf = new KafkaWorkflow(chart, 'wf', { cluster: KafkaCluster.embedded({ brokers: 1 }) });
  for (const c of CASES) {
    wf.addTopic(`in-${c}`, { partitions: 4, source: true });
    wf.addTopic(`out-${c}`, { partitions: 4, sink: true });
    wf.addCopier(c, { input: `in-${c}`, outputs: [`out-${c}`], replicas: 2 });
  }
  app.synth();
  return { wf, objects: chart.toJson() };
}

const { wf, objects } = testWorkflow();
const configOf = (stage: string): string => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `wf-${stage}-config`).data['config.yaml'];
const replicasOf = (stage: string): number => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `wf-${stage}`).spec.replicas;

let kafka: KafkaBroker;
let forwarder: Server;
let env: Record<string, string>;

beforeAll(async () => {
  kafka = await startKafka({ topics: wf.topics.map((t) => ({ name: t.topicName, partitions: t.partitions })) });
  const [bHost, bPort] = kafka.bootstrap.split(':');
  const podAddress = allocHost();
  forwarder = await startForwarder(podAddress, 9092, { host: bHost, port: Number(bPort) });
  expect(wf.bootstrapServers).toEqual(['wf-kafka-0.wf-kafka:9092']);
  env = { ...nssWrapperEnv({ 'wf-kafka-0.wf-kafka': podAddress }), GODEBUG: 'netdns=cgo' };
}, 180_000);

afterAll(async () => {
  forwarder?.close();
  await stopAll();
});

/** The sum of a Bento counter over its label sets, from `/metrics`; undefined when the process does not answer. */
function counter(p: StreamProcessor, name: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(`${p.httpUrl}/metrics`, { timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body.split('\n').filter((l) => l.startsWith(`${name}{`)).reduce((s, l) => s + Number(l.split(' ').pop()), 0)));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

interface Tally { readonly lost: number; readonly duplicated: number; readonly maxCopies: number; readonly total: number }

/** Every message's number, counted as the output topic holds them. */
async function tally(topic: string): Promise<Tally> {
  const values = await kafka.consume(topic, 3 * N, 6_000);
  const seen = new Map<number, number>();
  for (const v of values) { const id = JSON.parse(v).id; seen.set(id, (seen.get(id) ?? 0) + 1); }
  let lost = 0;
  for (let id = 0; id < N; id++) if (!seen.has(id)) lost++;
  return { lost, duplicated: values.length - seen.size, maxCopies: Math.max(0, ...seen.values()), total: values.length };
}

/** Wait until every number is in the output (or the deadline), then count once more after the stage went quiet. */
async function settle(topic: string, deadlineMs: number): Promise<Tally & { readonly completeAfterMs: number }> {
  const t0 = Date.now();
  let t = await tally(topic);
  while (t.lost > 0 && Date.now() - t0 < deadlineMs) { await sleep(3_000); t = await tally(topic); }
  const completeAfterMs = Date.now() - t0;
  await sleep(3_000);
  return { ...(await tally(topic)), completeAfterMs };
}

/**
 * Streams the N messages into `in-<stage>` in BATCHES producer runs; after BREAK_AFTER of them, `breakIt` runs (not
 * awaited by the stream). Meanwhile the victim's `input_received` is scraped every 250 ms: the bound on duplicates is
 * what it read in the 5 s before the break.
 */
async function streamAndBreak(
  stage: string, victim: StreamProcessor, breakIt: () => Promise<void>,
): Promise<{ readNearBreak: number; readTotal: number }> {
  const samples: Array<{ at: number; n: number }> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const n = await counter(victim, 'input_received');
      if (n !== undefined) samples.push({ at: Date.now(), n });
      await sleep(250);
    }
  })();
  let broken: Promise<void> | undefined;
  let brokeAt = 0;
  const per = N / BATCHES;
  for (let b = 0; b < BATCHES; b++) {
    if (b === BREAK_AFTER) {
      await sleep(500); // let the stage catch up to the stream's middle
      sampling = false;
      await sampler;
      brokeAt = Date.now();
      broken = breakIt();
    }
    const batch = Array.from({ length: per }, (_, i) => b * per + i).map((id) => ({ key: `k-${id}`, value: JSON.stringify({ id }) }));
    await kafka.produce(`in-${stage}`, batch);
  }
  await broken;
  const last = samples[samples.length - 1]?.n ?? 0;
  const before = [...samples].reverse().find((s) => s.at <= brokeAt - 5_000)?.n ?? 0;
  return { readNearBreak: last - before, readTotal: last };
}

async function replicas(stage: string): Promise<StreamProcessor[]> {
  expect(replicasOf(stage)).toBe(2);
  const ps: StreamProcessor[] = [];
  expect(configOf(stage)).toContain(`checkpoint_limit: ${CHECKPOINT_LIMIT}\n`);
  for (let i = 0; i < 2; i++) ps.push(await runStreamProcessor(configOf(stage), { env, name: `bento-${stage}-${i}` }));
  await sleep(5_000); // the second member's join rebalances the group: both own partitions before the stream starts
  return ps;
}

describe('KafkaWorkflow failure contract (two replicas of a copier, 5,000 messages)', () => {
  test('a stage replica SIGKILLed mid-stream: 0 lost; duplicates only of what it read in its last commit period, each at most once more', async () => {
    const [victim, survivor] = await replicas('kill');
    const { readNearBreak, readTotal } = await streamAndBreak('kill', victim, async () => { process.kill(-victim.pid, 'SIGKILL'); });
    const t = await settle('out-kill', SESSION_TIMEOUT_MS + 90_000);
    console.log(`replica SIGKILL: ${JSON.stringify({ ...t, victimRead: readTotal, victimReadInLast5s: readNearBreak })}`);
    expect(readTotal).toBeGreaterThan(0); // the victim owned partitions and was working
    expect(survivor.exited).toBeUndefined();
    expect(t.lost).toBe(0);
    expect(t.maxCopies).toBeLessThanOrEqual(2);
    expect(t.duplicated).toBeLessThanOrEqual(readNearBreak);
  }, 420_000);

  test('a stage replica SIGSTOPped past the session timeout, then resumed: 0 lost; duplicates of at most what it held unacknowledged plus one commit period per hand-over', async () => {
    const [victim, survivor] = await replicas('stop');
    const { readNearBreak, readTotal } = await streamAndBreak('stop', victim, async () => {
      process.kill(-victim.pid, 'SIGSTOP');
      await sleep(SESSION_TIMEOUT_MS + 10_000); // the group drops it; the survivor takes its partitions from their last commit
      process.kill(-victim.pid, 'SIGCONT'); // the zombie wakes: its commits are refused, it rejoins
    });
    const t = await settle('out-stop', 90_000);
    console.log(`replica SIGSTOP ${SESSION_TIMEOUT_MS / 1000 + 10}s: ${JSON.stringify({ ...t, victimRead: readTotal, victimReadInLast5s: readNearBreak })}`);
    expect(readTotal).toBeGreaterThan(0);
    expect([victim.exited, survivor.exited]).toEqual([undefined, undefined]); // both alive, both in the group again
    expect(t.lost).toBe(0);
    expect(t.maxCopies).toBeLessThanOrEqual(3); // away and back: two hand-overs
    // the zombie's writes of what it had fetched (checkpoint_limit per partition it held: half of the 4) + catch-up
    expect(t.duplicated).toBeLessThanOrEqual(CHECKPOINT_LIMIT * 2 + CATCH_UP_DUPLICATES);
  }, 420_000);

  test('the broker (replication factor 1) SIGKILLed mid-stream and restarted: 0 lost; duplicates within the catch-up bound', async () => {
    const [a, b] = await replicas('broker');
    const { readTotal } = await streamAndBreak('broker', a, async () => {
      await kafka.kill();
      await sleep(5_000);
      await kafka.restart(); // the same log dir: the stages reconnect on their own
    });
    const t = await settle('out-broker', 120_000);
    const input = await kafka.consume('in-broker', 3 * N, 6_000);
    console.log(`broker SIGKILL + restart: ${JSON.stringify({ ...t, inputRecords: input.length, replicaARead: readTotal })}`);
    expect(input.length).toBe(N); // the producer's own retries wrote each message once (idempotent producer)
    expect([a.exited, b.exited]).toEqual([undefined, undefined]); // the stages waited for the broker, they did not exit
    expect(t.lost).toBe(0);
    expect(readTotal).toBeGreaterThan(0);
    // a write that timed out while the broker was down is written again (copy 2), and the group re-reads from its
    // last commit when the coordinator is back (copy 3 at most)
    expect(t.maxCopies).toBeLessThanOrEqual(3);
    expect(t.duplicated).toBeLessThanOrEqual(CATCH_UP_DUPLICATES);
  }, 420_000);
});
