import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addAppContainer, checkAppContainer } from '../blocks/_app-container';
import { addToHardenedPod } from '../blocks/_host-pod';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { checkRedisAuth, wireRedisServerAuth } from '../blocks/_redis-auth';
import { REDIS_PORT, redisEngineSpec, redisShardContainer } from '../blocks/_redis-server';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { TrafficGraph, TrafficGroup } from '../blocks/_traffic';
import { addTwemproxySidecar, checkTwemproxyPoolProps, checkTwemproxyPort, twemproxyConfigMap } from '../blocks/_twemproxy';
import { RedisAuth } from '../blocks/redis-auth';
import { RedisEngine } from '../blocks/redis-engine';
import { StatefulShards } from '../blocks/stateful-shards';
import { TwemproxyConfig, TwemproxyProtocol } from '../config/twemproxy';
import { assertNotSynthesized } from '../core/_app-checks';
import { checkImageOverrides, checkResources } from '../core/_rules';
import { AppContainerProps } from '../core/app-container';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPeer, NetworkPolicyOptions } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
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
 * Options for `AmbassadorShardedRedis.addAmbassadorTo`.
 */
export interface AddAmbassadorOptions {
  /**
   * The container name of the ambassador.
   *
   * @default "twemproxy"
   */
  readonly containerName?: string;
  /**
   * Keep the workload's pod passing Pod Security `restricted`: add seccomp `RuntimeDefault` and
   * `runAsNonRoot: true` to the pod, and `allowPrivilegeEscalation: false` and `capabilities.drop: [ALL]` to each of
   * its containers, where the pod does not say them. A pod that breaks `restricted` on purpose (privileged, uid 0,
   * a host namespace, a hostPath volume, an added capability other than NET_BIND_SERVICE) fails with the fix, and
   * so does a container added after `addAmbassadorTo`. Set to `false` to leave your pod exactly as it is (for a
   * namespace that does not enforce `restricted`).
   *
   * @default true
   */
  readonly hardenPod?: boolean;
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
   * Number of shards.
   *
   * @default 3
   */
  readonly shards?: number;
  /**
   * The daemon of the shards: redis, or Valkey (its wire-compatible, BSD-licensed fork). Both are configured alike
   * (same arguments, hashing, auth and probes); the shards are labelled `app.kubernetes.io/name: redis` or `valkey`.
   *
   * @default RedisEngine.REDIS
   */
  readonly engine?: RedisEngine;
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
   * StorageClass of the claims (a DNS-1123 subdomain).
   *
   * @default - the cluster's default
   */
  readonly storageClassName?: string;
  /**
   * How the shards authenticate clients. With a password (the default), each shard reads it as `requirepass` from
   * a config include its init container writes from the Secret file (never in argv, env or a ConfigMap); the
   * ambassador gets it as `redis_auth`, written at pod start by an init container into a memory-backed emptyDir
   * (the ConfigMap holds only a placeholder). The app then `AUTH`s to the ambassador with the same password.
   * `RedisAuth.none()` opts out (annotated `distributed-patterns.dev/redis-auth: none` on the shards).
   *
   * @default - RedisAuth.fromSecret of the Secret `<name>-redis-auth`, key `password` (create it before the pods
   *   start; the library never writes a password into its output)
   */
  readonly auth?: RedisAuth;
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
   * How long an ejected shard stays out (only with `autoEjectHosts: true`; refused without it).
   *
   * @default Duration.millis(2000)
   */
  readonly serverRetryTimeout?: Duration;
  /**
   * Consecutive failures that eject a shard (only with `autoEjectHosts: true`; refused without it).
   *
   * @default 1
   */
  readonly serverFailureLimit?: number;
  /**
   * The port the ambassador listens on, on 127.0.0.1 in the app's pod (1024 or above: twemproxy runs as a non-root
   * user without capabilities).
   *
   * @default 6379
   */
  readonly ambassadorPort?: number;
  /**
   * twemproxy's stats port (1024 or above).
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
   * Image overrides: the engine's (`redis` or `valkey`) and `twemproxy`.
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
  /**
   * Your app: a Deployment `<name>-app` is created with this container (named `app`) and the ambassador in each
   * pod; its env gets `REDIS_HOST=127.0.0.1` and `REDIS_PORT=<ambassadorPort>`. With a `port` and no readiness
   * probe, readiness is a TCP probe on the port.
   *
   * @default - none; add the ambassador to your own workloads with `addAmbassadorTo`
   */
  readonly app?: AppContainerProps;
  /**
   * Replicas of the app Deployment (only with `app`).
   *
   * @default 2
   */
  readonly appReplicas?: number;
  /**
   * Resources of each shard's container.
   *
   * @default - CPU 100m request, 1 limit; memory 1.5 × `maxMemory` as request and limit; ephemeral storage 64Mi request, 2 × `maxMemory` (at least 256Mi) limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly shardResources?: kplus.ContainerResources;
  /**
   * Resources of the ambassador (twemproxy) in each app pod.
   *
   * @default - CPU 50m request, 500m limit; memory 32Mi request, 128Mi limit; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly ambassadorResources?: kplus.ContainerResources;
  /**
   * Resources of each init container that writes the password: the shards' config include and the ambassador's
   * config (only with a password).
   *
   * @default - CPU 10m–100m, memory 8Mi–32Mi; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly authInitResources?: kplus.ContainerResources;
  /**
   * Pod options of every pod the construct makes: the shards and the `app` Deployment (not your own workloads).
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
   * The NetworkPolicies: one for the shards and, with `app`, one for the app Deployment, each a default deny for
   * ingress and egress plus exactly the pattern's traffic. The shards accept only the pods that carry the
   * ambassador (the `app` Deployment's, and each workload given to `addAmbassadorTo`, by its selector) on the
   * redis port, and send nothing. The `app` pods may reach the shards and the cluster DNS (twemproxy resolves the
   * shards' names); `clients` may reach `app.port`, `monitoring` the stats port with `exposeStats`; your app's own
   * egress goes in `extraEgress` (it widens the app's policy only). Workloads of yours keep their own policies:
   * the construct does not isolate them (if one of yours isolates their egress, allow the shards' port there).
   *
   * @default - on; the shards reachable from the ambassadors' pods only
   */
  readonly networkPolicy?: NetworkPolicyOptions;
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
  /** How the shards authenticate clients (the default's Secret is `<name>-redis-auth`). */
  public readonly auth: RedisAuth;
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
  private readonly shardImage: string;
  private readonly exposeStats: boolean;
  private readonly ambassadors: kplus.AbstractPod[] = [];
  private readonly graph: TrafficGraph;
  private readonly shardGroup: TrafficGroup;

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
    this.baseName = ResourceNames.baseName(this, props.name, ResourceNames.MAX_STATEFULSET);
    const shards = PropCheck.integer(this, 'shards', 1, 1024, 3, props.shards);
    const engine = redisEngineSpec(PropCheck.oneOf(this, 'engine', Object.values(RedisEngine), RedisEngine.REDIS, props.engine) as RedisEngine);
    PropCheck.oneOf(this, 'evictionPolicy', Object.values(RedisEvictionPolicy), RedisEvictionPolicy.NOEVICTION, props.evictionPolicy);
    this.ambassadorPort = checkTwemproxyPort(this, 'ambassadorPort', REDIS_PORT, props.ambassadorPort);
    this.statsPort = checkTwemproxyPoolProps(this, { ...props, autoEjectHosts: props.autoEjectHosts ?? false }, 'ambassadorPort', this.ambassadorPort);
    this.exposeStats = PropCheck.boolean(this, 'exposeStats', false, props.exposeStats);
    const maxMemoryMi = PropCheck.wholeMebibytes(this, 'maxMemory', 16, 1_048_576, Size.mebibytes(256), props.maxMemory);
    this.auth = checkRedisAuth(this, 'auth', props.auth, this.baseName);
    if (props.authInitResources !== undefined && !this.auth.required) {
      throw propError(this, 'authInitResources', 'unset with RedisAuth.none() (the init containers write the password)', '<resources>');
    }
    for (const prop of ['shardResources', 'ambassadorResources', 'authInitResources'] as const) checkResources(this, prop, props[prop]);
    const pod = checkPodOptions(this, 'pod', props.pod);
    const partOf = RecommendedLabels.partOf(this, this.baseName, props.partOf);
    checkImageOverrides(this, 'images', props.images, [engine.imageKey, ImageKey.TWEMPROXY]);

