/**
 * Tier 2: the HTTPS terminator of SidecarPod, for real. The nginx.conf the construct renders passes `nginx -t`
 * and then runs on loopback (unchanged, except that its wildcard listens bind 127.0.0.x and the Secret's mount
 * path points to a temp dir) in front of a plain-HTTP app on 127.0.0.1, as in the pod. Its pid and temp files
 * go to this machine's /tmp, which stands in for the pod's /tmp emptyDir: the harness cannot relocate `/tmp`
 * together with another mount (it rewrites the first relocated path again).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { NginxConfig, Sidecar, SidecarPod } from '../../src';
import { one, synthValid } from '../harness';
import { allocHost, httpGet, startNginx, testNginxConfig } from '../harness/daemons';
import { httpsProbe, probeRounds, probeSeconds } from '../harness/probes';
import { freePort, run, start, stopAll, tempDir, toolPath, waitFor } from '../harness/proc';

const servers: http.Server[] = [];
afterAll(async () => {
  await stopAll();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** The legacy app: plain HTTP on 127.0.0.1:<port> (a port that was free), answering with what it saw. */
async function legacyApp(port: number): Promise<{ requests: http.IncomingHttpHeaders[] }> {
  const requests: http.IncomingHttpHeaders[] = [];
  const srv = http.createServer((req, res) => {
    requests.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`legacy answer for ${req.method} ${req.url}`);
  });
  servers.push(srv);
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve());
  });
  return { requests };
}

/**
 * The pod's terminator through the construct (the chart checked as tier 1 checks it): its nginx.conf and its
 * container (with the readiness probe the kubelet makes).
 */
function rendered(appPort: number): { conf: string; terminator: any } {
  const chart = Testing.chart();
  const pod = new SidecarPod(chart, 'legacy', { app: { image: 'example/legacy-app:2.3.1', port: appPort } });
  pod.addSidecar(Sidecar.httpsTerminator({ secret: kplus.Secret.fromSecretName(chart, 'tls', 'legacy-tls'), redirectHttpPort: 8081 }));
  pod.exposeViaService();
  const objs = synthValid(chart);
  const spec = one(objs, 'Deployment').spec.template.spec;
  const terminator = [...(spec.initContainers ?? []), ...spec.containers].find((c: any) => c.name === 'https');
  return { conf: one(objs, 'ConfigMap', 'legacy-https').data['nginx.conf'], terminator };
}

/** The pod's nginx.conf. */
function renderedConfig(appPort: number): string {
  return rendered(appPort).conf;
}

/** A self-signed certificate for `legacy.default.svc`, as the Secret's tls.crt / tls.key. */
function certificate(): { 'tls.crt': string; 'tls.key': string } {
  const dir = tempDir('cert');
  const r = run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=legacy.default.svc',
    '-addext', 'subjectAltName=DNS:legacy.default.svc', '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')]);
  expect(r.code).toBe(0);
  return { 'tls.crt': fs.readFileSync(path.join(dir, 'tls.crt'), 'utf8'), 'tls.key': fs.readFileSync(path.join(dir, 'tls.key'), 'utf8') };
}

/** A TLS handshake pinned to one protocol version; resolves with the negotiated version or the error code. */
function handshake(host: string, port: number, version: tls.SecureVersion): Promise<string> {
  return new Promise((resolve) => {
    // SECLEVEL=0 lets this client offer TLS 1.0/1.1 at all (OpenSSL 3 refuses them at the default level), so a
    // failure below comes from the server.
    const s = tls.connect({ host, port, minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0', rejectUnauthorized: false });
    const timer = setTimeout(() => { s.destroy(); resolve('timeout'); }, 10_000);
    s.once('secureConnect', () => { clearTimeout(timer); const p = s.getProtocol() ?? '?'; s.end(); resolve(p); });
    s.once('error', (e: any) => { clearTimeout(timer); resolve(`error ${e.code ?? e.message}`); });
  });
}

function httpsGet(host: string, port: number, urlPath: string, ca: string): Promise<{ status: number; body: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host, port, path: urlPath, ca, servername: 'legacy.default.svc', headers: { host: 'legacy.default.svc' }, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, protocol: (res.socket as tls.TLSSocket).getProtocol?.() ?? '?' }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('https timeout')));
  });
}

