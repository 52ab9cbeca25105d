import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { UPSTREAM_KEEPALIVE, nginxPreamble } from './_nginx';
import { given, OptionProblem, problemsOf, throwFirstProblem } from './_problems';
import { millis, ValueProblems } from '../core/_value-problems';

/**
 * The lowest TLS version an nginx TLS terminator accepts.
 */
export enum TlsVersion {
  /** TLS 1.2 and 1.3 (Mozilla "intermediate"): every client of the last ten years. */
  TLS_1_2 = 'TLSv1.2',
  /** TLS 1.3 only (Mozilla "modern"). */
  TLS_1_3 = 'TLSv1.3',
}

/**
 * Options for `NginxConfig.tlsProxy`.
 *
 * @see https://nginx.org/en/docs/http/configuring_https_servers.html
 * @see https://ssl-config.mozilla.org/
 */
export interface NginxTlsProxyOptions {
  /**
   * Where the plain-HTTP traffic goes: `127.0.0.1` for a sidecar in front of its app, or a Service name (a
   * ClusterIP Service: nginx resolves the name once, at start).
   */
  readonly upstreamHost: string;
  /** The upstream's port. */
  readonly upstreamPort: number;
  /**
   * The port nginx terminates TLS on. At least 1024: the pod runs without `NET_BIND_SERVICE`.
   *
   * @default 8443
   */
  readonly httpsPort?: number;
  /**
   * A plain-HTTP port that answers every request with a permanent redirect (301) to HTTPS.
   *
   * @default - no plain-HTTP listener
   */
  readonly redirectHttpPort?: number;
  /**
   * The port clients reach HTTPS on (the Service port): used in the redirect's `Location` and in
   * `X-Forwarded-Port`.
   *
   * @default 443
   */
  readonly publicHttpsPort?: number;
  /**
   * The certificate chain file (PEM), e.g. `tls.crt` of a `kubernetes.io/tls` Secret.
   *
   * @default NginxConfig.DEFAULT_CERTIFICATE_FILE
   */
  readonly certificateFile?: string;
  /**
   * The private key file (PEM).
   *
   * @default NginxConfig.DEFAULT_KEY_FILE
   */
  readonly keyFile?: string;
  /**
   * The lowest TLS version accepted. TLS 1.0 and 1.1 are never offered.
   *
   * @default TlsVersion.TLS_1_2
   */
  readonly minTlsVersion?: TlsVersion;
  /**
   * Send `Strict-Transport-Security` with this `max-age`. Only for a host that is served over HTTPS for good:
   * browsers remember it.
   *
   * @default - no HSTS header
   */
  readonly hstsMaxAge?: Duration;
  /**
   * The writable directory for the pid file and the temp files (an emptyDir in the pod: the root filesystem is
   * read-only).
   *
   * @default NginxConfig.DEFAULT_RUN_DIR
   */
  readonly runDir?: string;
  /**
   * `worker_processes`. One worker per replica; scale with replicas (`auto` would count the node's CPUs, not
   * the container's limit).
   *
   * @default 1
   */
  readonly workerProcesses?: number;
  /**
   * `worker_connections` (each proxied request uses two).
   *
   * @default 1024
   */
  readonly workerConnections?: number;
  /**
   * `client_max_body_size`: the largest request body.
   *
   * @default Size.mebibytes(1)
   */
  readonly clientMaxBodySize?: Size;
  /**
   * `proxy_read_timeout`: how long nginx waits between two reads from the upstream.
   *
   * @default Duration.seconds(60)
   */
  readonly proxyReadTimeout?: Duration;
  /**
   * `server_name`.
   *
   * @default "_" (any host)
   */
  readonly serverName?: string;
  /**
   * A per-client request rate limit (`limit_req`): requests per second each client address may make, counted by
   * each nginx process on its own. A request above it (and above `rateLimitBurst`) is answered `429 Too Many
   * Requests` with `Retry-After: 1`, without reaching the upstream. The client address is the connection's
   * (`$binary_remote_addr`): clients behind one NAT share a limit, and so do all clients behind a proxy or a
   * load balancer that does not keep the source address.
   *
   * @default - no rate limit
   * @see https://nginx.org/en/docs/http/ngx_http_limit_req_module.html
   */
  readonly rateLimitPerSecond?: number;
  /**
   * How many requests above `rateLimitPerSecond` a client may send at once before it is refused (`burst`, served
   * without delay: `nodelay`). Only with `rateLimitPerSecond`.
   *
   * @default 0 (every request above the rate is refused)
   */
  readonly rateLimitBurst?: number;
  /**
   * A path on the HTTPS port that nginx answers itself (`200 ok`, not logged, never rate-limited or passed
   * upstream): what the pod's probes ask, so that a hung nginx — whose port the kernel still accepts — fails them,
   * while an upstream outage does not take the terminator out of its Service.
   * @default - none: every path goes upstream
   */
  readonly healthPath?: string;
}

