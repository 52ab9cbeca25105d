import { createHash } from 'crypto';
import { Cron, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { WorkQueueParts } from './_host';
import { ITEMS_DIR, SCRIPTS_DIR } from './_worker-pod';
import { QueueEngine } from './queue-engine';
import { QueuePersistence } from './queue-persistence';
import { applyPodOptions } from '../../blocks/_pod-options';
import { redisAuthConfigArgs, redisProbeCli, redisProtectedModeArgs, wireRedisServerAuth } from '../../blocks/_redis-auth';
import { RestrictedWorkloads } from '../../blocks/_restricted-workload';
import { RedisAuth } from '../../blocks/redis-auth';
import { WorkQueueEnv, WorkQueueScripts } from '../../config/work-queue';
import { containerResources, ResourceQuantities } from '../../core/_resources';
import { ConfigChecksum } from '../../core/checksum';
import { ContainerImages, ImageKey } from '../../core/images';
import { RecommendedLabels } from '../../core/labels';
import { PodOptions } from '../../core/pod-options';
import { RestrictedSecurity } from '../../core/security';

// Internal: the queue's own objects — the server that holds it (redis or valkey), the seeder Job that fills it and
// the reaper CronJob that puts back the items of dead workers. All run the engine's image as its non-root user and
// call the engine's own client by name (the valkey image has no `redis-*` names).

/** The port of the queue server the construct creates. */
export const REDIS_PORT = 6379;

/** What differs between the engines: the image and the names of the server and the client. */
export interface EngineBinaries {
  /** The engine, also the `app.kubernetes.io/name` of its objects. */
  readonly engine: QueueEngine;
  readonly imageKey: ImageKey;
  readonly server: string;
  readonly cli: string;
}

const ENGINES: { readonly [engine: string]: EngineBinaries } = {
  [QueueEngine.REDIS]: { engine: QueueEngine.REDIS, imageKey: ImageKey.REDIS, server: 'redis-server', cli: 'redis-cli' },
  [QueueEngine.VALKEY]: { engine: QueueEngine.VALKEY, imageKey: ImageKey.VALKEY, server: 'valkey-server', cli: 'valkey-cli' },
};

/** The binaries of `engine` (a checked `QueueEngine`). */
export function engineBinaries(engine: QueueEngine): EngineBinaries {
  return ENGINES[engine];
}

/** The default resources of the queue server, the seeder, the reaper and the worker pods' init containers. */
/** The queue server's resources; ephemeral storage covers its `/data` emptyDir (`QUEUE_DATA_SIZE_LIMIT`) when it has no claim. */
export const QUEUE_RESOURCES: ResourceQuantities = { cpu: ['100m', '1000m'], memory: ['256Mi', '256Mi'], ephemeralStorage: ['64Mi', '1Gi'] };
/** The size limit of the queue server's `/data` emptyDir (no claim): its RDB/AOF files, a few times maxmemory. */
export const QUEUE_DATA_SIZE_LIMIT = Size.mebibytes(896);
export const SMALL_RESOURCES: ResourceQuantities = { cpu: ['10m', '200m'], memory: ['16Mi', '64Mi'] };

/** Where the queue's objects are made, what they are called and what every pod of theirs gets. */
export interface QueueObjectsScope {
  /** The construct they are children of. */
  readonly scope: Construct;
  /** The base name of every object. */
  readonly baseName: string;
  /** The engine's image. */
  readonly image: string;
  readonly engine: EngineBinaries;
  /** `app.kubernetes.io/part-of`. */
  readonly partOf: string;
  /** The checked pod options, for every pod template. */
  readonly pod: PodOptions;
}

/** The annotation that tells kube-linter (and readers) why a Job has no TTL. */
export const NO_TTL_ANNOTATION = { 'ignore-check.kube-linter.io/job-ttl-seconds-after-finished': 'a GitOps tool would re-create a Job its TTL deleted and run it again' };

/** A queue whose scripts exist, before its seeder and reaper do. */
export type QueueBeforeJobs = Omit<WorkQueueParts, 'seeder' | 'reaper'>;

/** The labels of the engine's objects of one component (`queue`, `seeder`, `reaper`, `scripts`). */
export function engineLabels(at: QueueObjectsScope, component: string): { [key: string]: string } {
  return RecommendedLabels.of({
    name: at.engine.engine, instance: at.baseName, component, partOf: at.partOf, version: RecommendedLabels.versionOf(at.image),
  });
}

/** `<server>` arguments for a queue: see `WorkQueueJobs.redisArgs`. */
export function redisServerArgs(memoryLimit?: Size, persistence: QueuePersistence = QueuePersistence.APPEND_FSYNC_EVERY_SECOND): string[] {
  const aof = persistence === QueuePersistence.NONE ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', persistence];
  const args = ['--port', String(REDIS_PORT), '--dir', '/data', ...aof, '--save', '',
    '--maxmemory-policy', 'noeviction'];
  if (memoryLimit !== undefined) args.push('--maxmemory', `${Math.floor(memoryLimit.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR }) * 0.8)}mb`);
  return args;
}

/** What the created queue server is made of (the construct's queue props, checked). */
export interface QueueServerOptions {
  /** The checked auth. */
  readonly auth: RedisAuth;
  readonly resources: kplus.ContainerResources;
  readonly storage: Size;
  readonly storageClass?: string;
  readonly persistence: QueuePersistence;
}

/** The queue's server: a claim for its append-only file, one restricted replica, its Service. */
export function createQueueServer(at: QueueObjectsScope, options: QueueServerOptions): { deployment: kplus.Deployment; service: kplus.Service } {
  const scope = at.scope;
  const name = `${at.baseName}-${at.engine.engine}`;
  const labels = engineLabels(at, 'queue');
  const selector = RecommendedLabels.selector({ name: at.engine.engine, instance: at.baseName, component: 'queue' });
  const user = ContainerImages.user(at.engine.imageKey);
  const resources = options.resources;
  const claim = options.persistence === QueuePersistence.NONE ? undefined : new kplus.PersistentVolumeClaim(scope, 'QueueData', {
    metadata: { name, labels },
    storage: options.storage,
    accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
    storageClassName: options.storageClass,
  });
  // One replica: each server is its own queue, so a second replica behind the Service would split it. A
  // Recreate rollout never runs two at once; the claim keeps the append-only file across restarts.
  const deployment = RestrictedWorkloads.deployment(scope, 'Queue', {
    name, labels, selector, uid: user.uid, gid: user.gid, replicas: 1, strategy: kplus.DeploymentStrategy.recreate(),
  });
  const server = at.engine.server;
  const container = RestrictedSecurity.addContainer(deployment, {
    name: at.engine.engine,
    image: at.image,
    command: [server],
    args: [
      ...redisAuthConfigArgs(options.auth), ...redisServerArgs(resources.memory?.limit, options.persistence), ...redisProtectedModeArgs(options.auth),
    ],
    ports: [{ number: REDIS_PORT, name: 'redis' }],
    readiness: kplus.Probe.fromCommand(['sh', '-c', `${redisProbeCli(options.auth, at.engine.cli, `-p ${REDIS_PORT} PING`)} | grep -qx PONG`], { periodSeconds: Duration.seconds(5) }),
    liveness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT, initialDelaySeconds: Duration.seconds(10) }),
    resources,
  }, user);
  container.mount('/data', claim === undefined ? kplus.Volume.fromEmptyDir(scope, 'QueueDataVolume', 'data', { sizeLimit: QUEUE_DATA_SIZE_LIMIT })
    : kplus.Volume.fromPersistentVolumeClaim(scope, 'QueueDataVolume', claim, { name: 'data' }));
  wireRedisServerAuth(options.auth, { scope, id: 'Queue', workload: deployment, server: container, image: at.image, user, volumePrefix: name });
  applyPodOptions(deployment, at.pod);
  const service = new kplus.Service(scope, 'QueueService', {
    metadata: { name, labels },
    selector: kplus.Pods.select(scope, 'QueuePods', { labels: selector }),
    ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT }],
  });
  return { deployment, service };
}

