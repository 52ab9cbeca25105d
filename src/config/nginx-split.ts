import { UPSTREAM_KEEPALIVE, nginxPreamble } from './_nginx';
import { given, OptionProblem, problemsOf, throwFirstProblem } from './_problems';
import { ValueProblem, ValueProblems } from '../core/_value-problems';

/**
 * What keeps a user on one side of a request split (book ch. 3, "Using an Ambassador to Do Experimentation or
 * Request Splitting").
 *
 * The book's ambassador uses `ip_hash`, and warns that it breaks behind NAT: every user behind one address (an
 * office, a mobile carrier's gateway, a proxy) lands on the same side, and a user whose address changes may switch
 * sides. An application-level key (a cookie or header that names the user) does not have that problem. A request
 * without the cookie or header falls back to the client address, so it is still sticky per address.
 *
 * nginx hashes the key with `split_clients` (MurmurHash2): the same key always lands on the same side, on every
 * replica of the splitter, with no state shared between them.
 */
export class StickyKey {
  /**
   * The client's address (`$remote_addr`), as the book's `ip_hash`, but over the whole address (`ip_hash` uses only
   * the first three octets of an IPv4 address, so a /24 shares a side). Breaks behind NAT (see the class doc), and
   * means nothing in an in-pod ambassador, where every request comes from `127.0.0.1`.
   */
  public static clientIp(): StickyKey {
    return new StickyKey('$remote_addr', 'the client address', true);
  }

  /** A cookie, e.g. `user` (`$cookie_user`); requests without it fall back to the client address. */
  public static cookie(name: string): StickyKey {
    return StickyKey.named('cookie', name, /^[A-Za-z0-9_]+$/, "letters, digits and '_' (nginx exposes only those as $cookie_…)", (n) => `$cookie_${n}`);
  }

  /** A request header, e.g. `X-User-Id` (`$http_x_user_id`); requests without it fall back to the client address. */
  public static header(name: string): StickyKey {
    return StickyKey.named('header', name, /^[A-Za-z0-9][A-Za-z0-9-]*$/, "letters, digits and '-' (nginx exposes only those as $http_…)",
      (n) => `$http_${n.toLowerCase().replace(/-/g, '_')}`);
  }

  private static named(factory: 'cookie' | 'header', name: string, pattern: RegExp, rule: string, variable: (n: string) => string): StickyKey {
    if (typeof name === 'string' && pattern.test(name)) return new StickyKey(variable(name), `the ${name} ${factory}`, false);
    return new StickyKey('', `an invalid ${factory}`, false, { expectation: `StickyKey.${factory}(name) with a name of ${rule}`, got: name });
  }

  private constructor(
    /** The nginx variable that holds the key. */
    public readonly variable: string,
    /** What it is, for docs and comments. */
    public readonly description: string,
    /** Whether the key is the client address itself (meaningless inside a pod). */
    public readonly isClientAddress: boolean,
    /** @internal Why the key cannot be rendered, if it cannot. */
    public readonly _problem?: ValueProblem) {}
}

/**
 * One side of a request split.
 */
export interface NginxSplitBackend {
  /**
   * The side's name (e.g. `web`, `experiment`): the upstream is `split_<name>`, and the `backendHeader` answers it.
   * Lowercase letters, digits and '_', starting with a letter.
   */
  readonly name: string;
  /** Host (a Service name). */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** The side's weight: a positive integer; its share is weight / sum of the weights. */
  readonly weight: number;
}

/**
 * Options for `NginxSplitConfig.render`.
 */
