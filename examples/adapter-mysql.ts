// The book's "Adding Rich Health Monitoring for MySQL" (ch. 4): a MariaDB pod whose health adapter runs the app's
// own query (the orders table answers, not only the server) with credentials from a Secret, so the pod is Ready
// only while that query works, and a mysqld_exporter for Prometheus with its alerts.
import { App, Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AdapterMonitoring, HealthCheck, MonitoringAdapter, NetworkPeer } from '../src';

export class AdapterMysqlChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const monitor = kplus.Secret.fromSecretName(this, 'monitor', 'shop-db-monitor');
    const root = kplus.Secret.fromSecretName(this, 'root', 'shop-db-root');
    const username = { secret: monitor, key: 'username' };
    const password = { secret: monitor, key: 'password' };
    new AdapterMonitoring(this, 'shop-db', {
      appContainerName: 'mariadb',
      app: {
        image: 'mariadb:11.4.4',
        port: 3306,
        portName: 'mysql',
        uid: 999,
        gid: 999,
        env: { MARIADB_ROOT_PASSWORD: kplus.EnvValue.fromSecretValue({ secret: root, key: 'password' }) },
        writableDirs: ['/var/lib/mysql', '/run/mysqld', '/tmp'],
        resources: {
          cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
          memory: { request: Size.mebibytes(512), limit: Size.mebibytes(512) },
        },
      },
      adapters: [
        MonitoringAdapter.mysqlExporter({ username, password }),
        MonitoringAdapter.health({
          check: HealthCheck.mysqlQuery({ username, password, database: 'shop', query: 'SELECT COUNT(*) FROM orders WHERE created_at > NOW() - INTERVAL 1 DAY' }),
          period: Duration.seconds(10),
          timeout: Duration.seconds(2),
        }),
      ],
      serviceMonitor: true,
      prometheusRule: true,
      // Only Prometheus (namespace monitoring) reaches the exporter and health ports; this namespace the app's.
      networkPolicy: { monitoring: NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { 'kubernetes.io/metadata.name': 'monitoring' }) },
    });
  }
}

export function buildApp(): App {
  const app = new App();
  new AdapterMysqlChart(app, 'adapter-mysql', { namespace: 'orders' });
  return app;
}

if (require.main === module) buildApp().synth();
