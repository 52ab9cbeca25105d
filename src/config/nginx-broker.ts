import { Duration } from 'cdk8s';
import { given, OptionProblem, problemsOf, throwFirstProblem } from './_problems';
import { millis, ValueProblems } from '../core/_value-problems';

/**
 * One brokered connection: nginx listens on `listenPort` and forwards each TCP connection to `host:port`.
 */
export interface NginxBrokerRoute {
  /** The route's name (the upstream is `broker_<name>`): lowercase letters, digits and '_', starting with a letter. */
  readonly name: string;
  /** The port nginx listens on (on `listenAddress`). */
  readonly listenPort: number;
  /** The backend's host: a DNS name (resolved when nginx starts) or an IPv4 address. */
  readonly host: string;
  /** The backend's port. */
  readonly port: number;
  /**
   * Speak TLS to the backend (`proxy_ssl on`), verifying its certificate against `tlsTrustedCertificate` and its
   * name against `tlsServerName`.
   *
   * @default false
   */
  readonly tls?: boolean;
  /**
   * The name the backend's certificate must carry, also sent as SNI (only with `tls`).
   *
   * @default - `host`
   */
  readonly tlsServerName?: string;
  /**
   * The PEM file of the CAs that sign the backend's certificate (only with `tls`).
   *
   * @default NginxBrokerConfig.SYSTEM_CA_FILE
   */
  readonly tlsTrustedCertificate?: string;
}

/**
 * Options for `NginxBrokerConfig.render`.
 */
export interface NginxBrokerOptions {
  /** The brokered connections, at least one, each on its own port. */
  readonly routes: NginxBrokerRoute[];
  /**
   * The address the routes listen on: `127.0.0.1` keeps them inside the pod.
   *
   * @default "127.0.0.1"
   */
  readonly listenAddress?: string;
  /**
   * A port on every address that accepts a TCP connection and answers `ok` (the kubelet's probes reach the pod IP,
   * which the routes on `127.0.0.1` do not).
   *
   * @default - none
   */
  readonly healthPort?: number;
  /**
   * How long nginx waits to connect to a backend before it closes the app's connection.
   *
   * @default Duration.seconds(5)
   */
  readonly connectTimeout?: Duration;
  /**
   * How long a connection may stay idle (no byte either way) before nginx closes it (`proxy_timeout`). Longer
   * than your client's pool idle time, so the pool closes first.
   *
   * @default Duration.hours(1)
   */
  readonly idleTimeout?: Duration;
  /** A comment naming the environment the routes are for. @default - none */
  readonly environment?: string;
  /**
   * Where the pid file goes (a writable emptyDir).
   *
   * @default "/tmp"
   */
  readonly runDir?: string;
}

