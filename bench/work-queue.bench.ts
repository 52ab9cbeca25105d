// Work-queue benchmark (issue 21): items/s with 1, 4 and 16 workers and no-op items — the library's in-process
// clients (client.js, client.py; one item and ten per round trip) and reference workers (worker.js per item and
// --stdio, worker.sh) — each as a ratio to a plain BLMOVE + LREM loop in the same language on the same redis in
// the same run; then the reaper with 10,000 and 100,000 dead items: the longest single redis block (SLOWLOG, µs)
// against the reaper before issue 21 at 10,000. Prints tables; asserts nothing. Every worker is its own process
// with its own connection; the rate is taken while the pending list drains from 90 % to 10 % (process start-up and
// the last stragglers excluded), polled every 5 ms. The redis runs with the queue Deployment's arguments (AOF).
//   node --expose-gc -r ts-node/register bench/work-queue.bench.ts [runs] [--reaper-only | --throughput-only]
import * as fs from 'fs';
import * as path from 'path';
import { Size } from 'cdk8s';
import { WorkQueueJobs, WorkQueueScripts } from '../src';
import { programPath } from '../src/runtime/_programs';
import { freeHost, redisCommand, redisPipeline } from '../test/harness/daemons';
import { run, runAsync, sleep, start, Started, stopAll, tempDir, toolPath } from '../test/harness/proc';

const RUNS = Math.max(3, Number(process.argv[2] ?? 3) || 3);
/** WQ_BENCH_ITEMS_DIVISOR=4: a quarter of each variant's items (a shorter run; the window is still 80 % of them). */
const ITEMS_DIVISOR = Math.max(1, Number(process.env.WQ_BENCH_ITEMS_DIVISOR ?? 1) || 1);
const WORKERS = [1, 4, 16];
const HERE = path.join(__dirname, 'work-queue');
const SCRIPTS = path.dirname(programPath('work-queue/queue.lua'));

interface Variant {
  readonly name: string;
  /** The baseline this one is a ratio to. */
  readonly baseline?: string;
  readonly items: number;
  readonly command: string[];
  readonly env?: Record<string, string>;
  /** No queue: each worker only spawns the command `items / workers` times (the ceiling of a process per item). */
  readonly spawnOnly?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'BLMOVE + LREM loop (Node)', items: 20000, command: ['node', path.join(HERE, 'baseline.js')] },
  { name: 'BLMOVE + LREM loop (Python)', items: 20000, command: ['python3', path.join(HERE, 'baseline.py')] },
  { name: 'client.js, 1 per round trip', baseline: 'BLMOVE + LREM loop (Node)', items: 20000, command: ['node', path.join(HERE, 'node-client.js')] },
  { name: 'client.js, batch lease of 10', baseline: 'BLMOVE + LREM loop (Node)', items: 20000, command: ['node', path.join(HERE, 'node-client.js')], env: { QUEUE_TAKE_BATCH: '10' } },
  { name: 'client.py, 1 per round trip', baseline: 'BLMOVE + LREM loop (Python)', items: 20000, command: ['python3', path.join(HERE, 'python-client.py')] },
  { name: 'client.py, batch lease of 10', baseline: 'BLMOVE + LREM loop (Python)', items: 20000, command: ['python3', path.join(HERE, 'python-client.py')], env: { QUEUE_TAKE_BATCH: '10' } },
  { name: 'worker.js --stdio (sed answers ok)', baseline: 'BLMOVE + LREM loop (Node)', items: 20000, command: ['node', path.join(SCRIPTS, 'worker.js'), '--stdio', 'sed', '-u', 's/.*/ok/'] },
  { name: 'worker.js --stdio, batch lease of 10', baseline: 'BLMOVE + LREM loop (Node)', items: 20000, command: ['node', path.join(SCRIPTS, 'worker.js'), '--stdio', 'sed', '-u', 's/.*/ok/'], env: { QUEUE_TAKE_BATCH: '10' } },
  { name: 'worker.js, `true` per item', baseline: 'BLMOVE + LREM loop (Node)', items: 1000, command: ['node', path.join(SCRIPTS, 'worker.js'), 'true'] },
  { name: 'worker.sh, `true` per item', baseline: 'BLMOVE + LREM loop (Node)', items: 600, command: ['/bin/sh', path.join(SCRIPTS, 'worker.sh'), 'true'] },
  {
    name: 'ceiling: spawn `true` only, no queue (worker.js\'s loop without redis)', baseline: 'BLMOVE + LREM loop (Node)', items: 1000, spawnOnly: true,
    command: ['node', path.join(HERE, 'spawn-only.js'), 'true'],
  },
];
/** The variant whose ratio to the spawn-only ceiling is printed too. */
const SPAWNING = 'worker.js, `true` per item';
const CEILING = VARIANTS.find((v) => v.spawnOnly)!.name;