/**
 * nginx configuration files: pure functions from options to the text of `nginx.conf`.
 *
 * The files are complete (`-c <file>`, no `include`) and run as the unprivileged nginx of
 * `nginxinc/nginx-unprivileged` (uid 101) on a read-only root filesystem: the pid file and every temp path are
 * in `runDir`, logs go to stdout/stderr, every port is at least 1024. They also pass `nginx -t` on nginx 1.22
 * (Debian bookworm, the tier-2 tests): no directive newer than that is used (`http2 on` is 1.25, `ssl on` is
 * gone since 1.25).
 */
export class NginxConfig {
  /** Where the terminators read the certificate (the Secret's `tls.crt` mounted at `/etc/nginx/tls`). */
  public static readonly DEFAULT_CERTIFICATE_FILE = '/etc/nginx/tls/tls.crt';
  /** Where the terminators read the private key (the Secret's `tls.key`). */
  public static readonly DEFAULT_KEY_FILE = '/etc/nginx/tls/tls.key';
  /** The default writable directory for the pid file and temp files. */
  public static readonly DEFAULT_RUN_DIR = '/tmp';
  /** The default HTTPS port. */
  public static readonly DEFAULT_HTTPS_PORT = 8443;
  /** Where the pods mount the rendered config (a ConfigMap). */
  public static readonly CONFIG_DIR = '/etc/nginx/tls-proxy';
  /** The file name of the rendered config in `CONFIG_DIR` (the ConfigMap key). */
  public static readonly CONFIG_FILE_NAME = 'nginx.conf';
  /** Where the pods mount the TLS Secret. */
  public static readonly TLS_DIR = '/etc/nginx/tls';

