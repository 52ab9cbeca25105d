/**
 * Runs the init container script that writes twemproxy's `redis_auth` (TwemproxyConfig.authRenderScriptFromFile, as
 * the AmbassadorShardedRedis and ShardedCache pods run it) under busybox — the `sh` and `awk` of the redis and valkey
 * alpine images — with its three mount points (template, rendered config, the Secret's file) moved to temp dirs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { run, tempDir, toolPath } from './proc';

/** The script's exit code and stderr, and the config it wrote (when it succeeded). */
export interface AuthRenderResult {
  readonly code: number | null;
  readonly stderr: string;
  readonly rendered?: string;
}

/** Runs `script` (the init container's `sh -c` argument) on `template`, the Secret's file holding `password`. */
export function runAuthRenderScript(script: string, template: string, password: string): AuthRenderResult {
  const dir = tempDir('auth');
  const tmpl = path.join(dir, 'template');
  const out = path.join(dir, 'rendered');
  const bin = path.join(dir, 'bin');
  const secrets = path.join(dir, 'secrets');
  for (const d of [tmpl, out, bin, secrets]) fs.mkdirSync(d);
  fs.writeFileSync(path.join(secrets, 'password'), password);
  fs.writeFileSync(path.join(tmpl, 'nutcracker.yml'), template);
  for (const applet of ['awk', 'mv']) fs.symlinkSync(toolPath('busybox'), path.join(bin, applet));
  const local = script.split('/etc/nutcracker-template').join(tmpl).split('/etc/nutcracker/').join(`${out}/`).split('/run/secrets/redis-auth/').join(`${secrets}/`);
  const r = run(toolPath('busybox'), ['sh', '-c', local], { env: { PATH: `${bin}:/usr/bin:/bin` }, timeoutMs: 10_000 });
  const file = path.join(out, 'nutcracker.yml');
  return { code: r.code, stderr: r.stderr, rendered: r.code === 0 && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined };
}
