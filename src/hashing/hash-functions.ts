import { createHash } from 'crypto';
import { hsieh, lookup3 } from './_hashkit';

/**
 * The hash functions twemproxy (nutcracker 0.5) offers for a pool's `hash:` setting.
 *
 * @see https://github.com/twitter/twemproxy/blob/master/notes/recommendation.md
 */
export enum TwemproxyHash {
  /** `one_at_a_time` (Jenkins one-at-a-time). */
  ONE_AT_A_TIME = 'one_at_a_time',
  /** `md5`: the first 4 bytes of the MD5 digest, little-endian. */
  MD5 = 'md5',
  /**
   * `crc16`: the CCITT/XMODEM table, but nutcracker 0.5 keeps the sum in a 32-bit accumulator and never masks it
   * to 16 bits, so keys of more than two bytes hash to 32-bit values (modelled exactly).
   */
  CRC16 = 'crc16',
  /**
   * `crc32`: libmemcached's 15-bit variant of CRC-32 (0–32767). With `ketama` every key lands on one server
   * (the ring's points are 32-bit), so the patterns reject it; use `crc32a`.
   */
  CRC32 = 'crc32',
  /** `crc32a`: the full 32-bit CRC-32. */
  CRC32A = 'crc32a',
  /** `fnv1_64`: FNV-1 64-bit, truncated to 32 bits. */
  FNV1_64 = 'fnv1_64',
  /** `fnv1a_64`: twemproxy's FNV-1a "64" (32-bit arithmetic with the 64-bit constants truncated). The default. */
  FNV1A_64 = 'fnv1a_64',
  /** `fnv1_32`: FNV-1 32-bit. */
  FNV1_32 = 'fnv1_32',
  /** `fnv1a_32`: FNV-1a 32-bit. */
  FNV1A_32 = 'fnv1a_32',
  /** `hsieh`: Paul Hsieh's SuperFastHash (with the C `char` sign extension of its 3-byte tail). */
  HSIEH = 'hsieh',
  /** `murmur`: MurmurHash2 with twemproxy's seed (`0xdeadbeef * length`). */
  MURMUR = 'murmur',
  /** `jenkins`: Bob Jenkins' lookup3 `hashlittle` with initval 13. */
  JENKINS = 'jenkins',
}

/* eslint-disable no-bitwise */

/** C `char` is signed on x86-64: twemproxy's loops sign-extend bytes ≥ 0x80. */
function signExtend32(b: number): number {
  return (b & 0x80 ? b | 0xffffff00 : b) >>> 0;
}

function fnv1a64(key: Uint8Array, n: number): number {
  let hash = 0x84222325; // (uint32_t) 0xcbf29ce484222325
  for (let j = 0; j < n; j++) {
    const b = key[j];
    hash = (hash ^ signExtend32(b)) >>> 0;
    hash = Math.imul(hash, 0x1b3) >>> 0; // (uint32_t) 0x100000001b3
  }
  return hash;
}

function fnv1_64(key: Uint8Array, n: number): number {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let j = 0; j < n; j++) {
    const b = key[j];
    hash = (hash * prime) & mask;
    hash ^= b & 0x80 ? (BigInt(b) | 0xffffffffffffff00n) : BigInt(b);
  }
  return Number(hash & 0xffffffffn);
}

function fnv1_32(key: Uint8Array, n: number): number {
  let hash = 0x811c9dc5;
  for (let j = 0; j < n; j++) {
    const b = key[j];
    hash = Math.imul(hash, 0x01000193) >>> 0;
    hash = (hash ^ signExtend32(b)) >>> 0;
  }
  return hash;
}

