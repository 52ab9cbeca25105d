import { Chart, Cron, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { AmbassadorShardedRedis, NetworkPeer, RecommendedLabels, RedisAuth, RedisEngine, RedisEvictionPolicy, RestrictedSecurity, TwemproxyHash } from '../../src';
import { LINE } from '../../src/line';
import { checkRestricted, ofKind, one, synthValid } from '../harness';
import { containerNames, sidecarOf } from '../harness/sidecars';

/** A restricted app workload built with the library's helpers. */
function appDeployment(chart: Chart, ports: number[] = [8080]) {
  const app = new kplus.Deployment(chart, 'web', { metadata: { name: 'web' }, securityContext: RestrictedSecurity.podSecurityContext(1000, 1000) });
  RestrictedSecurity.addContainer(app, { name: 'web', image: 'node:22.11.0-alpine3.20', ports: ports.map((number) => ({ number })) }, { uid: 1000, gid: 1000 });
  RestrictedSecurity.applySeccomp(app);
  return app;
}

/** An ordinary cdk8s-plus Deployment, as a user writes it: no seccomp, capabilities not dropped. */
function plainDeployment(chart: Chart, id = 'plain', container: Partial<kplus.ContainerProps> = {}) {
  const d = new kplus.Deployment(chart, id, { metadata: { name: id } });
  d.addContainer({ name: 'main', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000, group: 1000 }, ...container });
  return d;
}

