// RedisAuth: every redis the library runs is authenticated by default, and the password never reaches a container's
// argv, the server's env, a literal env value or a ConfigMap — checked over every example's synthesized YAML, on
// each pattern's objects, and by running the init container's program as a process.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parseAllDocuments } from 'yaml';
import { exampleNames, synthExample } from '../../scripts/synth-examples';
import {
  AmbassadorShardedRedis, CacheEngine, QueueEngine, RedisAuth, RedisEngine, ShardedCache, WorkItems, WorkQueueJobs,
} from '../../src';
import { redisAuthProgram } from '../../src/runtime/redis-auth';
import { one, synthValid } from '../harness';

const ANNOTATION = 'distributed-patterns.dev/redis-auth';
const SERVERS = ['redis-server', 'valkey-server'];
const INCLUDE = '/run/redis-auth/auth.conf';

/**
 * Containers of examples outside the library's redis that pass a password through `$(VAR)` in their args: the
 * adapter example's redis is the user's own (an `AppContainerProps`, which has no volume to read a file from).
 */
const USER_ARGV_EXCEPTIONS: { [example: string]: string[] } = { 'adapter-redis': ['redis'] };

/** Every pod spec in an object (Deployments, StatefulSets, Jobs, CronJobs, KEDA ScaledJobs, Pods), with its owner. */
function podSpecs(obj: any): any[] {
  const out: any[] = [];
  const walk = (v: any) => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v.containers)) out.push(v);
    for (const child of Object.values(v)) walk(child);
  };
  walk(obj.spec);
  return out;
}

const containersOf = (spec: any): any[] => [...(spec.initContainers ?? []), ...spec.containers];
const isServer = (c: any) => SERVERS.includes((c.command ?? [])[0]);

describe.each(exampleNames())('example %s: no redis password in argv, a ConfigMap or a literal env value', (name) => {
  const objects = parseAllDocuments(synthExample(name)).map((d) => d.toJS()).filter((o) => o);

  test('ConfigMaps hold no requirepass, masterauth or filled-in redis_auth', () => {
    for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
      for (const [key, text] of Object.entries<string>(cm.data ?? {})) {
        expect(`${cm.metadata.name}/${key}: ${text}`).not.toMatch(/^\s*(requirepass|masterauth)\s/m);
        for (const line of text.split('\n').filter((l) => /^\s*redis_auth:/.test(l))) expect(line.trim()).toBe('redis_auth: __REDIS_AUTH_FROM_SECRET__');
      }
    }
  });

  test('no container takes a password in its argv or as a literal env value', () => {
    for (const obj of objects) {
      for (const spec of podSpecs(obj)) {
        for (const c of containersOf(spec)) {
          const argv = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
          const where = `${obj.kind} ${obj.metadata.name} container ${c.name}: ${argv}`;
          if (!(USER_ARGV_EXCEPTIONS[name] ?? []).includes(c.name)) {
            expect(where).not.toMatch(/--requirepass|--masterauth|(redis|valkey)-cli [^|]*(-a |--pass )/);
            // a Secret-backed password expanded into argv by the kubelet ($(VAR)) or by a shell (--flag "$VAR")
            const secretVars = (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef && /PASS|AUTH/i.test(e.name)).map((e: any) => e.name);
            for (const v of secretVars) expect(where).not.toMatch(new RegExp(`\\$\\(${v}\\)|--\\w+[ =]"?\\$\\{?${v}\\b`));
          }
          for (const e of c.env ?? []) {
            if (/PASS|AUTH|SECRET|TOKEN/i.test(e.name)) expect({ where, env: e.name, literal: e.value }).toEqual({ where, env: e.name, literal: undefined });
          }
        }
      }
    }
  });

  test('every redis server the library runs reads its password from the include, has none in its env, and is annotated', () => {
    for (const obj of objects) {
      for (const spec of podSpecs(obj)) {
        for (const c of spec.containers.filter(isServer)) {
          const annotation = obj.metadata.annotations?.[ANNOTATION];
          expect(annotation).toMatch(/^secret [-a-z0-9.]+\/[-._a-zA-Z0-9]+$/); // the examples never opt out
          expect(c.args[0]).toBe(INCLUDE);
          expect(c.env).toBeUndefined();
          expect(c.args).not.toContain('--protected-mode');
          const init = spec.initContainers.find((i: any) => i.name === `${c.name}-auth`);
          expect(init.command.slice(3)).toEqual(['write-include.sh', '/run/secrets/redis-auth/password', INCLUDE]);
          const secretVolume = spec.volumes.find((v: any) => v.secret && init.volumeMounts.some((m: any) => m.name === v.name));
          expect(annotation).toBe(`secret ${secretVolume.secret.secretName}/${secretVolume.secret.items[0].key}`);
        }
      }
    }
  });
});

