// Internal: the part every rendered nginx.conf shares (the TLS terminator, the sharding router, the request split):
// the header comment, one unprivileged worker setup with the pid file and every temp path in a writable run
// directory, logs to stdout/stderr, and the opening of the `http` block.

/** What `nginxPreamble` needs. */
export interface NginxPreambleOptions {
  /** The comment lines at the top (without the leading `# `). */
  readonly comments: string[];
  /** `worker_processes`. */
  readonly workerProcesses: number;
  /** `worker_connections`. */
  readonly workerConnections: number;
  /** The writable directory, without a trailing slash (`''` or `'/'` for the root). */
  readonly runDir: string;
  /** `http` directives before `access_log` (already indented). */
  readonly httpFirst?: string[];
  /** `http` directives after `server_tokens` and before the temp paths (already indented). */
  readonly httpSettings?: string[];
}

/**
 * The lines from the header comment to the temp paths of the `http` block, then one blank line: the caller goes on
 * with its upstreams and servers and closes the `http` block.
 */
export function nginxPreamble(o: NginxPreambleOptions): string[] {
  const run = (name: string) => `${o.runDir === '/' ? '' : o.runDir}/${name}`;
  return [
    ...o.comments.map((c) => `# ${c}`),
    `worker_processes ${o.workerProcesses};`,
    'daemon off;',
    `pid ${run('nginx.pid')};`,
    'error_log stderr warn;',
    '',
    'events {',
    `    worker_connections ${o.workerConnections};`,
    '}',
    '',
    'http {',
    ...(o.httpFirst ?? []),
    '    access_log /dev/stdout;',
    '    server_tokens off;',
    ...(o.httpSettings ?? []),
    `    client_body_temp_path ${run('client_temp')};`,
    `    proxy_temp_path ${run('proxy_temp')};`,
    `    fastcgi_temp_path ${run('fastcgi_temp')};`,
    `    uwsgi_temp_path ${run('uwsgi_temp')};`,
    `    scgi_temp_path ${run('scgi_temp')};`,
    '',
  ];
}

/**
 * The lines of an `upstream` block that keep idle connections to its servers: 16 per worker, each closed by nginx
 * after 4 s idle — before the servers close it themselves (Node's and varnish's idle timeout is 5 s). Otherwise
 * nginx may send a request on a connection its server has just closed, and with `proxy_next_upstream off` that
 * request is a 502 (tier 2 saw it at load 28 with backends that close after 1 s).
 */
export const UPSTREAM_KEEPALIVE: readonly string[] = ['        keepalive 16;', '        keepalive_timeout 4s;'];
