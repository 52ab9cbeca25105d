// Tier 2: ShardedCache's nutcracker.yml run UNCHANGED by the real nutcracker in front of real memcached shards
// started with the StatefulSet's exact args; pod DNS names mapped to 127.0.0.x by nss_wrapper.
//
// The valkey engine is proven with the Debian redis-server (7.0): there is no Valkey package here, and Valkey is
// wire- and argument-compatible with redis (the shards get the same args; only the binary and image differ).
import { createHash } from 'crypto';
import * as net from 'net';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { CacheEngine, ShardedCache, ShardedCacheProps, TwemproxyHashing } from '../../src';
import { one, synthValid } from '../harness';
import { allocHost, Daemon, redisPipeline, startMemcached, startNutcracker, startRedis } from '../harness/daemons';
import { stopAll } from '../harness/proc';
import { runAuthRenderScript } from '../harness/twemproxy-auth';

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

const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${createHash('sha1').update(String(i)).digest('hex').slice(0, 16)}`);

describe('ShardedCache with the real nutcracker and memcached', () => {
  test('10,000 keys set through the shared proxy tier land exactly where the model predicts; a dead shard only loses its own keys', async () => {
    // GIVEN three memcached shards started with the StatefulSet's args, and the proxy-tier config unchanged
    const s = synth({ shards: 3 });
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
    const s3 = synth({ shards: 3 });
    const s4 = synth({ shards: 4 });
    const { hosts, shards } = await startShards(s4.config, s4.args);
    const all = keys(10_000);
    const placement = async (config: string) => {
      const proxy = await startNutcracker(config, { hosts });
      await setAll(proxy.host, proxy.port, all);
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
    const cache = new ShardedCache(chart, 'cache', { engine: CacheEngine.VALKEY, shards: 3, password: { secret, key: 'password' } });
    const objs = synthValid(chart);
    const config = one(objs, 'ConfigMap', 'cache-twemproxy').data['nutcracker.yml'] as string;
    expect(config).not.toContain(password);
    const shard = one(objs, 'StatefulSet', 'cache-shard').spec.template.spec.containers[0];
    expect(shard.command).toEqual(['valkey-server']);
    const init = one(objs, 'Deployment', 'cache-proxy').spec.template.spec.initContainers[0];
    // WHEN the proxy pod's init script runs, and the shards start with the args kubelet expands, run by redis-server
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
      const args = (shard.args as string[]).map((a) => a.replace('$(REDIS_PASSWORD)', password)).map((a) => (a === '/data' ? '.' : a));
      shards.set(name, await startRedis({ host: hosts[host], port: Number(port), args }));
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
});
