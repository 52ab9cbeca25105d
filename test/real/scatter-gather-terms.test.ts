/**
 * Tier 2: the term-partitioned search (issue 18; book ch. 7, "Scatter/Gather with Root Distribution") — the example
 * examples/scatter-gather-terms.ts run as its containers run: each leaf replica is the machine's `node` running the
 * leaf Deployment's command in a directory holding the files of the leaf ConfigMap, with the Deployment's env (its
 * SHARD_INDEX, SHARD_COUNT) plus LISTEN_HOST; the root is the root Deployment's exact command in a directory holding
 * the root ConfigMap's files, with nss_wrapper resolving each shard's headless Service name to its replicas' loopback
 * addresses (UV_THREADPOOL_SIZE=1: see test/real/scatter-gather.test.ts). Each leaf holds the postings of its own
 * terms only and answers 421 to a term that is not its own, so a mis-routed term cannot go unnoticed.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { buildApp } from '../../examples/scatter-gather-terms';
import { MissingShards, RequestPartition } from '../../src';
import { assertValid, one } from '../harness';
import { freeHost, nssWrapperLib } from '../harness/daemons';
import { start, Started, stopAll, tempDir } from '../harness/proc';

afterAll(() => stopAll());

const SHARDS = 3;

function objectsOf(missingShards: MissingShards): any[] {
  const objects = parseAllDocuments(buildApp({ missingShards }).synthYaml()).map((d) => d.toJS());
  assertValid(objects);
  return objects;
}

/** The files of a ConfigMap, written into a new directory (what its mount holds). */
function filesOf(objects: any[], configMap: string): string {
  const dir = tempDir(`sgt-${configMap}`);
  for (const [file, text] of Object.entries<string>(one(objects, 'ConfigMap', configMap).data)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

function envOf(container: any): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value]));
}

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
afterAll(() => agent.destroy());

