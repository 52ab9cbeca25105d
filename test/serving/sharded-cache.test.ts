import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { CacheEngine, RestrictedSecurity, ShardedCache, ShardedCacheProxy, ShardedCacheProxyMode, TwemproxyHash } from '../../src';
import { ofKind, one, synthValid } from '../harness';

function client(chart: Chart, id = 'web', ports: number[] = [8080]) {
  const d = new kplus.Deployment(chart, id, { metadata: { name: id }, securityContext: RestrictedSecurity.podSecurityContext(1000, 1000) });
  RestrictedSecurity.addContainer(d, { name: id, image: 'node:22.11.0-alpine3.20', ports: ports.map((number) => ({ number })) }, { uid: 1000, gid: 1000 });
  RestrictedSecurity.applySeccomp(d);
  return d;
}

const conf = (objs: any[], name = 'cache-twemproxy') => {
  const doc = parse(one(objs, 'ConfigMap', name).data['nutcracker.yml']);
  return doc[Object.keys(doc)[0]];
};

describe('ShardedCache', () => {
  test('defaults: memcached shards behind a shared, replicated twemproxy tier (the book’s shard-router)', () => {
    // GIVEN / WHEN
    const chart = Testing.chart();
    const cache = new ShardedCache(chart, 'cache');
    const objs = synthValid(chart);
    // THEN
    expect(objs).toMatchSnapshot();
    expect(cache.endpoint).toBe('cache:11211');
    const sts = one(objs, 'StatefulSet', 'cache-shard');
    expect(sts.spec.replicas).toBe(3);
    const mc = sts.spec.template.spec.containers[0];
    expect(mc.image).toBe('memcached:1.6.31-alpine');
    expect(mc.args).toEqual(['--port', '11211', '--udp-port', '0', '--memory-limit', '256', '--conn-limit', '1024', '--max-item-size', '1024k']);
    expect(mc.resources.limits.memory).toBe('336Mi');
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 11211, runAsGroup: 11211 });
    expect(conf(objs)).toEqual({
      listen: '0.0.0.0:11211',
      hash: 'fnv1a_64',
      distribution: 'ketama',
      redis: false,
      auto_eject_hosts: true,
      timeout: 400,
      server_retry_timeout: 30000,
      server_failure_limit: 2,
      server_connections: 1,
      preconnect: false,
      servers: [0, 1, 2].map((i) => `cache-shard-${i}.cache-shard:11211:1 cache-shard-${i}`),
    });
    const proxy = one(objs, 'Deployment', 'cache-proxy');
    expect(proxy.spec.replicas).toBe(2);
    expect(proxy.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    const tp = proxy.spec.template.spec.containers[0];
    expect(tp.ports).toEqual([{ containerPort: 11211, name: 'memcached' }]);
    expect(tp.readinessProbe.tcpSocket.port).toBe(11211);
    const svc = one(objs, 'Service', 'cache');
    expect(svc.spec.ports).toEqual([{ name: 'memcached', port: 11211, targetPort: 11211 }]);
    expect(proxy.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(ofKind(objs, 'PodDisruptionBudget').map((p) => p.metadata.name).sort()).toEqual(['cache-proxy', 'cache-shard']);
  });

  test('ambassador mode: twemproxy in each client pod on 127.0.0.1, no proxy tier', () => {
    const chart = Testing.chart();
    const cache = new ShardedCache(chart, 'cache', { proxy: ShardedCacheProxy.ambassador() });
    cache.addClient(client(chart, 'web'));
    cache.addClient(client(chart, 'api'));
    const objs = synthValid(chart);
    expect(cache.endpoint).toBe('127.0.0.1:11211');
    expect(conf(objs).listen).toBe('127.0.0.1:11211');
    expect(ofKind(objs, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['api', 'web']);
    for (const d of ofKind(objs, 'Deployment')) {
      const amb = d.spec.template.spec.containers.find((c: any) => c.name === 'twemproxy');
      expect(amb.ports).toBeUndefined();
      expect(amb.volumeMounts).toEqual([{ mountPath: '/etc/nutcracker', name: 'cache-twemproxy', readOnly: true }]);
    }
    expect(ofKind(objs, 'Service').map((s) => s.metadata.name)).toEqual(['cache-shard']);
  });

  test('replicated (hot) shards: a Deployment and a Service per shard, twemproxy lists the shard Services', () => {
    const chart = Testing.chart();
    const cache = new ShardedCache(chart, 'cache', { shards: 2, replicasPerShard: 3 });
    const objs = synthValid(chart);
    expect(ofKind(objs, 'StatefulSet')).toEqual([]);
    expect(cache.shardDeployments).toHaveLength(2);
    for (const i of [0, 1]) {
      expect(one(objs, 'Deployment', `cache-shard-${i}`).spec.replicas).toBe(3);
      expect(one(objs, 'Service', `cache-shard-${i}`).spec.clusterIP).toBeUndefined();
      expect(one(objs, 'PodDisruptionBudget', `cache-shard-${i}`).spec.maxUnavailable).toBe(1);
    }
    expect(conf(objs).servers).toEqual(['cache-shard-0:11211:1 cache-shard-0', 'cache-shard-1:11211:1 cache-shard-1']);
    expect(conf(objs).server_connections).toBe(3);
    // same ring names as the StatefulSet mode: switching modes moves no key
    const plain = new ShardedCache(Testing.chart(), 'cache', { shards: 2 });
    expect(cache.hashing.servers).toEqual(plain.hashing.servers);
  });

  test('redis engine, every tunable', () => {
    const chart = Testing.chart();
    new ShardedCache(chart, 'sessions', {
      engine: CacheEngine.REDIS,
      shards: 4,
      memoryPerShard: Size.mebibytes(64),
      maxConnections: 500,
      hash: TwemproxyHash.MURMUR,
      hashTag: '{}',
      timeout: Duration.millis(100),
      autoEjectHosts: false,
      serverRetryTimeout: Duration.seconds(5),
      serverFailureLimit: 3,
      port: 7000,
      statsPort: 7001,
      proxy: ShardedCacheProxy.sharedTier({ replicas: 3, exposeStats: true }),
    });
    const objs = synthValid(chart);
    const redis = one(objs, 'StatefulSet', 'sessions-shard').spec.template.spec.containers[0];
    expect(redis.args).toEqual(['--port', '6379', '--bind', '* -::*', '--protected-mode', 'no', '--dir', '/data', '--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru', '--save', '', '--appendonly', 'no', '--maxclients', '500']);
    expect(conf(objs, 'sessions-twemproxy')).toMatchObject({ listen: '0.0.0.0:7000', hash: 'murmur', hash_tag: '{}', redis: true, auto_eject_hosts: false, timeout: 100, server_retry_timeout: 5000, server_failure_limit: 3 });
    expect(one(objs, 'Deployment', 'sessions-proxy').spec.replicas).toBe(3);
    expect(one(objs, 'Deployment', 'sessions-proxy').spec.template.spec.containers[0].ports).toEqual([{ containerPort: 7000, name: 'redis' }, { containerPort: 7001, name: 'stats' }]);
  });

  test('planResize: the expected miss fraction after a resize', () => {
    const cache = new ShardedCache(Testing.chart(), 'cache', { shards: 4 });
    const plan = cache.planResize(5);
    expect(plan.floor).toBeCloseTo(0.2);
    expect(plan.movedFraction).toBeGreaterThan(0.1);
    expect(plan.movedFraction).toBeLessThan(0.3);
    expect(cache.planResize(4).movedFraction).toBe(0);
  });

  test('every hash twemproxy offers is modelled: jenkins renders and the model places keys with it', () => {
    const chart = Testing.chart();
    const cache = new ShardedCache(chart, 'cache', { hash: TwemproxyHash.JENKINS });
    expect(conf(synthValid(chart)).hash).toBe('jenkins');
    expect(cache.hashing.hash).toBe(TwemproxyHash.JENKINS);
    expect(cache.hashing.serverFor('user:42')).toMatch(/^cache-shard-\d$/);
  });

  test('each proxy says where it runs', () => {
    expect(ShardedCacheProxy.ambassador()).toMatchObject({ mode: ShardedCacheProxyMode.AMBASSADOR, replicas: 0, exposeStats: false });
    expect(ShardedCacheProxy.sharedTier({ replicas: 3, exposeStats: true }))
      .toMatchObject({ mode: ShardedCacheProxyMode.SHARED_TIER, replicas: 3, exposeStats: true });
  });

  describe('fails when', () => {
    test.each([
      [{ shards: 0 }, "ShardedCache 'test/c': 'shards' must be an integer from 1 to 1024, got 0"],
      [{ replicasPerShard: 0 }, "'replicasPerShard' must be an integer from 1 to 100, got 0"],
      [{ maxItemSize: Size.mebibytes(64), memoryPerShard: Size.mebibytes(32) }, "'maxItemSize' must be at most 'memoryPerShard' (32Mi), got '65536Ki'"],
      [{ engine: CacheEngine.REDIS, maxItemSize: Size.mebibytes(1) }, "'maxItemSize' must be unset for engine redis (redis has no item size limit), got '1024Ki'"],
      [{ engine: 'etcd' }, "'engine' must be one of 'memcached', 'redis', got 'etcd'"],
      [{ proxy: 'ambassador' }, "'proxy' must be ShardedCacheProxy.ambassador() or ShardedCacheProxy.sharedTier(), got 'ambassador'"],
      [{ proxy: ShardedCacheProxy.sharedTier({ replicas: 0 }) }, "'proxy.replicas' must be an integer from 1 to 100, got 0"],
      [{ hashTag: 'abc' }, "'hashTag' must be two characters, e.g. '{}', got 'abc'"],
      [{ statsPort: 11211 }, "'statsPort' must be different from 'port' (11211), got 11211"],
      [{ name: 'c'.repeat(47) }, "'name' must be a DNS-1123 label of at most 46 characters"],
      [{ memoryPerShard: Size.kibibytes(20000) }, "'memoryPerShard' must be a whole number of MiB from 16 to 1048576, got '19.53125Mi'"],
      [{ memoryPerShard: Size.mebibytes(8) }, "'memoryPerShard' must be a whole number of MiB from 16 to 1048576, got '8Mi'"],
    ])('props are %j', (props, message) => {
      expect(() => new ShardedCache(Testing.chart(), 'c', props as any)).toThrow(message);
    });

    test('an ambassador has no clients (validated when the app is synthesized)', () => {
      const app = Testing.app();
      new ShardedCache(new Chart(app, 'c'), 'cache', { proxy: ShardedCacheProxy.ambassador() });
      expect(() => app.synth()).toThrow(/ShardedCache 'c\/cache': the ambassador proxy has no clients/);
    });

    test('a client container already uses the proxy port', () => {
      const chart = Testing.chart();
      const cache = new ShardedCache(chart, 'cache', { proxy: ShardedCacheProxy.ambassador() });
      expect(() => cache.addClient(client(chart, 'web', [11211]))).toThrow("ShardedCache 'test/cache': 'port' must be a port no container of 'test/web' uses (container 'web' has it), got 11211");
    });

    test('addClient on the shared tier, or twice', () => {
      const chart = Testing.chart();
      expect(() => new ShardedCache(chart, 'cache').addClient(client(chart))).toThrow("ShardedCache 'test/cache': addClient needs ShardedCacheProxy.ambassador(); with the shared tier clients use 'cache:11211'");
      const amb = new ShardedCache(chart, 'c2', { proxy: ShardedCacheProxy.ambassador() });
      const w = client(chart, 'w2');
      amb.addClient(w);
      expect(() => amb.addClient(w)).toThrow("'test/w2' is already a client");
    });
  });
});
