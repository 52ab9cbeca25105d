// The book's "Using an Ambassador to Shard a Service": a hit counter app whose pods talk to one redis on
// localhost:6379 — really a twemproxy ambassador spreading the keys over three redis shards by consistent hashing.
// The password comes from a Secret (create it yourself: kubectl create secret generic redis-auth --from-literal=password=…).
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AmbassadorShardedRedis, RedisAuth } from '../src';

export class ShardedCounterChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const secret = kplus.Secret.fromSecretName(this, 'auth', 'redis-auth');
    const password = { secret, key: 'password' };
    const redis = new AmbassadorShardedRedis(this, 'sharded-redis', {
      shards: 3,
      maxMemory: Size.mebibytes(512),
      storage: Size.gibibytes(5),
      // The shards read it as `requirepass` from a file (the default would be the Secret `sharded-redis-redis-auth`).
      auth: RedisAuth.fromSecret(secret, 'password'),
      hashTag: '{}',
      partOf: 'hit-counter',
    });

    // An existing app of yours, written with plain cdk8s-plus: it only ever talks to localhost:6379.
    // `addAmbassadorTo` keeps its pod passing Pod Security restricted (seccomp, no capabilities).
    const counter = new kplus.Deployment(this, 'counter', {
      metadata: { name: 'hit-counter' },
      replicas: 2,
      securityContext: { user: 999, group: 1000 },
    });
    counter.addContainer({
      name: 'counter',
      image: 'redis:7.2.5-alpine',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ['sh', '-c', 'while true; do redis-cli -h 127.0.0.1 -p 6379 --no-auth-warning INCR "{hits}:$(date +%Y-%m-%d)"; sleep 5; done'],
      envVariables: { REDISCLI_AUTH: kplus.EnvValue.fromSecretValue(password) },
      securityContext: { user: 999, group: 1000 },
      resources: {
        cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) },
        memory: { request: Size.mebibytes(16), limit: Size.mebibytes(64) },
      },
    });
    redis.addAmbassadorTo(counter);
  }
}

export function buildApp(): App {
  const app = new App();
  new ShardedCounterChart(app, 'ambassador-sharded-redis', { namespace: 'shop' });
  return app;
}

if (require.main === module) buildApp().synth();
