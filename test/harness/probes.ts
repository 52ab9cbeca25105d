import * as http from 'http';
import * as https from 'https';
import * as net from 'net';

// Probes made the way the kubelet makes them, for the tier-2 failure-contract proofs: the proof that a hung or dead
// process leaves the Service is that the probe of the synthesized pod spec fails against it.

/** The kubelet's TCP probe: success when the connection is established within `timeoutMs`. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<{ ok: boolean; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => { clearTimeout(timer); sock.destroy(); resolve({ ok, ms: Date.now() - t0 }); };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** A probe's outcome: success for 200–399 within the timeout (connect, TLS and answer), else why not. */
export interface ProbeResult { readonly ok: boolean; readonly ms: number; readonly why: string }

/** A kubelet-style GET: `get` (http's or https') on a connection of its own, bounded by `timeoutMs`. */
function getProbe(get: typeof http.get, options: https.RequestOptions, timeoutMs: number): Promise<ProbeResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ok, ms: Date.now() - t0, why });
    };
    const req = get({ ...options, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      done(code >= 200 && code < 400, `status ${code}`);
    });
    req.on('error', (e) => done(false, e.message));
    const timer = setTimeout(() => done(false, 'timeout'), timeoutMs);
  });
}

/** The kubelet's HTTPS probe: a GET without certificate checks. */
export function httpsProbe(host: string, port: number, probePath: string, timeoutMs: number): Promise<ProbeResult> {
  return getProbe(https.get, { host, port, path: probePath, rejectUnauthorized: false }, timeoutMs);
}

/** The kubelet's HTTP probe: a GET. */
export function httpProbe(host: string, port: number, probePath: string, timeoutMs: number): Promise<ProbeResult> {
  return getProbe(http.get, { host, port, path: probePath }, timeoutMs);
}

/** The probe's settings in seconds, as the pod spec has them (Kubernetes' defaults where unset). */
export function probeSeconds(p: any) {
  return { period: p.periodSeconds ?? 10, timeout: p.timeoutSeconds ?? 1, failures: p.failureThreshold ?? 3 };
}

/**
 * `failures` rounds of the kubelet's probes against a (stopped) process, as it makes them: a TCP probe and then
 * `get` (the pod spec's HTTP(S) probe), each bounded by `timeoutMs`.
 */
export async function probeRounds(host: string, port: number, failures: number, timeoutMs: number, get: () => Promise<ProbeResult>):
Promise<{ tcp: Array<{ ok: boolean; ms: number }>; get: ProbeResult[] }> {
  const rounds = { tcp: [] as Array<{ ok: boolean; ms: number }>, get: [] as ProbeResult[] };
  for (let i = 0; i < failures; i++) {
    rounds.tcp.push(await tcpProbe(host, port, timeoutMs));
    rounds.get.push(await get());
  }
  return rounds;
}
