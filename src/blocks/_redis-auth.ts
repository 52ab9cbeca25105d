import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { RedisAuth } from './redis-auth';
import { ResourceQuantities, resourcesOr } from '../core/_resources';
import { checkSecretValue } from '../core/_rules';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { redisAuthProgram } from '../runtime/redis-auth';

// Internal: how a redis (or valkey) server the library runs takes its password — never in argv, env or a ConfigMap.
// An init container (the server's own image) copies the Secret, mounted as a file, into a config include in a
// memory-backed emptyDir (`programs/redis-auth/write-include.sh`); the server reads that include as its config file
// (`redis-server /run/redis-auth/auth.conf --port ...`: options on the command line come after the file's). The
// readiness probe's cli reads the password from the Secret file on stdin (`--askpass`), so no process of the pod
// carries it in argv or env.

/** Where the Secret is mounted (init container and server, read-only): one file, the password. */
export const REDIS_AUTH_SECRET_DIR = '/run/secrets/redis-auth';
/** The password file inside `REDIS_AUTH_SECRET_DIR`. */
export const REDIS_AUTH_PASSWORD_FILE = `${REDIS_AUTH_SECRET_DIR}/password`;
/** The emptyDir the include is written to. */
export const REDIS_AUTH_CONF_DIR = '/run/redis-auth';
/** The include the server reads as its config file. */
export const REDIS_AUTH_CONF = `${REDIS_AUTH_CONF_DIR}/auth.conf`;
/** The default resources of the include-writing init container. */
export const REDIS_AUTH_INIT_RESOURCES: ResourceQuantities = { cpu: ['10m', '100m'], memory: ['8Mi', '32Mi'] };

/**
 * Checks an auth prop: a `RedisAuth` from its factories with a valid Secret and key. Unset gives the default: the
 * Secret `<baseName>-redis-auth`, key `password` (a child `RedisAuthSecret` of `scope`, which refers to it only).
 */
export function checkRedisAuth(scope: Construct, prop: string, value: RedisAuth | undefined, baseName: string): RedisAuth {
  if (value === undefined) {
    return RedisAuth.fromSecret(kplus.Secret.fromSecretName(scope, 'RedisAuthSecret', defaultRedisAuthSecretName(baseName)));
  }
  if (!(value instanceof RedisAuth)) {
    // A plain value may be the password itself: the message says only its type, never the value.
    const shown = value === null || typeof value !== 'object' ? (value === null ? null : `<a ${typeof value}, not shown>`) : plain(value);
    throw propError(scope, prop, 'a RedisAuth (RedisAuth.fromSecret(secret, key) or RedisAuth.none())', shown);
  }
  const secret: any = value.secret;
  if (secret !== undefined && (secret === null || typeof secret !== 'object' || typeof secret.name !== 'string')) {
    throw propError(scope, `${prop}.secret`, 'a Secret (kplus.Secret.fromSecretName(scope, id, name))', secret);
  }
  const v = value._secretValue();
  if (v !== undefined) checkSecretValue(scope, prop, v);
  return value;
}

/** An object for a message: a construct (a Secret) by its class and name, so it prints as JSON. */
function plain(value: object): unknown {
  if ('node' in value) return `<a ${value.constructor.name} ${(value as any).name ?? (value as any).node.path}>`;
  const out: { [key: string]: unknown } = {};
  for (const [k, v] of Object.entries(value)) out[k] = v !== null && typeof v === 'object' && 'node' in v ? (v as any).name ?? (v as any).node.path : v;
  return out;
}

/** The Secret the default auth reads: `<baseName>-redis-auth`. */
export function defaultRedisAuthSecretName(baseName: string): string {
  return `${baseName}-redis-auth`.slice(0, 253).replace(/[-.]+$/, '');
}

/** The server's arguments that come first: the include as its config file (with a password), else none. */
export function redisAuthConfigArgs(auth: RedisAuth): string[] {
  return auth.required ? [REDIS_AUTH_CONF] : [];
}

/**
 * `--protected-mode no` without a password (the server must answer on its pod IP); with one, protected mode keeps
 * its default, which a password already satisfies.
 */
export function redisProtectedModeArgs(auth: RedisAuth): string[] {
  return auth.required ? [] : ['--protected-mode', 'no'];
}

/** The cli invocation of a probe: `<cli> [--askpass] <args>`, its stdin the password file when one is required. */
export function redisProbeCli(auth: RedisAuth, cli: string, args: string): string {
  return auth.required ? `${cli} --askpass ${args} < ${REDIS_AUTH_PASSWORD_FILE}` : `${cli} ${args}`;
}

/** Where the server's auth is wired. */
export interface RedisServerAuthOptions {
  /** The scope of the volumes (ids `<id>AuthSecret`, `<id>AuthConfig`). */
  readonly scope: IConstruct;
  readonly id: string;
  readonly workload: kplus.Workload;
  /** The server container (already added to `workload`). */
  readonly server: kplus.Container;
  /** The server's image (its `sh`, `sed` and `tr` run the init program). */
  readonly image: string;
  readonly user: { readonly uid: number; readonly gid: number };
  /** The prefix of the volume names (`<prefix>-auth`, `<prefix>-auth-conf`). */
  readonly volumePrefix: string;
  readonly resources?: kplus.ContainerResources;
}

/**
 * Wires a server's auth: the annotation on its workload, and with a password the init container, the Secret
 * volume (one key, mode 0440: the pod's fsGroup reads it) and the memory-backed include volume. Returns the init
 * container, if any.
 */
export function wireRedisServerAuth(auth: RedisAuth, o: RedisServerAuthOptions): kplus.Container | undefined {
  o.workload.metadata.addAnnotation(RedisAuth.ANNOTATION, auth._annotation());
  const value = auth._secretValue();
  if (value === undefined) return undefined;
  const volumeName = (suffix: string) => `${o.volumePrefix.slice(0, 63 - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
  const secret = kplus.Volume.fromSecret(o.scope as Construct, `${o.id}AuthSecret`, value.secret, {
    name: volumeName('auth'), items: { [value.key]: { path: 'password' } }, defaultMode: 0o440,
  });
  const conf = kplus.Volume.fromEmptyDir(o.scope as Construct, `${o.id}AuthConfig`, volumeName('auth-conf'), {
    medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(1),
  });
  const init = RestrictedSecurity.addInitContainer(o.workload, {
    name: `${o.server.name}-auth`.slice(0, 63),
    image: o.image,
    command: ['sh', '-c', redisAuthProgram(), 'write-include.sh', REDIS_AUTH_PASSWORD_FILE, REDIS_AUTH_CONF],
    resources: resourcesOr(o.resources, REDIS_AUTH_INIT_RESOURCES),
  }, o.user);
  init.mount(REDIS_AUTH_SECRET_DIR, secret, { readOnly: true });
  init.mount(REDIS_AUTH_CONF_DIR, conf);
  o.server.mount(REDIS_AUTH_SECRET_DIR, secret, { readOnly: true });
  o.server.mount(REDIS_AUTH_CONF_DIR, conf, { readOnly: true });
  return init;
}
