/**
 * Tier 2: the tiers of ReplicatedService, for real, with the configs the construct renders, unchanged. The
 * Service names in them (`dictionary`, `dictionary-cache`) resolve through nss_wrapper to the 127.0.0.x address
 * of the process standing in for that Service: a small test app ← varnish 7.1 ← nginx 1.22 terminating TLS.
 */
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { buildApp as buildDictionary } from '../../examples/replicated-dictionary';
import { ReplicatedService } from '../../src';
import { one, synthValid } from '../harness';
import { allocHost, startNginx, startVarnish, testNginxConfig, testVcl } from '../harness/daemons';
import { cyclonusVersion, ExtraPod, netpolTruthTable } from '../harness/netpol';
import { freePort, runAsync, selfSignedCertificate, sleep, stopAll, toolPath, waitFor } from '../harness/proc';

const servers: http.Server[] = [];
afterAll(async () => {
  await stopAll();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** The ports of the chain: free ones, so that nothing else on this machine can be in the way. */
interface Ports { readonly app: number; readonly cache: number; readonly tls: number }

/**
 * The construct's rendered configs and varnish command, for a chain whose Service ports equal the container
 * ports (each process stands in for a Service and its pods at once).
 */
function rendered(ports: Ports) {
  const chart = Testing.chart();
  const rs = new ReplicatedService(chart, 'dictionary', {
    app: { image: 'example/dictionary:1.0.0', port: ports.app, readiness: kplus.Probe.fromHttpGet('/readyz') }, servicePort: ports.app,
  });
  rs.addCacheTier({ port: ports.cache, servicePort: ports.cache });
  rs.addTlsTier({ secret: kplus.Secret.fromSecretName(chart, 'tls', 'dictionary-tls'), port: ports.tls });
  const objs = synthValid(chart);
  const varnish = one(objs, 'Deployment', 'dictionary-cache').spec.template.spec.containers[0];
  return {
    vcl: one(objs, 'ConfigMap', 'dictionary-cache').data['default.vcl'] as string,
    nginxConf: one(objs, 'ConfigMap', 'dictionary-tls').data['nginx.conf'] as string,
    varnishCommand: varnish.command as string[],
  };
}

/** The test app: definitions that count their fetches, and a readiness endpoint that can be switched off. */
async function dictionaryApp(host: string, port: number) {
  const state = { ready: true, fetches: new Map<string, number>(), headers: [] as http.IncomingHttpHeaders[] };
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/busy') { // the app's own 429 (no Retry-After): nginx must not add one
      res.writeHead(429);
      res.end('busy');
      return;
    }
    if (url.pathname === '/readyz') {
      res.writeHead(state.ready ? 200 : 503);
      res.end(state.ready ? 'ok' : 'not ready');
      return;
    }
    state.fetches.set(url.pathname, (state.fetches.get(url.pathname) ?? 0) + 1);
    state.headers.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain' }); // no caching headers: varnish's default TTL applies
    res.end(`definition of ${url.pathname.split('/').pop()}`);
  });
  servers.push(srv);
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => resolve());
  });
  return state;
}

interface Answer { readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: string }

function httpsGet(host: string, port: number, urlPath: string, ca: string, localAddress?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.get({
      host, port, path: urlPath, ca, servername: 'dictionary.example.com', headers: { host: 'dictionary.example.com' }, agent: false, timeout: 10_000, localAddress,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('https timeout')));
  });
}

/** varnish's backend health events so far (`Back healthy`, `Went sick`, …) from its shared-memory log. */
async function healthEvents(workDir: string): Promise<string[]> {
  const r = await runAsync(toolPath('varnishlog'), ['-n', workDir, '-d', '-g', 'raw', '-i', 'Backend_health'], { timeoutMs: 20_000 });
  return r.stdout.split('\n').filter((l) => /Backend_health/.test(l));
}

