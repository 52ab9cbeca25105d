/**
 * Launchers for the daemons the pods run (Debian packages installed by scripts/install/10-debian.sh), fed the
 * files our constructs render, unchanged where possible:
 *
 * - every daemon gets its own loopback address 127.0.0.x (x >= 2), so the ports in the rendered configs can stay
 *   as they are; wildcard listen addresses (`listen 8080;`, `0.0.0.0:22121`, `:9121`) are bound to that address;
 * - pod DNS names (`cache-0.cache.default.svc.cluster.local`, `cache-0.cache`) resolve through nss_wrapper
 *   (LD_PRELOAD) to those addresses, see `nssWrapperEnv`;
 * - each start is bounded (waits for the port, fails with the daemon's log) and stopped by PID by `stopAll()`.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { leaseLoopback, run, start, Started, tempDir, toolPath, waitForPort } from './proc';

// ---------------------------------------------------------------------------------------------------------------
// Loopback addresses and nss_wrapper

let nextHost = 2 + ((process.pid * 7) % 200);

/**
 * A fresh loopback address 127.0.0.x (2 <= x <= 254) for one daemon ("one pod"): the next one round the ring that
 * no other test run on the machine holds (`leaseLoopback`).
 */
export function allocHost(): string {
  for (let k = 0; k < 253; k++) {
    const x = nextHost;
    nextHost = nextHost >= 254 ? 2 : nextHost + 1;
    if (leaseLoopback(x)) return `127.0.0.${x}`;
  }
  throw new Error('no loopback address 127.0.0.2-254 is free: other test runs on this machine hold them all (leases in the OS temp dir, cdk8s-dp-loopback-leases)');
}

/**
 * A loopback address whose `port` is free right now: other tier-2 suites run at the same time and bind 127.0.0.x
 * too, so an address is taken only after a test bind.
 */
export async function freeHost(port: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const host = allocHost();
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    if (free) return host;
  }
  throw new Error(`no free 127.0.0.x:${port}`);
}

/**
 * The names a pod's DNS name is also known by from inside the namespace:
 * `a.b.ns.svc.cluster.local` → `[a.b.ns.svc.cluster.local, a.b.ns.svc, a.b.ns, a.b]`; other names → `[name]`.
 */
export function dnsAliases(name: string): string[] {
  const m = /^(.+?)\.([a-z0-9-]+)\.svc\.cluster\.local\.?$/.exec(name);
  if (!m) return [name];
  const [, head, ns] = m;
  return [`${head}.${ns}.svc.cluster.local`, `${head}.${ns}.svc`, `${head}.${ns}`, head];
}

