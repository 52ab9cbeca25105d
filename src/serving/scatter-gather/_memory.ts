// Internal: the scatter/gather root's memory model, checked at synthesis (issue 22). The root holds, per fan-out
// in flight, every shard's answer (the received bytes, their string, the parsed value, its share of the merged
// answer and of that answer's JSON) and the request body (read, then shared by the leaf requests); requests whose
// bodies are still being read hold at most as much again (the root bounds them to maxConcurrentRequests bodies).
//
//   worst case = NODE_HEADROOM + maxConcurrentRequests × fanOut
//   fanOut     = shards × (ANSWER_FACTOR × maxLeafResponseSize + PER_REQUEST) + 2 × maxRequestBodySize + PER_REQUEST
//
// Measured in a memory cgroup with the root on Node 24, leaves answering 1 MiB arrays of search hits
// ({"id", "score", "title"}): 2.5–3 bytes per answer byte at 8–16 fan-outs of 4 shards, 40–50 MiB for Node itself.
// JSON of many tiny values parses to far more than its text ([{},{},…] about 20×): the runtime's guard (no new
// fan-out above 90 % of the limit) covers what this model does not.

const KIB = 1024;
const MIB = 1024 * KIB;

/** Node itself: code, the heap at rest, libuv, the root's state (measured 40–50 MiB RSS). */
export const NODE_HEADROOM_BYTES = 64 * MIB;
/** Memory per byte of one leaf answer while its fan-out is in flight (measured 2.5–3). */
export const ANSWER_FACTOR = 4;
/** Per leaf request and per fan-out: sockets, parser buffers, the call's state. */
export const PER_REQUEST_BYTES = 32 * KIB;
/** The most fan-outs the root is given when their number is derived from its memory limit. */
export const DERIVED_CONCURRENCY_CAP = 256;
/** The root's memory limit when neither it nor `maxConcurrentRequests` is given. */
export const DEFAULT_LIMIT_BYTES = 256 * MIB;

/** The memory one fan-out may hold, in bytes. */
export function fanOutBytes(shards: number, maxLeafResponseBytes: number, maxRequestBodyBytes: number): number {
  return shards * (ANSWER_FACTOR * maxLeafResponseBytes + PER_REQUEST_BYTES) + 2 * maxRequestBodyBytes + PER_REQUEST_BYTES;
}

/** The memory limit `concurrency` fan-outs need, in bytes, rounded up to whole MiB (what a container limit holds). */
export function limitFor(concurrency: number, fanOut: number): number {
  return Math.ceil((NODE_HEADROOM_BYTES + concurrency * fanOut) / MIB) * MIB;
}

/** How many fan-outs fit in `limitBytes` (may be 0). */
export function concurrencyFor(limitBytes: number, fanOut: number): number {
  return Math.max(0, Math.floor((limitBytes - NODE_HEADROOM_BYTES) / fanOut));
}

/**
 * The V8 old-space limit (`--max-old-space-size`, MiB) for a container limit: two thirds of it, so the heap is
 * collected before the kernel's limit is near and the rest holds the buffers, Node's native memory and code (V8
 * keeps collected pages committed for a while: the resident set stays near the heap's high-water mark).
 */
export function heapMebibytes(limitBytes: number): number {
  return Math.max(16, Math.floor((limitBytes / MIB) * 2 / 3));
}

/** The formula with the numbers, for an error message. */
export function formula(concurrency: number, shards: number, maxLeafResponseBytes: number, maxRequestBodyBytes: number): string {
  return `64Mi for Node + ${concurrency} × (${shards} × (${ANSWER_FACTOR} × ${size(maxLeafResponseBytes)} + 32Ki) + 2 × ${size(maxRequestBodyBytes)} + 32Ki): `
    + 'maxConcurrentRequests × (shards × (4 × maxLeafResponseSize + 32Ki) + 2 × maxRequestBodySize + 32Ki)';
}

/** Bytes as a Kubernetes quantity: `16Mi`, `64Ki`, or bytes. */
export function size(bytes: number): string {
  if (bytes % MIB === 0) return `${bytes / MIB}Mi`;
  if (bytes % KIB === 0) return `${bytes / KIB}Ki`;
  return `${bytes}`;
}
