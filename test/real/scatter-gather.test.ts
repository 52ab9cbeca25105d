/**
 * Tier 2: the ScatterGather root, run as the container runs it — the machine's `node` started with the Deployment's
 * exact command, in a directory holding the exact files of the ConfigMap taken from the synthesized manifest
 * (the container's workingDir is that ConfigMap's mount), with the container's env (none) plus LISTEN_HOST (its
 * "pod IP", 127.0.0.x), nss_wrapper, which resolves the shards' headless Service names to the loopback addresses of
 * their replicas, and UV_THREADPOOL_SIZE=1 (see startRoot). The leaves are small node HTTP servers, one process per replica, each started with
 * its shard Deployment's env (SHARD_INDEX, SHARD_COUNT). Everything binds 127.0.0.x, is bounded, and is stopped by
 * PID.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildApp } from '../../examples/scatter-gather-search';
import { HedgePolicy, MergeStrategy, MissingShards, ScatterGather, ScatterGatherProps } from '../../src';
import { assertValid } from '../harness';
import { freeHost, nssWrapperLib } from '../harness/daemons';
import { freePort, start, Started, stopAll, tempDir } from '../harness/proc';

// The root's and the leaves' ports: chosen per run (the charts set them as props), because other suites on this
// machine listen on common ports such as 8080 on every address.
let ROOT_PORT = 0;
let LEAF_PORT = 0;
beforeAll(async () => {
  ROOT_PORT = await freePort();
  do LEAF_PORT = await freePort(); while (LEAF_PORT === ROOT_PORT);
});
const LEAF_IMAGE = 'ghcr.io/example/search-leaf:1.4.2';

// The leaf: answers by the `kind` query parameter, from its shard index; 'STRAGGLE_FRACTION' of its answers (a
// seeded PRNG) are delayed by STRAGGLE_MS.
const LEAF_PROGRAM = `'use strict';
const http = require('http');
const env = process.env;
const shard = Number(env.SHARD_INDEX);
const count = Number(env.SHARD_COUNT);
if (!Number.isInteger(shard) || !Number.isInteger(count) || shard < 0 || shard >= count) {
  console.error('bad SHARD_INDEX/SHARD_COUNT', env.SHARD_INDEX, env.SHARD_COUNT);
  process.exit(2);
}
const straggle = Number(env.STRAGGLE_FRACTION || 0);
const straggleMs = Number(env.STRAGGLE_MS || 0);
let seed = Number(env.SEED || 1) >>> 0;
function rand() { // mulberry32
  seed = (seed + 0x6D2B79F5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function answer(kind) {
  switch (kind) {
    case 'concat': return ['s' + shard + '-a', 's' + shard + '-b'];
    case 'objects': return { shards: { ['s' + shard]: { count: count } }, last: shard };
    case 'env': return { ['shard' + shard]: { SHARD_INDEX: env.SHARD_INDEX, SHARD_COUNT: env.SHARD_COUNT } };
    case 'sum': return shard + 1;
    case 'sumobj': return { docs: 10 + shard, ['only' + shard]: 1 };
    case 'topk': return [{ id: 's' + shard + '-low', score: shard * 10 + 1 }, { id: 's' + shard + '-high', score: shard * 10 + 5 }];
    case 'union': return ['common', 'shard-' + shard];
    case 'whoami': return [{ shard: shard, replica: env.REPLICA }];
    default: return [];
  }
}
http.createServer(function (req, res) {
  const kind = new URL(req.url, 'http://leaf').searchParams.get('kind');
  req.resume();
  req.on('end', function () {
    const send = function () { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(answer(kind))); };
    if (straggle > 0 && rand() < straggle) setTimeout(send, straggleMs); else send();
  });
}).listen(Number(env.LEAF_PORT), env.LEAF_HOST, function () { console.log('leaf', shard, 'of', count, 'on', env.LEAF_HOST); });
`;

const work = tempDir('sg-real');
fs.writeFileSync(path.join(work, 'leaf.js'), LEAF_PROGRAM);
const hostsLines: string[] = [];

afterAll(() => stopAll());

/** Synthesizes a chart with one ScatterGather into YAML on disk, reads the manifest back, validates it. */
function manifest(name: string, props: Partial<ScatterGatherProps>): any[] {
  const outdir = path.join(work, `dist-${name}`);
  const app = new App({ outdir });
  const chart = new Chart(app, name);
  new ScatterGather(chart, 'sg', { name, leaf: { image: LEAF_IMAGE, port: LEAF_PORT }, port: ROOT_PORT, drainDelay: Duration.millis(300), ...props });
  app.synth();
  const objects = parseAllDocuments(fs.readFileSync(path.join(outdir, `${name}.k8s.yaml`), 'utf8')).map((d) => d.toJS());
  assertValid(objects);
  return objects;
}