    this.shardImage = ContainerImages.resolve(this, engine.imageKey, props.images);
    this.twemproxyImage = ContainerImages.resolve(this, ImageKey.TWEMPROXY, props.images);
    const shardUser = ContainerImages.user(engine.imageKey);

    // ---- the shards ----
    this.shards = new StatefulShards(this, 'Shards', {
      name: this.baseName,
      shards,
      appName: engine.name,
      instance: this.baseName,
      partOf,
      pod,
      uid: shardUser.uid,
      gid: shardUser.gid,
      port: REDIS_PORT,
      portName: 'redis',
      dataDir: '/data',
      storage: props.storage,
      storageClassName: props.storageClassName,
      container: redisShardContainer({
        engine,
        image: this.shardImage,
        maxMemoryMi,
        evictionPolicy: props.evictionPolicy ?? RedisEvictionPolicy.NOEVICTION,
        persistent: props.storage !== undefined,
        auth: this.auth,
        resources: props.shardResources,
      }),
    });
    wireRedisServerAuth(this.auth, {
      scope: this,
      id: 'Shards',
      workload: this.shards.statefulSet,
      server: this.shards.container,
      image: this.shardImage,
      user: shardUser,
      volumePrefix: this.baseName,
      resources: props.authInitResources,
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
      redisAuthPlaceholder: this.auth.required ? TwemproxyConfig.AUTH_PLACEHOLDER : undefined,
    });
    this.config = twemproxyConfigMap(this, this.baseName, RecommendedLabels.of({
      name: 'twemproxy', instance: this.baseName, component: 'ambassador', partOf, version: RecommendedLabels.versionOf(this.twemproxyImage),
    }), this.configText);
    this.hashingOptions = { servers: servers.map((s) => ({ name: s.name })), hash: props.hash, hashTag: props.hashTag };

