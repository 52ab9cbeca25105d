// Tier 2: ShardedService's router config run UNCHANGED by the real nginx (`nginx -t`, then live), in front of three
// shard test servers on 127.0.0.x; the shard Service names are mapped by nss_wrapper.
import * as http from 'http';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ShardedService, ShardedServiceProps, ShardKey } from '../../src';
import { synthValid } from '../harness';
import { allocHost, httpGet, startNginx, testNginxConfig } from '../harness/daemons';
import { stopAll } from '../harness/proc';

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
  });
});
