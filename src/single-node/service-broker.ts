import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BrokerCa, BrokeredProtocol, BrokeredService, BrokerEndpoint } from './service-broker/endpoint';
import { addAppContainer, checkAppContainer } from '../blocks/_app-container';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { PodPorts } from '../blocks/_pod-ports';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { TrafficGraph, TrafficGroup } from '../blocks/_traffic';
import { OptionProblem } from '../config/_problems';
import { NginxBrokerConfig, NginxBrokerRoute } from '../config/nginx-broker';
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
import { propError, showValue } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';

/**
 * Properties of `ServiceBroker`.
 */
export interface ServiceBrokerProps {
  /**
   * Base name of the objects (the Deployment, the ConfigMap, the NetworkPolicy). At most 52 characters.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * Your app: a Deployment `<name>` runs this container (named `app`) and the ambassador. The app connects to
   * `<NAME>_HOST:<NAME>_PORT` (`127.0.0.1` and each service's `localPort`), the same in every environment.
   */
  readonly app: AppContainerProps;
  /** The services the app reaches through the ambassador (a database, a redis, …), at least one. */
  readonly services: BrokeredService[];
  /**
   * The environment to synthesize for: one of the environments the services' `endpoints` name.
   *
   * @default - the context value `ServiceBroker.ENVIRONMENT_CONTEXT_KEY` (`app.node.setContext(key, 'prod')` before the charts are added)
   */
  readonly environment?: string;
  /**
   * Replicas of the app's Deployment.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The port, on the pod IP, where the ambassador accepts the kubelet's TCP probes (its routes listen on
   * `127.0.0.1` only).
   *
   * @default 15000
   */
  readonly healthPort?: number;
  /**
   * How long the ambassador waits to connect to a backend before it closes the app's connection.
   *
   * @default Duration.seconds(5)
   */
  readonly connectTimeout?: Duration;
  /**
   * How long a connection may be idle before the ambassador closes it. Keep your client's pool idle time shorter.
   *
   * @default Duration.hours(1)
   */
  readonly idleTimeout?: Duration;
  /**
   * nginx's resources.
   *
   * @default - CPU 20m request, 200m limit; memory 16Mi request, 64Mi limit; ephemeral storage 16Mi request, 64Mi limit
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Image overrides (`nginx`).
   *
   * @default - the default image table
   */
  readonly images?: ImageOverrides;
  /**
   * The NetworkPolicy of the pods: clients (default: this namespace) may reach the app's port; the pods may reach
   * the chosen environment's backends on their ports (a Service of this namespace: this namespace; `name.namespace`:
   * that namespace; an IPv4 address: that address; an outside name: anywhere) and DNS.
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

/** The protocols' ports and whether the ambassador can speak TLS to their backends (why not, if not). */
const PROTOCOLS: { [p: string]: { port?: number; noTls?: string } } = {
  [BrokeredProtocol.MYSQL]: { port: 3306, noTls: 'MySQL negotiates TLS inside its protocol: use your client\'s own TLS (ssl-mode), which passes through' },
  [BrokeredProtocol.POSTGRESQL]: { port: 5432, noTls: 'PostgreSQL negotiates TLS inside its protocol: use your client\'s own TLS (sslmode), which passes through' },
  [BrokeredProtocol.REDIS]: { port: 6379 },
  [BrokeredProtocol.TCP]: {},
};
const ENV_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CA_DIR = '/etc/nginx/broker-ca';
const CONFIG_DIR = '/etc/nginx/broker';

/**
 * The book's service-brokering ambassador (ch. 3, "Using an Ambassador for Service Brokering"): your app always
 * connects to `127.0.0.1:<port>`, and nginx in its pod (a TCP proxy, the `stream` module) connects it to the
 * environment's backend — a database in the cluster in one environment, a managed endpoint in another — so the
 * app's config never changes between environments. The backends of every environment are stated once, in code;
 * the environment is chosen by a prop or a cdk8s context value, and only its endpoints reach the pod (its config,
 * its NetworkPolicy).
 *
 * @see https://nginx.org/en/docs/stream/ngx_stream_proxy_module.html
 */
export class ServiceBroker extends Construct {
  /** The context key that chooses the environment when `environment` is not given. */
  public static readonly ENVIRONMENT_CONTEXT_KEY = 'cdk8s-distributed-patterns:environment';
  /** The annotation naming the environment on the Deployment and the ConfigMap. */
  public static readonly ENVIRONMENT_ANNOTATION = 'distributed-patterns.dev/environment';

