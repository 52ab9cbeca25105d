// The PromQL alert table of the exporter presets (src/single-node/adapter-monitoring/_alerts.ts), on its own.
// The alerts firing on real series is proven with promtool in test/real/adapter-monitoring.test.ts.
import { PrometheusRule } from '../../../src';
import { alertsFor, ExportedApp } from '../../../src/single-node/adapter-monitoring/_alerts';

describe('alertsFor', () => {
  const apps: Array<[ExportedApp, string[]]> = [
    ['redis', ['RedisExporterDown', 'RedisDown', 'RedisMemoryNearLimit', 'RedisRejectedConnections']],
    ['memcached', ['MemcachedExporterDown', 'MemcachedDown', 'MemcachedConnectionsNearLimit']],
    ['postgres', ['PostgresExporterDown', 'PostgresDown', 'PostgresConnectionsNearLimit']],
  ];

  test.each(apps)('%s: the exporter-down alert first, then the app\'s own', (app, names) => {
    const rules = alertsFor(app, `${app}-exporter`, 'metrics', 'cache');
    expect(rules.map((r) => r.alert)).toEqual(names);
    // every expression selects the ServiceMonitor's job; the down alert the scraped port
    for (const r of rules) expect(r.expr).toContain('job="cache"');
    expect(rules[0].expr).toBe('up{job="cache", endpoint="metrics"} == 0');
    expect(rules[0].annotations?.description).toContain(`the ${app}-exporter adapter of {{ $labels.namespace }}/{{ $labels.pod }}`);
    expect(rules[0].annotations?.summary).toBe(`The ${app} exporter cannot be scraped`);
    for (const r of rules) {
      expect(Object.keys(r.annotations ?? {}).sort()).toEqual(['description', 'summary']);
      expect(['warning', 'critical']).toContain(r.labels?.severity);
    }
    expect(rules.filter((r) => r.labels?.severity === 'critical').map((r) => r.alert)).toEqual([names[1]]);
  });

  test('the rule file form has the durations Prometheus reads', () => {
    const file = PrometheusRule.ruleFile([{ name: 'g', rules: alertsFor('redis', 'redis-exporter', 'metrics', 'cache') }]);
    expect(file.groups[0].rules.map((r: any) => r.for)).toEqual(['5m', '1m', '5m', undefined]);
  });
});
