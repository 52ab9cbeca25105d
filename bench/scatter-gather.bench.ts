// Benchmark: the ScatterGather root, run exactly as its container runs it (the synthesized ConfigMap's root.js and
// config.json, `node root.js config.json`), on loopback, with leaves as small node HTTP servers (one process per
// replica, each with its shard Deployment's env). Prints tables; asserts no timing.
//
//   1. root overhead: p50/p99 of a request through a root with 1 shard vs the same leaf called directly;
//   2. throughput with 5 shards (closed loop, 32 clients) and the latency at that load;
//   3. a straggler shard (both replicas delay 5 % of their answers by 1 s): p50/p99 without hedging, hedging after
//      a fixed delay, and hedging at the shard's own p95 — against a healthy leaf's p99.
// Goals (issue 9): overhead ≤ 1 ms at p50; p99 with hedging ≤ 2× a healthy leaf's p99.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
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

const work = tempDir('sg-bench');
fs.writeFileSync(path.join(work, 'leaf.js'), LEAF);
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

/** `n` requests from `clients` concurrent clients; latencies (ms) and wall time (s). Every answer must be 200. */
async function load(host: string, port: number, n: number, clients: number): Promise<{ ms: number[]; seconds: number }> {
  const ms: number[] = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < n) {
      next++;
      const r = await get(host, port, '/');
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      ms.push(r.ms);
    }
  }));
  return { ms, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const f = (x: number) => x.toFixed(2);

interface Tree { root: { host: string; port: number }; leaves: Array<Array<{ host: string; port: number }>> }

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
  await start({
    name: `${name}-root`,
    command: c.command[0],
    args: c.command.slice(1),
    cwd: dir,
    // nss_wrapper resolves the shard names; it is not safe for concurrent lookups, hence one libuv thread
    env: { LISTEN_HOST: host, LD_PRELOAD: nssWrapperLib(), NSS_WRAPPER_HOSTS: path.join(dir, 'hosts'), UV_THREADPOOL_SIZE: '1' },
    readyPort: { host, port: rootPort },
  });
  return { root: { host, port: rootPort }, leaves };
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

  // 2. throughput
  console.log(`\nthroughput, 5 shards × 1 replica, closed loop (${N * 2} requests)`);
  console.log('| clients | requests/s | leaf requests/s | p50 ms | p99 ms |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const clients of [8, 32]) {
    const r = await load(five.root.host, five.root.port, N * 2, clients);
    const rps = r.ms.length / r.seconds;
    console.log(`| ${clients} | ${Math.round(rps)} | ${Math.round(rps * 5)} | ${f(pct(r.ms, 50))} | ${f(pct(r.ms, 99))} |`);
  }

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
  .finally(async () => { agent.destroy(); await stopAll(); });
