// The book's sharded cache (ch. 6): five memcached shards behind a shared, replicated twemproxy tier (the
// `shard-router`), a second cache for sessions in ambassador mode inside the web pods, with hot shards
// replicated three times, and a Valkey cache with a password for rate limits.
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CacheEngine, RedisAuth, ShardedCache, ShardedCacheProxy } from '../src';

export class ShardedCacheChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    // Shared tier: any client in the namespace uses `page-cache:11211`.
    new ShardedCache(this, 'page-cache', {
      shards: 5,
      memoryPerShard: Size.gibibytes(1),
      proxy: ShardedCacheProxy.sharedTier({ replicas: 3 }),
      partOf: 'shop',
    });

    // Valkey behind the shared tier, with a password (create the Secret yourself); clients AUTH to `rate-limits:6379`.
    new ShardedCache(this, 'rate-limits', {
      engine: CacheEngine.VALKEY,
      shards: 3,
      memoryPerShard: Size.mebibytes(128),
      auth: RedisAuth.fromSecret(kplus.Secret.fromSecretName(this, 'rate-limits-auth', 'rate-limits-auth'), 'password'),
      partOf: 'shop',
    });

    // Ambassador mode: each web pod talks to its own twemproxy on 127.0.0.1:11211.
    const sessions = new ShardedCache(this, 'sessions', {
      shards: 3,
      replicasPerShard: 3,
      memoryPerShard: Size.mebibytes(256),
      proxy: ShardedCacheProxy.ambassador(),
      partOf: 'shop',
    });
    // The web Deployment is plain cdk8s-plus; `addClient` keeps its pod passing Pod Security restricted.
    const web = new kplus.Deployment(this, 'web', {
      metadata: { name: 'web' },
      replicas: 2,
      securityContext: { user: 101, group: 101, fsGroup: 101 },
    });
    const nginx = web.addContainer({
      name: 'web',
      image: 'nginxinc/nginx-unprivileged:1.27.3-alpine',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ number: 8080, name: 'http' }],
      readiness: kplus.Probe.fromHttpGet('/', { port: 8080 }),
      securityContext: { user: 101, group: 101 },
      resources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.mebibytes(32), limit: Size.mebibytes(128) },
      },
    });
    nginx.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'web-tmp', 'tmp'));
    nginx.mount('/var/cache/nginx', kplus.Volume.fromEmptyDir(this, 'web-cache', 'nginx-cache'));
    sessions.addClient(web);
  }
}

export function buildApp(): App {
  const app = new App();
  new ShardedCacheChart(app, 'sharded-cache');
  return app;
}

if (require.main === module) buildApp().synth();
