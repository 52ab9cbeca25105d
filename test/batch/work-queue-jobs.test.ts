import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Cron, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  KedaRolloutStrategy, KedaScalingStrategy, PodFailureRule, WorkerMode, WorkerModeKind, WorkItems, WorkQueueJobs,
  WorkQueueJobsProps, WorkQueueScripts,
} from '../../src';
import { ofKind, one, synthValid } from '../harness';

const WORKER: kplus.ContainerProps = {
  image: 'node:22.11.0-bookworm',
  command: ['node', '/etc/work-queue/scripts/worker.js', 'sh', '-c', 'convert "$WORK_ITEM" -thumbnail 128x128 /tmp/out.jpg'],
};
const ITEMS = ['photos/a.jpg', 'photos/b.jpg', 'photos/c.jpg'];

function build(props: Partial<WorkQueueJobsProps> = {}, namespace?: string) {
  const chart = Testing.chart();
  const c = namespace ? new Chart(Testing.app(), 'c', { namespace }) : chart;
  const q = new WorkQueueJobs(c, 'thumbs', { worker: WORKER, workerUid: 1000, workerGid: 1000, ...props });
  return { chart: c, q };
}

function env(container: any): { [name: string]: any } {
  const out: { [name: string]: any } = {};
  for (const e of container.env ?? []) out[e.name] = e.value ?? e.valueFrom;
  return out;
}

/** The worker Job's object. */
function workerJob(objs: any[]): any {
  const jobs = ofKind(objs, 'Job').filter((j) => j.metadata.labels['app.kubernetes.io/component'] === 'worker');
  expect(jobs).toHaveLength(1);
  return jobs[0];
}

