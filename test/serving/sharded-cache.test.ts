import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse, parseAllDocuments } from 'yaml';
import { synthExample } from '../../scripts/synth-examples';
import { CacheEngine, NetworkPeer, RedisAuth, RestrictedSecurity, ShardedCache, ShardedCacheProxy, ShardedCacheProxyMode, TwemproxyHash } from '../../src';
import { LINE } from '../../src/line';
import { assertValid, checkRestricted, ofKind, one, synthValid } from '../harness';
import { harnessLine } from '../harness/line';
import { containerNames, sidecarOf } from '../harness/sidecars';

function client(chart: Chart, id = 'web', ports: number[] = [8080]) {
  const d = new kplus.Deployment(chart, id, { metadata: { name: id }, securityContext: RestrictedSecurity.podSecurityContext(1000, 1000) });
  RestrictedSecurity.addContainer(d, { name: id, image: 'node:22.11.0-alpine3.20', ports: ports.map((number) => ({ number })) }, { uid: 1000, gid: 1000 });
  RestrictedSecurity.applySeccomp(d);
  return d;
}

/** An ordinary cdk8s-plus Deployment, as a user writes it: no seccomp, capabilities not dropped. */
function plainDeployment(chart: Chart, id = 'plain', container: Partial<kplus.ContainerProps> = {}) {
  const d = new kplus.Deployment(chart, id, { metadata: { name: id } });
  d.addContainer({ name: 'main', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000, group: 1000 }, ...container });
  return d;
}

