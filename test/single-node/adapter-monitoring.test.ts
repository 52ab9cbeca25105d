import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AdapterMonitoring, AdapterMonitoringProps, ConfigChecksum, ContainerImages, FluentBitConfig, HealthAdapterProgram, HealthCheck,
  HealthCheckProtocol, ImageKey, LogFormat, MonitoringAdapter, MonitoringAdapterType, RestrictedSecurity,
} from '../../src';
import { ofKind, one, synthValid } from '../harness';

const redisApp = (extra: Partial<kplus.ContainerProps> = {}): kplus.ContainerProps => ({
  name: 'redis',
  image: 'redis:7.2.5-alpine',
  args: ['--logfile', '/var/log/redis/redis.log'],
  ports: [{ number: 6379, name: 'redis' }],
  securityContext: { user: 999, group: 1000 },
  resources: {
    cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
    memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
  },
  ...extra,
});

function containers(objs: any[]): any[] {
  return one(objs, 'Deployment').spec.template.spec.containers;
}

function container(objs: any[], name: string): any {
  const found = containers(objs).filter((c: any) => c.name === name);
  if (found.length !== 1) throw new Error(`expected one container '${name}'`);
  return found[0];
}

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
    const am = new AdapterMonitoring(chart, 'cache', {
      app: redisApp(),
      appWritableDirs: ['/data'],
      adapters: [
        MonitoringAdapter.redisExporter({ passwordSecret: secret }),
        MonitoringAdapter.health({
          check: HealthCheck.redisPing({ passwordSecret: secret }), timeout: Duration.millis(1500), period: Duration.seconds(5),
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
    ]);
    expect(containers(objs).map((c: any) => c.name)).toEqual(['redis', 'redis-exporter', 'health', 'log-normalizer']);
    expect(am.adapterContainers.map((c) => c.name)).toEqual(['redis-exporter', 'health', 'log-normalizer']);
    expect(am.adapters.map((a) => a.type)).toEqual([MonitoringAdapterType.REDIS_EXPORTER, MonitoringAdapterType.HEALTH, MonitoringAdapterType.LOG]);
    expect(am.healthPort).toBe(8099);
    expect(am.adapters.map((a) => a.isExporter)).toEqual([true, false, false]);
    expect([HealthCheck.tcp(), HealthCheck.httpGet(), HealthCheck.redisPing(), HealthCheck.postgresQuery({ credentials: kplus.Secret.fromSecretName(Testing.chart(), 's', 's') })]
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
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'redis' });
    expect(one(objs, 'ServiceMonitor').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'redis' } },
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
      app: { name: 'memcached', image: 'memcached:1.6.31-alpine', ports: [{ number: 11211 }], securityContext: { user: 11211 } },
      adapters: [MonitoringAdapter.memcachedExporter()],
    });
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    expect(objs.map((o) => o.kind)).toEqual(['Deployment', 'Service']);
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
    new AdapterMonitoring(chart, 'db', {
      app: { name: 'postgres', image: 'postgres:16.6-alpine', ports: [{ number: 5433, name: 'postgresql' }], securityContext: { user: 70 } },
      appWritableDirs: ['/var/lib/postgresql/data', '/var/run/postgresql'],
      adapters: [
        MonitoringAdapter.postgresExporter({ credentials: creds, usernameKey: 'user', database: 'app' }),
        MonitoringAdapter.health({ check: HealthCheck.postgresQuery({ credentials: creds, usernameKey: 'user', database: 'app', query: 'SELECT count(*) FROM pg_stat_activity' }) }),
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
      app: redisApp({ ports: [{ number: 6379, name: 'redis' }, { number: 11211, name: 'memcached' }] }),
      adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.memcachedExporter({ portName: 'mc-metrics' })],
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
      app: { name: 'web', image: 'example/web:1.4.2', ports: [{ number: 8080, name: 'http' }], securityContext: { user: 10001 } },
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
      app: { name: 'app', image: 'example/app:1.0.0', ports: [{ number: 7000 }], securityContext: { user: 10001 } },
      adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })],
    });
    expect(container(synthValid(chart2), 'health').env).toEqual(expect.arrayContaining([{ name: 'HEALTH_CHECK', value: 'tcp' }, { name: 'HEALTH_TARGET_PORT', value: '7000' }]));
  });

  test('replicas > 1: PodDisruptionBudget and spread; image overrides', () => {
    const chart = Testing.chart();
    new AdapterMonitoring(chart, 'cache', {
      app: redisApp(),
      replicas: 3,
      adapters: [MonitoringAdapter.redisExporter()],
      images: { redisExporter: 'mirror.example/redis_exporter:v1.66.0' },
    });
    const objs = synthValid(chart);
    expect(one(objs, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'redis' } } });
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
    expect(spec.containers.map((c: any) => c.name)).toEqual(['redis', 'redis-exporter', 'health']);
    // the adapters set their own seccomp profile; the pod's is the user's
    expect(spec.containers[1].securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(spec.containers[2].securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
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
      'app.kubernetes.io/component': 'adapters', 'app.kubernetes.io/instance': 'monitoring', 'app.kubernetes.io/name': 'redis',
    });
    expect(svc.metadata.labels).toMatchObject(one(objs, 'ServiceMonitor').spec.selector.matchLabels);
  });

  test('without a ServiceMonitor no Service is made; appContainer picks the app', () => {
    const chart = Testing.chart();
    const sts = userStatefulSet(chart);
    RestrictedSecurity.addContainer(sts, { name: 'sidecar', image: 'example/sidecar:1.0.0', ports: [{ number: 6380 }] }, { uid: 999, gid: 1000 });
    new AdapterMonitoring(chart, 'monitoring', {
      workload: sts,
      appContainer: 'sidecar',
      adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })],
    });
    const objs = synthValid(chart);
    expect(ofKind(objs, 'Service').map((s) => s.metadata.name)).toEqual(['redis']);
    const health = one(objs, 'StatefulSet').spec.template.spec.containers[2];
    expect(health.env).toContainEqual({ name: 'HEALTH_TARGET_PORT', value: '6380' });
  });
});

