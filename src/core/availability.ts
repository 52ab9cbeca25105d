import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { RestrictedSecurity } from './security';

/**
 * Options for `Availability.podDisruptionBudget`.
 */
export interface PodDisruptionBudgetOptions {
  /** The object name. */
  readonly name: string;
  /** The labels that select the pods. */
  readonly selector: { [key: string]: string };
  /** Labels of the PodDisruptionBudget itself. */
  readonly labels?: { [key: string]: string };
  /**
   * How many pods may be down at once through voluntary disruptions (drains).
   * Ignored when `minAvailable` is set.
   *
   * @default 1
   */
  readonly maxUnavailable?: number;
  /**
   * How many pods must stay up through voluntary disruptions.
   *
   * @default - use `maxUnavailable`
   */
  readonly minAvailable?: number;
}

/**
 * Options for `Availability.apply`.
 */
export interface AvailabilityOptions {
  /** The number of replicas of the workload. */
  readonly replicas: number;
  /** The labels that select the workload's pods (also its PDB's selector and the spread's label selector). */
  readonly selector: { [key: string]: string };
  /** The name of the PodDisruptionBudget (if one is made). */
  readonly name: string;
  /** Labels of the PodDisruptionBudget. */
  readonly labels?: { [key: string]: string };
  /**
   * Pods that may be down at once through drains.
   *
   * @default 1
   */
  readonly maxUnavailable?: number;
  /**
   * Spread the pods over hostnames. Off when the workload has its own `topologySpreadConstraints` (pod options).
   *
   * @default true
   */
  readonly spread?: boolean;
}

/**
 * Availability defaults: more than one replica ⇒ a PodDisruptionBudget and a topology spread over hostnames.
 *
 * cdk8s-plus-27 has neither a PodDisruptionBudget nor `topologySpreadConstraints`: the PDB is the L1
 * `kplus.k8s.KubePodDisruptionBudget` (policy/v1) and the spread a JSON patch on the workload.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 */
export class Availability {
  /** The id of the PodDisruptionBudget child `apply` adds to a scope. */
  public static readonly PDB_ID = 'PodDisruptionBudget';

  /**
   * A policy/v1 PodDisruptionBudget with `unhealthyPodEvictionPolicy: AlwaysAllow` (beta and on by default in
   * 1.27): pods that are not ready can always be evicted, so a broken pod never blocks a node drain.
   */
  public static podDisruptionBudget(scope: Construct, id: string, options: PodDisruptionBudgetOptions): kplus.k8s.KubePodDisruptionBudget {
    const selector = { matchLabels: sortedCopy(options.selector) };
    // AlwaysAllow: a pod that is not ready (crash-looping, stuck) can always be evicted, so it never blocks a drain.
    const unhealthyPodEvictionPolicy = 'AlwaysAllow';
    const spec: kplus.k8s.PodDisruptionBudgetSpec = options.minAvailable !== undefined
      ? { selector, unhealthyPodEvictionPolicy, minAvailable: kplus.k8s.IntOrString.fromNumber(options.minAvailable) }
      : { selector, unhealthyPodEvictionPolicy, maxUnavailable: kplus.k8s.IntOrString.fromNumber(options.maxUnavailable ?? 1) };
    return new kplus.k8s.KubePodDisruptionBudget(scope, id, {
      metadata: { name: options.name, labels: options.labels },
      spec,
    });
  }

  /**
   * A rolling update that adds pods before it removes any (`maxUnavailable: 0`): an update never takes the
   * workload below its desired replica count.
   *
   * @param maxSurge pods added at once (default 1)
   */
  public static surgeOnly(maxSurge?: number): kplus.DeploymentStrategy {
    return kplus.DeploymentStrategy.rollingUpdate({
      maxSurge: kplus.PercentOrAbsolute.absolute(maxSurge ?? 1),
      maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
    });
  }

  /**
   * Adds a `topologySpreadConstraints` entry spreading the workload's pods over nodes (`kubernetes.io/hostname`,
   * max skew 1). `ScheduleAnyway`: a cluster with fewer nodes than replicas still runs every replica.
   */
  public static spreadOverHostnames(workload: IConstruct, selector: { [key: string]: string }): void {
    const obj = ApiObject.of(workload);
    obj.addJsonPatch(JsonPatch.add(`${RestrictedSecurity.podSpecPointer(obj.kind)}/topologySpreadConstraints`, [{
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: sortedCopy(selector) },
    }]));
  }

  /**
   * The rule: when `replicas > 1`, add a PodDisruptionBudget (as a child of `scope` with id `PDB_ID`) and spread the
   * workload over hostnames. Returns the PDB, or undefined for a single replica (a PDB on one pod would block
   * every drain).
   */
  public static apply(scope: Construct, workload: IConstruct, options: AvailabilityOptions): kplus.k8s.KubePodDisruptionBudget | undefined {
    if (options.replicas <= 1) return undefined;
    if (options.spread ?? true) Availability.spreadOverHostnames(workload, options.selector);
    return Availability.podDisruptionBudget(scope, Availability.PDB_ID, {
      name: options.name,
      selector: options.selector,
      labels: options.labels,
      maxUnavailable: options.maxUnavailable ?? 1,
    });
  }
}

function sortedCopy(m: { [key: string]: string }): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k];
  return out;
}
