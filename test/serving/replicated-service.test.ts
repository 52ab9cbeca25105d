import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  ConfigChecksum, NginxConfig, ReplicatedService, ReplicatedServiceProps, TlsVersion, VarnishConfig,
} from '../../src';
import { ofKind, one, synthValid } from '../harness';

function service(props: Partial<ReplicatedServiceProps> = {}) {
  const chart = Testing.chart();
  const rs = new ReplicatedService(chart, 'dictionary', {
    image: 'example/dictionary:1.0.0',
    port: 8080,
    readiness: kplus.Probe.fromHttpGet('/readyz'),
    ...props,
  });
  const tls = kplus.Secret.fromSecretName(chart, 'tls', 'dictionary-tls');
  return { chart, rs, tls };
}

function podSpec(objs: any[], name: string) {
  return one(objs, 'Deployment', name).spec.template.spec;
}

const APP = { 'app.kubernetes.io/name': 'dictionary', 'app.kubernetes.io/instance': 'dictionary', 'app.kubernetes.io/component': 'app' };
const CACHE = { 'app.kubernetes.io/name': 'varnish', 'app.kubernetes.io/instance': 'dictionary', 'app.kubernetes.io/component': 'cache' };
const TLS = { 'app.kubernetes.io/name': 'nginx', 'app.kubernetes.io/instance': 'dictionary', 'app.kubernetes.io/component': 'tls' };

