import { createHash } from 'crypto';
import { Cron, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { WorkQueueParts } from './_host';
import { ITEMS_DIR, SCRIPTS_DIR } from './_worker-pod';
import { RestrictedWorkloads } from '../../blocks/_restricted-workload';
import { WorkQueueEnv, WorkQueueScripts } from '../../config/work-queue';
import { containerResources } from '../../core/_resources';
import { ConfigChecksum } from '../../core/checksum';
import { ContainerImages, ImageKey } from '../../core/images';
import { RecommendedLabels } from '../../core/labels';
import { RestrictedSecurity } from '../../core/security';

// Internal: the queue's own objects — the Redis that holds it, the seeder Job that fills it and the reaper CronJob
// that puts back the items of dead workers. All run the queue's redis image as its non-root user.

/** The port of the Redis the construct creates. */
export const REDIS_PORT = 6379;

/** Where the queue's objects are made, and what they are called. */
export interface QueueObjectsScope {
  /** The construct they are children of. */
  readonly scope: Construct;
  /** The base name of every object. */
  readonly baseName: string;
  /** The redis image. */
  readonly image: string;
}

/** A queue whose scripts exist, before its seeder and reaper do. */
export type QueueBeforeJobs = Omit<WorkQueueParts, 'seeder' | 'reaper'>;

/** The labels of one of the construct's components. */
export function workQueueLabels(baseName: string, name: string, component: string): { [key: string]: string } {
  return RecommendedLabels.of({ name, instance: baseName, component, partOf: baseName });
}

/** `redis-server` arguments for a queue: see `WorkQueueJobs.redisArgs`. */
export function redisServerArgs(memoryLimit?: Size): string[] {
  const args = ['--port', String(REDIS_PORT), '--dir', '/data', '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
    '--maxmemory-policy', 'noeviction', '--protected-mode', 'no'];
  if (memoryLimit !== undefined) args.push('--maxmemory', `${Math.floor(memoryLimit.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR }) * 0.8)}mb`);
  return args;
}

/** What the created Redis is made of (the construct's queue props). */
export interface RedisOptions {
  readonly password?: WorkQueueParts['password'];
  readonly resources?: kplus.ContainerResources;
  readonly storage?: Size;
  readonly storageClass?: string;
}

/** The queue's Redis: a claim for its append-only file, one restricted replica, its Service. */
export function createRedis(at: QueueObjectsScope, options: RedisOptions): { deployment: kplus.Deployment; service: kplus.Service } {
  const scope = at.scope;
  const name = `${at.baseName}-redis`;
  const labels = workQueueLabels(at.baseName, 'redis', 'queue');
  const selector = RecommendedLabels.selector({ name: 'redis', instance: at.baseName, component: 'queue' });
  const user = ContainerImages.user(ImageKey.REDIS);
  const resources = options.resources ?? containerResources({ cpu: ['100m', '1000m'], memory: ['256Mi', '256Mi'] });
  const claim = new kplus.PersistentVolumeClaim(scope, 'QueueData', {
    metadata: { name, labels },
    storage: options.storage ?? Size.gibibytes(1),
    accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
    storageClassName: options.storageClass,
  });
  // One replica: each redis is its own queue, so a second replica behind the Service would split it. A
  // Recreate rollout never runs two at once; the claim keeps the append-only file across restarts.
  const deployment = RestrictedWorkloads.deployment(scope, 'Queue', {
    name, labels, selector, uid: user.uid, gid: user.gid, replicas: 1, strategy: kplus.DeploymentStrategy.recreate(),
  });
  const secretEnv = options.password ? { REDISCLI_AUTH: kplus.EnvValue.fromSecretValue(options.password) } : undefined;
  const redis = RestrictedSecurity.addContainer(deployment, {
    name: 'redis',
    image: at.image,
    command: secretEnv ? ['sh', '-c', 'exec redis-server "$@" --requirepass "$REDISCLI_AUTH"', 'redis-server'] : ['redis-server'],
    args: redisServerArgs(resources.memory?.limit),
    envVariables: secretEnv,
    ports: [{ number: REDIS_PORT, name: 'redis' }],
    readiness: kplus.Probe.fromCommand(['sh', '-c', `redis-cli -p ${REDIS_PORT} PING | grep -qx PONG`], { periodSeconds: Duration.seconds(5) }),
    liveness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT, initialDelaySeconds: Duration.seconds(10) }),
    resources,
  }, user);
  redis.mount('/data', kplus.Volume.fromPersistentVolumeClaim(scope, 'QueueDataVolume', claim, { name: 'data' }));
  const service = new kplus.Service(scope, 'QueueService', {
    metadata: { name, labels },
    selector: kplus.Pods.select(scope, 'QueuePods', { labels: selector }),
    ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT }],
  });
  return { deployment, service };
}

