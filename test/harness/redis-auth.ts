/**
 * Runs a redis pod's auth exactly as the pod does, on loopback: the init container's command (write-include.sh)
 * under busybox — the `sh`, `sed`, `tr` and `grep` of the redis and valkey alpine images — with the Secret's file
 * and the include's emptyDir moved to a temp dir; then the server's exact args with the include it wrote as its
 * config file; and the readiness probe's exact command against it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { redisPipeline } from './daemons';
import { run, tempDir, toolPath } from './proc';

const SECRET_FILE = '/run/secrets/redis-auth/password';
const INCLUDE = '/run/redis-auth/auth.conf';

/** What the pod's init container wrote and what the server is started with. */
export interface RedisAuthLaunch {
  /** The include the init container wrote (the server's config file). */
  readonly configText: string;
  /** The server container's args after the include. */
  readonly args: string[];
  /** The Secret's file, as the pod mounts it. */
  readonly secretFile: string;
  /** A PATH with busybox applets and the engine's cli names. */
  readonly bin: string;
}

/** A bin dir of busybox applets and `redis-cli` (also as `valkey-cli`). */
function binDir(): string {
  const bin = tempDir('redis-auth-bin');
  for (const applet of ['sed', 'tr', 'grep', 'mv', 'cat']) fs.symlinkSync(toolPath('busybox'), path.join(bin, applet));
  for (const cli of ['redis-cli', 'valkey-cli']) fs.symlinkSync(toolPath('redis-cli'), path.join(bin, cli));
  return bin;
}

/**
 * Runs the init container `<server>-auth` of `podSpec` on `password` (the Secret's value, written as a file) and
 * returns the include it wrote and the server's remaining args. Throws with the program's stderr when it fails.
 */
export function launchRedisAuth(podSpec: any, serverName: string, password: string): RedisAuthLaunch {
  const server = podSpec.containers.find((c: any) => c.name === serverName);
  const init = (podSpec.initContainers ?? []).find((c: any) => c.name === `${serverName}-auth`);
  if (!server || !init) throw new Error(`no container '${serverName}' with an init container '${serverName}-auth'`);
  if (server.args[0] !== INCLUDE) throw new Error(`the server's first arg is ${server.args[0]}, not the include`);
  const dir = tempDir('redis-auth');
  const secretFile = path.join(dir, 'password');
  const include = path.join(dir, 'auth.conf');
  fs.writeFileSync(secretFile, password);
  const [sh, flag, script, name, secretArg, includeArg] = init.command;
  if (sh !== 'sh' || flag !== '-c' || secretArg !== SECRET_FILE || includeArg !== INCLUDE) throw new Error(`unexpected init command ${JSON.stringify(init.command)}`);
  const bin = binDir();
  const r = run(toolPath('busybox'), ['sh', '-c', script, name, secretFile, include], { env: { PATH: bin }, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`the init container failed (${r.code}): ${r.stderr}`);
  return { configText: fs.readFileSync(include, 'utf8'), args: server.args.slice(1), secretFile, bin };
}

/** Runs the server's readiness probe (its exact `sh -c`) against `host:port`, the Secret's file where the pod has it. */
export function runReadinessProbe(podSpec: any, serverName: string, launch: RedisAuthLaunch, host: string, port: number): number | null {
  const server = podSpec.containers.find((c: any) => c.name === serverName);
  const [sh, flag, text] = server.readinessProbe.exec.command;
  if (sh !== 'sh' || flag !== '-c') throw new Error(`unexpected probe ${JSON.stringify(server.readinessProbe.exec.command)}`);
  const local = text.split(SECRET_FILE).join(launch.secretFile).replace(/(-h 127\.0\.0\.1 )?-p 6379/, `-h ${host} -p ${port}`);
  return run(toolPath('busybox'), ['sh', '-c', local], { env: { PATH: launch.bin }, timeoutMs: 10_000 }).code;
}

/** The replies of an unauthenticated client, one with a wrong password and one with `password`, to `PING`. */
export async function authReplies(host: string, port: number, password: string): Promise<{ none: string; wrong: string; right: string[] }> {
  const [none] = await redisPipeline(host, port, [['PING']]);
  const [wrong] = await redisPipeline(host, port, [['AUTH', `${password}-wrong`]]);
  const right = await redisPipeline(host, port, [['AUTH', password], ['PING']]);
  return { none, wrong, right };
}
