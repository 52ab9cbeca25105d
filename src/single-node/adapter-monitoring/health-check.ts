import * as kplus from 'cdk8s-plus-27';
import { AppPortLookup, checkWord, MonitoringHost, secretEnv } from './_host';
import { mysqlCheckEnv } from './_mysql-check';
import { MysqlQueryCheckOptions } from './mysql-options';
import { propError } from '../../core/prop-error';
import { HealthAdapterProgram } from '../../runtime/health-adapter';

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
   * The Secret key holding the redis password (sent with `AUTH`), e.g. `{ secret, key: 'password' }`.
   *
   * @default - no password
   */
  readonly password?: kplus.SecretValue;
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
  /** The Secret key holding the database user's name, e.g. `{ secret, key: 'username' }`. */
  readonly username: kplus.SecretValue;
  /** The Secret key holding the user's password, e.g. `{ secret, key: 'password' }`. */
  readonly password: kplus.SecretValue;
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
 * The protocols of `HealthCheck`: the health adapter's `HEALTH_CHECK`.
 */
export enum HealthCheckProtocol {
  /** A TCP connection. */
  TCP = 'tcp',
  /** An HTTP GET. */
  HTTP = 'http',
  /** Redis `PING`. */
  REDIS = 'redis',
  /** A PostgreSQL query. */
  POSTGRES = 'postgres',
  /** A MySQL / MariaDB query. */
  MYSQL = 'mysql',
}

/**
 * What the health adapter checks: a request to the app in its own protocol, over `localhost`.
 */
export abstract class HealthCheck {
  /** The app accepts a TCP connection. */
  public static tcp(options: HealthCheckOptions = {}): HealthCheck {
    return new TcpCheck(options);
  }

  /** The app answers an HTTP GET with 2xx or 3xx. */
  public static httpGet(options: HttpGetCheckOptions = {}): HealthCheck {
    return new HttpGetCheck(options);
  }

  /** Redis answers `PING` with `PONG` (after `AUTH` when a password is given). */
  public static redisPing(options: RedisPingCheckOptions = {}): HealthCheck {
    return new RedisPingCheck(options);
  }

  /**
   * PostgreSQL runs a query (protocol 3.0; trust, password, md5 and SCRAM-SHA-256 authentication; no TLS, the
   * adapter talks over the pod's loopback interface).
   */
  public static postgresQuery(options: PostgresQueryCheckOptions): HealthCheck {
    return new PostgresQueryCheck(options);
  }

  /**
   * MySQL or MariaDB runs your query (protocol 4.1; mysql_native_password and caching_sha2_password authentication,
   * with the credentials from a Secret; no TLS, the adapter talks over the pod's loopback interface). The book's
   * "Adding Rich Health Monitoring for MySQL".
   */
  public static mysqlQuery(options: MysqlQueryCheckOptions): HealthCheck {
    return new MysqlQueryCheck(options);
  }

  /** The check's protocol (the adapter's `HEALTH_CHECK`). */
  public readonly protocol: HealthCheckProtocol;

  protected constructor(protocol: HealthCheckProtocol) {
    this.protocol = protocol;
  }

  /**
   * The app's port on localhost the check talks to (`prop` names the check's `port` in messages).
   *
   * @internal
   */
  public abstract _appPort(host: MonitoringHost, prop: string): number;

  /**
   * The check's own variables of the health adapter program (after the common ones); `prefix` names the check's
   * props in messages (`health.check`).
   *
   * @internal
   */
  public abstract _env(host: MonitoringHost, prefix: string): { [name: string]: kplus.EnvValue };
}

/** A check that keeps its options and knows where to find the app's port. */
abstract class PortCheck<O extends { readonly port?: number }> extends HealthCheck {
  protected readonly options: O;

  constructor(protocol: HealthCheckProtocol, options: O, private readonly lookup: Omit<AppPortLookup, 'protocol'>) {
    super(protocol);
    this.options = { ...options };
  }

  public _appPort(host: MonitoringHost, prop: string): number {
    return host._appPort(prop, { protocol: this.protocol, ...this.lookup }, this.options.port);
  }
}

/** Without a well-known port, the app's only port. */
const ONLY_PORT = { portNames: [] };

class TcpCheck extends PortCheck<HealthCheckOptions> {
  constructor(options: HealthCheckOptions) {
    super(HealthCheckProtocol.TCP, options, ONLY_PORT);
  }

  public _env(): { [name: string]: kplus.EnvValue } {
    return {};
  }
}

class HttpGetCheck extends PortCheck<HttpGetCheckOptions> {
  constructor(options: HttpGetCheckOptions) {
    super(HealthCheckProtocol.HTTP, options, ONLY_PORT);
  }

  public _env(host: MonitoringHost, prefix: string): { [name: string]: kplus.EnvValue } {
    const path = this.options.path ?? '/';
    if (typeof path !== 'string' || !/^\/\S*$/.test(path)) throw propError(host, `${prefix}.path`, 'an absolute HTTP path without spaces', path);
    return { [HealthAdapterProgram.ENV_HTTP_PATH]: kplus.EnvValue.fromValue(path) };
  }
}

class RedisPingCheck extends PortCheck<RedisPingCheckOptions> {
  constructor(options: RedisPingCheckOptions) {
    super(HealthCheckProtocol.REDIS, options, { portNames: ['redis'], wellKnownPort: 6379 });
  }

  public _env(host: MonitoringHost, prefix: string): { [name: string]: kplus.EnvValue } {
    const o = this.options;
    const P = HealthAdapterProgram;
    const env: { [name: string]: kplus.EnvValue } = {};
    if (o.username !== undefined) env[P.ENV_REDIS_USERNAME] = kplus.EnvValue.fromValue(checkWord(host, `${prefix}.username`, o.username));
    if (o.password !== undefined) env[P.ENV_REDIS_PASSWORD] = secretEnv(host, `${prefix}.password`, o.password);
    return env;
  }
}

class PostgresQueryCheck extends PortCheck<PostgresQueryCheckOptions> {
  constructor(options: PostgresQueryCheckOptions) {
    super(HealthCheckProtocol.POSTGRES, options, { portNames: ['postgres', 'postgresql'], wellKnownPort: 5432 });
  }

  public _env(host: MonitoringHost, prefix: string): { [name: string]: kplus.EnvValue } {
    const o = this.options;
    const P = HealthAdapterProgram;
    const query = o.query ?? 'SELECT 1';
    const env: { [name: string]: kplus.EnvValue } = {
      [P.ENV_PG_USER]: secretEnv(host, `${prefix}.username`, o.username),
      [P.ENV_PG_PASSWORD]: secretEnv(host, `${prefix}.password`, o.password),
      [P.ENV_PG_DATABASE]: kplus.EnvValue.fromValue(checkWord(host, `${prefix}.database`, o.database ?? 'postgres')),
    };
    if (typeof query !== 'string' || query.trim() === '' || query.includes('\0')) throw propError(host, `${prefix}.query`, 'a non-empty SQL query', query);
    env[P.ENV_SQL_QUERY] = kplus.EnvValue.fromValue(query);
    return env;
  }
}

class MysqlQueryCheck extends PortCheck<MysqlQueryCheckOptions> {
  constructor(options: MysqlQueryCheckOptions) {
    super(HealthCheckProtocol.MYSQL, options ?? ({} as MysqlQueryCheckOptions), { portNames: ['mysql', 'mariadb'], wellKnownPort: 3306 });
  }

  public _env(host: MonitoringHost, prefix: string): { [name: string]: kplus.EnvValue } {
    return mysqlCheckEnv(host, prefix, this.options);
  }
}
