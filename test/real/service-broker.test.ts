// Tier 2: ServiceBroker — the example synthesized twice from the same code, for `staging` and for `production`,
// its generated nginx stream config run by the real nginx (Debian's, which loads the stream module that the
// image's nginx has built in), its routes on the pod's own loopback address. The app connects to DB_HOST:DB_PORT
// and CACHE_HOST:CACHE_PORT as its container env says and reaches that environment's backends: a real MariaDB and
// a real redis per environment (the environments' host names mapped to their 127.0.0.x by nss_wrapper), told apart
// by data that exists in only one. Production's redis speaks only TLS: the ambassador verifies its certificate
// against the CA from the mounted Secret and its name; another CA's certificate, and the right CA's for another name,
// are refused. The failure
// contract: with the backend killed, the app's connection to localhost is accepted and then closed without a byte
// within the connect timeout, and the ambassador stays up; a MySQL client with no database behind the ambassador
// fails at the handshake (error 2013). Both environments' NetworkPolicies, computed by cyclonus, are the intended edges.
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { buildApp } from '../../examples/service-broker';
import { one, synthAppValid } from '../harness';
import { Daemon, freeHost, redisCommand, startNginx, startRedis } from '../harness/daemons';
import { MariaDb, startMariaDb } from '../harness/mariadb';
import { cyclonusVersion, ExtraPod, netpolTruthTable } from '../harness/netpol';
import { issueCertificate, makeCa } from '../harness/pki';
import { run, sleep, start, stopAll, tempDir, toolPath } from '../harness/proc';

jest.setTimeout(300_000);
afterAll(stopAll);

const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
const CA_MOUNT = '/etc/nginx/broker-ca/cache';

interface Pki { caPem: string; otherCaPem: string; dir: string }

/** A CA, a server certificate for `name` signed by it, and a second, unrelated CA. */
function makePki(name: string): Pki {
  const dir = tempDir('broker-pki');
  fs.chmodSync(dir, 0o755);
  makeCa(dir, 'ca', 'ca for the broker test');
  makeCa(dir, 'other-ca', 'other-ca for the broker test');
  issueCertificate(dir, { ca: 'ca', name: 'server', cn: name, altNames: [`DNS:${name}`] });
  // A certificate from the right CA for another name: the name check must refuse it.
  issueCertificate(dir, { ca: 'ca', name: 'wrong-name', cn: 'other.example.com', altNames: ['DNS:other.example.com'] });
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
  return { caPem: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'), otherCaPem: fs.readFileSync(path.join(dir, 'other-ca.crt'), 'utf8'), dir };
}

/** The environment's objects: the nginx.conf, the app's env, the CA volume's Secret (if any). */
function synth(environment: string) {
  const objs = synthAppValid(buildApp(environment));
  const dep = one(objs, 'Deployment', 'checkout');
  const spec = dep.spec.template.spec;
  const app = spec.containers.find((c: any) => c.name === 'app');
  const env = Object.fromEntries(app.env.map((e: any) => [e.name, e.value]));
  return { objs, dep, env, conf: one(objs, 'ConfigMap', 'checkout-broker').data['nginx.conf'] as string };
}

/** The ambassador as the pod runs it: its config, on the pod's loopback address `podHost` instead of 127.0.0.1. */
async function startAmbassador(conf: string, podHost: string, hosts: Record<string, string>, caPem?: string): Promise<Daemon> {
  expect(fs.existsSync(STREAM_MODULE)).toBe(true);
  const local = `load_module ${STREAM_MODULE};\n${conf.replace(/listen 127\.0\.0\.1:/g, `listen ${podHost}:`)}`;
  return startNginx(local, { host: podHost, hosts, mounts: { '/tmp': { '.keep': '' }, ...(caPem ? { [CA_MOUNT]: { 'ca.crt': caPem } } : {}) } });
}

/**
 * A loopback address where every port of `ports` is free right now: other tier-2 suites run at the same time and
 * bind 127.0.0.x too (a pod's routes and health port, or a daemon that must be the only one on its address).
 */
async function freeHostFor(ports: number[]): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const host = await freeHost(ports[0]);
    const free = await Promise.all(ports.slice(1).map((port) => new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    })));
    if (free.every(Boolean)) return host;
  }
  throw new Error(`no 127.0.0.x with ${ports.join(', ')} free`);
}

