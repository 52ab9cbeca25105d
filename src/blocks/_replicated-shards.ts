import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { applyPodOptions } from './_pod-options';
import { RestrictedWorkloads } from './_restricted-workload';
import { RecommendedLabels } from '../core/labels';
import { PodOptions } from '../core/pod-options';

// Internal: "N shards, each a replicated Deployment with its own Service and ring name", written once for
// ShardedCache (replicated shards), ShardedService and ScatterGather. Not exported from the package index.
//
// Construct ids and object order are public (they make the generated names and the YAML order), so the block
// reproduces each caller's tree exactly: per shard the Deployment, then what `addContainer` adds, then the
// PodDisruptionBudget (more than one replica), then the Service.

/**
 * The pod label whose value is a shard's index, on the pods and in the selector of every shard made with a
 * `shardLabel` (ShardedService, ScatterGather): the shards share one component, and this tells them apart.
 */
export const SHARD_INDEX_LABEL = 'cdk8s-distributed-patterns/shard';

/** Where the objects of shard `i` sit in the construct tree. */
export interface ShardIds {
  /** The scope of shard `i`'s Deployment, selector and Service. */
  scopeOf(owner: Construct, i: number): Construct;
  /** The id of the Deployment within that scope. */
  deploymentId(i: number): string;
  /** The id of the Service within that scope. */
  serviceId(i: number): string;
  /** The id of the Service's pod selector within that scope. */
  podsId(i: number): string;
  /** The scope of the PodDisruptionBudget (made after the pod is complete, so it follows the container in the tree). */
  availabilityScopeOf(scope: Construct, i: number): Construct;
}

/** Siblings in the owner: `Shard<i>`, `Shard<i>Service`, `Shard<i>Pods`, `Shard<i>Availability/PodDisruptionBudget`. */
export const FLAT_SHARD_IDS: ShardIds = {
  scopeOf: (owner) => owner,
  deploymentId: (i) => `Shard${i}`,
  serviceId: (i) => `Shard${i}Service`,
  podsId: (i) => `Shard${i}Pods`,
  availabilityScopeOf: (scope, i) => new Construct(scope, `Shard${i}Availability`),
};

/** One scope per shard: `shard-<i>/Deployment`, `shard-<i>/Service`, `shard-<i>/Pods`, `shard-<i>/PodDisruptionBudget`. */
export const NESTED_SHARD_IDS: ShardIds = {
  scopeOf: (owner, i) => new Construct(owner, `shard-${i}`),
  deploymentId: () => 'Deployment',
  serviceId: () => 'Service',
  podsId: () => 'Pods',
  availabilityScopeOf: (scope) => scope,
};

/** What `ReplicatedShards.add` makes. */
export interface ReplicatedShardsSpec {
  /** Shard `i` is named `<baseName>-shard-<i>` (Deployment, Service, and its ring name). */
  readonly baseName: string;
  /** Number of shards. */
  readonly shards: number;
  /** Pods per shard. */
  readonly replicas: number;
  /** `app.kubernetes.io/name` of the shard pods. */
  readonly appName: string;
  /** `app.kubernetes.io/instance`. */
  readonly instance: string;
  /** `app.kubernetes.io/component` (default: `shard-<i>`, which also tells the shards' selectors apart). */
  readonly component?: string;
  /** A label whose value is the shard index, on the pods and in their selector. */
  readonly shardLabel?: string;
  /** `app.kubernetes.io/part-of` of every object (none when unset). */
  readonly partOf?: string;
  /** `app.kubernetes.io/version` of every object (never on the selectors; none when unset). */
  readonly version?: string;
  /** The pods' uid and gid. */
  readonly uid: number;
  readonly gid: number;
  /** Pod options applied to every shard's pod template (checked by the caller). */
  readonly pod?: PodOptions;
  /** The Deployments' update strategy (cdk8s-plus' default when unset). */
  readonly strategy?: kplus.DeploymentStrategy;
  /** `automountServiceAccountToken` of the pods (cdk8s-plus' default when unset). */
  readonly automountServiceAccountToken?: boolean;
  /** The port each shard's Service publishes (and targets), and its name. */
  readonly port: number;
  readonly portName: string;
  /** A headless Service per shard (clients resolve every ready replica) instead of a ClusterIP. */
  readonly headless?: boolean;
  /** Where each shard's objects sit in the tree. */
  readonly ids: ShardIds;
  /** Adds shard `i`'s container (and anything it mounts) to its Deployment; `scope` is the shard's scope. */
  readonly addContainer: (deployment: kplus.Deployment, i: number, scope: Construct) => kplus.Container;
}

/** One shard made by `ReplicatedShards.add`. */
export interface ReplicatedShard {
  /** `<baseName>-shard-<i>`: the Deployment's and the Service's name, and the shard's name on a hash ring. */
  readonly name: string;
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
  readonly container: kplus.Container;
  /** The PodDisruptionBudget (more than one replica). */
  readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
}

/** Maker of replicated shards. */
export class ReplicatedShards {
  /** Adds `spec.shards` shards to `owner`, in shard order. */
  public static add(owner: Construct, spec: ReplicatedShardsSpec): ReplicatedShard[] {
    return Array.from({ length: spec.shards }, (_, i) => ReplicatedShards.shard(owner, spec, i));
  }

  private static shard(owner: Construct, spec: ReplicatedShardsSpec, i: number): ReplicatedShard {
    const scope = spec.ids.scopeOf(owner, i);
    const name = `${spec.baseName}-shard-${i}`;
    const labelOptions = { name: spec.appName, instance: spec.instance, component: spec.component ?? `shard-${i}` };
    const shardLabel = spec.shardLabel === undefined ? {} : { [spec.shardLabel]: String(i) };
    const selector = { ...RecommendedLabels.selector(labelOptions), ...shardLabel };
    const labels = { ...RecommendedLabels.of({ ...labelOptions, partOf: spec.partOf, version: spec.version }), ...shardLabel };
    const deployment = RestrictedWorkloads.deployment(scope, spec.ids.deploymentId(i), {
      name,
      labels,
      selector,
      replicas: spec.replicas,
      uid: spec.uid,
      gid: spec.gid,
      strategy: spec.strategy,
      automountServiceAccountToken: spec.automountServiceAccountToken,
    });
    const container = spec.addContainer(deployment, i, scope);
    if (spec.pod) applyPodOptions(deployment, spec.pod);
    const availabilityScope = spec.ids.availabilityScopeOf(scope, i);
    const podDisruptionBudget = RestrictedWorkloads.availability(availabilityScope, deployment, selector, labels, {
      replicas: spec.replicas,
      pod: spec.pod,
    });
    const service = new kplus.Service(scope, spec.ids.serviceId(i), {
      metadata: { name, labels },
      clusterIP: spec.headless ? 'None' : undefined,
      selector: kplus.Pods.select(scope, spec.ids.podsId(i), { labels: selector }),
      ports: [{ name: spec.portName, port: spec.port, targetPort: spec.port }],
    });
    return { name, deployment, service, container, podDisruptionBudget };
  }
}
