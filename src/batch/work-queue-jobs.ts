import { createHash } from 'crypto';
import * as fs from 'fs';
import { Chart, Cron, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { WorkQueueEnv, WorkQueueKeyNames, WorkQueueScripts } from '../config/work-queue';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { KedaRolloutStrategy, KedaScaledJob, KedaScalingStrategy, KedaTrigger, KedaTriggerAuthentication } from '../crds/keda';

/** Where the scripts ConfigMap is mounted. */
const SCRIPTS_DIR = '/etc/work-queue/scripts';
/** Where the items ConfigMap is mounted (`SCRIPTS_DIR/../items`, as the scripts expect). */
const ITEMS_DIR = '/etc/work-queue/items';
/** The emptyDir shared by the containers of a worker pod. */
const WORK_DIR = '/var/run/work-queue';
/** The paths WorkQueueJobs mounts in worker containers. */
const RESERVED_PATHS = [WORK_DIR, '/tmp', SCRIPTS_DIR, ITEMS_DIR];
const REDIS_PORT = 6379;
/** The longest base name: leaves room for `-workers-<hash8>`, `-<hash8>-<index>` and the CronJob limit of 52. */
const MAX_BASE_NAME = 40;
/** The size limit of a ConfigMap's data. */
const MAX_CONFIGMAP_BYTES = 1024 * 1024;

/**
 * How workers are run.
 */
export enum WorkerModeKind {
  /** One Job with `parallelism` workers and no `completions`; each worker takes items until the queue is drained. */
  PARALLEL = 'parallel',
  /** One Indexed Job with one completion per item; pod `i` gets item `i`. No Redis. */
  INDEXED = 'indexed',
  /** A KEDA `ScaledJob` that starts Jobs as the pending list grows. */
  SCALED_JOB = 'scaledJob',
}

/**
 * Options for `WorkerMode.parallel`.
 */
export interface ParallelWorkersOptions {
  /**
   * How many worker pods run at once.
   *
   * @default 3
   */
  readonly parallelism?: number;
}

/**
 * Options for `WorkerMode.indexed`.
 */
export interface IndexedWorkersOptions {
  /**
   * How many pods (items) run at once.
   *
   * @default 3
   */
  readonly parallelism?: number;
}

/**
 * Options for `WorkerMode.scaledJob`.
 */
export interface ScaledJobWorkersOptions {
  /**
   * The most Jobs that run at once (`maxReplicaCount`).
   *
   * @default 10
   */
  readonly maxReplicas?: number;
  /**
   * How many items one Job takes before it exits: KEDA's `listLength` target and the workers' `QUEUE_MAX_ITEMS`.
   *
   * @default 1
   */
  readonly itemsPerJob?: number;
  /**
   * How often KEDA reads the length of the pending list.
   *
   * @default Duration.seconds(30)
   */
  readonly pollingInterval?: Duration;
  /**
   * What an update of the ScaledJob does to running Jobs. KEDA's own default (`immediate`) deletes them, killing
   * the items in flight (they come back after their lease); `gradual` lets them finish.
   *
   * @default KedaRolloutStrategy.GRADUAL
   */
  readonly rolloutStrategy?: KedaRolloutStrategy;
  /**
   * How KEDA counts the Jobs to start. The trigger reads the pending list only, which does not count the items
   * running Jobs hold, so KEDA's `accurate` strategy is right here.
   *
   * @default KedaScalingStrategy.ACCURATE
   */
  readonly scalingStrategy?: KedaScalingStrategy;
}

/**
 * How workers are run: a parallel Job, an Indexed Job, or a KEDA ScaledJob.
 *
 * | mode | workers | pick it when |
 * |---|---|---|
 * | `parallel()` | P pods that loop until the queue is drained | a known batch, workers speak the contract |
 * | `indexed()` | one pod per item, item `i` from a mounted file | workers know nothing of Redis; items known at synth |
 * | `scaledJob()` | Jobs started by KEDA from the queue length | items keep arriving; scale to zero between bursts |
 */
export class WorkerMode {
  /**
   * One Job with `parallelism` workers and no `completions`. Each worker takes items until the pending and
   * processing lists are both empty, so the items of a worker that died come back to the others.
   *
   * @see https://kubernetes.io/docs/tasks/job/fine-parallel-processing-work-queue/
   */
  public static parallel(options: ParallelWorkersOptions = {}): WorkerMode {
    return new WorkerMode(WorkerModeKind.PARALLEL, options.parallelism, undefined, undefined, undefined, undefined, undefined);
  }

  /**
   * One Indexed Job (`completionMode: Indexed`) with one completion per item: pod `i` reads item `i` from
   * `WORK_ITEM_FILE` (written by an init container from the mounted items file and `JOB_COMPLETION_INDEX`). No
   * Redis: for workers that know nothing of queues.
   *
   * @see https://kubernetes.io/docs/tasks/job/indexed-parallel-processing-static/
   */
  public static indexed(options: IndexedWorkersOptions = {}): WorkerMode {
    return new WorkerMode(WorkerModeKind.INDEXED, options.parallelism, undefined, undefined, undefined, undefined, undefined);
  }

  /**
   * A KEDA `ScaledJob` with a `redis` trigger on the pending list: KEDA starts Jobs (one worker pod each, which
   * takes up to `itemsPerJob` items and exits when the pending list is empty) as items arrive.
   *
   * @see https://keda.sh/docs/latest/reference/scaledjob-spec/
   */
  public static scaledJob(options: ScaledJobWorkersOptions = {}): WorkerMode {
    return new WorkerMode(WorkerModeKind.SCALED_JOB, undefined, options.maxReplicas, options.itemsPerJob, options.pollingInterval,
      options.rolloutStrategy, options.scalingStrategy);
  }

  private constructor(
    /** The mode. */
    public readonly kind: WorkerModeKind,
    /** Parallel and indexed: pods at once. */
    public readonly parallelism?: number,
    /** KEDA: the most Jobs at once. */
    public readonly maxReplicas?: number,
    /** KEDA: items per Job. */
    public readonly itemsPerJob?: number,
    /** KEDA: polling interval. */
    public readonly pollingInterval?: Duration,
    /** KEDA: rollout strategy. */
    public readonly rolloutStrategy?: KedaRolloutStrategy,
    /** KEDA: scaling strategy. */
    public readonly scalingStrategy?: KedaScalingStrategy,
  ) {}
}

/**
 * The work items: a list, or a file with one item per line. Items are strings without line breaks, unique (an
 * item's text is its identity on the queue: its lease key and its place in the processing list).
 */
export class WorkItems {
  /** These items, in order. */
  public static fromList(items: string[]): WorkItems {
    return new WorkItems([...items], undefined);
  }

  /**
   * The lines of a file (UTF-8, `\n` or `\r\n` line ends; a last line end is optional), read at synthesis.
   *
   * @param path the file, relative to the working directory of `cdk8s synth`
   */
  public static fromFile(path: string): WorkItems {
    return new WorkItems(undefined, path);
  }

  private constructor(private readonly list: string[] | undefined, private readonly path: string | undefined) {}

  /** @internal */
  public _load(scope: Construct): string[] {
    let items: string[];
    let where: (i: number) => string;
    if (this.path !== undefined) {
      let text: string;
      try {
        text = fs.readFileSync(this.path, 'utf8');
      } catch (e: any) {
        throw new Error(`${PropCheck.where(scope)}: 'items' must name a readable file, got '${this.path}' (${e.code ?? e.message})`);
      }
      items = text.split(/\r?\n/);
      if (items.length > 0 && items[items.length - 1] === '') items.pop();
      where = (i) => `line ${i + 1} of '${this.path}'`;
    } else {
      items = this.list ?? [];
      where = (i) => `items[${i}]`;
    }
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      if (typeof item !== 'string' || item.length === 0 || /[\r\n]/.test(item)) {
        throw new Error(`${PropCheck.where(scope)}: 'items' must be non-empty strings without line breaks, got ${PropCheck.show(item)} at ${where(i)}`);
      }
      const first = seen.get(item);
      if (first !== undefined) {
        throw new Error(`${PropCheck.where(scope)}: 'items' must be unique (an item is its own id on the queue), got ${PropCheck.show(item)} at ${where(first)} and ${where(i)}`);
      }
      seen.set(item, i);
    });
    return items;
  }
}

