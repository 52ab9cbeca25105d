import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { AmbassadorShardedRedis, RedisEvictionPolicy, RedisPassword, RestrictedSecurity, TwemproxyHash } from '../../src';
import { ofKind, one, synthValid } from '../harness';

function appDeployment(chart: Chart, ports: number[] = [8080]) {
  const app = new kplus.Deployment(chart, 'web', { metadata: { name: 'web' }, securityContext: RestrictedSecurity.podSecurityContext(1000, 1000) });
  RestrictedSecurity.addContainer(app, { name: 'web', image: 'node:22.11.0-alpine3.20', ports: ports.map((number) => ({ number })) }, { uid: 1000, gid: 1000 });
  RestrictedSecurity.applySeccomp(app);
  return app;
}

describe('AmbassadorShardedRedis', () => {
  test('defaults: 3 shards, a headless Service, the twemproxy config by pod DNS names, the ambassador in the app pod', () => {
    // GIVEN
    const chart = Testing.chart();
    const redis = new AmbassadorShardedRedis(chart, 'sharded-redis');
    redis.addAmbassadorTo(appDeployment(chart));
    // WHEN
    const objs = synthValid(chart);
    // THEN
    expect(objs).toMatchSnapshot();
    const sts = one(objs, 'StatefulSet', 'sharded-redis');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.serviceName).toBe('sharded-redis');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    const shard = sts.spec.template.spec.containers[0];
    expect(shard.image).toBe('redis:7.2.5-alpine');
    expect(shard.args).toEqual(['--port', '6379', '--bind', '* -::*', '--protected-mode', 'no', '--dir', '/data', '--maxmemory', '256mb', '--maxmemory-policy', 'noeviction', '--save', '', '--appendonly', 'no']);
    expect(shard.resources.limits.memory).toBe('384Mi');
    expect(shard.readinessProbe.exec.command).toEqual(['sh', '-c', 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG']);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 1000, runAsNonRoot: true });

    const svc = one(objs, 'Service', 'sharded-redis');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    // the headless Service selects exactly the shard pods
    expect(sts.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(svc.spec.selector).toMatchObject(sts.spec.selector.matchLabels);
    expect(one(objs, 'PodDisruptionBudget', 'sharded-redis').spec.maxUnavailable).toBe(1);

    const conf = parse(one(objs, 'ConfigMap', 'sharded-redis-twemproxy').data['nutcracker.yml']).redis;
    expect(conf).toEqual({
      listen: '127.0.0.1:6379',
      hash: 'fnv1a_64',
      distribution: 'ketama',
      redis: true,
      auto_eject_hosts: false,
      timeout: 400,
      server_retry_timeout: 2000,
      server_failure_limit: 1,
      server_connections: 1,
      preconnect: false,
      servers: [0, 1, 2].map((i) => `sharded-redis-${i}.sharded-redis:6379:1 sharded-redis-${i}`),
    });

    const pod = one(objs, 'Deployment', 'web').spec.template;
    const ambassador = pod.spec.containers.find((c: any) => c.name === 'twemproxy');
    expect(ambassador.image).toBe('malexer/twemproxy:0.5.0');
    expect(ambassador.command).toEqual(['nutcracker', '--conf-file', '/etc/nutcracker/nutcracker.yml', '--stats-addr', '127.0.0.1', '--stats-port', '22222', '--verbose', '5']);
    expect(ambassador.ports).toBeUndefined(); // stats stay inside the pod
    expect(ambassador.securityContext).toMatchObject({ runAsUser: 65534, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(ambassador.volumeMounts).toEqual([{ mountPath: '/etc/nutcracker', name: 'sharded-redis-twemproxy', readOnly: true }]);
    expect(pod.metadata.annotations['cdk8s-distributed-patterns/config-checksum']).toMatch(/^[0-9a-f]{64}$/);
    expect(pod.spec.initContainers).toBeUndefined();
  });

  test('fully qualified shard names when the chart has a namespace', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    const redis = new AmbassadorShardedRedis(chart, 'r', { shards: 2 });
    redis.addAmbassadorTo(appDeployment(chart));
    const conf = parse(one(synthValid(chart), 'ConfigMap', 'r-twemproxy').data['nutcracker.yml']).redis;
    expect(conf.servers).toEqual(['r-0.r.shop.svc.cluster.local:6379:1 r-0', 'r-1.r.shop.svc.cluster.local:6379:1 r-1']);
  });

  test('password from a Secret: requirepass on the shards, redis_auth written by an init container, never in a ConfigMap', () => {
    const chart = Testing.chart();
    const secret = kplus.Secret.fromSecretName(chart, 'auth', 'redis-auth');
    const redis = new AmbassadorShardedRedis(chart, 'r', { password: RedisPassword.fromSecret(secret, 'password') });
    redis.addAmbassadorTo(appDeployment(chart));
    const objs = synthValid(chart);
    const shard = one(objs, 'StatefulSet').spec.template.spec.containers[0];
    expect(shard.args.slice(-2)).toEqual(['--requirepass', '$(REDIS_PASSWORD)']);
    expect(shard.env).toEqual([
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { key: 'password', name: 'redis-auth' } } },
      { name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { key: 'password', name: 'redis-auth' } } },
    ]);
    const conf = one(objs, 'ConfigMap', 'r-twemproxy').data['nutcracker.yml'];
    expect(parse(conf).redis.redis_auth).toBe('__REDIS_AUTH_FROM_SECRET__');
    const pod = one(objs, 'Deployment', 'web').spec.template.spec;
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers[0].env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { key: 'password', name: 'redis-auth' } } }]);
    expect(pod.initContainers[0].volumeMounts).toEqual([
      { mountPath: '/etc/nutcracker-template', name: 'r-twemproxy', readOnly: true },
      { mountPath: '/etc/nutcracker', name: 'r-twemproxy-auth' },
    ]);
    expect(pod.volumes).toContainEqual({ name: 'r-twemproxy-auth', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
    expect(pod.containers.find((c: any) => c.name === 'twemproxy').volumeMounts).toEqual([{ mountPath: '/etc/nutcracker', name: 'r-twemproxy-auth', readOnly: true }]);
  });

  test('persistence: a claim per shard and appendonly', () => {
    const chart = Testing.chart();
    new AmbassadorShardedRedis(chart, 'r', { storage: Size.gibibytes(2), storageClassName: 'fast', app: { image: 'redis:7.2.5-alpine', uid: 999, gid: 1000, command: ['sleep', 'infinity'] } });
    const sts = one(synthValid(chart), 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates).toEqual([{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '2048Mi' } } } }]);
    expect(sts.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(sts.spec.template.spec.volumes).toBeUndefined();
    expect(sts.spec.template.spec.containers[0].args).toContain('yes');
  });

  test('the app from props, every tunable, exposed stats', () => {
    const chart = Testing.chart();
    const redis = new AmbassadorShardedRedis(chart, 'r', {
      shards: 5,
      maxMemory: Size.mebibytes(100),
      evictionPolicy: RedisEvictionPolicy.ALLKEYS_LRU,
      hash: TwemproxyHash.MURMUR,
      hashTag: '{}',
      timeout: Duration.millis(250),
      autoEjectHosts: true,
      serverRetryTimeout: Duration.seconds(5),
      serverFailureLimit: 2,
      ambassadorPort: 7000,
      statsPort: 7001,
      exposeStats: true,
      app: { image: 'redis:7.2.5-alpine', uid: 999, gid: 1000, replicas: 3, command: ['sh', '-c', 'sleep infinity'], port: 8080 },
    });
    const objs = synthValid(chart);
    expect(redis.app).toBeDefined();
    const conf = parse(one(objs, 'ConfigMap').data['nutcracker.yml']).redis;
    expect(conf).toMatchObject({ listen: '127.0.0.1:7000', hash: 'murmur', hash_tag: '{}', auto_eject_hosts: true, timeout: 250, server_retry_timeout: 5000, server_failure_limit: 2 });
    const app = one(objs, 'Deployment', 'r-app');
    expect(app.spec.replicas).toBe(3);
    const [appC, amb] = app.spec.template.spec.containers;
    expect(appC.env).toEqual([{ name: 'REDIS_HOST', value: '127.0.0.1' }, { name: 'REDIS_PORT', value: '7000' }]);
    expect(amb.ports).toEqual([{ containerPort: 7001, name: 'stats' }]);
    expect(amb.command).toContain('0.0.0.0');
    expect(ofKind(objs, 'PodDisruptionBudget').map((p) => p.metadata.name).sort()).toEqual(['r', 'r-app']);
    expect(one(objs, 'StatefulSet').spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(['100mb', 'allkeys-lru']));
  });

  test('the model predicts placement and resize', () => {
    const chart = Testing.chart();
    const redis = new AmbassadorShardedRedis(chart, 'r', { app: { image: 'redis:7.2.5-alpine', uid: 999, command: ['sleep', 'infinity'] } });
    expect(redis.hashing.servers.map((s) => s.name)).toEqual(['r-0', 'r-1', 'r-2']);
    expect(['r-0', 'r-1', 'r-2']).toContain(redis.hashing.serverFor('user:1'));
    const plan = redis.planResize(4);
    expect(plan.floor).toBeCloseTo(0.25);
    expect(plan.movedFraction).toBeGreaterThan(0.15);
    expect(plan.movedFraction).toBeLessThan(0.35);
  });

  describe('fails when', () => {
    const make = (props: any, chart = Testing.chart()) => new AmbassadorShardedRedis(chart, 'r', props);
    test.each([
      [{ shards: 0 }, "AmbassadorShardedRedis 'test/r': 'shards' must be an integer from 1 to 1024, got 0"],
      [{ shards: 100000 }, "'shards' must be an integer from 1 to 1024, got 100000"],
      [{ hash: 'sha1' }, "'hash' must be one of 'one_at_a_time', 'md5', 'crc16', 'crc32', 'crc32a', 'fnv1_64', 'fnv1a_64', 'fnv1_32', 'fnv1a_32', 'hsieh', 'murmur', 'jenkins', got 'sha1'"],
      [{ hashTag: '{' }, "'hashTag' must be two characters, e.g. '{}', got '{'"],
      [{ password: 'hunter2' }, "'password' must be RedisPassword.fromSecret(secret, key) (a password is never taken as a plain value), got '<a string, not shown>'"],
      [{ name: 'r'.repeat(53) }, "'name' must be a DNS-1123 label of at most 52 characters"],
      [{ statsPort: 6379 }, "'statsPort' must be different from 'ambassadorPort' (6379), got 6379"],
      [{ maxMemory: Size.mebibytes(8) }, "'maxMemory' must be a whole number of MiB from 16 to 1048576, got '8Mi'"],
      [{ evictionPolicy: 'lru' }, "'evictionPolicy' must be one of"],
      [{ timeout: Duration.millis(0) }, "'timeout' must be a duration of whole milliseconds from 1ms to 24h, got '0ms'"],
      [{ serverRetryTimeout: Duration.millis(0.5) }, "'serverRetryTimeout' must be a duration of whole milliseconds from 1ms to 24h, got '0.5ms'"],
      [{ serverFailureLimit: 0 }, "'serverFailureLimit' must be an integer from 1 to 1000, got 0"],
      [{ app: { image: 'myapp:latest', uid: 1000 } }, "'app.image' must be an image pinned to a tag or digest other than 'latest'"],
    ])('props are %j', (props, message) => {
      expect(() => make(props)).toThrow(message);
    });

    test('the password message never shows the password', () => {
      expect(() => make({ password: 'hunter2' })).toThrow(/^(?!.*hunter2)/);
    });

    test('the ambassador port clashes with an app container port', () => {
      const chart = Testing.chart();
      const redis = make({}, chart);
      expect(() => redis.addAmbassadorTo(appDeployment(chart, [6379]))).toThrow("AmbassadorShardedRedis 'test/r': 'ambassadorPort' must be a port no container of 'test/web' uses (container 'web' has it), got 6379");
    });

    test('the workload already has a container named twemproxy, or already has the ambassador', () => {
      const chart = Testing.chart();
      const redis = make({}, chart);
      const app = appDeployment(chart);
      redis.addAmbassadorTo(app);
      expect(() => redis.addAmbassadorTo(app, { containerName: 'proxy2' })).toThrow("AmbassadorShardedRedis 'test/r': 'test/web' already has the ambassador");
      const other = new kplus.Deployment(chart, 'other', { securityContext: RestrictedSecurity.podSecurityContext(1000, 1000) });
      RestrictedSecurity.addContainer(other, { name: 'twemproxy', image: 'node:22.11.0-alpine3.20' }, { uid: 1000, gid: 1000 });
      expect(() => redis.addAmbassadorTo(other)).toThrow("'containerName' must be a name no container of 'test/other' has, got 'twemproxy'");
    });

    test('no workload has the ambassador (validation at synth)', () => {
      const app = Testing.app();
      const chart = new Chart(app, 'c');
      make({}, chart);
      expect(() => app.synth()).toThrow(/AmbassadorShardedRedis 'c\/r': no workload has the ambassador/);
    });
  });
});
