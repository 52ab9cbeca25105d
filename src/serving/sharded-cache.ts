import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkPodOptions } from '../blocks/_pod-options';
import { checkRedisAuth, wireRedisServerAuth } from '../blocks/_redis-auth';
import { REDIS_PORT, redisEngineSpec, redisShardContainer, RedisShardContainerOptions } from '../blocks/_redis-server';
import { FLAT_SHARD_IDS, ReplicatedShards } from '../blocks/_replicated-shards';
import { TrafficGraph } from '../blocks/_traffic';
import { addTwemproxySidecar, checkTwemproxyPoolProps, checkTwemproxyPort, twemproxyConfigMap } from '../blocks/_twemproxy';
import { RedisAuth } from '../blocks/redis-auth';
import { RedisEngine } from '../blocks/redis-engine';
import { StatefulShards } from '../blocks/stateful-shards';
import { TwemproxyConfig, TwemproxyProtocol, TwemproxyServer } from '../config/twemproxy';
import { assertNotSynthesized } from '../core/_app-checks';
import { dataSizeLimit, resourcesOr } from '../core/_resources';
import { checkImageOverrides, checkResources } from '../core/_rules';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPolicyOptions } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { TwemproxyHash } from '../hashing/hash-functions';
import { ResizePlan, TwemproxyHashing, TwemproxyHashingOptions } from '../hashing/ketama';
import { BoundShardedCacheProxy } from './sharded-cache/_host';
import { CacheTrafficGraph } from './sharded-cache/_network';
import { AddClientOptions } from './sharded-cache/options';
import { ShardedCacheProxy } from './sharded-cache/proxy';

/**
 * The cache daemon of the shards.
 */
export enum CacheEngine {
  /** memcached (the default): a pure cache, multi-threaded, LRU. */
  MEMCACHED = 'memcached',
  /** redis with `allkeys-lru` eviction and no persistence. */
  REDIS = 'redis',
  /**
   * Valkey (the BSD-licensed, wire-compatible fork of redis), configured exactly as `REDIS`: `valkey-server` and
   * `valkey-cli` from the official `valkey/valkey` image, the same hashing, auth and probes.
   */
  VALKEY = 'valkey',
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
   * Cache memory of each shard (`-m` for memcached, `maxmemory` for redis and valkey). The container's memory
   * (request and limit) is 1.25 × this + 16Mi (memcached) or 1.5 × (redis, valkey) unless `shardResources` says
   * otherwise.
   *
   * @default Size.mebibytes(256)
   */
  readonly memoryPerShard?: Size;
  /**
   * Maximum client connections per shard (memcached `-c`, redis and valkey `maxclients`).
   *
   * @default 1024
   */
  readonly maxConnections?: number;
  /**
   * Largest item (memcached `-I`; redis and valkey have no such limit and refuse the prop).
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
   * How long an ejected shard stays out; every this long it is tried again (only with `autoEjectHosts`; refused
   * when it is false).
   *
   * @default Duration.seconds(30)
   */
  readonly serverRetryTimeout?: Duration;
  /**
   * Consecutive failures that eject a shard (only with `autoEjectHosts`; refused when it is false).
   *
   * @default 2
   */
  readonly serverFailureLimit?: number;
  /**
   * The port twemproxy listens on (127.0.0.1 for the ambassador, the Service port for the shared tier), 1024 or
   * above: twemproxy runs as a non-root user without capabilities.
   *
   * @default 11211 for memcached, 6379 for redis and valkey
   */
  readonly port?: number;
  /**
   * twemproxy's stats port (1024 or above).
   *
   * @default 22222
   */
  readonly statsPort?: number;
  /**
   * Image overrides: the engine's (`memcached`, `redis` or `valkey`) and `twemproxy`.
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
  /**
   * How the shards authenticate clients (engines redis and valkey; memcached has no AUTH). With a password (the
   * default), each shard reads it as `requirepass` from a config include its init container writes from the Secret
   * file (never in argv, env or a ConfigMap); twemproxy gets it as `redis_auth`, written at pod start by an init
   * container into a memory-backed emptyDir (the ConfigMap holds only a placeholder). Clients then `AUTH` to the
   * proxy with the same password. `RedisAuth.none()` opts out (annotated `distributed-patterns.dev/redis-auth:
   * none` on the shards).
   *
   * @default - engines redis and valkey: RedisAuth.fromSecret of the Secret `<name>-redis-auth`, key `password`
   *   (create it before the pods start; the library never writes a password into its output); memcached: none
   */
  readonly auth?: RedisAuth;
  /**
   * Resources of each shard's container.
   *
   * @default - CPU 100m request, 1 limit; memory 1.25 × `memoryPerShard` + 16Mi (memcached) or 1.5 × (redis,
   * valkey), as request and limit
   */
  readonly shardResources?: kplus.ContainerResources;
  /**
   * Resources of each twemproxy container.
   *
   * @default - shared tier: CPU 100m–1, memory 64Mi–256Mi; ambassador (in each client pod): CPU 50m–500m, memory
   * 32Mi–128Mi
   */
  readonly proxyResources?: kplus.ContainerResources;
  /**
   * Resources of each init container that writes the password: the shards' config include and twemproxy's config
   * (only with a password).
   *
   * @default - CPU 10m–100m, memory 8Mi–32Mi; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly authInitResources?: kplus.ContainerResources;
  /**
   * Pod options of every pod the cache makes: the shards and the shared proxy tier (not your client pods).
   *
   * @default - none
   */
  readonly pod?: PodOptions;
  /**
   * `app.kubernetes.io/part-of` of every object.
   *
   * @default - the app-wide `RecommendedLabels.PART_OF_CONTEXT_KEY`, else the base name
   */
  readonly partOf?: string;
  /**
   * The NetworkPolicies: one per pod group (the shards, the shared proxy tier), each a default deny for ingress and
   * egress plus exactly the cache's own traffic — the shards accept only twemproxy on the engine's port and send
   * nothing; the shared tier accepts `clients` on `port` (and `monitoring` on `statsPort` with
   * `exposeStats`) and reaches the shards and the cluster DNS. In ambassador mode the shards accept the pods of
   * every workload wired with `addClient` (whose twemproxy runs inside them) and `clients` (none by default); the
   * client pods themselves are yours and get no policy. `extraEgress` widens nothing here (every pod runs the
   * library's daemons); `extraIngress` widens every policy.
   *
   * @default - on; clients of the shared tier from the same namespace
   */
  readonly networkPolicy?: NetworkPolicyOptions;
}

