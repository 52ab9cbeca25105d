import { Duration } from 'cdk8s';
import { WorkerModeParts, WorkQueueHost } from './_host';
import { PropCheck } from '../../core/errors';
import { propError } from '../../core/prop-error';
import { KedaRolloutStrategy, KedaScaledJob, KedaScalingStrategy, KedaTriggerAuthentication } from '../../crds/keda';

/**
 * How workers are run.
 */
export enum WorkerModeKind {
  /**
   * One Job with `parallelism` workers and no `completions`; each worker takes items until the queue is drained
   * (nothing pending, leased or waiting to retry), so the first worker to exit 0 means the batch is done.
   */
  PARALLEL = 'parallel',
  /** One Indexed Job with one completion per item; pod `i` gets item `i`. No queue. */
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
 * | `indexed()` | one pod per item, item `i` from a mounted file | workers know nothing of queues; items known at synth |
 * | `scaledJob()` | Jobs started by KEDA from the queue length | items keep arriving; scale to zero between bursts |
 */
export abstract class WorkerMode {
  /**
   * One Job with `parallelism` workers and no `completions`. Each worker takes items until nothing is pending,
   * leased or waiting to retry, and reaps expired leases in its takes, so the items of a worker that died come
   * back to the others and the Job completes (its first pod succeeds) only once every item is done or dead-lettered.
   *
   * @see https://kubernetes.io/docs/tasks/job/fine-parallel-processing-work-queue/
   */
  public static parallel(options: ParallelWorkersOptions = {}): WorkerMode {
    return new ParallelWorkers({ ...options });
  }

  /**
   * One Indexed Job (`completionMode: Indexed`) with one completion per item: pod `i` reads item `i` from
   * `WORK_ITEM_FILE` (written by an init container from the mounted items file and `JOB_COMPLETION_INDEX`). No
   * queue: for workers that know nothing of queues.
   *
   * @see https://kubernetes.io/docs/tasks/job/indexed-parallel-processing-static/
   */
  public static indexed(options: IndexedWorkersOptions = {}): WorkerMode {
    return new IndexedWorkers({ ...options });
  }

  /**
   * A KEDA `ScaledJob` with a `redis` trigger on the pending list: KEDA starts Jobs (one worker pod each, which
   * takes up to `itemsPerJob` items and exits when the pending list is empty) as items arrive.
   *
   * @see https://keda.sh/docs/latest/reference/scaledjob-spec/
   */
  public static scaledJob(options: ScaledJobWorkersOptions = {}): WorkerMode {
    return new ScaledJobWorkers({ ...options });
  }

  /**
   * @param kind the mode
   */
  protected constructor(
    /** The mode. */
    public readonly kind: WorkerModeKind,
  ) {}

  /**
   * Makes the mode's objects in `host`: checks the props the mode reads, then the queue (queue modes), the
   * worker pod and the Job or ScaledJob that runs it.
   *
   * @internal
   */
  public abstract _bind(host: WorkQueueHost): WorkerModeParts;
}

/** The most pods one Job runs at once (parallel and Indexed). */
const MAX_PARALLELISM = 100000;

class ParallelWorkers extends WorkerMode {
  constructor(private readonly options: ParallelWorkersOptions) {
    super(WorkerModeKind.PARALLEL);
  }

  public _bind(host: WorkQueueHost): WorkerModeParts {
    refuseStages(host);
    const parallelism = PropCheck.integer(host, 'mode.parallelism', 1, MAX_PARALLELISM, 3, this.options.parallelism);
    // The workers reap expired leases in their takes: reaping ends with the batch, no CronJob outlives it.
    const queue = host._openQueue({ reaper: false, waitForSeed: true });
    // Workers exit once nothing is pending, leased or waiting to retry, so they must not start before the seed run.
    const template = host._queueWorkerPod(queue, { maxItems: 0, exitWhen: 'drained', waitForSeed: true });
    const spec = host._workerJobSpec(template, { parallelism, expires: true });
    return { queue, workerJob: host._addWorkerJob(`${host.name}-workers`, spec) };
  }
}

class IndexedWorkers extends WorkerMode {
  constructor(private readonly options: IndexedWorkersOptions) {
    super(WorkerModeKind.INDEXED);
  }

