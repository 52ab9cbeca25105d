import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addAppContainer, checkAppContainer } from '../blocks/_app-container';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { PodPorts } from '../blocks/_pod-ports';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { TrafficGraph, TrafficGroup } from '../blocks/_traffic';
import { throwFirstPropProblem } from '../config/_problems';
import { NginxSplitBackend, NginxSplitConfig, StickyKey } from '../config/nginx-split';
import { assertNotSynthesized } from '../core/_app-checks';
import { resourcesOr } from '../core/_resources';
import { checkImageOverrides, checkResources } from '../core/_rules';
import { AppContainerProps } from '../core/app-container';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPeer, NetworkPolicyOptions } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { GatewayParentRef, HttpRoute } from '../crds/gateway-api';

/**
 * Properties of `RequestSplitter`.
 */
export interface RequestSplitterProps {
  /**
   * Base name of the objects (the Deployment, its Service, the ConfigMap). At most 52 characters.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * The sides of the split, at least two, e.g. `web` with weight 9 and `experiment` with weight 1 (the book's 90/10).
   * Each side is a Service (`host`: its name, or `name.namespace`) and port; its share is its weight / the sum.
   */
  readonly backends: NginxSplitBackend[];
  /**
   * What keeps a user on one side: the client address (the book's `ip_hash`; breaks behind NAT), a cookie or a
   * header (an application-level key: the book's advice). Requests without the cookie or header are sticky by
   * address.
   *
   * @default StickyKey.clientIp() for a shared tier; required (a cookie or header) with `app`
   */
  readonly stickiness?: StickyKey;
  /**
   * Your app: the splitter becomes an in-pod ambassador. A Deployment `<name>` runs this container (named `app`)
   * and nginx listening on `127.0.0.1:<port>`; the app sends its requests to `SPLIT_URL` (`http://127.0.0.1:<port>`)
   * and passes the user's cookie or header on. Without `app`, the splitter is a shared tier: a Deployment of nginx
   * and a Service `<name>` the clients use.
   *
   * @default - a shared tier
   */
  readonly app?: AppContainerProps;
  /**
   * Replicas (of the shared tier, or of the app's Deployment). Every replica splits alike: the split is a hash of
   * the key, with no state.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The port nginx listens on (and the Service's port of a shared tier). 1024 or above: nginx runs unprivileged.
   *
   * @default 8080
   */
  readonly port?: number;
  /**
   * The port of the health endpoint in an in-pod ambassador (on the pod IP, for the kubelet's probes).
   *
   * @default port + 1
   */
  readonly healthPort?: number;
  /**
   * A response header naming the side that answered (e.g. `X-Split-Backend`).
   *
   * @default - none
   */
  readonly backendHeader?: string;
  /**
   * nginx's resources.
   *
   * @default - CPU 50m request, 500m limit; memory 32Mi request, 128Mi limit; ephemeral storage 32Mi request, 192Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Image overrides (`nginx`).
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
  /**
   * The NetworkPolicy of the pods: clients (default: this namespace) may reach the port; the pods may reach the
   * backends' ports (in this namespace for `host`s that are plain Service names, anywhere for the others) and DNS.
   *
   * @default - a default-deny policy with exactly those edges
   */
  readonly networkPolicy?: NetworkPolicyOptions;
  /**
   * Pod options of the pods.
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
}

/**
 * Options for `RequestSplitter.addHttpRoute`.
 */
export interface SplitRouteOptions {
  /**
   * The route's name.
   *
   * @default - the splitter's base name
   */
  readonly name?: string;
  /** The Gateways the route attaches to. */
  readonly parentRefs: GatewayParentRef[];
  /**
   * The host names the route answers.
   *
   * @default - every host name of the Gateway's listeners
   */
  readonly hostnames?: string[];
  /**
   * The path prefix the route matches.
   *
   * @default '/'
   */
  readonly pathPrefix?: string;
}

/** Where the config is mounted. */
const CONFIG_DIR = '/etc/nginx/split';
const SERVICE_NAME = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(?:\.([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(?:\.svc(?:\.cluster\.local)?)?)?$/;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The book's experiment ambassador (ch. 3, "Using an Ambassador to Do Experimentation or Request Splitting"):
 * nginx splits requests between sides by weight (the 90/10 experiment, or n ways), each user sticky to one side by
 * a key of your choice. As a shared tier (a Deployment and a Service) or as an ambassador in your app's pod; and,
 * for a cluster with a Gateway, the same weights as a Gateway API `HTTPRoute` (`addHttpRoute`).
 *
 * @see https://nginx.org/en/docs/http/ngx_http_split_clients_module.html
 */
export class RequestSplitter extends Construct {
  /** The Deployment (nginx; with `app`, the app and nginx). */
  public readonly deployment: kplus.Deployment;
  /** The Service clients use (a shared tier only). */
  public readonly service?: kplus.Service;
  /** The nginx config. */
  public readonly config: kplus.ConfigMap;
  /** The rendered nginx.conf. */
  public readonly configText: string;
  /** Each side's share in hundredths of a percent, in the order of `backends` (they sum to 10000). */
  public readonly basisPoints: number[];
  /** The port nginx listens on. */
  public readonly port: number;
  private readonly baseName: string;
  private readonly backends: NginxSplitBackend[];
  private readonly graph: TrafficGraph;
  private readonly labels: { [key: string]: string };
  private readonly routes: string[] = [];

  constructor(scope: Construct, id: string, props: RequestSplitterProps) {
    super(scope, id);
    this.baseName = ResourceNames.baseName(this, props?.name, ResourceNames.MAX_STATEFULSET);
    if (props === undefined || props === null || typeof props !== 'object') throw propError(this, 'props', 'a RequestSplitterProps object', props);
    const ambassador = props.app !== undefined;
    this.port = PropCheck.integer(this, 'port', 1024, 65535, 8080, props.port);
    const healthPort = ambassador ? PropCheck.integer(this, 'healthPort', 1024, 65535, this.port + 1, props.healthPort) : undefined;
    if (!ambassador && props.healthPort !== undefined) throw propError(this, 'healthPort', "unset without 'app' (a shared tier answers its health endpoint on 'port')", props.healthPort);
    const replicas = PropCheck.integer(this, 'replicas', 1, 1000, 2, props.replicas);
    if (ambassador && props.stickiness === undefined) {
      throw propError(this, 'stickiness', "StickyKey.cookie(name) or StickyKey.header(name) with 'app' (in the pod every request comes from 127.0.0.1)", props.stickiness);
    }
    if (ambassador && props.stickiness instanceof StickyKey && props.stickiness.isClientAddress) {
      throw propError(this, 'stickiness', "StickyKey.cookie(name) or StickyKey.header(name) with 'app' (in the pod every request comes from 127.0.0.1, so the client address would put every user on one side)", 'StickyKey.clientIp()');
    }
    const options = {
      backends: props.backends,
      stickiness: props.stickiness,
      port: this.port,
      listenAddress: ambassador ? '127.0.0.1' : undefined,
      healthPort,
      backendHeader: props.backendHeader,
      runDir: '/tmp',
    };
    throwFirstPropProblem(this, NginxSplitConfig._problems(options));
    this.backends = props.backends.map((b) => ({ ...b }));
    checkResources(this, 'resources', props.resources);
    checkImageOverrides(this, 'images', props.images, [ImageKey.NGINX]);
    const pod = checkPodOptions(this, 'pod', props.pod);
    const partOf = RecommendedLabels.partOf(this, this.baseName, props.partOf);
    const image = ContainerImages.resolve(this, ImageKey.NGINX, props.images);
    const user = ContainerImages.user(ImageKey.NGINX);

    this.configText = NginxSplitConfig.render(options);
    this.basisPoints = NginxSplitConfig.basisPoints(this.backends.map((b) => b.weight));
    const configLabels = RecommendedLabels.of({ name: 'nginx', instance: this.baseName, component: 'request-splitter', partOf, version: RecommendedLabels.versionOf(image) });
    this.config = new kplus.ConfigMap(this, 'Config', { metadata: { name: `${this.baseName}-split`, labels: configLabels }, data: { 'nginx.conf': this.configText } });

    // ---- the pods ----
    const checked = ambassador ? checkAppContainer(this, 'app', props.app, {
      name: 'app',
      defaultTcpReadiness: true,
      reservedEnv: ['SPLIT_URL'],
      defaultResources: { cpu: ['50m', '500m'], memory: ['64Mi', '256Mi'] },
    }) : undefined;
    const labelOptions = checked
      ? { name: this.baseName, instance: this.baseName, component: 'app', partOf, version: RecommendedLabels.versionOf(props.app!.image) }
      : { name: 'nginx', instance: this.baseName, component: 'request-splitter', partOf, version: RecommendedLabels.versionOf(image) };
    const selector = RecommendedLabels.selector(labelOptions);
    this.labels = RecommendedLabels.of(labelOptions);
    this.deployment = RestrictedWorkloads.deployment(this, 'Deployment', {
      name: this.baseName,
      labels: this.labels,
      selector,
      replicas,
      uid: checked?.uid ?? user.uid,
      gid: checked?.gid ?? user.gid,
    });
    const ports = new PodPorts(this);
    if (checked) {
      if (checked.port !== undefined) ports.claim({ container: 'app', number: checked.port, numberProp: 'app.port', name: checked.portName, nameProp: 'app.portName' });
      addAppContainer(this.deployment, checked, {
        envVariables: { SPLIT_URL: kplus.EnvValue.fromValue(`http://127.0.0.1:${this.port}`), ...checked.props.envVariables },
      });
    }
    const probePort = healthPort ?? this.port;
    ports.claim({ container: 'nginx', number: this.port, numberProp: 'port', ...(ambassador ? {} : { name: 'http', nameProp: 'port' }) });
    if (healthPort !== undefined) ports.claim({ container: 'nginx', number: healthPort, numberProp: 'healthPort', name: 'split-health', nameProp: 'healthPort' });
    // In the pod, the splitter is an ambassador beside the app: a native sidecar on a line that has them (docs/LINES.md).
    const addNginx = (p: kplus.ContainerProps, u: { uid: number; gid: number }) => (ambassador
      ? RestrictedSecurity._addSidecar(this.deployment, p, u).container
      : RestrictedSecurity.addContainer(this.deployment, p, u));
    const nginx = addNginx({
      name: 'nginx',
      image,
      command: ['nginx', '-c', `${CONFIG_DIR}/nginx.conf`, '-e', 'stderr'],
      // In the pod, the splitter listens on 127.0.0.1 only: no container port for it (nothing outside reaches it).
      ports: ambassador ? [{ number: healthPort!, name: 'split-health' }] : [{ number: this.port, name: 'http' }],
      readiness: kplus.Probe.fromHttpGet(NginxSplitConfig.HEALTH_PATH, { port: probePort, periodSeconds: Duration.seconds(5) }),
      liveness: kplus.Probe.fromHttpGet(NginxSplitConfig.HEALTH_PATH, { port: probePort, periodSeconds: Duration.seconds(10) }),
      resources: resourcesOr(props.resources, { cpu: ['50m', '500m'], memory: ['32Mi', '128Mi'], ephemeralStorage: ['32Mi', '192Mi'] }),
    }, user);
    nginx.mount(CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.config, { name: 'split-config' }), { readOnly: true });
    RestrictedSecurity.addWritableDirs(this.deployment, nginx, { paths: ['/tmp'], sizeLimit: Size.mebibytes(128) });
    ConfigChecksum.annotate(this.deployment, [this.config]);
    applyPodOptions(this.deployment, pod);
    RestrictedWorkloads.availability(this, this.deployment, selector, this.labels, { replicas, pod });
    if (!ambassador) {
      this.service = new kplus.Service(this, 'Service', {
        metadata: { name: this.baseName, labels: this.labels },
        selector: kplus.Pods.select(this, 'Pods', { labels: selector }),
        ports: [{ name: 'http', port: this.port, targetPort: this.port }],
      });
    }

    // ---- the traffic ----
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    const group: TrafficGroup = this.graph.group(this, 'NetworkPolicy', {
      name: this.baseName, selector, title: ambassador ? `app + splitter ×${replicas}` : `splitter ×${replicas}`,
    }, this.labels);
    if (ambassador) {
      if (checked!.port !== undefined) this.graph.frontDoor(group, [{ port: checked!.port }], 'clients of the app');
    } else {
      this.graph.frontDoor(group, [{ port: this.port }], 'clients of the split');
    }
    const local = this.backends.filter((b) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(b.host));
    const remote = this.backends.filter((b) => !local.includes(b));
    if (local.length) this.graph.allowTo(group, NetworkPeer.sameNamespace(), uniquePorts(local), 'the sides of the split (Services of this namespace)');
    if (remote.length) this.graph.allowTo(group, NetworkPeer.anywhere(), uniquePorts(remote), 'the sides of the split (other namespaces or addresses)');
    this.graph.resolvesNames(group);
  }

  /** The split's traffic as a Mermaid flowchart (the same graph the NetworkPolicy is made from). */
  public toMermaid(): string {
    return this.graph.toMermaid(`RequestSplitter ${this.node.path}`);
  }

  /**
   * The same split as a Gateway API `HTTPRoute` (`gateway.networking.k8s.io/v1`) for a cluster that runs a Gateway:
   * one rule whose `backendRefs` are the sides' Services with their weights. The Gateway splits each request by
   * weight; the standard channel has no stickiness (session persistence is experimental), so with a Gateway a user
   * may see both sides — keep the nginx splitter where stickiness matters. Every side's `host` must be a Service
   * (`name` or `name.namespace`; another namespace needs a ReferenceGrant there).
   */
  public addHttpRoute(id: string, options: SplitRouteOptions): HttpRoute {
    assertNotSynthesized(this, 'addHttpRoute()');
    if (options === undefined || options === null || typeof options !== 'object') throw propError(this, 'addHttpRoute.options', 'a SplitRouteOptions object', options);
    const name = options.name === undefined ? this.baseName : options.name;
    if (!ResourceNames.isDnsSubdomain(name)) throw propError(this, 'addHttpRoute.name', 'a DNS-1123 subdomain name', name);
    if (this.routes.includes(name)) throw propError(this, 'addHttpRoute.name', 'a route name not used yet by this splitter', name);
    if (!Array.isArray(options.parentRefs) || options.parentRefs.length === 0) throw propError(this, 'addHttpRoute.parentRefs', 'a list of at least one Gateway ({ name, namespace?, sectionName? })', options.parentRefs);
    options.parentRefs.forEach((p, i) => {
      if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(p?.name)) throw propError(this, `addHttpRoute.parentRefs[${i}].name`, 'a Gateway name (DNS-1123 subdomain)', p?.name);
      if (p.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(p.namespace)) throw propError(this, `addHttpRoute.parentRefs[${i}].namespace`, 'a namespace name (DNS-1123 label)', p.namespace);
      if (p.sectionName !== undefined && !/^[a-z0-9]([-a-z0-9]{0,251}[a-z0-9])?$/.test(p.sectionName)) throw propError(this, `addHttpRoute.parentRefs[${i}].sectionName`, 'a listener name (DNS-1123 subdomain)', p.sectionName);
    });
    (options.hostnames ?? []).forEach((h, i) => {
      if (typeof h !== 'string' || h.length > 253 || !HOSTNAME.test(h)) throw propError(this, `addHttpRoute.hostnames[${i}]`, "a host name (lowercase DNS name, optionally starting with '*.')", h);
    });
    const pathPrefix = options.pathPrefix ?? '/';
    if (typeof pathPrefix !== 'string' || !/^\/[A-Za-z0-9/\-._~%!$&'()*+,;=:@]*$/.test(pathPrefix)) throw propError(this, 'addHttpRoute.pathPrefix', 'an absolute path', pathPrefix);
    const backendRefs = this.backends.map((b, i) => {
      const m = SERVICE_NAME.exec(b.host);
      if (!m) throw propError(this, `backends[${i}].host`, "a Service name ('name' or 'name.namespace[.svc[.cluster.local]]'): an HTTPRoute refers to Services", b.host);
      return { name: m[1], ...(m[3] !== undefined ? { namespace: m[3] } : {}), port: b.port, weight: b.weight };
    });
    this.routes.push(name);
    return new HttpRoute(this, id, {
      metadata: { name, labels: this.labels },
      parentRefs: options.parentRefs,
      hostnames: options.hostnames,
      rules: [{ pathPrefix, backendRefs }],
    });
  }
}

function uniquePorts(backends: NginxSplitBackend[]): Array<{ port: number }> {
  return [...new Set(backends.map((b) => b.port))].sort((a, b) => a - b).map((port) => ({ port }));
}
