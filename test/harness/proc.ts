/**
 * Process control for the tier-2 suites: every process a test starts is bounded in time, bound to 127.0.0.x,
 * and stopped by PID when the test ends (also when it fails, and when jest exits).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** Where scripts/install-test-tools.sh puts the tools. */
export const TOOLS_DIR = process.env.CDK8S_DP_TOOLS ?? path.join(os.homedir(), '.cache', 'cdk8s-distributed-patterns', 'tools');

/** The path of a tool: `$CDK8S_DP_TOOLS/bin/<name>` when installed there, else the first match on PATH. */
export function toolPath(name: string): string {
  const cached = path.join(TOOLS_DIR, 'bin', name);
  if (fs.existsSync(cached)) return cached;
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/sbin', ...(process.env.PATH ?? '').split(':')]) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  throw new Error(`tool '${name}' not found in ${TOOLS_DIR}/bin or on PATH; run 'npx projen install-test-tools'`);
}

/** A fresh temporary directory under the OS temp dir, removed by `stopAll()`. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cdk8s-dp-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** A TCP port that is free on 127.0.0.1 right now. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once `host:port` accepts a TCP connection, rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number, alive?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => { s.destroy(); resolve(false); });
      s.setTimeout(1000, () => { s.destroy(); resolve(false); });
    });
    if (ok) return;
    const dead = alive?.();
    if (dead) throw new Error(dead);
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs}ms`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Options for `start`. */
export interface StartOptions {
  /** A short name for messages and the log file. */
  readonly name: string;
  readonly command: string;
  readonly args?: string[];
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Wait until this TCP endpoint accepts connections. */
  readonly readyPort?: { host: string; port: number };
  /** Or until this returns true (polled every 200ms). */
  readonly readyCheck?: () => Promise<boolean>;
  /** @default 30_000 */
  readonly readyTimeoutMs?: number;
  /** Hard limit on the process's life; it is killed after this. @default 600_000 */
  readonly maxLifeMs?: number;
}

/** A process started by `start`. */
export class Started {
  private exitInfo: string | undefined;
  constructor(public readonly name: string, public readonly child: ChildProcess, public readonly logFile: string) {
    child.once('exit', (code, signal) => { this.exitInfo = `${name} exited (code ${code}, signal ${signal})`; });
  }
  get pid(): number { return this.child.pid!; }
  /** Undefined while running, else how it exited. */
  get exited(): string | undefined { return this.exitInfo; }
  /** What the process printed so far (stdout and stderr). */
  logs(): string { return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : ''; }
  /** SIGTERM the process group, SIGKILL after 5s; resolves when it is gone. */
  async stop(): Promise<void> {
    if (this.exitInfo !== undefined) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    killGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.pid, 'SIGKILL'), 5000);
    let guard: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise<void>((r) => { guard = setTimeout(r, 10_000); })]);
    clearTimeout(timer);
    clearTimeout(guard);
    running.delete(this);
  }
}

const running = new Set<Started>();
const tempDirs: string[] = [];

function killGroup(pid: number, signal: NodeJS.Signals) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
  try { process.kill(pid, signal); } catch { /* already gone */ }
}

/** Start a long-running process in its own process group, output to a log file, and wait until it is ready. */
export async function start(opts: StartOptions): Promise<Started> {
  const logDir = tempDir(`log-${opts.name}`);
  const logFile = path.join(logDir, `${opts.name}.log`);
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(opts.command, opts.args ?? [], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  fs.closeSync(fd);
  const p = new Started(opts.name, child, logFile);
  running.add(p);
  const life = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), opts.maxLifeMs ?? 600_000);
  life.unref();
  child.once('exit', () => clearTimeout(life));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  const timeout = opts.readyTimeoutMs ?? 30_000;
  const died = () => (p.exited ? `${p.exited}; log:\n${p.logs().slice(-4000)}` : undefined);
  try {
    if (opts.readyPort) await waitForPort(opts.readyPort.host, opts.readyPort.port, timeout, died);
    if (opts.readyCheck) {
      const deadline = Date.now() + timeout;
      while (!(await opts.readyCheck())) {
        const d = died();
        if (d) throw new Error(d);
        if (Date.now() > deadline) throw new Error(`${opts.name} not ready after ${timeout}ms; log:\n${p.logs().slice(-4000)}`);
        await sleep(200);
      }
    }
  } catch (e) {
    await p.stop();
    throw e;
  }
  return p;
}

/** Stop every process started by `start` (by PID), remove temp dirs, give back the loopback leases. Call from `afterAll`. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  releaseLoopback();
}

// ---------------------------------------------------------------------------------------------------------------
// Loopback leases: two test runs on one machine (two checkouts, or CI beside a developer) share 127.0.0.2–254, and
// the rendered configs keep their ports, so two daemons on one address would clash. An address is leased by a file
// holding the owner's PID in a directory every run on the machine shares; a lease whose PID is gone is stale.

/** Where the leases live (`$CDK8S_DP_LOOPBACK_LEASES` overrides). */
const LEASES = process.env.CDK8S_DP_LOOPBACK_LEASES ?? path.join(os.tmpdir(), 'cdk8s-dp-loopback-leases');
const held = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Lease the loopback address `127.0.0.<x>` for this process: true when it is free, already this process's, or held
 * by a process that is gone; false when another live process holds it. Given back by `stopAll()`.
 */
export function leaseLoopback(x: number): boolean {
  const file = path.join(LEASES, `127.0.0.${x}`);
  if (held.has(file)) return true;
  fs.mkdirSync(LEASES, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      held.add(file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // given back in between: try again
    }
    if (owner === process.pid) {
      held.add(file);
      return true;
    }
    // an empty file is a lease being written right now: held
    if (!Number.isInteger(owner) || owner <= 0 || pidAlive(owner)) return false;
    fs.rmSync(file, { force: true }); // stale: its process is gone
  }
  return false;
}

/** Give back every loopback lease this process holds. */
export function releaseLoopback(): void {
  for (const file of held) {
    try {
      if (Number(fs.readFileSync(file, 'utf8')) === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  }
  held.clear();
}

/** The result of `run`. */
export interface RunResult { readonly code: number | null; readonly stdout: string; readonly stderr: string }

/** Run a command to completion, bounded in time (killed after `timeoutMs`). */
/** Options for `run` and `runAsync`. */
export interface RunOptions { timeoutMs?: number; input?: string; env?: Record<string, string>; cwd?: string }

export function run(command: string, args: string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(command, args, {
    input: opts.input,
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
    // checkov's JSON over every example is about 70 MB (it lists every passed check too).
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Async variant of `run`, for commands that talk to a process the test itself runs. */
export function runAsync(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    child.stdin.end(opts.input ?? '');
  });
}

// Last line of defence: a jest worker that exits still kills what it started.
process.once('exit', () => { for (const p of running) killGroup(p.pid, 'SIGKILL'); });

/** Polls `probe` (every `intervalMs`) until it returns a value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A self-signed certificate and key (PEM) for `cn`, valid one day, as a `kubernetes.io/tls` Secret holds them. */
export function selfSignedCertificate(cn: string): { 'tls.crt': string; 'tls.key': string } {
  const dir = tempDir('cert');
  const r = run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`,
    '-addext', `subjectAltName=DNS:${cn}`, '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')]);
  if (r.code !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  return { 'tls.crt': fs.readFileSync(path.join(dir, 'tls.crt'), 'utf8'), 'tls.key': fs.readFileSync(path.join(dir, 'tls.key'), 'utf8') };
}
