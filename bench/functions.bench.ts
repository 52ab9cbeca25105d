// Benchmark: the function runtimes' overhead. A trivial handler (returns `{ ok: true }`) served by the shipped
// runtime with the exact synthesized config (ConfigMap files, the container's command) against a bare HTTP server
// in the same language on the same stack (Node `http`; Python `http.server.ThreadingHTTPServer`, HTTP/1.1) giving
// the same answer (both Python servers with TCP_NODELAY, as the runtime sets it). One keep-alive client, sequential POSTs of a small JSON body, the two servers interleaved in
// rounds so both see the same machine; p50/p99 and their ratios, measured in the same run. Asserts no timing.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { FunctionCode, FunctionRuntime, FunctionService } from '../src';
import { startFunction } from '../test/harness/functions';
import { freePort, start, stopAll, tempDir } from '../test/harness/proc';

const ROUNDS = 5;
const PER_ROUND = 400;
const WARMUP = 200;

const HANDLER: Record<FunctionRuntime, string> = {
  [FunctionRuntime.NODE]: "'use strict';\nexports.handler = () => ({ ok: true });\n",
  [FunctionRuntime.PYTHON]: 'def handler(context):\n    return {"ok": True}\n',
};

const BARE: Record<FunctionRuntime, { file: string; command: string; text: string }> = {
  [FunctionRuntime.NODE]: {
    file: 'bare.js',
    command: 'node',
    text: [
      "'use strict';",
      "const http = require('http');",
      'http.createServer((req, res) => {',
      '  const chunks = [];',
      "  req.on('data', (c) => chunks.push(c));",
      "  req.on('end', () => {",
      '    JSON.parse(Buffer.concat(chunks).toString());',
      "    const body = JSON.stringify({ ok: true });",
      "    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });",
      '    res.end(body);',
      '  });',
      "}).listen(Number(process.argv[2]), '127.0.0.1');",
      '',
    ].join('\n'),
  },
  [FunctionRuntime.PYTHON]: {
    file: 'bare.py',
    command: 'python3',
    text: [
      'import http.server, json, sys',
      'class H(http.server.BaseHTTPRequestHandler):',
      '    protocol_version = "HTTP/1.1"',
      '    disable_nagle_algorithm = True',
      '    def log_message(self, *a):',
      '        pass',
      '    def do_POST(self):',
      '        json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"null")',
      '        body = json.dumps({"ok": True}).encode()',
      '        self.send_response(200)',
      '        self.send_header("content-type", "application/json")',
      '        self.send_header("content-length", str(len(body)))',
      '        self.end_headers()',
      '        self.wfile.write(body)',
      'class S(http.server.ThreadingHTTPServer):',
      '    daemon_threads = True',
      'S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()',
      '',
    ].join('\n'),
  },
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = '{"user":"ada","n":1}';
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  console.log(`function runtime overhead: ${ROUNDS} interleaved rounds × ${PER_ROUND} sequential keep-alive POSTs per server (after ${WARMUP} warm-up)`);
  console.log('| language | server | p50 ms | p99 ms | p50 ratio | p99 ratio |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const runtime of [FunctionRuntime.NODE, FunctionRuntime.PYTHON]) {
    const chart = Testing.chart();
    new FunctionService(chart, 'fn', { name: 'fn', code: FunctionCode.fromInline(HANDLER[runtime], runtime), minScale: 1, maxScale: 1 });
    const fnUrl = (await startFunction(Testing.synth(chart), 'fn')).url;
    const bare = BARE[runtime];
    const dir = tempDir('bench-bare');
    fs.writeFileSync(path.join(dir, bare.file), bare.text);
    const port = await freePort();
    await start({ name: `bare-${runtime}`, command: bare.command, args: [path.join(dir, bare.file), String(port)], readyPort: { host: '127.0.0.1', port } });
    const bareUrl = `http://127.0.0.1:${port}/`;
    const samples: Record<string, number[]> = { bare: [], runtime: [] };
    for (let i = 0; i < WARMUP; i++) { await post(bareUrl); await post(fnUrl); }
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < PER_ROUND; i++) samples.bare.push(await post(bareUrl));
      for (let i = 0; i < PER_ROUND; i++) samples.runtime.push(await post(fnUrl));
    }
    const b = [...samples.bare].sort((x, y) => x - y);
    const f = [...samples.runtime].sort((x, y) => x - y);
    const row = (name: string, s: number[]) => `| ${runtime} | ${name} | ${pct(s, 50).toFixed(3)} | ${pct(s, 99).toFixed(3)} |`;
    console.log(`${row('bare server', b)} 1.00 | 1.00 |`);
    console.log(`${row('function runtime', f)} ${(pct(f, 50) / pct(b, 50)).toFixed(2)} | ${(pct(f, 99) / pct(b, 99)).toFixed(2)} |`);
    console.log(`| ${runtime} | overhead | ${(pct(f, 50) - pct(b, 50)).toFixed(3)} | ${(pct(f, 99) - pct(b, 99)).toFixed(3)} | | |`);
  }
  agent.destroy();
  await stopAll();
}

main().catch(async (e) => {
  console.error(e);
  await stopAll();
  process.exit(1);
});
