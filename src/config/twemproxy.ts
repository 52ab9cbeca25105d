import { Duration } from 'cdk8s';
import { given, OptionProblem, problemsOf, throwFirstProblem } from './_problems';
import { millis, ValueProblems } from '../core/_value-problems';
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
const DEFAULT_TIMEOUT = Duration.millis(400);
const DEFAULT_RETRY_TIMEOUT = Duration.millis(2000);
/** 24h: twemproxy keeps its timeouts in milliseconds, as an int. */
const MAX_TIMEOUT_MS = 86_400_000;

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
    throwFirstProblem('TwemproxyConfig.render', TwemproxyConfig._problems(options));
    const p = options;
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
    lines.push(
      `  auto_eject_hosts: ${p.autoEjectHosts ?? false}`,
      `  timeout: ${millis(p.timeout ?? DEFAULT_TIMEOUT)}`,
      `  server_retry_timeout: ${millis(p.serverRetryTimeout ?? DEFAULT_RETRY_TIMEOUT)}`,
      `  server_failure_limit: ${p.serverFailureLimit ?? 1}`,
      `  server_connections: ${p.serverConnections ?? 1}`,
      `  preconnect: ${p.preconnect ?? false}`,
      '  servers:',
      ...p.servers.map((s) => `   - ${s.host}:${s.port}:${s.weight ?? 1} ${s.name}`),
    );
    return lines.join('\n') + '\n';
  }

  /**
   * @internal What twemproxy would reject or misread in `options`: only the options given are judged, so a
   * construct can check the props it passes through before it has the servers.
   */
  public static _problems(options: Partial<TwemproxyPoolOptions>): OptionProblem[] {
    const o = options;
    return [
      ...problemsOf({
        pool: given(o.pool, (v) => ValueProblems.matches(/^[a-z][a-z0-9_]*$/, 'a name of [a-z][a-z0-9_]*', v)),
        listen: given(o.listen, (v) => ValueProblems.matches(/^[0-9.]+:[0-9]{1,5}$/, 'an IPv4 address and port', v)),
        servers: o.servers !== undefined && o.servers.length === 0 ? { expectation: 'a list of at least one server', got: [] } : undefined,
        hash: given(o.hash, (v) => ValueProblems.oneOf(Object.values(TwemproxyHash), v)),
        hashTag: given(o.hashTag, (v) => (typeof v === 'string' && [...v].length === 2 ? undefined : { expectation: 'two characters, e.g. \'{}\'', got: v })),
        distribution: given(o.distribution, (v) => ValueProblems.oneOf(Object.values(TwemproxyDistribution), v)),
        autoEjectHosts: given(o.autoEjectHosts, (v) => ValueProblems.boolean(v)),
        timeout: given(o.timeout, (v) => ValueProblems.wholeMillis(1, MAX_TIMEOUT_MS, v)),
        serverRetryTimeout: given(o.serverRetryTimeout, (v) => ValueProblems.wholeMillis(1, MAX_TIMEOUT_MS, v)),
        serverFailureLimit: given(o.serverFailureLimit, (v) => ValueProblems.integer(1, 1000, v)),
        serverConnections: given(o.serverConnections, (v) => ValueProblems.integer(1, 1000, v)),
        preconnect: given(o.preconnect, (v) => ValueProblems.boolean(v)),
        redisAuthPlaceholder: o.redisAuthPlaceholder !== undefined && o.protocol !== TwemproxyProtocol.REDIS
          ? { expectation: 'unset for a memcached pool (redis_auth is for redis pools only)', got: o.redisAuthPlaceholder } : undefined,
      }),
      ...serverProblems(o.servers ?? []),
    ];
  }

  /**
   * The `sh` script an init container runs to copy the config template to `target`, replacing the
   * `redis_auth` placeholder with the password from the environment variable `envVar`, double-quoted for YAML
   * (backslashes and double quotes escaped). Uses only POSIX `awk`, so it runs in the redis (busybox) image.
   */
  public static authRenderScript(template: string, target: string, envVar: string): string {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(envVar)) throw new Error(`env var name must be [A-Z_][A-Z0-9_]*, got '${envVar}'`);
    return authScript(template, target, `[ -n "\${${envVar}:-}" ] || { echo "${envVar} is empty" >&2; exit 1; }`, '', `ENVIRON["${envVar}"]`);
  }

  /**
   * The `sh` script an init container runs to copy the config template to `target`, replacing the `redis_auth`
   * placeholder with the password read from the file `passwordFile` (a Secret mounted as a file: the password is
   * never in an environment variable or an argument), double-quoted for YAML. The file holds one line (a trailing
   * line break is dropped); an empty file, or one of several lines, is refused. POSIX `awk` only.
   */
  public static authRenderScriptFromFile(template: string, target: string, passwordFile: string): string {
    if (!PLAIN_PATH.test(passwordFile)) throw new Error(`path must be absolute and plain, got '${passwordFile}'`);
    const f = passwordFile;
    return authScript(template, target, `[ -s ${f} ] || { echo "${f} is missing or empty" >&2; exit 1; }`,
      `BEGIN { n = 0; while ((getline l < "${f}") > 0) { n++; pw = l } if (n != 1 || pw == "") { print "${f}: the password must be one non-empty line" > "/dev/stderr"; exit 1 } }`,
      'pw');
  }
}

const PLAIN_PATH = /^\/[-A-Za-z0-9_./]+$/;

/** The render script: `check` first (sh), then awk with `begin` and the password expression `password`. */
function authScript(template: string, target: string, check: string, begin: string, password: string): string {
  for (const p of [template, target]) if (!PLAIN_PATH.test(p)) throw new Error(`path must be absolute and plain, got '${p}'`);
  const awk = [
    ...(begin ? [begin] : []),
    'function q(s,  o, i, c) { o = ""; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == "\\\\" || c == "\\"") o = o "\\\\"; o = o c } return o }',
    `$0 == "  redis_auth: ${TwemproxyConfig.AUTH_PLACEHOLDER}" { print "  redis_auth: \\"" q(${password}) "\\""; next }`,
    '{ print }',
  ].join('\n');
  return ['set -eu', check, `awk '${awk}' ${template} > ${target}.tmp`, `mv ${target}.tmp ${target}`].join('\n');
}

function serverProblems(servers: TwemproxyServer[]): OptionProblem[] {
  const names = new Set<string>();
  return servers.flatMap((s, i) => {
    const duplicate = names.has(s.name) ? { expectation: 'a name no other server has', got: s.name } : undefined;
    names.add(s.name);
    return problemsOf({
      [`servers[${i}].host`]: ValueProblems.matches(HOST, 'a host name or address', s.host),
      [`servers[${i}].port`]: ValueProblems.integer(1, 65535, s.port),
      [`servers[${i}].name`]: ValueProblems.matches(NAME, 'a name of letters, digits, \'-\', \'_\' and \'.\' (what twemproxy accepts)', s.name) ?? duplicate,
      [`servers[${i}].weight`]: ValueProblems.integer(1, 1_000_000, s.weight ?? 1),
    });
  });
}
