// Scatter/gather search (book ch. 7): a corpus split over 4 leaf shards, each shard replicated twice; the root
// fans every query out to the 4 shards and keeps the 10 best hits by score. A shard that does not answer within
// 300 ms is left out (the answer says which, in `x-scatter-gather-missing`), and a shard slower than its own p95 is
// asked again on its other replica (hedged request).
//
// The leaves are a small real search server (an inverted index over the documents of its shard, no
// dependencies) run by the official node image from a ConfigMap; in production the leaf image is your own.
//
// NetworkPolicies (on by default): the namespace's pods reach the root's port, the root reaches the leaves of
// every shard on the leaf port and the cluster DNS, Prometheus in namespace `monitoring` scrapes the root's
// /metrics; the leaves send nothing. `search.toMermaid()` draws that graph.
import { App, Chart, ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  AppContainerProps, ConfigChecksum, ContainerImages, HedgePolicy, ImageKey, MergeStrategy, MissingShards, NetworkPeer, RecommendedLabels,
  ScatterGather,
} from '../src';

const LEAF_PORT = 9090;

/**
 * The head every leaf program of the scatter/gather examples shares: its modules, its shard from the env, the
 * FNV-1a hash and the word splitter.
 */
export const LEAF_PRELUDE = `const fs = require('fs');
const http = require('http');
const path = require('path');

const shard = Number(process.env.SHARD_INDEX);
const count = Number(process.env.SHARD_COUNT);
if (!Number.isInteger(shard) || !Number.isInteger(count) || shard < 0 || shard >= count) {
  console.error('SHARD_INDEX and SHARD_COUNT must be set: 0 <= SHARD_INDEX < SHARD_COUNT');
  process.exit(2);
}

function fnv1a(s) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

function words(s) {
  return s.toLowerCase().match(/[a-z0-9]+/g) || [];
}
`;

/** The leaf: indexes the documents of corpus.json whose id hashes to its shard, answers GET /search?q=… */
export const SEARCH_LEAF = `'use strict';
// A search leaf: indexes its shard of corpus.json (the documents whose id's FNV-1a hash modulo SHARD_COUNT is
// SHARD_INDEX) and answers GET /search?q=<words> with its 10 best hits [{ id, title, score, shard }], where score
// counts the query words in the title (twice) and the text.
${LEAF_PRELUDE}
const docs = JSON.parse(fs.readFileSync(path.join(__dirname, 'corpus.json'), 'utf8')).filter((d) => fnv1a(d.id) % count === shard);
const postings = new Map();
for (const d of docs) {
  const tf = new Map();
  for (const w of words(d.title)) tf.set(w, (tf.get(w) || 0) + 2);
  for (const w of words(d.text)) tf.set(w, (tf.get(w) || 0) + 1);
  for (const [w, n] of tf) {
    if (!postings.has(w)) postings.set(w, []);
    postings.get(w).push({ doc: d, n: n });
  }
}

function search(q) {
  const scores = new Map();
  for (const w of new Set(words(q))) {
    for (const p of postings.get(w) || []) scores.set(p.doc, (scores.get(p.doc) || 0) + p.n);
  }
  return Array.from(scores, ([d, score]) => ({ id: d.id, title: d.title, score: score, shard: shard }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, 10);
}

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://leaf');
  if (url.pathname === '/healthz') return res.end('ok\\n');
  if (url.pathname !== '/search') {
    res.statusCode = 404;
    return res.end('{"error":"not found"}');
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(search(url.searchParams.get('q') || '')));
}).listen(Number(process.env.PORT), process.env.LISTEN_HOST || undefined, () => {
  console.log(JSON.stringify({ msg: 'leaf ready', shard: shard, count: count, docs: docs.length, terms: postings.size }));
});
`;

