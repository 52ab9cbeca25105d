/* eslint-disable no-bitwise */
import { TwemproxyHash, TwemproxyHashFunctions } from '../../src';
import { hsieh, lookup3 } from '../../src/hashing/_hashkit';

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

  test('CRC-32 check value and its 15-bit crc32 variant', () => {
    expect(h(TwemproxyHash.CRC32A, '123456789')).toBe(0xcbf43926);
    expect(h(TwemproxyHash.CRC32, '123456789')).toBe((0xcbf43926 >>> 16) & 0x7fff);
    expect(TwemproxyHashFunctions.bits(TwemproxyHash.CRC32)).toBe(15);
    expect(TwemproxyHashFunctions.bits(TwemproxyHash.CRC32A)).toBe(32);
  });

  test('crc16: CRC-16/XMODEM for one byte, then a 32-bit accumulator that nutcracker never masks', () => {
    // One byte: the CRC-16/XMODEM of 'a' (0x7c87). Longer keys keep shifting left without `& 0xffff`.
    expect(h(TwemproxyHash.CRC16, 'a')).toBe(0x7c87);
    const table = (n: number) => {
      let c = n << 8;
      for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
      return c;
    };
    let crc = 0;
    for (const b of Buffer.from('123456789')) crc = ((crc << 8) ^ table(((crc >>> 8) ^ b) & 0xff)) >>> 0;
    expect(h(TwemproxyHash.CRC16, '123456789')).toBe(crc);
    expect(crc).toBeGreaterThan(0xffff); // not the 16-bit check value 0x31c3
  });

  test('jenkins: lookup3 hashlittle, against Bob Jenkins\' published vectors, with twemproxy\'s initval 13', () => {
    // lookup3.c driver5: hashlittle("", 0, 0) = 0xdeadbeef; "Four score and seven years ago" with 0 and 1.
    expect(lookup3(Buffer.from(''), 0, 0)).toBe(0xdeadbeef);
    expect(lookup3(Buffer.from('Four score and seven years ago'), 30, 0)).toBe(0x17770551);
    expect(lookup3(Buffer.from('Four score and seven years ago'), 30, 1)).toBe(0xcd628161);
    expect(h(TwemproxyHash.JENKINS, 'Four score and seven years ago')).toBe(lookup3(Buffer.from('Four score and seven years ago'), 30, 13));
    // every tail length 0–24 takes its own path through the last block
    expect(new Set(Array.from({ length: 25 }, (_, n) => h(TwemproxyHash.JENKINS, 'x'.repeat(n)))).size).toBe(25);
  });

  test('hsieh: SuperFastHash, every tail length, and the sign extension of its 3-byte tail', () => {
    expect(h(TwemproxyHash.HSIEH, '')).toBe(0);
    expect(new Set(Array.from({ length: 12 }, (_, n) => h(TwemproxyHash.HSIEH, 'y'.repeat(n + 1)))).size).toBe(12);
    // The 3-byte path by hand for [0x61, 0x62, 0xe9]: `(uint32_t)key[2] << 18` sign-extends the C char 0xe9.
    const byHand = (third: number) => {
      let x = 0x6261; // get16bits: key[0] + (key[1] << 8)
      x = (x ^ (x << 16)) >>> 0;
      x = (x ^ (third << 18)) >>> 0;
      x = (x + (x >>> 11)) >>> 0;
      x = (x ^ (x << 3)) >>> 0; x = (x + (x >>> 5)) >>> 0; x = (x ^ (x << 4)) >>> 0;
      x = (x + (x >>> 17)) >>> 0; x = (x ^ (x << 25)) >>> 0; x = (x + (x >>> 6)) >>> 0;
      return x;
    };
    expect(hsieh(Buffer.from([0x61, 0x62, 0xe9]))).toBe(byHand(0xffffffe9));
    expect(hsieh(Buffer.from([0x61, 0x62, 0xe9]))).not.toBe(byHand(0xe9));
    expect(hsieh(Buffer.from([0x61, 0x62, 0x69]))).toBe(byHand(0x69));
  });

  test('every hash twemproxy offers is modelled; a narrow one is refused for ketama with the reason', () => {
    for (const fn of Object.values(TwemproxyHash)) expect(TwemproxyHashFunctions.isModelled(fn)).toBe(true);
    expect(TwemproxyHashFunctions.names()).toHaveLength(12);
    expect(TwemproxyHashFunctions.ketamaProblem(TwemproxyHash.FNV1A_64)).toBeUndefined();
    expect(TwemproxyHashFunctions.ketamaProblem(TwemproxyHash.CRC32)).toBe("'crc32' gives 15-bit values (0–32767) and ketama's ring points are 32-bit: nearly every key would land on one server (use 'crc32a', the full CRC-32)");
    expect(TwemproxyHashFunctions.ketamaProblem('sha1' as TwemproxyHash)).toMatch(/^'sha1' is not a twemproxy hash \(one of one_at_a_time, md5/);
    expect(() => h('sha1' as TwemproxyHash, 'a')).toThrow(/'sha1' is not a twemproxy hash/);
  });
});