/** The seeder: one Job per seed run (its name hashes everything its pod template holds) running `seed.sh`. */
export function createSeeder(at: QueueObjectsScope, queue: QueueBeforeJobs, items: kplus.ConfigMap, count: number,
  ttlSeconds: number | undefined, resources: kplus.ContainerResources): kplus.Job {
  const user = ContainerImages.user(at.engine.imageKey);
  const keys = queue.keys;
  const env: { [name: string]: kplus.EnvValue } = {
    ...cliEnv(at, queue),
    [WorkQueueEnv.PENDING]: kplus.EnvValue.fromValue(keys.pending),
    [WorkQueueEnv.SEEDS]: kplus.EnvValue.fromValue(keys.seeds),
    [WorkQueueEnv.SEED_RUN]: kplus.EnvValue.fromValue(queue.seedRun!),
    [WorkQueueEnv.SEED_COUNT]: kplus.EnvValue.fromValue(String(count)),
  };
  const checksum = ConfigChecksum.of([queue.scripts, items]);
  const labels = engineLabels(at, 'seeder');
  // A Job's pod template is immutable: every input of it is in the name, so a change makes a new Job.
  const id = shortHash({
    run: queue.seedRun, image: at.image, checksum, env: envFingerprint(env), resources, labels, pod: podFingerprint(at.pod),
  });
  const job = RestrictedWorkloads.job(at.scope, 'Seeder', {
    name: `${at.baseName}-seed-${id}`,
    labels,
    uid: user.uid,
    gid: user.gid,
    backoffLimit: 6,
    ttlAfterFinished: ttlSeconds === undefined ? undefined : Duration.seconds(ttlSeconds),
    annotations: ttlSeconds === undefined ? NO_TTL_ANNOTATION : undefined,
  });
  job.podMetadata.addAnnotation(ConfigChecksum.ANNOTATION, checksum);
  const c = RestrictedSecurity.addContainer(job, {
    name: 'seed',
    image: at.image,
    command: ['/bin/sh', `${SCRIPTS_DIR}/${WorkQueueScripts.SEED_SH}`],
    envVariables: env,
    resources,
  }, user);
  c.mount(SCRIPTS_DIR, kplus.Volume.fromConfigMap(at.scope, 'SeederScripts', queue.scripts, { name: 'scripts' }), { readOnly: true });
  c.mount(ITEMS_DIR, kplus.Volume.fromConfigMap(at.scope, 'SeederItems', items, { name: 'items' }), { readOnly: true });
  applyPodOptions(job, at.pod);
  return job;
}

