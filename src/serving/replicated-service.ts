import { ApiObject, Duration, JsonPatch, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addAppContainer, checkAppContainer } from '../blocks/_app-container';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { nginxTlsReadiness, varnishReadiness } from '../blocks/_proxy-readiness';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { TrafficGraph, TrafficGroup } from '../blocks/_traffic';
import { throwFirstPropProblem } from '../config/_problems';
import { NginxConfig } from '../config/nginx';
import { VarnishConfig } from '../config/varnish';
import { assertNotSynthesized } from '../core/_app-checks';
import { resourcesOr } from '../core/_resources';
import { checkResources, checkSleepWithinGrace } from '../core/_rules';
import { AppContainerProps } from '../core/app-container';
import { Availability } from '../core/availability';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPeer, NetworkPolicyOptions, NetworkPort } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { addTier } from './replicated-service/_tier';
import { CacheTierOptions, ServiceTier, TlsTierOptions } from './replicated-service/tier-options';

/**
 * Horizontal autoscaling of a `ReplicatedService` on CPU.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 */
export interface ReplicatedServiceAutoscaling {
  /** The fewest replicas (at least 1). */
  readonly minReplicas: number;
  /** The most replicas. */
  readonly maxReplicas: number;
  /**
   * The average CPU use, in percent of the CPU request, the autoscaler keeps the replicas at.
   *
   * @default 70
   */
  readonly cpuUtilizationPercent?: number;
}

/**
 * Properties for `ReplicatedService`.
 */
export interface ReplicatedServiceProps {
  /**
   * The app: your stateless container. `app.port` is required (the Service sends requests to it), and so is
   * `app.readiness`: "when designing a replicated service, it is equally important to build and deploy a readiness
   * probe" — without one a starting or overloaded replica gets traffic it cannot serve, and a rolling update can
   * take the whole service down. When the readiness probe is an HTTP GET, the cache tier's health probe uses its
   * path too. A preStop hook is set by `preStopSleep`, not here.
   *
   * Its default resources: requests 100m CPU and 128Mi memory, limits 1 CPU and 512Mi memory (the CPU request is
   * what `autoscaling.cpuUtilizationPercent` is measured against).
   */
  readonly app: AppContainerProps;
  /**
   * The base name of the objects (`<name>`, `<name>-cache`, `<name>-tls`).
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * `app.kubernetes.io/part-of` of every object: the application this service belongs to.
   *
   * @default - the app-wide context value `RecommendedLabels.PART_OF_CONTEXT_KEY`, else the base name
   */
  readonly partOf?: string;
  /**
   * Pod options for every pod: the app's, the cache tier's and the TLS tier's.
   *
   * @default - none
   */
  readonly pod?: PodOptions;
  /**
   * The port of the app's Service.
   *
   * @default 80
   */
  readonly servicePort?: number;
  /**
   * The number of replicas (unset with `autoscaling`: the autoscaler owns it).
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * How many extra replicas a rolling update may start. It never stops an old replica before its replacement
   * is ready (`maxUnavailable: 0`), so the service keeps its full capacity during an update.
   *
   * @default 1
   */
  readonly maxSurge?: number;
  /**
   * The PodDisruptionBudget's `minAvailable`: how many replicas must stay up through node drains. Must be less
   * than the replicas (or the autoscaler's minimum), or every drain blocks.
   *
   * @default - `maxUnavailable: 1`
   */
  readonly minAvailable?: number;
  /**
   * Scale on CPU with a HorizontalPodAutoscaler (autoscaling/v2). The PodDisruptionBudget and the spread over
   * nodes are sized for its maximum.
   *
   * @default - a fixed number of replicas
   */
  readonly autoscaling?: ReplicatedServiceAutoscaling;
  /**
   * How long a replica may take to finish its requests after SIGTERM (the preStop sleep included).
   *
   * @default Duration.seconds(30)
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Sleep this long in a preStop hook before SIGTERM, so that the Service stops sending new requests before the
   * app stops taking them. Needs a `sleep` binary in the image. Must be shorter than `terminationGracePeriod`:
   * the hook counts against it.
   *
   * @default - no preStop hook
   */
  readonly preStopSleep?: Duration;
  /**
   * `sessionAffinity: ClientIP` on the app's Service: each client IP keeps reaching the same replica. Behind a
   * NAT many clients share one IP (and behind a cache or TLS tier every request comes from that tier's pods),
   * so it is only allowed while the app's Service is the one clients reach; prefer cookie-based affinity at
   * an ingress.
   *
   * @default false
   */
  readonly sessionAffinity?: boolean;
  /**
   * How long a client IP stays pinned to its replica.
   *
   * @default Duration.hours(3)
   */
  readonly sessionAffinityTimeout?: Duration;
  /**
   * The type of the app's Service (only while no tier is in front of it).
   *
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly serviceType?: kplus.ServiceType;
  /**
   * Image overrides (varnish, nginx).
   *
   * @default - the defaults of `ContainerImages`
   */
  readonly images?: ImageOverrides;
  /**
   * The NetworkPolicies: one per pod group (the app, the cache tier, the TLS tier), each a default deny for ingress
   * and egress plus exactly the service's own traffic — `clients` reach the outermost tier only (the TLS tier, else
   * the cache tier, else the app) on its container ports; the TLS tier reaches the tier behind it, the cache tier
   * the app, both the cluster DNS (they resolve the Service names they proxy to); nothing else reaches the app.
   * When the outermost Service is a NodePort or LoadBalancer and `clients` is unset, any address may reach it (the
   * load balancer's and nodes' addresses are not known) as well as the namespace's pods. Your app's own traffic
   * (a database, an API it calls) goes in `extraEgress`, which widens the app's policy only (the tiers run the
   * library's configuration of varnish and nginx) and gives the app the cluster DNS; `extraIngress` widens every
   * policy. `monitoring` opens nothing here (no tier serves metrics); give your app's scrape port in `extraIngress`.
   *
   * @default - on; clients from the same namespace (any address for an exposed Service)
   */
  readonly networkPolicy?: NetworkPolicyOptions;
}

