import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { TrafficGraph, TrafficGroup } from '../../blocks/_traffic';
import { PropCheck } from '../../core/errors';
import { RecommendedLabels, RecommendedLabelsOptions } from '../../core/labels';
import { NetworkPeer } from '../../core/network';

// Internal: the sharded cache's traffic graph. The shards accept only twemproxy — the shared tier's pods, or (in
// ambassador mode) the client pods wired with `addClient`, whose twemproxy runs inside them — on the engine's port
// and send nothing. The shared tier accepts the clients on its port (and the monitoring peer on the stats port,
// when stats are exposed) and reaches the shards and the cluster DNS (twemproxy resolves the shards' names).

/** What the graph is drawn from. */
export interface CacheTraffic {
  readonly baseName: string;
  /** The shards' labels (the engine's name, the instance, component `shard`, part-of, version). */
  readonly shardLabels: RecommendedLabelsOptions;
  readonly shards: number;
  readonly shardPort: number;
  /** The shared tier (none in ambassador mode). */
  readonly sharedTier?: {
    readonly labels: RecommendedLabelsOptions;
    readonly replicas: number;
    readonly port: number;
    /** The stats port, when it is served on the pod IP. */
    readonly statsPort?: number;
  };
}

/** The cache's graph, and the way client pods of the ambassador join it. */
export class CacheTrafficGraph {
  private readonly shards: TrafficGroup;

  constructor(private readonly graph: TrafficGraph, private readonly scope: Construct, private readonly t: CacheTraffic,
    clients: NetworkPeer[] | undefined) {
    this.shards = graph.group(scope, 'ShardsNetworkPolicy', {
      name: `${t.baseName}-shards`, selector: RecommendedLabels.selector(t.shardLabels), title: `shards ×${t.shards} (${t.shardLabels.name})`, ownCodeOnly: true,
    }, RecommendedLabels.of(t.shardLabels));
    const shardPorts = [{ port: t.shardPort }];
    const tier = t.sharedTier;
    if (tier === undefined) {
      // Ambassador mode: the clients are the pods wired with addClient; `clients` may reach the shards too (pods that
      // run their own twemproxy with this pool's config).
      for (const c of clients ?? []) graph.allowFrom(c, this.shards, shardPorts, 'networkPolicy.clients (their own twemproxy)');
      return;
    }
    const proxy = graph.group(scope, 'ProxyNetworkPolicy', {
      name: `${t.baseName}-proxy`, selector: RecommendedLabels.selector(tier.labels), title: `proxy tier (twemproxy) ×${tier.replicas}`, ownCodeOnly: true,
    }, RecommendedLabels.of(tier.labels));
    graph.allow(proxy, this.shards, shardPorts, 'twemproxy: the shards');
    graph.resolvesNames(proxy);
    graph.frontDoor(proxy, [{ port: tier.port }], 'clients of the Service');
    if (tier.statsPort !== undefined) graph.metrics(proxy, [{ port: tier.statsPort }], "twemproxy's stats");
  }

  /** Ambassador mode: the pods of `workload` (their twemproxy) reach the shards. */
  public addClient(workload: kplus.AbstractPod): void {
    this.graph.allowFrom(NetworkPeer.pods(this.podLabelsOf(workload)), this.shards, [{ port: this.t.shardPort }], `addClient: ${workload.node.path}`);
  }

  /**
   * Labels that select the pods of `workload`: its selector, else (a Job has none) its pod template's labels.
   */
  private podLabelsOf(workload: kplus.AbstractPod): { [key: string]: string } {
    const selector = workload instanceof kplus.Workload ? { ...workload.matchLabels } : {};
    if (Object.keys(selector).length > 0) return selector;
    const template: { [key: string]: string } = { ...workload.podMetadata.toJson().labels };
    if (Object.keys(template).length > 0) return template;
    throw new Error(`${PropCheck.where(this.scope)}: addClient() needs a workload whose pods a NetworkPolicy can select (the shards accept only them): '${workload.node.path}' has no selector and no pod labels (add one with podMetadata.addLabel())`);
  }
}
