import { createHash } from 'crypto';
import { TwemproxyHash, TwemproxyHashFunctions } from './hash-functions';

/**
 * One server of a twemproxy pool, as the ring sees it.
 */
export interface KetamaServer {
  /**
   * The server's name: the `name` after its address in the `servers:` list, or, without one, `host` when the port
   * is 11211 and `host:port` otherwise (twemproxy keeps libmemcached's convention).
   */
  readonly name: string;
  /**
   * The server's weight.
   *
   * @default 1
   */
  readonly weight?: number;
}

/**
 * Options for `TwemproxyHashing`.
 */
export interface TwemproxyHashingOptions {
  /** The pool's servers, in the order of the `servers:` list. */
  readonly servers: KetamaServer[];
  /**
   * The pool's hash function.
   *
   * @default TwemproxyHash.FNV1A_64
   */
  readonly hash?: TwemproxyHash;
  /**
   * The pool's `hash_tag`: two characters; when a key holds both, only the part between them is hashed.
   *
   * @default - the whole key is hashed
   */
  readonly hashTag?: string;
}

/**
 * The share of the hash space one server owns.
 */
export interface KeyspaceShare {
  /** The server's name. */
  readonly name: string;
  /** The fraction of the 32-bit hash space that maps to it (0–1). */
  readonly fraction: number;
  /** The number of points it has on the ring. */
  readonly points: number;
}

/**
 * What a resize from one pool to another does to the keys.
 */
export interface ResizePlan {
  /** Servers before. */
  readonly fromServers: number;
  /** Servers after. */
  readonly toServers: number;
  /**
   * The fraction of the hash space (and so of uniformly hashed keys) whose server changes: exact, from the two
   * rings, not sampled. For a cache, the expected fraction of misses right after the resize.
   */
  readonly movedFraction: number;
  /**
   * The least any scheme can move: `1 − from/to` when growing, `1 − to/from` when shrinking (the keys of the
   * added or removed servers).
   */
  readonly floor: number;
}

interface Point {
  readonly value: number;
  readonly index: number;
}

const POINTS_PER_SERVER = 160;
const POINTS_PER_HASH = 4;
const TWO_32 = 2 ** 32;

/* eslint-disable no-bitwise */
function ketamaHash(key: string, alignment: number): number {
  const d = createHash('md5').update(Buffer.from(key, 'utf8')).digest();
  const o = alignment * 4;
  return ((d[3 + o] << 24) | (d[2 + o] << 16) | (d[1 + o] << 8) | d[o]) >>> 0;
}
/* eslint-enable no-bitwise */

/**
 * twemproxy's ketama consistent-hash ring (nutcracker 0.5 `nc_ketama.c`), exactly: 160 points per server of equal
 * weight, each 4 from one MD5 of `<name>-<i>`, float32 arithmetic for the per-server point count, lookup by
 * binary search for the first point ≥ the key's hash, wrapping to the first point.
 *
 * Used for key placement (`serverFor`), keyspace shares and resize plans. Ejected servers are not modelled:
 * twemproxy rebuilds the ring without them, which is the same as a ring of the remaining servers.
 */
export class TwemproxyHashing {
  /**
   * The resize plan from pool `from` to pool `to` (same hash function): the exact fraction of the hash space
   * whose server changes, and the floor `1 − N/M`.
   */
  public static planResize(from: TwemproxyHashing, to: TwemproxyHashing): ResizePlan {
    const n = from.servers.length;
    const m = to.servers.length;
    // Walk the union of both rings' boundaries; each arc between consecutive boundaries has one owner per ring.
    const cuts = [...new Set([...from.points.map((p) => p.value), ...to.points.map((p) => p.value)])].sort((a, b) => a - b);
    let moved = 0;
    let prev = -1;
    for (const c of cuts) {
      // The arc (prev, c] is owned by the first point ≥ c in each ring.
      if (from.ownerName(c) !== to.ownerName(c)) moved += c - prev;
      prev = c;
    }
    // The wrap-around arc (last cut, 2^32) belongs to each ring's first point.
    if (from.ownerName(TWO_32 - 1) !== to.ownerName(TWO_32 - 1)) moved += TWO_32 - 1 - prev;
    return {
      fromServers: n,
      toServers: m,
      movedFraction: moved / TWO_32,
      floor: m >= n ? 1 - n / m : 1 - m / n,
    };
  }

  /** The servers, in pool order. */
  public readonly servers: KetamaServer[];
  /** The hash function. */
  public readonly hash: TwemproxyHash;
  /** The hash tag, if any. */
  public readonly hashTag?: string;
  private readonly points: Point[];

