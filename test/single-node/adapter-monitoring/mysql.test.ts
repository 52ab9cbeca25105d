// HealthCheck.mysqlQuery and MonitoringAdapter.mysqlExporter (issue 18, ch. 4 "Adding Rich Health Monitoring for
// MySQL"): the synthesized containers exactly, the alerts, every object through the strict validator.
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { buildApp } from '../../../examples/adapter-mysql';
import { AdapterMonitoring, ContainerImages, HealthCheck, HealthCheckProtocol, ImageKey, MonitoringAdapter, MonitoringAdapterType } from '../../../src';
import { one, synthAppValid, synthValid } from '../../harness';
import { sidecarOf } from '../../harness/sidecars';

// The app is a container; the adapters are sidecars (native sidecars on a line that has them).
const container = (objs: any[], name: string) => {
  const spec = one(objs, 'Deployment').spec.template.spec;
  return spec.containers.find((c: any) => c.name === name) ?? sidecarOf(spec, name);
};
const secretRef = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });

describe('MySQL health and exporter', () => {
  const objs = synthAppValid(buildApp());

  test('the example: snapshot', () => {
    expect(objs).toMatchSnapshot();
  });

  test('the health adapter runs the user\'s query with the Secret\'s credentials on localhost:3306', () => {
    const h = container(objs, 'health');
    expect(h.env).toEqual([
      { name: 'HEALTH_PORT', value: '8099' },
      { name: 'HEALTH_CHECK', value: 'mysql' },
      { name: 'HEALTH_TARGET_HOST', value: 'localhost' },
      { name: 'HEALTH_TARGET_PORT', value: '3306' },
      { name: 'HEALTH_TIMEOUT_MS', value: '2000' },
      { name: 'HEALTH_MYSQL_USER', ...secretRef('shop-db-monitor', 'username') },
      { name: 'HEALTH_MYSQL_PASSWORD', ...secretRef('shop-db-monitor', 'password') },
      { name: 'HEALTH_MYSQL_DATABASE', value: 'shop' },
      { name: 'HEALTH_SQL_QUERY', value: 'SELECT COUNT(*) FROM orders WHERE created_at > NOW() - INTERVAL 1 DAY' },
    ]);
    expect(h.readinessProbe.httpGet.path).toBe('/readyz');
    expect(h.readinessProbe.timeoutSeconds).toBe(3);
  });

  test('mysqld_exporter: address and user as flags (the user from the Secret, expanded by the kubelet), the password in its env', () => {
    const e = container(objs, 'mysql-exporter');
    expect(e.image).toBe(ContainerImages.defaultImage(ImageKey.MYSQLD_EXPORTER));
    expect(e.image).toBe('prom/mysqld-exporter:v0.16.0');
    expect(e.args).toEqual(['--mysqld.address=localhost:3306', '--mysqld.username=$(MYSQLD_EXPORTER_USER)', '--web.listen-address=:9104']);
    expect(e.env).toEqual([
      { name: 'MYSQLD_EXPORTER_USER', ...secretRef('shop-db-monitor', 'username') },
      { name: 'MYSQLD_EXPORTER_PASSWORD', ...secretRef('shop-db-monitor', 'password') },
    ]);
    expect(e.ports).toEqual([{ containerPort: 9104, name: 'metrics' }]);
    expect(e.securityContext.runAsUser).toBe(65534);
  });

  test('the alerts: exporter down, MysqlDown, MysqlConnectionsNearLimit', () => {
    const rule = one(objs, 'PrometheusRule');
    const alerts = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => [r.alert, r.expr]));
    expect(alerts).toEqual([
      ['MysqlExporterDown', 'up{job="shop-db", endpoint="metrics"} == 0'],
      ['MysqlDown', 'mysql_up{job="shop-db"} == 0'],
      ['MysqlConnectionsNearLimit', 'mysql_global_status_threads_connected{job="shop-db"} / mysql_global_variables_max_connections{job="shop-db"} > 0.9'],
    ]);
  });

  test('the factories: protocol and type; the port found by name mariadb, else 3306', () => {
    const chart = Testing.chart();
    const s = kplus.Secret.fromSecretName(chart, 's', 'db');
    const check = HealthCheck.mysqlQuery({ username: { secret: s, key: 'u' }, password: { secret: s, key: 'p' }, query: 'SELECT 1' });
    expect(check.protocol).toBe(HealthCheckProtocol.MYSQL);
    const exporter = MonitoringAdapter.mysqlExporter({ username: { secret: s, key: 'u' }, password: { secret: s, key: 'p' } });
    expect(exporter.type).toBe(MonitoringAdapterType.MYSQL_EXPORTER);
    expect(exporter.isExporter).toBe(true);
    new AdapterMonitoring(chart, 'db', {
      app: { image: 'mariadb:11.4.4', port: 3307, portName: 'mariadb', uid: 999, gid: 999 },
      adapters: [exporter, MonitoringAdapter.health({ check })],
    });
    const o = synthValid(chart);
    expect(container(o, 'health').env).toContainEqual({ name: 'HEALTH_TARGET_PORT', value: '3307' });
    expect(container(o, 'health').env.map((e: any) => e.name)).not.toContain('HEALTH_MYSQL_DATABASE');
    expect(container(o, 'mysql-exporter').args[0]).toBe('--mysqld.address=localhost:3307');
  });
});
