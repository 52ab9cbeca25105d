// Tier 2: the nutcracker.yml AmbassadorShardedRedis renders, run UNCHANGED by the real nutcracker, in front of real
// redis shards started with the exact args of the StatefulSet; pod DNS names mapped to 127.0.0.x by nss_wrapper.
//
// The valkey engine is proven with the same Debian redis-server (7.0): there is no Valkey package here, and Valkey
// is wire- and argument-compatible with redis (the shards get the same args; only the binary and image differ).
import { createHash } from 'crypto';
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { AmbassadorShardedRedis, AmbassadorShardedRedisProps, RedisAuth, RedisEngine, TwemproxyHashing } from '../../src';
import { one, synthValid } from '../harness';
import { allocHost, redisKeys, redisPipeline, startNutcracker, startRedis, Daemon } from '../harness/daemons';
import { sleep, stopAll, tempDir } from '../harness/proc';
import { authReplies, launchRedisAuth, runReadinessProbe } from '../harness/redis-auth';
import { runAuthRenderScript } from '../harness/twemproxy-auth';
import { Answer, killAndRestart, killNow, Load, median, signal, summary, tally, writeAll } from '../harness/twemproxy-load';

jest.setTimeout(240_000);
afterEach(() => stopAll());

interface Synth {
  redis: AmbassadorShardedRedis;
  config: string;
  shardCommand: string[];
  shardArgs: string[];
  initScript?: string;
  /** The shards' pod spec. */
  shardSpec: any;
}

/** The construct's objects; placement and failure tests opt out of auth (the AUTH test below runs it). */
function synth(props: AmbassadorShardedRedisProps, id = 'sharded-redis'): Synth {
  const chart = new Chart(Testing.app(), 'test');
  const redis = new AmbassadorShardedRedis(chart, id, { auth: RedisAuth.none(), ...props, app: { image: 'redis:7.2.5-alpine', uid: 999, gid: 1000, command: ['sleep', 'infinity'] } });
  const objs = synthValid(chart);
  const config = one(objs, 'ConfigMap', `${id}-twemproxy`).data['nutcracker.yml'];
  const shardSpec = one(objs, 'StatefulSet', id).spec.template.spec;
  const shard = shardSpec.containers[0];
  const init = one(objs, 'Deployment', `${id}-app`).spec.template.spec.initContainers?.[0];
  return { redis, config, shardCommand: shard.command, shardArgs: shard.args, initScript: init?.command[2], shardSpec };
}

/** Start one real redis per server of the rendered config, at its own 127.0.0.x, as the pod DNS names say. */
async function startShards(s: Synth, args: string[], count?: number, configText?: string):
Promise<{ hosts: Record<string, string>; shards: Map<string, Daemon> }> {
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
    shards.set(name, await startRedis({ host: ip, port: Number(port), args: args.map((a) => (a === '/data' ? data : a)), configText }));
  }
  return { hosts, shards };
}

/** Pipelined RESP to `host:port` (the ambassador on 127.0.0.1 by default). */
const pipeline = (port: number, commands: string[][], host = '127.0.0.1') => redisPipeline(host, port, commands);

const keysOn = (d: Daemon, password?: string) => redisKeys(d, password);

// The placement tests judge the hashing, not timing: twemproxy's default 400 ms shard timeout, on a busy 2-core
// machine with 10,000 pipelined requests, could time a shard out (an error reply, the key not written). Their
// pools wait 10 s instead (placement does not depend on it), and the writes go in batches of 1,000.
const PLACEMENT_TIMEOUT = Duration.seconds(10);

/** Sends `commands` through the ambassador in batches of 1,000; every reply. */
async function pipelineAll(port: number, commands: string[][]): Promise<string[]> {
  const replies: string[] = [];
  for (let i = 0; i < commands.length; i += 1000) replies.push(...await pipeline(port, commands.slice(i, i + 1000)));
  return replies;
}