/** The path of libnss_wrapper.so (`$NSS_WRAPPER_LIB` overrides). */
export function nssWrapperLib(): string {
  const candidates = [
    process.env.NSS_WRAPPER_LIB,
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/libnss_wrapper.so`,
    '/usr/lib64/libnss_wrapper.so',
    '/usr/lib/libnss_wrapper.so',
    '/usr/local/lib/libnss_wrapper.so',
  ];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  throw new Error("libnss_wrapper.so not found; run 'scripts/install/10-debian.sh' (package libnss-wrapper)");
}

/**
 * Environment that makes a (dynamically linked, glibc) process resolve `hosts` (name → 127.0.0.x) from a private
 * hosts file. Names of the form `<x>.<ns>.svc.cluster.local` also get their short forms (`dnsAliases`);
 * `localhost` maps to 127.0.0.1 unless given. Only names in the file resolve (nss_wrapper does not fall back to
 * DNS), so a typo in a rendered host name fails the test instead of leaking out.
 * Go programs use their own resolver: add `GODEBUG=netdns=cgo` (done by `startRedisExporter`).
 * `UV_THREADPOOL_SIZE=1`: nss_wrapper is not safe under concurrent `getaddrinfo` (about 1 in 40 runs of 80 parallel
 * lookups gave a spurious ENOTFOUND); a Node process resolves on libuv's thread pool, so it gets one thread. Only
 * libuv reads the variable: other daemons ignore it.
 */
export function nssWrapperEnv(hosts: Record<string, string>): Record<string, string> {
  const lines: string[] = [];
  const all = { localhost: '127.0.0.1', ...hosts };
  for (const [name, ip] of Object.entries(all)) {
    if (!net.isIPv4(ip) && !net.isIPv6(ip)) throw new Error(`nssWrapperEnv: '${ip}' (for ${name}) is not an IP address`);
    lines.push(`${ip} ${dnsAliases(name).join(' ')}`);
  }
  const dir = tempDir('nss');
  fs.chmodSync(dir, 0o755); // readable by daemons that drop privileges (nginx workers, varnish)
  const file = path.join(dir, 'hosts');
  fs.writeFileSync(file, lines.join('\n') + '\n', { mode: 0o644 });
  return { LD_PRELOAD: nssWrapperLib(), NSS_WRAPPER_HOSTS: file, UV_THREADPOOL_SIZE: '1' };
}

// ---------------------------------------------------------------------------------------------------------------
// Common

/** A daemon started by one of the launchers below. */
export interface Daemon {
  readonly proc: Started;
  /** The loopback address it listens on (its "pod IP"). */
  readonly host: string;
  /** Its main port. */
  readonly port: number;
  /** Its private working directory (config files, pid file, logs). */
  readonly dir: string;
  /** All the TCP endpoints it listens on. */
  readonly listens: ReadonlyArray<{ host: string; port: number }>;
}

/** The outcome of a config check (`nutcracker -t`, `nginx -t`, `varnishd -C`). */
export interface CheckResult { readonly ok: boolean; readonly output: string }

/** `addr` (`:9121`, `0.0.0.0:9121`, `[::]:9121`, `*:80`, `9121`, `127.0.0.5:9121`) with a wildcard host replaced by `host`. */
export function localizeAddress(addr: string, host: string): { host: string; port: number; text: string } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(addr) ?? /^()()(\d+)$/.exec(addr);
  if (!m) throw new Error(`not a host:port address: '${addr}'`);
  const given = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  const h = given === '' || given === '*' || given === '0.0.0.0' || given === '::' ? host : given;
  if (!h.startsWith('127.')) throw new Error(`refusing to bind ${addr}: the tier-2 daemons bind 127.0.0.x only`);
  return { host: h, port, text: `${h}:${port}` };
}

function workDir(name: string): string {
  const dir = tempDir(name);
  fs.chmodSync(dir, 0o755); // daemons that drop privileges must reach their files
  return dir;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    if (path.isAbsolute(rel) || rel.split('/').includes('..')) throw new Error(`file name must be relative: ${rel}`);
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    fs.writeFileSync(p, text, { mode: 0o644 });
  }
}

function checkResult(r: { code: number | null; stdout: string; stderr: string }): CheckResult {
  return { ok: r.code === 0, output: `${r.stdout}${r.stderr}`.trim().slice(-8000) };
}

const isRoot = process.getuid?.() === 0;

// ---------------------------------------------------------------------------------------------------------------
// redis, memcached

/** Options for `startRedis`. */
export interface RedisOptions {
  /** @default allocHost() */
  readonly host?: string;
  readonly port: number;
  /** Extra command-line arguments (`--maxmemory 10mb` style), after the config file. */
  readonly args?: string[];
  /** A redis.conf to start from (e.g. the one a construct renders); bind/port/dir/daemonize are overridden. */
  readonly configText?: string;
}

/** Starts redis-server on `host:port`, persistence off, data in a temp dir. */
export async function startRedis(opts: RedisOptions): Promise<Daemon> {
  const host = opts.host ?? allocHost();
  const dir = workDir('redis');
  const conf = path.join(dir, 'redis.conf');
  fs.writeFileSync(conf, opts.configText ?? '');
  const args = [conf, ...(opts.args ?? []),
    '--bind', host, '--port', String(opts.port), '--dir', dir, '--daemonize', 'no', '--supervised', 'no',
    '--pidfile', path.join(dir, 'redis.pid'), '--logfile', ''];
  if (opts.configText === undefined) args.push('--save', '', '--appendonly', 'no');
  const proc = await start({ name: `redis-${host}-${opts.port}`, command: toolPath('redis-server'), args, readyPort: { host, port: opts.port } });
  return { proc, host, port: opts.port, dir, listens: [{ host, port: opts.port }] };
}

/** Starts memcached on `host:port` (TCP only; as root it runs as user `memcache`/`nobody`). */
export async function startMemcached(opts: { host?: string; port: number; args?: string[] }): Promise<Daemon> {
  const host = opts.host ?? allocHost();
  const dir = workDir('memcached');
  const args = ['-l', host, '-p', String(opts.port), '-U', '0', ...(opts.args ?? [])];
  if (isRoot && !args.includes('-u')) args.push('-u', userExists('memcache') ? 'memcache' : 'nobody');
  const proc = await start({ name: `memcached-${host}-${opts.port}`, command: toolPath('memcached'), args, cwd: dir, readyPort: { host, port: opts.port } });
  return { proc, host, port: opts.port, dir, listens: [{ host, port: opts.port }] };
}

function userExists(name: string): boolean {
  return fs.readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(`${name}:`));
}

// ---------------------------------------------------------------------------------------------------------------
// nutcracker (twemproxy)

/** Every `listen:` address of a nutcracker config, with wildcard hosts bound to `host` (text rewritten). */
function localizeNutcracker(yaml: string, host: string): { yaml: string; listens: Array<{ host: string; port: number }> } {
  const listens: Array<{ host: string; port: number }> = [];
  const out = yaml.replace(/^(\s*listen\s*:\s*)(["']?)([^\s"'#]+)\2/gm, (_all, pre: string, q: string, addr: string) => {
    if (addr.startsWith('/')) return `${pre}${q}${addr}${q}`; // unix socket
    const a = localizeAddress(addr, host);
    listens.push({ host: a.host, port: a.port });
    return `${pre}${q}${a.text}${q}`;
  });
  return { yaml: out, listens };
}

/** `nutcracker -t`: syntax and semantic check of the config (server names are NOT resolved by -t). */
export function testNutcrackerConfig(yaml: string, opts: { hosts?: Record<string, string> } = {}): CheckResult {
  const dir = workDir('nutcracker-t');
  const file = path.join(dir, 'nutcracker.yml');
  fs.writeFileSync(file, yaml);
  return checkResult(run(toolPath('nutcracker'), ['-t', '-c', file], { env: opts.hosts ? nssWrapperEnv(opts.hosts) : {}, timeoutMs: 30_000 }));
}

/** Options for `startNutcracker`. */
export interface NutcrackerOptions {
  /** Pod DNS names → 127.0.0.x, for the `servers:` entries (via nss_wrapper). */
  readonly hosts?: Record<string, string>;
  /** Where wildcard `listen:` addresses bind. @default allocHost() */
  readonly host?: string;
  /** Extra arguments, e.g. `['-v', '7']`. */
  readonly args?: string[];
}

/** Starts nutcracker with the config (`-c file -s <stats port> -a <host> -o log -p pidfile`), waits for every pool's listen port and the stats port. */
export async function startNutcracker(configYaml: string, opts: NutcrackerOptions = {}): Promise<Daemon & { statsPort: number; logFile: string }> {
  const host = opts.host ?? allocHost();
  const dir = workDir('nutcracker');
  const { yaml, listens } = localizeNutcracker(configYaml, host);
  if (listens.length === 0) throw new Error('startNutcracker: the config has no TCP listen address');
  const file = path.join(dir, 'nutcracker.yml');
  fs.writeFileSync(file, yaml);
  const statsPort = await freePortOn(host, listens.map((l) => l.port));
  const logFile = path.join(dir, 'nutcracker.log');
  const proc = await start({
    name: `nutcracker-${host}`,
    command: toolPath('nutcracker'),
    args: ['-c', file, '-s', String(statsPort), '-a', host, '-o', logFile, '-p', path.join(dir, 'nutcracker.pid'), ...(opts.args ?? [])],
    env: opts.hosts ? nssWrapperEnv(opts.hosts) : {},
    readyPort: { host, port: statsPort },
  });
  for (const l of listens) await waitForPort(l.host, l.port, 10_000, () => proc.exited && `${proc.exited}\n${readTail(logFile)}`);
  return { proc, host, port: listens[0].port, dir, listens, statsPort, logFile };
}

function readTail(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-4000) : '';
}

/** A free port on `host` other than `avoid`. */
async function freePortOn(host: string, avoid: number[] = []): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, host, () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (!avoid.includes(port)) return port;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// nginx

/** Options for `startNginx` / `testNginxConfig`. */
export interface NginxOptions {
  /** Files next to nginx.conf (paths relative to it, e.g. `conf.d/default.conf`), for relative `include`s. */
  readonly files?: Record<string, string>;
  /**
   * Volume mounts: absolute mount path (e.g. `/etc/nginx/conf.d`) → files in it. The files are written to a temp
   * dir and every occurrence of the mount path in the config text (and in the mounted files) is rewritten to it.
   */
  readonly mounts?: Record<string, Record<string, string>>;
  /** Pod DNS names → 127.0.0.x, for `proxy_pass`/`upstream` host names resolved at load time (via nss_wrapper). */
  readonly hosts?: Record<string, string>;
  /** Where wildcard `listen` directives bind (`listen 8080;` → `listen <host>:8080;`). @default allocHost() */
  readonly host?: string;
  /** The `-p` prefix (relative paths, default temp paths). @default a temp dir holding nginx.conf */
  readonly prefix?: string;
}

/**
 * Rewrites wildcard `listen`s to `host` (IPv6 wildcard listens are dropped: same port, same address) and returns
 * the TCP endpoints.
 */
function localizeNginx(conf: string, host: string): { conf: string; listens: Array<{ host: string; port: number }> } {
  const listens: Array<{ host: string; port: number }> = [];
  const out = conf.replace(/(^|[;{}\s])listen\s+([^\s;]+)([^;]*);/g, (_all, pre: string, addr: string, rest: string) => {
    if (addr.startsWith('unix:')) return `${pre}listen ${addr}${rest};`;
    if (addr.startsWith('[')) return `${pre}# (ipv6 listen dropped by the tier-2 harness) listen ${addr}${rest.replace(/#/g, '')}\n`;
    const a = localizeAddress(addr, host);
    if (!listens.some((l) => l.host === a.host && l.port === a.port)) listens.push({ host: a.host, port: a.port });
    return `${pre}listen ${a.text}${rest};`;
  });
  return { conf: out, listens };
}

