import { bindAmbassador } from './_ambassador';
import { BoundShardedCacheProxy, ShardedCacheProxyHost } from './_host';
import { bindSharedTier } from './_shared-tier';

/**
 * Where a `ShardedCache`'s twemproxy runs.
 */
export enum ShardedCacheProxyMode {
  /** In each client pod (`ShardedCacheProxy.ambassador()`). */
  AMBASSADOR = 'ambassador',
  /** A shared, replicated tier (`ShardedCacheProxy.sharedTier()`). */
  SHARED_TIER = 'sharedTier',
}

/**
 * Options for `ShardedCacheProxy.sharedTier`.
 */
export interface SharedTierOptions {
  /**
   * Replicas of the proxy tier.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Serve twemproxy's stats on the pod IP (port `stats`).
   *
   * @default false
   */
  readonly exposeStats?: boolean;
}

/**
 * How clients reach the shards: a twemproxy in every client pod, or one shared, replicated twemproxy tier.
 *
 * The trade-off (book ch. 6): an **ambassador** costs no extra network hop and has no shared point of failure, but
 * every client pod runs a proxy and holds connections to every shard (connections grow with clients × shards).
 * A **shared tier** (the book's `shard-router`) adds one hop, but keeps connections to the shards at
 * proxies × shards and lets clients in any language use one Service name.
 */
export class ShardedCacheProxy {
  /** twemproxy as an ambassador in each client workload, added with `ShardedCache.addClient`; clients use `127.0.0.1`. */
  public static ambassador(): ShardedCacheProxy {
    return new ShardedCacheProxy(ShardedCacheProxyMode.AMBASSADOR, 0, false, '127.0.0.1', (host) => bindAmbassador(host));
  }

  /** A replicated twemproxy Deployment behind a Service; clients use the Service. */
  public static sharedTier(options: SharedTierOptions = {}): ShardedCacheProxy {
    const replicas = options.replicas ?? 2;
    const exposeStats = options.exposeStats ?? false;
    return new ShardedCacheProxy(ShardedCacheProxyMode.SHARED_TIER, replicas, exposeStats, '0.0.0.0', (host) => bindSharedTier(host, replicas, exposeStats));
  }

  private constructor(
    /** Where the proxy runs. */
    public readonly mode: ShardedCacheProxyMode,
    /** Replicas of the shared tier (0 for the ambassador). */
    public readonly replicas: number,
    /** Whether stats are served on the pod IP. */
    public readonly exposeStats: boolean,
    private readonly listenAddress: string,
    private readonly binder: (host: ShardedCacheProxyHost) => BoundShardedCacheProxy) {}

  /** @internal The address twemproxy listens on: only the pod (ambassador) or the pod IP (shared tier). */
  public get _listenAddress(): string {
    return this.listenAddress;
  }

  /** @internal Makes what this proxy needs in `host` (after its twemproxy config exists). */
  public _bind(host: ShardedCacheProxyHost): BoundShardedCacheProxy {
    return this.binder(host);
  }
}