/**
 * One rule of a Job's `podFailurePolicy` (Kubernetes 1.26+, beta and on by default in 1.27).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-failure-policy
 */
export class PodFailureRule {
  /**
   * Pods killed by a disruption (drain, preemption, eviction: the `DisruptionTarget` condition) do not count
   * towards `backoffLimit`: their items go back on the queue by the lease, so nothing is lost.
   */
  public static ignoreDisruptions(): PodFailureRule {
    return new PodFailureRule('Ignore', undefined, undefined);
  }

  /**
   * Fail the whole Job, without retries, when a container exits with one of `exitCodes` (e.g. a worker's "bad
   * configuration" code).
   *
   * @param exitCodes exit codes from 1 to 255
   * @param containerName only this container's exit code counts; default: any container's
   */
  public static failJobOnExitCodes(exitCodes: number[], containerName?: string): PodFailureRule {
    return new PodFailureRule('FailJob', [...exitCodes], containerName);
  }

  /**
   * Retry, without counting towards `backoffLimit`, when a container exits with one of `exitCodes`.
   *
   * @param exitCodes exit codes from 1 to 255
   * @param containerName only this container's exit code counts; default: any container's
   */
  public static ignoreExitCodes(exitCodes: number[], containerName?: string): PodFailureRule {
    return new PodFailureRule('Ignore', [...exitCodes], containerName);
  }

  private constructor(
    private readonly action: string,
    private readonly exitCodes: number[] | undefined,
    private readonly containerName: string | undefined,
  ) {}

  /** @internal */
  public _toKube(scope: Construct, index: number, containerNames: string[]): kplus.k8s.PodFailurePolicyRule {
    if (this.exitCodes === undefined) {
      return { action: this.action, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] };
    }
    const prop = `podFailurePolicy[${index}]`;
    const codes = this.exitCodes;
    if (codes.length === 0 || codes.length > 255 || codes.some((c) => !Number.isInteger(c) || c < 1 || c > 255)) {
      throw propError(scope, `${prop}.exitCodes`, 'from 1 to 255 exit codes, each an integer from 1 to 255', codes);
    }
    if (this.containerName !== undefined && !containerNames.includes(this.containerName)) {
      throw propError(scope, `${prop}.containerName`, `one of the pod's containers (${containerNames.map((n) => `'${n}'`).join(', ')})`, this.containerName);
    }
    return {
      action: this.action,
      onExitCodes: { containerName: this.containerName, operator: 'In', values: [...new Set(codes)].sort((a, b) => a - b) },
      onPodConditions: [],
    };
  }
}

/**
 * Properties for `WorkQueueJobs`.
 */