describe('WorkQueueJobs, parallel mode (the default)', () => {
  const { chart, q } = build({ items: WorkItems.fromList(ITEMS) });
  const objs = synthValid(chart);

  test('matches the snapshot', () => {
    expect(objs).toMatchSnapshot();
  });

  test('the queue, seeder, reaper and workers, each of the right kind', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      `ConfigMap/thumbs-items-${WorkQueueScripts.seedRunId(ITEMS).slice(0, 8)}`,
      'PersistentVolumeClaim/thumbs-redis',
      'Deployment/thumbs-redis',
      'Service/thumbs-redis',
      'ConfigMap/thumbs-scripts',
      `Job/${q.seeder!.name}`,
      'CronJob/thumbs-reaper',
      `Job/${q.workerJob!.name}`,
    ]);
    expect(q.mode).toBe(WorkerModeKind.PARALLEL);
    expect(q.seedRun).toBe(WorkQueueScripts.seedRunId(ITEMS));
    expect(q.seeder!.name).toMatch(/^thumbs-seed-[0-9a-f]{8}$/);
    expect(q.workerJob!.name).toMatch(/^thumbs-workers-[0-9a-f]{8}$/);
    expect(q.queueHost).toBe('thumbs-redis');
    expect(q.queuePort).toBe(6379);
  });

  test('the worker Job: parallelism 3, no completions, restartPolicy Never, disruptions ignored', () => {
    const job = workerJob(objs);
    expect(job.spec.parallelism).toBe(3);
    expect(job.spec.completions).toBeUndefined();
    expect(job.spec.completionMode).toBeUndefined();
    expect(job.spec.backoffLimit).toBe(6);
    expect(job.spec.ttlSecondsAfterFinished).toBe(86400);
    expect(job.spec.podFailurePolicy).toEqual({ rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('every worker gets the contract in its environment', () => {
    const worker = workerJob(objs).spec.template.spec.containers[0];
    expect(worker.name).toBe('worker');
    expect(worker.command).toEqual(WORKER.command);
    expect(env(worker)).toEqual({
      WORK_DIR: '/var/run/work-queue',
      QUEUE_HOST: 'thumbs-redis',
      QUEUE_PORT: '6379',
      QUEUE_PENDING: 'thumbs:pending',
      QUEUE_PROCESSING: 'thumbs:processing',
      QUEUE_LEASE_PREFIX: 'thumbs:lease:',
      QUEUE_LEASE_SECONDS: '300',
      QUEUE_FAILED: 'thumbs:failed',
      QUEUE_MAX_ITEMS: '0',
      QUEUE_EXIT_WHEN: 'drained',
      QUEUE_SCRIPTS_DIR: '/etc/work-queue/scripts',
      WORKER_ID: { fieldRef: { fieldPath: 'metadata.name' } },
    });
    const { WORKER_ID: _, ...literal } = env(worker);
    expect(q.contractEnv()).toEqual(literal);
    expect(worker.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1000,
      runAsNonRoot: true,
      runAsUser: 1000,
    });
    expect(worker.volumeMounts).toEqual([
      { mountPath: '/var/run/work-queue', name: 'work' },
      { mountPath: '/tmp', name: 'tmp' },
      { mountPath: '/etc/work-queue/scripts', name: 'scripts', readOnly: true },
    ]);
  });

  test('workers wait for their seed run before they can find the queue drained', () => {
    const init = workerJob(objs).spec.template.spec.initContainers;
    expect(init.map((c: any) => c.name)).toEqual(['wait-seed']);
    expect(init[0].image).toBe('redis:7.2.5-alpine');
    expect(init[0].command).toEqual(['/bin/sh', '/etc/work-queue/scripts/wait-seed.sh']);
    expect(env(init[0])).toEqual({ QUEUE_HOST: 'thumbs-redis', QUEUE_PORT: '6379', QUEUE_SEEDS: 'thumbs:seeds', SEED_RUN: q.seedRun });
  });

  test('the scripts ConfigMap holds exactly the rendered scripts; the items ConfigMap is immutable', () => {
    expect(one(objs, 'ConfigMap', 'thumbs-scripts').data).toEqual(WorkQueueScripts.files());
    const items = one(objs, 'ConfigMap', q.itemsConfigMap!.name);
    expect(items.data).toEqual({ 'items.txt': 'photos/a.jpg\nphotos/b.jpg\nphotos/c.jpg\n' });
    expect(items.immutable).toBe(true);
  });

  test('the seeder: the redis image running seed.sh with the run id and count, idempotent per run', () => {
    const job = one(objs, 'Job', q.seeder!.name);
    const c = job.spec.template.spec.containers[0];
    expect(c.image).toBe('redis:7.2.5-alpine');
    expect(c.command).toEqual(['/bin/sh', '/etc/work-queue/scripts/seed.sh']);
    expect(env(c)).toEqual({
      QUEUE_HOST: 'thumbs-redis',
      QUEUE_PORT: '6379',
      QUEUE_PENDING: 'thumbs:pending',
      QUEUE_SEEDS: 'thumbs:seeds',
      SEED_RUN: WorkQueueScripts.seedRunId(ITEMS),
      SEED_COUNT: '3',
    });
    expect(c.volumeMounts).toEqual([
      { mountPath: '/etc/work-queue/scripts', name: 'scripts', readOnly: true },
      { mountPath: '/etc/work-queue/items', name: 'items', readOnly: true },
    ]);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBe(6);
  });

  test('the reaper: a CronJob every minute running reap.lua through reap.sh, never two at once', () => {
    const cron = one(objs, 'CronJob', 'thumbs-reaper');
    expect(cron.spec.schedule).toBe('* * * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.command).toEqual(['/bin/sh', '/etc/work-queue/scripts/reap.sh']);
    expect(env(c)).toEqual({
      QUEUE_HOST: 'thumbs-redis',
      QUEUE_PORT: '6379',
      QUEUE_PENDING: 'thumbs:pending',
      QUEUE_PROCESSING: 'thumbs:processing',
      QUEUE_UNLEASED: 'thumbs:unleased',
      QUEUE_STATS: 'thumbs:stats',
      QUEUE_LEASE_PREFIX: 'thumbs:lease:',
      REAPER_GRACE_SECONDS: '10',
    });
  });

  test('the queue: one restricted redis with an append-only file on a claim, noeviction, Recreate, no PDB', () => {
    const d = one(objs, 'Deployment', 'thumbs-redis');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const c = d.spec.template.spec.containers[0];
    expect(c.command).toEqual(['redis-server']);
    expect(c.args).toEqual(['--port', '6379', '--dir', '/data', '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
      '--maxmemory-policy', 'noeviction', '--protected-mode', 'no', '--maxmemory', '204mb']);
    expect(c.volumeMounts).toEqual([{ mountPath: '/data', name: 'data' }]);
    expect(d.spec.template.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'thumbs-redis', readOnly: false } }]);
    expect(one(objs, 'PersistentVolumeClaim').spec.resources).toEqual({ requests: { storage: '1Gi' } });
    expect(one(objs, 'Service').spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 6379 }]);
    expect(ofKind(objs, 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('WorkQueueJobs, Indexed mode', () => {
  const stages: kplus.ContainerProps[] = [
    { name: 'fetch', image: 'curlimages/curl:8.11.0', command: ['sh', '-c', 'curl -fsS -o "$WORK_DIR/in" "https://img.example.com/$(cat "$WORK_ITEM_FILE")"'] },
    { name: 'detect', image: 'node:22.11.0-bookworm', command: ['sh', '-c', 'identify "$WORK_DIR/in" > "$WORK_DIR/faces"'] },
  ];
  const { chart, q } = build({ items: WorkItems.fromList(ITEMS), mode: WorkerMode.indexed({ parallelism: 5 }), stages });
  const objs = synthValid(chart);

  test('matches the snapshot', () => {
    expect(objs).toMatchSnapshot();
  });

  test('only the items and one Indexed Job: one completion per item, no Redis', () => {
    expect(objs.map((o) => o.kind)).toEqual(['ConfigMap', 'Job']);
    expect(q.mode).toBe(WorkerModeKind.INDEXED);
    expect(q.queue).toBeUndefined();
    expect(q.keys).toBeUndefined();
    const job = one(objs, 'Job');
    expect(job.metadata.name).toMatch(/^thumbs-[0-9a-f]{8}$/);
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.completions).toBe(3);
    expect(job.spec.parallelism).toBe(5); // Kubernetes runs at most as many pods as indexes are left
  });

  test('an init container hands item i to pod i; the stages run in order before the worker', () => {
    const pod = one(objs, 'Job').spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['item', 'fetch', 'detect']);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['worker']);
    const item = pod.initContainers[0];
    expect(item.command[2]).toContain('JOB_COMPLETION_INDEX + 1');
    for (const c of [...pod.initContainers.slice(1), ...pod.containers]) {
      expect(env(c)).toEqual({ WORK_DIR: '/var/run/work-queue', WORK_ITEM_FILE: '/var/run/work-queue/item', WORK_ITEMS_FILE: '/etc/work-queue/items/items.txt' });
      expect(c.volumeMounts).toContainEqual({ mountPath: '/var/run/work-queue', name: 'work' });
      expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    }
    expect(pod.volumes).toEqual([
      { name: 'items', configMap: { name: q.itemsConfigMap!.name } },
      { name: 'tmp', emptyDir: {} },
      { name: 'work', emptyDir: {} },
    ]);
  });
});