let queueNo = 0;
/** Runs whose workers did not all exit within 120 s of the measured window (printed after the tables). */
const stuckRuns: string[] = [];
const tempDirKept = fs.mkdtempSync(path.join(require('os').tmpdir(), 'wq-bench-logs-'));

/** Spawns per second of `workers` spawn-only loops, each `items / workers` spawns (the sum of each loop's own rate). */
async function spawnRate(v: Variant, workers: number): Promise<number> {
  const each = Math.ceil(v.items / ITEMS_DIVISOR / workers);
  const runs = Array.from({ length: workers }, () => runAsync(v.command[0], v.command.slice(1), { env: { SPAWN_COUNT: String(each) }, timeoutMs: 600_000 }));
  let rate = 0;
  for (const r of await Promise.all(runs)) {
    const m = /^(\d+) ([\d.]+)$/.exec(r.stdout.trim());
    if (r.code !== 0 || !m) throw new Error(`${v.name}: ${r.stdout}${r.stderr}`);
    rate += Number(m[1]) / (Number(m[2]) / 1000);
  }
  return rate;
}

/** Seeds `n` items on a fresh queue (one LPUSH of 1,000 at a time), runs `workers` processes, times 90 % → 10 % pending. */
async function throughput(host: string, v: Variant, workers: number): Promise<number> {
  if (v.spawnOnly) return spawnRate(v, workers);
  const name = `bench${++queueNo}`;
  const n = Math.ceil(v.items / ITEMS_DIVISOR);
  for (let i = 0; i < n; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, n - i) }, (_, k) => `photos/${String(i + k).padStart(6, '0')}.jpg`);
    await redisPipeline(host, 6379, [['LPUSH', `${name}:pending`, ...chunk]]);
  }
  const env = {
    QUEUE_HOST: host, QUEUE_PORT: '6379', QUEUE_NAME: name, QUEUE_LEASE_SECONDS: '300', QUEUE_EXIT_WHEN: 'drained',
    CLIENT_JS: path.join(SCRIPTS, 'client.js'), CLIENT_DIR: SCRIPTS, PYTHONDONTWRITEBYTECODE: '1', ...v.env,
  };
  const procs: Started[] = [];
  for (let w = 0; w < workers; w++) {
    procs.push(await start({ name: `${name}-w${w}`, command: v.command[0], args: v.command.slice(1), env: { ...env, WORKER_ID: `w${w}` }, maxLifeMs: 600_000 }));
  }
  let t90 = 0;
  let t10 = 0;
  for (;;) {
    const left = Number((await redisCommand(host, 6379, 'LLEN', `${name}:pending`)).slice(1));
    const now = performance.now();
    if (t90 === 0 && left <= n * 0.9) t90 = now;
    if (left <= n * 0.1) { t10 = now; break; }
    if (procs.every((p) => p.exited !== undefined)) throw new Error(`${v.name}: workers exited with ${left} pending:\n${procs[0].logs().slice(-2000)}`);
    await sleep(5);
  }
  const deadline = Date.now() + 120_000;
  while (procs.some((p) => p.exited === undefined)) {
    if (Date.now() > deadline) {
      // not a rate question (the rate is taken above), but a worker that does not exit is a bug: keep its log
      const stuck = procs.filter((p) => p.exited === undefined);
      const counts = await redisCommand(host, 6379, 'EVAL', "return {redis.call('LLEN', KEYS[1]), redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])}", '3',
        `${name}:pending`, `${name}:leased`, `${name}:delayed`);
      const file = path.join(tempDirKept, `${name}-stuck.log`);
      fs.writeFileSync(file, `${v.name}, ${workers} workers: ${stuck.length} still running 120 s after 10 % pending; pending/leased/delayed ${JSON.stringify(counts)}\n`
        + stuck.map((p) => `--- ${p.name}\n${p.logs().slice(-3000)}`).join('\n'));
      stuckRuns.push(`${v.name} × ${workers}: ${stuck.length} worker(s) did not exit (${file})`);
      break;
    }
    await sleep(20);
  }
  for (const p of procs) await p.stop();
  await redisCommand(host, 6379, 'EVAL', "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", '0', `${name}:*`);
  return (n * 0.8) / ((t10 - t90) / 1000);
}

function stats(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
}
const fmt = (x: { min: number; median: number; max: number }, digits: number, unit = '') =>
  `${x.min.toFixed(digits)}${unit} / ${x.median.toFixed(digits)}${unit} / ${x.max.toFixed(digits)}${unit}`;

