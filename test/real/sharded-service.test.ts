// Tier 2: ShardedService's router config run UNCHANGED by the real nginx (`nginx -t`, then live), in front of three
// shard test servers on 127.0.0.x; the shard Service names are mapped by nss_wrapper.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { buildApp } from '../../examples/sharded-http-service';
import { DownShard, ShardedService, ShardedServiceProps, ShardKey } from '../../src';
import { synthValid } from '../harness';
import { allocHost, freeHost, httpGet, startNginx, testNginxConfig } from '../harness/daemons';
import { dnsFrom, exampleTruthTable } from '../harness/netpol/proof';
import { start, Started, stopAll, tempDir } from '../harness/proc';

jest.setTimeout(240_000);

// The pod mounts an emptyDir at /tmp (pid and temp files): here a temp dir plays it.
const TMP_MOUNT = { '/tmp': { '.keep': '' } };

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await stopAll();
});

function synth(props: Partial<ShardedServiceProps> = {}) {
  const chart = new Chart(Testing.app(), 'test');
  const svc = new ShardedService(chart, 'search', {
    shard: { image: 'node:22.11.0-alpine3.20', port: 8080, readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }) }, ...props,
  });
  synthValid(chart);
  return svc;
}

/** A shard test server that answers with its shard index, on <ip>:8080 (each shard is its own "pod IP"). */
async function startShards(n: number): Promise<Record<string, string>> {
  const hosts: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const ip = allocHost();
    const srv = http.createServer((req, res) => { res.setHeader('x-shard', String(i)); res.end(`shard-${i} ${req.url}`); });
    await new Promise<void>((r) => srv.listen(8080, ip, r));
    servers.push(srv);
    hosts[`search-shard-${i}`] = ip;
  }
  return hosts;
}

async function route(base: string, uris: string[], headers?: (u: string) => Record<string, string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const u of uris) {
    const r = await httpGet(`${base}${u}`, { timeoutMs: 5000, headers: headers?.(u) });
    expect(r.status).toBe(200);
    out.set(u, String(r.headers['x-shard']));
  }
  return out;
}

const uris = Array.from({ length: 300 }, (_, i) => `/search?q=term${i}`);

