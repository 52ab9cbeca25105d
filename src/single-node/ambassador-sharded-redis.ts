import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { REDIS_PORT, redisShardContainer } from '../blocks/_redis-server';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { addTwemproxySidecar, checkTwemproxyPoolProps, TWEMPROXY_CONFIG_FILE } from '../blocks/_twemproxy';
import { StatefulShards } from '../blocks/stateful-shards';
import { TwemproxyConfig, TwemproxyProtocol } from '../config/twemproxy';
import { containerResources } from '../core/_resources';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { TwemproxyHash } from '../hashing/hash-functions';
import { ResizePlan, TwemproxyHashing, TwemproxyHashingOptions } from '../hashing/ketama';

/**
 * Redis `maxmemory-policy`: what a shard does when it reaches `maxMemory`.
 *
 * @see https://redis.io/docs/latest/develop/reference/eviction/
 */
export enum RedisEvictionPolicy {
  /** Refuse writes that need memory (a store: nothing is lost silently). */
  NOEVICTION = 'noeviction',
  /** Evict any key, least recently used first (a cache). */
  ALLKEYS_LRU = 'allkeys-lru',
  /** Evict any key, least frequently used first. */
  ALLKEYS_LFU = 'allkeys-lfu',
  /** Evict any key at random. */
  ALLKEYS_RANDOM = 'allkeys-random',
  /** Evict keys with a TTL, least recently used first. */
  VOLATILE_LRU = 'volatile-lru',
  /** Evict keys with a TTL, least frequently used first. */
  VOLATILE_LFU = 'volatile-lfu',
  /** Evict keys with a TTL at random. */
  VOLATILE_RANDOM = 'volatile-random',
  /** Evict keys with a TTL, nearest expiry first. */
  VOLATILE_TTL = 'volatile-ttl',
}

/**
 * Where the Redis password comes from: always a `Secret`, never a literal.
 */
export class RedisPassword {
  /**
   * The password is the value of `key` in `secret`. The shards get it as `requirepass`, the ambassador as
   * `redis_auth` (written at pod start by an init container into a memory-backed emptyDir), `redis-cli` probes
   * as `REDISCLI_AUTH`.
   */
  public static fromSecret(secret: kplus.ISecret, key: string): RedisPassword {
    return new RedisPassword(secret, key);
  }

  private constructor(
    /** The Secret. */
    public readonly secret: kplus.ISecret,
    /** The key in the Secret. */
    public readonly key: string) {}

  /** @internal */
  public _envValue(): kplus.EnvValue {
    return kplus.EnvValue.fromSecretValue({ secret: this.secret, key: this.key });
  }
}

/**
 * Options for `AmbassadorShardedRedis.addAmbassadorTo`.
 */
export interface AddAmbassadorOptions {
  /**
   * The container name of the ambassador.
   *
   * @default "twemproxy"
   */
  readonly containerName?: string;
}

/**
 * The app workload `AmbassadorShardedRedis` can create for you (a Deployment with the ambassador in each pod).
 */
export interface ShardedRedisAppOptions {
  /** The app image (pinned tag or digest). */
  readonly image: string;
  /** The non-root uid the app image runs as. */
  readonly uid: number;
  /**
   * The gid it runs as.
   *
   * @default - the uid
   */
  readonly gid?: number;
  /**
   * Replicas.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The container name.
   *
   * @default "app"
   */
  readonly containerName?: string;
  /**
   * The app's command.
   *
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * The app's args.
   *
   * @default - the image's cmd
   */
  readonly args?: string[];
  /**
   * A port the app serves on (exposed by no Service; add one yourself).
   *
   * @default - none
   */
  readonly port?: number;
}

/**
 * Properties for `AmbassadorShardedRedis`.
 */
