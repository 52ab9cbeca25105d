// Tier 2: the nutcracker.yml AmbassadorShardedRedis renders, run UNCHANGED by the real nutcracker, in front of real
// redis shards started with the exact args of the StatefulSet; pod DNS names mapped to 127.0.0.x by nss_wrapper.
//
// The valkey engine is proven with the same Debian redis-server (7.0): there is no Valkey package here, and Valkey
// is wire- and argument-compatible with redis (the shards get the same args; only the binary and image differ).
import { createHash } from 'crypto';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { AmbassadorShardedRedis, AmbassadorShardedRedisProps, RedisEngine, TwemproxyHashing } from '../../src';
import { one, synthValid } from '../harness';
import { allocHost, redisKeys, redisPipeline, startNutcracker, startRedis, Daemon } from '../harness/daemons';
import { stopAll, tempDir } from '../harness/proc';
import { runAuthRenderScript } from '../harness/twemproxy-auth';

jest.setTimeout(240_000);
afterEach(() => stopAll());

interface Synth {
  redis: AmbassadorShardedRedis;
  config: string;
  shardCommand: string[];
  shardArgs: string[];
  initScript?: string;
}

function synth(props: AmbassadorShardedRedisProps, id = 'sharded-redis'): Synth {
  const chart = new Chart(Testing.app(), 'test');
  const redis = new AmbassadorShardedRedis(chart, id, { ...props, app: { image: 'redis:7.2.5-alpine', uid: 999, gid: 1000, command: ['sleep', 'infinity'] } });
  const objs = synthValid(chart);
  const config = one(objs, 'ConfigMap', `${id}-twemproxy`).data['nutcracker.yml'];
  const shard = one(objs, 'StatefulSet', id).spec.template.spec.containers[0];
  const init = one(objs, 'Deployment', `${id}-app`).spec.template.spec.initContainers?.[0];
  return { redis, config, shardCommand: shard.command, shardArgs: shard.args, initScript: init?.command[2] };
}

/** Start one real redis per server of the rendered config, at its own 127.0.0.x, as the pod DNS names say. */
async function startShards(s: Synth, args: string[], count?: number): Promise<{ hosts: Record<string, string>; shards: Map<string, Daemon> }> {
  const servers: string[] = parse(s.config).redis.servers;
  const hosts: Record<string, string> = {};
  const shards = new Map<string, Daemon>();
  for (const line of servers.slice(0, count ?? servers.length)) {
    const [addr, name] = line.split(' ');
    const [host, port] = addr.split(':');
    const ip = allocHost();
    hosts[host] = ip;
    // The pod mounts a volume at /data; here a temp dir plays that volume.
    const data = tempDir('redis-data');
    shards.set(name, await startRedis({ host: ip, port: Number(port), args: args.map((a) => (a === '/data' ? data : a)) }));
  }
  return { hosts, shards };
}

/** Pipelined RESP to `host:port` (the ambassador on 127.0.0.1 by default). */
const pipeline = (port: number, commands: string[][], host = '127.0.0.1') => redisPipeline(host, port, commands);

const keysOn = (d: Daemon, password?: string) => redisKeys(d, password);

