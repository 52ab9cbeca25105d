// The book's replicated, load-balanced dictionary service (chapter 5) in three tiers:
//
//   client → nginx (TLS with the edge certificate) → varnish (cache) → dictionary server (replicas)
//
// The dictionary server downloads an 8 MB dictionary when it starts and reports ready on /readyz only once it
// has loaded it: the readiness probe is what keeps traffic away from a replica that cannot answer yet, and
// varnish probes the same path through the app's Service.
//
// The app: the book runs `brendanburns/dictionary-server`, which is published only as `latest` (its Dockerfile
// builds from node:7.5-slim and writes the download into `/`, as root). The library refuses unpinned images and
// runs pods as non-root with a read-only root filesystem, so this example runs a dictionary server of its own,
// written for this example and equivalent to the book's (GET /<word>, GET /readyz, download at start), on the
// pinned official Node.js image from the library's image table, as Node's non-root user.
import { ApiObject, App, Chart, ChartProps, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ConfigChecksum, ContainerImages, ImageKey, NetworkPeer, RecommendedLabels, ReplicatedService, TlsVersion } from '../src';

/** The dictionary the book's server downloads, pinned to the repository's last commit. */
const DICTIONARY_URL = 'https://raw.githubusercontent.com/adambom/dictionary/0ae109fdbebaf550d406672913b4350ba97bfe15/dictionary.json';

/** The server: plain Node.js, no dependencies. */
const SERVER_JS = `'use strict';
// GET /<word>: its definition (404 if unknown); GET /readyz: 200 once the dictionary is loaded, 503 before.
const http = require('http');
const https = require('https');

let dictionary = null;

function load(attempt) {
  https.get(process.env.DICTIONARY_URL, (res) => {
    if (res.statusCode !== 200) { res.resume(); return retry(attempt, 'HTTP ' + res.statusCode); }
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      try {
        dictionary = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        console.log('dictionary loaded: ' + Object.keys(dictionary).length + ' words; ready');
      } catch (e) { retry(attempt, e.message); }
    });
    res.on('error', (e) => retry(attempt, e.message));
  }).on('error', (e) => retry(attempt, e.message));
}

function retry(attempt, why) {
  const ms = Math.min(30000, 1000 * 2 ** attempt);
  console.log('dictionary download failed (' + why + '), retrying in ' + ms + 'ms');
  setTimeout(() => load(attempt + 1), ms);
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://localhost').pathname;
  if (path === '/readyz') {
    res.writeHead(dictionary ? 200 : 503, { 'content-type': 'text/plain' });
    return res.end(dictionary ? 'ok' : 'loading');
  }
  if (!dictionary) {
    res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
    return res.end('loading');
  }
  const word = decodeURIComponent(path.slice(1)).toUpperCase();
  const definition = dictionary[word];
  // Definitions never change: let the cache tier keep them for an hour.
  res.writeHead(definition ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=3600' });
  res.end(definition ? definition + '\\n' : word + ' was not found\\n');
});

server.listen(8080, () => console.log('listening on 8080'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
load(0);
`;

export class ReplicatedDictionaryChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const node = ContainerImages.user(ImageKey.NODE);
    const image = ContainerImages.resolve(this, ImageKey.NODE);

    // The server's code, labelled as the app's own (the label rule of the library's objects).
    const code = new kplus.ConfigMap(this, 'server', {
      metadata: {
        name: 'dictionary-server',
        labels: RecommendedLabels.of({ name: 'dictionary', instance: 'dictionary', component: 'app', partOf: 'dictionary', version: RecommendedLabels.versionOf(image) }),
      },
      data: { 'server.js': SERVER_JS },
    });

    const dictionary = new ReplicatedService(this, 'dictionary', {
      app: {
        image,
        command: ['node', '/app/server.js'],
        env: { DICTIONARY_URL: kplus.EnvValue.fromValue(DICTIONARY_URL) },
        port: 8080,
        uid: node.uid, // the image's own non-root user
        gid: node.gid,
        readiness: kplus.Probe.fromHttpGet('/readyz', { periodSeconds: Duration.seconds(5) }),
        liveness: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(10) }),
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
          memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
        },
        writableDirs: [],
      },
      autoscaling: { minReplicas: 3, maxReplicas: 10 },
      // Each tier accepts only the tier in front of it (the TLS tier: anyone, it is a LoadBalancer); the app's own
      // traffic is the dictionary download, HTTPS to GitHub's addresses (which vary).
      networkPolicy: { extraEgress: [{ peer: NetworkPeer.anywhere(), ports: [{ port: 443 }] }] },
    });
    dictionary.container.mount('/app', kplus.Volume.fromConfigMap(this, 'server-volume', code, { name: 'server' }), { readOnly: true });
    ConfigChecksum.annotate(dictionary.deployment, [code]); // new code rolls the replicas

    // The book sizes varnish at 2G of cache with a 2Gi memory request; here 1Gi of cache in a 1152Mi container.
    dictionary.addCacheTier({ cacheSize: Size.gibibytes(1), grace: Duration.hours(6) });

    // The edge certificate (kubernetes.io/tls, e.g. from cert-manager) is the TLS tier's own; the tiers behind it
    // speak plain HTTP inside the cluster.
    // Each client address may make 20 requests per second through each nginx replica, in bursts of 40 more;
    // above that it gets 429 with Retry-After. The Service keeps the client's address (externalTrafficPolicy:
    // Local): with the default (Cluster), the nodes' address would stand for every client they forward.
    const edge = dictionary.addTlsTier({
      secret: kplus.Secret.fromSecretName(this, 'edge-certificate', 'dictionary-tls'),
      replicas: 4,
      redirectHttpPort: 8081,
      minTlsVersion: TlsVersion.TLS_1_2,
      serviceType: kplus.ServiceType.LOAD_BALANCER,
      rateLimitPerSecond: 20,
      rateLimitBurst: 40,
    });
    ApiObject.of(edge.service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', 'Local'));
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(): App {
  const app = new App();
  new ReplicatedDictionaryChart(app, 'replicated-dictionary', { namespace: 'dictionary' });
  return app;
}

if (require.main === module) buildApp().synth();