export interface NginxSplitOptions {
  /** The sides, at least two. */
  readonly backends: NginxSplitBackend[];
  /**
   * What keeps a user on one side.
   *
   * @default StickyKey.clientIp()
   */
  readonly stickiness?: StickyKey;
  /**
   * The port the splitter listens on (≥ 1024: it runs unprivileged).
   *
   * @default 8080
   */
  readonly port?: number;
  /**
   * The address it listens on: `127.0.0.1` for an in-pod ambassador (only the app reaches it).
   *
   * @default - every address
   */
  readonly listenAddress?: string;
  /**
   * A separate port, on every address, that answers only the health endpoint: the kubelet's probes reach the pod
   * IP, which a splitter listening on `127.0.0.1` does not.
   *
   * @default - the health endpoint is on `port`
   */
  readonly healthPort?: number;
  /**
   * A response header naming the side that answered (e.g. `X-Split-Backend`), for the app and for measuring.
   *
   * @default - none
   */
  readonly backendHeader?: string;
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

/** The most weight one side may have (shares are rendered to 0.01 %). */
const MAX_WEIGHT = 10_000;

/**
 * Renders the nginx config of a sticky, weighted request splitter: `split_clients` hashes the sticky key into
 * percentages of the weights, and each side is an `upstream split_<name>`.
 *
 * @see https://nginx.org/en/docs/http/ngx_http_split_clients_module.html
 */
export class NginxSplitConfig {
  /** The health endpoint the splitter answers itself (its readiness probe). */
  public static readonly HEALTH_PATH = '/healthz-split';

  /**
   * The share of each weight in hundredths of a percent, as `split_clients` gets them (they sum to 10000):
   * cumulative rounding, so each share is within 0.01 points of weight / total.
   */
  public static basisPoints(weights: number[]): number[] {
    const problem = weightsProblem(weights);
    if (problem) throw new Error(`NginxSplitConfig.basisPoints: 'weights' must be ${problem.expectation}, got ${JSON.stringify(problem.got)}`);
    const total = weights.reduce((a, b) => a + b, 0);
    let before = 0;
    let cumulative = 0;
    return weights.map((w) => {
      cumulative += w;
      const upTo = Math.round((cumulative * 10_000) / total);
      const share = upTo - before;
      before = upTo;
      return share;
    });
  }

  /** The config text. Throws on values nginx would reject. */
  public static render(options: NginxSplitOptions): string {
    throwFirstProblem('NginxSplitConfig.render', NginxSplitConfig._problems(options));
    const port = options.port ?? 8080;
    const runDir = (options.runDir ?? '/tmp').replace(/\/+$/, '');
    const workers = options.workerProcesses ?? 1;
    const key = options.stickiness ?? StickyKey.clientIp();
    const backends = options.backends;
    const shares = NginxSplitConfig.basisPoints(backends.map((b) => b.weight));
    const percent = (bp: number) => `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}%`;
    const listen = options.listenAddress ? `${options.listenAddress}:${port}` : `${port}`;
    const health = [
      `        location = ${NginxSplitConfig.HEALTH_PATH} {`,
      '            access_log off;',
      '            return 200 "ok\\n";',
      '        }',
    ];
    const splitOn = key.isClientAddress ? '$remote_addr' : '$split_key';
    return [
      ...nginxPreamble({ comments: [`Rendered by cdk8s-distributed-patterns: a sticky request split on ${key.description}, ${backends.map((b, i) => `${b.name} ${percent(shares[i])}`).join(', ')}.`], workerProcesses: workers, workerConnections: 1024, runDir }),
      ...(key.isClientAddress ? [] : [
        `    # Without ${key.description}, a request is sticky by its client address.`,
        `    map ${key.variable} $split_key {`,
        '        ""      $remote_addr;',
        `        default ${key.variable};`,
        '    }',
        '',
      ]),
      `    split_clients "${splitOn}" $split_backend {`,
      ...backends.map((b, i) => (i === backends.length - 1 ? `        *      split_${b.name};` : `        ${percent(shares[i])} split_${b.name};`)),
      '    }',
      '',
      ...backends.flatMap((b) => [
        `    upstream split_${b.name} {`,
        `        server ${b.host}:${b.port};`,
        ...UPSTREAM_KEEPALIVE,
        '    }',
      ]),
      '',
      ...(options.healthPort !== undefined ? [
        '    server {',
        `        listen ${options.healthPort};`,
        ...health,
        '        location / {',
        '            return 404;',
        '        }',
        '    }',
        '',
      ] : []),
      '    server {',
      `        listen ${listen};`,
      ...(options.healthPort !== undefined ? [] : health),
      '        location / {',
      '            proxy_pass http://$split_backend;',
      '            proxy_http_version 1.1;',
      '            proxy_set_header Connection "";',
      '            proxy_set_header Host $host;',
      '            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '            proxy_next_upstream off;',
      ...(options.backendHeader ? [`            add_header ${options.backendHeader} $split_backend always;`] : []),
      '        }',
      '    }',
      '}',
      '',
    ].join('\n');
  }

