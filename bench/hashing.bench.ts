// Benchmark: the twemproxy hashing model. Lookups per second (ring lookup + fnv1a_64), and key movement on resize:
// sampled keys vs the exact hash-space plan vs the 1 − N/M floor. Prints tables; asserts nothing.
import { createHash } from 'crypto';
import { TwemproxyHash, TwemproxyHashing } from '../src';

const ring = (n: number, hash = TwemproxyHash.FNV1A_64) =>
  new TwemproxyHashing({ servers: Array.from({ length: n }, (_, i) => ({ name: `cache-${i}` })), hash });
const keys = Array.from({ length: 100_000 }, (_, i) => `user:${createHash('md5').update(String(i)).digest('hex').slice(0, 12)}`);

console.log('lookups per second (100,000 distinct keys, best of 5 runs)');
console.log('| shards | hash | lookups/s |');
console.log('|---:|---|---:|');
for (const n of [3, 10, 100]) {
  for (const hash of [TwemproxyHash.FNV1A_64, TwemproxyHash.MURMUR, TwemproxyHash.MD5]) {
    const r = ring(n, hash);
    let best = 0;
    for (let run = 0; run < 5; run++) {
      const t0 = process.hrtime.bigint();
      let sink = 0;
      for (const k of keys) sink += r.serverIndexFor(k);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      best = Math.max(best, keys.length / s);
      if (sink < 0) console.log(sink);
    }
    console.log(`| ${n} | ${hash} | ${Math.round(best).toLocaleString('en-US')} |`);
  }
}

console.log('\nkey movement on resize (fnv1a_64, ketama)');
console.log('| N → M | sampled (100,000 keys) | exact plan | floor 1 − N/M |');
console.log('|---|---:|---:|---:|');
for (const [n, m] of [[2, 3], [3, 4], [4, 5], [5, 6], [8, 9], [10, 11], [3, 6], [4, 3], [10, 20]]) {
  const a = ring(n);
  const b = ring(m);
  let moved = 0;
  for (const k of keys) if (a.serverIndexFor(k) !== b.serverIndexFor(k)) moved++;
  const plan = TwemproxyHashing.planResize(a, b);
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  console.log(`| ${n} → ${m} | ${pct(moved / keys.length)} | ${pct(plan.movedFraction)} | ${pct(plan.floor)} |`);
}