    // ---- the traffic: the shards accept the ambassadors' pods only
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    if (props.app === undefined && props.networkPolicy?.clients !== undefined) {
      throw propError(this, 'networkPolicy.clients', 'unset without \'app\' (the shards\' only clients are the pods that carry the ambassador)', 'a list of peers');
    }
    if (props.networkPolicy?.monitoring !== undefined && !(props.app !== undefined && this.exposeStats)) {
      throw propError(this, 'networkPolicy.monitoring', 'unset without \'app\' and \'exposeStats\' (the stats port of the app\'s pods is the only port to scrape)', 'a NetworkPeer');
    }
    this.shardGroup = this.graph.group(this, 'ShardsNetworkPolicy', {
      name: this.baseName, selector: this.shards.selector, title: `${engine.name} shards ×${shards}`, ownCodeOnly: true,
    }, RecommendedLabels.of({ name: engine.name, instance: this.baseName, component: 'shard', partOf, version: RecommendedLabels.versionOf(this.shardImage) }));
    this.graph.atRender(() => {
      for (const w of this.ambassadors) {
        if (w !== this.app) this.graph.allowFrom(this.peerOf(w), this.shardGroup, [{ port: REDIS_PORT }], `the ambassador in ${w.node.path}`);
      }
    });

    // ---- the app, if asked ----
    if (props.app !== undefined) {
      this.app = this.createApp(props.app, partOf, pod);
    } else if (props.appReplicas !== undefined) {
      throw propError(this, 'appReplicas', 'unset without \'app\' (there is no app Deployment)', props.appReplicas);
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
   * redis. Unless `hardenPod` is false, the workload's pod is kept passing Pod Security `restricted` (see
   * `AddAmbassadorOptions.hardenPod`). Returns the ambassador container.
   */
  public addAmbassadorTo(workload: kplus.AbstractPod, options: AddAmbassadorOptions = {}): kplus.Container {
    assertNotSynthesized(this, 'addAmbassadorTo()');
    if (!(workload instanceof kplus.AbstractPod)) throw new Error(`${PropCheck.where(this)}: addAmbassadorTo() needs a kplus workload (Deployment, StatefulSet, Job, Pod …), got ${PropCheck.show(workload)}`);
    const harden = PropCheck.boolean(this, 'hardenPod', true, options.hardenPod);
    return this.attach(workload, options.containerName ?? 'twemproxy', harden);
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

  /** The pods' traffic as a Mermaid flowchart: the same graph the NetworkPolicies are made from. */
  public toMermaid(): string {
    return this.graph.toMermaid(`AmbassadorShardedRedis ${this.node.path}`);
  }

  /** A workload of the user's as a peer of the shards: its selector, in its namespace when that is not ours. */
  private peerOf(w: kplus.AbstractPod): NetworkPeer {
    const podLabels: { [key: string]: string } = w.podMetadata.toJson().labels ?? {};
    const marker = this.markerLabel();
    const labels = selectorOf(w) ?? (podLabels[marker] !== undefined ? { [marker]: podLabels[marker] } : podLabels);
    if (Object.keys(labels).length === 0 && this.graph.isEnabled) {
      throw new Error(`${PropCheck.where(this)}: the shards' NetworkPolicy admits the pods of '${w.node.path}' by their labels, and its pods have none (give them labels, or set 'networkPolicy.enabled' to false)`);
    }
    const ns = w.metadata.namespace ?? Chart.of(w).namespace;
    return ns !== undefined && ns !== Chart.of(this).namespace ? NetworkPeer.pods(labels, { 'kubernetes.io/metadata.name': ns }) : NetworkPeer.pods(labels);
  }

  /** The label that marks the pods of a workload without a selector (a Job, a CronJob) as carrying this ambassador. */
  private markerLabel(): string {
    return `cdk8s-distributed-patterns/ambassador-${this.baseName}`;
  }

  private attach(workload: kplus.AbstractPod, containerName: string, harden: boolean): kplus.Container {
    if (this.ambassadors.includes(workload)) throw new Error(`${PropCheck.where(this)}: '${workload.node.path}' already has the ambassador`);
    const add = () => addTwemproxySidecar({
      owner: this,
      baseName: this.baseName,
      workload,
      containerName,
      image: this.twemproxyImage,
      config: this.config,
      listenPort: this.ambassadorPort,
      listenPortProp: 'ambassadorPort',
      besideApp: true,
      statsPort: this.statsPort,
      exposeStats: this.exposeStats,
      password: this.auth._secretValue(),
      renderImage: this.shardImage,
      id: `Ambassador${this.ambassadors.length}`,
      resources: this.props.ambassadorResources,
      initResources: this.props.authInitResources,
    });
    const ambassador = harden ? addToHardenedPod({ owner: this, method: 'addAmbassadorTo()' }, workload, add) : add();
    // The shards admit the pods by their workload's selector; pods without one (a Job's) get a label to be admitted by.
    if (this.graph.isEnabled && selectorOf(workload) === undefined) workload.podMetadata.addLabel(this.markerLabel(), 'true');
    this.ambassadors.push(workload);
    return ambassador;
  }

  private createApp(app: AppContainerProps, partOf: string, pod: PodOptions): kplus.Deployment {
    const replicas = PropCheck.integer(this, 'appReplicas', 1, 1000, 2, this.props.appReplicas);
    const checked = checkAppContainer(this, 'app', app, {
      name: 'app',
      defaultTcpReadiness: true,
      reservedEnv: ['REDIS_HOST', 'REDIS_PORT'],
      defaultResources: { cpu: ['50m', '500m'], memory: ['32Mi', '128Mi'] },
    });
    for (const [port, prop] of [[this.ambassadorPort, 'ambassadorPort'], [this.statsPort, 'statsPort']] as const) {
      if (checked.port === port) throw propError(this, 'app.port', `a port other than '${prop}' (${port}): the app and the ambassador share the pod's network`, checked.port);
    }
    const labelOptions = { name: this.baseName, instance: this.baseName, component: 'app', partOf, version: RecommendedLabels.versionOf(app.image) };
    const selector = RecommendedLabels.selector(labelOptions);
    const labels = RecommendedLabels.of(labelOptions);
    const deployment = RestrictedWorkloads.deployment(this, 'App', { name: `${this.baseName}-app`, labels, selector, replicas, uid: checked.uid, gid: checked.gid });
    addAppContainer(deployment, checked, {
      envVariables: {
        REDIS_HOST: kplus.EnvValue.fromValue('127.0.0.1'),
        REDIS_PORT: kplus.EnvValue.fromValue(`${this.ambassadorPort}`),
        ...checked.props.envVariables,
      },
    });
    // The pod is the library's own, restricted from the start: nothing to harden.
    this.attach(deployment, 'twemproxy', false);
    const group = this.graph.group(this, 'AppNetworkPolicy', { name: `${this.baseName}-app`, selector, title: `app + ambassador ×${replicas}` }, labels);
    this.graph.allow(group, this.shardGroup, [{ port: REDIS_PORT }], 'the ambassador (twemproxy) to the shards');
    this.graph.resolvesNames(group);
    if (checked.port !== undefined) this.graph.frontDoor(group, [{ port: checked.port }], 'clients of the app');
    if (this.exposeStats) this.graph.metrics(group, [{ port: this.statsPort }], 'twemproxy stats');
    applyPodOptions(deployment, pod);
    RestrictedWorkloads.availability(this, deployment, selector, labels, { replicas, pod });
    return deployment;
  }
}

/** The labels a workload selects its pods by, if it has a selector (a Job's is made by the API server). */
function selectorOf(w: kplus.AbstractPod): { [key: string]: string } | undefined {
  const labels = w instanceof kplus.Workload ? w.matchLabels : {};
  return Object.keys(labels).length > 0 ? labels : undefined;
}
