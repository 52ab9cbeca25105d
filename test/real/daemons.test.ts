/**
 * Tier 2: the harness for the Debian daemons can fail, and works. Each daemon is fed a config in the shape our
 * constructs render (pod DNS names, wildcard listens) and reached over loopback only.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import {
  allocHost, httpGet, nssWrapperEnv, redisCommand, startMemcached, startNginx, startNutcracker, startRedis,
  startRedisExporter, startVarnish, tcpExchange, testNginxConfig, testNutcrackerConfig, testVcl,
} from '../harness/daemons';
import { freePort, run, stopAll, tempDir } from '../harness/proc';

const servers: http.Server[] = [];
afterAll(async () => {
  await stopAll();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A tiny origin on 127.0.0.x that counts its hits. */
async function origin(host: string, body: string): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const srv = http.createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60', 'x-origin-path': req.url ?? '' });
    res.end(body);
  });
  servers.push(srv);
  const port = await new Promise<number>((r) => srv.listen(0, host, () => r((srv.address() as net.AddressInfo).port)));
  return { port, hits: () => hits };
}

describe('nss_wrapper', () => {
  test('maps pod DNS names and their short forms to 127.0.0.x, and nothing else', () => {
    const env = nssWrapperEnv({ 'cache-0.cache.default.svc.cluster.local': '127.0.0.42' });
    for (const name of ['cache-0.cache.default.svc.cluster.local', 'cache-0.cache.default.svc', 'cache-0.cache.default', 'cache-0.cache']) {
      const r = run('getent', ['ahostsv4', name], { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^127\.0\.0\.42\s/);
    }
    expect(run('getent', ['ahostsv4', 'cache-1.cache'], { env }).code).not.toBe(0);
    expect(run('getent', ['ahostsv4', 'cache-0.cache']).code).not.toBe(0); // without the wrapper: unknown
  });
});

describe('nutcracker', () => {
  const good = (listen: string) => `cache:
  listen: ${listen}
  hash: fnv1a_64
  distribution: ketama
  redis: true
  auto_eject_hosts: false
  timeout: 2000
  servers:
    - redis-0.redis.default.svc.cluster.local:6379:1
    - redis-1.redis.default.svc.cluster.local:6379:1
`;

  test('-t rejects a broken config and accepts a good one', () => {
    const bad = testNutcrackerConfig(good('0.0.0.0:22121').replace('fnv1a_64', 'no_such_hash'));
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/syntax is invalid/);
    const badYaml = testNutcrackerConfig(good('0.0.0.0:22121').replace('  servers:', 'servers'));
    expect(badYaml.ok).toBe(false);
    const ok = testNutcrackerConfig(good('0.0.0.0:22121'));
    expect(ok.output).toMatch(/syntax is ok/);
    expect(ok.ok).toBe(true);
  });

  test('shards keys over two redis pods reached by their DNS names', async () => {
    const a = allocHost();
    const b = allocHost();
    const shardA = await startRedis({ host: a, port: 6379 });
    const shardB = await startRedis({ host: b, port: 6379 });
    const keys = Array.from({ length: 24 }, (_, i) => `key-${i}`);

    /** Sets every key through nutcracker (pods mapped as given), returns which keys landed on shard A. */
    async function placement(map: Record<string, string>): Promise<string[]> {
      const nc = await startNutcracker(good('0.0.0.0:22121'), { hosts: map });
      expect(nc.port).toBe(22121);
      expect(nc.host).toMatch(/^127\.0\.0\.\d+$/);
      for (const k of keys) expect(await redisCommand(nc.host, nc.port, 'SET', k, `v-${k}`)).toBe('+OK\r\n');
      for (const k of keys) expect(await redisCommand(nc.host, nc.port, 'GET', k)).toBe(`$${`v-${k}`.length}\r\nv-${k}\r\n`);
      const onA: string[] = [];
      for (const k of keys) {
        const inA = (await redisCommand(a, 6379, 'GET', k)) !== '$-1\r\n';
        const inB = (await redisCommand(b, 6379, 'GET', k)) !== '$-1\r\n';
        expect(inA !== inB).toBe(true); // exactly one shard holds it
        if (inA) onA.push(k);
      }
      await nc.proc.stop();
      await redisCommand(a, 6379, 'FLUSHALL');
      await redisCommand(b, 6379, 'FLUSHALL');
      return onA;
    }

    const straight = await placement({ 'redis-0.redis.default.svc.cluster.local': a, 'redis-1.redis.default.svc.cluster.local': b });
    expect(straight.length).toBeGreaterThan(0);
    expect(straight.length).toBeLessThan(keys.length);
    // Swap the DNS answers: ketama hashes the configured names, so every key now lands on the other pod.
    const swapped = await placement({ 'redis-0.redis.default.svc.cluster.local': b, 'redis-1.redis.default.svc.cluster.local': a });
    expect(swapped.sort()).toEqual(keys.filter((k) => !straight.includes(k)).sort());
    expect(shardA.proc.exited).toBeUndefined();
    expect(shardB.proc.exited).toBeUndefined();
  });
});

