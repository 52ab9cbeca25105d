import { Chart, Cron, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { QueueTake, WorkerJobShape, WorkQueueHost, WorkQueueParts } from './work-queue-jobs/_host';
import { addQueueTraffic } from './work-queue-jobs/_network';
import {
  cliEnv, createQueueServer, createReaper, createSeeder, EngineBinaries, engineBinaries, engineLabels, NO_TTL_ANNOTATION,
  QUEUE_RESOURCES, QueueObjectsScope, REDIS_PORT, redisServerArgs, retryEnv, shortHash, SMALL_RESOURCES,
} from './work-queue-jobs/_queue';
import { scriptsFor } from './work-queue-jobs/_scripts';
import { ITEMS_DIR, MountedConfigMap, SCRIPTS_DIR, WORK_DIR, withDropAll, workerPod, WorkerPodSpec } from './work-queue-jobs/_worker-pod';
import { PodFailureRule } from './work-queue-jobs/pod-failure-rule';
import { QueueEngine } from './work-queue-jobs/queue-engine';
import { QueuePersistence } from './work-queue-jobs/queue-persistence';
import { WorkItems } from './work-queue-jobs/work-items';
import { WorkerMode, WorkerModeKind } from './work-queue-jobs/worker-mode';
import { WorkerStageProps } from './work-queue-jobs/worker-stage';
import { checkPodOptions } from '../blocks/_pod-options';
import { checkRedisAuth } from '../blocks/_redis-auth';
import { TrafficGraph } from '../blocks/_traffic';
import { RedisAuth } from '../blocks/redis-auth';
import { WorkQueueEnv, WorkQueueKeyNames, WorkQueueScripts } from '../config/work-queue';
import { assertNotSynthesized } from '../core/_app-checks';
import { CronSchedule } from '../core/_cron';
import { containerResources, newContainer, resourcesOr } from '../core/_resources';
import { checkResources } from '../core/_rules';
import { AppContainerProps } from '../core/app-container';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPolicyOptions } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { KedaScaledJob } from '../crds/keda';

/** The longest base name: leaves room for `-workers-<hash8>`, `-<hash8>-<index>` and the CronJob limit of 52. */
const MAX_BASE_NAME = 40;
/** The size limit of a ConfigMap's data. */
const MAX_CONFIGMAP_BYTES = 1024 * 1024;
/** The smallest memory limit of the created queue server (its `maxmemory` is 80 % of it). */
const MIN_QUEUE_MEMORY_MIB = 32;
/** The props that configure the queue (refused by the Indexed mode, which has none). */
const QUEUE_PROPS = ['queueEngine', 'queueAddress', 'queueAuth', 'queueName', 'queuePersistence', 'queueStorage', 'queueStorageClass',
  'queueResources', 'seederResources', 'reaperResources', 'lease', 'maxAttempts', 'retryBackoff', 'maxRetryBackoff', 'takeBatch',
  'reaperSchedule'] as const;
/** How long the seed wait of a parallel Job's workers waits for the seed run before the pod fails. */
const SEED_WAIT_SECONDS = 900;

/**
 * Properties for `WorkQueueJobs`.
 */
