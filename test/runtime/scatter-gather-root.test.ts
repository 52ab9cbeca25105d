// Tier 1 for the scatter/gather root runtime: the exact program text the ConfigMap holds, loaded as a module —
// config checks, every merge strategy, the missing-shard policy, the per-shard timeout, hedging (delay, failover,
// budget, percentile), DNS handling, and the HTTP handler on loopback.
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { rootProgram } from '../../src/runtime/scatter-gather-root';

const ROOT_PROGRAM = rootProgram();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-root-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The runtime, required from a file holding exactly ROOT_PROGRAM. */
function loadRuntime(): any {
  const file = path.join(tmp, `root-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, ROOT_PROGRAM);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file);
}
const rt = loadRuntime();

const quiet = () => undefined;

function baseConfig(over: Record<string, any> = {}): any {
  return {
    port: 8080,
    path: '/',
    shards: [{ index: 0, host: 'sg-shard-0', port: 9000 }, { index: 1, host: 'sg-shard-1', port: 9000 }],
    merge: { strategy: 'concatArrays' },
    timeoutMs: 100,
    missingShards: 'fail',
    hedge: { mode: 'none' },
    maxRequestBodyBytes: 1024,
    maxLeafResponseBytes: 65536,
    maxConcurrentRequests: 16,
    dnsRefreshMs: 5000,
    drainMs: 0,
    ...over,
  };
}

describe('the program text', () => {
  test('is plain JavaScript that node compiles as a script (no TypeScript, no template substitutions)', () => {
    expect(() => new vm.Script(ROOT_PROGRAM, { filename: 'root.js' })).not.toThrow();
    expect(ROOT_PROGRAM.startsWith("'use strict';\n")).toBe(true);
    expect(ROOT_PROGRAM.endsWith('if (require.main === module) main(process.argv, process.env);\n')).toBe(true);
  });

  test('is the file src/runtime/programs/scatter-gather-root.js, byte for byte', () => {
    expect(ROOT_PROGRAM).toBe(fs.readFileSync(path.join(__dirname, '../../src/runtime/programs/scatter-gather-root.js'), 'utf8'));
  });

  test('requires only Node built-in modules', () => {
    const required = [...ROOT_PROGRAM.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]).sort();
    expect(required).toEqual(['dns', 'fs', 'http', 'net']);
  });
});

describe('loadConfig', () => {
  test('accepts a full config and returns it normalized', () => {
    const c = rt.loadConfig(baseConfig({
      merge: { strategy: 'topK', field: 'meta.score', k: 5, order: 'ascending' },
      hedge: { mode: 'percentile', percentile: 95, minDelayMs: 5, maxPercent: 10 },
    }));
    expect(c.merge).toEqual({ strategy: 'topK', field: 'meta.score', k: 5, order: 'ascending' });
    expect(c.hedge).toEqual({ mode: 'percentile', percentile: 95, minDelayMs: 5, maxPercent: 10 });
    expect(c.shards).toEqual([{ index: 0, host: 'sg-shard-0', port: 9000 }, { index: 1, host: 'sg-shard-1', port: 9000 }]);
  });

  test.each([
    [{ port: 0 }, 'config: port must be an integer from 1 to 65535, got 0'],
    [{ shards: [] }, 'config: shards must be a non-empty array, got []'],
    [{ shards: [{ index: 1, host: 'a', port: 1 }] }, 'config: shards[0].index must be its position 0, got 1'],
    [{ shards: [{ index: 0, host: 'http://a', port: 1 }] }, 'config: shards[0].host must be a host name or IPv4 address, got "http://a"'],
    [{ merge: { strategy: 'avg' } }, 'config: merge.strategy must be one of "concatArrays", "mergeObjects", "sum", "topK", "unionStrings", got "avg"'],
    [{ merge: { strategy: 'topK', field: '', k: 1, order: 'descending' } }, 'config: merge.field must be a non-empty field name (dots separate nested fields), got ""'],
    [{ merge: { strategy: 'topK', field: 'score', k: 0, order: 'descending' } }, 'config: merge.k must be an integer from 1 to 100000, got 0'],
    [{ timeoutMs: 0 }, 'config: timeoutMs must be an integer from 1 to 3600000, got 0'],
    [{ hedge: { mode: 'after', delayMs: 100, maxPercent: 10 } }, 'config: hedge.delayMs must be an integer from 1 to 99, got 100'],
    [{ missingShards: 'ignore' }, 'config: missingShards must be one of "fail", "partial", got "ignore"'],
    [{ path: '/metrics' }, 'config: path must be an absolute URL path without query, not under /healthz, /readyz or /metrics, got "/metrics"'],
    [{ extra: 1 }, 'config: unknown key "extra"'],
  ])('fails when %j', (over, message) => {
    expect(() => rt.loadConfig(baseConfig(over))).toThrow(message);
  });
});

describe('mergeAnswers', () => {
  const a = (shard: number, value: any) => ({ shard, value });

  test('concatArrays concatenates in shard order', () => {
    expect(rt.mergeAnswers({ strategy: 'concatArrays' }, [a(0, [1, 2]), a(1, []), a(2, [3])])).toEqual({ value: [1, 2, 3], rejected: [] });
  });

  test('mergeObjects merges deeply; the higher shard wins a conflict; __proto__ stays data', () => {
    const out = rt.mergeAnswers({ strategy: 'mergeObjects' }, [
      a(0, { a: 1, n: { x: 1, y: 1 } }),
      a(1, JSON.parse('{"a": 2, "n": {"y": 2, "z": 2}, "__proto__": {"polluted": true}}')),
    ]);
    expect(JSON.stringify(out.value)).toBe('{"a":2,"n":{"x":1,"y":2,"z":2},"__proto__":{"polluted":true}}');
    expect(Object.getPrototypeOf(out.value)).toBe(Object.prototype);
    expect(({} as any).polluted).toBeUndefined();
  });

  test('sum adds numbers, or objects of numbers key by key', () => {
    expect(rt.mergeAnswers({ strategy: 'sum' }, [a(0, 1.5), a(1, 2), a(2, 0)]).value).toBe(3.5);
    expect(rt.mergeAnswers({ strategy: 'sum' }, [a(0, { x: 1, y: 2 }), a(1, { y: 3, z: 4 })]).value).toEqual({ x: 1, y: 5, z: 4 });
    expect(rt.mergeAnswers({ strategy: 'sum' }, []).value).toBe(0);
  });

  test('topK keeps the k best by field, in order, ties in shard order', () => {
    const merge = { strategy: 'topK', field: 'm.score', k: 3, order: 'descending' };
    const out = rt.mergeAnswers(merge, [
      a(0, [{ id: 'a', m: { score: 5 } }, { id: 'b', m: { score: 1 } }]),
      a(1, [{ id: 'c', m: { score: 9 } }, { id: 'd', m: { score: 5 } }]),
    ]);
    expect(out.value.map((x: any) => x.id)).toEqual(['c', 'a', 'd']);
    const asc = rt.mergeAnswers({ ...merge, order: 'ascending', k: 2 }, [a(0, [{ id: 'a', m: { score: 5 } }]), a(1, [{ id: 'b', m: { score: 2 } }])]);
    expect(asc.value.map((x: any) => x.id)).toEqual(['b', 'a']);
    const strings = rt.mergeAnswers({ strategy: 'topK', field: 'd', k: 2, order: 'descending' }, [a(0, [{ d: '2024-01-02' }]), a(1, [{ d: '2025-01-01' }, { d: '2023-05-05' }])]);
    expect(strings.value).toEqual([{ d: '2025-01-01' }, { d: '2024-01-02' }]);
  });

  test('unionStrings deduplicates and sorts', () => {
    expect(rt.mergeAnswers({ strategy: 'unionStrings' }, [a(0, ['b', 'a']), a(1, ['c', 'a'])]).value).toEqual(['a', 'b', 'c']);
  });

  test('an answer of the wrong shape is rejected with the reason, never dropped silently', () => {
    expect(rt.mergeAnswers({ strategy: 'concatArrays' }, [a(0, [1]), a(1, { x: 1 })])).toEqual({
      value: [1],
      rejected: [{ shard: 1, reason: 'bad answer: an object, concatArrays needs an array', timeout: false }],
    });
    expect(rt.mergeAnswers({ strategy: 'sum' }, [a(0, 1), a(1, { x: 1 })]).rejected[0].reason)
      .toBe('bad answer: an object, other shards answered a number');
    expect(rt.mergeAnswers({ strategy: 'topK', field: 'score', k: 1, order: 'descending' }, [a(0, [{ score: 1 }, { other: 2 }])]).rejected[0].reason)
      .toBe('bad answer: item 1 has no number or string at "score"');
    expect(rt.mergeAnswers({ strategy: 'unionStrings' }, [a(3, ['a', 1])]).rejected[0])
      .toEqual({ shard: 3, reason: 'bad answer: an array with a non-string, unionStrings needs an array of strings', timeout: false });
    expect(rt.mergeAnswers({ strategy: 'mergeObjects' }, [a(0, null)]).rejected[0].reason).toBe('bad answer: null, mergeObjects needs an object');
  });
});

describe('buildResponse (missing-shard policy)', () => {
  const result = {
    answers: [{ shard: 0, value: [1] }, { shard: 2, value: [3] }],
    failures: [{ shard: 1, reason: 'no answer within 100ms', timeout: true }],
  };
  const three = (over: any) => ({ ...baseConfig(over), shards: [0, 1, 2].map((i) => ({ index: i, host: `s${i}`, port: 9000 })) });

  test('fail: 504 when every missing shard timed out, listing them', () => {
    const out = rt.buildResponse(three({ missingShards: 'fail' }), result);
    expect(out.status).toBe(504);
    expect(out.headers).toEqual({ 'content-type': 'application/json; charset=utf-8', 'x-scatter-gather-shards': '2/3', 'x-scatter-gather-missing': '1' });
    expect(JSON.parse(out.body)).toEqual({ error: 'missing shards', missing: [{ shard: 1, reason: 'no answer within 100ms' }] });
  });

  test('fail: 502 when a shard failed otherwise (a rejected answer counts as missing)', () => {
    const out = rt.buildResponse(three({ missingShards: 'fail' }), { ...result, answers: [{ shard: 0, value: [1] }, { shard: 2, value: 'x' }] });
    expect(out.status).toBe(502);
    expect(out.headers['x-scatter-gather-missing']).toBe('1,2');
    expect(JSON.parse(out.body).missing[1]).toEqual({ shard: 2, reason: 'bad answer: a string, concatArrays needs an array' });
  });

  test('partial: 200 with the merge of the rest and the missing shards in a header', () => {
    const out = rt.buildResponse(three({ missingShards: 'partial' }), result);
    expect(out.status).toBe(200);
    expect(out.body).toBe('[1,3]');
    expect(out.headers['x-scatter-gather-missing']).toBe('1');
    expect(out.headers['x-scatter-gather-shards']).toBe('2/3');
  });

  test('partial: still an error when no shard answered', () => {
    const out = rt.buildResponse(baseConfig({ missingShards: 'partial' }), {
      answers: [],
      failures: [{ shard: 0, reason: 'x ECONNREFUSED', timeout: false }, { shard: 1, reason: 'no answer within 100ms', timeout: true }],
    });
    expect(out.status).toBe(502);
    expect(JSON.parse(out.body).error).toBe('no shard answered');
  });

  test('no header when every shard answered', () => {
    const out = rt.buildResponse(baseConfig(), { answers: [{ shard: 0, value: [1] }, { shard: 1, value: [2] }], failures: [] });
    expect(out.headers).toEqual({ 'content-type': 'application/json; charset=utf-8', 'x-scatter-gather-shards': '2/2' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The fan-out engine with a scripted transport and fake timers: exact times.

/** One scripted leaf attempt: answer `value` (or fail with `error`) after `ms`. */
interface Step { ms: number; value?: any; error?: string }

/** A transport whose attempt n of shard s follows script[s][n]; it records calls and cancellations. */
function scripted(script: Step[][]) {
  const calls: Array<{ shard: number; attempt: number; at: number }> = [];
  const cancelled: Array<{ shard: number; attempt: number }> = [];
  const counts = script.map(() => 0);
  const transport = (shard: any, _req: any, attempt: number, _slot: any, cb: (err: any, v?: any) => void) => {
    const n = counts[shard.index]++;
    const step = script[shard.index][Math.min(n, script[shard.index].length - 1)];
    calls.push({ shard: shard.index, attempt, at: Date.now() });
    const t = setTimeout(() => (step.error ? cb(new Error(step.error)) : cb(null, step.value)), step.ms);
    return () => { clearTimeout(t); cancelled.push({ shard: shard.index, attempt }); };
  };
  return { transport, calls, cancelled };
}

const GET = () => ({ method: 'GET', url: '/q', headers: {}, body: Buffer.alloc(0) });

describe('fan-out: timeout and hedging (fake timers)', () => {
  beforeEach(() => { jest.useFakeTimers({ now: 0 }); });
  afterEach(() => { jest.useRealTimers(); });

  async function run(config: any, script: Step[][]) {
    const s = scripted(script);
    const root = rt.createRoot(rt.loadConfig(config), { transport: s.transport, now: () => Date.now(), log: quiet });
    let doneAt = -1;
    const p = root.scatter(GET()).then((r: any) => { doneAt = Date.now(); return r; });
    await jest.advanceTimersByTimeAsync(2000);
    return { result: await p, doneAt, root, ...s };
  }

  test('a shard that does not answer within the timeout is missing at exactly the timeout', async () => {
    const { result, doneAt, cancelled } = await run(baseConfig({ timeoutMs: 100 }), [[{ ms: 10, value: [0] }], [{ ms: 500, value: [1] }]]);
    expect(doneAt).toBe(100);
    expect(result.answers).toEqual([{ shard: 0, value: [0] }]);
    expect(result.failures).toEqual([{ shard: 1, reason: 'no answer within 100ms', timeout: true }]);
    expect(cancelled).toEqual([{ shard: 1, attempt: 0 }]);
  });

  test('without hedging an error fails the shard at once, with the reason', async () => {
    const { result, doneAt } = await run(baseConfig(), [[{ ms: 10, value: [0] }], [{ ms: 3, error: '10.0.0.9:9000 ECONNREFUSED' }]]);
    expect(doneAt).toBe(10);
    expect(result.failures).toEqual([{ shard: 1, reason: '10.0.0.9:9000 ECONNREFUSED', timeout: false }]);
  });

  test('a hedge goes out after the delay, its answer wins, and the straggling primary is cancelled', async () => {
    const config = baseConfig({ timeoutMs: 1000, hedge: { mode: 'after', delayMs: 50, maxPercent: 10 } });
    const { result, doneAt, calls, cancelled, root } = await run(config, [[{ ms: 5, value: ['a'] }], [{ ms: 900, value: ['slow'] }, { ms: 7, value: ['fast'] }]]);
    expect(calls).toEqual([{ shard: 0, attempt: 0, at: 0 }, { shard: 1, attempt: 0, at: 0 }, { shard: 1, attempt: 1, at: 50 }]);
    expect(doneAt).toBe(57);
    expect(result.answers).toEqual([{ shard: 0, value: ['a'] }, { shard: 1, value: ['fast'] }]);
    expect(cancelled).toEqual([{ shard: 1, attempt: 0 }]);
    expect(root.metrics.shards[1]).toMatchObject({ primary: 1, hedge: 1, failover: 0, hedgeWins: 1 });
    expect(root.metrics.shards[0]).toMatchObject({ primary: 1, hedge: 0, hedgeWins: 0 });
  });

  test('no hedge when the primary answers before the delay', async () => {
    const config = baseConfig({ timeoutMs: 1000, hedge: { mode: 'after', delayMs: 50, maxPercent: 10 } });
    const { calls, doneAt } = await run(config, [[{ ms: 49, value: [] }], [{ ms: 20, value: [] }]]);
    expect(calls.map((c) => c.attempt)).toEqual([0, 0]);
    expect(doneAt).toBe(49);
  });

  test('with hedging, an error of the primary sends the failover at once', async () => {
    const config = baseConfig({ timeoutMs: 1000, hedge: { mode: 'after', delayMs: 50, maxPercent: 10 } });
    const { result, calls, doneAt, root } = await run(config, [[{ ms: 1, value: [] }], [{ ms: 2, error: 'status 500' }, { ms: 4, value: ['ok'] }]]);
    expect(calls).toEqual([{ shard: 0, attempt: 0, at: 0 }, { shard: 1, attempt: 0, at: 0 }, { shard: 1, attempt: 1, at: 2 }]);
    expect(doneAt).toBe(6);
    expect(result.answers[1]).toEqual({ shard: 1, value: ['ok'] });
    expect(root.metrics.shards[1]).toMatchObject({ hedge: 0, failover: 1, hedgeWins: 1 });
  });

  test('the hedge shares the shard deadline: both slow means a timeout', async () => {
    const config = baseConfig({ timeoutMs: 100, hedge: { mode: 'after', delayMs: 30, maxPercent: 10 } });
    const { result, doneAt, cancelled } = await run(config, [[{ ms: 1, value: [] }], [{ ms: 500, value: [] }]]);
    expect(doneAt).toBe(100);
    expect(result.failures).toEqual([{ shard: 1, reason: 'no answer within 100ms', timeout: true }]);
    expect(cancelled).toEqual([{ shard: 1, attempt: 0 }, { shard: 1, attempt: 1 }]);
  });

  test('the hedge budget: a burst of 10, then maxPercent of primary requests', async () => {
    // GIVEN one shard whose primary always straggles, and a 10 % budget
    const config = baseConfig({
      shards: [{ index: 0, host: 'a', port: 1 }],
      timeoutMs: 1000,
      hedge: { mode: 'after', delayMs: 10, maxPercent: 10 },
    });
    const s = scripted([[{ ms: 500, value: [] }]]);
    const root = rt.createRoot(rt.loadConfig(config), { transport: s.transport, now: () => Date.now(), log: quiet });
    // WHEN 40 requests run one after the other
    for (let i = 0; i < 40; i++) {
      const p = root.scatter(GET());
      await jest.advanceTimersByTimeAsync(600);
      await p;
    }
    // THEN the burst (10) is spent, then one hedge per 10 primaries: 10 + floor(40 * 0.1) - rounding = 13
    const m = root.metrics;
    expect(m.shards[0].primary).toBe(40);
    expect(m.shards[0].hedge).toBe(13);
    expect(m.hedgesThrottled).toBe(27);
  });

  test('percentile hedging: the delay follows the shard\'s own latency percentile, never below minDelayMs', async () => {
    const config = baseConfig({
      shards: [{ index: 0, host: 'a', port: 1 }],
      timeoutMs: 1000,
      hedge: { mode: 'percentile', percentile: 90, minDelayMs: 5, maxPercent: 100 },
    });
    // Answers take 1, 2, …, 100 ms (hedges answer like primaries, but come too late to win below the delay).
    let n = 0;
    const transport = (_s: any, _r: any, attempt: number, _slot: any, cb: any) => {
      const ms = attempt === 0 ? (n++ % 100) + 1 : 10_000;
      const t = setTimeout(() => cb(null, []), ms);
      return () => clearTimeout(t);
    };
    const root = rt.createRoot(rt.loadConfig(config), { transport, now: () => Date.now(), log: quiet });
    expect(root.hedgeDelay(root.shards[0])).toBe(5); // no samples yet: minDelayMs
    const delays: number[] = [];
    for (let i = 0; i < 100; i++) {
      const p = root.scatter(GET());
      await jest.advanceTimersByTimeAsync(1100);
      await p;
      delays.push(root.hedgeDelay(root.shards[0]));
    }
    // after 20 samples (1..20 ms) the p90 is 18; after 36 it is 33
    expect(delays.slice(18, 21)).toEqual([5, 18, 18]);
    expect(delays[35]).toBe(33);
    // THEN the winners were the primaries (1..100 ms: the hedges answer too late), recomputed every 16 samples
    // from the 20th on — the last time at 100 samples: the p90 of 1..100 is 90
    expect(root.hedgeDelay(root.shards[0])).toBe(90);
    expect(root.metrics.shards[0].hedgeWins).toBe(0);
  });

  test('the client going away cancels every leaf request', async () => {
    const s = scripted([[{ ms: 500, value: [] }], [{ ms: 500, value: [] }]]);
    const root = rt.createRoot(rt.loadConfig(baseConfig({ timeoutMs: 1000 })), { transport: s.transport, now: () => Date.now(), log: quiet });
    let cancel: (why: string) => void = () => undefined;
    const p = root.scatter({ ...GET(), onCancel: (fn: any) => { cancel = fn; } });
    await jest.advanceTimersByTimeAsync(20);
    cancel('the client went away');
    const r = await p;
    expect(r.failures.map((f: any) => f.reason)).toEqual(['the client went away', 'the client went away']);
    expect(s.cancelled).toHaveLength(2);
  });
});

describe('createResolver', () => {
  test('caches, refreshes after dnsRefreshMs, keeps stale addresses when a lookup fails, and retries failures after 1s', () => {
    let t = 0;
    const answers: any[] = [[null, [{ address: '10.0.0.1' }, { address: '10.0.0.2' }, { address: '10.0.0.1' }]], [{ code: 'ENOTFOUND' }, undefined], [null, [{ address: '10.0.0.3' }]]];
    let lookups = 0;
    const lookup = (_h: string, _o: any, cb: any) => { const [e, l] = answers[Math.min(lookups++, answers.length - 1)]; cb(e, l); };
    const r = rt.createResolver(5000, () => t, lookup);
    const got: any[] = [];
    r.addresses('s', (e: any, l: any) => got.push(e ? e.message : l));
    expect(got.pop()).toEqual(['10.0.0.1', '10.0.0.2']);
    t = 4999;
    r.addresses('s', (e: any, l: any) => got.push(e ? e.message : l));
    expect(lookups).toBe(1);
    t = 5000; // stale: answer from cache, refresh (fails: the stale list stays)
    r.addresses('s', (e: any, l: any) => got.push(e ? e.message : l));
    expect(lookups).toBe(2);
    expect(got.pop()).toEqual(['10.0.0.1', '10.0.0.2']);
    t = 5500;
    r.addresses('s', () => undefined);
    expect(lookups).toBe(2); // retry waits 1s
    t = 6000;
    r.addresses('s', () => undefined);
    expect(lookups).toBe(3);
    r.addresses('s', (e: any, l: any) => got.push(e ? e.message : l));
    expect(got.pop()).toEqual(['10.0.0.3']);
    // an IP literal needs no lookup
    r.addresses('127.0.0.9', (_e: any, l: any) => got.push(l));
    expect(got.pop()).toEqual(['127.0.0.9']);
  });

  test('a name that does not resolve fails with the lookup error, and is not looked up again for 1s', () => {
    let t = 0;
    let lookups = 0;
    const r = rt.createResolver(5000, () => t, (_h: string, _o: any, cb: any) => { lookups++; cb({ code: 'ENOTFOUND' }); });
    const errors: string[] = [];
    r.addresses('gone', (e: any) => errors.push(e.message));
    r.addresses('gone', (e: any) => errors.push(e.message));
    t = 1000;
    r.addresses('gone', (e: any) => errors.push(e.message));
    expect(errors).toEqual(Array(3).fill('dns lookup of gone failed: ENOTFOUND'));
    expect(lookups).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The HTTP path on loopback (in-process leaves on 127.0.0.1, ephemeral ports).

describe('the HTTP handler', () => {
  const servers: http.Server[] = [];
  afterAll(async () => {
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  async function serve(handler: http.RequestListener, host = '127.0.0.1'): Promise<number> {
    const s = http.createServer(handler);
    servers.push(s);
    return new Promise((r) => s.listen(0, host, () => r((s.address() as net.AddressInfo).port)));
  }

  function request(port: number, p: string, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  async function startRoot(over: Record<string, any>, lookup?: any) {
    const root = rt.createRoot({ ...rt.loadConfig(baseConfig(over)), port: 0 }, { log: quiet, lookup });
    const server: http.Server = await new Promise((r, j) => root.listen('127.0.0.1', (err: Error | null, srv: http.Server) => (err ? j(err) : r(srv))));
    servers.push(server);
    return { root, port: (server.address() as net.AddressInfo).port };
  }

  test('fans out method, path, query, body and end-to-end headers; merges; answers /healthz, /readyz, /metrics', async () => {
    // GIVEN two leaves that echo what they got
    const seen: any[] = [];
    const leaf = (i: number): http.RequestListener => (req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        seen[i] = { method: req.method, url: req.url, body, host: req.headers.host, auth: req.headers.authorization, upgrade: req.headers.upgrade, xhop: req.headers['x-hop'] };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify([{ shard: i, score: i }]));
      });
    };
    const p0 = await serve(leaf(0));
    const p1 = await serve(leaf(1));
    const { root, port } = await startRoot({
      path: '/search',
      merge: { strategy: 'topK', field: 'score', k: 1, order: 'descending' },
      shards: [{ index: 0, host: '127.0.0.1', port: p0 }, { index: 1, host: 'leaf-1', port: p1 }],
      timeoutMs: 2000,
    }, (_h: string, _o: any, cb: any) => cb(null, [{ address: '127.0.0.1', family: 4 }]));
    // WHEN a POST with a body and headers goes through the root
    const r = await request(port, '/search/x?q=a+b', {
      method: 'POST',
      body: '{"q":"a b"}',
      headers: { 'authorization': 'Bearer t', 'connection': 'x-hop', 'x-hop': 'dropped', 'content-type': 'application/json' },
    });
    // THEN every leaf got the same request (hop-by-hop headers removed, Host naming the shard)
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual([{ shard: 1, score: 1 }]);
    expect(r.headers['x-scatter-gather-shards']).toBe('2/2');
    expect(seen[0]).toEqual({ method: 'POST', url: '/search/x?q=a+b', body: '{"q":"a b"}', host: `127.0.0.1:${p0}`, auth: 'Bearer t', upgrade: undefined, xhop: undefined });
    expect(seen[1].host).toBe(`leaf-1:${p1}`);
    // AND the root's own endpoints answer
    expect(await request(port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await request(port, '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });
    expect((await request(port, '/other')).status).toBe(404);
    expect((await request(port, '/searchx')).status).toBe(404);
    const metrics = (await request(port, '/metrics')).body;
    expect(metrics).toContain('scatter_gather_requests_total{code="200"} 1\n');
    expect(metrics).toContain('scatter_gather_shard_requests_total{shard="1",kind="primary"} 1\n');
    expect(metrics).toContain('scatter_gather_shard_duration_seconds_count{shard="0"} 1\n');
    expect(metrics).toContain('scatter_gather_request_duration_seconds_bucket{le="+Inf"} 1\n');
    expect(root.metrics.inflight).toBe(0);
  });

  test('a hedge goes to another replica of the shard', async () => {
    // GIVEN one shard with two replicas (127.0.0.1 straggles 1s, 127.0.0.2 is fast) behind one name
    const hits: string[] = [];
    const replica = (name: string, delay: number): http.RequestListener => (_req, res) => {
      hits.push(name);
      setTimeout(() => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify([name])); }, delay);
    };
    const port1 = await serve(replica('slow', 1000), '127.0.0.1');
    const s2 = http.createServer(replica('fast', 0));
    servers.push(s2);
    await new Promise<void>((r) => s2.listen(port1, '127.0.0.2', () => r()));
    const { port } = await startRoot({
      shards: [{ index: 0, host: 'leaf-0', port: port1 }],
      timeoutMs: 2000,
      hedge: { mode: 'after', delayMs: 50, maxPercent: 10 },
    }, (_h: string, _o: any, cb: any) => cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }]));
    // WHEN a request goes out (round robin starts at the first address: the slow one)
    const t0 = Date.now();
    const r = await request(port, '/');
    // THEN the hedge went to the fast replica and won well before the straggler
    expect(r.body).toBe('["fast"]');
    expect(hits).toEqual(['slow', 'fast']);
    expect(Date.now() - t0).toBeLessThan(900);
  });

  test('limits: 413 for a body over the limit, 503 with Retry-After beyond maxConcurrentRequests', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    const p0 = await serve((_req, res) => { void gate.then(() => res.end('[]')); });
    const { root, port } = await startRoot({ shards: [{ index: 0, host: '127.0.0.1', port: p0 }], timeoutMs: 5000, maxConcurrentRequests: 1, maxRequestBodyBytes: 4 });
    const big = await request(port, '/', { method: 'POST', body: '12345' });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toEqual({ error: 'request body larger than 4 bytes' });
    const first = request(port, '/');
    await new Promise((r) => setTimeout(r, 100));
    const second = await request(port, '/');
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    release();
    expect((await first).status).toBe(200);
    expect(root.metrics.rejectedOverload).toBe(1);
    expect(root.metrics.rejectedTooLarge).toBe(1);
  });

  test('a leaf answering a non-2xx status, no JSON, or too much counts as failed, with the reason', async () => {
    const p0 = await serve((_req, res) => { res.statusCode = 500; res.end('{}'); });
    const p1 = await serve((_req, res) => res.end('not json'));
    const p2 = await serve((_req, res) => res.end(JSON.stringify(['x'.repeat(70000)])));
    const { port } = await startRoot({
      shards: [p0, p1, p2].map((p, index) => ({ index, host: '127.0.0.1', port: p })),
      timeoutMs: 2000,
    });
    const r = await request(port, '/');
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body).missing).toEqual([
      { shard: 0, reason: `127.0.0.1 (127.0.0.1:${p0}) answered status 500` },
      { shard: 1, reason: `127.0.0.1 (127.0.0.1:${p1}) answered no JSON: Unexpected token 'o', "not json" is not valid JSON` },
      { shard: 2, reason: `127.0.0.1 (127.0.0.1:${p2}) answered more than 65536 bytes` },
    ]);
  });

  test('a client that goes away cancels the leaf requests and is counted as 499', async () => {
    let leafClosed = false;
    const p0 = await serve((req) => { req.socket.on('close', () => { leafClosed = true; }); });
    const { root, port } = await startRoot({ shards: [{ index: 0, host: '127.0.0.1', port: p0 }], timeoutMs: 5000 });
    const req = http.request({ host: '127.0.0.1', port, path: '/', agent: false });
    req.on('error', () => undefined);
    req.end();
    await new Promise((r) => setTimeout(r, 100));
    req.destroy();
    for (let i = 0; i < 50 && !(leafClosed && root.metrics.requests.get(499) === 1); i++) await new Promise((r) => setTimeout(r, 20));
    expect(leafClosed).toBe(true);
    expect(root.metrics.requests.get(499)).toBe(1);
    expect(root.metrics.inflight).toBe(0);
    expect(root.metrics.shards[0].errors).toBe(0);
  });

  test('listen reports a port in use (main exits 1 on it)', async () => {
    const taken = await serve((_req, res) => res.end());
    const root = rt.createRoot({ ...rt.loadConfig(baseConfig()), port: taken }, { log: quiet });
    const err: any = await new Promise((r) => root.listen('127.0.0.1', (e: any) => r(e)));
    expect(err.code).toBe('EADDRINUSE');
  });

  test('draining: /readyz turns 503 at once while requests are still served', async () => {
    const p0 = await serve((_req, res) => res.end('[1]'));
    const { root, port } = await startRoot({ shards: [{ index: 0, host: '127.0.0.1', port: p0 }], timeoutMs: 2000, drainMs: 300 });
    let stopped = false;
    root.shutdown(() => { stopped = true; });
    expect((await request(port, '/readyz')).status).toBe(503);
    const r = await request(port, '/');
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');
    await new Promise((res) => setTimeout(res, 600));
    expect(stopped).toBe(true);
  });
});
