import { ApiObject, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AdapterMonitoring, AppContainerProps, ConfigChecksum, ContainerImages, FluentBitConfig, HealthAdapterProgram, HealthCheck,
  HealthCheckProtocol, ImageKey, LogFormat, MonitoringAdapter, MonitoringAdapterType, NetworkPeer, RestrictedSecurity,
} from '../../src';
import { LINE } from '../../src/line';
import { checkRestricted, ofKind, one, synthValid } from '../harness';
import { sidecarOf } from '../harness/sidecars';

const redisApp = (extra: Partial<AppContainerProps> = {}): AppContainerProps => ({
  image: 'redis:7.2.5-alpine',
  args: ['--logfile', '/var/log/redis/redis.log'],
  port: 6379,
  portName: 'redis',
  uid: 999,
  gid: 1000,
  resources: {
    cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
    memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
  },
  ...extra,
});

/**
 * The pod's app container(s) and the containers the library added beside them, in the order the 27 line lists them:
 * on a line with native sidecars those are init containers with `restartPolicy: Always` (test/harness/sidecars.ts).
 */
function appAndSidecars(spec: any): any[] {
  return [...spec.containers, ...(spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always')];
}

function containers(objs: any[]): any[] {
  return appAndSidecars(one(objs, 'Deployment').spec.template.spec);
}

function container(objs: any[], name: string): any {
  const found = containers(objs).filter((c: any) => c.name === name);
  if (found.length !== 1) throw new Error(`expected one container '${name}'`);
  return found[0];
}

const pgSecret = kplus.Secret.fromSecretName(Testing.chart(), 's', 's');
const pgUser = { secret: pgSecret, key: 'username' };
const pgPassword = { secret: pgSecret, key: 'password' };

const RESTRICTED = (uid: number, gid: number) => ({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsGroup: gid,
  runAsNonRoot: true,
  runAsUser: uid,
});

describe('AdapterMonitoring with an app container', () => {
  function redisWithEverything() {
    const chart = Testing.chart();
    const secret = kplus.Secret.fromSecretName(chart, 'auth', 'redis-auth');
    const password = { secret, key: 'password' };
    const am = new AdapterMonitoring(chart, 'cache', {
      appContainerName: 'redis',
      app: redisApp({ writableDirs: ['/data'] }),
      adapters: [
        MonitoringAdapter.redisExporter({ password }),
        MonitoringAdapter.health({
          check: HealthCheck.redisPing({ password }), timeout: Duration.millis(1500), period: Duration.seconds(5),
        }),
        MonitoringAdapter.logNormalizer({ logDir: '/var/log/redis', format: LogFormat.redis() }),
      ],
      serviceMonitor: true,
      prometheusRule: true,
    });
    return { chart, am, objs: synthValid(chart) };
  }

  test('redis + exporter + health + log adapters, ServiceMonitor and PrometheusRule', () => {
    // GIVEN / WHEN
    const { am, objs } = redisWithEverything();
    // THEN
    expect(objs).toMatchSnapshot();
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Deployment/cache', 'ConfigMap/cache-health', 'ConfigMap/cache-log-normalizer', 'Service/cache', 'ServiceMonitor/cache', 'PrometheusRule/cache',
      'NetworkPolicy/cache',
    ]);
    expect(containers(objs).map((c: any) => c.name)).toEqual(['redis', 'redis-exporter', 'health', 'log-normalizer']);
    // the app is a regular container on every line; the adapters native sidecars where the line has them
    const spec = one(objs, 'Deployment').spec.template.spec;
    expect(spec.containers.map((c: any) => c.name)).toEqual(['redis'].concat(LINE.nativeSidecars ? [] : ['redis-exporter', 'health', 'log-normalizer']));
    for (const n of ['redis-exporter', 'health', 'log-normalizer']) expect(sidecarOf(spec, n).name).toBe(n);
    expect(am.adapterContainers.map((c) => c.name)).toEqual(['redis-exporter', 'health', 'log-normalizer']);
    expect(am.adapters.map((a) => a.type)).toEqual([MonitoringAdapterType.REDIS_EXPORTER, MonitoringAdapterType.HEALTH, MonitoringAdapterType.LOG]);
    expect(am.healthPort).toBe(8099);
    expect(am.adapters.map((a) => a.isExporter)).toEqual([true, false, false]);
    expect([HealthCheck.tcp(), HealthCheck.httpGet(), HealthCheck.redisPing(), HealthCheck.postgresQuery({ username: pgUser, password: pgPassword })]
      .map((c) => c.protocol)).toEqual([HealthCheckProtocol.TCP, HealthCheckProtocol.HTTP, HealthCheckProtocol.REDIS, HealthCheckProtocol.POSTGRES]);
    expect(am.appContainer.name).toBe('redis');
  });

  test('the exporter reaches redis on localhost, password from the Secret, metrics port named metrics', () => {
    const { objs } = redisWithEverything();
    const exporter = container(objs, 'redis-exporter');
    expect(exporter.image).toBe(ContainerImages.defaultImage(ImageKey.REDIS_EXPORTER));
    expect(exporter.args).toEqual(['--redis.addr=redis://localhost:6379', '--web.listen-address=:9121']);
    expect(exporter.env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } }]);
    expect(exporter.ports).toEqual([{ containerPort: 9121, name: 'metrics' }]);
    expect(exporter.livenessProbe).toEqual({ tcpSocket: { port: 9121 }, periodSeconds: 20, timeoutSeconds: 2, failureThreshold: 3 });
    expect(exporter.readinessProbe).toBeUndefined();
    expect(exporter.securityContext).toEqual(RESTRICTED(59000, 59000));
  });

  test('the health adapter runs the library program on the node image, configured by env; its readiness probe is /readyz', () => {
    const { objs } = redisWithEverything();
    const health = container(objs, 'health');
    expect(health.image).toBe(ContainerImages.defaultImage(ImageKey.NODE));
    expect(health.command).toEqual(['node', '/adapter/health-adapter.js']);
    expect(health.env).toEqual([
      { name: 'HEALTH_PORT', value: '8099' },
      { name: 'HEALTH_CHECK', value: 'redis' },
      { name: 'HEALTH_TARGET_HOST', value: 'localhost' },
      { name: 'HEALTH_TARGET_PORT', value: '6379' },
      { name: 'HEALTH_TIMEOUT_MS', value: '1500' },
      { name: 'HEALTH_REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } },
    ]);
    expect(health.ports).toEqual([{ containerPort: 8099, name: 'health' }]);
    // the kubelet waits longer than the check, so a failed check is a 503 and not a probe timeout
    expect(health.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 8099, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 1, successThreshold: 1 });
    expect(health.livenessProbe).toEqual({ httpGet: { path: '/livez', port: 8099, scheme: 'HTTP' }, periodSeconds: 20, timeoutSeconds: 2, failureThreshold: 3 });
    expect(health.volumeMounts).toEqual([{ mountPath: '/adapter', name: 'health-program', readOnly: true }]);
    expect(health.securityContext).toEqual(RESTRICTED(1000, 1000));
    expect(one(objs, 'ConfigMap', 'cache-health').data).toEqual({ 'health-adapter.js': HealthAdapterProgram.source() });
  });

  test('the log adapter tails the shared log volume (read-only) and has its own state dir', () => {
    const { objs } = redisWithEverything();
    const log = container(objs, 'log-normalizer');
    expect(log.image).toBe(ContainerImages.defaultImage(ImageKey.FLUENT_BIT));
    expect(log.command).toEqual(['/fluent-bit/bin/fluent-bit']);
    expect(log.args).toEqual(['-c', '/fluent-bit/etc/fluent-bit.conf']);
    expect(log.securityContext).toEqual(RESTRICTED(65532, 65532));
    expect(log.volumeMounts).toEqual([
      { mountPath: '/fluent-bit/etc', name: 'log-normalizer-config', readOnly: true },
      { mountPath: '/fluent-bit/state', name: 'log-normalizer-fluent-bit-state' },
      { mountPath: '/var/log/redis', name: 'log-normalizer-logs', readOnly: true },
    ]);
    expect(container(objs, 'redis').volumeMounts).toEqual([
      { mountPath: '/data', name: 'redis-data' },
      { mountPath: '/var/log/redis', name: 'log-normalizer-logs' },
    ]);
    const volumes = one(objs, 'Deployment').spec.template.spec.volumes;
    expect(volumes).toEqual(expect.arrayContaining([
      { name: 'log-normalizer-logs', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'log-normalizer-fluent-bit-state', emptyDir: { sizeLimit: '16Mi' } },
      { name: 'log-normalizer-config', configMap: { name: 'cache-log-normalizer' } },
    ]));
    const expected = FluentBitConfig.render({
      paths: ['/var/log/redis/*.log'], format: LogFormat.redis(), app: 'cache', parsersFile: '/fluent-bit/etc/parsers.conf', dbFile: '/fluent-bit/state/tail.db',
    });
    expect(one(objs, 'ConfigMap', 'cache-log-normalizer').data).toEqual({ 'fluent-bit.conf': expected.main, 'parsers.conf': expected.parsers });
  });

  test('pod: the app user, seccomp, scrape annotations and the config checksum', () => {
    const { objs } = redisWithEverything();
    const tpl = one(objs, 'Deployment').spec.template;
    expect(tpl.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container(objs, 'redis').securityContext).toEqual(RESTRICTED(999, 1000));
    const configMaps = ofKind(objs, 'ConfigMap');
    expect(tpl.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9121',
      'prometheus.io/path': '/metrics',
      [ConfigChecksum.ANNOTATION]: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // the checksum covers both ConfigMaps: a change of either rolls the pods
    const other = Testing.chart();
    new AdapterMonitoring(other, 'cache', {
      appContainerName: 'redis',
      app: redisApp(),
      adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.logNormalizer({ logDir: '/var/log/redis', format: LogFormat.plain() })],
    });
    const otherTpl = one(synthValid(other), 'Deployment').spec.template;
    expect(otherTpl.metadata.annotations[ConfigChecksum.ANNOTATION]).not.toBe(tpl.metadata.annotations[ConfigChecksum.ANNOTATION]);
    expect(configMaps).toHaveLength(2);
  });

  test('Service, ServiceMonitor and PrometheusRule', () => {
    const { objs } = redisWithEverything();
    const svc = one(objs, 'Service');
    expect(svc.spec.ports).toEqual([
      { name: 'redis', port: 6379, targetPort: 6379 },
      { name: 'metrics', port: 9121, targetPort: 9121 },
    ]);
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'cache' });
    expect(one(objs, 'ServiceMonitor').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'cache' } },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    });
    const [group] = one(objs, 'PrometheusRule').spec.groups;
    expect(group.name).toBe('cache.adapters');
    expect(group.rules.map((r: any) => [r.alert, r.expr, r.for, r.labels.severity])).toEqual([
      ['RedisExporterDown', 'up{job="cache", endpoint="metrics"} == 0', '5m', 'warning'],
      ['RedisDown', 'redis_up{job="cache"} == 0', '1m', 'critical'],
      ['RedisMemoryNearLimit', 'redis_memory_used_bytes{job="cache"} / redis_memory_max_bytes{job="cache"} > 0.9 and redis_memory_max_bytes{job="cache"} > 0', '5m', 'warning'],
      ['RedisRejectedConnections', 'increase(redis_rejected_connections_total{job="cache"}[5m]) > 0', undefined, 'warning'],
    ]);
    for (const r of group.rules) expect(Object.keys(r.annotations).sort()).toEqual(['description', 'summary']);
  });

  test('memcached exporter: the port found by its number; scrape annotations by default; no ServiceMonitor', () => {
    const chart = Testing.chart();
    new AdapterMonitoring(chart, 'sessions', {
      appContainerName: 'memcached',
      app: { image: 'memcached:1.6.31-alpine', port: 11211, portName: 'tcp-11211', uid: 11211 },
      adapters: [MonitoringAdapter.memcachedExporter()],
    });
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    expect(objs.map((o) => o.kind)).toEqual(['Deployment', 'Service', 'NetworkPolicy']);
    const exporter = container(objs, 'memcached-exporter');
    expect(exporter.image).toBe(ContainerImages.defaultImage(ImageKey.MEMCACHED_EXPORTER));
    expect(exporter.args).toEqual(['--memcached.address=localhost:11211', '--web.listen-address=:9150']);
    expect(exporter.env).toBeUndefined();
    expect(exporter.securityContext).toEqual(RESTRICTED(65534, 65534));
    expect(one(objs, 'Deployment').spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9150', 'prometheus.io/path': '/metrics' });
    expect(one(objs, 'Deployment').spec.template.spec.securityContext).toMatchObject({ runAsUser: 11211, runAsGroup: 11211, fsGroup: 11211 });
    expect(one(objs, 'Service').spec.ports).toEqual([{ name: 'tcp-11211', port: 11211, targetPort: 11211 }, { name: 'metrics', port: 9150, targetPort: 9150 }]);
  });

  test('postgres exporter and SQL health check: credentials from the Secret, the port found by name', () => {
    // GIVEN a PostgreSQL app on a non-default port named 'postgresql'
    const chart = Testing.chart();
    const creds = kplus.Secret.fromSecretName(chart, 'creds', 'pg-monitor');
    const username = { secret: creds, key: 'user' };
    const password = { secret: creds, key: 'password' };
    new AdapterMonitoring(chart, 'db', {
      appContainerName: 'postgres',
      app: { image: 'postgres:16.6-alpine', port: 5433, portName: 'postgresql', uid: 70, writableDirs: ['/var/lib/postgresql/data', '/var/run/postgresql'] },
      adapters: [
        MonitoringAdapter.postgresExporter({ username, password, database: 'app' }),
        MonitoringAdapter.health({ check: HealthCheck.postgresQuery({ username, password, database: 'app', query: 'SELECT count(*) FROM pg_stat_activity' }) }),
      ],
      serviceMonitor: true,
      prometheusRule: true,
      scrapeInterval: Duration.seconds(15),
    });
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    // THEN
    const exporter = container(objs, 'postgres-exporter');
    expect(exporter.image).toBe(ContainerImages.defaultImage(ImageKey.POSTGRES_EXPORTER));
    expect(exporter.args).toEqual(['--web.listen-address=:9187']);
    expect(exporter.env).toEqual([
      { name: 'DATA_SOURCE_URI', value: 'localhost:5433/app?sslmode=disable' },
      { name: 'DATA_SOURCE_USER', valueFrom: { secretKeyRef: { name: 'pg-monitor', key: 'user' } } },
      { name: 'DATA_SOURCE_PASS', valueFrom: { secretKeyRef: { name: 'pg-monitor', key: 'password' } } },
    ]);
    expect(container(objs, 'health').env).toEqual([
      { name: 'HEALTH_PORT', value: '8099' },
      { name: 'HEALTH_CHECK', value: 'postgres' },
      { name: 'HEALTH_TARGET_HOST', value: 'localhost' },
      { name: 'HEALTH_TARGET_PORT', value: '5433' },
      { name: 'HEALTH_TIMEOUT_MS', value: '2000' },
      { name: 'HEALTH_PG_USER', valueFrom: { secretKeyRef: { name: 'pg-monitor', key: 'user' } } },
      { name: 'HEALTH_PG_PASSWORD', valueFrom: { secretKeyRef: { name: 'pg-monitor', key: 'password' } } },
      { name: 'HEALTH_PG_DATABASE', value: 'app' },
      { name: 'HEALTH_SQL_QUERY', value: 'SELECT count(*) FROM pg_stat_activity' },
    ]);
    expect(one(objs, 'ServiceMonitor').spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    expect(one(objs, 'PrometheusRule').spec.groups[0].rules.map((r: any) => r.alert)).toEqual(['PostgresExporterDown', 'PostgresDown', 'PostgresConnectionsNearLimit']);
  });

  test('two exporters: no scrape annotations by default, both in the ServiceMonitor', () => {
    const chart = Testing.chart();
    new AdapterMonitoring(chart, 'both', {
      app: redisApp(),
      adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.memcachedExporter({ port: 11211, portName: 'mc-metrics' })],
      serviceMonitor: true,
      prometheusRule: true,
    });
    const objs = synthValid(chart);
    expect(one(objs, 'Deployment').spec.template.metadata.annotations).toBeUndefined();
    expect(one(objs, 'ServiceMonitor').spec.endpoints.map((e: any) => e.port)).toEqual(['metrics', 'mc-metrics']);
    expect(one(objs, 'PrometheusRule').spec.groups[0].rules.map((r: any) => r.alert)).toEqual([
      'RedisExporterDown', 'RedisDown', 'RedisMemoryNearLimit', 'RedisRejectedConnections', 'MemcachedExporterDown', 'MemcachedDown', 'MemcachedConnectionsNearLimit',
    ]);
    expect(one(objs, 'PrometheusRule').spec.groups[0].rules[4].expr).toBe('up{job="both", endpoint="mc-metrics"} == 0');
  });

  test('tcp and http health checks find the app\'s only port; the health adapter alone adds no scrape wiring', () => {
    const chart = Testing.chart();
    new AdapterMonitoring(chart, 'web', {
      appContainerName: 'web',
      app: { image: 'example/web:1.4.2', port: 8080, uid: 10001 },
      adapters: [MonitoringAdapter.health({ check: HealthCheck.httpGet({ path: '/status' }), listenPort: 9000, portName: 'healthz' })],
    });
    const objs = synthValid(chart);
    expect(container(objs, 'health').env).toEqual(expect.arrayContaining([
      { name: 'HEALTH_CHECK', value: 'http' }, { name: 'HEALTH_TARGET_PORT', value: '8080' }, { name: 'HEALTH_HTTP_PATH', value: '/status' },
    ]));
    expect(container(objs, 'health').ports).toEqual([{ containerPort: 9000, name: 'healthz' }]);
    expect(one(objs, 'Deployment').spec.template.metadata.annotations).toEqual({ [ConfigChecksum.ANNOTATION]: expect.any(String) });
    expect(one(objs, 'Service').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);

    const chart2 = Testing.chart();
    new AdapterMonitoring(chart2, 'tcp', {
      app: { image: 'example/app:1.0.0', port: 7000, uid: 10001 },
      adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })],
    });
    expect(container(synthValid(chart2), 'health').env).toEqual(expect.arrayContaining([{ name: 'HEALTH_CHECK', value: 'tcp' }, { name: 'HEALTH_TARGET_PORT', value: '7000' }]));
  });

  test('replicas > 1: PodDisruptionBudget and spread; image overrides', () => {
    const chart = Testing.chart();
    new AdapterMonitoring(chart, 'cache', {
      appContainerName: 'redis',
      app: redisApp(),
      replicas: 3,
      adapters: [MonitoringAdapter.redisExporter()],
      images: { redisExporter: 'mirror.example/redis_exporter:v1.66.0' },
    });
    const objs = synthValid(chart);
    expect(one(objs, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'cache' } } });
    expect(one(objs, 'Deployment').spec.template.spec.topologySpreadConstraints).toHaveLength(1);
    expect(container(objs, 'redis-exporter').image).toBe('mirror.example/redis_exporter:v1.66.0');
  });
});