export interface WorkQueueJobsProps {
  /**
   * The worker container (named `worker` in the pod). In the queue modes it follows the worker contract (README):
   * its environment holds the queue's address, name, lease and retry rules; the in-process clients `client.js`
   * (Node.js) and `client.py` (Python) and the reference workers `worker.sh` (for images with `redis-cli`) and
   * `worker.js` (for images with Node.js) are mounted at `$QUEUE_SCRIPTS_DIR`: your code calls a client, or its
   * `command` (or `args`) runs a reference worker with your per-item command. When the `command` or `args` name
   * one of those four by its path (`/etc/work-queue/scripts/worker.sh` or `$QUEUE_SCRIPTS_DIR/worker.sh`), only
   * the named ones are mounted (`worker.js` with the `client.js` it loads); else all four. In the Indexed mode it reads its
   * item from `$WORK_ITEM_FILE`. It runs restricted as `uid` (default 1000); `/tmp` and `$WORK_DIR` are always writable.
   * Without `resources` it requests 1 CPU and 512 MiB, limited to 1.5 CPU and 2 GiB (cdk8s-plus' container default).
   */
  readonly worker: AppContainerProps;
  /**
   * How workers run.
   *
   * @default WorkerMode.parallel()
   */
  readonly mode?: WorkerMode;
  /**
   * The work items. In the queue modes a seeder Job pushes them onto the queue, once per seed run (a run is
   * identified by the hash of the items). In the Indexed mode they are the Job's completions.
   *
   * @default - no seeder: items are pushed by someone else (queue modes only)
   */
  readonly items?: WorkItems;
  /**
   * Containers that run before the worker, in order, on the same item, sharing `$WORK_DIR` (an emptyDir): the
   * book's multi-worker (e.g. detect → blur). They run as init containers, so each starts only after the one
   * before it succeeded (and none may have probes). Indexed mode only (one pod per item).
   *
   * @default - the worker alone
   */
  readonly stages?: WorkerStageProps[];
  /**
   * The server the queue runs on, when the construct creates it; also the image and client (`redis-cli` or
   * `valkey-cli`) of the seeder, the reaper and the workers' seed wait, with `queueAddress` too.
   *
   * @default QueueEngine.REDIS
   */
  readonly queueEngine?: QueueEngine;
  /**
   * The prefix of the queue's keys (`<queueName>:pending`, …).
   *
   * @default - the base name
   */
  readonly queueName?: string;
  /**
   * The `host:port` of an existing Redis 6.2+ or Valkey (standalone) to use as the queue.
   *
   * @default - a queue server (Deployment and Service) is created
   */
  readonly queueAddress?: string;
  /**
   * How the queue authenticates clients. With a password (the default), the server this construct creates reads
   * it as `requirepass` from a config include its init container writes from the Secret file (never in argv, env
   * or a ConfigMap); the seeder, reaper and wait-seed containers get it as `REDISCLI_AUTH` and workers as
   * `QUEUE_PASSWORD`, both from the Secret (`secretKeyRef`, never a literal); KEDA reads it through a
   * `TriggerAuthentication`. With `queueAddress` it is the password of your server. `RedisAuth.none()` opts out
   * (annotated `distributed-patterns.dev/redis-auth: none` on the created server).
   *
   * @default - RedisAuth.fromSecret of the Secret `<name>-redis-auth`, key `password` (create it before the pods
   *   start; the library never writes a password into its output)
   */
  readonly queueAuth?: RedisAuth;
  /**
   * What the created server keeps across a restart: its append-only file on a PersistentVolumeClaim, fsynced
   * every second or before every reply, or nothing (see `QueuePersistence` for what each loses).
   *
   * @default QueuePersistence.APPEND_FSYNC_EVERY_SECOND
   */
  readonly queuePersistence?: QueuePersistence;
  /**
   * The size of the PersistentVolumeClaim that keeps the created server's append-only file across pod restarts
   * (whole GiB: the claim is written in `Gi`). Not with `QueuePersistence.NONE`.
   *
   * @default Size.gibibytes(1)
   */
  readonly queueStorage?: Size;
  /**
   * The storage class of that claim (a DNS-1123 subdomain).
   *
   * @default - the cluster's default storage class
   */
  readonly queueStorageClass?: string;
  /**
   * Resources of the created server. It needs a memory limit (at least 32 MiB): `maxmemory` is set to 80% of
   * it, with `noeviction`, so a full queue refuses new items instead of being killed.
   *
   * @default - requests 100m CPU and 256 MiB, limits 1 CPU and 256 MiB; ephemeral storage 64 MiB request, 1 GiB limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly queueResources?: kplus.ContainerResources;
  /**
   * Resources of the seeder's container.
   *
   * @default - requests 10m CPU and 16 MiB, limits 200m CPU and 64 MiB; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly seederResources?: kplus.ContainerResources;
  /**
   * Resources of the reaper's container.
   *
   * @default - requests 10m CPU and 16 MiB, limits 200m CPU and 64 MiB; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly reaperResources?: kplus.ContainerResources;
  /**
   * Resources of the library's init container in each worker pod (the seed wait of a parallel Job, the item
   * writer of an Indexed Job).
   *
   * @default - requests 10m CPU and 16 MiB, limits 200m CPU and 64 MiB; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly workerInitResources?: kplus.ContainerResources;
  /**
   * How long a taken item stays leased to its worker without a renewal (whole seconds). A worker renews every
   * third of it while it works; when it dies the lease runs out and the item is retried (an attempt spent).
   *
   * @default Duration.minutes(5)
   */
  readonly lease?: Duration;
  /**
   * How often an item is leased before it goes to the dead-letter list (`<queue>:dead`): an attempt ends when
   * its worker reports it failed or its lease runs out (the worker crashed). From 1 to 1000.
   *
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * How long a failed or expired item waits before its next attempt (whole milliseconds, at least 1 ms); the wait
   * doubles with each further attempt, up to `maxRetryBackoff`.
   *
   * @default Duration.seconds(10)
   */
  readonly retryBackoff?: Duration;
  /**
   * The longest wait between two attempts of an item (whole milliseconds, at least `retryBackoff`).
   *
   * @default Duration.minutes(5)
   */
  readonly maxRetryBackoff?: Duration;
  /**
   * How many items a reference worker (or a client without its own `batch`) leases per round trip, from 1 to
   * 1000: the batch lease. It holds them all (and renews their leases) while it works through them in turn.
   *
   * @default 1
   */
  readonly takeBatch?: number;
  /**
   * When the reaper CronJob of the KEDA mode runs; it must fire at least once per lease. (A parallel Job's
   * workers reap expired leases in their own takes, so reaping ends with the batch and there is no CronJob.)
   *
   * @default Cron.everyMinute()
   */
  readonly reaperSchedule?: Cron;
  /**
   * Worker pod failures before the Job fails (`backoffLimit`).
   *
   * @default 6
   */
  readonly backoffLimit?: number;
  /**
   * How long a worker Job may run (`activeDeadlineSeconds`).
   *
   * @default - no limit
   */
  readonly activeDeadline?: Duration;
  /**
   * How long finished worker and seeder Jobs are kept (`ttlSecondsAfterFinished`). KEDA's Jobs follow KEDA's
   * history limits instead. Unset by default, as KafkaWorkflow's topic Job: a GitOps controller (Argo CD, Flux)
   * re-creates a Job its TTL deleted and runs the batch again.
   *
   * @default - kept until deleted (no TTL)
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * The worker Job's `podFailurePolicy` (needs `restartPolicy: Never`, which the workers use).
   *
   * @default [PodFailureRule.ignoreDisruptions()]
   */
  readonly podFailurePolicy?: PodFailureRule[];
  /**
   * Pod options for every pod the construct makes: the queue server, the seeder, the reaper and the workers
   * (worker Job or KEDA ScaledJob).
   *
   * @default - none
   */
  readonly pod?: PodOptions;
  /**
   * The NetworkPolicies: one per pod group (the queue server, the seeder, the workers, the reaper), each a default
   * deny for ingress and egress plus exactly the pattern's own traffic — the server accepts the seeder, the workers,
   * the reaper and (KEDA mode) KEDA's operator (namespace `keda`, pods `app.kubernetes.io/name: keda-operator`) on
   * its port and sends nothing; the others reach it and the cluster DNS. `clients` (none by default) may reach the
   * created server too (producers that push items). With `queueAddress`, the clients may reach that address's port
   * (any address for a DNS name). Your worker's own traffic (the store it reads and writes) goes in `extraEgress`,
   * which widens the workers' policy only (the other pods run the library's code); `extraIngress` widens every one.
   *
   * @default - on; nobody but the pattern's own pods reaches the queue
   */
  readonly networkPolicy?: NetworkPolicyOptions;
  /**
   * `app.kubernetes.io/part-of` of every object.
   *
   * @default - the app-wide `RecommendedLabels.PART_OF_CONTEXT_KEY`, else the base name
   */
  readonly partOf?: string;
  /**
   * The base name of every object.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * Image overrides (`redis` or `valkey`, the engine's image).
   *
   * @default - the pinned defaults
   */
  readonly images?: ImageOverrides;
}

