// The book's "consistent HTTP sharding proxy" (ch. 6): four shards of a caching web server behind a replicated
// nginx router that hashes the request URI (`hash $request_uri consistent`), so each page lives on one shard and
// removing a shard moves only its pages.
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ShardedService, ShardKey } from '../src';

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
    });
  }
}

export function buildApp(): App {
  const app = new App();
  new ShardedHttpChart(app, 'sharded-http-service');
  return app;
}

if (require.main === module) buildApp().synth();
