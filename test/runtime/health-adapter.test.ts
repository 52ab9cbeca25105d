/**
 * The health adapter program, run as a process with `node`: the file `src/runtime/programs/health-adapter.js`,
 * whose bytes `HealthAdapterProgram.source()` ships, against small in-process fakes of the app on 127.0.0.1
 * (tier 1). The real redis and PostgreSQL are in test/real/adapter-monitoring.test.ts.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { HealthAdapterProgram } from '../../src';
import { programPath } from '../../src/runtime/_programs';

const program = programPath('health-adapter.js');

const children: ChildProcess[] = [];
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    // An adapter SIGKILLed by afterEach (or a probe it gave up on) resets its connections: on a busy machine the
    // reset can arrive before the fake has answered, and an 'error' without a listener would fail the suite.
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Adapter { port: number; child: ChildProcess; output: () => string }

/**
 * Starts the program with `env` (plus a loopback listen address and a free port) and waits for its first log line.
 * The port is free when it is picked, but another process on a busy machine may bind it before the adapter does:
 * then the adapter exits with 'cannot listen … EADDRINUSE' and it is started again on another port (the harness'
 * race, not the program's, so retried here).
 */
async function startAdapter(env: Record<string, string>): Promise<Adapter> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, [program], {
      env: { PATH: process.env.PATH ?? '', HEALTH_LISTEN_HOST: '127.0.0.1', HEALTH_PORT: String(port), HEALTH_TARGET_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { out += d; });
    const deadline = Date.now() + 20_000;
    while (!out.includes('listening on')) {
      if (child.exitCode !== null) break;
      if (Date.now() > deadline) throw new Error(`adapter did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (out.includes('listening on')) return { port, child, output: () => out };
    if (!out.includes('EADDRINUSE') || attempt >= 5) throw new Error(`adapter exited ${child.exitCode}: ${out}`);
  }
}

function get(port: number, urlPath: string, method = 'GET'): Promise<{ status: number; body: any; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, agent: false }, (res) => {
      let text = '';
      res.on('error', reject); // a reset after the status line: the test fails with it, never the suite
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, ms: Date.now() - t0 }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A fake redis: answers RESP commands; `password` makes AUTH required. Counts connections. */
function fakeRedis(opts: { password?: string; user?: string; reply?: string } = {}) {
  const stats = { connections: 0, commands: [] as string[][] };
  const server = net.createServer((sock) => {
    stats.connections++;
    let buf = '';
    let authed = opts.password === undefined;
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      for (;;) {
        const m = /^\*(\d+)\r\n/.exec(buf);
        if (!m) return;
        const args: string[] = [];
        let rest = buf.slice(m[0].length);
        for (let i = 0; i < Number(m[1]); i++) {
          const b = /^\$(\d+)\r\n/.exec(rest);
          if (!b || rest.length < b[0].length + Number(b[1]) + 2) return;
          args.push(rest.slice(b[0].length, b[0].length + Number(b[1])));
          rest = rest.slice(b[0].length + Number(b[1]) + 2);
        }
        buf = rest;
        stats.commands.push(args);
        if (args[0] === 'AUTH') {
          const ok = args.length === 3 ? args[1] === opts.user && args[2] === opts.password : args[1] === opts.password;
          authed = ok;
          sock.write(ok ? '+OK\r\n' : '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
        } else if (args[0] === 'PING') {
          sock.write(authed ? (opts.reply ?? '+PONG\r\n') : '-NOAUTH Authentication required.\r\n');
        }
      }
    });
  });
  return { server, stats };
}

describe('HealthAdapterProgram.source()', () => {
  test('is the program file, byte for byte: plain JavaScript that parses as a script', () => {
    const src = HealthAdapterProgram.source();
    expect(src).toBe(fs.readFileSync(program, 'utf8'));
    expect(src.startsWith('// The health adapter of cdk8s-distributed-patterns')).toBe(true);
    expect(src).toContain("'use strict';\n(function healthAdapterMain() {");
    expect(src.endsWith('})();\n')).toBe(true);
    expect(src).not.toMatch(/cov_|__awaiter|__importDefault|: string|: number/);
    expect(() => new Function(src)).not.toThrow();
    // deterministic
    expect(HealthAdapterProgram.source()).toBe(src);
  });

  test('is the same text whatever the compiler target (ES5, ES2020, ES2022, and the package tsconfig as lib/ is built)', () => {
    // GIVEN the compiler options jsii uses for lib/ (tsconfig.json), and other targets
    const root = path.join(__dirname, '../..');
    const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile).config;
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
    const targets: ts.CompilerOptions[] = [
      { ...options, inlineSourceMap: false, inlineSources: false },
      ...[ts.ScriptTarget.ES5, ts.ScriptTarget.ES2020, ts.ScriptTarget.ES2022].map((target) => ({ target, module: ts.ModuleKind.CommonJS })),
    ];
    for (const compilerOptions of targets) {
      // WHEN the runtime module and its loader are compiled that way into a folder beside a copy of the programs
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'health-adapter-target-'));
      try {
        fs.cpSync(path.join(root, 'src/runtime/programs'), path.join(dir, 'programs'), { recursive: true });
        for (const f of ['health-adapter', '_programs']) {
          const source = fs.readFileSync(path.join(root, `src/runtime/${f}.ts`), 'utf8');
          fs.writeFileSync(path.join(dir, `${f}.js`), ts.transpileModule(source, { compilerOptions }).outputText);
        }
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(path.join(dir, 'health-adapter.js'));
        // THEN its program text is the file these tests run
        expect(mod.HealthAdapterProgram.source()).toBe(HealthAdapterProgram.source());
        expect(mod.HealthAdapterProgram.FILE_NAME).toBe(HealthAdapterProgram.FILE_NAME);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe('health adapter process', () => {
  test('redis: 200 with PONG after AUTH, 503 with the error when the password is wrong', async () => {
    // GIVEN a redis that requires a password
    const { server, stats } = fakeRedis({ password: 's3cret' });
    const redisPort = await listen(server);
    const good = await startAdapter({ HEALTH_CHECK: 'redis', HEALTH_TARGET_PORT: String(redisPort), HEALTH_REDIS_PASSWORD: 's3cret', HEALTH_TIMEOUT_MS: '1000' });
    const bad = await startAdapter({ HEALTH_CHECK: 'redis', HEALTH_TARGET_PORT: String(redisPort), HEALTH_REDIS_PASSWORD: 'wrong', HEALTH_TIMEOUT_MS: '1000' });
    // WHEN asked
    const ok = await get(good.port, '/readyz');
    const fail = await get(bad.port, '/healthz');
    // THEN
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'ok', check: 'redis', target: `127.0.0.1:${redisPort}` });
    expect(fail.status).toBe(503);
    expect(fail.body).toMatchObject({ status: 'fail', check: 'redis', error: 'redis answered WRONGPASS invalid username-password pair or user is disabled.' });
    expect(stats.commands).toContainEqual(['AUTH', 's3cret']);
    expect(stats.commands).toContainEqual(['PING']);
  });

  test('redis: AUTH with an ACL user name', async () => {
    const { server, stats } = fakeRedis({ password: 'pw', user: 'monitor' });
    const redisPort = await listen(server);
    const a = await startAdapter({ HEALTH_CHECK: 'redis', HEALTH_TARGET_PORT: String(redisPort), HEALTH_REDIS_USERNAME: 'monitor', HEALTH_REDIS_PASSWORD: 'pw' });
    expect((await get(a.port, '/readyz')).status).toBe(200);
    expect(stats.commands[0]).toEqual(['AUTH', 'monitor', 'pw']);
  });

  test('redis: an error reply (LOADING) is unhealthy', async () => {
    const { server } = fakeRedis({ reply: '-LOADING Redis is loading the dataset in memory\r\n' });
    const redisPort = await listen(server);
    const a = await startAdapter({ HEALTH_CHECK: 'redis', HEALTH_TARGET_PORT: String(redisPort) });
    const r = await get(a.port, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body.error).toBe('redis answered LOADING Redis is loading the dataset in memory');
  });

  test('tcp: 200 while something listens, 503 (connection refused) once it is gone', async () => {
    const server = net.createServer((s) => s.end());
    const appPort = await listen(server);
    const a = await startAdapter({ HEALTH_CHECK: 'tcp', HEALTH_TARGET_PORT: String(appPort) });
    expect((await get(a.port, '/readyz')).status).toBe(200);
    await new Promise((r) => server.close(r));
    servers.splice(servers.indexOf(server), 1);
    const r = await get(a.port, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body.error).toContain('ECONNREFUSED');
    // the change is logged as a JSON line
    const lines = a.output().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.message)).toEqual([`listening on 127.0.0.1:${a.port}`, 'app is healthy', 'app is unhealthy']);
    expect(lines[2]).toMatchObject({ level: 'warning', check: 'tcp', status: 'fail' });
  });

  test('http: 2xx and 3xx are healthy, 5xx is not; the path is the configured one', async () => {
    let status = 204;
    const paths: string[] = [];
    const server = http.createServer((req, res) => { paths.push(req.url!); res.writeHead(status); res.end(); });
    const appPort = await listen(server);
    const a = await startAdapter({ HEALTH_CHECK: 'http', HEALTH_TARGET_PORT: String(appPort), HEALTH_HTTP_PATH: '/status?full=1' });
    expect((await get(a.port, '/readyz')).status).toBe(200);
    status = 302;
    expect((await get(a.port, '/readyz')).status).toBe(200);
    status = 500;
    const r = await get(a.port, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body.error).toBe('GET /status?full=1 answered 500');
    expect(paths).toEqual(['/status?full=1', '/status?full=1', '/status?full=1']);
  });

  test('a hung app is a 503 within the timeout, and concurrent requests share one check', async () => {
    // GIVEN an app that accepts connections and never answers
    let connections = 0;
    const server = net.createServer(() => { connections++; });
    const appPort = await listen(server);
    const a = await startAdapter({ HEALTH_CHECK: 'redis', HEALTH_TARGET_PORT: String(appPort), HEALTH_TIMEOUT_MS: '300' });
    // WHEN three requests arrive at once
    const rs = await Promise.all([get(a.port, '/readyz'), get(a.port, '/healthz'), get(a.port, '/readyz')]);
    // THEN each is a 503 after about the timeout, and the app saw one connection
    for (const r of rs) {
      expect(r.status).toBe(503);
      expect(r.body.error).toBe('no answer within 300ms');
      expect(r.ms).toBeGreaterThanOrEqual(250);
      expect(r.ms).toBeLessThan(300 + 4000); // far before the 10 s a hang would take: slack for a loaded machine
    }
    expect(connections).toBe(1);
  });

  describe('every read is bounded: an app that floods the probed port gets a 503, the adapter keeps running', () => {
    /**
     * A misbehaving app: on each connection it writes `head`, then `chunk` for as long as the peer reads (paced by
     * 'drain', so this process holds no backlog). Counts the bytes it got out.
     */
    function flooder(head: Buffer, chunk: Buffer) {
      const stats = { connections: 0, bytesSent: 0 };
      const server = net.createServer((s) => {
        stats.connections++;
        s.on('data', () => undefined);
        const pump = () => {
          while (!s.destroyed && s.writable && chunk.length > 0) {
            stats.bytesSent += chunk.length;
            if (!s.write(chunk)) return;
          }
        };
        s.on('drain', pump);
        s.write(head);
        stats.bytesSent += head.length;
        pump();
      });
      return { server, stats };
    }

    /** Asks /readyz three times (three checks), then /livez; returns the answers. */
    async function ask(a: Adapter) {
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await get(a.port, '/readyz'));
      return { answers, livez: await get(a.port, '/livez') };
    }

    test('redis: a reply line without an end is cut at 64 KiB', async () => {
      const { server, stats } = flooder(Buffer.alloc(0), Buffer.alloc(256 * 1024, 'x'));
      const a = await startAdapter({ HEALTH_CHECK: 'redis', HEALTH_TARGET_PORT: String(await listen(server)), HEALTH_TIMEOUT_MS: '5000' });
      const { answers, livez } = await ask(a);
      for (const r of answers) expect(r).toMatchObject({ status: 503, body: { status: 'fail', error: 'redis sent a reply line longer than 65536 bytes' } });
      expect(livez.status).toBe(200);
      expect(stats.connections).toBe(3);
      expect(a.child.exitCode).toBeNull();
    });

    test('redis: endless well-formed lines that are not the answer fail at the first one', async () => {
      const { server } = flooder(Buffer.alloc(0), Buffer.from('+HELLO\r\n'.repeat(10_000)));
      const a = await startAdapter({ HEALTH_CHECK: 'redis', HEALTH_TARGET_PORT: String(await listen(server)) });
      expect((await ask(a)).answers.map((r) => r.body.error)).toEqual(Array(3).fill("redis answered '+HELLO', expected '+PONG'"));
    });

    test('redis: a reply line of exactly 64 KiB is still read (the bound is not below it)', async () => {
      const line = `-ERR ${'y'.repeat(64 * 1024 - 5)}`;
      const { server } = flooder(Buffer.from(`${line}\r\n`), Buffer.alloc(0));
      const a = await startAdapter({ HEALTH_CHECK: 'redis', HEALTH_TARGET_PORT: String(await listen(server)) });
      const r = await get(a.port, '/readyz');
      expect(r.status).toBe(503);
      expect(r.body.error).toBe(`redis answered ${line.slice(1)}`);
    });

    test('postgres: a message that claims 2 GiB is refused at its header', async () => {
      const head = Buffer.from([0x52, 0x7f, 0xff, 0xff, 0xff]); // 'R', length 2^31 - 1
      const { server } = flooder(head, Buffer.alloc(64 * 1024, 0));
      const a = await startAdapter({ HEALTH_CHECK: 'postgres', HEALTH_PG_USER: 'u', HEALTH_TARGET_PORT: String(await listen(server)) });
      for (const r of (await ask(a)).answers) {
        expect(r).toMatchObject({ status: 503, body: { error: "postgres sent a 'R' message of 2147483647 bytes (the adapter reads messages of 4 to 65536 bytes)" } });
      }
    });

    test('postgres: endless small messages fail once the reply passes 1 MiB', async () => {
      // NoticeResponse messages ('N'), each well-formed and of no consequence
      const notice = Buffer.concat([Buffer.from('N'), Buffer.from([0, 0, 0, 13]), Buffer.from('Mflood!\0\0', 'latin1')]);
      expect(notice.readInt32BE(1)).toBe(notice.length - 1);
      const { server } = flooder(Buffer.alloc(0), Buffer.concat(Array(4096).fill(notice)));
      const a = await startAdapter({ HEALTH_CHECK: 'postgres', HEALTH_PG_USER: 'u', HEALTH_TARGET_PORT: String(await listen(server)), HEALTH_TIMEOUT_MS: '5000' });
      for (const r of (await ask(a)).answers) {
        expect(r).toMatchObject({ status: 503, body: { error: 'the app sent more than 1048576 bytes without completing the check' } });
      }
    });

    test('http: endless headers are a 503 (header overflow); an endless body is not read: the status answers', async () => {
      // GIVEN one app that never ends its headers and one that answers 200 with a body that never ends
      const headers = flooder(Buffer.from('HTTP/1.1 200 OK\r\n'), Buffer.from('x-flood: yes\r\n'.repeat(1000)));
      const body = flooder(Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n'), Buffer.alloc(256 * 1024, 'z'));
      const h = await startAdapter({ HEALTH_CHECK: 'http', HEALTH_TARGET_PORT: String(await listen(headers.server)), HEALTH_TIMEOUT_MS: '5000' });
      const b = await startAdapter({ HEALTH_CHECK: 'http', HEALTH_TARGET_PORT: String(await listen(body.server)), HEALTH_TIMEOUT_MS: '5000' });
      // THEN
      for (const r of (await ask(h)).answers) {
        expect(r.status).toBe(503);
        expect(r.body.error).toMatch(/Header overflow|HPE_HEADER_OVERFLOW/);
      }
      for (const r of (await ask(b)).answers) expect(r.status).toBe(200);
    });

    test('its own clients: request headers over 16 KiB get a 431, and it keeps answering', async () => {
      const server = net.createServer((s) => s.end());
      const a = await startAdapter({ HEALTH_CHECK: 'tcp', HEALTH_TARGET_PORT: String(await listen(server)) });
      // The adapter answers 431 and closes while the client may still be sending its headers: the kernel then
      // resets the connection, and on a busy machine the reset can arrive before the client has read the 431. Both
      // are the bound working (the request was refused, never answered); what is read is taken from a raw socket.
      const seen = await new Promise<string>((resolve) => {
        let got = '';
        const s = net.connect({ host: '127.0.0.1', port: a.port }, () => {
          s.write(`GET /readyz HTTP/1.1\r\nhost: x\r\nx-big: ${'b'.repeat(20 * 1024)}\r\n\r\n`);
        });
        s.on('data', (d) => { got += d; });
        s.on('error', (e: NodeJS.ErrnoException) => resolve(got || String(e.code)));
        s.on('close', () => resolve(got));
      });
      expect(seen).toMatch(/^(HTTP\/1\.1 431 |ECONNRESET$|EPIPE$)/);
      expect((await get(a.port, '/readyz')).status).toBe(200);
    });
  });

  test('/livez is 200 while the app is down; unknown paths 404; other methods 405; HEAD works', async () => {
    const a = await startAdapter({ HEALTH_CHECK: 'tcp', HEALTH_TARGET_PORT: String(await freePort()) });
    expect(await get(a.port, '/livez')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await get(a.port, '/readyz')).status).toBe(503);
    expect(await get(a.port, '/metrics')).toMatchObject({ status: 404, body: { error: 'no such endpoint: /metrics (try /healthz, /readyz, /livez)' } });
    expect(await get(a.port, '/readyz', 'POST')).toMatchObject({ status: 405, body: { error: 'method POST not allowed' } });
    expect(await get(a.port, '/livez', 'HEAD')).toMatchObject({ status: 200, body: undefined });
  });

  test('SIGTERM stops it with exit code 0', async () => {
    const a = await startAdapter({ HEALTH_CHECK: 'tcp', HEALTH_TARGET_PORT: '1' });
    const exited = new Promise<number | null>((r) => a.child.once('exit', (code) => r(code)));
    a.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  test.each([
    [{ HEALTH_CHECK: 'ftp', HEALTH_TARGET_PORT: '21' }, "HEALTH_CHECK must be one of tcp, redis, http, postgres, mysql, got 'ftp'"],
    [{ HEALTH_CHECK: 'tcp' }, 'HEALTH_TARGET_PORT is required'],
    [{ HEALTH_CHECK: 'tcp', HEALTH_TARGET_PORT: '6379', HEALTH_TIMEOUT_MS: '1.5' }, "HEALTH_TIMEOUT_MS must be a positive integer, got '1.5'"],
  ])('fails at start with exit code 2 when the env is wrong: %j', async (env, message) => {
    const port = await freePort();
    const child = spawn(process.execPath, [program], { env: { HEALTH_PORT: String(port), HEALTH_LISTEN_HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(JSON.parse(err.trim())).toMatchObject({ level: 'error', message });
  });
});