const MEMCACHED_PORT = 11211;
/** 1 TiB: the largest cache memory per shard. */
const MAX_MEMORY_MIB = 1_048_576;
/** The label that tells replicated shards apart (their component is `shard` for all). */
const SHARD_LABEL = 'cdk8s-distributed-patterns/shard';

/**
 * The book's sharded cache: memcached (or redis, or valkey) shards placed by consistent hashing behind twemproxy,
 * reached through an ambassador in each client pod or a shared, replicated proxy tier.
 *
 * @see https://github.com/twitter/twemproxy
 */
export class ShardedCache extends Construct {
  /** The shards (one-pod-per-shard mode). */
  public readonly statefulShards?: StatefulShards;
  /** How the redis or valkey shards authenticate clients (unset for memcached). */
  public readonly auth?: RedisAuth;
  /** The shard Deployments (replicated-shard mode), in shard order. */
  public readonly shardDeployments: kplus.Deployment[] = [];
  /** The shard Services (replicated-shard mode), in shard order. */
  public readonly shardServices: kplus.Service[] = [];
  /** The twemproxy config. */
  public readonly config: kplus.ConfigMap;
  /** The rendered nutcracker.yml (with a placeholder for the password when one is set). */
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
  private readonly proxy: BoundShardedCacheProxy;
  private readonly graph: TrafficGraph;
  private readonly traffic: CacheTrafficGraph;

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
    const proxy = props.proxy ?? ShardedCacheProxy.sharedTier();
    const memoryMi = PropCheck.wholeMebibytes(this, 'memoryPerShard', 16, MAX_MEMORY_MIB, Size.mebibytes(256), props.memoryPerShard);
    const maxConnections = PropCheck.integer(this, 'maxConnections', 16, 1_000_000, 1024, props.maxConnections);
    const itemBytes = PropCheck.bytes(this, 'maxItemSize', 1024, 1024 ** 3, Size.mebibytes(1), props.maxItemSize);
    const itemKi = itemBytes / 1024;
    if (engine !== CacheEngine.MEMCACHED && props.maxItemSize !== undefined) throw propError(this, 'maxItemSize', `unset for engine ${engine} (${engine} has no item size limit)`, `${itemKi}Ki`);
    if (!Number.isInteger(itemKi)) throw propError(this, 'maxItemSize', 'a whole number of KiB from 1Ki to 1Gi', `${itemBytes} bytes`);
    if (itemKi > memoryMi * 1024) throw propError(this, 'maxItemSize', `at most 'memoryPerShard' (${memoryMi}Mi)`, `${itemKi}Ki`);
    const shardPort = engine === CacheEngine.MEMCACHED ? MEMCACHED_PORT : REDIS_PORT;
    this.port = checkTwemproxyPort(this, 'port', shardPort, props.port);
    const statsPort = checkTwemproxyPoolProps(this, { ...props, autoEjectHosts: props.autoEjectHosts ?? true }, 'port', this.port);
    this.auth = this.checkAuth(engine, props);
    const auth = this.auth;
    const password = auth?._secretValue();
    checkResources(this, 'shardResources', props.shardResources);
    checkResources(this, 'proxyResources', props.proxyResources);
    const pod = checkPodOptions(this, 'pod', props.pod);
    const partOf = RecommendedLabels.partOf(this, this.baseName, props.partOf);
    const redis = engine === CacheEngine.MEMCACHED ? undefined : redisEngineSpec(engine as string as RedisEngine);
    const key = redis?.imageKey ?? ImageKey.MEMCACHED;
    checkImageOverrides(this, 'images', props.images, [key, ImageKey.TWEMPROXY]);
    const twemproxyImage = ContainerImages.resolve(this, ImageKey.TWEMPROXY, props.images);

