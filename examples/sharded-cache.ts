// The book's sharded cache (ch. 6): five memcached shards behind a shared, replicated twemproxy tier (the
// `shard-router`), and a second cache for sessions in ambassador mode inside the web pods, with hot shards
// replicated three times.
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { RestrictedSecurity, ShardedCache, ShardedCacheProxy } from '../src';

export class ShardedCacheChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    // Shared tier: any client in the namespace uses `page-cache:11211`.
    new ShardedCache(this, 'page-cache', {
      shards: 5,
      memoryPerShard: Size.gibibytes(1),
      proxy: ShardedCacheProxy.sharedTier({ replicas: 3 }),
    });

    // Ambassador mode: each web pod talks to its own twemproxy on 127.0.0.1:11211.
    const sessions = new ShardedCache(this, 'sessions', {
      shards: 3,
      replicasPerShard: 3,
      memoryPerShard: Size.mebibytes(256),
      proxy: ShardedCacheProxy.ambassador(),
    });
    const web = new kplus.Deployment(this, 'web', {
      metadata: { name: 'web' },
      replicas: 2,
      securityContext: RestrictedSecurity.podSecurityContext(101, 101),
    });
    const nginx = RestrictedSecurity.addContainer(web, {
      name: 'web',
      image: 'nginxinc/nginx-unprivileged:1.27.3-alpine',
      ports: [{ number: 8080, name: 'http' }],
      readiness: kplus.Probe.fromHttpGet('/', { port: 8080 }),
      resources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.mebibytes(32), limit: Size.mebibytes(128) },
      },
    }, { uid: 101, gid: 101 });
    RestrictedSecurity.addWritableDirs(web, nginx, { paths: ['/tmp', '/var/cache/nginx'] });
    RestrictedSecurity.applySeccomp(web);
    sessions.addClient(web);
  }
}

export function buildApp(): App {
  const app = new App();
  new ShardedCacheChart(app, 'sharded-cache');
  return app;
}

if (require.main === module) buildApp().synth();