const SECRET = (chart: Chart) => RedisAuth.fromSecret(kplus.Secret.fromSecretName(chart, 'auth', 'redis-auth'), 'password');
const APP = { image: 'redis:7.2.5-alpine', uid: 999, gid: 1000, command: ['sleep', 'infinity'] };
const LABELS = (name: string, component: string, version: string, partOf = 'sharded-redis') => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/instance': 'sharded-redis',
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/part-of': partOf,
  'app.kubernetes.io/version': version,
  'app.kubernetes.io/managed-by': 'cdk8s-distributed-patterns',
});

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
    expect(shard.name).toBe('redis');
    expect(shard.image).toBe('redis:7.2.5-alpine');
    expect(shard.imagePullPolicy).toBe('IfNotPresent');
    expect(shard.command).toEqual(['redis-server']);
    // authenticated by default: the password (the Secret <name>-redis-auth) from the include the init container writes
    expect(shard.args).toEqual(['/run/redis-auth/auth.conf', '--port', '6379', '--bind', '* -::*', '--dir', '/data', '--maxmemory', '256mb', '--maxmemory-policy', 'noeviction', '--save', '', '--appendonly', 'no']);
    expect(shard.resources).toEqual({ limits: { 'cpu': '1000m', 'memory': '384Mi', 'ephemeral-storage': '512Mi' }, requests: { 'cpu': '100m', 'memory': '384Mi', 'ephemeral-storage': '64Mi' } });
    expect(shard.readinessProbe.exec.command).toEqual(['sh', '-c', 'redis-cli --askpass -h 127.0.0.1 -p 6379 ping < /run/secrets/redis-auth/password | grep -q PONG']);
    expect(sts.metadata.annotations).toEqual({ 'distributed-patterns.dev/redis-auth': 'secret sharded-redis-redis-auth/password' });
    expect(sts.spec.template.spec.initContainers[0].volumeMounts).toEqual([
      { mountPath: '/run/secrets/redis-auth', name: 'sharded-redis-auth', readOnly: true },
      { mountPath: '/run/redis-auth', name: 'sharded-redis-auth-conf' },
    ]);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 1000, runAsNonRoot: true });
    // labels: the daemon, the instance, the role, part-of the instance, the image tag (never on a selector)
    expect(sts.metadata.labels).toEqual(LABELS('redis', 'shard', '7.2.5-alpine'));
    expect(sts.spec.template.metadata.labels).toMatchObject(LABELS('redis', 'shard', '7.2.5-alpine'));
    expect(sts.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'sharded-redis', 'app.kubernetes.io/component': 'shard' });

    const svc = one(objs, 'Service', 'sharded-redis');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(svc.spec.selector).toMatchObject(sts.spec.selector.matchLabels);
    expect(svc.metadata.labels).toEqual(LABELS('redis', 'shard', '7.2.5-alpine'));
    expect(one(objs, 'PodDisruptionBudget', 'sharded-redis').spec.maxUnavailable).toBe(1);

    const cm = one(objs, 'ConfigMap', 'sharded-redis-twemproxy');
    expect(cm.metadata.labels).toEqual(LABELS('twemproxy', 'ambassador', '0.5.0'));
    expect(parse(cm.data['nutcracker.yml']).redis).toEqual({
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
      // the default auth: a placeholder the ambassador pod's init container replaces from the Secret
      redis_auth: '__REDIS_AUTH_FROM_SECRET__',
    });

    const pod = one(objs, 'Deployment', 'web').spec.template;
    const ambassador = sidecarOf(pod.spec, 'twemproxy');
    expect(ambassador.image).toBe('malexer/twemproxy:0.5.0');
    expect(ambassador.imagePullPolicy).toBe('IfNotPresent');
    expect(ambassador.command).toEqual(['nutcracker', '--conf-file', '/etc/nutcracker/nutcracker.yml', '--stats-addr', '127.0.0.1', '--stats-port', '22222', '--verbose', '5']);
    expect(ambassador.ports).toBeUndefined(); // stats stay inside the pod
    expect(ambassador.resources).toEqual({ limits: { 'cpu': '500m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '50m', 'memory': '32Mi', 'ephemeral-storage': '16Mi' } });
    expect(ambassador.securityContext).toMatchObject({ runAsUser: 65534, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    // the default password: the config rendered with redis_auth into a memory-backed emptyDir by an init container
    expect(ambassador.volumeMounts).toEqual([{ mountPath: '/etc/nutcracker', name: 'sharded-redis-twemproxy-auth', readOnly: true }]);
    expect(pod.metadata.annotations['cdk8s-distributed-patterns/config-checksum']).toMatch(/^[0-9a-f]{64}$/);
    expect(containerNames(pod.spec)).toEqual(LINE.nativeSidecars ? ['twemproxy-config', 'twemproxy', 'web'] : ['twemproxy-config', 'web', 'twemproxy']);
    // the renderer reads the password from the Secret mounted as a file in it alone, never from env
    expect(pod.spec.initContainers[0].env).toBeUndefined();
    expect(pod.spec.volumes).toContainEqual({ name: 'sharded-redis-redis-auth', secret: { secretName: 'sharded-redis-redis-auth', items: [{ key: 'password', path: 'password' }], defaultMode: 0o444 } });
  });

  test('fully qualified shard names when the chart has a namespace', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    const redis = new AmbassadorShardedRedis(chart, 'r', { shards: 2 });
    redis.addAmbassadorTo(appDeployment(chart));
    const conf = parse(one(synthValid(chart), 'ConfigMap', 'r-twemproxy').data['nutcracker.yml']).redis;
    expect(conf.servers).toEqual(['r-0.r.shop.svc.cluster.local:6379:1 r-0', 'r-1.r.shop.svc.cluster.local:6379:1 r-1']);
  });

  test('password from a Secret key: requirepass on the shards, redis_auth written by an init container, never in a ConfigMap', () => {
    const chart = Testing.chart();
    const redis = new AmbassadorShardedRedis(chart, 'r', { auth: SECRET(chart) });
    redis.addAmbassadorTo(appDeployment(chart));
    const objs = synthValid(chart);
    const shard = one(objs, 'StatefulSet').spec.template.spec.containers[0];
    expect(shard.args[0]).toBe('/run/redis-auth/auth.conf');
    expect(shard.args.join(' ')).not.toMatch(/requirepass|PASSWORD/);
    expect(shard.env).toBeUndefined();
    expect(shard.volumeMounts).toEqual([
      { mountPath: '/data', name: 'data' },
      { mountPath: '/run/secrets/redis-auth', name: 'r-auth', readOnly: true },
      { mountPath: '/run/redis-auth', name: 'r-auth-conf', readOnly: true },
    ]);
    const conf = one(objs, 'ConfigMap', 'r-twemproxy').data['nutcracker.yml'];
    expect(parse(conf).redis.redis_auth).toBe('__REDIS_AUTH_FROM_SECRET__');
    const pod = one(objs, 'Deployment', 'web').spec.template.spec;
    // the renderer first, then the ambassador: on a line with native sidecars the ambassador is an init container
    // too, and one started after it would wait for a config only the renderer writes
    expect(containerNames(pod)).toEqual(LINE.nativeSidecars ? ['twemproxy-config', 'twemproxy', 'web'] : ['twemproxy-config', 'web', 'twemproxy']);
    expect(pod.initContainers[0].restartPolicy).toBeUndefined();
    expect(pod.initContainers[0].image).toBe('redis:7.2.5-alpine');
    expect(pod.initContainers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(pod.initContainers[0].resources).toEqual({ limits: { 'cpu': '100m', 'memory': '32Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '10m', 'memory': '8Mi', 'ephemeral-storage': '16Mi' } });
    expect(pod.initContainers[0].env).toBeUndefined();
    expect(pod.initContainers[0].command[2]).toContain('getline l < "/run/secrets/redis-auth/password"');
    expect(pod.initContainers[0].volumeMounts).toEqual([
      { mountPath: '/run/secrets/redis-auth', name: 'r-redis-auth', readOnly: true },
      { mountPath: '/etc/nutcracker-template', name: 'r-twemproxy', readOnly: true },
      { mountPath: '/etc/nutcracker', name: 'r-twemproxy-auth' },
    ]);
    // the Secret is mounted in the renderer alone
    expect(containerNames(pod).filter((n) => JSON.stringify([...pod.containers, ...pod.initContainers].find((c: any) => c.name === n).volumeMounts ?? []).includes('r-redis-auth'))).toEqual(['twemproxy-config']);
    expect(pod.volumes).toContainEqual({ name: 'r-twemproxy-auth', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
    expect(sidecarOf(pod, 'twemproxy').volumeMounts).toEqual([{ mountPath: '/etc/nutcracker', name: 'r-twemproxy-auth', readOnly: true }]);
  });

  test('valkey: the valkey image, its own binaries, the same args, hashing, auth and probes; labelled valkey', () => {
    // GIVEN the valkey engine with a password
    const chart = Testing.chart();
    const redis = new AmbassadorShardedRedis(chart, 'sharded-redis', { engine: RedisEngine.VALKEY, auth: SECRET(chart), app: APP });
    const valkey = new AmbassadorShardedRedis(Testing.chart(), 'sharded-redis', { app: APP });
    // WHEN
    const objs = synthValid(chart);
    // THEN the shards run valkey-server from valkey/valkey as its user 999:1000, probed with valkey-cli
    const sts = one(objs, 'StatefulSet', 'sharded-redis');
    const shard = sts.spec.template.spec.containers[0];
    expect(shard.name).toBe('valkey');
    expect(shard.image).toBe('valkey/valkey:8.1.1-alpine');
    expect(shard.command).toEqual(['valkey-server']);
    expect(shard.args).toEqual(['/run/redis-auth/auth.conf', '--port', '6379', '--bind', '* -::*', '--dir', '/data', '--maxmemory', '256mb', '--maxmemory-policy', 'noeviction', '--save', '', '--appendonly', 'no']);
    expect(shard.readinessProbe.exec.command).toEqual(['sh', '-c', 'valkey-cli --askpass -h 127.0.0.1 -p 6379 ping < /run/secrets/redis-auth/password | grep -q PONG']);
    expect(shard.env).toBeUndefined();
    expect(sts.spec.template.spec.initContainers[0]).toMatchObject({ name: 'valkey-auth', image: 'valkey/valkey:8.1.1-alpine' });
    expect(shard.ports).toEqual([{ containerPort: 6379, name: 'redis' }]);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 1000, fsGroup: 1000 });
    expect(sts.metadata.labels).toEqual(LABELS('valkey', 'shard', '8.1.1-alpine'));
    // the init container renders the config with the valkey image's busybox awk
    expect(one(objs, 'Deployment', 'sharded-redis-app').spec.template.spec.initContainers[0].image).toBe('valkey/valkey:8.1.1-alpine');
    // and keys land where they would with redis: the ring depends on the names only
    expect(redis.hashing.servers).toEqual(valkey.hashing.servers);
    expect(redis.hashing.serverFor('user:42')).toBe(valkey.hashing.serverFor('user:42'));
  });

  test('persistence: a claim per shard and appendonly', () => {
    const chart = Testing.chart();
    new AmbassadorShardedRedis(chart, 'r', { storage: Size.gibibytes(2), storageClassName: 'fast.ssd', app: APP });
    const sts = one(synthValid(chart), 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates).toEqual([{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast.ssd', resources: { requests: { storage: '2048Mi' } } } }]);
    expect(sts.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(sts.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['r-auth', 'r-auth-conf']);
    expect(sts.spec.template.spec.containers[0].args).toContain('yes');
  });

  test('the app from props (AppContainerProps), every tunable, exposed stats', () => {
    const chart = Testing.chart();
    const userSecret = kplus.Secret.fromSecretName(chart, 'api', 'api-key');
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
      app: {
        image: 'redis:7.2.5-alpine',
        uid: 999,
        gid: 1000,
        command: ['sh', '-c', 'sleep infinity'],
        port: 8080,
        env: { API_KEY: kplus.EnvValue.fromSecretValue({ secret: userSecret, key: 'key' }), MODE: kplus.EnvValue.fromValue('fast') },
      },
      appReplicas: 3,
    });
    const objs = synthValid(chart);
    expect(redis.app).toBeDefined();
    const conf = parse(one(objs, 'ConfigMap').data['nutcracker.yml']).redis;
    expect(conf).toMatchObject({ listen: '127.0.0.1:7000', hash: 'murmur', hash_tag: '{}', auto_eject_hosts: true, timeout: 250, server_retry_timeout: 5000, server_failure_limit: 2 });
    const app = one(objs, 'Deployment', 'r-app');
    expect(app.spec.replicas).toBe(3);
    expect(app.metadata.labels).toEqual({ ...LABELS('r', 'app', '7.2.5-alpine', 'r'), 'app.kubernetes.io/instance': 'r' });
    expect(app.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 1000, fsGroup: 1000 });
    const [appC] = app.spec.template.spec.containers;
    const amb = sidecarOf(app.spec.template.spec, 'twemproxy');
    expect(appC.name).toBe('app');
    expect(appC.env).toEqual([
      { name: 'REDIS_HOST', value: '127.0.0.1' },
      { name: 'REDIS_PORT', value: '7000' },
      { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'api-key', key: 'key' } } },
      { name: 'MODE', value: 'fast' },
    ]);
    expect(appC.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(appC.readinessProbe.tcpSocket.port).toBe(8080);
    expect(appC.resources).toEqual({ limits: { 'cpu': '500m', 'memory': '128Mi', 'ephemeral-storage': '1Gi' }, requests: { 'cpu': '50m', 'memory': '32Mi', 'ephemeral-storage': '64Mi' } });
    expect(appC.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'app-tmp' }]);
    expect(amb.ports).toEqual([{ containerPort: 7001, name: 'stats' }]);
    expect(amb.command).toContain('0.0.0.0');
    expect(ofKind(objs, 'PodDisruptionBudget').map((p) => p.metadata.name).sort()).toEqual(['r', 'r-app']);
    expect(one(objs, 'StatefulSet').spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(['100mb', 'allkeys-lru']));
  });

  test('resources of every inner container: shards, ambassador, the auth init container', () => {
    const chart = Testing.chart();
    const res = (m: number) => ({
      cpu: { request: kplus.Cpu.millis(m), limit: kplus.Cpu.millis(2 * m) },
      memory: { request: Size.mebibytes(m), limit: Size.mebibytes(2 * m) },
    });
    new AmbassadorShardedRedis(chart, 'r', {
      auth: SECRET(chart), app: APP, shardResources: res(300), ambassadorResources: res(70), authInitResources: res(20),
    });
    const objs = synthValid(chart);
    expect(one(objs, 'StatefulSet').spec.template.spec.containers[0].resources).toEqual({ requests: { 'cpu': '300m', 'memory': '300Mi', 'ephemeral-storage': '64Mi' }, limits: { 'cpu': '600m', 'memory': '600Mi', 'ephemeral-storage': '512Mi' } });
    const pod = one(objs, 'Deployment', 'r-app').spec.template.spec;
    expect(sidecarOf(pod, 'twemproxy').resources).toEqual({ requests: { 'cpu': '70m', 'memory': '70Mi', 'ephemeral-storage': '16Mi' }, limits: { 'cpu': '140m', 'memory': '140Mi', 'ephemeral-storage': '64Mi' } });
    expect(pod.initContainers[0].resources).toEqual({ requests: { 'cpu': '20m', 'memory': '20Mi', 'ephemeral-storage': '16Mi' }, limits: { 'cpu': '40m', 'memory': '40Mi', 'ephemeral-storage': '64Mi' } });
  });

  test('pod options reach every pod template the construct makes (shards, app); their spread replaces the library\'s', () => {
    // GIVEN every pod option
    const chart = Testing.chart();
    const spread = [{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { tier: 'redis' } } }];
    new AmbassadorShardedRedis(chart, 'r', {
      app: APP,
      pod: {
        imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'pull', 'regcred')],
        serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'sa', 'redis-sa'),
        nodeSelector: { pool: 'memory' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'redis', effect: 'NoSchedule' }],
        topologySpreadConstraints: spread,
        priorityClassName: 'high',
        labels: { team: 'storage' },
        annotations: { 'example.com/owner': 'storage' },
      },
    });
    // WHEN
    const objs = synthValid(chart);
    // THEN the StatefulSet's and the app Deployment's pods both carry them
    for (const w of [one(objs, 'StatefulSet', 'r'), one(objs, 'Deployment', 'r-app')]) {
      const t = w.spec.template;
      expect(t.spec).toMatchObject({
        imagePullSecrets: [{ name: 'regcred' }],
        serviceAccountName: 'redis-sa',
        automountServiceAccountToken: false,
        nodeSelector: { pool: 'memory' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'redis', effect: 'NoSchedule' }],
        priorityClassName: 'high',
      });
      expect(t.spec.topologySpreadConstraints).toEqual(spread);
      expect(t.metadata.labels.team).toBe('storage');
      expect(t.metadata.annotations['example.com/owner']).toBe('storage');
      expect(w.spec.selector.matchLabels.team).toBeUndefined();
    }
  });

  test('partOf: the prop, else the app-wide context, else the base name', () => {
    const partOfAll = (objs: any[]) => new Set(objs.map((o) => o.metadata.labels['app.kubernetes.io/part-of']));
    const chart = Testing.chart();
    new AmbassadorShardedRedis(chart, 'r', { partOf: 'shop', app: APP });
    expect(partOfAll(synthValid(chart))).toEqual(new Set(['shop']));
    const app = Testing.app();
    app.node.setContext(RecommendedLabels.PART_OF_CONTEXT_KEY, 'store');
    const c2 = new Chart(app, 'c2');
    new AmbassadorShardedRedis(c2, 'r', { app: APP });
    expect(partOfAll(synthValid(c2))).toEqual(new Set(['store']));
  });

  test('the model predicts placement and resize', () => {
    const chart = Testing.chart();
    const redis = new AmbassadorShardedRedis(chart, 'sharded-redis', { shards: 3, app: APP });
    expect(redis.hashing.servers.map((s) => s.name)).toEqual(['sharded-redis-0', 'sharded-redis-1', 'sharded-redis-2']);
    // the README's claims, exactly
    expect(redis.hashing.serverFor('user:42')).toBe('sharded-redis-0');
    const plan = redis.planResize(4);
    expect(plan.floor).toBeCloseTo(0.25);
    expect(plan.movedFraction.toFixed(4)).toBe('0.2563');
  });

  describe('host pods are kept restricted', () => {
    test('an ordinary kplus.Deployment: seccomp and runAsNonRoot on the pod, no escalation and ALL dropped on each container', () => {
      // GIVEN a Deployment as a user writes it, which fails restricted on its own
      const chart = Testing.chart();
      const plain = plainDeployment(chart, 'plain', { securityContext: { user: 1000, group: 1000, capabilities: { drop: [kplus.Capability.NET_RAW], add: [kplus.Capability.NET_BIND_SERVICE] } } });
      plain.addInitContainer({ name: 'setup', image: 'busybox:1.36.1', command: ['true'], securityContext: { user: 1000, group: 1000 } });
      expect(checkRestricted(Testing.synth(chart)[0]).map((f) => f.message)).toEqual(expect.arrayContaining([
        expect.stringContaining("container 'main' must drop ALL capabilities"),
        expect.stringContaining("container 'main' has no RuntimeDefault or Localhost seccomp profile"),
      ]));
      // WHEN the ambassador is added
      const redis = new AmbassadorShardedRedis(chart, 'r');
      redis.addAmbassadorTo(plain);
      // THEN the whole pod passes (synthValid runs the Pod Security checker) with exactly these fields
      const spec = one(synthValid(chart), 'Deployment', 'plain').spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      const main = spec.containers.find((c: any) => c.name === 'main');
      expect(main.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: [kplus.Capability.NET_BIND_SERVICE] } });
      expect(spec.initContainers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(checkRestricted(one(Testing.synth(chart), 'Deployment', 'plain'))).toEqual([]);
    });

    test('every kind of pod is hardened at its own pod spec: a Pod, a StatefulSet, a CronJob', () => {
      // GIVEN plain cdk8s-plus workloads of three kinds
      const chart = Testing.chart();
      const redis = new AmbassadorShardedRedis(chart, 'r');
      const pod = new kplus.Pod(chart, 'pod', { metadata: { name: 'pod' } });
      const sts = new kplus.StatefulSet(chart, 'sts', { metadata: { name: 'sts' }, service: new kplus.Service(chart, 'svc', { metadata: { name: 'sts' }, ports: [{ port: 80 }] }) });
      const cron = new kplus.CronJob(chart, 'cron', { metadata: { name: 'cron' }, schedule: Cron.daily() });
      for (const w of [pod, sts, cron]) {
        w.addContainer({ name: 'main', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 } });
        // WHEN
        redis.addAmbassadorTo(w);
      }
      // THEN each passes Pod Security restricted (synthValid runs the checker on every pod template)
      const objs = synthValid(chart);
      expect(one(objs, 'Pod', 'pod').spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(one(objs, 'StatefulSet', 'sts').spec.template.spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
      expect(one(objs, 'CronJob', 'cron').spec.jobTemplate.spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    });

    test('a pod the library already made restricted gets no extra patch', () => {
      // GIVEN a pod built with RestrictedSecurity
      const chart = Testing.chart();
      const web = appDeployment(chart);
      const pod = () => one(Testing.synth(chart), 'Deployment', 'web').spec.template.spec;
      const before = pod();
      // WHEN the ambassador is added
      new AmbassadorShardedRedis(chart, 'r').addAmbassadorTo(web);
      // THEN the user's container and the pod security context are unchanged
      expect(pod().containers[0]).toEqual(before.containers[0]);
      expect(pod().securityContext).toEqual(before.securityContext);
    });

    test('hardenPod: false leaves the pod exactly as it is (the user\'s container then fails restricted)', () => {
      const chart = Testing.chart();
      const plain = plainDeployment(chart);
      new AmbassadorShardedRedis(chart, 'r').addAmbassadorTo(plain, { hardenPod: false });
      const d = one(Testing.synth(chart), 'Deployment', 'plain');
      expect(d.spec.template.spec.securityContext.seccompProfile).toBeUndefined();
      expect(d.spec.template.spec.containers[0].securityContext.capabilities).toBeUndefined();
      expect(checkRestricted(d).map((f) => f.message)).toEqual([
        "restricted: container 'main' must drop ALL capabilities",
        "restricted: container 'main' has no RuntimeDefault or Localhost seccomp profile (pod or container)",
      ]);
    });

    test.each([
      ['a user container that is privileged', { securityContext: { user: 1000, privileged: true } }, "container 'main' sets privileged: true: remove privileged from container 'main'"],
      ['a user container that runs as uid 0', { securityContext: { user: 0 } }, "container 'main' runs as uid 0: give container 'main' a non-root uid"],
      ['a user container with runAsNonRoot false', { securityContext: { user: 1000, ensureNonRoot: false } }, "container 'main' sets runAsNonRoot: false: set ensureNonRoot: true and a non-root user on container 'main'"],
      ['a user container that allows privilege escalation', { securityContext: { user: 1000, allowPrivilegeEscalation: true } }, "container 'main' sets allowPrivilegeEscalation: true: set allowPrivilegeEscalation: false on container 'main'"],
      ['a user container that adds SYS_ADMIN', { securityContext: { user: 1000, capabilities: { add: [kplus.Capability.SYS_ADMIN] } } }, `container 'main' adds the capability ${kplus.Capability.SYS_ADMIN}: remove it from container 'main' (restricted allows only NET_BIND_SERVICE)`],
    ])('fails when the host pod has %s', (_what, container, message) => {
      const chart = Testing.chart();
      const redis = new AmbassadorShardedRedis(chart, 'r');
      expect(() => redis.addAmbassadorTo(plainDeployment(chart, 'plain', container))).toThrow(
        `AmbassadorShardedRedis 'test/r': addAmbassadorTo() keeps 'test/plain' passing Pod Security restricted, but ${message}`);
    });

    test('fails when the host pod uses the host network or a hostPath volume', () => {
      const chart = Testing.chart();
      const redis = new AmbassadorShardedRedis(chart, 'r');
      const host = new kplus.Deployment(chart, 'host', { hostNetwork: true });
      host.addContainer({ name: 'main', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 } });
      expect(() => redis.addAmbassadorTo(host)).toThrow("but the pod sets hostNetwork: true: remove hostNetwork (a pod in a host namespace is never restricted) (or pass 'hardenPod: false'");
      const vol = plainDeployment(chart, 'vol');
      vol.containers[0].mount('/host', kplus.Volume.fromHostPath(chart, 'hp', 'hp', { path: '/var/log' }));
      expect(() => redis.addAmbassadorTo(vol)).toThrow("but volume 'hp' is of type hostPath: use one of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret");
    });

    test('fails when a container is added to the host pod after addAmbassadorTo (at synthesis, with the fix)', () => {
      const app = Testing.app();
      const chart = new Chart(app, 'c');
      const plain = plainDeployment(chart);
      new AmbassadorShardedRedis(chart, 'r').addAmbassadorTo(plain);
      plain.addContainer({ name: 'late', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000 } });
      expect(() => app.synth()).toThrow("AmbassadorShardedRedis 'c/r': addAmbassadorTo() keeps 'c/plain' passing Pod Security restricted, but container 'late' (added after addAmbassadorTo()) does not drop ALL capabilities: add your containers before calling addAmbassadorTo(), or add it with RestrictedSecurity.addContainer");
    });
  });

  describe('fails when', () => {
    const make = (props: any, chart = Testing.chart()) => new AmbassadorShardedRedis(chart, 'r', props);

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

describe('AmbassadorShardedRedis NetworkPolicies (issue 23)', () => {
  const SHARDS = { 'app.kubernetes.io/component': 'shard', 'app.kubernetes.io/instance': 'sharded-redis', 'app.kubernetes.io/name': 'redis' };
  const APP_SELECTOR = { 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'sharded-redis', 'app.kubernetes.io/name': 'sharded-redis' };
  const DNS = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };

  test('the shards accept only the pods that carry the ambassador, on the redis port, and send nothing; your workloads keep their own policies', () => {
    // GIVEN two workloads of the user's, one in another namespace
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    const other = new Chart(app, 'other', { namespace: 'jobs' });
    const redis = new AmbassadorShardedRedis(chart, 'sharded-redis');
    const web = appDeployment(chart);
    const job = plainDeployment(other, 'batch');
    // WHEN the ambassador is added to both
    redis.addAmbassadorTo(web);
    redis.addAmbassadorTo(job);
    const objs = synthValid(chart);
    // THEN one policy, the shards'
    const policies = ofKind(objs, 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name)).toEqual(['sharded-redis']);
    expect(policies[0].metadata.labels).toEqual(one(objs, 'StatefulSet').metadata.labels);
    expect(policies[0].spec).toEqual({
      podSelector: { matchLabels: SHARDS },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: web.matchLabels } }], ports: [{ protocol: 'TCP', port: 6379 }] },
        { from: [{ podSelector: { matchLabels: job.matchLabels }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'jobs' } } }], ports: [{ protocol: 'TCP', port: 6379 }] },
      ],
    });
    // the shards' selector selects exactly the StatefulSet's pods
    expect(one(objs, 'StatefulSet').spec.selector.matchLabels).toEqual(SHARDS);
    expect(redis.toMermaid()).toBe([
      'flowchart LR',
      '  %% AmbassadorShardedRedis test/sharded-redis',
      '  n0["redis shards ×3<br/>sharded-redis"]',
      `  n1(["pods cdk8s.io/metadata.addr=${web.matchLabels['cdk8s.io/metadata.addr']}"])`,
      `  n2(["pods cdk8s.io/metadata.addr=${job.matchLabels['cdk8s.io/metadata.addr']} in namespaces kubernetes.io/metadata.name=jobs"])`,
      '  n1 -->|6379/TCP| n0',
      '  n2 -->|6379/TCP| n0',
      '',
    ].join('\n'));
  });

  test('the app from props: its own policy — clients to its port, egress to the shards and the DNS, extraEgress, stats to monitoring', () => {
    const chart = Testing.chart();
    const prometheus = NetworkPeer.namespace('monitoring');
    new AmbassadorShardedRedis(chart, 'sharded-redis', {
      app: { ...APP, port: 8080 },
      exposeStats: true,
      networkPolicy: {
        clients: [NetworkPeer.pods({ app: 'web' })],
        monitoring: prometheus,
        extraEgress: [{ peer: NetworkPeer.ipBlock('10.9.0.0/16'), ports: [{ port: 443 }] }],
      },
    });
    const objs = synthValid(chart);
    expect(ofKind(objs, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['sharded-redis', 'sharded-redis-app']);
    expect(one(objs, 'NetworkPolicy', 'sharded-redis').spec).toEqual({
      podSelector: { matchLabels: SHARDS },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: APP_SELECTOR } }], ports: [{ protocol: 'TCP', port: 6379 }] }],
    });
    expect(one(objs, 'NetworkPolicy', 'sharded-redis-app').spec).toEqual({
      podSelector: { matchLabels: APP_SELECTOR },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 22222 }] },
      ],
      egress: [
        { to: [{ podSelector: { matchLabels: SHARDS } }], ports: [{ protocol: 'TCP', port: 6379 }] },
        { to: [{ ipBlock: { cidr: '10.9.0.0/16' } }], ports: [{ protocol: 'TCP', port: 443 }] },
        DNS,
      ],
    });
    expect(one(objs, 'Deployment').spec.selector.matchLabels).toEqual(APP_SELECTOR);
  });

  test('a workload without a selector (a CronJob): its pods get a label the shards admit them by', () => {
    const chart = Testing.chart();
    const redis = new AmbassadorShardedRedis(chart, 'sharded-redis');
    const cron = new kplus.CronJob(chart, 'nightly', { schedule: Cron.daily(), securityContext: { user: 1000, group: 1000 } });
    cron.addContainer({ name: 'main', image: 'node:22.11.0-alpine3.20', securityContext: { user: 1000, group: 1000 } });
    redis.addAmbassadorTo(cron);
    const objs = synthValid(chart);
    const marker = { 'cdk8s-distributed-patterns/ambassador-sharded-redis': 'true' };
    expect(one(objs, 'CronJob').spec.jobTemplate.spec.template.metadata.labels).toMatchObject(marker);
    expect(one(objs, 'NetworkPolicy').spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: marker } }], ports: [{ protocol: 'TCP', port: 6379 }] }]);
  });

  test('enabled: false emits no policy', () => {
    const chart = Testing.chart();
    new AmbassadorShardedRedis(chart, 'sharded-redis', { app: APP, networkPolicy: { enabled: false } });
    expect(ofKind(synthValid(chart), 'NetworkPolicy')).toEqual([]);
  });
});