describe('ReplicatedService', () => {
  test('production defaults: 2 replicas, surge without unavailability, PDB, spread, requests, readiness on the app port', () => {
    const { chart, rs } = service();
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/dictionary', 'PodDisruptionBudget/dictionary', 'Service/dictionary']);
    const d = one(objs, 'Deployment', 'dictionary');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(d.spec.selector.matchLabels).toEqual(APP);
    const spec = podSpec(objs, 'dictionary');
    expect(spec.terminationGracePeriodSeconds).toBe(30);
    expect(spec.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: APP } }]);
    const app = spec.containers[0];
    expect(app.name).toBe('app');
    expect(app.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    // The probe names no port: it is the app's port (not cdk8s-plus' fallback 80).
    expect(app.readinessProbe).toEqual({ failureThreshold: 3, httpGet: { path: '/readyz', port: 8080, scheme: 'HTTP' } });
    expect(app.startupProbe).toBeUndefined();
    expect(app.livenessProbe).toBeUndefined();
    expect(app.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1000m', memory: '512Mi' } });
    expect(app.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(one(objs, 'PodDisruptionBudget', 'dictionary').spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: APP } });
    const svc = one(objs, 'Service', 'dictionary');
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 8080 }], selector: APP });
    expect(svc.spec.sessionAffinity).toBeUndefined();
    expect(rs.service).toBe(rs.appService);
    expect(rs.cacheTier).toBeUndefined();
  });

  test('all tiers: client → nginx TLS → varnish → app, each replicated with its own PDB, Service and config checksum', () => {
    // GIVEN the book's three tiers
    const { chart, rs, tls } = service();
    // WHEN
    const cache = rs.addCacheTier();
    const edge = rs.addTlsTier({ secret: tls, serviceType: kplus.ServiceType.LOAD_BALANCER });
    const objs = synthValid(chart);

    // THEN
    expect(objs).toMatchSnapshot();
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/dictionary-cache', 'ConfigMap/dictionary-tls',
      'Deployment/dictionary', 'Deployment/dictionary-cache', 'Deployment/dictionary-tls',
      'PodDisruptionBudget/dictionary', 'PodDisruptionBudget/dictionary-cache', 'PodDisruptionBudget/dictionary-tls',
      'Service/dictionary', 'Service/dictionary-cache', 'Service/dictionary-tls',
    ]);
    expect(rs.service).toBe(edge.service);

    // The cache tier: varnish, backend = the app's ClusterIP Service, probed on the readiness path.
    expect(cache.configText).toBe(VarnishConfig.vcl({ backendHost: 'dictionary', backendPort: 80, probePath: '/readyz' }));
    expect(one(objs, 'ConfigMap', 'dictionary-cache').data).toEqual({ 'default.vcl': cache.configText });
    expect(cache.upstreamHost).toBe('dictionary');
    expect(one(objs, 'Service', 'dictionary').spec.clusterIP).toBeUndefined(); // not headless
    const varnish = podSpec(objs, 'dictionary-cache').containers[0];
    expect(varnish.image).toBe('varnish:7.6.1-alpine');
    expect(varnish.command).toEqual(['varnishd', '-F', '-f', '/etc/varnish/vcl/default.vcl', '-a', 'http=:6081,HTTP', '-s', 'malloc,256m', '-n', '/var/lib/varnish/varnishd']);
    expect(varnish.resources).toEqual({ requests: { cpu: '100m', memory: '384Mi' }, limits: { cpu: '1000m', memory: '384Mi' } });
    expect(varnish.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true });
    expect(varnish.volumeMounts).toEqual([
      { mountPath: '/etc/varnish/vcl', name: 'config', readOnly: true },
      { mountPath: '/var/lib/varnish', name: 'varnish-var-lib-varnish' },
      { mountPath: '/tmp', name: 'varnish-tmp' },
    ]);
    expect(varnish.readinessProbe).toEqual({ failureThreshold: 3, tcpSocket: { port: 6081 } });
    expect(varnish.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(one(objs, 'Service', 'dictionary-cache').spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 6081 }], selector: CACHE });
    expect(one(objs, 'PodDisruptionBudget', 'dictionary-cache').spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: CACHE } });

    // The TLS tier: nginx with the edge certificate, proxying to the cache tier's Service.
    expect(edge.configText).toBe(NginxConfig.tlsProxy({ upstreamHost: 'dictionary-cache', upstreamPort: 80 }));
    expect(edge.upstreamHost).toBe('dictionary-cache');
    const nginx = podSpec(objs, 'dictionary-tls').containers[0];
    expect(nginx.image).toBe('nginxinc/nginx-unprivileged:1.27.3-alpine');
    expect(nginx.command).toEqual(['nginx', '-c', '/etc/nginx/tls-proxy/nginx.conf', '-e', 'stderr']);
    expect(nginx.ports).toEqual([{ containerPort: 8443, name: 'https' }]);
    expect(nginx.securityContext).toMatchObject({ runAsUser: 101, runAsGroup: 101, readOnlyRootFilesystem: true });
    expect(nginx.volumeMounts).toEqual([
      { mountPath: '/etc/nginx/tls-proxy', name: 'config', readOnly: true },
      { mountPath: '/etc/nginx/tls', name: 'tls', readOnly: true },
      { mountPath: '/tmp', name: 'nginx-tmp' },
    ]);
    expect(podSpec(objs, 'dictionary-tls').volumes).toContainEqual({ name: 'tls', secret: { secretName: 'dictionary-tls', defaultMode: 0o440 } });
    expect(one(objs, 'Service', 'dictionary-tls').spec).toMatchObject({ type: 'LoadBalancer', ports: [{ name: 'https', port: 443, targetPort: 8443 }], selector: TLS });

    // Config checksums: each tier's own config.
    expect(one(objs, 'Deployment', 'dictionary-cache').spec.template.metadata.annotations).toEqual({ [ConfigChecksum.ANNOTATION]: ConfigChecksum.of([cache.configMap]) });
    expect(one(objs, 'Deployment', 'dictionary-tls').spec.template.metadata.annotations).toEqual({ [ConfigChecksum.ANNOTATION]: ConfigChecksum.of([edge.configMap]) });
    expect(one(objs, 'Deployment', 'dictionary').spec.template.metadata.annotations).toBeUndefined();
  });

  test('a changed VCL or nginx config rolls its tier only', () => {
    const sums = (ttl: Duration, minTls: TlsVersion) => {
      const { chart, rs, tls } = service();
      rs.addCacheTier({ ttl });
      rs.addTlsTier({ secret: tls, minTlsVersion: minTls });
      const objs = synthValid(chart);
      return ['dictionary-cache', 'dictionary-tls'].map((n) => one(objs, 'Deployment', n).spec.template.metadata.annotations[ConfigChecksum.ANNOTATION]);
    };
    const base = sums(Duration.minutes(2), TlsVersion.TLS_1_2);
    expect(sums(Duration.minutes(2), TlsVersion.TLS_1_2)).toEqual(base);
    const vclChanged = sums(Duration.minutes(10), TlsVersion.TLS_1_2);
    expect(vclChanged[0]).not.toBe(base[0]);
    expect(vclChanged[1]).toBe(base[1]);
    const nginxChanged = sums(Duration.minutes(2), TlsVersion.TLS_1_3);
    expect(nginxChanged[0]).toBe(base[0]);
    expect(nginxChanged[1]).not.toBe(base[1]);
  });

  test('TLS tier straight in front of the app, with redirect; cache tier options', () => {
    const { chart, rs, tls } = service({ servicePort: 8080 });
    const edge = rs.addTlsTier({ secret: tls, redirectHttpPort: 8081, replicas: 3, port: 9443, servicePort: 8443 });
    const objs = synthValid(chart);
    expect(edge.configText).toBe(NginxConfig.tlsProxy({ upstreamHost: 'dictionary', upstreamPort: 8080, httpsPort: 9443, redirectHttpPort: 8081, publicHttpsPort: 8443 }));
    expect(one(objs, 'Deployment', 'dictionary-tls').spec.replicas).toBe(3);
    expect(one(objs, 'Service', 'dictionary-tls').spec.ports).toEqual([{ name: 'https', port: 8443, targetPort: 9443 }, { name: 'http-redirect', port: 80, targetPort: 8081 }]);

    const c2 = service({ readiness: kplus.Probe.fromHttpGet('/healthz', { port: 9000 }) });
    const cache = c2.rs.addCacheTier({
      cacheSize: Size.gibibytes(1),
      memoryLimit: Size.mebibytes(1100),
      ttl: Duration.minutes(10),
      grace: Duration.minutes(30),
      replicas: 3,
      port: 8081,
    });
    const o2 = synthValid(c2.chart);
    expect(cache.configText).toContain('.url = "/healthz";');
    expect(cache.configText).toContain('set beresp.ttl = 600s;');
    expect(cache.configText).toContain('set beresp.grace = 1800s;');
    const varnish = podSpec(o2, 'dictionary-cache').containers[0];
    expect(varnish.command).toContain('malloc,1024m');
    expect(varnish.command).toContain('http=:8081,HTTP');
    expect(varnish.resources.limits.memory).toBe('1100Mi');
    expect(one(o2, 'Deployment', 'dictionary-cache').spec.replicas).toBe(3);
  });

  test('autoscaling: an HPA on CPU, no replicas in the Deployment, PDB and spread sized for the maximum', () => {
    const { chart, rs } = service({ autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilizationPercent: 60 } });
    const objs = synthValid(chart);
    expect(rs.autoscaler).toBeDefined();
    expect(one(objs, 'Deployment', 'dictionary').spec.replicas).toBeUndefined();
    const hpa = one(objs, 'HorizontalPodAutoscaler', 'dictionary');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 10,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'dictionary' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
    expect(ofKind(objs, 'PodDisruptionBudget')).toHaveLength(1);
  });

  test('session affinity by client IP, minAvailable, probes, preStop and grace period', () => {
    const { chart } = service({
      sessionAffinity: true,
      sessionAffinityTimeout: Duration.minutes(30),
      replicas: 4,
      minAvailable: 3,
      maxSurge: 2,
      liveness: kplus.Probe.fromHttpGet('/livez'),
      startup: kplus.Probe.fromTcpSocket(),
      preStopSleep: Duration.seconds(10),
      terminationGracePeriod: Duration.seconds(60),
      env: { LANG: 'en' },
      command: ['node'],
      args: ['server.js'],
      uid: 2000,
      writableDirs: ['/tmp', '/data'],
    });
    const objs = synthValid(chart);
    const svc = one(objs, 'Service', 'dictionary');
    expect(svc.spec.sessionAffinity).toBe('ClientIP');
    expect(svc.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 1800 } });
    expect(one(objs, 'PodDisruptionBudget').spec).toEqual({ minAvailable: 3, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: APP } });
    const d = one(objs, 'Deployment');
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 2, maxUnavailable: 0 });
    const spec = d.spec.template.spec;
    expect(spec.terminationGracePeriodSeconds).toBe(60);
    expect(spec.topologySpreadConstraints).toHaveLength(1);
    const app = spec.containers[0];
    expect(app.livenessProbe.httpGet).toEqual({ path: '/livez', port: 8080, scheme: 'HTTP' });
    expect(app.startupProbe.tcpSocket).toEqual({ port: 8080 });
    expect(app.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
    expect(app.env).toEqual([{ name: 'LANG', value: 'en' }]);
    expect(app.command).toEqual(['node']);
    expect(app.securityContext.runAsUser).toBe(2000);
    expect(app.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/data']);
  });

  test('is deterministic', () => {
    const yaml = () => {
      const { chart, rs, tls } = service();
      rs.addCacheTier();
      rs.addTlsTier({ secret: tls });
      return JSON.stringify(synthValid(chart));
    };
    expect(yaml()).toBe(yaml());
  });
});

