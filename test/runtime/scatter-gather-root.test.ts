// Tier 1 for the scatter/gather root runtime: the exact program text the ConfigMap holds, loaded as a module —
// config checks, every merge strategy, the missing-shard policy, the per-shard timeout, hedging (delay, failover,
// budget, percentile), DNS handling, and the HTTP handler on loopback.
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { RequestPartition } from '../../src';
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
    requestTimeoutMs: 10000,
    memoryLimitBytes: 0,
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
    expect(required).toEqual(['dns', 'fs', 'http', 'net', 'v8']);
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
    [{ merge: { strategy: 'avg' } }, 'config: merge.strategy must be one of "concatArrays", "mergeObjects", "sum", "topK", "unionStrings", "intersection", got "avg"'],
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

/** One scripted leaf answer: `value` (or a failure: `error`, a replica failure unless `replica: false`) after `ms`. */
interface Step { ms: number; value?: any; error?: string; replica?: boolean; connect?: boolean }

/**
 * A transport whose n-th request to an address follows script[address][n] (the last step repeats); it records
 * calls and cancellations. Shard i has the addresses 10.0.i.1 and 10.0.i.2 (the fake lookup below).
 */
function scripted(script: Record<string, Step[]>) {
  const calls: Array<{ shard: number; address: string; at: number }> = [];
  const cancelled: Array<{ shard: number; address: string }> = [];
  const counts: Record<string, number> = {};
  const transport = (shard: any, address: string, _req: any, cb: (err: any, v?: any) => void) => {
    const n = counts[address] = (counts[address] ?? -1) + 1;
    const steps = script[address] ?? [{ ms: 1, value: [] }];
    const step = steps[Math.min(n, steps.length - 1)];
    calls.push({ shard: shard.index, address, at: Date.now() });
    const t = setTimeout(() => (step.error
      ? cb({ message: `${address} ${step.error}`, replica: step.replica ?? true, connect: step.connect ?? false })
      : cb(null, step.value)), step.ms);
    return () => { clearTimeout(t); cancelled.push({ shard: shard.index, address }); };
  };
  return { transport, calls, cancelled };
}

/** Shard `sg-shard-<i>` resolves to 10.0.<i>.1 and 10.0.<i>.2 (or `replicas` addresses). */
function lookupOf(replicas = 2) {
  return (host: string, _o: any, cb: any) => {
    const i = Number(host.split('-').pop());
    cb(null, Array.from({ length: replicas }, (_, r) => ({ address: `10.0.${i}.${r + 1}`, family: 4 })));
  };
}

const GET = () => ({ method: 'GET', url: '/q', headers: {}, body: Buffer.alloc(0) });
const HEDGE_AFTER_50 = { mode: 'after', delayMs: 50, maxPercent: 10 };

