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
    [{ pool: 'Redis' }, "TwemproxyConfig.render: 'pool' must be a name of [a-z][a-z0-9_]*, got 'Redis'"],
    [{ listen: 'localhost:6379' }, "TwemproxyConfig.render: 'listen' must be an IPv4 address and port, got 'localhost:6379'"],
    [{ servers: [] }, "TwemproxyConfig.render: 'servers' must be a list of at least one server, got []"],
    [{ hashTag: '{' }, "TwemproxyConfig.render: 'hashTag' must be two characters, e.g. '{}', got '{'"],
    [{ servers: [{ host: 'a b', port: 1, name: 'a' }] }, "TwemproxyConfig.render: 'servers[0].host' must be a host name or address, got 'a b'"],
    [{ servers: [{ host: 'a', port: 0, name: 'a' }] }, "TwemproxyConfig.render: 'servers[0].port' must be an integer from 1 to 65535, got 0"],
    [{ servers: [{ host: 'a', port: 1, name: 'a' }, { host: 'b', port: 1, name: 'a' }] }, "TwemproxyConfig.render: 'servers[1].name' must be a name no other server has, got 'a'"],
    [{ servers: [{ host: 'a', port: 1, name: 'x y' }] }, "TwemproxyConfig.render: 'servers[0].name' must be a name of letters, digits, '-', '_' and '.' (what twemproxy accepts), got 'x y'"],
    [{ timeout: Duration.millis(0) }, "TwemproxyConfig.render: 'timeout' must be a duration of whole milliseconds from 1ms to 24h, got '0ms'"],
    [{ serverFailureLimit: 0 }, "TwemproxyConfig.render: 'serverFailureLimit' must be an integer from 1 to 1000, got 0"],
    [{ hash: 'sha1' }, "TwemproxyConfig.render: 'hash' must be one of 'one_at_a_time', 'md5', 'crc16', 'crc32', 'crc32a', 'fnv1_64', 'fnv1a_64', 'fnv1_32', 'fnv1a_32', 'hsieh', 'murmur', 'jenkins', got 'sha1'"],
    [{ serverRetryTimeout: Duration.millis(0.5) }, "TwemproxyConfig.render: 'serverRetryTimeout' must be a duration of whole milliseconds from 1ms to 24h, got '0.5ms'"],
    [{ serverConnections: 0 }, "TwemproxyConfig.render: 'serverConnections' must be an integer from 1 to 1000, got 0"],
    [{ protocol: TwemproxyProtocol.MEMCACHED, redisAuthPlaceholder: 'x' }, "TwemproxyConfig.render: 'redisAuthPlaceholder' must be unset for a memcached pool (redis_auth is for redis pools only), got 'x'"],
    [{ autoEjectHosts: 'yes' }, "TwemproxyConfig.render: 'autoEjectHosts' must be true or false, got 'yes'"],
    [{ preconnect: 1 }, "TwemproxyConfig.render: 'preconnect' must be true or false, got 1"],
  ])('fails when %j', (override, message) => {
    expect(() => TwemproxyConfig.render({ pool: 'redis', listen: '127.0.0.1:6379', protocol: TwemproxyProtocol.REDIS, servers, ...override as any })).toThrow(message);
  });

  test('the auth script refuses unsafe names and paths', () => {
    expect(() => TwemproxyConfig.authRenderScript('/a', '/b', 'bad-name')).toThrow("env var name must be [A-Z_][A-Z0-9_]*, got 'bad-name'");
    expect(() => TwemproxyConfig.authRenderScript('a', '/b', 'P')).toThrow("path must be absolute and plain, got 'a'");
    expect(TwemproxyConfig.authRenderScript('/t/n.yml', '/c/n.yml', 'P')).toContain('ENVIRON["P"]');
    expect(() => TwemproxyConfig.authRenderScriptFromFile('/a', '/b', 'secrets/p')).toThrow("path must be absolute and plain, got 'secrets/p'");
    expect(() => TwemproxyConfig.authRenderScriptFromFile('/a', '/b"; rm -rf /', '/p')).toThrow('path must be absolute and plain');
    expect(TwemproxyConfig.authRenderScriptFromFile('/t/n.yml', '/c/n.yml', '/s/p')).toContain('getline l < "/s/p"');
  });
});
