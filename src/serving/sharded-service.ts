import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addAppContainer, checkAppContainer } from '../blocks/_app-container';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { FLAT_SHARD_IDS, ReplicatedShards, SHARD_INDEX_LABEL } from '../blocks/_replicated-shards';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { TrafficGraph } from '../blocks/_traffic';
import { throwFirstPropProblem } from '../config/_problems';
import { DownShard, NginxRouterConfig, ShardKey } from '../config/nginx-router';
import { resourcesOr } from '../core/_resources';
import { checkResources } from '../core/_rules';
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

/**
 * Properties for `ShardedService`.
 */
export interface ShardedServiceProps {
  /**
   * Base name: shards are `<name>-shard-<i>`, the router `<name>-router`, the Service clients use `<name>`.
   * At most 52 characters.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * The shard: your HTTP server, one Deployment per shard. `shard.port` is required (the router sends requests to
   * it) and so is `shard.readiness` (a router must not send requests to a shard that is not ready). Each shard pod
   * gets `SHARD_INDEX` (0-based) and `SHARD_COUNT` in its env, which `shard.env` cannot set.
   *
   * Its default resources: requests 100m CPU and 128Mi memory, limits 500m CPU and 128Mi memory.
   */
  readonly shard: AppContainerProps;
  /**
   * `app.kubernetes.io/part-of` of every object: the application this service belongs to.
   *
   * @default - the app-wide context value `RecommendedLabels.PART_OF_CONTEXT_KEY`, else the base name
   */
  readonly partOf?: string;
  /**
   * Pod options for every pod: the shards' and the router's.
   *
   * @default - none
   */
  readonly pod?: PodOptions;
  /**
   * Number of shards.
   *
   * @default 3
   */
  readonly shards?: number;
  /**
   * Pods per shard (each shard is a replicated service of its own).
   *
   * @default 1
   */
  readonly replicasPerShard?: number;
  /**
   * What the router hashes.
   *
   * @default ShardKey.requestUri()
   */
  readonly shardKey?: ShardKey;
  /**
   * What a shard that is down (its Service refuses, times out, or answers 502/503/504) means for its keys:
   * `FAIL`, its requests error and its keys never move; `FAILOVER`, the next shard on the ring answers them.
   *
   * `FAIL` is the default because a sharded service usually shards state — each shard holds its own part, and
   * another shard's answer for a key it does not hold is a wrong answer given with a 200, which no client can
   * tell from a right one. An error is visible and retried. Choose `FAILOVER` when a shard's keys are cheap to
   * serve elsewhere: a sharded cache (another shard's miss is a correct answer) or stateless shards.
   *
   * @default DownShard.FAIL
   */
  readonly downShard?: DownShard;
  /**
   * With `DownShard.FAILOVER`: how many failed requests within `failTimeout` mark a shard down (nginx
   * `max_fails`). A failed request is passed to the next shard at once, whatever this is.
   *
   * @default 1
   */
  readonly maxFails?: number;
  /**
   * With `DownShard.FAILOVER`: the window for `maxFails`, and how long a shard marked down is skipped before the
   * router tries it again (nginx `fail_timeout`).
   *
   * @default Duration.seconds(10)
   */
  readonly failTimeout?: Duration;
  /**
   * Router replicas.
   *
   * @default 2
   */
  readonly routerReplicas?: number;
  /**
   * The router's (nginx) resources.
   *
   * @default - requests 100m CPU and 64Mi memory, limits 1 CPU and 128Mi memory; ephemeral storage 32Mi request, 192Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly routerResources?: kplus.ContainerResources;
  /**
   * The port of the Service clients use.
   *
   * @default 80
   */
  readonly servicePort?: number;
  /**
   * The NetworkPolicies: one per pod group (the router, each shard), each a default deny plus exactly the
   * service's own traffic — the clients to the router (its pod port 8080, behind `servicePort`), the router to
   * every shard on `shard.port`, the router to the cluster DNS (nginx resolves the shards' Service names).
   * `extraEgress` widens the shards' policies only (the router runs nginx with the library's config, whose
   * traffic is known); `extraIngress` widens every policy. There is no metrics port: `monitoring` opens nothing.
   *
   * @default - on, clients from the same namespace
   */
  readonly networkPolicy?: NetworkPolicyOptions;
  /**
   * Image overrides (`nginx` for the router).
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
}

const ROUTER_PORT = 8080;
/** The env a shard gets: its index (0-based). */
const ENV_SHARD_INDEX = 'SHARD_INDEX';
/** The env a shard gets: the number of shards. */
const ENV_SHARD_COUNT = 'SHARD_COUNT';
const ROUTER_CONFIG_DIR = '/etc/nginx/router';

/**
 * The book's consistent HTTP sharding proxy: N shards of your image, each a Deployment and a Service, behind a
 * replicated nginx router whose upstream uses `hash <key> consistent`, so the same key always reaches the same
 * shard and removing a shard moves only the keys it held. A shard that is down but not removed fails its
 * requests, or with `DownShard.FAILOVER` hands its keys to the next shard on the ring (`downShard`).
 */
export class ShardedService extends Construct {
  /** The Service clients use (the router). */
  public readonly service: kplus.Service;
  /** The router Deployment. */
  public readonly router: kplus.Deployment;
  /** The router config. */
  public readonly config: kplus.ConfigMap;
  /** The rendered nginx.conf. */
  public readonly configText: string;
  /** What a down shard means for its keys. */
  public readonly downShard: DownShard;
  /** The shard Deployments, in order. */
  public readonly shardDeployments: kplus.Deployment[] = [];
  /** The shard Services, in order. */
  public readonly shardServices: kplus.Service[] = [];