describe('fan-out: timeout, failover and hedging (fake timers)', () => {
  beforeEach(() => { jest.useFakeTimers({ now: 0 }); });
  afterEach(() => { jest.useRealTimers(); });

  function rootOf(config: any, script: Record<string, Step[]>, replicas = 2) {
    const s = scripted(script);
    const root = rt.createRoot(rt.loadConfig(config), { transport: s.transport, now: () => Date.now(), log: quiet, lookup: lookupOf(replicas) });
    return { root, ...s };
  }

  async function once(root: any, advance = 2000) {
    let doneAt = -1;
    const t0 = Date.now();
    const p = root.scatter(GET()).then((r: any) => { doneAt = Date.now() - t0; return r; });
    await jest.advanceTimersByTimeAsync(advance);
    return { result: await p, doneAt };
  }

  async function run(config: any, script: Record<string, Step[]>, replicas = 2) {
    const r = rootOf(config, script, replicas);
    return { ...r, ...(await once(r.root)) };
  }

  test('a shard that does not answer within the timeout is missing at exactly the timeout', async () => {
    const { result, doneAt, cancelled } = await run(baseConfig({ timeoutMs: 100 }), { '10.0.1.1': [{ ms: 500, value: [1] }] });
    expect(doneAt).toBe(100);
    expect(result.answers).toEqual([{ shard: 0, value: [] }]);
    expect(result.failures).toEqual([{ shard: 1, reason: 'no answer within 100ms', timeout: true }]);
    expect(cancelled).toEqual([{ shard: 1, address: '10.0.1.1' }]);
  });

  test('without hedging, a replica failure fails over to the other replica at once', async () => {
    // GIVEN shard 1's first replica refuses connections
    const { result, doneAt, calls, root } = await run(baseConfig(), { '10.0.1.1': [{ ms: 3, error: 'ECONNREFUSED', connect: true }], '10.0.1.2': [{ ms: 4, value: ['ok'] }] });
    // THEN the failover went to the second replica when the refusal came, and its answer is the shard's
    expect(calls).toEqual([{ shard: 0, address: '10.0.0.1', at: 0 }, { shard: 1, address: '10.0.1.1', at: 0 }, { shard: 1, address: '10.0.1.2', at: 3 }]);
    expect(doneAt).toBe(7);
    expect(result.failures).toEqual([]);
    expect(result.answers[1]).toEqual({ shard: 1, value: ['ok'] });
    expect(root.metrics.shards[1]).toMatchObject({ primary: 1, hedge: 0, failover: 1, hedgeWins: 1, replicaFailures: 1, errors: 0 });
  });

  test('a failed address is skipped for one dnsRefreshMs, then tried again; a good answer clears the mark', async () => {
    // GIVEN shard 0's first replica is dead, the second answers
    const { root, calls } = rootOf(baseConfig({ shards: [{ index: 0, host: 'sg-shard-0', port: 1 }], dnsRefreshMs: 5000 }), { '10.0.0.1': [{ ms: 1, error: 'ECONNREFUSED', connect: true }] });
    // WHEN 10 fan-outs run one after the other within 5 s
    for (let i = 0; i < 10; i++) expect((await once(root, 100)).result.failures).toEqual([]);
    // THEN only the first went to the dead replica (and failed over); the other 9 went to the live one
    expect(calls.filter((c) => c.address === '10.0.0.1')).toHaveLength(1);
    expect(root.metrics.shards[0]).toMatchObject({ primary: 10, failover: 1 });
    // AND once 5 s have passed since the failure, round robin tries it again
    await jest.advanceTimersByTimeAsync(5000);
    for (let i = 0; i < 2; i++) expect((await once(root, 100)).result.failures).toEqual([]);
    expect(calls.filter((c) => c.address === '10.0.0.1')).toHaveLength(2);
    expect(root.metrics.shards[0]).toMatchObject({ primary: 12, failover: 2 });
  });

  test('a shard whose every replica fails: one failover, then one probe per fan-out (never twice the requests)', async () => {
    // GIVEN both replicas of the only shard answer 500
    const fail = [{ ms: 1, error: 'answered status 500' }];
    const { root, calls } = rootOf(baseConfig({ shards: [{ index: 0, host: 'sg-shard-0', port: 1 }] }), { '10.0.0.1': fail, '10.0.0.2': fail });
    // WHEN 20 fan-outs run one after the other
    const reasons: string[] = [];
    for (let i = 0; i < 20; i++) reasons.push((await once(root, 100)).result.failures[0].reason);
    // THEN the shard failed each time with the last replica's reason; 21 leaf requests, not 40
    expect(reasons[0]).toBe('10.0.0.2 answered status 500');
    expect(calls).toHaveLength(21);
    expect(root.metrics.shards[0]).toMatchObject({ primary: 20, failover: 1, errors: 20, replicaFailures: 21 });
  });

  test('the failover bound: half a token per primary, at most maxConcurrentRequests in the bucket', async () => {
    // GIVEN a bucket of 2 (maxConcurrentRequests) and 6 fan-outs started at once, whose primaries alternate over
    // the replicas before any failure is known; replica 1 fails them
    const config = baseConfig({ shards: [{ index: 0, host: 'sg-shard-0', port: 1 }], maxConcurrentRequests: 2 });
    const { root } = rootOf(config, { '10.0.0.1': [{ ms: 5, error: 'answered status 503' }], '10.0.0.2': [{ ms: 10, value: [] }] });
    const all = Promise.all(Array.from({ length: 6 }, () => root.scatter(GET())));
    await jest.advanceTimersByTimeAsync(200);
    const results = await all;
    // THEN 2 of the 3 failed primaries were failed over, the third was throttled
    expect(results.filter((r: any) => r.failures.length > 0)).toHaveLength(1);
    expect(root.metrics.shards[0]).toMatchObject({ primary: 6, failover: 2 });
    expect(root.metrics.failoversThrottled).toBe(1);
  });

  test('a replica that does not answer within the timeout is skipped for one dnsRefreshMs, like a failed one', async () => {
    // GIVEN shard 0's first replica hangs
    const { root, calls } = rootOf(baseConfig({ shards: [{ index: 0, host: 'sg-shard-0', port: 1 }], timeoutMs: 100 }), { '10.0.0.1': [{ ms: 10_000, value: [] }] });
    // WHEN 5 fan-outs run one after the other
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await once(root, 200)).result);
    // THEN only the first timed out; the next ones went to the other replica
    expect(results.map((r) => r.failures.length)).toEqual([1, 0, 0, 0, 0]);
    expect(calls.filter((c) => c.address === '10.0.0.1')).toHaveLength(1);
  });

  test('an error that is the request\'s (a 4xx) fails the shard without a failover', async () => {
    const { result, calls } = await run(baseConfig(), { '10.0.1.1': [{ ms: 2, error: 'answered status 400', replica: false }] });
    expect(calls).toHaveLength(2);
    expect(result.failures).toEqual([{ shard: 1, reason: '10.0.1.1 answered status 400', timeout: false }]);
  });

  test('a hedge goes to the other replica after the delay, its answer wins, and the straggling primary is cancelled', async () => {
    const config = baseConfig({ timeoutMs: 1000, hedge: HEDGE_AFTER_50 });
    const { result, doneAt, calls, cancelled, root } = await run(config, { '10.0.1.1': [{ ms: 900, value: ['slow'] }], '10.0.1.2': [{ ms: 7, value: ['fast'] }] });
    expect(calls).toEqual([{ shard: 0, address: '10.0.0.1', at: 0 }, { shard: 1, address: '10.0.1.1', at: 0 }, { shard: 1, address: '10.0.1.2', at: 50 }]);
    expect(doneAt).toBe(57);
    expect(result.answers).toEqual([{ shard: 0, value: [] }, { shard: 1, value: ['fast'] }]);
    expect(cancelled).toEqual([{ shard: 1, address: '10.0.1.1' }]);
    expect(root.metrics.shards[1]).toMatchObject({ primary: 1, hedge: 1, failover: 0, hedgeWins: 1 });
    expect(root.metrics.shards[0]).toMatchObject({ primary: 1, hedge: 0, hedgeWins: 0 });
  });

  test('no hedge when the primary answers before the delay, nor when there is no other replica', async () => {
    const config = baseConfig({ timeoutMs: 1000, hedge: HEDGE_AFTER_50 });
    const a = await run(config, { '10.0.0.1': [{ ms: 49, value: [] }], '10.0.1.1': [{ ms: 20, value: [] }] });
    expect(a.calls.map((c) => c.address)).toEqual(['10.0.0.1', '10.0.1.1']);
    expect(a.doneAt).toBe(49);
    const b = await run(config, { '10.0.0.1': [{ ms: 200, value: [] }] }, 1);
    expect(b.calls.map((c) => c.address)).toEqual(['10.0.0.1', '10.0.1.1']);
    expect(b.doneAt).toBe(200);
  });

  test('with hedging, a replica failure sends the failover at once, outside the hedge budget', async () => {
    // GIVEN hedging with the hedge budget spent
    const config = baseConfig({ timeoutMs: 1000, hedge: HEDGE_AFTER_50 });
    const { root, calls } = rootOf(config, { '10.0.1.1': [{ ms: 2, error: 'answered status 500' }], '10.0.1.2': [{ ms: 4, value: ['ok'] }] });
    root.hedgeBudget.tokens = 0;
    // WHEN the primary of shard 1 fails
    const { result, doneAt } = await once(root, 200);
    // THEN the failover went out at once, and the budget was not asked
    expect(result.failures).toEqual([]);
    expect(doneAt).toBe(6);
    expect(calls.map((c) => [c.address, c.at])).toEqual([['10.0.0.1', 0], ['10.0.1.1', 0], ['10.0.1.2', 2]]);
    expect(root.metrics.shards[1]).toMatchObject({ hedge: 0, failover: 1, hedgeWins: 1 });
    expect(root.metrics.hedgesThrottled).toBe(0);
  });

  test('the hedge shares the fan-out deadline: both slow means a timeout', async () => {
    const config = baseConfig({ timeoutMs: 100, hedge: { mode: 'after', delayMs: 30, maxPercent: 10 } });
    const slow = [{ ms: 500, value: [] }];
    const { result, doneAt, cancelled } = await run(config, { '10.0.1.1': slow, '10.0.1.2': slow });
    expect(doneAt).toBe(100);
    expect(result.failures).toEqual([{ shard: 1, reason: 'no answer within 100ms', timeout: true }]);
    expect(cancelled).toEqual([{ shard: 1, address: '10.0.1.1' }, { shard: 1, address: '10.0.1.2' }]);
  });

  test('the hedge budget: a burst of 10, then maxPercent of primary requests', async () => {
    // GIVEN one shard whose replicas always straggle, and a 10 % budget
    const config = baseConfig({ shards: [{ index: 0, host: 'sg-shard-0', port: 1 }], timeoutMs: 1000, hedge: { mode: 'after', delayMs: 10, maxPercent: 10 } });
    const slow = [{ ms: 500, value: [] }];
    const { root } = rootOf(config, { '10.0.0.1': slow, '10.0.0.2': slow });
    // WHEN 40 requests run one after the other
    for (let i = 0; i < 40; i++) await once(root, 600);
    // THEN the burst (10) is spent, then one hedge per 10 primaries: 10 + floor(40 * 0.1) - rounding = 13
    expect(root.metrics.shards[0].primary).toBe(40);
    expect(root.metrics.shards[0].hedge).toBe(13);
    expect(root.metrics.hedgesThrottled).toBe(27);
  });

  test('percentile hedging: the delay follows the shard\'s own latency percentile, never below minDelayMs', async () => {
    const config = baseConfig({
      shards: [{ index: 0, host: 'sg-shard-0', port: 1 }],
      timeoutMs: 1000,
      hedge: { mode: 'percentile', percentile: 90, minDelayMs: 5, maxPercent: 100 },
    });
    // Answers take 1, 2, …, 100 ms (one replica: no hedge goes out).
    let n = 0;
    const transport = (_s: any, _address: string, _r: any, cb: any) => {
      const ms = (n++ % 100) + 1;
      const t = setTimeout(() => cb(null, []), ms);
      return () => clearTimeout(t);
    };
    const root = rt.createRoot(rt.loadConfig(config), { transport, now: () => Date.now(), log: quiet, lookup: lookupOf(1) });
    expect(root.hedgeDelay(root.shards[0])).toBe(5); // no samples yet: minDelayMs
    const delays: number[] = [];
    for (let i = 0; i < 100; i++) {
      await once(root, 1100);
      delays.push(root.hedgeDelay(root.shards[0]));
    }
    // after 20 samples (1..20 ms) the p90 is 18; after 36 it is 33
    expect(delays.slice(18, 21)).toEqual([5, 18, 18]);
    expect(delays[35]).toBe(33);
    // THEN recomputed every 16 samples from the 20th on — the last time at 100 samples: the p90 of 1..100 is 90
    expect(root.hedgeDelay(root.shards[0])).toBe(90);
    expect(root.metrics.shards[0].hedge).toBe(0);
  });

  test('the client going away cancels every leaf request', async () => {
    const slow = [{ ms: 500, value: [] }];
    const s = scripted({ '10.0.0.1': slow, '10.0.1.1': slow });
    const root = rt.createRoot(rt.loadConfig(baseConfig({ timeoutMs: 1000 })), {
      transport: s.transport, now: () => Date.now(), log: quiet, lookup: lookupOf(),
    });
    let cancel: (why: string) => void = () => undefined;
    const p = root.scatter({ ...GET(), onCancel: (fn: any) => { cancel = fn; } });
    await jest.advanceTimersByTimeAsync(20);
    cancel('the client went away');
    const r = await p;
    expect(r.failures.map((f: any) => f.reason)).toEqual(['the client went away', 'the client went away']);
    expect(s.cancelled).toHaveLength(2);
    expect(root.metrics.shards[0].errors).toBe(0);
  });
});