  /**
   * The path a `ReplicatedService` TLS tier and a SidecarPod HTTPS terminator answer themselves (`healthPath`):
   * their readiness probe.
   */
  public static readonly TLS_TIER_HEALTH_PATH = '/healthz-tls';
  /**
   * The TLS 1.2 cipher suites offered (Mozilla "intermediate" without the DHE suites, which need a `dhparam`
   * file): ECDHE key exchange and AEAD ciphers only. TLS 1.3 suites are OpenSSL's defaults.
   */
  public static readonly TLS12_CIPHERS = [
    'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':');

  /**
   * The container command that runs a rendered config: `nginx -c <CONFIG_DIR>/<CONFIG_FILE_NAME> -e stderr`.
   * It bypasses the image's entrypoint scripts, which would try to edit files on the read-only root
   * filesystem; `-e stderr` keeps nginx from opening its compiled-in error log before it reads the config.
   */
  public static command(): string[] {
    return ['nginx', '-c', `${NginxConfig.CONFIG_DIR}/${NginxConfig.CONFIG_FILE_NAME}`, '-e', 'stderr'];
  }

  /**
   * @internal What nginx would reject in `options` (the options given; `upstreamHost` and `upstreamPort` are
   * required). `prefix` goes before the names of other options an expectation mentions (a construct's `tlsTier.`).
   */
  public static _tlsProxyProblems(options: Partial<NginxTlsProxyOptions>, prefix: string = ''): OptionProblem[] {
    const o = options;
    const httpsPort = o.httpsPort ?? NginxConfig.DEFAULT_HTTPS_PORT;
    return problemsOf({
      httpsPort: ValueProblems.integer(1024, 65535, httpsPort),
      redirectHttpPort: given(o.redirectHttpPort, (v) => ValueProblems.integer(1024, 65535, v)
        ?? (v === httpsPort ? { expectation: `different from 'httpsPort' (${httpsPort})`, got: v } : undefined)),
      publicHttpsPort: given(o.publicHttpsPort, (v) => ValueProblems.integer(1, 65535, v)),
      upstreamPort: ValueProblems.integer(1, 65535, o.upstreamPort as number),
      upstreamHost: ValueProblems.matches(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9a-fA-F:.]+\]$/, 'a host name or IP address', o.upstreamHost as string),
      certificateFile: given(o.certificateFile, (v) => ValueProblems.matches(ABSOLUTE_PATH, 'an absolute path', v)),
      keyFile: given(o.keyFile, (v) => ValueProblems.matches(ABSOLUTE_PATH, 'an absolute path', v)),
      runDir: given(o.runDir, (v) => ValueProblems.matches(ABSOLUTE_PATH, 'an absolute path', v)),
      serverName: given(o.serverName, (v) => ValueProblems.matches(/^(_|[A-Za-z0-9*.-]+)( [A-Za-z0-9*.-]+)*$/, 'host names separated by spaces, or \'_\'', v)),
      workerProcesses: given(o.workerProcesses, (v) => ValueProblems.integer(1, 64, v)),
      workerConnections: given(o.workerConnections, (v) => ValueProblems.integer(16, 65536, v)),
      clientMaxBodySize: given(o.clientMaxBodySize, (v) => {
        if (typeof (v as any)?.toKibibytes !== 'function') return { expectation: 'a Size (e.g. Size.mebibytes(1))', got: v };
        const kib = v.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
        return Number.isInteger(kib) && kib >= 0 && kib <= 1024 ** 3 ? undefined : { expectation: 'a whole number of KiB up to 1 TiB', got: `${kib}Ki` };
      }),
      proxyReadTimeout: given(o.proxyReadTimeout, (v) => ValueProblems.wholeSeconds(1, 86400, v)),
      minTlsVersion: given(o.minTlsVersion, (v) => ValueProblems.oneOf(Object.values(TlsVersion), v)),
      hstsMaxAge: given(o.hstsMaxAge, (v) => ValueProblems.wholeSeconds(1, 2 ** 31 - 1, v)),
      rateLimitPerSecond: given(o.rateLimitPerSecond, (v) => ValueProblems.integer(1, MAX_RATE, v)),
      rateLimitBurst: given(o.rateLimitBurst, (v) => (o.rateLimitPerSecond === undefined
        ? { expectation: `given only with '${prefix}rateLimitPerSecond'`, got: v }
        : ValueProblems.integer(0, MAX_RATE, v))),
      healthPath: given(o.healthPath, (v) => ValueProblems.matches(ABSOLUTE_PATH, 'an absolute path', v)),
    });
  }

  /**
   * A TLS terminator: HTTPS on `httpsPort` proxied as plain HTTP/1.1 (with keepalive) to
   * `upstreamHost:upstreamPort`, with `X-Forwarded-For/-Proto/-Host/-Port` and `X-Real-IP`; optionally a
   * plain-HTTP port that redirects to HTTPS. Throws when an option is out of range.
   */
  public static tlsProxy(options: NginxTlsProxyOptions): string {
    throwFirstProblem('NginxConfig.tlsProxy', NginxConfig._tlsProxyProblems(options));
    const httpsPort = options.httpsPort ?? NginxConfig.DEFAULT_HTTPS_PORT;
    const redirect = options.redirectHttpPort;
    const publicPort = options.publicHttpsPort ?? 443;
    const upstreamPort = options.upstreamPort;
    const upstreamHost = options.upstreamHost;
    const cert = options.certificateFile ?? NginxConfig.DEFAULT_CERTIFICATE_FILE;
    const key = options.keyFile ?? NginxConfig.DEFAULT_KEY_FILE;
    const runDir = (options.runDir ?? NginxConfig.DEFAULT_RUN_DIR).replace(/\/+$/, '') || '/';
    const serverName = options.serverName ?? '_';
    const workers = options.workerProcesses ?? 1;
    const connections = options.workerConnections ?? 1024;
    const bodyKib = (options.clientMaxBodySize ?? DEFAULT_BODY).toKibibytes({ rounding: SizeRoundingBehavior.NONE });
    const readTimeout = millis(options.proxyReadTimeout ?? DEFAULT_READ_TIMEOUT) / 1000;
    const minTls = options.minTlsVersion ?? TlsVersion.TLS_1_2;
    const hsts = options.hstsMaxAge === undefined ? undefined : millis(options.hstsMaxAge) / 1000;
    const rate = options.rateLimitPerSecond;
    const burst = options.rateLimitBurst ?? 0;
    const location = publicPort === 443 ? 'https://$host$request_uri' : `https://$host:${publicPort}$request_uri`;

    const lines: string[] = [
      ...nginxPreamble({
        comments: [
          'Rendered by cdk8s-distributed-patterns: a TLS terminator.',
          `Upstream: ${upstreamHost}:${upstreamPort}. Runs unprivileged, read-only root:`,
          `pid and temp files in ${runDir}, logs to stdout and stderr.`,
        ],
        workerProcesses: workers,
        workerConnections: connections,
        runDir,
        httpFirst: ['    default_type application/octet-stream;'],
        httpSettings: [
          '    keepalive_timeout 65s;',
          `    client_max_body_size ${bodyKib % 1024 === 0 ? `${bodyKib / 1024}m` : `${bodyKib}k`};`,
        ],
      }),
      ...(rate === undefined ? [] : [
        `    # Per-client rate limit: ${rate} request(s) per second per client address, bursts of ${burst} more; above it`,
        '    # 429 with Retry-After (only on refusals of this nginx: an upstream 429 keeps its own headers).',
        `    limit_req_zone $binary_remote_addr zone=${RATE_ZONE}:10m rate=${rate}r/s;`,
        '    limit_req_status 429;',
        '    map "$status:$upstream_status" $retry_after {',
        '        "429:"  1;',
        '        default "";',
        '    }',
        '',
      ]),
      '    upstream backend {',
      `        server ${upstreamHost}:${upstreamPort};`,
      ...UPSTREAM_KEEPALIVE,
      '    }',
      '',
      '    server {',
      `        listen ${httpsPort} ssl;`,
      `        server_name ${serverName};`,
      '',
      `        ssl_certificate ${cert};`,
      `        ssl_certificate_key ${key};`,
      `        ssl_protocols ${minTls === TlsVersion.TLS_1_3 ? 'TLSv1.3' : 'TLSv1.2 TLSv1.3'};`,
      ...(minTls === TlsVersion.TLS_1_3 ? [] : [`        ssl_ciphers ${NginxConfig.TLS12_CIPHERS};`]),
      '        ssl_prefer_server_ciphers off;',
      '        ssl_session_cache shared:TLS:10m;',
      '        ssl_session_timeout 1d;',
      '        ssl_session_tickets off;',
      ...(hsts === undefined ? [] : [`        add_header Strict-Transport-Security "max-age=${hsts}" always;`]),
      ...(rate === undefined ? [] : ['        add_header Retry-After $retry_after always;']),
      '',
      ...(options.healthPath === undefined ? [] : [
        `        location = ${options.healthPath} {`,
        '            access_log off;',
        '            return 200 "ok\\n";',
        '        }',
      ]),
      '        location / {',
      ...(rate === undefined ? [] : [`            limit_req zone=${RATE_ZONE}${burst > 0 ? ` burst=${burst}` : ''} nodelay;`]),
      '            proxy_pass http://backend;',
      '            proxy_http_version 1.1;',
      '            proxy_set_header Connection "";',
      '            proxy_set_header Host $host;',
      '            proxy_set_header X-Real-IP $remote_addr;',
      '            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '            proxy_set_header X-Forwarded-Proto https;',
      '            proxy_set_header X-Forwarded-Host $host;',
      `            proxy_set_header X-Forwarded-Port ${publicPort};`,
      `            proxy_read_timeout ${readTimeout}s;`,
      '        }',
      '    }',
    ];
    if (redirect !== undefined) {
      lines.push(
        '',
        '    server {',
        `        listen ${redirect};`,
        `        server_name ${serverName};`,
        '        location / {',
        `            return 301 ${location};`,
        '        }',
        '    }',
      );
    }
    lines.push('}', '');
    return lines.join('\n');
  }
}

const ABSOLUTE_PATH = /^\/[A-Za-z0-9._\-/]*$/;
const MAX_RATE = 1_000_000;
const RATE_ZONE = 'per_client';
const DEFAULT_BODY = Size.mebibytes(1);
const DEFAULT_READ_TIMEOUT = Duration.seconds(60);
