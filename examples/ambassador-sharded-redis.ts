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
        // cdk8s-plus writes ephemeral storage in whole Gi only (the library's own containers are sized in Mi).
        ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
      },
    });
    redis.addAmbassadorTo(counter);

    // The shards' NetworkPolicy admits the counter's pods only; the counter itself is yours, and so is its policy
    // (the construct isolates only the pods it makes): here it serves nothing and reaches the shards and the DNS.
    const counterPolicy = new kplus.NetworkPolicy(this, 'counter-policy', {
      metadata: { name: 'hit-counter' },
      selector: counter,
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    counterPolicy.addEgressRule(kplus.Pods.select(this, 'shard-pods', { labels: redis.shards.selector }), [kplus.NetworkPolicyPort.tcp(6379)]);
    const dns = kplus.Pods.select(this, 'cluster-dns', {
      labels: { 'k8s-app': 'kube-dns' },
      namespaces: kplus.Namespaces.select(this, 'kube-system', { names: ['kube-system'] }),
    });
    counterPolicy.addEgressRule(dns, [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)]);
  }
}

export function buildApp(): App {
  const app = new App();
  new ShardedCounterChart(app, 'ambassador-sharded-redis', { namespace: 'shop' });
  return app;
}

if (require.main === module) buildApp().synth();
