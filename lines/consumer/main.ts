// A user's cdk8s app on the current line, as `cdk8s init typescript-app` lays it out (main.ts, one Chart), with
// cdk8s-plus-34 and cdk8s-distributed-patterns-34 from npm: the user's own cdk8s-plus-34 objects — a Deployment
// whose container has a Probe, a Secret and its SecretValue — go into the patterns.
// test/real/line-packages.test.ts copies this file into a fresh app, installs the line's tarball there, type-checks it with the compiler options of `cdk8s init`
// and synthesizes it. It is compiled only there (no tsconfig of the repository includes it).
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { AmbassadorShardedRedis, CacheEngine, RedisAuth, ShardedCache, ShardedCacheProxy } from 'cdk8s-distributed-patterns-34';
import { Construct } from 'constructs';

export class MyChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    // The user's own objects, made with cdk8s-plus-34 (restricted with its own API: seccomp and capabilities).
    const secret: kplus.Secret = new kplus.Secret(this, 'redis-auth', {
      metadata: { name: 'redis-auth' },
      stringData: { password: 'not-a-real-password' },
    });
    const readiness: kplus.Probe = kplus.Probe.fromHttpGet('/healthz', { port: 8080 });
    const web: kplus.Deployment = new kplus.Deployment(this, 'web', {
      metadata: { name: 'web' },
      replicas: 2,
      securityContext: { ensureNonRoot: true, user: 101, group: 101 },
      containers: [{
        name: 'web',
        image: 'nginxinc/nginx-unprivileged:1.27.3-alpine',
        portNumber: 8080,
        readiness,
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(32), limit: Size.mebibytes(128) },
        },
        securityContext: {
          ensureNonRoot: true,
          user: 101,
          group: 101,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
      }],
    });

    // The patterns take them.
    const redis = new AmbassadorShardedRedis(this, 'sessions', {
      shards: 3,
      maxMemory: Size.mebibytes(64),
      auth: RedisAuth.fromSecret(secret, 'password'),
    });
    const ambassador: kplus.Container = redis.addAmbassadorTo(web);
    ambassador.mount('/var/run/consumer', kplus.Volume.fromEmptyDir(this, 'consumer-run', 'consumer-run'));
    new ShardedCache(this, 'pages', { shards: 2, engine: CacheEngine.MEMCACHED, proxy: ShardedCacheProxy.sharedTier({ replicas: 2 }) });
  }
}

const app = new App();
new MyChart(app, 'consumer');
app.synth();