  /**
   * @param options the pool: its servers in `servers:` order, hash function and hash tag
   */
  constructor(options: TwemproxyHashingOptions) {
    if (options.servers.length === 0) throw new Error('a twemproxy pool needs at least one server');
    const names = new Set<string>();
    for (const s of options.servers) {
      if (names.has(s.name)) throw new Error(`server name '${s.name}' appears twice: twemproxy's ring needs distinct names`);
      names.add(s.name);
      const w = s.weight ?? 1;
      if (!Number.isInteger(w) || w < 1) throw new Error(`server '${s.name}' weight must be a positive integer, got ${w}`);
    }
    if (options.hashTag !== undefined && [...options.hashTag].length !== 2) {
      throw new Error(`hash tag must be two characters, got '${options.hashTag}'`);
    }
    this.servers = options.servers.map((s) => ({ name: s.name, weight: s.weight ?? 1 }));
    this.hash = options.hash ?? TwemproxyHash.FNV1A_64;
    if (!TwemproxyHashFunctions.isModelled(this.hash)) {
      throw new Error(`hash '${this.hash}' is not modelled; the model covers ${TwemproxyHash.FNV1A_64}, ${TwemproxyHash.FNV1_64}, ${TwemproxyHash.FNV1A_32}, ${TwemproxyHash.FNV1_32}, ${TwemproxyHash.MD5}, ${TwemproxyHash.CRC16}, ${TwemproxyHash.CRC32}, ${TwemproxyHash.CRC32A}, ${TwemproxyHash.ONE_AT_A_TIME}, ${TwemproxyHash.MURMUR}`);
    }
    this.hashTag = options.hashTag;
    this.points = this.build();
  }

  /** The index (in pool order) of the server `key` lands on. */
  public serverIndexFor(key: string): number {
    if (this.servers.length === 1) return 0;
    const bytes = this.hashedPart(Buffer.from(key, 'utf8'));
    if (bytes.length === 0) return 0;
    return this.dispatch(TwemproxyHashFunctions._hashBytes(this.hash, bytes));
  }

  /** The name of the server `key` lands on. */
  public serverFor(key: string): string {
    return this.servers[this.serverIndexFor(key)].name;
  }

  /** The 32-bit hash twemproxy computes for `key` (after applying the hash tag). */
  public hashOf(key: string): number {
    return TwemproxyHashFunctions._hashBytes(this.hash, this.hashedPart(Buffer.from(key, 'utf8')));
  }

  /** The exact share of the hash space each server owns, in pool order. */
  public shares(): KeyspaceShare[] {
    const owned = new Array<number>(this.servers.length).fill(0);
    const count = new Array<number>(this.servers.length).fill(0);
    let prev = -1;
    for (const p of this.points) {
      owned[p.index] += p.value - prev;
      count[p.index]++;
      prev = p.value;
    }
    owned[this.points[0].index] += TWO_32 - 1 - prev;
    return this.servers.map((s, i) => ({ name: s.name, fraction: owned[i] / TWO_32, points: count[i] }));
  }

  /** The number of points on the ring. */
  public get ringSize(): number {
    return this.points.length;
  }

  private ownerName(hash: number): string {
    return this.servers[this.dispatch(hash)].name;
  }

  private hashedPart(key: Buffer): Buffer {
    if (this.hashTag === undefined) return key;
    const [open, close] = [...this.hashTag].map((c) => Buffer.from(c, 'utf8')[0]);
    const start = key.indexOf(open);
    if (start < 0) return key;
    const end = key.indexOf(close, start + 1);
    if (end < 0 || end - start <= 1) return key;
    return key.subarray(start + 1, end);
  }

  private build(): Point[] {
    const n = this.servers.length;
    const total = this.servers.reduce((a, s) => a + (s.weight ?? 1), 0);
    const points: Point[] = [];
    this.servers.forEach((s, index) => {
      // float pct = (float)weight / (float)total_weight;
      // pointer_per_server = (uint32_t)((floorf((float)(pct * 160 / 4 * (float)n + 0.0000000001))) * 4);
      const pct = Math.fround(Math.fround(s.weight ?? 1) / Math.fround(total));
      const f = Math.fround(Math.fround(Math.fround(Math.fround(pct * POINTS_PER_SERVER) / 4) * Math.fround(n)));
      const perServer = Math.floor(Math.fround(f + 0.0000000001)) * 4;
      for (let i = 1; i <= perServer / POINTS_PER_HASH; i++) {
        const host = `${s.name}-${i - 1}`;
        for (let x = 0; x < POINTS_PER_HASH; x++) points.push({ value: ketamaHash(host, x), index });
      }
    });
    // qsort by value; ties (astronomically rare) are ordered by server index here.
    return points.sort((a, b) => a.value - b.value || a.index - b.index);
  }

  private dispatch(hash: number): number {
    let left = 0;
    let right = this.points.length;
    while (left < right) {
      const middle = left + Math.floor((right - left) / 2);
      if (this.points[middle].value < hash) left = middle + 1;
      else right = middle;
    }
    return this.points[right === this.points.length ? 0 : right].index;
  }
}