/** Main-context directives of an nginx config (brace depth 0), comment-stripped. */
function mainDirectives(conf: string): Set<string> {
  const names = new Set<string>();
  let depth = 0;
  let atStart = true;
  const text = conf.replace(/#[^\n]*/g, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') { depth++; atStart = true; continue; }
    if (c === '}') { depth--; atStart = true; continue; }
    if (c === ';') { atStart = true; continue; }
    if (/\s/.test(c)) continue;
    if (atStart) {
      const m = /^[a-z_]+/.exec(text.slice(i));
      if (m && depth === 0) names.add(m[0]);
      atStart = false;
    }
  }
  return names;
}

interface PreparedNginx {
  dir: string;
  prefix: string;
  conf: string;
  args: string[];
  listens: Array<{ host: string; port: number }>;
  host: string;
  env: Record<string, string>;
}

function prepareNginx(confText: string, opts: NginxOptions): PreparedNginx {
  const host = opts.host ?? allocHost();
  const dir = workDir('nginx');
  let text = confText;
  const mounts = Object.entries(opts.mounts ?? {}).sort(([a], [b]) => b.length - a.length);
  const relocated: Array<[string, string]> = mounts.map(([mountPath], i) => [mountPath.replace(/\/+$/, ''), path.join(dir, `mount${i}`)]);
  // One pass over every mount path (longest first), so a relocated path is never rewritten again (a temp dir
  // under /tmp would otherwise be hit by a later '/tmp' mount).
  const pattern = relocated.length === 0 ? undefined
    : new RegExp(relocated.map(([from]) => from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const relocate = (s: string) => (pattern ? s.replace(pattern, (m) => relocated.find(([from]) => from === m)![1]) : s);
  text = relocate(text);
  mounts.forEach(([, files], i) => {
    writeFiles(relocated[i][1], Object.fromEntries(Object.entries(files).map(([k, v]) => [k, relocate(v)])));
  });
  writeFiles(dir, opts.files ?? {});
  const local = localizeNginx(text, host);
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, local.conf, { mode: 0o644 });
  const set = mainDirectives(local.conf);
  const globals: string[] = [];
  if (!set.has('daemon')) globals.push('daemon off;');
  if (!set.has('pid')) globals.push(`pid ${path.join(dir, 'nginx.pid')};`);
  if (!set.has('error_log')) globals.push('error_log stderr notice;');
  const prefix = opts.prefix ?? dir;
  const args = ['-e', 'stderr', '-p', prefix.endsWith('/') ? prefix : `${prefix}/`, '-c', conf];
  if (globals.length) args.push('-g', globals.join(' '));
  return { dir, prefix, conf, args, listens: local.listens, host, env: opts.hosts ? nssWrapperEnv(opts.hosts) : {} };
}

/** `nginx -t` on the config (with the same rewrites as `startNginx`). */
export function testNginxConfig(confText: string, files: Record<string, string> = {}, opts: Omit<NginxOptions, 'files'> = {}): CheckResult {
  const p = prepareNginx(confText, { ...opts, files });
  // Through a shell pipe: node's stdio pipes are sockets, and `access_log /dev/stdout` cannot open a socket
  // (ENXIO), which a container's stdout never is.
  return checkResult(run('bash', ['-c', 'set -o pipefail; "$0" "$@" 2>&1 | cat', toolPath('nginx'), '-t', ...p.args], { env: p.env, timeoutMs: 30_000 }));
}

/**
 * Starts nginx in the foreground on the config: `-p <prefix> -c <file> -g 'daemon off; pid …; error_log stderr;'`
 * (only the directives the config does not set itself). As root the workers run as the config's `user`, else
 * `nobody`; the temp dirs are world-readable for that reason. Waits for every TCP `listen`.
 */
export async function startNginx(confText: string, opts: NginxOptions = {}): Promise<Daemon & { confFile: string }> {
  const p = prepareNginx(confText, opts);
  if (p.listens.length === 0) throw new Error('startNginx: the config has no TCP listen directive');
  const proc = await start({ name: `nginx-${p.host}`, command: toolPath('nginx'), args: p.args, env: p.env, cwd: p.dir, readyPort: p.listens[0] });
  for (const l of p.listens.slice(1)) await waitForPort(l.host, l.port, 10_000, () => proc.exited);
  return { proc, host: p.host, port: p.listens[0].port, dir: p.dir, listens: p.listens, confFile: p.conf };
}

// ---------------------------------------------------------------------------------------------------------------
// varnish

/** Options for `startVarnish`. */
export interface VarnishOptions {
  /** `-a`: `host:port`, `:port` (wildcard → `host`). */
  readonly listen: string;
  /** Where a wildcard listen binds. @default allocHost() */
  readonly host?: string;
  /** `-s`. @default 'malloc,64m' */
  readonly storage?: string;
  /** Backend DNS names → 127.0.0.x (resolved when the VCL is compiled, via nss_wrapper). */
  readonly hosts?: Record<string, string>;
  /** Extra arguments (`-p default_ttl=10`). */
  readonly args?: string[];
}

/** `-j`: as root, the Debian users (`varnish` for the manager/compiler, `vcache` for the worker child); else none. */
function varnishJail(): string[] {
  return isRoot && userExists('varnish') ? ['-j', 'unix,user=varnish'] : ['-j', 'none'];
}

/** `varnishd -C`: compiles the VCL (backend host names are resolved, so pass `hosts`). */
export function testVcl(vcl: string, opts: { hosts?: Record<string, string> } = {}): CheckResult {
  const dir = workDir('varnish-c');
  const file = path.join(dir, 'default.vcl');
  fs.writeFileSync(file, vcl, { mode: 0o644 });
  const r = run(toolPath('varnishd'), ['-C', '-f', file, '-n', path.join(dir, 'work'), ...varnishJail()],
    { env: opts.hosts ? nssWrapperEnv(opts.hosts) : {}, timeoutMs: 60_000 });
  // On success -C prints the generated C source: keep only what a failure would say.
  return r.code === 0 ? { ok: true, output: r.stderr.split('\n').filter((l) => !/^\s*$/.test(l)).slice(0, 20).join('\n').slice(0, 2000) } : checkResult(r);
}

/** Starts `varnishd -F -f <vcl> -a <listen> -n <workdir> -s malloc,64m`, waits for the listen port. */
export async function startVarnish(vcl: string, opts: VarnishOptions): Promise<Daemon & { workDir: string }> {
  const host = opts.host ?? allocHost();
  const dir = workDir('varnish');
  const file = path.join(dir, 'default.vcl');
  fs.writeFileSync(file, vcl, { mode: 0o644 });
  const a = localizeAddress(opts.listen, host);
  const work = path.join(dir, 'work');
  const proc = await start({
    name: `varnish-${a.host}`,
    command: toolPath('varnishd'),
    args: ['-F', '-f', file, '-a', a.text, '-n', work, '-s', opts.storage ?? 'malloc,64m', ...varnishJail(),
      '-T', 'none', ...(opts.args ?? [])],
    env: opts.hosts ? nssWrapperEnv(opts.hosts) : {},
    readyPort: { host: a.host, port: a.port },
    readyTimeoutMs: 60_000,
  });
  return { proc, host: a.host, port: a.port, dir, listens: [{ host: a.host, port: a.port }], workDir: work };
}

// ---------------------------------------------------------------------------------------------------------------
// redis_exporter

/**
 * Starts prometheus-redis-exporter with exactly `args` and `env`, except: a wildcard `--web.listen-address`
 * (also the default `:9121`) binds to `opts.host`, and with `opts.hosts` it resolves through nss_wrapper
 * (`GODEBUG=netdns=cgo` makes Go use libc). Waits for the metrics port.
 */
export async function startRedisExporter(
  args: string[], env: Record<string, string> = {}, opts: { host?: string; hosts?: Record<string, string> } = {},
): Promise<Daemon> {
  const host = opts.host ?? allocHost();
  const argv = [...args];
  const e: Record<string, string> = { ...env };
  let listen: { host: string; port: number; text: string } | undefined;
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?web\.listen-address(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    if (m[1] !== undefined) { listen = localizeAddress(m[1], host); argv[i] = `${argv[i].split('=')[0]}=${listen.text}`; } else { listen = localizeAddress(argv[i + 1], host); argv[i + 1] = listen.text; }
  }
  if (!listen) {
    listen = localizeAddress(e.REDIS_EXPORTER_WEB_LISTEN_ADDRESS ?? ':9121', host);
    e.REDIS_EXPORTER_WEB_LISTEN_ADDRESS = listen.text;
  }
  if (opts.hosts) Object.assign(e, nssWrapperEnv(opts.hosts), { GODEBUG: [e.GODEBUG, 'netdns=cgo'].filter(Boolean).join(',') });
  const proc = await start({ name: `redis-exporter-${listen.host}`, command: exporterPath(), args: argv, env: e, readyPort: listen });
  return { proc, host: listen.host, port: listen.port, dir: path.dirname(proc.logFile), listens: [{ host: listen.host, port: listen.port }] };
}

function exporterPath(): string {
  try { return toolPath('prometheus-redis-exporter'); } catch { return toolPath('redis_exporter'); }
}

// ---------------------------------------------------------------------------------------------------------------
// clients

/** The result of `httpGet`. */
export interface HttpResponse { readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: string }

/** GET `url` with node's http module, bounded by `timeoutMs` (default 10s). */
export function httpGet(url: string, opts: { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<HttpResponse> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, headers: res.headers, body }); });
      res.on('error', (err) => { clearTimeout(timer); reject(err); });
    });
    const timer = setTimeout(() => req.destroy(new Error(`GET ${url}: no response after ${timeoutMs}ms`)), timeoutMs);
    req.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

