import { ApiObject, Duration, JsonPatch, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { FluentBitConfig, LogFormat } from '../config/fluent-bit';
import { Availability } from '../core/availability';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { PrometheusAlertingRule, PrometheusDuration, PrometheusRule, ServiceMonitor } from '../crds/prometheus-operator';
import { HealthAdapterProgram } from '../runtime/health-adapter';

/**
 * The kinds of adapter.
 */
export enum MonitoringAdapterType {
  /** Prometheus exporter for redis (`redis_exporter`). */
  REDIS_EXPORTER = 'redis-exporter',
  /** Prometheus exporter for memcached (`memcached_exporter`). */
  MEMCACHED_EXPORTER = 'memcached-exporter',
  /** Prometheus exporter for PostgreSQL (`postgres_exporter`). */
  POSTGRES_EXPORTER = 'postgres-exporter',
  /** `/healthz` + `/readyz` over a check of the app's native protocol. */
  HEALTH = 'health',
  /** Log files → normalized JSON lines on stdout (Fluent Bit). */
  LOG = 'log-normalizer',
}

/**
 * Options common to the Prometheus exporter presets.
 */
export interface ExporterOptions {
  /**
   * The adapter's container name.
   *
   * @default - the preset's name: `redis-exporter`, `memcached-exporter`, `postgres-exporter`
   */
  readonly name?: string;
  /**
   * The app's port on `localhost` (the exporter shares the pod's network namespace).
   *
   * @default - the app container's port named after the protocol (`redis`, `memcached`, `postgres` or
   * `postgresql`), else its port with the protocol's well-known number (6379, 11211, 5432); an error if it has neither
   */
  readonly port?: number;
  /**
   * The port the exporter serves `/metrics` on.
   *
   * @default - the exporter's own default: 9121 (redis), 9150 (memcached), 9187 (postgres)
   */
  readonly listenPort?: number;
  /**
   * The name of that port (the `ServiceMonitor` endpoint and the `endpoint` label of the scraped series).
   *
   * @default 'metrics'
   */
  readonly portName?: string;
  /**
   * CPU and memory of the exporter container.
   *
   * @default - requests 10m CPU / 32Mi memory, limits 100m / 64Mi
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * Options for `MonitoringAdapter.redisExporter`.
 *
 * @see https://github.com/oliver006/redis_exporter
 */
export interface RedisExporterOptions extends ExporterOptions {
  /**
   * The Secret holding the redis password (`REDIS_PASSWORD`).
   *
   * @default - no password
   */
  readonly passwordSecret?: kplus.ISecret;
  /**
   * The key of the password in `passwordSecret`.
   *
   * @default 'password'
   */
  readonly passwordKey?: string;
  /**
   * The redis ACL user (`--redis.user`, redis 6 and newer).
   *
   * @default - the default user
   */
  readonly username?: string;
}

/**
 * Options for `MonitoringAdapter.memcachedExporter`.
 *
 * @see https://github.com/prometheus/memcached_exporter
 */
export interface MemcachedExporterOptions extends ExporterOptions {}

/**
 * Options for `MonitoringAdapter.postgresExporter`.
 *
 * @see https://github.com/prometheus-community/postgres_exporter
 */
export interface PostgresExporterOptions extends ExporterOptions {
  /** The Secret holding the database user's name and password (`DATA_SOURCE_USER`, `DATA_SOURCE_PASS`). */
  readonly credentials: kplus.ISecret;
  /**
   * The key of the user name in `credentials`.
   *
   * @default 'username'
   */
  readonly usernameKey?: string;
  /**
   * The key of the password in `credentials`.
   *
   * @default 'password'
   */
  readonly passwordKey?: string;
  /**
   * The database to connect to.
   *
   * @default 'postgres'
   */
  readonly database?: string;
  /**
   * The libpq `sslmode`. The exporter talks to the app over the pod's loopback interface.
   *
   * @default 'disable'
   */
  readonly sslMode?: string;
}

/**
 * Options for `HealthCheck.tcp` and `HealthCheck.httpGet`.
 */
export interface HealthCheckOptions {
  /**
   * The app's port on `localhost`.
   *
   * @default - the app container's only port (an error when it has none or several)
   */
  readonly port?: number;
}

/**
 * Options for `HealthCheck.httpGet`.
 */
export interface HttpGetCheckOptions extends HealthCheckOptions {
  /**
   * The path to GET; 2xx and 3xx answers are healthy.
   *
   * @default '/'
   */
  readonly path?: string;
}

/**
 * Options for `HealthCheck.redisPing`.
 */
export interface RedisPingCheckOptions {
  /**
   * The app's redis port on `localhost`.
   *
   * @default - the app container's port named `redis`, else 6379 when it has that port
   */
  readonly port?: number;
  /**
   * The Secret holding the redis password (sent with `AUTH`).
   *
   * @default - no password
   */
  readonly passwordSecret?: kplus.ISecret;
  /**
   * The key of the password in `passwordSecret`.
   *
   * @default 'password'
   */
  readonly passwordKey?: string;
  /**
   * The redis ACL user.
   *
   * @default - the default user
   */
  readonly username?: string;
}

/**
 * Options for `HealthCheck.postgresQuery`.
 */
export interface PostgresQueryCheckOptions {
  /**
   * The app's PostgreSQL port on `localhost`.
   *
   * @default - the app container's port named `postgres` or `postgresql`, else 5432 when it has that port
   */
  readonly port?: number;
  /** The Secret holding the database user's name and password. */
  readonly credentials: kplus.ISecret;
  /**
   * The key of the user name in `credentials`.
   *
   * @default 'username'
   */
  readonly usernameKey?: string;
  /**
   * The key of the password in `credentials`.
   *
   * @default 'password'
   */
  readonly passwordKey?: string;
  /**
   * The database.
   *
   * @default 'postgres'
   */
  readonly database?: string;
  /**
   * The query; any error answer is unhealthy.
   *
   * @default 'SELECT 1'
   */
  readonly query?: string;
}

/**
 * What the health adapter checks: a request to the app in its own protocol, over `localhost`.
 */
export class HealthCheck {
  /** The app accepts a TCP connection. */
  public static tcp(options: HealthCheckOptions = {}): HealthCheck {
    return new HealthCheck('tcp', options);
  }

  /** The app answers an HTTP GET with 2xx or 3xx. */
  public static httpGet(options: HttpGetCheckOptions = {}): HealthCheck {
    return new HealthCheck('http', options);
  }

  /** Redis answers `PING` with `PONG` (after `AUTH` when a password is given). */
  public static redisPing(options: RedisPingCheckOptions = {}): HealthCheck {
    return new HealthCheck('redis', options);
  }

  /**
   * PostgreSQL runs a query (protocol 3.0; trust, password, md5 and SCRAM-SHA-256 authentication; no TLS, the
   * adapter talks over the pod's loopback interface).
   */
  public static postgresQuery(options: PostgresQueryCheckOptions): HealthCheck {
    return new HealthCheck('postgres', options);
  }

  /** The check's protocol: `tcp`, `http`, `redis` or `postgres` (the adapter's `HEALTH_CHECK`). */
  public readonly protocol: string;
  /** @internal */
  public readonly _options: any;

  private constructor(protocol: string, options: any) {
    this.protocol = protocol;
    this._options = { ...options };
  }
}

/**
 * Options for `MonitoringAdapter.health`.
 */
export interface HealthAdapterOptions {
  /** What to check. */
  readonly check: HealthCheck;
  /**
   * The adapter's container name.
   *
   * @default 'health'
   */
  readonly name?: string;
  /**
   * The port the adapter serves `/healthz`, `/readyz` and `/livez` on.
   *
   * @default 8099
   */
  readonly listenPort?: number;
  /**
   * The name of that port.
   *
   * @default 'health'
   */
  readonly portName?: string;
  /**
   * How long one check may take before it counts as failed (the adapter then answers 503). Shorter than `period`.
   *
   * @default Duration.seconds(2)
   */
  readonly timeout?: Duration;
  /**
   * How often the kubelet asks `/readyz` (the adapter container's readiness probe), in whole seconds.
   *
   * @default Duration.seconds(10)
   */
  readonly period?: Duration;
  /**
   * Consecutive failed checks before the pod is marked not ready.
   *
   * @default 1
   */
  readonly failureThreshold?: number;
  /**
   * CPU and memory of the adapter container.
   *
   * @default - requests 10m CPU / 32Mi memory, limits 100m / 96Mi
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * Options for `MonitoringAdapter.logNormalizer`.
 */
export interface LogAdapterOptions {
  /**
   * The directory the app writes its log files to. It becomes an emptyDir shared by the app container
   * (read-write) and the adapter (read-only); the app must not mount anything else there.
   */
  readonly logDir: string;
  /** The format of the app's log lines. */
  readonly format: LogFormat;
  /**
   * The files to tail: globs relative to `logDir`.
   *
   * @default ['*.log']
   */
  readonly files?: string[];
  /**
   * The adapter's container name.
   *
   * @default 'log-normalizer'
   */
  readonly name?: string;
  /**
   * The size limit of the shared log volume (the app must rotate its logs below it).
   *
   * @default Size.mebibytes(256)
   */
  readonly sizeLimit?: Size;
  /**
   * CPU and memory of the adapter container.
   *
   * @default - requests 10m CPU / 32Mi memory, limits 200m / 128Mi
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * An adapter container: turns the app's native interface into a standard one. Create one with a preset.
 */
export class MonitoringAdapter {
  /**
   * A Prometheus exporter for redis: `redis_exporter`, reaching the app at `redis://localhost:<port>`.
   * Alerts: exporter down, redis down, memory near `maxmemory`, rejected connections.
   */
  public static redisExporter(options: RedisExporterOptions = {}): MonitoringAdapter {
    return new MonitoringAdapter(MonitoringAdapterType.REDIS_EXPORTER, options.name ?? 'redis-exporter', options);
  }

  /**
   * A Prometheus exporter for memcached: `memcached_exporter`, reaching the app at `localhost:<port>`.
   * Alerts: exporter down, memcached down, connections near the limit.
   */
  public static memcachedExporter(options: MemcachedExporterOptions = {}): MonitoringAdapter {
    return new MonitoringAdapter(MonitoringAdapterType.MEMCACHED_EXPORTER, options.name ?? 'memcached-exporter', options);
  }

  /**
   * A Prometheus exporter for PostgreSQL: `postgres_exporter`, reaching the app at `localhost:<port>` with the
   * credentials from a Secret. Alerts: exporter down, PostgreSQL down, connections near `max_connections`.
   */
  public static postgresExporter(options: PostgresExporterOptions): MonitoringAdapter {
    return new MonitoringAdapter(MonitoringAdapterType.POSTGRES_EXPORTER, options?.name ?? 'postgres-exporter', options ?? {});
  }

  /**
   * The health adapter: `/healthz` and `/readyz` answer 200 or 503 after a check of the app's native protocol,
   * `/livez` 200 while the adapter runs. It is the library's zero-dependency Node.js program on the official
   * `node` image. The adapter container's readiness probe asks `/readyz`, so the pod is Ready only while the app
   * passes the check.
   */
  public static health(options: HealthAdapterOptions): MonitoringAdapter {
    return new MonitoringAdapter(MonitoringAdapterType.HEALTH, options?.name ?? 'health', options ?? {});
  }

  /**
   * The log adapter: Fluent Bit tails the app's log files from a shared volume and writes one normalized JSON
   * object per line to stdout (`time`, `level`, `message`, `file`, `app` and the format's fields).
   */
  public static logNormalizer(options: LogAdapterOptions): MonitoringAdapter {
    return new MonitoringAdapter(MonitoringAdapterType.LOG, options?.name ?? 'log-normalizer', options ?? {});
  }

  /** The kind of adapter. */
  public readonly type: MonitoringAdapterType;
  /** The adapter's container name. */
  public readonly name: string;
  /** @internal */
  public readonly _options: any;

  private constructor(type: MonitoringAdapterType, name: string, options: any) {
    this.type = type;
    this.name = name;
    this._options = { ...options };
  }

  /** Whether the adapter is a Prometheus exporter. */
  public get isExporter(): boolean {
    return EXPORTERS[this.type] !== undefined;
  }
}

/**
 * Properties for `AdapterMonitoring`.
 */
export interface AdapterMonitoringProps {
  /**
   * The app container, for which a Deployment is made. Its `securityContext.user` (and `group`) must be the
   * non-root uid (gid) its image runs as; the other restricted settings are applied for you. Give `app` or
   * `workload`.
   *
   * @default - use `workload`
   */
  readonly app?: kplus.ContainerProps;
  /**
   * An existing workload (Deployment, StatefulSet, DaemonSet …) to add the adapters to, instead of `app`. Its pod
   * should already pass Pod Security `restricted` (see `RestrictedSecurity`); the adapter containers do.
   *
   * @default - use `app`
   */
  readonly workload?: kplus.Workload;
  /**
   * With `workload`: the name of the app container (whose ports the exporters find, and which gets the log volume).
   *
   * @default - the workload's first container
   */
  readonly appContainer?: string;
  /**
   * With `app`: the number of replicas. More than one adds a PodDisruptionBudget and a spread over nodes.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * With `app`: absolute paths the app writes to (each an emptyDir; the root filesystem is read-only).
   *
   * @default - none
   */
  readonly appWritableDirs?: string[];
  /** The adapters, in container order. Names must be unique in the pod. */
  readonly adapters: MonitoringAdapter[];
  /**
   * Add `prometheus.io/scrape`, `prometheus.io/port` and `prometheus.io/path` to the pod template, for Prometheus
   * servers that discover pods by annotation. The annotations name one port, so they need exactly one exporter.
   *
   * @default - true when exactly one adapter is an exporter
   */
  readonly scrapeAnnotations?: boolean;
  /**
   * Add a prometheus-operator `ServiceMonitor` scraping every exporter through the Service.
   *
   * @default false
   */
  readonly serviceMonitor?: boolean;
  /**
   * The scrape interval of the ServiceMonitor's endpoints.
   *
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * Add a prometheus-operator `PrometheusRule` with each exporter's alerts (exporter down, app down, and one or
   * more about the app's limits). Its expressions select the targets by the `job` label the ServiceMonitor gives
   * them (the Service's name), so it needs `serviceMonitor`.
   *
   * @default false
   */
  readonly prometheusRule?: boolean;
  /**
   * The base name of the objects.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * Image overrides (`redisExporter`, `memcachedExporter`, `postgresExporter`, `node`, `fluentBit`).
   *
   * @default - the library's pinned defaults
   */
  readonly images?: ImageOverrides;
}

interface ExporterPreset {
  readonly image: ImageKey;
  readonly protocol: string;
  readonly portNames: string[];
  readonly wellKnownPort: number;
  readonly listenPort: number;
  readonly title: string;
}

const EXPORTERS: { [type: string]: ExporterPreset } = {
  [MonitoringAdapterType.REDIS_EXPORTER]: { image: ImageKey.REDIS_EXPORTER, protocol: 'redis', portNames: ['redis'], wellKnownPort: 6379, listenPort: 9121, title: 'Redis' },
  [MonitoringAdapterType.MEMCACHED_EXPORTER]: { image: ImageKey.MEMCACHED_EXPORTER, protocol: 'memcached', portNames: ['memcached'], wellKnownPort: 11211, listenPort: 9150, title: 'Memcached' },
  [MonitoringAdapterType.POSTGRES_EXPORTER]: { image: ImageKey.POSTGRES_EXPORTER, protocol: 'postgres', portNames: ['postgres', 'postgresql'], wellKnownPort: 5432, listenPort: 9187, title: 'Postgres' },
};

const CHECK_PRESETS: { [protocol: string]: { portNames: string[]; wellKnownPort?: number } } = {
  tcp: { portNames: [] },
  http: { portNames: [] },
  redis: { portNames: ['redis'], wellKnownPort: 6379 },
  postgres: { portNames: ['postgres', 'postgresql'], wellKnownPort: 5432 },
};

interface AddedAdapter {
  readonly adapter: MonitoringAdapter;
  readonly container: kplus.Container;
  readonly metricsPort?: { readonly number: number; readonly name: string };
}

interface PodPort { readonly number: number; readonly name?: string; readonly container: string }

/** Where the health program and the Fluent Bit config are mounted. */
const HEALTH_DIR = '/adapter';
const FLUENT_BIT_ETC = '/fluent-bit/etc';
const FLUENT_BIT_STATE = '/fluent-bit/state';

/**
 * The adapter pattern: an app container plus adapter containers that turn the app's native interface into the
 * standard one every app shares — Prometheus metrics (redis, memcached and PostgreSQL exporters), a
 * `/healthz` + `/readyz` health endpoint backed by a check of the app's own protocol, and normalized JSON logs —
 * with Prometheus scrape annotations and, optionally, a prometheus-operator `ServiceMonitor` and `PrometheusRule`.
 *
 * The adapters share the pod's network namespace (they reach the app on `localhost`) and, for logs, a volume.
 * Give it an app container (a Deployment is made) or an existing workload.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/#how-pods-manage-multiple-containers
 */
export class AdapterMonitoring extends Construct {
  /** The base name of the objects. */
  public readonly name: string;
  /** The workload whose pods hold the app and the adapters (made for `app`, or the given `workload`). */
  public readonly workload: kplus.Workload;
  /** The app container. */
  public readonly appContainer: kplus.Container;
  /**
   * The Service: with `app`, the app's ports and the metrics ports; with `workload`, the metrics ports (made only
   * for the ServiceMonitor).
   */
  public readonly service?: kplus.Service;
  /** The ServiceMonitor, when `serviceMonitor` is set. */
  public readonly serviceMonitor?: ServiceMonitor;
  /** The PrometheusRule, when `prometheusRule` is set. */
  public readonly prometheusRule?: PrometheusRule;
  /** The port of the health adapter, if there is one. */
  public readonly healthPort?: number;

  private readonly adapterList: AddedAdapter[] = [];
  private readonly ports: PodPort[] = [];
  private readonly configMaps: kplus.ConfigMap[] = [];
  private readonly ownsWorkload: boolean;
  private readonly images?: ImageOverrides;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: AdapterMonitoringProps) {
    super(scope, id);
    this.name = ResourceNames.baseName(this, props.name);
    this.images = props.images;
    if ((props.app === undefined) === (props.workload === undefined)) {
      throw propError(this, 'app', 'given exactly when \'workload\' is not (one app container or one existing workload)', props.app === undefined ? undefined : 'both');
    }
    if (!Array.isArray(props.adapters) || props.adapters.length === 0) throw propError(this, 'adapters', 'at least one adapter', props.adapters);
    const scrapeInterval = props.scrapeInterval ?? Duration.seconds(30);

    let labels: { [key: string]: string } = {};
    let selector: { [key: string]: string };
    if (props.app) {
      this.ownsWorkload = true;
      if (props.appContainer !== undefined) throw propError(this, 'appContainer', 'unset when \'app\' is given (it names a container of \'workload\')', props.appContainer);
      const appName = props.app.name ?? 'app';
      ResourceNames.checkDnsLabel(this, 'app.name', appName);
      selector = RecommendedLabels.selector({ name: appName, instance: this.name, component: 'app' });
      labels = RecommendedLabels.of({ name: appName, instance: this.name, component: 'app' });
      const replicas = PropCheck.integer(this, 'replicas', 1, 1000, 1, props.replicas);
      const sc = props.app.securityContext;
      const uid = sc?.user;
      if (uid === undefined) throw propError(this, 'app.securityContext.user', 'the non-root uid the app image runs as', uid);
      if (!Number.isInteger(uid) || uid < 1) throw propError(this, 'app.securityContext.user', 'a non-root uid (an integer of at least 1)', uid);
      const gid = sc?.group ?? uid;
      for (const [field, bad] of [['privileged', true], ['allowPrivilegeEscalation', true], ['ensureNonRoot', false]] as const) {
        if ((sc as any)?.[field] === bad) throw propError(this, `app.securityContext.${field}`, `${!bad} or unset (every pod passes Pod Security restricted)`, bad);
      }
      const deployment = new kplus.Deployment(this, 'Deployment', {
        metadata: { name: this.name, labels },
        replicas,
        select: false,
        securityContext: RestrictedSecurity.podSecurityContext(uid, gid),
      });
      RecommendedLabels.applyTo(deployment, labels, selector);
      this.workload = deployment;
      this.appContainer = RestrictedSecurity.addContainer(deployment, { ...props.app, name: appName, securityContext: undefined }, {
        uid, gid, readOnlyRootFilesystem: sc?.readOnlyRootFilesystem ?? true,
      });
      if (props.appWritableDirs && props.appWritableDirs.length > 0) {
        RestrictedSecurity.addWritableDirs(deployment, this.appContainer, { paths: props.appWritableDirs });
      }
      RestrictedSecurity.applySeccomp(deployment);
      Availability.apply(this, deployment, { replicas, selector, name: this.name, labels });
    } else {
      this.ownsWorkload = false;
      const workload = props.workload!;
      if (props.replicas !== undefined) throw propError(this, 'replicas', 'unset when \'workload\' is given (the workload has its own)', props.replicas);
      if (props.appWritableDirs !== undefined) throw propError(this, 'appWritableDirs', 'unset when \'workload\' is given', props.appWritableDirs);
      const containers = workload.containers;
      const app = props.appContainer === undefined ? containers[0] : containers.find((c) => c.name === props.appContainer);
      if (!app) throw propError(this, 'appContainer', `the name of a container of the workload (${containers.map((c) => `'${c.name}'`).join(', ') || 'it has none'})`, props.appContainer);
      this.workload = workload;
      this.appContainer = app;
      selector = { ...workload.matchLabels };
      labels = RecommendedLabels.of({ name: app.name, instance: this.name, component: 'adapters' });
    }
    for (const c of this.workload.containers) {
      for (const p of c.ports) this.ports.push({ number: p.number, name: p.name, container: c.name });
    }

    // --- the adapters ---
    const taken = new Set([...this.workload.containers, ...this.workload.initContainers].map((c) => c.name));
    props.adapters.forEach((adapter, i) => {
      if (!(adapter instanceof MonitoringAdapter)) throw propError(this, `adapters[${i}]`, 'a MonitoringAdapter (made by one of its static methods)', adapter);
      ResourceNames.checkDnsLabel(this, `adapters[${i}].name`, adapter.name);
      if (taken.has(adapter.name)) throw propError(this, `adapters[${i}].name`, 'a container name not used by the app or another adapter', adapter.name);
      taken.add(adapter.name);
      this.addAdapterContainer(adapter);
    });
    const exporters = this.adapterList.filter((a) => a.metricsPort);
    const health = this.adapterList.find((a) => a.adapter.type === MonitoringAdapterType.HEALTH);
    this.healthPort = health ? this.ports.find((p) => p.container === health.adapter.name)?.number : undefined;

    // --- scrape wiring ---
    const annotate = props.scrapeAnnotations ?? exporters.length === 1;
    if (annotate) {
      if (exporters.length !== 1) {
        throw propError(this, 'scrapeAnnotations', `false when the pod has ${exporters.length === 0 ? 'no exporter' : `${exporters.length} exporters (the annotations name one port; use 'serviceMonitor')`}`, true);
      }
      const port = exporters[0].metricsPort!;
      this.workload.podMetadata.addAnnotation('prometheus.io/scrape', 'true');
      this.workload.podMetadata.addAnnotation('prometheus.io/port', String(port.number));
      this.workload.podMetadata.addAnnotation('prometheus.io/path', '/metrics');
    }
    if (props.serviceMonitor && exporters.length === 0) throw propError(this, 'serviceMonitor', 'false when no adapter is a Prometheus exporter', true);
    if (props.prometheusRule && exporters.length === 0) throw propError(this, 'prometheusRule', 'false when no adapter is a Prometheus exporter', true);
    if (props.prometheusRule && !props.serviceMonitor) {
      throw propError(this, 'prometheusRule', 'false without \'serviceMonitor\' (its rules select the targets by the job label the ServiceMonitor gives them)', true);
    }

    const servicePorts: kplus.ServicePort[] = [];
    if (this.ownsWorkload) {
      for (const p of this.appContainer.ports) servicePorts.push({ name: p.name ?? `tcp-${p.number}`, port: p.number, targetPort: p.number });
    }
    if (this.ownsWorkload || props.serviceMonitor) {
      for (const e of exporters) servicePorts.push({ name: e.metricsPort!.name, port: e.metricsPort!.number, targetPort: e.metricsPort!.number });
    }
    if (servicePorts.length > 0) {
      this.service = new kplus.Service(this, 'Service', {
        metadata: { name: this.name, labels },
        selector: kplus.Pods.select(this, 'Pods', { labels: selector }),
        ports: servicePorts,
      });
    }
    if (props.serviceMonitor) {
      const serviceSelector = this.ownsWorkload ? RecommendedLabels.selector({ name: this.appContainer.name, instance: this.name, component: 'app' })
        : RecommendedLabels.selector({ name: this.appContainer.name, instance: this.name, component: 'adapters' });
      this.serviceMonitor = new ServiceMonitor(this, 'ServiceMonitor', {
        metadata: { name: this.name, labels },
        selector: serviceSelector,
        endpoints: exporters.map((e) => ({ port: e.metricsPort!.name, path: '/metrics', interval: scrapeInterval })),
      });
    }
    if (props.prometheusRule) {
      const job = this.service!.name;
      this.prometheusRule = new PrometheusRule(this, 'PrometheusRule', {
        metadata: { name: this.name, labels },
        groups: [{ name: `${this.name}.adapters`, rules: exporters.flatMap((e) => alertsFor(e.adapter, e.metricsPort!.name, job)) }],
      });
    }

    // --- config rolls the pods ---
    if (this.configMaps.length > 0) {
      const list = [...this.configMaps];
      if (this.ownsWorkload) {
        ConfigChecksum.annotate(this.workload, list);
      } else {
        // The workload's own checksum annotation (if any) is the user's: ours gets its own key.
        this.workload.podMetadata.addAnnotation(`${ConfigChecksum.ANNOTATION}-adapters`, Lazy.any({ produce: () => ConfigChecksum.of(list) }));
      }
    }
  }

  /** The adapter containers, in order (a copy). */
  public get adapterContainers(): kplus.Container[] {
    return this.adapterList.map((a) => a.container);
  }

  /** The adapters, in order (a copy). */
  public get adapters(): MonitoringAdapter[] {
    return this.adapterList.map((a) => a.adapter);
  }

  private addAdapterContainer(adapter: MonitoringAdapter): void {
    switch (adapter.type) {
      case MonitoringAdapterType.REDIS_EXPORTER:
      case MonitoringAdapterType.MEMCACHED_EXPORTER:
      case MonitoringAdapterType.POSTGRES_EXPORTER:
        return this.addExporter(adapter);
      case MonitoringAdapterType.HEALTH:
        return this.addHealth(adapter);
      case MonitoringAdapterType.LOG:
        return this.addLog(adapter);
      default:
        throw new Error(`unknown adapter type '${adapter.type}'`);
    }
  }

  private addExporter(adapter: MonitoringAdapter): void {
    const o = adapter._options as PostgresExporterOptions & RedisExporterOptions;
    const preset = EXPORTERS[adapter.type];
    const n = adapter.name;
    const appPort = this.appPort(`${n}.port`, preset.protocol, preset.portNames, preset.wellKnownPort, o.port);
    const listenPort = o.listenPort ?? preset.listenPort;
    const portName = o.portName ?? 'metrics';
    this.claimPort(n, listenPort, portName);
    const args: string[] = [];
    const env: { [key: string]: kplus.EnvValue } = {};
    if (adapter.type === MonitoringAdapterType.REDIS_EXPORTER) {
      args.push(`--redis.addr=redis://localhost:${appPort}`);
      if (o.username !== undefined) args.push(`--redis.user=${this.checkWord(`${n}.username`, o.username)}`);
      args.push(`--web.listen-address=:${listenPort}`);
      if (o.passwordSecret) env.REDIS_PASSWORD = secretEnv(o.passwordSecret, this.checkKey(`${n}.passwordKey`, o.passwordKey ?? 'password'));
    } else if (adapter.type === MonitoringAdapterType.MEMCACHED_EXPORTER) {
      args.push(`--memcached.address=localhost:${appPort}`);
      args.push(`--web.listen-address=:${listenPort}`);
    } else {
      if (!o.credentials) throw propError(this, `${n}.credentials`, 'a Secret holding the database user\'s username and password', o.credentials);
      const database = this.checkWord(`${n}.database`, o.database ?? 'postgres');
      const sslMode = PropCheck.oneOf(this, `${n}.sslMode`, ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'], 'disable', o.sslMode);
      args.push(`--web.listen-address=:${listenPort}`);
      env.DATA_SOURCE_URI = kplus.EnvValue.fromValue(`localhost:${appPort}/${database}?sslmode=${sslMode}`);
      env.DATA_SOURCE_USER = secretEnv(o.credentials, this.checkKey(`${n}.usernameKey`, o.usernameKey ?? 'username'));
      env.DATA_SOURCE_PASS = secretEnv(o.credentials, this.checkKey(`${n}.passwordKey`, o.passwordKey ?? 'password'));
    }
    const container = this.addRestricted(preset.image, {
      name: n,
      image: ContainerImages.resolve(this, preset.image, this.images),
      args,
      envVariables: env,
      ports: [{ number: listenPort, name: portName }],
      // TCP, not /metrics: a liveness probe must not scrape the app. No readiness probe: an exporter that is
      // down must not take the app out of its Service.
      liveness: kplus.Probe.fromTcpSocket({
        port: listenPort, periodSeconds: Duration.seconds(20), timeoutSeconds: Duration.seconds(2), failureThreshold: 3,
      }),
      resources: o.resources ?? resources(10, 100, 32, 64),
    });
    this.adapterList.push({ adapter, container, metricsPort: { number: listenPort, name: portName } });
  }

  private addHealth(adapter: MonitoringAdapter): void {
    const o = adapter._options as HealthAdapterOptions;
    const n = adapter.name;
    if (!(o.check instanceof HealthCheck)) throw propError(this, `${n}.check`, 'a HealthCheck (made by one of its static methods)', o.check);
    const timeout = o.timeout ?? Duration.seconds(2);
    const period = o.period ?? Duration.seconds(10);
    const timeoutMs = timeout.toMilliseconds();
    const periodMs = period.toMilliseconds();
    if (!Number.isInteger(periodMs) || periodMs < 1000 || periodMs % 1000 !== 0) throw propError(this, `${n}.period`, 'a whole number of seconds, at least 1s', showDuration(period));
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw propError(this, `${n}.timeout`, 'at least 1ms', showDuration(timeout));
    if (timeoutMs >= periodMs) throw propError(this, `${n}.timeout`, `shorter than the period (${showDuration(period)})`, showDuration(timeout));
    const failureThreshold = PropCheck.integer(this, `${n}.failureThreshold`, 1, 100, 1, o.failureThreshold);
    const check = o.check;
    const c = check._options;
    const preset = CHECK_PRESETS[check.protocol];
    const appPort = this.appPort(`${n}.check.port`, check.protocol, preset.portNames, preset.wellKnownPort, c.port);
    const listenPort = o.listenPort ?? 8099;
    const portName = o.portName ?? 'health';
    this.claimPort(n, listenPort, portName);

    const P = HealthAdapterProgram;
    const env: { [key: string]: kplus.EnvValue } = {
      [P.ENV_PORT]: kplus.EnvValue.fromValue(String(listenPort)),
      [P.ENV_CHECK]: kplus.EnvValue.fromValue(check.protocol),
      [P.ENV_TARGET_HOST]: kplus.EnvValue.fromValue('localhost'),
      [P.ENV_TARGET_PORT]: kplus.EnvValue.fromValue(String(appPort)),
      [P.ENV_TIMEOUT_MS]: kplus.EnvValue.fromValue(String(timeoutMs)),
    };
    if (check.protocol === 'http') {
      const path = c.path ?? '/';
      if (typeof path !== 'string' || !/^\/\S*$/.test(path)) throw propError(this, `${n}.check.path`, 'an absolute HTTP path without spaces', path);
      env[P.ENV_HTTP_PATH] = kplus.EnvValue.fromValue(path);
    } else if (check.protocol === 'redis') {
      if (c.username !== undefined) env[P.ENV_REDIS_USERNAME] = kplus.EnvValue.fromValue(this.checkWord(`${n}.check.username`, c.username));
      if (c.passwordSecret) env[P.ENV_REDIS_PASSWORD] = secretEnv(c.passwordSecret, this.checkKey(`${n}.check.passwordKey`, c.passwordKey ?? 'password'));
    } else if (check.protocol === 'postgres') {
      if (!c.credentials) throw propError(this, `${n}.check.credentials`, 'a Secret holding the database user\'s username and password', c.credentials);
      env[P.ENV_PG_USER] = secretEnv(c.credentials, this.checkKey(`${n}.check.usernameKey`, c.usernameKey ?? 'username'));
      env[P.ENV_PG_PASSWORD] = secretEnv(c.credentials, this.checkKey(`${n}.check.passwordKey`, c.passwordKey ?? 'password'));
      env[P.ENV_PG_DATABASE] = kplus.EnvValue.fromValue(this.checkWord(`${n}.check.database`, c.database ?? 'postgres'));
      const query = c.query ?? 'SELECT 1';
      if (typeof query !== 'string' || query.trim() === '' || query.includes('\0')) throw propError(this, `${n}.check.query`, 'a non-empty SQL query', query);
      env[P.ENV_SQL_QUERY] = kplus.EnvValue.fromValue(query);
    }

    const configMap = new kplus.ConfigMap(this, `${n}-program`, {
      metadata: { name: `${this.name}-${n}`, labels: RecommendedLabels.of({ name: 'health-adapter', instance: this.name, component: n }) },
      data: { [P.FILE_NAME]: P.source() },
    });
    this.configMaps.push(configMap);
    // The kubelet's timeout is longer than the check's, so a failed check is a 503, not a probe timeout.
    const probeTimeout = Duration.seconds(Math.ceil(timeoutMs / 1000) + 1);
    const container = this.addRestricted(ImageKey.NODE, {
      name: n,
      image: ContainerImages.resolve(this, ImageKey.NODE, this.images),
      command: ['node', `${HEALTH_DIR}/${P.FILE_NAME}`],
      envVariables: env,
      ports: [{ number: listenPort, name: portName }],
      readiness: kplus.Probe.fromHttpGet('/readyz', { port: listenPort, periodSeconds: period, timeoutSeconds: probeTimeout, failureThreshold, successThreshold: 1 }),
      liveness: kplus.Probe.fromHttpGet('/livez', { port: listenPort, periodSeconds: Duration.seconds(20), timeoutSeconds: Duration.seconds(2), failureThreshold: 3 }),
      resources: o.resources ?? resources(10, 100, 32, 96),
    });
    container.mount(HEALTH_DIR, kplus.Volume.fromConfigMap(this, `${n}-program-volume`, configMap, { name: `${n}-program` }), { readOnly: true });
    this.adapterList.push({ adapter, container });
  }

  private addLog(adapter: MonitoringAdapter): void {
    const o = adapter._options as LogAdapterOptions;
    const n = adapter.name;
    if (!(o.format instanceof LogFormat)) throw propError(this, `${n}.format`, 'a LogFormat (made by one of its static methods)', o.format);
    const logDir = o.logDir;
    if (typeof logDir !== 'string' || !/^\/[^\s,]*$/.test(logDir) || logDir === '/' || logDir.split('/').includes('..')) {
      throw propError(this, `${n}.logDir`, 'an absolute directory path (not \'/\') without spaces, commas or \'..\'', logDir);
    }
    const dir = logDir.replace(/\/+$/, '');
    if (this.appContainer.mounts.some((m) => m.path.replace(/\/+$/, '') === dir)) {
      throw propError(this, `${n}.logDir`, 'a directory the app container does not already mount', logDir);
    }
    const files = o.files ?? ['*.log'];
    if (!Array.isArray(files) || files.length === 0) throw propError(this, `${n}.files`, 'at least one glob', files);
    for (const f of files) {
      if (typeof f !== 'string' || f === '' || f.startsWith('/') || /[\s,]/.test(f) || f.split('/').includes('..')) {
        throw propError(this, `${n}.files`, 'globs relative to logDir, without spaces, commas or \'..\'', f);
      }
    }
    const sizeLimit = o.sizeLimit ?? Size.mebibytes(256);
    let rendered;
    try {
      rendered = FluentBitConfig.render({
        paths: files.map((f) => `${dir}/${f}`),
        format: o.format,
        app: this.name,
        parsersFile: `${FLUENT_BIT_ETC}/${FluentBitConfig.PARSERS_FILE}`,
        dbFile: `${FLUENT_BIT_STATE}/tail.db`,
      });
    } catch (e: any) {
      throw new Error(`${PropCheck.where(this)}: '${n}': ${e.message}`);
    }
    const configMap = new kplus.ConfigMap(this, `${n}-config`, {
      metadata: { name: `${this.name}-${n}`, labels: RecommendedLabels.of({ name: 'fluent-bit', instance: this.name, component: n }) },
      data: { [FluentBitConfig.MAIN_FILE]: rendered.main, [FluentBitConfig.PARSERS_FILE]: rendered.parsers },
    });
    this.configMaps.push(configMap);
    const container = this.addRestricted(ImageKey.FLUENT_BIT, {
      name: n,
      image: ContainerImages.resolve(this, ImageKey.FLUENT_BIT, this.images),
      command: ['/fluent-bit/bin/fluent-bit'],
      args: ['-c', `${FLUENT_BIT_ETC}/${FluentBitConfig.MAIN_FILE}`],
      resources: o.resources ?? resources(10, 200, 32, 128),
    });
    container.mount(FLUENT_BIT_ETC, kplus.Volume.fromConfigMap(this, `${n}-config-volume`, configMap, { name: `${n}-config` }), { readOnly: true });
    RestrictedSecurity.addWritableDirs(this.workload, container, { paths: [FLUENT_BIT_STATE], sizeLimit: Size.mebibytes(16) });
    const logs = kplus.Volume.fromEmptyDir(this, `${n}-logs`, `${n}-logs`, { sizeLimit });
    this.appContainer.mount(dir, logs);
    container.mount(dir, logs, { readOnly: true });
    this.adapterList.push({ adapter, container });
  }

  /** Adds a restricted container running as the image's own user. */
  private addRestricted(key: ImageKey, props: kplus.ContainerProps): kplus.Container {
    const user = ContainerImages.user(key);
    const container = RestrictedSecurity.addContainer(this.workload, props, { uid: user.uid, gid: user.gid });
    if (!this.ownsWorkload) {
      // The workload's pod-level seccomp profile is the user's; the adapter sets its own.
      const obj = ApiObject.of(this.workload);
      const index = this.workload.containers.length - 1;
      obj.addJsonPatch(JsonPatch.add(`${RestrictedSecurity.podSpecPointer(obj.kind)}/containers/${index}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
    }
    return container;
  }

  /** The app's port for an adapter: given, or found by name, or by the protocol's well-known number. */
  private appPort(prop: string, protocol: string, names: string[], wellKnown: number | undefined, given: number | undefined): number {
    const appPorts = this.appContainer.ports;
    if (given !== undefined) return PropCheck.integer(this, prop, 1, 65535, 0, given);
    const byName = appPorts.find((p) => p.name !== undefined && names.includes(p.name));
    if (byName) return byName.number;
    if (wellKnown !== undefined) {
      if (appPorts.some((p) => p.number === wellKnown)) return wellKnown;
      const named = names.map((x) => `'${x}'`).join(' or ');
      throw propError(this, prop, `the app's ${protocol} port on localhost (the app container '${this.appContainer.name}' has no port named ${named} and no port ${wellKnown})`, given);
    }
    if (appPorts.length === 1) return appPorts[0].number;
    throw propError(this, prop, `the app's port on localhost (the app container '${this.appContainer.name}' has ${appPorts.length === 0 ? 'no port' : `${appPorts.length} ports`})`, given);
  }

  /** Claims a port number and name of the pod for an adapter container; both must be free. */
  private claimPort(adapter: string, port: number, name: string): void {
    PropCheck.integer(this, `${adapter}.listenPort`, 1, 65535, 0, port);
    const byNumber = this.ports.find((p) => p.number === port);
    if (byNumber) throw propError(this, `${adapter}.listenPort`, `a port no other container of the pod listens on ('${byNumber.container}' listens on ${port})`, port);
    if (typeof name !== 'string' || name.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || !/[a-z]/.test(name) || name.includes('--')) {
      throw propError(this, `${adapter}.portName`, 'a port name (an IANA service name: at most 15 lowercase letters, digits and \'-\', with a letter)', name);
    }
    const byName = this.ports.find((p) => p.name === name);
    if (byName) throw propError(this, `${adapter}.portName`, `a port name no other container of the pod uses ('${byName.container}' has a port '${name}')`, name);
    this.ports.push({ number: port, name, container: adapter });
  }

  private checkKey(prop: string, key: string): string {
    if (typeof key !== 'string' || !/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253) throw propError(this, prop, 'a Secret key (letters, digits, \'-\', \'_\' and \'.\')', key);
    return key;
  }

  private checkWord(prop: string, value: string): string {
    if (typeof value !== 'string' || !/^[A-Za-z0-9_][-A-Za-z0-9_.]*$/.test(value)) throw propError(this, prop, 'a name of letters, digits, \'-\', \'_\' and \'.\'', value);
    return value;
  }
}

function secretEnv(secret: kplus.ISecret, key: string): kplus.EnvValue {
  return kplus.EnvValue.fromSecretValue({ secret, key });
}

function resources(cpuRequest: number, cpuLimit: number, memRequest: number, memLimit: number): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(cpuRequest), limit: kplus.Cpu.millis(cpuLimit) },
    memory: { request: Size.mebibytes(memRequest), limit: Size.mebibytes(memLimit) },
  };
}

function showDuration(d: Duration): string {
  const ms = d.toMilliseconds();
  return Number.isInteger(ms) && ms >= 1 ? PrometheusDuration.of(d) : `${ms}ms`;
}

/** The alerts of one exporter: the exporter is down, the app is down, and the app nears one of its limits. */
function alertsFor(adapter: MonitoringAdapter, portName: string, job: string): PrometheusAlertingRule[] {
  const preset = EXPORTERS[adapter.type];
  const sel = `job="${job}"`;
  const where = '{{ $labels.namespace }}/{{ $labels.pod }}';
  const down: PrometheusAlertingRule = {
    alert: `${preset.title}ExporterDown`,
    expr: `up{${sel}, endpoint="${portName}"} == 0`,
    for: Duration.minutes(5),
    labels: { severity: 'warning' },
    annotations: {
      summary: `The ${preset.protocol} exporter cannot be scraped`,
      description: `Prometheus has not scraped the ${adapter.name} adapter of ${where} for 5 minutes: its ${preset.protocol} metrics and alerts are blind.`,
    },
  };
  switch (adapter.type) {
    case MonitoringAdapterType.REDIS_EXPORTER:
      return [down, {
        alert: 'RedisDown',
        expr: `redis_up{${sel}} == 0`,
        for: Duration.minutes(1),
        labels: { severity: 'critical' },
        annotations: { summary: 'Redis is down', description: `The exporter of ${where} cannot reach redis on localhost.` },
      }, {
        alert: 'RedisMemoryNearLimit',
        // The ratio on the left: `$value` is what the left side returns. No maxmemory (0) never fires.
        expr: `redis_memory_used_bytes{${sel}} / redis_memory_max_bytes{${sel}} > 0.9 and redis_memory_max_bytes{${sel}} > 0`,
        for: Duration.minutes(5),
        labels: { severity: 'warning' },
        annotations: { summary: 'Redis uses more than 90% of maxmemory', description: `Redis in ${where} uses {{ $value | humanizePercentage }} of its maxmemory: it will evict keys or refuse writes.` },
      }, {
        alert: 'RedisRejectedConnections',
        expr: `increase(redis_rejected_connections_total{${sel}}[5m]) > 0`,
        labels: { severity: 'warning' },
        annotations: { summary: 'Redis rejects connections', description: `Redis in ${where} rejected {{ $value }} connections in 5 minutes (maxclients reached).` },
      }];
    case MonitoringAdapterType.MEMCACHED_EXPORTER:
      return [down, {
        alert: 'MemcachedDown',
        expr: `memcached_up{${sel}} == 0`,
        for: Duration.minutes(1),
        labels: { severity: 'critical' },
        annotations: { summary: 'Memcached is down', description: `The exporter of ${where} cannot reach memcached on localhost.` },
      }, {
        alert: 'MemcachedConnectionsNearLimit',
        expr: `memcached_current_connections{${sel}} / memcached_max_connections{${sel}} > 0.9`,
        for: Duration.minutes(5),
        labels: { severity: 'warning' },
        annotations: { summary: 'Memcached uses more than 90% of its connections', description: `Memcached in ${where} uses {{ $value | humanizePercentage }} of its connection limit (-c).` },
      }];
    default:
      return [down, {
        alert: 'PostgresDown',
        expr: `pg_up{${sel}} == 0`,
        for: Duration.minutes(1),
        labels: { severity: 'critical' },
        annotations: { summary: 'PostgreSQL is down', description: `The exporter of ${where} cannot connect to PostgreSQL on localhost.` },
      }, {
        alert: 'PostgresConnectionsNearLimit',
        expr: `sum by (namespace, pod) (pg_stat_activity_count{${sel}}) / max by (namespace, pod) (pg_settings_max_connections{${sel}}) > 0.9`,
        for: Duration.minutes(5),
        labels: { severity: 'warning' },
        annotations: { summary: 'PostgreSQL uses more than 90% of max_connections', description: `PostgreSQL in ${where} uses {{ $value | humanizePercentage }} of max_connections.` },
      }];
  }
}
