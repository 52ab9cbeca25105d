import { given, problemsOf, throwFirstProblem } from './_problems';
import { ValueProblem, ValueProblems } from '../core/_value-problems';

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

  /** A request header, e.g. `X-User-Id` (`$http_x_user_id`). Requests without it all go to one shard. */
  public static header(name: string): ShardKey {
    return ShardKey.named('header', name, /^[A-Za-z0-9][A-Za-z0-9-]*$/, "letters, digits and '-' (nginx exposes only those as $http_…)",
      (n) => `$http_${n.toLowerCase().replace(/-/g, '_')}`);
  }

  /** A query argument, e.g. `user` (`$arg_user`). */
  public static queryArgument(name: string): ShardKey {
    return ShardKey.named('queryArgument', name, /^[A-Za-z0-9_]+$/, "letters, digits and '_' (nginx exposes only those as $arg_…)", (n) => `$arg_${n}`);
  }

  /** A cookie, e.g. `session` (`$cookie_session`). */
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
      ...shards.flatMap((s, i) => problemsOf({
        [`shards[${i}].host`]: ValueProblems.matches(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a DNS name', s.host),
        [`shards[${i}].port`]: ValueProblems.integer(1, 65535, s.port),
      })),
    ]);
    const key = options.key ?? ShardKey.requestUri();
    return [
      `# Rendered by cdk8s-distributed-patterns: a consistent-hash HTTP sharding router on ${key.description}.`,
      `worker_processes ${workers};`,
      'daemon off;',
      `pid ${runDir}/nginx.pid;`,
      'error_log stderr warn;',
      '',
      'events {',
      '    worker_connections 1024;',
      '}',
      '',
      'http {',
      '    access_log /dev/stdout;',
      '    server_tokens off;',
      `    client_body_temp_path ${runDir}/client_temp;`,
      `    proxy_temp_path ${runDir}/proxy_temp;`,
      `    fastcgi_temp_path ${runDir}/fastcgi_temp;`,
      `    uwsgi_temp_path ${runDir}/uwsgi_temp;`,
      `    scgi_temp_path ${runDir}/scgi_temp;`,
      '',
      '    upstream shards {',
      `        hash ${key.variable} consistent;`,
      ...options.shards.map((s) => `        server ${s.host}:${s.port};`),
      '        keepalive 16;',
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
      '            proxy_next_upstream off;',
      '        }',
      '    }',
      '}',
      '',
    ].join('\n');
  }
}
