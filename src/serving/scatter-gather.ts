import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addAppContainer, checkAppContainer } from '../blocks/_app-container';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { NESTED_SHARD_IDS, ReplicatedShards, SHARD_INDEX_LABEL } from '../blocks/_replicated-shards';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { TrafficGraph } from '../blocks/_traffic';
import { resourcesOr, withEphemeralStorage } from '../core/_resources';
import { checkResources } from '../core/_rules';
import { bytes } from '../core/_value-problems';
import { AppContainerProps } from '../core/app-container';
import { Availability } from '../core/availability';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPolicyOptions } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { ROOT_CONFIG_FILE, ROOT_PROGRAM_FILE, rootProgram } from '../runtime/scatter-gather-root';
import * as memory from './scatter-gather/_memory';
import { HedgePolicy } from './scatter-gather/hedge-policy';
import { MergeStrategy } from './scatter-gather/merge-strategy';
import { RequestPartition } from './scatter-gather/request-partition';

/**
 * What the root answers when shards are missing (timed out, failed, or answered something the merge rejects).
 */
export enum MissingShards {
  /**
   * Answer an error: 504 when every missing shard timed out, else 502, with a JSON body listing each missing shard
   * and why.
   */
  FAIL = 'fail',
  /**
   * Answer 200 with the merge of the shards that answered and the header `x-scatter-gather-missing` naming the
   * missing shard indexes (comma-separated). When no shard answered, the answer is still an error.
   */
  PARTIAL = 'partial',
}

/**
 * Properties for `ScatterGather`.
 */
