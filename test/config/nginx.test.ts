import { Duration, Size } from 'cdk8s';
import { NginxConfig, TlsVersion } from '../../src';

/** The non-comment, non-empty lines of a config, trimmed. */
function directives(conf: string): string[] {
  return conf.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

describe('NginxConfig.tlsProxy', () => {
  const sidecar = () => NginxConfig.tlsProxy({ upstreamHost: '127.0.0.1', upstreamPort: 8080 });

  test('a sidecar terminator: TLS 1.2+ on 8443, proxied to 127.0.0.1, unprivileged paths', () => {
    const conf = sidecar();
    expect(conf).toMatchSnapshot();
    const d = directives(conf);
    // Main context: no `user` (the image's own uid), pid in the writable dir, logs to stderr, foreground.
    expect(d.slice(0, 4)).toEqual(['worker_processes 1;', 'daemon off;', 'pid /tmp/nginx.pid;', 'error_log stderr warn;']);
    expect(d.some((l) => l.startsWith('user '))).toBe(false);
    // Every temp path under /tmp, none under /var/cache/nginx (read-only root filesystem).
    for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) expect(d).toContain(`${t}_temp_path /tmp/${t === 'client_body' ? 'client' : t}_temp;`);
    expect(conf).not.toMatch(/\/var\/(cache|log|run)/);
    expect(d).toContain('listen 8443 ssl;');
    expect(d.filter((l) => l.startsWith('listen '))).toEqual(['listen 8443 ssl;']);
    expect(d).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
    expect(d).toContain(`ssl_ciphers ${NginxConfig.TLS12_CIPHERS};`);
    expect(NginxConfig.TLS12_CIPHERS.split(':').every((c) => c.startsWith('ECDHE-') && /GCM|CHACHA20/.test(c))).toBe(true);
    expect(d).toContain('ssl_certificate /etc/nginx/tls/tls.crt;');
    expect(d).toContain('ssl_certificate_key /etc/nginx/tls/tls.key;');
    expect(d).toContain('ssl_session_tickets off;');
    // `ssl on` was removed in nginx 1.25; TLS is per listen.
    expect(conf).not.toMatch(/^\s*ssl\s+on\s*;/m);
    expect(conf).not.toMatch(/TLSv1(\.1)?[ ;]/);
    expect(d).toContain('server 127.0.0.1:8080;');
    expect(d).toContain('proxy_pass http://backend;');
    expect(d).toEqual(expect.arrayContaining([
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      'proxy_set_header X-Forwarded-Proto https;',
      'proxy_set_header X-Forwarded-Host $host;',
      'proxy_set_header X-Forwarded-Port 443;',
      'proxy_set_header X-Real-IP $remote_addr;',
      'proxy_set_header Host $host;',
    ]));
    expect(conf).not.toMatch(/Strict-Transport-Security/);
    expect(conf).not.toMatch(/return 301/);
    expect(conf).not.toMatch(/\binclude\b/);
  });

  test('is deterministic', () => {
    expect(sidecar()).toBe(sidecar());
  });

  test('a tier in front of a Service, with redirect, HSTS, TLS 1.3 only and its own ports', () => {
    const conf = NginxConfig.tlsProxy({
      upstreamHost: 'shop-cache',
      upstreamPort: 8080,
      httpsPort: 9443,
      redirectHttpPort: 9080,
      publicHttpsPort: 8443,
      minTlsVersion: TlsVersion.TLS_1_3,
      hstsMaxAge: Duration.days(365),
      runDir: '/run/nginx',
      workerProcesses: 2,
      clientMaxBodySize: Size.kibibytes(1536),
      proxyReadTimeout: Duration.minutes(5),
      serverName: 'shop.example.com',
    });
    expect(conf).toMatchSnapshot();
    const d = directives(conf);
    expect(d).toContain('server shop-cache:8080;');
    expect(d.filter((l) => l.startsWith('listen '))).toEqual(['listen 9443 ssl;', 'listen 9080;']);
    expect(d).toContain('ssl_protocols TLSv1.3;');
    expect(d.some((l) => l.startsWith('ssl_ciphers'))).toBe(false);
    expect(d).toContain('add_header Strict-Transport-Security "max-age=31536000" always;');
    expect(d).toContain('return 301 https://$host:8443$request_uri;');
    expect(d).toContain('proxy_set_header X-Forwarded-Port 8443;');
    expect(d).toContain('pid /run/nginx/nginx.pid;');
    expect(d).toContain('proxy_temp_path /run/nginx/proxy_temp;');
    expect(d).toContain('worker_processes 2;');
    expect(d).toContain('client_max_body_size 1536k;');
    expect(d).toContain('proxy_read_timeout 300s;');
    expect(d.filter((l) => l.startsWith('server_name'))).toEqual(['server_name shop.example.com;', 'server_name shop.example.com;']);
  });

  test('the redirect to the default public port has no port in the Location', () => {
    const d = directives(NginxConfig.tlsProxy({ upstreamHost: '127.0.0.1', upstreamPort: 80, redirectHttpPort: 8080 }));
    expect(d).toContain('return 301 https://$host$request_uri;');
  });

  test('a per-client rate limit: one limit_req zone keyed by the client address, 429 with Retry-After on its own refusals', () => {
    const conf = NginxConfig.tlsProxy({ upstreamHost: 'web', upstreamPort: 80, rateLimitPerSecond: 20, rateLimitBurst: 40, hstsMaxAge: Duration.days(1) });
    const d = directives(conf);
    expect(d).toContain('limit_req_zone $binary_remote_addr zone=per_client:10m rate=20r/s;');
    expect(d).toContain('limit_req_status 429;');
    // Retry-After only when this nginx refused (a 429 with no upstream answer), never on an upstream's own 429
    const map = d.indexOf('map "$status:$upstream_status" $retry_after {');
    expect(d.slice(map, map + 4)).toEqual(['map "$status:$upstream_status" $retry_after {', '"429:"  1;', 'default "";', '}']);
    // at server level beside HSTS (a location with its own add_header would drop the server's), in the one location
    const server = d.indexOf('listen 8443 ssl;');
    expect(d.indexOf('add_header Retry-After $retry_after always;')).toBeGreaterThan(server);
    expect(d.indexOf('add_header Strict-Transport-Security "max-age=86400" always;')).toBeGreaterThan(server);
    expect(d[d.indexOf('location / {') + 1]).toBe('limit_req zone=per_client burst=40 nodelay;');
    expect(d.filter((l) => l.startsWith('limit_req ') || l.startsWith('add_header'))).toHaveLength(3);
    expect(conf).toContain('# Per-client rate limit: 20 request(s) per second per client address, bursts of 40 more');
  });

  test('without a burst every request above the rate is refused; without a rate, no limit_req at all', () => {
    expect(directives(NginxConfig.tlsProxy({ upstreamHost: 'web', upstreamPort: 80, rateLimitPerSecond: 5 }))).toContain('limit_req zone=per_client nodelay;');
    expect(sidecar()).not.toMatch(/limit_req|Retry-After/);
  });

  test('a health path nginx answers itself: 200, not logged, not rate-limited, never upstream; none by default', () => {
    const d = directives(NginxConfig.tlsProxy({ upstreamHost: 'web', upstreamPort: 80, rateLimitPerSecond: 5, healthPath: '/healthz-tls' }));
    const at = d.indexOf('location = /healthz-tls {');
    expect(d.slice(at, at + 4)).toEqual(['location = /healthz-tls {', 'access_log off;', 'return 200 "ok\\n";', '}']);
    expect(at).toBeGreaterThan(d.indexOf('listen 8443 ssl;'));
    expect(d[d.indexOf('location / {') + 1]).toBe('limit_req zone=per_client nodelay;');
    expect(d.filter((l) => l.startsWith('limit_req '))).toHaveLength(1);
    expect(sidecar()).not.toMatch(/location =/);
  });

  test('command runs the mounted config, bypassing the entrypoint', () => {
    expect(NginxConfig.command()).toEqual(['nginx', '-c', '/etc/nginx/tls-proxy/nginx.conf', '-e', 'stderr']);
  });

  test.each([
    [{ httpsPort: 443 }, "NginxConfig.tlsProxy: 'httpsPort' must be an integer from 1024 to 65535, got 443"],
    [{ redirectHttpPort: 80 }, "NginxConfig.tlsProxy: 'redirectHttpPort' must be an integer from 1024 to 65535, got 80"],
    [{ redirectHttpPort: 8443 }, "NginxConfig.tlsProxy: 'redirectHttpPort' must be different from 'httpsPort' (8443), got 8443"],
    [{ upstreamPort: 0 }, "NginxConfig.tlsProxy: 'upstreamPort' must be an integer from 1 to 65535, got 0"],
    [{ upstreamHost: 'web; evil' }, "NginxConfig.tlsProxy: 'upstreamHost' must be a host name or IP address, got 'web; evil'"],
    [{ certificateFile: 'tls.crt' }, "NginxConfig.tlsProxy: 'certificateFile' must be an absolute path, got 'tls.crt'"],
    [{ proxyReadTimeout: Duration.millis(1500) }, "NginxConfig.tlsProxy: 'proxyReadTimeout' must be a whole number of seconds from 1 to 86400, got '1500ms'"],
    [{ workerProcesses: 0 }, "NginxConfig.tlsProxy: 'workerProcesses' must be an integer from 1 to 64, got 0"],
    [{ minTlsVersion: 'TLSv1.1' }, "NginxConfig.tlsProxy: 'minTlsVersion' must be one of 'TLSv1.2', 'TLSv1.3', got 'TLSv1.1'"],
    [{ clientMaxBodySize: Size.kibibytes(0.5) }, "NginxConfig.tlsProxy: 'clientMaxBodySize' must be a whole number of KiB up to 1 TiB, got '0.5Ki'"],
    [{ clientMaxBodySize: '1Mb' }, "NginxConfig.tlsProxy: 'clientMaxBodySize' must be a Size (e.g. Size.mebibytes(1)), got '1Mb'"],
    [{ hstsMaxAge: Duration.millis(1500) }, "NginxConfig.tlsProxy: 'hstsMaxAge' must be a whole number of seconds from 1 to 2147483647, got '1500ms'"],
    [{ rateLimitPerSecond: 0 }, "NginxConfig.tlsProxy: 'rateLimitPerSecond' must be an integer from 1 to 1000000, got 0"],
    [{ rateLimitPerSecond: 2.5 }, "NginxConfig.tlsProxy: 'rateLimitPerSecond' must be an integer from 1 to 1000000, got 2.5"],
    [{ rateLimitPerSecond: 10, rateLimitBurst: -1 }, "NginxConfig.tlsProxy: 'rateLimitBurst' must be an integer from 0 to 1000000, got -1"],
    [{ rateLimitBurst: 5 }, "NginxConfig.tlsProxy: 'rateLimitBurst' must be given only with 'rateLimitPerSecond', got 5"],
    [{ healthPath: 'healthz' }, "NginxConfig.tlsProxy: 'healthPath' must be an absolute path, got 'healthz'"],
    [{ healthPath: '/health z;' }, "NginxConfig.tlsProxy: 'healthPath' must be an absolute path, got '/health z;'"],
  ])('fails when %j', (bad, message) => {
    expect(() => NginxConfig.tlsProxy({ upstreamHost: '127.0.0.1', upstreamPort: 8080, ...(bad as any) })).toThrow(message);
  });
});
