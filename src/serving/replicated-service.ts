import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { throwFirstPropProblem } from '../config/_problems';
import { NginxConfig } from '../config/nginx';
import { VarnishConfig } from '../config/varnish';
import { containerResources } from '../core/_resources';
import { Availability } from '../core/availability';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { withDefaultPort } from '../core/probe-port';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
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
  /** The app's image (stateless), pinned to a tag or digest. */
  readonly image: string;
  /** The port the app listens on. */
  readonly port: number;
  /**
   * The readiness probe. Required: "when designing a replicated service, it is equally important to build and
   * deploy a readiness probe" — without one a starting or overloaded replica gets traffic it cannot serve, and
   * a rolling update can take the whole service down. When the probe is an HTTP GET, the cache tier's health
   * probe uses its path too.
   */
  readonly readiness: kplus.Probe;
  /**
   * The base name of the objects (`<name>`, `<name>-cache`, `<name>-tls`).
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
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
   * Scale on CPU with a HorizontalPodAutoscaler (autoscaling/v2).
   *
   * @default - a fixed number of replicas
   */
  readonly autoscaling?: ReplicatedServiceAutoscaling;
  /**
   * A liveness probe (restarts a replica that hangs; keep it cheaper and more lenient than readiness).
   *
   * @default - none
   */
  readonly liveness?: kplus.Probe;
  /**
   * A startup probe (holds the other probes off while a slow app starts).
   *
   * @default - none
   */
  readonly startup?: kplus.Probe;
  /**
   * Resource requests and limits. The CPU request is what `autoscaling.cpuUtilizationPercent` is measured
   * against.
   *
   * @default - requests 100m CPU and 128Mi memory, limits 1 CPU and 512Mi memory
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * How long a replica may take to finish its requests after SIGTERM.
   *
   * @default Duration.seconds(30)
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Sleep this long in a preStop hook before SIGTERM, so that the Service stops sending new requests before the
   * app stops taking them. Needs a `sleep` binary in the image.
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
   * The app's entrypoint.
   *
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * The app's arguments.
   *
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * Plain environment variables.
   *
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * The non-root uid the app runs as.
   *
   * @default 1000
   */
  readonly uid?: number;
  /**
   * The gid the app runs as.
   *
   * @default - the uid
   */
  readonly gid?: number;
  /**
   * Paths the app writes to (an emptyDir each: the root filesystem is read-only).
   *
   * @default ['/tmp']
   */
  readonly writableDirs?: string[];
  /**
   * Image overrides (varnish, nginx).
   *
   * @default - the defaults of `ContainerImages`
   */
  readonly images?: ImageOverrides;
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
  private readonly images?: ImageOverrides;
  private readonly props: ReplicatedServiceProps;
  private cache?: ServiceTier;
  private tls?: ServiceTier;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: ReplicatedServiceProps) {
    super(scope, id);
    this.props = props;
    this.name = ResourceNames.baseName(this, props.name, ResourceNames.MAX_LABEL - '-cache'.length);
    ContainerImages.checkPinned(this, 'image', props.image);
    if (!props.readiness) {
      throw propError(this, 'readiness', 'a readiness probe, e.g. kplus.Probe.fromHttpGet(\'/readyz\'): without one a starting or overloaded replica gets traffic it cannot serve, and a rolling update can take the service down', props.readiness);
    }
    this.appPort = PropCheck.integer(this, 'port', 1, 65535, 0, props.port);
    this.appServicePort = PropCheck.integer(this, 'servicePort', 1, 65535, 80, props.servicePort);
    this.images = props.images;
    const uid = PropCheck.integer(this, 'uid', 1, 2147483647, 1000, props.uid);
    const gid = PropCheck.integer(this, 'gid', 0, 2147483647, uid, props.gid);
    const maxSurge = PropCheck.integer(this, 'maxSurge', 1, 1000, 1, props.maxSurge);

    // Replicas: fixed, or owned by the autoscaler.
    const auto = props.autoscaling;
    let replicas: number;
    if (auto) {
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
    if (props.sessionAffinityTimeout !== undefined && !props.sessionAffinity) {
      throw propError(this, 'sessionAffinityTimeout', 'unset unless \'sessionAffinity\' is true', `${props.sessionAffinityTimeout.toMilliseconds()}ms`);
    }
    const affinitySeconds = props.sessionAffinity ? PropCheck.wholeSeconds(this, 'sessionAffinityTimeout', 1, 86400, Duration.hours(3), props.sessionAffinityTimeout) : undefined;

    const selector = RecommendedLabels.selector({ name: this.name, instance: this.name, component: 'app' });
    const labels = RecommendedLabels.of({ name: this.name, instance: this.name, component: 'app', partOf: 'replicated-service' });
    this.deployment = RestrictedWorkloads.deployment(this, 'Deployment', {
      name: this.name,
      labels,
      selector,
      uid,
      gid,
      replicas: auto ? undefined : replicas,
      strategy: Availability.surgeOnly(maxSurge),
      terminationGracePeriod: props.terminationGracePeriod ?? Duration.seconds(30),
    });
    this.container = RestrictedSecurity.addContainer(this.deployment, {
      name: 'app',
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: props.command,
      args: props.args,
      envVariables: plainEnv(props.env),
      ports: [{ number: this.appPort, name: 'http' }],
      readiness: withDefaultPort(props.readiness, this.appPort),
      liveness: withDefaultPort(props.liveness, this.appPort),
      startup: withDefaultPort(props.startup, this.appPort),
      resources: props.resources ?? containerResources({ cpu: ['100m', '1000m'], memory: ['128Mi', '512Mi'] }),
      lifecycle: props.preStopSleep === undefined ? undefined : {
        preStop: kplus.Handler.fromCommand(['sleep', String(PropCheck.wholeSeconds(this, 'preStopSleep', 1, 3600, Duration.seconds(1), props.preStopSleep))]),
      },
    }, { uid, gid });
    RestrictedSecurity.addWritableDirs(this.deployment, this.container, { paths: props.writableDirs ?? ['/tmp'] });

    if (auto) {
      this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata: { name: this.name, labels },
        target: this.deployment,
        minReplicas: auto.minReplicas,
        maxReplicas: auto.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(auto.cpuUtilizationPercent ?? 70))],
      });
    }
    // With an autoscaler the PDB and the spread are sized for its maximum.
    this.podDisruptionBudget = RestrictedWorkloads.availability(this, this.deployment, selector, labels, {
      replicas: auto ? auto.maxReplicas : replicas,
      minAvailable,
    });

    this.appService = new kplus.Service(this, 'Service', {
      metadata: { name: this.name, labels },
      type: props.serviceType ?? kplus.ServiceType.CLUSTER_IP,
      selector: kplus.Pods.select(this, 'ServicePods', { labels: selector }),
      ports: [{ name: 'http', port: this.appServicePort, targetPort: this.appPort }],
    });
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
    if (this.cache) throw new Error(`${PropCheck.where(this)}: addCacheTier() was already called`);
    if (this.tls) throw new Error(`${PropCheck.where(this)}: addCacheTier() must come before addTlsTier(): the TLS tier proxies to the tier behind it`);
    this.checkTierInFront();
    const port = PropCheck.integer(this, 'cacheTier.port', 1024, 65535, 6081, options.port);
    this.checkPortFree('cacheTier.port', port);
    const servicePort = PropCheck.integer(this, 'cacheTier.servicePort', 1, 65535, 80, options.servicePort);
    const replicas = PropCheck.integer(this, 'cacheTier.replicas', 1, 1000, 2, options.replicas);
    const cacheSize = options.cacheSize ?? Size.mebibytes(256);
    const cacheMib = PropCheck.wholeMebibytes(this, 'cacheTier.cacheSize', 1, MAX_MIB, cacheSize);
    const limitMib = PropCheck.wholeMebibytes(this, 'cacheTier.memoryLimit', 1, MAX_MIB, Size.mebibytes(cacheMib + 128), options.memoryLimit);
    if (cacheMib + 64 > limitMib) {
      throw propError(this, 'cacheTier.cacheSize', `at most 'cacheTier.memoryLimit' (${limitMib}Mi) minus 64Mi that varnish needs beyond the cache (threads, workspaces, transient objects)`, `${cacheMib}Mi`);
    }
    let probePath = options.probePath;
    if (probePath === undefined) {
      probePath = this.props.readiness._toKube(this.container).httpGet?.path;
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
    };
    // The options it passes through are the tier's own: varnish's rules, named as the user wrote them.
    throwFirstPropProblem(this, VarnishConfig._vclProblems(vclOptions), 'cacheTier.');
    const vcl = VarnishConfig.vcl(vclOptions);
    const name = `${this.name}-cache`;
    const user = ContainerImages.user(ImageKey.VARNISH);
    this.cache = addTier(this, this.name, {
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
      writableDirs: [VarnishConfig.WORK_DIR, '/tmp'],
      resources: containerResources({ cpu: ['100m', '1000m'], memory: [`${limitMib}Mi`, `${limitMib}Mi`] }),
      ports: [{ number: port, name: 'http', servicePort }],
      upstream: { host: this.name, port: this.appServicePort },
    });
    return this.cache;
  }

  /**
   * Adds an nginx TLS tier in front of the cache tier (or the app): a Deployment and a Service `<name>-tls`
   * terminating TLS with the edge certificate of `secret` and proxying with X-Forwarded-* headers.
   */
  public addTlsTier(options: TlsTierOptions): ServiceTier {
    if (this.tls) throw new Error(`${PropCheck.where(this)}: addTlsTier() was already called`);
    if (!options || !options.secret) {
      throw propError(this, 'tlsTier.secret', 'a kubernetes.io/tls Secret with tls.crt and tls.key (the edge certificate)', options?.secret);
    }
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
    };
    throwFirstPropProblem(this, NginxConfig._tlsProxyProblems(nginxOptions), 'tlsTier.');
    const conf = NginxConfig.tlsProxy(nginxOptions);
    const user = ContainerImages.user(ImageKey.NGINX);
    const ports = [{ number: port, name: 'https', servicePort }];
    if (redirect !== undefined) ports.push({ number: redirect, name: 'http-redirect', servicePort: 80 });
    this.tls = addTier(this, this.name, {
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
      writableDirs: [NginxConfig.DEFAULT_RUN_DIR],
      resources: containerResources({ cpu: ['100m', '1000m'], memory: ['64Mi', '128Mi'] }),
      ports,
      secret: options.secret,
      serviceType: options.serviceType,
      upstream,
    });
    return this.tls;
  }

  // -------------------------------------------------------------------------------------------------------------

  /** A tier may go in front only while the app's Service is internal and not pinning clients by IP. */
  private checkTierInFront() {
    if (this.cache || this.tls) return;
    if (this.props.sessionAffinity) {
      throw propError(this, 'sessionAffinity', 'false with a tier in front of the app: every request would come from that tier\'s few pods, so ClientIP affinity would pin each of them to one replica (use cookie-based affinity at an ingress)', true);
    }
    const type = this.props.serviceType ?? kplus.ServiceType.CLUSTER_IP;
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

/** 1 TiB: the largest memory a tier is given. */
const MAX_MIB = 1_048_576;

function plainEnv(env?: { [name: string]: string }): { [name: string]: kplus.EnvValue } | undefined {
  if (env === undefined) return undefined;
  const out: { [name: string]: kplus.EnvValue } = {};
  for (const k of Object.keys(env).sort()) out[k] = kplus.EnvValue.fromValue(env[k]);
  return out;
}
