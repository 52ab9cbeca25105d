/**
 * Tier 2 for AdapterMonitoring: the adapters' real programs started with exactly the args and env their
 * containers get in the synthesized manifests (taken from the manifests, Secret values supplied by the test),
 * against the real daemons on 127.0.0.x. `localhost` inside the pod is mapped to the app's loopback address by
 * nss_wrapper; the only env added is the adapter's listen address (tier-2 processes bind 127.0.0.x only).
 *
 * - redis + prometheus-redis-exporter: `redis_up 1`, the key count the test wrote, `redis_up 0` once redis stops;
 * - the health adapter program (from the ConfigMap): 200 while redis runs, 503 within its timeout once it stops;
 * - the same for PostgreSQL: prometheus-postgres-exporter (`pg_up 1`) and the SQL health check (SCRAM auth);
 * - the PrometheusRule: `promtool check rules`, and `promtool test rules` proving the alerts fire;
 * - the redis log format: the parser regex splits every line the real redis-server logs;
 * - a real kube-apiserver 1.27 with the prometheus-operator CRDs accepts every object (`--dry-run=server`).
 *
 * No Fluent Bit binary can be had here (Debian bookworm has no fluent-bit package; see the README), so the log
 * adapter's config is proven in tier 1 only.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { buildApp } from '../../examples/adapter-redis';
import { AdapterMonitoring, FluentBitConfig, HealthCheck, MonitoringAdapter, RestrictedSecurity } from '../../src';
import { synthAppValid, synthValid, one } from '../harness';
import { ApiServer, serverDryRun, startApiServer } from '../harness/apiserver';
import { allocHost, Daemon, httpGet, nssWrapperEnv, startRedis, startRedisExporter, tcpExchange } from '../harness/daemons';
import { memoryCgroup, peakRss } from '../harness/memory-cgroup';
import { run, sleep, start, Started, stopAll, tempDir, TOOLS_DIR, toolPath, waitForPort } from '../harness/proc';

afterAll(() => stopAll());

/** The container `name` of the workload in `objs`. */
function containerOf(objs: any[], kind: string, name: string): any {
  const c = one(objs, kind).spec.template.spec.containers.find((x: any) => x.name === name);
  if (!c) throw new Error(`no container '${name}'`);
  return c;
}

/**
 * The container's env as the kubelet builds it: literal values, Secret keys from `secrets` (`'<secret>/<key>'`);
 * anything else fails the test.
 */
function envOf(container: any, secrets: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value;
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
      if (!(ref in secrets)) throw new Error(`env ${e.name}: the test has no value for Secret key ${ref}`);
      env[e.name] = secrets[ref];
    } else {
      throw new Error(`env ${e.name}: unsupported source ${JSON.stringify(e)}`);
    }
  }
  return env;
}

/** `$(VAR)` in args expanded from the container's env, as the kubelet does. */
function expand(args: string[], env: Record<string, string>): string[] {
  return args.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, v) => (v in env ? env[v] : all)));
}

/** `args` without the given `--option value` pairs. */
function withoutOptions(args: string[], options: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (options.includes(args[i])) i++; else out.push(args[i]);
  }
  return out;
}

/** One metric sample from Prometheus text exposition (exact name and label set), or undefined. */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Starts the health adapter program from the manifest: its ConfigMap text, its container's env. */
interface HealthAdapter { proc: Started; url: string; timeoutMs: number }

async function startHealthAdapter(
  objs: any[], kind: string, configMap: string, env: Record<string, string>, appHost: string,
): Promise<HealthAdapter> {
  const dir = tempDir('health-adapter');
  const c = containerOf(objs, kind, 'health');
  const mount = c.volumeMounts.find((m: any) => m.name === 'health-program').mountPath;
  // the command is `node <mount>/<file>`: the same file, from a temp dir
  expect(c.command[0]).toBe('node');
  const file = path.join(dir, path.relative(mount, c.command[1]));
  fs.writeFileSync(file, one(objs, 'ConfigMap', configMap).data[path.basename(file)]);
  const host = allocHost();
  const port = Number(env.HEALTH_PORT);
  const proc = await start({
    name: `health-adapter-${host}`,
    command: process.execPath,
    args: [file],
    env: { ...env, HEALTH_LISTEN_HOST: host, ...nssWrapperEnv({ localhost: appHost }) },
    readyPort: { host, port },
  });
  return { proc, url: `http://${host}:${port}`, timeoutMs: Number(env.HEALTH_TIMEOUT_MS) };
}

