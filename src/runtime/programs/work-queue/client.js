// @ts-check
'use strict';
// WorkQueueJobs client for Node.js 18+ (no dependencies; it speaks RESP itself). Your worker calls it in-process:
//
//   const { WorkQueue } = require(process.env.QUEUE_SCRIPTS_DIR + '/client.js');
//   await WorkQueue.fromEnv().run(async (item, { attempt, signal }) => { ... });  // resolves when the queue is drained
//
// Every hand-off is one atomic run of queue.lua (beside this file): it settles the items you finished and leases
// the next ones in one round trip; `batch` leases up to that many per round trip. Leases are renewed while you
// hold items; an item whose lease was lost (it ran out and another worker has it now) has its `signal` aborted and
// its settlement is refused. A lost connection is retried with backoff for as long as it takes (a restarted queue
// comes back); only a refused password, an unknown queue script error or a queue that lost its seed run throw.
// To vendor it: copy client.js and queue.lua side by side.
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const crypto = require('crypto');

/** Error replies that mean "try again" (a restarting or busy server), not "you are wrong". */
const TRANSIENT = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN|READONLY)\b/;
/** Error replies that no retry can fix: the worker must stop and say why. */
const FATAL = /^(NOAUTH|WRONGPASS|NOPERM)\b|invalid password/;
/** Expired leases and due retries one take reaps at most; a take reaps on every REAP_EVERY-th call and when idle. */
const REAP_PER_TAKE = 100;
const REAP_EVERY = 10;
const MAX_BACKOFF_MS = 5000;
/** How long an idle worker waits between takes at most, and how long an `empty` worker waits before it exits. */
const IDLE_POLL_MS = 1000;
const TAKE_TIMEOUT_MS = 5000;

/**
 * An item this worker holds. Its AbortController is made only when the handler asks for `signal` (making one
 * costs more than the rest of a no-op item's hand-off); `lose()` aborts it, now or as it is made.
 */
class Held {
  constructor() {
    /** @type {AbortController | undefined} */
    this.controller = undefined;
    this.lost = false;
  }

  /** @returns {AbortSignal} */
  get signal() {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.lost) this.controller.abort();
    }
    return this.controller.signal;
  }

  lose() {
    this.lost = true;
    if (this.controller !== undefined) this.controller.abort();
  }
}

/** A leased item as `take` returns it: `item`, `attempt`, and `signal` (made on first use). */
class Taken {
  /** @param {string} item @param {number} attempt @param {Held} held */
  constructor(item, attempt, held) {
    this.item = item;
    this.attempt = attempt;
    this.held = held;
  }

  /** @returns {AbortSignal} */
  get signal() {
    return this.held.signal;
  }
}

class QueueError extends Error {
  /** @param {string} message @param {string} code */
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** A RESP2 connection that reconnects: `call` retries a command until the server answers it. */
class Connection {
  /** @param {{ host: string, port: number, password?: string, log: (m: string) => void }} o */
  constructor(o) {
    this.o = o;
    /** @type {net.Socket | undefined} */
    this.sock = undefined;
    /** @type {Promise<void> | undefined} */
    this.opening = undefined;
    /** @type {Array<{ resolve: (v: any) => void, reject: (e: any) => void }>} */
    this.waiting = [];
    /** @type {Buffer} */
    this.buf = Buffer.alloc(0);
    this.failures = 0;
    this.closed = false;
  }

  /** @returns {Promise<void>} */
  open() {
    if (this.sock) return Promise.resolve();
    if (!this.opening) {
      this.opening = new Promise((resolve, reject) => {
        const sock = net.connect({ host: this.o.host, port: this.o.port });
        sock.setNoDelay(true);
        const fail = (/** @type {Error} */ e) => { sock.destroy(); this.opening = undefined; reject(new QueueError(e.message, 'ECONN')); };
        sock.once('error', fail);
        sock.once('connect', () => {
          sock.removeListener('error', fail);
          sock.on('error', () => { /* 'close' follows */ });
          sock.on('close', () => this.lost(sock));
          sock.on('data', (d) => this.data(d));
          this.sock = sock;
          this.opening = undefined;
          if (this.o.password) {
            this.send(['AUTH', this.o.password]).then(() => resolve(), (e) => { sock.destroy(); reject(e); });
          } else {
            resolve();
          }
        });
      });
    }
    return this.opening;
  }

