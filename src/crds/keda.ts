import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/**
 * KEDA's rollout strategy for a ScaledJob: what happens to running Jobs when the ScaledJob changes.
 *
 * @see https://keda.sh/docs/latest/reference/scaledjob-spec/#rollout
 */
export enum KedaRolloutStrategy {
  /** Running Jobs finish; only new Jobs use the new spec. */
  GRADUAL = 'gradual',
  /** KEDA's default: every running Job is deleted (and its pods killed) on each update of the ScaledJob. */
  IMMEDIATE = 'immediate',
}

/**
 * KEDA's scaling strategy for a ScaledJob: how many new Jobs a poll starts.
 *
 * @see https://keda.sh/docs/latest/reference/scaledjob-spec/#scalingstrategy
 */
export enum KedaScalingStrategy {
  /** `queueLength / target - runningJobs`: for queue lengths that count the items running Jobs hold. */
  DEFAULT = 'default',
  /** For queue lengths that do NOT count the items running Jobs hold (e.g. a pending list with a separate processing list). */
  ACCURATE = 'accurate',
  /** Fills every free slot up to `maxReplicaCount`. */
  EAGER = 'eager',
}

/**
 * A reference from a trigger to a `TriggerAuthentication`.
 */
export interface KedaAuthenticationRef {
  /** The name of the `TriggerAuthentication` (in the ScaledJob's namespace). */
  readonly name: string;
}

/**
 * One KEDA trigger (scaler).
 *
 * @see https://keda.sh/docs/latest/scalers/
 */
export interface KedaTrigger {
  /** The scaler type, e.g. `redis`. */
  readonly type: string;
  /** The scaler's parameters (KEDA takes every value as a string). */
  readonly metadata: { [key: string]: string };
  /**
   * A name for the trigger.
   *
   * @default - none
   */
  readonly name?: string;
  /**
   * Where the scaler's secrets come from.
   *
   * @default - none
   */
  readonly authenticationRef?: KedaAuthenticationRef;
}

/**
 * `spec.rollout` of a ScaledJob.
 */
export interface KedaScaledJobRollout {
  /** What happens to running Jobs on an update. */
  readonly strategy: KedaRolloutStrategy;
}

/**
 * `spec.scalingStrategy` of a ScaledJob.
 */
export interface KedaScaledJobScalingStrategy {
  /** The strategy. */
  readonly strategy: KedaScalingStrategy;
}

/**
 * `spec` of a ScaledJob: only the fields this library sets.
 */
export interface KedaScaledJobSpec {
  /** The spec of each Job KEDA creates. */
  readonly jobTargetRef: kplus.k8s.JobSpec;
  /** The triggers. */
  readonly triggers: KedaTrigger[];
  /**
   * Seconds between two checks of the triggers.
   *
   * @default - KEDA's default, 30
   */
  readonly pollingInterval?: number;
  /**
   * The most Jobs that run at once.
   *
   * @default - KEDA's default, 100
   */
  readonly maxReplicaCount?: number;
  /**
   * The fewest Jobs that run at once.
   *
   * @default - KEDA's default, 0
   */
  readonly minReplicaCount?: number;
  /**
   * Finished Jobs kept.
   *
   * @default - KEDA's default, 100
   */
  readonly successfulJobsHistoryLimit?: number;
  /**
   * Failed Jobs kept.
   *
   * @default - KEDA's default, 100
   */
  readonly failedJobsHistoryLimit?: number;
  /**
   * The rollout.
   *
   * @default - KEDA's default, `immediate`
   */
  readonly rollout?: KedaScaledJobRollout;
  /**
   * The scaling strategy.
   *
   * @default - KEDA's default, `default`
   */
  readonly scalingStrategy?: KedaScaledJobScalingStrategy;
}

/**
 * Props of `KedaScaledJob`.
 */
export interface KedaScaledJobProps {
  /** Metadata (name, labels). */
  readonly metadata: ApiObjectMetadata;
  /** The spec. */
  readonly spec: KedaScaledJobSpec;
}

/**
 * A KEDA `ScaledJob` (`keda.sh/v1alpha1`): KEDA starts Jobs from `jobTargetRef` as its triggers report work.
 *
 * @see https://keda.sh/docs/latest/reference/scaledjob-spec/
 */
export class KedaScaledJob extends ApiObject {
  /** The API version. */
  public static readonly API_VERSION = 'keda.sh/v1alpha1';
  /** The kind. */
  public static readonly KIND = 'ScaledJob';

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: KedaScaledJobProps) {
    const s = props.spec;
    super(scope, id, {
      apiVersion: KedaScaledJob.API_VERSION,
      kind: KedaScaledJob.KIND,
      metadata: props.metadata,
      spec: dropUndefined({
        jobTargetRef: kplus.k8s.toJson_JobSpec(s.jobTargetRef),
        pollingInterval: s.pollingInterval,
        successfulJobsHistoryLimit: s.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: s.failedJobsHistoryLimit,
        minReplicaCount: s.minReplicaCount,
        maxReplicaCount: s.maxReplicaCount,
        rollout: s.rollout ? { strategy: s.rollout.strategy } : undefined,
        scalingStrategy: s.scalingStrategy ? { strategy: s.scalingStrategy.strategy } : undefined,
        triggers: s.triggers.map((t) => dropUndefined({
          type: t.type,
          name: t.name,
          metadata: { ...t.metadata },
          authenticationRef: t.authenticationRef ? { name: t.authenticationRef.name } : undefined,
        })),
      }),
    });
  }
}

/**
 * One secret a `TriggerAuthentication` hands to a scaler parameter.
 */
export interface KedaSecretTargetRef {
  /** The scaler parameter it fills, e.g. `password`. */
  readonly parameter: string;
  /** The Secret's name. */
  readonly name: string;
  /** The key in the Secret. */
  readonly key: string;
}

/**
 * Props of `KedaTriggerAuthentication`.
 */
export interface KedaTriggerAuthenticationProps {
  /** Metadata (name, labels). */
  readonly metadata: ApiObjectMetadata;
  /** Scaler parameters filled from Secrets. */
  readonly secretTargetRef: KedaSecretTargetRef[];
}

/**
 * A KEDA `TriggerAuthentication` (`keda.sh/v1alpha1`) that fills scaler parameters from Secrets, so no secret
 * is written into a trigger's metadata.
 *
 * @see https://keda.sh/docs/latest/concepts/authentication/
 */
export class KedaTriggerAuthentication extends ApiObject {
  /** The API version. */
  public static readonly API_VERSION = 'keda.sh/v1alpha1';
  /** The kind. */
  public static readonly KIND = 'TriggerAuthentication';

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: KedaTriggerAuthenticationProps) {
    super(scope, id, {
      apiVersion: KedaTriggerAuthentication.API_VERSION,
      kind: KedaTriggerAuthentication.KIND,
      metadata: props.metadata,
      spec: { secretTargetRef: props.secretTargetRef.map((r) => ({ parameter: r.parameter, name: r.name, key: r.key })) },
    });
  }
}

function dropUndefined(o: { [key: string]: any }): { [key: string]: any } {
  const out: { [key: string]: any } = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
