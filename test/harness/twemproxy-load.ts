/**
 * Bounded load through a twemproxy pool for the failure proofs (issue 22): every key is written on EVERY shard
 * directly, its value the name of that shard, so a GET through the proxy says which shard answered it — `ok` (the
 * shard the model says), `wrong` (another shard), `miss` (no value: a shard that lost its data), `error` (an error
 * reply, a refused or reset connection, no answer within the client's own timeout).
 */
import * as net from 'net';
import { sleep, Started } from './proc';

export type Outcome = 'ok' | 'wrong' | 'miss' | 'error';
export type Protocol = 'redis' | 'memcached';

/** One request the load made. */
export interface Answer {
  readonly key: string;
  /** The shard the model places the key on. */
  readonly home: string;
  /** When the request was sent and answered (ms since the load started). */
  readonly sentMs: number;
  readonly doneMs: number;
  readonly outcome: Outcome;
  /** The value or error text. */
  readonly text: string;
}

/** Counts of `answers` by outcome. */
export function tally(answers: readonly Answer[]): Record<Outcome, number> {
  const t: Record<Outcome, number> = { ok: 0, wrong: 0, miss: 0, error: 0 };
  for (const a of answers) t[a.outcome]++;
  return t;
}

/** The payload that writes `key = value` in the protocol (one command). */
export function setCommand(protocol: Protocol, key: string, value: string): string {
  return protocol === 'redis'
    ? `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${Buffer.byteLength(value)}\r\n${value}\r\n`
    : `set ${key} 0 0 ${Buffer.byteLength(value)}\r\n${value}\r\n`;
}

/** Writes every key on the server at `host:port` with `value` (pipelined, one connection); resolves when all are stored. */
export function writeAll(protocol: Protocol, host: string, port: number, keys: readonly string[], value: string): Promise<void> {
  const ack = protocol === 'redis' ? '+OK\r\n' : 'STORED\r\n';
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`writeAll ${host}:${port} timed out`)); }, 60_000);
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      if (buf.length >= ack.length * keys.length) {
        clearTimeout(timer);
        sock.end();
        if (buf !== ack.repeat(keys.length)) reject(new Error(`writeAll ${host}:${port}: ${buf.slice(0, 200)}`));
        else resolve();
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.write(keys.map((k) => setCommand(protocol, k, value)).join(''));
  });
}

/** The end of one reply in `buf` (redis: one simple/error/bulk reply; memcached: END or an error line), or -1. */
function replyEnd(protocol: Protocol, buf: string): number {
  if (protocol === 'redis') {
    const m = /^([+\-:][^\r]*\r\n|\$-1\r\n|\$(\d+)\r\n)/.exec(buf);
    if (!m) return -1;
    if (m[2] === undefined) return m[0].length;
    const end = m[0].length + Number(m[2]) + 2;
    return buf.length >= end ? end : -1;
  }
  const m = /(END\r\n|(SERVER_ERROR|CLIENT_ERROR|ERROR)[^\r]*\r\n)/.exec(buf);
  return m ? m.index + m[0].length : -1;
}

/** What a reply says: the value (a shard's name), undefined for no value, or an error text. */
function parseReply(protocol: Protocol, reply: string): { value?: string; error?: string } {
  if (protocol === 'redis') {
    if (reply.startsWith('-')) return { error: reply.trim() };
    if (reply === '$-1\r\n') return {};
    const nl = reply.indexOf('\r\n');
    return { value: reply.slice(nl + 2, reply.length - 2) };
  }
  const v = /^VALUE \S+ \d+ \d+\r\n([^\r]*)\r\nEND\r\n$/.exec(reply);
  if (v) return { value: v[1] };
  if (reply === 'END\r\n') return {};
  return { error: reply.trim() };
}

/** Options for `Load`. */
export interface LoadOptions {
  readonly protocol: Protocol;
  /** The proxy. */
  readonly host: string;
  readonly port: number;
  /** The keys to GET, in turn, and where the model places each. */
  readonly keys: readonly string[];
  readonly home: (key: string) => string;
  /** Client connections, each one request at a time. @default 4 */
  readonly clients?: number;
  /** The client's own bound on one request; longer counts as an error and the connection is replaced. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Pause between two requests of one client (keeps the load bounded). @default 2 */
  readonly pauseMs?: number;
}

/**
 * `clients` connections GETting the keys in turn, one request at a time each, until `stop()`; every answer is
 * recorded with its times, so a test can count what clients saw in each phase of a failure.
 */
export class Load {
  public readonly answers: Answer[] = [];
  private readonly t0 = Date.now();
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(private readonly o: LoadOptions) {
    const clients = o.clients ?? 4;
    this.loops = Array.from({ length: clients }, (_, c) => this.loop(c, clients));
  }