export interface WorkQueueJobsProps {
  /**
   * The worker container. In the queue modes it follows the worker contract (README): its environment holds
   * the queue's address, key names and lease; the reference workers `worker.sh` (for images with `redis-cli`)
   * and `worker.js` (for images with Node.js) are mounted at `$QUEUE_SCRIPTS_DIR`. In the Indexed mode it reads
   * its item from `$WORK_ITEM_FILE`. Its security context defaults to the restricted one (non-root, read-only
   * root filesystem, no privilege escalation, all capabilities dropped); fields you set win.
   */
  readonly worker: kplus.ContainerProps;
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
   * before it succeeded. Indexed mode only (one pod per item).
   *
   * @default - the worker alone
   */
  readonly stages?: kplus.ContainerProps[];
  /**
   * The prefix of the queue's Redis keys (`<queueName>:pending`, …).
   *
   * @default - the base name
   */
  readonly queueName?: string;
  /**
   * The `host:port` of an existing Redis (standalone, 6.2+) to use as the queue.
   *
   * @default - a Redis Deployment and Service are created
   */
  readonly queueAddress?: string;
  /**
   * A Secret holding the Redis password. The Redis this construct creates requires it; workers get it as
   * `QUEUE_PASSWORD`; KEDA reads it through a `TriggerAuthentication`.
   *
   * @default - no password
   */
  readonly queuePassword?: kplus.ISecret;
  /**
   * The key of the password in `queuePassword`.
   *
   * @default "password"
   */
  readonly queuePasswordKey?: string;
  /**
   * The size of the PersistentVolumeClaim that keeps the created Redis's append-only file across pod restarts.
   *
   * @default Size.gibibytes(1)
   */
  readonly queueStorage?: Size;
  /**
   * The storage class of that claim.
   *
   * @default - the cluster's default storage class
   */
  readonly queueStorageClass?: string;
  /**
   * Resources of the created Redis. `maxmemory` is set to 80% of the memory limit, with `noeviction`, so a full
   * queue refuses new items instead of being killed.
   *
   * @default - requests 100m CPU and 256 MiB, limits 1 CPU and 256 MiB
   */
  readonly queueResources?: kplus.ContainerResources;
  /**
   * How long a taken item stays leased to its worker without a renewal. A worker renews while it works; when
   * it dies the lease runs out and the reaper puts the item back.
   *
   * @default Duration.minutes(5)
   */
  readonly lease?: Duration;
  /**
   * How long the reaper leaves an item in the processing list without a lease before it re-queues it. Covers a
   * live worker between its `BLMOVE` and its `SET` of the lease.
   *
   * @default Duration.seconds(10)
   */
  readonly handOffGrace?: Duration;
  /**
   * When the reaper CronJob runs. It must fire at least once per lease.
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
   * history limits instead.
   *
   * @default Duration.days(1)
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * The worker Job's `podFailurePolicy` (needs `restartPolicy: Never`, which the workers use).
   *
   * @default [PodFailureRule.ignoreDisruptions()]
   */
  readonly podFailurePolicy?: PodFailureRule[];
  /**
   * The uid the worker containers run as: the worker image's own non-root user.
   *
   * @default - the image's user (it must be numeric and non-root: the pod sets `runAsNonRoot`)
   */
  readonly workerUid?: number;
  /**
   * The gid of the worker containers (also the pod's `fsGroup`).
   *
   * @default - the image's group
   */
  readonly workerGid?: number;
  /**
   * The base name of every object.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * Image overrides (`redis`).
   *
   * @default - the pinned defaults
   */
  readonly images?: ImageOverrides;
}

/**
 * A work queue with a seeder, workers and a reaper: the book's batch work-queue pattern (ch. 10).
 *
 * ```
 * seeder Job ──LPUSH──▶ <q>:pending ──BLMOVE──▶ <q>:processing + <q>:lease:<item> (TTL) ──▶ worker ──LREM/DEL (ack)
 *                            ▲                                        │
 *                            └────── reaper CronJob (reap.lua) ◀──────┘  lease expired → back on pending
 * ```
 *
 * Workers run as a parallel Job, an Indexed Job (no Redis: one pod per item), or a KEDA ScaledJob. An item is
 * always on the pending list, on the processing list, or acknowledged by a worker that finished it, so a worker
 * that dies loses nothing: the item comes back when its lease runs out (at-least-once delivery).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-patterns
 */
export class WorkQueueJobs extends Construct {
  /**
   * The arguments of the queue's `redis-server`: append-only file fsynced every second in `/data`, no RDB
   * snapshots, `noeviction` (a queue must never drop items to make room) and `maxmemory` at 80% of the memory
   * limit, so a full Redis refuses writes instead of being OOM-killed.
   */
  public static redisArgs(memoryLimit?: Size): string[] {
    const args = ['--port', String(REDIS_PORT), '--dir', '/data', '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
      '--maxmemory-policy', 'noeviction', '--protected-mode', 'no'];
    if (memoryLimit !== undefined) args.push('--maxmemory', `${Math.floor(memoryLimit.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR }) * 0.8)}mb`);
    return args;
  }

  /** The base name of the objects. */
  public readonly name: string;
  /** The worker mode. */
  public readonly mode: WorkerModeKind;
  /** The queue's Redis keys (queue modes). */
  public readonly keys?: WorkQueueKeyNames;
  /** The queue's host as workers reach it (queue modes). */
  public readonly queueHost?: string;
  /** The queue's port (queue modes). */
  public readonly queuePort?: number;
  /** The created Redis (queue modes without `queueAddress`). */
  public readonly queue?: kplus.Deployment;
  /** The Service of the created Redis. */
  public readonly queueService?: kplus.Service;
  /** The ConfigMap with the seeder, reaper and reference worker scripts (queue modes). */
  public readonly scripts?: kplus.ConfigMap;
  /** The ConfigMap with the items file (when there are items). */
  public readonly itemsConfigMap?: kplus.ConfigMap;
  /** The seed run id: the hash of the items (queue modes with items). */
  public readonly seedRun?: string;
  /** The seeder Job (queue modes with items). */
  public readonly seeder?: kplus.Job;
  /** The reaper CronJob (queue modes). */
  public readonly reaper?: kplus.CronJob;
  /** The worker Job (parallel and Indexed modes). */
  public readonly workerJob?: kplus.k8s.KubeJob;
  /** The KEDA ScaledJob (KEDA mode). */
  public readonly scaledJob?: KedaScaledJob;