describe('nginx', () => {
  const conf = (upstreamHost: string, port: number) => `
worker_processes 1;
events { worker_connections 64; }
http {
  upstream web { server ${upstreamHost}:${port}; }
  server {
    listen 8080;
    listen [::]:8080;
    listen 8443 ssl;
    ssl_certificate /etc/nginx/tls/tls.crt;
    ssl_certificate_key /etc/nginx/tls/tls.key;
    location / {
      proxy_pass http://web;
      add_header X-Proxied-By nginx always;
    }
  }
}
`;

  test('rejects a broken config, accepts a good one, proxies over http and https', async () => {
    const dir = tempDir('tls');
    const gen = run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=web.default.svc',
      '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')]);
    expect(gen.code).toBe(0);
    const mounts = { '/etc/nginx/tls': { 'tls.crt': fs.readFileSync(path.join(dir, 'tls.crt'), 'utf8'), 'tls.key': fs.readFileSync(path.join(dir, 'tls.key'), 'utf8') } };
    const backendHost = allocHost();
    const backend = await origin(backendHost, 'hello from web-0');
    const hosts = { 'web-0.web.default.svc.cluster.local': backendHost };
    const good = conf('web-0.web.default.svc.cluster.local', backend.port);

    const broken = testNginxConfig(good.replace('worker_connections 64;', 'worker_connections 64'), {}, { mounts, hosts });
    expect(broken.ok).toBe(false);
    expect(broken.output).toMatch(/unexpected "}"/);
    const unresolved = testNginxConfig(good, {}, { mounts }); // the pod name does not resolve without the wrapper
    expect(unresolved.ok).toBe(false);
    expect(unresolved.output).toMatch(/host not found in upstream/);
    const ok = testNginxConfig(good, {}, { mounts, hosts });
    expect(ok.output).toMatch(/test is successful/);
    expect(ok.ok).toBe(true);

    const nginx = await startNginx(good, { mounts, hosts });
    expect(nginx.listens.map((l) => l.port)).toEqual([8080, 8443]);
    const res = await httpGet(`http://${nginx.host}:8080/x`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello from web-0');
    expect(res.headers['x-proxied-by']).toBe('nginx');
    expect(res.headers['x-origin-path']).toBe('/x');
    const tls = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.get(`https://${nginx.host}:8443/y`, { rejectUnauthorized: false, agent: false, timeout: 10_000 }, (r) => {
        let body = '';
        r.on('data', (d) => { body += d; });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('https timeout')));
    });
    expect(tls).toEqual({ status: 200, body: 'hello from web-0' });
    expect(backend.hits()).toBe(2);
    // As root the master stays root and the workers drop to nobody (the config sets no `user`).
    const workers = run('ps', ['-o', 'user=', '--ppid', String(nginx.proc.pid)]).stdout.trim().split('\n');
    expect(workers).toEqual(['nobody']);
  });
});