export interface AmbassadorShardedRedisProps {
  /**
   * Base name of the objects: the shards' StatefulSet and headless Service are named after it. At most 52
   * characters (a StatefulSet leaves room for the pod ordinal and the controller-revision-hash label).
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * Number of redis shards.
   *
   * @default 3
   */
  readonly shards?: number;
  /**
   * `maxmemory` of each shard. The container's memory limit is 1.5 × this (fork for persistence, fragmentation,
   * client buffers).
   *
   * @default Size.mebibytes(256)
   */
  readonly maxMemory?: Size;
  /**
   * What a shard does at `maxMemory`.
   *
   * @default RedisEvictionPolicy.NOEVICTION
   */
  readonly evictionPolicy?: RedisEvictionPolicy;
  /**
   * Persist each shard (append-only file) on a PersistentVolumeClaim of this size.
   *
   * @default - no persistence: data lives as long as the shard pod
   */
  readonly storage?: Size;
  /**
   * StorageClass of the claims.
   *
   * @default - the cluster's default
   */
  readonly storageClassName?: string;
  /**
   * Require a password, from a Secret.
   *
   * @default - no password (anything that reaches the shards' Service can use them)
   */
  readonly password?: RedisPassword;
  /**
   * twemproxy's hash function.
   *
   * @default TwemproxyHash.FNV1A_64
   */
  readonly hash?: TwemproxyHash;
  /**
   * twemproxy's `hash_tag`, two characters (e.g. `{}`): keys that share the part between them share a shard,
   * which multi-key commands need.
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
   * Eject a failing shard from the ring. Its keys then go to the other shards until it is back — fine for a
   * cache, but for a store it reads and writes them on the wrong shard (reads miss, writes are stranded when it
   * returns). Hence off by default; when off, requests for a down shard fail fast instead.
   *
   * @default false
   */
  readonly autoEjectHosts?: boolean;
  /**
   * How long an ejected shard stays out.
   *
   * @default Duration.millis(2000)
   */
  readonly serverRetryTimeout?: Duration;
  /**
   * Consecutive failures that eject a shard.
   *
   * @default 1
   */
  readonly serverFailureLimit?: number;
  /**
   * The port the ambassador listens on, on 127.0.0.1 in the app's pod.
   *
   * @default 6379
   */
  readonly ambassadorPort?: number;
  /**
   * twemproxy's stats port.
   *
   * @default 22222
   */
  readonly statsPort?: number;
  /**
   * Serve twemproxy's stats on the pod IP (a named container port `stats`) instead of only inside the pod.
   *
   * @default false
   */
  readonly exposeStats?: boolean;
  /**
   * Image overrides (`redis`, `twemproxy`).
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
  /**
   * Create an app Deployment with the ambassador in each pod.
   *
   * @default - none; add the ambassador to your own workloads with `addAmbassadorTo`
   */
  readonly app?: ShardedRedisAppOptions;
}


/**
 * The book's "Using an Ambassador to Shard a Service": N redis shards (a StatefulSet with stable pod names and a
 * headless Service), a twemproxy config listing the shards by their stable DNS names, and a twemproxy
 * ambassador container that an app pod talks to on `localhost:6379` as if it were one redis.
 *
 * Key placement follows twemproxy's ketama ring exactly; `hashing` and `planResize` predict it.
 *
 * @see https://github.com/twitter/twemproxy
 */
export class AmbassadorShardedRedis extends Construct {
  /** The shards. */
  public readonly shards: StatefulShards;
  /** The twemproxy config (with a placeholder for the password when one is set). */
  public readonly config: kplus.ConfigMap;
  /** The rendered nutcracker.yml. */
  public readonly configText: string;
  /** The port the ambassador listens on, on 127.0.0.1. */
  public readonly ambassadorPort: number;
  /** The stats port. */
  public readonly statsPort: number;
  /** The app Deployment, when `app` was given. */
  public readonly app?: kplus.Deployment;
  private readonly props: AmbassadorShardedRedisProps;
  private readonly baseName: string;
  private readonly twemproxyImage: string;
  private readonly redisImage: string;
  private readonly ambassadors: kplus.AbstractPod[] = [];