  private readonly props: WorkQueueJobsProps;
  private readonly redisImage: string;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: WorkQueueJobsProps) {
    super(scope, id);
    this.props = props;
    this.name = ResourceNames.baseName(this, props.name, MAX_BASE_NAME);
    const mode = props.mode ?? WorkerMode.parallel();
    this.mode = mode.kind;
    const queueMode = mode.kind !== WorkerModeKind.INDEXED;
    this.redisImage = ContainerImages.resolve(this, ImageKey.REDIS, props.images);
    if (!props.worker || typeof props.worker.image !== 'string') throw propError(this, 'worker', 'container props with an image', props.worker);

    const items = props.items?._load(this);
    if (items !== undefined) {
      const bytes = Buffer.byteLength(WorkQueueScripts.itemsText(items));
      if (bytes > MAX_CONFIGMAP_BYTES) {
        throw new Error(`${PropCheck.where(this)}: 'items' must fit one ConfigMap (at most ${MAX_CONFIGMAP_BYTES} bytes, one item per line), got ${bytes} bytes in ${items.length} items`);
      }
    }

    if (mode.kind === WorkerModeKind.INDEXED) {
      if (items === undefined || items.length === 0) {
        throw propError(this, 'items', 'at least one item for WorkerMode.indexed() (one completion per item)', items ?? undefined);
      }
      const queueProps = ['queueAddress', 'queuePassword', 'queuePasswordKey', 'queueName', 'queueStorage', 'queueStorageClass', 'queueResources',
        'lease', 'handOffGrace', 'reaperSchedule'] as const;
      for (const prop of queueProps) {
        if (props[prop] !== undefined) throw propError(this, prop, 'unset for WorkerMode.indexed(), which uses no queue', describe(props[prop]));
      }
    } else if ((props.stages ?? []).length > 0) {
      throw propError(this, 'stages', 'empty unless the mode is WorkerMode.indexed() (stages run as init containers, one pod per item)', `${props.stages!.length} stages`);
    }

    const parallelism = mode.kind === WorkerModeKind.SCALED_JOB ? 1 : PropCheck.integer(this, 'mode.parallelism', 1, 100000, 3, mode.parallelism);
    const backoffLimit = PropCheck.integer(this, 'backoffLimit', 0, 1000000, 6, props.backoffLimit);
    const activeDeadline = props.activeDeadline === undefined ? undefined : wholeSeconds(this, 'activeDeadline', props.activeDeadline, 1, 2147483647);
    const ttl = wholeSeconds(this, 'ttlAfterFinished', props.ttlAfterFinished ?? Duration.days(1), 0, 2147483647);

    const itemsText = items !== undefined ? WorkQueueScripts.itemsText(items) : undefined;
    const itemsHash = itemsText !== undefined ? WorkQueueScripts.seedRunId(items!) : undefined;
    if (itemsText !== undefined) {
      this.itemsConfigMap = new kplus.ConfigMap(this, 'Items', {
        metadata: { name: `${this.name}-items-${itemsHash!.slice(0, 8)}`, labels: this.labels('work-queue', 'items') },
        data: { [WorkQueueScripts.ITEMS_FILE]: itemsText },
        immutable: true,
      });
    }

    if (!queueMode) {
      const template = this.workerTemplate(props.stages ?? []);
      const spec: kplus.k8s.JobSpec = {
        completionMode: 'Indexed',
        completions: items!.length,
        parallelism,
        backoffLimit,
        activeDeadlineSeconds: activeDeadline,
        ttlSecondsAfterFinished: ttl,
        podFailurePolicy: this.podFailurePolicy(template),
        template,
      };
      this.workerJob = new kplus.k8s.KubeJob(this, 'Workers', {
        metadata: { name: `${this.name}-${shortHash(kplus.k8s.toJson_JobSpec(spec))}`, labels: this.labels('work-queue', 'worker') },
        spec,
      });
      return;
    }

    // ---- the queue
    const leaseSeconds = wholeSeconds(this, 'lease', props.lease ?? Duration.minutes(5), 1, 86400);
    const graceSeconds = wholeSeconds(this, 'handOffGrace', props.handOffGrace ?? Duration.seconds(10), 0, 3600);
    const schedule = props.reaperSchedule ?? Cron.everyMinute();
    const gap = cronMaxGapSeconds(this, schedule.expressionString);
    if (gap > leaseSeconds) {
      throw propError(this, 'reaperSchedule', `a schedule that fires at least once per lease (${leaseSeconds}s); it leaves up to ${gap}s between runs`, schedule.expressionString.trim());
    }
    const queueName = props.queueName ?? this.name;
    if (!/^[A-Za-z0-9][A-Za-z0-9._:{}-]{0,99}$/.test(queueName)) {
      throw propError(this, 'queueName', "a Redis key prefix of 1 to 100 characters: letters, digits, '.', '_', ':', '{', '}' and '-', starting with a letter or digit", queueName);
    }
    this.keys = WorkQueueScripts.keys(queueName);
    const passwordKey = props.queuePasswordKey ?? 'password';
    if (props.queuePasswordKey !== undefined && props.queuePassword === undefined) {
      throw propError(this, 'queuePasswordKey', "unset when 'queuePassword' is unset", props.queuePasswordKey);
    }

    let kedaAddress: string | undefined;
    if (props.queueAddress !== undefined) {
      const { host, port } = parseAddress(this, props.queueAddress);
      for (const prop of ['queueStorage', 'queueStorageClass', 'queueResources'] as const) {
        if (props[prop] !== undefined) throw propError(this, prop, "unset when 'queueAddress' names an existing Redis", describe(props[prop]));
      }
      this.queueHost = host;
      this.queuePort = port;
      kedaAddress = props.queueAddress;
    } else {
      const { deployment, service } = this.createRedis(props);
      this.queue = deployment;
      this.queueService = service;
      this.queueHost = service.name;
      this.queuePort = REDIS_PORT;
      const namespace = Chart.of(this).namespace;
      if (namespace !== undefined) kedaAddress = `${service.name}.${namespace}.svc.cluster.local:${REDIS_PORT}`;
    }
    if (mode.kind === WorkerModeKind.SCALED_JOB && kedaAddress === undefined) {
      throw propError(this, 'queueAddress', "set for WorkerMode.scaledJob(): KEDA's operator runs in its own namespace and needs an address it can reach (give 'queueAddress', or a namespace to the chart so the created Redis gets a fully qualified name)", props.queueAddress);
    }

    this.scripts = new kplus.ConfigMap(this, 'Scripts', {
      metadata: { name: `${this.name}-scripts`, labels: this.labels('work-queue', 'scripts') },
      data: WorkQueueScripts.files(),
    });

    if (items !== undefined) {
      this.seedRun = itemsHash;
      this.seeder = this.createSeeder(items.length, ttl);
    }
    this.reaper = this.createReaper(schedule, graceSeconds);

    const scaled = mode.kind === WorkerModeKind.SCALED_JOB;
    const itemsPerJob = scaled ? PropCheck.integer(this, 'mode.itemsPerJob', 1, 1000000, 1, mode.itemsPerJob) : 0;
    const template = this.workerTemplate([], { leaseSeconds, maxItems: itemsPerJob, exitWhen: scaled ? 'empty' : 'drained' });
    const jobSpec: kplus.k8s.JobSpec = {
      parallelism,
      completions: scaled ? 1 : undefined,
      backoffLimit,
      activeDeadlineSeconds: activeDeadline,
      ttlSecondsAfterFinished: scaled ? undefined : ttl,
      podFailurePolicy: this.podFailurePolicy(template),
      template,
    };
    if (!scaled) {
      this.workerJob = new kplus.k8s.KubeJob(this, 'Workers', {
        metadata: { name: `${this.name}-workers-${shortHash(kplus.k8s.toJson_JobSpec(jobSpec))}`, labels: this.labels('work-queue', 'worker') },
        spec: jobSpec,
      });
      return;
    }

    const maxReplicas = PropCheck.integer(this, 'mode.maxReplicas', 1, 100000, 10, mode.maxReplicas);
    const polling = wholeSeconds(this, 'mode.pollingInterval', mode.pollingInterval ?? Duration.seconds(30), 1, 86400);
    let auth: KedaTriggerAuthentication | undefined;
    if (props.queuePassword !== undefined) {
      auth = new KedaTriggerAuthentication(this, 'TriggerAuthentication', {
        metadata: { name: `${this.name}-queue`, labels: this.labels('work-queue', 'worker') },
        secretTargetRef: [{ parameter: 'password', name: props.queuePassword.name, key: passwordKey }],
      });
    }
    const trigger: KedaTrigger = {
      type: 'redis',
      metadata: { address: kedaAddress!, listName: this.keys.pending, listLength: String(itemsPerJob) },
      authenticationRef: auth ? { name: auth.name } : undefined,
    };
    this.scaledJob = new KedaScaledJob(this, 'ScaledJob', {
      metadata: { name: `${this.name}-workers`, labels: this.labels('work-queue', 'worker') },
      spec: {
        jobTargetRef: jobSpec,
        pollingInterval: polling,
        maxReplicaCount: maxReplicas,
        rollout: { strategy: mode.rolloutStrategy ?? KedaRolloutStrategy.GRADUAL },
        scalingStrategy: { strategy: mode.scalingStrategy ?? KedaScalingStrategy.ACCURATE },
        triggers: [trigger],
      },
    });
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

  private workerContainerJson(): any {
    const spec = this.workerJob ? (this.workerJob.toJson() as any).spec : (this.scaledJob!.toJson() as any).spec.jobTargetRef;
    return spec.template.spec.containers[0];
  }

  private labels(name: string, component: string): { [key: string]: string } {
    return RecommendedLabels.of({ name, instance: this.name, component, partOf: this.name });
  }

  private selector(name: string, component: string): { [key: string]: string } {
    return RecommendedLabels.selector({ name, instance: this.name, component });
  }

  private redisEnv(): { [name: string]: kplus.EnvValue } {
    const env: { [name: string]: kplus.EnvValue } = {
      [WorkQueueEnv.HOST]: kplus.EnvValue.fromValue(this.queueHost!),
      [WorkQueueEnv.PORT]: kplus.EnvValue.fromValue(String(this.queuePort!)),
    };
    if (this.props.queuePassword) {
      env.REDISCLI_AUTH = kplus.EnvValue.fromSecretValue({ secret: this.props.queuePassword, key: this.props.queuePasswordKey ?? 'password' });
    }
    return env;
  }

  private createRedis(props: WorkQueueJobsProps): { deployment: kplus.Deployment; service: kplus.Service } {
    const name = `${this.name}-redis`;
    const labels = this.labels('redis', 'queue');
    const selector = this.selector('redis', 'queue');
    const user = ContainerImages.user(ImageKey.REDIS);
    const resources = props.queueResources ?? {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
      memory: { request: Size.mebibytes(256), limit: Size.mebibytes(256) },
    };
    const claim = new kplus.PersistentVolumeClaim(this, 'QueueData', {
      metadata: { name, labels },
      storage: props.queueStorage ?? Size.gibibytes(1),
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
      storageClassName: props.queueStorageClass,
    });
    // One replica: each redis is its own queue, so a second replica behind the Service would split it. A
    // Recreate rollout never runs two at once; the claim keeps the append-only file across restarts.
    const deployment = new kplus.Deployment(this, 'Queue', {
      metadata: { name, labels },
      replicas: 1,
      select: false,
      strategy: kplus.DeploymentStrategy.recreate(),
      securityContext: RestrictedSecurity.podSecurityContext(user.uid, user.gid),
    });
    RecommendedLabels.applyTo(deployment, labels, selector);
    const args = WorkQueueJobs.redisArgs(resources.memory?.limit);
    const password = props.queuePassword
      ? { REDISCLI_AUTH: kplus.EnvValue.fromSecretValue({ secret: props.queuePassword, key: props.queuePasswordKey ?? 'password' }) }
      : undefined;
    const redis = RestrictedSecurity.addContainer(deployment, {
      name: 'redis',
      image: this.redisImage,
      command: password ? ['sh', '-c', 'exec redis-server "$@" --requirepass "$REDISCLI_AUTH"', 'redis-server'] : ['redis-server'],
      args,
      envVariables: password,
      ports: [{ number: REDIS_PORT, name: 'redis' }],
      readiness: kplus.Probe.fromCommand(['sh', '-c', `redis-cli -p ${REDIS_PORT} PING | grep -qx PONG`], { periodSeconds: Duration.seconds(5) }),
      liveness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT, initialDelaySeconds: Duration.seconds(10) }),
      resources,
    }, user);
    redis.mount('/data', kplus.Volume.fromPersistentVolumeClaim(this, 'QueueDataVolume', claim, { name: 'data' }));
    RestrictedSecurity.applySeccomp(deployment);
    const service = new kplus.Service(this, 'QueueService', {
      metadata: { name, labels },
      selector: kplus.Pods.select(this, 'QueuePods', { labels: selector }),
      ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT }],
    });
    return { deployment, service };
  }

  private createSeeder(count: number, ttl: number): kplus.Job {
    const user = ContainerImages.user(ImageKey.REDIS);
    const keys = this.keys!;
    const env: { [name: string]: kplus.EnvValue } = {
      ...this.redisEnv(),
      [WorkQueueEnv.PENDING]: kplus.EnvValue.fromValue(keys.pending),
      [WorkQueueEnv.SEEDS]: kplus.EnvValue.fromValue(keys.seeds),
      [WorkQueueEnv.SEED_RUN]: kplus.EnvValue.fromValue(this.seedRun!),
      [WorkQueueEnv.SEED_COUNT]: kplus.EnvValue.fromValue(String(count)),
    };
    const checksum = ConfigChecksum.of([this.scripts!, this.itemsConfigMap!]);
    const id = shortHash({ run: this.seedRun, image: this.redisImage, checksum, host: this.queueHost, port: this.queuePort, keys });
    const labels = this.labels('redis', 'seeder');
    const job = new kplus.Job(this, 'Seeder', {
      metadata: { name: `${this.name}-seed-${id}`, labels },
      backoffLimit: 6,
      ttlAfterFinished: Duration.seconds(ttl),
      securityContext: RestrictedSecurity.podSecurityContext(user.uid, user.gid),
    });
    RecommendedLabels.applyTo(job, labels);
    job.podMetadata.addAnnotation(ConfigChecksum.ANNOTATION, checksum);
    const c = RestrictedSecurity.addContainer(job, {
      name: 'seed',
      image: this.redisImage,
      command: ['/bin/sh', `${SCRIPTS_DIR}/${WorkQueueScripts.SEED_SH}`],
      envVariables: env,
      resources: smallResources(),
    }, user);
    c.mount(SCRIPTS_DIR, kplus.Volume.fromConfigMap(this, 'SeederScripts', this.scripts!, { name: 'scripts' }), { readOnly: true });
    c.mount(ITEMS_DIR, kplus.Volume.fromConfigMap(this, 'SeederItems', this.itemsConfigMap!, { name: 'items' }), { readOnly: true });
    RestrictedSecurity.applySeccomp(job);
    return job;
  }

  private createReaper(schedule: Cron, graceSeconds: number): kplus.CronJob {
    const user = ContainerImages.user(ImageKey.REDIS);
    const keys = this.keys!;
    const labels = this.labels('redis', 'reaper');
    const cron = new kplus.CronJob(this, 'Reaper', {
      metadata: { name: `${this.name}-reaper`, labels },
      schedule,
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      startingDeadline: Duration.seconds(30),
      successfulJobsRetained: 1,
      failedJobsRetained: 3,
      backoffLimit: 0,
      activeDeadline: Duration.seconds(50),
      securityContext: RestrictedSecurity.podSecurityContext(user.uid, user.gid),
    });
    RecommendedLabels.applyTo(cron, labels);
    cron.podMetadata.addAnnotation(ConfigChecksum.ANNOTATION, ConfigChecksum.of([this.scripts!]));
    const c = RestrictedSecurity.addContainer(cron, {
      name: 'reap',
      image: this.redisImage,
      command: ['/bin/sh', `${SCRIPTS_DIR}/${WorkQueueScripts.REAP_SH}`],
      envVariables: {
        ...this.redisEnv(),
        [WorkQueueEnv.PENDING]: kplus.EnvValue.fromValue(keys.pending),
        [WorkQueueEnv.PROCESSING]: kplus.EnvValue.fromValue(keys.processing),
        [WorkQueueEnv.UNLEASED]: kplus.EnvValue.fromValue(keys.unleased),
        [WorkQueueEnv.STATS]: kplus.EnvValue.fromValue(keys.stats),
        [WorkQueueEnv.LEASE_PREFIX]: kplus.EnvValue.fromValue(keys.leasePrefix),
        [WorkQueueEnv.GRACE_SECONDS]: kplus.EnvValue.fromValue(String(graceSeconds)),
      },
      resources: smallResources(),
    }, user);
    c.mount(SCRIPTS_DIR, kplus.Volume.fromConfigMap(this, 'ReaperScripts', this.scripts!, { name: 'scripts' }), { readOnly: true });
    RestrictedSecurity.applySeccomp(cron);
    return cron;
  }

  /** The worker pod template (all modes): init containers (Indexed: the item, then the stages), the worker, volumes. */
  private workerTemplate(stages: kplus.ContainerProps[],
    queue?: { leaseSeconds: number; maxItems: number; exitWhen: string }): kplus.k8s.PodTemplateSpec {
    const props = this.props;
    const uid = props.workerUid === undefined ? undefined : PropCheck.integer(this, 'workerUid', 1, 2147483647, 1, props.workerUid);
    const gid = props.workerGid === undefined ? undefined : PropCheck.integer(this, 'workerGid', 0, 2147483647, 0, props.workerGid);
    const ns = new Construct(this, 'WorkerPod');
    const workVolume = kplus.Volume.fromEmptyDir(ns, 'Work', 'work');
    const tmpVolume = kplus.Volume.fromEmptyDir(ns, 'Tmp', 'tmp');
    const ownEnv: { [name: string]: kplus.EnvValue } = { [WorkQueueEnv.WORK_DIR]: kplus.EnvValue.fromValue(WORK_DIR) };
    let scriptsVolume: kplus.Volume | undefined;
    let itemsVolume: kplus.Volume | undefined;
    if (queue) {
      const keys = this.keys!;
      Object.assign(ownEnv, {
        [WorkQueueEnv.HOST]: kplus.EnvValue.fromValue(this.queueHost!),
        [WorkQueueEnv.PORT]: kplus.EnvValue.fromValue(String(this.queuePort!)),
        [WorkQueueEnv.PENDING]: kplus.EnvValue.fromValue(keys.pending),
        [WorkQueueEnv.PROCESSING]: kplus.EnvValue.fromValue(keys.processing),
        [WorkQueueEnv.LEASE_PREFIX]: kplus.EnvValue.fromValue(keys.leasePrefix),
        [WorkQueueEnv.LEASE_SECONDS]: kplus.EnvValue.fromValue(String(queue.leaseSeconds)),
        [WorkQueueEnv.FAILED]: kplus.EnvValue.fromValue(keys.failed),
        [WorkQueueEnv.MAX_ITEMS]: kplus.EnvValue.fromValue(String(queue.maxItems)),
        [WorkQueueEnv.EXIT_WHEN]: kplus.EnvValue.fromValue(queue.exitWhen),
        [WorkQueueEnv.SCRIPTS_DIR]: kplus.EnvValue.fromValue(SCRIPTS_DIR),
        [WorkQueueEnv.WORKER_ID]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
      });
      if (props.queuePassword) {
        ownEnv[WorkQueueEnv.PASSWORD] = kplus.EnvValue.fromSecretValue({ secret: props.queuePassword, key: props.queuePasswordKey ?? 'password' });
      }
      scriptsVolume = kplus.Volume.fromConfigMap(ns, 'Scripts', this.scripts!, { name: 'scripts' });
    } else {
      ownEnv[WorkQueueEnv.WORK_ITEM_FILE] = kplus.EnvValue.fromValue(`${WORK_DIR}/item`);
      ownEnv[WorkQueueEnv.WORK_ITEMS_FILE] = kplus.EnvValue.fromValue(`${ITEMS_DIR}/${WorkQueueScripts.ITEMS_FILE}`);
      itemsVolume = kplus.Volume.fromConfigMap(ns, 'Items', this.itemsConfigMap!, { name: 'items' });
    }

    const userContainer = (p: kplus.ContainerProps, prop: string, defaultName: string): kplus.k8s.Container => {
      if (!p || typeof p.image !== 'string') throw propError(this, prop, 'container props with an image', p);
      const c = new kplus.Container({
        ...p,
        name: p.name ?? defaultName,
        securityContext: {
          ensureNonRoot: true,
          privileged: false,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          user: uid,
          group: gid,
          ...p.securityContext,
        },
      });
      ContainerImages.checkPinned(this, `${prop}.image`, c.image);
      for (const m of c.mounts) {
        if (RESERVED_PATHS.includes(m.path)) throw propError(this, `${prop}.volumeMounts`, `free of the paths WorkQueueJobs mounts (${RESERVED_PATHS.join(', ')})`, m.path);
      }
      for (const name of Object.keys(c.env.variables)) {
        if (name in ownEnv) throw propError(this, `${prop}.envVariables`, `free of the names WorkQueueJobs sets (${Object.keys(ownEnv).join(', ')})`, name);
      }
      for (const [name, value] of Object.entries(ownEnv)) c.env.addVariable(name, value);
      c.mount(WORK_DIR, workVolume);
      c.mount('/tmp', tmpVolume);
      if (scriptsVolume) c.mount(SCRIPTS_DIR, scriptsVolume, { readOnly: true });
      if (itemsVolume) c.mount(ITEMS_DIR, itemsVolume, { readOnly: true });
      return withDropAll(c);
    };

    const volumes = new Map<string, kplus.Volume>();
    const initContainers: kplus.k8s.Container[] = [];
    const containers: kplus.k8s.Container[] = [];

    const redisUser = ContainerImages.user(ImageKey.REDIS);
    if (!queue) {
      const item = new kplus.Container({
        name: 'item',
        image: this.redisImage,
        command: ['/bin/sh', '-c',
          'line=$((JOB_COMPLETION_INDEX + 1)); sed -n "${line}p" "$WORK_ITEMS_FILE" | tr -d \'\\n\' > "$WORK_ITEM_FILE"; '
          + '[ -s "$WORK_ITEM_FILE" ] || { echo "no item on line $line of $WORK_ITEMS_FILE" >&2; exit 1; }'],
        envVariables: {
          [WorkQueueEnv.WORK_ITEM_FILE]: ownEnv[WorkQueueEnv.WORK_ITEM_FILE],
          [WorkQueueEnv.WORK_ITEMS_FILE]: ownEnv[WorkQueueEnv.WORK_ITEMS_FILE],
        },
        resources: smallResources(),
        securityContext: RestrictedSecurity.containerSecurityContext({ uid: redisUser.uid, gid: redisUser.gid }),
      });
      item.mount(WORK_DIR, workVolume);
      item.mount(ITEMS_DIR, itemsVolume!, { readOnly: true });
      initContainers.push(withDropAll(item));
    }
    if (queue && queue.exitWhen === 'drained' && this.seedRun !== undefined) {
      const wait = new kplus.Container({
        name: 'wait-seed',
        image: this.redisImage,
        command: ['/bin/sh', `${SCRIPTS_DIR}/${WorkQueueScripts.WAIT_SEED_SH}`],
        envVariables: {
          ...this.redisEnv(),
          [WorkQueueEnv.SEEDS]: kplus.EnvValue.fromValue(this.keys!.seeds),
          [WorkQueueEnv.SEED_RUN]: kplus.EnvValue.fromValue(this.seedRun),
        },
        resources: smallResources(),
        securityContext: RestrictedSecurity.containerSecurityContext({ uid: redisUser.uid, gid: redisUser.gid }),
      });
      wait.mount(SCRIPTS_DIR, scriptsVolume!, { readOnly: true });
      initContainers.push(withDropAll(wait));
    }
    const names = new Set<string>(initContainers.map((c) => c.name));
    const addUser = (p: kplus.ContainerProps, prop: string, defaultName: string, list: kplus.k8s.Container[]) => {
      const json = userContainer(p, prop, defaultName);
      if (names.has(json.name)) throw propError(this, `${prop}.name`, 'a container name not used by another container of the pod', json.name);
      names.add(json.name);
      list.push(json);
    };
    stages.forEach((s, i) => addUser(s, `stages[${i}]`, `stage-${i + 1}`, initContainers));
    addUser(props.worker, 'worker', 'worker', containers);
    for (const v of [workVolume, tmpVolume, scriptsVolume, itemsVolume]) if (v) volumes.set(v.name, v);
    for (const p of [...stages, props.worker]) {
      for (const m of p.volumeMounts ?? []) {
        const known = volumes.get(m.volume.name);
        if (known !== undefined && known !== m.volume) throw propError(this, 'worker', 'containers whose volumes have distinct names', m.volume.name);
        volumes.set(m.volume.name, m.volume);
      }
    }

    const checksum = ConfigChecksum.of([this.scripts, this.itemsConfigMap].filter((c): c is kplus.ConfigMap => c !== undefined));
    return {
      metadata: {
        labels: this.labels('work-queue', 'worker'),
        annotations: { [ConfigChecksum.ANNOTATION]: checksum },
      },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: uid,
          runAsGroup: gid,
          fsGroup: gid,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        initContainers: initContainers.length > 0 ? initContainers : undefined,
        containers,
        volumes: [...volumes.values()].sort((a, b) => a.name.localeCompare(b.name)).map((v) => v._toKube()),
      },
    };
  }

  private podFailurePolicy(template: kplus.k8s.PodTemplateSpec): kplus.k8s.PodFailurePolicy | undefined {
    const rules = this.props.podFailurePolicy ?? [PodFailureRule.ignoreDisruptions()];
    if (rules.length > 20) throw propError(this, 'podFailurePolicy', 'at most 20 rules', `${rules.length} rules`);
    if (rules.length === 0) return undefined;
    const names = [...(template.spec!.initContainers ?? []), ...template.spec!.containers].map((c) => c.name);
    return { rules: rules.map((r, i) => r._toKube(this, i, names)) };
  }
}