/** The corpus: one line per pattern of the book. */
export const CORPUS = [
  ['sidecar', 'Sidecar', 'A sidecar container extends and enhances the application container in the same pod, sharing its network and volumes.'],
  ['ambassador', 'Ambassador', 'An ambassador container brokers the application\'s connections to the outside world, for example to sharded redis.'],
  ['adapter', 'Adapter', 'An adapter container turns the application\'s monitoring and logging interfaces into the standard one.'],
  ['replicated', 'Replicated load-balanced services', 'Stateless replicas behind a load balancer, with readiness probes and a cache tier.'],
  ['sharded', 'Sharded services', 'A sharded cache splits the keys over shards by consistent hashing; hot shards are replicated.'],
  ['scatter', 'Scatter/gather', 'A root fans each request out to every leaf shard and merges the answers; replicate each shard against stragglers.'],
  ['faas', 'Functions and event-driven processing', 'Functions as a service run small handlers on events, decorators and pipelines.'],
  ['election', 'Ownership election', 'A lock or lease in a key-value store decides which replica owns a shard.'],
  ['workqueue', 'Work queue systems', 'A source container feeds a work queue and worker containers process each item once.'],
  ['eventbatch', 'Event-driven batch processing', 'Copier, filter, splitter, sharder and merger stages connect queues into workflows.'],
  ['coordinated', 'Coordinated batch processing', 'Join and reduce stages gather the results of parallel work: count, sum, histogram.'],
  ['hedging', 'Hedged requests', 'Send a second request to another replica when the first is slower than the 95th percentile.'],
].map(([id, title, text]) => ({ id, title, text }));

/**
 * The leaf container of the examples: the `node` image runs `leaf.js` from /app as the image's own user, ready on
 * /healthz.
 */
export function exampleLeaf(scope: Construct): AppContainerProps {
  const node = ContainerImages.user(ImageKey.NODE);
  return {
    image: ContainerImages.resolve(scope, ImageKey.NODE),
    command: ['node', 'leaf.js'],
    workingDir: '/app',
    port: LEAF_PORT,
    env: { PORT: kplus.EnvValue.fromValue(String(LEAF_PORT)) },
    uid: node.uid, // the image's own non-root user
    gid: node.gid,
    readiness: kplus.Probe.fromHttpGet('/healthz'),
  };
}

/**
 * The leaf program and its data, in a ConfigMap `<host>-leaf` mounted at /app into every leaf (and labelled as the
 * leaves are); a change rolls the leaves.
 */
export function mountLeafFiles(scope: Construct, search: ScatterGather, data: Record<string, string>): void {
  const host = search.host;
  const image = ContainerImages.resolve(scope, ImageKey.NODE);
  const files = new kplus.ConfigMap(scope, 'leaf-files', {
    metadata: {
      name: `${host}-leaf`,
      labels: RecommendedLabels.of({ name: host, instance: host, component: 'leaf', partOf: host, version: RecommendedLabels.versionOf(image) }),
    },
    data,
  });
  search.leafContainers.forEach((leaf, i) => {
    leaf.mount('/app', kplus.Volume.fromConfigMap(scope, `leaf-files-${i}`, files, { name: 'app' }), { readOnly: true });
  });
  for (const d of search.shardDeployments) ConfigChecksum.annotate(d, [files]);
}

export class ScatterGatherSearchChart extends Chart {
  /** The scatter/gather tree. */
  public readonly search: ScatterGather;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    this.search = new ScatterGather(this, 'search', {
      shards: 4,
      replicasPerShard: 2,
      replicas: 2,
      path: '/search',
      merge: MergeStrategy.topK({ field: 'score', k: 10 }),
      timeout: Duration.millis(300),
      missingShards: MissingShards.PARTIAL,
      hedge: HedgePolicy.percentile({ percentile: 95, minDelay: Duration.millis(5) }),
      networkPolicy: { monitoring: NetworkPeer.namespace('monitoring') },
      leaf: exampleLeaf(this),
    });
    mountLeafFiles(this, this.search, { 'leaf.js': SEARCH_LEAF, 'corpus.json': `${JSON.stringify(CORPUS, undefined, 2)}\n` });
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(): App {
  const app = new App();
  new ScatterGatherSearchChart(app, 'scatter-gather-search', { namespace: 'search' });
  return app;
}

if (require.main === module) buildApp().synth();