export interface ScatterGatherProps {
  /**
   * The leaf: your server that answers the fanned-out requests for one shard. `leaf.port` is required (the root
   * sends requests to it; it is also its headless Service's port) and must differ from the root's `port`. The
   * construct sets `SHARD_INDEX` and `SHARD_COUNT` in its env, which `leaf.env` cannot set. A replica that is not
   * ready is left out of its shard's Service, so the root does not call it: give `leafReadinessPath` (an HTTP
   * probe) or `leaf.readiness`; with neither the leaf gets a TCP probe on its port, which a leaf that accepts
   * connections but answers badly passes.
   *
   * Its default resources: requests 100m CPU and 128Mi memory, limits 1 CPU and 512Mi memory.
   */
  readonly leaf: AppContainerProps;
  /**
   * The HTTP path of the leaves' readiness probe: a GET on `leaf.port` every 5 s, the replica ready while it
   * answers 2xx or 3xx within 1 s, not ready after two failures in a row. Give it when the leaves serve a
   * readiness path (they serve HTTP to the root): unlike the default TCP probe, it drops a replica that accepts
   * connections but cannot answer. Not together with `leaf.readiness`.
   *
   * @default - `leaf.readiness` if given, else a TCP probe on `leaf.port`
   */
  readonly leafReadinessPath?: string;
  /**
   * `app.kubernetes.io/part-of` of every object: the application this tree belongs to.
   *
   * @default - the app-wide context value `RecommendedLabels.PART_OF_CONTEXT_KEY`, else the base name
   */
  readonly partOf?: string;
  /**
   * Pod options for every pod: the leaves' and the root's.
   *
   * @default - none
   */
  readonly pod?: PodOptions;
  /**
   * The number of leaf shards. Each shard is a Deployment of `replicasPerShard` replicas with its own headless
   * Service; the leaf learns its shard from the env `SHARD_INDEX` (0-based) and `SHARD_COUNT`.
   *
   * @default 3
   */
  readonly shards?: number;
  /**
   * Replicas of each shard. More than one lets a hedged request go to another replica (the book's remedy for
   * stragglers) and keeps the shard up through a drain (PDB + spread).
   *
   * @default 2
   */
  readonly replicasPerShard?: number;
  /**
   * The URL path the root fans out: this path and everything below it (`/` is every path but the root's own
   * `/healthz`, `/readyz` and `/metrics`). The method, path, query, body and end-to-end headers go to the leaves
   * unchanged (but the partition's query parameter, see `partition`), so the leaves serve the same path.
   *
   * @default "/"
   */
  readonly path?: string;
  /**
   * How the leaves' JSON answers are merged.
   *
   * @default MergeStrategy.concatArrays()
   */
  readonly merge?: MergeStrategy;
  /**
   * How a request is split over the shards: the same request to every shard, or each shard its own part of it
   * (the terms of a query parameter, by hash or by an explicit term → shard table; see `RequestPartition`). With a
   * term partition a shard with no term in the request is not called, and a request without terms is answered 400.
   *
   * @default RequestPartition.none() - every shard gets the same request
   */
  readonly partition?: RequestPartition;
  /**
   * The per-leaf timeout: how long the root waits for each shard (hedge included) from the start of the fan-out.
   *
   * @default Duration.seconds(1)
   */
  readonly timeout?: Duration;
  /**
   * What the root answers when a shard is missing.
   *
   * @default MissingShards.FAIL
   */
  readonly missingShards?: MissingShards;
  /**
   * Hedged requests against stragglers.
   *
   * @default HedgePolicy.none() - hedging duplicates requests, so it is on only when you say the leaves' reads are idempotent
   */
  readonly hedge?: HedgePolicy;
  /**
   * The port the root listens on (container and Service).
   *
   * @default 8080
   */
  readonly port?: number;
  /**
   * Replicas of the root.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The largest request body the root accepts (larger: 413).
   *
   * @default Size.mebibytes(1)
   */
  readonly maxRequestBodySize?: Size;
  /**
   * The largest answer the root reads from one leaf replica (larger: that replica failed; the root fails over to
   * another one). It sizes the root's memory: see `maxConcurrentRequests`.
   *
   * @default Size.mebibytes(1)
   */
  readonly maxLeafResponseSize?: Size;
  /**
   * Fan-outs one root replica runs at once; beyond that it answers 503 with `Retry-After: 1`. A slot is taken once
   * the request is complete (headers and body), so slow clients hold none.
   *
   * The root's memory must hold them: its memory limit must be at least 64Mi + maxConcurrentRequests ×
   * (shards × (4 × maxLeafResponseSize + 32Ki) + 2 × maxRequestBodySize + 32Ki). Given with a memory limit in
   * `rootResources`, that is checked; given alone, the memory limit is derived from it.
   *
   * @default - as many as the root's memory limit holds by that formula, at most 256
   */
  readonly maxConcurrentRequests?: number;
  /**
   * How long a client has to send its whole request, headers and body; then the root answers 408 and closes the
   * connection. The fan-out's own time is not counted (that is `timeout`).
   *
   * @default Duration.seconds(10)
   */
  readonly clientTimeout?: Duration;
  /**
   * On SIGTERM the root answers `/readyz` with 503 but keeps serving for this long (while endpoints drop the pod),
   * then stops accepting connections.
   *
   * @default Duration.seconds(5)
   */
  readonly drainDelay?: Duration;
  /**
   * The root's resources. A memory limit given here is checked against `maxConcurrentRequests` (see there); without
   * one, the limit is derived. The root's V8 heap is limited to two thirds of it, and above 90 % of it
   * (resident memory) the root answers new requests 503.
   *
   * @default - requests 100m CPU and 64Mi memory, limits 1 CPU and 256Mi memory — or, when `maxConcurrentRequests` is given (or one fan-out needs more), the memory its formula needs; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly rootResources?: kplus.ContainerResources;
  /**
   * The NetworkPolicies: one per pod group (the root, each shard's leaves), each a default deny plus exactly the
   * tree's own traffic — the clients to the root's `port`, the root to every shard's leaves on `leaf.port`, the
   * root to the cluster DNS (it resolves the shards' headless Services), and with `monitoring` the scrapers to the
   * root's `port` (its `/metrics`). `extraEgress` widens the leaves' policies only (the root runs the library's
   * program, whose traffic is known); `extraIngress` widens every policy.
   *
   * @default - on, clients from the same namespace, no scrapers
   */
  readonly networkPolicy?: NetworkPolicyOptions;
  /**
   * The base name of the objects: the root Deployment and Service are `<name>`, the root's ConfigMap
   * `<name>-root`, shard `i` is `<name>-shard-<i>`.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * Image overrides (the root runs `node`).
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
}

/** The env a leaf gets: its shard index (0-based). */
const ENV_SHARD_INDEX = 'SHARD_INDEX';
/** The env a leaf gets: the number of shards. */
const ENV_SHARD_COUNT = 'SHARD_COUNT';
/** The root's ConfigMap mount, also its working directory. */
const ROOT_DIR = '/etc/scatter-gather';
const MAX_SHARDS = 1000;
const GIB = 1_073_741_824;

/**
 * Scatter/gather (book ch. 7): a root that sends each request to every leaf shard in parallel and merges their
 * answers, the leaves sharded and each shard replicated. With a `partition`, each shard gets its own part of the
 * request instead (the book's root distribution: one term of a query per leaf, the root intersecting what they
 * answer with `MergeStrategy.intersection()`).
 *
 * The root is the library's own zero-dependency Node program (`ScatterGather.rootProgram()`), shipped in a
 * ConfigMap with its config and run by the official `node` image, so the manifests are self-contained and
 * reviewable. It has a per-leaf timeout, a missing-shard policy, hedged requests to another replica of a slow
 * shard, limits on body size and concurrent fan-outs, and `/healthz`, `/readyz` and Prometheus `/metrics`.
 *
 * Each shard is a Deployment with a headless Service (the root resolves every ready replica and sends a hedge to a
 * different one than its primary). Every pod passes Pod Security `restricted`; more than one replica ⇒ a PDB and a
 * spread over nodes.
 */
export class ScatterGather extends Construct {
  /** The env variable that holds a leaf's shard index (0-based). */
  public static readonly ENV_SHARD_INDEX = ENV_SHARD_INDEX;
  /** The env variable that holds the number of shards. */
  public static readonly ENV_SHARD_COUNT = ENV_SHARD_COUNT;
  /** The pod label that holds a leaf's shard index (part of its shard's selector). */
  public static readonly SHARD_LABEL = SHARD_INDEX_LABEL;

