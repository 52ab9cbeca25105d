import { Cron, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Availability } from '../core/availability';
import { RecommendedLabels } from '../core/labels';
import { PodOptions } from '../core/pod-options';
import { RestrictedSecurity } from '../core/security';

// Internal: the one way the library makes a workload — a named, labelled object whose pods are selected by exactly
// the selector labels (never cdk8s-plus' own), run as a non-root uid/gid with seccomp RuntimeDefault, and (for
// replicated workloads) covered by a PodDisruptionBudget and spread over nodes. Every pattern's Deployments, Jobs
// and CronJobs are made here, so a rule about pods (pod options, a new line's fields) lands in one place.

/** What every restricted workload has. */
export interface RestrictedWorkloadSpec {
  /** The object name. */
  readonly name: string;
  /** Labels of the object and of its pods. */
  readonly labels: { [key: string]: string };
  /**
   * The uid the pod runs as; with `gid`, the pod security context (`runAsNonRoot`, `runAsUser`, `runAsGroup`,
   * `fsGroup`). Leave both unset for an image whose own USER is non-root and unknown to us (the pod then only
   * says `runAsNonRoot: true`).
   */
  readonly uid?: number;
  /** The gid (default: the uid). */
  readonly gid?: number;
  /** `automountServiceAccountToken` (cdk8s-plus' default when unset). */
  readonly automountServiceAccountToken?: boolean;
  /** Object annotations. */
  readonly annotations?: { [key: string]: string };
}

/** A restricted Deployment. */
export interface RestrictedDeploymentSpec extends RestrictedWorkloadSpec {
  /** The labels that select the pods (the Deployment selects by exactly these). */
  readonly selector: { [key: string]: string };
  /** Replicas; unset when an autoscaler owns the count. */
  readonly replicas?: number;
  /** The update strategy (cdk8s-plus' default rolling update when unset). */
  readonly strategy?: kplus.DeploymentStrategy;
  /** The pods' termination grace period (cdk8s-plus' default when unset). */
  readonly terminationGracePeriod?: Duration;
  /** The workload is scaled by an autoscaler: cdk8s-plus leaves `replicas` out. */
  readonly autoscaled?: boolean;
}

/** A restricted Job. */
export interface RestrictedJobSpec extends RestrictedWorkloadSpec {
  /** `backoffLimit`. */
  readonly backoffLimit?: number;
  /** `ttlSecondsAfterFinished` (none when unset). */
  readonly ttlAfterFinished?: Duration;
  /** `activeDeadlineSeconds` (none when unset). */
  readonly activeDeadline?: Duration;
}

/** A restricted CronJob. */
export interface RestrictedCronJobSpec extends RestrictedJobSpec {
  readonly schedule: Cron;
  readonly concurrencyPolicy?: kplus.ConcurrencyPolicy;
  readonly startingDeadline?: Duration;
  readonly successfulJobsRetained?: number;
  readonly failedJobsRetained?: number;
}

/** Options for `RestrictedWorkloads.availability`. */
export interface WorkloadAvailabilityOptions {
  /** The replicas the PDB and spread are sized for (the autoscaler's maximum when autoscaled). */
  readonly replicas: number;
  /** The PDB's `minAvailable` (default: `maxUnavailable: 1`). */
  readonly minAvailable?: number;
  /** The PDB's name (default: the workload's). */
  readonly name?: string;
  /**
   * The pod options of the workload: when they set `topologySpreadConstraints`, those replace the library's spread
   * over hostnames (the PDB stays).
   */
  readonly pod?: PodOptions;
}

/** Makers of restricted workloads. */
export class RestrictedWorkloads {
  /**
   * A Deployment with `select: false` + our selector, labels on the object and its pods, the restricted pod
   * security context and seccomp. Add containers with `RestrictedSecurity.addContainer`; call `availability` once
   * the pod is complete.
   */
  public static deployment(scope: Construct, id: string, spec: RestrictedDeploymentSpec): kplus.Deployment {
    const d = new kplus.Deployment(scope, id, {
      metadata: { name: spec.name, labels: spec.labels, annotations: spec.annotations },
      replicas: spec.replicas,
      select: false,
      strategy: spec.strategy,
      securityContext: podSecurity(spec),
      terminationGracePeriod: spec.terminationGracePeriod,
      automountServiceAccountToken: spec.automountServiceAccountToken,
    });
    if (spec.autoscaled) d.markHasAutoscaler();
    RecommendedLabels.applyTo(d, spec.labels, spec.selector);
    RestrictedSecurity.applySeccomp(d);
    return d;
  }

  /** A Job with the labels on the object and its pods, the restricted pod security context and seccomp. */
  public static job(scope: Construct, id: string, spec: RestrictedJobSpec): kplus.Job {
    const job = new kplus.Job(scope, id, {
      metadata: { name: spec.name, labels: spec.labels, annotations: spec.annotations },
      backoffLimit: spec.backoffLimit,
      ttlAfterFinished: spec.ttlAfterFinished,
      activeDeadline: spec.activeDeadline,
      securityContext: podSecurity(spec),
      automountServiceAccountToken: spec.automountServiceAccountToken,
    });
    RecommendedLabels.applyTo(job, spec.labels);
    RestrictedSecurity.applySeccomp(job);
    return job;
  }

  /** A CronJob with the labels on the object and its pods, the restricted pod security context and seccomp. */
  public static cronJob(scope: Construct, id: string, spec: RestrictedCronJobSpec): kplus.CronJob {
    const cron = new kplus.CronJob(scope, id, {
      metadata: { name: spec.name, labels: spec.labels, annotations: spec.annotations },
      schedule: spec.schedule,
      concurrencyPolicy: spec.concurrencyPolicy,
      startingDeadline: spec.startingDeadline,
      successfulJobsRetained: spec.successfulJobsRetained,
      failedJobsRetained: spec.failedJobsRetained,
      backoffLimit: spec.backoffLimit,
      activeDeadline: spec.activeDeadline,
      ttlAfterFinished: spec.ttlAfterFinished,
      securityContext: podSecurity(spec),
      automountServiceAccountToken: spec.automountServiceAccountToken,
    });
    RecommendedLabels.applyTo(cron, spec.labels);
    RestrictedSecurity.applySeccomp(cron);
    return cron;
  }

  /**
   * The availability rule for a finished Deployment (`scope` gets the PDB as child `PodDisruptionBudget`): more
   * than one replica ⇒ a PodDisruptionBudget and a spread over nodes. With `minAvailable` the PDB holds that many
   * up instead of allowing one down.
   */
  public static availability(scope: Construct, workload: kplus.Deployment, selector: { [key: string]: string },
    labels: { [key: string]: string }, options: WorkloadAvailabilityOptions): kplus.k8s.KubePodDisruptionBudget | undefined {
    const name = options.name ?? workload.name;
    const spread = options.pod?.topologySpreadConstraints === undefined;
    if (options.minAvailable === undefined) {
      return Availability.apply(scope, workload, { replicas: options.replicas, selector, name, labels, spread });
    }
    if (spread) Availability.spreadOverHostnames(workload, selector);
    return Availability.podDisruptionBudget(scope, Availability.PDB_ID, { name, selector, labels, minAvailable: options.minAvailable });
  }
}

function podSecurity(spec: RestrictedWorkloadSpec): kplus.PodSecurityContextProps {
  if (spec.uid === undefined) return { ensureNonRoot: true };
  return RestrictedSecurity.podSecurityContext(spec.uid, spec.gid ?? spec.uid);
}