function withDropAll(c: kplus.Container): kplus.k8s.Container {
  const k = c._toKube();
  return { ...k, securityContext: { ...k.securityContext, capabilities: { drop: ['ALL'] } } };
}

function smallResources(): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(200) },
    memory: { request: Size.mebibytes(16), limit: Size.mebibytes(64) },
  };
}

/** 8 hex digits of the SHA-256 of a JSON value: a name suffix that changes when the (immutable) spec changes. */
function shortHash(value: any): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 8);
}

function describe(v: any): any {
  if (v instanceof Duration) return `${v.toMilliseconds() / 1000}s`;
  if (v instanceof Cron) return v.expressionString;
  if (v instanceof Size) return `${v.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR })}Mi`;
  if (v && typeof v === 'object' && typeof v.name === 'string') return v.name;
  return v;
}

function wholeSeconds(scope: Construct, prop: string, d: Duration, min: number, max: number): number {
  const ms = d.toMilliseconds();
  const s = ms / 1000;
  if (!Number.isInteger(s) || s < min || s > max) throw propError(scope, prop, `a whole number of seconds from ${min} to ${max}`, `${s}s`);
  return s;
}

function parseAddress(scope: Construct, address: string): { host: string; port: number } {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(address ?? '');
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(ResourceNames.isDnsSubdomain(m[1]) || /^\d{1,3}(\.\d{1,3}){3}$/.test(m[1])) || port < 1 || port > 65535) {
    throw propError(scope, 'queueAddress', "'host:port' (a DNS name or IPv4 address and a port from 1 to 65535)", address);
  }
  return { host: m[1], port };
}