describe('AdapterMonitoring fails on bad input', () => {
  const build = (props: Partial<AdapterMonitoringProps>, chart = Testing.chart()) => () => new AdapterMonitoring(chart, 'cache', {
    app: redisApp(),
    adapters: [MonitoringAdapter.redisExporter()],
    ...props,
  } as AdapterMonitoringProps);

  test('fails when an adapter port clashes with an app port', () => {
    expect(build({ adapters: [MonitoringAdapter.redisExporter({ listenPort: 6379 })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'redis-exporter.listenPort' must be a port no other container of the pod listens on (the containers share one network; container 'redis' has 6379), got 6379");
  });

  test('fails when an adapter port clashes with another adapter\'s port', () => {
    expect(build({ adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.health({ check: HealthCheck.redisPing(), listenPort: 9121 })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'health.listenPort' must be a port no other container of the pod listens on (the containers share one network; container 'redis-exporter' has 9121), got 9121");
  });

  test('fails when an adapter port name clashes with an app port name', () => {
    expect(build({ adapters: [MonitoringAdapter.redisExporter({ portName: 'redis' })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'redis-exporter.portName' must be unique in the pod (container 'redis' has a port named 'redis'), got 'redis'");
    expect(build({ adapters: [MonitoringAdapter.redisExporter({ portName: 'redis--metrics' })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'redis-exporter.portName' must be a port name (an IANA service name: at most 15 characters, lowercase letters, digits and single '-', with a letter), got 'redis--metrics'");
  });

  test('fails when an exporter preset has no address to reach', () => {
    expect(build({ app: redisApp({ ports: [{ number: 7000, name: 'kv' }] }) }))
      .toThrow("AdapterMonitoring 'test/cache': 'redis-exporter.port' must be the app's redis port on localhost (the app container 'redis' has no port named 'redis' and no port 6379), got undefined");
    expect(build({ app: redisApp({ ports: [] }), adapters: [MonitoringAdapter.postgresExporter({ credentials: kplus.Secret.fromSecretName(Testing.chart(), 's', 's') })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'postgres-exporter.port' must be the app's postgres port on localhost (the app container 'redis' has no port named 'postgres' or 'postgresql' and no port 5432), got undefined");
  });

  test('fails when a tcp health check cannot tell which port to check', () => {
    expect(build({ app: redisApp({ ports: [{ number: 1 }, { number: 2 }] }), adapters: [MonitoringAdapter.health({ check: HealthCheck.tcp() })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'health.check.port' must be the app's port on localhost (the app container 'redis' has 2 ports), got undefined");
  });

  test('fails when the SQL exporter has no credentials Secret', () => {
    expect(build({ app: redisApp({ ports: [{ number: 5432 }] }), adapters: [MonitoringAdapter.postgresExporter({} as any)] }))
      .toThrow("AdapterMonitoring 'test/cache': 'postgres-exporter.credentials' must be a Secret holding the database user's username and password, got undefined");
    const sqlCheck = MonitoringAdapter.health({ check: HealthCheck.postgresQuery({} as any) });
    expect(build({ app: redisApp({ ports: [{ number: 5432 }] }), adapters: [sqlCheck] }))
      .toThrow("AdapterMonitoring 'test/cache': 'health.check.credentials' must be a Secret holding the database user's username and password, got undefined");
  });

  test('fails when a health check timeout is not shorter than its period', () => {
    expect(build({ adapters: [MonitoringAdapter.health({ check: HealthCheck.redisPing(), timeout: Duration.seconds(10) })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'health.timeout' must be shorter than the period (10s), got '10s'");
    const sixOfFive = MonitoringAdapter.health({ check: HealthCheck.redisPing(), timeout: Duration.seconds(6), period: Duration.seconds(5) });
    expect(build({ adapters: [sixOfFive] }))
      .toThrow("AdapterMonitoring 'test/cache': 'health.timeout' must be shorter than the period (5s), got '6s'");
    expect(build({ adapters: [MonitoringAdapter.health({ check: HealthCheck.redisPing(), period: Duration.millis(2500) })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'health.period' must be a whole number of seconds from 1 to 2147483647, got '2500ms'");
    expect(build({ adapters: [MonitoringAdapter.health({ check: HealthCheck.redisPing(), timeout: Duration.millis(0.5) })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'health.timeout' must be a duration of whole milliseconds from 1ms to 2147483647ms, got '0.5ms'");
  });

  test('fails when two adapters have the same name, or an adapter the app\'s name', () => {
    expect(build({ adapters: [MonitoringAdapter.redisExporter(), MonitoringAdapter.redisExporter({ listenPort: 9122, portName: 'metrics2' })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'adapters[1].name' must be a container name not used by the app or another adapter, got 'redis-exporter'");
    expect(build({ adapters: [MonitoringAdapter.health({ name: 'redis', check: HealthCheck.redisPing() })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'adapters[0].name' must be a container name not used by the app or another adapter, got 'redis'");
  });

  test('fails when app and workload are both given, or neither, or there is no adapter', () => {
    const chart = Testing.chart();
    const d = new kplus.Deployment(chart, 'd');
    expect(build({ workload: d }, chart)).toThrow("AdapterMonitoring 'test/cache': 'app' must be given exactly when 'workload' is not (one app container or one existing workload), got 'both'");
    expect(build({ app: undefined })).toThrow("AdapterMonitoring 'test/cache': 'app' must be given exactly when 'workload' is not (one app container or one existing workload), got undefined");
    expect(build({ adapters: [] })).toThrow("AdapterMonitoring 'test/cache': 'adapters' must be at least one adapter, got []");
  });

  test('fails when the app has no non-root uid, or asks for privileges', () => {
    expect(build({ app: redisApp({ securityContext: {} }) })).toThrow("AdapterMonitoring 'test/cache': 'app.securityContext.user' must be the non-root uid the app image runs as, got undefined");
    expect(build({ app: redisApp({ securityContext: { user: 999, privileged: true } }) }))
      .toThrow("AdapterMonitoring 'test/cache': 'app.securityContext.privileged' must be false or unset (every pod passes Pod Security restricted), got true");
  });

  test('fails when scrape annotations cannot name one port, or the operator objects have nothing to scrape', () => {
    const two = [MonitoringAdapter.redisExporter(), MonitoringAdapter.memcachedExporter({ port: 6379, portName: 'mc-metrics' })];
    expect(build({ adapters: two, scrapeAnnotations: true }))
      .toThrow("AdapterMonitoring 'test/cache': 'scrapeAnnotations' must be false when the pod has 2 exporters (the annotations name one port; use 'serviceMonitor'), got true");
    const healthOnly = [MonitoringAdapter.health({ check: HealthCheck.redisPing() })];
    expect(build({ adapters: healthOnly, scrapeAnnotations: true })).toThrow("AdapterMonitoring 'test/cache': 'scrapeAnnotations' must be false when the pod has no exporter, got true");
    expect(build({ adapters: healthOnly, serviceMonitor: true })).toThrow("AdapterMonitoring 'test/cache': 'serviceMonitor' must be false when no adapter is a Prometheus exporter, got true");
    expect(build({ prometheusRule: true }))
      .toThrow("AdapterMonitoring 'test/cache': 'prometheusRule' must be false without 'serviceMonitor' (its rules select the targets by the job label the ServiceMonitor gives them), got true");
  });

  test('fails when the log adapter\'s directory or files are unusable', () => {
    expect(build({ adapters: [MonitoringAdapter.logNormalizer({ logDir: 'logs', format: LogFormat.plain() })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'log-normalizer.logDir' must be an absolute directory path (not '/') without spaces, commas or '..', got 'logs'");
    expect(build({ appWritableDirs: ['/var/log/redis'], adapters: [MonitoringAdapter.logNormalizer({ logDir: '/var/log/redis/', format: LogFormat.plain() })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'log-normalizer.logDir' must be a directory the app container does not already mount, got '/var/log/redis/'");
    expect(build({ adapters: [MonitoringAdapter.logNormalizer({ logDir: '/var/log/redis', files: ['../x.log'], format: LogFormat.plain() })] }))
      .toThrow("AdapterMonitoring 'test/cache': 'log-normalizer.files' must be globs relative to logDir, without spaces, commas or '..', got '../x.log'");
  });

  test('fails when appContainer names no container of the workload', () => {
    const chart = Testing.chart();
    const d = new kplus.Deployment(chart, 'd', { containers: [{ name: 'main', image: 'example/app:1.0.0' }] });
    expect(build({ app: undefined, workload: d, appContainer: 'nope' }, chart))
      .toThrow("AdapterMonitoring 'test/cache': 'appContainer' must be the name of a container of the workload ('main'), got 'nope'");
  });
});
