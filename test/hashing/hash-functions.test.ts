/* eslint-disable no-bitwise */
import { TwemproxyHash, TwemproxyHashFunctions } from '../../src';

const h = (fn: TwemproxyHash, key: string) => TwemproxyHashFunctions.hash(fn, key);

describe('twemproxy hash functions against published test vectors', () => {
  test('FNV-1a 32 (Fowler/Noll/Vo reference vectors)', () => {
    expect(h(TwemproxyHash.FNV1A_32, '')).toBe(0x811c9dc5);
    expect(h(TwemproxyHash.FNV1A_32, 'a')).toBe(0xe40c292c);
    expect(h(TwemproxyHash.FNV1A_32, 'foobar')).toBe(0xbf9cf968);
  });

  test('FNV-1 32', () => {
    expect(h(TwemproxyHash.FNV1_32, 'a')).toBe(0x050c5d7e);
    expect(h(TwemproxyHash.FNV1_32, 'foobar')).toBe(0x31f0b262);
  });

  test('FNV-1 64, truncated to its low 32 bits as twemproxy returns it', () => {
    // reference: fnv1_64("a") = 0xaf63bd4c8601b7be, fnv1_64("foobar") = 0x340d8765a4dda9c2
    expect(h(TwemproxyHash.FNV1_64, 'a')).toBe(0x8601b7be);
    expect(h(TwemproxyHash.FNV1_64, 'foobar')).toBe(0xa4dda9c2);
  });

  test('twemproxy fnv1a_64 is 32-bit FNV-1a with the 64-bit offset basis and prime truncated', () => {
    // hash = 0x84222325; per byte: hash ^= b; hash *= 0x1b3 (mod 2^32) — not the reference FNV-1a 64.
    let expected = 0x84222325;
    for (const b of Buffer.from('foobar')) expected = Math.imul((expected ^ b) >>> 0, 0x1b3) >>> 0;
    expect(h(TwemproxyHash.FNV1A_64, 'foobar')).toBe(expected);
    expect(h(TwemproxyHash.FNV1A_64, '')).toBe(0x84222325);
  });

  test('MD5: the first four digest bytes, little-endian (RFC 1321 vector)', () => {
    // md5("") = d41d8cd98f00b204e9800998ecf8427e
    expect(h(TwemproxyHash.MD5, '')).toBe(0xd98c1dd4);
    // md5("abc") = 900150983cd24fb0d6963f7d28e17f72
    expect(h(TwemproxyHash.MD5, 'abc')).toBe(0x98500190);
  });

  test('CRC-32 check value, its 15-bit crc32 variant, and CRC-16/XMODEM', () => {
    expect(h(TwemproxyHash.CRC32A, '123456789')).toBe(0xcbf43926);
    expect(h(TwemproxyHash.CRC32, '123456789')).toBe((0xcbf43926 >>> 16) & 0x7fff);
    expect(h(TwemproxyHash.CRC16, '123456789')).toBe(0x31c3);
  });

  test('Jenkins one-at-a-time', () => {
    expect(h(TwemproxyHash.ONE_AT_A_TIME, 'a')).toBe(0xca2e9442);
    expect(h(TwemproxyHash.ONE_AT_A_TIME, 'The quick brown fox jumps over the lazy dog')).toBe(0x519e91f5);
  });

  test('murmur: MurmurHash2 with seed 0xdeadbeef × length (tail bytes handled)', () => {
    // Reference MurmurHash2 computed step by step for "abcde" (one block + 1 tail byte).
    const m = 0x5bd1e995;
    const key = Buffer.from('abcde');
    let hh = ((Math.imul(0xdeadbeef, 5) >>> 0) ^ 5) >>> 0;
    let k = key.readUInt32LE(0);
    k = Math.imul(k, m) >>> 0; k = (k ^ (k >>> 24)) >>> 0; k = Math.imul(k, m) >>> 0;
    hh = Math.imul(hh, m) >>> 0; hh = (hh ^ k) >>> 0;
    hh = (hh ^ key[4]) >>> 0; hh = Math.imul(hh, m) >>> 0;
    hh = (hh ^ (hh >>> 13)) >>> 0; hh = Math.imul(hh, m) >>> 0; hh = (hh ^ (hh >>> 15)) >>> 0;
    expect(h(TwemproxyHash.MURMUR, 'abcde')).toBe(hh);
    expect(new Set(['', 'a', 'ab', 'abc', 'abcd'].map((s) => h(TwemproxyHash.MURMUR, s))).size).toBe(5);
  });

  test('bytes ≥ 0x80 are sign-extended as C char is on x86-64', () => {
    // fnv1a_32 of "é" (0xc3 0xa9) with sign extension differs from the unsigned reference 0x5e6a5f6c... only in
    // the xor of the high bits, which the multiply then spreads: check against a hand computation.
    let x = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) x = Math.imul((x ^ ((b | 0xffffff00) >>> 0)) >>> 0, 0x01000193) >>> 0;
    expect(h(TwemproxyHash.FNV1A_32, 'é')).toBe(x);
  });

  test('hsieh and jenkins are named but not modelled', () => {
    expect(TwemproxyHashFunctions.isModelled(TwemproxyHash.HSIEH)).toBe(false);
    expect(TwemproxyHashFunctions.isModelled(TwemproxyHash.FNV1A_64)).toBe(true);
    expect(() => h(TwemproxyHash.JENKINS, 'a')).toThrow(/hash 'jenkins' is not modelled/);
    expect(TwemproxyHashFunctions.names()).toHaveLength(12);
  });
});
