// Tier 1 for the function runtimes (Node and Python): the exact programs and config of a synthesized
// FunctionService, run as processes on loopback — the book's context shape, statuses, the time bound, the body
// limit, /healthz and the Prometheus metrics; the Python program compiles (py_compile) and neither loads a file
// without the handler.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Size, Testing } from 'cdk8s';
import { FunctionCode, FunctionRuntime, FunctionService } from '../../src';
import { metric, request, startFunction } from '../harness/functions';
import { run, stopAll } from '../harness/proc';

jest.setTimeout(60_000);
afterAll(stopAll);

const HANDLERS: Record<FunctionRuntime, string> = {
  [FunctionRuntime.PYTHON]: [
    'import time',
    '',
    'def handler(context):',
    '    q = context.query',
    '    if q.get("mode") == "throw":',
    '        raise RuntimeError("boom")',
    '    if q.get("mode") == "hang":',
    '        time.sleep(5)',
    '    if q.get("mode") == "none":',
    '        return None',
    '    if q.get("mode") == "teapot":',
    '        return context.response(418, {"short": True}, {"x-tea": "yes"})',
    '    return {"json": context.json, "method": context.method, "path": context.path, "q": q, "h": context.headers.get("x-h")}',
    '',
  ].join('\n'),
  [FunctionRuntime.NODE]: [
    "'use strict';",
    'exports.handler = async (context) => {',
    '  const q = context.query;',
    "  if (q.mode === 'throw') throw new Error('boom');",
    "  if (q.mode === 'hang') await new Promise((r) => setTimeout(r, 5000));",
    "  if (q.mode === 'none') return undefined;",
    "  if (q.mode === 'teapot') return context.response(418, { short: true }, { 'x-tea': 'yes' });",
    "  return { json: context.json, method: context.method, path: context.path, q, h: context.headers['x-h'] };",
    '};',
    '',
  ].join('\n'),
};

describe.each([FunctionRuntime.PYTHON, FunctionRuntime.NODE])('the %s runtime', (runtime) => {
  const chart = Testing.chart();
  new FunctionService(chart, 'fn', {
    name: 'fn', code: FunctionCode.fromInline(HANDLERS[runtime], runtime), timeout: Duration.millis(300), maxBodySize: Size.kibibytes(1), minScale: 1, maxScale: 1,
  });
  const objs = Testing.synth(chart);
  let url = '';
  beforeAll(async () => {
    url = (await startFunction(objs, 'fn')).url;
  });

  test('calls handler(context) with the JSON body, method, path, query and headers; 200 with its JSON', async () => {
    const a = await request(`${url}/users/7?x=1&x=2&y=`, 'POST', { name: 'ada' }, { 'x-h': 'v' });
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/json');
    expect(a.json).toEqual({ json: { name: 'ada' }, method: 'POST', path: '/users/7', q: { x: '1', y: '' }, h: 'v' });
  });

  test('nothing returned → 204; context.response → its status, body and headers', async () => {
    expect((await request(`${url}/?mode=none`, 'GET')).status).toBe(204);
    const t = await request(`${url}/?mode=teapot`, 'GET');
    expect([t.status, t.json, t.headers['x-tea']]).toEqual([418, { short: true }, 'yes']);
  });

  test('a handler that throws → 500; one that hangs → 504 at the time bound; a body over the limit → 413', async () => {
    expect((await request(`${url}/?mode=throw`, 'GET')).status).toBe(500);
    const t0 = Date.now();
    const h = await request(`${url}/?mode=hang`, 'GET');
    const took = Date.now() - t0;
    expect(h.status).toBe(504);
    expect(h.json).toEqual({ error: 'handler timed out after 300ms' });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(4500); // far from the 5 s the handler hangs, with slack for a loaded machine
    const big = await request(`${url}/`, 'POST', JSON.stringify({ pad: 'x'.repeat(2000) }));
    expect(big.status).toBe(413);
    expect((await request(`${url}/`, 'POST', '{not json')).status).toBe(400);
  });

  test('/healthz and the Prometheus metrics (requests by code, errors by kind, latency histogram)', async () => {
    expect((await request(`${url}/healthz`, 'GET')).json).toMatchObject({ status: 'ok' });
    const m = (await request(`${url}/metrics`, 'GET')).body;
    expect(metric(m, 'function_requests_total', { function: 'fn', code: '200' })).toBeGreaterThanOrEqual(1);
    expect(metric(m, 'function_requests_total', { code: '504' })).toBe(1);
    expect(metric(m, 'function_errors_total', { kind: 'timeout' })).toBe(1);
    expect(metric(m, 'function_errors_total', { kind: 'exception' })).toBe(1);
    expect(metric(m, 'function_errors_total', { kind: 'too_large' })).toBe(1);
    expect(metric(m, 'function_request_duration_seconds_count', { function: 'fn' })).toBeGreaterThanOrEqual(7);
    expect(m).toContain('# TYPE function_request_duration_seconds histogram');
    expect(metric(m, 'function_abandoned_handlers')).toBeGreaterThanOrEqual(0);
  });
});

describe('the program files', () => {
  test('the Python runtime compiles (py_compile) and the Node runtime parses', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fn-py-'));
    const src = path.join(dir, 'runtime.py');
    fs.writeFileSync(src, FunctionService.pythonRuntime());
    const r = run('python3', ['-c', 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)', src, path.join(dir, 'x.pyc')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const n = run(process.execPath, ['--check', '-'], { input: FunctionService.nodeRuntime() });
    expect(n.code).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ['python3', 'function-runtime.py', 'handler.py', 'def other(context):\n    return 1\n', "does not define a function 'handler'"],
    ['node', 'function-runtime.js', 'handler.js', 'exports.other = () => 1;\n', "does not export a function 'handler'"],
  ])('%s: a handler file without the handler → exit 1 with the reason', (cmd, program, file, source, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fn-bad-'));
    const text = program.endsWith('.py') ? FunctionService.pythonRuntime() : FunctionService.nodeRuntime();
    fs.writeFileSync(path.join(dir, program), text);
    fs.writeFileSync(path.join(dir, file), source);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({
      name: 'x', port: 1, handlerFile: path.join(dir, file), handlerName: 'handler', timeoutMs: 10, maxBodyBytes: 10, maxConcurrency: 1,
    }));
    const r = run(cmd, [path.join(dir, program), path.join(dir, 'config.json')], { env: { PYTHONDONTWRITEBYTECODE: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
