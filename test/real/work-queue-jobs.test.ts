/**
 * Tier 2: the work queue's scripts, taken from the synthesized ConfigMaps and run exactly as the pods run them
 * (same commands, same environment; `/etc/work-queue` is the temp dir the ConfigMaps are written to), against a
 * real redis-server on 127.0.0.x started with the queue Deployment's arguments. The pod DNS name of the queue
 * Service resolves through nss_wrapper. Workers are real processes, some killed with SIGKILL in the middle of
 * an item; the reaper runs; every item must be processed at least once.
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
import { AppContainerProps, QueueEngine, WorkerMode, WorkItems, WorkQueueJobs, WorkQueueJobsProps } from '../../src';
import { assertValid, one } from '../harness';
import { serverDryRun, startApiServer } from '../harness/apiserver';
import { allocHost, nssWrapperEnv, redisCommand, redisPipeline, startRedis } from '../harness/daemons';
import { run, runAsync, sleep, start, Started, stopAll, tempDir, toolPath, TOOLS_DIR } from '../harness/proc';

afterAll(() => stopAll());

/**
 * The user's per-item command: logs the start, works, logs the end. A victim works 1 s per item; a late victim
 * finishes its work and then lingers 1 s before its worker acknowledges; the poison item fails; the slow item
 * takes longer than the lease.
 */