/**
 * A replicated, stateless service (book chapter 5): a Deployment of the app behind a Service, with what a
 * production user expects — a required readiness probe, at least two replicas, rolling updates that never go
 * below the desired count, a PodDisruptionBudget, a spread over nodes, resource requests, graceful
 * termination — and optional autoscaling, session affinity, a varnish caching tier and an nginx TLS tier:
 *
 * client → nginx (TLS, `addTlsTier`) → varnish (cache, `addCacheTier`) → app.
 *
 * Each tier is its own replicated Deployment with its own Service and PodDisruptionBudget; the outermost tier's
 * Service (`service`) is the one clients use. Every pod passes Pod Security `restricted`.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
export class ReplicatedService extends Construct {
  /** The base name of the objects. */
  public readonly name: string;
  /** The app's Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The app container. */
  public readonly container: kplus.Container;
  /** The app's Service (a ClusterIP Service: the cache tier's single backend). */
  public readonly appService: kplus.Service;
  /**
   * The app's PodDisruptionBudget.
   *
   * @default - none with a single replica
   */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /**
   * The HorizontalPodAutoscaler.
   *
   * @default - none without `autoscaling`
   */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;

  private readonly appPort: number;
  private readonly appServicePort: number;
  private readonly readiness: kplus.Probe;
  private readonly images?: ImageOverrides;
  private readonly partOf: string;
  private readonly podOptions: PodOptions;
  private readonly sessionAffinity: boolean;
  private readonly serviceType: kplus.ServiceType;
  private cache?: ServiceTier;
  private tls?: ServiceTier;
  private readonly graph: TrafficGraph;
  private readonly clients?: NetworkPeer[];
  /** The outermost pod group (the one clients reach) and the ports it listens on. */
  private front: { group: TrafficGroup; ports: NetworkPort[] };

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: ReplicatedServiceProps) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== 'object') throw propError(this, 'props', 'a ReplicatedServiceProps object ({ app: { image, port, readiness } })', props);
    this.name = ResourceNames.baseName(this, props.name, ResourceNames.MAX_LABEL - '-cache'.length);
    this.partOf = RecommendedLabels.partOf(this, this.name, props.partOf);
    this.podOptions = checkPodOptions(this, 'pod', props.pod);
    const app = checkAppContainer(this, 'app', props.app, {
      name: 'app',
      portRequired: 'the Service sends requests to it',
      readinessRequired: 'e.g. kplus.Probe.fromHttpGet(\'/readyz\'): without one a starting or overloaded replica gets traffic it cannot serve, and a rolling update can take the service down',
      defaultResources: { cpu: ['100m', '1000m'], memory: ['128Mi', '512Mi'] },
    });
    this.appPort = app.port!;
    this.readiness = app.props.readiness!;
    this.appServicePort = PropCheck.integer(this, 'servicePort', 1, 65535, 80, props.servicePort);
    this.images = props.images;
    const maxSurge = PropCheck.integer(this, 'maxSurge', 1, 1000, 1, props.maxSurge);
    const graceSeconds = PropCheck.wholeSeconds(this, 'terminationGracePeriod', 0, 86400, Duration.seconds(30), props.terminationGracePeriod);
    const preStopSeconds = props.preStopSleep === undefined ? undefined : PropCheck.wholeSeconds(this, 'preStopSleep', 1, 3600, Duration.seconds(1), props.preStopSleep);
    if (preStopSeconds !== undefined) checkSleepWithinGrace(this, 'preStopSleep', preStopSeconds, graceSeconds);

    // Replicas: fixed, or owned by the autoscaler.
    const auto = props.autoscaling;
    let replicas: number;
    if (auto !== undefined) {
      if (auto === null || typeof auto !== 'object') throw propError(this, 'autoscaling', 'a ReplicatedServiceAutoscaling ({ minReplicas, maxReplicas })', auto);
      if (props.replicas !== undefined) throw propError(this, 'replicas', 'unset when \'autoscaling\' is given (the HorizontalPodAutoscaler owns the replica count)', props.replicas);
      const max = PropCheck.integer(this, 'autoscaling.maxReplicas', 1, 1000, 0, auto.maxReplicas);
      const min = PropCheck.integer(this, 'autoscaling.minReplicas', 1, 1000, 0, auto.minReplicas);
      if (min > max) throw propError(this, 'autoscaling.minReplicas', `at most 'autoscaling.maxReplicas' (${max})`, min);
      PropCheck.integer(this, 'autoscaling.cpuUtilizationPercent', 1, 1000, 70, auto.cpuUtilizationPercent);
      replicas = min;
    } else {
      replicas = PropCheck.integer(this, 'replicas', 1, 1000, 2, props.replicas);
    }
    const minAvailable = props.minAvailable === undefined ? undefined : PropCheck.integer(this, 'minAvailable', 0, 1000, 0, props.minAvailable);
    if (minAvailable !== undefined && minAvailable >= replicas) {
      throw propError(this, 'minAvailable', `less than ${auto ? '\'autoscaling.minReplicas\'' : '\'replicas\''} (${replicas}): a PodDisruptionBudget that needs every replica up blocks every node drain`, minAvailable);
    }
    this.sessionAffinity = checkBoolean(this, 'sessionAffinity', props.sessionAffinity);
    if (props.sessionAffinityTimeout !== undefined && !this.sessionAffinity) {
      throw propError(this, 'sessionAffinityTimeout', 'unset unless \'sessionAffinity\' is true', showDuration(props.sessionAffinityTimeout));
    }
    const affinitySeconds = this.sessionAffinity ? PropCheck.wholeSeconds(this, 'sessionAffinityTimeout', 1, 86400, Duration.hours(3), props.sessionAffinityTimeout) : undefined;
    this.serviceType = checkServiceType(this, 'serviceType', props.serviceType);

    const selector = RecommendedLabels.selector({ name: this.name, instance: this.name, component: 'app' });
    const labels = RecommendedLabels.of({ name: this.name, instance: this.name, component: 'app', partOf: this.partOf, version: RecommendedLabels.versionOf(app.props.image) });
    this.deployment = RestrictedWorkloads.deployment(this, 'Deployment', {
      name: this.name,
      labels,
      selector,
      uid: app.uid,
      gid: app.gid,
      replicas: auto ? undefined : replicas,
      strategy: Availability.surgeOnly(maxSurge),
      terminationGracePeriod: Duration.seconds(graceSeconds),
    });
    this.container = addAppContainer(this.deployment, app, {
      lifecycle: preStopSeconds === undefined ? undefined : { preStop: kplus.Handler.fromCommand(['sleep', String(preStopSeconds)]) },
    });
    applyPodOptions(this.deployment, this.podOptions);

    if (auto) {
      this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata: { name: this.name, labels },
        target: this.deployment,
        minReplicas: auto.minReplicas,
        maxReplicas: auto.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(auto.cpuUtilizationPercent ?? 70))],
      });
    }
    // With an autoscaler the PDB and the spread are sized for its maximum: at its minimum of one replica there
    // would otherwise be none, though it runs many replicas under load.
    this.podDisruptionBudget = RestrictedWorkloads.availability(this, this.deployment, selector, labels, {
      replicas: auto ? auto.maxReplicas : replicas,
      minAvailable,
      pod: this.podOptions,
    });

    this.appService = new kplus.Service(this, 'Service', {
      metadata: { name: this.name, labels },
      type: this.serviceType,
      selector: kplus.Pods.select(this, 'ServicePods', { labels: selector }),
      ports: [{ name: app.portName, port: this.appServicePort, targetPort: this.appPort }],
    });

    // ---- network: default deny per pod group; clients reach the outermost tier only
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    this.clients = props.networkPolicy?.clients;
    const replicaText = auto ? `${auto.minReplicas}–${auto.maxReplicas}` : `${replicas}`;
    const group = this.graph.group(this, 'NetworkPolicy', { name: this.name, selector, title: `app replicas ×${replicaText}` }, labels);
    // The app's own traffic (extraEgress) is to Services by name, so it resolves names then; with none it sends nothing.
    if (props.networkPolicy?.extraEgress?.length) this.graph.resolvesNames(group);
    this.front = { group, ports: [{ port: this.appPort }] };
    this.openFrontDoor(this.serviceType);
    if (affinitySeconds !== undefined) {
      // cdk8s-plus' Service has no session affinity. The L1 maps its props to the API's names after the patches
      // are applied, so the patch uses the L1's spelling `clientIp` (it becomes `clientIP`).
      ApiObject.of(this.appService).addJsonPatch(
        JsonPatch.add('/spec/sessionAffinity', 'ClientIP'),
        JsonPatch.add('/spec/sessionAffinityConfig', { clientIp: { timeoutSeconds: affinitySeconds } }),
      );
    }
  }

  /** The Service clients use: the outermost tier's (TLS, else cache, else the app's). */
  public get service(): kplus.Service {
    return this.tls?.service ?? this.cache?.service ?? this.appService;
  }

  /**
   * The cache tier, if added.
   *
   * @default - none
   */
  public get cacheTier(): ServiceTier | undefined {
    return this.cache;
  }

  /**
   * The TLS tier, if added.
   *
   * @default - none
   */
  public get tlsTier(): ServiceTier | undefined {
    return this.tls;
  }

  /**
   * Adds a varnish caching tier in front of the app: a Deployment and a Service `<name>-cache`. Its single
   * backend is the app's ClusterIP Service, probed on the app's readiness path. Add it before the TLS tier.
   */
  public addCacheTier(options: CacheTierOptions = {}): ServiceTier {
    assertNotSynthesized(this, 'addCacheTier()');
    checkOptions(this, 'cacheTier', 'CacheTierOptions', options);
    if (this.cache) throw new Error(`${PropCheck.where(this)}: addCacheTier() was already called`);
    if (this.tls) throw new Error(`${PropCheck.where(this)}: addCacheTier() must come before addTlsTier(): the TLS tier proxies to the tier behind it`);
    this.checkTierInFront();
    const port = PropCheck.integer(this, 'cacheTier.port', 1024, 65535, 6081, options.port);
    this.checkPortFree('cacheTier.port', port);
    const servicePort = PropCheck.integer(this, 'cacheTier.servicePort', 1, 65535, 80, options.servicePort);
    const replicas = PropCheck.integer(this, 'cacheTier.replicas', 1, 1000, 2, options.replicas);
    const cacheSize = options.cacheSize ?? Size.mebibytes(256);
    const cacheMib = PropCheck.wholeMebibytes(this, 'cacheTier.cacheSize', 1, MAX_MIB, cacheSize);
    const resources = resourcesOr(checkResources(this, 'cacheTier.resources', options.resources), { cpu: ['100m', '1000m'], memory: [`${cacheMib + 128}Mi`, `${cacheMib + 128}Mi`], ephemeralStorage: ['128Mi', '576Mi'] });
    const limit = resources.memory?.limit;
    const limitMib = limit === undefined ? undefined : limit.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (limitMib !== undefined && cacheMib + 64 > limitMib) {
      throw propError(this, 'cacheTier.cacheSize', `at most 'cacheTier.resources.memory.limit' (${limitMib}Mi) minus 64Mi that varnish needs beyond the cache (threads, workspaces, transient objects)`, `${cacheMib}Mi`);
    }
    let probePath = options.probePath;
    if (probePath === undefined) {
      probePath = this.readiness._toKube(this.container).httpGet?.path;
      if (probePath === undefined) {
        throw propError(this, 'cacheTier.probePath', 'given: the app\'s readiness probe is not an HTTP GET, and varnish probes over HTTP', probePath);
      }
    }

    const vclOptions = {
      backendHost: this.name,
      backendPort: this.appServicePort,
      probePath,
      probeInterval: options.probeInterval,
      ttl: options.ttl,
      grace: options.grace,
      healthPath: VarnishConfig.CACHE_TIER_HEALTH_PATH,
    };
    // The options it passes through are the tier's own: varnish's rules, named as the user wrote them.
    throwFirstPropProblem(this, VarnishConfig._vclProblems(vclOptions), 'cacheTier.');
    const vcl = VarnishConfig.vcl(vclOptions);
    const name = `${this.name}-cache`;
    const user = ContainerImages.user(ImageKey.VARNISH);
    const added = addTier(this, this.name, {
      id: 'Cache',
      name,
      component: 'cache',
      software: 'varnish',
      replicas,
      port,
      servicePort,
      uid: user.uid,
      gid: user.gid,
      image: ContainerImages.resolve(this, ImageKey.VARNISH, this.images),
      command: VarnishConfig.command({ port, cacheSize }),
      configKey: VarnishConfig.VCL_FILE_NAME,
      configDir: VarnishConfig.VCL_DIR,
      configText: vcl,
      // The work dir holds varnishd's shared memory log (~90Mi by default) and the compiled VCL.
      writableDirs: [VarnishConfig.WORK_DIR, '/tmp'],
      writableDirSizeLimit: Size.mebibytes(256),
      resources,
      ports: [{ number: port, name: 'http', servicePort }],
      readiness: varnishReadiness(port),
      upstream: { host: this.name, port: this.appServicePort },
      partOf: this.partOf,
      pod: this.podOptions,
      graph: this.graph,
      title: `cache tier (varnish) ×${replicas}`,
    });
    this.cache = added.tier;
    this.putInFront(added.group, [{ port }], kplus.ServiceType.CLUSTER_IP, 'varnish: the app Service (requests, health probes)');
    return this.cache;
  }

  /**
   * Adds an nginx TLS tier in front of the cache tier (or the app): a Deployment and a Service `<name>-tls`
   * terminating TLS with the edge certificate of `secret` and proxying with X-Forwarded-* headers.
   */
  public addTlsTier(options: TlsTierOptions): ServiceTier {
    assertNotSynthesized(this, 'addTlsTier()');
    checkOptions(this, 'tlsTier', 'TlsTierOptions', options);
    if (this.tls) throw new Error(`${PropCheck.where(this)}: addTlsTier() was already called`);
    const secret: any = options.secret;
    if (secret === undefined || secret === null || typeof secret !== 'object') {
      throw propError(this, 'tlsTier.secret', 'a kubernetes.io/tls Secret with tls.crt and tls.key (the edge certificate)', secret);
    }
    if (!ResourceNames.isDnsSubdomain(secret.name)) {
      throw propError(this, 'tlsTier.secret', 'a Secret (kplus.Secret.fromSecretName(...)) whose name is a DNS-1123 subdomain', secret.name);
    }
    const resources = resourcesOr(checkResources(this, 'tlsTier.resources', options.resources), { cpu: ['100m', '1000m'], memory: ['64Mi', '128Mi'], ephemeralStorage: ['32Mi', '192Mi'] });
    const serviceType = checkServiceType(this, 'tlsTier.serviceType', options.serviceType);
    this.checkTierInFront();
    const port = PropCheck.integer(this, 'tlsTier.port', 1024, 65535, NginxConfig.DEFAULT_HTTPS_PORT, options.port);
    this.checkPortFree('tlsTier.port', port);
    const servicePort = PropCheck.integer(this, 'tlsTier.servicePort', 1, 65535, 443, options.servicePort);
    const redirect = options.redirectHttpPort === undefined ? undefined : PropCheck.integer(this, 'tlsTier.redirectHttpPort', 1024, 65535, 0, options.redirectHttpPort);
    if (redirect !== undefined) {
      if (redirect === port) throw propError(this, 'tlsTier.redirectHttpPort', `different from 'tlsTier.port' (${port})`, redirect);
      this.checkPortFree('tlsTier.redirectHttpPort', redirect);
      if (servicePort === 80) throw propError(this, 'tlsTier.servicePort', 'other than 80 with \'tlsTier.redirectHttpPort\' (the redirect is Service port 80)', servicePort);
    }
    const replicas = PropCheck.integer(this, 'tlsTier.replicas', 1, 1000, 2, options.replicas);
    const upstream = this.cache ? { host: `${this.name}-cache`, port: this.cache.servicePort } : { host: this.name, port: this.appServicePort };
    const nginxOptions = {
      upstreamHost: upstream.host,
      upstreamPort: upstream.port,
      httpsPort: port,
      redirectHttpPort: redirect,
      publicHttpsPort: servicePort,
      minTlsVersion: options.minTlsVersion,
      hstsMaxAge: options.hstsMaxAge,
      rateLimitPerSecond: options.rateLimitPerSecond,
      rateLimitBurst: options.rateLimitBurst,
      healthPath: NginxConfig.TLS_TIER_HEALTH_PATH,
    };
    throwFirstPropProblem(this, NginxConfig._tlsProxyProblems(nginxOptions, 'tlsTier.'), 'tlsTier.');
    const conf = NginxConfig.tlsProxy(nginxOptions);
    const user = ContainerImages.user(ImageKey.NGINX);
    const ports = [{ number: port, name: 'https', servicePort }];
    if (redirect !== undefined) ports.push({ number: redirect, name: 'http-redirect', servicePort: 80 });
    const added = addTier(this, this.name, {
      id: 'Tls',
      name: `${this.name}-tls`,
      component: 'tls',
      software: 'nginx',
      replicas,
      port,
      servicePort,
      uid: user.uid,
      gid: user.gid,
      image: ContainerImages.resolve(this, ImageKey.NGINX, this.images),
      command: NginxConfig.command(),
      configKey: NginxConfig.CONFIG_FILE_NAME,
      configDir: NginxConfig.CONFIG_DIR,
      configText: conf,
      // nginx's client-body and proxy temp files.
      writableDirs: [NginxConfig.DEFAULT_RUN_DIR],
      writableDirSizeLimit: Size.mebibytes(128),
      resources,
      ports,
      secret: options.secret,
      serviceType,
      upstream,
      partOf: this.partOf,
      pod: this.podOptions,
      graph: this.graph,
      title: `TLS tier (nginx) ×${replicas}`,
      // nginx answers the health path itself: a hung nginx (its port still accepted by the kernel, so a TCP probe
      // passes) times the probe out in 1 s and leaves the Service after 3 × 10 s; an upstream outage does not fail
      // it. No liveness probe, as on the other tiers: one that fails under load would turn overload into restarts.
      readiness: nginxTlsReadiness(port),
    });
    this.tls = added.tier;
    this.putInFront(added.group, ports.map((p) => ({ port: p.number })), serviceType, `nginx: the ${this.cache ? 'cache tier' : 'app'} Service (proxied requests)`);
    return this.tls;
  }

  /** The pods' traffic as a Mermaid flowchart: the same graph the NetworkPolicies are made from. */
  public toMermaid(): string {
    return this.graph.toMermaid(`ReplicatedService ${this.node.path}`);
  }

  // -------------------------------------------------------------------------------------------------------------

  /** A new outermost tier: it reaches the previous one on its ports and takes over the front door. */
  private putInFront(group: TrafficGroup, ports: NetworkPort[], type: kplus.ServiceType, why: string) {
    const behind = this.front;
    this.graph.allow(group, behind.group, behind.ports, why);
    this.graph.resolvesNames(group);
    this.graph.withdraw(behind.group, FRONT_DOOR);
    this.front = { group, ports };
    this.openFrontDoor(type);
  }

  /** The clients reach the outermost tier: `clients`, else the namespace (and any address for an exposed Service). */
  private openFrontDoor(type: kplus.ServiceType) {
    const exposed = type !== kplus.ServiceType.CLUSTER_IP;
    const clients = this.clients ?? (exposed ? [NetworkPeer.sameNamespace(), NetworkPeer.anywhere()] : [NetworkPeer.sameNamespace()]);
    for (const c of clients) this.graph.allowFrom(c, this.front.group, this.front.ports, FRONT_DOOR);
  }

  /** A tier may go in front only while the app's Service is internal and not pinning clients by IP. */
  private checkTierInFront() {
    if (this.cache || this.tls) return;
    if (this.sessionAffinity) {
      throw propError(this, 'sessionAffinity', 'false with a tier in front of the app: every request would come from that tier\'s few pods, so ClientIP affinity would pin each of them to one replica (use cookie-based affinity at an ingress)', true);
    }
    const type = this.serviceType;
    if (type !== kplus.ServiceType.CLUSTER_IP) {
      throw propError(this, 'serviceType', 'ClusterIP with a tier in front of the app (the app is then internal; give the outermost tier its serviceType)', type);
    }
  }

  /** Each tier listens on its own port: a port then names one tier (NetworkPolicies, metrics, logs), and tiers can share a host. */
  private checkPortFree(prop: string, port: number) {
    const taken: Array<[string, number]> = [['app', this.appPort]];
    if (this.cache) taken.push(['cache tier', this.cache.port]);
    for (const [tier, p] of taken) {
      if (p === port) throw propError(this, prop, `a port no other tier uses (the ${tier} listens on ${port})`, port);
    }
  }
}

