// Tier 2: ShardedCache's nutcracker.yml run UNCHANGED by the real nutcracker in front of real memcached shards
// started with the StatefulSet's exact args; pod DNS names mapped to 127.0.0.x by nss_wrapper.
//
// The valkey engine is proven with the Debian redis-server (7.0): there is no Valkey package here, and Valkey is
// wire- and argument-compatible with redis (the shards get the same args; only the binary and image differ).
import { createHash } from 'crypto';
import * as net from 'net';
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { buildApp as buildShardedCaches } from '../../examples/sharded-cache';
import { CacheEngine, RedisAuth, ShardedCache, ShardedCacheProps, TwemproxyHashing } from '../../src';
import { one, synthValid } from '../harness';
import { allocHost, Daemon, redisPipeline, startMemcached, startNutcracker, startRedis } from '../harness/daemons';
import { cyclonusVersion, ExtraPod, netpolTruthTable } from '../harness/netpol';
import { sleep, stopAll } from '../harness/proc';
import { authReplies, launchRedisAuth, runReadinessProbe } from '../harness/redis-auth';
import { runAuthRenderScript } from '../harness/twemproxy-auth';
import { Answer, killAndRestart, killNow, Load, signal, summary, tally, writeAll } from '../harness/twemproxy-load';

jest.setTimeout(240_000);
afterEach(() => stopAll());

function synth(props: ShardedCacheProps) {
  const chart = new Chart(Testing.app(), 'test');
  const cache = new ShardedCache(chart, 'cache', props);
  const objs = synthValid(chart);
  return {
    cache,
    config: one(objs, 'ConfigMap', 'cache-twemproxy').data['nutcracker.yml'] as string,
    args: one(objs, 'StatefulSet', 'cache-shard').spec.template.spec.containers[0].args as string[],
  };
}

async function startShards(config: string, args: string[]) {
  const hosts: Record<string, string> = {};
  const shards = new Map<string, Daemon>();
  for (const line of parse(config).memcached.servers as string[]) {
    const [addr, name] = line.split(' ');
    const [host, port] = addr.split(':');
    const ip = allocHost();
    hosts[host] = ip;
    // exactly the container's args; startMemcached adds only -l <ip> (the pod IP) and -u when run as root
    shards.set(name, await startMemcached({ host: ip, port: Number(port), args }));
  }
  return { hosts, shards };
}

/** memcached text protocol, pipelined over one connection; resolves when `expect` says the reply is complete. */
function exchange(host: string, port: number, payload: string, done: (reply: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`memcached exchange timed out; got ${buf.length} bytes`)); }, 60_000);
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      if (done(buf)) { clearTimeout(timer); sock.end(); resolve(buf); }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.write(payload);
  });
}

async function setAll(host: string, port: number, keys: string[]): Promise<string[]> {
  const reply = await exchange(host, port, keys.map((k) => `set ${k} 0 0 1\r\nv\r\n`).join(''), (b) => b.split('\r\n').length - 1 >= keys.length);
  return reply.split('\r\n').filter((l) => l.length > 0);
}

/** Which of `keys` a server has (multi-get in batches of 100). */
async function present(host: string, port: number, keys: string[]): Promise<Set<string>> {
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += 100) batches.push(keys.slice(i, i + 100));
  const reply = await exchange(host, port, batches.map((b) => `get ${b.join(' ')}\r\n`).join(''), (b) => b.split('\r\n').filter((l) => l === 'END').length >= batches.length || /SERVER_ERROR|CLIENT_ERROR/.test(b));
  if (/SERVER_ERROR|CLIENT_ERROR/.test(reply)) throw new Error(reply.slice(0, 500));
  return new Set([...reply.matchAll(/VALUE (\S+) /g)].map((m) => m[1]));
}

// The placement tests judge the hashing, not timing: twemproxy's default 400 ms shard timeout, on a busy 2-core
// machine with 10,000 pipelined requests, could time a shard out — an error reply, and with auto_eject_hosts an
// ejection that writes its keys elsewhere. Their pools wait 10 s instead (placement does not depend on it) and never
// retry an ejected shard within the test (the dead-shard part measures placement with the shard out).
const PLACEMENT = { timeout: Duration.seconds(10), serverRetryTimeout: Duration.minutes(10) };