describe('WorkQueueJobs, KEDA ScaledJob mode', () => {
  const secret = (c: Chart) => kplus.Secret.fromSecretName(c, 'pw', 'queue-password');
  const chart = new Chart(Testing.app(), 'c', { namespace: 'batch' });
  const q = new WorkQueueJobs(chart, 'thumbs', {
    worker: WORKER,
    workerUid: 1000,
    workerGid: 1000,
    items: WorkItems.fromList(ITEMS),
    mode: WorkerMode.scaledJob({ maxReplicas: 20, itemsPerJob: 5, pollingInterval: Duration.seconds(10) }),
    queuePassword: secret(chart),
  });
  const objs = synthValid(chart);

  test('matches the snapshot', () => {
    expect(objs).toMatchSnapshot();
  });

  test('a ScaledJob with a redis trigger on the pending list, gradual rollout, accurate scaling', () => {
    expect(q.mode).toBe(WorkerModeKind.SCALED_JOB);
    expect(q.workerJob).toBeUndefined();
    const sj = one(objs, 'ScaledJob', 'thumbs-workers');
    expect(sj.apiVersion).toBe('keda.sh/v1alpha1');
    expect(sj.metadata.namespace).toBe('batch');
    const { jobTargetRef, ...rest } = sj.spec;
    expect(rest).toEqual({
      pollingInterval: 10,
      maxReplicaCount: 20,
      rollout: { strategy: 'gradual' },
      scalingStrategy: { strategy: 'accurate' },
      triggers: [{
        type: 'redis',
        metadata: { address: 'thumbs-redis.batch.svc.cluster.local:6379', listName: 'thumbs:pending', listLength: '5' },
        authenticationRef: { name: 'thumbs-queue' },
      }],
    });
    expect(jobTargetRef.parallelism).toBe(1);
    expect(jobTargetRef.completions).toBe(1);
    expect(jobTargetRef.ttlSecondsAfterFinished).toBeUndefined();
    expect(jobTargetRef.template.spec.initContainers).toBeUndefined(); // KEDA starts Jobs only when items are pending
    const worker = jobTargetRef.template.spec.containers[0];
    expect(env(worker)).toMatchObject({ QUEUE_MAX_ITEMS: '5', QUEUE_EXIT_WHEN: 'empty', QUEUE_PASSWORD: { secretKeyRef: { name: 'queue-password', key: 'password' } } });
  });

  test('the password reaches KEDA through a TriggerAuthentication and Redis through a Secret only', () => {
    expect(one(objs, 'TriggerAuthentication', 'thumbs-queue').spec).toEqual({
      secretTargetRef: [{ parameter: 'password', name: 'queue-password', key: 'password' }],
    });
    const redis = one(objs, 'Deployment').spec.template.spec.containers[0];
    expect(redis.command).toEqual(['sh', '-c', 'exec redis-server "$@" --requirepass "$REDISCLI_AUTH"', 'redis-server']);
    expect(env(redis)).toEqual({ REDISCLI_AUTH: { secretKeyRef: { name: 'queue-password', key: 'password' } } });
    for (const name of [q.seeder!.name]) {
      expect(env(one(objs, 'Job', name).spec.template.spec.containers[0]).REDISCLI_AUTH).toEqual({ secretKeyRef: { name: 'queue-password', key: 'password' } });
    }
    expect(env(one(objs, 'CronJob').spec.jobTemplate.spec.template.spec.containers[0]).REDISCLI_AUTH).toEqual({ secretKeyRef: { name: 'queue-password', key: 'password' } });
  });

  test('KEDA options: immediate rollout and default scaling when asked', () => {
    const c = new Chart(Testing.app(), 'c');
    const w = new WorkQueueJobs(c, 'w', {
      worker: WORKER,
      queueAddress: 'redis.queues.svc.cluster.local:6380',
      mode: WorkerMode.scaledJob({ rolloutStrategy: KedaRolloutStrategy.IMMEDIATE, scalingStrategy: KedaScalingStrategy.DEFAULT }),
    });
    const sj = one(synthValid(c), 'ScaledJob');
    expect(sj.spec.rollout).toEqual({ strategy: 'immediate' });
    expect(sj.spec.scalingStrategy).toEqual({ strategy: 'default' });
    expect(sj.spec.maxReplicaCount).toBe(10);
    expect(sj.spec.pollingInterval).toBe(30);
    expect(sj.spec.triggers[0].metadata).toEqual({ address: 'redis.queues.svc.cluster.local:6380', listName: 'w:pending', listLength: '1' });
    expect(w.queueHost).toBe('redis.queues.svc.cluster.local');
  });
});

