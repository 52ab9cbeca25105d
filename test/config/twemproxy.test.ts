import { Duration } from 'cdk8s';
import { parse } from 'yaml';
import { TwemproxyConfig, TwemproxyDistribution, TwemproxyHash, TwemproxyProtocol } from '../../src';

const servers = [0, 1, 2].map((i) => ({ host: `cache-${i}.cache`, port: 6379, name: `cache-${i}` }));

describe('TwemproxyConfig.render', () => {
  test('the book’s settings as defaults, parsed back field by field', () => {
    const text = TwemproxyConfig.render({ pool: 'redis', listen: '127.0.0.1:6379', protocol: TwemproxyProtocol.REDIS, servers });
    expect(text).toMatchSnapshot();
    expect(parse(text)).toEqual({
      redis: {
        listen: '127.0.0.1:6379',
        hash: 'fnv1a_64',
        distribution: 'ketama',
        redis: true,
        auto_eject_hosts: false,
        timeout: 400,
        server_retry_timeout: 2000,
        server_failure_limit: 1,
        server_connections: 1,
        preconnect: false,
        servers: ['cache-0.cache:6379:1 cache-0', 'cache-1.cache:6379:1 cache-1', 'cache-2.cache:6379:1 cache-2'],
      },
    });
  });

  test('every option rendered', () => {
    const text = TwemproxyConfig.render({
      pool: 'memcache',
      listen: '0.0.0.0:11211',
      protocol: TwemproxyProtocol.MEMCACHED,
      servers,
      hash: TwemproxyHash.MURMUR,
      hashTag: '{}',
      distribution: TwemproxyDistribution.MODULA,
      autoEjectHosts: true,
      timeout: Duration.millis(250),
      serverRetryTimeout: Duration.seconds(30),
      serverFailureLimit: 3,
      serverConnections: 2,
      preconnect: true,
    });
    expect(parse(text).memcache).toMatchObject({
      hash: 'murmur',
      hash_tag: '{}',
      distribution: 'modula',
      redis: false,
      auto_eject_hosts: true,
      timeout: 250,
      server_retry_timeout: 30000,
      server_failure_limit: 3,
      server_connections: 2,
      preconnect: true,
    });
  });

  test('redis_auth is only a placeholder in the rendered text', () => {
    const text = TwemproxyConfig.render({ pool: 'redis', listen: '127.0.0.1:6379', protocol: TwemproxyProtocol.REDIS, servers, redisAuthPlaceholder: TwemproxyConfig.AUTH_PLACEHOLDER });
    expect(parse(text).redis.redis_auth).toBe('__REDIS_AUTH_FROM_SECRET__');
  });

  test.each([
    [{ pool: 'Redis' }, "pool name must match [a-z][a-z0-9_]*, got 'Redis'"],
    [{ listen: 'localhost:6379' }, "listen must be an IPv4 address and port, got 'localhost:6379'"],
    [{ servers: [] }, 'a twemproxy pool needs at least one server'],
    [{ hashTag: '{' }, "hash_tag must be two characters, got '{'"],
    [{ servers: [{ host: 'a b', port: 1, name: 'a' }] }, "server host 'a b' is not a host name or address"],
    [{ servers: [{ host: 'a', port: 0, name: 'a' }] }, 'server port must be in 1-65535, got 0'],
    [{ servers: [{ host: 'a', port: 1, name: 'a' }, { host: 'b', port: 1, name: 'a' }] }, "server name 'a' appears twice"],
    [{ servers: [{ host: 'a', port: 1, name: 'x y' }] }, "server name 'x y' has characters twemproxy does not accept"],
    [{ timeout: Duration.millis(0) }, 'timeout must be a whole number of milliseconds ≥ 1, got 0'],
    [{ serverFailureLimit: 0 }, 'server_failure_limit must be a positive integer, got 0'],
    [{ protocol: TwemproxyProtocol.MEMCACHED, redisAuthPlaceholder: 'x' }, 'redis_auth is only for redis pools'],
  ])('fails when %j', (override, message) => {
    expect(() => TwemproxyConfig.render({ pool: 'redis', listen: '127.0.0.1:6379', protocol: TwemproxyProtocol.REDIS, servers, ...override as any })).toThrow(message);
  });

  test('the auth script refuses unsafe names and paths', () => {
    expect(() => TwemproxyConfig.authRenderScript('/a', '/b', 'bad-name')).toThrow("env var name must be [A-Z_][A-Z0-9_]*, got 'bad-name'");
    expect(() => TwemproxyConfig.authRenderScript('a', '/b', 'P')).toThrow("path must be absolute and plain, got 'a'");
    expect(TwemproxyConfig.authRenderScript('/t/n.yml', '/c/n.yml', 'P')).toContain('ENVIRON["P"]');
  });
});