test('the examples run authenticated servers: the queue, the ambassador shards and the cache engine', () => {
  const servers = exampleNames().flatMap((name) => parseAllDocuments(synthExample(name)).map((d) => d.toJS()).filter((o) => o)
    .flatMap((o) => podSpecs(o).flatMap((s) => s.containers.filter(isServer).map(() => `${name}/${o.kind}/${o.metadata.name}`))));
  expect(servers).toEqual(expect.arrayContaining([
    'ambassador-sharded-redis/StatefulSet/sharded-redis',
    'sharded-cache/StatefulSet/rate-limits-shard',
    'work-queue-thumbnails/Deployment/thumbnails-valkey',
  ]));
});

describe('RedisAuth on each pattern', () => {
  const secret = (c: any) => kplus.Secret.fromSecretName(c, 'auth', 'my-auth');

  test('none(): named in the output, protected mode off, no init container and no auth volume; the proxy gets no redis_auth', () => {
    // GIVEN each redis the library runs, opted out
    const chart = Testing.chart();
    new ShardedCache(chart, 'cache', { engine: CacheEngine.REDIS, auth: RedisAuth.none() });
    new ShardedCache(chart, 'hot', { engine: CacheEngine.VALKEY, replicasPerShard: 2, shards: 1, auth: RedisAuth.none() });
    new AmbassadorShardedRedis(chart, 'amb', { auth: RedisAuth.none(), app: { image: 'redis:7.2.5-alpine', command: ['sleep', 'infinity'] } });
    new WorkQueueJobs(chart, 'q', { worker: { image: 'busybox:1.36', command: ['true'], uid: 1000 }, items: WorkItems.fromList(['a']), queueAuth: RedisAuth.none() });
    // WHEN
    const objs = synthValid(chart);
    // THEN
    const workloads = [one(objs, 'StatefulSet', 'cache-shard'), one(objs, 'Deployment', 'hot-shard-0'), one(objs, 'StatefulSet', 'amb'), one(objs, 'Deployment', 'q-redis')];
    for (const w of workloads) {
      expect(w.metadata.annotations).toEqual({ [ANNOTATION]: 'none' });
      const spec = w.spec.template.spec;
      expect(spec.initContainers).toBeUndefined();
      const server = spec.containers[0];
      expect(server.args).not.toContain(INCLUDE);
      expect(server.args.join(' ')).toContain('--protected-mode no');
      expect((spec.volumes ?? []).map((v: any) => v.name).filter((n: string) => n.includes('auth'))).toEqual([]);
      expect(server.readinessProbe.exec.command[2]).not.toContain('askpass');
    }
    expect(one(objs, 'ConfigMap', 'cache-twemproxy').data['nutcracker.yml']).not.toContain('redis_auth');
    expect(one(objs, 'Deployment', 'cache-proxy').spec.template.spec.initContainers).toBeUndefined();
    expect(JSON.stringify(objs.filter((o) => o.kind === 'Job'))).not.toMatch(/REDISCLI_AUTH|QUEUE_PASSWORD/);
  });

  test('the default: the Secret <name>-redis-auth, key password, on every redis the library runs, and its clients', () => {
    const chart = Testing.chart();
    const cache = new ShardedCache(chart, 'cache', { engine: CacheEngine.VALKEY, replicasPerShard: 2, shards: 2 });
    const memcached = new ShardedCache(chart, 'mc');
    const amb = new AmbassadorShardedRedis(chart, 'amb', { engine: RedisEngine.VALKEY, app: { image: 'redis:7.2.5-alpine', command: ['sleep', 'infinity'] } });
    const q = new WorkQueueJobs(chart, 'q', { worker: { image: 'busybox:1.36', command: ['true'], uid: 1000 }, items: WorkItems.fromList(['a']), queueEngine: QueueEngine.VALKEY });
    const objs = synthValid(chart);
    expect([cache.auth?.secret?.name, amb.auth.secret?.name, memcached.auth]).toEqual(['cache-redis-auth', 'amb-redis-auth', undefined]);
    expect([cache.auth?.key, amb.auth.key, cache.auth?.required]).toEqual(['password', 'password', true]);
    for (const [w, secretName] of [[one(objs, 'Deployment', 'cache-shard-1'), 'cache-redis-auth'], [one(objs, 'StatefulSet', 'amb'), 'amb-redis-auth'],
      [one(objs, 'Deployment', 'q-valkey'), 'q-redis-auth']] as const) {
      expect(w.metadata.annotations).toEqual({ [ANNOTATION]: `secret ${secretName}/password` });
      const spec = w.spec.template.spec;
      const [server] = spec.containers;
      const [init] = spec.initContainers;
      // the init container: the server's image, restricted, bounded, the Secret read-only, the include's emptyDir
      expect(init).toMatchObject({
        name: 'valkey-auth',
        image: 'valkey/valkey:8.1.1-alpine',
        command: ['sh', '-c', redisAuthProgram(), 'write-include.sh', '/run/secrets/redis-auth/password', INCLUDE],
        resources: { requests: { cpu: '10m', memory: '8Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
      });
      expect(init.env).toBeUndefined();
      const secretVolume = spec.volumes.find((v: any) => v.secret);
      expect(secretVolume.secret).toEqual({ secretName, items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 });
      expect(spec.volumes.find((v: any) => v.name === init.volumeMounts[1].name).emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Mi' });
      expect(init.volumeMounts.map((m: any) => [m.mountPath, m.readOnly])).toEqual([['/run/secrets/redis-auth', true], ['/run/redis-auth', undefined]]);
      // the server: the include as its config file, both mounts read-only, no env; the probe's cli reads the file
      expect(server.args[0]).toBe(INCLUDE);
      expect(server.env).toBeUndefined();
      expect(server.volumeMounts.filter((m: any) => m.mountPath.includes('redis-auth')).map((m: any) => m.readOnly)).toEqual([true, true]);
      expect(server.readinessProbe.exec.command[2]).toMatch(/^valkey-cli --askpass .* < \/run\/secrets\/redis-auth\/password \| grep/);
    }
    // the clients: twemproxy's redis_auth renderer and the queue's scripts read the same Secret
    const proxy = one(objs, 'Deployment', 'cache-proxy').spec.template.spec;
    expect(proxy.initContainers[0].env).toBeUndefined();
    expect(proxy.volumes).toContainEqual({ name: 'cache-redis-auth', secret: { secretName: 'cache-redis-auth', items: [{ key: 'password', path: 'password' }], defaultMode: 0o444 } });
    expect(one(objs, 'Job', q.seeder!.name).spec.template.spec.containers[0].env).toContainEqual({ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: 'q-redis-auth', key: 'password' } } });
    // memcached has no AUTH: nothing to wire, nothing annotated
    expect(one(objs, 'StatefulSet', 'mc-shard').metadata.annotations).toBeUndefined();
  });

  test('fromSecret(secret, key): the Secret and key given', () => {
    const chart = Testing.chart();
    const auth = RedisAuth.fromSecret(secret(chart), 'redis-pass');
    new ShardedCache(chart, 'cache', { engine: CacheEngine.REDIS, auth });
    const sts = one(synthValid(chart), 'StatefulSet', 'cache-shard');
    expect(sts.metadata.annotations).toEqual({ [ANNOTATION]: 'secret my-auth/redis-pass' });
    expect(sts.spec.template.spec.volumes.find((v: any) => v.secret).secret.items).toEqual([{ key: 'redis-pass', path: 'password' }]);
    expect([auth.secret?.name, auth.key, auth.required, RedisAuth.none().required, RedisAuth.none().secret]).toEqual(['my-auth', 'redis-pass', true, false, undefined]);
  });
});

describe('the init container program (write-include.sh) as a process', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-auth-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (password: string | undefined) => {
    const secret = path.join(dir, 'password');
    const target = path.join(dir, 'auth.conf');
    fs.rmSync(secret, { force: true });
    fs.rmSync(target, { force: true });
    if (password !== undefined) fs.writeFileSync(secret, password);
    const r = spawnSync('/bin/sh', ['-c', redisAuthProgram(), 'write-include.sh', secret, target], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    return { code: r.status, stderr: r.stderr, conf: fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined, mode: fs.existsSync(target) ? (fs.statSync(target).mode % 0o1000) : undefined };
  };

  test.each([
    ['plain', 's3cret', 'requirepass "s3cret"\n'],
    ['a trailing line break dropped (kubectl --from-file)', 's3cret\n', 'requirepass "s3cret"\n'],
    ['quotes, backslashes, spaces and $ escaped for redis\'s parser', 'p"a\\ss w$rd:{x} \\n', 'requirepass "p\\"a\\\\ss w$rd:{x} \\\\n"\n'],
    ['a # is not a comment inside quotes', '#hash', 'requirepass "#hash"\n'],
  ])('%s', (_what, password, conf) => {
    expect(write(password)).toEqual({ code: 0, stderr: '', conf, mode: 0o600 });
  });

  test.each([
    ['a missing password file', undefined, /the password file .* is missing or empty/],
    ['an empty password', '', /the password file .* is missing or empty/],
    ['a line break alone', '\n', /the password in .* is empty/],
    ['two lines', 'a\nb\n', /the password in .* must be one line, it has 2/],
  ])('refuses %s, writing nothing', (_what, password, message) => {
    const r = write(password);
    expect([r.code, r.conf]).toEqual([1, undefined]);
    expect(r.stderr).toMatch(message);
  });
});
