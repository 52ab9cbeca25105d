import { Duration } from 'cdk8s';
import { TwemproxyHash } from '../hashing/hash-functions';

/**
 * The protocol of a twemproxy pool.
 */
export enum TwemproxyProtocol {
  /** Redis (`redis: true`). */
  REDIS = 'redis',
  /** memcached ASCII (`redis: false`). */
  MEMCACHED = 'memcached',
}

/**
 * The key distribution of a twemproxy pool.
 */
export enum TwemproxyDistribution {
  /** Consistent hashing (ketama): resizing moves only about 1/N of the keys. */
  KETAMA = 'ketama',
  /** `hash % servers`: resizing moves almost every key. */
  MODULA = 'modula',
  /** A random server per request: only for stateless pools. */
  RANDOM = 'random',
}

/**
 * One backend server of a pool.
 */
export interface TwemproxyServer {
  /** Host name or IP (e.g. a StatefulSet pod DNS name `redis-0.redis`). */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /**
   * The name that places the server on the ketama ring. Naming servers keeps key placement independent of
   * addresses (a pod can move or be renamed in DNS without moving keys).
   */
  readonly name: string;
  /**
   * Weight.
   *
   * @default 1
   */
  readonly weight?: number;
}

/**
 * Options for `TwemproxyConfig.render`: one pool.
 *
 * @see https://github.com/twitter/twemproxy#configuration
 */
export interface TwemproxyPoolOptions {
  /** Pool name (the top-level YAML key). */
  readonly pool: string;
  /** `listen`: address and port, e.g. `127.0.0.1:6379`. */
  readonly listen: string;
  /** Backend protocol. */
  readonly protocol: TwemproxyProtocol;
  /** Backend servers, in ring order. */
  readonly servers: TwemproxyServer[];
  /**
   * `hash`.
   *
   * @default TwemproxyHash.FNV1A_64
   */
  readonly hash?: TwemproxyHash;
  /**
   * `hash_tag`: two characters.
   *
   * @default - none
   */
  readonly hashTag?: string;
  /**
   * `distribution`.
   *
   * @default TwemproxyDistribution.KETAMA
   */
  readonly distribution?: TwemproxyDistribution;
  /**
   * `auto_eject_hosts`: take a failing server out of the ring (its keys move to the others) until it recovers.
   *
   * @default false
   */
  readonly autoEjectHosts?: boolean;
  /**
   * `timeout`: how long twemproxy waits for a server to answer.
   *
   * @default Duration.millis(400)
   */
  readonly timeout?: Duration;
  /**
   * `server_retry_timeout`: how long an ejected server stays out.
   *
   * @default Duration.millis(2000)
   */
  readonly serverRetryTimeout?: Duration;
  /**
   * `server_failure_limit`: consecutive failures that eject a server.
   *
   * @default 1
   */
  readonly serverFailureLimit?: number;
  /**
   * `server_connections`: connections per server.
   *
   * @default 1
   */
  readonly serverConnections?: number;
  /**
   * `preconnect`: connect to every server at start.
   *
   * @default false
   */
  readonly preconnect?: boolean;
  /**
   * `redis_auth`: a placeholder line is rendered for a password that an init container fills in from a
   * `Secret` at pod start (the password never sits in a ConfigMap). Redis pools only.
   *
   * @default - no AUTH
   */
  readonly redisAuthPlaceholder?: string;
}

const HOST = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/;
const NAME = /^[A-Za-z0-9][-A-Za-z0-9_.]*$/;

/**
 * Renders twemproxy (nutcracker 0.5) configuration files.
 */
export class TwemproxyConfig {
  /** The placeholder `redis_auth` carries in the ConfigMap until the init container replaces it. */
  public static readonly AUTH_PLACEHOLDER = '__REDIS_AUTH_FROM_SECRET__';