const keys = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}:${createHash('md5').update(String(i)).digest('hex').slice(0, 12)}`);

describe('AmbassadorShardedRedis with the real nutcracker and redis', () => {
  test.each([RedisEngine.REDIS, RedisEngine.VALKEY])('%s: 10,000 keys written through nutcracker sit exactly on the shards the model predicts', async (engine) => {
    // GIVEN the rendered config and three shards started with the StatefulSet's args (for valkey: the args of
    // valkey-server, run by redis-server)
    const s = synth({ shards: 3, engine });
    expect(s.shardCommand).toEqual([engine === RedisEngine.VALKEY ? 'valkey-server' : 'redis-server']);
    const { hosts, shards } = await startShards(s, s.shardArgs);
    await startNutcracker(s.config, { hosts });
    // WHEN 10,000 keys are SET through the ambassador on 127.0.0.1:6379
    const all = keys(10_000);
    const replies = await pipeline(6379, all.map((k) => ['SET', k, 'v']));
    expect(replies.every((r) => r === '+OK')).toBe(true);
    // THEN every key is on the shard the TypeScript model predicts
    let agree = 0;
    let total = 0;
    const perShard: Record<string, number> = {};
    for (const [name, d] of shards) {
      const onShard = keysOn(d);
      perShard[name] = onShard.length;
      total += onShard.length;
      agree += onShard.filter((k) => s.redis.hashing.serverFor(k) === name).length;
    }
    console.log(`model agreement: ${agree}/${total} = ${(100 * agree / total).toFixed(2)} %; keys per shard ${JSON.stringify(perShard)}; model shares ${JSON.stringify(s.redis.hashing.shares().map((x) => x.fraction.toFixed(4)))}`);
    expect(total).toBe(10_000);
    expect(agree).toBe(10_000);
  });

  test('keys sharing a hash tag share a shard', async () => {
    const s = synth({ shards: 4, hashTag: '{}' });
    const { hosts, shards } = await startShards(s, s.shardArgs);
    await startNutcracker(s.config, { hosts });
    const tagged = ['cart', 'profile', 'orders', 'prefs', 'session'].map((f) => `{user:42}:${f}`);
    const other = ['{user:7}:cart', '{user:7}:profile'];
    expect(await pipeline(6379, [...tagged, ...other].map((k) => ['SET', k, '1']))).toEqual(Array(7).fill('+OK'));
    const where = (k: string) => [...shards].filter(([, d]) => keysOn(d).includes(k)).map(([n]) => n);
    const home = where(tagged[0]);
    expect(home).toHaveLength(1);
    for (const k of tagged) expect(where(k)).toEqual(home);
    expect(home[0]).toBe(s.redis.hashing.serverFor('{user:42}:anything'));
    expect(where(other[0])).toEqual(where(other[1]));
  });

  test.each([RedisEngine.REDIS, RedisEngine.VALKEY])('%s: AUTH end to end: the init container script fills redis_auth from the Secret; shards require the password', async (engine) => {
    // GIVEN a password Secret, a password with YAML-hostile characters
    const password = 'p"a\\ss w$rd:{x}';
    const chart = new Chart(Testing.app(), 'sec');
    const secret = kplus.Secret.fromSecretName(chart, 'auth', 'redis-auth');
    const s = synth({ shards: 2, engine, password: { secret, key: 'password' } }, 'authed');
    expect(s.config).not.toContain(password);
    // WHEN the init container's exact script runs under busybox (the redis and valkey images' awk)
    const r = runAuthRenderScript(s.initScript!, s.config, password);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rendered = r.rendered!;
    expect(parse(rendered).redis.redis_auth).toBe(password);
    // the script refuses an empty password
    expect(runAuthRenderScript(s.initScript!, s.config, '').code).not.toBe(0);

    // AND shards started with the args kubelet would expand ($(REDIS_PASSWORD) → the Secret's value)
    const args = s.shardArgs.map((a) => a.replace('$(REDIS_PASSWORD)', password));
    const { hosts, shards } = await startShards(s, args);
    await startNutcracker(rendered, { hosts });
    // THEN a client that authenticates to the ambassador reads and writes through it
    const replies = await pipeline(6379, [['AUTH', password], ['SET', 'k1', 'v1'], ['SET', 'k2', 'v2'], ['GET', 'k1']]);
    expect(replies).toEqual(['+OK', '+OK', '+OK', 'v1']);
    // and the shards refuse clients without the password
    const [first] = [...shards.values()];
    expect((await pipeline(first.port, [['GET', 'k1']], first.host))[0]).toMatch(/^-NOAUTH/);
    expect([...shards.values()].flatMap((d) => keysOn(d, password)).sort()).toEqual(['k1', 'k2']);
  });

  test('a resize 3→4 measured with the real nutcracker on both configs moves the keys the model predicts', async () => {
    // GIVEN four shards and the 3-shard and 4-shard configs (same names: the first three shards are the same)
    const s3 = synth({ shards: 3 });
    const s4 = synth({ shards: 4 });
    const { hosts, shards } = await startShards(s4, s4.shardArgs);
    const all = keys(10_000, 'item');
    const placement = async (s: Synth) => {
      const proxy = await startNutcracker(s.config, { hosts });
      await pipeline(6379, all.map((k) => ['SET', k, '1']));
      const where = new Map<string, string>();
      for (const [name, d] of shards) for (const k of keysOn(d)) where.set(k, name);
      for (const d of shards.values()) await pipeline(d.port, [['FLUSHALL']], d.host);
      await proxy.proc.stop();
      return where;
    };
    // WHEN the same keys are written through each config
    const before = await placement(s3);
    const after = await placement(s4);
    // THEN the moved keys are exactly the ones the model says move, and their fraction is near the exact plan
    const moved = all.filter((k) => before.get(k) !== after.get(k));
    const ring3: TwemproxyHashing = s3.redis.hashing;
    const ring4: TwemproxyHashing = s4.redis.hashing;
    const predicted = all.filter((k) => ring3.serverFor(k) !== ring4.serverFor(k));
    expect(moved).toEqual(predicted);
    const plan = s3.redis.planResize(4);
    const measured = moved.length / all.length;
    console.log(`resize 3→4: measured ${(100 * measured).toFixed(2)} % of 10,000 keys moved; plan ${(100 * plan.movedFraction).toFixed(2)} % (exact, hash space); floor 1 − 3/4 = ${(100 * plan.floor).toFixed(2)} %`);
    expect(Math.abs(measured - plan.movedFraction)).toBeLessThan(0.02);
    // every moved key moved to the new shard
    expect(new Set(moved.map((k) => after.get(k)))).toEqual(new Set(['sharded-redis-3']));
  });
});