  private readonly graph: TrafficGraph;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: ShardedServiceProps) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== 'object') throw propError(this, 'props', 'a ShardedServiceProps object ({ shard: { image, port, readiness } })', props);
    // `<name>-shard-<i>` (up to 4 digits) must stay a DNS label.
    const baseName = ResourceNames.baseName(this, props.name, ResourceNames.MAX_LABEL - '-shard-1023'.length);
    const partOf = RecommendedLabels.partOf(this, baseName, props.partOf);
    const pod = checkPodOptions(this, 'pod', props.pod);
    const shards = PropCheck.integer(this, 'shards', 1, 1024, 3, props.shards);
    const replicasPerShard = PropCheck.integer(this, 'replicasPerShard', 1, 100, 1, props.replicasPerShard);
    const routerReplicas = PropCheck.integer(this, 'routerReplicas', 1, 100, 2, props.routerReplicas);
    const servicePort = PropCheck.integer(this, 'servicePort', 1, 65535, 80, props.servicePort);
    const shard = checkAppContainer(this, 'shard', props.shard, {
      name: 'shard',
      portRequired: 'the router sends requests to it',
      readinessRequired: 'a router must not send requests to a shard that is not ready',
      reservedEnv: [ENV_SHARD_INDEX, ENV_SHARD_COUNT],
      defaultResources: { cpu: ['100m', '500m'], memory: ['128Mi', '128Mi'] },
    });
    const port = shard.port!;
    if (props.shardKey !== undefined && !(props.shardKey instanceof ShardKey)) {
      throw propError(this, 'shardKey', 'ShardKey.requestUri(), ShardKey.header(name), ShardKey.queryArgument(name) or ShardKey.cookie(name)', props.shardKey);
    }
    const keyProblem = props.shardKey?._problem;
    if (keyProblem) throw propError(this, 'shardKey', keyProblem.expectation, keyProblem.got);
    const downShard = { downShard: props.downShard, maxFails: props.maxFails, failTimeout: props.failTimeout };
    throwFirstPropProblem(this, NginxRouterConfig._downShardProblems(downShard));
    this.downShard = props.downShard ?? DownShard.FAIL;
    const routerResources = resourcesOr(checkResources(this, 'routerResources', props.routerResources), { cpu: ['100m', '1000m'], memory: ['64Mi', '128Mi'], ephemeralStorage: ['32Mi', '192Mi'] });
    const routerImage = ContainerImages.resolve(this, ImageKey.NGINX, props.images);

    for (const s of ReplicatedShards.add(this, {
      baseName,
      shards,
      replicas: replicasPerShard,
      appName: baseName,
      instance: baseName,
      component: 'shard',
      shardLabel: SHARD_INDEX_LABEL,
      partOf,
      version: RecommendedLabels.versionOf(shard.props.image),
      uid: shard.uid,
      gid: shard.gid,
      pod,
      port,
      portName: shard.portName,
      ids: FLAT_SHARD_IDS,
      addContainer: (d, i) => addAppContainer(d, shard, {
        envVariables: {
          ...shard.props.envVariables,
          [ENV_SHARD_INDEX]: kplus.EnvValue.fromValue(`${i}`),
          [ENV_SHARD_COUNT]: kplus.EnvValue.fromValue(`${shards}`),
        },
      }),
    })) {
      this.shardDeployments.push(s.deployment);
      this.shardServices.push(s.service);
    }

    // ---- the router ----
    this.configText = NginxRouterConfig.render({
      shards: this.shardServices.map((s) => ({ host: s.name, port })),
      key: props.shardKey,
      port: ROUTER_PORT,
      runDir: '/tmp',
      ...downShard,
    });
    const routerName = `${baseName}-router`;
    const labelOptions = { name: 'nginx', instance: baseName, component: 'router', partOf, version: RecommendedLabels.versionOf(routerImage) };
    const selector = RecommendedLabels.selector(labelOptions);
    const labels = RecommendedLabels.of(labelOptions);
    this.config = new kplus.ConfigMap(this, 'RouterConfig', { metadata: { name: routerName, labels }, data: { 'nginx.conf': this.configText } });
    const user = ContainerImages.user(ImageKey.NGINX);
    this.router = RestrictedWorkloads.deployment(this, 'Router', {
      name: routerName,
      labels,
      selector,
      replicas: routerReplicas,
      uid: user.uid,
      gid: user.gid,
      strategy: Availability.surgeOnly(),
    });
    const nginx = RestrictedSecurity.addContainer(this.router, {
      name: 'nginx',
      image: routerImage,
      command: ['nginx', '-c', `${ROUTER_CONFIG_DIR}/nginx.conf`, '-e', 'stderr'],
      ports: [{ number: ROUTER_PORT, name: 'http' }],
      readiness: kplus.Probe.fromHttpGet(NginxRouterConfig.HEALTH_PATH, { port: ROUTER_PORT, periodSeconds: Duration.seconds(5) }),
      liveness: kplus.Probe.fromHttpGet(NginxRouterConfig.HEALTH_PATH, { port: ROUTER_PORT, periodSeconds: Duration.seconds(10) }),
      resources: routerResources,
    }, user);
    nginx.mount(ROUTER_CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'RouterConfigVolume', this.config, { name: 'router-config' }), { readOnly: true });
    RestrictedSecurity.addWritableDirs(this.router, nginx, { paths: ['/tmp'], sizeLimit: Size.mebibytes(128) });
    ConfigChecksum.annotate(this.router, [this.config]);
    applyPodOptions(this.router, pod);
    RestrictedWorkloads.availability(this, this.router, selector, labels, { replicas: routerReplicas, pod });
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: baseName, labels },
      selector: kplus.Pods.select(this, 'RouterPods', { labels: selector }),
      ports: [{ name: 'http', port: servicePort, targetPort: ROUTER_PORT }],
    });

    // ---- network: the clients → the router → every shard; nginx resolves the shards' names
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    const routerGroup = this.graph.group(this, 'RouterNetworkPolicy', { name: routerName, selector, title: `router ×${routerReplicas} (nginx)`, ownCodeOnly: true }, labels);
    this.graph.frontDoor(routerGroup, [{ port: ROUTER_PORT }], 'requests, hashed to a shard');
    this.graph.resolvesNames(routerGroup);
    this.shardDeployments.forEach((d, i) => {
      const group = this.graph.group(this, `Shard${i}NetworkPolicy`, { name: d.name, selector: d.matchLabels, title: `shard ${i} ×${replicasPerShard}` }, d.metadata.toJson().labels);
      this.graph.allow(routerGroup, group, [{ port }], 'the shard\'s keys');
    });
  }

  /** The service's traffic as a Mermaid flowchart: the same graph the NetworkPolicies are made from. */
  public toMermaid(): string {
    return this.graph.toMermaid(`ShardedService ${this.node.path}`);
  }
}
