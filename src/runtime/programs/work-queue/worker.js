// @ts-check
'use strict';
// WorkQueueJobs reference worker (Node.js 18+, no dependencies), on client.js beside it.
//   node worker.js <command> [args...]          runs the command once per item, the item in WORK_ITEM (and its
//                                               attempt in WORK_ITEM_ATTEMPT); exit 0: done, else failed
//   node worker.js --stdio <command> [args...]  runs the command once; writes each item as a line to its stdin and
//                                               reads one line per item from its stdout: `ok` is done, anything
//                                               else failed (no process per item)
// Exits 0 when the queue is drained (QUEUE_EXIT_WHEN=drained: nothing pending, leased or waiting to retry), when
// nothing was pending for 5 s (=empty), or after QUEUE_MAX_ITEMS items; 2 on a usage or configuration error (a
// refused password), 3 when the queue lost its seed run, 143 on SIGTERM. A lost connection is not an error: it
// retries until the queue answers again. A command whose item's lease was lost is sent SIGTERM.
const os = require('os');
const readline = require('readline');
const { spawn } = require('child_process');
const { WorkQueue } = require('./client.js');

const argv = process.argv.slice(2);
const stdio = argv[0] === '--stdio';
const command = stdio ? argv.slice(1) : argv;
if (command.length === 0) {
  console.error('usage: node worker.js [--stdio] <command> [args...]');
  process.exit(2);
}

/** @type {WorkQueue} */
let queue;
try {
  queue = WorkQueue.fromEnv();
} catch (e) {
  console.error('worker: ' + e.message);
  process.exit(2);
}
const id = queue.id;
const childEnv = { ...process.env };
delete childEnv.QUEUE_PASSWORD;

/** One process per item. @param {string} item @param {{ attempt: number, signal: AbortSignal }} info */
function runOnce(item, info) {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), {
      stdio: 'inherit',
      env: { ...childEnv, WORK_ITEM: item, WORK_ITEM_ATTEMPT: String(info.attempt) },
    });
    const stop = () => child.kill('SIGTERM');
    info.signal.addEventListener('abort', stop, { once: true });
    child.on('error', (e) => { info.signal.removeEventListener('abort', stop); reject(e); });
    child.on('exit', (code, signal) => {
      info.signal.removeEventListener('abort', stop);
      if (code === 0) resolve(undefined);
      else reject(new Error('exit ' + (code === null ? 128 + (os.constants.signals[signal] || 0) : code)));
    });
  });
}

/** One long-lived process for every item: a line in, a line out. */
class LineWorker {
  constructor() {
    /** @type {import('child_process').ChildProcessWithoutNullStreams | undefined} */
    this.child = undefined;
    /** @type {((line: string | undefined) => void) | undefined} */
    this.answer = undefined;
    this.stopped = false;
  }

  start() {
    const child = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'], env: childEnv });
    this.child = child;
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const a = this.answer;
      this.answer = undefined;
      if (a) a(line);
    });
    const gone = (/** @type {string} */ why) => {
      if (this.child !== child || this.stopped) return;
      console.error('worker ' + id + ': ' + command[0] + ' ' + why + '; restarting it');
      this.child = undefined;
      const a = this.answer;
      this.answer = undefined;
      if (a) a(undefined);
    };
    child.on('exit', (code, signal) => gone('exited (' + (code === null ? signal : code) + ')'));
    child.on('error', (e) => gone(e.message));
    child.stdin.on('error', () => { /* 'exit' follows */ });
  }

  /** @param {string} item */
  handle(item) {
    if (!this.child) this.start();
    const child = /** @type {import('child_process').ChildProcessWithoutNullStreams} */ (this.child);
    return new Promise((resolve, reject) => {
      this.answer = (line) => (line === 'ok' ? resolve(undefined) : reject(new Error(line === undefined ? 'the command exited' : 'answered ' + JSON.stringify(line))));
      child.stdin.write(item + '\n');
    });
  }

  stop() {
    this.stopped = true;
    if (this.child) this.child.stdin.end();
  }
}

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  console.error('worker ' + id + ': SIGTERM: stopping (the items it holds come back when their leases run out)');
  process.exit(143);
});

async function main() {
  const lines = stdio ? new LineWorker() : undefined;
  const handler = lines ? (/** @type {string} */ item) => lines.handle(item) : runOnce;
  const r = await queue.run(handler);
  if (lines) lines.stop();
  queue.close();
  console.log('worker ' + id + ': ' + (r.done + r.failed + r.lost) + ' items, ' + r.failed + ' failed' + (r.lost ? ', ' + r.lost + ' lost their lease' : ''));
}

main().catch((e) => {
  console.error('worker ' + id + ': ' + e.message);
  process.exit(e.code === 'ELOST' ? 3 : 2);
});