  /**
   * The YAML text of a one-pool nutcracker config. Deterministic: the same options give the same bytes.
   * Throws on values twemproxy would reject or misread.
   */
  public static render(options: TwemproxyPoolOptions): string {
    const p = options;
    if (!/^[a-z][a-z0-9_]*$/.test(p.pool)) throw new Error(`pool name must match [a-z][a-z0-9_]*, got '${p.pool}'`);
    if (!/^[0-9.]+:[0-9]{1,5}$/.test(p.listen)) throw new Error(`listen must be an IPv4 address and port, got '${p.listen}'`);
    if (p.servers.length === 0) throw new Error('a twemproxy pool needs at least one server');
    if (p.hashTag !== undefined && [...p.hashTag].length !== 2) throw new Error(`hash_tag must be two characters, got '${p.hashTag}'`);
    if (p.redisAuthPlaceholder !== undefined && p.protocol !== TwemproxyProtocol.REDIS) throw new Error('redis_auth is only for redis pools');
    const names = new Set<string>();
    for (const s of p.servers) {
      if (!HOST.test(s.host)) throw new Error(`server host '${s.host}' is not a host name or address`);
      if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) throw new Error(`server port must be in 1-65535, got ${s.port}`);
      if (!NAME.test(s.name)) throw new Error(`server name '${s.name}' has characters twemproxy does not accept`);
      if (names.has(s.name)) throw new Error(`server name '${s.name}' appears twice`);
      names.add(s.name);
      const w = s.weight ?? 1;
      if (!Number.isInteger(w) || w < 1) throw new Error(`server weight must be a positive integer, got ${w}`);
    }
    const ms = (d: Duration | undefined, def: number, what: string) => {
      const v = d === undefined ? def : d.toMilliseconds();
      if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a whole number of milliseconds ≥ 1, got ${v}`);
      return v;
    };
    const lines = [
      `${p.pool}:`,
      `  listen: ${p.listen}`,
      `  hash: ${p.hash ?? TwemproxyHash.FNV1A_64}`,
    ];
    if (p.hashTag !== undefined) lines.push(`  hash_tag: ${JSON.stringify(p.hashTag)}`);
    lines.push(
      `  distribution: ${p.distribution ?? TwemproxyDistribution.KETAMA}`,
      `  redis: ${p.protocol === TwemproxyProtocol.REDIS}`,
    );
    if (p.redisAuthPlaceholder !== undefined) lines.push(`  redis_auth: ${p.redisAuthPlaceholder}`);
    const failureLimit = p.serverFailureLimit ?? 1;
    if (!Number.isInteger(failureLimit) || failureLimit < 1) throw new Error(`server_failure_limit must be a positive integer, got ${failureLimit}`);
    const connections = p.serverConnections ?? 1;
    if (!Number.isInteger(connections) || connections < 1) throw new Error(`server_connections must be a positive integer, got ${connections}`);
    lines.push(
      `  auto_eject_hosts: ${p.autoEjectHosts ?? false}`,
      `  timeout: ${ms(p.timeout, 400, 'timeout')}`,
      `  server_retry_timeout: ${ms(p.serverRetryTimeout, 2000, 'server_retry_timeout')}`,
      `  server_failure_limit: ${failureLimit}`,
      `  server_connections: ${connections}`,
      `  preconnect: ${p.preconnect ?? false}`,
      '  servers:',
      ...p.servers.map((s) => `   - ${s.host}:${s.port}:${s.weight ?? 1} ${s.name}`),
    );
    return lines.join('\n') + '\n';
  }

  /**
   * The `sh` script an init container runs to copy the config template to `target`, replacing the
   * `redis_auth` placeholder with the password from the environment variable `envVar`, double-quoted for YAML
   * (backslashes and double quotes escaped). Uses only POSIX `awk`, so it runs in the redis (busybox) image.
   */
  public static authRenderScript(template: string, target: string, envVar: string): string {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(envVar)) throw new Error(`env var name must be [A-Z_][A-Z0-9_]*, got '${envVar}'`);
    for (const p of [template, target]) if (!/^\/[-A-Za-z0-9_./]+$/.test(p)) throw new Error(`path must be absolute and plain, got '${p}'`);
    const awk = [
      'function q(s,  o, i, c) { o = ""; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == "\\\\" || c == "\\"") o = o "\\\\"; o = o c } return o }',
      `$0 == "  redis_auth: ${TwemproxyConfig.AUTH_PLACEHOLDER}" { print "  redis_auth: \\"" q(ENVIRON["${envVar}"]) "\\""; next }`,
      '{ print }',
    ].join('\n');
    return [
      'set -eu',
      `[ -n "\${${envVar}:-}" ] || { echo "${envVar} is empty" >&2; exit 1; }`,
      `awk '${awk}' ${template} > ${target}.tmp`,
      `mv ${target}.tmp ${target}`,
    ].join('\n');
  }
}
