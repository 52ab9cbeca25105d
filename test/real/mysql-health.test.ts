// Tier 2: HealthCheck.mysqlQuery — the health adapter program taken from the example's ConfigMap, started with its
// container's env (the Secret keys filled in), against a real MariaDB (Debian's mariadbd, unprivileged, on its own
// 127.0.0.x, `localhost` mapped there by nss_wrapper): 200 while the user's query works; 503 with MariaDB's own
// error when the query fails (grant revoked, wrong password), when the database hangs (SIGSTOP) and when it dies
// (SIGKILL), each within the check's timeout; 200 again once it works.
import * as fs from 'fs';
import * as path from 'path';
import { buildApp } from '../../examples/adapter-mysql';
import { one, synthAppValid } from '../harness';
import { allocHost, httpGet, nssWrapperEnv } from '../harness/daemons';
import { MariaDb, startMariaDb } from '../harness/mariadb';
import { start, Started, stopAll, tempDir } from '../harness/proc';

jest.setTimeout(300_000);
afterAll(stopAll);

function containerOf(objs: any[], name: string): any {
  return one(objs, 'Deployment').spec.template.spec.containers.find((c: any) => c.name === name);
}

function envOf(container: any, secrets: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else env[e.name] = secrets[`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`];
  }
  return env;
}

async function startHealth(objs: any[], env: Record<string, string>, dbHost: string): Promise<{ proc: Started; url: string; timeoutMs: number }> {
  const c = containerOf(objs, 'health');
  const mount = c.volumeMounts.find((m: any) => m.name === 'health-program').mountPath;
  expect(c.command[0]).toBe('node');
  const dir = tempDir('mysql-health');
  const file = path.join(dir, path.relative(mount, c.command[1]));
  fs.writeFileSync(file, one(objs, 'ConfigMap', 'shop-db-health').data[path.basename(file)]);
  const host = allocHost();
  const port = Number(env.HEALTH_PORT);
  const proc = await start({
    name: `mysql-health-${host}`,
    command: process.execPath,
    args: [file],
    env: { ...env, HEALTH_LISTEN_HOST: host, ...nssWrapperEnv({ localhost: dbHost }) },
    readyPort: { host, port },
  });
  return { proc, url: `http://${host}:${port}`, timeoutMs: Number(env.HEALTH_TIMEOUT_MS) };
}

async function timed(url: string): Promise<{ status: number; body: any; ms: number }> {
  const t0 = Date.now();
  const r = await httpGet(url, { timeoutMs: 20_000 });
  return { status: r.status, body: JSON.parse(r.body), ms: Date.now() - t0 };
}

describe('HealthCheck.mysqlQuery against a real MariaDB', () => {
  const objs = synthAppValid(buildApp());
  const password = `pw-${process.pid}-${Date.now()}`;
  const secrets = { 'shop-db-monitor/username': 'monitor', 'shop-db-monitor/password': password };
  let db: MariaDb;
  let health: { proc: Started; url: string; timeoutMs: number };

  beforeAll(async () => {
    db = await startMariaDb({
      init: [
        'CREATE DATABASE shop',
        'CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, created_at DATETIME NOT NULL)',
        'INSERT INTO shop.orders (created_at) VALUES (NOW()), (NOW())',
        `CREATE USER 'monitor'@'%' IDENTIFIED BY '${password}'`,
        "GRANT SELECT ON shop.* TO 'monitor'@'%'",
      ],
    });
    health = await startHealth(objs, envOf(containerOf(objs, 'health'), secrets), db.host);
  }, 180_000);

  test('the container runs the check against localhost:3306 with the Secret\'s user and the user\'s query', () => {
    const env = envOf(containerOf(objs, 'health'), secrets);
    expect(env).toMatchObject({ HEALTH_CHECK: 'mysql', HEALTH_TARGET_HOST: 'localhost', HEALTH_TARGET_PORT: '3306', HEALTH_MYSQL_USER: 'monitor', HEALTH_MYSQL_DATABASE: 'shop' });
    expect(health.timeoutMs).toBe(2000);
  });

  test('200 while the query works (mysql_native_password)', async () => {
    const r = await timed(`${health.url}/readyz`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', check: 'mysql', target: 'localhost:3306' });
  });

  test('503 with MariaDB\'s error when the query fails (the table is gone), 200 again when it is back', async () => {
    db.sql('RENAME TABLE shop.orders TO shop.orders_old');
    let r;
    try {
      r = await timed(`${health.url}/readyz`);
    } finally {
      db.sql('RENAME TABLE shop.orders_old TO shop.orders');
    }
    expect(r.status).toBe(503);
    expect(r.body.error).toBe("mysql error 1146 (42S02): Table 'shop.orders' doesn't exist");
    expect((await timed(`${health.url}/readyz`)).status).toBe(200);
  });

  test('503 when the user loses its grant (refused at login, with the database)', async () => {
    db.sql("REVOKE SELECT ON shop.* FROM 'monitor'@'%'");
    let r;
    try {
      r = await timed(`${health.url}/readyz`);
    } finally {
      db.sql("GRANT SELECT ON shop.* TO 'monitor'@'%'");
    }
    expect(r.status).toBe(503);
    expect(r.body.error).toBe("mysql error 1044 (42000): Access denied for user 'monitor'@'%' to database 'shop'");
    expect((await timed(`${health.url}/readyz`)).status).toBe(200);
  });

  test('503 on a wrong password (from the Secret)', async () => {
    const bad = await startHealth(objs, envOf(containerOf(objs, 'health'), { ...secrets, 'shop-db-monitor/password': 'wrong' }), db.host);
    const r = await timed(`${bad.url}/readyz`);
    expect(r.status).toBe(503);
    expect(r.body.error).toBe("mysql error 1045 (28000): Access denied for user 'monitor'@'127.0.0.1' (using password: YES)");
    await bad.proc.stop();
  });

  test('the database hangs (SIGSTOP): 503 within the timeout; SIGCONT: 200 again', async () => {
    process.kill(db.proc.pid, 'SIGSTOP');
    let r;
    try {
      r = await timed(`${health.url}/readyz`);
    } finally {
      process.kill(db.proc.pid, 'SIGCONT');
    }
    process.stdout.write(`mysql SIGSTOP: ${r.status} after ${r.ms} ms (${r.body.error})\n`);
    expect(r.status).toBe(503);
    expect(r.body.error).toBe('no answer within 2000ms');
    // (before the kubelet's probe timeout gives up: the contract; the check's own 2 s timer runs late on a loaded machine)
    expect(r.ms).toBeLessThan(containerOf(objs, 'health').readinessProbe.timeoutSeconds * 1000);
    const back = Date.now();
    let again = await timed(`${health.url}/readyz`);
    while (again.status !== 200 && Date.now() - back < 10_000) again = await timed(`${health.url}/readyz`);
    expect(again.status).toBe(200);
  });

  test('the database dies (SIGKILL): 503 within the timeout', async () => {
    process.kill(db.proc.pid, 'SIGKILL');
    for (let i = 0; i < 500 && db.proc.exited === undefined; i++) await new Promise((r) => setTimeout(r, 20)); // dead, not dying
    const r = await timed(`${health.url}/readyz`);
    process.stdout.write(`mysql SIGKILL: ${r.status} after ${r.ms} ms (${r.body.error})\n`);
    expect(r.status).toBe(503);
    expect(r.ms).toBeLessThanOrEqual(health.timeoutMs);
    expect(r.body.error).toMatch(/ECONNREFUSED|connection closed/);
  });
});