describe('the adapter-redis example against real redis, redis_exporter and the health adapter', () => {
  const objs = synthAppValid(buildApp());
  const password = `pw-${process.pid}-${Date.now()}`;
  const secrets = { 'redis-auth/password': password };
  let redis: Daemon;
  let exporter: Daemon;
  let health: HealthAdapter;

  beforeAll(async () => {
    // redis with the app container's own args ($(REDIS_PASSWORD) expanded), except --dir and --logfile, which
    // startRedis sets to a temp dir and stdout (redis applies `dir` as it reads it: /data does not exist here).
    const app = containerOf(objs, 'Deployment', 'redis');
    const port = app.ports.find((p: any) => p.name === 'redis').containerPort;
    const args = expand(app.args, envOf(app, secrets));
    expect(args).toEqual(expect.arrayContaining(['--requirepass', password, '--maxmemory', '200mb']));
    redis = await startRedis({ port, args: withoutOptions(args, ['--dir', '--logfile']) });
    const e = containerOf(objs, 'Deployment', 'redis-exporter');
    exporter = await startRedisExporter(e.args, envOf(e, secrets), { hosts: { localhost: redis.host } });
    health = await startHealthAdapter(objs, 'Deployment', 'cache-health', envOf(containerOf(objs, 'Deployment', 'health'), secrets), redis.host);
  }, 120_000);

  test('the exporter container is started with exactly the manifest\'s args', () => {
    expect(containerOf(objs, 'Deployment', 'redis-exporter').args).toEqual(['--redis.addr=redis://localhost:6379', '--web.listen-address=:9121']);
    expect(exporter.port).toBe(9121);
  });

  test('/metrics: redis_up 1 and the number of keys the test wrote', async () => {
    // GIVEN 7 keys written (AUTH first: the app requires the password)
    const keys = 7;
    let payload = `*2\r\n$4\r\nAUTH\r\n$${password.length}\r\n${password}\r\n`;
    for (let i = 0; i < keys; i++) payload += `*3\r\n$3\r\nSET\r\n$${`k${i}`.length}\r\nk${i}\r\n$1\r\nv\r\n`;
    const answer = await tcpExchange(redis.host, redis.port, payload, { until: new RegExp(`^(\\+OK\\r\\n){${keys + 1}}$`) });
    expect(answer).toBe('+OK\r\n'.repeat(keys + 1));
    // WHEN scraped
    const r = await httpGet(`http://${exporter.host}:${exporter.port}/metrics`);
    // THEN
    expect(r.status).toBe(200);
    expect(sample(r.body, 'redis_up')).toBe(1);
    expect(sample(r.body, 'redis_db_keys{db="db0"}')).toBe(keys);
    // the app's --maxmemory from the manifest is what the exporter reports (RedisMemoryNearLimit's denominator)
    expect(sample(r.body, 'redis_memory_max_bytes')).toBe(200 * 1024 * 1024);
  });

  test('the health adapter answers 200 while redis runs', async () => {
    const r = await httpGet(`${health.url}/readyz`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'ok', check: 'redis', target: 'localhost:6379' });
    expect((await httpGet(`${health.url}/healthz`)).status).toBe(200);
  });

  test('every line the real redis logs is split by the log adapter\'s redis parser', () => {
    const parsers = one(objs, 'ConfigMap', 'cache-log-normalizer').data[FluentBitConfig.PARSERS_FILE];
    const regex = new RegExp(/^ {4}Regex\s+(.*)$/m.exec(parsers)![1]);
    const lines = redis.proc.logs().split('\n').filter((l) => /^\d+:[A-Z] /.test(l));
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect({ line: l, match: regex.test(l) }).toEqual({ line: l, match: true });
    const ready = lines.map((l) => regex.exec(l)!.groups!).find((g) => g.message.startsWith('Ready to accept connections'));
    expect(ready).toMatchObject({ role: 'M', level: '*' });
  });

  test('after redis stops: the health adapter answers 503 within its timeout, the exporter redis_up 0', async () => {
    // WHEN redis stops
    await redis.proc.stop();
    // THEN
    const t0 = Date.now();
    const r = await httpGet(`${health.url}/readyz`);
    const elapsed = Date.now() - t0;
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'fail', check: 'redis' });
    expect(JSON.parse(r.body).error).toMatch(/ECONNREFUSED/);
    expect(elapsed).toBeLessThanOrEqual(health.timeoutMs);
    expect((await httpGet(`${health.url}/livez`)).status).toBe(200);
    const m = await httpGet(`http://${exporter.host}:${exporter.port}/metrics`);
    expect(sample(m.body, 'redis_up')).toBe(0);
    // the change is in the adapter's log, as JSON lines
    const events = health.proc.logs().trim().split('\n').map((l) => JSON.parse(l)).map((l) => l.message);
    expect(events).toEqual([expect.stringMatching(/^listening on /), 'app is healthy', 'app is unhealthy']);
  });
});