const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${createHash('sha1').update(String(i)).digest('hex').slice(0, 16)}`);

describe('ShardedCache with the real nutcracker and memcached', () => {
  test('10,000 keys set through the shared proxy tier land exactly where the model predicts; a dead shard only loses its own keys', async () => {
    // GIVEN three memcached shards started with the StatefulSet's args, and the proxy-tier config unchanged
    const s = synth({ shards: 3, ...PLACEMENT });
    const { hosts, shards } = await startShards(s.config, s.args);
    const proxy = await startNutcracker(s.config, { hosts });
    const all = keys(10_000);
    // WHEN every key is set through the proxy
    const replies = await setAll(proxy.host, proxy.port, all);
    expect(replies.filter((r) => r === 'STORED')).toHaveLength(10_000);
    // THEN each key is on the shard the model predicts, and on no other
    let agree = 0;
    const holder = new Map<string, string>();
    for (const [name, d] of shards) {
      for (const k of await present(d.host, d.port, all)) {
        expect(holder.has(k)).toBe(false);
        holder.set(k, name);
        if (s.cache.hashing.serverFor(k) === name) agree++;
      }
    }
    console.log(`ShardedCache model agreement: ${agree}/${holder.size} (${(100 * agree / holder.size).toFixed(2)} %)`);
    expect(holder.size).toBe(10_000);
    expect(agree).toBe(10_000);

    // WHEN one shard dies
    const dead = 'cache-shard-1';
    await shards.get(dead)!.proc.stop();
    // the proxy ejects it after server_failure_limit (2) failures: drive a few requests at its keys
    const deadKeys = all.filter((k) => holder.get(k) === dead);
    for (let i = 0; i < 4; i++) await exchange(proxy.host, proxy.port, `get ${deadKeys[i]}\r\n`, (b) => /END\r\n$|ERROR/.test(b)).catch(() => '');
    // THEN the proxy keeps serving: every key of the live shards still hits, and only the dead shard's keys miss
    const hits = await present(proxy.host, proxy.port, all);
    const liveKeys = all.filter((k) => holder.get(k) !== dead);
    expect(liveKeys.filter((k) => !hits.has(k))).toEqual([]);
    expect(deadKeys.filter((k) => hits.has(k))).toEqual([]);
    console.log(`after stopping ${dead}: ${hits.size} hits of 10,000; ${deadKeys.length} misses = its keys (${(100 * deadKeys.length / 10_000).toFixed(2)} %)`);
    // and its keys now map to the ring without it, as the model of the remaining shards says
    const survivors = new TwemproxyHashing({ servers: [{ name: 'cache-shard-0' }, { name: 'cache-shard-2' }] });
    const moved = await setAll(proxy.host, proxy.port, deadKeys.slice(0, 200));
    expect(moved.every((r) => r === 'STORED')).toBe(true);
    for (const name of ['cache-shard-0', 'cache-shard-2']) {
      const d = shards.get(name)!;
      const got = await present(d.host, d.port, deadKeys.slice(0, 200));
      for (const k of got) expect(survivors.serverFor(k)).toBe(name);
    }
  });

  test('a resize 3→4 measured for real matches planResize', async () => {
    const s3 = synth({ shards: 3, ...PLACEMENT });
    const s4 = synth({ shards: 4, ...PLACEMENT });
    const { hosts, shards } = await startShards(s4.config, s4.args);
    const all = keys(10_000);
    const placement = async (config: string) => {
      const proxy = await startNutcracker(config, { hosts });
      expect((await setAll(proxy.host, proxy.port, all)).filter((r) => r === 'STORED')).toHaveLength(all.length);
      const where = new Map<string, string>();
      for (const [name, d] of shards) for (const k of await present(d.host, d.port, all)) where.set(k, name);
      for (const d of shards.values()) await exchange(d.host, d.port, 'flush_all\r\n', (b) => b.includes('OK'));
      await proxy.proc.stop();
      return where;
    };
    const before = await placement(s3.config);
    const after = await placement(s4.config);
    const measured = all.filter((k) => before.get(k) !== after.get(k)).length / all.length;
    const plan = s3.cache.planResize(4);
    console.log(`ShardedCache resize 3→4: measured miss fraction ${(100 * measured).toFixed(2)} %, planResize ${(100 * plan.movedFraction).toFixed(2)} %, floor ${(100 * plan.floor).toFixed(2)} %`);
    expect(Math.abs(measured - plan.movedFraction)).toBeLessThan(0.02);
  });

  test('valkey with a password behind the shared tier: the proxy pod renders redis_auth, clients AUTH, keys land where the model says', async () => {
    // GIVEN a valkey cache with a password (a YAML-hostile one), its config, shard args and the proxy's init script
    const password = 'va"l\\key $ecret';
    const chart = new Chart(Testing.app(), 'test');
    const secret = kplus.Secret.fromSecretName(chart, 'auth', 'cache-auth');
    const cache = new ShardedCache(chart, 'cache', { engine: CacheEngine.VALKEY, shards: 3, auth: RedisAuth.fromSecret(secret) });
    const objs = synthValid(chart);
    const config = one(objs, 'ConfigMap', 'cache-twemproxy').data['nutcracker.yml'] as string;
    expect(config).not.toContain(password);
    const shardSpec = one(objs, 'StatefulSet', 'cache-shard').spec.template.spec;
    expect(shardSpec.containers[0].command).toEqual(['valkey-server']);
    const init = one(objs, 'Deployment', 'cache-proxy').spec.template.spec.initContainers[0];
    // WHEN the proxy pod's init script runs, and the shards' init program writes their include from the Secret's
    // file, and they start with their exact args and that include, run by redis-server
    const r = runAuthRenderScript(init.command[2], config, password);
    expect(r.stderr).toBe('');
    const rendered = r.rendered!;
    expect(parse(rendered).redis.redis_auth).toBe(password);
    const hosts: Record<string, string> = {};
    const shards = new Map<string, Daemon>();
    for (const line of parse(rendered).redis.servers as string[]) {
      const [addr, name] = line.split(' ');
      const [host, port] = addr.split(':');
      hosts[host] = allocHost();
      const launch = launchRedisAuth(shardSpec, 'valkey', password);
      const args = launch.args.map((a) => (a === '/data' ? '.' : a));
      shards.set(name, await startRedis({ host: hosts[host], port: Number(port), args, configText: launch.configText }));
      // each shard refuses a client without the password or with a wrong one, accepts it; its probe passes
      const replies = await authReplies(hosts[host], Number(port), password);
      expect([replies.none.slice(0, 7), replies.wrong.slice(0, 10), replies.right]).toEqual(['-NOAUTH', '-WRONGPASS', ['+OK', '+PONG']]);
      expect(runReadinessProbe(shardSpec, 'valkey', launch, hosts[host], Number(port))).toBe(0);
    }
    const proxy = await startNutcracker(rendered, { hosts });
    // THEN a client without AUTH is refused by the proxy, and one with it writes 2,000 keys
    expect((await redisPipeline(proxy.host, proxy.port, [['SET', 'k', 'v']]))[0]).toMatch(/^-(NOAUTH|ERR)/);
    const all = keys(2_000);
    const replies = await redisPipeline(proxy.host, proxy.port, [['AUTH', password], ...all.map((k) => ['SET', k, '1'])]);
    expect(replies.every((x) => x === '+OK')).toBe(true);
    // AND each key sits on the shard the model predicts (read directly from each shard, with the password)
    let agree = 0;
    for (const [name, d] of shards) {
      const got = await redisPipeline(d.host, d.port, [['AUTH', password], ...all.map((k) => ['EXISTS', k])]);
      got.slice(1).forEach((x, i) => { if (x === ':1') agree += cache.hashing.serverFor(all[i]) === name ? 1 : -1_000_000; });
    }
    console.log(`ShardedCache (valkey engine, redis-server here), with AUTH: ${agree}/2000 keys where the model predicts`);
    expect(agree).toBe(2_000);
  });

  test('redis, replicated shards, the default auth: every replica Deployment\'s server refuses clients without the password', async () => {
    // GIVEN the redis engine, 2 shards x 2 replicas, no auth prop (the default Secret cache-redis-auth)
    const password = 'default-auth \\"secret"';
    const chart = new Chart(Testing.app(), 'test');
    new ShardedCache(chart, 'cache', { engine: CacheEngine.REDIS, shards: 2, replicasPerShard: 2 });
    const objs = synthValid(chart);
    let refused = 0;
    for (const i of [0, 1]) {
      const spec = one(objs, 'Deployment', `cache-shard-${i}`).spec.template.spec;
      expect(spec.volumes.find((v: any) => v.secret).secret.secretName).toBe('cache-redis-auth');
      // WHEN its init program runs on the Secret's file and the server starts with its exact args and the include
      const launch = launchRedisAuth(spec, 'redis', password);
      const d = await startRedis({ host: allocHost(), port: 6379, args: launch.args.map((a) => (a === '/data' ? '.' : a)), configText: launch.configText });
      // THEN
      const replies = await authReplies(d.host, d.port, password);
      expect([replies.none.slice(0, 7), replies.wrong.slice(0, 10), replies.right]).toEqual(['-NOAUTH', '-WRONGPASS', ['+OK', '+PONG']]);
      expect(runReadinessProbe(spec, 'redis', launch, d.host, d.port)).toBe(0);
      refused++;
    }
    console.log(`ShardedCache (redis engine, replicated shards, default auth): ${refused} shard servers refuse unauthenticated clients, accept the password`);
  });
});

// The failure contract (README, "ShardedCache → When a part fails"), proven by killing the part under bounded
// load: 4 clients, one get at a time each, over 600 keys written on EVERY shard with that shard's name as the
// value, so each answer says which shard served it (ok = the model's shard, wrong = another shard, i.e. a miss
// for a real cache, miss = a shard without the key, error = SERVER_ERROR or a refused connection). The pool's
// server_retry_timeout is 3 s here (the default is 30 s) so that an ejection and a return fit in a bounded test;
// every window is at least twice the contract's numbers.
describe('ShardedCache failure contract: parts killed under load', () => {
  const probeKeys = keys(600);
  const RETRY_MS = 3000;

  async function rig() {
    const s = synth({ shards: 3, serverRetryTimeout: Duration.millis(RETRY_MS) });
    const { hosts, shards } = await startShards(s.config, s.args);
    for (const [name, d] of shards) await writeAll('memcached', d.host, d.port, probeKeys, name);
    const proxy = await startNutcracker(s.config, { hosts });
    const home = (k: string) => s.cache.hashing.serverFor(k);
    const load = new Load({ protocol: 'memcached', ...proxy.listens[0], keys: probeKeys, home });
    return { s, hosts, shards, proxy, home, load };
  }
  const survivors = (dead: string) => new TwemproxyHashing({ servers: ['cache-shard-0', 'cache-shard-1', 'cache-shard-2'].filter((n) => n !== dead).map((name) => ({ name })) });

  test('rendered: auto_eject_hosts true, server_failure_limit 2, server_retry_timeout 30 s, timeout 400 ms', () => {
    const rendered = parse(synth({}).config).memcached;
    expect(rendered).toMatchObject({ auto_eject_hosts: true, server_failure_limit: 2, server_retry_timeout: 30000, timeout: 400 });
  });

  test('a shard SIGKILLed: a few errors per retry period, its keys move to the ring without it (misses), the others never move', async () => {
    const { shards, load } = await rig();
    await sleep(1000);
    const dead = 'cache-shard-1';
    const d = shards.get(dead)!;
    await killNow(d.proc);
    const killedAt = load.now();
    await sleep(2 * RETRY_MS + 1000);
    const restartAt = load.now();
    await startMemcached({ host: d.host, port: d.port, args: synth({ shards: 3 }).args });
    const backAt = load.now();
    await sleep(2 * RETRY_MS + 1000);
    const end = load.now();
    await load.stop();
    const isDead = (a: Answer) => a.home === dead;
    const during = load.between(killedAt, restartAt);
    const after = load.between(backAt, end);
    const lastSecond = after.filter((a) => a.sentMs >= end - 1000 && isDead(a));
    console.log([summary('shard 1 dead, its keys', during.filter(isDead)), summary('shard 1 dead, other keys', during.filter((a) => !isDead(a))),
      summary('shard 1 restarted (empty), its keys', after.filter(isDead)), summary('… in the last second', lastSecond)].join('\n'));
    // its keys: errors only while the pool counts failures (server_failure_limit per retry period, per
    // concurrent request), then answered by the shard the ring without it says
    const dt = tally(during.filter(isDead));
    const periods = Math.floor((restartAt - killedAt) / RETRY_MS) + 1;
    expect(dt.error).toBeGreaterThanOrEqual(2);
    expect(dt.error).toBeLessThanOrEqual(periods * 4);
    expect(dt.ok + dt.miss).toBe(0);
    expect(dt.wrong).toBeGreaterThan(50);
    const ring = survivors(dead);
    expect(during.filter((a) => isDead(a) && a.outcome === 'wrong').every((a) => a.text === ring.serverFor(a.key))).toBe(true);
    // the other shards' keys never move and never fail
    const others = during.filter((a) => !isDead(a));
    expect(tally(others)).toEqual({ ok: others.length, wrong: 0, miss: 0, error: 0 });
    // once back (after at most one retry period), its keys come home again: misses from the empty shard
    expect(lastSecond.length).toBeGreaterThan(10);
    expect(tally(lastSecond)).toEqual({ ok: 0, wrong: 0, miss: lastSecond.length, error: 0 });
    expect(tally(after.filter((a) => !isDead(a))).ok).toBe(after.filter((a) => !isDead(a)).length);
  });

  test('a shard hung (SIGSTOP): errors after the 400 ms timeout until ejected, its keys served elsewhere; when it resumes it serves its old values (writes made meanwhile are not seen)', async () => {
    const { shards, proxy, home, load } = await rig();
    await sleep(1000);
    const hung = 'cache-shard-2';
    const d = shards.get(hung)!;
    const stopAt = load.now();
    signal(d.proc.pid, 'SIGSTOP');
    await sleep(2 * RETRY_MS);
    // a writer sets some of its keys meanwhile: those the proxy stores go to the ring without it
    const written = probeKeys.filter((k) => home(k) === hung).slice(0, 40);
    const replies = await Promise.all(written.map((k) => exchange(proxy.listens[0].host, proxy.listens[0].port, `set ${k} 0 0 3\r\nnew\r\n`, (b) => /\r\n$/.test(b)).catch((e) => `${e}`)));
    const stored = written.filter((_, i) => replies[i] === 'STORED\r\n');
    const contAt = load.now();
    signal(d.proc.pid, 'SIGCONT');
    await sleep(RETRY_MS + 2000);
    await load.stop();
    const isHung = (a: Answer) => a.home === hung;
    // requests sent once the stop has surely taken effect (200 ms: the signal is asynchronous), answered before it resumed
    const during = load.between(stopAt + 200, contAt).filter((a) => a.doneMs < contAt);
    const others = during.filter((a) => !isHung(a));
    const dt = tally(during.filter(isHung));
    const timeouts = during.filter((a) => isHung(a) && a.outcome === 'error');
    // THEN after it is back in the ring, a get of a key written meanwhile answers the OLD value from the hung shard
    const stale = await Promise.all(stored.map((k) => exchange(proxy.listens[0].host, proxy.listens[0].port, `get ${k}\r\n`, (b) => /END\r\n$|ERROR/.test(b))));
    const staleCount = stale.filter((r) => r.includes(`\r\n${hung}\r\n`)).length;
    console.log([summary('shard 2 hung, its keys', during.filter(isHung)), summary('shard 2 hung, other keys', others),
      `its errors: ${timeouts.map((a) => a.text).filter((t, i, all) => all.indexOf(t) === i).join('; ')}; latency max ${Math.max(...timeouts.map((a) => a.doneMs - a.sentMs))} ms`,
      `written while it hung: ${stored.length} of ${written.length} stored (elsewhere); after it resumed ${staleCount} of them read its old value`].join('\n'));
    expect(dt.error).toBeGreaterThanOrEqual(2);
    expect(timeouts.every((a) => /timed out/i.test(a.text))).toBe(true);
    expect(Math.max(...timeouts.map((a) => a.doneMs - a.sentMs))).toBeGreaterThanOrEqual(380);
    expect(dt.ok + dt.miss).toBe(0);
    expect(dt.wrong).toBeGreaterThan(20);
    expect(tally(others).wrong + tally(others).miss + tally(others).error).toBe(0);
    expect(stored.length).toBeGreaterThan(0);
    expect(staleCount).toBe(stored.length);
  });

  test('the proxy (nutcracker) SIGKILLed: every request fails (connection refused) until it is restarted, then all answer, nothing lost', async () => {
    const { s, hosts, proxy, load } = await rig();
    const { during, after } = await killAndRestart(load, proxy.proc, () => startNutcracker(s.config, { hosts, host: proxy.listens[0].host }));
    expect(tally(during)).toEqual({ ok: 0, wrong: 0, miss: 0, error: during.length });
    expect(after.length).toBeGreaterThan(20);
    expect(tally(after)).toEqual({ ok: after.length, wrong: 0, miss: 0, error: 0 });
  });
});

describe('the NetworkPolicies of the example, computed by cyclonus (an engine nobody here wrote)', () => {
  test('every pod to every declared port: the allowed connections are exactly the intended graph', () => {
    // GIVEN the example's three caches (page-cache: shared tier with stats for monitoring; rate-limits: shared tier
    // for the web pods only; sessions: ambassadors in the web pods), the cluster DNS, Prometheus, a stranger pod in
    // the namespace and one in another namespace
    const objs = buildShardedCaches().charts.flatMap((c) => c.toJson());
    const extraPods: ExtraPod[] = [
      { namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] },
      { namespace: 'monitoring', name: 'prometheus', labels: { app: 'prometheus' } },
      { namespace: 'caching', name: 'stranger', labels: { app: 'stranger' } },
      { namespace: 'other', name: 'outsider', labels: { app: 'outsider' } },
    ];
    // WHEN cyclonus computes the truth table of every pod to every port its destination declares
    const t = netpolTruthTable(objs, undefined, { extraPods });
    // THEN the intended graph, written from the README's table (not from the policies):
    const d = (name: string) => `caching/${name}`;
    const sessions = [0, 1, 2].map((i) => d(`sessions-shard-${i}`));
    const unpoliced = [d('web'), d('sessions-warm'), 'kube-system/coredns', 'monitoring/prometheus', d('stranger'), 'other/outsider'];
    const dns = (from: string) => [`${from} → kube-system/coredns 53/TCP`, `${from} → kube-system/coredns 53/UDP`];
    const intended = [
      // page-cache: the namespace's pods reach its proxy (those without a policy of their own: the others send only
      // to their own parts), Prometheus its stats; only the proxy reaches the shards
      ...[d('web'), d('sessions-warm'), d('stranger')].map((f) => `${f} → ${d('page-cache-proxy')} 11211/TCP`),
      `monitoring/prometheus → ${d('page-cache-proxy')} 22222/TCP`,
      `${d('page-cache-proxy')} → ${d('page-cache-shard')} 11211/TCP`,
      // rate-limits: only the web pods reach its proxy; only the proxy its shards
      `${d('web')} → ${d('rate-limits-proxy')} 6379/TCP`,
      `${d('rate-limits-proxy')} → ${d('rate-limits-shard')} 6379/TCP`,
      // sessions: the web pods and the cache-warming Job (their ambassadors) reach each shard, nobody else
      ...[d('web'), d('sessions-warm')].flatMap((f) => sessions.map((s) => `${f} → ${s} 11211/TCP`)),
      // the proxies resolve the shards' names; the shards send nothing
      ...[d('page-cache-proxy'), d('rate-limits-proxy'), ...unpoliced].flatMap(dns),
      // the web pods and the warming Job are yours (no policy): anyone without a policy reaches the web pods
      ...unpoliced.map((f) => `${f} → ${d('web')} 8080/TCP`),
    ].sort();
    expect(t.allowed).toEqual(intended);
    expect(t.pods.map((p) => p.id).sort()).toEqual([
      ...['page-cache-shard', 'page-cache-proxy', 'rate-limits-shard', 'rate-limits-proxy', 'web', 'sessions-warm'].map(d), ...sessions,
      'kube-system/coredns', 'monitoring/prometheus', d('stranger'), 'other/outsider',
    ].sort());
    // eslint-disable-next-line no-console
    console.log(`sharded cache example, cyclonus ${cyclonusVersion()}: ${t.pods.length} pods, ${t.results.length} probes, ${t.allowed.length} allowed (the intended graph exactly)`);
  }, 120_000);
});