describe('AdapterMonitoring with an existing workload', () => {
  function userStatefulSet(chart: any) {
    const sts = new kplus.StatefulSet(chart, 'redis', {
      metadata: { name: 'redis' },
      securityContext: RestrictedSecurity.podSecurityContext(999, 1000),
      service: new kplus.Service(chart, 'headless', { clusterIP: 'None', ports: [{ port: 6379 }], metadata: { name: 'redis' } }),
    });
    RestrictedSecurity.addContainer(sts, { name: 'redis', image: 'redis:7.2.5-alpine', ports: [{ number: 6379, name: 'redis' }] }, { uid: 999, gid: 1000 });
    RestrictedSecurity.applySeccomp(sts);
    return sts;
  }

  test('adds the adapters to the workload\'s pod; a metrics Service only for the ServiceMonitor', () => {
    // GIVEN the user's own restricted StatefulSet
    const chart = Testing.chart();
    const sts = userStatefulSet(chart);
    sts.podMetadata.addAnnotation(ConfigChecksum.ANNOTATION, 'users-own');
    // WHEN adapters are added to it
    const am = new AdapterMonitoring(chart, 'monitoring', {
      workload: sts,
      adapters: [
        MonitoringAdapter.redisExporter(),
        MonitoringAdapter.health({ check: HealthCheck.redisPing() }),
      ],
      serviceMonitor: true,
    });
    const objs = synthValid(chart);
    // THEN
    expect(objs).toMatchSnapshot();
    expect(am.workload).toBe(sts);
    const spec = one(objs, 'StatefulSet').spec.template.spec;
    expect(appAndSidecars(spec).map((c: any) => c.name)).toEqual(['redis', 'redis-exporter', 'health']);
    // the adapters set their own seccomp profile; the pod's is the user's
    expect(appAndSidecars(spec)[1].securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(appAndSidecars(spec)[2].securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(spec.containers[0].securityContext.seccompProfile).toBeUndefined();
    // the user's checksum annotation is kept; ours has its own key
    expect(one(objs, 'StatefulSet').spec.template.metadata.annotations).toEqual({
      [ConfigChecksum.ANNOTATION]: 'users-own',
      [`${ConfigChecksum.ANNOTATION}-adapters`]: expect.stringMatching(/^[0-9a-f]{64}$/),
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9121',
      'prometheus.io/path': '/metrics',
    });
    const svc = one(objs, 'Service', 'monitoring');
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 9121, targetPort: 9121 }]);
    expect(svc.spec.selector).toEqual(sts.matchLabels);
    expect(one(objs, 'ServiceMonitor').spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/component': 'adapter', 'app.kubernetes.io/instance': 'monitoring', 'app.kubernetes.io/name': 'monitoring',
    });
    expect(svc.metadata.labels).toMatchObject(one(objs, 'ServiceMonitor').spec.selector.matchLabels);
  });

  test('without a ServiceMonitor no Service is made; appContainer picks the app', () => {
    const chart = Testing.chart();
    const sts = userStatefulSet(chart);
    RestrictedSecurity.addContainer(sts, { name: 'sidecar', image: 'example/sidecar:1.0.0', ports: [{ number: 6380 }] }, { uid: 999, gid: 1000 });
    new AdapterMonitoring(chart, 'monitoring', {
      workload: sts,
      appContainerName: 'sidecar',
      adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })],
    });
    const objs = synthValid(chart);
    expect(ofKind(objs, 'Service').map((s) => s.metadata.name)).toEqual(['redis']);
    const health = appAndSidecars(one(objs, 'StatefulSet').spec.template.spec)[2];
    expect(health.env).toContainEqual({ name: 'HEALTH_TARGET_PORT', value: '6380' });
  });
});

