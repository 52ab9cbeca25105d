// The book's sharded cache (ch. 6): five memcached shards behind a shared, replicated twemproxy tier (the
// `shard-router`), a second cache for sessions in ambassador mode inside the web pods, with hot shards
// replicated three times, a Job that warms the session cache through its own ambassador, and a Valkey cache with
// a password for rate limits.
import { App, Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CacheEngine, NetworkPeer, RedisAuth, ShardedCache, ShardedCacheProxy } from '../src';

export class ShardedCacheChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    // Shared tier: any client in the namespace uses `page-cache:11211`; Prometheus (namespace `monitoring`) scrapes
    // twemproxy's stats port. Each cache's NetworkPolicies let only its proxy reach its shards.
    new ShardedCache(this, 'page-cache', {
      shards: 5,
      memoryPerShard: Size.gibibytes(1),
      proxy: ShardedCacheProxy.sharedTier({ replicas: 3, exposeStats: true }),
      partOf: 'shop',
      networkPolicy: { monitoring: NetworkPeer.namespace('monitoring') },
    });

    // Valkey behind the shared tier, with a password (create the Secret yourself); clients AUTH to `rate-limits:6379`
    // — only the web pods may.
    new ShardedCache(this, 'rate-limits', {
      engine: CacheEngine.VALKEY,
      shards: 3,
      memoryPerShard: Size.mebibytes(128),
      auth: RedisAuth.fromSecret(kplus.Secret.fromSecretName(this, 'rate-limits-auth', 'rate-limits-auth'), 'password'),
      partOf: 'shop',
      networkPolicy: { clients: [NetworkPeer.pods({ 'app.kubernetes.io/name': 'web' })] },
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
      podMetadata: { labels: { 'app.kubernetes.io/name': 'web' } },
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
        // cdk8s-plus writes ephemeral storage in whole Gi only (the library's own containers are sized in Mi).
        ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
      },
    });
    nginx.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'web-tmp', 'tmp', { sizeLimit: Size.mebibytes(64) }));
    nginx.mount('/var/cache/nginx', kplus.Volume.fromEmptyDir(this, 'web-cache', 'nginx-cache', { sizeLimit: Size.mebibytes(256) }));
    sessions.addClient(web);

    // A Job is a client too: it warms the session cache through its own twemproxy on 127.0.0.1:11211. On the 34
    // package (Kubernetes 1.34) the ambassador is a native sidecar (an init container with `restartPolicy: Always`):
    // it starts before the worker and stops after it, so the Job completes when the worker exits. On the 27 package
    // it is a regular container that never exits: the pod would not complete, and the deadline ends the Job.
    const warm = new kplus.Job(this, 'sessions-warm', {
      metadata: { name: 'sessions-warm' },
      backoffLimit: 2,
      activeDeadline: Duration.minutes(10),
      ttlAfterFinished: Duration.hours(1),
      securityContext: { user: 1000, group: 1000 },
    });
    warm.addContainer({
      name: 'warm',
      image: 'busybox:1.36.1',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ['sh', '-c', 'printf \'set warmed 0 3600 1\\r\\n1\\r\\n\' | nc -w 5 127.0.0.1 11211 | grep -q STORED'],
      securityContext: { user: 1000, group: 1000 },
      resources: {
        cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) },
        memory: { request: Size.mebibytes(8), limit: Size.mebibytes(32) },
        // cdk8s-plus writes ephemeral storage in whole Gi only (the library's own containers are sized in Mi).
        ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
      },
    });
    sessions.addClient(warm);
  }
}

export function buildApp(): App {
  const app = new App();
  new ShardedCacheChart(app, 'sharded-cache', { namespace: 'caching' });
  return app;
}

if (require.main === module) buildApp().synth();
