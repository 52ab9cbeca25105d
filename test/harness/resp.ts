/**
 * A minimal RESP client for the tier-2 suites: pipelined commands over one connection, simple replies only
 * (status, error, integer, bulk string, nil) — what redis, valkey and twemproxy answer to SET/GET/AUTH/FLUSHALL.
 */
import * as net from 'net';

/** Sends every command over one connection and resolves with every reply (`+OK`, `-ERR …`, `:1`, a bulk string). */
export function respPipeline(port: number, commands: string[][], host = '127.0.0.1'): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const replies: string[] = [];
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`pipeline timed out after ${replies.length}/${commands.length} replies`)); }, 60_000);
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      for (;;) {
        const m = /^([+\-:][^\r]*\r\n|\$-1\r\n|\$(\d+)\r\n)/.exec(buf);
        if (!m) break;
        if (m[2] !== undefined) {
          const len = Number(m[2]);
          if (buf.length < m[0].length + len + 2) break;
          replies.push(buf.slice(m[0].length, m[0].length + len));
          buf = buf.slice(m[0].length + len + 2);
        } else {
          replies.push(m[0].trim());
          buf = buf.slice(m[0].length);
        }
        if (replies.length === commands.length) {
          clearTimeout(timer);
          sock.end();
          resolve(replies);
          return;
        }
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.write(commands.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join(''));
  });
}