function fnv1a32(key: Uint8Array, n: number): number {
  let hash = 0x811c9dc5;
  for (let j = 0; j < n; j++) {
    const b = key[j];
    hash = (hash ^ signExtend32(b)) >>> 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function md5(key: Uint8Array, n: number): number {
  const d = createHash('md5').update(n === key.length ? key : key.subarray(0, n)).digest();
  return ((d[3] << 24) | (d[2] << 16) | (d[1] << 8) | d[0]) >>> 0;
}

let crc32Table: Uint32Array | undefined;
function crc32Raw(key: Uint8Array, n: number): number {
  if (!crc32Table) {
    crc32Table = new Uint32Array(256);
    for (let t = 0; t < 256; t++) {
      let c = t;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crc32Table[t] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let j = 0; j < n; j++) crc = (crc >>> 8) ^ crc32Table[(crc ^ key[j]) & 0xff];
  return (~crc) >>> 0;
}

let crc16Table: Uint16Array | undefined;
function crc16(key: Uint8Array, n: number): number {
  if (!crc16Table) {
    crc16Table = new Uint16Array(256);
    for (let t = 0; t < 256; t++) {
      let c = t << 8;
      for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
      crc16Table[t] = c;
    }
  }
  // nutcracker 0.5: `uint32_t crc = 0; crc = (crc << 8) ^ crc16tab[((crc >> 8) ^ *key++) & 0x00FF];` — a 32-bit
  // accumulator that is never masked to 16 bits (the char's sign extension is masked off by `& 0xff`).
  let crc = 0;
  for (let j = 0; j < n; j++) crc = ((crc << 8) ^ crc16Table[((crc >>> 8) ^ key[j]) & 0xff]) >>> 0;
  return crc;
}

function oneAtATime(key: Uint8Array, n: number): number {
  let value = 0;
  for (let j = 0; j < n; j++) {
    const b = key[j];
    value = (value + signExtend32(b)) >>> 0;
    value = (value + (value << 10)) >>> 0;
    value = (value ^ (value >>> 6)) >>> 0;
  }
  value = (value + (value << 3)) >>> 0;
  value = (value ^ (value >>> 11)) >>> 0;
  value = (value + (value << 15)) >>> 0;
  return value;
}

function murmur(key: Uint8Array, n: number): number {
  const m = 0x5bd1e995;
  let length = n;
  const seed = Math.imul(0xdeadbeef, length) >>> 0;
  let h = (seed ^ length) >>> 0;
  let i = 0;
  while (length >= 4) {
    let k = (key[i] | (key[i + 1] << 8) | (key[i + 2] << 16) | (key[i + 3] << 24)) >>> 0;
    k = Math.imul(k, m) >>> 0;
    k = (k ^ (k >>> 24)) >>> 0;
    k = Math.imul(k, m) >>> 0;
    h = Math.imul(h, m) >>> 0;
    h = (h ^ k) >>> 0;
    i += 4;
    length -= 4;
  }
  // The C code's fall-through switch on the 1-3 tail bytes.
  if (length >= 3) h = (h ^ (key[i + 2] << 16)) >>> 0;
  if (length >= 2) h = (h ^ (key[i + 1] << 8)) >>> 0;
  if (length >= 1) {
    h = (h ^ key[i]) >>> 0;
    h = Math.imul(h, m) >>> 0;
  }
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, m) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  return h;
}

/* eslint-enable no-bitwise */

const IMPLEMENTED: { [name: string]: (key: Uint8Array, n: number) => number } = {
  [TwemproxyHash.FNV1A_64]: fnv1a64,
  [TwemproxyHash.FNV1_64]: fnv1_64,
  [TwemproxyHash.FNV1_32]: fnv1_32,
  [TwemproxyHash.FNV1A_32]: fnv1a32,
  [TwemproxyHash.MD5]: md5,
  [TwemproxyHash.CRC16]: crc16,
  [TwemproxyHash.CRC32]: (key, n) => ((crc32Raw(key, n) >>> 16) & 0x7fff), // eslint-disable-line no-bitwise
  [TwemproxyHash.CRC32A]: crc32Raw,
  [TwemproxyHash.ONE_AT_A_TIME]: oneAtATime,
  [TwemproxyHash.MURMUR]: murmur,
  [TwemproxyHash.HSIEH]: hsieh,
  [TwemproxyHash.JENKINS]: (key, n) => lookup3(key, n, 13),
};

/** Hashes whose values are narrower than 32 bits, by their width in bits. */
const NARROW: { [name: string]: number } = { [TwemproxyHash.CRC32]: 15 };

/**
 * twemproxy's key hash functions, bit for bit (nutcracker 0.5 `src/hashkit/`), on the key's UTF-8 bytes.
 */
export class TwemproxyHashFunctions {
  /** True when `TwemproxyHashFunctions.hash` implements `fn` bit for bit (every hash twemproxy 0.5 offers). */
  public static isModelled(fn: TwemproxyHash): boolean {
    return IMPLEMENTED[fn] !== undefined;
  }

  /** The width of `fn`'s values in bits: 32, except `crc32` (15). */
  public static bits(fn: TwemproxyHash): number {
    return NARROW[fn] ?? 32;
  }

  /**
   * Why `fn` cannot place keys on a ketama ring, or undefined when it can. The ring's points are 32-bit MD5
   * values and a key goes to the first point at or after its hash: a hash narrower than 32 bits puts (almost)
   * every key on the server that owns the ring's first point.
   */
  public static ketamaProblem(fn: TwemproxyHash): string | undefined {
    if (IMPLEMENTED[fn] === undefined) return `'${fn}' is not a twemproxy hash (one of ${TwemproxyHashFunctions.names().join(', ')})`;
    const bits = TwemproxyHashFunctions.bits(fn);
    if (bits >= 32) return undefined;
    return `'${fn}' gives ${bits}-bit values (0–${2 ** bits - 1}) and ketama's ring points are 32-bit: nearly every key would land on one server (use '${TwemproxyHash.CRC32A}', the full CRC-32)`;
  }

  /**
   * The 32-bit hash twemproxy computes for `key` with `fn`.
   */
  public static hash(fn: TwemproxyHash, key: string): number {
    return TwemproxyHashFunctions._hashBytes(fn, Buffer.from(key, 'utf8'));
  }

  /** @internal */
  public static _hashBytes(fn: TwemproxyHash, key: Uint8Array): number {
    return TwemproxyHashFunctions._function(fn)(key, key.length);
  }

  /** @internal */
  public static _function(fn: TwemproxyHash): (key: Uint8Array, length: number) => number {
    const f = IMPLEMENTED[fn];
    if (!f) throw new Error(`'${fn}' is not a twemproxy hash (one of ${TwemproxyHashFunctions.names().join(', ')})`);
    return f;
  }

  /** Every hash name twemproxy accepts, for error messages. */
  public static names(): string[] {
    return Object.values(TwemproxyHash);
  }
}