describe('ReplicatedService bad input', () => {
  const where = "ReplicatedService 'test/dictionary'";

  test('fails when there is no readiness probe, and says why', () => {
    expect(() => service({ readiness: undefined }))
      .toThrow(`${where}: 'readiness' must be a readiness probe, e.g. kplus.Probe.fromHttpGet('/readyz'): without one a starting or overloaded replica gets traffic it cannot serve, and a rolling update can take the service down, got undefined`);
  });

  test('fails when replicas < 1', () => {
    expect(() => service({ replicas: 0 })).toThrow(`${where}: 'replicas' must be an integer from 1 to 1000, got 0`);
  });

  test('fails when the PDB would block every drain', () => {
    expect(() => service({ replicas: 3, minAvailable: 3 }))
      .toThrow(`${where}: 'minAvailable' must be less than 'replicas' (3): a PodDisruptionBudget that needs every replica up blocks every node drain, got 3`);
    expect(() => service({ autoscaling: { minReplicas: 2, maxReplicas: 5 }, minAvailable: 2 }))
      .toThrow(`${where}: 'minAvailable' must be less than 'autoscaling.minReplicas' (2): a PodDisruptionBudget that needs every replica up blocks every node drain, got 2`);
  });

  test('fails when the HPA bounds are wrong', () => {
    expect(() => service({ autoscaling: { minReplicas: 5, maxReplicas: 3 } }))
      .toThrow(`${where}: 'autoscaling.minReplicas' must be at most 'autoscaling.maxReplicas' (3), got 5`);
    expect(() => service({ autoscaling: { minReplicas: 0, maxReplicas: 3 } }))
      .toThrow(`${where}: 'autoscaling.minReplicas' must be an integer from 1 to 1000, got 0`);
    expect(() => service({ autoscaling: { minReplicas: 2, maxReplicas: 3 }, replicas: 2 }))
      .toThrow(`${where}: 'replicas' must be unset when 'autoscaling' is given (the HorizontalPodAutoscaler owns the replica count), got 2`);
  });

  test('fails when tiers clash on ports', () => {
    const { rs, tls } = service();
    expect(() => rs.addCacheTier({ port: 8080 })).toThrow(`${where}: 'cacheTier.port' must be a port no other tier uses (the app listens on 8080), got 8080`);
    rs.addCacheTier();
    expect(() => rs.addTlsTier({ secret: tls, port: 6081 })).toThrow(`${where}: 'tlsTier.port' must be a port no other tier uses (the cache tier listens on 6081), got 6081`);
    expect(() => rs.addTlsTier({ secret: tls, redirectHttpPort: 8080 })).toThrow(`${where}: 'tlsTier.redirectHttpPort' must be a port no other tier uses (the app listens on 8080), got 8080`);
    expect(() => rs.addTlsTier({ secret: tls, redirectHttpPort: 8443 })).toThrow(`${where}: 'tlsTier.redirectHttpPort' must be different from 'tlsTier.port' (8443), got 8443`);
    expect(() => rs.addTlsTier({ secret: tls, redirectHttpPort: 8081, servicePort: 80 }))
      .toThrow(`${where}: 'tlsTier.servicePort' must be other than 80 with 'tlsTier.redirectHttpPort' (the redirect is Service port 80), got 80`);
  });

  test('fails when the TLS tier has no Secret', () => {
    const { rs } = service();
    expect(() => rs.addTlsTier({} as any)).toThrow(`${where}: 'tlsTier.secret' must be a kubernetes.io/tls Secret with tls.crt and tls.key (the edge certificate), got undefined`);
  });

  test('fails when the cache is larger than the container limit allows', () => {
    const { rs } = service();
    expect(() => rs.addCacheTier({ cacheSize: Size.gibibytes(2), memoryLimit: Size.gibibytes(1) }))
      .toThrow(`${where}: 'cacheTier.cacheSize' must be at most 'cacheTier.memoryLimit' (1024Mi) minus 64Mi that varnish needs beyond the cache (threads, workspaces, transient objects), got '2048Mi'`);
    expect(() => rs.addCacheTier({ cacheSize: Size.mebibytes(1000), memoryLimit: Size.mebibytes(1024) }))
      .toThrow(`${where}: 'cacheTier.cacheSize' must be at most 'cacheTier.memoryLimit' (1024Mi) minus 64Mi that varnish needs beyond the cache (threads, workspaces, transient objects), got '1000Mi'`);
    expect(() => rs.addCacheTier({ cacheSize: Size.kibibytes(1536) })).toThrow(`${where}: 'cacheTier.cacheSize' must be a whole number of MiB from 1 to 1048576, got '1.5Mi'`);
  });

  test('fails when a tier option passed to the renderer is out of its range, naming the tier option', () => {
    const { rs, tls } = service();
    expect(() => rs.addCacheTier({ ttl: Duration.millis(0) }))
      .toThrow(`${where}: 'cacheTier.ttl' must be a duration of whole milliseconds from 1ms to 8760h, got '0ms'`);
    expect(() => rs.addCacheTier({ probePath: 'readyz' }))
      .toThrow(`${where}: 'cacheTier.probePath' must be an absolute URL path without spaces or quotes, got 'readyz'`);
    expect(() => rs.addTlsTier({ secret: tls, hstsMaxAge: Duration.millis(1500) }))
      .toThrow(`${where}: 'tlsTier.hstsMaxAge' must be a whole number of seconds from 1 to 2147483647, got '1500ms'`);
    expect(() => rs.addTlsTier({ secret: tls, minTlsVersion: 'TLSv1.1' as any }))
      .toThrow(`${where}: 'tlsTier.minTlsVersion' must be one of 'TLSv1.2', 'TLSv1.3', got 'TLSv1.1'`);
    expect(() => service({ preStopSleep: Duration.millis(1500) }))
      .toThrow(`${where}: 'preStopSleep' must be a whole number of seconds from 1 to 3600, got '1500ms'`);
  });

  test('fails on the order of tiers, affinity or an exposed app behind a tier, and a non-HTTP probe without probePath', () => {
    const a = service();
    a.rs.addTlsTier({ secret: a.tls });
    expect(() => a.rs.addCacheTier()).toThrow(`${where}: addCacheTier() must come before addTlsTier(): the TLS tier proxies to the tier behind it`);
    expect(() => a.rs.addTlsTier({ secret: a.tls })).toThrow(`${where}: addTlsTier() was already called`);
    const b = service({ sessionAffinity: true });
    expect(() => b.rs.addCacheTier())
      .toThrow(`${where}: 'sessionAffinity' must be false with a tier in front of the app: every request would come from that tier's few pods, so ClientIP affinity would pin each of them to one replica (use cookie-based affinity at an ingress), got true`);
    const c = service({ serviceType: kplus.ServiceType.LOAD_BALANCER });
    expect(() => c.rs.addTlsTier({ secret: c.tls }))
      .toThrow(`${where}: 'serviceType' must be ClusterIP with a tier in front of the app (the app is then internal; give the outermost tier its serviceType), got 'LoadBalancer'`);
    const d = service({ readiness: kplus.Probe.fromTcpSocket() });
    expect(() => d.rs.addCacheTier())
      .toThrow(`${where}: 'cacheTier.probePath' must be given: the app's readiness probe is not an HTTP GET, and varnish probes over HTTP, got undefined`);
    expect(() => service({ sessionAffinityTimeout: Duration.minutes(5) }))
      .toThrow(`${where}: 'sessionAffinityTimeout' must be unset unless 'sessionAffinity' is true, got '300000ms'`);
    expect(() => service({ image: 'example/dictionary:latest' }))
      .toThrow(`${where}: 'image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'example/dictionary:latest'`);
    expect(() => service({ name: 'Dictionary' }))
      .toThrow(`${where}: 'name' must be a DNS-1123 label of at most 57 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'Dictionary'`);
  });
});