describe('leafRequest', () => {
  test('drops hop-by-hop headers and those the connection header names; sets content-length for a body', () => {
    const r = rt.leafRequest('POST', '/q', { 'connection': 'x-hop, keep-alive', 'x-hop': '1', 'Authorization': 'a', 'host': 'h', 'transfer-encoding': 'chunked' }, Buffer.from('ab'));
    expect(r.headers).toEqual({ 'authorization': 'a', 'content-length': '2' });
    expect(rt.leafRequest('GET', '/', { accept: 'x' }, Buffer.alloc(0)).headers).toEqual({ accept: 'x' });
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

  /** Listens with `a` on 127.0.0.1 (or leaves it refusing, when null) and `b` on 127.0.0.2, on the same free port. */
  async function pairOn(a: http.RequestListener | null, b: http.RequestListener): Promise<number> {
    for (;;) {
      const first = http.createServer(a ?? undefined);
      const port = await new Promise<number>((r) => first.listen(0, '127.0.0.1', () => r((first.address() as net.AddressInfo).port)));
      if (a === null) await new Promise((r) => first.close(r)); else servers.push(first);
      const second = http.createServer(b);
      const ok = await new Promise<boolean>((r) => { second.once('error', () => r(false)); second.listen(port, '127.0.0.2', () => r(true)); });
      if (ok) { servers.push(second); return port; }
      // that port is taken on 127.0.0.2 by another process on this machine: try another one
    }
  }

  async function startRoot(over: Record<string, any>, lookup?: any, rss?: () => number, more: Record<string, any> = {}) {
    const root = rt.createRoot({ ...rt.loadConfig(baseConfig(over)), port: 0 }, { log: quiet, lookup, rss, ...more });
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
    const port1 = await pairOn(replica('slow', 1000), replica('fast', 0));
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
    expect(Date.now() - t0).toBeLessThan(1000); // it did not wait for the straggler's 1 s
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
    for (let i = 0; i < 250 && root.metrics.inflight < 1; i++) await new Promise((r) => setTimeout(r, 20)); // it holds the slot
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
    let leafGot = false;
    const p0 = await serve((req) => { leafGot = true; req.socket.on('close', () => { leafClosed = true; }); });
    const { root, port } = await startRoot({ shards: [{ index: 0, host: '127.0.0.1', port: p0 }], timeoutMs: 5000 });
    const req = http.request({ host: '127.0.0.1', port, path: '/', agent: false });
    req.on('error', () => undefined);
    req.end();
    for (let i = 0; i < 250 && !leafGot; i++) await new Promise((r) => setTimeout(r, 20)); // the fan-out reached the leaf
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
    const { root, port } = await startRoot({ shards: [{ index: 0, host: '127.0.0.1', port: p0 }], timeoutMs: 2000, drainMs: 1000 });
    let stopped = false;
    root.shutdown(() => { stopped = true; });
    expect((await request(port, '/readyz')).status).toBe(503);
    const r = await request(port, '/');
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');
    for (let i = 0; i < 250 && !stopped; i++) await new Promise((res) => setTimeout(res, 20)); // after the 1 s drain
    expect(stopped).toBe(true);
  });

  test('a replica that refuses, cuts its answer off, answers 500 or no JSON: the other replica answers at once', async () => {
    // GIVEN four shards of two replicas each (127.0.0.1 and 127.0.0.2); each shard's first replica is broken its own way
    const good = (i: number): http.RequestListener => (_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify([i])); };
    const broken: Array<http.RequestListener | null> = [
      null, // nothing listens: connection refused
      (_req, res) => { res.writeHead(200, { 'content-length': '100' }); res.write('[' + '1,'.repeat(24)); setTimeout(() => res.socket?.destroy(), 5); },
      (_req, res) => { res.statusCode = 500; res.end('{}'); },
      (_req, res) => res.end('[1,2'),
    ];
    const ports: number[] = [];
    for (let i = 0; i < 4; i++) ports.push(await pairOn(broken[i], good(i)));
    const { root, port } = await startRoot({
      shards: ports.map((p, index) => ({ index, host: `leaf-${index}`, port: p })),
      timeoutMs: 2000,
    }, (_h: string, _o: any, cb: any) => cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }]));
    // WHEN 10 requests go through the root (the first meets every broken replica: round robin starts there)
    for (let i = 0; i < 10; i++) {
      const r = await request(port, '/');
      // THEN every answer is complete
      expect([r.status, r.body]).toEqual([200, '[0,1,2,3]']);
    }
    // AND each broken replica failed once and was failed over, then skipped
    for (let i = 0; i < 4; i++) expect(root.metrics.shards[i]).toMatchObject({ primary: 10, failover: 1, replicaFailures: 1, errors: 0 });
  });

  test('a fan-out slot is taken only once the request is complete; a body not sent in requestTimeoutMs gets 408', async () => {
    // GIVEN one fan-out slot and a 400 ms request timeout
    const p0 = await serve((_req, res) => res.end('[1]'));
    const { root, port } = await startRoot({ shards: [{ index: 0, host: '127.0.0.1', port: p0 }], maxConcurrentRequests: 1, maxRequestBodyBytes: 1000, requestTimeoutMs: 400 });
    // WHEN a client promises 100 bytes and sends 10
    const slow = net.connect(port, '127.0.0.1');
    let answer = '';
    slow.on('data', (d) => { answer += d; });
    const closed = new Promise<void>((r) => slow.on('close', () => r()));
    slow.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1,2,3,4,');
    await new Promise((r) => setTimeout(r, 100));
    // THEN a complete request is still answered: the slow one holds no slot
    expect((await request(port, '/')).status).toBe(200);
    expect(root.metrics.inflight).toBe(0);
    // AND the slow client gets 408 and its connection closed, about requestTimeoutMs after it started
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(root.state.bodyBytes).toBe(0);
  });

  test('the bodies being read at once are bounded (maxConcurrentRequests × maxRequestBodyBytes): beyond, 503', async () => {
    const p0 = await serve((_req, res) => res.end('[1]'));
    const { root, port } = await startRoot({ shards: [{ index: 0, host: '127.0.0.1', port: p0 }], maxConcurrentRequests: 1, maxRequestBodyBytes: 10, requestTimeoutMs: 5000 });
    // GIVEN a client that sent 8 of its 10 bytes
    const first = net.connect(port, '127.0.0.1');
    first.on('error', () => undefined);
    first.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345678');
    for (let i = 0; i < 500 && root.state.bodyBytes < 8; i++) await new Promise((r) => setTimeout(r, 10));
    // WHEN another sends 8 bytes
    const second = await request(port, '/', { method: 'POST', body: '12345678' });
    // THEN it is refused with 503, and the first one completes normally
    expect(second.status).toBe(503);
    expect(JSON.parse(second.body)).toEqual({ error: 'overloaded: request bodies being read hold 10 bytes' });
    const done = new Promise<string>((r) => { let a = ''; first.on('data', (d) => { a += d; if (a.includes('[1]')) r(a); }); });
    first.write('90');
    expect(await done).toMatch(/^HTTP\/1\.1 200 /);
    first.destroy();
    expect(root.metrics.rejectedBodies).toBe(1);
  });

  test('above 90 % of memoryLimitBytes (resident set), new fan-outs get 503; below, they are served', async () => {
    let rss = 95 * 1048576;
    const p0 = await serve((_req, res) => res.end('[1]'));
    const { root, port } = await startRoot({ shards: [{ index: 0, host: '127.0.0.1', port: p0 }], memoryLimitBytes: 100 * 1048576 }, undefined, () => rss);
    const r = await request(port, '/');
    expect([r.status, r.headers['retry-after'], JSON.parse(r.body)]).toEqual([503, '1', { error: 'overloaded: resident memory 95 MiB is above 90 MiB, 90 % of the limit' }]);
    rss = 80 * 1048576;
    for (let i = 0; i < 250 && root.metrics.rss !== rss; i++) await new Promise((res) => setTimeout(res, 20)); // the next sample
    expect((await request(port, '/')).status).toBe(200);
    expect((await request(port, '/metrics')).body).toContain('scatter_gather_rejected_requests_total{reason="memory"} 1\n');
    expect(root.metrics.rss).toBe(rss);
    root.shutdown(() => undefined);
  });

  test('an answer is parsed only if the heap has room for 24 times its size (after one collection): else 503', async () => {
    // GIVEN a heap limit of 100 MiB (room: 90 %), 89 MiB in use, and leaves answering 64 KiB (24 × 64 KiB = 1.5 MiB)
    let used = 89 * 1048576;
    let collections = 0;
    const body = JSON.stringify(['x'.repeat(65536 - 6)]);
    const p0 = await serve((_req, res) => res.end(body));
    const p1 = await serve((_req, res) => res.end('[1]'));
    const { root, port } = await startRoot({ shards: [{ index: 0, host: '127.0.0.1', port: p0 }, { index: 1, host: '127.0.0.1', port: p1 }], maxLeafResponseBytes: 1048576 }, undefined, undefined, {
      heap: { used: () => used, limit: 100 * 1048576 },
      gc: () => { collections++; used -= 4 * 1048576; },
    });
    // WHEN a request comes: the heap has no room, a collection frees 4 MiB, and then it has
    const first = await request(port, '/');
    expect([first.status, collections]).toEqual([200, 1]);
    // WHEN the heap is full again within a second (no second collection yet)
    used = 89 * 1048576;
    const second = await request(port, '/');
    // THEN the fan-out is answered 503 and lets go of its answers; the shards are not blamed
    expect([second.status, second.headers['retry-after'], JSON.parse(second.body)]).toEqual([503, '1', { error: 'overloaded: the root has no memory left to parse the answers' }]);
    expect(collections).toBe(1);
    expect(root.metrics.shards[0]).toMatchObject({ errors: 0, replicaFailures: 0 });
    expect(root.metrics.rejectedMemory).toBe(1);
    expect((await request(port, '/metrics')).body).toContain('scatter_gather_forced_collections_total 1\n');
  });
});

