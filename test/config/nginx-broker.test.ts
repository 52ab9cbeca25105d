import { Duration } from 'cdk8s';
import { NginxBrokerConfig } from '../../src';

const routes = [
  { name: 'db', listenPort: 3306, host: 'mariadb', port: 3306 },
  { name: 'cache', listenPort: 6379, host: 'cache.example.com', port: 6380, tls: true, tlsTrustedCertificate: '/etc/ca/ca.crt' },
];

describe('NginxBrokerConfig', () => {
  test('one stream proxy per route on 127.0.0.1, TLS with verification where asked, a health port', () => {
    const text = NginxBrokerConfig.render({ routes, healthPort: 15000, environment: 'prod' });
    expect(text).toMatchSnapshot();
    expect(text).toContain("for the environment 'prod': db 127.0.0.1:3306 -> mariadb:3306, cache 127.0.0.1:6379 -> cache.example.com:6380 (TLS).");
    expect(text).toContain('    upstream broker_db {\n        server mariadb:3306;\n    }\n');
    expect(text).toContain('        listen 127.0.0.1:3306;\n        proxy_pass broker_db;\n        proxy_connect_timeout 5s;\n        proxy_timeout 3600s;\n    }\n');
    expect(text).toContain('        listen 15000;\n        return "ok\\n";\n');
    const cache = text.slice(text.indexOf('listen 127.0.0.1:6379;'));
    expect(cache).toContain('proxy_ssl on;');
    expect(cache).toContain('proxy_ssl_name cache.example.com;');
    expect(cache).toContain('proxy_ssl_verify on;');
    expect(cache).toContain('proxy_ssl_trusted_certificate /etc/ca/ca.crt;');
    expect(text.slice(0, text.indexOf('listen 127.0.0.1:6379;'))).not.toContain('proxy_ssl');
    expect(text).not.toContain('http {');
    for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/[;{}]$/);
  });

  test('defaults: the system CA bundle, the host as the verified name; timeouts as given', () => {
    const text = NginxBrokerConfig.render({
      routes: [{ name: 'cache', listenPort: 6379, host: '10.0.0.7', port: 6380, tls: true, tlsServerName: 'redis.internal' }],
      connectTimeout: Duration.seconds(2),
      idleTimeout: Duration.minutes(10),
      listenAddress: '127.0.0.2',
    });
    expect(text).toContain(`proxy_ssl_trusted_certificate ${NginxBrokerConfig.SYSTEM_CA_FILE};`);
    expect(text).toContain('proxy_ssl_name redis.internal;');
    expect(text).toContain('listen 127.0.0.2:6379;');
    expect(text).toContain('proxy_connect_timeout 2s;');
    expect(text).toContain('proxy_timeout 600s;');
    expect(text).not.toContain('return "ok');
  });

  test.each([
    [{ routes: [] }, "'routes' must be a list of at least one route, got []"],
    [{ routes: [routes[0], { ...routes[0], listenPort: 3307 }] }, "'routes' must be routes with distinct names, got 'db'"],
    [{ routes: [routes[0], { ...routes[1], listenPort: 3306 }] }, "'routes' must be routes on distinct ports, got 3306"],
    [{ routes: [{ ...routes[0], host: 'db:3306' }] }, "'routes[0].host' must be a DNS name (lowercase) or an IPv4 address, without a port, got 'db:3306'"],
    [{ routes: [{ ...routes[0], host: '10.0.0.300' }] }, "'routes[0].host' must be a DNS name (lowercase) or an IPv4 address, without a port, got '10.0.0.300'"],
    [{ routes: [{ ...routes[0], tlsServerName: 'db' }] }, "'routes[0].tlsServerName' must be unset without 'tls: true', got 'db'"],
    [{ routes, healthPort: 3306 }, "'healthPort' must be a port no route listens on, got 3306"],
    [{ routes, connectTimeout: Duration.millis(1500) }, "'connectTimeout' must be a whole number of seconds from 1 to 600, got '1500ms'"],
  ])('fails when called directly with bad options %#', (options: any, message) => {
    expect(() => NginxBrokerConfig.render(options)).toThrow(`NginxBrokerConfig.render: ${message}`);
  });
});