/**
 * Sends `payload` over TCP and resolves with what comes back once `until` matches (or the peer closes), bounded
 * by `timeoutMs`. For memcached text commands, raw RESP, HTTP/1.0 and the like.
 */
export function tcpExchange(host: string, port: number, payload: string, opts: { until?: RegExp; timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    let data = '';
    const s = net.connect({ host, port });
    const done = (err?: Error) => { clearTimeout(timer); s.destroy(); if (err) reject(err); else resolve(data); };
    const timer = setTimeout(() => done(new Error(`${host}:${port}: no complete answer after ${timeoutMs}ms; got ${JSON.stringify(data)}`)), timeoutMs);
    s.setEncoding('utf8');
    s.once('connect', () => s.write(payload));
    s.on('data', (d) => { data += d; if (opts.until?.test(data)) done(); });
    s.once('end', () => done());
    s.once('error', (err) => done(err));
  });
}

/** One redis command as RESP over TCP; resolves with the raw reply (e.g. `+OK\r\n`, `$3\r\nbar\r\n`, `-ERR …`). Simple/bulk/integer replies only. */
export function redisCommand(host: string, port: number, ...args: string[]): Promise<string> {
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return tcpExchange(host, port, payload, { until: /^(?:[+\-:].*\r\n|\$-1\r\n|\$\d+\r\n[\s\S]*\r\n)$/ });
}