  /** Milliseconds since the load started. */
  public now(): number {
    return Date.now() - this.t0;
  }

  /** Stops the clients; resolves with every answer once each client's last request is answered (or timed out). */
  public async stop(): Promise<Answer[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.answers;
  }

  /** Answers to requests sent in `[fromMs, toMs)`. */
  public between(fromMs: number, toMs: number): Answer[] {
    return this.answers.filter((a) => a.sentMs >= fromMs && a.sentMs < toMs);
  }

  private async loop(client: number, clients: number): Promise<void> {
    let sock: net.Socket | undefined;
    let i = client;
    while (this.running) {
      const key = this.o.keys[i % this.o.keys.length];
      i += clients;
      const sentMs = this.now();
      let outcome: Outcome;
      let text: string;
      try {
        if (sock?.destroyed) sock = undefined;
        sock = sock ?? await this.connect();
        const reply = await this.request(sock, key);
        const r = parseReply(this.o.protocol, reply);
        if (r.error !== undefined) {
          outcome = 'error';
          text = r.error;
        } else if (r.value === undefined) {
          outcome = 'miss';
          text = '';
        } else {
          outcome = r.value === this.o.home(key) ? 'ok' : 'wrong';
          text = r.value;
        }
      } catch (e) {
        sock?.destroy();
        sock = undefined;
        outcome = 'error';
        text = (e as Error).message;
      }
      this.answers.push({ key, home: this.o.home(key), sentMs, doneMs: this.now(), outcome, text });
      await sleep(outcome === 'error' && sock === undefined ? 20 : this.o.pauseMs ?? 2);
    }
    sock?.destroy();
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: this.o.host, port: this.o.port });
      const timer = setTimeout(() => { sock.destroy(); reject(new Error('connect timed out')); }, this.o.requestTimeoutMs ?? 5000);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        // between two requests an error only closes it; the next request reconnects
        sock.on('error', () => undefined);
        resolve(sock);
      });
      sock.once('error', (e) => { clearTimeout(timer); reject(e); });
    });
  }

  private request(sock: net.Socket, key: string): Promise<string> {
    const payload = this.o.protocol === 'redis' ? `*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n` : `get ${key}\r\n`;
    return new Promise((resolve, reject) => {
      let buf = '';
      const done = (e?: Error, reply?: string) => {
        clearTimeout(timer);
        sock.off('data', onData);
        sock.off('error', onError);
        sock.off('close', onClose);
        if (e) reject(e); else resolve(reply!);
      };
      const onData = (d: Buffer) => {
        buf += d.toString('utf8');
        const end = replyEnd(this.o.protocol, buf);
        if (end >= 0) done(undefined, buf.slice(0, end));
      };
      const onError = (e: Error) => done(e);
      const onClose = () => done(new Error('connection closed'));
      const timer = setTimeout(() => done(new Error('no answer within the client timeout')), this.o.requestTimeoutMs ?? 5000);
      sock.on('data', onData);
      sock.on('error', onError);
      sock.on('close', onClose);
      sock.write(payload);
    });
  }
}

/** Stop `pid` (SIGSTOP) or let it go on (SIGCONT). */
export function signal(pid: number, sig: 'SIGSTOP' | 'SIGCONT' | 'SIGKILL'): void {
  process.kill(pid, sig);
}

/** A one-line summary of answers per outcome, for the proofs' logs. */
export function summary(label: string, answers: readonly Answer[]): string {
  const t = tally(answers);
  return `${label}: ${answers.length} answers — ok ${t.ok}, wrong shard ${t.wrong}, miss ${t.miss}, error ${t.error}`;
}

/** SIGKILL `p` and resolve once it is gone. */
export async function killNow(p: Started): Promise<void> {
  const gone = new Promise<void>((r) => (p.exited ? r() : p.child.once('exit', () => r())));
  signal(p.pid, 'SIGKILL');
  await gone;
}

/** The median of `xs` (NaN for none). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
}

/**
 * Under `load`: SIGKILL the proxy `proc` after a second, `restart` it 1.5 s later, run 1.5 s more; the answers
 * while it was dead and after it was back, logged.
 */
export async function killAndRestart(load: Load, proc: Started, restart: () => Promise<unknown>): Promise<{ during: Answer[]; after: Answer[] }> {
  await sleep(1000);
  await killNow(proc);
  const killedAt = load.now();
  await sleep(1500);
  const restartAt = load.now();
  await restart();
  const backAt = load.now();
  await sleep(1500);
  const end = load.now();
  await load.stop();
  const during = load.between(killedAt, restartAt);
  const after = load.between(backAt, end);
  console.log([summary('nutcracker dead', during), summary('nutcracker restarted', after)].join('\n'));
  return { during, after };
}