describe('SidecarPod HTTPS terminator (nginx 1.22, Debian)', () => {
  test('the rendered nginx.conf passes nginx -t; a config without the certificate does not', async () => {
    const appPort = await freePort();
    const conf = renderedConfig(appPort);
    const cert = certificate();
    const ok = testNginxConfig(conf, {}, { mounts: { '/etc/nginx/tls': cert } });
    expect(ok.output).toMatch(/syntax is ok/);
    expect(ok.output).toMatch(/test is successful/);
    expect(ok.ok).toBe(true);
    // The check can fail: the same config without its certificate is rejected.
    const broken = testNginxConfig(conf.replace(/^\s*ssl_certificate .*$/m, ''), {}, { mounts: { '/etc/nginx/tls': cert } });
    expect(broken.ok).toBe(false);
    expect(broken.output).toMatch(/no "ssl_certificate" is defined/);
  });

  test('an HTTPS request reaches the plain-HTTP app on 127.0.0.1; TLS 1.1 is refused, 1.2 and 1.3 are not', async () => {
    // GIVEN the legacy app on 127.0.0.1:<appPort> and nginx running the construct's config
    const appPort = await freePort();
    const app = await legacyApp(appPort);
    const cert = certificate();
    const nginx = await startNginx(renderedConfig(appPort), { mounts: { '/etc/nginx/tls': cert } });
    expect(nginx.listens.map((l) => l.port)).toEqual([8443, 8081]);

    // WHEN a client speaks HTTPS to the terminator (verifying the certificate)
    const res = await httpsGet(nginx.host, 8443, '/words/hello?x=1', cert['tls.crt']);

    // THEN it gets the app's answer, and the app saw the forwarding headers
    expect(res).toEqual({ status: 200, body: 'legacy answer for GET /words/hello?x=1', protocol: 'TLSv1.3' });
    expect(app.requests).toHaveLength(1);
    expect(app.requests[0]).toMatchObject({
      'host': 'legacy.default.svc',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'legacy.default.svc',
      'x-forwarded-port': '443',
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
    });

    // AND the TLS floor holds: a TLS 1.1 handshake fails, 1.2 and 1.3 succeed
    expect(await handshake(nginx.host, 8443, 'TLSv1.1')).toMatch(/^error /);
    expect(await handshake(nginx.host, 8443, 'TLSv1')).toMatch(/^error /);
    expect(await handshake(nginx.host, 8443, 'TLSv1.2')).toBe('TLSv1.2');
    expect(await handshake(nginx.host, 8443, 'TLSv1.3')).toBe('TLSv1.3');

    // AND plain HTTP on the redirect port is sent to HTTPS, without reaching the app
    const redirect = await httpGet(`http://${nginx.host}:8081/words/hello`, { headers: { host: 'legacy.default.svc' } });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('https://legacy.default.svc/words/hello');
    expect(app.requests).toHaveLength(1);
    expect(nginx.proc.exited).toBeUndefined();
  });

  test('control: the same client does complete a TLS 1.1 handshake with a server that allows it', async () => {
    // Proves the TLS 1.1 failure above comes from the rendered config, not from the client or OpenSSL.
    const appPort = await freePort();
    const cert = certificate();
    const lax = renderedConfig(appPort)
      .replace('ssl_protocols TLSv1.2 TLSv1.3;', 'ssl_protocols TLSv1.1 TLSv1.2 TLSv1.3;')
      .replace(/ssl_ciphers [^;]+;/, 'ssl_ciphers DEFAULT@SECLEVEL=0;');
    const nginx = await startNginx(lax, { mounts: { '/etc/nginx/tls': cert } });
    expect(await handshake(nginx.host, 8443, 'TLSv1.1')).toBe('TLSv1.1');
    expect(net.isIPv4(nginx.host)).toBe(true);
  });
});

