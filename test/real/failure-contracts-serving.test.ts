/**
 * Tier 2: the failure-contract rows of ReplicatedService and ShardedCache that were stated from the configs, proven
 * by hanging (SIGSTOP) or killing (SIGKILL) the part under bounded load, with the configs the constructs render,
 * unchanged, in the real daemons (nginx 1.22, varnish 7.1, nutcracker 0.5, memcached) on 127.0.0.x.
 *
 * What Kubernetes does is not run here; what it acts on is: each probe of the synthesized pod spec is made the way
 * the kubelet makes it (a TCP connect, or an HTTP(S) GET without certificate checks, 200–399 within
 * `timeoutSeconds`) against the hung or dead process, so the proof is that the probe's own request fails (or
 * passes) within its timeout; Kubernetes' part (`failureThreshold` failures, `periodSeconds` apart, take the pod out
 * of its Service's endpoints or restart the container) is its documented behaviour.
 */
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { CacheEngine, NginxConfig, RedisAuth, ReplicatedService, ShardedCache, TwemproxyHashing, VarnishConfig } from '../../src';
import { one, synthValid } from '../harness';
import { allocHost, Daemon, httpGet, startMemcached, startNginx, startNutcracker, startRedis, startVarnish } from '../harness/daemons';
import { httpProbe, httpsProbe, probeRounds, probeSeconds, tcpProbe } from '../harness/probes';
import { freePort, run, selfSignedCertificate, sleep, start, Started, stopAll, tempDir, toolPath, waitFor } from '../harness/proc';
import { Load, median, signal, summary, tally, writeAll } from '../harness/twemproxy-load';

jest.setTimeout(240_000);
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
afterEach(async () => {
  await stopAll();
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

// ---------------------------------------------------------------------------------------------------------------
// probes as the kubelet makes them

/** SIGSTOP or SIGCONT a process group (nginx: its master and worker). */
function signalGroup(p: Started, sig: 'SIGSTOP' | 'SIGCONT'): void {
  process.kill(-p.pid, sig);
}

// ---------------------------------------------------------------------------------------------------------------
// ReplicatedService

/** What a client saw of one HTTPS request: a status, or an error (`timeout` after its own bound). */
interface Seen { readonly sentMs: number; readonly ms: number; readonly status?: number; readonly error?: string }

/** A client's HTTPS GET on a new connection, bounded by its own `timeoutMs`. */
function clientGet(host: string, port: number, urlPath: string, ca: string, timeoutMs: number, t0: number): Promise<Seen> {
  const sent = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: { status?: number; error?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ sentMs: sent - t0, ms: Date.now() - sent, ...r });
    };
    const req = https.get({ host, port, path: urlPath, ca, servername: 'dictionary.example.com', agent: false }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode }));
      res.on('error', (e) => done({ error: e.message }));
    });
    req.on('error', (e) => done({ error: (e as any).code ?? e.message }));
    const timer = setTimeout(() => done({ error: 'timeout' }), timeoutMs);
  });
}

/** `clients` loops of `clientGet` until `stop()`; every answer recorded. */
class HttpsLoad {
  public readonly seen: Seen[] = [];
  private readonly t0 = Date.now();
  private running = true;
  private readonly loops: Promise<void>[];
  constructor(get: (p: string, t0: number) => Promise<Seen>, clients: number, pauseMs: number) {
    let n = 0;
    this.loops = Array.from({ length: clients }, async () => {
      while (this.running) {
        this.seen.push(await get(`/define/w${n++}`, this.t0));
        await sleep(pauseMs);
      }
    });
  }
  public now(): number { return Date.now() - this.t0; }
  public between(from: number, to: number): Seen[] { return this.seen.filter((s) => s.sentMs >= from && s.sentMs < to); }
  public async stop(): Promise<Seen[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.seen;
  }
}

function countSeen(seen: readonly Seen[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const s of seen) {
    const k = s.status !== undefined ? String(s.status) : s.error!;
    c[k] = (c[k] ?? 0) + 1;
  }
  return c;
}

/** A plain-HTTP app replica as its own process (so it can be SIGKILLed): `/readyz` 200, anything else its name. */
async function appReplica(name: string, host: string, port: number): Promise<Started> {
  const dir = tempDir(`app-${name}`);
  const file = path.join(dir, 'app.js');
  fs.writeFileSync(file, [
    "const http = require('http');",
    `http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(req.url === '/readyz' ? 'ok' : ${JSON.stringify(name)}); })`,
    `  .listen(${port}, ${JSON.stringify(host)});`,
  ].join('\n'));
  return start({ name: `app-${name}`, command: process.execPath, args: [file], readyPort: { host, port } });
}

