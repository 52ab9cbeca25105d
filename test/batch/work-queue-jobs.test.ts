import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Cron, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AppContainerProps, KedaRolloutStrategy, KedaScalingStrategy, NetworkPeer, PodFailureRule, PodOptions, QueueEngine, QueuePersistence,
  RecommendedLabels, RedisAuth,
  WorkerMode, WorkerModeKind, WorkerStageProps, WorkItems, WorkQueueJobs, WorkQueueJobsProps, WorkQueueScripts,
} from '../../src';
import { ofKind, one, synthValid } from '../harness';

const WORKER: AppContainerProps = {
  image: 'node:22.11.0-bookworm',
  command: ['node', '/etc/work-queue/scripts/worker.js', 'sh', '-c', 'convert "$WORK_ITEM" -thumbnail 128x128 /tmp/out.jpg'],
};
const ITEMS = ['photos/a.jpg', 'photos/b.jpg', 'photos/c.jpg'];

function build(props: Partial<WorkQueueJobsProps> = {}, namespace?: string) {
  const chart = Testing.chart();
  const c = namespace ? new Chart(Testing.app(), 'c', { namespace }) : chart;
  const q = new WorkQueueJobs(c, 'thumbs', { worker: WORKER, ...props });
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

  test('the queue, seeder and workers, each of the right kind; no reaper CronJob (the workers reap in their takes)', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      `ConfigMap/thumbs-items-${WorkQueueScripts.seedRunId(ITEMS).slice(0, 8)}`,
      'PersistentVolumeClaim/thumbs-redis',
      'Deployment/thumbs-redis',
      'Service/thumbs-redis',
      'ConfigMap/thumbs-scripts',
      `Job/${q.seeder!.name}`,
      `Job/${q.workerJob!.name}`,
      'NetworkPolicy/thumbs-workers',
      'NetworkPolicy/thumbs-seeder',
      'NetworkPolicy/thumbs-redis',
    ]);
    expect(q.reaper).toBeUndefined();
    expect(q.persistence).toBe(QueuePersistence.APPEND_FSYNC_EVERY_SECOND);
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
    // no TTL: a GitOps controller would re-create the Job its TTL deleted (the same default as KafkaWorkflow)
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.metadata.annotations).toEqual({ 'ignore-check.kube-linter.io/job-ttl-seconds-after-finished': 'a GitOps tool would re-create a Job its TTL deleted and run it again' });
    expect(one(objs, 'Job', q.seeder!.name).spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(one(objs, 'Job', q.seeder!.name).metadata.annotations).toEqual(job.metadata.annotations);
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
      QUEUE_NAME: 'thumbs',
      QUEUE_MAX_ATTEMPTS: '3',
      QUEUE_RETRY_BACKOFF_MS: '10000',
      QUEUE_RETRY_BACKOFF_MAX_MS: '300000',
      QUEUE_LEASE_SECONDS: '300',
      QUEUE_TAKE_BATCH: '1',
      QUEUE_MAX_ITEMS: '0',
      QUEUE_EXIT_WHEN: 'drained',
      QUEUE_SCRIPTS_DIR: '/etc/work-queue/scripts',
      WORKER_ID: { fieldRef: { fieldPath: 'metadata.name' } },
      // the default auth's Secret, by reference
      QUEUE_PASSWORD: { secretKeyRef: { name: 'thumbs-redis-auth', key: 'password' } },
      SEED_RUN: q.seedRun,
    });
    const { WORKER_ID: _, QUEUE_PASSWORD: _password, ...literal } = env(worker);
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
    expect(env(init[0])).toEqual({ QUEUE_CLI: 'redis-cli', QUEUE_HOST: 'thumbs-redis', QUEUE_PORT: '6379', QUEUE_SEEDS: 'thumbs:seeds', SEED_RUN: q.seedRun, SEED_WAIT_SECONDS: '900', REDISCLI_AUTH: { secretKeyRef: { name: 'thumbs-redis-auth', key: 'password' } } });
    expect(init[0].imagePullPolicy).toBe('IfNotPresent');
    expect(init[0].resources).toEqual({ limits: { 'cpu': '200m', 'memory': '64Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '10m', 'memory': '16Mi', 'ephemeral-storage': '16Mi' } });
  });

  test('the scripts ConfigMap holds exactly the rendered scripts its pods run; the items ConfigMap is immutable', () => {
    // worker.js (named by the worker's command) with the client.js it loads, queue.lua, the seeder's and the seed
    // wait's scripts, status.sh; not worker.sh, client.py or reap.sh (no reaper in this mode)
    const all = WorkQueueScripts.files();
    const files = ['client.js', 'queue.lua', 'seed.lua', 'seed.sh', 'status.sh', 'wait-seed.sh', 'worker.js'];
    expect(one(objs, 'ConfigMap', 'thumbs-scripts').data).toEqual(Object.fromEntries(files.map((f) => [f, all[f]])));
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
      QUEUE_CLI: 'redis-cli',
      QUEUE_HOST: 'thumbs-redis',
      QUEUE_PORT: '6379',
      QUEUE_PENDING: 'thumbs:pending',
      QUEUE_SEEDS: 'thumbs:seeds',
      SEED_RUN: WorkQueueScripts.seedRunId(ITEMS),
      SEED_COUNT: '3',
      REDISCLI_AUTH: { secretKeyRef: { name: 'thumbs-redis-auth', key: 'password' } },
    });
    expect(c.volumeMounts).toEqual([
      { mountPath: '/etc/work-queue/scripts', name: 'scripts', readOnly: true },
      { mountPath: '/etc/work-queue/items', name: 'items', readOnly: true },
    ]);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBe(6);
  });

  test('the queue: one restricted redis with an append-only file on a claim, noeviction, Recreate, no PDB', () => {
    const d = one(objs, 'Deployment', 'thumbs-redis');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const c = d.spec.template.spec.containers[0];
    expect(c.command).toEqual(['redis-server']);
    // authenticated by default (the Secret thumbs-redis-auth): the include first, the password in no arg or env
    expect(c.args).toEqual(['/run/redis-auth/auth.conf', '--port', '6379', '--dir', '/data', '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
      '--maxmemory-policy', 'noeviction', '--maxmemory', '204mb']);
    expect(c.env).toBeUndefined();
    expect(c.volumeMounts).toEqual([
      { mountPath: '/data', name: 'data' },
      { mountPath: '/run/secrets/redis-auth', name: 'thumbs-redis-auth', readOnly: true },
      { mountPath: '/run/redis-auth', name: 'thumbs-redis-auth-conf', readOnly: true },
    ]);
    expect(d.spec.template.spec.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'thumbs-redis', readOnly: false } },
      { name: 'thumbs-redis-auth', secret: { secretName: 'thumbs-redis-auth', items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 } },
      { name: 'thumbs-redis-auth-conf', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
    ]);
    expect(d.metadata.annotations).toMatchObject({ 'distributed-patterns.dev/redis-auth': 'secret thumbs-redis-auth/password' });
    expect(one(objs, 'PersistentVolumeClaim').spec.resources).toEqual({ requests: { storage: '1Gi' } });
    expect(one(objs, 'Service').spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 6379 }]);
    expect(ofKind(objs, 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('WorkQueueJobs, Indexed mode', () => {
  const stages: WorkerStageProps[] = [
    { name: 'fetch', image: 'curlimages/curl:8.11.0', command: ['sh', '-c', 'curl -fsS -o "$WORK_DIR/in" "https://img.example.com/$(cat "$WORK_ITEM_FILE")"'] },
    { name: 'detect', image: 'node:22.11.0-bookworm', command: ['sh', '-c', 'identify "$WORK_DIR/in" > "$WORK_DIR/faces"'] },
  ];
  const { chart, q } = build({ items: WorkItems.fromList(ITEMS), mode: WorkerMode.indexed({ parallelism: 5 }), stages });
  const objs = synthValid(chart);

  test('matches the snapshot', () => {
    expect(objs).toMatchSnapshot();
  });

  test('only the items and one Indexed Job: one completion per item, no Redis', () => {
    expect(objs.map((o) => o.kind)).toEqual(['ConfigMap', 'Job', 'NetworkPolicy']);
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
    // the item writer is a real program file, shipped in the (immutable) items ConfigMap beside the items
    expect(item.command).toEqual(['/bin/sh', '/etc/work-queue/items/item.sh']);
    expect(q.itemsConfigMap!.data).toEqual({ 'items.txt': 'photos/a.jpg\nphotos/b.jpg\nphotos/c.jpg\n', 'item.sh': WorkQueueScripts.itemShell() });
    for (const c of [...pod.initContainers.slice(1), ...pod.containers]) {
      expect(env(c)).toEqual({ WORK_DIR: '/var/run/work-queue', WORK_ITEM_FILE: '/var/run/work-queue/item', WORK_ITEMS_FILE: '/etc/work-queue/items/items.txt' });
      expect(c.volumeMounts).toContainEqual({ mountPath: '/var/run/work-queue', name: 'work' });
      expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    }
    expect(pod.volumes).toEqual([
      { name: 'items', configMap: { name: q.itemsConfigMap!.name } },
      { name: 'tmp', emptyDir: { sizeLimit: '512Mi' } },
      { name: 'work', emptyDir: { sizeLimit: '1024Mi' } },
    ]);
  });
});

describe('WorkQueueJobs, KEDA ScaledJob mode', () => {
  const secret = (c: Chart) => kplus.Secret.fromSecretName(c, 'pw', 'queue-password');
  const chart = new Chart(Testing.app(), 'c', { namespace: 'batch' });
  const q = new WorkQueueJobs(chart, 'thumbs', {
    worker: WORKER,
    items: WorkItems.fromList(ITEMS),
    mode: WorkerMode.scaledJob({ maxReplicas: 20, itemsPerJob: 5, pollingInterval: Duration.seconds(10) }),
    queueAuth: RedisAuth.fromSecret(secret(chart), 'password'),
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
    expect(redis.command).toEqual(['redis-server']);
    expect(redis.args[0]).toBe('/run/redis-auth/auth.conf');
    expect(redis.env).toBeUndefined();
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
    expect(objs.map((o) => o.kind)).toEqual(['ConfigMap', 'Job', 'NetworkPolicy']);
    expect(q.queue).toBeUndefined();
    expect(q.seeder).toBeUndefined();
    expect(q.persistence).toBeUndefined();
    expect(q.keys).toEqual({
      pending: 'jobs:pending',
      leased: 'jobs:leased',
      attempts: 'jobs:attempts',
      delayed: 'jobs:delayed',
      deadLetters: 'jobs:dead',
      seeds: 'jobs:seeds',
      stats: 'jobs:stats',
    });
    const worker = workerJob(objs).spec.template.spec;
    expect(worker.initContainers).toBeUndefined(); // no seed run to wait for
    expect(env(worker.containers[0])).toMatchObject({ QUEUE_HOST: '10.0.0.7', QUEUE_PORT: '6380', QUEUE_NAME: 'jobs' });
    expect(env(worker.containers[0]).SEED_RUN).toBeUndefined();
  });

  test('lease, attempts, retry backoff, batch, backoff, deadline, TTL and pod failure rules are passed through', () => {
    const { chart } = build({
      items: WorkItems.fromList(ITEMS),
      lease: Duration.minutes(30),
      maxAttempts: 5,
      retryBackoff: Duration.millis(1500),
      maxRetryBackoff: Duration.minutes(2),
      takeBatch: 10,
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
    expect(job.metadata.annotations).toBeUndefined(); // a TTL: nothing to explain to kube-linter
    const seeder = ofKind(objs, 'Job').find((j) => j.metadata.labels['app.kubernetes.io/component'] === 'seeder');
    expect(seeder.spec.ttlSecondsAfterFinished).toBe(600);
    expect(env(job.spec.template.spec.containers[0])).toMatchObject({
      QUEUE_LEASE_SECONDS: '1800', QUEUE_MAX_ATTEMPTS: '5', QUEUE_RETRY_BACKOFF_MS: '1500', QUEUE_RETRY_BACKOFF_MAX_MS: '120000', QUEUE_TAKE_BATCH: '10',
    });
  });

  test('the KEDA mode keeps a reaper CronJob (KEDA starts Jobs for pending items only), with the retry rules and a bounded batch', () => {
    const { chart } = build({
      items: WorkItems.fromList(ITEMS), maxAttempts: 4, reaperSchedule: Cron.schedule({ minute: '*/5' }), mode: WorkerMode.scaledJob(),
    }, 'batch');
    const cron = one(synthValid(chart), 'CronJob', 'thumbs-reaper');
    expect(cron.spec.schedule).toBe('*/5 * * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.command).toEqual(['/bin/sh', '/etc/work-queue/scripts/reap.sh']);
    expect(env(c)).toEqual({
      QUEUE_CLI: 'redis-cli',
      QUEUE_HOST: 'thumbs-redis',
      QUEUE_PORT: '6379',
      QUEUE_NAME: 'thumbs',
      QUEUE_MAX_ATTEMPTS: '4',
      QUEUE_RETRY_BACKOFF_MS: '10000',
      QUEUE_RETRY_BACKOFF_MAX_MS: '300000',
      REAPER_BATCH: '100',
      REDISCLI_AUTH: { secretKeyRef: { name: 'thumbs-redis-auth', key: 'password' } },
    });
  });

  test.each([
    [QueuePersistence.APPEND_FSYNC_ALWAYS, ['--appendonly', 'yes', '--appendfsync', 'always'], true],
    [QueuePersistence.NONE, ['--appendonly', 'no'], false],
  ])('queuePersistence %s: the server arguments and the claim', (persistence, aof, claim) => {
    const { chart, q } = build({ queuePersistence: persistence });
    const objs = synthValid(chart);
    const d = one(objs, 'Deployment');
    expect(d.spec.template.spec.containers[0].args.slice(5, 5 + aof.length)).toEqual(aof);
    expect(ofKind(objs, 'PersistentVolumeClaim')).toHaveLength(claim ? 1 : 0);
    expect(d.spec.template.spec.volumes[0]).toEqual(claim ? { name: 'data', persistentVolumeClaim: { claimName: 'thumbs-redis', readOnly: false } } : { name: 'data', emptyDir: { sizeLimit: '896Mi' } });
    expect(q.persistence).toBe(persistence);
    expect(WorkQueueJobs.redisArgs(undefined, persistence).slice(4, 4 + aof.length)).toEqual(aof);
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

  test('the worker runs as uid 1000 by default, or as its uid and gid; each stage as its own', () => {
    const chart = Testing.chart();
    new WorkQueueJobs(chart, 'q', { worker: WORKER });
    const pod = workerJob(synthValid(chart)).spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    const c2 = Testing.chart();
    new WorkQueueJobs(c2, 'q', {
      worker: { ...WORKER, uid: 2000, gid: 3000 },
      items: WorkItems.fromList(ITEMS),
      mode: WorkerMode.indexed(),
      stages: [{ image: 'curlimages/curl:8.11.0', uid: 100 }],
    });
    const p2 = one(synthValid(c2), 'Job').spec.template.spec;
    expect(p2.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 3000, fsGroup: 3000 });
    expect(p2.containers[0].securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 3000 });
    expect(p2.initContainers.map((c: any) => [c.name, c.securityContext.runAsUser, c.securityContext.runAsGroup])).toEqual([
      ['item', 999, 1000], ['stage-1', 100, 100],
    ]);
  });

  test('writable dirs: /tmp and $WORK_DIR always, each other dir its own emptyDir', () => {
    const { chart } = build({ worker: { ...WORKER, writableDirs: ['/tmp', '/var/cache/magick'] } });
    const pod = workerJob(synthValid(chart)).spec.template.spec;
    expect(pod.containers[0].volumeMounts).toEqual([
      { mountPath: '/var/run/work-queue', name: 'work' },
      { mountPath: '/tmp', name: 'tmp' },
      { mountPath: '/etc/work-queue/scripts', name: 'scripts', readOnly: true },
      { mountPath: '/var/cache/magick', name: 'worker-var-cache-magick' },
    ]);
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['scripts', 'tmp', 'work', 'worker-var-cache-magick']);
  });

  test('the worker takes env (literals and Secret references), args, a port and probes; default resources', () => {
    const chart = Testing.chart();
    const key = kplus.Secret.fromSecretName(chart, 'store', 'store-credentials');
    new WorkQueueJobs(chart, 'q', {
      worker: {
        image: 'node:22.11.0-bookworm',
        args: ['node', '/etc/work-queue/scripts/worker.js', 'true'],
        env: { STORE: kplus.EnvValue.fromValue('http://store'), TOKEN: kplus.EnvValue.fromSecretValue({ secret: key, key: 'token' }) },
        port: 9090,
        portName: 'metrics',
        liveness: kplus.Probe.fromHttpGet('/healthz'),
      },
    });
    const c = workerJob(synthValid(chart)).spec.template.spec.containers[0];
    expect(c.args).toEqual(['node', '/etc/work-queue/scripts/worker.js', 'true']);
    expect(c.command).toBeUndefined();
    expect(env(c)).toMatchObject({ STORE: 'http://store', TOKEN: { secretKeyRef: { name: 'store-credentials', key: 'token' } } });
    expect(c.ports).toEqual([{ containerPort: 9090, name: 'metrics' }]);
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 9090 });
    expect(c.resources).toEqual({ limits: { 'cpu': '1500m', 'memory': '2048Mi', 'ephemeral-storage': '2Gi' }, requests: { 'cpu': '1000m', 'memory': '512Mi', 'ephemeral-storage': '256Mi' } });
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

describe('WorkQueueJobs ships only the programs its pods run', () => {
  const scriptsOf = (props: Partial<WorkQueueJobsProps>, namespace?: string): string[] => {
    const { chart } = build(props, namespace);
    return Object.keys(one(synthValid(chart), 'ConfigMap', 'thumbs-scripts').data).sort();
  };
  const items = WorkItems.fromList(ITEMS);
  const worker = (command: string[], args?: string[]): AppContainerProps => ({ image: 'node:22.11.0-bookworm', command, args });

  test.each([
    ['worker.sh by its path', worker(['/bin/sh', '/etc/work-queue/scripts/worker.sh', 'true']), ['worker.sh']],
    ['worker.js through $QUEUE_SCRIPTS_DIR in sh -c (with the client.js it loads)', worker(['sh', '-c', 'exec node "$QUEUE_SCRIPTS_DIR/worker.js" --stdio cat']), ['client.js', 'worker.js']],
    ['client.py as ${QUEUE_SCRIPTS_DIR} in args', worker(['python3'], ['${QUEUE_SCRIPTS_DIR}/client.py']), ['client.py']],
    ['two of them', worker(['sh', '-c', 'sh /etc/work-queue/scripts/worker.sh true || node /etc/work-queue/scripts/client.js']), ['client.js', 'worker.sh']],
    ['none (your program loads a client): all four', worker(['node', '/app/main.js']), ['client.js', 'client.py', 'worker.js', 'worker.sh']],
    ['a look-alike outside the scripts dir: all four', worker(['node', '/app/worker.js', '/etc/work-queue/scripts/worker.jsx']), ['client.js', 'client.py', 'worker.js', 'worker.sh']],
  ])('the worker names %s', (_, w, programs) => {
    expect(scriptsOf({ worker: w, items })).toEqual([...programs, 'queue.lua', 'seed.lua', 'seed.sh', 'status.sh', 'wait-seed.sh'].sort());
  });

  test('per mode: the seeder with items, the seed wait in the parallel mode, reap.sh with a reaper (KEDA)', () => {
    const node = ['client.js', 'queue.lua', 'status.sh', 'worker.js'];
    expect(scriptsOf({})).toEqual(node);
    expect(scriptsOf({ items })).toEqual([...node, 'seed.lua', 'seed.sh', 'wait-seed.sh'].sort());
    expect(scriptsOf({ mode: WorkerMode.scaledJob() }, 'batch')).toEqual([...node, 'reap.sh'].sort());
    expect(scriptsOf({ mode: WorkerMode.scaledJob(), items }, 'batch')).toEqual([...node, 'reap.sh', 'seed.lua', 'seed.sh'].sort());
  });

  test('every file a pod runs from the scripts dir is in the ConfigMap it mounts', () => {
    const cases: [Partial<WorkQueueJobsProps>, string[]][] = [
      [{ items }, ['seed.sh', 'wait-seed.sh', 'worker.js']],
      [{ mode: WorkerMode.scaledJob(), items }, ['reap.sh', 'seed.sh', 'worker.js']],
    ];
    for (const [props, runs] of cases) {
      const { chart } = build(props, 'batch');
      const objs = synthValid(chart);
      const files = Object.keys(one(objs, 'ConfigMap', 'thumbs-scripts').data);
      const run = ofKind(objs, 'Job').concat(ofKind(objs, 'CronJob').map((c) => c.spec.jobTemplate), ofKind(objs, 'ScaledJob').map((s) => ({ spec: s.spec.jobTargetRef })))
        .flatMap((j) => [...j.spec.template.spec.initContainers ?? [], ...j.spec.template.spec.containers])
        .flatMap((c) => [...c.command ?? [], ...c.args ?? []])
        .flatMap((a: string) => [...a.matchAll(/\/etc\/work-queue\/scripts\/([\w.-]+)/g)].map((m) => m[1]));
      expect([...new Set(run)].sort()).toEqual(runs);
      for (const f of run) expect({ f, shipped: files.includes(f) }).toEqual({ f, shipped: true });
    }
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
    const keda = (lease: number) => build({ lease: Duration.seconds(lease), reaperSchedule: Cron.schedule(fields(schedule)), mode: WorkerMode.scaledJob() }, 'batch');
    expect(() => keda(gap)).not.toThrow();
    expect(() => keda(gap - 1))
      .toThrow(`WorkQueueJobs 'c/thumbs': 'reaperSchedule' must be a schedule that fires at least once per lease (${gap - 1}s); it leaves up to ${gap}s between runs, got '${schedule}'`);
  });
});

/** The fields of a Cron with this expression (anything but 5 fields goes whole into `minute`). */
function fields(expression: string): { minute?: string; hour?: string; day?: string; month?: string; weekDay?: string } {
  const parts = expression.split(' ');
  if (parts.length !== 5) return { minute: expression, hour: '', day: '', month: '', weekDay: '' };
  const [minute, hour, day, month, weekDay] = parts;
  return { minute, hour, day, month, weekDay };
}

/** The pod spec fields of `EVERY_POD_OPTION`, as every pod template must hold them (the API's spelling). */
const POD_SPEC_FIELDS = {
  nodeSelector: { 'node-pool': 'batch' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
  topologySpreadConstraints: [{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
  priorityClassName: 'batch-low',
};

const EVERY_POD_OPTION = (scope: Chart): PodOptions => ({
  imagePullSecrets: [kplus.Secret.fromSecretName(scope, 'pull', 'regcred')],
  serviceAccount: kplus.ServiceAccount.fromServiceAccountName(scope, 'sa', 'uploader'),
  automountServiceAccountToken: true,
  ...POD_SPEC_FIELDS,
  labels: { team: 'media' },
  annotations: { 'example.com/owner': 'media-team' },
});

/** Every pod template in the objects: Deployments, Jobs, CronJobs and the ScaledJob's job template. */
function podTemplates(objs: any[]): Array<{ where: string; template: any }> {
  return objs.flatMap((o) => {
    const where = `${o.kind}/${o.metadata.name}`;
    if (o.kind === 'Deployment' || o.kind === 'Job') return [{ where, template: o.spec.template }];
    if (o.kind === 'CronJob') return [{ where, template: o.spec.jobTemplate.spec.template }];
    if (o.kind === 'ScaledJob') return [{ where, template: o.spec.jobTargetRef.template }];
    return [];
  });
}

describe('WorkQueueJobs pod options reach every pod template, in every worker mode', () => {
  test.each([
    ['parallel', WorkerMode.parallel(), ['Deployment', 'Job', 'Job']],
    ['indexed', WorkerMode.indexed(), ['Job']],
    ['scaledJob', WorkerMode.scaledJob(), ['Deployment', 'Job', 'CronJob', 'ScaledJob']],
  ])('%s', (_name, mode, kinds) => {
    // GIVEN every pod option
    const chart = new Chart(Testing.app(), 'c', { namespace: 'batch' });
    new WorkQueueJobs(chart, 'thumbs', { worker: WORKER, items: WorkItems.fromList(ITEMS), mode, pod: EVERY_POD_OPTION(chart) });
    // WHEN synthesized (strict schema, restricted)
    const objs = synthValid(chart);
    const templates = podTemplates(objs);
    expect(templates.map((t) => t.where.split('/')[0])).toEqual(kinds);
    // THEN each template has each of them
    for (const { where, template } of templates) {
      const spec = template.spec;
      expect({ where, labels: template.metadata.labels.team, annotations: template.metadata.annotations['example.com/owner'] })
        .toEqual({ where, labels: 'media', annotations: 'media-team' });
      expect({
        where,
        spec: {
          imagePullSecrets: spec.imagePullSecrets,
          serviceAccountName: spec.serviceAccountName,
          automountServiceAccountToken: spec.automountServiceAccountToken,
          nodeSelector: spec.nodeSelector,
          tolerations: spec.tolerations,
          affinity: spec.affinity,
          topologySpreadConstraints: spec.topologySpreadConstraints,
          priorityClassName: spec.priorityClassName,
        },
      }).toEqual({
        where,
        spec: {
          imagePullSecrets: [{ name: 'regcred' }],
          serviceAccountName: 'uploader',
          automountServiceAccountToken: true,
          ...POD_SPEC_FIELDS,
        },
      });
    }
  });

  test('without pod options no token is mounted and nothing else is added', () => {
    const { chart } = build({ items: WorkItems.fromList(ITEMS) });
    for (const { where, template } of podTemplates(synthValid(chart))) {
      expect({ where, sa: template.spec.serviceAccountName, secrets: template.spec.imagePullSecrets, nodeSelector: template.spec.nodeSelector })
        .toEqual({ where, sa: undefined, secrets: undefined, nodeSelector: undefined });
    }
  });

  test('a change of pod options renames the worker and seeder Jobs (their templates are immutable)', () => {
    const names = (pod?: PodOptions) => {
      const { chart } = build({ items: WorkItems.fromList(ITEMS), pod });
      return ofKind(synthValid(chart), 'Job').map((j) => j.metadata.name);
    };
    const [seed, workers] = names();
    const [seed2, workers2] = names({ nodeSelector: { pool: 'b' } });
    expect(seed2).not.toBe(seed);
    expect(workers2).not.toBe(workers);
  });
});

describe('WorkQueueJobs labels', () => {
  test('one rule: name is the daemon or the instance, component the role, part-of, version the image tag', () => {
    const { chart, q } = build({ items: WorkItems.fromList(ITEMS), partOf: 'photo-store' });
    const objs = synthValid(chart);
    const row = (o: any) => {
      const l = o.metadata.labels;
      return [`${o.kind}/${o.metadata.name}`, l['app.kubernetes.io/name'], l['app.kubernetes.io/component'], l['app.kubernetes.io/version']];
    };
    expect(objs.map(row)).toEqual([
      [`ConfigMap/${q.itemsConfigMap!.name}`, 'thumbs', 'items', '22.11.0-bookworm'],
      ['PersistentVolumeClaim/thumbs-redis', 'redis', 'queue', '7.2.5-alpine'],
      ['Deployment/thumbs-redis', 'redis', 'queue', '7.2.5-alpine'],
      ['Service/thumbs-redis', 'redis', 'queue', '7.2.5-alpine'],
      ['ConfigMap/thumbs-scripts', 'redis', 'scripts', '7.2.5-alpine'],
      [`Job/${q.seeder!.name}`, 'redis', 'seeder', '7.2.5-alpine'],
      [`Job/${q.workerJob!.name}`, 'thumbs', 'worker', '22.11.0-bookworm'],
      ['NetworkPolicy/thumbs-workers', 'thumbs', 'worker', '22.11.0-bookworm'],
      ['NetworkPolicy/thumbs-seeder', 'redis', 'seeder', '7.2.5-alpine'],
      ['NetworkPolicy/thumbs-redis', 'redis', 'queue', '7.2.5-alpine'],
    ]);
    for (const o of objs) {
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/instance': 'thumbs', 'app.kubernetes.io/part-of': 'photo-store', 'app.kubernetes.io/managed-by': RecommendedLabels.MANAGED_BY,
      });
    }
    for (const { template } of podTemplates(objs)) expect(template.metadata.labels['app.kubernetes.io/part-of']).toBe('photo-store');
    // selectors never carry version or part-of
    expect(one(objs, 'Deployment').spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'thumbs', 'app.kubernetes.io/component': 'queue',
    });
  });

  test('part-of defaults to the app-wide context value, else the base name', () => {
    const app = Testing.app();
    app.node.setContext(RecommendedLabels.PART_OF_CONTEXT_KEY, 'shop');
    const chart = new Chart(app, 'c');
    new WorkQueueJobs(chart, 'thumbs', { worker: WORKER });
    for (const o of synthValid(chart)) expect(o.metadata.labels['app.kubernetes.io/part-of']).toBe('shop');
    const { chart: plain } = build();
    for (const o of synthValid(plain)) expect(o.metadata.labels['app.kubernetes.io/part-of']).toBe('thumbs');
  });
});

describe('WorkQueueJobs with the Valkey engine', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'batch' });
  const q = new WorkQueueJobs(chart, 'thumbs', {
    worker: WORKER,
    items: WorkItems.fromList(ITEMS),
    queueEngine: QueueEngine.VALKEY,
    queueAuth: RedisAuth.fromSecret(kplus.Secret.fromSecretName(chart, 'pw', 'queue-password'), 'pass'),
  });
  const objs = synthValid(chart);

  test('matches the snapshot', () => {
    expect(objs).toMatchSnapshot();
  });

  test('the queue runs valkey-server from the valkey image as its user, probed with valkey-cli', () => {
    expect(q.engine).toBe(QueueEngine.VALKEY);
    expect(q.queueHost).toBe('thumbs-valkey');
    const d = one(objs, 'Deployment', 'thumbs-valkey');
    expect(d.metadata.labels['app.kubernetes.io/name']).toBe('valkey');
    expect(d.metadata.labels['app.kubernetes.io/version']).toBe('8.1.1-alpine');
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 1000, fsGroup: 1000 });
    const c = pod.containers[0];
    expect(c.name).toBe('valkey');
    expect(c.image).toBe('valkey/valkey:8.1.1-alpine');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.command).toEqual(['valkey-server']);
    expect(c.args).toEqual(['/run/redis-auth/auth.conf', ...WorkQueueJobs.redisArgs(Size.mebibytes(256))]);
    expect(c.readinessProbe.exec.command).toEqual(['sh', '-c', 'valkey-cli --askpass -p 6379 PING < /run/secrets/redis-auth/password | grep -qx PONG']);
    expect(JSON.stringify(objs.filter((o) => o.kind !== 'ConfigMap'))).not.toMatch(/redis-(cli|server)/);
  });

  test('seeder, reaper and seed wait run the valkey image and call valkey-cli (QUEUE_CLI)', () => {
    const containers = [
      one(objs, 'Job', q.seeder!.name).spec.template.spec.containers[0],
      one(objs, 'Job', q.workerJob!.name).spec.template.spec.initContainers[0],
    ];
    for (const c of containers) {
      expect([c.name, c.image, env(c).QUEUE_CLI, env(c).REDISCLI_AUTH]).toEqual([c.name, 'valkey/valkey:8.1.1-alpine', 'valkey-cli', { secretKeyRef: { name: 'queue-password', key: 'pass' } }]);
      expect(c.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 1000 });
    }
    // the scripts call the client QUEUE_CLI names
    for (const f of ['seed.sh', 'reap.sh', 'wait-seed.sh', 'status.sh']) {
      expect(WorkQueueScripts.files()[f]).toContain('"${QUEUE_CLI:-redis-cli}" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT"');
    }
  });

  test('the images prop overrides the valkey image', () => {
    const c = Testing.chart();
    new WorkQueueJobs(c, 'q', { worker: WORKER, queueEngine: QueueEngine.VALKEY, images: { valkey: 'mirror.example.com/valkey/valkey:8.1.1-alpine' } });
    expect(one(synthValid(c), 'Deployment').spec.template.spec.containers[0].image).toBe('mirror.example.com/valkey/valkey:8.1.1-alpine');
  });
});