/** Why the clients' edges exist (the front door moves to each tier added in front). */
const FRONT_DOOR = 'clients of the Service';

/** 1 TiB: the largest memory a tier is given. */
const MAX_MIB = 1_048_576;

/** The Service types a ReplicatedService's Services may have (an ExternalName Service selects no pods). */
const SERVICE_TYPES = [kplus.ServiceType.CLUSTER_IP, kplus.ServiceType.NODE_PORT, kplus.ServiceType.LOAD_BALANCER];

function checkServiceType(scope: Construct, prop: string, type: kplus.ServiceType | undefined): kplus.ServiceType {
  return PropCheck.oneOf(scope, prop, SERVICE_TYPES, kplus.ServiceType.CLUSTER_IP, type) as kplus.ServiceType;
}

function checkBoolean(scope: Construct, prop: string, value: boolean | undefined): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw propError(scope, prop, 'true or false', value);
  return value ?? false;
}

/** The options of an `add…()` call, named `prop` in messages: an object (a JavaScript or Python caller may pass anything). */
function checkOptions(scope: Construct, prop: string, type: string, options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw propError(scope, prop, `a ${type} object`, options);
}

/** A duration as messages show it (`300000ms`), or the value itself when it is not a Duration. */
function showDuration(d: any): any {
  return d !== null && typeof d === 'object' && typeof d.toMilliseconds === 'function' ? `${d.toMilliseconds({ integral: false })}ms` : d;
}

