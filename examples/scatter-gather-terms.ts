// Term-partitioned document search (book ch. 7, "Scatter/Gather with Root Distribution"): the index is split by
// *term*, not by document — each of the 3 leaf shards holds the postings (the ids of the documents that contain
// the term) of the terms that hash to it. A query for several terms (`/search?q=sidecar,container`) goes to the
// root, which sends each shard only its own terms (`RequestPartition.queryTermsByHash()`, the same FNV-1a hash the
// leaves index by: `RequestPartition.shardOfTerm`) and answers the intersection of the document sets they return
// (`MergeStrategy.intersection()`): the documents that contain every term. A shard none of whose terms is in the
// query is not called.
//
// A missing shard fails the query (`MissingShards.FAIL`: 502 naming the shard and its terms), because the
// intersection without it would hold documents that lack its terms; `missingShards: MissingShards.PARTIAL`
// answers the intersection of the shards that answered instead, naming the missing one and its terms in
// `x-scatter-gather-missing` and `x-scatter-gather-missing-terms`.
import { App, Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { HedgePolicy, MergeStrategy, MissingShards, NetworkPeer, RequestPartition, ScatterGather } from '../src';
import { CORPUS, exampleLeaf, LEAF_PRELUDE, mountLeafFiles } from './scatter-gather-search';

/**
 * The leaf: the postings of the corpus words whose FNV-1a hash modulo SHARD_COUNT is SHARD_INDEX; GET /search?q=
 * <terms> answers the sorted ids of the documents that hold every one of them (the root sends it only its own).
 */
export const TERM_LEAF = `'use strict';
// A term-partitioned search leaf: holds the postings of the words of corpus.json whose FNV-1a hash modulo
// SHARD_COUNT is SHARD_INDEX, and answers GET /search?q=<term>,<term>… with the sorted ids of the documents that
// contain every term. A term that is not its own (the root routed it wrong) is answered 421.
${LEAF_PRELUDE}
const postings = new Map();
for (const d of JSON.parse(fs.readFileSync(path.join(__dirname, 'corpus.json'), 'utf8'))) {
  for (const w of new Set(words(d.title + ' ' + d.text))) {
    if (fnv1a(w) % count !== shard) continue;
    if (!postings.has(w)) postings.set(w, new Set());
    postings.get(w).add(d.id);
  }
}

function search(terms) {
  let docs = null;
  for (const t of terms) {
    const own = postings.get(t) || new Set();
    docs = docs === null ? new Set(own) : new Set([...docs].filter((id) => own.has(id)));
  }
  return [...(docs || [])].sort();
}

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://leaf');
  if (url.pathname === '/healthz') return res.end('ok\\n');
  res.setHeader('content-type', 'application/json');
  if (url.pathname !== '/search') {
    res.statusCode = 404;
    return res.end('{"error":"not found"}');
  }
  const terms = (url.searchParams.get('q') || '').split(',').filter((t) => t.length > 0);
  const foreign = terms.filter((t) => fnv1a(t) % count !== shard);
  if (foreign.length > 0) {
    res.statusCode = 421;
    return res.end(JSON.stringify({ error: 'not my terms', terms: foreign }));
  }
  res.end(JSON.stringify(search(terms)));
}).listen(Number(process.env.PORT), process.env.LISTEN_HOST || undefined, () => {
  console.log(JSON.stringify({ msg: 'leaf ready', shard: shard, count: count, terms: postings.size }));
});
`;

/** Props of `ScatterGatherTermsChart`. */
export interface ScatterGatherTermsChartProps extends ChartProps {
  /** What the root answers without a shard (the tests run both). Default: FAIL. */
  readonly missingShards?: MissingShards;
}

export class ScatterGatherTermsChart extends Chart {
  /** The scatter/gather tree. */
  public readonly search: ScatterGather;

  constructor(scope: Construct, id: string, props: ScatterGatherTermsChartProps = {}) {
    super(scope, id, props);

    this.search = new ScatterGather(this, 'search', {
      name: 'terms',
      shards: 3,
      replicasPerShard: 2,
      path: '/search',
      partition: RequestPartition.queryTermsByHash({ parameter: 'q' }),
      merge: MergeStrategy.intersection(),
      missingShards: props.missingShards ?? MissingShards.FAIL,
      timeout: Duration.millis(500),
      hedge: HedgePolicy.after(Duration.millis(50)),
      networkPolicy: { monitoring: NetworkPeer.namespace('monitoring') },
      leaf: exampleLeaf(this),
    });
    // The leaf program and the corpus, mounted into every leaf; each leaf indexes only its own terms.
    mountLeafFiles(this, this.search, { 'leaf.js': TERM_LEAF, 'corpus.json': `${JSON.stringify(CORPUS, undefined, 2)}\n` });
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(props: ScatterGatherTermsChartProps = {}): App {
  const app = new App();
  new ScatterGatherTermsChart(app, 'scatter-gather-terms', { namespace: 'search-terms', ...props });
  return app;
}

if (require.main === module) buildApp().synth();