function find(objects: any[], kind: string, name: string): any {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
}

function envOf(container: any): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value]));
}

/**
 * Maps a Service name to the addresses of its replicas. Each root gets its own nss_wrapper hosts file with the names
 * of its shards only (nss_wrapper reads the file once, at the first lookup, and holds at most 100 entries by
 * default), written before the root starts.
 */
function mapName(name: string, addresses: string[]): void {
  for (const a of addresses) hostsLines.push(`${a} ${name}`);
}

function hostsFileFor(root: string): string {
  const file = path.join(work, `hosts-${root}`);
  const lines = ['127.0.0.1 localhost', ...hostsLines.filter((l) => l.split(' ')[1].startsWith(`${root}-shard-`))];
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}


/** Starts every replica of every shard of a synthesized ScatterGather as a leaf process; returns their addresses. */
async function startLeaves(objects: any[], name: string, extraEnv: (shard: number) => Record<string, string> = () => ({})): Promise<string[][]> {
  const root = find(objects, 'ConfigMap', `${name}-root`);
  const shards = JSON.parse(root.data['config.json']).shards.length;
  const all: string[][] = [];
  const starts: Array<Promise<Started>> = [];
  for (let i = 0; i < shards; i++) {
    const d = find(objects, 'Deployment', `${name}-shard-${i}`);
    const leaf = d.spec.template.spec.containers[0];
    const port = leaf.ports[0].containerPort;
    const hosts: string[] = [];
    for (let r = 0; r < d.spec.replicas; r++) {
      const host = await freeHost(port);
      hosts.push(host);
      starts.push(start({
        name: `leaf-${name}-${i}-${r}`,
        command: process.execPath,
        args: [path.join(work, 'leaf.js')],
        env: { ...envOf(leaf), LEAF_HOST: host, LEAF_PORT: String(port), REPLICA: String(r), SEED: String(1000 * i + r + 1), ...extraEnv(i) },
        readyPort: { host, port },
        maxLifeMs: 300_000,
      }));
    }
    all.push(hosts);
  }
  await Promise.all(starts);
  return all;
}