  /** The Deployment (the app and the ambassador). */
  public readonly deployment: kplus.Deployment;
  /** The ambassador's nginx config. */
  public readonly config: kplus.ConfigMap;
  /** The rendered nginx.conf. */
  public readonly configText: string;
  /** The environment synthesized. */
  public readonly environment: string;
  /** Every environment the services name, in the order they first appear. */
  public readonly environments: string[];
  private readonly graph: TrafficGraph;

  constructor(scope: Construct, id: string, props: ServiceBrokerProps) {
    super(scope, id);
    const baseName = ResourceNames.baseName(this, props?.name, ResourceNames.MAX_STATEFULSET);
    if (props === undefined || props === null || typeof props !== 'object') throw propError(this, 'props', 'a ServiceBrokerProps object', props);
    const services = this.checkServices(props.services);
    this.environments = [...new Set(services.flatMap((s) => Object.keys(s.endpoints)))];
    this.checkEnvironments(services);
    this.environment = this.chooseEnvironment(props.environment);
    const healthPort = PropCheck.integer(this, 'healthPort', 1024, 65535, 15000, props.healthPort);
    const replicas = PropCheck.integer(this, 'replicas', 1, 1000, 2, props.replicas);
    // Every environment's routes are checked (a mistake in prod fails the dev synthesis too); the chosen one renders.
    const routesOf = (env: string) => services.map((s) => this.route(s, env));
    const optionsOf = (env: string) => ({
      routes: routesOf(env), healthPort, connectTimeout: props.connectTimeout, idleTimeout: props.idleTimeout, environment: env, runDir: '/tmp',
    });
    for (const env of this.environments) this.throwFirst(NginxBrokerConfig._problems(optionsOf(env)), env);
    checkResources(this, 'resources', props.resources);
    checkImageOverrides(this, 'images', props.images, [ImageKey.NGINX]);
    const pod = checkPodOptions(this, 'pod', props.pod);
    const partOf = RecommendedLabels.partOf(this, baseName, props.partOf);
    const image = ContainerImages.resolve(this, ImageKey.NGINX, props.images);
    const user = ContainerImages.user(ImageKey.NGINX);
    const options = optionsOf(this.environment);
    this.configText = NginxBrokerConfig.render(options);
    const configLabels = RecommendedLabels.of({ name: 'nginx', instance: baseName, component: 'service-broker', partOf, version: RecommendedLabels.versionOf(image) });
    this.config = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${baseName}-broker`, labels: configLabels, annotations: { [ServiceBroker.ENVIRONMENT_ANNOTATION]: this.environment } },
      data: { 'nginx.conf': this.configText },
    });

    // ---- the pod ----
    const envNames = services.flatMap((s) => [`${s.name.toUpperCase()}_HOST`, `${s.name.toUpperCase()}_PORT`]);
    const checked = checkAppContainer(this, 'app', props.app, {
      name: 'app',
      defaultTcpReadiness: true,
      reservedEnv: envNames,
      defaultResources: { cpu: ['50m', '500m'], memory: ['64Mi', '256Mi'] },
    });
    const labelOptions = { name: baseName, instance: baseName, component: 'app', partOf, version: RecommendedLabels.versionOf(props.app.image) };
    const selector = RecommendedLabels.selector(labelOptions);
    const labels = RecommendedLabels.of(labelOptions);
    this.deployment = RestrictedWorkloads.deployment(this, 'Deployment', { name: baseName, labels, selector, replicas, uid: checked.uid, gid: checked.gid });
    this.deployment.metadata.addAnnotation(ServiceBroker.ENVIRONMENT_ANNOTATION, this.environment);
    const ports = new PodPorts(this);
    if (checked.port !== undefined) ports.claim({ container: 'app', number: checked.port, numberProp: 'app.port', name: checked.portName, nameProp: 'app.portName' });
    options.routes.forEach((r, i) => ports.claim({ container: 'nginx', number: r.listenPort, numberProp: `services[${i}].localPort` }));
    ports.claim({ container: 'nginx', number: healthPort, numberProp: 'healthPort', name: 'broker-health', nameProp: 'healthPort' });
    const brokerEnv: { [name: string]: kplus.EnvValue } = {};
    services.forEach((s, i) => {
      brokerEnv[`${s.name.toUpperCase()}_HOST`] = kplus.EnvValue.fromValue('127.0.0.1');
      brokerEnv[`${s.name.toUpperCase()}_PORT`] = kplus.EnvValue.fromValue(String(options.routes[i].listenPort));
    });
    addAppContainer(this.deployment, checked, { envVariables: { ...brokerEnv, ...checked.props.envVariables } });
    // The ambassador sits beside the app: a native sidecar on a line that has them (docs/LINES.md), so it is up
    // before the app's first connection and outlives it.
    const nginx = RestrictedSecurity._addSidecar(this.deployment, {
      name: 'nginx',
      image,
      command: ['nginx', '-c', `${CONFIG_DIR}/nginx.conf`, '-e', 'stderr'],
      // The routes listen on 127.0.0.1 only: no container port for them (nothing outside the pod reaches them).
      ports: [{ number: healthPort, name: 'broker-health' }],
      readiness: kplus.Probe.fromTcpSocket({ port: healthPort, periodSeconds: Duration.seconds(5) }),
      liveness: kplus.Probe.fromTcpSocket({ port: healthPort, periodSeconds: Duration.seconds(10) }),
      resources: resourcesOr(props.resources, { cpu: ['20m', '200m'], memory: ['16Mi', '64Mi'], ephemeralStorage: ['16Mi', '64Mi'] }),
    }, user).container;
    nginx.mount(CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.config, { name: 'broker-config' }), { readOnly: true });
    services.forEach((s) => {
      const ca = s.endpoints[this.environment].tlsCa;
      if (ca) nginx.mount(`${CA_DIR}/${s.name}`, ca._bind(this, `CaVolume-${s.name}`, `broker-ca-${s.name.replace(/_/g, '-')}`), { readOnly: true });
    });
    RestrictedSecurity.addWritableDirs(this.deployment, nginx, { paths: ['/tmp'], sizeLimit: Size.mebibytes(16) });
    ConfigChecksum.annotate(this.deployment, [this.config]);
    applyPodOptions(this.deployment, pod);
    RestrictedWorkloads.availability(this, this.deployment, selector, labels, { replicas, pod });

    // ---- the traffic: only the chosen environment's backends ----
    this.graph = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    const group: TrafficGroup = this.graph.group(this, 'NetworkPolicy', { name: baseName, selector, title: `app + broker ×${replicas}` }, labels);
    if (checked.port !== undefined) this.graph.frontDoor(group, [{ port: checked.port }], 'clients of the app');
    options.routes.forEach((r, i) => {
      this.graph.allowTo(group, peerOf(r.host), [{ port: r.port }], `${services[i].name} in '${this.environment}' (${r.host})`);
    });
    this.graph.resolvesNames(group);
  }

  /** The ambassador's traffic as a Mermaid flowchart (the same graph the NetworkPolicy is made from). */
  public toMermaid(): string {
    return this.graph.toMermaid(`ServiceBroker ${this.node.path} (${this.environment})`);
  }

  private checkServices(services: BrokeredService[]): BrokeredService[] {
    if (!Array.isArray(services) || services.length === 0) throw propError(this, 'services', 'a list of at least one BrokeredService ({ name, protocol, endpoints })', services);
    const protocols = Object.values(BrokeredProtocol) as string[];
    services.forEach((s, i) => {
      if (s === null || typeof s !== 'object') throw propError(this, `services[${i}]`, 'a BrokeredService ({ name, protocol, endpoints })', s);
      if (!protocols.includes(s.protocol)) throw propError(this, `services[${i}].protocol`, `a BrokeredProtocol (${protocols.map((p) => `'${p}'`).join(', ')})`, s.protocol);
      if (s.endpoints === null || typeof s.endpoints !== 'object' || Array.isArray(s.endpoints) || Object.keys(s.endpoints).length === 0) {
        throw propError(this, `services[${i}].endpoints`, 'a map of environment name → BrokerEndpoint with at least one environment (e.g. { dev: { host: \'mysql\' } })', s.endpoints);
      }
      for (const [env, e] of Object.entries(s.endpoints)) {
        if (!ENV_NAME.test(env)) throw propError(this, `services[${i}].endpoints`, 'environment names that are DNS-1123 labels (lowercase letters, digits and \'-\')', env);
        if (e === null || typeof e !== 'object') throw propError(this, `services[${i}].endpoints.${env}`, 'a BrokerEndpoint ({ host, port?, tls? })', e);
        const at = `services[${i}].endpoints.${env}`;
        const noTls = PROTOCOLS[s.protocol].noTls;
        if (e.tls === true && noTls) throw propError(this, `${at}.tls`, `false for BrokeredProtocol.${s.protocol.toUpperCase()} (${noTls})`, e.tls);
        if (e.tlsCa !== undefined) {
          if (!(e.tlsCa instanceof BrokerCa)) throw propError(this, `${at}.tlsCa`, 'a BrokerCa (BrokerCa.fromSecret(secret, key?), BrokerCa.fromConfigMap(configMap, key?))', e.tlsCa);
          if (e.tls !== true) throw propError(this, `${at}.tlsCa`, "unset without 'tls: true'", e.tlsCa.description);
          const p = e.tlsCa._problem();
          if (p) throw propError(this, `${at}.tlsCa`, p.expectation, p.got);
        }
        if (e.port === undefined && PROTOCOLS[s.protocol].port === undefined) throw propError(this, `${at}.port`, 'the backend\'s port (BrokeredProtocol.TCP has no default)', e.port);
      }
      if (s.localPort === undefined && PROTOCOLS[s.protocol].port === undefined) throw propError(this, `services[${i}].localPort`, 'the port the app connects to (BrokeredProtocol.TCP has no default)', s.localPort);
    });
    return services;
  }

  private checkEnvironments(services: BrokeredService[]): void {
    services.forEach((s, i) => {
      for (const env of this.environments) {
        if (s.endpoints[env] === undefined) {
          throw propError(this, `services[${i}].endpoints.${env}`, `an endpoint for every environment (${this.environments.map(showValue).join(', ')}): '${s.name}' has none for '${env}'`, undefined);
        }
      }
    });
  }

  private chooseEnvironment(prop: string | undefined): string {
    const fromContext = prop === undefined;
    const env = fromContext ? this.node.tryGetContext(ServiceBroker.ENVIRONMENT_CONTEXT_KEY) : prop;
    const allowed = `one of ${this.environments.map(showValue).join(', ')} (the environments the services' endpoints name)`;
    if (this.environments.includes(env)) return env;
    if (fromContext && env === undefined) {
      throw propError(this, 'environment', `${allowed}, given as the prop or the context value '${ServiceBroker.ENVIRONMENT_CONTEXT_KEY}'`, env);
    }
    throw propError(this, fromContext ? `context ${ServiceBroker.ENVIRONMENT_CONTEXT_KEY}` : 'environment', allowed, env);
  }

  private route(s: BrokeredService, env: string): NginxBrokerRoute {
    const e: BrokerEndpoint = s.endpoints[env];
    const dflt = PROTOCOLS[s.protocol].port;
    return {
      name: s.name,
      listenPort: s.localPort ?? dflt!,
      host: e.host,
      port: e.port ?? dflt!,
      tls: e.tls,
      tlsServerName: e.tlsServerName,
      tlsTrustedCertificate: e.tlsCa ? `${CA_DIR}/${s.name}/${BrokerCa.FILE}` : undefined,
    };
  }

  /** Throws the renderer's first problem as a problem with this construct's prop. */
  private throwFirst(problems: OptionProblem[], env: string): void {
    const p = problems[0];
    if (!p) return;
    const prop = p.option
      .replace(/^routes\[(\d+)\]\.listenPort$/, 'services[$1].localPort')
      .replace(/^routes\[(\d+)\]\.name$/, 'services[$1].name')
      .replace(/^routes\[(\d+)\]\.tlsTrustedCertificate$/, 'services[$1].endpoints.' + env + '.tlsCa')
      .replace(/^routes\[(\d+)\]\./, `services[$1].endpoints.${env}.`)
      .replace(/^routes$/, 'services');
    throw propError(this, prop, p.expectation, p.got);
  }
}

/** Who the pods may reach for a backend `host`. */
function peerOf(host: string): NetworkPeer {
  if (/^(\d{1,3}\.){3}\d{1,3}$/.test(host)) return NetworkPeer.ipBlock(`${host}/32`);
  const m = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(?:\.svc(?:\.cluster\.local)?)?)?$/.exec(host);
  if (m && m[2] === undefined) return NetworkPeer.sameNamespace();
  if (m) return NetworkPeer.namespace(m[2]);
  return NetworkPeer.anywhere();
}
