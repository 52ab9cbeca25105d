// Benchmark: the ScatterGather root, run exactly as its container runs it (the synthesized ConfigMap's root.js and
// config.json, `node root.js config.json`), on loopback, with leaves as small node HTTP servers (one process per
// replica, each with its shard Deployment's env). Prints tables; asserts no timing.
//
//   1. root overhead: p50/p99 of a request through a root with 1 shard vs the same leaf called directly;
//   2. throughput with 5 shards against the direct fan-out: the same closed-loop client process either sends each
//      request to the root, or itself sends it to the 5 leaves in parallel (keep-alive agent), parses their JSON
//      answers and concatenates them — what the root does — or sends it to the minimal root (MINIMAL_ROOT: that
//      fan-out as a server, the extra hop and nothing else). 1 and 16 clients, the variants alternating, 3 runs
//      each: requests/s and p50/p99, min/median/max, and their ratios;
//   3. a straggler shard (both replicas delay 5 % of their answers by 1 s): p50/p99 without hedging, hedging after
//      a fixed delay, and hedging at the shard's own p95 — against a healthy leaf's p99.
// Goals: overhead ≤ 1 ms at p50 (issue 9); root ≥ 0.9× the direct fan-out's requests/s (issue 21); p99 with
// hedging ≤ 2× a healthy leaf's p99 (issue 9).
//
// SG_BENCH_ONLY=throughput runs section 2 alone; SG_BENCH_ROOT_FLAGS adds node flags to the root (e.g. --cpu-prof).
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { App, Chart, Duration, Size } from 'cdk8s';
import { HedgePolicy, ScatterGather, ScatterGatherProps } from '../src';
import { freeHost, nssWrapperLib } from '../test/harness/daemons';
import { freePort, start, stopAll, tempDir } from '../test/harness/proc';

const LEAF = `'use strict';
const http = require('http');
const env = process.env;
const shard = Number(env.SHARD_INDEX);
const straggle = Number(env.STRAGGLE_FRACTION || 0);
let seed = Number(env.SEED || 1) >>> 0;
function rand() {
  seed = (seed + 0x6D2B79F5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const body = JSON.stringify([{ id: 's' + shard + '-1', score: shard + 0.5 }, { id: 's' + shard + '-2', score: shard + 0.25 }]);
http.createServer(function (req, res) {
  req.resume();
  req.on('end', function () {
    const send = function () { res.setHeader('content-type', 'application/json'); res.end(body); };
    if (straggle > 0 && rand() < straggle) setTimeout(send, Number(env.STRAGGLE_MS)); else send();
  });
}).listen(Number(env.LEAF_PORT), env.LEAF_HOST);
`;

/**
 * The least a root can be: an HTTP server that fans each request out to the 5 leaves (keep-alive agent, in
 * parallel), parses their JSON answers, concatenates them and answers — no config, no timeouts, no hedging, no
 * failover, no metrics. The root against it is what the root's own features cost; it against the direct fan-out
 * is what the extra hop costs, which every root pays.
 */
const MINIMAL_ROOT = `'use strict';
const http = require('http');
const leaves = JSON.parse(process.env.LEAVES);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function one(l) {
  return new Promise(function (resolve, reject) {
    const req = http.request({ host: l.host, port: l.port, path: '/', agent: agent }, function (res) {
      const chunks = [];
      res.on('data', function (d) { chunks.push(d); });
      res.on('end', function () { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); });
    });
    req.on('error', reject);
    req.end();
  });
}
http.createServer(function (req, res) {
  req.resume();
  req.on('end', function () {
    Promise.all(leaves.map(one)).then(function (answers) {
      const merged = [];
      for (const a of answers) for (const x of a) merged.push(x);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(merged));
    }, function (e) { res.statusCode = 502; res.end(String(e)); });
  });
}).listen(Number(process.env.PORT), process.env.HOST);
`;

const work = tempDir('sg-bench');
fs.writeFileSync(path.join(work, 'leaf.js'), LEAF);
fs.writeFileSync(path.join(work, 'minimal-root.js'), MINIMAL_ROOT);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function get(host: string, port: number, p: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host, port, path: p, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer in 10s')));
    req.on('error', reject);
    req.end();
  });
}

