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

/** The kubelet's HTTPS probe: a GET without certificate checks; success for 200–399 within `timeoutMs` (connect, TLS and answer). */
export function httpsProbe(host: string, port: number, probePath: string, timeoutMs: number): Promise<{ ok: boolean; ms: number; why: string }> {
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
    const req = https.get({ host, port, path: probePath, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      done(code >= 200 && code < 400, `status ${code}`);
    });
    req.on('error', (e) => done(false, e.message));
    const timer = setTimeout(() => done(false, 'timeout'), timeoutMs);
  });
}

/** The probe's settings in seconds, as the pod spec has them (Kubernetes' defaults where unset). */
export function probeSeconds(p: any) {
  return { period: p.periodSeconds ?? 10, timeout: p.timeoutSeconds ?? 1, failures: p.failureThreshold ?? 3 };
}