const keys = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}:${createHash('md5').update(String(i)).digest('hex').slice(0, 12)}`);

describe('AmbassadorShardedRedis with the real nutcracker and redis', () => {
  test.each([RedisEngine.REDIS, RedisEngine.VALKEY])('%s: 10,000 keys written through nutcracker sit exactly on the shards the model predicts', async (engine) => {
    // GIVEN the rendered config and three shards started with the StatefulSet's args (for valkey: the args of
    // valkey-server, run by redis-server)
    const s = synth({ shards: 3, engine, timeout: PLACEMENT_TIMEOUT });
    expect(s.shardCommand).toEqual([engine === RedisEngine.VALKEY ? 'valkey-server' : 'redis-server']);
    const { hosts, shards } = await startShards(s, s.shardArgs);
    await startNutcracker(s.config, { hosts });
    // WHEN 10,000 keys are SET through the ambassador on 127.0.0.1:6379
    const all = keys(10_000);
    const replies = await pipelineAll(6379, all.map((k) => ['SET', k, 'v']));
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

  test.each([RedisEngine.REDIS, RedisEngine.VALKEY])('%s: AUTH end to end: the shards read requirepass from the include their init container writes, refuse clients without it; the ambassador\'s init script fills redis_auth', async (engine) => {
    // GIVEN a password with YAML- and redis-config-hostile characters; redis: the default auth, valkey: fromSecret
    const password = 'p"a\\ss w$rd:{x} #1';
    const chart = new Chart(Testing.app(), 'sec');
    const secret = kplus.Secret.fromSecretName(chart, 'auth', 'redis-auth');
    const s = synth({ shards: 2, engine, auth: engine === RedisEngine.VALKEY ? RedisAuth.fromSecret(secret) : undefined }, 'authed');
    expect(s.config).not.toContain(password);
    expect(s.shardSpec.volumes.find((v: any) => v.secret).secret.secretName).toBe(engine === RedisEngine.VALKEY ? 'redis-auth' : 'authed-redis-auth');
    // WHEN the init container's exact script runs under busybox (the redis and valkey images' awk)
    const r = runAuthRenderScript(s.initScript!, s.config, password);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rendered = r.rendered!;
    expect(parse(rendered).redis.redis_auth).toBe(password);
    // the script refuses an empty password
    expect(runAuthRenderScript(s.initScript!, s.config, '').code).not.toBe(0);

    // AND the shards' init container's exact program writes the include from the Secret's file, and the shards start
    // with their exact args and that include as their config file
    const launch = launchRedisAuth(s.shardSpec, engine, password);
    expect(s.shardArgs.join(' ')).not.toContain('pass');
    const { hosts, shards } = await startShards(s, launch.args, undefined, launch.configText);
    for (const d of shards.values()) {
      const replies = await authReplies(d.host, d.port, password);
      expect(replies.none).toMatch(/^-NOAUTH/);
      expect(replies.wrong).toMatch(/^-WRONGPASS/);
      expect(replies.right).toEqual(['+OK', '+PONG']);
      // the readiness probe's exact command (its cli reads the Secret's file on stdin) passes
      expect(runReadinessProbe(s.shardSpec, engine, launch, d.host, d.port)).toBe(0);
    }
    console.log(`AmbassadorShardedRedis (${engine}): ${shards.size} shards refuse PING without the password (NOAUTH) and a wrong one (WRONGPASS), accept it`);
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
    const s3 = synth({ shards: 3, timeout: PLACEMENT_TIMEOUT });
    const s4 = synth({ shards: 4, timeout: PLACEMENT_TIMEOUT });
    const { hosts, shards } = await startShards(s4, s4.shardArgs);
    const all = keys(10_000, 'item');
    const placement = async (s: Synth) => {
      const proxy = await startNutcracker(s.config, { hosts });
      expect((await pipelineAll(6379, all.map((k) => ['SET', k, '1']))).filter((r) => r === '+OK')).toHaveLength(all.length);
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

// The failure contract (README, "AmbassadorShardedRedis → When a part fails"), proven by killing the part under
// bounded load: 4 clients, one GET at a time each, over 600 keys written on EVERY shard with that shard's name as
// the value, so each answer says which shard served it (ok = the model's shard, wrong = another, miss = a shard
// without the key, error = an error reply or a refused connection). Timings are asserted only as lower bounds
// or with the contract's own numbers as floors; the windows are seconds long.
describe('AmbassadorShardedRedis failure contract: parts killed under load', () => {
  const probeKeys = keys(600, 'fc');

  async function rig(props: AmbassadorShardedRedisProps = {}) {
    const s = synth({ shards: 3, ...props });
    const { hosts, shards } = await startShards(s, s.shardArgs);
    for (const [name, d] of shards) await writeAll('redis', d.host, d.port, probeKeys, name);
    const proxy = await startNutcracker(s.config, { hosts });
    const home = (k: string) => s.redis.hashing.serverFor(k);
    const load = new Load({ protocol: 'redis', ...proxy.listens[0], keys: probeKeys, home });
    return { s, hosts, shards, proxy, home, load };
  }

  test('rendered: no ejection (a down shard\'s keys fail, never move), timeout 400 ms', () => {
    const cfg = parse(synth({}).config).redis;
    expect(cfg).toMatchObject({ auto_eject_hosts: false, timeout: 400 });
  });

  test('a shard SIGKILLed: only its keys fail, at once, never answered by another shard; back with no data (no storage)', async () => {
    const { shards, load } = await rig();
    await sleep(1500);
    const dead = shards.get('sharded-redis-1')!;
    const killAt = load.now();
    await killNow(dead.proc);
    const killedAt = load.now();
    await sleep(3000);
    const restartAt = load.now();
    const data = tempDir('redis-data');
    const synthArgs = synth({ shards: 3 }).shardArgs.map((a) => (a === '/data' ? data : a));
    await startRedis({ host: dead.host, port: dead.port, args: synthArgs });
    const backAt = load.now();
    await sleep(2000);
    const end = load.now();
    await load.stop();
    const isDead = (a: Answer) => a.home === 'sharded-redis-1';
    const before = load.between(0, killAt);
    const during = load.between(killedAt, restartAt);
    const after = load.between(backAt, end);
    console.log([summary('before the kill', before), summary('shard 1 dead, its keys', during.filter(isDead)),
      summary('shard 1 dead, other keys', during.filter((a) => !isDead(a))), summary('shard 1 restarted, its keys', after.filter(isDead)),
      `error latency while dead: median ${median(during.filter(isDead).map((a) => a.doneMs - a.sentMs))} ms`].join('\n'));
    expect(tally(before)).toEqual({ ok: before.length, wrong: 0, miss: 0, error: 0 });
    expect(during.filter(isDead).length).toBeGreaterThan(20);
    expect(tally(during.filter(isDead))).toEqual({ ok: 0, wrong: 0, miss: 0, error: during.filter(isDead).length });
    expect(during.filter(isDead).every((a) => /refused/i.test(a.text))).toBe(true);
    expect(tally(during.filter((a) => !isDead(a)))).toEqual({ ok: during.filter((a) => !isDead(a)).length, wrong: 0, miss: 0, error: 0 });
    // after the restart its keys are misses (no storage: the data went with the pod), never another shard's
    const t = tally(after.filter(isDead));
    expect(t.ok + t.wrong).toBe(0);
    expect(t.miss).toBeGreaterThan(20);
    expect(t.error).toBeLessThanOrEqual(4);
    expect(tally(after.filter((a) => !isDead(a))).ok).toBe(after.filter((a) => !isDead(a)).length);
  });

  test('a shard hung (SIGSTOP): its keys fail after the 400 ms timeout, the others answer; all answer again once it resumes', async () => {
    const { shards, load } = await rig();
    await sleep(1000);
    const hung = shards.get('sharded-redis-2')!;
    const stopAt = load.now();
    signal(hung.proc.pid, 'SIGSTOP');
    await sleep(3000);
    const contAt = load.now();
    signal(hung.proc.pid, 'SIGCONT');
    await sleep(2500);
    const end = load.now();
    await load.stop();
    const isHung = (a: Answer) => a.home === 'sharded-redis-2';
    // requests sent once the stop has surely taken effect (200 ms: the signal is asynchronous), answered before it resumed
    const during = load.between(stopAt + 200, contAt).filter((a) => a.doneMs < contAt);
    const after = load.between(contAt + 500, end);
    const latencies = during.filter(isHung).map((a) => a.doneMs - a.sentMs);
    console.log([summary('shard 2 hung, its keys', during.filter(isHung)), summary('shard 2 hung, other keys', during.filter((a) => !isHung(a))),
      `its error latency: median ${median(latencies)} ms, max ${Math.max(...latencies)} ms`, summary('after SIGCONT', after)].join('\n'));
    expect(during.filter(isHung).length).toBeGreaterThan(3);
    expect(tally(during.filter(isHung))).toEqual({ ok: 0, wrong: 0, miss: 0, error: during.filter(isHung).length });
    expect(during.filter(isHung).every((a) => /timed out/i.test(a.text))).toBe(true);
    // the first request on a connection waits the whole timeout (the ones queued behind it fail with it)
    expect(Math.max(...latencies)).toBeGreaterThanOrEqual(380);
    const others = during.filter((a) => !isHung(a));
    expect(others.length).toBeGreaterThan(20);
    expect(tally(others)).toEqual({ ok: others.length, wrong: 0, miss: 0, error: 0 });
    // it kept its data: every key answers from its own shard again
    expect(tally(after)).toEqual({ ok: after.length, wrong: 0, miss: 0, error: 0 });
  });

  test('the ambassador (nutcracker) SIGKILLed: every request fails (connection refused) until it is restarted, then all answer, nothing lost', async () => {
    const { s, hosts, proxy, load } = await rig();
    const { during, after } = await killAndRestart(load, proxy.proc, () => startNutcracker(s.config, { hosts }));
    expect(tally(during)).toEqual({ ok: 0, wrong: 0, miss: 0, error: during.length });
    expect(after.length).toBeGreaterThan(20);
    expect(tally(after)).toEqual({ ok: after.length, wrong: 0, miss: 0, error: 0 });
  });
});