function get(host: string, port: number, p: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path: p, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (x) => { body += x; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${host}:${port}${p} in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Every replica of every shard, started from the leaf Deployments of `objects`; by shard. */
async function startLeaves(objects: any[]): Promise<Array<Array<{ host: string; proc: Started }>>> {
  const dir = filesOf(objects, 'terms-leaf');
  const out: Array<Array<{ host: string; proc: Started }>> = [];
  for (let i = 0; i < SHARDS; i++) {
    const d = one(objects, 'Deployment', `terms-shard-${i}`);
    const c = d.spec.template.spec.containers[0];
    expect(c.workingDir).toBe(c.volumeMounts.find((m: any) => m.name === 'app').mountPath);
    const port = c.ports[0].containerPort;
    const [command, ...args] = [...c.command, ...(c.args ?? [])];
    const replicas = [];
    for (let r = 0; r < d.spec.replicas; r++) {
      const host = await freeHost(port);
      const proc = await start({
        name: `terms-leaf-${i}-${r}`,
        command: command === 'node' ? process.execPath : command,
        args,
        cwd: dir,
        env: { ...envOf(c), LISTEN_HOST: host },
        readyCheck: async () => (await get(host, port, c.readinessProbe.httpGet.path).catch(() => ({ status: 0 }))).status === 200,
        maxLifeMs: 300_000,
      });
      replicas.push({ host, proc });
    }
    out.push(replicas);
  }
  return out;
}

/** The root, run as its container runs, its shard names resolved to `leaves`. */
async function startRoot(objects: any[], tag: string, leaves: Array<Array<{ host: string }>>): Promise<{ host: string; port: number }> {
  const d = one(objects, 'Deployment', 'terms');
  const c = d.spec.template.spec.containers[0];
  const volume = d.spec.template.spec.volumes.find((v: any) => v.configMap);
  expect(c.workingDir).toBe(c.volumeMounts.find((m: any) => m.name === volume.name).mountPath);
  const dir = filesOf(objects, volume.configMap.name);
  const hosts = path.join(dir, 'hosts');
  fs.writeFileSync(hosts, ['127.0.0.1 localhost', ...leaves.flatMap((replicas, i) => replicas.map((l) => `${l.host} terms-shard-${i}`)), ''].join('\n'));
  const port = c.ports[0].containerPort;
  const host = await freeHost(port);
  const [command, ...args] = [...c.command, ...(c.args ?? [])];
  await start({
    name: `terms-root-${tag}`,
    command: command === 'node' ? process.execPath : command,
    args,
    cwd: dir,
    env: { ...envOf(c), LISTEN_HOST: host, LD_PRELOAD: nssWrapperLib(), NSS_WRAPPER_HOSTS: hosts, UV_THREADPOOL_SIZE: '1' },
    readyCheck: async () => {
      try {
        return (await get(host, port, '/readyz')).status === 200 && (await get(host, port, '/metrics')).body.includes('scatter_gather_shard_skipped_total{shard="0"}');
      } catch {
        return false;
      }
    },
    maxLifeMs: 300_000,
  });
  return { host, port };
}

// ---- the truth: the documents of the corpus that contain every term, computed directly
const failObjects = objectsOf(MissingShards.FAIL);
const corpus: Array<{ id: string; title: string; text: string }> = JSON.parse(one(failObjects, 'ConfigMap', 'terms-leaf').data['corpus.json']);
const wordsOf = (s: string) => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];
const docWords = corpus.map((d) => ({ id: d.id, words: new Set(wordsOf(`${d.title} ${d.text}`)) }));
const vocabulary = [...new Set(docWords.flatMap((d) => [...d.words]))].sort();

function truth(terms: string[]): string[] {
  return docWords.filter((d) => terms.every((t) => d.words.has(t))).map((d) => d.id).sort();
}

/** Seeded queries of 1 to 4 terms: corpus words (the frequent ones more often, so intersections are not all empty) and a few absent ones. */
function queries(n: number, seed: number): string[][] {
  /* eslint-disable no-bitwise */
  let s = seed >>> 0;
  const rand = () => { // mulberry32
    s = (s + 0x6D2B79F5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /* eslint-enable no-bitwise */
  const frequent = vocabulary.filter((w) => docWords.filter((d) => d.words.has(w)).length >= 3);
  const pick = () => {
    const x = rand();
    if (x < 0.05) return ['zebra', 'quantum', 'kafka'][Math.floor(rand() * 3)];
    const from = x < 0.6 ? frequent : vocabulary;
    return from[Math.floor(rand() * from.length)];
  };
  return Array.from({ length: n }, () => [...new Set(Array.from({ length: 1 + Math.floor(rand() * 4) }, pick))]);
}

/** A query URL: terms separated by commas and by '+' (a space), alternately. */
function urlOf(terms: string[]): string {
  return `/search?limit=10&q=${terms.map((t, i) => (i === 0 ? '' : i % 2 === 1 ? ',' : '+') + encodeURIComponent(t)).join('')}`;
}

const shardsOf = (terms: string[]) => [...new Set(terms.map((t) => RequestPartition.shardOfTerm(t, SHARDS)))].sort();
const termsOn = (terms: string[], shard: number) => terms.filter((t) => RequestPartition.shardOfTerm(t, SHARDS) === shard);

function metric(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  if (!found) throw new Error(`no metric ${line}`);
  return Number(found.split(' ')[1]);
}

describe('term-partitioned scatter/gather, the example run from its manifests', () => {
  let leaves: Array<Array<{ host: string; proc: Started }>>;
  let fail: { host: string; port: number };
  let partial: { host: string; port: number };

  beforeAll(async () => {
    leaves = await startLeaves(failObjects);
    fail = await startRoot(failObjects, 'fail', leaves);
    partial = await startRoot(objectsOf(MissingShards.PARTIAL), 'partial', leaves);
  });

  test('the synthesized root config partitions the q terms by hash over 3 shards and intersects', () => {
    const config = JSON.parse(one(failObjects, 'ConfigMap', 'terms-root').data['config.json']);
    expect([config.partition, config.merge, config.missingShards, config.shards.length]).toEqual([{ mode: 'queryTerms', parameter: 'q', rule: 'hash' }, { strategy: 'intersection' }, 'fail', 3]);
  });

  test('600 queries to each root: exactly the direct intersection over the corpus; only the shards holding a term are called', async () => {
    // GIVEN 600 seeded queries (1–4 terms), every shard up
    const qs = queries(600, 7);
    const expectedPrimaries = [0, 1, 2].map((s) => qs.filter((q) => shardsOf(q).includes(s)).length);
    // the sample exercises every shard, queries that skip shards, and both empty and non-empty answers
    expect(expectedPrimaries.every((n) => n > 50 && n < qs.length)).toBe(true);
    const nonEmpty = qs.filter((q) => truth(q).length > 0).length;
    expect(nonEmpty).toBeGreaterThan(100);
    expect(nonEmpty).toBeLessThan(qs.length);
    for (const root of [fail, partial]) {
      // WHEN each query goes to the root
      const wrong: string[] = [];
      for (const q of qs) {
        const r = await get(root.host, root.port, urlOf(q));
        const called = shardsOf(q).length;
        const got = `${r.status} ${r.body} ${r.headers['x-scatter-gather-shards']}`;
        const want = `200 ${JSON.stringify(truth(q))} ${called}/${called}`;
        if (got !== want) wrong.push(`${urlOf(q)}: got ${got}, want ${want}`);
      }
      // THEN every answer is exactly the intersection, counting the shards called
      expect(wrong).toEqual([]);
      // AND each shard got one primary request per query that holds one of its terms, and none for the others
      const m = (await get(root.host, root.port, '/metrics')).body;
      expect([0, 1, 2].map((s) => metric(m, `scatter_gather_shard_requests_total{shard="${s}",kind="primary"}`))).toEqual(expectedPrimaries);
      expect([0, 1, 2].map((s) => metric(m, `scatter_gather_shard_skipped_total{shard="${s}"}`))).toEqual(expectedPrimaries.map((n) => qs.length - n));
      expect(metric(m, 'scatter_gather_requests_total{code="200"}')).toBe(qs.length);
    }
  });

  test('a query without terms is 400, naming the parameter', async () => {
    const r = await get(fail.host, fail.port, '/search?q=,+&limit=3');
    expect([r.status, JSON.parse(r.body)]).toEqual([400, { error: 'the query parameter "q" has no terms (terms are separated by commas or white space)' }]);
  });

  test('SIGKILL: one replica of a shard, still exact (failover); both, FAIL 502 naming the shard and its terms, PARTIAL the intersection of the rest', async () => {
    const dead = 1;
    const qs = queries(300, 11);
    // GIVEN replica 0 of shard 1 SIGKILLed (left in the name)
    process.kill(leaves[dead][0].proc.pid, 'SIGKILL');
    for (let i = 0; i < 50 && leaves[dead][0].proc.exited === undefined; i++) await new Promise((r) => setTimeout(r, 100));
    expect(leaves[dead][0].proc.exited).toMatch(/signal SIGKILL/);
    // THEN every answer of both roots is still exact
    for (const root of [fail, partial]) {
      const wrong: string[] = [];
      for (const q of qs.slice(0, 150)) {
        const r = await get(root.host, root.port, urlOf(q));
        if (r.status !== 200 || r.body !== JSON.stringify(truth(q))) wrong.push(`${urlOf(q)}: ${r.status} ${r.body}`);
      }
      expect(wrong).toEqual([]);
    }
    // WHEN replica 1 of shard 1 is SIGKILLed too: the shard is dead
    process.kill(leaves[dead][1].proc.pid, 'SIGKILL');
    for (let i = 0; i < 50 && leaves[dead][1].proc.exited === undefined; i++) await new Promise((r) => setTimeout(r, 100));
    expect(leaves[dead][1].proc.exited).toMatch(/signal SIGKILL/);
    const touching = qs.filter((q) => shardsOf(q).includes(dead));
    expect(touching.length).toBeGreaterThan(30);
    expect(qs.length - touching.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    for (const q of qs) {
      const [a, b] = [await get(fail.host, fail.port, urlOf(q)), await get(partial.host, partial.port, urlOf(q))];
      const called = shardsOf(q).length;
      if (!shardsOf(q).includes(dead)) {
        // THEN a query none of whose terms is on the dead shard does not call it: exact, on both roots
        for (const r of [a, b]) if (r.status !== 200 || r.body !== JSON.stringify(truth(q))) wrong.push(`untouched ${urlOf(q)}: ${r.status} ${r.body}`);
        continue;
      }
      const own = termsOn(q, dead);
      const rest = q.filter((t) => !own.includes(t));
      // THEN FAIL: 502 naming shard 1 and its terms (refused at once, not timed out)
      const body = JSON.parse(a.body);
      const failOk = a.status === 502 && a.headers['x-scatter-gather-missing'] === String(dead) && a.headers['x-scatter-gather-shards'] === `${called - 1}/${called}`
        && body.missing.length === 1 && body.missing[0].shard === dead && JSON.stringify(body.missing[0].terms) === JSON.stringify(own)
        && /ECONNREFUSED/.test(body.missing[0].reason);
      if (!failOk) wrong.push(`FAIL ${urlOf(q)}: ${a.status} ${a.body} ${JSON.stringify(a.headers)}`);
      // AND PARTIAL: 200 with the intersection over the terms of the shards that answered, naming shard 1 and its
      // terms — or, when shard 1 was the only one called, 502 (no shard answered)
      const partialOk = rest.length === 0
        ? b.status === 502 && JSON.parse(b.body).error === 'no shard answered'
        : b.status === 200 && b.body === JSON.stringify(truth(rest)) && b.headers['x-scatter-gather-missing'] === String(dead)
          && b.headers['x-scatter-gather-missing-terms'] === own.map(encodeURIComponent).join(',');
      if (!partialOk) wrong.push(`PARTIAL ${urlOf(q)}: ${b.status} ${b.body} ${JSON.stringify(b.headers)}`);
    }
    expect(wrong).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`shard ${dead} dead: ${touching.length} of ${qs.length} queries touched it (FAIL 502, PARTIAL 200 or 502), ${qs.length - touching.length} exact on both roots`);
  });
});
