// Internal: the two hashes of twemproxy's hashkit that are longer than a few lines, modelled from nutcracker 0.5's
// C sources on x86-64 (little-endian, signed `char`). Checked against the real nutcracker in test/real/hashing.test.ts.

/* eslint-disable no-bitwise */

/** Paul Hsieh's SuperFastHash as nutcracker 0.5 has it (`nc_hsieh.c`), on x86-64. */
export function hsieh(key: Uint8Array, n: number = key.length): number {
  let length = n;
  if (length === 0) return 0;
  let hash = 0;
  const rem = length & 3;
  length >>>= 2;
  let i = 0;
  const get16 = (at: number) => (key[at + 1] << 8) + key[at];
  for (; length > 0; length--) {
    hash = (hash + get16(i)) >>> 0;
    const tmp = ((get16(i + 2) << 11) ^ hash) >>> 0;
    hash = ((hash << 16) ^ tmp) >>> 0;
    i += 4;
    hash = (hash + (hash >>> 11)) >>> 0;
  }
  switch (rem) {
    case 3:
      hash = (hash + get16(i)) >>> 0;
      hash = (hash ^ (hash << 16)) >>> 0;
      // `(uint32_t)key[2] << 18` with `key` a (signed) `char *`: a byte ≥ 0x80 is sign-extended first.
      hash = (hash ^ ((key[i + 2] & 0x80 ? key[i + 2] | 0xffffff00 : key[i + 2]) << 18)) >>> 0;
      hash = (hash + (hash >>> 11)) >>> 0;
      break;
    case 2:
      hash = (hash + get16(i)) >>> 0;
      hash = (hash ^ (hash << 11)) >>> 0;
      hash = (hash + (hash >>> 17)) >>> 0;
      break;
    case 1:
      hash = (hash + key[i]) >>> 0;
      hash = (hash ^ (hash << 10)) >>> 0;
      hash = (hash + (hash >>> 1)) >>> 0;
      break;
    default:
      break;
  }
  hash = (hash ^ (hash << 3)) >>> 0;
  hash = (hash + (hash >>> 5)) >>> 0;
  hash = (hash ^ (hash << 4)) >>> 0;
  hash = (hash + (hash >>> 17)) >>> 0;
  hash = (hash ^ (hash << 25)) >>> 0;
  hash = (hash + (hash >>> 6)) >>> 0;
  return hash;
}

/**
 * Bob Jenkins' lookup3 `hashlittle(key, length, initval)`, little-endian, as nutcracker 0.5 has it
 * (`nc_jenkins.c`, initval 13).
 */
export function lookup3(key: Uint8Array, n: number, initval: number): number {
  const rot = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  let length = n;
  let a = (0xdeadbeef + length + initval) >>> 0;
  let b = a;
  let c = a;
  if (length === 0) return c;
  let i = 0;
  const word = (at: number, count: number) => {
    let w = 0;
    for (let j = count - 1; j >= 0; j--) w = ((w << 8) | key[at + j]) >>> 0;
    return w;
  };
  while (length > 12) {
    a = (a + word(i, 4)) >>> 0;
    b = (b + word(i + 4, 4)) >>> 0;
    c = (c + word(i + 8, 4)) >>> 0;
    // mix(a, b, c)
    a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
    length -= 12;
    i += 12;
  }
  // The last 1–12 bytes, little-endian into a, b, c (every alignment branch of the C code gives these sums).
  a = (a + word(i, Math.min(length, 4))) >>> 0;
  if (length > 4) b = (b + word(i + 4, Math.min(length - 4, 4))) >>> 0;
  if (length > 8) c = (c + word(i + 8, length - 8)) >>> 0;
  // final(a, b, c)
  c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
  return c;
}

/* eslint-enable no-bitwise */