describe('WorkQueueJobs options', () => {
  test('an external queue: no Redis objects, workers get its address', () => {
    const { chart, q } = build({ queueAddress: '10.0.0.7:6380', queueName: 'jobs' });
    const objs = synthValid(chart);
    expect(objs.map((o) => o.kind)).toEqual(['ConfigMap', 'CronJob', 'Job']);
    expect(q.queue).toBeUndefined();
    expect(q.seeder).toBeUndefined();
    expect(q.keys).toEqual({
      pending: 'jobs:pending',
      processing: 'jobs:processing',
      leasePrefix: 'jobs:lease:',
      unleased: 'jobs:unleased',
      failed: 'jobs:failed',
      seeds: 'jobs:seeds',
      stats: 'jobs:stats',
    });
    const worker = workerJob(objs).spec.template.spec;
    expect(worker.initContainers).toBeUndefined(); // no seed run to wait for
    expect(env(worker.containers[0])).toMatchObject({ QUEUE_HOST: '10.0.0.7', QUEUE_PORT: '6380', QUEUE_PENDING: 'jobs:pending' });
  });

  test('lease, grace, schedule, backoff, deadline, TTL and pod failure rules are passed through', () => {
    const { chart } = build({
      items: WorkItems.fromList(ITEMS),
      lease: Duration.minutes(30),
      handOffGrace: Duration.seconds(3),
      reaperSchedule: Cron.schedule({ minute: '*/15' }),
      backoffLimit: 2,
      activeDeadline: Duration.hours(2),
      ttlAfterFinished: Duration.minutes(10),
      podFailurePolicy: [PodFailureRule.failJobOnExitCodes([42, 3, 42], 'worker'), PodFailureRule.ignoreExitCodes([137]), PodFailureRule.ignoreDisruptions()],
      mode: WorkerMode.parallel({ parallelism: 8 }),
    });
    const objs = synthValid(chart);
    const job = workerJob(objs);
    expect(job.spec).toMatchObject({ parallelism: 8, backoffLimit: 2, activeDeadlineSeconds: 7200, ttlSecondsAfterFinished: 600 });
    expect(job.spec.podFailurePolicy.rules).toEqual([
      { action: 'FailJob', onExitCodes: { containerName: 'worker', operator: 'In', values: [3, 42] }, onPodConditions: [] },
      { action: 'Ignore', onExitCodes: { operator: 'In', values: [137] }, onPodConditions: [] },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ]);
    expect(env(job.spec.template.spec.containers[0]).QUEUE_LEASE_SECONDS).toBe('1800');
    const cron = one(objs, 'CronJob');
    expect(cron.spec.schedule).toBe('*/15 * * * *');
    expect(env(cron.spec.jobTemplate.spec.template.spec.containers[0]).REAPER_GRACE_SECONDS).toBe('3');
  });

  test('queue storage, class and resources; maxmemory follows the memory limit', () => {
    const { chart } = build({
      queueStorage: Size.gibibytes(5),
      queueStorageClass: 'fast',
      queueResources: { memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) } },
    });
    const objs = synthValid(chart);
    expect(one(objs, 'PersistentVolumeClaim').spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
    expect(one(objs, 'Deployment').spec.template.spec.containers[0].args.slice(-2)).toEqual(['--maxmemory', '819mb']);
    expect(WorkQueueJobs.redisArgs()).not.toContain('--maxmemory');
  });

  test('a worker without workerUid runs as its image user, still non-root', () => {
    const chart = Testing.chart();
    new WorkQueueJobs(chart, 'q', { worker: WORKER });
    const pod = workerJob(synthValid(chart)).spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext.runAsUser).toBeUndefined();
    expect(pod.containers[0].securityContext.runAsNonRoot).toBe(true);
  });

  test('names are deterministic and change with the items (Job templates are immutable)', () => {
    const names = (items: string[]) => {
      const { chart } = build({ items: WorkItems.fromList(items) });
      return synthValid(chart).map((o) => o.metadata.name);
    };
    expect(names(ITEMS)).toEqual(names(ITEMS));
    const a = names(ITEMS);
    const b = names([...ITEMS, 'photos/d.jpg']);
    expect(a.filter((n) => !b.includes(n)).map((n) => n.replace(/[0-9a-f]{8}$/, 'H'))).toEqual(['thumbs-items-H', 'thumbs-seed-H', 'thumbs-workers-H']);
  });

  test('items from a file: one per line, LF or CRLF, last line end optional', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wq-'));
    const file = path.join(dir, 'items.txt');
    fs.writeFileSync(file, 'photos/a.jpg\r\nphotos/b.jpg\r\nphotos/c.jpg');
    const { chart, q } = build({ items: WorkItems.fromFile(file) });
    synthValid(chart);
    expect(q.itemsConfigMap!.data).toEqual({ 'items.txt': 'photos/a.jpg\nphotos/b.jpg\nphotos/c.jpg\n' });
    expect(q.seedRun).toBe(WorkQueueScripts.seedRunId(ITEMS));
    fs.rmSync(dir, { recursive: true });
  });
});