// Term partitions (issue 18): each shard gets its own terms of a query parameter; the intersection merge.
describe('term partition and intersection', () => {
  const HASH = { mode: 'queryTerms', parameter: 'q', rule: 'hash' };
  const ASSIGN = { mode: 'queryTerms', parameter: 'q', rule: 'assignment', assignment: { cat: 0, dog: 1, fish: 1 } };
  const INTERSECT = { merge: { strategy: 'intersection' } };

  test('loadConfig accepts a hash and an assignment partition, and keeps a config without one as it was', () => {
    expect(rt.loadConfig(baseConfig({ ...INTERSECT, partition: HASH })).partition).toEqual(HASH);
    expect(rt.loadConfig(baseConfig({ ...INTERSECT, partition: ASSIGN })).partition).toEqual(ASSIGN);
    expect(rt.loadConfig(baseConfig()).partition).toBeUndefined();
  });

  test.each([
    [{ ...INTERSECT }, 'config: partition must be given with merge.strategy "intersection" (shards answering the same request hold disjoint documents), got undefined'],
    [{ partition: { ...ASSIGN, assignment: { cat: 0 } } }, 'config: partition.assignment must be an object naming every shard (none names shard 1), got {"cat":0}'],
    [{ partition: { ...ASSIGN, assignment: { cat: 0, dog: 2 } } }, 'config: partition.assignment.dog must be an integer from 0 to 1, got 2'],
    [{ partition: { ...ASSIGN, assignment: { 'a b': 0, 'dog': 1 } } }, 'config: partition.assignment must be terms without commas or white space, got "a b"'],
    [{ partition: { ...ASSIGN, assignment: {} } }, 'config: partition.assignment must be a non-empty object, got {}'],
    [{ partition: { ...HASH, parameter: 'q&x' } }, 'config: partition.parameter must be a query parameter name, got "q&x"'],
    [{ partition: { ...HASH, assignment: { a: 0 } } }, 'config: unknown key "partition.assignment"'],
    [{ partition: { ...HASH, rule: 'range' } }, 'config: partition.rule must be one of "hash", "assignment", got "range"'],
  ])('loadConfig fails when %j', (over, message) => {
    expect(() => rt.loadConfig(baseConfig(over))).toThrow(message);
  });

  test('partitionUrl routes each term to the shard RequestPartition.shardOfTerm names (FNV-1a), for 2000 terms', () => {
    const terms = Array.from({ length: 2000 }, (_, i) => `t${i}-${'é'.repeat(i % 3)}`);
    for (const shards of [1, 3, 7]) {
      const split = rt.partitionUrl(HASH, shards, `/s?q=${terms.map(encodeURIComponent).join(',')}`);
      const expected = Array.from({ length: shards }, (_, s) => terms.filter((t) => RequestPartition.shardOfTerm(t, shards) === s));
      expect(split.terms).toEqual(expected);
      split.urls.forEach((u: string | null, s: number) => expect(u).toBe(expected[s].length === 0 ? null : `/s?q=${expected[s].map(encodeURIComponent).join(',')}`));
    }
  });

  test('partitionUrl splits on commas and white space (+, %20), counts a repeated term once, reads every occurrence, keeps the rest of the query byte for byte', () => {
    const split = rt.partitionUrl(ASSIGN, 2, '/search?limit=5&q=dog+cat,%20dog&x=%2Fa%2b&q=fish&flag');
    expect(split.terms).toEqual([['cat'], ['dog', 'fish']]);
    expect(split.urls).toEqual(['/search?limit=5&q=cat&x=%2Fa%2b&flag', '/search?limit=5&q=dog,fish&x=%2Fa%2b&flag']);
    // a shard with none of the request's terms is not called (null)
    expect(rt.partitionUrl(ASSIGN, 2, '/search?q=dog').urls).toEqual([null, '/search?q=dog']);
  });

  test.each([
    ['/search', "the query parameter 'q' has no terms (terms are separated by commas or white space)"],
    ['/search?q=,+,&other=dog', "the query parameter 'q' has no terms (terms are separated by commas or white space)"],
    ['/search?q=%E0%A4%A', 'the query is not valid percent-encoding'],
  ])('partitionUrl refuses %s', (url, error) => {
    expect(rt.partitionUrl(HASH, 2, url)).toEqual({ error: error.replace("'q'", '"q"') });
  });

  test('partitionUrl with an assignment refuses a term the table does not name, naming it', () => {
    expect(rt.partitionUrl(ASSIGN, 2, '/s?q=cat,bird,eel')).toEqual({ error: 'no shard answers for the terms "bird", "eel" (the partition assigns terms to shards by a table)' });
  });

  test('intersection: the ids every answer holds, deduplicated and sorted; a non-string answer is rejected, not dropped', () => {
    const a = (shard: number, value: any) => ({ shard, value });
    expect(rt.mergeAnswers({ strategy: 'intersection' }, [a(0, ['d3', 'd1', 'd2', 'd1']), a(2, ['d2', 'd1', 'd9'])])).toEqual({ value: ['d1', 'd2'], rejected: [] });
    expect(rt.mergeAnswers({ strategy: 'intersection' }, [a(0, ['d1']), a(1, [])]).value).toEqual([]);
    expect(rt.mergeAnswers({ strategy: 'intersection' }, [a(0, ['d1']), a(1, [7])])).toEqual({
      value: ['d1'],
      rejected: [{ shard: 1, reason: 'bad answer: an array with a non-string, intersection needs an array of strings', timeout: false }],
    });
  });

  test('buildResponse counts only the shards called; FAIL: 502 naming the missing shard and its terms; PARTIAL: the intersection of the rest', () => {
    // GIVEN 3 shards, shard 1 not called, shard 2 (terms b, c) failed
    const result = {
      answers: [{ shard: 0, value: ['d1', 'd2'] }],
      failures: [{ shard: 2, reason: 'sg-shard-2 (10.0.2.1:9000) ECONNREFUSED', timeout: false }],
      called: 2,
      terms: [['a'], [], ['b', 'c d']],
    };
    const shards = [0, 1, 2].map((index) => ({ index, host: `sg-shard-${index}`, port: 9000 }));
    const fail = rt.buildResponse({ ...baseConfig({ shards }), merge: { strategy: 'intersection' } }, result);
    expect(fail.status).toBe(502);
    expect(fail.headers).toMatchObject({ 'x-scatter-gather-shards': '1/2', 'x-scatter-gather-missing': '2', 'x-scatter-gather-missing-terms': 'b,c%20d' });
    expect(JSON.parse(fail.body)).toEqual({ error: 'missing shards', missing: [{ shard: 2, terms: ['b', 'c d'], reason: 'sg-shard-2 (10.0.2.1:9000) ECONNREFUSED' }] });
    const partial = rt.buildResponse({ ...baseConfig({ shards, missingShards: 'partial' }), merge: { strategy: 'intersection' } }, result);
    expect([partial.status, JSON.parse(partial.body), partial.headers['x-scatter-gather-missing']]).toEqual([200, ['d1', 'd2'], '2']);
    // every shard called timed out: 504, as without a partition
    const none = rt.buildResponse({ ...baseConfig({ shards, missingShards: 'partial' }), merge: { strategy: 'intersection' } },
      { answers: [], failures: [{ shard: 0, reason: 'no answer within 100ms', timeout: true }], called: 1, terms: [['a'], [], []] });
    expect([none.status, none.headers['x-scatter-gather-shards']]).toEqual([504, '0/1']);
  });

  describe('the fan-out (fake timers)', () => {
    beforeEach(() => { jest.useFakeTimers({ now: 0 }); });
    afterEach(() => { jest.useRealTimers(); });

    /** A transport recording each attempt's URL; `fail` lists the addresses that refuse, `hang` those that never answer. */
    function urlTransport(answers: Record<number, string[]>, fail: string[] = [], hang: string[] = []) {
      const sent: Array<{ shard: number; address: string; url: string; at: number }> = [];
      const t0 = Date.now();
      const transport = (shard: any, address: string, req: any, cb: (err: any, v?: any) => void) => {
        sent.push({ shard: shard.index, address, url: req.url, at: Date.now() - t0 });
        if (hang.includes(address)) return () => undefined;
        const t = setTimeout(() => (fail.includes(address)
          ? cb({ message: `${address} ECONNREFUSED`, replica: true, connect: true })
          : cb(null, answers[shard.index])), 5);
        return () => clearTimeout(t);
      };
      return { sent, transport };
    }
    const THREE = [0, 1, 2].map((index) => ({ index, host: `sg-shard-${index}`, port: 9000 }));
    const PARTITIONED = { ...INTERSECT, shards: THREE, partition: { ...ASSIGN, assignment: { cat: 0, dog: 1, eel: 2 } } };

    async function scatter(over: Record<string, any>, t: ReturnType<typeof urlTransport>, url: string) {
      const config = rt.loadConfig(baseConfig({ ...PARTITIONED, ...over }));
      const root = rt.createRoot(config, { transport: t.transport, now: () => Date.now(), log: quiet, lookup: lookupOf() });
      const p = root.scatter({ ...GET(), url });
      await jest.advanceTimersByTimeAsync(1000);
      return { root, result: await p };
    }

    test('each shard called gets its own terms; a shard without terms is not called and counted as skipped', async () => {
      const t = urlTransport({ 0: ['d1', 'd2'], 1: ['d2', 'd3'] });
      const { root, result } = await scatter({}, t, '/q?q=dog,cat&n=1');
      expect(t.sent.map((s) => [s.shard, s.url])).toEqual([[0, '/q?q=cat&n=1'], [1, '/q?q=dog&n=1']]);
      expect(result).toEqual({ answers: [{ shard: 0, value: ['d1', 'd2'] }, { shard: 1, value: ['d2', 'd3'] }], failures: [], called: 2, terms: [['cat'], ['dog'], []] });
      expect(rt.buildResponse(root.config, result).body).toBe('["d2"]');
      expect(root.metrics.shards.map((s: any) => [s.primary, s.skipped])).toEqual([[1, 0], [1, 0], [0, 1]]);
      expect(root.renderMetrics()).toContain('scatter_gather_shard_skipped_total{shard="2"} 1\n');
    });

    test('a refused replica fails over with the shard\'s own request; a hedge carries it too; a hung shard is missing at the timeout', async () => {
      // failover: 10.0.1.1 refuses, 10.0.1.2 gets the same per-shard URL at once
      const f = urlTransport({ 0: ['d1'], 1: ['d1'] }, ['10.0.1.1']);
      const failover = await scatter({}, f, '/q?q=cat,dog');
      expect(f.sent.filter((s) => s.shard === 1).map((s) => [s.address, s.url, s.at])).toEqual([['10.0.1.1', '/q?q=dog', 0], ['10.0.1.2', '/q?q=dog', 5]]);
      expect(failover.result.failures).toEqual([]);
      // hedge after 50 ms: 10.0.2.1 hangs, the hedge to 10.0.2.2 carries eel
      const h = urlTransport({ 0: ['d1'], 2: ['d1'] }, [], ['10.0.2.1']);
      const hedged = await scatter({ hedge: HEDGE_AFTER_50, timeoutMs: 200 }, h, '/q?q=eel,cat');
      expect(h.sent.filter((s) => s.shard === 2).map((s) => [s.address, s.url, s.at])).toEqual([['10.0.2.1', '/q?q=eel', 0], ['10.0.2.2', '/q?q=eel', 50]]);
      expect(hedged.result.answers.map((a: any) => a.shard)).toEqual([0, 2]);
      // both replicas of shard 1 hung: missing at the timeout
      const g = urlTransport({ 0: ['d1'] }, [], ['10.0.1.1', '10.0.1.2']);
      const hung = await scatter({ timeoutMs: 100 }, g, '/q?q=cat,dog');
      expect(hung.result.failures).toEqual([{ shard: 1, reason: 'no answer within 100ms', timeout: true }]);
      expect(rt.buildResponse(hung.root.config, hung.result).status).toBe(504);
    });
  });

  test('the HTTP handler answers 400 to a request it cannot partition, and counts it', async () => {
    const config = { ...rt.loadConfig(baseConfig({ ...INTERSECT, partition: HASH })), port: 0 };
    const root = rt.createRoot(config, { log: quiet, transport: () => () => undefined, lookup: lookupOf() });
    const server: http.Server = await new Promise((r, j) => root.listen('127.0.0.1', (err: Error | null, srv: http.Server) => (err ? j(err) : r(srv))));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/search?other=1', agent: false }, (res) => {
          let body = '';
          res.on('data', (d) => { body += d; });
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        }).on('error', reject);
      });
      expect(answer).toEqual({ status: 400, body: JSON.stringify({ error: 'the query parameter "q" has no terms (terms are separated by commas or white space)' }) });
      expect(root.metrics.shards.map((s: any) => s.primary)).toEqual([0, 0]);
      expect(root.renderMetrics()).toContain('scatter_gather_partition_rejected_requests_total 1\n');
      expect(root.renderMetrics()).toContain('scatter_gather_requests_total{code="400"} 1\n');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
