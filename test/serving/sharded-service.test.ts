import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ShardedService, ShardKey } from '../../src';
import { ofKind, one, synthValid } from '../harness';

const base = { image: 'node:22.11.0-alpine3.20', port: 8080, uid: 1000, readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }) };

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
    expect(svc.configText).toContain('server search-shard-2:8080;');
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

  test('replicated shards, a header shard key, env', () => {
    const chart = Testing.chart();
    const svc = new ShardedService(chart, 'profiles', { ...base, shards: 2, replicasPerShard: 3, shardKey: ShardKey.header('X-User-Id'), env: { MODE: 'ro' }, writableDirs: ['/tmp'], routerReplicas: 3, servicePort: 8000 });
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
    new ShardedService(chart, 'search', { ...base, port: 9090, readiness: kplus.Probe.fromHttpGet('/readyz') });
    const c = one(synthValid(chart), 'Deployment', 'search-shard-0').spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 9090, scheme: 'HTTP' });
  });

  describe('fails when', () => {
    test.each([
      [{ shards: 0 }, "ShardedService 'test/s': 'shards' must be an integer from 1 to 1024, got 0"],
      [{ replicasPerShard: 0 }, "'replicasPerShard' must be an integer from 1 to 100, got 0"],
      [{ readiness: undefined }, "'readiness' must be a probe (a router must not send requests to a shard that is not ready), got undefined"],
      [{ image: 'search:latest' }, "'image' must be an image pinned to a tag or digest other than 'latest'"],
      [{ shardKey: '$request_uri' }, "'shardKey' must be ShardKey.requestUri(), ShardKey.header(name), ShardKey.queryArgument(name) or ShardKey.cookie(name), got '$request_uri'"],
      [{ env: { SHARD_INDEX: '1' } }, "'env' must be names that are C identifiers other than SHARD_INDEX and SHARD_COUNT, got 'SHARD_INDEX'"],
      [{ name: 's'.repeat(53) }, "'name' must be a DNS-1123 label of at most 52 characters"],
      [{ port: 70000 }, "'port' must be an integer from 1 to 65535, got 70000"],
    ])('props are %j', (props, message) => {
      expect(() => new ShardedService(Testing.chart(), 's', { ...base, ...props } as any)).toThrow(message);
    });
  });
});