/**
 * A work queue with a seeder, workers and a reaper: the book's batch work-queue pattern (ch. 10).
 *
 * ```
 * seeder Job ──LPUSH──▶ <q>:pending ──take (queue.lua)──▶ <q>:leased ("<item>\n<worker>" → deadline) ──▶ worker
 *                        ▲      ▲                                 │ done: settled with the next take
 *                        │      └── <q>:delayed (backoff) ◀───────┤ failed, or lease expired (reaped in a take)
 *                        │                                        └──▶ <q>:dead after maxAttempts
 * ```
 *
 * Workers run as a parallel Job, an Indexed Job (no Redis: one pod per item), or a KEDA ScaledJob. An item is
 * always pending, leased, waiting out its retry backoff, done, or a dead letter, and every move is one atomic
 * script, so a worker that dies loses nothing: the item comes back when its lease runs out (at-least-once).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-patterns
 */
export class WorkQueueJobs extends Construct implements WorkQueueHost {
  /**
   * The arguments of the queue's `redis-server` (or `valkey-server`): the append-only file in `/data` fsynced as
   * `persistence` says (default every second), no RDB snapshots, `noeviction` (a queue must never drop items to
   * make room) and `maxmemory` at 80% of the memory limit, so a full server refuses writes instead of being
   * OOM-killed. The created server also gets its auth: the config include first (with a password), or
   * `--protected-mode no` (with `RedisAuth.none()`).
   */
  public static redisArgs(memoryLimit?: Size, persistence?: QueuePersistence): string[] {
    return redisServerArgs(memoryLimit, persistence);
  }

  /** The base name of the objects. */
  public readonly name: string;
  /** The worker mode. */
  public readonly mode: WorkerModeKind;
  /** The queue engine (queue modes). */
  public readonly engine?: QueueEngine;
  /** The queue's keys (queue modes). */
  public readonly keys?: WorkQueueKeyNames;
  /** The queue's host as workers reach it (queue modes). */
  public readonly queueHost?: string;
  /** The queue's port (queue modes). */
  public readonly queuePort?: number;
  /** The created queue server, `<name>-redis` or `<name>-valkey` (queue modes without `queueAddress`). */
  public readonly queue?: kplus.Deployment;
  /** The Service of the created queue server. */
  public readonly queueService?: kplus.Service;
  /** The ConfigMap with the seeder, reaper and reference worker scripts (queue modes). */
  public readonly scripts?: kplus.ConfigMap;
  /** The created queue server's persistence (queue modes without `queueAddress`). */
  public readonly persistence?: QueuePersistence;
  /** The seed run id: the hash of the items (queue modes with items). */
  public readonly seedRun?: string;
  /** The seeder Job (queue modes with items). */
  public readonly seeder?: kplus.Job;
  /** The reaper CronJob (KEDA mode; a parallel Job's workers reap in their takes). */
  public readonly reaper?: kplus.CronJob;
  /**
   * The worker Job (parallel and Indexed modes). An L1 object: its spec is also KEDA's `jobTargetRef` in the
   * ScaledJob mode, and its name carries a hash of it. Give pod-level settings through `pod`, which reaches it.
   */
  public readonly workerJob?: kplus.k8s.KubeJob;
  /** The KEDA ScaledJob (KEDA mode). */
  public readonly scaledJob?: KedaScaledJob;

