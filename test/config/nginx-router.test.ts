import { NginxRouterConfig, ShardKey } from '../../src';

const shards = [0, 1, 2].map((i) => ({ host: `search-shard-${i}`, port: 8080 }));

describe('NginxRouterConfig', () => {
  test('a consistent hash on the request URI over the shard Services', () => {
    const text = NginxRouterConfig.render({ shards });
    expect(text).toMatchSnapshot();
    expect(text).toContain('        hash $request_uri consistent;\n        server search-shard-0:8080;\n        server search-shard-1:8080;\n        server search-shard-2:8080;\n');
    expect(text).toContain('listen 8080;');
    expect(text).toContain('pid /tmp/nginx.pid;');
    // every directive line ends with ';' or a brace (the book's `hash` line lacked its ';')
    for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/[;{}]$/);
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
  ])('fails when %#', (f, message) => {
    expect(f).toThrow(message);
  });
});
