// Tier 2: RequestSplitter's nginx config run UNCHANGED by the real nginx in front of two (and three) backend test
// servers on 127.0.0.x, the backend Service names mapped by nss_wrapper. 10,000 requests from 2,500 distinct
// clients per key — distinct source addresses 127.77.x.y for the client-address key, distinct cookie and header
// values for the application keys — each side's share within ±1.5 points of its weight, every client always on the
// same side. Then the HTTPRoute on a real kube-apiserver with the Gateway API v1.6.3 CRDs.
import * as http from 'http';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { NginxSplitBackend, RequestSplitter, RequestSplitterProps, StickyKey } from '../../src';
import { synthValid } from '../harness';
import { ApiServer, serverDryRun, startApiServer } from '../harness/apiserver';
import { allocHost, startNginx, testNginxConfig } from '../harness/daemons';
import { stopAll, TOOLS_DIR } from '../harness/proc';

jest.setTimeout(300_000);

const TMP_MOUNT = { '/tmp': { '.keep': '' } };
const CLIENTS = 2500;
const PER_CLIENT = 4;

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await stopAll();
});

function synth(props: Partial<RequestSplitterProps> & { backends: NginxSplitBackend[] }): RequestSplitter {
  const chart = new Chart(Testing.app(), 'test');
  const split = new RequestSplitter(chart, 'split', { backendHeader: 'X-Split-Backend', ...props });
  synthValid(chart);
  return split;
}

/** A backend test server per side, answering its side's name, on <ip>:8080 (its "Service IP"). */
async function startBackends(names: string[]): Promise<Record<string, string>> {
  const hosts: Record<string, string> = {};
  for (const name of names) {
    const ip = allocHost();
    const srv = http.createServer((_req, res) => { res.setHeader('x-side', name); res.end(name); });
    // idle connections closed by nginx first (its upstream keepalive_timeout is 60 s): a backend that closes them
    // sooner races nginx reusing one, a 502 with proxy_next_upstream off (seen with 1 s on a loaded machine)
    srv.keepAliveTimeout = 120_000;
    await new Promise<void>((r) => srv.listen(8080, ip, r));
    servers.push(srv);
    hosts[name] = ip;
  }
  return hosts;
}

interface Request { readonly client: string; readonly localAddress?: string; readonly headers?: Record<string, string> }

function get(host: string, port: number, r: Request): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path: '/', localAddress: r.localAddress, headers: r.headers, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(String(res.headers['x-side'])) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Sends every request (interleaved: client 0..n, then again), 32 in flight; returns the sides per client. */
async function load(host: string, port: number, requests: Request[]): Promise<Map<string, string[]>> {
  const sides = new Map<string, string[]>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++];
      const side = await get(host, port, r);
      sides.set(r.client, [...(sides.get(r.client) ?? []), side]);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return sides;
}

function rounds(make: (i: number) => Request): Request[] {
  const out: Request[] = [];
  for (let round = 0; round < PER_CLIENT; round++) for (let i = 0; i < CLIENTS; i++) out.push(make(i));
  return out;
}

/** Each side's share of requests (percent), and the clients that saw more than one side. */
function measure(sides: Map<string, string[]>): { shares: Record<string, number>; flipped: string[]; requests: number } {
  const counts: Record<string, number> = {};
  let requests = 0;
  const flipped: string[] = [];
  for (const [client, seen] of sides) {
    for (const s of seen) { counts[s] = (counts[s] ?? 0) + 1; requests++; }
    if (new Set(seen).size !== 1) flipped.push(client);
  }
  return { shares: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, (100 * v) / requests])), flipped, requests };
}

const NINETY_TEN: NginxSplitBackend[] = [
  { name: 'web', host: 'web', port: 8080, weight: 9 },
  { name: 'experiment', host: 'experiment', port: 8080, weight: 1 },
];