// ---- cron: the subset of robfig/cron's ParseStandard that Kubernetes 1.27 accepts for a CronJob

const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], base: 1 },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], base: 0 },
];
const CRON_DESCRIPTORS: { [key: string]: string } = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface CronField { readonly values: boolean[]; readonly star: boolean }

/** Parses a 5-field cron expression (or a descriptor); undefined when invalid. */
function parseCron(expression: string): CronField[] | undefined {
  const expr = CRON_DESCRIPTORS[expression.trim().toLowerCase()] ?? expression.trim();
  const parts = expr.split(/\s+/);
  if (parts.length !== 5) return undefined;
  const out: CronField[] = [];
  for (let f = 0; f < 5; f++) {
    const spec = CRON_FIELDS[f];
    const values = new Array<boolean>(spec.max + 1).fill(false);
    let star = false;
    for (const term of parts[f].split(',')) {
      const rangeAndStep = term.split('/');
      if (rangeAndStep.length > 2) return undefined;
      const lowHigh = rangeAndStep[0].split('-');
      if (lowHigh.length > 2) return undefined;
      const num = (s: string): number | undefined => {
        const lower = s.toLowerCase();
        const i = spec.names?.indexOf(lower) ?? -1;
        if (i >= 0) return i + (spec.base ?? 0);
        return /^\d+$/.test(s) ? Number(s) : undefined;
      };
      let start: number | undefined;
      let end: number | undefined;
      let termStar = false;
      if (lowHigh[0] === '*' || lowHigh[0] === '?') {
        if (lowHigh.length > 1) return undefined;
        start = spec.min;
        end = spec.max;
        termStar = true;
      } else {
        start = num(lowHigh[0]);
        end = lowHigh.length === 2 ? num(lowHigh[1]) : start;
      }
      let step = 1;
      if (rangeAndStep.length === 2) {
        if (!/^\d+$/.test(rangeAndStep[1])) return undefined;
        step = Number(rangeAndStep[1]);
        if (lowHigh.length === 1) end = spec.max;
        if (step > 1) termStar = false;
      }
      if (start === undefined || end === undefined || start < spec.min || end > spec.max || start > end || step === 0) return undefined;
      for (let v = start; v <= end; v += step) values[v] = true;
      star = star || termStar;
    }
    out.push({ values, star });
  }
  return out;
}