describe('ReplicatedService tiers (varnish 7.1, nginx 1.22, Debian)', () => {
  test('varnishd -C accepts the generated VCL and nginx -t the generated config, with the Service names mapped', () => {
    const { vcl, nginxConf } = rendered({ app: 8080, cache: 6081, tls: 8443 });
    const hosts = { 'dictionary': allocHost(), 'dictionary-cache': allocHost() };
    const compiled = testVcl(vcl, { hosts });
    expect(compiled.output).not.toMatch(/Error/);
    expect(compiled.ok).toBe(true);
    // Both checks resolve the Service names: without the mapping they fail, so they did check.
    const unresolvedVcl = testVcl(vcl);
    expect(unresolvedVcl.ok).toBe(false);
    expect(unresolvedVcl.output).toMatch(/could not be resolved/);
    const cert = selfSignedCertificate('dictionary.example.com');
    const ok = testNginxConfig(nginxConf, {}, { mounts: { '/etc/nginx/tls': cert }, hosts });
    expect(ok.output).toMatch(/test is successful/);
    expect(ok.ok).toBe(true);
    const unresolved = testNginxConfig(nginxConf, {}, { mounts: { '/etc/nginx/tls': cert } });
    expect(unresolved.ok).toBe(false);
    expect(unresolved.output).toMatch(/host not found in upstream "dictionary-cache:6081"/);
    expect(nginxConf).toContain('server dictionary-cache:6081;');
  });

  test('HTTPS → nginx → varnish → app: the answer, then a cache hit; a failing readiness path makes the backend sick', async () => {
    // GIVEN the app, varnish and nginx, each on its own 127.0.0.x, the Service names mapped to them
    const appHost = allocHost();
    const cacheHost = allocHost();
    const ports = { app: await freePort(appHost), cache: await freePort(cacheHost), tls: await freePort() };
    const { vcl, nginxConf, varnishCommand } = rendered(ports);
    const hosts = { 'dictionary': appHost, 'dictionary-cache': cacheHost };
    const app = await dictionaryApp(appHost, ports.app);
    const storage = varnishCommand[varnishCommand.indexOf('-s') + 1];
    expect(storage).toBe('malloc,256m');
    const listen = varnishCommand[varnishCommand.indexOf('-a') + 1];
    expect(listen).toBe(`http=:${ports.cache},HTTP`);
    const varnish = await startVarnish(vcl, { listen: `:${ports.cache}`, host: cacheHost, hosts, storage });
    const cert = selfSignedCertificate('dictionary.example.com');
    const nginx = await startNginx(nginxConf, { mounts: { '/etc/nginx/tls': cert }, hosts });
    expect(nginx.listens).toEqual([{ host: nginx.host, port: ports.tls }]);
    const get = (p: string) => httpsGet(nginx.host, ports.tls, p, cert['tls.crt']);

    // varnish starts with the backend sick until its first probe of /readyz succeeds
    await waitFor('the backend to be healthy', 30_000, async () => ((await get('/define/warmup')).status === 200 ? true : undefined));
    const count = async (re: RegExp) => (await healthEvents(varnish.workDir)).filter((l) => re.test(l)).length;
    const SICK = /Backend_health - app Went sick/;
    const HEALTHY = /Backend_health - app (Went|Back) healthy/;
    expect(await count(HEALTHY)).toBe(1);

    // WHEN the same word is asked twice over HTTPS
    const first = await get('/define/apple');
    const second = await get('/define/apple');

    // THEN the app answered once; the second answer came from varnish's cache
    expect(first.status).toBe(200);
    expect(first.body).toBe('definition of apple');
    expect(first.headers['x-cache']).toBe('MISS');
    expect(String(first.headers['x-varnish']).split(' ')).toHaveLength(1);
    expect(second.status).toBe(200);
    expect(second.body).toBe('definition of apple');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(String(second.headers['x-varnish']).split(' ')).toHaveLength(2);
    expect(app.fetches.get('/define/apple')).toBe(1);
    // The app saw the forwarding headers set by nginx (varnish appends the hop it came from).
    const seen = app.headers[app.headers.length - 1];
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-host']).toBe('dictionary.example.com');
    expect(String(seen['x-forwarded-for']).split(', ')[0]).toBe('127.0.0.1');

    // WHEN the app's readiness path starts failing
    app.ready = false;
    // THEN varnish's probe marks the backend sick (it also logged "Went sick" once at start, before its first probe)
    const sickBefore = await count(SICK);
    await waitFor('varnish to mark the backend sick', 60_000, async () => ((await count(SICK)) > sickBefore ? true : undefined));
    // AND a word not in the cache is not even tried (503), while a cached one is still served
    const uncached = await get('/define/banana');
    expect(uncached.status).toBe(503);
    expect(app.fetches.get('/define/banana')).toBeUndefined();
    const cached = await get('/define/apple');
    expect(cached.status).toBe(200);
    expect(cached.headers['x-cache']).toBe('HIT');

    // WHEN it is ready again THEN the backend comes back and serves the new word
    app.ready = true;
    await waitFor('the backend to be healthy again', 60_000, async () => ((await count(HEALTHY)) >= 2 ? true : undefined));
    const recovered = await get('/define/banana');
    expect(recovered.status).toBe(200);
    expect(recovered.body).toBe('definition of banana');
    expect(varnish.proc.exited).toBeUndefined();
    expect(nginx.proc.exited).toBeUndefined();
    expect(net.isIPv4(appHost)).toBe(true);
  });

  test('the TLS tier\'s rate limit, with the exact config: above it a client gets 429 with Retry-After and never reaches the app; below it none is refused; each client address has its own limit', async () => {
    // GIVEN the TLS tier with 5 requests per second per client and bursts of 10, straight in front of the app
    const RATE = 5;
    const BURST = 10;
    const appHost = allocHost();
    const appPort = await freePort(appHost);
    const tlsPort = await freePort();
    const chart = Testing.chart();
    const rs = new ReplicatedService(chart, 'dictionary', {
      app: { image: 'example/dictionary:1.0.0', port: appPort, readiness: kplus.Probe.fromHttpGet('/readyz') }, servicePort: appPort,
    });
    rs.addTlsTier({ secret: kplus.Secret.fromSecretName(chart, 'tls', 'dictionary-tls'), port: tlsPort, rateLimitPerSecond: RATE, rateLimitBurst: BURST });
    const nginxConf = one(synthValid(chart), 'ConfigMap', 'dictionary-tls').data['nginx.conf'] as string;
    expect(nginxConf).toContain(`limit_req_zone $binary_remote_addr zone=per_client:10m rate=${RATE}r/s;`);
    const app = await dictionaryApp(appHost, appPort);
    const cert = selfSignedCertificate('dictionary.example.com');
    const nginx = await startNginx(nginxConf, { mounts: { '/etc/nginx/tls': cert }, hosts: { dictionary: appHost } });
    const from = (client: string) => (p: string) => httpsGet(nginx.host, tlsPort, p, cert['tls.crt'], client);
    const fetches = (word: string) => app.fetches.get(`/define/${word}`) ?? 0;

    // WHEN a client stays below the rate (one request every 400 ms: 2.5/s, half the limit) for 30 requests
    const calm = from(allocHost());
    const calmStatuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      calmStatuses.push((await calm('/define/calm')).status);
      await sleep(400);
    }
    // THEN none is refused
    expect(calmStatuses.filter((st) => st !== 200)).toEqual([]);
    expect(fetches('calm')).toBe(30);

    // WHEN another client sends 100 requests at once
    const flood = from(allocHost());
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 100 }, () => flood('/define/flood')));
    const seconds = (Date.now() - started) / 1000;
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    // THEN the ones above the rate and the burst are refused with 429 and Retry-After: 1, and never reach the app
    expect(ok.length + limited.length).toBe(100);
    expect(limited.length).toBeGreaterThan(0);
    expect(ok.length).toBeGreaterThanOrEqual(BURST + 1);
    // at most the burst, the first request, and what the rate let through while the 100 were in flight (+1 for rounding)
    expect(ok.length).toBeLessThanOrEqual(BURST + 1 + Math.ceil(RATE * seconds) + 1);
    expect(limited.every((a) => a.headers['retry-after'] === '1')).toBe(true);
    expect(ok.every((a) => a.headers['retry-after'] === undefined)).toBe(true);
    expect(fetches('flood')).toBe(ok.length);

    // AND a third client, while the second one is limited, is served: the limit is per client address
    const limitedNow = await flood('/define/flood');
    const other = await from(allocHost())('/define/other');
    expect(other.status).toBe(200);
    expect(other.headers['retry-after']).toBeUndefined();
    console.log(`rate limit ${RATE}/s burst ${BURST}: calm client 30 of 30 served; flood 100 at once in ${seconds.toFixed(2)}s: `
      + `${ok.length} served, ${limited.length} refused (429); right after, the flooder got ${limitedNow.status}, another client ${other.status}`);

    // AND the app's own 429 passes through without a Retry-After of nginx's
    const busy = await from(allocHost())('/busy');
    expect([busy.status, busy.body, busy.headers['retry-after']]).toEqual([429, 'busy', undefined]);

    // AND after waiting as Retry-After says, the flooding client is served again
    await sleep(1000);
    await waitFor('the flooding client to be served again', 10_000, async () => ((await flood('/define/flood')).status === 200 ? true : undefined));
    expect(nginx.proc.exited).toBeUndefined();
  });
});

