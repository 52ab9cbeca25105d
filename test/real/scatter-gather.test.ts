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
import { memoryCgroup, peakRss } from '../harness/memory-cgroup';
import { dnsFrom, exampleTruthTable } from '../harness/netpol/proof';
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
// seeded PRNG) are delayed by STRAGGLE_MS. kind=big answers the body set by GET /__big?bytes=<n>&shape=hits|objects
// (exactly n bytes of JSON: search hits, or '[{},{},…]'). CUT=1: a broken replica that accepts, sends the status
// line, the headers and half of the body it announces, then closes the connection.
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
let big = Buffer.from('[]');
function bigOf(bytes, shape) {
  const parts = [];
  let len = 2;
  for (let i = 0; ; i++) {
    const item = shape === 'objects' ? '{}' : JSON.stringify({ id: 's' + shard + '-' + i, score: (i * 7919) % 1000 / 1000, title: 'document title number ' + i });
    if (len + item.length + 1 > bytes) break;
    parts.push(item);
    len += item.length + (i > 0 ? 1 : 0);
  }
  const text = '[' + parts.join(',') + ']';
  return Buffer.from(text + ' '.repeat(bytes - text.length));
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
  const url = new URL(req.url, 'http://leaf');
  if (url.pathname === '/__big') {
    big = bigOf(Number(url.searchParams.get('bytes')), url.searchParams.get('shape'));
    return res.end(String(big.length));
  }
  const kind = url.searchParams.get('kind');
  req.resume();
  req.on('end', function () {
    const body = kind === 'big' ? big : Buffer.from(JSON.stringify(answer(kind)));
    if (env.CUT === '1') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.write(body.subarray(0, body.length >> 1));
      return setTimeout(function () { res.socket.destroy(); }, 1);
    }
    const send = function () { res.setHeader('content-type', 'application/json'); res.end(body); };
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


/** A leaf process: its address and its process. */
interface Leaf { host: string; proc: Started }

/** Starts every replica of every shard of a synthesized ScatterGather as a leaf process; returns them by shard. */
type LeafEnv = (shard: number, replica: number) => Record<string, string>;

async function startLeafProcs(objects: any[], name: string, extraEnv: LeafEnv = () => ({})): Promise<Leaf[][]> {
  const root = find(objects, 'ConfigMap', `${name}-root`);
  const shards = JSON.parse(root.data['config.json']).shards.length;
  const all: Array<Array<Promise<Leaf>>> = [];
  for (let i = 0; i < shards; i++) {
    const d = find(objects, 'Deployment', `${name}-shard-${i}`);
    const leaf = d.spec.template.spec.containers[0];
    const port = leaf.ports[0].containerPort;
    const replicas: Array<Promise<Leaf>> = [];
    for (let r = 0; r < d.spec.replicas; r++) {
      const host = await freeHost(port);
      replicas.push(start({
        name: `leaf-${name}-${i}-${r}`,
        command: process.execPath,
        args: [path.join(work, 'leaf.js')],
        env: { ...envOf(leaf), LEAF_HOST: host, LEAF_PORT: String(port), REPLICA: String(r), SEED: String(1000 * i + r + 1), ...extraEnv(i, r) },
        readyPort: { host, port },
        maxLifeMs: 300_000,
      }).then((proc) => ({ host, proc })));
    }
    all.push(replicas);
  }
  return Promise.all(all.map((replicas) => Promise.all(replicas)));
}

/** Starts every replica of every shard of a synthesized ScatterGather as a leaf process; returns their addresses. */
async function startLeaves(objects: any[], name: string, extraEnv: (shard: number) => Record<string, string> = () => ({})): Promise<string[][]> {
  return (await startLeafProcs(objects, name, (i) => extraEnv(i))).map((replicas) => replicas.map((l) => l.host));
}

/** Starts the root exactly as its container runs: command, workingDir = the ConfigMap's files, the container's env. */
type Wrap = (command: string, args: string[]) => { command: string; args: string[] };

async function startRoot(objects: any[], name: string, wrap?: Wrap): Promise<{ proc: Started; host: string; port: number; config: any }> {
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
  const [command0, ...args0] = [...c.command, ...(c.args ?? [])];
  // the image's node is the machine's node here
  const { command, args } = (wrap ?? ((cmd: string, a: string[]) => ({ command: cmd, args: a })))(command0 === 'node' ? process.execPath : command0, args0);
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

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string; ms: number }

function get(host: string, port: number, p: string, via: http.Agent = agent, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host, port, path: p, agent: via }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (x) => { body += x; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${host}:${port}${p} in ${timeoutMs} ms`)));
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

describe('the NetworkPolicies of the example, computed by cyclonus (an engine nobody here wrote)', () => {
  test('every pod to every declared port: the allowed connections are exactly the intended graph', () => {
    // GIVEN the example's objects, the cluster DNS, Prometheus in namespace monitoring and a stranger pod
    // WHEN cyclonus computes the truth table of every pod to every port any pod declares
    const t = exampleTruthTable('scatter-gather example', buildApp().charts, [
      { namespace: 'monitoring', name: 'prometheus', labels: { 'app.kubernetes.io/name': 'prometheus' } },
      { namespace: 'search', name: 'stranger', labels: { app: 'stranger' } },
    ]);
    // THEN the root is reached on its port by its namespace's other pods (the leaves send nothing) and by the
    // scrapers; the root reaches every shard's leaves on the leaf port and the DNS; nothing else
    const leaves = [0, 1, 2, 3].map((i) => `search/search-shard-${i}`);
    expect(t.pods.map((p) => p.id)).toEqual([...leaves, 'search/search', 'kube-system/coredns', 'monitoring/prometheus', 'search/stranger']);
    expect(t.allowed).toEqual([
      ...['search/stranger', 'monitoring/prometheus'].map((f) => `${f} → search/search 8080/TCP`),
      ...leaves.map((l) => `search/search → ${l} 9090/TCP`),
      ...dnsFrom('search/search'),
      ...t.amongStandIns,
    ].sort());
    expect(t.results).toHaveLength(t.pods.length * 7); // to the 4 shards, the root, DNS (UDP, TCP)
    // eslint-disable-next-line no-console
    console.log(`${t.summary} (the intended graph exactly)`);
  }, 120_000);
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
    // (refused, not timed out: counted as errors, never as timeouts; the root's clock, not the loaded test's)
    expect(metric(m, 'scatter_gather_shard_timeouts_total{shard="2"}')).toBe(0);
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
      // (at the timeout: after it, and far before the 10 s a hang would take; 2 s of slack for a loaded machine)
      expect(r.ms).toBeGreaterThanOrEqual(295);
      expect(r.ms).toBeLessThan(300 + 2000);
      // AND when only the hung shard is missing: 504 (every missing shard timed out)
      const r2 = await get(b.host, b.port, '/search?kind=concat');
      expect([r2.status, r2.body]).toEqual([504, JSON.stringify({ error: 'missing shards', missing: [{ shard: 1, reason: 'no answer within 300ms' }] })]);
      expect(r2.ms).toBeGreaterThanOrEqual(295);
      expect(r2.ms).toBeLessThan(300 + 2000);
      // AND the root keeps serving while the shard hangs: concurrent requests each end at the timeout
      const many = await Promise.all(Array.from({ length: 8 }, () => get(b.host, b.port, '/search?kind=concat')));
      expect(many.map((x) => x.status)).toEqual(Array(8).fill(504));
      expect(Math.max(...many.map((x) => x.ms))).toBeLessThan(300 + 3000);
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
    const pcts = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
    console.log(`straggler shard, 400 requests: without hedging ${pcts(without)}; hedge after 20ms ${pcts(withHedge)}`);
    // THEN without hedging the 5 % straggler is the whole system's p99; with hedging it is gone
    expect(percentile(without, 99)).toBeGreaterThanOrEqual(1000);
    // (with margin for a loaded machine: half the straggle, and the hedges must be what won)
    expect(percentile(withHedge, 99)).toBeLessThan(500);
    const m = (await get(b.host, b.port, '/metrics')).body;
    expect(metric(m, 'scatter_gather_shard_hedge_wins_total{shard="2"}')).toBeGreaterThan(5);
    expect(metric(m, 'scatter_gather_shard_timeouts_total{shard="2"}')).toBe(0);
  });

  test('SIGTERM: /readyz turns 503 while requests are still served, then the root exits 0', async () => {
    const objects = manifest('sgt', { shards: 1, replicasPerShard: 1, drainDelay: Duration.seconds(3) });
    mapName('sgt-shard-0', leafHosts[0]);
    const root = await startRoot(objects, 'sgt');
    const exited = new Promise<number | null>((r) => root.proc.child.once('exit', (code) => r(code)));
    process.kill(root.proc.pid, 'SIGTERM');
    // (polled, bounded: on a loaded machine the signal can take a while to be handled; the drain lasts 3 s)
    for (let i = 0; i < 50 && (await get(root.host, root.port, '/readyz')).status !== 503; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await get(root.host, root.port, '/readyz')).status).toBe(503);
    const r = await get(root.host, root.port, '/?kind=concat');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(['s0-a', 's0-b']);
    expect(await exited).toBe(0);
    expect(root.proc.logs()).toContain('"msg":"stopped"');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The failure contract (README, ScatterGather): each part killed or stopped under load, what the clients saw.

/** What `hammer` counted: answers by status, complete ones (200 with every shard), and the latencies. */
interface Tally { total: number; complete: number; byStatus: Record<string, number>; ms: number[]; missing: Record<string, number> }

/**
 * `clients` clients, each sending one request after the other for `durationMs` (or until `n` requests in all);
 * `at(elapsedMs)` runs once per 100 ms tick for events in the middle of the load (a kill). Errors, and no answer
 * within `clientTimeoutMs` (default 10 s), count as status 0.
 */
interface HammerOptions { clients: number; durationMs?: number; n?: number; at?: (elapsedMs: number) => void; clientTimeoutMs?: number }

async function hammer(host: string, port: number, p: string, opts: HammerOptions): Promise<Tally> {
  const t: Tally = { total: 0, complete: 0, byStatus: {}, ms: [], missing: {} };
  const via = new http.Agent({ keepAlive: true, maxSockets: opts.clients });
  const t0 = Date.now();
  const ticker = opts.at ? setInterval(() => opts.at!(Date.now() - t0), 100) : undefined;
  let sent = 0;
  const more = () => (opts.n !== undefined ? sent < opts.n : Date.now() - t0 < opts.durationMs!);
  try {
    await Promise.all(Array.from({ length: opts.clients }, async () => {
      while (more()) {
        sent++;
        const r = await get(host, port, p, via, opts.clientTimeoutMs).catch(() => ({ status: 0, headers: {} as http.IncomingHttpHeaders, body: '', ms: 0 }));
        t.total++;
        t.byStatus[r.status] = (t.byStatus[r.status] ?? 0) + 1;
        const shards = String(r.headers['x-scatter-gather-shards'] ?? '');
        const [got, of] = shards.split('/');
        if (r.status === 200 && got === of) t.complete++;
        const missing = r.headers['x-scatter-gather-missing'];
        if (missing !== undefined) t.missing[String(missing)] = (t.missing[String(missing)] ?? 0) + 1;
        t.ms.push(r.ms);
      }
    }));
  } finally {
    if (ticker) clearInterval(ticker);
    via.destroy();
  }
  return t;
}

/** Leaf requests per shard by kind (primary, hedge, failover) from a root's /metrics. */
async function leafRequests(host: string, port: number): Promise<Array<{ primary: number; hedge: number; failover: number }>> {
  const text = (await get(host, port, '/metrics')).body;
  const out: Array<{ primary: number; hedge: number; failover: number }> = [];
  for (const m of text.matchAll(/^scatter_gather_shard_requests_total\{shard="(\d+)",kind="(\w+)"\} (\d+)$/gm)) {
    const i = Number(m[1]);
    out[i] = out[i] ?? { primary: 0, hedge: 0, failover: 0 };
    (out[i] as any)[m[2]] = Number(m[3]);
  }
  return out;
}

function row(t: Tally): string {
  return `${t.complete}/${t.total} complete, statuses ${JSON.stringify(t.byStatus)}, p50 ${percentile(t.ms, 50).toFixed(1)} ms, p99 ${percentile(t.ms, 99).toFixed(1)} ms`;
}

describe('ScatterGather failure contract, parts killed under load', () => {
  const policies: Array<[string, HedgePolicy]> = [
    ['none', HedgePolicy.none()],
    ['after', HedgePolicy.after(Duration.millis(20))],
    ['percentile', HedgePolicy.percentile({ percentile: 95 })],
  ];

  test.each(policies)('one replica of a shard SIGKILLed and left in DNS: every answer complete (hedge %s)', async (policy, hedge) => {
    // GIVEN 3 shards × 2 replicas and a root hedging by the policy
    const name = `sgk${policy.slice(0, 3)}`;
    const objects = manifest(name, { shards: 3, replicasPerShard: 2, hedge });
    const leaves = await startLeafProcs(objects, name);
    leaves.forEach((replicas, i) => mapName(`${name}-shard-${i}`, replicas.map((l) => l.host)));
    const root = await startRoot(objects, name);
    const before = await leafRequests(root.host, root.port);
    // WHEN 8 clients send requests for 7 s and replica 0 of shard 1 is SIGKILLed after 1 s (its address stays in
    // the shard's name: a crashed pod until its readiness fails, and then the root's re-resolve)
    const victim = leaves[1][0].proc;
    let killed = false;
    const t = await hammer(root.host, root.port, '/?kind=concat', {
      clients: 8,
      durationMs: 7000,
      at: (ms) => { if (!killed && ms >= 1000) { killed = true; process.kill(victim.pid, 'SIGKILL'); } },
    });
    const after = await leafRequests(root.host, root.port);
    const shard1 = {
      primary: after[1].primary - before[1].primary, hedge: after[1].hedge - before[1].hedge, failover: after[1].failover - before[1].failover,
    };
    const all = after.reduce((a, s, i) => a + s.primary + s.hedge + s.failover - before[i].primary - before[i].hedge - before[i].failover, 0);
    console.log(`replica SIGKILLed, hedge ${policy}: ${row(t)}; shard 1: ${JSON.stringify(shard1)}; leaf requests per answer ${(all / t.total).toFixed(3)} (3 without failures)`);
    // THEN the victim is dead, and every answer was complete
    expect(killed).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(victim.exited).toMatch(/signal SIGKILL/);
    expect(t.total).toBeGreaterThan(100);
    expect([t.complete, t.byStatus]).toEqual([t.total, { 200: t.total }]);
    // AND the dead replica's failures are few: the dead address is skipped for 5 s after each refusal (one DNS
    // refresh period); each one is failed over, or covered by a hedge already in flight (on a loaded machine a
    // refusal can come after the hedge delay)
    const failures = metric((await get(root.host, root.port, '/metrics')).body, 'scatter_gather_shard_replica_failures_total{shard="1"}');
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(failures).toBeLessThanOrEqual(3 * 8);
    if (policy === 'none') expect(shard1.failover).toBe(failures);
    expect(shard1.failover).toBeLessThanOrEqual(failures);
    expect(shard1.failover + shard1.hedge).toBeGreaterThanOrEqual(failures);
  });

  test('a whole shard dead (both replicas SIGKILLed, left in DNS): FAIL answers 502 naming it, PARTIAL 200 with the rest', async () => {
    // GIVEN 3 shards × 2 replicas, a FAIL root and a PARTIAL root
    const fail = manifest('sgd', { shards: 3, replicasPerShard: 2 });
    const partial = manifest('sgdp', { shards: 3, replicasPerShard: 2, missingShards: MissingShards.PARTIAL });
    const leaves = await startLeafProcs(fail, 'sgd');
    leaves.forEach((replicas, i) => { mapName(`sgd-shard-${i}`, replicas.map((l) => l.host)); mapName(`sgdp-shard-${i}`, replicas.map((l) => l.host)); });
    const a = await startRoot(fail, 'sgd');
    const b = await startRoot(partial, 'sgdp');
    // WHEN both replicas of shard 2 are SIGKILLed, and 4 clients send 300 requests to each root
    for (const l of leaves[2]) process.kill(l.proc.pid, 'SIGKILL');
    for (let i = 0; i < 500 && leaves[2].some((l) => l.proc.exited === undefined); i++) await new Promise((r) => setTimeout(r, 20)); // dead, not dying
    const [ta, tb] = [await hammer(a.host, a.port, '/?kind=concat', { clients: 4, n: 300 }), await hammer(b.host, b.port, '/?kind=concat', { clients: 4, n: 300 })];
    const [ra, rb] = [await leafRequests(a.host, a.port), await leafRequests(b.host, b.port)];
    console.log(`whole shard dead: FAIL ${row(ta)}, shard 2 ${JSON.stringify(ra[2])}; PARTIAL ${row(tb)}, shard 2 ${JSON.stringify(rb[2])}`);
    // THEN FAIL answers 502 naming shard 2, PARTIAL 200 without it, both at once (refused, far below the 1 s timeout)
    expect(ta.byStatus).toEqual({ 502: 300 });
    expect(ta.missing).toEqual({ 2: 300 });
    expect(tb.byStatus).toEqual({ 200: 300 });
    expect(tb.missing).toEqual({ 2: 300 });
    // (refused, not timed out: a timed-out shard costs the whole 1 s timeout, and PARTIAL counts no timeout)
    expect(percentile([...ta.ms, ...tb.ms], 99)).toBeLessThan(1000);
    expect(metric((await get(b.host, b.port, '/metrics')).body, 'scatter_gather_shard_timeouts_total{shard="2"}')).toBe(0);
    // AND the dead shard never costs twice the requests: one failover until both addresses are marked, then one
    // probe per fan-out
    for (const r of [ra, rb]) {
      expect(r[2].primary).toBe(300);
      expect(r[2].failover).toBeLessThanOrEqual(8);
    }
  });

  test('one replica that accepts, sends half its answer and closes: every answer complete (without and with hedging)', async () => {
    // GIVEN 3 shards × 2 replicas where replica 0 of shard 1 cuts every answer off (a TCP probe passes it)
    for (const [name, hedge] of [['sgc', HedgePolicy.none()], ['sgch', HedgePolicy.after(Duration.millis(20))]] as const) {
      const objects = manifest(name, { shards: 3, replicasPerShard: 2, hedge });
      const leaves = await startLeafProcs(objects, name, (i, r): Record<string, string> => (i === 1 && r === 0 ? { CUT: '1' } : {}));
      leaves.forEach((replicas, i) => mapName(`${name}-shard-${i}`, replicas.map((l) => l.host)));
      const root = await startRoot(objects, name);
      // WHEN 8 clients send 1,000 requests
      const t = await hammer(root.host, root.port, '/?kind=concat', { clients: 8, n: 1000 });
      const r = await leafRequests(root.host, root.port);
      const failures = metric((await get(root.host, root.port, '/metrics')).body, 'scatter_gather_shard_replica_failures_total{shard="1"}');
      console.log(`replica cutting its answers off (${name}): ${row(t)}; shard 1 ${JSON.stringify(r[1])}, replica failures ${failures}`);
      // THEN every answer is complete, the broken replica failed at least once and is skipped after each failure
      // (5 s): at most one failure per client per mark
      expect([t.complete, t.byStatus]).toEqual([1000, { 200: 1000 }]);
      expect(failures).toBeGreaterThanOrEqual(1);
      expect(failures).toBeLessThanOrEqual(3 * 8);
      if (name === 'sgc') {
        // AND without hedging every failure was failed over at once
        expect(r[1].failover).toBe(failures);
      } else {
        // AND with hedging a failure is covered by the failover or by the hedge already in flight when the cut
        // arrived (on a loaded machine the cut can come after the 20 ms hedge delay): never both, never neither
        expect(r[1].failover).toBeLessThanOrEqual(failures);
        expect(r[1].failover + r[1].hedge).toBeGreaterThanOrEqual(failures);
      }
    }
  });

  test('one replica SIGSTOPped (hung, accepting connections): a timed-out answer at most once per client per 5 s', async () => {
    // GIVEN 3 shards × 2 replicas, a 300 ms timeout, no hedging
    const objects = manifest('sgh2', { shards: 3, replicasPerShard: 2, timeout: Duration.millis(300) });
    const leaves = await startLeafProcs(objects, 'sgh2');
    leaves.forEach((replicas, i) => mapName(`sgh2-shard-${i}`, replicas.map((l) => l.host)));
    const root = await startRoot(objects, 'sgh2');
    const victim = leaves[1][0].proc;
    try {
      // WHEN 8 clients send requests for 7 s and replica 0 of shard 1 is SIGSTOPped after 1 s
      let stopped = false;
      const t = await hammer(root.host, root.port, '/?kind=concat', {
        clients: 8,
        durationMs: 7000,
        at: (ms) => { if (!stopped && ms >= 1000) { stopped = true; process.kill(victim.pid, 'SIGSTOP'); } },
      });
      console.log(`replica SIGSTOPped, no hedging: ${row(t)}`);
      // THEN the answers that missed shard 1 are 504s, at most one per client at the stop and one per client each
      // time the 5 s skip of the hung address ends; the rest are complete
      expect(Object.keys(t.byStatus).sort()).toEqual(t.byStatus[504] ? ['200', '504'] : ['200']);
      expect(t.byStatus[504] ?? 0).toBeLessThanOrEqual(8 * 3);
      expect(t.complete).toBe(t.total - (t.byStatus[504] ?? 0));
      expect(t.complete).toBeGreaterThan(100);
    } finally {
      process.kill(victim.pid, 'SIGCONT');
    }
  });

  test('256 slow clients (each sends 10 of the 100 body bytes it announced) and 64 with half their headers: legitimate requests are answered', async () => {
    // GIVEN a root with the default fan-out slots (13) and a 2 s client timeout
    const objects = manifest('sgslow', { shards: 3, replicasPerShard: 1, clientTimeout: Duration.seconds(2) });
    const leaves = await startLeaves(objects, 'sgslow');
    leaves.forEach((hosts, i) => mapName(`sgslow-shard-${i}`, hosts));
    const root = await startRoot(objects, 'sgslow');
    const baseline = await hammer(root.host, root.port, '/?kind=concat', { clients: 8, n: 500 });
    // WHEN 256 clients send a body slowly and 64 send half their headers, and hold their connections
    const slow: net.Socket[] = [];
    const answers: string[] = [];
    for (let i = 0; i < 320; i++) {
      const s = net.connect(root.port, root.host);
      s.on('error', () => undefined);
      let got = '';
      s.on('data', (d) => { got += d; });
      s.on('close', () => answers.push(got.split('\r\n')[0]));
      s.write(i < 256
        ? 'POST /?kind=concat HTTP/1.1\r\nHost: sg\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n["0123456"'
        : 'GET /?kind=concat HTTP/1.1\r\nHost: sg\r\nX-Slow: ');
      slow.push(s);
    }
    await new Promise((r) => setTimeout(r, 300));
    // THEN 500 legitimate requests from 8 clients are all answered, completely
    const t = await hammer(root.host, root.port, '/?kind=concat', { clients: 8, n: 500 });
    console.log(`slow clients: baseline ${row(baseline)}; with 256 slow bodies and 64 slow headers ${row(t)}`);
    expect([t.complete, t.byStatus]).toEqual([500, { 200: 500 }]);
    // AND the slow clients are answered 408 and closed after the client timeout
    for (let i = 0; i < 100 && answers.length < 320; i++) await new Promise((r) => setTimeout(r, 100));
    for (const s of slow) s.destroy();
    expect(answers).toHaveLength(320);
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 408')).length).toBe(320);
  });

  test('hostile load at the synthesized memory limit, the root in a memory cgroup: it stays up and answers every request (200/503; 502 over the size limit)', async () => {
    // GIVEN the defaults (3 shards, answers of at most 1 MiB): the root gets 256Mi and the 13 fan-outs it holds; a
    // 5 s timeout, as parsing 13 × 3 MiB at once takes the root over 1 s on two shared cores
    const objects = manifest('sgmem', { shards: 3, replicasPerShard: 1, timeout: Duration.seconds(5) });
    const rootContainer = find(objects, 'Deployment', 'sgmem').spec.template.spec.containers[0];
    expect(rootContainer.resources.limits.memory).toBe('256Mi');
    const limit = 256 * 1048576;
    const slots = JSON.parse(find(objects, 'ConfigMap', 'sgmem-root').data['config.json']).maxConcurrentRequests;
    expect(slots).toBe(13);
    const leaves = await startLeaves(objects, 'sgmem');
    leaves.forEach((hosts, i) => mapName(`sgmem-shard-${i}`, hosts));
    const cg = memoryCgroup('sgmem', limit);
    if ('unavailable' in cg) console.log(`no memory cgroup here (${cg.unavailable}): the bound is the root's peak RSS instead`);
    const root = await startRoot(objects, 'sgmem', 'unavailable' in cg ? undefined : cg.wrap);
    const big = async (bytes: number, shape: string) => {
      for (const [host] of leaves) expect((await get(host, LEAF_PORT, `/__big?bytes=${bytes}&shape=${shape}`)).body).toBe(String(bytes));
    };
    const phases: Record<string, Tally> = {};
    const refusedForMemory: Record<string, number> = {};
    const memoryRefusals = async () => metric((await get(root.host, root.port, '/metrics')).body, 'scatter_gather_rejected_requests_total{reason="memory"}');
    const recoveryMs: Record<string, number> = {};
    // small answers until one fan-out is answered 200: the root's recovery after a phase, in ms
    const admitsAgain = async () => {
      await big(2048, 'hits');
      const began = Date.now();
      while ((await get(root.host, root.port, '/?kind=big')).status !== 200) {
        expect(Date.now() - began).toBeLessThan(60_000);
        await new Promise((r) => setTimeout(r, 250));
      }
      return Date.now() - began;
    };
    try {
      // WHEN 26 clients (twice the fan-out slots) ask for answers of exactly 1 MiB of search hits, then of '[{},{},…]'
      // (parsed, 20 times their size), then of 1 MiB + 1 byte
      for (const [phase, bytes, shape] of [['hits', 1048576, 'hits'], ['tiny values', 1048576, 'objects'], ['over the limit', 1048577, 'hits']] as const) {
        // (each phase starts once the root admits fan-outs again: after a phase of 1 MiB answers its resident memory
        // can stay above the shedding line for seconds, V8 returning pages lazily, and a phase started then is all
        // 503 for memory, which proves shedding, not the phase; the wait is bounded by 60 s and measured)
        recoveryMs[phase] = await admitsAgain();
        await big(bytes, shape);
        const before = await memoryRefusals();
        // (the clients wait up to 120 s: on a starved machine (load 15 on 2 cores seen) parsing and collecting 1 MiB
        // answers of tiny values takes the event loop past the 5 s deadline; the contract is an answer, not a time)
        phases[phase] = await hammer(root.host, root.port, '/?kind=big', { clients: 2 * slots, n: 300, clientTimeoutMs: 120_000 });
        refusedForMemory[phase] = (await memoryRefusals()) - before;
        expect(root.proc.exited).toBeUndefined();
      }
      // AND alone, once admitted, an answer one byte over the limit is a 502 naming the limit (under the hammer the
      // 502s share the phase with 503s and, on a starved machine, 504s)
      await admitsAgain();
      await big(1048577, 'hits');
      const alone = await get(root.host, root.port, '/?kind=big', agent, 30_000);
      // AND then small answers again
      recoveryMs.after = await admitsAgain();
      phases.after = await hammer(root.host, root.port, '/?kind=big', { clients: 4, n: 100 });
      const metrics = (await get(root.host, root.port, '/metrics')).body;
      const used = 'unavailable' in cg ? { peakBytes: peakRss(root.proc.pid), oomKills: 0 } : cg.usage();
      console.log(`hostile load, root limit 256Mi (${'unavailable' in cg ? 'peak RSS' : `memory cgroup v${cg.version}`}): peak ${(used.peakBytes / 1048576).toFixed(0)} MiB, `
        + `OOM kills ${used.oomKills}; ${Object.entries(phases).map(([k, t]) => `${k}: ${JSON.stringify(t.byStatus)} (${refusedForMemory[k] ?? 0} of the 503s for memory; `
          + `p50 ${percentile(t.ms, 50).toFixed(0)} ms, max ${Math.max(...t.ms).toFixed(0)} ms)`).join('; ')}; `
        + `forced collections ${metric(metrics, 'scatter_gather_forced_collections_total')}; admitting again before each phase after ${JSON.stringify(recoveryMs)} ms`);
      // THEN the root stayed up within its limit: no OOM kill, every request answered (no reset, no client timeout):
      // 200, or 503 (overload or memory), 502 (over the size limit; or, rarely, a leaf connection lost while the
      // starved event loop let it idle past the leaf's keep-alive timeout: one replica per shard here, nothing to
      // fail over to), 504 where the machine's two cores could not parse in time
      const only = (t: Tally, allowed: string[]) => Object.keys(t.byStatus).filter((k) => !allowed.includes(k));
      expect(root.proc.exited).toBeUndefined();
      expect(used.oomKills).toBe(0);
      expect(used.peakBytes).toBeLessThanOrEqual(limit);
      expect(only(phases.hits, ['200', '502', '503', '504'])).toEqual([]);
      expect(phases.hits.byStatus[502] ?? 0).toBeLessThan(30);
      expect(phases.hits.byStatus[200]).toBeGreaterThan(50);
      expect(only(phases['tiny values'], ['200', '502', '503', '504'])).toEqual([]);
      expect(phases['tiny values'].byStatus[502] ?? 0).toBeLessThan(30);
      expect(only(phases['over the limit'], ['502', '503', '504'])).toEqual([]);
      expect(phases['over the limit'].byStatus[200]).toBeUndefined();
      expect([alone.status, alone.body]).toEqual([502, expect.stringContaining('1048576')]);
      // AND it serves normally afterwards
      expect(phases.after.byStatus).toEqual({ 200: 100 });
    } finally {
      await root.proc.stop();
      if (!('unavailable' in cg)) cg.remove();
    }
  });
});