/** Pipelined RESP over one connection: sends every command, resolves with every reply (simple, error, integer, bulk). */
export function redisPipeline(host: string, port: number, commands: string[][], timeoutMs = 60_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const replies: string[] = [];
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`pipeline timed out after ${replies.length}/${commands.length} replies`)); }, timeoutMs);
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      for (;;) {
        const m = /^([+\-:][^\r]*\r\n|\$-1\r\n|\$(\d+)\r\n)/.exec(buf);
        if (!m) break;
        if (m[2] !== undefined) {
          const len = Number(m[2]);
          if (buf.length < m[0].length + len + 2) break;
          replies.push(buf.slice(m[0].length, m[0].length + len));
          buf = buf.slice(m[0].length + len + 2);
        } else {
          replies.push(m[0].trim());
          buf = buf.slice(m[0].length);
        }
        if (replies.length === commands.length) {
          clearTimeout(timer);
          sock.end();
          resolve(replies);
          return;
        }
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.write(commands.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join(''));
  });
}

/** Every key one redis holds, read directly with `redis-cli --scan`. */
export function redisKeys(d: { host: string; port: number }, password?: string): string[] {
  const auth = password ? ['-a', password, '--no-auth-warning'] : [];
  const r = run(toolPath('redis-cli'), ['-h', d.host, '-p', String(d.port), ...auth, '--scan'], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.split('\n').filter((k) => k.length > 0);
}