  /** @internal The problems of `options`, in order (a construct throws the first with its own prop). */
  public static _problems(options: NginxSplitOptions): OptionProblem[] {
    const backends = Array.isArray(options?.backends) ? options.backends : [];
    const names = backends.map((b) => b?.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    const weights = backends.map((b) => b?.weight);
    return [
      ...problemsOf({
        backends: backends.length < 2
          ? { expectation: 'a list of at least two sides (a split with one side is a plain proxy)', got: options?.backends }
          : duplicate !== undefined ? { expectation: 'sides with distinct names', got: duplicate } : undefined,
        stickiness: given(options?.stickiness, (k) => (k instanceof StickyKey ? k._problem : { expectation: 'a StickyKey (StickyKey.clientIp(), .cookie(name), .header(name))', got: k })),
        port: given(options?.port, (p) => ValueProblems.integer(1024, 65535, p)),
        healthPort: given(options?.healthPort, (p) => (p === (options.port ?? 8080) ? { expectation: `a port other than 'port' (${p})`, got: p } : ValueProblems.integer(1024, 65535, p))),
        listenAddress: given(options?.listenAddress, (v) => ValueProblems.matches(/^(\d{1,3}\.){3}\d{1,3}$/, 'an IPv4 address', v)),
        backendHeader: given(options?.backendHeader, (v) => ValueProblems.matches(/^[A-Za-z0-9][A-Za-z0-9-]*$/, "a header name of letters, digits and '-'", v)),
        runDir: given(options?.runDir, (v) => ValueProblems.matches(/^\/[A-Za-z0-9._\-/]*$/, 'an absolute path', v)),
        workerProcesses: given(options?.workerProcesses, (v) => ValueProblems.integer(1, 64, v)),
      }),
      ...(backends.length >= 2 && weights.every((w) => w === 0) ? [{ option: 'backends[*].weight', expectation: 'at least one weight above zero', got: 0 }] : []),
      ...backends.flatMap((b, i) => problemsOf({
        [`backends[${i}].name`]: ValueProblems.matches(/^[a-z][a-z0-9_]{0,39}$/, "a name of lowercase letters, digits and '_', starting with a letter (at most 40)", b?.name),
        [`backends[${i}].host`]: ValueProblems.matches(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a DNS name or IPv4 address', b?.host),
        [`backends[${i}].port`]: ValueProblems.integer(1, 65535, b?.port),
        [`backends[${i}].weight`]: ValueProblems.integer(1, MAX_WEIGHT, b?.weight),
      })),
      ...(backends.length >= 2 && !weightsProblem(weights) && NginxSplitConfig.basisPoints(weights).some((bp) => bp === 0)
        ? [{ option: 'backends[*].weight', expectation: 'weights whose every share is at least 0.01 % (split_clients\' resolution)', got: weights }] : []),
    ];
  }
}

function weightsProblem(weights: number[]): ValueProblem | undefined {
  if (!Array.isArray(weights) || weights.length === 0) return { expectation: 'a non-empty list of positive integers', got: weights };
  if (weights.some((w) => !Number.isInteger(w) || w < 1 || w > MAX_WEIGHT)) return { expectation: `positive integers up to ${MAX_WEIGHT}`, got: weights };
  return undefined;
}