const NAME = /^[a-z][a-z0-9_]{0,39}$/;
const HOST = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * Renders the nginx config of a service-brokering ambassador (book ch. 3, "Using an Ambassador for Service
 * Brokering"): a `stream` block with one TCP proxy per brokered service, listening on localhost, to the backend
 * of one environment, with TLS to the backend where asked.
 *
 * @see https://nginx.org/en/docs/stream/ngx_stream_proxy_module.html
 */
export class NginxBrokerConfig {
  /** The CA bundle of the nginx image (Alpine's `ca-certificates`), the default trust for TLS to a backend. */
  public static readonly SYSTEM_CA_FILE = '/etc/ssl/certs/ca-certificates.crt';

  /** A DNS name (lowercase) or an IPv4 address. */
  public static isHost(host: string): boolean {
    return typeof host === 'string' && (IPV4.test(host) || (HOST.test(host) && !/^[\d.]+$/.test(host)));
  }

  /** The config text. Throws on values nginx would reject. */
  public static render(options: NginxBrokerOptions): string {
    throwFirstProblem('NginxBrokerConfig.render', NginxBrokerConfig._problems(options));
    const address = options.listenAddress ?? '127.0.0.1';
    const run = (options.runDir ?? '/tmp').replace(/\/+$/, '');
    const seconds = (d: Duration | undefined, dflt: number) => `${d === undefined ? dflt : millis(d) / 1000}s`;
    const routes = options.routes;
    const what = routes.map((r) => `${r.name} ${address}:${r.listenPort} -> ${r.host}:${r.port}${r.tls ? ' (TLS)' : ''}`).join(', ');
    return [
      `# Rendered by cdk8s-distributed-patterns: a service-brokering ambassador${options.environment ? ` for the environment '${options.environment}'` : ''}: ${what}.`,
      '# Needs the stream module (built into the nginx image; a distribution build loads ngx_stream_module first).',
      'worker_processes 1;',
      'daemon off;',
      `pid ${run}/nginx.pid;`,
      'error_log stderr warn;',
      '',
      'events {',
      '    worker_connections 1024;',
      '}',
      '',
      'stream {',
      "    log_format broker '$remote_addr:$server_port -> $upstream_addr $status $bytes_sent $bytes_received $session_time';",
      '    access_log /dev/stdout broker;',
      '',
      ...(options.healthPort !== undefined ? [
        '    # The kubelet\'s probe: the pod IP accepts and answers, the routes stay on ' + address + '.',
        '    server {',
        `        listen ${options.healthPort};`,
        '        return "ok\\n";',
        '    }',
        '',
      ] : []),
      ...routes.flatMap((r) => [
        `    upstream broker_${r.name} {`,
        `        server ${r.host}:${r.port};`,
        '    }',
        '',
        '    server {',
        `        listen ${address}:${r.listenPort};`,
        `        proxy_pass broker_${r.name};`,
        `        proxy_connect_timeout ${seconds(options.connectTimeout, 5)};`,
        `        proxy_timeout ${seconds(options.idleTimeout, 3600)};`,
        ...(r.tls ? [
          '        proxy_ssl on;',
          '        proxy_ssl_protocols TLSv1.2 TLSv1.3;',
          `        proxy_ssl_name ${r.tlsServerName ?? r.host};`,
          '        proxy_ssl_server_name on;',
          '        proxy_ssl_verify on;',
          '        proxy_ssl_verify_depth 4;',
          `        proxy_ssl_trusted_certificate ${r.tlsTrustedCertificate ?? NginxBrokerConfig.SYSTEM_CA_FILE};`,
          '        proxy_ssl_session_reuse on;',
        ] : []),
        '    }',
        '',
      ]),
      '}',
      '',
    ].join('\n');
  }

  /** @internal The problems of `options`, in order (a construct throws the first with its own prop). */
  public static _problems(options: NginxBrokerOptions): OptionProblem[] {
    const routes = Array.isArray(options?.routes) ? options.routes : [];
    const names = routes.map((r) => r?.name);
    const ports = routes.map((r) => r?.listenPort);
    const dupName = names.find((n, i) => names.indexOf(n) !== i);
    const dupPort = ports.find((p, i) => ports.indexOf(p) !== i);
    return [
      ...problemsOf({
        routes: routes.length === 0 ? { expectation: 'a list of at least one route', got: options?.routes }
          : dupName !== undefined ? { expectation: 'routes with distinct names', got: dupName }
            : dupPort !== undefined ? { expectation: 'routes on distinct ports', got: dupPort } : undefined,
        listenAddress: given(options?.listenAddress, (v) => ValueProblems.matches(IPV4, 'an IPv4 address', v)),
        healthPort: given(options?.healthPort, (p) => (ports.includes(p) ? { expectation: 'a port no route listens on', got: p } : ValueProblems.integer(1024, 65535, p))),
        connectTimeout: given(options?.connectTimeout, (d) => ValueProblems.wholeSeconds(1, 600, d)),
        idleTimeout: given(options?.idleTimeout, (d) => ValueProblems.wholeSeconds(1, 7 * 24 * 3600, d)),
        environment: given(options?.environment, (v) => ValueProblems.matches(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a DNS-1123 label', v)),
        runDir: given(options?.runDir, (v) => ValueProblems.matches(/^\/[A-Za-z0-9._\-/]*$/, 'an absolute path', v)),
      }),
      ...routes.flatMap((r, i) => problemsOf({
        [`routes[${i}].name`]: ValueProblems.matches(NAME, "a name of lowercase letters, digits and '_', starting with a letter (at most 40)", r?.name),
        [`routes[${i}].listenPort`]: ValueProblems.integer(1024, 65535, r?.listenPort),
        [`routes[${i}].host`]: NginxBrokerConfig.isHost(r?.host) ? undefined : { expectation: 'a DNS name (lowercase) or an IPv4 address, without a port', got: r?.host },
        [`routes[${i}].port`]: ValueProblems.integer(1, 65535, r?.port),
        [`routes[${i}].tls`]: given(r?.tls, (v) => ValueProblems.boolean(v)),
        [`routes[${i}].tlsServerName`]: given(r?.tlsServerName, (v) => (r.tls !== true ? { expectation: "unset without 'tls: true'", got: v }
          : NginxBrokerConfig.isHost(v) ? undefined : { expectation: 'a DNS name (lowercase) or an IPv4 address', got: v })),
        [`routes[${i}].tlsTrustedCertificate`]: given(r?.tlsTrustedCertificate, (v) => (r.tls !== true ? { expectation: "unset without 'tls: true'", got: v }
          : ValueProblems.matches(/^\/[A-Za-z0-9._\-/]*$/, 'an absolute path', v))),
      })),
    ];
  }
}