describe('the NetworkPolicies of the example, computed by cyclonus (an engine nobody here wrote)', () => {
  test('the router admits the ingress controller alone and reaches every shard; the shards admit the router alone', () => {
    // GIVEN / WHEN the example's truth table with the cluster DNS, the ingress-nginx controller and a stranger pod
    // of the same namespace, every pod to every declared port
    const controller = 'ingress-nginx/controller';
    const t = exampleTruthTable('sharded-http-service example', buildApp().charts, [
      { namespace: 'ingress-nginx', name: 'controller', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
      { namespace: 'pages', name: 'stranger', labels: { app: 'stranger' } },
    ]);
    const shards = [0, 1, 2, 3].map((i) => `pages/pages-shard-${i}`);
    expect(t.pods.map((p) => p.id)).toEqual([...shards, 'pages/pages-router', 'kube-system/coredns', controller, 'pages/stranger']);
    // THEN only the controller reaches the router (its pod port 8080), the router reaches each shard on 8080 and
    // the DNS, the shards send nothing; nothing else (not the stranger)
    const intended = [`${controller} → pages/pages-router 8080/TCP`, ...shards.map((s) => `pages/pages-router → ${s} 8080/TCP`), ...dnsFrom('pages/pages-router')];
    expect(t.allowed).toEqual([...intended, ...t.amongStandIns].sort());
    expect(t.results).toHaveLength(t.pods.length * 7); // 5 pods on 8080, DNS on UDP and TCP
    // eslint-disable-next-line no-console
    console.log(`${t.summary} (the intended graph exactly)`);
  }, 120_000);
});

describe('ShardedService with the real nginx', () => {
  test('nginx -t accepts the config and rejects a broken one', async () => {
    const svc = synth();
    const hosts = await startShards(3);
    const ok = testNginxConfig(svc.configText, {}, { hosts, mounts: TMP_MOUNT });
    expect(ok.output).toMatch(/syntax is ok/);
    expect(ok.ok).toBe(true);
    // the book's config had `hash $request_uri consistent` without its ';'
    const broken = svc.configText.replace('hash $request_uri consistent;', 'hash $request_uri consistent');
    expect(testNginxConfig(broken, {}, { hosts, mounts: TMP_MOUNT }).ok).toBe(false);
  });

  test('the same URI always reaches the same shard; removing one shard moves only the keys it held', async () => {
    // GIVEN three shards and the router
    const hosts = await startShards(3);
    const three = await startNginx(synth().configText, { hosts, mounts: TMP_MOUNT });
    const base3 = `http://${three.host}:${three.port}`;
    const first = await route(base3, uris);
    // THEN the same URI goes to the same shard every time, and all shards get some
    expect(await route(base3, uris)).toEqual(first);
    const counts = [0, 1, 2].map((i) => [...first.values()].filter((s) => s === String(i)).length);
    for (const c of counts) expect(c).toBeGreaterThan(30);
    await three.proc.stop();

    // WHEN shard 2 is removed (a two-shard config: the same Service names for shards 0 and 1)
    const two = await startNginx(synth({ shards: 2 }).configText, { hosts, mounts: TMP_MOUNT });
    const after = await route(`http://${two.host}:${two.port}`, uris);
    // THEN every key of shards 0 and 1 stays, and only shard 2's keys move
    const moved = uris.filter((u) => first.get(u) !== after.get(u));
    expect(moved.every((u) => first.get(u) === '2')).toBe(true);
    expect(moved).toHaveLength(counts[2]);
    console.log(`ShardedService: keys per shard ${JSON.stringify(counts)}; removing shard 2 moved ${moved.length}/${uris.length} keys, all of them shard 2's`);
  });

  test('a header shard key keeps one user on one shard whatever the URI', async () => {
    const hosts = await startShards(3);
    const router = await startNginx(synth({ shardKey: ShardKey.header('X-User-Id') }).configText, { hosts, mounts: TMP_MOUNT });
    const base = `http://${router.host}:${router.port}`;
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const shardsSeen = new Set((await route(base, uris.slice(0, 20), () => ({ 'X-User-Id': user }))).values());
      expect(shardsSeen.size).toBe(1);
    }
    // AND requests without the header (an empty key) are spread round-robin: one URI reaches every shard
    const seen = new Set<string>();
    for (let i = 0; i < 9; i++) seen.add(String((await httpGet(`${base}/search?q=same`, { timeoutMs: 5000 })).headers['x-shard']));
    expect([...seen].sort()).toEqual(['0', '1', '2']);
  });
});

// A shard as its own process (so it can be SIGKILLed): answers with its index in x-shard.
const SHARD_PROGRAM = `'use strict';
require('http').createServer((req, res) => { res.setHeader('x-shard', process.env.SHARD_INDEX); res.end('shard-' + process.env.SHARD_INDEX + ' ' + req.url); })
  .listen(8080, process.env.LISTEN_HOST, () => console.log('shard', process.env.SHARD_INDEX, 'on', process.env.LISTEN_HOST));
`;