/**
 * A stand-in for the app's ClusterIP Service: each new connection goes to the next endpoint in turn (kube-proxy's
 * IPVS mode, round robin); a connection to an endpoint that refuses is reset, as the client of a dead pod sees it.
 * `endpoints` can be changed, as the endpoints controller does when a pod's readiness fails.
 */
async function serviceStandIn(host: string, port: number, endpoints: Array<{ host: string; port: number }>) {
  const state = { endpoints, next: 0, connections: new Map<string, number>() };
  const srv = net.createServer((client) => {
    const ep = state.endpoints[state.next++ % state.endpoints.length];
    const key = `${ep.host}:${ep.port}`;
    state.connections.set(key, (state.connections.get(key) ?? 0) + 1);
    const upstream = net.connect(ep);
    for (const sock of [client, upstream]) {
      sockets.add(sock);
      sock.once('close', () => sockets.delete(sock));
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.resetAndDestroy());
    client.pipe(upstream).pipe(client);
  });
  servers.push(srv);
  await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(port, host, () => resolve()); });
  return state;
}

/**
 * The configs and the TLS tier's container of a ReplicatedService whose Service ports equal the container ports
 * (each process stands in for a Service and its pods); `cache` adds the cache tier with those ports.
 */
function renderTiers(appPort: number, tlsPort: number, cache?: { port?: number; servicePort: number }) {
  const chart = Testing.chart();
  const rs = new ReplicatedService(chart, 'dictionary', {
    app: { image: 'example/dictionary:1.0.0', port: appPort, readiness: kplus.Probe.fromHttpGet('/readyz') }, servicePort: appPort,
  });
  if (cache) rs.addCacheTier(cache);
  rs.addTlsTier({ secret: kplus.Secret.fromSecretName(chart, 'tls', 'dictionary-tls'), port: tlsPort });
  const objs = synthValid(chart);
  return {
    vcl: cache ? one(objs, 'ConfigMap', 'dictionary-cache').data['default.vcl'] as string : '',
    conf: one(objs, 'ConfigMap', 'dictionary-tls').data['nginx.conf'] as string,
    tls: one(objs, 'Deployment', 'dictionary-tls').spec.template.spec.containers[0],
    cache: cache ? one(objs, 'Deployment', 'dictionary-cache').spec.template.spec.containers[0] : undefined,
  };
}