  /** @param {net.Socket} sock */
  lost(sock) {
    if (this.sock !== sock) return;
    this.sock = undefined;
    this.buf = Buffer.alloc(0);
    const waiting = this.waiting.splice(0);
    for (const w of waiting) w.reject(new QueueError('connection closed', 'ECONN'));
  }

  /** @param {Buffer} d */
  data(d) {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let at = 0;
    while (this.waiting.length > 0) {
      const r = parse(this.buf, at);
      if (r === undefined) break;
      at = r.end;
      const w = /** @type {{ resolve: (v: any) => void, reject: (e: any) => void }} */ (this.waiting.shift());
      if (r.value instanceof Error) w.reject(r.value); else w.resolve(r.value);
    }
    this.buf = at === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(at);
  }

  /**
   * One command on the open connection, no retry. An argument may be a run of arguments encoded once
   * (`Connection.encode`). @param {Array<string | number | Encoded>} args @returns {Promise<any>}
   */
  send(args) {
    return new Promise((resolve, reject) => {
      const sock = this.sock;
      if (!sock) { reject(new QueueError('not connected', 'ECONN')); return; }
      this.waiting.push({ resolve, reject });
      let n = 0;
      let body = '';
      for (const a of args) {
        if (typeof a === 'object') {
          n += a.n;
          body += a.raw;
        } else {
          n++;
          body += bulk(a);
        }
      }
      sock.write('*' + n + '\r\n' + body);
    });
  }

  /** Arguments that never change, encoded once. @param {Array<string | number>} args @returns {Encoded} */
  static encode(args) {
    let raw = '';
    for (const a of args) raw += bulk(a);
    return { n: args.length, raw };
  }

  /**
   * `args`, retried with backoff over lost connections and transient errors until the server answers; a fatal
   * error reply throws. @param {Array<string | number | Encoded>} args @returns {Promise<any>}
   */
  async call(args) {
    for (;;) {
      try {
        await this.open();
        const v = await this.send(args);
        if (this.failures > 0) this.o.log('queue ' + this.o.host + ':' + this.o.port + ' answers again');
        this.failures = 0;
        return v;
      } catch (e) {
        const message = String(e && e.message);
        if (FATAL.test(message)) throw new QueueError('the queue refused the password: ' + message, 'EAUTH');
        if (!(e instanceof QueueError) && !TRANSIENT.test(message)) throw e;
        if (this.closed) throw e;
        if (this.failures === 0) this.o.log('queue ' + this.o.host + ':' + this.o.port + ' unavailable (' + message + '); retrying');
        this.failures++;
        if (this.sock && !TRANSIENT.test(message)) this.sock.destroy();
        const ms = Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(this.failures, 10));
        await sleep(ms / 2 + Math.random() * ms / 2);
      }
    }
  }

  close() {
    this.closed = true;
    if (this.sock) this.sock.end();
  }
}

/**
 * One RESP2 value at `i`: `{ value, end }`, or undefined when the buffer ends first.
 * @param {Buffer} buf @param {number} i @returns {{ value: any, end: number } | undefined}
 */