/** Runs `body` with the ambassador up on a fresh pod address, and stops it after. */
type AmbassadorBody = (pod: string, nginx: Daemon) => Promise<void>;

async function withAmbassador(conf: string, hosts: Record<string, string>, caPem: string | undefined, body: AmbassadorBody): Promise<void> {
  const pod = await freeHostFor([3306, 6379, 15000]);
  const nginx = await startAmbassador(conf, pod, hosts, caPem);
  try {
    await body(pod, nginx);
  } finally {
    await nginx.proc.stop();
  }
}

/** What the app sees: one query through the ambassador with the `mariadb` client over TCP. */
function query(host: string, port: string, sql: string): { code: number | null; out: string } {
  const r = run(toolPath('mariadb'), ['--no-defaults', '--protocol=TCP', `-h${host}`, `-P${port}`, '-uapp', '-papp-pw', '-N', '-B', '--connect-timeout=20', '-e', sql], { timeoutMs: 60_000 });
  return { code: r.code, out: `${r.stdout}${r.stderr}`.trim() };
}

/** Connects to `host:port`, sends `payload`; resolves with the bytes received and the ms until the peer closed. */
function untilClosed(host: string, port: number, payload: string, boundMs: number): Promise<{ connected: boolean; data: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let connected = false;
    let data = '';
    const s = net.connect({ host, port });
    const timer = setTimeout(() => { s.destroy(); resolve({ connected, data, ms: Date.now() - t0 }); }, boundMs);
    s.on('connect', () => { connected = true; s.write(payload); });
    s.on('data', (d) => { data += d.toString('utf8'); });
    s.on('close', () => { clearTimeout(timer); resolve({ connected, data, ms: Date.now() - t0 }); });
    s.on('error', () => undefined);
  });
}

/** redis with TLS only (`--port 0`): `startRedis` always opens a plain port, so this one is started directly. */
async function startTlsRedis(pki: Pki, port: number, cert = 'server'): Promise<Daemon> {
  const host = await freeHost(port);
  const dir = tempDir('redis-tls');
  const proc = await start({
    name: `redis-tls-${host}`,
    command: toolPath('redis-server'),
    args: ['--port', '0', '--bind', host, '--tls-port', String(port), '--tls-cert-file', path.join(pki.dir, `${cert}.crt`),
      '--tls-key-file', path.join(pki.dir, `${cert}.key`), '--tls-ca-cert-file', path.join(pki.dir, 'ca.crt'), '--tls-auth-clients', 'no',
      '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', ''],
    readyPort: { host, port },
  });
  return { proc, host, port, dir, listens: [{ host, port }] };
}

const dbInit = (environment: string) => [
  'CREATE DATABASE shop',
  'CREATE TABLE shop.marker (environment VARCHAR(32) NOT NULL)',
  `INSERT INTO shop.marker VALUES ('${environment}')`,
  `CREATE TABLE shop.only_in_${environment} (id INT)`,
  "CREATE USER 'app'@'%' IDENTIFIED BY 'app-pw'",
  "GRANT SELECT ON shop.* TO 'app'@'%'",
];