describe('WorkQueueJobs resources of the inner containers', () => {
  const r = (cpu: number, mib: number): kplus.ContainerResources => ({
    cpu: { request: kplus.Cpu.millis(cpu), limit: kplus.Cpu.millis(cpu * 2) },
    memory: { request: Size.mebibytes(mib), limit: Size.mebibytes(mib) },
  });
  const json = (cpu: number, mib: number) => ({ requests: { cpu: `${cpu}m`, memory: `${mib}Mi` }, limits: { cpu: `${cpu * 2}m`, memory: `${mib}Mi` } });

  test('defaults: the queue 100m/1 CPU and 256 MiB, the seeder, reaper and init containers 10m/200m and 16/64 MiB', () => {
    const { chart, q } = build({ items: WorkItems.fromList(ITEMS) });
    const objs = synthValid(chart);
    const small = { requests: { 'cpu': '10m', 'memory': '16Mi', 'ephemeral-storage': '16Mi' }, limits: { 'cpu': '200m', 'memory': '64Mi', 'ephemeral-storage': '64Mi' } };
    expect(one(objs, 'Deployment').spec.template.spec.containers[0].resources).toEqual({ requests: { 'cpu': '100m', 'memory': '256Mi', 'ephemeral-storage': '64Mi' }, limits: { 'cpu': '1000m', 'memory': '256Mi', 'ephemeral-storage': '1Gi' } });
    expect(one(objs, 'Job', q.seeder!.name).spec.template.spec.containers[0].resources).toEqual(small);
    expect(workerJob(objs).spec.template.spec.initContainers[0].resources).toEqual(small);
    const { chart: keda } = build({ mode: WorkerMode.scaledJob() }, 'batch');
    expect(one(synthValid(keda), 'CronJob').spec.jobTemplate.spec.template.spec.containers[0].resources).toMatchObject(small);
  });

  test('each prop reaches its container', () => {
    const { chart, q } = build({
      items: WorkItems.fromList(ITEMS),
      queueResources: r(200, 512),
      seederResources: r(20, 32),
      workerInitResources: r(40, 24),
    });
    const objs = synthValid(chart);
    const queue = one(objs, 'Deployment').spec.template.spec.containers[0];
    expect(queue.resources).toMatchObject(json(200, 512));
    expect(queue.args.slice(-2)).toEqual(['--maxmemory', '409mb']);
    expect(one(objs, 'Job', q.seeder!.name).spec.template.spec.containers[0].resources).toMatchObject(json(20, 32));
    expect(workerJob(objs).spec.template.spec.initContainers[0].resources).toMatchObject(json(40, 24));
    const { chart: keda } = build({ mode: WorkerMode.scaledJob(), reaperResources: r(30, 48) }, 'batch');
    expect(one(synthValid(keda), 'CronJob').spec.jobTemplate.spec.template.spec.containers[0].resources).toMatchObject(json(30, 48));
    // Indexed mode: the item writer
    const { chart: c2 } = build({ items: WorkItems.fromList(ITEMS), mode: WorkerMode.indexed(), workerInitResources: r(40, 24) });
    expect(one(synthValid(c2), 'Job').spec.template.spec.initContainers[0].resources).toMatchObject(json(40, 24));
  });

  test('every container the pattern makes pulls IfNotPresent (the images are pinned)', () => {
    for (const mode of [WorkerMode.parallel(), WorkerMode.indexed(), WorkerMode.scaledJob()]) {
      const chart = new Chart(Testing.app(), 'c', { namespace: 'batch' });
      new WorkQueueJobs(chart, 'thumbs', { worker: WORKER, items: WorkItems.fromList(ITEMS), mode, stages: mode.kind === WorkerModeKind.INDEXED ? [{ image: 'curlimages/curl:8.11.0' }] : undefined });
      for (const { where, template } of podTemplates(synthValid(chart))) {
        for (const c of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
          expect({ where, c: c.name, policy: c.imagePullPolicy }).toEqual({ where, c: c.name, policy: 'IfNotPresent' });
        }
      }
    }
  });
});