function parse(buf, i) {
  if (i >= buf.length) return undefined;
  const eol = buf.indexOf(13, i);
  if (eol < 0 || eol + 1 >= buf.length) return undefined;
  const type = buf[i];
  if (type === 36) { // $
    const n = Number(buf.toString('latin1', i + 1, eol));
    if (n < 0) return { value: null, end: eol + 2 };
    if (buf.length < eol + 2 + n + 2) return undefined;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
  }
  if (type === 42) { // *
    const n = Number(buf.toString('latin1', i + 1, eol));
    if (n < 0) return { value: null, end: eol + 2 };
    const out = new Array(n);
    let at = eol + 2;
    for (let k = 0; k < n; k++) {
      const r = parse(buf, at);
      if (r === undefined) return undefined;
      out[k] = r.value;
      at = r.end;
    }
    return { value: out, end: at };
  }
  const line = buf.toString('utf8', i + 1, eol);
  if (type === 58) return { value: Number(line), end: eol + 2 }; // :
  if (type === 43) return { value: line, end: eol + 2 }; // +
  if (type === 45) return { value: new Error(line), end: eol + 2 }; // -
  throw new QueueError('bad RESP type ' + JSON.stringify(String.fromCharCode(type)), 'EPROTO');
}

/** @typedef {{ n: number, raw: string }} Encoded a run of RESP arguments, encoded once */