/**
 * The reaper of the KEDA mode: a CronJob running `reap.sh`, never two at once. (A parallel Job's workers reap in
 * their own takes, so their reaping ends with the batch; KEDA starts Jobs only for pending items, so the leases of
 * a dead KEDA worker need a reaper that outlives the Jobs — as long as the ScaledJob.)
 */
export function createReaper(at: QueueObjectsScope, queue: QueueBeforeJobs, schedule: Cron,
  resources: kplus.ContainerResources): kplus.CronJob {
  const user = ContainerImages.user(at.engine.imageKey);
  const cron = RestrictedWorkloads.cronJob(at.scope, 'Reaper', {
    name: `${at.baseName}-reaper`,
    labels: engineLabels(at, 'reaper'),
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
      ...cliEnv(at, queue),
      ...retryEnv(queue),
      [WorkQueueEnv.REAPER_BATCH]: kplus.EnvValue.fromValue(String(WorkQueueScripts.REAPER_BATCH)),
    },
    resources,
  }, user);
  c.mount(SCRIPTS_DIR, kplus.Volume.fromConfigMap(at.scope, 'ReaperScripts', queue.scripts, { name: 'scripts' }), { readOnly: true });
  applyPodOptions(cron, at.pod);
  return cron;
}

/** The queue name and its retry rules, as every client of `queue.lua` reads them. */
export function retryEnv(queue: Pick<WorkQueueParts, 'name' | 'maxAttempts' | 'retryBackoffMs' | 'retryBackoffMaxMs'>): { [name: string]: kplus.EnvValue } {
  return {
    [WorkQueueEnv.NAME]: kplus.EnvValue.fromValue(queue.name),
    [WorkQueueEnv.MAX_ATTEMPTS]: kplus.EnvValue.fromValue(String(queue.maxAttempts)),
    [WorkQueueEnv.RETRY_BACKOFF_MS]: kplus.EnvValue.fromValue(String(queue.retryBackoffMs)),
    [WorkQueueEnv.RETRY_BACKOFF_MAX_MS]: kplus.EnvValue.fromValue(String(queue.retryBackoffMaxMs)),
  };
}

/**
 * How the library's own client containers reach the queue: the engine's client as `QUEUE_CLI`, host, port and the
 * password as `REDISCLI_AUTH` (which valkey-cli reads too), so it never shows in a process list.
 */
export function cliEnv(at: Pick<QueueObjectsScope, 'engine'>, queue: Pick<WorkQueueParts, 'host' | 'port' | 'password'>): { [name: string]: kplus.EnvValue } {
  const env: { [name: string]: kplus.EnvValue } = {
    [WorkQueueEnv.CLI]: kplus.EnvValue.fromValue(at.engine.cli),
    [WorkQueueEnv.HOST]: kplus.EnvValue.fromValue(queue.host),
    [WorkQueueEnv.PORT]: kplus.EnvValue.fromValue(String(queue.port)),
  };
  if (queue.password) env.REDISCLI_AUTH = kplus.EnvValue.fromSecretValue(queue.password);
  return env;
}

/** The default resources of the library's small client containers. */
export function smallResources(): kplus.ContainerResources {
  return containerResources(SMALL_RESOURCES);
}

/** 8 hex digits of the SHA-256 of a JSON value: a name suffix that changes when the (immutable) spec changes. */
export function shortHash(value: any): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 8);
}

/** An env map as JSON (literal values and references). */
function envFingerprint(env: { [name: string]: kplus.EnvValue }): Array<[string, unknown]> {
  return Object.entries(env).map(([k, v]) => [k, v.value ?? v.valueFrom]);
}

/** Pod options as JSON (Secrets and ServiceAccounts by name). */
function podFingerprint(o: PodOptions): unknown {
  return { ...o, imagePullSecrets: o.imagePullSecrets?.map((s) => s.name), serviceAccount: o.serviceAccount?.name };
}
