// Tier 2: every hash twemproxy offers, modelled by TwemproxyHashing, against the real nutcracker 0.5: 3,000 keys
// written through nutcracker in front of three real redis servers sit exactly on the servers the model predicts.
// And the one hash the patterns refuse (crc32 with ketama) is shown to do what the refusal says.
import { createHash } from 'crypto';
import { TwemproxyConfig, TwemproxyHash, TwemproxyHashFunctions, TwemproxyHashing, TwemproxyProtocol } from '../../src';
import { allocHost, Daemon, redisKeys, redisPipeline, startNutcracker, startRedis } from '../harness/daemons';
import { stopAll } from '../harness/proc';

jest.setTimeout(300_000);
afterAll(() => stopAll());

const SERVERS = 3;
const KEYS = 3000;
// 3,000 distinct keys of 8 to 40 bytes (every tail path of hsieh, jenkins and murmur), a fifth of them with Cyrillic
// (multi-byte UTF-8, bytes ≥ 0x80 for the sign-extending hashes), plus 50 short keys of 1 to 7 bytes.
const keys = [
  ...Array.from({ length: KEYS }, (_, i) => {
    const id = `${i}:${createHash('md5').update(String(i)).digest('hex')}`;
    return (i % 5 === 0 ? `к${id}` : id).slice(0, 8 + (i % 33));
  }),
  ...Array.from({ length: 50 }, (_, i) => `${'abcdefg'.slice(0, 1 + (i % 7))}${String.fromCharCode(0x41 + Math.floor(i / 7))}`.slice(0, 1 + (i % 7))),
].filter((k, i, all) => all.indexOf(k) === i);

let shards: Daemon[] = [];
beforeAll(async () => {
  shards = await Promise.all(Array.from({ length: SERVERS }, () => startRedis({ host: allocHost(), port: 6379 })));
});

/** Writes every key through a nutcracker rendered for `hash`, returns the server name each key landed on. */
async function placements(hash: TwemproxyHash): Promise<Map<string, string>> {
  await Promise.all(shards.map((s) => redisPipeline(s.host, s.port, [['FLUSHALL']])));
  const yaml = TwemproxyConfig.render({
    pool: 'pool',
    listen: '0.0.0.0:22121',
    protocol: TwemproxyProtocol.REDIS,
    hash,
    servers: shards.map((s, i) => ({ host: s.host, port: s.port, name: `redis-${i}` })),
  });
  const proxy = await startNutcracker(yaml);
  try {
    const replies = await redisPipeline(proxy.host, proxy.port, keys.map((k) => ['SET', k, '1']));
    expect(replies.filter((r) => r !== '+OK')).toEqual([]);
  } finally {
    await proxy.proc.stop();
  }
  const where = new Map<string, string>();
  shards.forEach((s, i) => { for (const k of redisKeys(s)) where.set(k, `redis-${i}`); });
  return where;
}

const modelled = Object.values(TwemproxyHash).filter((h) => TwemproxyHashFunctions.ketamaProblem(h) === undefined);

describe('TwemproxyHashing against the real nutcracker, for every hash it models', () => {
  test('the model covers every hash twemproxy offers but crc32; at least 3,000 distinct keys are placed', () => {
    expect(keys.length).toBeGreaterThanOrEqual(KEYS);
    expect(modelled.sort()).toEqual(Object.values(TwemproxyHash).filter((h) => h !== TwemproxyHash.CRC32).sort());
  });

  test.each(modelled)('%s: 3,000 keys land where the model says', async (hash) => {
    const model = new TwemproxyHashing({ servers: shards.map((_, i) => ({ name: `redis-${i}` })), hash });
    const where = await placements(hash);
    expect(where.size).toBe(keys.length);
    const wrong = keys.filter((k) => where.get(k) !== model.serverFor(k));
    expect(wrong).toEqual([]);
    // and the keys are spread (no hash of these puts everything on one server)
    expect(new Set(where.values()).size).toBe(SERVERS);
  });

  test('crc32 with ketama: nutcracker puts every key on one server, which is why the patterns refuse it', async () => {
    const where = await placements(TwemproxyHash.CRC32);
    expect(where.size).toBe(keys.length);
    expect(new Set(where.values()).size).toBe(1);
    expect(TwemproxyHashFunctions.ketamaProblem(TwemproxyHash.CRC32)).toMatch(/nearly every key would land on one server/);
  });
});