  private readonly hashingOptions: TwemproxyHashingOptions;
  private ring?: TwemproxyHashing;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: AmbassadorShardedRedisProps = {}) {
    super(scope, id);
    this.props = props;
    if (props.password !== undefined && !(props.password instanceof RedisPassword)) {
      throw propError(this, 'password', 'RedisPassword.fromSecret(secret, key) (a password is never taken as a plain value)', typeof props.password === 'string' ? '<a string, not shown>' : typeof props.password);
    }
    this.baseName = ResourceNames.baseName(this, props.name, ResourceNames.MAX_STATEFULSET);
    const shards = PropCheck.integer(this, 'shards', 1, 1024, 3, props.shards);
    PropCheck.oneOf(this, 'evictionPolicy', Object.values(RedisEvictionPolicy), RedisEvictionPolicy.NOEVICTION, props.evictionPolicy);
    this.ambassadorPort = PropCheck.integer(this, 'ambassadorPort', 1, 65535, REDIS_PORT, props.ambassadorPort);
    this.statsPort = checkTwemproxyPoolProps(this, props, 'ambassadorPort', this.ambassadorPort);
    const maxMemoryMi = PropCheck.wholeMebibytes(this, 'maxMemory', 16, 1_048_576, Size.mebibytes(256), props.maxMemory);

    this.redisImage = ContainerImages.resolve(this, ImageKey.REDIS, props.images);
    this.twemproxyImage = ContainerImages.resolve(this, ImageKey.TWEMPROXY, props.images);
    const redisUser = ContainerImages.user(ImageKey.REDIS);

    // ---- the shards ----
    this.shards = new StatefulShards(this, 'Shards', {
      name: this.baseName,
      shards,
      appName: 'redis',
      instance: this.baseName,
      uid: redisUser.uid,
      gid: redisUser.gid,
      port: REDIS_PORT,
      portName: 'redis',
      dataDir: '/data',
      storage: props.storage,
      storageClassName: props.storageClassName,
      container: redisShardContainer({
        image: this.redisImage,
        maxMemoryMi,
        evictionPolicy: props.evictionPolicy ?? RedisEvictionPolicy.NOEVICTION,
        persistent: props.storage !== undefined,
        password: props.password?._envValue(),
      }),
    });

    // ---- the twemproxy config ----
    const servers = Array.from({ length: shards }, (_, i) => ({
      host: this.shards.hostOf(i),
      port: REDIS_PORT,
      name: this.shards.podNameOf(i),
    }));
    this.configText = TwemproxyConfig.render({
      pool: 'redis',
      listen: `127.0.0.1:${this.ambassadorPort}`,
      protocol: TwemproxyProtocol.REDIS,
      servers,
      hash: props.hash,
      hashTag: props.hashTag,
      autoEjectHosts: props.autoEjectHosts ?? false,
      timeout: props.timeout,
      serverRetryTimeout: props.serverRetryTimeout,
      serverFailureLimit: props.serverFailureLimit,
      redisAuthPlaceholder: props.password ? TwemproxyConfig.AUTH_PLACEHOLDER : undefined,
    });
    this.config = new kplus.ConfigMap(this, 'Config', {
      metadata: {
        name: `${this.baseName}-twemproxy`,
        labels: RecommendedLabels.of({ name: 'twemproxy', instance: this.baseName, component: 'ambassador' }),
      },
      data: { [TWEMPROXY_CONFIG_FILE]: this.configText },
    });
    this.hashingOptions = { servers: servers.map((s) => ({ name: s.name })), hash: props.hash, hashTag: props.hashTag };

    // ---- the app, if asked ----
    if (props.app) {
      this.app = this.createApp(props.app);
    }

    this.node.addValidation({
      validate: () => (this.ambassadors.length === 0
        ? [`${PropCheck.where(this)}: no workload has the ambassador: call addAmbassadorTo(workload) or give 'app'`]
        : []),
    });
  }

  /**
   * Adds the twemproxy ambassador to a workload (Deployment, StatefulSet, Job, Pod …) of yours: a container that
   * listens on `127.0.0.1:<ambassadorPort>`, its config volume, and — with a password — an init container that
   * writes the config with `redis_auth` from the Secret. The app then uses `localhost:<ambassadorPort>` as one
   * redis. Returns the ambassador container.
   */
  public addAmbassadorTo(workload: kplus.AbstractPod, options: AddAmbassadorOptions = {}): kplus.Container {
    if (this.ambassadors.includes(workload)) throw new Error(`${PropCheck.where(this)}: '${workload.node.path}' already has the ambassador`);
    const ambassador = addTwemproxySidecar({
      owner: this,
      baseName: this.baseName,
      workload,
      containerName: options.containerName ?? 'twemproxy',
      image: this.twemproxyImage,
      config: this.config,
      listenPort: this.ambassadorPort,
      listenPortProp: 'ambassadorPort',
      statsPort: this.statsPort,
      exposeStats: this.props.exposeStats ?? false,
      password: this.props.password?._envValue(),
      renderImage: this.redisImage,
      id: `Ambassador${this.ambassadors.length}`,
    });
    this.ambassadors.push(workload);
    return ambassador;
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
   * The resize plan from this pool to one with `newShards` shards: the exact fraction of keys that move (for
   * a store, the keys to migrate before switching the config; for a cache, the expected miss ratio right after).
   */
  public planResize(newShards: number): ResizePlan {
    const n = PropCheck.integer(this, 'newShards', 1, 1024, this.shards.shards, newShards);
    const to = new TwemproxyHashing({
      servers: Array.from({ length: n }, (_, i) => ({ name: `${this.shards.name}-${i}` })),
      hash: this.hashing.hash,
      hashTag: this.hashing.hashTag,
    });
    return TwemproxyHashing.planResize(this.hashing, to);
  }

  private createApp(app: ShardedRedisAppOptions): kplus.Deployment {
    const replicas = PropCheck.integer(this, 'app.replicas', 1, 1000, 2, app.replicas);
    ContainerImages.checkPinned(this, 'app.image', app.image);
    const gid = app.gid ?? app.uid;
    const labelOptions = { name: 'app', instance: this.baseName, component: 'app' };
    const selector = RecommendedLabels.selector(labelOptions);
    const labels = RecommendedLabels.of(labelOptions);
    const deployment = RestrictedWorkloads.deployment(this, 'App', { name: `${this.baseName}-app`, labels, selector, replicas, uid: app.uid, gid });
    RestrictedSecurity.addContainer(deployment, {
      name: app.containerName ?? 'app',
      image: app.image,
      command: app.command,
      args: app.args,
      ports: app.port !== undefined ? [{ number: app.port, name: 'app' }] : undefined,
      envVariables: {
        REDIS_HOST: kplus.EnvValue.fromValue('127.0.0.1'),
        REDIS_PORT: kplus.EnvValue.fromValue(`${this.ambassadorPort}`),
      },
      resources: containerResources({ cpu: ['50m', '500m'], memory: ['32Mi', '128Mi'] }),
    }, { uid: app.uid, gid });
    this.addAmbassadorTo(deployment);
    RestrictedWorkloads.availability(this, deployment, selector, labels, { replicas });
    return deployment;
  }
}