  /** The root program (JavaScript) exactly as it is written into the root's ConfigMap. */
  public static rootProgram(): string {
    return rootProgram();
  }

  /** The root's Service: send requests here. */
  public readonly service: kplus.Service;
  /** The root Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The root's ConfigMap: `root.js` (the program) and `config.json`. */
  public readonly configMap: kplus.ConfigMap;
  /** The root's config (`config.json`), as written to the ConfigMap. */
  public readonly rootConfig: string;
  /** The root's Service name (a host name within the namespace). */
  public readonly host: string;
  /** The root's port. */
  public readonly port: number;
  /** The number of shards. */
  public readonly shardCount: number;
  /** Replicas per shard. */
  public readonly replicasPerShard: number;
  /** Fan-outs one root replica runs at once (given, or derived from its memory limit). */
  public readonly maxConcurrentRequests: number;
  /** The root container's memory limit (given, or derived from `maxConcurrentRequests`). */
  public readonly rootMemoryLimit: Size;
  /** The root's PodDisruptionBudget, when it has more than one replica. */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;

  private readonly shardDeploymentList: kplus.Deployment[] = [];
  private readonly shardServiceList: kplus.Service[] = [];
  private readonly leafContainerList: kplus.Container[] = [];
  private readonly graph: TrafficGraph;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: ScatterGatherProps) {
    super(scope, id);

    // ---- props → model (every check throws naming this construct, the prop and the value)
    if (props === undefined || props === null || typeof props !== 'object') throw propError(this, 'props', 'a ScatterGatherProps object ({ leaf: { image, port } })', props);
    const shards = PropCheck.integer(this, 'shards', 1, MAX_SHARDS, 3, props.shards);
    const replicasPerShard = PropCheck.integer(this, 'replicasPerShard', 1, 100, 2, props.replicasPerShard);
    const replicas = PropCheck.integer(this, 'replicas', 1, 100, 2, props.replicas);
    const port = PropCheck.integer(this, 'port', 1, 65535, 8080, props.port);
    const suffixRoom = `-shard-${shards - 1}`.length;
    const base = ResourceNames.baseName(this, props.name, ResourceNames.MAX_LABEL - Math.max(suffixRoom, '-root'.length));
    const partOf = RecommendedLabels.partOf(this, base, props.partOf);
    const pod = checkPodOptions(this, 'pod', props.pod);
    const leafProps = withReadinessPath(this, props.leaf, props.leafReadinessPath);
    const leaf = checkAppContainer(this, 'leaf', leafProps, {
      name: 'leaf',
      portRequired: 'the root sends requests to it',
      // A leaf that is not ready must drop out of its shard's Service (and a hedge must not go to it).
      defaultTcpReadiness: true,
      reservedEnv: [ENV_SHARD_INDEX, ENV_SHARD_COUNT],
      defaultResources: { cpu: ['100m', '1'], memory: ['128Mi', '512Mi'] },
    });
    const leafPort = leaf.port!;
    if (leafPort === port) throw propError(this, 'leaf.port', `a port other than the root's 'port' (${port})`, leafPort);
    const path = props.path ?? '/';
    if (typeof path !== 'string' || !/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(path) || (path !== '/' && path.endsWith('/'))
      || ['/healthz', '/readyz', '/metrics'].some((r) => path === r || path.startsWith(`${r}/`))) {
      throw propError(this, 'path', "an absolute URL path without query or trailing '/', not under the root's /healthz, /readyz or /metrics", path);
    }
    const timeoutMs = PropCheck.wholeMillis(this, 'timeout', 1, 3_600_000, Duration.seconds(1), props.timeout);
    if (props.merge !== undefined && !(props.merge instanceof MergeStrategy)) {
      throw propError(this, 'merge', 'a MergeStrategy (MergeStrategy.concatArrays(), .mergeObjects(), .sum(), .topK(...), .unionStrings(), .intersection())', props.merge);
    }
    const mergeStrategy = props.merge ?? MergeStrategy.concatArrays();
    const merge = mergeStrategy._toConfig(this);
    if (props.partition !== undefined && !(props.partition instanceof RequestPartition)) {
      throw propError(this, 'partition', 'a RequestPartition (RequestPartition.none(), .queryTermsByHash(...), .queryTermsByAssignment(...))', props.partition);
    }
    const partition = (props.partition ?? RequestPartition.none())._toConfig(this, shards, mergeStrategy._partitionNeeds);
    const missingShards = PropCheck.oneOf(this, 'missingShards', [MissingShards.FAIL, MissingShards.PARTIAL], MissingShards.FAIL, props.missingShards);
    if (props.hedge !== undefined && !(props.hedge instanceof HedgePolicy)) {
      throw propError(this, 'hedge', 'a HedgePolicy (HedgePolicy.none(), .after(delay), .percentile(...))', props.hedge);
    }
    const hedge = (props.hedge ?? HedgePolicy.none())._toConfig(this, timeoutMs);
    const maxRequestBodyBytes = PropCheck.bytes(this, 'maxRequestBodySize', 0, GIB, Size.mebibytes(1), props.maxRequestBodySize);
    const maxLeafResponseBytes = PropCheck.bytes(this, 'maxLeafResponseSize', 1, GIB, Size.mebibytes(1), props.maxLeafResponseSize);
    const requestTimeoutMs = PropCheck.wholeMillis(this, 'clientTimeout', 1, 3_600_000, Duration.seconds(10), props.clientTimeout);
    const drainMs = PropCheck.wholeMillis(this, 'drainDelay', 0, 3_600_000, Duration.seconds(5), props.drainDelay);
    const sized = rootMemory(this, props, shards, maxLeafResponseBytes, maxRequestBodyBytes);
    const { maxConcurrentRequests, rootResources, limitBytes } = sized;
    const rootImage = ContainerImages.resolve(this, ImageKey.NODE, props.images);

    this.host = base;
    this.port = port;
    this.shardCount = shards;
    this.replicasPerShard = replicasPerShard;
    this.maxConcurrentRequests = maxConcurrentRequests;
    this.rootMemoryLimit = Size.mebibytes(limitBytes / 1_048_576);

    // ---- leaves: one Deployment + headless Service (+ PDB and spread when replicated) per shard
    const leaves = ReplicatedShards.add(this, {
      baseName: base,
      shards,
      replicas: replicasPerShard,
      appName: base,
      instance: base,
      component: 'leaf',
      shardLabel: SHARD_INDEX_LABEL,
      partOf,
      version: RecommendedLabels.versionOf(leaf.props.image),
      uid: leaf.uid,
      gid: leaf.gid,
      pod,
      strategy: Availability.surgeOnly(),
      automountServiceAccountToken: false,
      port: leafPort,
      portName: leaf.portName,
      headless: true,
      ids: NESTED_SHARD_IDS,
      addContainer: (deployment, i) => addAppContainer(deployment, leaf, {
        envVariables: {
          [ENV_SHARD_INDEX]: kplus.EnvValue.fromValue(String(i)),
          [ENV_SHARD_COUNT]: kplus.EnvValue.fromValue(String(shards)),
          ...leaf.props.envVariables,
        },
      }),
    });
    for (const shard of leaves) {
      this.shardDeploymentList.push(shard.deployment);
      this.shardServiceList.push(shard.service);
      this.leafContainerList.push(shard.container);
    }
    const shardHosts = leaves.map((shard) => shard.name);

    // ---- the root: config + program in a ConfigMap, a Deployment running `node root.js config.json`, a Service
    const config = {
      port,
      path,
      shards: shardHosts.map((host, index) => ({ index, host, port: leafPort })),
      merge,
      // only with a partition: the config of a tree without one is unchanged
      ...(partition === undefined ? {} : { partition }),
      timeoutMs,
      missingShards,
      hedge,
      maxRequestBodyBytes,
      maxLeafResponseBytes,
      maxConcurrentRequests,
      requestTimeoutMs,
      memoryLimitBytes: limitBytes,
      dnsRefreshMs: 5000,
      drainMs,
    };
    this.rootConfig = `${JSON.stringify(config, undefined, 2)}\n`;
    const rootLabels = { name: 'node', instance: base, component: 'root', partOf, version: RecommendedLabels.versionOf(rootImage) };
    const selector = RecommendedLabels.selector(rootLabels);
    const labels = RecommendedLabels.of(rootLabels);
    this.configMap = new kplus.ConfigMap(this, 'ConfigMap', {
      metadata: { name: `${base}-root`, labels },
      data: { [ROOT_CONFIG_FILE]: this.rootConfig, [ROOT_PROGRAM_FILE]: rootProgram() },
    });
    const user = ContainerImages.user(ImageKey.NODE);
    // The root answers in-flight requests after the drain: leave it the drain, one timeout and a margin.
    const graceSeconds = Math.max(30, Math.ceil((drainMs + timeoutMs) / 1000) + 10);
    this.deployment = RestrictedWorkloads.deployment(this, 'Deployment', {
      name: base,
      labels,
      selector,
      replicas,
      uid: user.uid,
      gid: user.gid,
      automountServiceAccountToken: false,
      terminationGracePeriod: Duration.seconds(graceSeconds),
      strategy: Availability.surgeOnly(),
    });
    const root = RestrictedSecurity.addContainer(this.deployment, {
      name: 'root',
      image: rootImage,
      // the heap is collected well before the container's limit (the rest holds buffers and Node's own memory), and
      // the root may collect it itself before it refuses a fan-out for memory
      command: ['node', `--max-old-space-size=${memory.heapMebibytes(limitBytes)}`, '--expose-gc', ROOT_PROGRAM_FILE, ROOT_CONFIG_FILE],
      workingDir: ROOT_DIR,
      ports: [{ number: port, name: 'http' }],
      readiness: kplus.Probe.fromHttpGet('/readyz', { port, periodSeconds: Duration.seconds(5), failureThreshold: 1 }),
      liveness: kplus.Probe.fromHttpGet('/healthz', { port, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
      resources: rootResources,
    }, user);
    root.mount(ROOT_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.configMap, { name: 'root' }), { readOnly: true });
    RestrictedSecurity.addWritableDirs(this.deployment, root, { paths: ['/tmp'] });
    ConfigChecksum.annotate(this.deployment, [this.configMap]);
    applyPodOptions(this.deployment, pod);
    this.podDisruptionBudget = RestrictedWorkloads.availability(this, this.deployment, selector, labels, { replicas, pod });
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: base, labels },
      selector: kplus.Pods.select(this, 'Pods', { labels: selector }),
      ports: [{ name: 'http', port, targetPort: port }],
    });

    // ---- network: the clients → the root → every shard's leaves; the root resolves the leaves' names
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    const rootGroup = this.graph.group(this, 'NetworkPolicy', { name: base, selector, title: `root ×${replicas}`, ownCodeOnly: true }, labels);
    this.graph.frontDoor(rootGroup, [{ port }], 'requests to fan out');
    this.graph.metrics(rootGroup, [{ port }], 'the root\'s /metrics');
    this.graph.resolvesNames(rootGroup);
    leaves.forEach((shard, i) => {
      const group = this.graph.group(shard.deployment.node.scope as Construct, 'NetworkPolicy', {
        name: shard.name, selector: shard.deployment.matchLabels, title: `shard ${i}: leaves ×${replicasPerShard}`,
      }, shard.deployment.metadata.toJson().labels);
      this.graph.allow(rootGroup, group, [{ port: leafPort }], 'the fan-out');
    });
  }

  /** The tree's traffic as a Mermaid flowchart: the same graph the NetworkPolicies are made from. */
  public toMermaid(): string {
    return this.graph.toMermaid(`ScatterGather ${this.node.path}`);
  }

  /** The Deployments of the shards, in shard order (a copy). */
  public get shardDeployments(): kplus.Deployment[] {
    return [...this.shardDeploymentList];
  }

  /** The headless Services of the shards, in shard order (a copy). */
  public get shardServices(): kplus.Service[] {
    return [...this.shardServiceList];
  }

  /** The leaf container of each shard, in shard order (a copy): mount volumes or add env here. */
  public get leafContainers(): kplus.Container[] {
    return [...this.leafContainerList];
  }

  /** The host name (headless Service) of shard `index`, which resolves to every ready replica of the shard. */
  public shardHost(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.shardCount) {
      throw new Error(`${PropCheck.where(this)}: shard index must be an integer from 0 to ${this.shardCount - 1}, got ${index}`);
    }
    return this.shardServiceList[index].name;
  }
}

