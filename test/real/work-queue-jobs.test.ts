/**
 * Tier 2: the work queue's scripts, taken from the synthesized ConfigMaps and run exactly as the pods run them
 * (same commands, same environment; `/etc/work-queue` is the temp dir the ConfigMaps are written to), against a
 * real redis-server on 127.0.0.x started with the queue Deployment's arguments. The pod DNS name of the queue
 * Service resolves through nss_wrapper. Workers are real processes of every kind the library ships (worker.js per
 * item and --stdio, worker.sh, and programs on client.js and client.py), run as the pods of a parallel Job by a
 * model of the Job controller (replace failed pods until one succeeds; complete once one succeeded and all ended;
 * fail past backoffLimit). The failure contract is proven by killing its parts: workers and the queue's redis
 * SIGKILLed mid-run, counting items done, dead-lettered, lost and stranded.
 *
 * The Valkey engine is proven the same way with the redis build installed here, which Valkey is wire-compatible
 * with: `valkey-server` and `valkey-cli` are that build under the Valkey names, and `redis-server`/`redis-cli` are
 * shadowed on PATH by stand-ins that fail, so a script that called a redis-* name (absent from the valkey image)
 * fails the test.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parseAllDocuments } from 'yaml';
import { buildApp as buildThumbnails } from '../../examples/work-queue-thumbnails';
import { AppContainerProps, QueueEngine, QueuePersistence, RedisAuth, WorkerMode, WorkerModeKind, WorkItems, WorkQueueJobs, WorkQueueJobsProps } from '../../src';
import { assertValid, one } from '../harness';
import { serverDryRun, startApiServer } from '../harness/apiserver';
import { freeHost, nssWrapperEnv, redisCommand, redisPipeline } from '../harness/daemons';
import { cyclonusVersion, ExtraPod, netpolTruthTable } from '../harness/netpol';
import { run, runAsync, sleep, start, Started, stopAll, tempDir, toolPath, TOOLS_DIR } from '../harness/proc';
import { authReplies, launchRedisAuth, RedisAuthLaunch, runReadinessProbe } from '../harness/redis-auth';

afterAll(() => stopAll());

/**
 * The user's per-item command (the reference workers run it per item): logs the start, works, logs the end. A
 * `poison-crash` item kills its worker (the pod dies, as a segfaulting worker would), `poison-fail` exits 3,
 * `slow-item` works longer than the lease (the renewals must keep it).
 */
const PROCESS = [
  'printf "%s\\n" "$WORK_ITEM" >> "$LOG_DIR/$WORKER_ID.started"',
  'case "$WORK_ITEM" in poison-crash*) kill -9 "$PPID"; sleep 5; exit 1 ;; poison-fail*) exit 3 ;; slow-item*) sleep "${SLOW_SECONDS:-6}" ;; esac',
  'if [ -n "${WORK_SLEEP:-}" ]; then sleep "$WORK_SLEEP"; fi',
  'printf "%s\\n" "$WORK_ITEM" >> "$LOG_DIR/$WORKER_ID.done"',
].join('; ');
/** The same for worker.js --stdio: one long-lived process, an item per line in, `ok` or `fail` per line out. */
const LINES = [
  'while IFS= read -r item; do',
  '  printf "%s\\n" "$item" >> "$LOG_DIR/$WORKER_ID.started"',
  '  case "$item" in poison-crash*) kill -9 "$PPID"; exit 1 ;; poison-fail*) echo fail; continue ;; slow-item*) sleep "${SLOW_SECONDS:-6}" ;; esac',
  '  if [ -n "${WORK_SLEEP:-}" ]; then sleep "$WORK_SLEEP"; fi',
  '  printf "%s\\n" "$item" >> "$LOG_DIR/$WORKER_ID.done"',
  '  echo ok',
  'done',
].join('\n');
/** A worker written against client.py, in-process. */
const PYTHON = `
import os, signal, sys, time
sys.path.insert(0, os.environ["QUEUE_SCRIPTS_DIR"])
from client import WorkQueue, QueueError
d = os.environ["LOG_DIR"] + "/" + os.environ["WORKER_ID"]
def handle(item, attempt, lost):
    with open(d + ".started", "a") as f: f.write(item + "\\n")
    if item.startswith("poison-crash"): os.kill(os.getpid(), signal.SIGKILL)
    if item.startswith("poison-fail"): raise RuntimeError("poison")
    if item.startswith("slow-item"): time.sleep(float(os.environ.get("SLOW_SECONDS", "6")))
    time.sleep(float(os.environ.get("WORK_SLEEP") or 0))
    with open(d + ".done", "a") as f: f.write(item + "\\n")
q = WorkQueue.from_env()
try:
    r = q.run(handle)
except QueueError as e:
    print("worker %s: %s" % (q.id, e), file=sys.stderr)
    sys.exit(3 if e.code == "ELOST" else 2)
print("worker %s: %d items, %d failed" % (q.id, r["done"] + r["failed"] + r["lost"], r["failed"]))
`;
/** A worker written against client.js, in-process. */
const NODE = `
const fs = require('fs');
const { WorkQueue } = require(process.env.QUEUE_SCRIPTS_DIR + '/client.js');
const d = process.env.LOG_DIR + '/' + process.env.WORKER_ID;
const q = WorkQueue.fromEnv();
q.run(async (item) => {
  fs.appendFileSync(d + '.started', item + '\\n');
  if (item.startsWith('poison-crash')) process.kill(process.pid, 'SIGKILL');
  if (item.startsWith('poison-fail')) throw new Error('poison');
  if (item.startsWith("slow-item")) await new Promise((r) => setTimeout(r, Number(process.env.SLOW_SECONDS || 6) * 1000));
  if (process.env.WORK_SLEEP) await new Promise((r) => setTimeout(r, Number(process.env.WORK_SLEEP) * 1000));
  fs.appendFileSync(d + '.done', item + '\\n');
}).then((r) => { q.close(); console.log('worker ' + q.id + ': ' + (r.done + r.failed + r.lost) + ' items, ' + r.failed + ' failed'); },
  (e) => { console.error('worker ' + q.id + ': ' + e.message); process.exit(e.code === 'ELOST' ? 3 : 2); });
`;
const WORKER: AppContainerProps = { image: 'node:22.11.0-bookworm', command: ['node', '/etc/work-queue/scripts/worker.js', '/bin/sh', '-c', PROCESS] };
const PASSWORD = () => RedisAuth.fromSecret(kplus.Secret.fromSecretName(new Chart(Testing.app(), 'x'), 's', 'queue-password'), 'password');
/** The kinds of worker process a pod may run, in turn. */
const ALL_KINDS = ['js', 'sh', 'stdio', 'py', 'node-client'] as const;
type Kind = typeof ALL_KINDS[number];
/** The worker command of each kind, as the pod sees it (`js` is `WORKER`'s). */
const KIND_COMMAND: Record<Kind, string[]> = {
  'js': WORKER.command!,
  'sh': ['/bin/sh', '/etc/work-queue/scripts/worker.sh', '/bin/sh', '-c', PROCESS],
  'stdio': ['node', '/etc/work-queue/scripts/worker.js', '--stdio', '/bin/sh', '-c', LINES],
  'py': ['python3', '-c', PYTHON],
  'node-client': ['node', '-e', NODE],
};
/** `WQ_KINDS=sh,py` runs only those (to look at one kind); the suite runs all. */
const KINDS: readonly Kind[] = process.env.WQ_KINDS ? process.env.WQ_KINDS.split(',') as Kind[] : ALL_KINDS;