describe('the PrometheusRule passes promtool', () => {
  const objs = synthAppValid(buildApp());
  const spec = one(objs, 'PrometheusRule').spec;
  const dir = tempDir('promtool');
  const rules = path.join(dir, 'rules.json');
  fs.writeFileSync(rules, JSON.stringify(spec, null, 2));

  test('promtool check rules', () => {
    const r = run(toolPath('promtool'), ['check', 'rules', rules]);
    expect({ code: r.code, out: r.stdout + r.stderr }).toEqual({ code: 0, out: expect.stringContaining('SUCCESS: 4 rules found') });
  });

  test('promtool check rules fails on a broken expression (the check can fail)', () => {
    const broken = JSON.parse(JSON.stringify(spec));
    broken.groups[0].rules[1].expr = 'redis_up{job="cache" == 0';
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, JSON.stringify(broken));
    const r = run(toolPath('promtool'), ['check', 'rules', file]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/FAILED/);
  });

  test('promtool test rules: the alerts fire on the series the exporter would produce', () => {
    // GIVEN series as scraped through the ServiceMonitor (job = Service name, endpoint = port name)
    const t = { instance: '10.0.0.1:9121', namespace: 'default', pod: 'cache-0', job: 'cache' };
    const labels = (extra: Record<string, string> = {}) => `{${Object.entries({ ...t, ...extra }).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    const test = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          { series: `up${labels({ endpoint: 'metrics' })}`, values: '0x10' },
          { series: `redis_up${labels()}`, values: '1 1 0x8' },
          { series: `redis_memory_used_bytes${labels()}`, values: '190000000x10' },
          { series: `redis_memory_max_bytes${labels()}`, values: '200000000x10' },
          { series: `redis_rejected_connections_total${labels()}`, values: '0 0 0 5 5 5 5 5 5 5 5' },
        ],
        // THEN each alert fires at the right time, with its labels and its rendered annotations
        alert_rule_test: [
          { eval_time: '4m', alertname: 'RedisExporterDown', exp_alerts: [] },
          {
            eval_time: '6m',
            alertname: 'RedisExporterDown',
            exp_alerts: [{
              exp_labels: { ...t, endpoint: 'metrics', severity: 'warning' },
              exp_annotations: {
                summary: 'The redis exporter cannot be scraped',
                description: 'Prometheus has not scraped the redis-exporter adapter of default/cache-0 for 5 minutes: its redis metrics and alerts are blind.',
              },
            }],
          },
          { eval_time: '2m', alertname: 'RedisDown', exp_alerts: [] },
          {
            eval_time: '4m',
            alertname: 'RedisDown',
            exp_alerts: [{ exp_labels: { ...t, severity: 'critical' }, exp_annotations: { summary: 'Redis is down', description: 'The exporter of default/cache-0 cannot reach redis on localhost.' } }],
          },
          { eval_time: '4m', alertname: 'RedisMemoryNearLimit', exp_alerts: [] },
          {
            eval_time: '6m',
            alertname: 'RedisMemoryNearLimit',
            exp_alerts: [{
              exp_labels: { ...t, severity: 'warning' },
              exp_annotations: { summary: 'Redis uses more than 90% of maxmemory', description: 'Redis in default/cache-0 uses 95% of its maxmemory: it will evict keys or refuse writes.' },
            }],
          },
          { eval_time: '2m', alertname: 'RedisRejectedConnections', exp_alerts: [] },
          {
            eval_time: '4m',
            alertname: 'RedisRejectedConnections',
            exp_alerts: [{
              exp_labels: { ...t, severity: 'warning' },
              exp_annotations: { summary: 'Redis rejects connections', description: 'Redis in default/cache-0 rejected 5 connections in 5 minutes (maxclients reached).' },
            }],
          },
        ],
      }],
    };
    const file = path.join(dir, 'test.json');
    fs.writeFileSync(file, JSON.stringify(test, null, 2));
    const r = run(toolPath('promtool'), ['test', 'rules', file], { cwd: dir });
    expect({ code: r.code, out: r.stdout + r.stderr }).toEqual({ code: 0, out: expect.stringContaining('SUCCESS') });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

const PG_BIN = '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;

/** Runs `cmd` as the postgres user when root (postgres refuses to run as root). */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? [toolPath('runuser'), ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

/** A PostgreSQL 15 cluster on `host:5432` (its own data dir, SCRAM-SHA-256 for TCP) with a `monitor` user. */
async function startPostgres(password: string): Promise<Daemon & { stopFast: () => Promise<void> }> {
  const host = allocHost();
  const dir = tempDir('postgres');
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  if (isRoot) fs.chownSync(dir, Number(run('id', ['-u', 'postgres']).stdout.trim()), Number(run('id', ['-g', 'postgres']).stdout.trim()));
  const [initCmd, initArgs] = asPostgres(path.join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8']);
  const init = run(initCmd, initArgs, { timeoutMs: 120_000 });
  if (init.code !== 0) throw new Error(`initdb failed: ${init.stdout}${init.stderr}`);
  const [cmd, args] = asPostgres(path.join(PG_BIN, 'postgres'), ['-D', data, '-c', `listen_addresses=${host}`, '-p', '5432', '-k', dir, '-c', 'max_connections=20']);
  const proc = await start({ name: `postgres-${host}`, command: cmd, args, readyPort: { host, port: 5432 }, readyTimeoutMs: 60_000 });
  const [psql, psqlArgs] = asPostgres(path.join(PG_BIN, 'psql'), ['-h', dir, '-p', '5432', '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c',
    `CREATE USER monitor PASSWORD '${password}'; GRANT pg_monitor TO monitor;`]);
  // The port opens before recovery ends ("the database system is starting up"): retry for a while.
  for (let attempt = 0; ; attempt++) {
    const r = run(psql, psqlArgs, { timeoutMs: 30_000 });
    if (r.code === 0) break;
    if (attempt >= 100 || !/starting up/.test(r.stderr)) throw new Error(`psql failed: ${r.stdout}${r.stderr}`);
    await sleep(200);
  }
  const stopFast = async () => {
    // SIGINT: fast shutdown (SIGTERM would wait for the exporter's session to end)
    const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGINT');
    const deadline = Date.now() + 20_000;
    while (fs.existsSync(path.join(data, 'postmaster.pid')) && Date.now() < deadline) await sleep(100);
    await proc.stop();
  };
  return { proc, host, port: 5432, dir, listens: [{ host, port: 5432 }], stopFast };
}

describe('postgres_exporter and the SQL health check against a real PostgreSQL', () => {
  let objs: any[];
  const password = `pg-${process.pid}-${Date.now()}`;
  const secrets = { 'pg-monitor/username': 'monitor', 'pg-monitor/password': password };
  let pg: Daemon & { stopFast: () => Promise<void> };
  let exporter: Started;
  let exporterUrl: string;
  let health: HealthAdapter;

  beforeAll(async () => {
    // GIVEN a chart with a PostgreSQL app, its exporter and a SQL health check
    const chart: Chart = Testing.chart();
    const creds = kplus.Secret.fromSecretName(chart, 'creds', 'pg-monitor');
    const user = { secret: creds, key: 'username' };
    const pass = { secret: creds, key: 'password' };
    new AdapterMonitoring(chart, 'db', {
      appContainerName: 'postgres',
      app: { image: 'postgres:16.6-alpine', port: 5432, portName: 'postgres', uid: 70, writableDirs: ['/var/lib/postgresql/data', '/var/run/postgresql'] },
      adapters: [
        MonitoringAdapter.postgresExporter({ username: user, password: pass }),
        MonitoringAdapter.health({ check: HealthCheck.postgresQuery({ username: user, password: pass, query: 'SELECT count(*) FROM pg_stat_activity' }) }),
      ],
    });
    objs = synthValid(chart);
    pg = await startPostgres(password);
    // the exporter with the container's exact args and env; its wildcard listen address bound to a loopback one
    const e = containerOf(objs, 'Deployment', 'postgres-exporter');
    const host = allocHost();
    expect(e.args).toEqual(['--web.listen-address=:9187']);
    const args = e.args.map((a: string) => a.replace(/^--web\.listen-address=:/, `--web.listen-address=${host}:`));
    exporter = await start({
      name: `postgres-exporter-${host}`,
      command: toolPath('prometheus-postgres-exporter'),
      args,
      env: { ...envOf(e, secrets), ...nssWrapperEnv({ localhost: pg.host }), GODEBUG: 'netdns=cgo' },
      readyPort: { host, port: 9187 },
    });
    exporterUrl = `http://${host}:9187/metrics`;
    health = await startHealthAdapter(objs, 'Deployment', 'db-health', envOf(containerOf(objs, 'Deployment', 'health'), secrets), pg.host);
  }, 180_000);

  test('/metrics: pg_up 1', async () => {
    const r = await httpGet(exporterUrl, { timeoutMs: 20_000 });
    expect(r.status).toBe(200);
    expect(sample(r.body, 'pg_up')).toBe(1);
    expect(r.body).toMatch(/^pg_settings_max_connections(\{[^}]*\})? 20$/m);
  });

  test('the SQL health check authenticates with SCRAM-SHA-256 and answers 200', async () => {
    const r = await httpGet(`${health.url}/readyz`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'ok', check: 'postgres', target: 'localhost:5432' });
  });

  test('a wrong password or a failing query is a 503 with PostgreSQL\'s own error', async () => {
    const env = envOf(containerOf(objs, 'Deployment', 'health'), { ...secrets, 'pg-monitor/password': 'wrong' });
    const bad = await startHealthAdapter(objs, 'Deployment', 'db-health', env, pg.host);
    const r = await httpGet(`${bad.url}/readyz`);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).error).toBe('postgres FATAL 28P01: password authentication failed for user "monitor"');
    await bad.proc.stop();
    const envQ = { ...envOf(containerOf(objs, 'Deployment', 'health'), secrets), HEALTH_SQL_QUERY: 'SELECT * FROM no_such_table' };
    const badQuery = await startHealthAdapter(objs, 'Deployment', 'db-health', envQ, pg.host);
    const q = await httpGet(`${badQuery.url}/readyz`);
    expect(q.status).toBe(503);
    expect(JSON.parse(q.body).error).toBe('postgres ERROR 42P01: relation "no_such_table" does not exist');
    await badQuery.proc.stop();
  });

  test('after PostgreSQL stops: 503 within the timeout, pg_up 0', async () => {
    await pg.stopFast();
    await waitForPort(pg.host, 5432, 100).then(() => { throw new Error('postgres still listens'); }, () => undefined);
    const t0 = Date.now();
    const r = await httpGet(`${health.url}/readyz`);
    expect(r.status).toBe(503);
    expect(Date.now() - t0).toBeLessThanOrEqual(health.timeoutMs);
    const m = await httpGet(exporterUrl, { timeoutMs: 20_000 });
    expect(sample(m.body, 'pg_up')).toBe(0);
    await exporter.stop();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// kube-apiserver

describe('a real kube-apiserver with the prometheus-operator CRDs accepts the objects', () => {
  let api: ApiServer;

  beforeAll(async () => {
    api = await startApiServer({ crdDirs: [path.join(TOOLS_DIR, 'crds', 'prometheus-operator')] });
  }, 300_000);
  afterAll(() => api?.stop());

  test('the example and workload-mode charts (a restricted StatefulSet, a plain Deployment): every object accepted, the pods pass Pod Security restricted', async () => {
    // GIVEN the example (Deployment, ConfigMaps, Service, ServiceMonitor, PrometheusRule) and adapters added to a
    // user's StatefulSet
    const chart = Testing.chart();
    const sts = new kplus.StatefulSet(chart, 'kv', {
      metadata: { name: 'kv' },
      securityContext: RestrictedSecurity.podSecurityContext(999, 1000),
      service: new kplus.Service(chart, 'kv-headless', { metadata: { name: 'kv' }, clusterIP: 'None', ports: [{ port: 6379 }] }),
    });
    RestrictedSecurity.addContainer(sts, { name: 'redis', image: 'redis:7.2.5-alpine', ports: [{ number: 6379, name: 'redis' }] }, { uid: 999, gid: 1000 });
    RestrictedSecurity.applySeccomp(sts);
    new AdapterMonitoring(chart, 'kv-adapters', {
      workload: sts,
      adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.health({ check: HealthCheck.redisPing() })],
      serviceMonitor: true,
      prometheusRule: true,
    });
    // and to a plain cdk8s-plus Deployment (no seccomp profile, capabilities kept), which the construct hardens
    const plain = new kplus.Deployment(chart, 'web', {
      metadata: { name: 'web' },
      containers: [{ name: 'web', image: 'nginxinc/nginx-unprivileged:1.27.3-alpine', portNumber: 8080, securityContext: { user: 101 } }],
    });
    new AdapterMonitoring(chart, 'web-adapters', { workload: plain, adapters: [MonitoringAdapter.health({ check: HealthCheck.httpGet() })] });
    const objects = [...synthAppValid(buildApp()), ...synthValid(chart)];
    // WHEN each is applied with --dry-run=server --validate=strict
    const verdicts = await serverDryRun(api, objects);
    // THEN
    expect(verdicts.map((v) => `${v.kind}/${v.name}`)).toEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const v of verdicts) {
      expect({ object: `${v.kind}/${v.name}`, accepted: v.accepted, message: v.message, warnings: v.warnings })
        .toEqual({ object: `${v.kind}/${v.name}`, accepted: true, message: '', warnings: [] });
    }
    expect(verdicts.filter((v) => v.podTemplate).map((v) => [v.kind, v.podTemplate!.accepted])).toEqual([['Deployment', true], ['StatefulSet', true], ['Deployment', true]]);
  });

  test('without the hardening (hardenPod: false) the plain Deployment is rejected by Pod Security restricted', async () => {
    // GIVEN the same plain Deployment with adapters, the hardening turned off
    const chart = Testing.chart();
    const plain = new kplus.Deployment(chart, 'web', {
      metadata: { name: 'web' },
      containers: [{ name: 'web', image: 'nginxinc/nginx-unprivileged:1.27.3-alpine', portNumber: 8080, securityContext: { user: 101 } }],
    });
    new AdapterMonitoring(chart, 'web-adapters', { workload: plain, hardenPod: false, adapters: [MonitoringAdapter.health({ check: HealthCheck.httpGet() })] });
    // WHEN its pod template is dry-run in a restricted namespace
    const [v] = await serverDryRun(api, [one(Testing.synth(chart), 'Deployment')]);
    // THEN the API server refuses the user's container (the adapter's would pass)
    expect(v.podTemplate?.accepted).toBe(false);
    expect(v.podTemplate?.message).toMatch(/violates PodSecurity "restricted:[^"]*".*container "web"/);
  });

  test('the CRD schemas are enforced: a PrometheusRule with a malformed duration is rejected', async () => {
    const objects = synthAppValid(buildApp());
    const rule = JSON.parse(JSON.stringify(one(objects, 'PrometheusRule')));
    rule.spec.groups[0].rules[0].for = '5 minutes';
    const [v] = await serverDryRun(api, [rule]);
    expect(v.accepted).toBe(false);
    expect(v.message).toMatch(/spec\.groups\[0\]\.rules\[0\]\.for/);
  });
});