    // ---- the shards ----
    const image = ContainerImages.resolve(this, key, props.images);
    const user = ContainerImages.user(key);
    const container = redis === undefined
      ? memcachedContainer(image, memoryMi, maxConnections, itemKi, props.shardResources)
      : redisShardContainer({
        engine: redis,
        image,
        maxMemoryMi: memoryMi,
        evictionPolicy: 'allkeys-lru',
        persistent: false,
        auth: auth!,
        extraArgs: ['--maxclients', `${maxConnections}`],
        resources: props.shardResources,
      } satisfies RedisShardContainerOptions);
    const servers: TwemproxyServer[] = [];
    const portName = redis === undefined ? 'memcached' : 'redis';
    const shardSpec = { shards, appName: engine, instance: this.baseName, uid: user.uid, gid: user.gid, port: shardPort, portName, partOf, pod };
    if (replicasPerShard === 1) {
      this.statefulShards = new StatefulShards(this, 'Shards', {
        ...shardSpec,
        name: `${this.baseName}-shard`,
        container,
        dataDir: redis ? '/data' : undefined,
      });
      const ss = this.statefulShards;
      if (auth) this.wireShardAuth(auth, ss.statefulSet, ss.container, 'Shards', ss.name, image, user, props);
      for (let i = 0; i < shards; i++) servers.push({ host: this.statefulShards.hostOf(i), port: shardPort, name: this.statefulShards.podNameOf(i) });
    } else {
      for (const shard of ReplicatedShards.add(this, {
        ...shardSpec,
        baseName: this.baseName,
        replicas: replicasPerShard,
        component: 'shard',
        shardLabel: SHARD_LABEL,
        version: RecommendedLabels.versionOf(image),
        ids: FLAT_SHARD_IDS,
        addContainer: (d, i) => {
          const c = RestrictedSecurity.addContainer(d, container, { uid: user.uid, gid: user.gid });
          if (redis) c.mount('/data', kplus.Volume.fromEmptyDir(this, `Shard${i}Data`, 'data', { sizeLimit: dataSizeLimit(container) }));
          if (auth) this.wireShardAuth(auth, d, c, `Shard${i}`, d.name, image, user, props);
          return c;
        },
      })) {
        this.shardDeployments.push(shard.deployment);
        this.shardServices.push(shard.service);
        // Same ring names as the one-pod-per-shard mode: switching modes moves no key.
        servers.push({ host: shard.service.name, port: shardPort, name: shard.name });
      }
    }

    // ---- the twemproxy config ----
    this.configText = TwemproxyConfig.render({
      pool: redis === undefined ? 'memcached' : 'redis',
      listen: `${proxy._listenAddress}:${this.port}`,
      protocol: redis === undefined ? TwemproxyProtocol.MEMCACHED : TwemproxyProtocol.REDIS,
      servers,
      hash: props.hash,
      hashTag: props.hashTag,
      autoEjectHosts: props.autoEjectHosts ?? true,
      timeout: props.timeout,
      serverRetryTimeout: props.serverRetryTimeout ?? Duration.seconds(30),
      serverFailureLimit: props.serverFailureLimit ?? 2,
      // Replicated shards sit behind a Service: more connections spread over more of its pods.
      serverConnections: replicasPerShard,
      redisAuthPlaceholder: password ? TwemproxyConfig.AUTH_PLACEHOLDER : undefined,
    });
    const proxyLabels = { name: 'twemproxy', instance: this.baseName, component: 'proxy', partOf, version: RecommendedLabels.versionOf(twemproxyImage) };
    this.config = twemproxyConfigMap(this, this.baseName, RecommendedLabels.of(proxyLabels), this.configText);
    this.hashingOptions = { servers: servers.map((s) => ({ name: s.name })), hash: props.hash, hashTag: props.hashTag };