/**
 * A PATH on which the valkey image's names are the redis build here and the redis names fail, as in the valkey
 * image (which ships no `redis-*` names).
 */
function valkeyPath(): string {
  const bin = tempDir('valkey-bin');
  fs.symlinkSync(toolPath('redis-server'), path.join(bin, 'valkey-server'));
  fs.symlinkSync(toolPath('redis-cli'), path.join(bin, 'valkey-cli'));
  for (const name of ['redis-server', 'redis-cli']) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name}: not in the valkey image" >&2\nexit 127\n`, { mode: 0o755 });
  }
  return `${bin}:${process.env.PATH}`;
}

/** A synthesized WorkQueueJobs, its objects, and its ConfigMaps written out as the pods see them. */
interface Synth {
  readonly q: WorkQueueJobs;
  readonly objs: any[];
  readonly root: string;
  readonly work: string;
  readonly local: (p: string) => string;
  readonly sibling: (over: Partial<WorkQueueJobsProps>, namespace?: string) => Synth;
}

function synth(props: Partial<WorkQueueJobsProps>, namespace?: string): Synth {
  const chart = new Chart(Testing.app(), 'wq', { namespace });
  // Tests not about auth opt out (RedisAuth.none()); the password tests below run the Secret's auth.
  const noAuth = props.mode?.kind === WorkerModeKind.INDEXED || props.queueAddress !== undefined ? {} : { queueAuth: RedisAuth.none() };
  const q = new WorkQueueJobs(chart, 'thumbs', { worker: WORKER, ...noAuth, ...props });
  const objs = chart.toJson();
  assertValid(objs);
  const root = tempDir('wq-pod');
  for (const cm of objs.filter((o) => o.kind === 'ConfigMap')) {
    const sub = cm.metadata.name === q.scripts?.name ? 'scripts' : 'items';
    fs.mkdirSync(path.join(root, sub), { recursive: true });
    for (const [file, text] of Object.entries(cm.data as Record<string, string>)) fs.writeFileSync(path.join(root, sub, file), text);
  }
  const work = tempDir('wq-work');
  /** A path of the pod (`/etc/work-queue/...`, `/var/run/work-queue/...`) as the test sees it. */
  const local = (p: string) => p.replace(/^\/etc\/work-queue/, root).replace(/^\/var\/run\/work-queue/, work);
  /**
   * The same WorkQueueJobs with `over` (another worker command, another mode), synthesized on its own: a pod runs
   * only what its own scripts ConfigMap ships, so a kind of worker (or the reaper) runs from the ConfigMap it gets.
   */
  const sibling = (over: Partial<WorkQueueJobsProps>, ns = namespace) => synth({ ...props, ...over }, ns);
  return { q, objs, root, work, local, sibling };
}

/** The scripts dir (as the test sees it) of the pod of a `kind` of worker, and its command there. */
function kindPod(s: Synth, kind: Kind): { scripts: string; command: string[] } {
  const { local } = s.sibling({ worker: { ...WORKER, command: KIND_COMMAND[kind] } });
  return { scripts: local('/etc/work-queue/scripts'), command: KIND_COMMAND[kind].map(local) };
}

/** The literal environment of a container, plus the downward-API pod name. */
function envOf(container: any, podName?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) out[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name' && podName) out[e.name] = podName;
  }
  return out;
}

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

async function redis(host: string, port: number, ...args: string[]): Promise<string> {
  const r = await redisCommand(host, port, ...args);
  const m = /^(?::(-?\d+)|\+(.*)|\$-1|\$\d+\r\n([\s\S]*))\r\n$/.exec(r);
  if (!m) throw new Error(`unexpected reply to ${args.join(' ')}: ${JSON.stringify(r)}`);
  return m[1] ?? m[2] ?? m[3] ?? '';
}

/**
 * The queue Deployment's server with exactly its arguments (and command: the password variant runs through `sh
 * -c`), on a loopback address, its `/data` a temp dir that outlives the process: SIGKILL it and start it again,
 * as a pod restarted on its claim.
 */
class QueueServer {
  public static async of(objs: any[], opts: { password?: string; PATH?: string; name?: string } = {}): Promise<QueueServer> {
    const c = one(objs, 'Deployment', opts.name).spec.template.spec.containers[0];
    const args: string[] = [...c.args];
    args.splice(args.indexOf('--dir'), 2, '--dir', tempDir('wq-data'));
    return new QueueServer(await freeHost(6379), c.command, args, opts);
  }

  public proc?: Started;
  public readonly port = 6379;
  private starts = 0;

  private constructor(public readonly host: string, private readonly command: string[], public readonly args: string[],
    private readonly opts: { password?: string; PATH?: string }) {}

  public async start(): Promise<void> {
    const argv = [...this.args, '--bind', this.host];
    const viaShell = this.command[0] === 'sh';
    this.proc = await start({
      name: `queue-${this.host}-${++this.starts}`,
      command: viaShell ? '/bin/sh' : toolPath(this.command[0]),
      args: viaShell ? [...this.command.slice(1), ...argv] : argv,
      env: { ...(this.opts.password ? { REDISCLI_AUTH: this.opts.password } : {}), ...(this.opts.PATH ? { PATH: this.opts.PATH } : {}) },
      readyPort: { host: this.host, port: this.port },
    });
  }