/** A quantity such as '96Mi' in bytes. */
function mebibytes(quantity: string): number {
  const m = /^(\d+)Mi$/.exec(quantity);
  if (!m) throw new Error(`not a Mi quantity: ${quantity}`);
  return Number(m[1]) * 1024 * 1024;
}

/**
 * A misbehaving app on `host:port`: on each connection it writes what `mode()` gives — a head, then a chunk for as
 * long as the peer reads (paced by 'drain', so this process holds no backlog). Counts connections and bytes out.
 */
async function flooder(host: string, port: number, mode: () => { head: Buffer; chunk: Buffer }) {
  const stats = { connections: 0, bytesSent: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    stats.connections++;
    sockets.add(s);
    s.on('error', () => undefined); // the adapter cuts the flood off: a reset is what it is expected to do
    s.once('close', () => sockets.delete(s));
    s.on('data', () => undefined);
    const { head, chunk } = mode();
    const pump = () => {
      while (!s.destroyed && s.writable && chunk.length > 0) {
        stats.bytesSent += chunk.length;
        if (!s.write(chunk)) return;
      }
    };
    s.on('drain', pump);
    stats.bytesSent += head.length;
    s.write(head);
    pump();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    stats,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('hostile load: a target that floods the health adapter, inside a memory cgroup of the container\'s limit', () => {
  // The adapter of the example (redis PING, 2 s timeout) and of an HTTP check, with their containers' env and limit.
  const redisObjs = synthAppValid(buildApp());
  const httpObjs = (() => {
    const chart = Testing.chart();
    new AdapterMonitoring(chart, 'web', {
      app: { image: 'example/web:1.0.0', port: 8080 },
      adapters: [MonitoringAdapter.health({ check: HealthCheck.httpGet({ path: '/status' }), timeout: Duration.seconds(2) })],
    });
    return synthValid(chart);
  })();

  /**
   * Starts the program of `objs` (ConfigMap `configMap`) with its container's env inside a memory cgroup of its
   * container's memory limit (or, where no cgroup can be made here, without one: then the peak RSS is the bound).
   */
  async function underLimit(objs: any[], kind: string, configMap: string, appHost: string) {
    const c = containerOf(objs, kind, 'health');
    const limitBytes = mebibytes(c.resources.limits.memory);
    const cgroup = memoryCgroup('health-adapter', limitBytes);
    const dir = tempDir('health-flood');
    const mount = c.volumeMounts.find((m: any) => m.name === 'health-program').mountPath;
    const file = path.join(dir, path.relative(mount, c.command[1]));
    fs.writeFileSync(file, one(objs, 'ConfigMap', configMap).data[path.basename(file)]);
    const env = envOf(c, { 'redis-auth/password': 'pw' });
    const host = allocHost();
    const port = Number(env.HEALTH_PORT);
    const cmd = 'dir' in cgroup ? cgroup.wrap(process.execPath, [file]) : { command: process.execPath, args: [file] };
    if (!('dir' in cgroup)) console.log(`no memory cgroup here, the bound is the peak RSS: ${cgroup.unavailable}`);
    const proc = await start({
      name: `health-flood-${host}`,
      command: cmd.command,
      args: cmd.args,
      env: { ...env, HEALTH_LISTEN_HOST: host, ...nssWrapperEnv({ localhost: appHost }) },
      readyPort: { host, port },
    });
    return { proc, url: `http://${host}:${port}`, limitBytes, cgroup: 'dir' in cgroup ? cgroup : undefined, timeoutMs: Number(env.HEALTH_TIMEOUT_MS) };
  }

  /** `total` GETs of `url` from `parallel` clients at once; the answers by status (or error). */
  async function hammer(url: string, total: number, parallel: number): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    let next = 0;
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (next < total) {
        next++;
        const key = await httpGet(url, { timeoutMs: 30_000 }).then((r) => `${r.status} ${JSON.parse(r.body).error ?? 'ok'}`, (e) => `error ${e.message}`);
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }));
    return counts;
  }

  const MiB = 1024 * 1024;
  test.each([
    ['redis: one reply line that never ends', 'redis', { head: Buffer.alloc(0), chunk: Buffer.alloc(256 * 1024, 'x') }, '503 redis sent a reply line longer than 65536 bytes'],
    ['redis: endless lines that are not the answer', 'redis', { head: Buffer.alloc(0), chunk: Buffer.from('+HELLO\r\n'.repeat(32 * 1024)) }, "503 redis answered '+HELLO', expected '+OK'"],
    ['http: headers that never end', 'http', { head: Buffer.from('HTTP/1.1 200 OK\r\n'), chunk: Buffer.from('x-flood: yes\r\n'.repeat(16 * 1024)) }, /^503 .*(Header overflow|HPE_HEADER_OVERFLOW)/],
    ['http: a 200 whose body never ends (the status is the answer; the body is never read)', 'http', { head: Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n'), chunk: Buffer.alloc(256 * 1024, 'z') }, '200 ok'],
  ])('%s: 120 checks from 4 clients at once, every answer as documented, no OOM kill, the adapter stays up', async (_name, check, flood, expected) => {
    // GIVEN a target that floods every connection, and the adapter that probes it under its memory limit
    const appHost = allocHost();
    const target = await flooder(appHost, check === 'redis' ? 6379 : 8080, () => flood);
    const a = check === 'redis' ? await underLimit(redisObjs, 'Deployment', 'cache-health', appHost) : await underLimit(httpObjs, 'Deployment', 'web-health', appHost);
    try {
      // WHEN 120 checks are asked for, 4 at a time (the adapter shares one check between concurrent requests)
      const counts = await hammer(`${a.url}/readyz`, 120, 4);
      // THEN every answer is the documented one, the adapter is alive and under its limit
      const [answer, n] = Object.entries(counts)[0];
      expect(Object.keys(counts)).toHaveLength(1);
      expect(answer).toMatch(expected);
      expect(n).toBe(120);
      expect((await httpGet(`${a.url}/livez`)).status).toBe(200);
      expect(a.proc.exited).toBeUndefined();
      const usage = a.cgroup?.usage();
      const rssBytes = peakRss(a.proc.pid);
      console.log(`${_name}: ${target.stats.connections} target connections, ${(target.stats.bytesSent / MiB).toFixed(1)} MiB sent by the target; `
        + `adapter peak RSS ${(rssBytes / MiB).toFixed(1)} MiB, cgroup peak ${usage ? (usage.peakBytes / MiB).toFixed(1) : 'n/a'} MiB of ${a.limitBytes / MiB} MiB, OOM kills ${usage?.oomKills ?? 'n/a'}`);
      if (usage) expect(usage.oomKills).toBe(0);
      // with a margin: the bound is the limit, and a Node process idles at about half of it
      expect(rssBytes).toBeLessThan(a.limitBytes * 0.9);
    } finally {
      await a.proc.stop();
      a.cgroup?.remove();
      await target.close();
    }
  });
});

/** What a client of `url` sees within `timeoutMs`: the status (and error) or how the request failed. */
function probe(url: string, timeoutMs: number): Promise<{ seen: string; ms: number }> {
  const t0 = Date.now();
  return httpGet(url, { timeoutMs }).then(
    (r) => ({ seen: `${r.status}${r.body.startsWith('{') ? ` ${JSON.parse(r.body).error ?? 'ok'}` : ''}`, ms: Date.now() - t0 }),
    (e) => ({ seen: /no response after/.test(e.message) ? 'timeout' : `error ${e.code ?? e.message}`, ms: Date.now() - t0 }),
  );
}

describe('failure contract (README): each part SIGKILLed or SIGSTOPped on loopback, what a probe or a scrape sees', () => {
  const objs = synthAppValid(buildApp());
  const password = `pw-${process.pid}-${Date.now()}`;
  const secrets = { 'redis-auth/password': password };
  const healthContainer = containerOf(objs, 'Deployment', 'health');
  // the kubelet's probe timeout of the adapter's readiness probe (/readyz) and liveness probe (/livez)
  const readyTimeoutMs = healthContainer.readinessProbe.timeoutSeconds * 1000;
  const liveTimeoutMs = healthContainer.livenessProbe.timeoutSeconds * 1000;
  let redis: Daemon;
  let exporter: Daemon;
  let health: HealthAdapter;

  beforeAll(async () => {
    const app = containerOf(objs, 'Deployment', 'redis');
    const args = expand(app.args, envOf(app, secrets));
    redis = await startRedis({ port: 6379, args: withoutOptions(args, ['--dir', '--logfile']) });
    const e = containerOf(objs, 'Deployment', 'redis-exporter');
    exporter = await startRedisExporter(e.args, envOf(e, secrets), { hosts: { localhost: redis.host } });
    health = await startHealthAdapter(objs, 'Deployment', 'cache-health', envOf(healthContainer, secrets), redis.host);
  }, 120_000);

  const signal = (pid: number, s: NodeJS.Signals) => process.kill(pid, s);

  test('the app hung (SIGSTOP): /readyz is a 503 after the check timeout, inside the probe timeout; 200 again once it runs', async () => {
    expect((await probe(`${health.url}/readyz`, readyTimeoutMs)).seen).toBe('200 ok');
    signal(redis.proc.pid, 'SIGSTOP');
    try {
      const r = await probe(`${health.url}/readyz`, readyTimeoutMs * 3);
      expect(r.seen).toBe(`503 no answer within ${health.timeoutMs}ms`);
      expect(r.ms).toBeGreaterThanOrEqual(health.timeoutMs - 50);
      expect((await probe(`${health.url}/livez`, liveTimeoutMs * 3)).seen).toBe('200 ok'); // the adapter is not restarted for it
      const m = await httpGet(`http://${exporter.host}:${exporter.port}/metrics`, { timeoutMs: 60_000 });
      expect(sample(m.body, 'redis_up')).toBe(0);
    } finally {
      signal(redis.proc.pid, 'SIGCONT');
    }
    expect((await probe(`${health.url}/readyz`, readyTimeoutMs * 3)).seen).toBe('200 ok');
  });

  test('the health adapter hung (SIGSTOP): both probes time out (NotReady, then restarted by liveness); the app still answers', async () => {
    signal(health.proc.pid, 'SIGSTOP');
    try {
      expect((await probe(`${health.url}/readyz`, readyTimeoutMs)).seen).toBe('timeout');
      expect((await probe(`${health.url}/livez`, liveTimeoutMs)).seen).toBe('timeout');
      expect(await tcpExchange(redis.host, redis.port, `*2\r\n$4\r\nAUTH\r\n$${password.length}\r\n${password}\r\n*1\r\n$4\r\nPING\r\n`, { until: /PONG\r\n$/ })).toBe('+OK\r\n+PONG\r\n');
    } finally {
      signal(health.proc.pid, 'SIGCONT');
    }
    expect((await probe(`${health.url}/readyz`, readyTimeoutMs * 3)).seen).toBe('200 ok');
  });

  test('the exporter hung (SIGSTOP), then killed (SIGKILL): the scrape times out, then is refused; the probes and the app do not notice', async () => {
    const metrics = `http://${exporter.host}:${exporter.port}/metrics`;
    signal(exporter.proc.pid, 'SIGSTOP');
    expect((await probe(metrics, 3000)).seen).toBe('timeout');
    expect((await probe(`${health.url}/readyz`, readyTimeoutMs * 3)).seen).toBe('200 ok');
    signal(exporter.proc.pid, 'SIGKILL');
    await waitFor(() => exporter.proc.exited !== undefined);
    expect((await probe(metrics, 3000)).seen).toBe('error ECONNREFUSED');
    expect((await probe(`${health.url}/readyz`, readyTimeoutMs * 3)).seen).toBe('200 ok');
  });

  test('the health adapter killed (SIGKILL): probes are refused at once (NotReady at the next probe; the kubelet restarts it); the app still answers', async () => {
    signal(health.proc.pid, 'SIGKILL');
    await waitFor(() => health.proc.exited !== undefined);
    const r = await probe(`${health.url}/readyz`, readyTimeoutMs);
    expect(r.seen).toBe('error ECONNREFUSED');
    expect(r.ms).toBeLessThan(readyTimeoutMs);
    expect(await tcpExchange(redis.host, redis.port, `*2\r\n$4\r\nAUTH\r\n$${password.length}\r\n${password}\r\n*1\r\n$4\r\nPING\r\n`, { until: /PONG\r\n$/ })).toBe('+OK\r\n+PONG\r\n');
    // the kubelet's restart: the same program with the same env answers again
    health = await startHealthAdapter(objs, 'Deployment', 'cache-health', envOf(healthContainer, secrets), redis.host);
    expect((await probe(`${health.url}/readyz`, readyTimeoutMs * 3)).seen).toBe('200 ok');
  });

  test('the app killed (SIGKILL): /readyz is a 503 (connection refused) at once, /livez stays 200', async () => {
    signal(redis.proc.pid, 'SIGKILL');
    await waitFor(() => redis.proc.exited !== undefined);
    const r = await probe(`${health.url}/readyz`, readyTimeoutMs);
    expect(r.seen).toMatch(/^503 .*ECONNREFUSED/);
    expect(r.ms).toBeLessThan(health.timeoutMs);
    expect((await probe(`${health.url}/livez`, liveTimeoutMs * 3)).seen).toBe('200 ok');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