/** One argument as a RESP bulk string. @param {string | number} a @returns {string} */
function bulk(a) {
  const s = String(a);
  return '$' + Buffer.byteLength(s) + '\r\n' + s + '\r\n';
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * @typedef {object} WorkQueueOptions
 * @property {string} host
 * @property {number} port
 * @property {string} name the queue's key prefix (`QUEUE_NAME`)
 * @property {string} [password]
 * @property {string} [workerId] written as the lease owner (default: the host name)
 * @property {number} [leaseSeconds] default 300
 * @property {number} [maxAttempts] default 3
 * @property {number} [retryBackoffMs] the first retry's delay, doubling per attempt (default 10000)
 * @property {number} [retryBackoffMaxMs] default 300000
 * @property {string} [seedRun] the seed run this worker's batch belongs to: a queue that lost it is reported
 * @property {number} [batch] items leased per round trip (default 1)
 * @property {(m: string) => void} [log]
 */

class WorkQueue {
  /** The options from the worker contract's environment (`QUEUE_*`, `WORKER_ID`, `SEED_RUN`). */
  static fromEnv(env = process.env) {
    const need = (/** @type {string} */ k) => {
      const v = env[k];
      if (v === undefined || v === '') throw new QueueError(k + ' is not set', 'ECONFIG');
      return v;
    };
    const num = (/** @type {string} */ k, /** @type {number} */ d) => (env[k] ? Number(env[k]) : d);
    return new WorkQueue({
      host: need('QUEUE_HOST'),
      port: Number(need('QUEUE_PORT')),
      name: need('QUEUE_NAME'),
      password: env.QUEUE_PASSWORD || undefined,
      workerId: env.WORKER_ID || undefined,
      leaseSeconds: num('QUEUE_LEASE_SECONDS', 300),
      maxAttempts: num('QUEUE_MAX_ATTEMPTS', 3),
      retryBackoffMs: num('QUEUE_RETRY_BACKOFF_MS', 10000),
      retryBackoffMaxMs: num('QUEUE_RETRY_BACKOFF_MAX_MS', 300000),
      seedRun: env.SEED_RUN || undefined,
      batch: num('QUEUE_TAKE_BATCH', 1),
    });
  }

  /** @param {WorkQueueOptions} o */
  constructor(o) {
    this.id = o.workerId || os.hostname();
    this.log = o.log || ((m) => console.error('worker ' + this.id + ': ' + m));
    this.conn = new Connection({ host: o.host, port: o.port, password: o.password, log: this.log });
    const n = o.name;
    this.keys = [n + ':pending', n + ':leased', n + ':attempts', n + ':delayed', n + ':dead', n + ':stats', n + ':seeds'];
    this.leaseMs = (o.leaseSeconds || 300) * 1000;
    this.batch = o.batch || 1;
    this.script = fs.readFileSync(path.join(__dirname, 'queue.lua'), 'utf8');
    this.sha = crypto.createHash('sha1').update(this.script).digest('hex');
    /** `queue.lua`'s keys and fixed arguments per op and reap budget, encoded once: `${op} ${cap}` → the run. */
    this.fixed = new Map();
    const rules = [String(this.leaseMs), String(o.maxAttempts || 3), String(o.retryBackoffMs || 10000), String(o.retryBackoffMaxMs || 300000)];
    for (const op of ['take', 'renew', 'status']) {
      for (const cap of [0, REAP_PER_TAKE]) {
        this.fixed.set(op + ' ' + cap, Connection.encode([String(this.keys.length), ...this.keys, op, this.id, ...rules, String(cap), o.seedRun || '']));
      }
    }
    this.takes = 0;
    this.idle = false;
    /** Items leased to this worker, each with the signal aborted when its lease is lost. @type {Map<string, Held>} */
    this.held = new Map();
    /** Settlements not yet sent: item, 'done' | 'failed', ... @type {string[]} */
    this.settle = [];
    /** @type {NodeJS.Timeout | undefined} */
    this.renewer = undefined;
    /** What the last empty take said: `{ remaining, waitMs }`. */
    this.last = { remaining: -1, waitMs: -1 };
  }

  /**
   * queue.lua with `op`: EVALSHA, EVAL when the server lacks it (after a restart).
   * @param {string} op @param {string[]} rest @param {number} [cap] leases reaped and retries made due at most
   */
  async eval(op, rest, cap = 0) {
    const fixed = this.fixed.get(op + ' ' + cap);
    try {
      return await this.conn.call(['EVALSHA', this.sha, fixed, ...rest]);
    } catch (e) {
      if (!/^NOSCRIPT/.test(String(e && e.message))) throw e;
      return this.conn.call(['EVAL', this.script, fixed, ...rest]);
    }
  }

  /**
   * Settles what `done`/`failed` recorded and leases up to `max` items: `[{ item, attempt, signal }]`. Returns
   * `[]` when none is pending (see `drained`). Throws a QueueError `ELOST` when the queue lost its seed run.
   * @param {number} [max] @returns {Promise<Array<Taken>>}
   */
  async take(max = this.batch) {
    const settle = this.settle;
    this.settle = [];
    // reaping (expired leases, due retries) on every tenth take of a busy worker and on every take of an idle one
    const cap = this.idle || this.takes++ % REAP_EVERY === 0 ? REAP_PER_TAKE : 0;
    const r = await this.eval('take', [String(max), ...settle], cap);
    if (r[0] > 0) this.log(r[0] + ' settlement(s) refused: the lease had run out and the item went to another worker');
    const out = [];
    for (let i = 4; i < r.length; i += 2) {
      const held = new Held();
      this.held.set(r[i], held);
      out.push(new Taken(r[i], Number(r[i + 1]), held));
    }
    this.idle = out.length === 0 && max > 0;
    if (out.length === 0) {
      this.last = { remaining: r[1], waitMs: r[2] };
      if (r[3] === 0) throw new QueueError('the queue lost its seed run (restarted without persistence, or flushed): the items not yet done are gone', 'ELOST');
    }
    this.renewing();
    return out;
  }

  /** Nothing pending, leased or waiting to retry (as of the last take that leased nothing). */
  get drained() {
    return this.last.remaining === 0;
  }

  /** Records `item` as done; sent with the next take (or `flush`). @param {string} item */
  done(item) {
    this.release(item, 'done');
  }

  /** Records `item` as failed: retried after the backoff, dead-lettered after its last attempt. @param {string} item */
  failed(item) {
    this.release(item, 'failed');
  }

  /** @param {string} item @param {string} outcome */
  release(item, outcome) {
    if (this.held.delete(item)) this.settle.push(item, outcome);
  }

  /** Sends the recorded settlements now. */
  async flush() {
    if (this.settle.length > 0) await this.take(0);
  }

  /** One timer for the client's life (from its first take to `close`), renewing whatever is held at each tick. */
  renewing() {
    if (this.renewer) return;
    this.renewer = setInterval(() => { this.renew().catch((e) => this.log('renewal failed: ' + e.message)); }, Math.max(1000, this.leaseMs / 3));
    this.renewer.unref();
  }

  /** Extends the leases of the held items; aborts the signal of each that was lost. */
  async renew() {
    const items = [...this.held.keys()];
    if (items.length === 0) return;
    const lost = await this.eval('renew', ['0', ...items]);
    for (const item of lost) {
      const held = this.held.get(item);
      if (held === undefined) continue;
      this.log('lease lost: ' + item);
      this.held.delete(item);
      held.lose();
    }
  }

  /** The queue's lengths and counters: `{ pending, leased, delayed, dead, done, retried, expired, buried, stale }`. */
  async status() {
    const r = await this.eval('status', []);
    /** @type {{ [k: string]: number }} */
    const out = {};
    for (let i = 0; i < r.length; i += 2) out[r[i]] = Number(r[i + 1]);
    return out;
  }

  /**
   * Takes items and calls `handler(item, { attempt, signal })` for each, one at a time: resolved → done,
   * thrown → failed. Stops when the queue is drained (`exitWhen: 'drained'`, the default: nothing pending,
   * leased or waiting to retry), when nothing was pending for 5 s (`'empty'`), or after `maxItems` items.
   * @param {(item: string, info: { attempt: number, signal: AbortSignal }) => any} handler
   * @param {{ batch?: number, maxItems?: number, exitWhen?: 'drained' | 'empty' }} [options]
   * @returns {Promise<{ done: number, failed: number, lost: number }>}
   */
  async run(handler, options = {}) {
    const env = process.env;
    const batch = options.batch || this.batch;
    const maxItems = options.maxItems !== undefined ? options.maxItems : Number(env.QUEUE_MAX_ITEMS || 0);
    const exitWhen = options.exitWhen || env.QUEUE_EXIT_WHEN || 'drained';
    const counts = { done: 0, failed: 0, lost: 0 };
    let taken = 0;
    let idleSince = 0;
    let poll = 50;
    try {
      for (;;) {
        const want = maxItems > 0 ? Math.min(batch, maxItems - taken) : batch;
        if (want <= 0) break;
        const items = await this.take(want);
        if (items.length === 0) {
          if (exitWhen === 'drained' && this.drained) break;
          const now = Date.now();
          if (idleSince === 0) idleSince = now;
          if (exitWhen === 'empty' && now - idleSince >= TAKE_TIMEOUT_MS) break;
          const hint = this.last.waitMs >= 0 ? this.last.waitMs + 5 : IDLE_POLL_MS;
          await sleep(Math.min(poll, hint, IDLE_POLL_MS));
          poll = Math.min(poll * 2, IDLE_POLL_MS);
          continue;
        }
        idleSince = 0;
        poll = 50;
        taken += items.length;
        for (const t of items) {
          const item = t.item;
          const attempt = t.attempt;
          let ok = false;
          try {
            // the info's signal is the item's own, made only if the handler reads it
            await handler(item, { attempt, get signal() { return t.signal; } });
            ok = true;
          } catch (e) {
            this.log('item failed (attempt ' + attempt + '): ' + item + ': ' + (e && e.message));
          }
          if (t.held.lost) counts.lost++;
          else if (ok) counts.done++;
          else counts.failed++;
          this.release(item, ok ? 'done' : 'failed');
        }
      }
      await this.flush();
    } finally {
      if (this.renewer) clearInterval(this.renewer);
      this.renewer = undefined;
    }
    return counts;
  }

  close() {
    if (this.renewer) clearInterval(this.renewer);
    this.renewer = undefined;
    this.conn.close();
  }
}

module.exports = { WorkQueue, QueueError };
