// The book's "consistent HTTP sharding proxy" (ch. 6): four shards of a caching web server behind a replicated
// nginx router that hashes the request URI (`hash $request_uri consistent`), so each page lives on one shard and
// removing a shard moves only its pages.
//
// NetworkPolicies (on by default): only the ingress-nginx controller reaches the router (on its pod port 8080),
// the router reaches each shard on 8080 and the cluster DNS; the shards send nothing.
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NetworkPeer, ShardedService, ShardKey } from '../src';

export class ShardedHttpChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    new ShardedService(this, 'pages', {
      // Each shard is an unprivileged nginx serving (and caching) its share of the pages, as the image's uid 101.
      shard: {
        image: 'nginxinc/nginx-unprivileged:1.27.3-alpine',
        port: 8080,
        uid: 101,
        readiness: kplus.Probe.fromHttpGet('/'),
        writableDirs: ['/tmp', '/var/cache/nginx'],
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(64) },
        },
      },
      shards: 4,
      replicasPerShard: 2,
      shardKey: ShardKey.requestUri(),
      routerReplicas: 3,
      // The pages are served through the cluster's ingress-nginx controller (as its Helm chart installs it).
      networkPolicy: {
        clients: [NetworkPeer.pods({ 'app.kubernetes.io/name': 'ingress-nginx' }, { 'kubernetes.io/metadata.name': 'ingress-nginx' })],
      },
    });
  }
}

export function buildApp(): App {
  const app = new App();
  new ShardedHttpChart(app, 'sharded-http-service', { namespace: 'pages' });
  return app;
}

if (require.main === module) buildApp().synth();
