import { Duration, Size } from 'cdk8s';
import { given, OptionProblem, problemsOf, throwFirstProblem } from './_problems';
import { mebibytes, millis, ValueProblems } from '../core/_value-problems';

/**
 * Options for `VarnishConfig.vcl`.
 *
 * @see https://varnish-cache.org/docs/7.6/users-guide/vcl-backends.html
 */
export interface VarnishVclOptions {
  /**
   * The backend's host: the app's ClusterIP Service name. varnish resolves it once, when the VCL is loaded, and
   * needs exactly one address, so never a headless Service (one address per pod, which change).
   */
  readonly backendHost: string;
  /** The backend's port. */
  readonly backendPort: number;
  /**
   * The path of the backend's readiness endpoint: varnish probes it and stops sending traffic (serving from
   * grace instead) while it fails.
   */
  readonly probePath: string;
  /**
   * How often varnish probes the backend.
   *
   * @default Duration.seconds(5)
   */
  readonly probeInterval?: Duration;
  /**
   * How long one probe may take.
   *
   * @default Duration.seconds(2)
   */
  readonly probeTimeout?: Duration;
  /**
   * How many of the latest probes count.
   *
   * @default 5
   */
  readonly probeWindow?: number;
  /**
   * How many of the last `probeWindow` probes must succeed for the backend to be healthy.
   *
   * @default 3
   */
  readonly probeThreshold?: number;
  /**
   * How long a cacheable response is kept when the backend sends neither `Cache-Control` nor `Expires`
   * (the backend's own headers win).
   *
   * @default Duration.minutes(2)
   */
  readonly ttl?: Duration;
  /**
   * How long after its TTL an object may still be served (while varnish refreshes it in the background, or
   * while the backend is sick).
   *
   * @default Duration.hours(1)
   */
  readonly grace?: Duration;
  /**
   * How long varnish waits for the backend's first byte.
   *
   * @default Duration.seconds(60)
   */
  readonly firstByteTimeout?: Duration;
  /**
   * A path varnish answers itself with a 200 (`synth`, never passed to the backend, never cached): the tier's own
   * readiness probe. A hung varnish fails it (a TCP probe passes: the kernel still accepts); an outage of the
   * backend does not (the tier keeps serving from grace).
   *
   * @default - none: every request goes to varnish's cache and backend
   */
  readonly healthPath?: string;
}

/**
 * Options for `VarnishConfig.command`.
 */
export interface VarnishCommandOptions {
  /** The HTTP port varnish listens on (at least 1024: the container runs without `NET_BIND_SERVICE`). */
  readonly port: number;
  /** The size of the malloc cache storage (`-s malloc,<size>`). */
  readonly cacheSize: Size;
}

/**
 * Varnish configuration: the VCL of a caching tier and the `-s` storage argument.
 *
 * The VCL is `vcl 4.1` and compiles on varnish 7.1 (Debian bookworm, the tier-2 tests) and 7.6 (the default
 * image).
 */
export class VarnishConfig {
  /** The path a `ReplicatedService` cache tier answers itself (`healthPath`): its readiness probe. */
  public static readonly CACHE_TIER_HEALTH_PATH = '/healthz-cache';
  /** The response header that says whether varnish answered from its cache: `HIT` or `MISS`. */
  public static readonly CACHE_HEADER = 'X-Cache';
  /** Where the pods mount the VCL (a ConfigMap). */
  public static readonly VCL_DIR = '/etc/varnish/vcl';
  /** The VCL's file name in `VCL_DIR` (the ConfigMap key). */
  public static readonly VCL_FILE_NAME = 'default.vcl';
  /**
   * varnish's working directory (an emptyDir: the root filesystem is read-only). varnishd compiles the VCL
   * into a shared object there and keeps its shared-memory log there.
   */
  public static readonly WORK_DIR = '/var/lib/varnish';

  /**
   * The container command: `varnishd -F -f <VCL_DIR>/<VCL_FILE_NAME> -a http=:<port>,HTTP -s malloc,<size>
   * -n <WORK_DIR>/varnishd` (foreground, one HTTP listener, malloc storage, the work dir in the emptyDir).
   */
  public static command(options: VarnishCommandOptions): string[] {
    throwFirstProblem('VarnishConfig.command', problemsOf({ port: ValueProblems.integer(1024, 65535, options.port) }));
    const port = options.port;
    return [
      'varnishd', '-F',
      '-f', `${VarnishConfig.VCL_DIR}/${VarnishConfig.VCL_FILE_NAME}`,
      '-a', `http=:${port},HTTP`,
      '-s', VarnishConfig.mallocStorage(options.cacheSize),
      '-n', `${VarnishConfig.WORK_DIR}/varnishd`,
    ];
  }