    // ---- the proxy ----
    this.proxy = proxy._bind({
      scope: this,
      baseName: this.baseName,
      port: this.port,
      portName,
      proxyLabels,
      pod,
      proxyResources: props.proxyResources,
      addProxy: (workload, o) => addTwemproxySidecar({
        owner: this,
        baseName: this.baseName,
        workload,
        containerName: o.containerName,
        image: twemproxyImage,
        config: this.config,
        listenPort: this.port,
        listenPortProp: 'port',
        // the ambassador (in a client pod) runs beside the app; the shared tier's proxy is its pod's purpose
        besideApp: !o.exposeListen,
        statsPort,
        exposeStats: o.exposeStats,
        exposeListen: o.exposeListen ? portName : undefined,
        password,
        renderImage: image,
        id: o.id,
        resources: o.resources,
        initResources: props.authInitResources,
      }),
    });
    this.proxyDeployment = this.proxy.deployment;
    this.service = this.proxy.service;
    this.endpoint = this.proxy.endpoint;

    // ---- network: default deny per pod group, the pool's own traffic
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    this.traffic = new CacheTrafficGraph(this.graph, this, {
      baseName: this.baseName,
      shardLabels: { name: engine, instance: this.baseName, component: 'shard', partOf, version: RecommendedLabels.versionOf(image) },
      shards,
      shardPort,
      sharedTier: this.proxyDeployment && {
        labels: proxyLabels, replicas: proxy.replicas, port: this.port, statsPort: proxy.exposeStats ? statsPort : undefined,
      },
    }, props.networkPolicy?.clients);
  }

  /** The pods' traffic as a Mermaid flowchart: the same graph the NetworkPolicies are made from. */
  public toMermaid(): string {
    return this.graph.toMermaid(`ShardedCache ${this.node.path}`);
  }

  /**
   * Adds the twemproxy ambassador to a client workload of yours (ambassador mode only); the client then uses
   * `127.0.0.1:<port>`. Unless `hardenPod` is false, the client's pod is kept passing Pod Security `restricted`
   * (see `AddClientOptions.hardenPod`). Returns the ambassador container.
   */
  public addClient(workload: kplus.AbstractPod, options: AddClientOptions = {}): kplus.Container {
    assertNotSynthesized(this, 'addClient()');
    const container = this.proxy.addClient(workload, options);
    this.traffic.addClient(workload);
    return container;
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

  /** Wires a redis shard's auth (`wireRedisServerAuth`). */
  private wireShardAuth(auth: RedisAuth, workload: kplus.Workload, server: kplus.Container, id: string, volumePrefix: string,
    image: string, user: { uid: number; gid: number }, props: ShardedCacheProps) {
    wireRedisServerAuth(auth, { scope: this, id, workload, server, image, user, volumePrefix, resources: props.authInitResources });
  }

  /** The auth (checked; the default for redis and valkey), refused for memcached; `authInitResources` only with a password. */
  private checkAuth(engine: CacheEngine, props: ShardedCacheProps): RedisAuth | undefined {
    if (props.auth !== undefined && engine === CacheEngine.MEMCACHED) {
      throw propError(this, 'auth', 'unset for engine memcached (memcached has no AUTH; use CacheEngine.REDIS or CacheEngine.VALKEY)', '<a RedisAuth>');
    }
    const auth = engine === CacheEngine.MEMCACHED ? undefined : checkRedisAuth(this, 'auth', props.auth, this.baseName);
    if (props.authInitResources !== undefined && !auth?.required) {
      throw propError(this, 'authInitResources', `unset ${auth ? 'with RedisAuth.none()' : 'for engine memcached'} (the init containers write the password)`, '<resources>');
    }
    checkResources(this, 'authInitResources', props.authInitResources);
    return auth;
  }

}

function memcachedContainer(image: string, memoryMi: number, maxConnections: number, itemKi: number,
  resources?: kplus.ContainerResources): kplus.ContainerProps {
  const memory = `${Math.ceil(memoryMi * 1.25) + 16}Mi`;
  return {
    name: 'memcached',
    image,
    command: ['memcached'],
    args: ['--port', `${MEMCACHED_PORT}`, '--udp-port', '0', '--memory-limit', `${memoryMi}`, '--conn-limit', `${maxConnections}`, '--max-item-size', `${itemKi}k`],
    ports: [{ number: MEMCACHED_PORT, name: 'memcached' }],
    readiness: kplus.Probe.fromTcpSocket({ port: MEMCACHED_PORT, periodSeconds: Duration.seconds(5) }),
    liveness: kplus.Probe.fromTcpSocket({ port: MEMCACHED_PORT, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
    startup: kplus.Probe.fromTcpSocket({ port: MEMCACHED_PORT, periodSeconds: Duration.seconds(2), failureThreshold: 30 }),
    resources: resourcesOr(resources, { cpu: ['100m', '1000m'], memory: [memory, memory] }),
  };
}
