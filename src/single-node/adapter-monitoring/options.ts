import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { HealthCheck } from './health-check';
import { LogFormat } from '../../config/fluent-bit';

// The options of the `MonitoringAdapter` presets (public types; the presets themselves are the internal `_*.ts`
// files).

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
   * @default - requests 10m CPU / 32Mi memory, limits 100m / 64Mi; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
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
   * The Secret key holding the redis password (`REDIS_PASSWORD`), e.g. `{ secret, key: 'password' }`.
   *
   * @default - no password
   */
  readonly password?: kplus.SecretValue;
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
  /** The Secret key holding the database user's name (`DATA_SOURCE_USER`), e.g. `{ secret, key: 'username' }`. */
  readonly username: kplus.SecretValue;
  /** The Secret key holding the user's password (`DATA_SOURCE_PASS`), e.g. `{ secret, key: 'password' }`. */
  readonly password: kplus.SecretValue;
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
   * @default - requests 10m CPU / 32Mi memory, limits 100m / 96Mi; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
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
   * @default - requests 10m CPU / 32Mi memory, limits 200m / 128Mi; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
}
