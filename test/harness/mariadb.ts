/**
 * A real MariaDB (Debian's mariadbd, scripts/install/12-mariadb.sh) for the tier-2 suites: its own datadir from
 * `mariadb-install-db`, bound to one 127.0.0.x, unprivileged (as root the daemon switches to the `mysql` user; as
 * another user it runs as that user), users and grants from an init file, stopped by PID (`stopAll`).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { allocHost } from './daemons';
import { run, start, Started, tempDir, toolPath } from './proc';

/** A running MariaDB. */
export interface MariaDb {
  readonly proc: Started;
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  /** Runs SQL as root over the daemon's own socket (the `mariadb` client); returns its tab-separated output. */
  sql(statement: string): string;
}

/** Options for `startMariaDb`. */
export interface MariaDbOptions {
  /** @default allocHost() */
  readonly host?: string;
  /** @default 3306 */
  readonly port?: number;
  /** SQL statements run once at start as root (`--init-file`, one per line): users, grants, tables. */
  readonly init?: string[];
}

const isRoot = process.getuid?.() === 0;

export async function startMariaDb(opts: MariaDbOptions = {}): Promise<MariaDb> {
  const host = opts.host ?? allocHost();
  const port = opts.port ?? 3306;
  const dir = tempDir('mariadb');
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  const socket = path.join(dir, 'mysqld.sock');
  const initFile = path.join(dir, 'init.sql');
  fs.writeFileSync(initFile, (opts.init ?? []).map((st) => `${st.replace(/;\s*$/, '').replace(/\n/g, ' ')};\n`).join(''), { mode: 0o644 });
  if (isRoot) execFileSync('chown', ['-R', 'mysql:mysql', dir]);
  const user = isRoot ? ['--user=mysql'] : [];
  const install = run(toolPath('mariadb-install-db'), ['--no-defaults', ...user, `--datadir=${data}`, '--auth-root-authentication-method=normal',
    '--skip-test-db', '--skip-name-resolve'], { timeoutMs: 120_000 });
  if (install.code !== 0) throw new Error(`mariadb-install-db failed:\n${install.stdout}${install.stderr}`);
  const proc = await start({
    name: `mariadbd-${host}`,
    command: toolPath('mariadbd'),
    args: ['--no-defaults', ...user, `--datadir=${data}`, `--bind-address=${host}`, `--port=${port}`, `--socket=${socket}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`, `--init-file=${initFile}`, '--skip-name-resolve', '--skip-log-bin',
      '--innodb-buffer-pool-size=16M', '--performance-schema=OFF', '--max-connections=50', '--log-error=' + path.join(dir, 'error.log')],
    readyPort: { host, port },
    readyTimeoutMs: 60_000,
  });
  const sql = (statement: string) => {
    const r = run(toolPath('mariadb'), ['--no-defaults', `--socket=${socket}`, '-uroot', '-N', '-B', '-e', statement], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`mariadb: ${r.stderr}`);
    return r.stdout;
  };
  return { proc, host, port, dir, sql };
}