describe('SidecarPod process inspector (prometheus-process-exporter 0.7.10, Debian)', () => {
  test('runs with the rendered config and arguments and reports every process by command name', async () => {
    // GIVEN the inspector's ConfigMap and container args as the construct renders them
    const port = await freePort();
    const chart = Testing.chart();
    const pod = new SidecarPod(chart, 'legacy', { app: { image: 'example/legacy-app:2.3.1', port: 8080 } });
    pod.addSidecar(Sidecar.processInspector({ port }));
    const objs = synthValid(chart);
    const config = one(objs, 'ConfigMap', 'legacy-process-inspector').data['config.yml'];
    const inspector = one(objs, 'Deployment').spec.template.spec.containers.find((c: any) => c.name === 'process-inspector');
    const dir = tempDir('process-exporter');
    fs.writeFileSync(path.join(dir, 'config.yml'), config);
    const args = (inspector.args as string[]).map((a) => a.replace('/etc/process-exporter/', `${dir}/`));
    expect(args).toEqual([`-config.path=${dir}/config.yml`, `-web.listen-address=127.0.0.1:${port}`, '-children=false']);
    // AND a process of "another container" to find
    const sleeper = await start({ name: 'sleep', command: 'sleep', args: ['300'], readyCheck: async () => true });
    // AND one of a second command (each command is its own group)
    const tail = await start({ name: 'tail', command: 'tail', args: ['-f', '/dev/null'], readyCheck: async () => true });

    // WHEN the exporter runs with exactly those arguments
    await start({ name: 'process-exporter', command: toolPath('prometheus-process-exporter'), args, readyPort: { host: '127.0.0.1', port } });
    const metrics = await httpGet(`http://127.0.0.1:${port}/metrics`);

    // THEN it lists the processes grouped by command name, the sleeper among them
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^namedprocess_namegroup_num_procs\{groupname="sleep"\} [1-9]\d*$/m);
    expect(metrics.body).toMatch(/^namedprocess_namegroup_memory_bytes\{groupname="sleep",memtype="resident"\} [1-9][\d.]*(e\+\d+)?$/m);
    expect(metrics.body).toMatch(/^namedprocess_namegroup_num_procs\{groupname="tail"\} [1-9]\d*$/m);
    expect(sleeper.exited).toBeUndefined();
    expect(tail.exited).toBeUndefined();
    // Bound to loopback only, as in the pod: not reachable on another address of this machine.
    await expect(httpGet(`http://${allocHost()}:${port}/metrics`, { timeoutMs: 2000 })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('SidecarPod failure contract (README): the terminator and the app SIGKILLed or SIGSTOPped on loopback', () => {
  /** The app as its own process (so it can be stopped and killed): plain HTTP on 127.0.0.1:<port>. */
  async function appProcess(port: number) {
    const program = `require('http').createServer((q, s) => s.end('app ' + q.url)).listen(${port}, '127.0.0.1')`;
    return start({ name: `legacy-app-${port}`, command: process.execPath, args: ['-e', program], readyPort: { host: '127.0.0.1', port } });
  }

  /** What an HTTPS client sees within `timeoutMs`. */
  async function seen(host: string, ca: string, timeoutMs: number): Promise<string> {
    const t = new Promise<string>((r) => setTimeout(() => r('pending'), timeoutMs));
    const q = httpsGet(host, 8443, '/x', ca).then((r) => `${r.status} ${r.status === 200 ? r.body : ''}`.trim(), (e) => `error ${e.code ?? e.message}`);
    return Promise.race([q, t]);
  }

  test('app hung: requests wait (up to proxy_read_timeout, 60 s, then 504) and complete once it runs; app killed: 502 at once; terminator hung: its HTTPS readiness probe times out (TCP passes); terminator killed: refused', async () => {
    const appPort = await freePort();
    const app = await appProcess(appPort);
    const cert = certificate();
    const { conf, terminator } = rendered(appPort);
    const nginx = await startNginx(conf, { mounts: { '/etc/nginx/tls': cert } });
    const ca = cert['tls.crt'];
    expect(await seen(nginx.host, ca, 10_000)).toBe('200 app /x');
    // the terminator's readiness probe as synthesized, made as the kubelet makes it
    const readiness = terminator.readinessProbe;
    const probe = probeSeconds(readiness);
    expect(probe).toEqual({ period: 10, timeout: 1, failures: 3 });
    expect(readiness.httpGet).toEqual({ path: NginxConfig.TLS_TIER_HEALTH_PATH, port: 8443, scheme: 'HTTPS' });
    const health = () => httpsProbe(nginx.host, 8443, readiness.httpGet.path, probe.timeout * 1000);

    // the app hung: the request is held, not failed, and answered once the app runs again
    process.kill(app.pid, 'SIGSTOP');
    const held = httpsGet(nginx.host, 8443, '/x', ca);
    const early = await Promise.race([held.then(() => 'answered', () => 'failed'), new Promise<string>((r) => setTimeout(() => r('pending'), 3000))]);
    process.kill(app.pid, 'SIGCONT');
    expect(early).toBe('pending');
    expect(await held).toMatchObject({ status: 200, body: 'app /x' });

    // the app killed: nginx answers 502 at once (the connection to 127.0.0.1 is refused), and keeps serving TLS
    process.kill(app.pid, 'SIGKILL');
    while (app.exited === undefined) await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    expect(await seen(nginx.host, ca, 10_000)).toBe('502');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(nginx.proc.exited).toBeUndefined();
    // nginx answers the probe's path itself: the app's outage does not take the terminator out of the Service
    expect(await health()).toMatchObject({ ok: true, why: 'status 200' });

    // the terminator hung: the TCP handshake still succeeds (the kernel accepts), TLS does not; its readiness probe,
    // an HTTPS GET of the path nginx answers itself, fails by its own timeout every time, so the pod leaves the
    // Service after failureThreshold probes (a TCP probe would pass)
    const again = await appProcess(appPort);
    expect(await seen(nginx.host, ca, 10_000)).toBe('200 app /x');
    expect(await health()).toMatchObject({ ok: true, why: 'status 200' });
    process.kill(-nginx.proc.pid, 'SIGSTOP'); // master and workers
    const during = await probeRounds(nginx.host, 8443, probe.failures, probe.timeout * 1000, health);
    expect(await seen(nginx.host, ca, 3000)).toBe('pending');
    process.kill(-nginx.proc.pid, 'SIGCONT');
    expect(during.tcp.map((d) => d.ok)).toEqual(Array(probe.failures).fill(true));
    for (const d of during.get) {
      expect(d).toMatchObject({ ok: false, why: 'timeout' });
      expect(d.ms).toBeGreaterThanOrEqual(probe.timeout * 1000 - 5);
    }
    // resumed: the probe passes again (bounded: a loaded machine may take a moment to schedule nginx)
    expect(await waitFor('the health path after SIGCONT', 20_000, async () => ((await health()).ok ? true : undefined))).toBe(true);

    // the terminator killed (its master and workers): HTTPS is refused until the kubelet restarts it; the app is not touched
    process.kill(-nginx.proc.pid, 'SIGKILL');
    while (nginx.proc.exited === undefined) await new Promise((r) => setTimeout(r, 20));
    // (and its workers gone too: on a loaded machine a SIGKILLed worker can hold the port a moment; polled, bounded)
    const refused = () => new Promise<boolean>((r) => { const s = net.connect({ host: nginx.host, port: 8443 }, () => { s.destroy(); r(false); }); s.on('error', () => r(true)); });
    for (let i = 0; i < 100 && !(await refused()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await seen(nginx.host, ca, 10_000)).toBe('error ECONNREFUSED');
    expect((await httpGet(`http://127.0.0.1:${appPort}/direct`)).body).toBe('app /direct');
    await again.stop();
  });
});
