// The adapter pattern (book ch. 4): redis, unchanged, plus three adapters that give it the interface every app
// in the cluster shares — Prometheus metrics (redis_exporter), /healthz + /readyz backed by a redis PING, and its
// log file as normalized JSON lines on stdout (Fluent Bit) — scraped through a ServiceMonitor, with alerts in a
// PrometheusRule.
//
// The redis password comes from the Secret `redis-auth` (key `password`), which this app does not create: create it
// with `kubectl create secret generic redis-auth --from-literal=password=...` (a password does not belong in git).
import { App, Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AdapterMonitoring, ContainerImages, HealthCheck, ImageKey, LogFormat, MonitoringAdapter, NetworkPeer } from '../src';

export class AdapterRedisChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const auth = kplus.Secret.fromSecretName(this, 'auth', 'redis-auth');
    const redisUser = ContainerImages.user(ImageKey.REDIS);

    const password = { secret: auth, key: 'password' };
    new AdapterMonitoring(this, 'cache', {
      appContainerName: 'redis',
      app: {
        image: ContainerImages.resolve(this, ImageKey.REDIS),
        // The kubelet expands $(REDIS_PASSWORD) from the container's env. The log goes to a file, for the log adapter.
        args: ['--requirepass', '$(REDIS_PASSWORD)', '--logfile', '/var/log/redis/redis.log', '--dir', '/data', '--maxmemory', '200mb', '--maxmemory-policy', 'allkeys-lru'],
        env: { REDIS_PASSWORD: kplus.EnvValue.fromSecretValue(password) },
        port: 6379,
        portName: 'redis',
        uid: redisUser.uid,
        gid: redisUser.gid,
        writableDirs: ['/data'],
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
          memory: { request: Size.mebibytes(256), limit: Size.mebibytes(320) },
        },
      },
      adapters: [
        MonitoringAdapter.redisExporter({ password }),
        MonitoringAdapter.health({ check: HealthCheck.redisPing({ password }), timeout: Duration.seconds(2), period: Duration.seconds(5) }),
        MonitoringAdapter.logNormalizer({ logDir: '/var/log/redis', format: LogFormat.redis(), sizeLimit: Size.mebibytes(128) }),
      ],
      serviceMonitor: true,
      prometheusRule: true,
      // Only Prometheus (namespace monitoring) reaches the exporter and health ports; this namespace the app's.
      networkPolicy: { monitoring: NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { 'kubernetes.io/metadata.name': 'monitoring' }) },
    });
  }
}

/** The example app (also used by the tests and `npx projen examples`). */
export function buildApp(): App {
  const app = new App();
  new AdapterRedisChart(app, 'adapter-redis', { namespace: 'cache' });
  return app;
}

if (require.main === module) buildApp().synth();