/** Every EVAL in the slow log, µs (the log holds every command: threshold 0): the longest, the p50 and p99, the count. */
function longestEval(host: string): { us: number; p50: number; p99: number; evals: number } {
  const r = run(toolPath('redis-cli'), ['-h', host, '-p', '6379', '--json', 'SLOWLOG', 'GET', '1000000'], { timeoutMs: 60_000 });
  const entries = JSON.parse(r.stdout) as any[];
  const evals = entries.filter((e) => String(e[3][0]).toUpperCase() === 'EVAL' || String(e[3][0]).toUpperCase() === 'EVALSHA');
  const us = evals.map((e) => Number(e[2])).sort((a, b) => a - b);
  const at = (q: number) => us[Math.min(us.length - 1, Math.floor(q * us.length))] ?? 0;
  return { us: us[us.length - 1] ?? 0, p50: at(0.5), p99: at(0.99), evals: us.length };
}

/**
 * The machine's own noise in the same measure: a script of fixed CPU work (a Lua loop, about as long as one reaper
 * run on an idle machine), run `runs` times by one redis-cli process each — as reap.sh runs its scripts — so its
 * longest block shows how much a loaded 2-core machine stretches a block of that size.
 */
const FIXED_WORK = 'local x = 0 for i = 1, 150000 do x = x + i end return x';

/** `n` leases that ran out an hour ago, held by workers that are gone (the state after a mass failure). */
async function deadLeases(host: string, name: string, n: number): Promise<void> {
  const fill = "local t = redis.call('TIME'); local past = tonumber(t[1]) * 1000 - 3600000\n"
    + 'for i = ARGV[1], ARGV[2] do local item = \'photos/\' .. i .. \'.jpg\'\n'
    + "redis.call('ZADD', KEYS[1], past, item .. '\\ngone'); redis.call('HSET', KEYS[2], item, 1) end";
  for (let i = 0; i < n; i += 5000) {
    await redisCommand(host, 6379, 'EVAL', fill, '2', `${name}:leased`, `${name}:attempts`, String(i), String(Math.min(n, i + 5000) - 1));
  }
}

/** The same after a mass failure under the reaper before issue 21: `n` items in processing, no lease keys. */
async function deadProcessing(host: string, name: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, n - i) }, (_, k) => `photos/${i + k}.jpg`);
    await redisPipeline(host, 6379, [['LPUSH', `${name}:processing`, ...chunk]]);
  }
}