describe('AdapterMonitoring keeps a user\'s pod restricted', () => {
  /** A plain cdk8s-plus Deployment, as a user writes one: no seccomp profile, capabilities kept. */
  function plainDeployment(chart: any, extra: Partial<kplus.ContainerProps> = {}) {
    return new kplus.Deployment(chart, 'web', {
      metadata: { name: 'web' },
      containers: [{ name: 'web', image: 'example/web:1.4.2', portNumber: 8080, securityContext: { user: 10001 }, ...extra }],
    });
  }

  test('a plain kplus.Deployment fails restricted on its own, and passes once adapters are added', () => {
    // GIVEN a user's Deployment that Pod Security restricted rejects (the proof that the hardening is needed)
    const before = Testing.chart();
    plainDeployment(before);
    const findings = Testing.synth(before).flatMap(checkRestricted).map((f) => f.message);
    expect(findings).toEqual(expect.arrayContaining([
      "restricted: container 'web' must drop ALL capabilities",
      "restricted: container 'web' has no RuntimeDefault or Localhost seccomp profile (pod or container)",
    ]));
    // WHEN the adapters join it
    const chart = Testing.chart();
    const web = plainDeployment(chart);
    new AdapterMonitoring(chart, 'monitoring', { workload: web, adapters: [MonitoringAdapter.health({ check: HealthCheck.httpGet() })] });
    // THEN the whole pod passes (synthValid runs the restricted checker on every object)
    const objs = synthValid(chart);
    const spec = one(objs, 'Deployment').spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 10001 });
    expect(objs.flatMap(checkRestricted)).toEqual([]);
    expect(chart.node.findAll().flatMap((c) => c.node.validate())).toEqual([]);
  });

  test('what the user set is kept: the capability they add (NET_BIND_SERVICE), a Localhost seccomp profile', () => {
    const chart = Testing.chart();
    const web = plainDeployment(chart);
    const obj = ApiObject.of(web);
    obj.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { add: ['NET_BIND_SERVICE'], drop: ['NET_RAW'] }));
    obj.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'Localhost', localhostProfile: 'profiles/web.json' }));
    new AdapterMonitoring(chart, 'monitoring', { workload: web, adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })] });
    const spec = one(synthValid(chart), 'Deployment').spec.template.spec;
    // ALL covers what they dropped; what they added stays
    expect(spec.containers[0].securityContext.capabilities).toEqual({ add: ['NET_BIND_SERVICE'], drop: ['ALL'] });
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'profiles/web.json' });
  });

  test('hardenPod: false leaves the pod exactly as it is', () => {
    const chart = Testing.chart();
    const web = plainDeployment(chart);
    new AdapterMonitoring(chart, 'monitoring', { workload: web, hardenPod: false, adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })] });
    const spec = one(Testing.synth(chart), 'Deployment').spec.template.spec;
    expect(spec.securityContext.seccompProfile).toBeUndefined();
    expect(spec.containers[0].securityContext.capabilities).toBeUndefined();
    // the adapter's own container is still restricted
    expect(appAndSidecars(spec)[1].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
  });

  const fix = (what: string) => `AdapterMonitoring 'test/monitoring': new AdapterMonitoring({ workload }) keeps 'test/web' passing Pod Security restricted, but ${what} (or pass 'hardenPod: false' and run the pod where restricted is not enforced)`;

  test('fails when a user container is privileged', () => {
    const chart = Testing.chart();
    const web = plainDeployment(chart, { securityContext: { user: 10001, privileged: true } });
    expect(() => new AdapterMonitoring(chart, 'monitoring', { workload: web, adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })] }))
      .toThrow(fix("container 'web' sets privileged: true: remove privileged from container 'web'"));
  });

  test('fails when a user container runs as uid 0', () => {
    const chart = Testing.chart();
    const web = plainDeployment(chart);
    ApiObject.of(web).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/securityContext/runAsUser', 0));
    expect(() => new AdapterMonitoring(chart, 'monitoring', { workload: web, adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })] }))
      .toThrow(fix("container 'web' runs as uid 0: give container 'web' a non-root uid (a user the image has, e.g. 1000)"));
  });

  test('fails when the pod uses the host network', () => {
    const chart = Testing.chart();
    const web = plainDeployment(chart);
    ApiObject.of(web).addJsonPatch(JsonPatch.add('/spec/template/spec/hostNetwork', true));
    expect(() => new AdapterMonitoring(chart, 'monitoring', { workload: web, adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })] }))
      .toThrow(fix('the pod sets hostNetwork: true: remove hostNetwork (a pod in a host namespace is never restricted)'));
  });

  test('fails when a container is added to the pod after the adapters (it could not be hardened)', () => {
    // GIVEN a pod hardened by the construct
    const chart = Testing.chart();
    const web = plainDeployment(chart);
    const am = new AdapterMonitoring(chart, 'monitoring', { workload: web, adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })] });
    // WHEN the user adds another container afterwards
    web.addContainer({ name: 'late', image: 'example/late:1.0.0', securityContext: { user: 10001 } });
    // THEN synthesis fails with the fix
    expect(am.node.validate()).toEqual([fix("container 'late' (added after new AdapterMonitoring({ workload })) does not drop ALL capabilities: add your containers before calling new AdapterMonitoring({ workload }), or add it with RestrictedSecurity.addContainer")]);
  });
});

