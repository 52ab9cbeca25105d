import { Duration, Testing } from 'cdk8s';
import { PrometheusDuration, PrometheusRule, ServiceMonitor } from '../../src';
import { one, synthValid } from '../harness';

describe('PrometheusDuration', () => {
  test.each([
    [Duration.seconds(30), '30s'],
    [Duration.seconds(90), '1m30s'],
    [Duration.minutes(5), '5m'],
    [Duration.hours(2), '2h'],
    [Duration.days(2), '48h'],
    [Duration.millis(1500), '1s500ms'],
    [Duration.millis(250), '250ms'],
  ])('%s → %s', (d, text) => {
    expect(PrometheusDuration.of(d)).toBe(text);
  });

  test('fails when the duration is below 1ms', () => {
    expect(() => PrometheusDuration.of(Duration.millis(0))).toThrow('a Prometheus duration must be a whole number of milliseconds, at least 1ms, got 0ms');
  });
});

describe('ServiceMonitor', () => {
  test('synthesizes monitoring.coreos.com/v1 with the selector and the endpoints', () => {
    // GIVEN
    const chart = Testing.chart();
    const sm = new ServiceMonitor(chart, 'sm', {
      metadata: { name: 'cache', labels: { team: 'a' } },
      selector: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'cache' },
      endpoints: [{ port: 'metrics', interval: Duration.seconds(30), scrapeTimeout: Duration.seconds(10) }],
    });
    // WHEN an endpoint is added after construction
    const added = sm.addEndpoint({ port: 'health', path: '/stats' });
    const objs = synthValid(chart);
    // THEN
    expect(objs).toMatchSnapshot();
    expect(added).toEqual({ port: 'health', path: '/stats' });
    expect(one(objs, 'ServiceMonitor')).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'cache', labels: { team: 'a' } },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'redis' } },
        endpoints: [
          { port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
          { port: 'health', path: '/stats' },
        ],
      },
    });
    expect(sm.endpoints.map((e) => e.port)).toEqual(['metrics', 'health']);
  });

  test('fails at synthesis when it has no endpoint', () => {
    const chart = Testing.chart();
    new ServiceMonitor(chart, 'sm', { selector: { a: 'b' } });
    expect(() => Testing.synth(chart)).toThrow("ServiceMonitor 'test/sm': a ServiceMonitor needs at least one endpoint");
  });

  test.each([
    [{ selector: {} }, "ServiceMonitor 'test/sm': 'selector' must be at least one label, got {}"],
    [{ selector: { a: 'b' }, endpoints: [{ port: 'Metrics' }] }, "ServiceMonitor 'test/sm': 'endpoints[0].port' must be the name of a Service port (an IANA service name: at most 15 characters, lowercase letters, digits and single '-', with a letter), got 'Metrics'"],
    [{ selector: { a: 'b' }, endpoints: [{ port: 'metrics' }, { port: 'metrics' }] }, "ServiceMonitor 'test/sm': 'endpoints[1].port' must be a port no other endpoint scrapes, got 'metrics'"],
    [{ selector: { a: 'b' }, endpoints: [{ port: 'metrics', path: 'metrics' }] }, "ServiceMonitor 'test/sm': 'endpoints[0].path' must be an absolute HTTP path, got 'metrics'"],
    [{ selector: { a: 'b' }, endpoints: [{ port: 'metrics', interval: Duration.seconds(10), scrapeTimeout: Duration.seconds(15) }] },
      "ServiceMonitor 'test/sm': 'endpoints[0].scrapeTimeout' must be at most the interval (10s), got '15s'"],
  ])('fails when the props are invalid (%#)', (props, message) => {
    const chart = Testing.chart();
    expect(() => new ServiceMonitor(chart, 'sm', props as any)).toThrow(message);
  });
});

describe('PrometheusRule', () => {
  const rule = { alert: 'RedisDown', expr: 'redis_up == 0', for: Duration.minutes(1), labels: { severity: 'critical' }, annotations: { summary: 'Redis is down' } };

  test('spec is a Prometheus rule file', () => {
    // GIVEN
    const chart = Testing.chart();
    const pr = new PrometheusRule(chart, 'rules', { metadata: { name: 'cache' }, groups: [{ name: 'cache.rules', rules: [rule] }] });
    pr.addGroup({ name: 'other', interval: Duration.seconds(15), rules: [{ alert: 'Always', expr: 'vector(1)' }] });
    // WHEN
    const objs = synthValid(chart);
    // THEN
    expect(objs).toMatchSnapshot();
    expect(one(objs, 'PrometheusRule').spec).toEqual({
      groups: [
        { name: 'cache.rules', rules: [{ alert: 'RedisDown', expr: 'redis_up == 0', for: '1m', labels: { severity: 'critical' }, annotations: { summary: 'Redis is down' } }] },
        { name: 'other', interval: '15s', rules: [{ alert: 'Always', expr: 'vector(1)' }] },
      ],
    });
    expect(PrometheusRule.ruleFile(pr.groups)).toEqual(one(objs, 'PrometheusRule').spec);
  });

  test('fails at synthesis when it has no group', () => {
    const chart = Testing.chart();
    new PrometheusRule(chart, 'rules');
    expect(() => Testing.synth(chart)).toThrow("PrometheusRule 'test/rules': a PrometheusRule needs at least one group");
  });

  test.each([
    [[{ name: '', rules: [rule] }], "PrometheusRule 'test/rules': 'groups[0].name' must be a non-empty one-line name, got ''"],
    [[{ name: 'a', rules: [rule] }, { name: 'a', rules: [rule] }], "PrometheusRule 'test/rules': 'groups[1].name' must be a group name not used by another group, got 'a'"],
    [[{ name: 'a', rules: [] }], "PrometheusRule 'test/rules': 'groups[0].rules' must be at least one rule, got []"],
    [[{ name: 'a', rules: [{ ...rule, alert: 'Redis Down' }] }], "PrometheusRule 'test/rules': 'groups[0].rules[0].alert' must be an alert name (letters, digits, '_' and ':', not starting with a digit), got 'Redis Down'"],
    [[{ name: 'a', rules: [{ ...rule, expr: ' ' }] }], "PrometheusRule 'test/rules': 'groups[0].rules[0].expr' must be a PromQL expression, got ' '"],
    [[{ name: 'a', rules: [{ ...rule, labels: { 'team-name': 'x' } }] }], "PrometheusRule 'test/rules': 'groups[0].rules[0].labels' must be label names of letters, digits and '_' (not starting with '__'), got 'team-name'"],
  ])('fails when the groups are invalid (%#)', (groups, message) => {
    const chart = Testing.chart();
    expect(() => new PrometheusRule(chart, 'rules', { groups: groups as any })).toThrow(message);
  });
});