  /**
   * The VCL of a caching tier in front of one backend: a health probe on the backend's readiness path, a
   * default TTL for responses without caching headers, grace, an `X-Cache: HIT|MISS` response header and, with
   * `healthPath`, a path varnish answers itself.
   * Everything else is varnish's built-in VCL (GET/HEAD only; requests with `Authorization` or `Cookie` and
   * responses with `Set-Cookie` are not cached). Throws when an option is out of range.
   */
  public static vcl(options: VarnishVclOptions): string {
    throwFirstProblem('VarnishConfig.vcl', VarnishConfig._vclProblems(options));
    const host = options.backendHost;
    const port = options.backendPort;
    const path = options.probePath;
    const interval = vclDuration(options.probeInterval ?? Duration.seconds(5));
    const timeout = vclDuration(options.probeTimeout ?? Duration.seconds(2));
    const window = options.probeWindow ?? 5;
    const threshold = options.probeThreshold ?? 3;
    const ttl = vclDuration(options.ttl ?? Duration.minutes(2));
    const grace = vclDuration(options.grace ?? Duration.hours(1));
    const firstByte = vclDuration(options.firstByteTimeout ?? Duration.seconds(60));

    return [
      'vcl 4.1;',
      '',
      `# Rendered by cdk8s-distributed-patterns: a caching tier in front of ${host}:${port}.`,
      '',
      'probe readiness {',
      `    .url = "${path}";`,
      '    .expected_response = 200;',
      `    .interval = ${interval};`,
      `    .timeout = ${timeout};`,
      `    .window = ${window};`,
      `    .threshold = ${threshold};`,
      '}',
      '',
      'backend app {',
      `    .host = "${host}";`,
      `    .port = "${port}";`,
      '    .probe = readiness;',
      `    .first_byte_timeout = ${firstByte};`,
      '}',
      '',
      ...(options.healthPath === undefined ? [] : [
        'sub vcl_recv {',
        '    # The tier\'s own readiness: answered here, never passed to the backend or cached.',
        `    if (req.url == "${options.healthPath}") {`,
        '        return (synth(200, "OK"));',
        '    }',
        '}',
        '',
      ]),
      'sub vcl_backend_response {',
      '    # A cacheable response without caching headers is kept for the default TTL; the backend\'s own',
      '    # Cache-Control or Expires win, and uncacheable responses (errors, ttl <= 0) are left alone.',
      '    if (beresp.ttl > 0s && !beresp.http.Cache-Control && !beresp.http.Expires) {',
      `        set beresp.ttl = ${ttl};`,
      '    }',
      `    set beresp.grace = ${grace};`,
      '}',
      '',
      'sub vcl_deliver {',
      '    if (obj.hits > 0) {',
      `        set resp.http.${VarnishConfig.CACHE_HEADER} = "HIT";`,
      '    } else {',
      `        set resp.http.${VarnishConfig.CACHE_HEADER} = "MISS";`,
      '    }',
      '}',
      '',
    ].join('\n');
  }

  /**
   * @internal What varnish would reject in `options` (the options given; the backend and the probe path are
   * required).
   */
  public static _vclProblems(options: Partial<VarnishVclOptions>): OptionProblem[] {
    const o = options;
    const window = o.probeWindow ?? 5;
    const duration = (min: number) => (d: Duration) => ValueProblems.wholeMillis(min, MAX_DURATION_MS, d);
    return problemsOf({
      backendHost: ValueProblems.matches(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'a host name or IPv4 address', o.backendHost as string),
      backendPort: ValueProblems.integer(1, 65535, o.backendPort as number),
      probePath: ValueProblems.matches(URL_PATH_AND_QUERY, 'an absolute URL path without spaces or quotes', o.probePath as string),
      probeInterval: given(o.probeInterval, duration(1)),
      probeTimeout: given(o.probeTimeout, duration(1)),
      probeWindow: ValueProblems.integer(1, 64, window),
      probeThreshold: given(o.probeThreshold, (v) => ValueProblems.integer(1, window, v)),
      ttl: given(o.ttl, duration(1)),
      grace: given(o.grace, duration(0)),
      firstByteTimeout: given(o.firstByteTimeout, duration(1)),
      healthPath: given(o.healthPath, (v) => ValueProblems.matches(URL_PATH, 'an absolute URL path without spaces, quotes or a query', v)),
    });
  }

  /**
   * The argument of `varnishd -s` for a malloc storage of `size`: `malloc,<n>m` (whole mebibytes, at least 1).
   */
  public static mallocStorage(size: Size): string {
    throwFirstProblem('VarnishConfig.mallocStorage', problemsOf({ size: ValueProblems.wholeMebibytes(1, MAX_MIB, size) }));
    return `malloc,${mebibytes(size)}m`;
  }
}

/** The characters of a URL path a VCL string literal may hold as is: no space, quote, `?` or `#` (`-` last: a literal in a class). */
const URL_PATH_CHARS = "A-Za-z0-9._~!$&'()*+,;=:@%/-";
/** An absolute URL path: what `req.url` is compared with (a request for it with a query is another URL). */
const URL_PATH = new RegExp(`^/[${URL_PATH_CHARS}]*$`);
/** An absolute URL path, with a query allowed: what the backend probe's `.url` asks for. */
const URL_PATH_AND_QUERY = new RegExp(`^/[?${URL_PATH_CHARS}]*$`);

/** 365 days: the longest duration a VCL here sets. */
const MAX_DURATION_MS = 365 * 86_400_000;
/** 1 TiB: the largest cache. */
const MAX_MIB = 1_048_576;

/** A VCL duration literal: whole seconds as `Ns`, else `Nms`. */
function vclDuration(d: Duration): string {
  const ms = millis(d);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