const PROCESS = [
  'printf "%s\\n" "$WORK_ITEM" >> "$LOG_DIR/$WORKER_ID.started"',
  'case "$WORK_ITEM" in poison*) exit 3 ;; slow*) sleep 65 ;; esac',
  'case "$WORKER_ID" in *late-victim*) printf "%s\\n" "$WORK_ITEM" >> "$LOG_DIR/$WORKER_ID.done"; sleep 1; exit 0 ;; *victim*) sleep 1 ;; *) sleep 0.02 ;; esac',
  'printf "%s\\n" "$WORK_ITEM" >> "$LOG_DIR/$WORKER_ID.done"',
].join('; ');
const WORKER: AppContainerProps = { image: 'node:22.11.0-bookworm', command: ['node', '/etc/work-queue/scripts/worker.js', '/bin/sh', '-c', PROCESS] };
const PASSWORD = () => ({ secret: kplus.Secret.fromSecretName(new Chart(Testing.app(), 'x'), 's', 'queue-password'), key: 'password' });

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
function synth(props: Partial<WorkQueueJobsProps>, namespace?: string) {
  const chart = new Chart(Testing.app(), 'wq', { namespace });
  const q = new WorkQueueJobs(chart, 'thumbs', { worker: WORKER, ...props });
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
  return { q, objs, root, work, local };
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

/** The queue Deployment's redis-server arguments, started on a loopback address (the harness sets bind, port and dir). */
async function startQueue(objs: any[]) {
  const c = one(objs, 'Deployment').spec.template.spec.containers[0];
  const args: string[] = [...c.args];
  args.splice(args.indexOf('--dir'), 2);
  const host = allocHost();
  const daemon = await startRedis({ host, port: 6379, args });
  return { host, port: 6379, daemon, args };
}

describe('WorkQueueJobs on a real Redis', () => {
  test('1,000 items, 6 workers (node and sh), 3 killed with SIGKILL during an item, 1 dead before its lease: 0 lost', async () => {
    // GIVEN 998 photos, one item slower than the lease (renewal must keep it) and one that fails
    const items = Array.from({ length: 1000 }, (_, i) => (i === 500 ? 'slow-item' : i === 700 ? 'poison-item' : `photos/${String(i).padStart(4, '0')} café.jpg`));
    const { q, objs, local } = synth({
      items: WorkItems.fromList(items),
      mode: WorkerMode.parallel({ parallelism: 6 }),
      lease: Duration.seconds(60),
      handOffGrace: Duration.seconds(2),
    });
    const { host, port } = await startQueue(objs);
    const nss = nssWrapperEnv({ [q.queueHost!]: host });
    const logDir = tempDir('wq-logs');

    const workerPod = one(objs, 'Job', q.workerJob!.name).spec.template.spec;
    const waitSeed = workerPod.initContainers[0];
    const worker = workerPod.containers[0];
    expect(waitSeed.name).toBe('wait-seed');

    // WHEN the workers start before the seeder (each pod: its wait-seed init container, then the worker)
    const workers: Array<{ id: string; proc: Started; victim: boolean }> = [];
    for (let i = 0; i < 6; i++) {
      const victim = i < 3;
      const id = `thumbs-workers-${i === 2 ? 'late-victim' : victim ? 'victim' : 'ok'}-${i}`;
      const cmd: string[] = worker.command.map(local);
      // pods 1, 3 and 5 run the shell reference worker on the same contract
      const main = i % 2 === 1 ? ['/bin/sh', local('/etc/work-queue/scripts/worker.sh'), ...cmd.slice(2)] : cmd;
      const proc = await start({
        name: id,
        command: '/bin/sh',
        args: ['-c', '/bin/sh "$0" && exec "$@"', ...waitSeed.command.slice(1).map(local), ...main],
        env: { ...envOf(waitSeed), ...envOf(worker, id), ...nss, LOG_DIR: logDir },
        maxLifeMs: 240_000,
      });
      workers.push({ id, proc, victim });
    }
    await sleep(2500);
    expect(workers.map((w) => w.proc.exited)).toEqual(workers.map(() => undefined)); // waiting for the seed, not done
    expect(await redis(host, port, 'LLEN', q.keys!.pending)).toBe('0');

    // the seeder Job's exact command, twice: the second run pushes nothing
    const seederPod = one(objs, 'Job', q.seeder!.name).spec.template.spec;
    const seed = () => run(seederPod.containers[0].command[0], seederPod.containers[0].command.slice(1).map(local),
      { env: { ...envOf(seederPod.containers[0]), ...nss }, timeoutMs: 30_000 });
    const first = seed();
    expect(first).toMatchObject({ code: 0, stdout: `seed: run ${q.seedRun} seeded: 1000 items pushed\n` });
    const again = seed();
    expect(again).toMatchObject({ code: 0, stdout: `seed: run ${q.seedRun} already seeded (1000 items): nothing pushed\n` });

    // a worker that dies between its BLMOVE and its SET of the lease
    const orphan = await redis(host, port, 'LMOVE', q.keys!.pending, q.keys!.processing, 'RIGHT', 'LEFT');
    expect(orphan).not.toBe('');

    // kill the victims with SIGKILL (the whole process group, as a pod dies) during their 3rd item: two in the
    // middle of the work, the late one after the work and before the acknowledgement
    const killedWith: string[] = [];
    let lateItem = '';
    for (const w of workers.filter((x) => x.victim)) {
      const late = w.id.includes('late-victim');
      const deadline = Date.now() + 60_000;
      while (lines(path.join(logDir, `${w.id}.${late ? 'done' : 'started'}`)).length < 3) {
        if (Date.now() > deadline) throw new Error(`${w.id} never got to its 3rd item; log:\n${w.proc.logs()}`);
        await sleep(20);
      }
      process.kill(-w.proc.pid, 'SIGKILL');
      const started = lines(path.join(logDir, `${w.id}.started`));
      const done = lines(path.join(logDir, `${w.id}.done`));
      expect(started).toHaveLength(3);
      if (late) {
        expect(done).toEqual(started); // the work was done, the acknowledgement never came
        lateItem = started[2];
      } else {
        expect(done).toEqual(started.slice(0, 2)); // killed mid-item: the third began and never finished
        killedWith.push(started[2]);
      }
    }

    // THEN the reaper (the CronJob's exact command, every 2 s instead of every minute) brings their items back
    const reaperPod = one(objs, 'CronJob').spec.jobTemplate.spec.template.spec;
    const reaps: string[] = [];
    const survivors = workers.filter((w) => !w.victim);
    const deadline = Date.now() + 200_000;
    while (survivors.some((w) => w.proc.exited === undefined)) {
      if (Date.now() > deadline) throw new Error(`workers still running; logs:\n${survivors.map((w) => w.proc.logs()).join('\n')}`);
      const r = await runAsync(reaperPod.containers[0].command[0], reaperPod.containers[0].command.slice(1).map(local),
        { env: { ...envOf(reaperPod.containers[0]), ...nss }, timeoutMs: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      reaps.push(r.stdout.trim());
      await sleep(2000);
    }
    for (const w of survivors) {
      expect(w.proc.exited).toBe(`${w.id} exited (code 0, signal null)`);
      expect(w.proc.logs()).toMatch(new RegExp(`worker ${w.id}: \\d+ items, [01] failed\\n`));
    }

    // every item was processed at least once; the poison item went to the failed list
    const done = new Map<string, number>();
    const started = new Map<string, number>();
    for (const w of workers) {
      for (const item of lines(path.join(logDir, `${w.id}.done`))) done.set(item, (done.get(item) ?? 0) + 1);
      for (const item of lines(path.join(logDir, `${w.id}.started`))) started.set(item, (started.get(item) ?? 0) + 1);
    }
    const lost = items.filter((i) => i !== 'poison-item' && !done.has(i));
    const duplicates = [...done.entries()].filter(([, n]) => n > 1).map(([i]) => i);
    expect(lost).toEqual([]);
    expect(done.size).toBe(999);
    expect(await redis(host, port, 'LLEN', q.keys!.failed)).toBe('1');
    expect(await redis(host, port, 'LINDEX', q.keys!.failed, '0')).toBe('poison-item');
    for (const item of killedWith) expect(done.get(item)).toBe(1); // finished once, by another worker
    expect(done.get(orphan)).toBe(1);
    expect(done.get('slow-item')).toBe(1); // 65 s of work on a 60 s lease: the renewals kept it
    expect(started.get('slow-item')).toBe(1);
    // nothing left on the queue
    expect(await redis(host, port, 'LLEN', q.keys!.pending)).toBe('0');
    expect(await redis(host, port, 'LLEN', q.keys!.processing)).toBe('0');
    expect(await redis(host, port, 'ZCARD', q.keys!.unleased)).toBe('0');
    expect(await redis(host, port, 'EVAL', "return #redis.call('KEYS', ARGV[1])", '0', `${q.keys!.leasePrefix}*`)).toBe('0');
    expect(await redis(host, port, 'HGET', q.keys!.stats, 'requeued')).toBe('4'); // 3 victims + 1 orphan
    expect(reaps.some((r) => /^reap: requeued [1-4], leased \d+, in grace \d+$/.test(r))).toBe(true);
    // a seed run after the work is done still pushes nothing
    expect(seed().stdout).toBe(`seed: run ${q.seedRun} already seeded (1000 items): nothing pushed\n`);
    expect(await redis(host, port, 'LLEN', q.keys!.pending)).toBe('0');

    // eslint-disable-next-line no-console
    console.log('work queue: 1000 items, 6 workers; SIGKILLed: 2 mid-item, 1 after its work before its ack, 1 before '
      + `its lease; lost ${lost.length}, duplicates ${duplicates.length}${duplicates.length ? ` (${duplicates.join(', ')})` : ''}, `
      + `requeued 4, reaper runs ${reaps.length}`);
    // at least once: the only duplicate is the item whose work was done when its worker died unacknowledged
    expect(duplicates).toEqual([lateItem]);
    expect(done.get(lateItem)).toBe(2);
  }, 280_000);

  test('KEDA mode: each job takes at most itemsPerJob items and exits when the pending list is empty', async () => {
    const items = Array.from({ length: 10 }, (_, i) => `item-${i}`);
    const { q, objs, local } = synth({ items: WorkItems.fromList(items), mode: WorkerMode.scaledJob({ itemsPerJob: 4 }) }, 'batch');
    const { host, port } = await startQueue(objs);
    const nss = nssWrapperEnv({ [q.queueHost!]: host });
    const logDir = tempDir('wq-keda-logs');
    const seederPod = one(objs, 'Job', q.seeder!.name).spec.template.spec;
    expect(run('/bin/sh', seederPod.containers[0].command.slice(1).map(local), { env: { ...envOf(seederPod.containers[0]), ...nss } }).code).toBe(0);
    const sj = one(objs, 'ScaledJob');
    expect(sj.spec.triggers[0].metadata.listName).toBe(q.keys!.pending);
    const worker = sj.spec.jobTargetRef.template.spec.containers[0];
    const job = async (id: string, shell: boolean) => {
      const cmd: string[] = worker.command.map(local);
      const main = shell ? ['/bin/sh', local('/etc/work-queue/scripts/worker.sh'), ...cmd.slice(2)] : cmd;
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
  }, 120_000);

  test('Indexed mode: the init container writes item i for JOB_COMPLETION_INDEX i', () => {
    const items = ['photos/ä b.jpg', '  spaced  ', 'x'.repeat(200), 'last'];
    const { objs, local, work } = synth({ items: WorkItems.fromList(items), mode: WorkerMode.indexed() });
    const pod = one(objs, 'Job').spec.template.spec;
    const init = pod.initContainers[0];
    const env = Object.fromEntries(Object.entries(envOf(init)).map(([k, v]) => [k, local(v)]));
    items.forEach((item, i) => {
      const r = run(init.command[0], init.command.slice(1), { env: { ...env, JOB_COMPLETION_INDEX: String(i) } });
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(fs.readFileSync(path.join(work, 'item'), 'utf8')).toBe(item);
    });
    const r = run(init.command[0], init.command.slice(1), { env: { ...env, JOB_COMPLETION_INDEX: '4' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no item on line 5 of');
    expect(pod.containers[0].env).toContainEqual({ name: 'WORK_ITEM_FILE', value: '/var/run/work-queue/item' });
  });

  test('with a password: the Deployment\'s exact redis command requires it; seeder, workers and reaper use the Secret', async () => {
    const items = Array.from({ length: 20 }, (_, i) => `item-${i}`);
    const { q, objs, local, root } = synth({ items: WorkItems.fromList(items), queuePassword: PASSWORD() });
    const password = 's3cret-pass';
    const redisC = one(objs, 'Deployment').spec.template.spec.containers[0];
    expect(redisC.command[0]).toBe('sh');
    const host = allocHost();
    const args: string[] = [...redisC.args];
    args.splice(args.indexOf('--dir'), 2, '--dir', root);
    await start({
      name: 'redis-password',
      command: '/bin/sh',
      // the container's command with redis-server from PATH and a loopback bind added to its arguments
      args: [...redisC.command.slice(1), ...args, '--bind', host],
      env: { REDISCLI_AUTH: password },
      readyPort: { host, port: 6379 },
    });
    expect(await redisCommand(host, 6379, 'LLEN', 'x')).toMatch(/^-NOAUTH/);
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
    const [rn, rs] = await Promise.all([
      runAsync(cmd[0], cmd.slice(1), { env: { ...envOf(w, 'pw-node'), ...nss, LOG_DIR: logDir, QUEUE_PASSWORD: password }, timeoutMs: 60_000 }),
      runAsync('/bin/sh', [local('/etc/work-queue/scripts/worker.sh'), ...cmd.slice(2)], { env: { ...envOf(w, 'pw-sh'), ...nss, LOG_DIR: logDir, QUEUE_PASSWORD: password }, timeoutMs: 60_000 }),
    ]);
    expect([rn.code, rs.code]).toEqual([0, 0]);
    expect([...lines(path.join(logDir, 'pw-node.done')), ...lines(path.join(logDir, 'pw-sh.done'))].sort()).toEqual([...items].sort());
    const reapC = one(objs, 'CronJob').spec.jobTemplate.spec.template.spec.containers[0];
    const reap = run('/bin/sh', reapC.command.slice(1).map(local), { env: { ...envOf(reapC), ...nss, REDISCLI_AUTH: password } });
    expect(reap).toMatchObject({ code: 0, stdout: 'reap: requeued 0, leased 0, in grace 0\n' });
  }, 120_000);
});

describe('WorkQueueJobs with the Valkey engine (the redis build here under the valkey names: wire-compatible)', () => {
  test('the Deployment\'s exact valkey-server command, the seeder, seed wait and reaper calling valkey-cli: every item done once', async () => {
    // GIVEN a password-protected Valkey queue and a PATH that has valkey-* and no working redis-*
    const items = Array.from({ length: 30 }, (_, i) => `photos/${i}.jpg`);
    const { q, objs, local, root } = synth({
      items: WorkItems.fromList(items),
      queueEngine: QueueEngine.VALKEY,
      queuePassword: PASSWORD(),
      mode: WorkerMode.parallel({ parallelism: 2 }),
    });
    const PATH = valkeyPath();
    expect(run('/bin/sh', ['-c', 'redis-cli PING'], { env: { PATH } })).toMatchObject({ code: 127, stderr: 'redis-cli: not in the valkey image\n' });
    const password = 'valkey-s3cret';
    const server = one(objs, 'Deployment', 'thumbs-valkey').spec.template.spec.containers[0];
    expect(server.command).toEqual(['sh', '-c', 'exec valkey-server "$@" --requirepass "$REDISCLI_AUTH"', 'valkey-server']);
    const host = allocHost();
    const args: string[] = [...server.args];
    args.splice(args.indexOf('--dir'), 2, '--dir', root);
    await start({
      name: 'valkey-queue',
      command: '/bin/sh',
      args: [...server.command.slice(1), ...args, '--bind', host],
      env: { PATH, REDISCLI_AUTH: password },
      readyPort: { host, port: 6379 },
    });
    expect(await redisCommand(host, 6379, 'LLEN', 'x')).toMatch(/^-NOAUTH/);
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
    const seed = await runLike(seedC);
    expect(seed).toMatchObject({ code: 0, stdout: `seed: run ${q.seedRun} seeded: 30 items pushed\n`, stderr: '' });
    const reapC = one(objs, 'CronJob').spec.jobTemplate.spec.template.spec.containers[0];
    const deadline = Date.now() + 90_000;
    while (workers.some((w) => w.exited === undefined)) {
      if (Date.now() > deadline) throw new Error(`workers still running; logs:\n${workers.map((w) => w.logs()).join('\n')}`);
      const reap = await runLike(reapC);
      expect(reap).toMatchObject({ code: 0, stderr: '' });
      expect(reap.stdout).toMatch(/^reap: requeued 0, leased \d+, in grace \d+\n$/);
      await sleep(1000);
    }

    // THEN every worker exited 0, every item was done exactly once, and the queue is empty
    for (const w of workers) expect(w.exited).toMatch(/exited \(code 0, signal null\)$/);
    const done = workers.flatMap((_, i) => lines(path.join(logDir, `thumbs-workers-valkey-${i}.done`)));
    expect(done.sort()).toEqual([...items].sort());
    const k = q.keys!;
    expect(await redisPipeline(host, 6379, [['AUTH', password], ['LLEN', k.pending], ['LLEN', k.processing], ['LLEN', k.failed], ['HGET', k.seeds, q.seedRun!]]))
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
      queuePassword: PASSWORD(),
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
    const password = { secret: kplus.Secret.fromSecretName(chart, 'pw', 'queue-password'), key: 'password' };
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
    new WorkQueueJobs(chart, 'parallel', { worker: WORKER, items, queuePassword: password, pod });
    new WorkQueueJobs(chart, 'keda', { worker: WORKER, items, mode: WorkerMode.scaledJob(), queuePassword: password, pod });
    new WorkQueueJobs(chart, 'valkey', { worker: WORKER, items, queueEngine: QueueEngine.VALKEY, queuePassword: password, pod });
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
