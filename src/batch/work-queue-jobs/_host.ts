import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { QueuePersistence } from './queue-persistence';
import { WorkQueueKeyNames } from '../../config/work-queue';
import { KedaScaledJob } from '../../crds/keda';

// Internal: what a `WorkerMode` needs from the construct that runs it. `WorkQueueJobs` implements it; the modes
// depend on this interface only, so they live in their own file without importing the construct.

/** A queue the construct made (or was given the address of), with its scripts, seeder and reaper. */
export interface WorkQueueParts {
  /** The queue name (the prefix of its keys). */
  readonly name: string;
  /** The Redis keys. */
  readonly keys: WorkQueueKeyNames;
  /** The host workers reach it at. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** The lease, in seconds. */
  readonly leaseSeconds: number;
  /** How often an item is leased before it is dead-lettered. */
  readonly maxAttempts: number;
  /** The first retry's delay, ms (doubling per attempt). */
  readonly retryBackoffMs: number;
  /** The longest retry delay, ms. */
  readonly retryBackoffMaxMs: number;
  /** Items a reference worker leases per round trip. */
  readonly takeBatch: number;
  /**
   * The address a client in another namespace reaches it at (KEDA's operator): `queueAddress`, or the created
   * Service's fully qualified name when the chart has a namespace.
   */
  readonly externalAddress?: string;
  /** The Secret key holding its password. */
  readonly password?: kplus.SecretValue;
  /** The seed run id, when there are items. */
  readonly seedRun?: string;
  /** The created queue server. */
  readonly deployment?: kplus.Deployment;
  /** Its persistence. */
  readonly persistence?: QueuePersistence;
  /** Its Service. */
  readonly service?: kplus.Service;
  /** The scripts ConfigMap. */
  readonly scripts: kplus.ConfigMap;
  /** The seeder Job, when there are items. */
  readonly seeder?: kplus.Job;
  /** The reaper CronJob (KEDA mode: a parallel Job's workers reap in their takes). */
  readonly reaper?: kplus.CronJob;
}

/** How the workers of a queue mode take items (the contract's `QUEUE_MAX_ITEMS` and `QUEUE_EXIT_WHEN`). */
export interface QueueTake {
  /** Items one worker takes before it exits; 0: no limit. */
  readonly maxItems: number;
  /** `drained` (pending and processing empty) or `empty` (pending empty for one take timeout). */
  readonly exitWhen: 'drained' | 'empty';
  /**
   * A parallel Job's workers: held in an init container until the seed run is on the queue (when there is one),
   * and told the run, so that a queue that lost it makes them fail rather than report the batch done.
   */
  readonly waitForSeed: boolean;
}

/** The shape of a worker Job; the construct adds the limits every mode shares and the pod failure policy. */
export interface WorkerJobShape {
  readonly parallelism: number;
  readonly completions?: number;
  readonly completionMode?: string;
  /** Give the Job `ttlAfterFinished` when one is set (KEDA's Jobs follow KEDA's history limits instead). */
  readonly expires: boolean;
}

/** What a mode made, for the construct's outputs. */
export interface WorkerModeParts {
  readonly queue?: WorkQueueParts;
  readonly workerJob?: kplus.k8s.KubeJob;
  readonly scaledJob?: KedaScaledJob;
}

/**
 * The construct a worker mode runs in.
 *
 * @internal
 */
export interface WorkQueueHost extends IConstruct {
  /** The base name of every object. */
  readonly name: string;
  /** The work items, checked, when given. */
  readonly _items?: readonly string[];
  /** How many `stages` were given. */
  readonly _stageCount: number;
  /** Throws a prop error for each queue prop that is set (`reason`: why they must be unset). */
  _refuseQueueProps(reason: string): void;
  /** Makes the queue (or checks `queueAddress`), its scripts ConfigMap (what the pods run: `waitForSeed` as the `QueueTake` will say), the seeder and (with `reaper`) the reaper. */
  _openQueue(options: { readonly reaper: boolean; readonly waitForSeed: boolean }): WorkQueueParts;
  /** The worker pod of a queue mode: the contract in its environment, the scripts mounted. */
  _queueWorkerPod(queue: WorkQueueParts, take: QueueTake): kplus.k8s.PodTemplateSpec;
  /** The worker pod of the Indexed mode: an init container writes item `i`, then the stages, then the worker. */
  _itemWorkerPod(): kplus.k8s.PodTemplateSpec;
  /** A worker Job spec for `template`. */
  _workerJobSpec(template: kplus.k8s.PodTemplateSpec, shape: WorkerJobShape): kplus.k8s.JobSpec;
  /** The worker Job (`Workers`), named `<nameStem>-<hash of its spec>`: Job templates are immutable. */
  _addWorkerJob(nameStem: string, spec: kplus.k8s.JobSpec): kplus.k8s.KubeJob;
  /** The labels of the worker objects. */
  _workerLabels(): { [key: string]: string };
}
