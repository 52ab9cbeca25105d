import { RedisExporter, MemcachedExporter, PostgresExporter } from './_exporters';
import { HealthAdapter } from './_health-adapter';
import { AdapterPreset, BoundAdapter, MonitoringHost } from './_host';
import { LogAdapter } from './_log-adapter';
import { MysqlExporter } from './_mysql-exporter';
import { MysqlExporterOptions } from './mysql-exporter-options';
import { HealthAdapterOptions, LogAdapterOptions, MemcachedExporterOptions, PostgresExporterOptions, RedisExporterOptions } from './options';

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
  /** Prometheus exporter for MySQL / MariaDB (`mysqld_exporter`). */
  MYSQL_EXPORTER = 'mysql-exporter',
  /** `/healthz` + `/readyz` over a check of the app's native protocol. */
  HEALTH = 'health',
  /** Log files → normalized JSON lines on stdout (Fluent Bit). */
  LOG = 'log-normalizer',
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
    return new MonitoringAdapter(MonitoringAdapterType.REDIS_EXPORTER, options?.name ?? 'redis-exporter', new RedisExporter(options));
  }

  /**
   * A Prometheus exporter for memcached: `memcached_exporter`, reaching the app at `localhost:<port>`.
   * Alerts: exporter down, memcached down, connections near the limit.
   */
  public static memcachedExporter(options: MemcachedExporterOptions = {}): MonitoringAdapter {
    return new MonitoringAdapter(MonitoringAdapterType.MEMCACHED_EXPORTER, options?.name ?? 'memcached-exporter', new MemcachedExporter(options));
  }

  /**
   * A Prometheus exporter for PostgreSQL: `postgres_exporter`, reaching the app at `localhost:<port>` with the
   * credentials from a Secret. Alerts: exporter down, PostgreSQL down, connections near `max_connections`.
   */
  public static postgresExporter(options: PostgresExporterOptions): MonitoringAdapter {
    return new MonitoringAdapter(MonitoringAdapterType.POSTGRES_EXPORTER, options?.name ?? 'postgres-exporter', new PostgresExporter(options));
  }

  /**
   * A Prometheus exporter for MySQL or MariaDB: `mysqld_exporter`, reaching the app at `localhost:<port>` with the
   * credentials from a Secret. Alerts: exporter down, MySQL down, connections near `max_connections`.
   */
  public static mysqlExporter(options: MysqlExporterOptions): MonitoringAdapter {
    return new MonitoringAdapter(MonitoringAdapterType.MYSQL_EXPORTER, options?.name ?? 'mysql-exporter', new MysqlExporter(options ?? ({} as MysqlExporterOptions)));
  }

  /**
   * The health adapter: `/healthz` and `/readyz` answer 200 or 503 after a check of the app's native protocol,
   * `/livez` 200 while the adapter runs. It is the library's zero-dependency Node.js program on the official
   * `node` image. The adapter container's readiness probe asks `/readyz`, so the pod is Ready only while the app
   * passes the check.
   */
  public static health(options: HealthAdapterOptions): MonitoringAdapter {
    return new MonitoringAdapter(MonitoringAdapterType.HEALTH, options?.name ?? 'health', new HealthAdapter(options));
  }

  /**
   * The log adapter: Fluent Bit tails the app's log files from a shared volume and writes one normalized JSON
   * object per line to stdout (`time`, `level`, `message`, `file`, `app` and the format's fields).
   */
  public static logNormalizer(options: LogAdapterOptions): MonitoringAdapter {
    return new MonitoringAdapter(MonitoringAdapterType.LOG, options?.name ?? 'log-normalizer', new LogAdapter(options));
  }

  /** The kind of adapter. */
  public readonly type: MonitoringAdapterType;
  /** The adapter's container name. */
  public readonly name: string;

  private constructor(type: MonitoringAdapterType, name: string, private readonly preset: AdapterPreset) {
    this.type = type;
    this.name = name;
  }

  /** Whether the adapter is a Prometheus exporter. */
  public get isExporter(): boolean {
    return this.preset.isExporter;
  }

  /**
   * Adds the adapter's container (and its config, volumes and ports) to the pod of `host`.
   *
   * @internal
   */
  public _bind(host: MonitoringHost): BoundAdapter {
    return this.preset._bind(host, this.name);
  }
}
