import { Duration } from 'cdk8s';
import { UPSTREAM_KEEPALIVE, nginxPreamble } from './_nginx';
import { given, OptionProblem, problemsOf, throwFirstProblem } from './_problems';
import { millis, ValueProblem, ValueProblems } from '../core/_value-problems';

/**
 * What a sharding router does with the keys of a shard that is down (its Service refuses connections, times out,
 * or answers 502/503/504).
 */
export enum DownShard {
  /**
   * The request errors (nginx answers 502, or 504 after the connect timeout) and the keys never move: a shard is
   * never marked down (`max_fails=0`), no request is passed to another shard (`proxy_next_upstream off`). For
   * sharded state, where another shard's answer would be a wrong one.
   */
  FAIL = 'fail',
  /**
   * The next shard on the ring answers: a request whose shard fails is passed on at once (`proxy_next_upstream
   * error timeout http_502 http_503 http_504`), and after `maxFails` failures within `failTimeout` the shard is
   * skipped for `failTimeout` (`max_fails`, `fail_timeout`). Only the down shard's keys move, and they come back
   * when it does. For a sharded cache, where another shard's miss is a correct answer.
   */
  FAILOVER = 'failover',
}

/**
 * The variable an HTTP sharding router hashes to pick a shard.
 *
 * The book stresses choosing the shard key: the request URI spreads a cache of pages; a header or an argument
 * (a user or tenant id) keeps one user's requests on one shard. A name nginx cannot expose is reported where the
 * key is used (`ShardedService`'s `shardKey`, or `NginxRouterConfig.render`'s `key`), with the construct's path.
 */
export class ShardKey {
  /** The request URI with its query string (`$request_uri`). */
  public static requestUri(): ShardKey {
    return new ShardKey('$request_uri', 'the request URI');
  }

  /**
   * A request header, e.g. `X-User-Id` (`$http_x_user_id`). A request without it has an empty key, which nginx's
   * hash does not shard: such requests are spread round-robin over every shard. Send the header on every request.
   */
  public static header(name: string): ShardKey {
    return ShardKey.named('header', name, /^[A-Za-z0-9][A-Za-z0-9-]*$/, "letters, digits and '-' (nginx exposes only those as $http_…)",
      (n) => `$http_${n.toLowerCase().replace(/-/g, '_')}`);
  }

  /** A query argument, e.g. `user` (`$arg_user`). Requests without it are spread round-robin, as with `header`. */
  public static queryArgument(name: string): ShardKey {
    return ShardKey.named('queryArgument', name, /^[A-Za-z0-9_]+$/, "letters, digits and '_' (nginx exposes only those as $arg_…)", (n) => `$arg_${n}`);
  }

  /** A cookie, e.g. `session` (`$cookie_session`). Requests without it are spread round-robin, as with `header`. */
  public static cookie(name: string): ShardKey {
    return ShardKey.named('cookie', name, /^[A-Za-z0-9_]+$/, "letters, digits and '_' (nginx exposes only those as $cookie_…)", (n) => `$cookie_${n}`);
  }

  private static named(factory: string, name: string, pattern: RegExp, rule: string, variable: (n: string) => string): ShardKey {
    const what = { header: 'header', queryArgument: 'argument', cookie: 'cookie' }[factory];
    if (typeof name === 'string' && pattern.test(name)) return new ShardKey(variable(name), `the ${name} ${what}`);
    return new ShardKey('', `an invalid ${what}`, { expectation: `ShardKey.${factory}(name) with a name of ${rule}`, got: name });
  }

  private constructor(
    /** The nginx variable. */
    public readonly variable: string,
    /** What it is, for docs and comments. */
    public readonly description: string,
    /** @internal Why the key cannot be rendered (a name nginx does not expose), if it cannot. */
    public readonly _problem?: ValueProblem) {}
}

/**
 * One shard of a router.
 */
export interface NginxShardServer {
  /** Host (a Service name). */
  readonly host: string;
  /** Port. */
  readonly port: number;
}

/**
 * Options for `NginxRouterConfig.render`.
 */
export interface NginxRouterOptions {
  /** The shards, in order. */
  readonly shards: NginxShardServer[];
  /**
   * What to hash.
   *
   * @default ShardKey.requestUri()
   */
  readonly key?: ShardKey;
  /**
   * The port the router listens on (≥ 1024: it runs unprivileged).
   *
   * @default 8080
   */
  readonly port?: number;
  /**
   * Where pid and temp files go (a writable emptyDir).
   *
   * @default "/tmp"
   */
  readonly runDir?: string;
  /**
   * Worker processes.
   *
   * @default 1
   */
  readonly workerProcesses?: number;
  /**
   * What a down shard means for its keys.
   *
   * @default DownShard.FAIL
   */
  readonly downShard?: DownShard;
  /**
   * With `DownShard.FAILOVER`: failed requests within `failTimeout` after which a shard is skipped (`max_fails`).
   *
   * @default 1
   */
  readonly maxFails?: number;
  /**
   * With `DownShard.FAILOVER`: the window for `maxFails`, and how long a shard is then skipped (`fail_timeout`).
   *
   * @default Duration.seconds(10)
   */
  readonly failTimeout?: Duration;
}

