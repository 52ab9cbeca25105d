import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { REDIS_PORT, redisShardContainer } from '../blocks/_redis-server';
import { addTwemproxySidecar, checkTwemproxyPoolProps, TWEMPROXY_CONFIG_FILE } from '../blocks/_twemproxy';
import { StatefulShards } from '../blocks/stateful-shards';
import { TwemproxyConfig, TwemproxyProtocol, TwemproxyServer } from '../config/twemproxy';
import { Availability } from '../core/availability';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { TwemproxyHash } from '../hashing/hash-functions';
import { ResizePlan, TwemproxyHashing, TwemproxyHashingOptions } from '../hashing/ketama';

/**
 * The cache daemon of the shards.
 */
export enum CacheEngine {
  /** memcached (the default): a pure cache, multi-threaded, LRU. */
  MEMCACHED = 'memcached',
  /** redis with `allkeys-lru` eviction and no persistence. */
  REDIS = 'redis',
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
    return new ShardedCacheProxy('ambassador', 0, false);
  }

  /** A replicated twemproxy Deployment behind a Service; clients use the Service. */
  public static sharedTier(options: SharedTierOptions = {}): ShardedCacheProxy {
    return new ShardedCacheProxy('sharedTier', options.replicas ?? 2, options.exposeStats ?? false);
  }

  private constructor(
    /** `ambassador` or `sharedTier`. */
    public readonly mode: string,
    /** Replicas of the shared tier (0 for the ambassador). */
    public readonly replicas: number,
    /** Whether stats are served on the pod IP. */
    public readonly exposeStats: boolean) {}
}

/**
 * Properties for `ShardedCache`.
 */
export interface ShardedCacheProps {
  /**
   * Base name of the objects (at most 46 characters): the shards are `<name>-shard-<i>`, the proxy tier
   * `<name>-proxy` behind the Service `<name>`.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * Number of cache shards.
   *
   * @default 3
   */
  readonly shards?: number;
  /**
   * The cache daemon.
   *
   * @default CacheEngine.MEMCACHED
   */
  readonly engine?: CacheEngine;
  /**
   * How clients reach the shards.
   *
   * @default ShardedCacheProxy.sharedTier()
   */
  readonly proxy?: ShardedCacheProxy;
  /**
   * Pods per shard. Above 1, each shard becomes a replicated service of its own (a Deployment and a Service per
   * shard, which twemproxy lists) to spread the load of hot keys. The replicas do **not** share data: each caches
   * independently, so a key may be cached up to this many times and a new replica starts cold.
   *
   * @default 1 (a StatefulSet, one pod per shard)
   */
  readonly replicasPerShard?: number;
  /**
   * Cache memory of each shard (`-m` for memcached, `maxmemory` for redis). The container limit is 1.25 × this
   * (memcached) or 1.5 × (redis).
   *
   * @default Size.mebibytes(256)
   */
  readonly memoryPerShard?: Size;
  /**
   * Maximum client connections per shard (memcached `-c`, redis `maxclients`).
   *
   * @default 1024
   */
  readonly maxConnections?: number;
  /**
   * Largest item (memcached `-I`; redis has no such limit and refuses the prop).
   *
   * @default Size.mebibytes(1)
   */
  readonly maxItemSize?: Size;
  /**
   * twemproxy's hash function.
   *
   * @default TwemproxyHash.FNV1A_64
   */
  readonly hash?: TwemproxyHash;
  /**
   * twemproxy's `hash_tag` (two characters).
   *
   * @default - none
   */
  readonly hashTag?: string;
  /**
   * How long twemproxy waits for a shard.
   *
   * @default Duration.millis(400)
   */
  readonly timeout?: Duration;
  /**
   * Eject a failing shard: its keys move to the other shards (as misses) until it is back. Right for a cache.
   *
   * @default true
   */
  readonly autoEjectHosts?: boolean;
  /**
   * How long an ejected shard stays out.
   *
   * @default Duration.seconds(30)
   */
  readonly serverRetryTimeout?: Duration;
  /**
   * Consecutive failures that eject a shard.
   *
   * @default 2
   */
  readonly serverFailureLimit?: number;
  /**
   * The port twemproxy listens on (127.0.0.1 for the ambassador, the Service port for the shared tier).
   *
   * @default 11211 for memcached, 6379 for redis
   */
  readonly port?: number;
  /**
   * twemproxy's stats port.
   *
   * @default 22222
   */
  readonly statsPort?: number;
  /**
   * Image overrides (`memcached`, `redis`, `twemproxy`).
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
}

const MEMCACHED_PORT = 11211;

/**
 * The book's sharded cache: memcached (or redis) shards placed by consistent hashing behind twemproxy, reached
 * through an ambassador in each client pod or a shared, replicated proxy tier.
 *
 * @see https://github.com/twitter/twemproxy
 */
export class ShardedCache extends Construct {
  /** The shards (one-pod-per-shard mode). */
  public readonly statefulShards?: StatefulShards;
  /** The shard Deployments (replicated-shard mode), in shard order. */
  public readonly shardDeployments: kplus.Deployment[] = [];
  /** The shard Services (replicated-shard mode), in shard order. */
  public readonly shardServices: kplus.Service[] = [];
  /** The twemproxy config. */
  public readonly config: kplus.ConfigMap;
  /** The rendered nutcracker.yml. */
  public readonly configText: string;
  /** The shared proxy tier's Service (the book's `shard-router`), in shared-tier mode. */
  public readonly service?: kplus.Service;
  /** The shared proxy tier's Deployment, in shared-tier mode. */
  public readonly proxyDeployment?: kplus.Deployment;
  /** Where clients connect: `<service>:<port>` (shared tier) or `127.0.0.1:<port>` (ambassador). */
  public readonly endpoint: string;
  /** The proxy port. */
  public readonly port: number;
  private readonly baseName: string;
  private readonly proxy: ShardedCacheProxy;
  private readonly twemproxyImage: string;
  private readonly statsPort: number;
  private readonly clients: kplus.AbstractPod[] = [];