const labels = (name: string, component: string, version: string, instance = 'cache') => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/instance': instance,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/part-of': instance,
  'app.kubernetes.io/version': version,
  'app.kubernetes.io/managed-by': 'cdk8s-distributed-patterns',
});

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
    // labels: the daemon, the instance, the role, part-of the instance, the image tag
    for (const o of [sts, one(objs, 'Service', 'cache-shard'), one(objs, 'PodDisruptionBudget', 'cache-shard')]) expect(o.metadata.labels).toEqual(labels('memcached', 'shard', '1.6.31-alpine'));
    for (const o of [proxy, svc, one(objs, 'PodDisruptionBudget', 'cache-proxy'), one(objs, 'ConfigMap', 'cache-twemproxy')]) expect(o.metadata.labels).toEqual(labels('twemproxy', 'proxy', '0.5.0'));
    expect(proxy.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'twemproxy', 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/component': 'proxy' });
    expect(tp.imagePullPolicy).toBe('IfNotPresent');
    expect(mc.imagePullPolicy).toBe('IfNotPresent');
    expect(tp.resources).toEqual({ limits: { 'cpu': '1000m', 'memory': '256Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '100m', 'memory': '64Mi', 'ephemeral-storage': '16Mi' } });
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
      const amb = sidecarOf(d.spec.template.spec, 'twemproxy');
      expect(amb.ports).toBeUndefined();
      expect(amb.volumeMounts).toEqual([{ mountPath: '/etc/nutcracker', name: 'cache-twemproxy', readOnly: true }]);
    }
    expect(ofKind(objs, 'Service').map((s) => s.metadata.name)).toEqual(['cache-shard']);
  });

  test('ambassador in a Job: a native sidecar on a line that has them (the Job completes when its worker exits), after its config renderer', () => {
    const chart = Testing.chart();
    const secret = kplus.Secret.fromSecretName(chart, 'auth', 'cache-auth');
    const cache = new ShardedCache(chart, 'cache', { engine: CacheEngine.REDIS, proxy: ShardedCacheProxy.ambassador(), auth: RedisAuth.fromSecret(secret, 'password') });
    const job = new kplus.Job(chart, 'warm', { metadata: { name: 'warm' } });
    job.addContainer({ name: 'worker', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 } });
    cache.addClient(job);
    const spec = one(synthValid(chart), 'Job', 'warm').spec.template.spec;
    const amb = sidecarOf(spec, 'twemproxy');
    expect(amb.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(amb.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    // the renderer first: a sidecar started before it would wait for a config only the renderer writes
    expect(containerNames(spec)).toEqual(LINE.nativeSidecars ? ['twemproxy-config', 'twemproxy', 'worker'] : ['twemproxy-config', 'worker', 'twemproxy']);
    expect(spec.initContainers[0].restartPolicy).toBeUndefined();
    // the Job's regular containers are the worker alone on a line with native sidecars
    expect(spec.containers.map((c: any) => c.name)).toEqual(LINE.nativeSidecars ? ['worker'] : ['worker', 'twemproxy']);
  });

  test("the example's cache-warming Job (examples/sharded-cache.ts): on a line with native sidecars its pod's only container is the worker, so the Job completes when it exits", () => {
    const objects = parseAllDocuments(synthExample('sharded-cache')).map((d) => d.toJS());
    assertValid(objects);
    const job = one(objects, 'Job', 'sessions-warm');
    const spec = job.spec.template.spec;
    const native = harnessLine().id !== '27';
    // the ambassador: an init container with restartPolicy Always on 34, a second regular container on 27
    expect(sidecarOf(spec, 'twemproxy').volumeMounts).toEqual([{ mountPath: '/etc/nutcracker', name: 'sessions-twemproxy', readOnly: true }]);
    expect(spec.containers.map((c: any) => c.name)).toEqual(native ? ['warm'] : ['warm', 'twemproxy']);
    expect((spec.initContainers ?? []).map((c: any) => [c.name, c.restartPolicy])).toEqual(native ? [['twemproxy', 'Always']] : []);
    expect(spec.restartPolicy).toBe('Never');
    expect(job.spec.activeDeadlineSeconds).toBe(600);
    expect(spec.containers[0].command[2]).toContain('127.0.0.1 11211');
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
    // every shard is component `shard`; the shard label tells their selectors apart
    const d1 = one(objs, 'Deployment', 'cache-shard-1');
    expect(d1.metadata.labels).toEqual({ ...labels('memcached', 'shard', '1.6.31-alpine'), 'cdk8s-distributed-patterns/shard': '1' });
    expect(d1.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'memcached', 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/component': 'shard', 'cdk8s-distributed-patterns/shard': '1',
    });
    expect(one(objs, 'Service', 'cache-shard-1').spec.selector).toEqual(d1.spec.selector.matchLabels);
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
      autoEjectHosts: true,
      serverRetryTimeout: Duration.seconds(5),
      serverFailureLimit: 3,
      port: 7000,
      statsPort: 7001,
      proxy: ShardedCacheProxy.sharedTier({ replicas: 3, exposeStats: true }),
    });
    const objs = synthValid(chart);
    const redis = one(objs, 'StatefulSet', 'sessions-shard').spec.template.spec.containers[0];
    // the default auth: the config include first, protected mode left on (a password satisfies it)
    expect(redis.args).toEqual(['/run/redis-auth/auth.conf', '--port', '6379', '--bind', '* -::*', '--dir', '/data', '--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru', '--save', '', '--appendonly', 'no', '--maxclients', '500']);
    expect(conf(objs, 'sessions-twemproxy')).toMatchObject({ listen: '0.0.0.0:7000', hash: 'murmur', hash_tag: '{}', redis: true, auto_eject_hosts: true, timeout: 100, server_retry_timeout: 5000, server_failure_limit: 3 });
    expect(one(objs, 'Deployment', 'sessions-proxy').spec.replicas).toBe(3);
    expect(one(objs, 'Deployment', 'sessions-proxy').spec.template.spec.containers[0].ports).toEqual([{ containerPort: 7000, name: 'redis' }, { containerPort: 7001, name: 'stats' }]);
  });

  test('valkey engine with a password: valkey-server shards, twemproxy redis_auth filled by an init container in the proxy tier', () => {
    // GIVEN
    const chart = Testing.chart();
    const secret = kplus.Secret.fromSecretName(chart, 'auth', 'cache-auth');
    new ShardedCache(chart, 'cache', { engine: CacheEngine.VALKEY, auth: RedisAuth.fromSecret(secret) });
    // WHEN
    const objs = synthValid(chart);
    // THEN the shards
    const sts = one(objs, 'StatefulSet', 'cache-shard');
    const shard = sts.spec.template.spec.containers[0];
    expect(shard).toMatchObject({ name: 'valkey', image: 'valkey/valkey:8.1.1-alpine', command: ['valkey-server'] });
    // the password comes from the config include the init container writes, never argv or env
    expect(shard.args).toEqual(['/run/redis-auth/auth.conf', '--port', '6379', '--bind', '* -::*', '--dir', '/data', '--maxmemory', '256mb', '--maxmemory-policy', 'allkeys-lru', '--save', '', '--appendonly', 'no', '--maxclients', '1024']);
    expect(shard.readinessProbe.exec.command).toEqual(['sh', '-c', 'valkey-cli --askpass -h 127.0.0.1 -p 6379 ping < /run/secrets/redis-auth/password | grep -q PONG']);
    expect(shard.env).toBeUndefined();
    expect(sts.spec.template.spec.initContainers.map((c: any) => [c.name, c.image, c.command.slice(3)])).toEqual([
      ['valkey-auth', 'valkey/valkey:8.1.1-alpine', ['write-include.sh', '/run/secrets/redis-auth/password', '/run/redis-auth/auth.conf']],
    ]);
    expect(sts.spec.template.spec.volumes).toEqual(expect.arrayContaining([
      { name: 'cache-shard-auth', secret: { secretName: 'cache-auth', items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 } },
      { name: 'cache-shard-auth-conf', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
    ]));
    expect(sts.metadata.annotations).toEqual({ 'distributed-patterns.dev/redis-auth': 'secret cache-auth/password' });
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 1000 });
    expect(sts.metadata.labels).toEqual(labels('valkey', 'shard', '8.1.1-alpine'));
    // AND the proxy: redis protocol, the placeholder in the ConfigMap, the password written at pod start
    expect(conf(objs)).toMatchObject({ listen: '0.0.0.0:6379', redis: true, redis_auth: '__REDIS_AUTH_FROM_SECRET__' });
    const proxy = one(objs, 'Deployment', 'cache-proxy').spec.template.spec;
    expect(proxy.initContainers).toHaveLength(1);
    expect(proxy.initContainers[0]).toMatchObject({ image: 'valkey/valkey:8.1.1-alpine', volumeMounts: [{ mountPath: '/run/secrets/redis-auth', name: 'cache-redis-auth', readOnly: true }, expect.anything(), expect.anything()] });
    expect(proxy.initContainers[0].env).toBeUndefined();
    expect(proxy.containers[0].volumeMounts).toEqual([{ mountPath: '/etc/nutcracker', name: 'cache-twemproxy-auth', readOnly: true }]);
    expect(proxy.containers[0].ports).toEqual([{ containerPort: 6379, name: 'redis' }]);
  });

  test('resources of every inner container: shards, proxies, the auth init container', () => {
    const chart = Testing.chart();
    const res = (m: number) => ({
      cpu: { request: kplus.Cpu.millis(m), limit: kplus.Cpu.millis(2 * m) },
      memory: { request: Size.mebibytes(m), limit: Size.mebibytes(2 * m) },
    });
    const secret = kplus.Secret.fromSecretName(chart, 'auth', 'cache-auth');
    const cache = new ShardedCache(chart, 'cache', {
      engine: CacheEngine.REDIS,
      auth: RedisAuth.fromSecret(secret, 'password'),
      proxy: ShardedCacheProxy.ambassador(),
      shardResources: res(300),
      proxyResources: res(70),
      authInitResources: res(20),
    });
    cache.addClient(client(chart));
    new ShardedCache(chart, 'tier', { shardResources: res(200), proxyResources: res(90) });
    const objs = synthValid(chart);
    const r = (m: number) => ({ requests: { cpu: `${m}m`, memory: `${m}Mi` }, limits: { cpu: `${2 * m}m`, memory: `${2 * m}Mi` } });
    expect(one(objs, 'StatefulSet', 'cache-shard').spec.template.spec.containers[0].resources).toMatchObject(r(300));
    expect(one(objs, 'StatefulSet', 'cache-shard').spec.template.spec.initContainers[0].resources).toMatchObject(r(20));
    const web = one(objs, 'Deployment', 'web').spec.template.spec;
    expect(sidecarOf(web, 'twemproxy').resources).toMatchObject(r(70));
    expect(web.initContainers[0].resources).toMatchObject(r(20));
    expect(one(objs, 'StatefulSet', 'tier-shard').spec.template.spec.containers[0].resources).toMatchObject(r(200));
    expect(one(objs, 'Deployment', 'tier-proxy').spec.template.spec.containers[0].resources).toMatchObject(r(90));
  });

  test('pod options reach every pod template the cache makes (shards in both modes, the proxy tier), not the clients', () => {
    // GIVEN every pod option, on a StatefulSet cache with a proxy tier and on a replicated-shard cache
    const chart = Testing.chart();
    const spread = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { tier: 'cache' } } }];
    const pod = {
      imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'pull', 'regcred')],
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'sa', 'cache-sa'),
      nodeSelector: { pool: 'memory' },
      tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64'] }] }] } } },
      topologySpreadConstraints: spread,
      priorityClassName: 'high',
      labels: { team: 'web' },
      annotations: { 'example.com/owner': 'web' },
    };
    new ShardedCache(chart, 'cache', { pod });
    const amb = new ShardedCache(chart, 'hot', { replicasPerShard: 2, pod, proxy: ShardedCacheProxy.ambassador() });
    amb.addClient(client(chart));
    // WHEN
    const objs = synthValid(chart);
    // THEN
    const workloads = [one(objs, 'StatefulSet', 'cache-shard'), one(objs, 'Deployment', 'cache-proxy'), one(objs, 'Deployment', 'hot-shard-0'), one(objs, 'Deployment', 'hot-shard-1')];
    for (const w of workloads) {
      const t = w.spec.template;
      expect(t.spec).toMatchObject({
        imagePullSecrets: [{ name: 'regcred' }],
        serviceAccountName: 'cache-sa',
        automountServiceAccountToken: false,
        nodeSelector: { pool: 'memory' },
        tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64'] }] }] } } },
        priorityClassName: 'high',
      });
      expect(t.spec.topologySpreadConstraints).toEqual(spread);
      expect(t.metadata.labels.team).toBe('web');
      expect(t.metadata.annotations['example.com/owner']).toBe('web');
    }
    // the client pod is yours: no pod option reaches it
    const web = one(objs, 'Deployment', 'web').spec.template;
    expect(web.spec.nodeSelector).toBeUndefined();
    expect(web.metadata.labels.team).toBeUndefined();
  });

  test('addClient keeps an ordinary client pod restricted; hardenPod: false leaves it as it is', () => {
    // GIVEN an ambassador cache and a Deployment as a user writes it
    const chart = Testing.chart();
    const cache = new ShardedCache(chart, 'cache', { proxy: ShardedCacheProxy.ambassador() });
    const plain = plainDeployment(chart);
    const other = plainDeployment(chart, 'other');
    // WHEN
    cache.addClient(plain, { containerName: 'cache-proxy' });
    cache.addClient(other, { hardenPod: false });
    // THEN the hardened pod passes Pod Security restricted
    const objs = Testing.synth(chart);
    const hardened = one(objs, 'Deployment', 'plain');
    expect(checkRestricted(hardened)).toEqual([]);
    const spec = hardened.spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(spec.containers[0].name).toBe('main');
    expect(sidecarOf(spec, 'cache-proxy').name).toBe('cache-proxy');
    // AND with hardenPod: false, only the library's own container is restricted
    expect(checkRestricted(one(objs, 'Deployment', 'other')).map((f) => f.message)).toEqual([
      "restricted: container 'main' must drop ALL capabilities",
      "restricted: container 'main' has no RuntimeDefault or Localhost seccomp profile (pod or container)",
    ]);
  });

  test('fails when a client pod cannot be kept restricted (a privileged container), with the fix', () => {
    const chart = Testing.chart();
    const cache = new ShardedCache(chart, 'cache', { proxy: ShardedCacheProxy.ambassador() });
    const privileged = plainDeployment(chart, 'priv', { securityContext: { user: 1000, privileged: true } });
    expect(() => cache.addClient(privileged)).toThrow("ShardedCache 'test/cache': addClient() keeps 'test/priv' passing Pod Security restricted, but container 'main' sets privileged: true: remove privileged from container 'main' (or pass 'hardenPod: false' and run the pod where restricted is not enforced)");
    // the failed call left the pod as it was
    expect(privileged.containers.map((c) => c.name)).toEqual(['main']);
  });

  test('planResize: the expected miss fraction after a resize', () => {
    const cache = new ShardedCache(Testing.chart(), 'cache', { shards: 4 });
    const plan = cache.planResize(5);
    expect(plan.floor).toBeCloseTo(0.2);
    expect(plan.movedFraction).toBeGreaterThan(0.1);
    expect(plan.movedFraction).toBeLessThan(0.3);
    expect(cache.planResize(4).movedFraction).toBe(0);
  });

  test('the README\'s claims: endpoint and planResize of a 5-shard cache', () => {
    const cache = new ShardedCache(Testing.chart(), 'cache', { shards: 5, memoryPerShard: Size.gibibytes(1) });
    expect(cache.endpoint).toBe('cache:11211');
    const plan = cache.planResize(6);
    expect(plan.movedFraction.toFixed(4)).toBe('0.1755');
    expect(plan.floor.toFixed(4)).toBe('0.1667');
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

describe('ShardedCache NetworkPolicies (from the traffic graph)', () => {
  const sel = (name: string, component: string) => ({
    matchLabels: { 'app.kubernetes.io/component': component, 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': name },
  });
  const DNS = {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
  };
  const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));
  const policy = (objs: any[], name: string) => one(ofKind(objs, 'NetworkPolicy').filter((p) => p.metadata.name === name), 'NetworkPolicy').spec;

  test('shared tier: the shards accept the proxy only and send nothing; the proxy accepts the namespace, reaches the shards and DNS', () => {
    const chart = Testing.chart();
    const cache = new ShardedCache(chart, 'cache');
    const objs = synthValid(chart);
    expect(ofKind(objs, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['cache-shards', 'cache-proxy']);
    expect(policy(objs, 'cache-shards')).toEqual({
      podSelector: sel('memcached', 'shard'), policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: sel('twemproxy', 'proxy') }], ports: tcp(11211) }],
    });
    expect(policy(objs, 'cache-proxy')).toEqual({
      podSelector: sel('twemproxy', 'proxy'),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }], ports: tcp(11211) }],
      egress: [{ to: [{ podSelector: sel('memcached', 'shard') }], ports: tcp(11211) }, DNS],
    });
    expect(one(ofKind(objs, 'NetworkPolicy'), 'NetworkPolicy', 'cache-shards').metadata.labels).toEqual(labels('memcached', 'shard', '1.6.31-alpine'));
    expect(one(ofKind(objs, 'NetworkPolicy'), 'NetworkPolicy', 'cache-proxy').metadata.labels).toEqual(labels('twemproxy', 'proxy', '0.5.0'));
    const mermaid = cache.toMermaid();
    expect(mermaid).toContain('%% ShardedCache test/cache');
    expect(mermaid.split('\n').filter((l) => l.includes('-->|11211/TCP|'))).toHaveLength(2);
  });

  test('each policy selects exactly its pods, in both shard modes', () => {
    for (const replicasPerShard of [1, 3]) {
      const chart = Testing.chart();
      new ShardedCache(chart, 'cache', { engine: CacheEngine.VALKEY, shards: 2, replicasPerShard });
      const objs = synthValid(chart);
      const templates = [...ofKind(objs, 'Deployment'), ...ofKind(objs, 'StatefulSet')];
      for (const p of ofKind(objs, 'NetworkPolicy')) {
        for (const w of templates) {
          const matches = Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => w.spec.template.metadata.labels[k] === v);
          const expected = p.metadata.name === 'cache-proxy' ? w.metadata.name === 'cache-proxy' : w.metadata.name.startsWith('cache-shard');
          const at = [replicasPerShard, p.metadata.name, w.metadata.name];
          expect([...at, matches]).toEqual([...at, expected]);
        }
      }
      expect(policy(objs, 'cache-shards').ingress).toEqual([{ from: [{ podSelector: sel('twemproxy', 'proxy') }], ports: tcp(6379) }]);
    }
  });

  test('stats exposed: open to monitoring only when it is given; clients replace the namespace; extraEgress widens nothing', () => {
    const chart = Testing.chart();
    new ShardedCache(chart, 'cache', {
      proxy: ShardedCacheProxy.sharedTier({ exposeStats: true }),
      networkPolicy: {
        clients: [NetworkPeer.pods({ app: 'web' })],
        monitoring: NetworkPeer.namespace('monitoring'),
        extraEgress: [{ peer: NetworkPeer.anywhere() }],
      },
    });
    const objs = synthValid(chart);
    expect(policy(objs, 'cache-proxy').ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: tcp(11211) },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: tcp(22222) },
    ]);
    expect(policy(objs, 'cache-proxy').egress).toEqual([{ to: [{ podSelector: sel('memcached', 'shard') }], ports: tcp(11211) }, DNS]);
    expect(policy(objs, 'cache-shards').egress).toBeUndefined();
    const closed = Testing.chart();
    new ShardedCache(closed, 'cache', { proxy: ShardedCacheProxy.sharedTier({ exposeStats: true }) });
    expect(policy(synthValid(closed), 'cache-proxy').ingress).toEqual([{ from: [{ podSelector: {} }], ports: tcp(11211) }]);
  });

  test('ambassador: the shards accept the pods wired with addClient (and clients), no proxy policy, the client pods untouched', () => {
    const chart = Testing.chart();
    const cache = new ShardedCache(chart, 'cache', { proxy: ShardedCacheProxy.ambassador(), networkPolicy: { clients: [NetworkPeer.pods({ app: 'batch' })] } });
    const web = client(chart, 'web');
    cache.addClient(web);
    const job = new kplus.Job(chart, 'warm', { metadata: { name: 'warm' } });
    job.addContainer({ name: 'worker', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 } });
    cache.addClient(job);
    const objs = synthValid(chart);
    expect(ofKind(objs, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['cache-shards']);
    // the Deployment by its selector, the Job (no selector) by its pod template's labels
    const jobLabels = one(objs, 'Job', 'warm').spec.template.metadata.labels;
    expect(Object.keys(web.matchLabels)).not.toHaveLength(0);
    expect(policy(objs, 'cache-shards').ingress).toEqual([{ podSelector: { matchLabels: { app: 'batch' } } }, { podSelector: { matchLabels: web.matchLabels } }, { podSelector: { matchLabels: jobLabels } }]
      .map((peer) => ({ from: [peer], ports: tcp(11211) })));
    for (const [k, v] of Object.entries(web.matchLabels)) expect(one(objs, 'Deployment', 'web').spec.template.metadata.labels[k]).toBe(v);
    const off = Testing.chart();
    const c2 = new ShardedCache(off, 'cache', { proxy: ShardedCacheProxy.ambassador(), networkPolicy: { enabled: false } });
    c2.addClient(client(off, 'web'));
    expect(ofKind(synthValid(off), 'NetworkPolicy')).toEqual([]);
  });
});