describe('the NetworkPolicies of the example, computed by cyclonus (an engine nobody here wrote)', () => {
  test('every pod to every declared port: the allowed connections are exactly the intended graph', () => {
    // GIVEN the example's objects (client → nginx TLS, a LoadBalancer → varnish → the app, which downloads from
    // GitHub), the cluster DNS, an address on the internet, a stranger pod in the namespace and one in another
    const objs = buildDictionary().charts.flatMap((c) => c.toJson());
    const extraPods: ExtraPod[] = [
      { namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] },
      { namespace: 'internet', name: 'github', ports: [{ port: 443 }], ip: '140.82.112.3' },
      { namespace: 'dictionary', name: 'stranger', labels: { app: 'stranger' } },
      { namespace: 'other', name: 'outsider', labels: { app: 'outsider' } },
    ];
    // WHEN cyclonus computes the truth table of every pod to every port its destination declares
    const t = netpolTruthTable(objs, undefined, { extraPods });
    // THEN the intended graph, written from the README's table (not from the policies):
    const [app, cache, tls] = ['dictionary/dictionary', 'dictionary/dictionary-cache', 'dictionary/dictionary-tls'];
    const unpoliced = ['kube-system/coredns', 'internet/github', 'dictionary/stranger', 'other/outsider'];
    const dns = (from: string) => [`${from} → kube-system/coredns 53/TCP`, `${from} → kube-system/coredns 53/UDP`];
    const intended = [
      // anyone may reach the TLS tier (a LoadBalancer: any address), on HTTPS and the redirect port
      ...unpoliced.flatMap((f) => [`${f} → ${tls} 8443/TCP`, `${f} → ${tls} 8081/TCP`]),
      // TLS → cache → app, nothing else reaches the cache or the app
      `${tls} → ${cache} 6081/TCP`,
      `${cache} → ${app} 8080/TCP`,
      // the tiers and the app resolve names; the app (extraEgress) reaches any address on 443
      ...[app, cache, tls, ...unpoliced].flatMap(dns),
      ...[app, ...unpoliced].map((f) => `${f} → internet/github 443/TCP`),
    ].sort();
    expect(t.allowed).toEqual(intended);
    expect(t.pods.map((p) => p.id)).toEqual([app, cache, tls, ...unpoliced]);
    // eslint-disable-next-line no-console
    console.log(`replicated dictionary example, cyclonus ${cyclonusVersion()}: ${t.pods.length} pods, ${t.results.length} probes, ${t.allowed.length} allowed (the intended graph exactly)`);
  }, 120_000);
});