describe('AdapterMonitoring: one vocabulary (app container, pod options, labels, secrets)', () => {
  test('the app takes AppContainerProps: env from Secrets, a default TCP readiness probe, uid 1000 and /tmp by default', () => {
    const chart = Testing.chart();
    const secret = kplus.Secret.fromSecretName(chart, 'auth', 'redis-auth');
    const am = new AdapterMonitoring(chart, 'cache', {
      app: { image: 'redis:7.2.5-alpine', port: 6379, portName: 'redis', env: { REDIS_PASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }) } },
      adapters: [MonitoringAdapter.redisExporter({ password: { secret, key: 'password' } })],
    });
    const objs = synthValid(chart);
    const app = container(objs, 'app');
    expect(am.appContainer.name).toBe('app');
    expect(app.env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } }]);
    expect(app.readinessProbe.tcpSocket).toEqual({ port: 6379 });
    expect(app.imagePullPolicy).toBe('IfNotPresent');
    expect(app.securityContext).toEqual(RESTRICTED(1000, 1000));
    expect(app.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'app-tmp' }]);
    expect(app.resources).toEqual({ limits: { 'cpu': '1500m', 'memory': '2048Mi', 'ephemeral-storage': '1Gi' }, requests: { 'cpu': '1000m', 'memory': '512Mi', 'ephemeral-storage': '64Mi' } });
  });

  test('labels: the pod\'s objects are the app\'s (base name, component app, version the app image tag); ConfigMaps name their software', () => {
    const chart = Testing.chart();
    new AdapterMonitoring(chart, 'cache', {
      app: redisApp(),
      partOf: 'shop',
      adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.health({ check: HealthCheck.redisPing() }), MonitoringAdapter.logNormalizer({ logDir: '/var/log/redis', format: LogFormat.redis() })],
      serviceMonitor: true,
      prometheusRule: true,
    });
    const objs = synthValid(chart);
    const appLabels = {
      'app.kubernetes.io/name': 'cache',
      'app.kubernetes.io/instance': 'cache',
      'app.kubernetes.io/component': 'app',
      'app.kubernetes.io/part-of': 'shop',
      'app.kubernetes.io/version': '7.2.5-alpine',
      'app.kubernetes.io/managed-by': 'cdk8s-distributed-patterns',
    };
    for (const kind of ['Deployment', 'Service', 'ServiceMonitor', 'PrometheusRule']) expect(one(objs, kind).metadata.labels).toEqual(appLabels);
    const adapterLabels = (name: string, version: string) => ({ ...appLabels, 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'adapter', 'app.kubernetes.io/version': version });
    expect(one(objs, 'ConfigMap', 'cache-health').metadata.labels).toEqual(adapterLabels('node', ContainerImages.defaultImage(ImageKey.NODE).split(':')[1]));
    expect(one(objs, 'ConfigMap', 'cache-log-normalizer').metadata.labels).toEqual(adapterLabels('fluent-bit', ContainerImages.defaultImage(ImageKey.FLUENT_BIT).split(':')[1]));
    const selector = { 'app.kubernetes.io/name': 'cache', 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/component': 'app' };
    expect(one(objs, 'Deployment').spec.selector.matchLabels).toEqual(selector);
    expect(one(objs, 'ServiceMonitor').spec.selector.matchLabels).toEqual(selector);
  });

  test('pod options reach the pod template (with the app only)', () => {
    const chart = Testing.chart();
    const sa = kplus.ServiceAccount.fromServiceAccountName(chart, 'sa', 'cache-sa');
    new AdapterMonitoring(chart, 'cache', {
      app: redisApp(),
      replicas: 2,
      adapters: [MonitoringAdapter.redisExporter()],
      pod: {
        imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'pull', 'mirror-credentials')],
        serviceAccount: sa,
        nodeSelector: { pool: 'cache' },
        tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
        topologySpreadConstraints: [],
        priorityClassName: 'critical',
        labels: { team: 'data' },
        annotations: { 'example.com/owner': 'data-team' },
      },
    });
    const objs = synthValid(chart);
    const tpl = one(objs, 'Deployment').spec.template;
    expect(tpl.spec).toMatchObject({
      imagePullSecrets: [{ name: 'mirror-credentials' }],
      serviceAccountName: 'cache-sa',
      automountServiceAccountToken: false,
      nodeSelector: { pool: 'cache' },
      tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
      topologySpreadConstraints: [],
      priorityClassName: 'critical',
    });
    expect(tpl.metadata.labels.team).toBe('data');
    expect(tpl.metadata.annotations['example.com/owner']).toBe('data-team');
    expect(ofKind(objs, 'PodDisruptionBudget')).toHaveLength(1);
  });

  test('every adapter takes resources (the defaults as documented)', () => {
    const chart = Testing.chart();
    const r = {
      cpu: { request: kplus.Cpu.millis(5), limit: kplus.Cpu.millis(50) },
      memory: { request: Size.mebibytes(8), limit: Size.mebibytes(16) },
    };
    new AdapterMonitoring(chart, 'cache', {
      app: redisApp(),
      adapters: [
        MonitoringAdapter.redisExporter({ resources: r }),
        MonitoringAdapter.health({ check: HealthCheck.redisPing(), resources: r }),
        MonitoringAdapter.logNormalizer({ logDir: '/var/log/redis', format: LogFormat.redis(), resources: r }),
      ],
    });
    const objs = synthValid(chart);
    for (const name of ['redis-exporter', 'health', 'log-normalizer']) {
      expect(container(objs, name).resources).toEqual({ limits: { 'cpu': '50m', 'memory': '16Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '5m', 'memory': '8Mi', 'ephemeral-storage': '16Mi' } });
    }
    const c2 = Testing.chart();
    new AdapterMonitoring(c2, 'cache', {
      app: redisApp(),
      adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.health({ check: HealthCheck.redisPing() }), MonitoringAdapter.logNormalizer({ logDir: '/var/log/redis', format: LogFormat.redis() })],
    });
    const defaults = synthValid(c2);
    expect(container(defaults, 'redis-exporter').resources).toEqual({ limits: { 'cpu': '100m', 'memory': '64Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '10m', 'memory': '32Mi', 'ephemeral-storage': '16Mi' } });
    expect(container(defaults, 'health').resources).toEqual({ limits: { 'cpu': '100m', 'memory': '96Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '10m', 'memory': '32Mi', 'ephemeral-storage': '16Mi' } });
    expect(container(defaults, 'log-normalizer').resources).toEqual({ limits: { 'cpu': '200m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' }, requests: { 'cpu': '10m', 'memory': '32Mi', 'ephemeral-storage': '16Mi' } });
  });
});

describe('AdapterMonitoring NetworkPolicy (issue 23)', () => {
  const SELECTOR = { 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'cache' };

  test('with app: default deny; the clients to the app port, monitoring to the exporter and health ports, nothing sent', () => {
    // GIVEN Prometheus in namespace monitoring
    const chart = Testing.chart();
    const prometheus = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { 'kubernetes.io/metadata.name': 'monitoring' });
    const am = new AdapterMonitoring(chart, 'cache', {
      app: redisApp(),
      adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.health({ check: HealthCheck.redisPing() })],
      networkPolicy: { monitoring: prometheus },
    });
    const objs = synthValid(chart);
    // THEN
    const policy = one(objs, 'NetworkPolicy', 'cache');
    expect(policy.metadata.labels).toEqual(one(objs, 'Deployment').metadata.labels);
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: SELECTOR },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 6379 }] },
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
          ports: [{ protocol: 'TCP', port: 9121 }, { protocol: 'TCP', port: am.healthPort }],
        },
      ],
    });
    expect(one(objs, 'Deployment').spec.selector.matchLabels).toEqual(SELECTOR);
    expect(am.toMermaid()).toBe([
      'flowchart LR',
      '  %% AdapterMonitoring test/cache',
      '  n0["app + adapters<br/>cache"]',
      '  n1(["every pod of this namespace"])',
      '  n2(["pods app.kubernetes.io/name=prometheus in namespaces kubernetes.io/metadata.name=monitoring"])',
      '  n1 -->|6379/TCP| n0',
      `  n2 -->|9121/TCP, ${am.healthPort}/TCP| n0`,
      '',
    ].join('\n'));
  });

  test('without monitoring the metrics ports are closed; extraEgress for the app (with DNS); enabled: false emits nothing', () => {
    const chart = Testing.chart();
    new AdapterMonitoring(chart, 'cache', {
      app: redisApp(),
      adapters: [MonitoringAdapter.redisExporter()],
      networkPolicy: { clients: [NetworkPeer.pods({ app: 'web' })], extraEgress: [{ peer: NetworkPeer.pods({ app: 'primary' }), ports: [{ port: 6379 }] }] },
    });
    const spec = one(synthValid(chart), 'NetworkPolicy').spec;
    expect(spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 6379 }] }]);
    expect(spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: { app: 'primary' } } }], ports: [{ protocol: 'TCP', port: 6379 }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
    ]);
    const off = Testing.chart();
    new AdapterMonitoring(off, 'cache', { app: redisApp(), adapters: [MonitoringAdapter.redisExporter()], networkPolicy: { enabled: false } });
    expect(ofKind(synthValid(off), 'NetworkPolicy')).toEqual([]);
  });

  test('with a workload of yours: no policy (the pod and its policy are yours)', () => {
    const chart = Testing.chart();
    const d = new kplus.Deployment(chart, 'web', { securityContext: { user: 1000, group: 1000 } });
    d.addContainer({ name: 'redis', image: 'redis:7.2.5-alpine', ports: [{ number: 6379, name: 'redis' }], securityContext: { user: 999, group: 1000 } });
    const am = new AdapterMonitoring(chart, 'cache', { workload: d, adapters: [MonitoringAdapter.redisExporter()] });
    expect(ofKind(synthValid(chart), 'NetworkPolicy')).toEqual([]);
    expect(am.toMermaid()).toBe('flowchart LR\n  %% AdapterMonitoring test/cache\n');
  });
});