describe('varnish', () => {
  const vcl = (port: number) => `vcl 4.1;
backend default {
  .host = "origin.default.svc.cluster.local";
  .port = "${port}";
}
sub vcl_deliver {
  if (obj.hits > 0) {
    set resp.http.X-Cache = "HIT";
  } else {
    set resp.http.X-Cache = "MISS";
  }
}
`;

  test('rejects a broken VCL, accepts a good one, serves a cached response', async () => {
    const backendHost = allocHost();
    const backend = await origin(backendHost, 'cached body');
    const hosts = { 'origin.default.svc.cluster.local': backendHost };

    const broken = testVcl(vcl(backend.port).replace('.port', 'port'), { hosts });
    expect(broken.ok).toBe(false);
    expect(broken.output).toMatch(/Syntax error|Expected/);
    const unresolved = testVcl(vcl(backend.port)); // backend name does not resolve without the wrapper
    expect(unresolved.ok).toBe(false);
    expect(unresolved.output).toMatch(/could not be resolved/);
    const ok = testVcl(vcl(backend.port), { hosts });
    expect(ok.ok).toBe(true);

    const port = await freePort();
    const varnish = await startVarnish(vcl(backend.port), { listen: `:${port}`, hosts });
    expect(varnish.host).not.toBe('127.0.0.1');
    const first = await httpGet(`http://${varnish.host}:${port}/page`);
    const second = await httpGet(`http://${varnish.host}:${port}/page`);
    expect(first.status).toBe(200);
    expect(first.body).toBe('cached body');
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.body).toBe('cached body');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(String(second.headers['x-varnish']).split(' ')).toHaveLength(2);
    expect(backend.hits()).toBe(1);
    // As root: the manager stays root, the worker child runs as the Debian user vcache.
    const child = run('ps', ['-o', 'user=', '--ppid', String(varnish.proc.pid)]).stdout.trim().split('\n');
    expect(child).toContain(process.getuid?.() === 0 ? 'vcache' : process.env.USER);
  });
});

describe('redis_exporter', () => {
  test('exposes redis_up 1 against a real redis reached by its pod name, redis_up 0 when it is gone', async () => {
    const host = allocHost();
    const redis = await startRedis({ host, port: 6379 });
    const hosts = { 'redis-0.redis.default.svc.cluster.local': host };
    const exporter = await startRedisExporter(['--redis.addr=redis://redis-0.redis.default.svc.cluster.local:6379'], {}, { hosts });
    expect(exporter.port).toBe(9121);
    const up = await httpGet(`http://${exporter.host}:9121/metrics`);
    expect(up.status).toBe(200);
    expect(up.body).toMatch(/^redis_up 1$/m);
    expect(up.body).toMatch(/^redis_instance_info\{.*redis_version="7\./m);
    await redis.proc.stop();
    const down = await httpGet(`http://${exporter.host}:9121/metrics`);
    expect(down.body).toMatch(/^redis_up 0$/m);
  });
});

describe('memcached', () => {
  test('answers version, set and get', async () => {
    const mc = await startMemcached({ port: 11211 });
    expect(await tcpExchange(mc.host, 11211, 'version\r\n', { until: /\r\n$/ })).toMatch(/^VERSION 1\.6\.\d+\r\n$/);
    expect(await tcpExchange(mc.host, 11211, 'set k 0 60 3\r\nabc\r\n', { until: /\r\n$/ })).toBe('STORED\r\n');
    expect(await tcpExchange(mc.host, 11211, 'get k\r\n', { until: /END\r\n$/ })).toBe('VALUE k 0 3\r\nabc\r\nEND\r\n');
    expect(await tcpExchange(mc.host, 11211, 'bogus\r\n', { until: /\r\n$/ })).toMatch(/^ERROR/);
  });
});