describe('RequestSplitter with the real nginx', () => {
  test.each([
    ['the client address (2,500 source addresses 127.77.x.y)', StickyKey.clientIp(),
      (i: number): Request => ({ client: `127.77.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`, localAddress: `127.77.${Math.floor(i / 250) + 1}.${(i % 250) + 1}` })],
    ['a cookie (2,500 users)', StickyKey.cookie('user'), (i: number): Request => ({ client: `u${i}`, headers: { cookie: `theme=dark; user=u${i}` } })],
    ['a header (2,500 users)', StickyKey.header('X-User-Id'), (i: number): Request => ({ client: `u${i}`, headers: { 'x-user-id': `user-${i}@example.com` } })],
  ])('90/10 sticky by %s: 10,000 requests, the experiment within ±1.5 points of 10 %, every client on one side', async (_what, stickiness, client) => {
    // GIVEN the shared tier's config, unchanged, in the real nginx, in front of the two sides
    const split = synth({ backends: NINETY_TEN, stickiness });
    const hosts = await startBackends(['web', 'experiment']);
    expect(testNginxConfig(split.configText, {}, { hosts, mounts: TMP_MOUNT }).ok).toBe(true);
    const nginx = await startNginx(split.configText, { hosts, mounts: TMP_MOUNT });
    // WHEN 2,500 clients send 4 requests each
    const started = Date.now();
    const result = measure(await load(nginx.host, nginx.port, rounds(client)));
    const seconds = (Date.now() - started) / 1000;
    // THEN
    process.stdout.write(`split by ${stickiness.description}: ${JSON.stringify(result.shares)} over ${result.requests} requests in ${seconds.toFixed(1)}s\n`);
    expect(result.requests).toBe(CLIENTS * PER_CLIENT);
    expect(Math.abs(result.shares.experiment - 10)).toBeLessThanOrEqual(1.5);
    expect(Math.abs(result.shares.web - 90)).toBeLessThanOrEqual(1.5);
    expect(result.flipped).toEqual([]);
  });

  test('a three-way split 5:3:2 by cookie: every share within ±1.5 points, every client on one side', async () => {
    const backends = [
      { name: 'stable', host: 'stable', port: 8080, weight: 5 },
      { name: 'canary', host: 'canary', port: 8080, weight: 3 },
      { name: 'labs', host: 'labs', port: 8080, weight: 2 },
    ];
    const split = synth({ backends, stickiness: StickyKey.cookie('user') });
    const hosts = await startBackends(backends.map((b) => b.name));
    const nginx = await startNginx(split.configText, { hosts, mounts: TMP_MOUNT });
    const result = measure(await load(nginx.host, nginx.port, rounds((i) => ({ client: `c${i}`, headers: { cookie: `user=c${i}` } }))));
    process.stdout.write(`3-way split: ${JSON.stringify(result.shares)}\n`);
    expect(Math.abs(result.shares.stable - 50)).toBeLessThanOrEqual(1.5);
    expect(Math.abs(result.shares.canary - 30)).toBeLessThanOrEqual(1.5);
    expect(Math.abs(result.shares.labs - 20)).toBeLessThanOrEqual(1.5);
    expect(result.flipped).toEqual([]);
  });

  test('the in-pod ambassador: the split on 127.0.0.1:8080, the health endpoint on its own port; requests without the cookie stay by address', async () => {
    const chart = new Chart(Testing.app(), 'test');
    const split = new RequestSplitter(chart, 'frontend', {
      backends: NINETY_TEN, stickiness: StickyKey.cookie('user'), app: { image: 'example/frontend:1.0.0', port: 3000 }, backendHeader: 'X-Split-Backend',
    });
    synthValid(chart);
    const hosts = await startBackends(['web', 'experiment']);
    // The pod is played by one 127.0.0.x: its loopback listen (127.0.0.1:8080, shared by every test on this
    // machine) moves to that address, the wildcard health listen too; every other byte is the config's.
    expect(split.configText).toContain('        listen 127.0.0.1:8080;\n');
    const pod = allocHost();
    const nginx = await startNginx(split.configText.replace('listen 127.0.0.1:8080;', `listen ${pod}:8080;`), { hosts, mounts: TMP_MOUNT, host: pod });
    expect(nginx.listens.map((l) => l.port).sort()).toEqual([8080, 8081]);
    const h = await new Promise<number>((resolve, reject) => http.get({ host: pod, port: 8081, path: '/healthz-split' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject));
    expect(h).toBe(200);
    const withCookie = measure(await load(pod, 8080, Array.from({ length: 4000 }, (_, i) => ({ client: `u${i % 1000}`, headers: { cookie: `user=u${i % 1000}` } }))));
    expect(withCookie.flipped).toEqual([]);
    expect(Math.abs(withCookie.shares.experiment - 10)).toBeLessThanOrEqual(3);
    const without = measure(await load(pod, 8080, Array.from({ length: 50 }, () => ({ client: 'no-cookie' }))));
    expect(without.flipped).toEqual([]);
  });
});

/** A side as a real nginx process (so it can be SIGKILLed and SIGSTOPped) answering its name. */
async function startNginxSide(name: string) {
  const conf = `events {}\nhttp {\n  access_log off;\n  server {\n    listen 8080;\n    location / { add_header x-side ${name}; return 200 "${name}"; }\n  }\n}\n`;
  return startNginx(conf, { mounts: TMP_MOUNT });
}

function outcome(host: string, port: number, r: Request, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.request({ host, port, path: '/', headers: r.headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? `200 ${res.headers['x-side']}` : String(res.statusCode)));
    });
    req.setTimeout(timeoutMs, () => { req.destroy(); resolve('timeout'); });
    req.on('error', (e) => resolve(`error ${e.message}`));
    req.end();
  });
}

