import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';

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
    const port = integer('VarnishConfig.command', 'port', options.port, 1024, 65535);
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
   * default TTL for responses without caching headers, grace, and an `X-Cache: HIT|MISS` response header.
   * Everything else is varnish's built-in VCL (GET/HEAD only; requests with `Authorization` or `Cookie` and
   * responses with `Set-Cookie` are not cached). Throws when an option is out of range.
   */
  public static vcl(options: VarnishVclOptions): string {
    const where = 'VarnishConfig.vcl';
    const host = options.backendHost;
    if (typeof host !== 'string' || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
      throw new Error(`${where}: 'backendHost' must be a host name or IPv4 address, got ${JSON.stringify(host)}`);
    }
    const port = integer(where, 'backendPort', options.backendPort, 1, 65535);
    const path = options.probePath;
    if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/.test(path)) {
      throw new Error(`${where}: 'probePath' must be an absolute URL path without spaces or quotes, got ${JSON.stringify(path)}`);
    }
    const interval = VarnishConfig.duration(where, 'probeInterval', options.probeInterval ?? Duration.seconds(5));
    const timeout = VarnishConfig.duration(where, 'probeTimeout', options.probeTimeout ?? Duration.seconds(2));
    const window = integer(where, 'probeWindow', options.probeWindow ?? 5, 1, 64);
    const threshold = integer(where, 'probeThreshold', options.probeThreshold ?? 3, 1, window);
    const ttl = VarnishConfig.duration(where, 'ttl', options.ttl ?? Duration.minutes(2));
    const grace = VarnishConfig.duration(where, 'grace', options.grace ?? Duration.hours(1), true);
    const firstByte = VarnishConfig.duration(where, 'firstByteTimeout', options.firstByteTimeout ?? Duration.seconds(60));

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
   * The argument of `varnishd -s` for a malloc storage of `size`: `malloc,<n>m` (whole mebibytes, at least 1).
   */
  public static mallocStorage(size: Size): string {
    const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(mib) || mib < 1) throw new Error(`VarnishConfig.mallocStorage: 'size' must be a whole number of MiB, at least 1, got ${mib} MiB`);
    return `malloc,${mib}m`;
  }

  /** A VCL duration literal: whole seconds as `Ns`, else `Nms`. */
  private static duration(where: string, prop: string, d: Duration, allowZero = false): string {
    const ms = d.toMilliseconds();
    if (!Number.isInteger(ms) || ms < (allowZero ? 0 : 1)) throw new Error(`${where}: '${prop}' must be a whole number of milliseconds${allowZero ? '' : ' above 0'}, got ${ms}ms`);
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  }
}

function integer(where: string, prop: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${where}: '${prop}' must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}