/** The leaf's props with an HTTP readiness probe on `path`, when given (never together with `leaf.readiness`). */
function withReadinessPath(scope: Construct, leaf: AppContainerProps, path: string | undefined): AppContainerProps {
  if (path === undefined) return leaf;
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/.test(path)) {
    throw propError(scope, 'leafReadinessPath', 'an absolute URL path (e.g. \'/readyz\')', path);
  }
  if (leaf !== null && typeof leaf === 'object' && leaf.readiness !== undefined) {
    throw propError(scope, 'leafReadinessPath', "not given together with 'leaf.readiness' (both set the leaf's readiness probe)", path);
  }
  if (leaf === null || typeof leaf !== 'object') return leaf;
  return {
    ...leaf,
    readiness: kplus.Probe.fromHttpGet(path, { periodSeconds: Duration.seconds(5), timeoutSeconds: Duration.seconds(1), failureThreshold: 2 }),
  };
}

/**
 * The root's concurrency and memory limit by the memory model (`scatter-gather/_memory.ts`): both given, checked;
 * one given, the other derived; neither, 256Mi and the concurrency it holds (or the limit one fan-out needs).
 */
function rootMemory(scope: Construct, props: ScatterGatherProps, shards: number, maxLeaf: number, maxBody: number) {
  const fanOut = memory.fanOutBytes(shards, maxLeaf, maxBody);
  const given = checkResources(scope, 'rootResources', props.rootResources);
  const givenLimit = given?.memory?.limit === undefined ? undefined : bytes(given.memory.limit);
  const givenConcurrency = props.maxConcurrentRequests === undefined ? undefined
    : PropCheck.integer(scope, 'maxConcurrentRequests', 1, 1_000_000, 1, props.maxConcurrentRequests);
  let concurrency: number;
  let limitBytes: number;
  if (givenLimit !== undefined) {
    limitBytes = givenLimit;
    const fits = memory.concurrencyFor(givenLimit, fanOut);
    concurrency = givenConcurrency ?? Math.min(memory.DERIVED_CONCURRENCY_CAP, fits);
    if (concurrency < 1 || concurrency > fits) {
      const n = Math.max(1, concurrency);
      throw propError(scope, 'rootResources.memory.limit',
        `at least ${memory.size(memory.limitFor(n, fanOut))} for ${n} concurrent fan-out${n === 1 ? '' : 's'} (${memory.formula(n, shards, maxLeaf, maxBody)})`,
        memory.size(givenLimit));
    }
  } else {
    const fits = memory.concurrencyFor(memory.DEFAULT_LIMIT_BYTES, fanOut);
    concurrency = givenConcurrency ?? Math.max(1, Math.min(memory.DERIVED_CONCURRENCY_CAP, fits));
    limitBytes = givenConcurrency === undefined && fits >= 1 ? memory.DEFAULT_LIMIT_BYTES : memory.limitFor(concurrency, fanOut);
    const request = given?.memory?.request === undefined ? undefined : bytes(given.memory.request);
    if (request !== undefined && request > limitBytes) limitBytes = request;
  }
  const limitMib = limitBytes / 1_048_576;
  const rootResources: kplus.ContainerResources = givenLimit !== undefined ? withEphemeralStorage(given!) : {
    ...(resourcesOr(given, { cpu: ['100m', '1'], memory: ['64Mi', '256Mi'] })),
    memory: { request: given?.memory?.request ?? Size.mebibytes(Math.min(64, limitMib)), limit: Size.mebibytes(limitMib) },
  };
  return { maxConcurrentRequests: concurrency, rootResources, limitBytes };
}