  private readonly props: WorkQueueJobsProps;
  private readonly graph: TrafficGraph;
  private readonly binaries: EngineBinaries;
  private readonly engineImage: string;
  private readonly partOf: string;
  private readonly podOptions: PodOptions;
  /** The Jobs' limits, checked once. */
  private readonly limits: { readonly backoffLimit: number; readonly activeDeadlineSeconds?: number; readonly ttlSeconds?: number };
  /** The seed run id of the items (the hash of the items file), when there are items. */
  private readonly itemsRun?: string;
  /** The items ConfigMap, made by the mode (with the item writer in the Indexed mode). */
  private itemsMap?: kplus.ConfigMap;
  /** @internal */
  public readonly _items?: string[];
  /** @internal */
  public readonly _stageCount: number;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: WorkQueueJobsProps) {
    super(scope, id);
    assertNotSynthesized(this, 'new WorkQueueJobs()');
    if (props === null || typeof props !== 'object') throw propError(this, 'props', 'a WorkQueueJobsProps object ({ worker, … })', props);
    this.props = props;
    this.name = ResourceNames.baseName(this, props.name, MAX_BASE_NAME);
    this.partOf = RecommendedLabels.partOf(this, this.name, props.partOf);
    this.podOptions = checkPodOptions(this, 'pod', props.pod);
    if (props.worker === undefined || props.worker === null || typeof props.worker !== 'object') {
      throw propError(this, 'worker', 'your container ({ image, command, … }: AppContainerProps)', props.worker);
    }
    const mode = props.mode ?? WorkerMode.parallel();
    if (mode === null || typeof (mode as any)._bind !== 'function') throw propError(this, 'mode', 'a WorkerMode (WorkerMode.parallel(), .indexed(), .scaledJob())', mode);
    this.mode = mode.kind;
    const engine = PropCheck.oneOf(this, 'queueEngine', Object.values(QueueEngine), QueueEngine.REDIS, props.queueEngine) as QueueEngine;
    this.binaries = engineBinaries(engine);
    this.engineImage = ContainerImages.resolve(this, this.binaries.imageKey, props.images);
    if (props.items !== undefined && (props.items === null || typeof (props.items as any)._load !== 'function')) {
      throw propError(this, 'items', 'a WorkItems (WorkItems.fromList([...]), WorkItems.fromFile(path))', props.items);
    }
    if (props.stages !== undefined && !Array.isArray(props.stages)) throw propError(this, 'stages', 'a list of containers (WorkerStageProps[])', props.stages);
    this._items = props.items === undefined ? undefined : this.loadItems(props.items);
    this._stageCount = (props.stages ?? []).length;
    this.limits = {
      backoffLimit: PropCheck.integer(this, 'backoffLimit', 0, 1000000, 6, props.backoffLimit),
      activeDeadlineSeconds: props.activeDeadline === undefined ? undefined
        : PropCheck.wholeSeconds(this, 'activeDeadline', 1, 2147483647, props.activeDeadline),
      ttlSeconds: props.ttlAfterFinished === undefined ? undefined
        : PropCheck.wholeSeconds(this, 'ttlAfterFinished', 0, 2147483647, Duration.days(1), props.ttlAfterFinished),
    };
    for (const prop of ['seederResources', 'reaperResources', 'workerInitResources'] as const) checkResources(this, prop, props[prop]);

    if (this._items !== undefined) this.itemsRun = WorkQueueScripts.seedRunId(this._items);
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);

    const made = mode._bind(this);
    this.workerJob = made.workerJob;
    this.scaledJob = made.scaledJob;
    const queue = made.queue;
    if (queue !== undefined) {
      this.engine = engine;
      this.keys = queue.keys;
      this.queueHost = queue.host;
      this.queuePort = queue.port;
      this.queue = queue.deployment;
      this.queueService = queue.service;
      this.scripts = queue.scripts;
      this.seedRun = queue.seedRun;
      this.seeder = queue.seeder;
      this.reaper = queue.reaper;
      this.persistence = queue.persistence;
    }
    addQueueTraffic(this.graph, this, {
      baseName: this.name,
      engine: this.binaries.engine,
      labelsOf: (component, engineObject) => (engineObject ? engineLabels(this.objects(), component) : this.ownLabels(component)),
      queue: queue === undefined ? undefined : {
        port: queue.port,
        external: queue.deployment === undefined ? { host: queue.host } : undefined,
        seeder: queue.seeder !== undefined,
        reaper: queue.reaper !== undefined,
        keda: made.scaledJob !== undefined,
      },
      clients: props.networkPolicy?.clients ?? [],
    });
  }

  /** The pods' traffic as a Mermaid flowchart: the same graph the NetworkPolicies are made from. */
  public toMermaid(): string {
    return this.graph.toMermaid(`WorkQueueJobs ${this.node.path}`);
  }

  /** The ConfigMap with the items file (when there are items; in the Indexed mode also the item writer `item.sh`). */
  public get itemsConfigMap(): kplus.ConfigMap | undefined {
    return this.itemsMap;
  }

  /**
   * The environment of the worker contract as literal values (the password, `WORKER_ID` and the Secret-backed
   * values are not included). For documentation and tests.
   */
  public contractEnv(): { [name: string]: string } {
    const out: { [name: string]: string } = {};
    const c = this.workerContainerJson();
    for (const e of c.env ?? []) if (e.value !== undefined) out[e.name] = e.value;
    return out;
  }

  /** @internal */
  public _refuseQueueProps(reason: string): void {
    for (const prop of QUEUE_PROPS) {
      if (this.props[prop] !== undefined) throw propError(this, prop, reason, describe(this.props[prop]));
    }
  }

  /** @internal */
  public _openQueue(options: { readonly reaper: boolean; readonly waitForSeed: boolean }): WorkQueueParts {
    const props = this.props;
    const items = this.itemsConfigMapWith({});
    const leaseSeconds = PropCheck.wholeSeconds(this, 'lease', 1, 86400, Duration.minutes(5), props.lease);
    const maxAttempts = PropCheck.integer(this, 'maxAttempts', 1, 1000, 3, props.maxAttempts);
    const retryBackoffMs = PropCheck.wholeMillis(this, 'retryBackoff', 1, 86400000, Duration.seconds(10), props.retryBackoff);
    const retryBackoffMaxMs = PropCheck.wholeMillis(this, 'maxRetryBackoff', 1, 86400000, Duration.minutes(5), props.maxRetryBackoff);
    if (retryBackoffMaxMs < retryBackoffMs) {
      throw propError(this, 'maxRetryBackoff', `at least 'retryBackoff' (${retryBackoffMs}ms)`, `${retryBackoffMaxMs}ms`);
    }
    const takeBatch = PropCheck.integer(this, 'takeBatch', 1, 1000, 1, props.takeBatch);
    let schedule: Cron | undefined;
    if (options.reaper) {
      schedule = props.reaperSchedule ?? Cron.everyMinute();
      this.checkReaperSchedule(schedule, leaseSeconds);
    } else {
      for (const prop of ['reaperSchedule', 'reaperResources'] as const) {
        if (props[prop] !== undefined) {
          throw propError(this, prop, 'unset for WorkerMode.parallel(): its workers reap expired leases in their own takes, so reaping ends with the batch and there is no reaper CronJob', describe(props[prop]));
        }
      }
    }
    const queueName = props.queueName ?? this.name;
    if (typeof queueName !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:{}-]{0,99}$/.test(queueName)) {
      throw propError(this, 'queueName', "a key prefix of 1 to 100 characters: letters, digits, '.', '_', ':', '{', '}' and '-', starting with a letter or digit", queueName);
    }
    const keys = WorkQueueScripts.keys(queueName);
    const auth = checkRedisAuth(this, 'queueAuth', props.queueAuth, this.name);
    const password = auth._secretValue();
    const seederResources = resourcesOr(props.seederResources, SMALL_RESOURCES);
    const reaperResources = resourcesOr(props.reaperResources, SMALL_RESOURCES);

    let where: {
      host: string; port: number; externalAddress?: string; deployment?: kplus.Deployment; service?: kplus.Service; persistence?: QueuePersistence;
    };
    if (props.queueAddress !== undefined) {
      const { host, port } = parseAddress(this, props.queueAddress);
      for (const prop of ['queuePersistence', 'queueStorage', 'queueStorageClass', 'queueResources'] as const) {
        if (props[prop] !== undefined) throw propError(this, prop, "unset when 'queueAddress' names an existing server", describe(props[prop]));
      }
      where = { host, port, externalAddress: props.queueAddress };
    } else {
      const persistence = PropCheck.oneOf(this, 'queuePersistence', Object.values(QueuePersistence), QueuePersistence.APPEND_FSYNC_EVERY_SECOND,
        props.queuePersistence) as QueuePersistence;
      if (persistence === QueuePersistence.NONE) {
        for (const prop of ['queueStorage', 'queueStorageClass'] as const) {
          if (props[prop] !== undefined) throw propError(this, prop, 'unset with QueuePersistence.NONE (the server keeps nothing on disk, so it gets no claim)', describe(props[prop]));
        }
      }
      const { deployment, service } = createQueueServer(this.objects(), {
        auth, resources: this.queueResources(), storage: this.queueStorage(), storageClass: this.queueStorageClass(), persistence,
      });
      const namespace = Chart.of(this).namespace;
      const externalAddress = namespace === undefined ? undefined : `${service.name}.${namespace}.svc.cluster.local:${REDIS_PORT}`;
      where = { host: service.name, port: REDIS_PORT, externalAddress, deployment, service, persistence };
    }

    const at = this.objects();
    const scripts = new kplus.ConfigMap(this, 'Scripts', {
      metadata: { name: `${this.name}-scripts`, labels: engineLabels(at, 'scripts') },
      data: scriptsFor({
        workerArgv: [this.props.worker.command, this.props.worker.args].flatMap((a) => (Array.isArray(a) ? a : [])),
        seeder: items !== undefined,
        waitSeed: options.waitForSeed && this.itemsRun !== undefined,
        reaper: schedule !== undefined,
      }),
    });
    const queue = {
      ...where,
      name: queueName,
      keys,
      leaseSeconds,
      maxAttempts,
      retryBackoffMs,
      retryBackoffMaxMs,
      takeBatch,
      password,
      scripts,
      seedRun: this.itemsRun,
    };
    const seeder = items === undefined ? undefined
      : createSeeder(at, queue, items, this._items!.length, this.limits.ttlSeconds, seederResources);
    const reaper = schedule === undefined ? undefined : createReaper(at, queue, schedule, reaperResources);
    return { ...queue, seeder, reaper };
  }

  /** @internal */
  public _queueWorkerPod(queue: WorkQueueParts, take: QueueTake): kplus.k8s.PodTemplateSpec {
    const env: { [name: string]: kplus.EnvValue } = {
      [WorkQueueEnv.HOST]: kplus.EnvValue.fromValue(queue.host),
      [WorkQueueEnv.PORT]: kplus.EnvValue.fromValue(String(queue.port)),
      ...retryEnv(queue),
      [WorkQueueEnv.LEASE_SECONDS]: kplus.EnvValue.fromValue(String(queue.leaseSeconds)),
      [WorkQueueEnv.TAKE_BATCH]: kplus.EnvValue.fromValue(String(queue.takeBatch)),
      [WorkQueueEnv.MAX_ITEMS]: kplus.EnvValue.fromValue(String(take.maxItems)),
      [WorkQueueEnv.EXIT_WHEN]: kplus.EnvValue.fromValue(take.exitWhen),
      [WorkQueueEnv.SCRIPTS_DIR]: kplus.EnvValue.fromValue(SCRIPTS_DIR),
      [WorkQueueEnv.WORKER_ID]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
    };
    const seeded = take.waitForSeed && queue.seedRun !== undefined;
    if (seeded) env[WorkQueueEnv.SEED_RUN] = kplus.EnvValue.fromValue(queue.seedRun!);
    if (queue.password) env[WorkQueueEnv.PASSWORD] = kplus.EnvValue.fromSecretValue(queue.password);
    const mounted = { id: 'Scripts', configMap: queue.scripts, volumeName: 'scripts', path: SCRIPTS_DIR };
    const checksummed = [queue.scripts, this.itemsMap].filter((c): c is kplus.ConfigMap => c !== undefined);
    return this.workerPod(env, mounted, checksummed, [], (scripts) => {
      if (!seeded) return [];
      const wait = this.helperContainer('wait-seed', ['/bin/sh', `${SCRIPTS_DIR}/${WorkQueueScripts.WAIT_SEED_SH}`], {
        ...cliEnv(this.objects(), queue),
        [WorkQueueEnv.SEEDS]: kplus.EnvValue.fromValue(queue.keys.seeds),
        [WorkQueueEnv.SEED_RUN]: kplus.EnvValue.fromValue(queue.seedRun!),
        [WorkQueueEnv.SEED_WAIT_SECONDS]: kplus.EnvValue.fromValue(String(SEED_WAIT_SECONDS)),
      });
      wait.mount(SCRIPTS_DIR, scripts, { readOnly: true });
      return [withDropAll(wait)];
    });
  }

  /** @internal */
  public _itemWorkerPod(): kplus.k8s.PodTemplateSpec {
    const items = this.itemsConfigMapWith({ [WorkQueueScripts.ITEM_SH]: WorkQueueScripts.itemShell() })!;
    const env: { [name: string]: kplus.EnvValue } = {
      [WorkQueueEnv.WORK_ITEM_FILE]: kplus.EnvValue.fromValue(`${WORK_DIR}/item`),
      [WorkQueueEnv.WORK_ITEMS_FILE]: kplus.EnvValue.fromValue(`${ITEMS_DIR}/${WorkQueueScripts.ITEMS_FILE}`),
    };
    const mounted = { id: 'Items', configMap: items, volumeName: 'items', path: ITEMS_DIR };
    return this.workerPod(env, mounted, [items], this.props.stages ?? [], (itemsVolume, work) => {
      const item = this.helperContainer('item', ['/bin/sh', `${ITEMS_DIR}/${WorkQueueScripts.ITEM_SH}`], env);
      item.mount(WORK_DIR, work);
      item.mount(ITEMS_DIR, itemsVolume, { readOnly: true });
      return [withDropAll(item)];
    });
  }

  /** @internal */
  public _workerJobSpec(template: kplus.k8s.PodTemplateSpec, shape: WorkerJobShape): kplus.k8s.JobSpec {
    return {
      completionMode: shape.completionMode,
      completions: shape.completions,
      parallelism: shape.parallelism,
      backoffLimit: this.limits.backoffLimit,
      activeDeadlineSeconds: this.limits.activeDeadlineSeconds,
      ttlSecondsAfterFinished: shape.expires ? this.limits.ttlSeconds : undefined,
      // no TTL unless asked for: see `ttlAfterFinished`
      podFailurePolicy: this.podFailurePolicy(template),
      template,
    };
  }

  /** @internal */
  public _addWorkerJob(nameStem: string, spec: kplus.k8s.JobSpec): kplus.k8s.KubeJob {
    // L1: cdk8s-plus-27's Job has no parallelism, completions, completionMode or podFailurePolicy, and the same
    // spec is KEDA's jobTargetRef in the ScaledJob mode.
    return new kplus.k8s.KubeJob(this, 'Workers', {
      metadata: {
        name: `${nameStem}-${shortHash(kplus.k8s.toJson_JobSpec(spec))}`,
        labels: this._workerLabels(),
        annotations: spec.ttlSecondsAfterFinished === undefined ? { ...NO_TTL_ANNOTATION } : undefined,
      },
      spec,
    });
  }

  /** @internal */
  public _workerLabels(): { [key: string]: string } {
    return this.ownLabels('worker');
  }

  /**
   * The items ConfigMap (made once, when there are items): the items file and `extra` files. Immutable, so its name
   * hashes its data: the seed run id when it holds only the items (as the seeder's name does), else the data.
   */
  private itemsConfigMapWith(extra: { [file: string]: string }): kplus.ConfigMap | undefined {
    if (this._items === undefined || this.itemsMap !== undefined) return this.itemsMap;
    const data = { [WorkQueueScripts.ITEMS_FILE]: WorkQueueScripts.itemsText(this._items), ...extra };
    const hash = Object.keys(extra).length === 0 ? this.itemsRun!.slice(0, 8) : shortHash(data);
    this.itemsMap = new kplus.ConfigMap(this, 'Items', {
      metadata: { name: `${this.name}-items-${hash}`, labels: this.ownLabels('items') },
      data,
      immutable: true,
    });
    return this.itemsMap;
  }

  private loadItems(items: WorkItems): string[] {
    const loaded = items._load();
    if ('problem' in loaded) throw new Error(`${PropCheck.where(this)}: 'items' ${loaded.problem}`);
    const bytes = Buffer.byteLength(WorkQueueScripts.itemsText(loaded.items));
    if (bytes > MAX_CONFIGMAP_BYTES) {
      throw new Error(`${PropCheck.where(this)}: 'items' must fit one ConfigMap (at most ${MAX_CONFIGMAP_BYTES} bytes, one item per line), got ${bytes} bytes in ${loaded.items.length} items`);
    }
    return loaded.items;
  }

  /** The reaper must parse as Kubernetes parses it and fire at least once per lease, or a dead worker's items wait. */
  private checkReaperSchedule(schedule: Cron, leaseSeconds: number): void {
    const expression = (schedule as any)?.expressionString;
    if (typeof expression !== 'string') throw propError(this, 'reaperSchedule', 'a cdk8s Cron (Cron.everyMinute(), Cron.schedule({ minute: \'*/2\' }))', schedule);
    const shown = expression.trim();
    const cron = CronSchedule.parse(expression);
    if (cron === undefined) throw propError(this, 'reaperSchedule', CronSchedule.SYNTAX, shown);
    const gap = cron.maxGapSeconds();
    if (gap === undefined) throw propError(this, 'reaperSchedule', 'a cron schedule that fires', shown);
    if (gap > leaseSeconds) {
      throw propError(this, 'reaperSchedule', `a schedule that fires at least once per lease (${leaseSeconds}s); it leaves up to ${gap}s between runs`, shown);
    }
  }

  /** The created server's resources: checked, with a memory limit its `maxmemory` can follow. */
  private queueResources(): kplus.ContainerResources {
    const given = checkResources(this, 'queueResources', this.props.queueResources);
    if (given === undefined) return containerResources(QUEUE_RESOURCES);
    const limit = given.memory?.limit;
    const mib = limit === undefined ? undefined : limit.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (mib === undefined || mib < MIN_QUEUE_MEMORY_MIB) {
      throw propError(this, 'queueResources.memory.limit', `a memory limit of at least ${MIN_QUEUE_MEMORY_MIB}Mi (the server's maxmemory is 80 % of it, so a full queue refuses writes instead of being OOM-killed)`, mib === undefined ? undefined : `${mib}Mi`);
    }
    return resourcesOr(given, QUEUE_RESOURCES);
  }

  private queueStorage(): Size {
    const mib = PropCheck.wholeMebibytes(this, 'queueStorage', 1024, 1024 * 1024 * 1024, Size.gibibytes(1), this.props.queueStorage);
    if (mib % 1024 !== 0) throw propError(this, 'queueStorage', 'a whole number of GiB (the claim is written in Gi)', `${mib}Mi`);
    return Size.gibibytes(mib / 1024);
  }

  private queueStorageClass(): string | undefined {
    const c = this.props.queueStorageClass;
    if (c !== undefined && !ResourceNames.isDnsSubdomain(c)) throw propError(this, 'queueStorageClass', 'a StorageClass name (a DNS-1123 subdomain)', c);
    return c;
  }

  private workerContainerJson(): any {
    const spec = this.workerJob ? (this.workerJob.toJson() as any).spec : (this.scaledJob!.toJson() as any).spec.jobTargetRef;
    return spec.template.spec.containers[0];
  }

  /** The labels of the construct's own objects (the worker's and the items): named after the instance. */
  private ownLabels(component: string): { [key: string]: string } {
    const image = (this.props.worker as any)?.image;
    return RecommendedLabels.of({
      name: this.name,
      instance: this.name,
      component,
      partOf: this.partOf,
      version: typeof image === 'string' ? RecommendedLabels.versionOf(image) : undefined,
    });
  }

  private objects(): QueueObjectsScope {
    return { scope: this, baseName: this.name, image: this.engineImage, engine: this.binaries, partOf: this.partOf, pod: this.podOptions };
  }

  /** A container of the engine's image that the library runs in a worker pod (the item writer, the seed wait). */
  private helperContainer(name: string, command: string[], envVariables: { [name: string]: kplus.EnvValue }): kplus.Container {
    const user = ContainerImages.user(this.binaries.imageKey);
    return newContainer(RestrictedSecurity.pullPolicy({
      name,
      image: this.engineImage,
      command,
      envVariables,
      resources: resourcesOr(this.props.workerInitResources, SMALL_RESOURCES),
      securityContext: RestrictedSecurity.containerSecurityContext({ uid: user.uid, gid: user.gid }),
    }));
  }

  /** The worker pod: the user's stages and worker after the library's `init` containers, the contract in `env`. */
  private workerPod(env: { [name: string]: kplus.EnvValue }, mounted: MountedConfigMap, checksummed: kplus.ConfigMap[],
    stages: readonly WorkerStageProps[], init: WorkerPodSpec['init']): kplus.k8s.PodTemplateSpec {
    const labels = this._workerLabels();
    return workerPod(this, { worker: this.props.worker, stages, labels, env, mounted, checksummed, init, pod: this.podOptions });
  }

  private podFailurePolicy(template: kplus.k8s.PodTemplateSpec): kplus.k8s.PodFailurePolicy | undefined {
    const rules = this.props.podFailurePolicy ?? [PodFailureRule.ignoreDisruptions()];
    if (!Array.isArray(rules)) throw propError(this, 'podFailurePolicy', 'a list of PodFailureRule (PodFailureRule.ignoreDisruptions(), …)', rules);
    if (rules.length > 20) throw propError(this, 'podFailurePolicy', 'at most 20 rules', `${rules.length} rules`);
    rules.forEach((r, i) => {
      if (!(r instanceof PodFailureRule)) throw propError(this, `podFailurePolicy[${i}]`, 'a PodFailureRule (PodFailureRule.ignoreDisruptions(), .failJobOnExitCodes(...), .ignoreExitCodes(...))', r);
    });
    if (rules.length === 0) return undefined;
    const names = [...(template.spec!.initContainers ?? []), ...template.spec!.containers].map((c) => c.name);
    return { rules: rules.map((r, i) => r._toKube(this, i, names)) };
  }
}

