'use strict';
// The baseline of bench/work-queue.bench.ts: a plain reliable-queue loop, BLMOVE pending -> processing, then LREM
// processing (two round trips per item, no lease, no retry), with a RESP client as small as the library's.
// Env: QUEUE_HOST QUEUE_PORT QUEUE_NAME. Exits when BLMOVE finds nothing for 10 ms.
const net = require('net');

const sock = net.connect({ host: process.env.QUEUE_HOST, port: Number(process.env.QUEUE_PORT) });
sock.setNoDelay(true);
let buf = Buffer.alloc(0);
let wait;
sock.on('data', (d) => {
  buf = buf.length ? Buffer.concat([buf, d]) : d;
  const eol = buf.indexOf(13);
  if (eol < 0) return;
  let value;
  let end;
  if (buf[0] === 36) {
    const n = Number(buf.toString('latin1', 1, eol));
    if (n < 0) { value = null; end = eol + 2; } else {
      if (buf.length < eol + 4 + n) return;
      value = buf.toString('utf8', eol + 2, eol + 2 + n);
      end = eol + 4 + n;
    }
  } else if (buf[0] === 42) { // *-1: BLMOVE timed out
    value = null;
    end = eol + 2;
  } else {
    value = buf.toString('utf8', 1, eol);
    end = eol + 2;
  }
  buf = buf.subarray(end);
  const w = wait;
  wait = undefined;
  w(value);
});
function call(...args) {
  return new Promise((resolve) => {
    wait = resolve;
    sock.write('*' + args.length + '\r\n' + args.map((a) => '$' + Buffer.byteLength(a) + '\r\n' + a + '\r\n').join(''));
  });
}
(async () => {
  const q = process.env.QUEUE_NAME;
  for (;;) {
    const item = await call('BLMOVE', q + ':pending', q + ':processing', 'RIGHT', 'LEFT', '0.01');
    if (item === null) break;
    await call('LREM', q + ':processing', '1', item);
  }
  sock.end();
})();