  /** SIGKILL, as a node or OOM kill; waits until it is gone. */
  public kill(): void {
    const p = this.proc!;
    process.kill(p.pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (p.exited === undefined && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/**
 * The queue server as its pod starts it with a password: the include its init container wrote (`launch`) as its
 * config file, then its exact args, `/data` a temp dir, bound to a loopback address.
 */
async function startQueueWithInclude(name: string, server: string, launch: RedisAuthLaunch, dataDir: string, host: string): Promise<Started> {
  const include = path.join(tempDir('wq-auth'), 'auth.conf');
  fs.writeFileSync(include, launch.configText);
  const args = [...launch.args];
  args.splice(args.indexOf('--dir'), 2, '--dir', dataDir);
  return start({ name, command: server, args: [include, ...args, '--bind', host], readyPort: { host, port: 6379 } });
}

/** The queue's keys in the order queue.lua reads them (KEYS[1..7]). */
function orderedKeys(q: WorkQueueJobs): string[] {
  const k = q.keys!;
  return [k.pending, k.leased, k.attempts, k.delayed, k.deadLetters, k.stats, k.seeds];
}

/** A pod of a parallel Job, as the model below runs it. */
interface PodRun { readonly id: string; readonly kind: Kind; readonly proc: Started; code?: number | null; signal?: string | null }

/** What the queue holds: its lengths and counters (`queue.lua` status, read directly). */
interface QueueCounts {
  pending: number; leased: number; delayed: number; dead: number; done: number; retried: number; expired: number; buried: number; stale: number;
}

async function queueCounts(queue: { host: string; port: number }, q: WorkQueueJobs, password?: string): Promise<QueueCounts> {
  const k = q.keys!;
  const counters = ['done', 'retried', 'expired', 'buried', 'stale'];
  const r = await redisPipeline(queue.host, queue.port, [
    ...(password ? [['AUTH', password]] : []),
    ['LLEN', k.pending], ['ZCARD', k.leased], ['ZCARD', k.delayed], ['LLEN', k.deadLetters], ...counters.map((c) => ['HGET', k.stats, c]),
  ]);
  const n = r.slice(password ? 1 : 0).map((v) => (v === '$-1' ? 0 : Number(v.replace(/^:/, ''))));
  return { pending: n[0], leased: n[1], delayed: n[2], dead: n[3], done: n[4], retried: n[5], expired: n[6], buried: n[7], stale: n[8] };
}

function deadLetters(queue: { host: string; port: number }, q: WorkQueueJobs): string[] {
  const r = run(toolPath('redis-cli'), ['-h', queue.host, '-p', String(queue.port), 'LRANGE', q.keys!.deadLetters, '0', '-1']);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** The seeder Job's exact command; it must push every item. */
function seed(objs: any[], q: WorkQueueJobs, local: (p: string) => string, env: Record<string, string>) {
  const c = one(objs, 'Job', q.seeder!.name).spec.template.spec.containers[0];
  const r = run(c.command[0], c.command.slice(1).map(local), { env: { ...envOf(c), ...env }, timeoutMs: 60_000 });
  expect(r).toMatchObject({ code: 0, stdout: `seed: run ${q.seedRun} seeded: ${q._items!.length} items pushed\n` });
}

/** Items done and started, from every pod's logs; done more than once = duplicates (at-least-once). */
function tally(logDir: string) {
  const done = new Map<string, number>();
  const started = new Map<string, number>();
  for (const f of fs.readdirSync(logDir)) {
    const into = f.endsWith('.done') ? done : f.endsWith('.started') ? started : undefined;
    if (into) for (const item of lines(path.join(logDir, f))) into.set(item, (into.get(item) ?? 0) + 1);
  }
  return { done, started, duplicates: [...done.entries()].filter(([, n]) => n > 1).map(([i]) => i) };
}

/**
 * Starts the pods of the worker Job: its seed-wait init container (when it has one), then the worker, as one
 * process group; pod `i` runs `KINDS[i % 5]` on the same contract (the Job's worker command is `js`).
 */
function podLauncher(s: Synth, env: Record<string, string>, logDir: string) {
  const { q, objs, local } = s;
  const pod = one(objs, 'Job', q.workerJob!.name).spec.template.spec;
  const waitSeed = pod.initContainers?.[0];
  const worker = pod.containers[0];
  expect(worker.command).toEqual(KIND_COMMAND.js);
  // each kind from the scripts ConfigMap a Job of that worker command gets (`js`: this Job's own)
  const pods: Partial<Record<Kind, { scripts: string; command: string[] }>> = {
    js: { scripts: local('/etc/work-queue/scripts'), command: worker.command.map(local) },
  };
  return (id: string, kind: Kind): Promise<Started> => {
    const { scripts, command } = pods[kind] ??= kindPod(s, kind);
    const init = waitSeed ? ['/bin/sh "$0" && exec "$@"', local(waitSeed.command[1])] : ['exec "$@"', 'pod'];
    return start({
      name: id,
      command: '/bin/sh',
      args: ['-c', ...init, ...command],
      env: { ...(waitSeed ? envOf(waitSeed) : {}), ...envOf(worker, id), QUEUE_SCRIPTS_DIR: scripts, LOG_DIR: logDir, ...env },
      maxLifeMs: 280_000,
    });
  };
}

/**
 * A model of the Job controller for a parallel Job without completions (the work-queue pattern): it keeps
 * `parallelism` pods running and replaces failed ones while no pod has succeeded; once one succeeded it starts no
 * more, and the Job is Complete when every pod has ended; more than `backoffLimit` failures fail the Job (its
 * pods are killed).
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#parallel-jobs
 */
async function runParallelJob(o: {
  parallelism: number;
  backoffLimit: number;
  deadlineMs: number;
  launch: (id: string, kind: Kind) => Promise<Started>;
  onFirstSuccess?: () => Promise<QueueCounts>;
  chaos?: (job: { running: () => PodRun[]; ended: () => boolean }) => Promise<void>;
}): Promise<{ state: 'Complete' | 'Failed'; pods: PodRun[]; failures: number; firstSuccess?: QueueCounts }> {
  const pods: PodRun[] = [];
  let failures = 0;
  let succeeded = 0;
  let state: 'Complete' | 'Failed' | undefined;
  let firstSuccess: QueueCounts | undefined;
  const running = () => pods.filter((p) => p.code === undefined && p.signal === undefined);
  const chaos = o.chaos?.({ running, ended: () => state !== undefined });
  const deadline = Date.now() + o.deadlineMs;
  while (state === undefined) {
    if (Date.now() > deadline) throw new Error(`the Job did not end in ${o.deadlineMs}ms; pods:\n${pods.map((p) => `${p.id}: ${p.proc.logs().slice(-600)}`).join('\n')}`);
    for (const p of running()) {
      if (p.proc.exited === undefined) continue;
      p.code = p.proc.child.exitCode;
      p.signal = p.proc.child.signalCode;
      if (p.code === 0) {
        if (succeeded++ === 0 && o.onFirstSuccess) firstSuccess = await o.onFirstSuccess();
      } else {
        failures++;
      }
    }
    if (failures > o.backoffLimit) {
      state = 'Failed';
      for (const p of running()) await p.proc.stop();
    } else if (succeeded === 0) {
      while (running().length < o.parallelism) {
        const i = pods.length;
        const kind = KINDS[i % KINDS.length];
        pods.push({ id: `thumbs-workers-${kind}-${i}`, kind, proc: await o.launch(`thumbs-workers-${kind}-${i}`, kind) });
      }
    } else if (running().length === 0) {
      state = 'Complete';
    }
    await sleep(100);
  }
  await chaos;
  return { state, pods, failures, firstSuccess };
}

/** A small seeded PRNG (Park and Miller's minimal standard), so a run's chaos is the same every time. */
function parkMiller(initial: number): () => number {
  let a = initial;
  return () => {
    a = (a * 48271) % 2147483647;
    return a / 2147483647;
  };
}

describe('WorkQueueJobs on a real Redis', () => {
  test('a poison item among 1,000: dead-lettered after maxAttempts, the other 998 and a slow item done, 0 lost; reaping ends with the batch', async () => {
    // GIVEN 997 photos, an item that kills its worker every time, one that fails every time, one slower than the lease
    const items = Array.from({ length: 1000 }, (_, i) => (i === 100 ? 'poison-crash' : i === 700 ? 'poison-fail' : i === 500 ? 'slow-item'
      : `photos/${String(i).padStart(4, '0')} café.jpg`));
    const s = synth({
      items: WorkItems.fromList(items),
      mode: WorkerMode.parallel({ parallelism: 5 }),
      lease: Duration.seconds(6),
      maxAttempts: 3,
      retryBackoff: Duration.millis(300),
      maxRetryBackoff: Duration.seconds(1),
    });
    const { q, objs, local } = s;
    // the parallel mode has no reaper CronJob: its workers reap in their takes
    expect(objs.filter((o) => o.kind === 'CronJob')).toEqual([]);
    const queue = await QueueServer.of(objs);
    await queue.start();
    const nss = nssWrapperEnv({ [q.queueHost!]: queue.host });
    const logDir = tempDir('wq-poison');

    // WHEN the Job's pods (every kind of worker, in turn) start before the seeder, which then seeds
    const job = runParallelJob({
      parallelism: 5,
      backoffLimit: 6,
      deadlineMs: 200_000,
      launch: podLauncher(s, { ...nss, SLOW_SECONDS: '9' }, logDir),
      onFirstSuccess: () => queueCounts(queue, q),
    });
    await sleep(2000);
    seed(objs, q, local, nss);
    const result = await job;

    // THEN the Job completed, and when its first pod succeeded nothing was pending, leased or waiting to retry
    const { done, started, duplicates } = tally(logDir);
    const dead = deadLetters(queue, q);
    expect({ dead: dead.sort(), logs: dead.length === 2 ? '' : result.pods.map((p) => `${p.id}: ${p.proc.logs().slice(-1500)}`).join('\n') })
      .toEqual({ dead: ['poison-crash', 'poison-fail'], logs: '' });
    expect(result.state).toBe('Complete');
    expect(result.firstSuccess).toMatchObject({ pending: 0, leased: 0, delayed: 0, dead: 2 });
    const lost = items.filter((i) => !done.has(i) && !dead.includes(i));
    expect(lost).toEqual([]);
    expect(done.size).toBe(998);
    // each poison item was attempted exactly maxAttempts times; the slow item once (its lease was renewed)
    expect([started.get('poison-crash'), started.get('poison-fail'), started.get('slow-item'), done.get('slow-item')]).toEqual([3, 3, 1, 1]);
    expect(result.failures).toBe(3); // the three pods the crashing item killed
    const stats = await queueCounts(queue, q);
    expect(stats).toMatchObject({ buried: 2, retried: 4, expired: 3 });
    // reaping ended with the batch: no process is left, no client is connected, the counters stand still
    await sleep(3000);
    expect(result.pods.filter((p) => p.proc.exited === undefined)).toEqual([]);
    expect((await redis(queue.host, queue.port, 'CLIENT', 'LIST')).split('\n').filter((l) => l !== '')).toHaveLength(1); // this one
    expect(await queueCounts(queue, q)).toEqual(stats);
    // eslint-disable-next-line no-console
    console.log(`work queue, poison: 1000 items, ${result.pods.length} pods (${result.failures} killed by poison-crash); done ${done.size}, `
      + `dead-lettered ${dead.length} (${dead.join(', ')}), lost ${lost.length}, duplicates ${duplicates.length}; stats ${JSON.stringify(stats)}`);
  }, 240_000);

  test('every kind of worker renews its lease: five items that take longer than the lease, each done once by one kind', async () => {
    const items = ALL_KINDS.map((_, i) => `slow-item-${i}`);
    const s = synth({ items: WorkItems.fromList(items), mode: WorkerMode.parallel({ parallelism: 5 }), lease: Duration.seconds(3) });
    const { q, objs, local } = s;
    const queue = await QueueServer.of(objs);
    await queue.start();
    const nss = nssWrapperEnv({ [q.queueHost!]: queue.host });
    const logDir = tempDir('wq-renew');
    seed(objs, q, local, nss);
    // (9 s, three leases: long enough that every kind has taken its item before one finishes, on a loaded machine too)
    const launch = podLauncher(s, { ...nss, SLOW_SECONDS: '9' }, logDir);
    const pods = await Promise.all(ALL_KINDS.map((kind, i) => launch(`renew-${kind}-${i}`, kind)));
    const deadline = Date.now() + 90_000;
    while (pods.some((p) => p.exited === undefined)) {
      if (Date.now() > deadline) throw new Error(pods.map((p) => p.logs()).join('\n'));
      await sleep(200);
    }
    expect(pods.map((p) => p.child.exitCode)).toEqual([0, 0, 0, 0, 0]);
    const { done } = tally(logDir);
    expect([...done.keys()].sort()).toEqual(items);
    expect([...done.values()]).toEqual([1, 1, 1, 1, 1]);
    // one item per kind (each holds one at a time and none finished before all had taken one), no lease ran out
    expect(ALL_KINDS.map((kind, i) => lines(path.join(logDir, `renew-${kind}-${i}.done`)).length)).toEqual([1, 1, 1, 1, 1]);
    expect(await queueCounts(queue, q)).toMatchObject({ done: 5, expired: 0, stale: 0, retried: 0 });
  }, 120_000);

  test('a lost lease stops the reference workers\' command; the item comes back and is done once', async () => {
    for (const kind of ['js', 'sh'] as const) {
      const s = synth({ items: WorkItems.fromList(['slow-item']), lease: Duration.seconds(3), retryBackoff: Duration.millis(100) });
      const { q, objs, local } = s;
      const queue = await QueueServer.of(objs);
      await queue.start();
      const nss = nssWrapperEnv({ [q.queueHost!]: queue.host });
      const logDir = tempDir(`wq-lost-${kind}`);
      seed(objs, q, local, nss);
      const pod = await podLauncher(s, { ...nss, SLOW_SECONDS: '5' }, logDir)(`lost-${kind}`, kind);
      while (lines(path.join(logDir, `lost-${kind}.started`)).length === 0) await sleep(100);
      // the lease goes to another worker while this one works (as after a long pause of this worker)
      const lease = await redisPipeline(queue.host, queue.port, [
        ['ZSCORE', q.keys!.leased, `slow-item\nlost-${kind}`], ['ZREM', q.keys!.leased, `slow-item\nlost-${kind}`],
      ]);
      expect(lease[1]).toBe(':1');
      expect(await redis(queue.host, queue.port, 'ZADD', q.keys!.leased, lease[0], 'slow-item\nsomeone-else')).toBe('1');
      const deadline = Date.now() + 60_000;
      while (pod.exited === undefined && Date.now() < deadline) await sleep(200);
      expect({ kind, exited: pod.exited }).toEqual({ kind, exited: `lost-${kind} exited (code 0, signal null)` });
      expect(pod.logs()).toMatch(/lease lost: slow-item/);
      // stopped at once (SIGTERM), taken again once the other worker's lease ran out, then done
      expect({ kind, started: lines(path.join(logDir, `lost-${kind}.started`)), done: lines(path.join(logDir, `lost-${kind}.done`)) })
        .toEqual({ kind, started: ['slow-item', 'slow-item'], done: ['slow-item'] });
      expect(await queueCounts(queue, q)).toMatchObject({ done: 1, expired: 1, retried: 1 });
    }
  }, 180_000);

  test('the queue\'s redis SIGKILLed and restarted twice (append-only file), workers SIGKILLed at random: 0 lost, 0 stranded', async () => {
    // GIVEN 1,000 items on a queue with the default persistence (AOF, fsync every second)
    const items = Array.from({ length: 1000 }, (_, i) => `photos/${String(i).padStart(4, '0')} café.jpg`);
    const s = synth({
      items: WorkItems.fromList(items),
      mode: WorkerMode.parallel({ parallelism: 6 }),
      lease: Duration.seconds(5),
      maxAttempts: 10,
      retryBackoff: Duration.millis(300),
      maxRetryBackoff: Duration.seconds(2),
      backoffLimit: 40,
      takeBatch: 4, // the batch lease under the same chaos (worker.sh takes one at a time)
    });
    const { q, objs, local } = s;
    expect(q.persistence).toBe(QueuePersistence.APPEND_FSYNC_EVERY_SECOND);
    const queue = await QueueServer.of(objs);
    expect(queue.args).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--appendfsync', 'everysec']));
    await queue.start();
    const nss = nssWrapperEnv({ [q.queueHost!]: queue.host });
    const logDir = tempDir('wq-restart');
    seed(objs, q, local, nss);

    // WHEN the Job runs (20 ms of work per item), the queue is SIGKILLed and restarted at 30 % and 60 % done, and
    // workers are SIGKILLed at random, one per 100 items done up to 800
    const chaos: string[] = [];
    const result = await runParallelJob({
      parallelism: 6,
      backoffLimit: 40,
      deadlineMs: 240_000,
      launch: podLauncher(s, { ...nss, WORK_SLEEP: '0.02' }, logDir),
      onFirstSuccess: () => queueCounts(queue, q),
      chaos: async (job) => {
        const random = parkMiller(22);
        let restarts = 0;
        let kills = 0;
        while (!job.ended()) {
          const n = tally(logDir).done.size;
          if ((restarts === 0 && n >= 300) || (restarts === 1 && n >= 600)) {
            queue.kill();
            chaos.push(`redis SIGKILLed at ${n} done`);
            await sleep(1500);
            await queue.start();
            restarts++;
          } else if (kills < 8 && n >= 100 * (kills + 1)) {
            const running = job.running();
            const victim = running[Math.floor(random() * running.length)];
            if (victim) {
              process.kill(-victim.proc.pid, 'SIGKILL');
              chaos.push(`${victim.id} (${victim.kind}) SIGKILLed at ${n} done`);
              kills++;
            }
          }
          await sleep(100 + Math.floor(random() * 200));
        }
        expect([restarts, kills]).toEqual([2, 8]);
      },
    });

    // THEN the Job completed only once nothing was pending, leased or waiting to retry; every item is done or dead
    expect(result.state).toBe('Complete');
    expect(result.firstSuccess).toMatchObject({ pending: 0, leased: 0, delayed: 0 });
    const { done, duplicates } = tally(logDir);
    const dead = deadLetters(queue, q);
    const lost = items.filter((i) => !done.has(i) && !dead.includes(i));
    const counts = await queueCounts(queue, q);
    const stranded = counts.pending + counts.leased + counts.delayed;
    expect({ lost: lost.length, stranded }).toEqual({ lost: 0, stranded: 0 });
    expect(done.size + dead.length).toBe(1000);
    // eslint-disable-next-line no-console
    console.log(`work queue, restarts: 1000 items, ${result.pods.length} pods (${result.failures} failed); ${chaos.join('; ')}; `
      + `done ${done.size}, dead-lettered ${dead.length}, lost ${lost.length}, stranded ${stranded}, duplicates ${duplicates.length} `
      + `(items whose work was done when their worker or the queue died before the settlement); stats ${JSON.stringify(counts)}`);
  }, 300_000);

  test('without persistence a restart loses every item not yet done; the workers notice the lost seed run and the Job fails', async () => {
    // GIVEN 1,000 items on a queue that keeps nothing on disk
    const items = Array.from({ length: 1000 }, (_, i) => `item-${i}`);
    const s = synth({
      items: WorkItems.fromList(items),
      mode: WorkerMode.parallel({ parallelism: 4 }),
      lease: Duration.seconds(5),
      retryBackoff: Duration.millis(300),
      queuePersistence: QueuePersistence.NONE,
    });
    const { q, objs, local } = s;
    expect(objs.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    const queue = await QueueServer.of(objs);
    expect(queue.args).toEqual(expect.arrayContaining(['--appendonly', 'no']));
    await queue.start();
    const nss = nssWrapperEnv({ [q.queueHost!]: queue.host });
    const logDir = tempDir('wq-volatile');
    seed(objs, q, local, nss);

    // WHEN the queue is SIGKILLed and restarted at about 40 % done (the workers paused for the moment, to count exactly)
    let atKill = { pending: -1, leased: -1, delayed: -1, done: -1 };
    const result = await runParallelJob({
      parallelism: 4,
      backoffLimit: 6,
      deadlineMs: 200_000,
      launch: podLauncher(s, { ...nss, SEED_WAIT_SECONDS: '4' }, logDir),
      chaos: async (job) => {
        while (tally(logDir).done.size < 400) await sleep(100);
        const paused = job.running();
        for (const p of paused) process.kill(-p.proc.pid, 'SIGSTOP');
        const c = await queueCounts(queue, q);
        atKill = { pending: c.pending, leased: c.leased, delayed: c.delayed, done: tally(logDir).done.size };
        queue.kill();
        await sleep(1000);
        await queue.start();
        for (const p of paused) process.kill(-p.proc.pid, 'SIGCONT');
      },
    });

    // THEN the items that were pending or waiting to retry are gone; the Job failed rather than completed
    const { done } = tally(logDir);
    const lost = items.filter((i) => !done.has(i));
    expect(result.state).toBe('Failed');
    expect(result.pods.some((p) => p.code === 3)).toBe(true); // "the queue lost its seed run"
    expect(lost.length).toBeGreaterThanOrEqual(atKill.pending + atKill.delayed);
    expect(lost.length).toBeLessThanOrEqual(atKill.pending + atKill.delayed + atKill.leased);
    expect(await queueCounts(queue, q)).toMatchObject({ pending: 0, leased: 0, delayed: 0, dead: 0 });
    // eslint-disable-next-line no-console
    console.log(`work queue, no persistence: 1000 items, restart at ${atKill.done} done (pending ${atKill.pending}, leased ${atKill.leased}, `
      + `waiting ${atKill.delayed}): lost ${lost.length}; Job ${result.state} after ${result.failures} pod failures (exit 3: the seed run is gone)`);
  }, 240_000);

  test('KEDA mode: each job takes at most itemsPerJob items and exits when nothing is pending; the reaper CronJob brings back a dead job\'s items', async () => {
    const items = Array.from({ length: 10 }, (_, i) => `item-${i}`);
    const s = synth({
      items: WorkItems.fromList(items), mode: WorkerMode.scaledJob({ itemsPerJob: 4 }), retryBackoff: Duration.millis(1),
    }, 'batch');
    const { q, objs, local } = s;
    const queue = await QueueServer.of(objs);
    await queue.start();
    const { host, port } = queue;
    const nss = nssWrapperEnv({ [q.queueHost!]: host });
    const logDir = tempDir('wq-keda-logs');
    const seederPod = one(objs, 'Job', q.seeder!.name).spec.template.spec;
    expect(run('/bin/sh', seederPod.containers[0].command.slice(1).map(local), { env: { ...envOf(seederPod.containers[0]), ...nss } }).code).toBe(0);
    const sj = one(objs, 'ScaledJob');
    expect(sj.spec.triggers[0].metadata.listName).toBe(q.keys!.pending);
    const worker = sj.spec.jobTargetRef.template.spec.containers[0];
    expect(worker.command).toEqual(KIND_COMMAND.js);
    const sh = kindPod(s, 'sh'); // a Job of worker.sh, from the ConfigMap it gets
    const job = async (id: string, shell: boolean) => {
      const main = shell ? sh.command : worker.command.map(local);
      return runAsync(main[0], main.slice(1), { env: { ...envOf(worker, id), ...nss, LOG_DIR: logDir }, timeoutMs: 60_000 });
    };
    // KEDA reads the pending list: that is what the trigger scales on
    expect(await redis(host, port, 'LLEN', sj.spec.triggers[0].metadata.listName)).toBe('10');
    const a = await job('thumbs-workers-a', false);
    expect(a).toMatchObject({ code: 0, stdout: 'worker thumbs-workers-a: 4 items, 0 failed\n' });
    const b = await job('thumbs-workers-b', true);
    expect(b).toMatchObject({ code: 0, stdout: 'worker thumbs-workers-b: 4 items, 0 failed\n' });
    expect(await redis(host, port, 'LLEN', q.keys!.pending)).toBe('2');
    const t0 = Date.now();
    const c = await job('thumbs-workers-c', false);
    expect(c).toMatchObject({ code: 0, stdout: 'worker thumbs-workers-c: 2 items, 0 failed\n' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5000); // waited one take timeout on the empty list, then exited
    const done = ['a', 'b', 'c'].flatMap((x) => lines(path.join(logDir, `thumbs-workers-${x}.done`)));
    expect(done.sort()).toEqual([...items].sort());

    // a job that died holding an item: KEDA starts no job for it (it is not pending); the reaper CronJob's exact
    // command puts it back once its lease ran out (retried after the backoff, then pending again)
    await redis(host, port, 'LPUSH', q.keys!.pending, 'late-item');
    const scripts = local('/etc/work-queue/scripts');
    const took = run(toolPath('redis-cli'), ['-h', host, '-p', String(port), '--eval', `${scripts}/queue.lua`, ...orderedKeys(q), ',',
      'take', 'dead-job', '2000', '3', '1', '1', '100', '', '1']);
    expect(took.stdout.split('\n').slice(4, 6)).toEqual(['late-item', '1']);
    expect(await redis(host, port, 'LLEN', q.keys!.pending)).toBe('0');
    const reaperC = one(objs, 'CronJob', 'thumbs-reaper').spec.jobTemplate.spec.template.spec.containers[0];
    const reap = () => run(reaperC.command[0], reaperC.command.slice(1).map(local), { env: { ...envOf(reaperC), ...nss } });
    expect(reap()).toMatchObject({ code: 0, stdout: 'reap: expired 0 (dead-lettered 0), retries due 0, in 1 runs\n' });
    await sleep(2500);
    expect(reap()).toMatchObject({ code: 0, stdout: 'reap: expired 1 (dead-lettered 0), retries due 0, in 1 runs\n' });
    await sleep(50);
    expect(reap()).toMatchObject({ code: 0, stdout: 'reap: expired 0 (dead-lettered 0), retries due 1, in 1 runs\n' });
    expect(await redis(host, port, 'LLEN', q.keys!.pending)).toBe('1');
  }, 120_000);

  test('Indexed mode: the init container writes item i for JOB_COMPLETION_INDEX i', () => {
    const items = ['photos/ä b.jpg', '  spaced  ', 'x'.repeat(200), 'last'];
    const { objs, local, work } = synth({ items: WorkItems.fromList(items), mode: WorkerMode.indexed() });
    const pod = one(objs, 'Job').spec.template.spec;
    const init = pod.initContainers[0];
    const env = Object.fromEntries(Object.entries(envOf(init)).map(([k, v]) => [k, local(v)]));
    items.forEach((item, i) => {
      const r = run(init.command[0], init.command.slice(1).map(local), { env: { ...env, JOB_COMPLETION_INDEX: String(i) } });
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(fs.readFileSync(path.join(work, 'item'), 'utf8')).toBe(item);
    });
    expect(init.command).toEqual(['/bin/sh', '/etc/work-queue/items/item.sh']);
    const r = run(init.command[0], init.command.slice(1).map(local), { env: { ...env, JOB_COMPLETION_INDEX: '4' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no item on line 5 of');
    expect(pod.containers[0].env).toContainEqual({ name: 'WORK_ITEM_FILE', value: '/var/run/work-queue/item' });
  });

  test('with a password: the server reads requirepass from the include its init container writes (NOAUTH without it, WRONGPASS with a wrong one); seeder, workers and reaper use the Secret', async () => {
    const items = Array.from({ length: 20 }, (_, i) => `item-${i}`);
    const s = synth({ items: WorkItems.fromList(items), queueAuth: PASSWORD() });
    const { q, objs, local, root } = s;
    const password = 's3cret "pass" \\ #x';
    const redisSpec = one(objs, 'Deployment').spec.template.spec;
    expect(redisSpec.containers[0].command).toEqual(['redis-server']);
    const host = await freeHost(6379);
    // the server's init program writes the include from the Secret's file; the server runs its exact args after it
    const launch = launchRedisAuth(redisSpec, 'redis', password);
    await startQueueWithInclude('redis-password', toolPath('redis-server'), launch, root, host);
    expect(await redisCommand(host, 6379, 'LLEN', 'x')).toMatch(/^-NOAUTH/);
    const replies = await authReplies(host, 6379, password);
    expect([replies.none.slice(0, 7), replies.wrong.slice(0, 10), replies.right]).toEqual(['-NOAUTH', '-WRONGPASS', ['+OK', '+PONG']]);
    expect(runReadinessProbe(redisSpec, 'redis', launch, host, 6379)).toBe(0);
    const nss = nssWrapperEnv({ [q.queueHost!]: host });
    const seedC = one(objs, 'Job', q.seeder!.name).spec.template.spec.containers[0];
    expect(seedC.env).toContainEqual({ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: 'queue-password', key: 'password' } } });
    const noAuth = run('/bin/sh', seedC.command.slice(1).map(local), { env: { ...envOf(seedC), ...nss }, timeoutMs: 20_000 });
    expect(noAuth.code).toBe(1);
    expect(noAuth.stderr).toMatch(/^seed: NOAUTH/);
    const ok = run('/bin/sh', seedC.command.slice(1).map(local), { env: { ...envOf(seedC), ...nss, REDISCLI_AUTH: password } });
    expect(ok).toMatchObject({ code: 0, stdout: `seed: run ${q.seedRun} seeded: 20 items pushed\n` });
    const workerPod = one(objs, 'Job', q.workerJob!.name).spec.template.spec;
    const logDir = tempDir('wq-pw-logs');
    const w = workerPod.containers[0];
    const cmd: string[] = w.command.map(local);
    const scripts = local('/etc/work-queue/scripts');
    // the shell and Python workers each from the ConfigMap a Job of theirs gets
    const [sh, py] = [kindPod(s, 'sh'), kindPod(s, 'py')];
    const as = (id: string, pw: string, dir = scripts) => ({
      env: { ...envOf(w, id), ...nss, LOG_DIR: logDir, QUEUE_SCRIPTS_DIR: dir, QUEUE_PASSWORD: pw }, timeoutMs: 60_000,
    });
    // a wrong password: every worker and the seed wait stop at once with a clear message, not a retry loop
    const wrong = await Promise.all([
      runAsync(cmd[0], cmd.slice(1), as('bad-node', 'nope')),
      runAsync(sh.command[0], sh.command.slice(1), as('bad-sh', 'nope', sh.scripts)),
      runAsync(py.command[0], py.command.slice(1), as('bad-py', 'nope', py.scripts)),
    ]);
    expect(wrong.map((r) => r.code)).toEqual([2, 2, 2]);
    for (const r of wrong) expect(r.stderr).toMatch(/refused the password: .*(WRONGPASS|NOAUTH)/);
    const waitSeed = workerPod.initContainers[0];
    const waited = run('/bin/sh', waitSeed.command.slice(1).map(local), { env: { ...envOf(waitSeed), ...nss, REDISCLI_AUTH: 'nope' }, timeoutMs: 20_000 });
    expect(waited.code).toBe(1);
    expect(waited.stderr).toMatch(/^wait-seed: the queue refused the password: .*WRONGPASS/);
    const [rn, rs, rp] = await Promise.all([
      runAsync(cmd[0], cmd.slice(1), as('pw-node', password)),
      runAsync(sh.command[0], sh.command.slice(1), as('pw-sh', password, sh.scripts)),
      runAsync(py.command[0], py.command.slice(1), as('pw-py', password, py.scripts)),
    ]);
    expect([rn.code, rs.code, rp.code]).toEqual([0, 0, 0]);
    expect(['pw-node', 'pw-sh', 'pw-py'].flatMap((id) => lines(path.join(logDir, `${id}.done`))).sort()).toEqual([...items].sort());
    // the status command, with the seeder's environment (the same image and Secret) and the queue name
    const status = run('/bin/sh', [`${scripts}/status.sh`], { env: { ...envOf(seedC), ...nss, REDISCLI_AUTH: password, QUEUE_NAME: 'thumbs' } });
    expect(status).toMatchObject({ code: 0, stdout: 'thumbs: pending 0, leased 0, delayed 0, dead 0, done 20\n' });
  }, 120_000);
});

describe('WorkQueueJobs with the Valkey engine (the redis build here under the valkey names: wire-compatible)', () => {
  test('the Deployment\'s exact valkey-server command, the seeder, seed wait and reaper calling valkey-cli: every item done once', async () => {
    // GIVEN a password-protected Valkey queue and a PATH that has valkey-* and no working redis-*
    const items = Array.from({ length: 30 }, (_, i) => `photos/${i}.jpg`);
    const s = synth({
      items: WorkItems.fromList(items),
      queueEngine: QueueEngine.VALKEY,
      queueAuth: PASSWORD(),
      mode: WorkerMode.parallel({ parallelism: 2 }),
    });
    const { q, objs, local, root } = s;
    const PATH = valkeyPath();
    expect(run('/bin/sh', ['-c', 'redis-cli PING'], { env: { PATH } })).toMatchObject({ code: 127, stderr: 'redis-cli: not in the valkey image\n' });
    const password = 'valkey-s3cret';
    const serverSpec = one(objs, 'Deployment', 'thumbs-valkey').spec.template.spec;
    expect(serverSpec.containers[0].command).toEqual(['valkey-server']);
    const host = await freeHost(6379);
    const launch = launchRedisAuth(serverSpec, 'valkey', password);
    await startQueueWithInclude('valkey-queue', path.join(PATH.split(':')[0], 'valkey-server'), launch, root, host);
    expect(await redisCommand(host, 6379, 'LLEN', 'x')).toMatch(/^-NOAUTH/);
    expect(runReadinessProbe(serverSpec, 'valkey', launch, host, 6379)).toBe(0);
    const nss = nssWrapperEnv({ [q.queueHost!]: host });
    const secretEnv = { REDISCLI_AUTH: password, QUEUE_PASSWORD: password };
    const logDir = tempDir('wq-valkey-logs');

    // WHEN the workers (their seed wait first) start before the seeder, which then seeds, and the reaper runs
    const workerPod = one(objs, 'Job', q.workerJob!.name).spec.template.spec;
    const [waitSeed] = workerPod.initContainers;
    const worker = workerPod.containers[0];
    expect([waitSeed.image, envOf(waitSeed).QUEUE_CLI]).toEqual(['valkey/valkey:8.1.1-alpine', 'valkey-cli']);
    const workers: Started[] = [];
    for (let i = 0; i < 2; i++) {
      const id = `thumbs-workers-valkey-${i}`;
      workers.push(await start({
        name: id,
        command: '/bin/sh',
        args: ['-c', '/bin/sh "$0" && exec "$@"', ...waitSeed.command.slice(1).map(local), ...worker.command.map(local)],
        env: { ...envOf(waitSeed), ...envOf(worker, id), ...nss, ...secretEnv, PATH, LOG_DIR: logDir },
        maxLifeMs: 120_000,
      }));
    }
    await sleep(2500);
    expect(workers.map((w) => w.exited)).toEqual([undefined, undefined]); // waiting for the seed
    const seedC = one(objs, 'Job', q.seeder!.name).spec.template.spec.containers[0];
    expect(envOf(seedC).QUEUE_CLI).toBe('valkey-cli');
    /** A library container's exact command and environment, the Secret's password and the valkey PATH added. */
    const runLike = (c: any) => runAsync(c.command[0], c.command.slice(1).map(local),
      { env: { ...envOf(c), ...nss, ...secretEnv, PATH }, timeoutMs: 30_000 });
    const seeded = await runLike(seedC);
    expect(seeded).toMatchObject({ code: 0, stdout: `seed: run ${q.seedRun} seeded: 30 items pushed\n`, stderr: '' });
    const deadline = Date.now() + 90_000;
    while (workers.some((w) => w.exited === undefined)) {
      if (Date.now() > deadline) throw new Error(`workers still running; logs:\n${workers.map((w) => w.logs()).join('\n')}`);
      await sleep(500);
    }
    // the status and reaper scripts call valkey-cli too
    const status = await runAsync('/bin/sh', [local('/etc/work-queue/scripts/status.sh')], { env: { ...envOf(seedC), ...nss, ...secretEnv, PATH, QUEUE_NAME: 'thumbs' } });
    expect(status).toMatchObject({ code: 0, stdout: 'thumbs: pending 0, leased 0, delayed 0, dead 0, done 30\n', stderr: '' });
    // (the parallel mode has no reaper: the reaper CronJob of the same queue in the KEDA mode, its exact command)
    const keda = s.sibling({ mode: WorkerMode.scaledJob() }, 'batch');
    const reaperC = one(keda.objs, 'CronJob').spec.jobTemplate.spec.template.spec.containers[0];
    expect(reaperC.command).toEqual(['/bin/sh', '/etc/work-queue/scripts/reap.sh']);
    const reap = await runAsync('/bin/sh', reaperC.command.slice(1).map(keda.local), { env: { ...envOf(reaperC), ...nss, ...secretEnv, PATH } });
    expect(reap).toMatchObject({ code: 0, stdout: 'reap: expired 0 (dead-lettered 0), retries due 0, in 1 runs\n', stderr: '' });

    // THEN every worker exited 0, every item was done exactly once, and the queue is empty
    for (const w of workers) expect(w.exited).toMatch(/exited \(code 0, signal null\)$/);
    const done = workers.flatMap((_, i) => lines(path.join(logDir, `thumbs-workers-valkey-${i}.done`)));
    expect(done.sort()).toEqual([...items].sort());
    const k = q.keys!;
    expect(await redisPipeline(host, 6379, [['AUTH', password], ['LLEN', k.pending], ['ZCARD', k.leased], ['LLEN', k.deadLetters], ['HGET', k.seeds, q.seedRun!]]))
      .toEqual(['+OK', ':0', ':0', ':0', '30']);
  }, 180_000);
});

describe('the KEDA objects against KEDA\'s own CRD schemas (unknown fields rejected)', () => {
  // The 27 line's KEDA (2.16.1, scripts/install/60-crds.sh) and the current one (2.21.0, 61-crds-current.sh).
  const crdDir = path.join(TOOLS_DIR, 'crds', 'keda');
  const currentCrdDir = path.join(TOOLS_DIR, 'crds-current', 'keda');

  /** The CRD's openAPIV3Schema with `additionalProperties: false` wherever it lists properties and keeps no unknown fields. */
  function strictSchema(file: string, dir = crdDir): any {
    const crd = parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))[0].toJS();
    const schema = crd.spec.versions.find((v: any) => v.name === 'v1alpha1').schema.openAPIV3Schema;
    const visit = (s: any) => {
      if (!s || typeof s !== 'object') return;
      if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) s.additionalProperties = false;
      for (const v of Object.values(s.properties ?? {})) visit(v);
      if (s.items) visit(s.items);
      if (s.additionalProperties && typeof s.additionalProperties === 'object') visit(s.additionalProperties);
    };
    visit(schema);
    return schema;
  }

  test('the ScaledJob and TriggerAuthentication validate; a typo does not', () => {
    if (!fs.existsSync(crdDir)) throw new Error(`KEDA CRDs not found in ${crdDir}; run 'npx projen install-test-tools'`);
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const scaledJob = ajv.compile(strictSchema('keda.sh_scaledjobs.yaml'));
    const triggerAuth = ajv.compile(strictSchema('keda.sh_triggerauthentications.yaml'));
    const { objs } = synth({
      items: WorkItems.fromList(['a', 'b']),
      mode: WorkerMode.scaledJob({ itemsPerJob: 2, maxReplicas: 5 }),
      queueAuth: PASSWORD(),
    }, 'batch');
    const sj = one(objs, 'ScaledJob');
    const ta = one(objs, 'TriggerAuthentication');
    expect({ ok: scaledJob(sj), errors: scaledJob.errors ?? null }).toEqual({ ok: true, errors: null });
    expect({ ok: triggerAuth(ta), errors: triggerAuth.errors ?? null }).toEqual({ ok: true, errors: null });
    const typo = JSON.parse(JSON.stringify(sj));
    typo.spec.rollout.stratgy = typo.spec.rollout.strategy;
    expect(scaledJob(typo)).toBe(false);
    // KEDA 2.16's CRD leaves rollout.strategy a free string (its webhook checks it); 2.21's lists the values.
    const current = ajv.compile(strictSchema('keda.sh_scaledjobs.yaml', currentCrdDir));
    expect({ ok: current(sj), errors: current.errors ?? null }).toEqual({ ok: true, errors: null });
    const badEnum = JSON.parse(JSON.stringify(sj));
    badEnum.spec.rollout.strategy = 'slow';
    expect(current(badEnum)).toBe(false);
  });
});

describe('a real kube-apiserver 1.27 with KEDA\'s CRDs, in a namespace enforcing restricted', () => {
  test('accepts every object of the three modes and of the Valkey engine, with every pod option (server-side dry run)', async () => {
    const api = await startApiServer({ crdDirs: [path.join(TOOLS_DIR, 'crds', 'keda')] });
    const chart = new Chart(Testing.app(), 'modes', { namespace: 'batch' });
    const password = RedisAuth.fromSecret(kplus.Secret.fromSecretName(chart, 'pw', 'queue-password'), 'password');
    // the ServiceAccount comes first, so the ServiceAccount admission plugin finds it for the pods that name it
    const account = new kplus.ServiceAccount(chart, 'uploader', { metadata: { name: 'uploader' } });
    const pod = {
      imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'pull', 'regcred')],
      serviceAccount: account,
      nodeSelector: { 'node-pool': 'batch' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] } },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
      labels: { team: 'media' },
      annotations: { 'example.com/owner': 'media' },
    };
    const items = WorkItems.fromList(Array.from({ length: 12 }, (_, i) => `item-${i}`));
    new WorkQueueJobs(chart, 'parallel', { worker: WORKER, items, queueAuth: password, pod });
    new WorkQueueJobs(chart, 'keda', { worker: WORKER, items, mode: WorkerMode.scaledJob(), queueAuth: password, pod });
    new WorkQueueJobs(chart, 'valkey', { worker: WORKER, items, queueEngine: QueueEngine.VALKEY, queueAuth: password, pod });
    new WorkQueueJobs(chart, 'indexed', {
      worker: WORKER,
      items,
      mode: WorkerMode.indexed(),
      stages: [{ name: 'fetch', image: 'curlimages/curl:8.11.0', command: ['sh', '-c', 'true'], writableDirs: ['/home/curl_user'] }],
      pod,
    });
    const objs = chart.toJson();
    assertValid(objs);
    const verdicts = await serverDryRun(api, objs);
    expect(verdicts.map((v) => `${v.kind}/${v.name}`)).toEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`));
    const refused = verdicts.filter((v) => !v.accepted || (v.podTemplate && !v.podTemplate.accepted) || v.warnings.length > 0);
    expect(refused).toEqual([]);
    expect(verdicts.map((v) => v.kind)).toEqual(expect.arrayContaining(['ScaledJob', 'TriggerAuthentication', 'CronJob', 'Job', 'Deployment']));
    // every pod template was admitted as a Pod too, the ScaledJob's included
    const withPods = verdicts.filter((v) => v.podTemplate !== undefined).map((v) => v.kind);
    expect(withPods.filter((k) => k === 'ScaledJob')).toHaveLength(1);
    expect(withPods).toHaveLength(objs.filter((o) => ['Deployment', 'Job', 'CronJob', 'ScaledJob'].includes(o.kind)).length);
  }, 240_000);
});

describe('the NetworkPolicies of the example, computed by cyclonus (an engine nobody here wrote)', () => {
  test('every pod to every declared port: the allowed connections are exactly the intended graph', () => {
    // GIVEN the example's objects, the cluster DNS, KEDA's operator, the photo store and a stranger pod
    const objs = buildThumbnails().charts.flatMap((c) => c.toJson());
    const extraPods: ExtraPod[] = [
      { namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] },
      { namespace: 'keda', name: 'keda-operator', labels: { 'app.kubernetes.io/name': 'keda-operator' } },
      { namespace: 'media', name: 'photo-store', labels: { 'app.kubernetes.io/name': 'photo-store' }, ports: [{ port: 9000 }] },
      { namespace: 'media', name: 'stranger', labels: { app: 'stranger' } },
    ];
    // WHEN cyclonus computes the truth table of every pod to every port any pod declares
    const t = netpolTruthTable(objs, undefined, { extraPods });
    const seeder = t.pods.find((p) => p.name.startsWith('thumbnails-seed-'))!.id;
    const archive = t.pods.find((p) => /^archive-[0-9a-f]{8}$/.test(p.name))!.id;
    // THEN the queue is reachable from its seeder, workers, reaper and KEDA only; they reach it and DNS; the
    // workers (of both constructs) reach the photo store; nothing else (the queue server sends nothing)
    const dns = (from: string) => [`${from} → kube-system/coredns 53/TCP`, `${from} → kube-system/coredns 53/UDP`];
    const intended = [
      ...[seeder, 'media/thumbnails-workers', 'media/thumbnails-reaper', 'keda/keda-operator'].map((f) => `${f} → media/thumbnails-valkey 6379/TCP`),
      ...[seeder, 'media/thumbnails-workers', 'media/thumbnails-reaper', archive].flatMap(dns),
      ...['media/thumbnails-workers', archive].map((f) => `${f} → media/photo-store 9000/TCP`),
      // the pods without a policy (the stand-ins for the DNS, KEDA, the store and a stranger) among themselves
      ...['kube-system/coredns', 'keda/keda-operator', 'media/photo-store', 'media/stranger'].flatMap((f) => [
        ...dns(f), `${f} → media/photo-store 9000/TCP`,
      ]),
    ].sort();
    expect(t.allowed).toEqual(intended);
    expect(t.results).toHaveLength(t.pods.length * 4); // to the queue, to DNS (UDP, TCP), to the store
    // eslint-disable-next-line no-console
    console.log(`work queue example, cyclonus ${cyclonusVersion()}: ${t.pods.length} pods, ${t.results.length} probes, ${t.allowed.length} allowed (the intended graph exactly)`);
  }, 120_000);
});
