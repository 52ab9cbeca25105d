import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AppContainerProps, ConfigChecksum, NetworkPeer, NginxConfig, RecommendedLabels, ReplicatedService, ReplicatedServiceProps, TlsVersion,
  VarnishConfig,
} from '../../src';
import { ofKind, one, synthValid } from '../harness';
import { chartWithContext, everyPodOption, expectEveryPodOptionOn, expectLabelRule, resources } from './pod-template-checks';

const APP_CONTAINER: AppContainerProps = { image: 'example/dictionary:1.0.0', port: 8080, readiness: kplus.Probe.fromHttpGet('/readyz') };

function service(props: Partial<ReplicatedServiceProps> = {}, app: Partial<AppContainerProps> = {}) {
  const chart = Testing.chart();
  const rs = new ReplicatedService(chart, 'dictionary', { ...props, app: { ...APP_CONTAINER, ...app } });
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
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/dictionary', 'PodDisruptionBudget/dictionary', 'Service/dictionary', 'NetworkPolicy/dictionary']);
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
    expect(app.resources).toEqual({ requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' }, limits: { 'cpu': '1000m', 'memory': '512Mi', 'ephemeral-storage': '1Gi' } });
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
      'NetworkPolicy/dictionary', 'NetworkPolicy/dictionary-cache', 'NetworkPolicy/dictionary-tls',
      'PodDisruptionBudget/dictionary', 'PodDisruptionBudget/dictionary-cache', 'PodDisruptionBudget/dictionary-tls',
      'Service/dictionary', 'Service/dictionary-cache', 'Service/dictionary-tls',
    ]);
    expect(rs.service).toBe(edge.service);

    // The cache tier: varnish, backend = the app's ClusterIP Service, probed on the readiness path.
    expect(cache.configText).toBe(VarnishConfig.vcl({ backendHost: 'dictionary', backendPort: 80, probePath: '/readyz', healthPath: '/healthz-cache' }));
    expect(cache.configText).toContain('    if (req.url == "/healthz-cache") {\n        return (synth(200, "OK"));');
    expect(one(objs, 'ConfigMap', 'dictionary-cache').data).toEqual({ 'default.vcl': cache.configText });
    expect(cache.upstreamHost).toBe('dictionary');
    expect(one(objs, 'Service', 'dictionary').spec.clusterIP).toBeUndefined(); // not headless
    const varnish = podSpec(objs, 'dictionary-cache').containers[0];
    expect(varnish.image).toBe('varnish:7.6.1-alpine');
    expect(varnish.command).toEqual(['varnishd', '-F', '-f', '/etc/varnish/vcl/default.vcl', '-a', 'http=:6081,HTTP', '-s', 'malloc,256m', '-n', '/var/lib/varnish/varnishd']);
    expect(varnish.resources).toEqual({ requests: { 'cpu': '100m', 'memory': '384Mi', 'ephemeral-storage': '128Mi' }, limits: { 'cpu': '1000m', 'memory': '384Mi', 'ephemeral-storage': '576Mi' } });
    expect(varnish.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true });
    expect(varnish.volumeMounts).toEqual([
      { mountPath: '/etc/varnish/vcl', name: 'config', readOnly: true },
      { mountPath: '/var/lib/varnish', name: 'varnish-var-lib-varnish' },
      { mountPath: '/tmp', name: 'varnish-tmp' },
    ]);
    // probed on the path varnish answers itself (a hung varnish passes a TCP probe: the kernel accepts)
    expect(varnish.readinessProbe).toEqual({ httpGet: { path: '/healthz-cache', port: 6081, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
    expect(varnish.livenessProbe).toBeUndefined();
    expect(varnish.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(one(objs, 'Service', 'dictionary-cache').spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 6081 }], selector: CACHE });
    expect(one(objs, 'PodDisruptionBudget', 'dictionary-cache').spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: CACHE } });

    // The TLS tier: nginx with the edge certificate, proxying to the cache tier's Service.
    expect(edge.configText).toBe(NginxConfig.tlsProxy({ upstreamHost: 'dictionary-cache', upstreamPort: 80, healthPath: '/healthz-tls' }));
    expect(edge.upstreamHost).toBe('dictionary-cache');
    const nginx = podSpec(objs, 'dictionary-tls').containers[0];
    expect(nginx.image).toBe('nginxinc/nginx-unprivileged:1.27.3-alpine');
    expect(nginx.command).toEqual(['nginx', '-c', '/etc/nginx/tls-proxy/nginx.conf', '-e', 'stderr']);
    expect(nginx.ports).toEqual([{ containerPort: 8443, name: 'https' }]);
    // probed on the path nginx answers itself (a hung nginx passes a TCP probe: the kernel accepts)
    const health = { httpGet: { path: '/healthz-tls', port: 8443, scheme: 'HTTPS' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 };
    expect(nginx.readinessProbe).toEqual(health);
    expect(nginx.livenessProbe).toBeUndefined();
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

  test('TLS tier rate limit: the per-client limit_req of NginxConfig.tlsProxy, in the tier\'s ConfigMap', () => {
    const { chart, rs, tls } = service();
    rs.addCacheTier();
    const edge = rs.addTlsTier({ secret: tls, rateLimitPerSecond: 50, rateLimitBurst: 100 });
    const conf = one(synthValid(chart), 'ConfigMap', 'dictionary-tls').data['nginx.conf'];
    expect(conf).toBe(edge.configText);
    expect(conf).toBe(NginxConfig.tlsProxy({ upstreamHost: 'dictionary-cache', upstreamPort: 80, publicHttpsPort: 443, httpsPort: 8443, rateLimitPerSecond: 50, rateLimitBurst: 100, healthPath: '/healthz-tls' }));
    expect(conf).toContain('limit_req_zone $binary_remote_addr zone=per_client:10m rate=50r/s;');
    expect(conf).toContain('limit_req zone=per_client burst=100 nodelay;');
    expect(conf).toContain('limit_req_status 429;');
    expect(conf).toContain('add_header Retry-After $retry_after always;');
  });

  test('TLS tier straight in front of the app, with redirect; cache tier options', () => {
    const { chart, rs, tls } = service({ servicePort: 8080 });
    const edge = rs.addTlsTier({ secret: tls, redirectHttpPort: 8081, replicas: 3, port: 9443, servicePort: 8443 });
    const objs = synthValid(chart);
    expect(edge.configText).toBe(NginxConfig.tlsProxy({ upstreamHost: 'dictionary', upstreamPort: 8080, httpsPort: 9443, redirectHttpPort: 8081, publicHttpsPort: 8443, healthPath: NginxConfig.TLS_TIER_HEALTH_PATH }));
    expect(one(objs, 'Deployment', 'dictionary-tls').spec.replicas).toBe(3);
    expect(one(objs, 'Service', 'dictionary-tls').spec.ports).toEqual([{ name: 'https', port: 8443, targetPort: 9443 }, { name: 'http-redirect', port: 80, targetPort: 8081 }]);

    const c2 = service({}, { readiness: kplus.Probe.fromHttpGet('/healthz', { port: 9000 }) });
    const cache = c2.rs.addCacheTier({
      cacheSize: Size.gibibytes(1),
      resources: resources(200, 2000, 1100, 1100),
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
    expect(varnish.resources).toEqual({ requests: { 'cpu': '200m', 'memory': '1100Mi', 'ephemeral-storage': '128Mi' }, limits: { 'cpu': '2000m', 'memory': '1100Mi', 'ephemeral-storage': '576Mi' } });
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
      preStopSleep: Duration.seconds(10),
      terminationGracePeriod: Duration.seconds(60),
    }, {
      liveness: kplus.Probe.fromHttpGet('/livez'),
      startup: kplus.Probe.fromTcpSocket(),
      env: { LANG: kplus.EnvValue.fromValue('en') },
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

  test('autoscaled from 1 replica: the PDB and the spread are sized for the maximum, not the minimum', () => {
    // GIVEN an HPA that may scale down to one replica
    const { chart, rs } = service({ autoscaling: { minReplicas: 1, maxReplicas: 5 } });
    const objs = synthValid(chart);
    // THEN a PDB and the spread still exist (sized for 5 replicas, not for the minimum of 1)
    expect(rs.podDisruptionBudget).toBeDefined();
    expect(one(objs, 'PodDisruptionBudget', 'dictionary').spec.maxUnavailable).toBe(1);
    expect(podSpec(objs, 'dictionary').topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: APP } }]);
    expect(one(objs, 'HorizontalPodAutoscaler', 'dictionary').spec).toMatchObject({ minReplicas: 1, maxReplicas: 5 });
  });

  test('every pod option reaches the app, the cache tier and the TLS tier; its spread replaces the library\'s', () => {
    // GIVEN every pod option and both tiers
    const chart = Testing.chart();
    const rs = new ReplicatedService(chart, 'dictionary', { app: APP_CONTAINER, pod: everyPodOption(chart) });
    rs.addCacheTier();
    rs.addTlsTier({ secret: kplus.Secret.fromSecretName(chart, 'tls', 'dictionary-tls') });
    // WHEN synthesized (strict schema, restricted)
    // THEN every pod template has them, and the PDBs stay
    expectEveryPodOptionOn(synthValid(chart), ['dictionary', 'dictionary-cache', 'dictionary-tls'], 3);
  });

  test('labels: name, instance, component, part-of and version on every object; part-of from the prop or the app', () => {
    // GIVEN partOf on the construct
    const { chart, rs, tls } = service({ partOf: 'shop' });
    rs.addCacheTier();
    rs.addTlsTier({ secret: tls });
    const objs = synthValid(chart);
    // THEN every object of a component carries the rule, the version from its own image
    const rules: { [component: string]: any } = {
      app: { name: 'dictionary', instance: 'dictionary', component: 'app', partOf: 'shop', version: '1.0.0' },
      cache: { name: 'varnish', instance: 'dictionary', component: 'cache', partOf: 'shop', version: '7.6.1-alpine' },
      tls: { name: 'nginx', instance: 'dictionary', component: 'tls', partOf: 'shop', version: '1.27.3-alpine' },
    };
    expect(objs).toHaveLength(14);
    for (const o of objs) expectLabelRule(o, rules[o.metadata.labels['app.kubernetes.io/component']]);

    // AND without the prop: the app-wide context, else the base name
    const c = chartWithContext(RecommendedLabels.PART_OF_CONTEXT_KEY, 'storefront');
    new ReplicatedService(c, 'dictionary', { app: APP_CONTAINER });
    expect(synthValid(c).map((o) => o.metadata.labels['app.kubernetes.io/part-of'])).toEqual(['storefront', 'storefront', 'storefront', 'storefront']);
    expect(synthValid(service().chart).map((o) => o.metadata.labels['app.kubernetes.io/part-of'])).toEqual(['dictionary', 'dictionary', 'dictionary', 'dictionary']);
  });

  test('the app\'s env takes Secrets by reference; the tiers take their own resources', () => {
    // GIVEN a secret env var and TLS tier resources
    const { chart, rs, tls } = service({}, { env: { TOKEN: kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(Testing.chart(), 's', 'api'), key: 'token' }) } });
    rs.addTlsTier({ secret: tls, resources: resources(250, 500, 96, 96) });
    const objs = synthValid(chart);
    // THEN
    expect(podSpec(objs, 'dictionary').containers[0].env).toEqual([{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }]);
    expect(podSpec(objs, 'dictionary-tls').containers[0].resources).toEqual({ requests: { 'cpu': '250m', 'memory': '96Mi', 'ephemeral-storage': '32Mi' }, limits: { 'cpu': '500m', 'memory': '96Mi', 'ephemeral-storage': '192Mi' } });
    // AND every container of the chart pulls only when missing (every image is pinned)
    for (const d of ofKind(objs, 'Deployment')) expect(d.spec.template.spec.containers.map((x: any) => x.imagePullPolicy)).toEqual(['IfNotPresent']);
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

describe('ReplicatedService NetworkPolicies (from the traffic graph)', () => {
  const sel = (labels: { [k: string]: string }) => ({ matchLabels: Object.fromEntries(Object.entries(labels).sort()) });
  const DNS = {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
  };
  const NAMESPACE = [{ podSelector: {} }];
  const ANYWHERE = [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }];
  const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));
  const policy = (objs: any[], name: string) => one(ofKind(objs, 'NetworkPolicy').filter((p) => p.metadata.name === name), 'NetworkPolicy').spec;

  test('the app alone: the namespace reaches the app port; the app sends nothing', () => {
    const { chart, rs } = service();
    const objs = synthValid(chart);
    expect(policy(objs, 'dictionary')).toEqual({
      podSelector: sel(APP), policyTypes: ['Ingress', 'Egress'], ingress: [{ from: NAMESPACE, ports: tcp(8080) }],
    });
    expect(rs.toMermaid()).toContain('%% ReplicatedService test/dictionary');
  });

  test('all tiers: clients reach the TLS tier only, TLS → cache → app on their container ports, the tiers resolve names', () => {
    const { chart, rs, tls } = service();
    rs.addCacheTier();
    rs.addTlsTier({ secret: tls, redirectHttpPort: 8081 });
    const objs = synthValid(chart);
    expect(ofKind(objs, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['dictionary', 'dictionary-cache', 'dictionary-tls']);
    // the app accepts the cache tier only: nobody can bypass the cache or TLS
    expect(policy(objs, 'dictionary')).toEqual({
      podSelector: sel(APP), policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: sel(CACHE) }], ports: tcp(8080) }],
    });
    expect(policy(objs, 'dictionary-cache')).toEqual({
      podSelector: sel(CACHE),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: sel(TLS) }], ports: tcp(6081) }],
      egress: [{ to: [{ podSelector: sel(APP) }], ports: tcp(8080) }, DNS],
    });
    expect(policy(objs, 'dictionary-tls')).toEqual({
      podSelector: sel(TLS),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: NAMESPACE, ports: tcp(NginxConfig.DEFAULT_HTTPS_PORT, 8081) }],
      egress: [{ to: [{ podSelector: sel(CACHE) }], ports: tcp(6081) }, DNS],
    });
    // each policy selects exactly its tier's pods
    for (const p of ofKind(objs, 'NetworkPolicy')) {
      for (const d of ofKind(objs, 'Deployment')) {
        const matches = Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v);
        expect([p.metadata.name, d.metadata.name, matches]).toEqual([p.metadata.name, d.metadata.name, p.metadata.name === d.metadata.name]);
      }
    }
    // the Mermaid drawing is the same graph
    const mermaid = rs.toMermaid();
    expect(mermaid.split('\n').filter((l) => l.includes('-->|'))).toHaveLength(3);
    expect(mermaid.split('\n').filter((l) => l.includes('-.->|53/UDP, 53/TCP| dns'))).toHaveLength(2);
  });

  test('TLS straight in front of the app; an exposed outermost Service accepts any address unless clients are named', () => {
    const { chart, rs, tls } = service();
    rs.addTlsTier({ secret: tls, serviceType: kplus.ServiceType.LOAD_BALANCER });
    const objs = synthValid(chart);
    expect(policy(objs, 'dictionary').ingress).toEqual([{ from: [{ podSelector: sel(TLS) }], ports: tcp(8080) }]);
    expect(policy(objs, 'dictionary-tls').ingress).toEqual([{ from: NAMESPACE, ports: tcp(NginxConfig.DEFAULT_HTTPS_PORT) }, { from: ANYWHERE, ports: tcp(NginxConfig.DEFAULT_HTTPS_PORT) }]);
    expect(policy(objs, 'dictionary-tls').egress).toEqual([{ to: [{ podSelector: sel(APP) }], ports: tcp(8080) }, DNS]);
    // an exposed app without tiers: the same default
    const exposed = service({ serviceType: kplus.ServiceType.NODE_PORT });
    expect(policy(synthValid(exposed.chart), 'dictionary').ingress).toEqual([{ from: NAMESPACE, ports: tcp(8080) }, { from: ANYWHERE, ports: tcp(8080) }]);
  });

  test("clients replace the default; extraEgress widens the app's policy only (with DNS); monitoring opens nothing; enabled: false emits none", () => {
    const web = NetworkPeer.pods({ app: 'web' });
    const db = NetworkPeer.pods({ app: 'db' });
    const { chart, rs } = service({ networkPolicy: { clients: [web], monitoring: NetworkPeer.namespace('monitoring'), extraEgress: [{ peer: db, ports: [{ port: 5432 }] }] } });
    rs.addCacheTier();
    const objs = synthValid(chart);
    expect(policy(objs, 'dictionary-cache').ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: tcp(6081) }]);
    expect(policy(objs, 'dictionary-cache').egress).toEqual([{ to: [{ podSelector: sel(APP) }], ports: tcp(8080) }, DNS]);
    expect(policy(objs, 'dictionary').egress).toEqual([{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: tcp(5432) }, DNS]);
    expect(policy(objs, 'dictionary').ingress).toEqual([{ from: [{ podSelector: sel(CACHE) }], ports: tcp(8080) }]);
    const off = service({ networkPolicy: { enabled: false } });
    off.rs.addCacheTier();
    expect(ofKind(synthValid(off.chart), 'NetworkPolicy')).toEqual([]);
  });
});