/**
 * Renders the nginx config of a consistent-hash HTTP sharding proxy (book ch. 6, "Building a Consistent HTTP
 * Sharding Proxy"): `hash <key> consistent;` over the shard Services, so removing a shard moves only its keys.
 *
 * @see https://nginx.org/en/docs/http/ngx_http_upstream_module.html#hash
 */
export class NginxRouterConfig {
  /** The health endpoint the router answers itself (its readiness probe). */
  public static readonly HEALTH_PATH = '/healthz-router';

  /** How long the router waits to connect to a shard before the request fails (or fails over): 5 s. */
  public static readonly CONNECT_TIMEOUT_SECONDS = 5;

  /** The config text. Throws on values nginx would reject. */
  public static render(options: NginxRouterOptions): string {
    const port = options.port ?? 8080;
    const runDir = (options.runDir ?? '/tmp').replace(/\/+$/, '');
    const workers = options.workerProcesses ?? 1;
    const shards = Array.isArray(options.shards) ? options.shards : [];
    throwFirstProblem('NginxRouterConfig.render', [
      ...problemsOf({
        key: given(options.key, (k) => (k instanceof ShardKey ? k._problem : { expectation: 'a ShardKey (ShardKey.requestUri(), .header(name), …)', got: k })),
        shards: shards.length === 0 ? { expectation: 'a list of at least one shard', got: options.shards } : undefined,
        port: ValueProblems.integer(1024, 65535, port),
        runDir: given(options.runDir, (v) => ValueProblems.matches(/^\/[A-Za-z0-9._\-/]*$/, 'an absolute path', v)),
        workerProcesses: ValueProblems.integer(1, 64, workers),
      }),
      ...NginxRouterConfig._downShardProblems(options),
      ...shards.flatMap((s, i) => problemsOf({
        [`shards[${i}].host`]: ValueProblems.matches(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a DNS name', s.host),
        [`shards[${i}].port`]: ValueProblems.integer(1, 65535, s.port),
      })),
    ]);
    const failover = options.downShard === DownShard.FAILOVER;
    const serverParams = failover
      ? ` max_fails=${options.maxFails ?? 1} fail_timeout=${millis(options.failTimeout ?? Duration.seconds(10)) / 1000}s`
      : ' max_fails=0';
    const key = options.key ?? ShardKey.requestUri();
    return [
      ...nginxPreamble({ comments: [`Rendered by cdk8s-distributed-patterns: a consistent-hash HTTP sharding router on ${key.description}.`], workerProcesses: workers, workerConnections: 1024, runDir }),
      '    upstream shards {',
      `        hash ${key.variable} consistent;`,
      failover
        ? '        # a down shard fails over: its keys go to the next shard on the ring while it is skipped (max_fails, fail_timeout)'
        : '        # a down shard fails: it is never skipped (max_fails=0), so its keys never move and its requests get 502',
      ...options.shards.map((s) => `        server ${s.host}:${s.port}${serverParams};`),
      ...UPSTREAM_KEEPALIVE,
      '    }',
      '',
      '    server {',
      `        listen ${port};`,
      `        location = ${NginxRouterConfig.HEALTH_PATH} {`,
      '            access_log off;',
      '            return 200 "ok\\n";',
      '        }',
      '        location / {',
      '            proxy_pass http://shards;',
      '            proxy_http_version 1.1;',
      '            proxy_set_header Connection "";',
      '            proxy_set_header Host $host;',
      '            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      `            proxy_connect_timeout ${NginxRouterConfig.CONNECT_TIMEOUT_SECONDS}s;`,
      ...(failover
        ? ['            proxy_next_upstream error timeout http_502 http_503 http_504;', '            proxy_next_upstream_tries 2;']
        : ['            proxy_next_upstream off;']),
      '        }',
      '    }',
      '}',
      '',
    ].join('\n');
  }

  /**
   * @internal The problems of the down-shard options (`downShard`, `maxFails`, `failTimeout`), named as the options
   * (and as `ShardedService`'s props): an unknown mode, bad values, or `maxFails`/`failTimeout` without `FAILOVER`.
   */
  public static _downShardProblems(options: { downShard?: DownShard; maxFails?: number; failTimeout?: Duration }): OptionProblem[] {
    const mode = options.downShard;
    const onlyWithFailover = (what: string, v: unknown) => (v !== undefined && mode !== DownShard.FAILOVER
      ? { expectation: `given only with 'downShard' DownShard.FAILOVER (${what}; with ${mode === undefined ? 'the default DownShard.FAIL' : `'${mode}'`} a down shard is never skipped)`, got: v instanceof Duration ? `${millis(v)}ms` : v }
      : undefined);
    return problemsOf({
      downShard: given(mode, (m) => ValueProblems.oneOf(Object.values(DownShard), m)),
      maxFails: onlyWithFailover('failures before a shard is skipped', options.maxFails) ?? given(options.maxFails, (n) => ValueProblems.integer(1, 100, n)),
      failTimeout: onlyWithFailover('how long a failed shard is skipped', options.failTimeout) ?? given(options.failTimeout, (d) => ValueProblems.wholeSeconds(1, 3600, d)),
    });
  }
}