describe('WorkQueueJobs reaper schedules', () => {
  test.each([
    ['*/20 * * * *', 1200],
    ['@hourly', 3600],
    ['0,30 * * * *', 1800],
    ['*/7 * * * *', 420], // :56 → :00 is 4 minutes, the others 7
    ['0 9-17 * * *', 16 * 3600],
  ])('%s leaves up to %ds between runs: accepted with that lease, refused with one second less', (schedule, gap) => {
    const ok = () => build({ lease: Duration.seconds(gap), reaperSchedule: Cron.schedule(fields(schedule)) });
    expect(ok).not.toThrow();
    expect(() => build({ lease: Duration.seconds(gap - 1), reaperSchedule: Cron.schedule(fields(schedule)) }))
      .toThrow(`WorkQueueJobs 'test/thumbs': 'reaperSchedule' must be a schedule that fires at least once per lease (${gap - 1}s); it leaves up to ${gap}s between runs, got '${schedule}'`);
  });
});

/** The fields of a Cron with this expression (anything but 5 fields goes whole into `minute`). */
function fields(expression: string): { minute?: string; hour?: string; day?: string; month?: string; weekDay?: string } {
  const parts = expression.split(' ');
  if (parts.length !== 5) return { minute: expression, hour: '', day: '', month: '', weekDay: '' };
  const [minute, hour, day, month, weekDay] = parts;
  return { minute, hour, day, month, weekDay };
}