  public _bind(host: WorkQueueHost): WorkerModeParts {
    const items = host._items;
    if (items === undefined || items.length === 0) {
      throw propError(host, 'items', 'at least one item for WorkerMode.indexed() (one completion per item)', items);
    }
    host._refuseQueueProps('unset for WorkerMode.indexed(), which uses no queue');
    const parallelism = PropCheck.integer(host, 'mode.parallelism', 1, MAX_PARALLELISM, 3, this.options.parallelism);
    const template = host._itemWorkerPod();
    const spec = host._workerJobSpec(template, { completionMode: 'Indexed', completions: items.length, parallelism, expires: true });
    return { workerJob: host._addWorkerJob(host.name, spec) };
  }
}

class ScaledJobWorkers extends WorkerMode {
  constructor(private readonly options: ScaledJobWorkersOptions) {
    super(WorkerModeKind.SCALED_JOB);
  }

  public _bind(host: WorkQueueHost): WorkerModeParts {
    refuseStages(host);
    const o = this.options;
    // KEDA starts Jobs for pending items only: the leases of a dead worker need a reaper that outlives the Jobs.
    const queue = host._openQueue({ reaper: true, waitForSeed: false });
    const address = queue.externalAddress;
    if (address === undefined) {
      throw propError(host, 'queueAddress', "set for WorkerMode.scaledJob(): KEDA's operator runs in its own namespace and needs an address it can reach (give 'queueAddress', or a namespace to the chart so the created queue server gets a fully qualified name)", undefined);
    }
    const itemsPerJob = PropCheck.integer(host, 'mode.itemsPerJob', 1, 1000000, 1, o.itemsPerJob);
    // One worker per Job; it exits when the pending list stays empty, and KEDA starts new Jobs as items arrive.
    const template = host._queueWorkerPod(queue, { maxItems: itemsPerJob, exitWhen: 'empty', waitForSeed: false });
    const jobTargetRef = host._workerJobSpec(template, { parallelism: 1, completions: 1, expires: false });
    const maxReplicas = PropCheck.integer(host, 'mode.maxReplicas', 1, 100000, 10, o.maxReplicas);
    const polling = PropCheck.wholeSeconds(host, 'mode.pollingInterval', 1, 86400, Duration.seconds(30), o.pollingInterval);
    const rollout = PropCheck.oneOf(host, 'mode.rolloutStrategy', Object.values(KedaRolloutStrategy), KedaRolloutStrategy.GRADUAL, o.rolloutStrategy) as KedaRolloutStrategy;
    const scaling = PropCheck.oneOf(host, 'mode.scalingStrategy', Object.values(KedaScalingStrategy), KedaScalingStrategy.ACCURATE, o.scalingStrategy) as KedaScalingStrategy;
    const labels = host._workerLabels();
    const auth = queue.password === undefined ? undefined : new KedaTriggerAuthentication(host, 'TriggerAuthentication', {
      metadata: { name: `${host.name}-queue`, labels },
      secretTargetRef: [{ parameter: 'password', name: queue.password.secret.name, key: queue.password.key }],
    });
    const scaledJob = new KedaScaledJob(host, 'ScaledJob', {
      metadata: { name: `${host.name}-workers`, labels },
      spec: {
        jobTargetRef,
        pollingInterval: polling,
        maxReplicaCount: maxReplicas,
        rollout: { strategy: rollout },
        scalingStrategy: { strategy: scaling },
        triggers: [{
          type: 'redis',
          metadata: { address, listName: queue.keys.pending, listLength: String(itemsPerJob) },
          authenticationRef: auth ? { name: auth.name } : undefined,
        }],
      },
    });
    return { queue, scaledJob };
  }
}

/** The queue modes run one container per pod; stages need the Indexed mode's one pod per item. */
function refuseStages(host: WorkQueueHost): void {
  if (host._stageCount > 0) {
    throw propError(host, 'stages', 'empty unless the mode is WorkerMode.indexed() (stages run as init containers, one pod per item)', `${host._stageCount} stages`);
  }
}
