/**
 * Runs a synthesized function (FunctionService / FunctionDecorator / FunctionPipeline) as a process on loopback:
 * the files of its ConfigMap (runtime, handler, config.json) in a temp dir, the container's command and env. Only
 * what cannot hold off-cluster changes: config.json's `port` (a free loopback port) and `handlerFile` (the temp
 * dir instead of /etc/function), the URLs in `FUNCTION_URL_*` (the callers' loopback addresses) and Secret-backed
 * env (given by the test).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { freePort, start, Started, tempDir } from './proc';

/** A function process. */
export interface FunctionProcess {
  readonly url: string;
  readonly port: number;
  readonly proc: Started;
  /** The config.json as written (with the port and handler path changed). */
  readonly config: any;
}

/** The pod template spec of the function `host` (a Deployment or a Knative Service). */
function podSpecOf(objs: any[], host: string): any {
  const w = objs.find((o) => o.metadata?.name === host && (o.kind === 'Deployment' || (o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1')));
  if (!w) throw new Error(`no Deployment or Knative Service named ${host}`);
  return w.spec.template.spec;
}

/** Starts the function `host` of `objs`; `env` overrides or supplies env (URLs of successors, secrets). */
export async function startFunction(objs: any[], host: string, env: Record<string, string> = {}): Promise<FunctionProcess> {
  const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === host);
  if (!cm) throw new Error(`no ConfigMap named ${host}`);
  const dir = tempDir(`fn-${host}`);
  for (const [f, text] of Object.entries<string>(cm.data)) fs.writeFileSync(path.join(dir, f), text);
  const port = await freePort();
  const config = JSON.parse(cm.data['config.json']);
  config.port = port;
  config.handlerFile = path.join(dir, path.basename(config.handlerFile));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const c = podSpecOf(objs, host).containers[0];
  const podEnv: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) podEnv[e.name] = e.value;
    else if (env[e.name] === undefined) throw new Error(`${host}: env ${e.name} comes from ${JSON.stringify(e.valueFrom)}; the test must supply it`);
  }
  const [command, ...args] = (c.command as string[]).map((a) => a.replace(/^\/etc\/function/, dir));
  const url = `http://127.0.0.1:${port}`;
  const proc = await start({
    name: host,
    command,
    args,
    cwd: dir,
    env: { ...podEnv, ...env, LISTEN_HOST: '127.0.0.1' },
    readyCheck: async () => (await request(`${url}/healthz`, 'GET').catch(() => ({ status: 0 }))).status === 200,
    readyTimeoutMs: 20_000,
    maxLifeMs: 300_000,
  });
  return { url, port, proc, config };
}

/** An HTTP answer. */
export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly json?: any;
}

/** One HTTP request (JSON body when `body` is not a string). */
export function request(url: string, method: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(url, {
      method,
      headers: { ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers },
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (ch) => chunks.push(ch));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A Prometheus sample's value from a /metrics text (undefined when absent). */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-z_]+)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const kv of (m[3] ?? '').match(/[a-z_]+="(?:[^"\\]|\\.)*"/g) ?? []) {
      const i = kv.indexOf('=');
      got[kv.slice(0, i)] = kv.slice(i + 2, -1);
    }
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}