/** Starts the root exactly as its container runs: command, workingDir = the ConfigMap's files, the container's env. */
async function startRoot(objects: any[], name: string): Promise<{ proc: Started; host: string; port: number; config: any }> {
  const d = find(objects, 'Deployment', name);
  const c = d.spec.template.spec.containers[0];
  const volume = d.spec.template.spec.volumes.find((v: any) => v.configMap);
  const mount = c.volumeMounts.find((m: any) => m.name === volume.name);
  expect(c.workingDir).toBe(mount.mountPath);
  const cm = find(objects, 'ConfigMap', volume.configMap.name);
  const dir = tempDir(`sg-root-${name}`);
  for (const [file, text] of Object.entries<string>(cm.data)) fs.writeFileSync(path.join(dir, file), text);
  const port = c.ports[0].containerPort;
  const host = await freeHost(port);
  const [command, ...args] = [...c.command, ...(c.args ?? [])];
  const proc = await start({
    name: `root-${name}`,
    command,
    args,
    cwd: dir,
    // UV_THREADPOOL_SIZE=1: nss_wrapper 1.1.12 is not safe for concurrent getaddrinfo calls (libuv runs lookups on
    // its thread pool) and then answers ENOTFOUND for names it has — about 1 root start in 10; glibc and musl are.
    env: { ...envOf(c), LISTEN_HOST: host, LD_PRELOAD: nssWrapperLib(), NSS_WRAPPER_HOSTS: hostsFileFor(name), UV_THREADPOOL_SIZE: '1' },
    // ready: /readyz answers 200 and /metrics is this root's (not another suite's server on the same address)
    readyCheck: async () => {
      try {
        return (await get(host, port, '/readyz')).status === 200
          && (await get(host, port, '/metrics')).body.includes('scatter_gather_shard_requests_total{shard="0",kind="primary"}');
      } catch {
        return false;
      }
    },
    maxLifeMs: 300_000,
  });
  return { proc, host, port, config: JSON.parse(cm.data['config.json']) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
afterAll(() => agent.destroy());

function get(host: string, port: number, p: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host, port, path: p, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (x) => { body += x; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${host}:${port}${p} in 10s`)));
    req.on('error', reject);
    req.end();
  });
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** `n` requests, `concurrency` at a time; returns their latencies in ms (every answer must be 200). */
async function load(host: string, port: number, p: string, n: number, concurrency: number): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next++;
      const r = await get(host, port, p);
      if (r.status !== 200) throw new Error(`status ${r.status}: ${r.body}`);
      out.push(r.ms);
    }
  }));
  return out;
}

function metric(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  if (!found) throw new Error(`no metric ${line}`);
  return Number(found.split(' ')[1]);
}

describe('the example scatter-gather-search', () => {
  test('its search leaves, run from the example\'s ConfigMap with each shard\'s env, partition the corpus and answer /search', async () => {
    // GIVEN the synthesized example and its leaf files (the ConfigMap mounted at the leaf's workingDir)
    const objects = parseAllDocuments(buildApp().synthYaml()).map((d) => d.toJS());
    assertValid(objects);
    const files = find(objects, 'ConfigMap', 'search-leaf');
    const dir = tempDir('sg-example-leaf');
    for (const [file, text] of Object.entries<string>(files.data)) fs.writeFileSync(path.join(dir, file), text);
    const corpus: Array<{ id: string; title: string }> = JSON.parse(files.data['corpus.json']);
    // WHEN one replica of each of the 4 shards runs with its Deployment's command, workingDir and env
    const leaves: Array<{ host: string; port: number }> = [];
    for (let i = 0; i < 4; i++) {
      const c = find(objects, 'Deployment', `search-shard-${i}`).spec.template.spec.containers[0];
      expect(c.workingDir).toBe(c.volumeMounts.find((m: any) => m.name === 'app').mountPath);
      const port = c.ports[0].containerPort;
      const host = await freeHost(port);
      const [command, ...args] = [...c.command, ...(c.args ?? [])];
      await start({
        name: `example-leaf-${i}`,
        command,
        args,
        cwd: dir,
        env: { ...envOf(c), LISTEN_HOST: host },
        readyCheck: async () => (await get(host, port, c.readinessProbe.httpGet.path).catch(() => ({ status: 0 }))).status === 200,
      });
      leaves.push({ host, port });
    }
    // THEN every document is indexed by exactly one shard, and each shard ranks its hits by score
    const everyWord = corpus.map((d) => d.title).join(' ');
    const byShard = await Promise.all(leaves.map(async (l) => JSON.parse((await get(l.host, l.port, `/search?q=${encodeURIComponent(everyWord)}`)).body)));
    const ids = byShard.flatMap((hits: any[]) => hits.map((h) => h.id));
    expect([...ids].sort()).toEqual(corpus.map((d) => d.id).sort());
    byShard.forEach((hits: any[], i) => {
      for (const h of hits) expect(h.shard).toBe(i);
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    });
    const hedging = byShard.flatMap((hits: any[]) => hits).filter((h: any) => h.id === 'hedging')[0];
    expect(hedging.title).toBe('Hedged requests');
  });
});

describe('ScatterGather root, run from its ConfigMap', () => {
  // Three shards × two replicas, shared by one root per merge strategy (same shard names: name 'sg').
  const strategies: Array<[string, MergeStrategy]> = [
    ['sg', MergeStrategy.concatArrays()],
    ['sgobj', MergeStrategy.mergeObjects()],
    ['sgsum', MergeStrategy.sum()],
    ['sgtop', MergeStrategy.topK({ field: 'score', k: 4 })],
    ['sgset', MergeStrategy.unionStrings()],
  ];
  const roots: Record<string, { host: string; port: number }> = {};
  let leafHosts: string[][] = [];

  beforeAll(async () => {
    const base = manifest('sg', { shards: 3, replicasPerShard: 2, path: '/search', merge: strategies[0][1] });
    leafHosts = await startLeaves(base, 'sg');
    for (const [name, merge] of strategies) {
      const objects = name === 'sg' ? base : manifest(name, { shards: 3, replicasPerShard: 2, path: '/search', merge });
      leafHosts.forEach((hosts, i) => mapName(`${name}-shard-${i}`, hosts));
      roots[name] = await startRoot(objects, name);
    }
  });

  test.each<[string, string, any]>([
    ['sg', 'concat', ['s0-a', 's0-b', 's1-a', 's1-b', 's2-a', 's2-b']],
    ['sgobj', 'objects', { shards: { s0: { count: 3 }, s1: { count: 3 }, s2: { count: 3 } }, last: 2 }],
    ['sgobj', 'env', { shard0: { SHARD_INDEX: '0', SHARD_COUNT: '3' }, shard1: { SHARD_INDEX: '1', SHARD_COUNT: '3' }, shard2: { SHARD_INDEX: '2', SHARD_COUNT: '3' } }],
    ['sgsum', 'sum', 6],
    ['sgsum', 'sumobj', { docs: 33, only0: 1, only1: 1, only2: 1 }],
    ['sgtop', 'topk', [{ id: 's2-high', score: 25 }, { id: 's2-low', score: 21 }, { id: 's1-high', score: 15 }, { id: 's1-low', score: 11 }]],
    ['sgset', 'union', ['common', 'shard-0', 'shard-1', 'shard-2']],
  ])('root %s merges kind=%s', async (name, kind, expected) => {
    const { host, port } = roots[name];
    const r = await get(host, port, `/search?kind=${kind}`);
    expect([r.status, r.status === 200 ? '' : r.body]).toEqual([200, '']);
    expect(r.headers['x-scatter-gather-shards']).toBe('3/3');
    expect(r.headers['x-scatter-gather-missing']).toBeUndefined();
    expect(JSON.parse(r.body)).toEqual(expected);
  });

  test('every replica of every shard is used (the headless name resolves to both; round robin)', async () => {
    const { host, port } = roots.sg;
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      for (const x of JSON.parse((await get(host, port, '/search?kind=whoami')).body)) seen.add(`${x.shard}/${x.replica}`);
    }
    expect([...seen].sort()).toEqual(['0/0', '0/1', '1/0', '1/1', '2/0', '2/1']);
  });

  test('a path outside config.path is 404; /healthz and /metrics answer', async () => {
    const { host, port } = roots.sg;
    expect((await get(host, port, '/other')).status).toBe(404);
    expect((await get(host, port, '/healthz')).body).toBe('ok\n');
    const m = (await get(host, port, '/metrics')).body;
    expect(metric(m, 'scatter_gather_shard_timeouts_total{shard="0"}')).toBe(0);
    expect(metric(m, 'scatter_gather_requests_total{code="200"}')).toBeGreaterThanOrEqual(7);
  });

  test('a dead shard with missingShards PARTIAL: 200 with the rest and the missing shard named, then recovery', async () => {
    // GIVEN shard 2's replicas are down (their addresses refuse connections)
    const objects = manifest('sgp', { shards: 3, replicasPerShard: 2, path: '/search', missingShards: MissingShards.PARTIAL, timeout: Duration.millis(500) });
    const dead = [await freeHost(LEAF_PORT), await freeHost(LEAF_PORT)];
    mapName('sgp-shard-0', leafHosts[0]);
    mapName('sgp-shard-1', leafHosts[1]);
    mapName('sgp-shard-2', dead);
    const root = await startRoot(objects, 'sgp');
    // WHEN requests come in
    const r = await get(root.host, root.port, '/search?kind=concat');
    // THEN the answer is partial, fast (refused, not timed out), with the missing shard named
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(['s0-a', 's0-b', 's1-a', 's1-b']);
    expect(r.headers['x-scatter-gather-missing']).toBe('2');
    expect(r.headers['x-scatter-gather-shards']).toBe('2/3');
    expect(r.ms).toBeLessThan(500);
    // AND the root keeps serving
    for (let i = 0; i < 20; i++) expect((await get(root.host, root.port, '/search?kind=concat')).status).toBe(200);
    expect((await get(root.host, root.port, '/healthz')).status).toBe(200);
    // AND when shard 2's replicas come back on their addresses, the next answers are complete again
    const d = find(objects, 'Deployment', 'sgp-shard-2');
    await Promise.all(dead.map((host, replica) => start({
      name: `leaf-sgp-2-${replica}-back`,
      command: process.execPath,
      args: [path.join(work, 'leaf.js')],
      env: { ...envOf(d.spec.template.spec.containers[0]), LEAF_HOST: host, LEAF_PORT: String(LEAF_PORT), REPLICA: String(replica) },
      readyPort: { host, port: LEAF_PORT },
    })));
    const after = await get(root.host, root.port, '/search?kind=concat');
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toEqual(['s0-a', 's0-b', 's1-a', 's1-b', 's2-a', 's2-b']);
    const m = (await get(root.host, root.port, '/metrics')).body;
    expect(metric(m, 'scatter_gather_partial_responses_total')).toBe(21);
    expect(metric(m, 'scatter_gather_shard_errors_total{shard="2"}')).toBe(21);
  });

  test('a hung shard with missingShards FAIL: 504 at the timeout, naming it; with an unresolvable shard too: 502', async () => {
    // GIVEN shard 1 accepts connections and never answers; in the first root shard 2's name does not resolve
    // (a headless Service without a ready pod), in the second it does
    const hungHost = await freeHost(LEAF_PORT);
    const hung = net.createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(LEAF_PORT, hungHost, () => r()));
    const props = { shards: 3, replicasPerShard: 1, path: '/search', timeout: Duration.millis(300) };
    const first = manifest('sgf', props);
    const second = manifest('sgf2', props);
    mapName('sgf-shard-0', leafHosts[0]);
    mapName('sgf-shard-1', [hungHost]);
    mapName('sgf2-shard-0', leafHosts[0]);
    mapName('sgf2-shard-1', [hungHost]);
    mapName('sgf2-shard-2', leafHosts[2]);
    const a = await startRoot(first, 'sgf');
    const b = await startRoot(second, 'sgf2');
    try {
      // WHEN a request comes in, THEN it fails at the timeout with both missing shards named: 502 (not all timed out)
      const r = await get(a.host, a.port, '/search?kind=concat');
      expect([r.status, r.headers['x-scatter-gather-missing']]).toEqual([502, '1,2']);
      expect(JSON.parse(r.body)).toEqual({
        error: 'missing shards',
        missing: [
          { shard: 1, reason: 'no answer within 300ms' },
          { shard: 2, reason: 'dns lookup of sgf-shard-2 failed: ENOTFOUND' },
        ],
      });
      expect(r.ms).toBeGreaterThanOrEqual(295);
      expect(r.ms).toBeLessThan(800);
      // AND when only the hung shard is missing: 504 (every missing shard timed out)
      const r2 = await get(b.host, b.port, '/search?kind=concat');
      expect([r2.status, r2.body]).toEqual([504, JSON.stringify({ error: 'missing shards', missing: [{ shard: 1, reason: 'no answer within 300ms' }] })]);
      expect(r2.ms).toBeGreaterThanOrEqual(295);
      expect(r2.ms).toBeLessThan(800);
      // AND the root keeps serving while the shard hangs: concurrent requests each end at the timeout
      const many = await Promise.all(Array.from({ length: 8 }, () => get(b.host, b.port, '/search?kind=concat')));
      expect(many.map((x) => x.status)).toEqual(Array(8).fill(504));
      expect(Math.max(...many.map((x) => x.ms))).toBeLessThan(1000);
      expect((await get(b.host, b.port, '/healthz')).status).toBe(200);
      const m = (await get(b.host, b.port, '/metrics')).body;
      expect(metric(m, 'scatter_gather_shard_timeouts_total{shard="1"}')).toBe(9);
      expect(metric(m, 'scatter_gather_shard_timeouts_total{shard="0"}')).toBe(0);
      expect(metric(m, 'scatter_gather_requests_total{code="504"}')).toBe(9);
    } finally {
      hung.close();
    }
  });

  test('a straggler shard (5 % of answers delayed 1 s): p99 without and with hedging', async () => {
    // GIVEN 5 shards × 2 replicas; both replicas of shard 2 delay 5 % of their answers by 1 s
    const plain = manifest('sgs', { shards: 5, replicasPerShard: 2, timeout: Duration.seconds(2) });
    const hedged = manifest('sgh', { shards: 5, replicasPerShard: 2, timeout: Duration.seconds(2), hedge: HedgePolicy.after(Duration.millis(20)) });
    const straggle = (i: number): Record<string, string> => (i === 2 ? { STRAGGLE_FRACTION: '0.05', STRAGGLE_MS: '1000' } : {});
    const hosts = await startLeaves(plain, 'sgs', straggle);
    hosts.forEach((h, i) => { mapName(`sgs-shard-${i}`, h); mapName(`sgh-shard-${i}`, h); });
    const a = await startRoot(plain, 'sgs');
    const b = await startRoot(hedged, 'sgh');
    // WHEN 400 requests go through each root, 4 at a time
    const without = await load(a.host, a.port, '/?kind=concat', 400, 4);
    const withHedge = await load(b.host, b.port, '/?kind=concat', 400, 4);
    const row = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
    console.log(`straggler shard, 400 requests: without hedging ${row(without)}; hedge after 20ms ${row(withHedge)}`);
    // THEN without hedging the 5 % straggler is the whole system's p99; with hedging it is gone
    expect(percentile(without, 99)).toBeGreaterThanOrEqual(1000);
    expect(percentile(withHedge, 99)).toBeLessThan(250);
    const m = (await get(b.host, b.port, '/metrics')).body;
    expect(metric(m, 'scatter_gather_shard_hedge_wins_total{shard="2"}')).toBeGreaterThan(5);
    expect(metric(m, 'scatter_gather_shard_timeouts_total{shard="2"}')).toBe(0);
  });

  test('SIGTERM: /readyz turns 503 while requests are still served, then the root exits 0', async () => {
    const objects = manifest('sgt', { shards: 1, replicasPerShard: 1, drainDelay: Duration.millis(800) });
    mapName('sgt-shard-0', leafHosts[0]);
    const root = await startRoot(objects, 'sgt');
    const exited = new Promise<number | null>((r) => root.proc.child.once('exit', (code) => r(code)));
    process.kill(root.proc.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect((await get(root.host, root.port, '/readyz')).status).toBe(503);
    const r = await get(root.host, root.port, '/?kind=concat');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(['s0-a', 's0-b']);
    expect(await exited).toBe(0);
    expect(root.proc.logs()).toContain('"msg":"stopped"');
  });
});
