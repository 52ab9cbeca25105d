'use strict';
// WorkQueueJobs reference worker (Node.js 18+, no dependencies). Usage: node worker.js <command> [args...]
// For each item: BLMOVE pending -> processing, SET the lease, run the command with WORK_ITEM=<item> while
// renewing the lease, then acknowledge (LREM processing, DEL lease); a failing command also RPUSHes the item
// to the failed list first. Exits when QUEUE_MAX_ITEMS items are done, or per QUEUE_EXIT_WHEN.
const net = require('net');
const os = require('os');
const { spawn } = require('child_process');

function need(name) {
  const v = process.env[name];
  if (v === undefined || v === '') { console.error('worker: ' + name + ' is not set'); process.exit(2); }
  return v;
}
function die(message) { console.error('worker ' + id + ': ' + message); process.exit(1); }

const id = process.env.WORKER_ID || os.hostname();
const E = {
  host: need('QUEUE_HOST'), port: Number(need('QUEUE_PORT')), pending: need('QUEUE_PENDING'),
  processing: need('QUEUE_PROCESSING'), leasePrefix: need('QUEUE_LEASE_PREFIX'), failed: need('QUEUE_FAILED'),
  lease: Number(need('QUEUE_LEASE_SECONDS')), max: Number(process.env.QUEUE_MAX_ITEMS || '0'),
  exitWhen: need('QUEUE_EXIT_WHEN'),
};
const command = process.argv.slice(2);
if (command.length === 0) { console.error('usage: node worker.js <command> [args...]'); process.exit(2); }

// A minimal RESP2 client: one connection, one command at a time in order.
function parse(buf, i) {
  const eol = buf.indexOf('\r\n', i);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[i]);
  const line = buf.toString('utf8', i + 1, eol);
  if (type === '+') return { value: line, end: eol + 2 };
  if (type === '-') return { value: new Error(line), end: eol + 2 };
  if (type === ':') return { value: Number(line), end: eol + 2 };
  if (type === '$') {
    const n = Number(line);
    if (n < 0) return { value: null, end: eol + 2 };
    if (buf.length < eol + 2 + n + 2) return undefined;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
  }
  if (type === '*') {
    const n = Number(line);
    if (n < 0) return { value: null, end: eol + 2 };
    const out = [];
    let at = eol + 2;
    for (let k = 0; k < n; k++) {
      const r = parse(buf, at);
      if (!r) return undefined;
      out.push(r.value);
      at = r.end;
    }
    return { value: out, end: at };
  }
  throw new Error('bad RESP type ' + JSON.stringify(type));
}
const sock = net.connect({ host: E.host, port: E.port });
let buf = Buffer.alloc(0);
const waiting = [];
sock.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  while (waiting.length > 0) {
    const r = parse(buf, 0);
    if (!r) return;
    buf = buf.subarray(r.end);
    const w = waiting.shift();
    if (r.value instanceof Error) w.reject(r.value); else w.resolve(r.value);
  }
});
sock.on('error', (e) => die('connection to ' + E.host + ':' + E.port + ' failed: ' + e.message));
sock.on('close', () => { if (waiting.length > 0) die('connection closed'); });
function call(...args) {
  return new Promise((resolve, reject) => {
    waiting.push({ resolve, reject });
    sock.write('*' + args.length + '\r\n' + args.map((a) => {
      const s = String(a);
      return '$' + Buffer.byteLength(s) + '\r\n' + s + '\r\n';
    }).join(''));
  });
}
function run(item) {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, WORK_ITEM: item } });
    child.on('error', (e) => { console.error('worker ' + id + ': ' + e.message); resolve(127); });
    child.on('exit', (code, signal) => resolve(code === null ? 128 + (os.constants.signals[signal] || 0) : code));
  });
}

async function main() {
  if (process.env.QUEUE_PASSWORD) await call('AUTH', process.env.QUEUE_PASSWORD);
  let done = 0;
  let failed = 0;
  while (E.max === 0 || done < E.max) {
    const item = await call('BLMOVE', E.pending, E.processing, 'RIGHT', 'LEFT', '5');
    if (item === null) {
      if (E.exitWhen === 'empty') break;
      const left = await call('EVAL', "return redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])", '2', E.pending, E.processing);
      if (left === 0) break;
      continue;
    }
    const lease = E.leasePrefix + item;
    await call('SET', lease, id, 'EX', String(E.lease));
    const renew = setInterval(() => { call('EXPIRE', lease, String(E.lease)).catch((e) => die('EXPIRE failed: ' + e.message)); },
      Math.max(1, Math.floor(E.lease / 3)) * 1000);
    const rc = await run(item);
    clearInterval(renew);
    if (rc !== 0) {
      console.error('worker ' + id + ': command failed (' + rc + ') for item: ' + item);
      await call('RPUSH', E.failed, item);
      failed++;
    }
    await call('LREM', E.processing, '1', item);
    await call('DEL', lease);
    done++;
  }
  console.log('worker ' + id + ': ' + done + ' items, ' + failed + ' failed');
  sock.end();
}
main().catch((e) => die(e.message));
