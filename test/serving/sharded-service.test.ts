import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppContainerProps, DownShard, NetworkPeer, RecommendedLabels, ShardedService, ShardedServiceProps, ShardKey } from '../../src';
import { ofKind, one, synthValid } from '../harness';
import { chartWithContext, everyPodOption, expectEveryPodOptionOn, expectLabelRule, resources } from './pod-template-checks';

const SHARD: AppContainerProps = { image: 'node:22.11.0-alpine3.20', port: 8080, readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }) };
const base: ShardedServiceProps = { shard: SHARD };

describe('ShardedService', () => {
  test('defaults: 3 shard Deployments + Services behind a replicated nginx router hashing the URI', () => {
    const chart = Testing.chart();
    const svc = new ShardedService(chart, 'search', base);
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    for (const i of [0, 1, 2]) {
      const d = one(objs, 'Deployment', `search-shard-${i}`);
      const c = d.spec.template.spec.containers[0];
      expect(c.env).toEqual([{ name: 'SHARD_INDEX', value: `${i}` }, { name: 'SHARD_COUNT', value: '3' }]);
      expect(c.readinessProbe.httpGet.path).toBe('/healthz');
      expect(one(objs, 'Service', `search-shard-${i}`).spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
    }
    expect(svc.configText).toContain('hash $request_uri consistent;');
    expect(svc.configText).toContain('server search-shard-2:8080 max_fails=0;');
    expect(svc.configText).toContain('proxy_next_upstream off;');
    expect(svc.downShard).toBe(DownShard.FAIL);
    const router = one(objs, 'Deployment', 'search-router');
    expect(router.spec.replicas).toBe(2);
    const nginx = router.spec.template.spec.containers[0];
    expect(nginx.command).toEqual(['nginx', '-c', '/etc/nginx/router/nginx.conf', '-e', 'stderr']);
    expect(nginx.securityContext).toMatchObject({ runAsUser: 101, readOnlyRootFilesystem: true });
    expect(nginx.volumeMounts).toEqual([{ mountPath: '/etc/nginx/router', name: 'router-config', readOnly: true }, { mountPath: '/tmp', name: 'nginx-tmp' }]);
    expect(router.spec.template.metadata.annotations['cdk8s-distributed-patterns/config-checksum']).toMatch(/^[0-9a-f]{64}$/);
    expect(one(objs, 'Service', 'search').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
    expect(one(objs, 'PodDisruptionBudget', 'search-router').spec.maxUnavailable).toBe(1);
    // single-replica shards get no PDB (it would block every drain)
    expect(ofKind(objs, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['search-router']);
  });

  test('downShard FAILOVER renders max_fails, fail_timeout and proxy_next_upstream from the props', () => {
    const chart = Testing.chart();
    const svc = new ShardedService(chart, 'search', { ...base, downShard: DownShard.FAILOVER, maxFails: 2, failTimeout: Duration.seconds(20) });
    synthValid(chart);
    expect(svc.downShard).toBe(DownShard.FAILOVER);
    expect(svc.configText).toContain('server search-shard-0:8080 max_fails=2 fail_timeout=20s;');
    expect(svc.configText).toContain('proxy_next_upstream error timeout http_502 http_503 http_504;');
  });

  test('replicated shards, a header shard key, env', () => {
    const chart = Testing.chart();
    const svc = new ShardedService(chart, 'profiles', {
      shard: { ...SHARD, env: { MODE: kplus.EnvValue.fromValue('ro') }, writableDirs: ['/tmp'] },
      shards: 2,
      replicasPerShard: 3,
      shardKey: ShardKey.header('X-User-Id'),
      routerReplicas: 3,
      servicePort: 8000,
    });
    const objs = synthValid(chart);
    expect(svc.configText).toContain('hash $http_x_user_id consistent;');
    expect(one(objs, 'Deployment', 'profiles-shard-1').spec.replicas).toBe(3);
    expect(one(objs, 'Deployment', 'profiles-shard-1').spec.template.spec.containers[0].env[0]).toEqual({ name: 'MODE', value: 'ro' });
    expect(ofKind(objs, 'PodDisruptionBudget')).toHaveLength(3);
    expect(one(objs, 'Deployment', 'profiles-shard-0').spec.template.spec.containers[0].volumeMounts).toEqual([{ mountPath: '/tmp', name: 'shard-tmp' }]);
    expect(one(objs, 'Service', 'profiles').spec.ports[0].port).toBe(8000);
  });

  test('a readiness probe without a port probes the shard port (not cdk8s-plus’s fallback 80)', () => {
    const chart = Testing.chart();
    new ShardedService(chart, 'search', { shard: { ...SHARD, port: 9090, readiness: kplus.Probe.fromHttpGet('/readyz') } });
    const c = one(synthValid(chart), 'Deployment', 'search-shard-0').spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 9090, scheme: 'HTTP' });
  });

  test('every pod option reaches every shard and the router; its spread replaces the library\'s', () => {
    // GIVEN replicated shards (so the library would spread them) and every pod option
    const chart = Testing.chart();
    new ShardedService(chart, 'search', { ...base, replicasPerShard: 2, pod: everyPodOption(chart) });
    // THEN every pod template has them
    expectEveryPodOptionOn(synthValid(chart), ['search-shard-0', 'search-shard-1', 'search-shard-2', 'search-router'], 4);
  });

  test('labels: the shards are the user\'s pods (name = the base name, component shard, told apart by the shard label), the router nginx', () => {
    const chart = Testing.chart();
    new ShardedService(chart, 'search', { ...base, partOf: 'shop' });
    const objs = synthValid(chart);
    for (const o of objs) {
      const component = o.metadata.labels['app.kubernetes.io/component'];
      expectLabelRule(o, component === 'router'
        ? { name: 'nginx', instance: 'search', component, partOf: 'shop', version: '1.27.3-alpine' }
        : { name: 'search', instance: 'search', component: 'shard', partOf: 'shop', version: '22.11.0-alpine3.20' });
    }
    for (const i of [0, 1, 2]) {
      const selector = one(objs, 'Deployment', `search-shard-${i}`).spec.selector.matchLabels;
      expect(selector['cdk8s-distributed-patterns/shard']).toBe(String(i));
      expect(one(objs, 'Service', `search-shard-${i}`).spec.selector).toEqual(selector);
    }
    // part-of defaults to the base name, or the app's
    expect(one(synthValid(make()), 'Service', 'search').metadata.labels['app.kubernetes.io/part-of']).toBe('search');
    const c = chartWithContext(RecommendedLabels.PART_OF_CONTEXT_KEY, 'storefront');
    new ShardedService(c, 'search', base);
    expect(one(synthValid(c), 'Service', 'search').metadata.labels['app.kubernetes.io/part-of']).toBe('storefront');
  });

  test('the shard defaults to uid 1000 and /tmp writable; the router takes routerResources; everything pulls IfNotPresent', () => {
    const chart = Testing.chart();
    new ShardedService(chart, 'search', {
      ...base,
      routerResources: resources(200, 400, 32, 64),
    });
    const objs = synthValid(chart);
    const shard = one(objs, 'Deployment', 'search-shard-0').spec.template.spec;
    expect(shard.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
    expect(shard.containers[0].volumeMounts).toEqual([{ mountPath: '/tmp', name: 'shard-tmp' }]);
    expect(shard.containers[0].resources).toEqual({ requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' }, limits: { 'cpu': '500m', 'memory': '128Mi', 'ephemeral-storage': '1Gi' } });
    const router = one(objs, 'Deployment', 'search-router').spec.template.spec.containers[0];
    expect(router.resources).toEqual({ requests: { 'cpu': '200m', 'memory': '32Mi', 'ephemeral-storage': '32Mi' }, limits: { 'cpu': '400m', 'memory': '64Mi', 'ephemeral-storage': '192Mi' } });
    for (const d of ofKind(objs, 'Deployment')) expect(d.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
  });
  test('NetworkPolicies: the clients → the router (its pod port) → each shard on the shard port, the router to DNS; the Mermaid from the same graph', () => {
    // GIVEN two shards behind Service port 80
    const chart = Testing.chart();
    const svc = new ShardedService(chart, 'search', { ...base, shards: 2 });
    const objs = synthValid(chart);
    const router = { 'app.kubernetes.io/component': 'router', 'app.kubernetes.io/instance': 'search', 'app.kubernetes.io/name': 'nginx' };
    const shard = (i: number) => ({
      'app.kubernetes.io/component': 'shard', 'app.kubernetes.io/instance': 'search', 'app.kubernetes.io/name': 'search', 'cdk8s-distributed-patterns/shard': String(i),
    });
    // THEN the router accepts this namespace on 8080 (the pod port behind the Service's 80), sends to the shards
    // on the shard port and to the cluster DNS
    const routerPolicy = one(objs, 'NetworkPolicy', 'search-router');
    expect(routerPolicy.spec).toEqual({
      podSelector: { matchLabels: router },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }],
      egress: [
        { to: [{ podSelector: { matchLabels: shard(0) } }], ports: [{ protocol: 'TCP', port: 8080 }] },
        { to: [{ podSelector: { matchLabels: shard(1) } }], ports: [{ protocol: 'TCP', port: 8080 }] },
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
        },
      ],
    });
    expect(routerPolicy.spec.podSelector.matchLabels).toEqual(one(objs, 'Deployment', 'search-router').spec.selector.matchLabels);
    expect(one(objs, 'Service', 'search').spec.ports[0].targetPort).toBe(8080);
    // each shard accepts the router only, on its port, and sends nothing
    for (const i of [0, 1]) {
      const p = one(objs, 'NetworkPolicy', `search-shard-${i}`);
      expect(p.spec).toEqual({
        podSelector: { matchLabels: shard(i) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: router } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
      });
      expect(p.spec.podSelector.matchLabels).toEqual(one(objs, 'Deployment', `search-shard-${i}`).spec.selector.matchLabels);
      expect(p.metadata.labels).toEqual(one(objs, 'Deployment', `search-shard-${i}`).metadata.labels);
    }
    expect(svc.toMermaid()).toBe([
      'flowchart LR',
      '  %% ShardedService test/search',
      '  n0["router ×2 (nginx)<br/>search-router"]',
      '  n1["shard 0 ×1<br/>search-shard-0"]',
      '  n2["shard 1 ×1<br/>search-shard-1"]',
      '  n3(["every pod of this namespace"])',
      '  n3 -->|8080/TCP| n0',
      '  n0 -->|8080/TCP| n1',
      '  n0 -->|8080/TCP| n2',
      '  dns(["cluster DNS"])',
      '  n0 -.->|53/UDP, 53/TCP| dns',
      '',
    ].join('\n'));
  });

  test('NetworkPolicies: named clients reach the router, extraEgress widens the shards only, enabled false emits none', () => {
    const chart = Testing.chart();
    new ShardedService(chart, 'search', {
      ...base,
      shard: { ...SHARD, port: 9090 },
      shards: 1,
      networkPolicy: { clients: [NetworkPeer.pods({ app: 'web' }, { team: 'shop' })], extraEgress: [{ peer: NetworkPeer.ipBlock('10.2.0.0/16'), ports: [{ port: 5432 }] }] },
    });
    const objs = synthValid(chart);
    const routerPolicy = one(objs, 'NetworkPolicy', 'search-router');
    expect(routerPolicy.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { team: 'shop' } }, podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(routerPolicy.spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: 9090 }]);
    expect(JSON.stringify(routerPolicy.spec.egress)).not.toContain('10.2.0.0/16');
    expect(one(objs, 'NetworkPolicy', 'search-shard-0').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.2.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
    const off = Testing.chart();
    new ShardedService(off, 'search', { ...base, networkPolicy: { enabled: false } });
    expect(ofKind(synthValid(off), 'NetworkPolicy')).toEqual([]);
  });
});

function make(): Chart {
  const chart = Testing.chart();
  new ShardedService(chart, 'search', base);
  return chart;
}