describe('ShardedService with the real nginx: a shard SIGKILLed, not removed', () => {
  // a fresh program file per test (stopAll removes the temp dirs after each test)
  let program = '';
  beforeEach(() => {
    program = path.join(tempDir('sharded-shards'), 'shard.js');
    fs.writeFileSync(program, SHARD_PROGRAM);
  });

  async function startShard(i: number, host: string): Promise<Started> {
    return start({ name: `shard-${i}-${host}`, command: process.execPath, args: [program], env: { SHARD_INDEX: String(i), LISTEN_HOST: host }, readyPort: { host, port: 8080 } });
  }

  /** Each URI once through the router: the status and the shard that answered ('' when none did). */
  async function routeAll(base: string): Promise<Map<string, { status: number; shard: string }>> {
    const out = new Map<string, { status: number; shard: string }>();
    for (const u of uris) {
      const r = await httpGet(`${base}${u}`, { timeoutMs: 10_000 });
      out.set(u, { status: r.status, shard: r.status === 200 ? String(r.headers['x-shard']) : '' });
    }
    return out;
  }

  async function setUp(props: Partial<ShardedServiceProps>) {
    const hosts: Record<string, string> = {};
    const procs: Started[] = [];
    for (let i = 0; i < 3; i++) {
      const host = await freeHost(8080);
      hosts[`search-shard-${i}`] = host;
      procs.push(await startShard(i, host));
    }
    const router = await startNginx(synth(props).configText, { hosts, mounts: TMP_MOUNT });
    const base = `http://${router.host}:${router.port}`;
    const first = await routeAll(base);
    for (const r of first.values()) expect(r.status).toBe(200);
    return { hosts, procs, base, first };
  }

  test('DownShard.FAIL (the default): the dead shard\'s keys get 502 and never move; the other keys stay', async () => {
    // GIVEN three shards and the default router, every key answered by its shard
    const { procs, base, first } = await setUp({});
    const ownedBy2 = uris.filter((u) => first.get(u)!.shard === '2');
    // WHEN shard 2 is SIGKILLed (its Service is still in the config: a shard down, not removed)
    process.kill(procs[2].pid, 'SIGKILL');
    for (let i = 0; i < 500 && procs[2].exited === undefined; i++) await new Promise((r) => setTimeout(r, 20)); // dead, not dying
    // THEN twice over, 15 s apart (longer than nginx's default fail_timeout of 10 s):
    for (const pass of [0, 1]) {
      if (pass === 1) await new Promise((r) => setTimeout(r, 15_000));
      const after = await routeAll(base);
      // shard 2's keys answer 502, never 200 from another shard
      for (const u of ownedBy2) expect(after.get(u)).toEqual({ status: 502, shard: '' });
      // and every other key is still answered by its own shard
      for (const u of uris.filter((x) => first.get(x)!.shard !== '2')) expect(after.get(u)).toEqual(first.get(u));
      console.log(`DownShard.FAIL pass ${pass}: ${ownedBy2.length}/${uris.length} keys of the dead shard got 502, 0 answered elsewhere; ${uris.length - ownedBy2.length} others unmoved`);
    }
  });

  test('DownShard.FAILOVER: only the dead shard\'s keys move, every request is answered, and they come back with it', async () => {
    // GIVEN three shards and a failover router that skips a failed shard for 2 s
    const { hosts, procs, base, first } = await setUp({ downShard: DownShard.FAILOVER, failTimeout: Duration.seconds(2) });
    const ownedBy2 = uris.filter((u) => first.get(u)!.shard === '2');
    // WHEN shard 2 is SIGKILLed
    process.kill(procs[2].pid, 'SIGKILL');
    for (let i = 0; i < 500 && procs[2].exited === undefined; i++) await new Promise((r) => setTimeout(r, 20)); // dead, not dying
    const after = await routeAll(base);
    // THEN every request is answered 200 (the first one for a dead shard is passed on at once)
    for (const r of after.values()) expect(r.status).toBe(200);
    // AND the keys of shards 0 and 1 did not move, shard 2's went to the other two
    const moved = uris.filter((u) => after.get(u)!.shard !== first.get(u)!.shard);
    expect(moved.sort()).toEqual([...ownedBy2].sort());
    expect(new Set(moved.map((u) => after.get(u)!.shard))).toEqual(new Set(['0', '1']));
    // WHEN shard 2 is back on its address and the 2 s have passed
    await startShard(2, hosts['search-shard-2']);
    await new Promise((r) => setTimeout(r, 2500));
    // (nginx tries a failed server again after fail_timeout on a live request; on a busy machine that can take a few
    // rounds: poll, within a bound ten times the contract's 2 s)
    let back = await routeAll(base);
    const since = Date.now();
    while (!isDeepStrictEqual(back, first) && Date.now() - since < 20_000) {
      await new Promise((r) => setTimeout(r, 500));
      back = await routeAll(base);
    }
    // THEN every key is on its own shard again
    expect(back).toEqual(first);
    console.log(`DownShard.FAILOVER: ${moved.length}/${uris.length} keys moved while shard 2 was dead (all of them its own), 0 errors; all back ${2500 + Date.now() - since} ms after it was`);
  });
});