describe('WorkQueueJobs NetworkPolicies (from the traffic graph)', () => {
  const sel = (name: string, component: string, instance = 'thumbs') => ({
    matchLabels: { 'app.kubernetes.io/component': component, 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/name': name },
  });
  const DNS = {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
  };
  const REDIS = [{ protocol: 'TCP', port: 6379 }];
  const policy = (objs: any[], name: string) => one(ofKind(objs, 'NetworkPolicy').filter((p) => p.metadata.name === name), 'NetworkPolicy').spec;

  test('parallel mode: the queue server accepts only the seeder and the workers and sends nothing; they reach it and DNS', () => {
    const objs = synthValid(build({ items: WorkItems.fromList(ITEMS) }).chart);
    expect(ofKind(objs, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['thumbs-workers', 'thumbs-seeder', 'thumbs-redis']);
    expect(policy(objs, 'thumbs-redis')).toEqual({
      podSelector: sel('redis', 'queue'),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: sel('thumbs', 'worker') }], ports: REDIS }, { from: [{ podSelector: sel('redis', 'seeder') }], ports: REDIS }],
    });
    for (const [name, pods] of [['thumbs-workers', sel('thumbs', 'worker')], ['thumbs-seeder', sel('redis', 'seeder')]] as const) {
      expect(policy(objs, name)).toEqual({
        podSelector: pods, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ podSelector: sel('redis', 'queue') }], ports: REDIS }, DNS],
      });
    }
  });

  test('each policy selects exactly the pods of its workload', () => {
    const objs = synthValid(build({ items: WorkItems.fromList(ITEMS), mode: WorkerMode.scaledJob() }, 'batch').chart);
    const templates: { [policy: string]: any } = {
      'thumbs-redis': one(objs, 'Deployment').spec.template,
      'thumbs-seeder': one(objs, 'Job').spec.template,
      'thumbs-reaper': one(objs, 'CronJob').spec.jobTemplate.spec.template,
      'thumbs-workers': one(objs, 'ScaledJob').spec.jobTargetRef.template,
    };
    for (const p of ofKind(objs, 'NetworkPolicy')) {
      for (const [name, template] of Object.entries(templates)) {
        const matches = Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => template.metadata.labels[k] === v);
        expect([p.metadata.name, name, matches]).toEqual([p.metadata.name, name, p.metadata.name === name]);
      }
    }
  });

  test("KEDA mode: the reaper reaches the queue, KEDA's operator reads it; the Mermaid is the same graph", () => {
    const { chart, q } = build({ items: WorkItems.fromList(ITEMS), mode: WorkerMode.scaledJob() }, 'batch');
    const objs = synthValid(chart);
    expect(policy(objs, 'thumbs-redis').ingress).toEqual([
      { from: [{ podSelector: sel('thumbs', 'worker') }], ports: REDIS },
      { from: [{ podSelector: sel('redis', 'seeder') }], ports: REDIS },
      { from: [{ podSelector: sel('redis', 'reaper') }], ports: REDIS },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } } }], ports: REDIS },
    ]);
    expect(policy(objs, 'thumbs-redis').egress).toBeUndefined();
    expect(policy(objs, 'thumbs-reaper').egress).toEqual([{ to: [{ podSelector: sel('redis', 'queue') }], ports: REDIS }, DNS]);
    const mermaid = q.toMermaid();
    expect(mermaid).toContain('%% WorkQueueJobs c/thumbs');
    expect(mermaid.split('\n').filter((l) => l.includes('-->|6379/TCP|'))).toHaveLength(4);
    expect(mermaid.split('\n').filter((l) => l.includes('-.->|53/UDP, 53/TCP| dns'))).toHaveLength(3);
  });

  test('Indexed mode: the workers only, DNS out, nothing in', () => {
    const objs = synthValid(build({ items: WorkItems.fromList(ITEMS), mode: WorkerMode.indexed() }).chart);
    expect(ofKind(objs, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['thumbs-workers']);
    expect(policy(objs, 'thumbs-workers')).toEqual({ podSelector: sel('thumbs', 'worker'), policyTypes: ['Ingress', 'Egress'], egress: [DNS] });
  });

  test('an external queue: its port at its address (an IPv4 /32, or any address for a name), no server policy', () => {
    const byIp = synthValid(build({ items: WorkItems.fromList(ITEMS), queueAddress: '10.1.2.3:6380' }).chart);
    expect(ofKind(byIp, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['thumbs-workers', 'thumbs-seeder']);
    expect(policy(byIp, 'thumbs-workers').egress).toEqual([{ to: [{ ipBlock: { cidr: '10.1.2.3/32' } }], ports: [{ protocol: 'TCP', port: 6380 }] }, DNS]);
    const byName = synthValid(build({ items: WorkItems.fromList(ITEMS), queueAddress: 'redis.shared.svc:6379' }).chart);
    expect(policy(byName, 'thumbs-seeder').egress).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: REDIS }, DNS]);
  });

  test("clients reach the created server; extraEgress widens the workers' policy only (the others run the library's code); enabled: false emits none", () => {
    const producers = NetworkPeer.pods({ app: 'uploader' });
    const store = NetworkPeer.pods({ app: 'store' });
    const networkPolicy = { clients: [producers], extraEgress: [{ peer: store, ports: [{ port: 9000 }] }] };
    const objs = synthValid(build({ items: WorkItems.fromList(ITEMS), networkPolicy }).chart);
    expect(policy(objs, 'thumbs-redis').ingress).toContainEqual({ from: [{ podSelector: { matchLabels: { app: 'uploader' } } }], ports: REDIS });
    expect(policy(objs, 'thumbs-workers').egress).toContainEqual({ to: [{ podSelector: { matchLabels: { app: 'store' } } }], ports: [{ protocol: 'TCP', port: 9000 }] });
    expect(policy(objs, 'thumbs-seeder').egress).toEqual([{ to: [{ podSelector: sel('redis', 'queue') }], ports: REDIS }, DNS]);
    expect(policy(objs, 'thumbs-redis').egress).toBeUndefined();
    const off = synthValid(build({ items: WorkItems.fromList(ITEMS), networkPolicy: { enabled: false } }).chart);
    expect(ofKind(off, 'NetworkPolicy')).toEqual([]);
  });
});
