import { Duration } from 'cdk8s';
import { DownShard, NginxRouterConfig, ShardKey } from '../../src';

const shards = [0, 1, 2].map((i) => ({ host: `search-shard-${i}`, port: 8080 }));

describe('NginxRouterConfig', () => {
  test('a consistent hash on the request URI over the shard Services', () => {
    const text = NginxRouterConfig.render({ shards });
    expect(text).toMatchSnapshot();
    expect(text).toContain('        hash $request_uri consistent;\n');
    expect(text).toContain('        server search-shard-0:8080 max_fails=0;\n        server search-shard-1:8080 max_fails=0;\n        server search-shard-2:8080 max_fails=0;\n');
    expect(text).toContain('listen 8080;');
    expect(text).toContain('pid /tmp/nginx.pid;');
    // every directive line ends with ';' or a brace (the book's `hash` line lacked its ';')
    for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/[;{}]$/);
  });

  test('a down shard: FAIL (default) never marks a shard down nor passes a request on; FAILOVER does both', () => {
    const fail = NginxRouterConfig.render({ shards });
    expect(fail).toContain('        server search-shard-0:8080 max_fails=0;\n');
    expect(fail).toContain('            proxy_connect_timeout 5s;\n            proxy_next_upstream off;\n');
    expect(NginxRouterConfig.render({ shards, downShard: DownShard.FAIL })).toBe(fail);
    const failover = NginxRouterConfig.render({ shards, downShard: DownShard.FAILOVER });
    expect(failover).toContain('        server search-shard-2:8080 max_fails=1 fail_timeout=10s;\n');
    expect(failover).toContain('            proxy_next_upstream error timeout http_502 http_503 http_504;\n            proxy_next_upstream_tries 2;\n');
    expect(failover).not.toContain('proxy_next_upstream off');
    expect(NginxRouterConfig.render({ shards, downShard: DownShard.FAILOVER, maxFails: 3, failTimeout: Duration.seconds(30) }))
      .toContain('        server search-shard-1:8080 max_fails=3 fail_timeout=30s;\n');
  });

  test.each([
    [ShardKey.header('X-User-Id'), '$http_x_user_id'],
    [ShardKey.queryArgument('user'), '$arg_user'],
    [ShardKey.cookie('session'), '$cookie_session'],
    [ShardKey.requestUri(), '$request_uri'],
  ])('shard key %#', (key, variable) => {
    expect(key.variable).toBe(variable);
    expect(NginxRouterConfig.render({ shards, key, port: 9000, runDir: '/run/nginx/' })).toMatch(new RegExp(`hash \\${variable} consistent;[\\s\\S]*listen 9000;`));
  });

  test.each([
    [() => NginxRouterConfig.render({ shards, key: ShardKey.header('X User') }), "NginxRouterConfig.render: 'key' must be ShardKey.header(name) with a name of letters, digits and '-' (nginx exposes only those as $http_…), got 'X User'"],
    [() => NginxRouterConfig.render({ shards, key: ShardKey.queryArgument('user-id') }), "NginxRouterConfig.render: 'key' must be ShardKey.queryArgument(name) with a name of letters, digits and '_' (nginx exposes only those as $arg_…), got 'user-id'"],
    [() => NginxRouterConfig.render({ shards, key: ShardKey.cookie('a.b') }), "NginxRouterConfig.render: 'key' must be ShardKey.cookie(name) with a name of letters, digits and '_' (nginx exposes only those as $cookie_…), got 'a.b'"],
    [() => NginxRouterConfig.render({ shards, key: ShardKey.header(undefined as any) }), "NginxRouterConfig.render: 'key' must be ShardKey.header(name) with a name of letters, digits and '-' (nginx exposes only those as $http_…), got undefined"],
    [() => NginxRouterConfig.render({ shards: [] }), "NginxRouterConfig.render: 'shards' must be a list of at least one shard, got []"],
    [() => NginxRouterConfig.render({ shards: 'a:80' as any }), "NginxRouterConfig.render: 'shards' must be a list of at least one shard, got 'a:80'"],
    [() => NginxRouterConfig.render({ shards, key: '$request_uri' as any }), "NginxRouterConfig.render: 'key' must be a ShardKey (ShardKey.requestUri(), .header(name), …), got '$request_uri'"],
    [() => NginxRouterConfig.render({ shards, port: 80 }), "NginxRouterConfig.render: 'port' must be an integer from 1024 to 65535, got 80"],
    [() => NginxRouterConfig.render({ shards: [{ host: 'A_b', port: 1 }] }), "NginxRouterConfig.render: 'shards[0].host' must be a DNS name, got 'A_b'"],
    [() => NginxRouterConfig.render({ shards: [{ host: 'a', port: 0 }] }), "NginxRouterConfig.render: 'shards[0].port' must be an integer from 1 to 65535, got 0"],
    [() => NginxRouterConfig.render({ shards, runDir: 'tmp' }), "NginxRouterConfig.render: 'runDir' must be an absolute path, got 'tmp'"],
    [() => NginxRouterConfig.render({ shards, workerProcesses: 0 }), "NginxRouterConfig.render: 'workerProcesses' must be an integer from 1 to 64, got 0"],
    [() => NginxRouterConfig.render({ shards, maxFails: 3 }), "NginxRouterConfig.render: 'maxFails' must be given only with 'downShard' DownShard.FAILOVER (failures before a shard is skipped; with the default DownShard.FAIL a down shard is never skipped), got 3"],
    [() => NginxRouterConfig.render({ shards, downShard: DownShard.FAIL, failTimeout: Duration.seconds(5) }), "NginxRouterConfig.render: 'failTimeout' must be given only with 'downShard' DownShard.FAILOVER (how long a failed shard is skipped; with 'fail' a down shard is never skipped), got '5000ms'"],
    [() => NginxRouterConfig.render({ shards, downShard: DownShard.FAILOVER, maxFails: 0 }), "NginxRouterConfig.render: 'maxFails' must be an integer from 1 to 100, got 0"],
    [() => NginxRouterConfig.render({ shards, downShard: DownShard.FAILOVER, failTimeout: Duration.millis(1500) }), "NginxRouterConfig.render: 'failTimeout' must be a whole number of seconds from 1 to 3600, got '1500ms'"],
    [() => NginxRouterConfig.render({ shards, downShard: 'retry' as any }), "NginxRouterConfig.render: 'downShard' must be one of 'fail', 'failover', got 'retry'"],
  ])('fails when %#', (f, message) => {
    expect(f).toThrow(message);
  });
});