/** Waits (bounded, 5 s) until no process of the group `pgid` is left. */
async function waitForGroupGone(pgid: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return; // ESRCH: the group is empty
    }
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still has processes 5 s after SIGKILL`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ReplicatedService failure contract: the TLS tier and the replicas behind it', () => {
  test('a hung (SIGSTOP) TLS terminator: clients get nothing until their own timeout; its HTTPS probe on /healthz-tls times out within timeoutSeconds (a TCP probe would pass); resumed, all answer; SIGKILLed, refused at once', async () => {
    // GIVEN the TLS tier in front of one app replica, the config and probes as synthesized
    const appHost = allocHost();
    const appPort = await freePort(appHost);
    const tlsPort = await freePort();
    const { conf, tls: container } = renderTiers(appPort, tlsPort);
    expect(container.readinessProbe.httpGet).toEqual({ path: NginxConfig.TLS_TIER_HEALTH_PATH, port: tlsPort, scheme: 'HTTPS' });
    expect(probeSeconds(container.readinessProbe)).toEqual({ period: 10, timeout: 1, failures: 3 });
    expect(container.livenessProbe).toBeUndefined();
    const probe = probeSeconds(container.readinessProbe);
    const app = await appReplica('a', appHost, appPort);
    const cert = selfSignedCertificate('dictionary.example.com');
    const nginx = await startNginx(conf, { mounts: { '/etc/nginx/tls': cert }, hosts: { dictionary: appHost } });
    const health = () => httpsProbe(nginx.host, tlsPort, NginxConfig.TLS_TIER_HEALTH_PATH, probe.timeout * 1000);
    expect(await health()).toMatchObject({ ok: true, why: 'status 200' });
    const CLIENT_TIMEOUT_MS = 3000;
    const load = new HttpsLoad((p, t0) => clientGet(nginx.host, tlsPort, p, cert['tls.crt'], CLIENT_TIMEOUT_MS, t0), 4, 20);
    await waitFor('answers before the hang', 20_000, async () => (load.seen.filter((s) => s.status === 200).length >= 20 ? true : undefined));

    // WHEN nginx (master and worker) is stopped under the load
    const stopAt = load.now();
    signalGroup(nginx.proc, 'SIGSTOP');
    let during: Awaited<ReturnType<typeof probeRounds>>;
    try {
      // THEN the kubelet's probes, made as it makes them, failureThreshold times: TCP connects (the kernel accepts),
      // the HTTPS GET of the health path fails by its timeout
      during = await probeRounds(nginx.host, tlsPort, probe.failures, probe.timeout * 1000, health);
      await sleep(CLIENT_TIMEOUT_MS + 1000);
    } finally {
      signalGroup(nginx.proc, 'SIGCONT');
    }
    const resumeAt = load.now();
    // AND once resumed, the probe passes and clients are answered again
    expect(await waitFor('the health path after SIGCONT', 20_000, async () => ((await health()).ok ? true : undefined))).toBe(true);
    await waitFor('answers after the hang', 20_000, async () => (load.between(resumeAt, load.now()).filter((s) => s.status === 200).length >= 20 ? true : undefined));
    await load.stop();

    // the requests sent while it was stopped (and answered before SIGCONT could free them): none answered, each
    // failed by the client's own timeout
    const hung = load.seen.filter((s) => s.sentMs >= stopAt && s.sentMs + s.ms < resumeAt);
    const before = load.between(0, stopAt).filter((s) => s.sentMs + s.ms < stopAt);
    const after = load.between(resumeAt, load.now());
    console.log(`TLS terminator SIGSTOPped ${((resumeAt - stopAt) / 1000).toFixed(1)} s: before ${JSON.stringify(countSeen(before))}; `
      + `sent while hung ${JSON.stringify(countSeen(hung))} (client timeout ${CLIENT_TIMEOUT_MS} ms, min ${Math.min(...hung.map((s) => s.ms))} ms); `
      + `kubelet probes while hung: TCP ${during.tcp.map((p) => `${p.ok ? 'pass' : 'fail'} ${p.ms} ms`).join(', ')}; `
      + `HTTPS ${NginxConfig.TLS_TIER_HEALTH_PATH} ${during.get.map((p) => `${p.why} ${p.ms} ms`).join(', ')}; after SIGCONT ${JSON.stringify(countSeen(after))}`);
    expect(countSeen(before)).toEqual({ 200: before.length });
    expect(hung.length).toBeGreaterThanOrEqual(4);
    expect(hung.every((s) => s.error === 'timeout' && s.ms >= CLIENT_TIMEOUT_MS - 50)).toBe(true);
    expect(during.tcp.every((p) => p.ok)).toBe(true);
    // each probe fails by its own timeout: not before it, and (on a busy machine) not much after it
    expect(during.get.every((p) => !p.ok && p.why === 'timeout' && p.ms >= probe.timeout * 1000 - 50 && p.ms < probe.timeout * 1000 + 1500)).toBe(true);
    expect(after.filter((s) => s.status === 200).length).toBeGreaterThanOrEqual(20);

    // AND the probe asks nginx alone: with the app dead, the health path still answers while requests get 502
    await new Promise<void>((r) => { app.child.once('exit', () => r()); signal(app.pid, 'SIGKILL'); });
    const withoutApp = await clientGet(nginx.host, tlsPort, '/define/x', cert['tls.crt'], CLIENT_TIMEOUT_MS, Date.now());
    expect(withoutApp.status).toBe(502);
    expect(await health()).toMatchObject({ ok: true, why: 'status 200' });

    // AND a dead (SIGKILLed) terminator: connections refused at once, and so is its probe
    await new Promise<void>((r) => { nginx.proc.child.once('exit', () => r()); process.kill(-nginx.proc.pid, 'SIGKILL'); });
    // (the master's exit is seen first: wait until its worker, which shares the listening socket, is gone too — a
    // connection a dying worker still accepted would be reset, not refused)
    await waitForGroupGone(nginx.proc.pid);
    const refused = await clientGet(nginx.host, tlsPort, '/define/x', cert['tls.crt'], CLIENT_TIMEOUT_MS, Date.now());
    const deadProbe = await health();
    console.log(`TLS terminator SIGKILLed: a client got ${refused.error} in ${refused.ms} ms; its probe: ${deadProbe.why} in ${deadProbe.ms} ms`);
    expect(refused.error).toBe('ECONNREFUSED');
    expect(deadProbe).toMatchObject({ ok: false, why: expect.stringMatching(/ECONNREFUSED/) });
    expect(deadProbe.ms).toBeLessThan(probe.timeout * 1000);
  });

  test('an app replica SIGKILLed behind varnish and nginx: which requests fail, how fast, and what the tiers\' configs do about it', async () => {
    // GIVEN two app replicas behind a stand-in for the app's Service, varnish and nginx with the rendered configs
    const svcHost = allocHost();
    const svcPort = await freePort(svcHost);
    const cacheHost = allocHost();
    const cachePort = await freePort(cacheHost);
    const tlsPort = await freePort();
    const { vcl, conf } = renderTiers(svcPort, tlsPort, { port: cachePort, servicePort: cachePort });
    // the configs: nginx has ONE upstream server, the cache Service (max_fails / fail_timeout do not apply to a
    // single server: it is never marked down); varnish has ONE backend, the app Service, and its probe
    expect(conf).toMatch(/upstream backend \{\n\s+server dictionary-cache:\d+;\n\s+keepalive 16;\n\s+keepalive_timeout 4s;\n\s+\}/);
    expect(conf).not.toMatch(/max_fails|fail_timeout|proxy_next_upstream/);
    expect(vcl).toContain(`.host = "dictionary";\n    .port = "${svcPort}";\n    .probe = readiness;`);
    expect(vcl).toMatch(/\.interval = 5s;\n\s+\.timeout = 2s;\n\s+\.window = 5;\n\s+\.threshold = 3;/);
    const [a, b] = [allocHost(), allocHost()];
    const ports = { a: await freePort(a), b: await freePort(b) };
    await appReplica('a', a, ports.a);
    const replicaB = await appReplica('b', b, ports.b);
    const service = await serviceStandIn(svcHost, svcPort, [{ host: a, port: ports.a }, { host: b, port: ports.b }]);
    const varnish = await startVarnish(vcl, { listen: `:${cachePort}`, host: cacheHost, hosts: { dictionary: svcHost } });
    const cert = selfSignedCertificate('dictionary.example.com');
    const nginx = await startNginx(conf, { mounts: { '/etc/nginx/tls': cert }, hosts: { 'dictionary-cache': cacheHost } });
    const CLIENT_TIMEOUT_MS = 10_000;
    const get = (p: string, t0: number) => clientGet(nginx.host, tlsPort, p, cert['tls.crt'], CLIENT_TIMEOUT_MS, t0);
    await waitFor('the backend healthy', 30_000, async () => ((await get('/define/warmup', Date.now())).status === 200 ? true : undefined));
    // every request asks a word not asked before: each is a fetch from the app (a miss)
    const load = new HttpsLoad(get, 4, 20);
    await waitFor('answers before the kill', 20_000, async () => (load.seen.filter((s) => s.status === 200).length >= 20 ? true : undefined));

    // WHEN replica b is SIGKILLed and stays in the Service's endpoints (as until its readiness has failed 3 × 10 s)
    const killAt = load.now();
    await new Promise<void>((r) => { replicaB.child.once('exit', () => r()); signal(replicaB.pid, 'SIGKILL'); });
    const IN_ENDPOINTS_MS = 12_000;
    await sleep(IN_ENDPOINTS_MS);
    // AND then the endpoints drop it
    const droppedAt = load.now();
    service.endpoints = [{ host: a, port: ports.a }];
    await sleep(2000);
    // varnish may have marked the whole backend sick meanwhile: wait (bounded) for it to be healthy again
    const healthyAt = await waitFor('every request answered again', 40_000, async () => {
      const r = await get(`/define/check${Date.now()}`, Date.now());
      return r.status === 200 ? load.now() : undefined;
    });
    await sleep(2000);
    const end = load.now();
    await load.stop();
    const events = run(toolPath('varnishlog'), ['-n', varnish.workDir, '-d', '-g', 'raw', '-i', 'Backend_health'], { timeoutMs: 20_000 }).stdout.split('\n').filter((l) => /Backend_health/.test(l));

    const before = load.between(0, killAt).filter((s) => s.sentMs + s.ms < killAt);
    const dead = load.between(killAt, droppedAt);
    const afterDrop = load.between(healthyAt, end);
    const failed = dead.filter((s) => s.status !== 200);
    const sick = events.filter((l) => /Went sick/.test(l)).length;
    // each probe's line: its state and bits (`4---X-RH`: H = a good answer)
    const probes = events.map((l) => /Backend_health - \S+ (\w+ \w+) (\S+)/.exec(l)).filter((m) => m !== null).map((m) => `${m![1]} ${m![2]}`);
    const badProbes = probes.filter((p) => !/H$/.test(p)).length;
    console.log(`app replica b of 2 SIGKILLed, kept in the Service ${IN_ENDPOINTS_MS / 1000} s: before ${JSON.stringify(countSeen(before))}; `
      + `while in the endpoints ${JSON.stringify(countSeen(dead))}, failures sent ${failed.map((s) => s.sentMs - killAt).join(', ')} ms after the kill, answered in max ${Math.max(0, ...failed.map((s) => s.ms))} ms; `
      + `varnish probes ${probes.length} (${badProbes} bad; went sick ${sick}, once at start): ${probes.join(' | ')}; healthy again ${((healthyAt - droppedAt) / 1000).toFixed(1)} s after the drop; `
      + `after ${JSON.stringify(countSeen(afterDrop))}; connections per endpoint ${JSON.stringify(Object.fromEntries(service.connections))}`);
    expect(countSeen(before)).toEqual({ 200: before.length });
    // a failed request is an error status from the tiers (503 from varnish), at once: never a hang, never a reset
    expect(failed.every((s) => s.status === 503 && s.ms < 5000)).toBe(true);
    expect(dead.every((s) => s.status === 200 || s.status === 503)).toBe(true);
    expect(countSeen(afterDrop)).toEqual({ 200: afterDrop.length });
  });
  test('a hung (SIGSTOP) cache (varnish) replica: its HTTP probe on /healthz-cache times out within timeoutSeconds (a TCP probe passes); with the app dead it still passes (varnish answers it); resumed, it passes', async () => {
    // GIVEN one app replica and one varnish on the rendered VCL, its readiness probe as synthesized
    const appHost = allocHost();
    const appPort = await freePort(appHost);
    const cacheHost = allocHost();
    const cachePort = await freePort(cacheHost);
    const { vcl, cache } = renderTiers(appPort, await freePort(), { port: cachePort, servicePort: appPort });
    expect(vcl).toContain(`if (req.url == "${VarnishConfig.CACHE_TIER_HEALTH_PATH}") {`);
    const readiness = cache.readinessProbe;
    expect(readiness.httpGet).toEqual({ path: VarnishConfig.CACHE_TIER_HEALTH_PATH, port: cachePort, scheme: 'HTTP' });
    const probe = probeSeconds(readiness);
    expect(probe).toEqual({ period: 10, timeout: 1, failures: 3 });
    const app = await appReplica('a', appHost, appPort);
    const varnish = await startVarnish(vcl, { listen: `${cacheHost}:${cachePort}`, host: cacheHost, hosts: { dictionary: appHost } });
    const health = () => httpProbe(varnish.host, cachePort, readiness.httpGet.path, probe.timeout * 1000);
    await waitFor('varnish answers its probe', 30_000, async () => ((await health()).ok ? true : undefined));
    expect(await httpGet(`http://${varnish.host}:${cachePort}/define/x`)).toMatchObject({ status: 200, body: 'a' });

    // the app SIGKILLed: the probe still passes — varnish answers it itself, the tier is not taken out for an
    // outage behind it (and never asks the app: nothing listens there now)
    process.kill(app.pid, 'SIGKILL');
    while (app.exited === undefined) await sleep(20);
    expect(await health()).toMatchObject({ ok: true, why: 'status 200' });

    // WHEN varnish (manager and child) is SIGSTOPped
    signalGroup(varnish.proc, 'SIGSTOP');
    let during: Awaited<ReturnType<typeof probeRounds>>;
    try {
      during = await probeRounds(varnish.host, cachePort, probe.failures, probe.timeout * 1000, health);
    } finally {
      signalGroup(varnish.proc, 'SIGCONT');
    }
    console.log(`hung varnish: ${probe.failures} probes as the kubelet makes them: TCP ${during.tcp.map((d) => d.ok).join('/')}, `
      + `HTTP ${during.get.map((d) => `${d.why} in ${d.ms} ms`).join(', ')}`);
    // THEN the TCP probe passes (the kernel accepts) and the HTTP probe fails by its own timeout every time: after
    // failureThreshold periods the pod is NotReady and leaves the cache Service
    expect(during.tcp.map((d) => d.ok)).toEqual(Array(probe.failures).fill(true));
    for (const d of during.get) {
      expect(d).toMatchObject({ ok: false, why: 'timeout' });
      expect(d.ms).toBeGreaterThanOrEqual(probe.timeout * 1000 - 5);
    }
    // AND resumed, it passes again (bounded: a loaded machine may take a moment to schedule it)
    expect(await waitFor('the health path after SIGCONT', 20_000, async () => ((await health()).ok ? true : undefined))).toBe(true);
  });

  test('a cache (varnish) replica SIGKILLed behind nginx: which requests fail, how fast; nginx\'s one upstream is the cache Service', async () => {
    // GIVEN one app replica, two varnish replicas behind a stand-in for the cache Service, nginx in front
    const appHost = allocHost();
    const appPort = await freePort(appHost);
    const svcHost = allocHost();
    const svcPort = await freePort(svcHost);
    const tlsPort = await freePort();
    const { vcl, conf } = renderTiers(appPort, tlsPort, { servicePort: svcPort });
    expect(conf).toContain(`server dictionary-cache:${svcPort};`);
    await appReplica('a', appHost, appPort);
    const replicas: Array<Daemon & { workDir: string }> = [];
    for (const host of [allocHost(), allocHost()]) {
      replicas.push(await startVarnish(vcl, { listen: `${host}:${await freePort(host)}`, host, hosts: { dictionary: appHost } }));
    }
    const service = await serviceStandIn(svcHost, svcPort, replicas.map((r) => ({ host: r.host, port: r.port })));
    const cert = selfSignedCertificate('dictionary.example.com');
    const nginx = await startNginx(conf, { mounts: { '/etc/nginx/tls': cert }, hosts: { 'dictionary-cache': svcHost } });
    const get = (p: string, t0: number) => clientGet(nginx.host, tlsPort, p, cert['tls.crt'], 10_000, t0);
    // both replicas' backends healthy (each probes the app on its own)
    await waitFor('both cache replicas serving', 60_000, async () => {
      const rs2 = await Promise.all([0, 1, 2, 3].map((i) => get(`/define/warm${Date.now()}-${i}`, Date.now())));
      return rs2.every((r) => r.status === 200) ? true : undefined;
    });
    const load = new HttpsLoad(get, 4, 20);
    await waitFor('answers before the kill', 20_000, async () => (load.seen.filter((x) => x.status === 200).length >= 20 ? true : undefined));

    // WHEN one varnish replica (manager and child) is SIGKILLed and stays in the cache Service's endpoints
    const killAt = load.now();
    const victim = replicas[1].proc;
    await new Promise<void>((r) => { victim.child.once('exit', () => r()); process.kill(-victim.pid, 'SIGKILL'); });
    const IN_ENDPOINTS_MS = 8000;
    await sleep(IN_ENDPOINTS_MS);
    const droppedAt = load.now();
    service.endpoints = [{ host: replicas[0].host, port: replicas[0].port }];
    await sleep(3000);
    const end = load.now();
    await load.stop();

    const before = load.between(0, killAt).filter((x) => x.sentMs + x.ms < killAt);
    const dead = load.between(killAt, droppedAt);
    const after = load.between(droppedAt, end);
    const failed = dead.filter((x) => x.status !== 200);
    console.log(`cache replica 2 of 2 SIGKILLed, kept in the Service ${IN_ENDPOINTS_MS / 1000} s: before ${JSON.stringify(countSeen(before))}; `
      + `while in the endpoints ${JSON.stringify(countSeen(dead))}, failures sent ${failed.map((x) => x.sentMs - killAt).join(', ')} ms after the kill, answered in max ${Math.max(0, ...failed.map((x) => x.ms))} ms; `
      + `after the drop ${JSON.stringify(countSeen(after))}; connections per endpoint ${JSON.stringify(Object.fromEntries(service.connections))}`);
    expect(countSeen(before)).toEqual({ 200: before.length });
    // a request that fails gets nginx's 502 at once: never a hang, never a reset of the client's connection
    expect(failed.every((x) => x.status === 502 && x.ms < 5000)).toBe(true);
    expect(dead.filter((x) => x.status === 200).length).toBeGreaterThan(dead.length / 2);
    expect(countSeen(after)).toEqual({ 200: after.length });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// ShardedCache: a hung twemproxy

/**
 * Every shard of the nutcracker config's pool started by `startShard` on its own 127.0.0.x, each holding every key
 * with its own name as the value (so an answer says which shard served it), then nutcracker on the config.
 */
async function startPool(config: string, protocol: 'redis' | 'memcached', keys: string[], startShard: (host: string, port: number) => Promise<Daemon>) {
  const pool = Object.values(parse(config))[0] as { servers: string[] };
  const hosts: Record<string, string> = {};
  const shards = new Map<string, Daemon>();
  for (const line of pool.servers) {
    const [addr, name] = line.split(' ');
    const [host, port] = addr.split(':');
    hosts[host] = allocHost();
    shards.set(name, await startShard(hosts[host], Number(port)));
  }
  for (const [name, d] of shards) await writeAll(protocol, d.host, d.port, keys, name);
  return { shards, proxy: await startNutcracker(config, { hosts }) };
}

describe('ShardedCache failure contract: a hung (SIGSTOP) twemproxy', () => {
  test('shared tier: its clients wait for their own timeout (twemproxy\'s `timeout` is its own, for shards); its TCP probes still pass; resumed, every key answers from its shard', async () => {
    // GIVEN the shared proxy tier with three memcached shards, configs and probes as synthesized
    const chart = new Chart(Testing.app(), 'test');
    const cache = new ShardedCache(chart, 'cache', { shards: 3 });
    const objs = synthValid(chart);
    const config = one(objs, 'ConfigMap', 'cache-twemproxy').data['nutcracker.yml'] as string;
    const shardArgs = one(objs, 'StatefulSet', 'cache-shard').spec.template.spec.containers[0].args as string[];
    const proxyContainer = one(objs, 'Deployment', 'cache-proxy').spec.template.spec.containers.find((c: any) => c.name === 'twemproxy');
    expect(parse(config).memcached.timeout).toBe(400);
    for (const p of ['readinessProbe', 'livenessProbe', 'startupProbe']) expect(Object.keys(proxyContainer[p]).filter((k) => /Get|Socket|exec|grpc/.test(k))).toEqual(['tcpSocket']);
    const probe = probeSeconds(proxyContainer.readinessProbe);
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
    const { proxy } = await startPool(config, 'memcached', keys, (host, port) => startMemcached({ host, port, args: shardArgs }));
    const CLIENT_TIMEOUT_MS = 2000;
    const home = (k: string) => cache.hashing.serverFor(k);
    const load = new Load({ protocol: 'memcached', ...proxy.listens[0], keys, home, clients: 4, requestTimeoutMs: CLIENT_TIMEOUT_MS });
    await waitFor('answers before the hang', 20_000, async () => (load.answers.length >= 100 ? true : undefined));

    // WHEN nutcracker is stopped under the load
    const stopAt = load.now();
    signal(proxy.proc.pid, 'SIGSTOP');
    const tcp: Array<{ ok: boolean; ms: number }> = [];
    try {
      // THEN its TCP probe (the readiness, liveness and startup probes are all TCP) still connects
      for (let i = 0; i < probe.failures; i++) tcp.push(await tcpProbe(proxy.host, proxy.port, probe.timeout * 1000));
      await sleep(2 * CLIENT_TIMEOUT_MS + 500);
    } finally {
      signal(proxy.proc.pid, 'SIGCONT');
    }
    const resumeAt = load.now();
    await waitFor('answers after the hang', 20_000, async () => (load.between(resumeAt, load.now()).length >= 100 ? true : undefined));
    await load.stop();
    const before = load.between(0, stopAt).filter((x) => x.doneMs < stopAt);
    const hung = load.answers.filter((x) => x.sentMs >= stopAt && x.doneMs < resumeAt);
    const after = load.between(resumeAt, load.now());
    console.log(`${summary('twemproxy SIGSTOPped, before', before)}; ${summary(`sent while hung (client timeout ${CLIENT_TIMEOUT_MS} ms)`, hung)}, `
      + `min ${Math.min(...hung.map((x) => x.doneMs - x.sentMs))} ms; TCP probes while hung ${tcp.map((p) => `${p.ok ? 'pass' : 'fail'} ${p.ms} ms`).join(', ')}; ${summary('after SIGCONT', after)}`);
    expect(tally(before)).toEqual({ ok: before.length, wrong: 0, miss: 0, error: 0 });
    // every request sent to the hung proxy: no answer at all, not twemproxy's 400 ms error but the client's own timeout
    expect(hung.length).toBeGreaterThanOrEqual(4);
    expect(hung.every((x) => x.outcome === 'error' && /client timeout/.test(x.text) && x.doneMs - x.sentMs >= CLIENT_TIMEOUT_MS - 50)).toBe(true);
    expect(tcp.every((p) => p.ok)).toBe(true);
    expect(tally(after)).toEqual({ ok: after.length, wrong: 0, miss: 0, error: 0 });
  });
});

describe('ShardedCache failure contract: a hung (SIGSTOP) redis shard behind twemproxy (redis engine, ejection on)', () => {
  test('its keys fail with twemproxy\'s timeout error after ~400 ms until it is ejected, then move to the ring without it; every other key answers from its shard', async () => {
    // GIVEN the redis engine, 3 shards, ejection on (the default) with a 3 s retry period so that it fits a bounded test
    const RETRY_MS = 3000;
    const chart = new Chart(Testing.app(), 'test');
    const cache = new ShardedCache(chart, 'cache', { engine: CacheEngine.REDIS, shards: 3, auth: RedisAuth.none(), serverRetryTimeout: Duration.millis(RETRY_MS) });
    const objs = synthValid(chart);
    const config = one(objs, 'ConfigMap', 'cache-twemproxy').data['nutcracker.yml'] as string;
    const pool = Object.values(parse(config))[0] as any;
    expect(pool).toMatchObject({ redis: true, auto_eject_hosts: true, server_failure_limit: 2, server_retry_timeout: RETRY_MS, timeout: 400 });
    const shardArgs = (one(objs, 'StatefulSet', 'cache-shard').spec.template.spec.containers[0].args as string[]).map((a) => (a === '/data' ? '.' : a));
    const keys = Array.from({ length: 600 }, (_, i) => `key-${i}`);
    const { shards, proxy } = await startPool(config, 'redis', keys, (host, port) => startRedis({ host, port, args: shardArgs }));
    const home = (k: string) => cache.hashing.serverFor(k);
    const load = new Load({ protocol: 'redis', ...proxy.listens[0], keys, home, clients: 4 });
    await waitFor('answers before the hang', 20_000, async () => (load.answers.length >= 200 ? true : undefined));

    // WHEN one shard is stopped for two retry periods
    const hung = 'cache-shard-1';
    const stopAt = load.now();
    signal(shards.get(hung)!.proc.pid, 'SIGSTOP');
    try {
      await sleep(2 * RETRY_MS);
    } finally {
      signal(shards.get(hung)!.proc.pid, 'SIGCONT');
    }
    const resumeAt = load.now();
    // AND resumed: after at most one retry period its keys come home
    await waitFor('its keys answered by it again', 4 * RETRY_MS, async () => (load.between(resumeAt, load.now()).some((a) => a.home === hung && a.outcome === 'ok') ? true : undefined));
    await sleep(1000);
    const end = load.now();
    await load.stop();
    const isHung = (a: { home: string }) => a.home === hung;
    const during = load.between(stopAt, resumeAt);
    const errors = during.filter((a) => isHung(a) && a.outcome === 'error');
    const lastSecond = load.between(end - 1000, end);
    const survivors = new TwemproxyHashing({ servers: ['cache-shard-0', 'cache-shard-2'].map((name) => ({ name })) });
    console.log(`${summary('redis shard 1 SIGSTOPped 6 s, its keys', during.filter(isHung))} (errors ${errors.map((a) => a.doneMs - a.sentMs).join(', ')} ms: ${[...new Set(errors.map((a) => a.text))].join('; ')}); `
      + `${summary('other keys', during.filter((a) => !isHung(a)))}; ${summary('resumed, the last second', lastSecond)}`);
    // THEN its keys: an error from twemproxy after its 400 ms timeout (a few per retry period, per concurrent
    // client), otherwise answered by the shard the ring without it names — never a hang, never its own answer
    const periods = Math.floor((resumeAt - stopAt) / RETRY_MS) + 1;
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.length).toBeLessThanOrEqual(periods * 4 * 2);
    // (a request queued behind another on the same shard connection fails with it, sooner: the median is the bound)
    expect(errors.every((a) => /timed out/i.test(a.text) && a.doneMs - a.sentMs < 400 + 1500)).toBe(true);
    expect(median(errors.map((a) => a.doneMs - a.sentMs))).toBeGreaterThanOrEqual(350);
    const moved = during.filter((a) => isHung(a) && a.outcome === 'wrong');
    expect(moved.length).toBeGreaterThan(20);
    expect(moved.every((a) => a.text === survivors.serverFor(a.key))).toBe(true);
    expect(during.filter((a) => isHung(a) && (a.outcome === 'ok' || a.outcome === 'miss'))).toEqual([]);
    // every other key never moves and never fails
    const others = during.filter((a) => !isHung(a));
    expect(tally(others)).toEqual({ ok: others.length, wrong: 0, miss: 0, error: 0 });
    expect(tally(lastSecond)).toEqual({ ok: lastSecond.length, wrong: 0, miss: 0, error: 0 });
  });
});