/** The seeder: one Job per seed run (its name hashes what it pushes where) running `seed.sh`. */
export function createSeeder(at: QueueObjectsScope, queue: QueueBeforeJobs, items: kplus.ConfigMap, count: number, ttlSeconds: number): kplus.Job {
  const user = ContainerImages.user(ImageKey.REDIS);
  const keys = queue.keys;
  const env: { [name: string]: kplus.EnvValue } = {
    ...redisEnv(queue),
    [WorkQueueEnv.PENDING]: kplus.EnvValue.fromValue(keys.pending),
    [WorkQueueEnv.SEEDS]: kplus.EnvValue.fromValue(keys.seeds),
    [WorkQueueEnv.SEED_RUN]: kplus.EnvValue.fromValue(queue.seedRun!),
    [WorkQueueEnv.SEED_COUNT]: kplus.EnvValue.fromValue(String(count)),
  };
  const checksum = ConfigChecksum.of([queue.scripts, items]);
  const id = shortHash({ run: queue.seedRun, image: at.image, checksum, host: queue.host, port: queue.port, keys });
  const job = RestrictedWorkloads.job(at.scope, 'Seeder', {
    name: `${at.baseName}-seed-${id}`,
    labels: workQueueLabels(at.baseName, 'redis', 'seeder'),
    uid: user.uid,
    gid: user.gid,
    backoffLimit: 6,
    ttlAfterFinished: Duration.seconds(ttlSeconds),
  });
  job.podMetadata.addAnnotation(ConfigChecksum.ANNOTATION, checksum);
  const c = RestrictedSecurity.addContainer(job, {
    name: 'seed',
    image: at.image,
    command: ['/bin/sh', `${SCRIPTS_DIR}/${WorkQueueScripts.SEED_SH}`],
    envVariables: env,
    resources: smallResources(),
  }, user);
  c.mount(SCRIPTS_DIR, kplus.Volume.fromConfigMap(at.scope, 'SeederScripts', queue.scripts, { name: 'scripts' }), { readOnly: true });
  c.mount(ITEMS_DIR, kplus.Volume.fromConfigMap(at.scope, 'SeederItems', items, { name: 'items' }), { readOnly: true });
  return job;
}

/** The reaper: a CronJob running `reap.sh`, never two at once. */
export function createReaper(at: QueueObjectsScope, queue: QueueBeforeJobs, schedule: Cron, graceSeconds: number): kplus.CronJob {
  const user = ContainerImages.user(ImageKey.REDIS);
  const keys = queue.keys;
  const cron = RestrictedWorkloads.cronJob(at.scope, 'Reaper', {
    name: `${at.baseName}-reaper`,
    labels: workQueueLabels(at.baseName, 'redis', 'reaper'),
    uid: user.uid,
    gid: user.gid,
    schedule,
    concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
    startingDeadline: Duration.seconds(30),
    successfulJobsRetained: 1,
    failedJobsRetained: 3,
    backoffLimit: 0,
    activeDeadline: Duration.seconds(50),
  });
  cron.podMetadata.addAnnotation(ConfigChecksum.ANNOTATION, ConfigChecksum.of([queue.scripts]));
  const c = RestrictedSecurity.addContainer(cron, {
    name: 'reap',
    image: at.image,
    command: ['/bin/sh', `${SCRIPTS_DIR}/${WorkQueueScripts.REAP_SH}`],
    envVariables: {
      ...redisEnv(queue),
      [WorkQueueEnv.PENDING]: kplus.EnvValue.fromValue(keys.pending),
      [WorkQueueEnv.PROCESSING]: kplus.EnvValue.fromValue(keys.processing),
      [WorkQueueEnv.UNLEASED]: kplus.EnvValue.fromValue(keys.unleased),
      [WorkQueueEnv.STATS]: kplus.EnvValue.fromValue(keys.stats),
      [WorkQueueEnv.LEASE_PREFIX]: kplus.EnvValue.fromValue(keys.leasePrefix),
      [WorkQueueEnv.GRACE_SECONDS]: kplus.EnvValue.fromValue(String(graceSeconds)),
    },
    resources: smallResources(),
  }, user);
  c.mount(SCRIPTS_DIR, kplus.Volume.fromConfigMap(at.scope, 'ReaperScripts', queue.scripts, { name: 'scripts' }), { readOnly: true });
  return cron;
}

/** How the library's redis-cli containers reach the queue: host, port and the password as `REDISCLI_AUTH`. */
export function redisEnv(queue: Pick<WorkQueueParts, 'host' | 'port' | 'password'>): { [name: string]: kplus.EnvValue } {
  const env: { [name: string]: kplus.EnvValue } = {
    [WorkQueueEnv.HOST]: kplus.EnvValue.fromValue(queue.host),
    [WorkQueueEnv.PORT]: kplus.EnvValue.fromValue(String(queue.port)),
  };
  if (queue.password) env.REDISCLI_AUTH = kplus.EnvValue.fromSecretValue(queue.password);
  return env;
}

/** The resources of the library's small redis-cli containers. */
export function smallResources(): kplus.ContainerResources {
  return containerResources({ cpu: ['10m', '200m'], memory: ['16Mi', '64Mi'] });
}

/** 8 hex digits of the SHA-256 of a JSON value: a name suffix that changes when the (immutable) spec changes. */
export function shortHash(value: any): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 8);
}