/**
 * The longest time between two runs of a cron schedule (UTC, over the four years 2024–2027 and the wrap to
 * 2028), in seconds. Throws a prop error for an invalid schedule or one that never fires.
 */
function cronMaxGapSeconds(scope: Construct, expression: string): number {
  const fields = parseCron(expression);
  if (fields === undefined) {
    throw propError(scope, 'reaperSchedule', 'a cron schedule of 5 fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-6; *, lists, ranges, steps, month and day names) or @hourly, @daily, @weekly, @monthly, @yearly', expression.trim());
  }
  const [minutes, hours, dom, month, dow] = fields;
  const start = Date.UTC(2024, 0, 1);
  const days = 4 * 365 + 1;
  let first: number | undefined;
  let last: number | undefined;
  let gap = 0;
  for (let d = 0; d < days; d++) {
    const date = new Date(start + d * 86400000);
    if (!month.values[date.getUTCMonth() + 1]) continue;
    const domMatch = dom.values[date.getUTCDate()];
    const dowMatch = dow.values[date.getUTCDay()];
    if (!(dom.star || dow.star ? domMatch && dowMatch : domMatch || dowMatch)) continue;
    for (let h = 0; h < 24; h++) {
      if (!hours.values[h]) continue;
      for (let m = 0; m < 60; m++) {
        if (!minutes.values[m]) continue;
        const t = d * 1440 + h * 60 + m;
        if (last !== undefined) gap = Math.max(gap, t - last);
        if (first === undefined) first = t;
        last = t;
      }
    }
  }
  if (first === undefined || last === undefined) {
    throw propError(scope, 'reaperSchedule', 'a cron schedule that fires', expression.trim());
  }
  gap = Math.max(gap, first + days * 1440 - last);
  return gap * 60;
}