  private readonly hashingOptions: TwemproxyHashingOptions;
  private ring?: TwemproxyHashing;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: ShardedCacheProps = {}) {
    super(scope, id);
    // The shards are `<name>-shard-<i>`: the StatefulSet name `<name>-shard` must fit a StatefulSet's limit.
    this.baseName = ResourceNames.baseName(this, props.name, ResourceNames.MAX_STATEFULSET - '-shard'.length);
    const shards = PropCheck.integer(this, 'shards', 1, 1024, 3, props.shards);
    const replicasPerShard = PropCheck.integer(this, 'replicasPerShard', 1, 100, 1, props.replicasPerShard);
    const engine = PropCheck.oneOf(this, 'engine', Object.values(CacheEngine), CacheEngine.MEMCACHED, props.engine) as CacheEngine;
    if (props.proxy !== undefined && !(props.proxy instanceof ShardedCacheProxy)) {
      throw propError(this, 'proxy', 'ShardedCacheProxy.ambassador() or ShardedCacheProxy.sharedTier()', props.proxy);
    }
    this.proxy = props.proxy ?? ShardedCacheProxy.sharedTier();
    if (this.proxy.mode === 'sharedTier') PropCheck.integer(this, 'proxy.replicas', 1, 100, 2, this.proxy.replicas);
    const memoryMi = (props.memoryPerShard ?? Size.mebibytes(256)).toMebibytes();
    if (!Number.isInteger(memoryMi) || memoryMi < 16) throw propError(this, 'memoryPerShard', 'a whole number of MiB, at least 16', `${memoryMi}Mi`);
    const maxConnections = PropCheck.integer(this, 'maxConnections', 16, 1_000_000, 1024, props.maxConnections);
    if (engine === CacheEngine.REDIS && props.maxItemSize !== undefined) throw propError(this, 'maxItemSize', 'unset for engine redis (redis has no item size limit)', `${props.maxItemSize.toKibibytes()}Ki`);
    const itemKi = (props.maxItemSize ?? Size.mebibytes(1)).toKibibytes();
    if (!Number.isInteger(itemKi) || itemKi < 1 || itemKi > 1024 * 1024) throw propError(this, 'maxItemSize', 'a whole number of KiB from 1Ki to 1Gi', `${itemKi}Ki`);
    if (itemKi > memoryMi * 1024) throw propError(this, 'maxItemSize', `at most 'memoryPerShard' (${memoryMi}Mi)`, `${itemKi}Ki`);
    const shardPort = engine === CacheEngine.MEMCACHED ? MEMCACHED_PORT : REDIS_PORT;
    this.port = PropCheck.integer(this, 'port', 1, 65535, shardPort, props.port);
    this.statsPort = checkTwemproxyPoolProps(this, props, 'port', this.port);
    this.twemproxyImage = ContainerImages.resolve(this, ImageKey.TWEMPROXY, props.images);

    // ---- the shards ----
    const key = engine === CacheEngine.MEMCACHED ? ImageKey.MEMCACHED : ImageKey.REDIS;
    const image = ContainerImages.resolve(this, key, props.images);
    const user = ContainerImages.user(key);
    const container = engine === CacheEngine.MEMCACHED
      ? memcachedContainer(image, memoryMi, maxConnections, itemKi)
      : redisShardContainer({ image, maxMemoryMi: memoryMi, evictionPolicy: 'allkeys-lru', persistent: false, extraArgs: ['--maxclients', `${maxConnections}`] });
    const servers: TwemproxyServer[] = [];
    if (replicasPerShard === 1) {
      this.statefulShards = new StatefulShards(this, 'Shards', {
        name: `${this.baseName}-shard`,
        shards,
        appName: engine,
        instance: this.baseName,
        uid: user.uid,
        gid: user.gid,
        port: shardPort,
        portName: engine,
        container,
        dataDir: engine === CacheEngine.REDIS ? '/data' : undefined,
      });
      for (let i = 0; i < shards; i++) servers.push({ host: this.statefulShards.hostOf(i), port: shardPort, name: this.statefulShards.podNameOf(i) });
    } else {
      for (let i = 0; i < shards; i++) {
        const { deployment, service } = this.replicatedShard(i, replicasPerShard, engine, container, user.uid, user.gid, shardPort);
        this.shardDeployments.push(deployment);
        this.shardServices.push(service);
        // Same ring names as the one-pod-per-shard mode: switching modes moves no key.
        servers.push({ host: service.name, port: shardPort, name: `${this.baseName}-shard-${i}` });
      }
    }

    // ---- the twemproxy config ----
    const shared = this.proxy.mode === 'sharedTier';
    this.configText = TwemproxyConfig.render({
      pool: engine === CacheEngine.MEMCACHED ? 'memcached' : 'redis',
      listen: `${shared ? '0.0.0.0' : '127.0.0.1'}:${this.port}`,
      protocol: engine === CacheEngine.MEMCACHED ? TwemproxyProtocol.MEMCACHED : TwemproxyProtocol.REDIS,
      servers,
      hash: props.hash,
      hashTag: props.hashTag,
      autoEjectHosts: props.autoEjectHosts ?? true,
      timeout: props.timeout,
      serverRetryTimeout: props.serverRetryTimeout ?? Duration.seconds(30),
      serverFailureLimit: props.serverFailureLimit ?? 2,
      // Replicated shards sit behind a Service: more connections spread over more of its pods.
      serverConnections: replicasPerShard,
    });
    this.config = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${this.baseName}-twemproxy`, labels: RecommendedLabels.of({ name: 'twemproxy', instance: this.baseName, component: 'proxy' }) },
      data: { [TWEMPROXY_CONFIG_FILE]: this.configText },
    });
    this.hashingOptions = { servers: servers.map((s) => ({ name: s.name })), hash: props.hash, hashTag: props.hashTag };

    // ---- the proxy ----
    if (shared) {
      const { deployment, service } = this.sharedTier(engine);
      this.proxyDeployment = deployment;
      this.service = service;
      this.endpoint = `${service.name}:${this.port}`;
    } else {
      this.endpoint = `127.0.0.1:${this.port}`;
      this.node.addValidation({
        validate: () => (this.clients.length === 0
          ? [`${PropCheck.where(this)}: the ambassador proxy has no clients: call addClient(workload), or use ShardedCacheProxy.sharedTier()`]
          : []),
      });
    }
  }

  /**
   * Adds the twemproxy ambassador to a client workload (ambassador mode only); the client then uses
   * `127.0.0.1:<port>`. Returns the ambassador container.
   */
  public addClient(workload: kplus.AbstractPod): kplus.Container {
    if (this.proxy.mode !== 'ambassador') throw new Error(`${PropCheck.where(this)}: addClient needs ShardedCacheProxy.ambassador(); with the shared tier clients use '${this.endpoint}'`);
    if (this.clients.includes(workload)) throw new Error(`${PropCheck.where(this)}: '${workload.node.path}' is already a client`);
    const c = addTwemproxySidecar({
      owner: this,
      baseName: this.baseName,
      workload,
      containerName: 'twemproxy',
      image: this.twemproxyImage,
      config: this.config,
      listenPort: this.port,
      listenPortProp: 'port',
      statsPort: this.statsPort,
      exposeStats: false,
      id: `Client${this.clients.length}`,
    });
    this.clients.push(workload);
    return c;
  }

  /**
   * The ring model of this pool: where twemproxy puts each key, each shard's share of the keyspace. Built on first
   * use (building the ring costs about a millisecond per pool, which synthesis alone does not need).
   */
  public get hashing(): TwemproxyHashing {
    this.ring = this.ring ?? new TwemproxyHashing(this.hashingOptions);
    return this.ring;
  }

  /**
   * What resizing to `newShards` does: the fraction of keys that move to another shard, which for a cache is the
   * expected miss ratio right after the resize (and the floor `1 − N/M` no scheme can beat).
   */
  public planResize(newShards: number): ResizePlan {
    const n = PropCheck.integer(this, 'newShards', 1, 1024, this.hashing.servers.length, newShards);
    const to = new TwemproxyHashing({
      servers: Array.from({ length: n }, (_, i) => ({ name: `${this.baseName}-shard-${i}` })),
      hash: this.hashing.hash,
      hashTag: this.hashing.hashTag,
    });
    return TwemproxyHashing.planResize(this.hashing, to);
  }

  private replicatedShard(i: number, replicas: number, engine: string, container: kplus.ContainerProps, uid: number, gid: number, port: number) {
    const name = `${this.baseName}-shard-${i}`;
    const labelOptions = { name: engine, instance: this.baseName, component: `shard-${i}` };
    const selector = RecommendedLabels.selector(labelOptions);
    const labels = RecommendedLabels.of(labelOptions);
    const deployment = new kplus.Deployment(this, `Shard${i}`, {
      metadata: { name, labels },
      replicas,
      select: false,
      securityContext: RestrictedSecurity.podSecurityContext(uid, gid),
    });
    RecommendedLabels.applyTo(deployment, labels, selector);
    const c = RestrictedSecurity.addContainer(deployment, container, { uid, gid });
    if (engine === CacheEngine.REDIS) c.mount('/data', kplus.Volume.fromEmptyDir(this, `Shard${i}Data`, 'data'));
    RestrictedSecurity.applySeccomp(deployment);
    Availability.apply(new Construct(this, `Shard${i}Availability`), deployment, { replicas, selector, name, labels });
    const service = new kplus.Service(this, `Shard${i}Service`, {
      metadata: { name, labels },
      selector: kplus.Pods.select(this, `Shard${i}Pods`, { labels: selector }),
      ports: [{ name: engine, port, targetPort: port }],
    });
    return { deployment, service };
  }

  private sharedTier(engine: string) {
    const name = `${this.baseName}-proxy`;
    const labelOptions = { name: 'twemproxy', instance: this.baseName, component: 'proxy' };
    const selector = RecommendedLabels.selector(labelOptions);
    const labels = RecommendedLabels.of(labelOptions);
    const user = ContainerImages.user(ImageKey.TWEMPROXY);
    const deployment = new kplus.Deployment(this, 'Proxy', {
      metadata: { name, labels },
      replicas: this.proxy.replicas,
      select: false,
      securityContext: RestrictedSecurity.podSecurityContext(user.uid, user.gid),
      strategy: Availability.surgeOnly(),
    });
    RecommendedLabels.applyTo(deployment, labels, selector);
    addTwemproxySidecar({
      owner: this,
      baseName: this.baseName,
      workload: deployment,
      containerName: 'twemproxy',
      image: this.twemproxyImage,
      config: this.config,
      listenPort: this.port,
      listenPortProp: 'port',
      statsPort: this.statsPort,
      exposeStats: this.proxy.exposeStats,
      exposeListen: engine,
      id: 'Proxy',
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
      },
    });
    RestrictedSecurity.applySeccomp(deployment);
    Availability.apply(this, deployment, { replicas: this.proxy.replicas, selector, name, labels });
    // The book's `shard-router`: the name clients use is the cache's base name.
    const service = new kplus.Service(this, 'Service', {
      metadata: { name: this.baseName, labels },
      selector: kplus.Pods.select(this, 'ProxyPods', { labels: selector }),
      ports: [{ name: engine, port: this.port, targetPort: this.port }],
    });
    return { deployment, service };
  }
}

function memcachedContainer(image: string, memoryMi: number, maxConnections: number, itemKi: number): kplus.ContainerProps {
  const memory = Size.mebibytes(Math.ceil(memoryMi * 1.25) + 16);
  return {
    name: 'memcached',
    image,
    command: ['memcached'],
    args: ['--port', `${MEMCACHED_PORT}`, '--udp-port', '0', '--memory-limit', `${memoryMi}`, '--conn-limit', `${maxConnections}`, '--max-item-size', `${itemKi}k`],
    ports: [{ number: MEMCACHED_PORT, name: 'memcached' }],
    readiness: kplus.Probe.fromTcpSocket({ port: MEMCACHED_PORT, periodSeconds: Duration.seconds(5) }),
    liveness: kplus.Probe.fromTcpSocket({ port: MEMCACHED_PORT, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
    startup: kplus.Probe.fromTcpSocket({ port: MEMCACHED_PORT, periodSeconds: Duration.seconds(2), failureThreshold: 30 }),
    resources: {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
      memory: { request: memory, limit: memory },
    },
  };
}
