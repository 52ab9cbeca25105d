import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { alertsFor, ExportedApp } from './_alerts';
import { AdapterPreset, AppPortLookup, BoundAdapter, checkWord, MonitoringHost, secretEnv } from './_host';
import { ExporterOptions, MemcachedExporterOptions, PostgresExporterOptions, RedisExporterOptions } from './options';
import { resourcesOr } from '../../core/_resources';
import { checkResources } from '../../core/_rules';
import { PropCheck } from '../../core/errors';
import { ImageKey } from '../../core/images';

/** How an exporter is started. */
export interface ExporterCommand {
  readonly args: string[];
  readonly env: { [name: string]: kplus.EnvValue };
}

/**
 * A Prometheus exporter next to the app: it reaches the app on localhost and serves `/metrics` on its own port,
 * which the Service, the scrape annotations and the ServiceMonitor name.
 */
export abstract class Exporter<O extends ExporterOptions> implements AdapterPreset {
  public readonly isExporter = true;
  protected readonly options: O;

  private readonly lookup: AppPortLookup;

  /**
   * @param app the app it watches (also the protocol named in messages)
   * @param portNames the app's port names that mean the protocol
   * @param wellKnownPort the protocol's port, when the app has no port of those names
   * @param defaultListenPort the exporter's own default metrics port
   */
  constructor(options: O, private readonly app: ExportedApp, private readonly image: ImageKey, portNames: string[],
    wellKnownPort: number, private readonly defaultListenPort: number) {
    this.options = { ...options };
    this.lookup = { protocol: app, portNames, wellKnownPort };
  }

  public _bind(host: MonitoringHost, name: string): BoundAdapter {
    const o = this.options;
    const appPort = host._appPort(`${name}.port`, this.lookup, o.port);
    const listenPort = o.listenPort ?? this.defaultListenPort;
    const portName = o.portName ?? 'metrics';
    host._claimPort(name, listenPort, portName);
    checkResources(host, `${name}.resources`, o.resources);
    const { args, env } = this.command(host, name, appPort, listenPort);
    const container = host._addContainer(this.image, {
      name,
      image: host._image(this.image),
      args,
      envVariables: env,
      ports: [{ number: listenPort, name: portName }],
      // TCP, not /metrics: a liveness probe must not scrape the app. No readiness probe: an exporter that is
      // down must not take the app out of its Service.
      liveness: kplus.Probe.fromTcpSocket({
        port: listenPort, periodSeconds: Duration.seconds(20), timeoutSeconds: Duration.seconds(2), failureThreshold: 3,
      }),
      resources: resourcesOr(o.resources, { cpu: ['10m', '100m'], memory: ['32Mi', '64Mi'] }),
    });
    return {
      container,
      metricsPort: { number: listenPort, name: portName },
      alerts: (job) => alertsFor(this.app, name, portName, job),
    };
  }

  /** The exporter's arguments and env for the app on `localhost:<appPort>`, serving on `listenPort`. */
  protected abstract command(host: MonitoringHost, name: string, appPort: number, listenPort: number): ExporterCommand;
}

/** `MonitoringAdapter.redisExporter`: redis_exporter. */
export class RedisExporter extends Exporter<RedisExporterOptions> {
  constructor(options: RedisExporterOptions) {
    super(options, 'redis', ImageKey.REDIS_EXPORTER, ['redis'], 6379, 9121);
  }

  protected command(host: MonitoringHost, name: string, appPort: number, listenPort: number): ExporterCommand {
    const o = this.options;
    const args = [`--redis.addr=redis://localhost:${appPort}`];
    if (o.username !== undefined) args.push(`--redis.user=${checkWord(host, `${name}.username`, o.username)}`);
    args.push(`--web.listen-address=:${listenPort}`);
    const env: { [name: string]: kplus.EnvValue } = {};
    if (o.password !== undefined) env.REDIS_PASSWORD = secretEnv(host, `${name}.password`, o.password);
    return { args, env };
  }
}

/** `MonitoringAdapter.memcachedExporter`: memcached_exporter. */
export class MemcachedExporter extends Exporter<MemcachedExporterOptions> {
  constructor(options: MemcachedExporterOptions) {
    super(options, 'memcached', ImageKey.MEMCACHED_EXPORTER, ['memcached'], 11211, 9150);
  }

  protected command(_host: MonitoringHost, _name: string, appPort: number, listenPort: number): ExporterCommand {
    return { args: [`--memcached.address=localhost:${appPort}`, `--web.listen-address=:${listenPort}`], env: {} };
  }
}

/** `MonitoringAdapter.postgresExporter`: postgres_exporter, with the credentials from a Secret. */
export class PostgresExporter extends Exporter<PostgresExporterOptions> {
  constructor(options: PostgresExporterOptions) {
    super(options, 'postgres', ImageKey.POSTGRES_EXPORTER, ['postgres', 'postgresql'], 5432, 9187);
  }

  protected command(host: MonitoringHost, name: string, appPort: number, listenPort: number): ExporterCommand {
    const o = this.options;
    const database = checkWord(host, `${name}.database`, o.database ?? 'postgres');
    const sslMode = PropCheck.oneOf(host, `${name}.sslMode`, ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'], 'disable', o.sslMode);
    return {
      args: [`--web.listen-address=:${listenPort}`],
      env: {
        DATA_SOURCE_URI: kplus.EnvValue.fromValue(`localhost:${appPort}/${database}?sslmode=${sslMode}`),
        DATA_SOURCE_USER: secretEnv(host, `${name}.username`, o.username),
        DATA_SOURCE_PASS: secretEnv(host, `${name}.password`, o.password),
      },
    };
  }
}