describe('WorkQueueJobs bad input', () => {
  const at = "WorkQueueJobs 'test/thumbs'";

  test('fails when parallelism < 1', () => {
    expect(() => build({ mode: WorkerMode.parallel({ parallelism: 0 }) }))
      .toThrow(`${at}: 'mode.parallelism' must be an integer from 1 to 100000, got 0`);
    expect(() => build({ items: WorkItems.fromList(ITEMS), mode: WorkerMode.indexed({ parallelism: -2 }) }))
      .toThrow(`${at}: 'mode.parallelism' must be an integer from 1 to 100000, got -2`);
  });

  test('fails when an Indexed Job has no items', () => {
    expect(() => build({ mode: WorkerMode.indexed() }))
      .toThrow(`${at}: 'items' must be at least one item for WorkerMode.indexed() (one completion per item), got undefined`);
    expect(() => build({ mode: WorkerMode.indexed(), items: WorkItems.fromList([]) }))
      .toThrow(`${at}: 'items' must be at least one item for WorkerMode.indexed() (one completion per item), got []`);
  });

  test('fails when the items do not fit one ConfigMap (1 MiB)', () => {
    const items = Array.from({ length: 10000 }, (_, i) => `photos/${String(i).padStart(6, '0')}-${'x'.repeat(93)}.jpg`);
    expect(() => build({ mode: WorkerMode.indexed(), items: WorkItems.fromList(items) }))
      .toThrow(`${at}: 'items' must fit one ConfigMap (at most 1048576 bytes, one item per line), got 1120000 bytes in 10000 items`);
  });

  test('fails when KEDA mode has no queue address KEDA can reach', () => {
    expect(() => build({ mode: WorkerMode.scaledJob() }))
      .toThrow(`${at}: 'queueAddress' must be set for WorkerMode.scaledJob(): KEDA's operator runs in its own namespace and needs an address it can reach (give 'queueAddress', or a namespace to the chart so the created Redis gets a fully qualified name), got undefined`);
  });

  test('fails when the lease is not a positive whole number of seconds', () => {
    expect(() => build({ lease: Duration.seconds(0) })).toThrow(`${at}: 'lease' must be a whole number of seconds from 1 to 86400, got '0ms'`);
    expect(() => build({ lease: Duration.millis(1500) })).toThrow(`${at}: 'lease' must be a whole number of seconds from 1 to 86400, got '1500ms'`);
  });

  test('fails when the reaper runs less often than the lease allows', () => {
    expect(() => build({ lease: Duration.seconds(30) }))
      .toThrow(`${at}: 'reaperSchedule' must be a schedule that fires at least once per lease (30s); it leaves up to 60s between runs, got '* * * * *'`);
  });

  test.each([
    ['61 * * * *'], ['* 24 * * *'], ['* * 0 * *'], ['* * * 13 *'], ['* * * * 7'], ['*/0 * * * *'], ['5-1 * * * *'],
    ['* * * *'], ['* * * * * *'], ['@every 1m'], ['x * * * *'], ['1-2-3 * * * *'],
  ])('fails when the cron schedule %s is invalid', (schedule) => {
    expect(() => build({ reaperSchedule: Cron.schedule(fields(schedule)) }))
      .toThrow(`${at}: 'reaperSchedule' must be a cron schedule of 5 fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-6; *, lists, ranges, steps, month and day names) or @hourly, @daily, @weekly, @monthly, @yearly, got '${schedule}'`);
  });

  test('fails when the cron schedule never fires', () => {
    expect(() => build({ reaperSchedule: Cron.schedule({ minute: '0', hour: '0', day: '31', month: '2', weekDay: '*' }) }))
      .toThrow(`${at}: 'reaperSchedule' must be a cron schedule that fires, got '0 0 31 2 *'`);
  });

  test('fails when items repeat, are empty or hold a line break', () => {
    expect(() => build({ items: WorkItems.fromList(['a', 'b', 'a']) }))
      .toThrow(`${at}: 'items' must be unique (an item is its own id on the queue), got 'a' at items[0] and items[2]`);
    expect(() => build({ items: WorkItems.fromList(['a', '']) }))
      .toThrow(`${at}: 'items' must be non-empty strings without line breaks, got '' at items[1]`);
    expect(() => build({ items: WorkItems.fromList(['a\nb']) }))
      .toThrow(`${at}: 'items' must be non-empty strings without line breaks, got 'a\nb' at items[0]`);
    expect(() => build({ items: WorkItems.fromFile('/no/such/items.txt') }))
      .toThrow(`${at}: 'items' must name a readable file, got '/no/such/items.txt' (ENOENT)`);
  });

  test('fails when stages are given outside the Indexed mode', () => {
    expect(() => build({ stages: [{ image: 'curlimages/curl:8.11.0' }] }))
      .toThrow(`${at}: 'stages' must be empty unless the mode is WorkerMode.indexed() (stages run as init containers, one pod per item), got '1 stages'`);
  });

  test('fails when queue props are given to the Indexed mode', () => {
    expect(() => build({ mode: WorkerMode.indexed(), items: WorkItems.fromList(ITEMS), queueAddress: 'redis:6379' }))
      .toThrow(`${at}: 'queueAddress' must be unset for WorkerMode.indexed(), which uses no queue, got 'redis:6379'`);
    expect(() => build({ mode: WorkerMode.indexed(), items: WorkItems.fromList(ITEMS), lease: Duration.minutes(1) }))
      .toThrow(`${at}: 'lease' must be unset for WorkerMode.indexed(), which uses no queue, got '60s'`);
  });

  test('fails when the queue address is not host:port', () => {
    expect(() => build({ queueAddress: 'redis' }))
      .toThrow(`${at}: 'queueAddress' must be 'host:port' (a DNS name or IPv4 address and a port from 1 to 65535), got 'redis'`);
    expect(() => build({ queueAddress: 'redis:70000' }))
      .toThrow(`${at}: 'queueAddress' must be 'host:port' (a DNS name or IPv4 address and a port from 1 to 65535), got 'redis:70000'`);
  });

  test('fails when the worker sets a contract variable or mounts a reserved path', () => {
    expect(() => build({ worker: { ...WORKER, envVariables: { QUEUE_HOST: kplus.EnvValue.fromValue('x') } } }))
      .toThrow(`${at}: 'worker.envVariables' must be free of the names WorkQueueJobs sets (WORK_DIR, QUEUE_HOST, QUEUE_PORT, QUEUE_PENDING, QUEUE_PROCESSING, QUEUE_LEASE_PREFIX, QUEUE_LEASE_SECONDS, QUEUE_FAILED, QUEUE_MAX_ITEMS, QUEUE_EXIT_WHEN, QUEUE_SCRIPTS_DIR, WORKER_ID), got 'QUEUE_HOST'`);
    const chart = Testing.chart();
    const vol = kplus.Volume.fromEmptyDir(chart, 'v', 'scratch');
    expect(() => new WorkQueueJobs(chart, 'thumbs', { worker: { ...WORKER, volumeMounts: [{ path: '/tmp', volume: vol }] } }))
      .toThrow(`${at}: 'worker.volumeMounts' must be free of the paths WorkQueueJobs mounts (/var/run/work-queue, /tmp, /etc/work-queue/scripts, /etc/work-queue/items), got '/tmp'`);
  });

  test('fails when a stage reuses a container name or a pod failure rule is wrong', () => {
    const items = WorkItems.fromList(ITEMS);
    expect(() => build({ mode: WorkerMode.indexed(), items, stages: [{ name: 'item', image: 'curlimages/curl:8.11.0' }] }))
      .toThrow(`${at}: 'stages[0].name' must be a container name not used by another container of the pod, got 'item'`);
    expect(() => build({ podFailurePolicy: [PodFailureRule.failJobOnExitCodes([0])] }))
      .toThrow(`${at}: 'podFailurePolicy[0].exitCodes' must be from 1 to 255 exit codes, each an integer from 1 to 255, got [0]`);
    expect(() => build({ podFailurePolicy: [PodFailureRule.ignoreExitCodes([1], 'nope')] }))
      .toThrow(`${at}: 'podFailurePolicy[0].containerName' must be one of the pod's containers ('worker'), got 'nope'`);
  });

  test('fails when the worker image is not pinned', () => {
    expect(() => build({ worker: { image: 'node:latest' } }))
      .toThrow(`${at}: 'worker.image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'node:latest'`);
  });
});
