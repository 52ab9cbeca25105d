import { Duration } from 'cdk8s';
import { PrometheusAlertingRule } from '../../crds/prometheus-operator';

// Internal: the PromQL alert table of the exporter presets. Every exporter has the same "exporter down" alert;
// each app adds "app down" and one or more alerts about its limits. The expressions select the targets by the
// `job` label the ServiceMonitor gives them (the Service's name).

/** The apps the exporters watch. */
export type ExportedApp = 'redis' | 'memcached' | 'postgres' | 'mysql';

interface AppAlerts {
  /** The alert name prefix (`RedisExporterDown`). */
  readonly title: string;
  /** The app's alerts, for the series selector `sel` and the pod text `where`. */
  rules(sel: string, where: string): PrometheusAlertingRule[];
}

const APPS: { [app in ExportedApp]: AppAlerts } = {
  redis: {
    title: 'Redis',
    rules: (sel, where) => [{
      alert: 'RedisDown',
      expr: `redis_up{${sel}} == 0`,
      for: Duration.minutes(1),
      labels: { severity: 'critical' },
      annotations: { summary: 'Redis is down', description: `The exporter of ${where} cannot reach redis on localhost.` },
    }, {
      alert: 'RedisMemoryNearLimit',
      // The ratio on the left: `$value` is what the left side returns. No maxmemory (0) never fires.
      expr: `redis_memory_used_bytes{${sel}} / redis_memory_max_bytes{${sel}} > 0.9 and redis_memory_max_bytes{${sel}} > 0`,
      for: Duration.minutes(5),
      labels: { severity: 'warning' },
      annotations: { summary: 'Redis uses more than 90% of maxmemory', description: `Redis in ${where} uses {{ $value | humanizePercentage }} of its maxmemory: it will evict keys or refuse writes.` },
    }, {
      alert: 'RedisRejectedConnections',
      expr: `increase(redis_rejected_connections_total{${sel}}[5m]) > 0`,
      labels: { severity: 'warning' },
      annotations: { summary: 'Redis rejects connections', description: `Redis in ${where} rejected {{ $value }} connections in 5 minutes (maxclients reached).` },
    }],
  },
  memcached: {
    title: 'Memcached',
    rules: (sel, where) => [{
      alert: 'MemcachedDown',
      expr: `memcached_up{${sel}} == 0`,
      for: Duration.minutes(1),
      labels: { severity: 'critical' },
      annotations: { summary: 'Memcached is down', description: `The exporter of ${where} cannot reach memcached on localhost.` },
    }, {
      alert: 'MemcachedConnectionsNearLimit',
      expr: `memcached_current_connections{${sel}} / memcached_max_connections{${sel}} > 0.9`,
      for: Duration.minutes(5),
      labels: { severity: 'warning' },
      annotations: { summary: 'Memcached uses more than 90% of its connections', description: `Memcached in ${where} uses {{ $value | humanizePercentage }} of its connection limit (-c).` },
    }],
  },
  postgres: {
    title: 'Postgres',
    rules: (sel, where) => [{
      alert: 'PostgresDown',
      expr: `pg_up{${sel}} == 0`,
      for: Duration.minutes(1),
      labels: { severity: 'critical' },
      annotations: { summary: 'PostgreSQL is down', description: `The exporter of ${where} cannot connect to PostgreSQL on localhost.` },
    }, {
      alert: 'PostgresConnectionsNearLimit',
      expr: `sum by (namespace, pod) (pg_stat_activity_count{${sel}}) / max by (namespace, pod) (pg_settings_max_connections{${sel}}) > 0.9`,
      for: Duration.minutes(5),
      labels: { severity: 'warning' },
      annotations: { summary: 'PostgreSQL uses more than 90% of max_connections', description: `PostgreSQL in ${where} uses {{ $value | humanizePercentage }} of max_connections.` },
    }],
  },
  mysql: {
    title: 'Mysql',
    rules: (sel, where) => [{
      alert: 'MysqlDown',
      expr: `mysql_up{${sel}} == 0`,
      for: Duration.minutes(1),
      labels: { severity: 'critical' },
      annotations: { summary: 'MySQL is down', description: `The exporter of ${where} cannot connect to MySQL on localhost.` },
    }, {
      alert: 'MysqlConnectionsNearLimit',
      expr: `mysql_global_status_threads_connected{${sel}} / mysql_global_variables_max_connections{${sel}} > 0.9`,
      for: Duration.minutes(5),
      labels: { severity: 'warning' },
      annotations: { summary: 'MySQL uses more than 90% of max_connections', description: `MySQL in ${where} uses {{ $value | humanizePercentage }} of max_connections.` },
    }],
  },
};

/**
 * The alerts of one exporter: the exporter (the adapter `adapter`, scraped on the port named `portName`) is down,
 * the app is down, and the app nears one of its limits.
 */
export function alertsFor(app: ExportedApp, adapter: string, portName: string, job: string): PrometheusAlertingRule[] {
  const sel = `job="${job}"`;
  const where = '{{ $labels.namespace }}/{{ $labels.pod }}';
  const down: PrometheusAlertingRule = {
    alert: `${APPS[app].title}ExporterDown`,
    expr: `up{${sel}, endpoint="${portName}"} == 0`,
    for: Duration.minutes(5),
    labels: { severity: 'warning' },
    annotations: {
      summary: `The ${app} exporter cannot be scraped`,
      description: `Prometheus has not scraped the ${adapter} adapter of ${where} for 5 minutes: its ${app} metrics and alerts are blind.`,
    },
  };
  return [down, ...APPS[app].rules(sel, where)];
}
