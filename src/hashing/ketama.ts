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

const POINTS_PER_SERVER = 160;
const POINTS_PER_HASH = 4;
const TWO_32 = 2 ** 32;
const TWO_16 = 2 ** 16;
const MAX_SERVERS = TWO_16;

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
    const cuts = [...new Set([...from.values, ...to.values])].sort((a, b) => a - b);
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
  /** The ring: point values in ascending order, and the server index of each point (typed arrays). */
  private readonly values: Uint32Array;
  private readonly owners: Uint16Array;
  private readonly hashFn: (key: Uint8Array, length: number) => number;
  private readonly tag?: readonly [number, number];
  /** A reused buffer for a key's UTF-8 bytes, so a lookup allocates nothing for keys up to its size. */
  private scratch = Buffer.alloc(256);

  /**
   * @param options the pool: its servers in `servers:` order, hash function and hash tag
   */
  constructor(options: TwemproxyHashingOptions) {
    if (options.servers.length === 0) throw new Error('a twemproxy pool needs at least one server');
    if (options.servers.length > MAX_SERVERS) throw new Error(`a twemproxy pool of this model has at most ${MAX_SERVERS} servers, got ${options.servers.length}`);
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
    const problem = TwemproxyHashFunctions.ketamaProblem(this.hash);
    if (problem !== undefined) throw new Error(`hash ${problem}`);
    this.hashFn = TwemproxyHashFunctions._function(this.hash);
    this.hashTag = options.hashTag;
    if (options.hashTag !== undefined) {
      const [open, close] = [...options.hashTag].map((c) => Buffer.from(c, 'utf8')[0]);
      this.tag = [open, close];
    }
    [this.values, this.owners] = this.build();
  }

  /** The index (in pool order) of the server `key` lands on. */
  public serverIndexFor(key: string): number {
    if (this.servers.length === 1) return 0;
    const n = this.encode(key);
    if (this.tag === undefined) return n === 0 ? 0 : this.dispatch(this.hashFn(this.scratch, n));
    const part = this.hashedPart(this.scratch.subarray(0, n));
    return part.length === 0 ? 0 : this.dispatch(this.hashFn(part, part.length));
  }

  /** The name of the server `key` lands on. */
  public serverFor(key: string): string {
    return this.servers[this.serverIndexFor(key)].name;
  }

  /** The 32-bit hash twemproxy computes for `key` (after applying the hash tag). */
  public hashOf(key: string): number {
    const n = this.encode(key); // first: encoding may replace the scratch buffer
    const part = this.hashedPart(this.scratch.subarray(0, n));
    return this.hashFn(part, part.length);
  }

  /** The exact share of the hash space each server owns, in pool order. */
  public shares(): KeyspaceShare[] {
    const owned = new Array<number>(this.servers.length).fill(0);
    const count = new Array<number>(this.servers.length).fill(0);
    let prev = -1;
    for (let i = 0; i < this.values.length; i++) {
      owned[this.owners[i]] += this.values[i] - prev;
      count[this.owners[i]]++;
      prev = this.values[i];
    }
    owned[this.owners[0]] += TWO_32 - 1 - prev;
    return this.servers.map((s, i) => ({ name: s.name, fraction: owned[i] / TWO_32, points: count[i] }));
  }

  /** The number of points on the ring. */
  public get ringSize(): number {
    return this.values.length;
  }

  private ownerName(hash: number): string {
    return this.servers[this.dispatch(hash)].name;
  }

  /** Writes the key's UTF-8 bytes to the reused scratch buffer (grown when a key does not fit); their count. */
  private encode(key: string): number {
    // A UTF-8 encoding has at most 3 bytes per UTF-16 code unit.
    if (key.length * 3 > this.scratch.length) this.scratch = Buffer.alloc(Math.max(key.length * 3, this.scratch.length * 2));
    return this.scratch.write(key, 0, 'utf8');
  }

  private hashedPart(key: Uint8Array): Uint8Array {
    if (this.tag === undefined) return key;
    const [open, close] = this.tag;
    const start = key.indexOf(open);
    if (start < 0) return key;
    const end = key.indexOf(close, start + 1);
    if (end < 0 || end - start <= 1) return key;
    return key.subarray(start + 1, end);
  }

  private build(): [Uint32Array, Uint16Array] {
    const n = this.servers.length;
    const total = this.servers.reduce((a, s) => a + (s.weight ?? 1), 0);
    // Each point as one float64, value × 2^16 + server index (< 2^48: exact), so one numeric sort orders the ring
    // by value and ties (astronomically rare) by server index, without an object per point.
    const keys: number[] = [];
    this.servers.forEach((s, index) => {
      // float pct = (float)weight / (float)total_weight;
      // pointer_per_server = (uint32_t)((floorf((float)(pct * 160 / 4 * (float)n + 0.0000000001))) * 4);
      const pct = Math.fround(Math.fround(s.weight ?? 1) / Math.fround(total));
      const f = Math.fround(Math.fround(Math.fround(Math.fround(pct * POINTS_PER_SERVER) / 4) * Math.fround(n)));
      const perServer = Math.floor(Math.fround(f + 0.0000000001)) * 4;
      for (let i = 1; i <= perServer / POINTS_PER_HASH; i++) {
        const d = createHash('md5').update(`${s.name}-${i - 1}`, 'utf8').digest();
        for (let x = 0; x < POINTS_PER_HASH; x++) keys.push(d.readUInt32LE(x * 4) * TWO_16 + index);
      }
    });
    const sorted = Float64Array.from(keys).sort();
    const values = new Uint32Array(sorted.length);
    const owners = new Uint16Array(sorted.length);
    for (let i = 0; i < sorted.length; i++) {
      owners[i] = sorted[i] % TWO_16;
      values[i] = (sorted[i] - owners[i]) / TWO_16;
    }
    return [values, owners];
  }

  /** The server of the first point ≥ `hash` (wrapping to the first point): a branch-free binary search. */
  private dispatch(hash: number): number {
    const values = this.values;
    let base = 0;
    let len = values.length;
    while (len > 1) {
      const half = len >>> 1; // eslint-disable-line no-bitwise
      base = values[base + half] < hash ? base + half : base;
      len -= half;
    }
    const i = values[base] < hash ? base + 1 : base;
    return this.owners[i === values.length ? 0 : i];
  }
}