function describe(v: any): any {
  if (v instanceof Duration) return `${v.toMilliseconds() / 1000}s`;
  if (v instanceof Cron) return v.expressionString;
  if (v instanceof Size) return `${v.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR })}Mi`;
  if (v && typeof v === 'object' && v.secret && typeof v.secret.name === 'string') return { secret: v.secret.name, key: v.key };
  if (v && typeof v === 'object' && (v.cpu || v.memory)) return 'resources';
  if (v && typeof v === 'object' && typeof v.name === 'string') return v.name;
  return v;
}

function parseAddress(scope: Construct, address: string): { host: string; port: number } {
  const m = typeof address === 'string' ? /^([^:\s]+):(\d{1,5})$/.exec(address) : null;
  const port = m ? Number(m[2]) : NaN;
  const ipv4 = m !== null && /^\d{1,3}(\.\d{1,3}){3}$/.test(m[1]) && m[1].split('.').every((o) => Number(o) <= 255);
  if (!m || !(ipv4 || (ResourceNames.isDnsSubdomain(m[1]) && !/^[\d.]+$/.test(m[1]))) || port < 1 || port > 65535) {
    throw propError(scope, 'queueAddress', "'host:port' (a DNS name or IPv4 address and a port from 1 to 65535)", address);
  }
  return { host: m[1], port };
}