describe('RequestSplitter failure contract (real nginx sides, killed and stopped)', () => {
  test('idle upstream connections: nginx closes them after 4 s idle (before a backend with Node\'s or varnish\'s 5 s would), not after 60 s', async () => {
    // GIVEN two sides that never close an idle connection themselves, and that note when nginx closes one
    const closedAfter: number[] = [];
    let opened = 0;
    const hosts: Record<string, string> = {};
    for (const name of ['web', 'experiment']) {
      const ip = allocHost();
      const lastAnswer = new WeakMap<object, number>();
      const srv = http.createServer((req, res) => {
        res.on('finish', () => lastAnswer.set(req.socket, Date.now()));
        res.setHeader('x-side', name);
        res.end(name);
      });
      srv.keepAliveTimeout = 120_000;
      srv.on('connection', (sock) => {
        opened++;
        sock.on('end', () => closedAfter.push(Date.now() - (lastAnswer.get(sock) ?? Date.now())));
      });
      await new Promise<void>((r) => srv.listen(8080, ip, r));
      servers.push(srv);
      hosts[name] = ip;
    }
    const split = synth({ backends: NINETY_TEN, stickiness: StickyKey.cookie('user') });
    const nginx = await startNginx(split.configText, { hosts, mounts: TMP_MOUNT });
    // WHEN 40 users send one request each, then nothing
    for (let i = 0; i < 40; i++) expect(await outcome(nginx.host, nginx.port, { client: `u${i}`, headers: { cookie: `user=u${i}` } }, 5000)).toMatch(/^200 /);
    const deadline = Date.now() + 20_000;
    while (closedAfter.length < opened && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    process.stdout.write(`idle upstream connections: ${opened} opened, closed by nginx after ${closedAfter.map((ms) => `${ms} ms`).join(', ')}\n`);
    // THEN nginx closed every one of them itself, about 4 s after its last answer (nginx's default would be 60 s)
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(closedAfter).toHaveLength(opened);
    for (const ms of closedAfter) {
      expect(ms).toBeGreaterThanOrEqual(3500);
      expect(ms).toBeLessThan(10_000);
    }
  });

  test('a side dies (SIGKILL): only its users get 502, at once; the other side\'s users never notice; no user moves side', async () => {
    const web = await startNginxSide('web');
    const exp = await startNginxSide('experiment');
    const hosts = { web: web.host, experiment: exp.host };
    const split = synth({ backends: NINETY_TEN, stickiness: StickyKey.cookie('user') });
    const nginx = await startNginx(split.configText, { hosts, mounts: TMP_MOUNT });
    const users = Array.from({ length: 400 }, (_, i) => ({ client: `u${i}`, headers: { cookie: `user=u${i}` } }));
    const before = new Map<string, string>();
    for (const u of users) before.set(u.client, await outcome(nginx.host, nginx.port, u, 3000));
    expect(new Set(before.values())).toEqual(new Set(['200 web', '200 experiment']));
    process.kill(-exp.proc.pid, 'SIGKILL'); // the group: master and worker
    await new Promise((r) => setTimeout(r, 200));
    const after = new Map<string, { result: string; ms: number }>();
    for (const u of users) {
      const t0 = Date.now();
      after.set(u.client, { result: await outcome(nginx.host, nginx.port, u, 3000), ms: Date.now() - t0 });
    }
    const seen: Record<string, number> = {};
    let slowest502 = 0;
    for (const u of users) {
      const { result, ms } = after.get(u.client)!;
      if (before.get(u.client) === '200 web') {expect(result).toBe('200 web');} else { expect(result).toBe('502'); slowest502 = Math.max(slowest502, ms); }
      seen[result] = (seen[result] ?? 0) + 1;
    }
    process.stdout.write(`experiment side SIGKILLed: ${JSON.stringify(seen)}, slowest 502 ${slowest502} ms\n`);
    expect(slowest502).toBeLessThan(1000);
  });

  test('a side hangs (SIGSTOP): only its users wait (nginx proxy_read_timeout, 60 s); the other side answers throughout; after SIGCONT both answer', async () => {
    const web = await startNginxSide('web');
    const exp = await startNginxSide('experiment');
    const split = synth({ backends: NINETY_TEN, stickiness: StickyKey.cookie('user') });
    const nginx = await startNginx(split.configText, { hosts: { web: web.host, experiment: exp.host }, mounts: TMP_MOUNT });
    const users = Array.from({ length: 200 }, (_, i) => ({ client: `u${i}`, headers: { cookie: `user=u${i}` } }));
    const side = new Map<string, string>();
    for (const u of users) side.set(u.client, await outcome(nginx.host, nginx.port, u, 3000));
    process.kill(-exp.proc.pid, 'SIGSTOP');
    try {
      // (5 s: 200 requests at once on a loaded machine; the hung side's wait is nginx's 60 s proxy_read_timeout)
      const during = await Promise.all(users.map((u) => outcome(nginx.host, nginx.port, u, 5000)));
      users.forEach((u, i) => expect(during[i]).toBe(side.get(u.client) === '200 web' ? '200 web' : 'timeout'));
    } finally {
      process.kill(-exp.proc.pid, 'SIGCONT');
    }
    const afterwards = await Promise.all(users.map((u) => outcome(nginx.host, nginx.port, u, 5000)));
    users.forEach((u, i) => expect(afterwards[i]).toBe(side.get(u.client)));
  });

  test('a splitter replica dies: another replica with the same config puts every user on the same side (no shared state)', async () => {
    const hosts = await startBackends(['web', 'experiment']);
    const split = synth({ backends: NINETY_TEN, stickiness: StickyKey.cookie('user') });
    const a = await startNginx(split.configText, { hosts, mounts: TMP_MOUNT });
    const b = await startNginx(split.configText, { hosts, mounts: TMP_MOUNT });
    const users = Array.from({ length: 1000 }, (_, i) => ({ client: `u${i}`, headers: { cookie: `user=u${i}` } }));
    const onA = await load(a.host, a.port, users);
    await a.proc.stop();
    const onB = await load(b.host, b.port, users);
    for (const u of users) expect(onB.get(u.client)).toEqual(onA.get(u.client));
  });
});

describe('the HTTPRoute on a real kube-apiserver with the Gateway API v1.6.3 CRDs', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer({ crdDirs: [path.join(TOOLS_DIR, 'crds', 'gateway-api')] });
  }, 300_000);
  afterAll(() => api?.stop());

  test('the splitter and its route accepted; the CRD schema enforced (a weight above 1,000,000 rejected)', async () => {
    const chart = Testing.chart();
    const split = new RequestSplitter(chart, 'shop', {
      backends: [{ name: 'web', host: 'web', port: 80, weight: 9 }, { name: 'experiment', host: 'experiment.labs', port: 8080, weight: 1 }],
    });
    split.addHttpRoute('Route', { parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }], hostnames: ['shop.example.com'] });
    const objects = synthValid(chart);
    const verdicts = await serverDryRun(api, objects);
    expect(verdicts.map((v) => `${v.kind}/${v.name}`)).toEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const v of verdicts) {
      expect({ object: `${v.kind}/${v.name}`, accepted: v.accepted, message: v.message, warnings: v.warnings })
        .toEqual({ object: `${v.kind}/${v.name}`, accepted: true, message: '', warnings: [] });
    }
    const route = verdicts.find((v) => v.kind === 'HTTPRoute')!;
    expect(route.returned.spec.rules[0].backendRefs.map((b: any) => [b.name, b.weight])).toEqual([['web', 9], ['experiment', 1]]);
    const bad = JSON.parse(JSON.stringify(objects.find((o) => o.kind === 'HTTPRoute')));
    bad.spec.rules[0].backendRefs[0].weight = 1_000_001;
    const [v] = await serverDryRun(api, [bad]);
    expect(v.accepted).toBe(false);
    expect(v.message).toMatch(/weight/);
  });
});