describe('ServiceBroker: the same code, two environments, real backends behind localhost', () => {
  const staging = synth('staging');
  const production = synth('production');
  let pki: Pki;
  let stagingDb: MariaDb;
  let productionDb: MariaDb;
  let stagingRedis: Daemon;
  let productionRedis: Daemon;
  let hosts: Record<string, string>;

  beforeAll(async () => {
    pki = makePki('cache.prod.example.com');
    stagingDb = await startMariaDb({ host: await freeHost(3306), init: dbInit('staging') });
    productionDb = await startMariaDb({ host: await freeHost(3306), init: dbInit('production') });
    stagingRedis = await startRedis({ host: await freeHost(6379), port: 6379 });
    // Production's redis: TLS only (plain port 0), the server certificate for cache.prod.example.com.
    productionRedis = await startTlsRedis(pki, 6380);
    await redisCommand(stagingRedis.host, 6379, 'SET', 'marker', 'staging');
    hosts = {
      'mariadb': stagingDb.host,
      'redis': stagingRedis.host,
      'orders-db.prod.example.com': productionDb.host,
      'cache.prod.example.com': productionRedis.host,
    };
  }, 240_000);

  test('the app\'s config is the same in both environments; only the ambassador\'s backends differ', () => {
    expect(staging.env).toEqual({ DB_HOST: '127.0.0.1', DB_PORT: '3306', CACHE_HOST: '127.0.0.1', CACHE_PORT: '6379' });
    expect(production.env).toEqual(staging.env);
    expect(staging.dep.metadata.annotations['distributed-patterns.dev/environment']).toBe('staging');
    expect(staging.conf).toContain('server mariadb:3306;');
    expect(staging.conf).not.toContain('proxy_ssl on;');
    expect(production.conf).toContain('server orders-db.prod.example.com:3306;');
    expect(production.conf).toContain('server cache.prod.example.com:6380;');
    expect(production.conf).toContain(`proxy_ssl_trusted_certificate ${CA_MOUNT}/ca.crt;`);
    expect(production.conf.match(/listen 127\.0\.0\.1:\d+;/g)).toEqual(['listen 127.0.0.1:3306;', 'listen 127.0.0.1:6379;']);
  });

  test('staging: the app reaches the staging MariaDB and redis through localhost, and nothing of production', async () => {
    await withAmbassador(staging.conf, hosts, undefined, async (pod) => {
      expect(query(pod, staging.env.DB_PORT, 'SELECT environment FROM shop.marker')).toEqual({ code: 0, out: 'staging' });
      const missing = query(pod, staging.env.DB_PORT, 'SELECT COUNT(*) FROM shop.only_in_production');
      expect(missing.code).not.toBe(0);
      expect(missing.out).toContain("Table 'shop.only_in_production' doesn't exist");
      expect(await redisCommand(pod, Number(staging.env.CACHE_PORT), 'GET', 'marker')).toBe('$7\r\nstaging\r\n');
    });
  });

  test('production: the same ports reach the production MariaDB and, over verified TLS, the production redis', async () => {
    await withAmbassador(production.conf, hosts, pki.caPem, async (pod) => {
      expect(query(pod, production.env.DB_PORT, 'SELECT environment FROM shop.marker')).toEqual({ code: 0, out: 'production' });
      expect(query(pod, production.env.DB_PORT, 'SELECT COUNT(*) FROM shop.only_in_production')).toEqual({ code: 0, out: '0' });
      // The app speaks plain RESP to localhost; the redis it reaches accepts only TLS.
      expect(await redisCommand(pod, Number(production.env.CACHE_PORT), 'SET', 'marker', 'production')).toBe('+OK\r\n');
      expect(await redisCommand(pod, Number(production.env.CACHE_PORT), 'GET', 'marker')).toBe('$10\r\nproduction\r\n');
      expect(await redisCommand(stagingRedis.host, 6379, 'GET', 'marker')).toBe('$7\r\nstaging\r\n');
    });
  });

  test('production with a CA that did not sign the redis certificate: the handshake is refused, the app gets a closed connection', async () => {
    await withAmbassador(production.conf, hosts, pki.otherCaPem, async (pod, nginx) => {
      const r = await untilClosed(pod, Number(production.env.CACHE_PORT), '*1\r\n$4\r\nPING\r\n', 30_000);
      expect(r).toMatchObject({ connected: true, data: '' });
      expect(r.ms).toBeLessThan(30_000);
      expect(nginx.proc.logs()).toMatch(/upstream SSL certificate verify error|certificate verify failed/);
    });
  });

  test('production with a redis whose certificate (from the right CA) names another host: refused, the app gets a closed connection', async () => {
    const impostor = await startTlsRedis(pki, 6380, 'wrong-name');
    await withAmbassador(production.conf, { ...hosts, 'cache.prod.example.com': impostor.host }, pki.caPem, async (pod, nginx) => {
      const r = await untilClosed(pod, Number(production.env.CACHE_PORT), '*1\r\n$4\r\nPING\r\n', 30_000);
      expect(r).toMatchObject({ connected: true, data: '' });
      expect(nginx.proc.logs()).toMatch(/upstream SSL certificate does not match "cache\.prod\.example\.com"/);
    });
    await impostor.proc.stop();
  });

  test('failure contract: the backend killed, the app\'s connection to localhost is accepted and closed without a byte within the connect timeout; the ambassador stays up', async () => {
    const victim = await startRedis({ host: await freeHost(6379), port: 6379 });
    await withAmbassador(staging.conf, { ...hosts, redis: victim.host }, undefined, async (pod, nginx) => {
      expect(await redisCommand(pod, 6379, 'PING')).toBe('+PONG\r\n');
      process.kill(victim.proc.pid, 'SIGKILL');
      for (let i = 0; i < 100 && !victim.proc.exited; i++) await sleep(50);
      expect(victim.proc.exited).toBeDefined();
      const connectTimeoutMs = 5_000;
      for (let i = 0; i < 3; i++) {
        const r = await untilClosed(pod, 6379, '*1\r\n$4\r\nPING\r\n', connectTimeoutMs + 10_000);
        expect(r).toMatchObject({ connected: true, data: '' });
        expect(r.ms).toBeLessThan(connectTimeoutMs + 10_000);
      }
      expect(nginx.proc.exited).toBeUndefined();
      expect(query(pod, '3306', 'SELECT environment FROM shop.marker')).toEqual({ code: 0, out: 'staging' });
    });
  });

  test('failure contract: with no database behind it, a MySQL client sees "lost connection" at the handshake (error 2013), at once', async () => {
    await withAmbassador(staging.conf, { ...hosts, mariadb: await freeHost(3306) }, undefined, async (pod, nginx) => {
      const t0 = Date.now();
      const r = query(pod, staging.env.DB_PORT, 'SELECT 1');
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/ERROR 2013 .*Lost connection to server at 'handshake: reading initial communication packet'/);
      expect(Date.now() - t0).toBeLessThan(5_000 + 10_000);
      expect(nginx.proc.logs()).toMatch(/connect\(\) failed \(111: Connection refused\)/);
    });
  });

  test('NetworkPolicy, computed by cyclonus: staging reaches only its Services in the namespace, production only the outside endpoints\' ports', () => {
    // GIVEN each environment's objects, a client, stand-ins for the in-cluster MariaDB and redis, the DNS, and a
    // stranger in another namespace serving the managed endpoints' ports
    const extraPods: ExtraPod[] = [
      { namespace: 'checkout', name: 'client', labels: { app: 'client' } },
      { namespace: 'checkout', name: 'mariadb', labels: { app: 'mariadb' }, ports: [{ port: 3306 }] },
      { namespace: 'checkout', name: 'redis', labels: { app: 'redis' }, ports: [{ port: 6379 }] },
      { namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] },
      { namespace: 'other', name: 'stranger', labels: { app: 'stranger' }, ports: [{ port: 3306 }, { port: 6379 }, { port: 6380 }] },
    ];
    const edgesOf = (objs: any[]) => netpolTruthTable(objs, undefined, { extraPods }).allowed.filter((a) => a.includes('checkout/checkout'));
    const dnsAndClients = [
      'checkout/checkout → kube-system/coredns 53/TCP', 'checkout/checkout → kube-system/coredns 53/UDP',
      ...['client', 'mariadb', 'redis'].map((p) => `checkout/${p} → checkout/checkout 8080/TCP`),
    ];
    // THEN staging: the Services of the namespace on their ports, nothing outside it (the stranger serves 3306 too)
    expect(edgesOf(staging.objs)).toEqual([...dnsAndClients, 'checkout/checkout → checkout/mariadb 3306/TCP', 'checkout/checkout → checkout/redis 6379/TCP'].sort());
    // … production: any address on the managed endpoints' ports (3306, 6380), and not staging's redis port
    expect(edgesOf(production.objs)).toEqual([...dnsAndClients, 'checkout/checkout → checkout/mariadb 3306/TCP',
      'checkout/checkout → other/stranger 3306/TCP', 'checkout/checkout → other/stranger 6380/TCP'].sort());
    // eslint-disable-next-line no-console
    console.log(`service-broker example, cyclonus ${cyclonusVersion()}: both environments' policies are the intended edges exactly`);
  }, 120_000);
});
