import { createHash } from 'crypto';
import { TwemproxyHash, TwemproxyHashFunctions, TwemproxyHashing } from '../../src';

const ring = (n: number, opts: { hash?: TwemproxyHash; hashTag?: string } = {}) =>
  new TwemproxyHashing({ servers: Array.from({ length: n }, (_, i) => ({ name: `redis-${i}` })), ...opts });

describe('TwemproxyHashing (ketama)', () => {
  test('160 points per server of equal weight', () => {
    for (const n of [1, 2, 3, 5, 7, 10, 64]) expect(ring(n).ringSize).toBe(160 * n);
  });

  test('shares sum to 1 and are near 1/N', () => {
    const shares = ring(5).shares();
    expect(shares.reduce((a, s) => a + s.fraction, 0)).toBeCloseTo(1, 12);
    for (const s of shares) {
      expect(s.points).toBe(160);
      expect(s.fraction).toBeGreaterThan(0.1);
      expect(s.fraction).toBeLessThan(0.3);
    }
  });

  test('the typed-array ring places every key where a plain reading of nc_ketama.c does (objects, linear scan)', () => {
    // GIVEN a reference ring built the obvious way: 40 MD5s per server, 4 little-endian points each, sorted
    for (const [n, hash] of [[3, TwemproxyHash.FNV1A_64], [7, TwemproxyHash.MURMUR], [64, TwemproxyHash.MD5]] as const) {
      const points: Array<{ value: number; index: number }> = [];
      for (let index = 0; index < n; index++) {
        for (let i = 0; i < 40; i++) {
          const d = createHash('md5').update(`redis-${index}-${i}`).digest();
          for (let x = 0; x < 4; x++) points.push({ value: d.readUInt32LE(4 * x), index });
        }
      }
      points.sort((a, b) => a.value - b.value || a.index - b.index);
      const reference = (h: number) => (points.find((p) => p.value >= h) ?? points[0]).index;
      // WHEN 5,000 keys (and the ring's edges) are placed by both
      const r = ring(n, { hash });
      const keys = [...Array.from({ length: 5000 }, (_, i) => `k:${i}:${i * 7919}`), 'a', 'zzzzzzzz'];
      // THEN they agree on every key
      for (const k of keys) expect(r.serverIndexFor(k)).toBe(reference(TwemproxyHashFunctions.hash(hash, k)));
      expect(reference(0)).toBe(points[0].index);
    }
  });

  test('keys longer than the reused buffer, and non-ASCII keys, hash as their UTF-8 bytes', () => {
    const r = ring(4);
    const long = 'é'.repeat(500) + 'x'.repeat(2000);
    expect(r.hashOf(long)).toBe(TwemproxyHashFunctions.hash(TwemproxyHash.FNV1A_64, long));
    expect(r.hashOf('short')).toBe(TwemproxyHashFunctions.hash(TwemproxyHash.FNV1A_64, 'short'));
    expect(r.hashOf('日本語')).toBe(TwemproxyHashFunctions.hash(TwemproxyHash.FNV1A_64, '日本語'));
  });

  test('placement is deterministic and matches the shares on a large sample (MD5: a uniform key hash)', () => {
    // fnv1a_64 as twemproxy computes it is a weak hash on sequential keys, so the sample check uses md5.
    const r = ring(3, { hash: TwemproxyHash.MD5 });
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.serverIndexFor(`key:${i}`)]++;
    const shares = r.shares();
    counts.forEach((c, i) => expect(Math.abs(c / 30000 - shares[i].fraction)).toBeLessThan(0.02));
    expect(ring(3).serverFor('key:1')).toBe(ring(3).serverFor('key:1'));
  });

  test('hash tags: keys sharing the tagged part share a server', () => {
    const r = ring(4, { hashTag: '{}' });
    const s = r.serverFor('{user:42}:profile');
    for (const k of ['{user:42}:cart', '{user:42}', 'x{user:42}y']) expect(r.serverFor(k)).toBe(s);
    expect(r.hashOf('{user:42}:cart')).toBe(r.hashOf('user:42'));
    // no closing tag, or an empty tag: the whole key is hashed
    expect(r.hashOf('{user:42')).toBe(r.hashOf('{user:42'));
    expect(r.hashOf('{}abc')).not.toBe(r.hashOf('abc'));
  });

  test('one server takes every key', () => {
    expect(ring(1).serverFor('anything')).toBe('redis-0');
  });

  test('growth 3→4 moves exactly the new server’s share; the plan is exact, not sampled', () => {
    const plan = TwemproxyHashing.planResize(ring(3), ring(4));
    const newShare = ring(4).shares()[3].fraction;
    expect(plan.movedFraction).toBeCloseTo(newShare, 12);
    expect(plan.floor).toBeCloseTo(0.25, 12);
    expect(plan.fromServers).toBe(3);
    expect(plan.toServers).toBe(4);
    // sampled check
    const a = ring(3);
    const b = ring(4);
    let moved = 0;
    for (let i = 0; i < 20000; i++) if (a.serverFor(`k${i}`) !== b.serverFor(`k${i}`)) moved++;
    expect(Math.abs(moved / 20000 - plan.movedFraction)).toBeLessThan(0.015);
  });

  test('shrinking 4→3 moves the removed server’s share; same ring → nothing moves', () => {
    expect(TwemproxyHashing.planResize(ring(4), ring(3)).movedFraction).toBeCloseTo(ring(4).shares()[3].fraction, 12);
    expect(TwemproxyHashing.planResize(ring(3), ring(3)).movedFraction).toBe(0);
  });

  test('modulo-style remapping would move far more: ketama stays near the floor', () => {
    for (const [n, m] of [[3, 4], [5, 6], [10, 11], [4, 8]]) {
      const plan = TwemproxyHashing.planResize(ring(n), ring(m));
      expect(plan.movedFraction).toBeLessThan(plan.floor * 1.6);
    }
  });

  test('fails when the pool is empty, names repeat, weights or tags are bad, or the hash is not modelled', () => {
    expect(() => new TwemproxyHashing({ servers: [] })).toThrow('a twemproxy pool needs at least one server');
    expect(() => new TwemproxyHashing({ servers: [{ name: 'a' }, { name: 'a' }] })).toThrow("server name 'a' appears twice");
    expect(() => new TwemproxyHashing({ servers: [{ name: 'a', weight: 0 }] })).toThrow("server 'a' weight must be a positive integer, got 0");
    expect(() => ring(2, { hashTag: '{' })).toThrow("hash tag must be two characters, got '{'");
    expect(() => ring(2, { hash: TwemproxyHash.CRC32 })).toThrow("hash 'crc32' gives 15-bit values (0–32767) and ketama's ring points are 32-bit: nearly every key would land on one server (use 'crc32a', the full CRC-32)");
  });
});