/** One request fanned out by the client itself: the 5 leaves in parallel, their JSON parsed and concatenated. */
const direct = new http.Agent({ keepAlive: true, maxSockets: 64 });
function fanOut(leaves: Array<{ host: string; port: number }>): Promise<{ status: number; ms: number }> {
  const t0 = process.hrtime.bigint();
  return Promise.all(leaves.map((l) => new Promise<any>((resolve, reject) => {
    const req = http.request({ host: l.host, port: l.port, path: '/', agent: direct }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  }))).then((answers) => {
    const merged: any[] = [];
    for (const a of answers) for (const x of a) merged.push(x);
    JSON.stringify(merged);
    return { status: 200, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  });
}

/** `n` calls of `one` from `clients` concurrent clients; latencies (ms) and wall time (s). Every answer must be 200. */
async function loadWith(one: () => Promise<{ status: number; ms: number }>, n: number, clients: number): Promise<{ ms: number[]; seconds: number }> {
  const ms: number[] = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < n) {
      next++;
      const r = await one();
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      ms.push(r.ms);
    }
  }));
  return { ms, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** `n` requests to `/` from `clients` concurrent clients; latencies (ms) and wall time (s). Every answer must be 200. */
function load(host: string, port: number, n: number, clients: number): Promise<{ ms: number[]; seconds: number }> {
  return loadWith(() => get(host, port, '/'), n, clients);
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const f = (x: number) => x.toFixed(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** min / median / max, formatted. */
const mmm = (xs: number[], digits = 2) => `${Math.min(...xs).toFixed(digits)} / ${median(xs).toFixed(digits)} / ${Math.max(...xs).toFixed(digits)}`;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** This process's CPU seconds so far. */
function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Section 2: the root's requests/s and latency against the direct fan-out and the minimal fan-out server. */
async function throughput(runs: number, n: number) {
  const five = await tree('sgbt', { shards: 5, replicasPerShard: 1, maxLeafResponseSize: Size.kibibytes(64), maxRequestBodySize: Size.kibibytes(64) });
  const leaves = five.leaves.map((r) => r[0]);
  const minimalPort = await freePort();
  const minimalHost = await freeHost(minimalPort);
  const minimal = await start({
    name: 'sgbt-minimal-root',
    command: process.execPath,
    args: [path.join(work, 'minimal-root.js')],
    env: { HOST: minimalHost, PORT: String(minimalPort), LEAVES: JSON.stringify(leaves), UV_THREADPOOL_SIZE: '1' },
    readyPort: { host: minimalHost, port: minimalPort },
  });
  const variants = [
    { name: 'direct', one: () => fanOut(leaves), pid: undefined as number | undefined },
    { name: 'minimal', one: () => get(minimalHost, minimalPort, '/'), pid: minimal.pid },
    { name: 'root', one: () => get(five.root.host, five.root.port, '/'), pid: five.root.pid },
  ];
  for (const v of variants) await loadWith(v.one, 500, 4);
  console.log(`\nthroughput: 5 shards × 1 replica, closed loop from one client process, ${n} requests per run, ${runs} runs per variant alternating (min / median / max);`
    + ' minimal = the least a root can be (one extra HTTP hop that fans out, parses and concatenates; nothing else)');
  console.log('| clients | direct fan-out requests/s | minimal root requests/s | root requests/s | root / direct | minimal / direct | root / minimal | direct p50 / p99 ms | minimal p50 / p99 ms | root p50 / p99 ms | overhead p50 ms | overhead p99 ms |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const cpu: string[] = [];
  type Run = { rps: number; p50: number; p99: number; clientUs: number; serverUs: number };
  for (const clients of [1, 16]) {
    const out = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
    for (let i = 0; i < runs; i++) {
      for (const v of variants) {
        const c0 = ownCpuSeconds();
        const s0 = v.pid === undefined ? 0 : cpuSeconds(v.pid);
        const x = await loadWith(v.one, n, clients);
        out.get(v.name)!.push({
          rps: x.ms.length / x.seconds,
          p50: pct(x.ms, 50),
          p99: pct(x.ms, 99),
          clientUs: ((ownCpuSeconds() - c0) / n) * 1e6,
          serverUs: v.pid === undefined ? 0 : ((cpuSeconds(v.pid) - s0) / n) * 1e6,
        });
      }
    }
    const [d, m, r] = ['direct', 'minimal', 'root'].map((k) => out.get(k)!);
    const ratio = (a: Run[], b: Run[]) => mmm(a.map((x, i) => x.rps / b[i].rps));
    const lat = (xs: Run[]) => `${f(median(xs.map((x) => x.p50)))} / ${f(median(xs.map((x) => x.p99)))}`;
    console.log(`| ${clients} | ${mmm(d.map((x) => x.rps), 0)} | ${mmm(m.map((x) => x.rps), 0)} | ${mmm(r.map((x) => x.rps), 0)} | ${ratio(r, d)}× | ${ratio(m, d)}× | ${ratio(r, m)}× | `
      + `${lat(d)} | ${lat(m)} | ${lat(r)} | ${mmm(r.map((x, i) => x.p50 - d[i].p50))} | ${mmm(r.map((x, i) => x.p99 - d[i].p99))} |`);
    const us = (xs: Run[], k: 'clientUs' | 'serverUs') => median(xs.map((x) => x[k]));
    cpu.push(`| ${clients} | ${f(us(d, 'clientUs'))} | ${f(us(m, 'clientUs'))} | ${f(us(m, 'serverUs'))} | ${f(us(r, 'clientUs'))} | ${f(us(r, 'serverUs'))} | `
      + `${((us(r, 'clientUs') + us(r, 'serverUs')) / us(d, 'clientUs')).toFixed(2)}× | ${(us(r, 'serverUs') / us(m, 'serverUs')).toFixed(2)}× |`);
  }
  console.log('\nCPU per request, µs (median; the leaves\' own CPU is the same in every variant and not counted)');
  console.log('| clients | direct: the client fanning out | via the minimal root: the client | the minimal root | via the root: the client | the root | via the root / direct | the root / the minimal root |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const line of cpu) console.log(line);
}

interface Tree { root: { host: string; port: number; pid: number }; leaves: Array<Array<{ host: string; port: number }>> }

/** Synthesizes a ScatterGather, starts its leaves (one process per replica) and its root from the ConfigMap. */
async function tree(name: string, props: Partial<ScatterGatherProps>, straggler?: number): Promise<Tree> {
  const rootPort = await freePort();
  const leafPort = await freePort();
  const app = new App({ outdir: path.join(work, name) });
  new ScatterGather(new Chart(app, name), 'sg', { name, leaf: { image: 'ghcr.io/example/leaf:1.0.0', port: leafPort }, port: rootPort, drainDelay: Duration.millis(0), ...props });
  const objects = app.charts[0].toJson();
  const cm = objects.find((o: any) => o.kind === 'ConfigMap');
  const config = JSON.parse(cm.data['config.json']);
  const hostsLines = ['127.0.0.1 localhost'];
  const leaves: Array<Array<{ host: string; port: number }>> = [];
  const starts: Array<Promise<unknown>> = [];
  for (let i = 0; i < config.shards.length; i++) {
    const d = objects.find((o: any) => o.kind === 'Deployment' && o.metadata.name === `${name}-shard-${i}`);
    const env = Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    const replicas: Array<{ host: string; port: number }> = [];
    for (let r = 0; r < d.spec.replicas; r++) {
      const host = await freeHost(leafPort);
      hostsLines.push(`${host} ${name}-shard-${i}`);
      replicas.push({ host, port: leafPort });
      const extra: Record<string, string> = i === straggler ? { STRAGGLE_FRACTION: '0.05', STRAGGLE_MS: '1000' } : {};
      starts.push(start({
        name: `${name}-leaf-${i}-${r}`,
        command: process.execPath,
        args: [path.join(work, 'leaf.js')],
        env: { ...env, ...extra, LEAF_HOST: host, LEAF_PORT: String(leafPort), SEED: String(100 * i + r + 1) },
        readyPort: { host, port: leafPort },
      }));
    }
    leaves.push(replicas);
  }
  await Promise.all(starts);
  const dir = path.join(work, `${name}-root`);
  fs.mkdirSync(dir);
  for (const [file, text] of Object.entries<string>(cm.data)) fs.writeFileSync(path.join(dir, file), text);
  fs.writeFileSync(path.join(dir, 'hosts'), `${hostsLines.join('\n')}\n`);
  const c = objects.find((o: any) => o.kind === 'Deployment' && o.metadata.name === name).spec.template.spec.containers[0];
  const host = await freeHost(rootPort);
  const rootProc = await start({
    name: `${name}-root`,
    command: c.command[0] === 'node' ? process.execPath : c.command[0],
    args: c.command.slice(1),
    cwd: dir,
    // nss_wrapper resolves the shard names; it is not safe for concurrent lookups, hence one libuv thread
    env: { LISTEN_HOST: host, LD_PRELOAD: nssWrapperLib(), NSS_WRAPPER_HOSTS: path.join(dir, 'hosts'), UV_THREADPOOL_SIZE: '1', NODE_OPTIONS: process.env.SG_BENCH_ROOT_FLAGS ?? '' },
    readyPort: { host, port: rootPort },
  });
  return { root: { host, port: rootPort, pid: rootProc.pid }, leaves };
}

/** Hedges sent (all shards) and refused by the budget, from the root's /metrics. */
async function hedges(root: { host: string; port: number }): Promise<{ sent: number; throttled: number }> {
  const text: string = await new Promise((resolve, reject) => {
    http.get({ host: root.host, port: root.port, path: '/metrics', agent }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  const sum = (re: RegExp) => text.split('\n').filter((l) => re.test(l)).reduce((a, l) => a + Number(l.split(' ')[1]), 0);
  return { sent: sum(/^scatter_gather_shard_requests_total\{.*kind="(hedge|failover)"\}/), throttled: sum(/^scatter_gather_hedges_throttled_total /) };
}

async function main() {
  const N = Number(process.env.SG_BENCH_REQUESTS ?? 3000);
  if (process.env.SG_BENCH_ONLY === 'throughput') return throughput(3, N);

  // 1. overhead
  const one = await tree('sgb1', { shards: 1, replicasPerShard: 1 });
  const leaf = one.leaves[0][0];
  await load(leaf.host, leaf.port, 300, 1);
  await load(one.root.host, one.root.port, 300, 1);
  const direct = (await load(leaf.host, leaf.port, N, 1)).ms;
  const through = (await load(one.root.host, one.root.port, N, 1)).ms;
  const five = await tree('sgb5', { shards: 5, replicasPerShard: 1 });
  await load(five.root.host, five.root.port, 300, 1);
  const through5 = (await load(five.root.host, five.root.port, N, 1)).ms;
  console.log(`root overhead (${N} sequential requests, keep-alive, loopback)`);
  console.log('| path | p50 ms | p99 ms | overhead p50 ms | overhead p99 ms |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| one leaf, directly | ${f(pct(direct, 50))} | ${f(pct(direct, 99))} | | |`);
  console.log(`| root → 1 shard | ${f(pct(through, 50))} | ${f(pct(through, 99))} | ${f(pct(through, 50) - pct(direct, 50))} | ${f(pct(through, 99) - pct(direct, 99))} |`);
  console.log(`| root → 5 shards | ${f(pct(through5, 50))} | ${f(pct(through5, 99))} | ${f(pct(through5, 50) - pct(direct, 50))} | ${f(pct(through5, 99) - pct(direct, 99))} |`);

  // 2. throughput against the direct fan-out
  await throughput(3, N);

  // 3. stragglers
  const S = Number(process.env.SG_BENCH_STRAGGLER_REQUESTS ?? 1000);
  const healthyLeaf = five.leaves[0][0];
  const healthy = (await load(healthyLeaf.host, healthyLeaf.port, N, 4)).ms;
  const healthyP95 = pct(healthy, 95);
  const variants: Array<[string, string, Partial<ScatterGatherProps>, number | undefined]> = [
    ['sgbh', 'no straggler (baseline), no hedging', {}, undefined],
    ['sgbn', 'no hedging', {}, 2],
    ['sgbf5', 'hedge after 5 ms', { hedge: HedgePolicy.after(Duration.millis(5)) }, 2],
    ['sgbf20', 'hedge after 20 ms', { hedge: HedgePolicy.after(Duration.millis(20)) }, 2],
    ['sgbp', 'hedge at the shard\'s p95 (min 1 ms)', { hedge: HedgePolicy.percentile({ percentile: 95, minDelay: Duration.millis(1) }) }, 2],
  ];
  console.log(`\nstraggler shard: 5 shards × 2 replicas, both replicas of shard 2 delay 5 % of answers by 1 s (${S} requests, 4 clients)`);
  console.log(`healthy leaf called directly (4 clients): p50 ${f(pct(healthy, 50))} ms, p95 ${f(healthyP95)} ms, p99 ${f(pct(healthy, 99))} ms`);
  console.log('| root | p50 ms | p99 ms | max ms | p99 / healthy leaf p99 | hedges sent | hedges refused by the budget |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, label, props, straggler] of variants) {
    const t = await tree(name, { shards: 5, replicasPerShard: 2, timeout: Duration.seconds(2), ...props }, straggler);
    await load(t.root.host, t.root.port, 200, 4);
    const before = await hedges(t.root);
    const r = (await load(t.root.host, t.root.port, S, 4)).ms;
    const after = await hedges(t.root);
    console.log(`| ${label} | ${f(pct(r, 50))} | ${f(pct(r, 99))} | ${f(Math.max(...r))} | ${(pct(r, 99) / pct(healthy, 99)).toFixed(1)}× | ${after.sent - before.sent} | ${after.throttled - before.throttled} |`);
  }
}

main()
  .catch((e) => { console.error(e); process.exitCode = 1; })
  .finally(async () => { agent.destroy(); direct.destroy(); await stopAll(); });