async function reaper(host: string): Promise<string[]> {
  const rows: string[] = [];
  const slowlog = async (fn: () => Promise<void>) => {
    await redisPipeline(host, 6379, [['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['CONFIG', 'SET', 'slowlog-max-len', '1000000'], ['SLOWLOG', 'RESET']]);
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    const longest = longestEval(host);
    await redisPipeline(host, 6379, [['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'], ['SLOWLOG', 'RESET']]);
    return { ms, ...longest };
  };
  for (const n of [10000, 100000]) {
    const blocks: number[] = [];
    const p50s: number[] = [];
    const p99s: number[] = [];
    const totals: number[] = [];
    const floor: number[] = [];
    const floor50: number[] = [];
    let runs = 0;
    for (let r = 0; r < RUNS; r++) {
      const name = `reap${n}-${r}`;
      await deadLeases(host, name, n);
      const env = { QUEUE_HOST: host, QUEUE_PORT: '6379', QUEUE_NAME: name, QUEUE_MAX_ATTEMPTS: '3', QUEUE_CLI: toolPath('redis-cli') };
      const m = await slowlog(async () => {
        const out = await runAsync('/bin/sh', [path.join(SCRIPTS, 'reap.sh')], { env, timeoutMs: 600_000 });
        if (out.code !== 0 || !out.stdout.startsWith(`reap: expired ${n} `)) throw new Error(`reap.sh: ${out.stdout}${out.stderr}`);
      });
      blocks.push(m.us / 1000);
      p50s.push(m.p50 / 1000);
      p99s.push(m.p99 / 1000);
      totals.push(m.ms);
      runs = m.evals;
      const loop = `i=0; while [ $i -lt ${runs} ]; do "$CLI" -h ${host} -p 6379 EVAL '${FIXED_WORK}' 0 > /dev/null; i=$((i + 1)); done`;
      const f = await slowlog(async () => {
        const out = await runAsync('/bin/sh', ['-c', loop], { env: { CLI: toolPath('redis-cli') }, timeoutMs: 600_000 });
        if (out.code !== 0) throw new Error(`fixed-work loop: ${out.stderr}`);
      });
      floor.push(f.us / 1000);
      floor50.push(f.p50 / 1000);
      await redisCommand(host, 6379, 'EVAL', "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", '0', `${name}:*`);
    }
    rows.push(`| reap.sh (queue.lua, at most ${WorkQueueScripts.REAPER_BATCH} per run) | ${n.toLocaleString('en')} | ${runs} | ${fmt(stats(p50s), 2)} | ${fmt(stats(p99s), 2)} | ${fmt(stats(blocks), 2)} | ${fmt(stats(totals), 0)} |`);
    rows.push(`| same run: a fixed-work script (no keys), as often | — | ${runs} | ${fmt(stats(floor50), 2)} | — | ${fmt(stats(floor), 2)} | — |`);
  }
  const old = fs.readFileSync(path.join(HERE, 'reap-quadratic.lua'), 'utf8');
  const blocks: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const name = `old${r}`;
    await deadProcessing(host, name, 10000);
    const m = await slowlog(async () => {
      await redisCommand(host, 6379, 'EVAL', old, '4', `${name}:pending`, `${name}:processing`, `${name}:unleased`, `${name}:stats`, `${name}:lease:`, '0');
    });
    blocks.push(m.us / 1000);
    await redisCommand(host, 6379, 'EVAL', "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", '0', `${name}:*`);
  }
  rows.push(`| the reaper before issue 21 (one LREM per item, one run) | 10,000 | 1 | — | — | ${fmt(stats(blocks), 1)} | ${fmt(stats(blocks), 0)} |`);
  return rows;
}

async function main() {
  const host = await freeHost(6379);
  const args = WorkQueueJobs.redisArgs(Size.mebibytes(2048));
  args.splice(args.indexOf('--dir'), 2, '--dir', tempDir('wq-bench'));
  await start({ name: 'bench-queue', command: toolPath('redis-server'), args: [...args, '--bind', host], readyPort: { host, port: 6379 } });
  console.log(`work queue: items/s with no-op items, ${RUNS} runs each (min / median / max); ratio = items/s ÷ the same-language BLMOVE + LREM`);
  console.log(`loop's items/s at the same worker count in the same run; node ${process.version}, ${require('os').cpus().length} cores, ${require('os').cpus()[0]?.model ?? ''}\n`);
  if (!process.argv.includes('--throughput-only')) {
    console.log('reaper: the longest single redis block (SLOWLOG, every EVAL) and the whole reap, after a mass failure');
    console.log(`(every lease expired; min / median / max over ${RUNS} runs)\n`);
    console.log('| reaper | dead items | script runs | block p50 (ms) | block p99 (ms) | longest block (ms) | whole reap (ms) |');
    console.log('|---|---:|---:|---|---|---|---|');
    for (const row of await reaper(host)) console.log(row);
    console.log('');
  }
  if (process.argv.includes('--reaper-only')) return;
  const rates = new Map<string, number[]>();
  for (const workers of WORKERS) {
    for (let r = 0; r < RUNS; r++) {
      // every variant once per round, so a busy moment of the machine spreads over all of them
      for (const v of VARIANTS) {
        const key = `${v.name}|${workers}`;
        rates.set(key, [...(rates.get(key) ?? []), await throughput(host, v, workers)]);
      }
    }
  }
  console.log(`| worker | ${WORKERS.map((w) => `${w} worker${w > 1 ? 's' : ''}: items/s (median) | ratio`).join(' | ')} |`);
  console.log(`|---|${WORKERS.map(() => '---:|---|').join('')}`);
  for (const v of VARIANTS) {
    const cells = WORKERS.map((w) => {
      const mine = rates.get(`${v.name}|${w}`)!;
      if (!v.baseline) return `${stats(mine).median.toFixed(0)} | 1 (baseline)`;
      const base = rates.get(`${v.baseline}|${w}`)!;
      // the ratio per round (same moment of the machine), then min / median / max over the rounds
      const ratios = mine.map((x, i) => x / base[i]);
      return `${stats(mine).median.toFixed(0)} | ${fmt(stats(ratios), 2, '×')}`;
    });
    console.log(`| ${v.name} | ${cells.join(' | ')} |`);
  }
  // worker.js per item against the ceiling of any worker that spawns a process per item, per round
  const ceiling = WORKERS.map((w) => {
    const mine = rates.get(`${SPAWNING}|${w}`)!;
    const top = rates.get(`${CEILING}|${w}`)!;
    const base = rates.get(`BLMOVE + LREM loop (Node)|${w}`)!;
    return `${w}: ${fmt(stats(mine.map((x, i) => x / top[i])), 2, '×')} of the ceiling, which is ${fmt(stats(top.map((x, i) => x / base[i])), 2, '×')} the loop`;
  });
  console.log(`\n${SPAWNING} ÷ spawn-only ceiling (workers: min / median / max over rounds): ${ceiling.join('; ')}`);
  if (stuckRuns.length) console.log(`\nworkers that did not exit:\n${stuckRuns.join('\n')}`);
}

main().then(() => stopAll()).catch(async (e) => {
  console.error(e);
  await stopAll();
  process.exit(1);
});
