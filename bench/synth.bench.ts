// Synth benchmark: an app synthesized through the library's constructs vs the same manifests written directly
// with cdk8s-plus in this file. For each case it first checks that both give byte-identical YAML (otherwise
// the comparison would be meaningless and the benchmark fails; both YAMLs are then written to a temporary
// directory), then runs each variant in its own Node process: one warm-up, then the median of RUNS builds +
// `synthYaml()`, and counts the objects' scalars (a measure of their content, so a pattern whose objects carry
// more can be compared per scalar as well as per object). Prints a table; asserts no timing. Goals: constructs
// at most 1.2× the direct time; WorkQueueJobs within 1.3× the others per object (issue 21). SYNTH_BENCH_SCALE=5
// synthesizes five times as many instances of each.
//
// To add a pattern, add a `BenchCase` to CASES: `constructs()` builds the app with the pattern, `direct()` the
// same objects with cdk8s-plus only (same construct ids, so the `cdk8s.io/metadata.addr` labels match). Config
// text (VCL, nginx.conf) is rendered by the same pure functions of src/config in both variants: the benchmark
// measures the constructs, not string templating.
import { fork } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Cron, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  NginxConfig, NginxRouterConfig, ReplicatedService, ShardedCache, ShardedService, TwemproxyConfig, TwemproxyProtocol, VarnishConfig,
  WorkerMode, WorkItems, WorkQueueJobs,
} from '../src';

/** One row of the table. */
interface BenchCase {
  /** What is synthesized. */
  readonly name: string;
  /** The app, through the library's constructs. */
  readonly constructs: () => App;
  /** The same manifests, written directly with cdk8s-plus (none: the row shows the constructs' ms per object only). */
  readonly direct?: () => App;
}

const RUNS = 5;
/** SYNTH_BENCH_SCALE=5: five times as many instances of every pattern (issue 21 asks for N = 100 and 500). */
const SCALE = Math.max(1, Math.floor(Number(process.env.SYNTH_BENCH_SCALE ?? 1)) || 1);
const SERVICES = 200 * SCALE;
const CACHES = 100 * SCALE;
const SHARDED_SERVICES = 100 * SCALE;

// ---------------------------------------------------------------------------------------------------------------
// ReplicatedService, all tiers

const APP_IMAGE = 'example/dictionary:1.0.0';

function replicatedServiceConstructs(): App {
  const app = new App();
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < SERVICES; i++) {
    const rs = new ReplicatedService(chart, `svc-${i}`, { app: { image: APP_IMAGE, port: 8080, readiness: kplus.Probe.fromHttpGet('/readyz') } });
    rs.addCacheTier();
    rs.addTlsTier({ secret: kplus.Secret.fromSecretName(chart, `tls-${i}`, `svc-${i}-tls`) });
  }
  return app;
}

/** The labels beside the selector's: managed-by, part-of (the instance, by default) and the image tag as the version. */
function managed(partOf: string, version: string) {
  return { 'app.kubernetes.io/managed-by': 'cdk8s-distributed-patterns', 'app.kubernetes.io/part-of': partOf, 'app.kubernetes.io/version': version };
}

/** The selector labels, keys sorted (JSON patches are applied after cdk8s sorts keys). */
function selectorOf(name: string, instance: string, component: string) {
  return { 'app.kubernetes.io/component': component, 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/name': name };
}

/** A Deployment with a restricted pod, labelled and selected by `selector`. */
function deployment(scope: Construct, name: string, selector: Record<string, string>, labels: Record<string, string>, replicas: number, uid: number): kplus.Deployment {
  const d = new kplus.Deployment(scope, 'Deployment', {
    metadata: { name, labels },
    replicas,
    select: false,
    securityContext: { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid },
    strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) }),
    terminationGracePeriod: Duration.seconds(30),
  });
  d.select(kplus.LabelSelector.of({ labels: selector }));
  for (const [k, v] of Object.entries(labels)) d.podMetadata.addLabel(k, v);
  ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
  return d;
}

/** Ephemeral storage `[request, limit]` of a daemon that writes only temp files and logs. */
const DAEMON_EPHEMERAL: [string, string] = ['16Mi', '64Mi'];
/** Ephemeral storage `[request, limit]` of the user's app (room for its writable dirs). */
const APP_EPHEMERAL: [string, string] = ['64Mi', '1Gi'];

/**
 * A container with the restricted security context, `capabilities: drop ALL` and its ephemeral storage `[request,
 * limit]` by JSON patch (cdk8s-plus-27 has no `ALL` and writes ephemeral storage in whole Gi only). The patched
 * quantities are L1 `Quantity`s: the L1's `toJson` maps the props to the API's names after the patches.
 */
function restrictedContainer(d: kplus.AbstractPod, props: kplus.ContainerProps, uid: number, ephemeral: [string, string] = DAEMON_EPHEMERAL): kplus.Container {
  const c = d.addContainer({
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT, // every image is pinned (the library's default)
    ...props,
    securityContext: { ensureNonRoot: true, user: uid, group: uid, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
  });
  const at = `/spec/template/spec/containers/${d.containers.length - 1}`;
  ApiObject.of(d).addJsonPatch(
    JsonPatch.add(`${at}/securityContext/capabilities`, { drop: ['ALL'] }),
    JsonPatch.add(`${at}/resources/requests/ephemeral-storage`, kplus.k8s.Quantity.fromString(ephemeral[0])),
    JsonPatch.add(`${at}/resources/limits/ephemeral-storage`, kplus.k8s.Quantity.fromString(ephemeral[1])),
  );
  return c;
}

/** One emptyDir of `sizeMi` per path the container writes to. */
function emptyDirs(d: kplus.Deployment, c: kplus.Container, paths: string[], sizeMi: number) {
  for (const p of paths) {
    const name = `${c.name}-${p.replace(/[^a-z0-9]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase()}`;
    c.mount(p, kplus.Volume.fromEmptyDir(d, `writable-${name}`, name, { sizeLimit: Size.mebibytes(sizeMi) }));
  }
}

type Ingress = kplus.k8s.NetworkPolicyIngressRule;
type Egress = kplus.k8s.NetworkPolicyEgressRule;

/** TCP ports of a NetworkPolicy rule. */
function tcp(...ports: number[]): kplus.k8s.NetworkPolicyPort[] {
  return ports.map((port) => ({ port: kplus.k8s.IntOrString.fromNumber(port), protocol: 'TCP' }));
}

/** The pods selected by `selector`, as a rule's peers. */
function pods(selector: Record<string, string>): kplus.k8s.NetworkPolicyPeer[] {
  return [{ podSelector: { matchLabels: selector } }];
}

/** Every pod of the namespace, as a rule's peers. */
const SAME_NAMESPACE: kplus.k8s.NetworkPolicyPeer[] = [{ podSelector: {} }];

/** Egress to the cluster DNS (kube-dns in kube-system), UDP and TCP 53. */
const DNS: Egress = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ port: kplus.k8s.IntOrString.fromNumber(53), protocol: 'UDP' }, ...tcp(53)],
};

/** A NetworkPolicy that isolates the pods of `selector` for ingress and egress and allows exactly `ingress` and `egress`. */
function networkPolicy(scope: Construct, id: string, name: string, selector: Record<string, string>, labels: Record<string, string>,
  ingress: Ingress[], egress: Egress[] = []) {
  new kplus.k8s.KubeNetworkPolicy(scope, id, {
    metadata: { name, labels },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: ingress.length ? ingress : undefined,
      egress: egress.length ? egress : undefined,
    },
  });
}

/** PodDisruptionBudget (maxUnavailable 1) and a spread over nodes. */
function availability(scope: Construct, d: kplus.Workload, name: string, selector: Record<string, string>, labels: Record<string, string>) {
  ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [{
    maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector },
  }]));
  new kplus.k8s.KubePodDisruptionBudget(scope, 'PodDisruptionBudget', {
    metadata: { name, labels },
    spec: { selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow', maxUnavailable: kplus.k8s.IntOrString.fromNumber(1) },
  });
}

function service(scope: Construct, name: string, selector: Record<string, string>, labels: Record<string, string>, ports: kplus.ServicePort[]) {
  return new kplus.Service(scope, 'Service', {
    metadata: { name, labels },
    type: kplus.ServiceType.CLUSTER_IP,
    selector: kplus.Pods.select(scope, 'ServicePods', { labels: selector }),
    ports,
  });
}

/** The pod-template annotation that rolls a tier when its config changes: SHA-256 over the ConfigMap's data. */
function checksum(d: kplus.Workload, configMap: string, key: string, text: string) {
  const h = createHash('sha256');
  h.update(`configmap:${configMap}\n`);
  h.update(`${key}\n${text.length}\n${text}\n`);
  d.podMetadata.addAnnotation('cdk8s-distributed-patterns/config-checksum', h.digest('hex'));
}

function tier(scope: Construct, id: string, instance: string, o: {
  name: string; software: string; component: string; uid: number; image: string; command: string[]; configKey: string; configDir: string;
  configText: string; port: number; ports: kplus.ContainerPort[]; servicePorts: kplus.ServicePort[]; memory: [number, number];
  ephemeral: [string, string]; writable: string[]; writableMi: number; secret?: kplus.ISecret; readiness?: kplus.Probe;
  ingress: Ingress[]; egress: Egress[];
}) {
  const s = new Construct(scope, id);
  const selector = selectorOf(o.software, instance, o.component);
  const labels = { ...selector, ...managed(instance, o.image.split(':')[1]) };
  const cm = new kplus.ConfigMap(s, 'Config', { metadata: { name: o.name, labels }, data: { [o.configKey]: o.configText } });
  const d = deployment(s, o.name, selector, labels, 2, o.uid);
  const c = restrictedContainer(d, {
    name: o.software,
    image: o.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    command: o.command,
    ports: o.ports,
    readiness: o.readiness ?? kplus.Probe.fromTcpSocket({ port: o.port }),
    resources: resources(100, 1000, o.memory[0], o.memory[1]),
    lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '5']) },
  }, o.uid, o.ephemeral);
  c.mount(o.configDir, kplus.Volume.fromConfigMap(s, 'ConfigVolume', cm, { name: 'config' }), { readOnly: true });
  if (o.secret) c.mount('/etc/nginx/tls', kplus.Volume.fromSecret(s, 'TlsVolume', o.secret, { name: 'tls', defaultMode: 0o440 }), { readOnly: true });
  emptyDirs(d, c, o.writable, o.writableMi);
  checksum(d, o.name, o.configKey, o.configText);
  availability(s, d, o.name, selector, labels);
  service(s, o.name, selector, labels, o.servicePorts);
  networkPolicy(s, 'NetworkPolicy', o.name, selector, labels, o.ingress, o.egress);
}

/** A proxy tier's readiness: a GET of the path the proxy answers itself, every 10 s, 1 s timeout, 3 failures. */
function selfAnswered(probePath: string, port: number, scheme: kplus.ConnectionScheme): kplus.Probe {
  return kplus.Probe.fromHttpGet(probePath, { port, scheme, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(1), failureThreshold: 3 });
}

function replicatedServiceDirect(): App {
  const app = new App();
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc-${i}`;
    const scope = new Construct(chart, name);
    const selector = selectorOf(name, name, 'app');
    const labels = { ...selector, ...managed(name, '1.0.0') };
    const d = deployment(scope, name, selector, labels, 2, 1000);
    const c = restrictedContainer(d, {
      name: 'app',
      image: APP_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ number: 8080, name: 'http' }],
      readiness: kplus.Probe.fromHttpGet('/readyz', { port: 8080 }),
      resources: resources(100, 1000, 128, 512),
    }, 1000, APP_EPHEMERAL);
    emptyDirs(d, c, ['/tmp'], 1024);
    availability(scope, d, name, selector, labels);
    service(scope, name, selector, labels, [{ name: 'http', port: 80, targetPort: 8080 }]);
    // each tier accepts only the one in front of it; the clients (the namespace) reach the outermost
    const cacheSelector = selectorOf('varnish', name, 'cache');
    const tlsSelector = selectorOf('nginx', name, 'tls');
    networkPolicy(scope, 'NetworkPolicy', name, selector, labels, [{ from: pods(cacheSelector), ports: tcp(8080) }]);

    tier(scope, 'Cache', name, {
      name: `${name}-cache`, software: 'varnish', component: 'cache', uid: 1000, image: 'varnish:7.6.1-alpine',
      command: ['varnishd', '-F', '-f', '/etc/varnish/vcl/default.vcl', '-a', 'http=:6081,HTTP', '-s', 'malloc,256m', '-n', '/var/lib/varnish/varnishd'],
      configKey: 'default.vcl', configDir: '/etc/varnish/vcl',
      configText: VarnishConfig.vcl({ backendHost: name, backendPort: 80, probePath: '/readyz', healthPath: '/healthz-cache' }),
      port: 6081, ports: [{ number: 6081, name: 'http' }], servicePorts: [{ name: 'http', port: 80, targetPort: 6081 }],
      memory: [384, 384], ephemeral: ['128Mi', '576Mi'], writable: ['/var/lib/varnish', '/tmp'], writableMi: 256,
      readiness: selfAnswered('/healthz-cache', 6081, kplus.ConnectionScheme.HTTP),
      ingress: [{ from: pods(tlsSelector), ports: tcp(6081) }], egress: [{ to: pods(selector), ports: tcp(8080) }, DNS],
    });
    const secret = kplus.Secret.fromSecretName(chart, `tls-${i}`, `${name}-tls`);
    tier(scope, 'Tls', name, {
      name: `${name}-tls`, software: 'nginx', component: 'tls', uid: 101, image: 'nginxinc/nginx-unprivileged:1.27.3-alpine',
      command: ['nginx', '-c', '/etc/nginx/tls-proxy/nginx.conf', '-e', 'stderr'],
      configKey: 'nginx.conf', configDir: '/etc/nginx/tls-proxy',
      configText: NginxConfig.tlsProxy({ upstreamHost: `${name}-cache`, upstreamPort: 80, healthPath: '/healthz-tls' }),
      port: 8443, ports: [{ number: 8443, name: 'https' }], servicePorts: [{ name: 'https', port: 443, targetPort: 8443 }],
      memory: [64, 128], ephemeral: ['32Mi', '192Mi'], writable: ['/tmp'], writableMi: 128, secret,
      readiness: selfAnswered('/healthz-tls', 8443, kplus.ConnectionScheme.HTTPS),
      ingress: [{ from: SAME_NAMESPACE, ports: tcp(8443) }], egress: [{ to: pods(cacheSelector), ports: tcp(6081) }, DNS],
    });
  }
  return app;
}

// ---------------------------------------------------------------------------------------------------------------
// ShardedCache, default props: 3 memcached shards (StatefulSet + headless Service) behind a shared twemproxy tier

const MEMCACHED_IMAGE = 'memcached:1.6.31-alpine';
const TWEMPROXY_IMAGE = 'malexer/twemproxy:0.5.0';
const MEMCACHED_UID = 11211;
const NOBODY = 65534;

function shardedCacheConstructs(): App {
  const app = new App();
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < CACHES; i++) new ShardedCache(chart, `cache-${i}`);
  return app;
}

/** A Deployment with a restricted pod (no seccomp yet: the library patches it after the containers). */
function restrictedDeployment(scope: Construct, id: string, name: string, selector: Record<string, string>, labels: Record<string, string>,
  replicas: number, uid: number, rolling: boolean): kplus.Deployment {
  const d = new kplus.Deployment(scope, id, {
    metadata: { name, labels },
    replicas,
    select: false,
    securityContext: { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid },
    strategy: rolling
      ? kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) })
      : undefined,
  });
  d.select(kplus.LabelSelector.of({ labels: selector }));
  for (const [k, v] of Object.entries(labels)) d.podMetadata.addLabel(k, v);
  return d;
}

const SECCOMP = { type: 'RuntimeDefault' };

/** CPU in millicores, memory in MiB: request and limit. */
function resources(cpuRequest: number, cpuLimit: number, memoryRequest: number, memoryLimit: number): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(cpuRequest), limit: kplus.Cpu.millis(cpuLimit) },
    memory: { request: Size.mebibytes(memoryRequest), limit: Size.mebibytes(memoryLimit) },
  };
}

function shardedCacheDirect(): App {
  const app = new App();
  const chart = new Chart(app, 'bench');
  const managed = { 'app.kubernetes.io/managed-by': 'cdk8s-distributed-patterns' };
  for (let i = 0; i < CACHES; i++) {
    const name = `cache-${i}`;
    const scope = new Construct(chart, name);

    // the shards: a StatefulSet and its headless Service
    const shards = new Construct(scope, 'Shards');
    const setName = `${name}-shard`;
    const shardSelector = selectorOf('memcached', name, 'shard');
    const shardLabels = { ...shardSelector, ...managed, 'app.kubernetes.io/part-of': name, 'app.kubernetes.io/version': '1.6.31-alpine' };
    const headless = new kplus.Service(shards, 'Service', {
      metadata: { name: setName, labels: shardLabels },
      clusterIP: 'None',
      ports: [{ name: 'memcached', port: 11211, targetPort: 11211 }],
      selector: kplus.Pods.select(shards, 'Pods', { labels: shardSelector }),
    });
    ApiObject.of(headless).addJsonPatch(JsonPatch.add('/spec/publishNotReadyAddresses', true));
    const sts = new kplus.StatefulSet(shards, 'Resource', {
      metadata: { name: setName, labels: shardLabels },
      service: headless,
      replicas: 3,
      select: false,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      securityContext: { ensureNonRoot: true, user: MEMCACHED_UID, group: MEMCACHED_UID, fsGroup: MEMCACHED_UID },
    });
    sts.select(kplus.LabelSelector.of({ labels: shardSelector }));
    for (const [k, v] of Object.entries(shardLabels)) sts.podMetadata.addLabel(k, v);
    const shardMemory = Size.mebibytes(Math.ceil(256 * 1.25) + 16);
    restrictedContainer(sts, {
      name: 'memcached',
      image: MEMCACHED_IMAGE,
      command: ['memcached'],
      args: ['--port', '11211', '--udp-port', '0', '--memory-limit', '256', '--conn-limit', '1024', '--max-item-size', '1024k'],
      ports: [{ number: 11211, name: 'memcached' }],
      readiness: kplus.Probe.fromTcpSocket({ port: 11211, periodSeconds: Duration.seconds(5) }),
      liveness: kplus.Probe.fromTcpSocket({ port: 11211, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
      startup: kplus.Probe.fromTcpSocket({ port: 11211, periodSeconds: Duration.seconds(2), failureThreshold: 30 }),
      resources: { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) }, memory: { request: shardMemory, limit: shardMemory } },
    }, MEMCACHED_UID);
    ApiObject.of(sts).addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', SECCOMP));
    availability(shards, sts, setName, shardSelector, shardLabels);

    // the twemproxy config
    const proxySelector = selectorOf('twemproxy', name, 'proxy');
    const proxyLabels = { ...proxySelector, ...managed, 'app.kubernetes.io/part-of': name, 'app.kubernetes.io/version': '0.5.0' };
    const configName = `${name}-twemproxy`;
    const configText = TwemproxyConfig.render({
      pool: 'memcached',
      listen: '0.0.0.0:11211',
      protocol: TwemproxyProtocol.MEMCACHED,
      servers: [0, 1, 2].map((j) => ({ host: `${setName}-${j}.${setName}`, port: 11211, name: `${setName}-${j}` })),
      autoEjectHosts: true,
      serverRetryTimeout: Duration.seconds(30),
      serverFailureLimit: 2,
      serverConnections: 1,
    });
    const cm = new kplus.ConfigMap(scope, 'Config', { metadata: { name: configName, labels: proxyLabels }, data: { 'nutcracker.yml': configText } });

    // the shared proxy tier
    const proxyName = `${name}-proxy`;
    const d = restrictedDeployment(scope, 'Proxy', proxyName, proxySelector, proxyLabels, 2, NOBODY, true);
    const volume = kplus.Volume.fromConfigMap(scope, 'ProxyConfigVolume', cm, { name: configName });
    const c = restrictedContainer(d, {
      name: 'twemproxy',
      image: TWEMPROXY_IMAGE,
      command: ['nutcracker', '--conf-file', '/etc/nutcracker/nutcracker.yml', '--stats-addr', '127.0.0.1', '--stats-port', '22222', '--verbose', '5'],
      ports: [{ number: 11211, name: 'memcached' }],
      readiness: kplus.Probe.fromTcpSocket({ port: 11211 }),
      liveness: kplus.Probe.fromTcpSocket({ port: 11211 }),
      startup: kplus.Probe.fromTcpSocket({ port: 11211 }),
      resources: resources(100, 1000, 64, 256),
    }, NOBODY);
    ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/securityContext/seccompProfile', SECCOMP));
    c.mount('/etc/nutcracker', volume, { readOnly: true });
    checksum(d, configName, 'nutcracker.yml', configText);
    ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', SECCOMP));
    availability(scope, d, proxyName, proxySelector, proxyLabels);
    new kplus.Service(scope, 'Service', {
      metadata: { name, labels: proxyLabels },
      selector: kplus.Pods.select(scope, 'ProxyPods', { labels: proxySelector }),
      ports: [{ name: 'memcached', port: 11211, targetPort: 11211 }],
    });

    // the shards accept only twemproxy; twemproxy accepts the namespace, reaches the shards and resolves their names
    networkPolicy(scope, 'ShardsNetworkPolicy', `${name}-shards`, shardSelector, shardLabels, [{ from: pods(proxySelector), ports: tcp(11211) }]);
    networkPolicy(scope, 'ProxyNetworkPolicy', proxyName, proxySelector, proxyLabels,
      [{ from: SAME_NAMESPACE, ports: tcp(11211) }], [{ to: pods(shardSelector), ports: tcp(11211) }, DNS]);
  }
  return app;
}

// ---------------------------------------------------------------------------------------------------------------
// ShardedService, default props: 3 shard Deployments + Services behind a replicated nginx consistent-hash router

const NGINX_IMAGE = 'nginxinc/nginx-unprivileged:1.27.3-alpine';
const NGINX_UID = 101;

function shardedServiceConstructs(): App {
  const app = new App();
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < SHARDED_SERVICES; i++) {
    new ShardedService(chart, `web-${i}`, { shard: { image: APP_IMAGE, port: 8080, readiness: kplus.Probe.fromHttpGet('/readyz', { port: 8080 }) } });
  }
  return app;
}

function shardedServiceDirect(): App {
  const app = new App();
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < SHARDED_SERVICES; i++) {
    const base = `web-${i}`;
    const scope = new Construct(chart, base);
    const readiness = kplus.Probe.fromHttpGet('/readyz', { port: 8080 });
    const shards: Array<{ name: string; selector: Record<string, string>; labels: Record<string, string> }> = [];
    for (let j = 0; j < 3; j++) {
      const name = `${base}-shard-${j}`;
      const selector = { ...selectorOf(base, base, 'shard'), 'cdk8s-distributed-patterns/shard': `${j}` };
      const labels = { ...selector, ...managed(base, '1.0.0') };
      const d = restrictedDeployment(scope, `Shard${j}`, name, selector, labels, 1, 1000, false);
      const shard = restrictedContainer(d, {
        name: 'shard',
        image: APP_IMAGE,
        ports: [{ number: 8080, name: 'http' }],
        readiness,
        envVariables: { SHARD_INDEX: kplus.EnvValue.fromValue(`${j}`), SHARD_COUNT: kplus.EnvValue.fromValue('3') },
        resources: resources(100, 500, 128, 128),
      }, 1000, APP_EPHEMERAL);
      emptyDirs(d, shard, ['/tmp'], 1024);
      ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', SECCOMP));
      new Construct(scope, `Shard${j}Availability`); // one replica: no PDB, no spread (the id is kept for the tree)
      new kplus.Service(scope, `Shard${j}Service`, {
        metadata: { name, labels },
        selector: kplus.Pods.select(scope, `Shard${j}Pods`, { labels: selector }),
        ports: [{ name: 'http', port: 8080, targetPort: 8080 }],
      });
      shards.push({ name, selector, labels });
    }

    const configText = NginxRouterConfig.render({ shards: shards.map((s) => ({ host: s.name, port: 8080 })), port: 8080, runDir: '/tmp' });
    const routerName = `${base}-router`;
    const selector = selectorOf('nginx', base, 'router');
    const labels = { ...selector, ...managed(base, '1.27.3-alpine') };
    const cm = new kplus.ConfigMap(scope, 'RouterConfig', { metadata: { name: routerName, labels }, data: { 'nginx.conf': configText } });
    const d = restrictedDeployment(scope, 'Router', routerName, selector, labels, 2, NGINX_UID, true);
    const c = restrictedContainer(d, {
      name: 'nginx',
      image: NGINX_IMAGE,
      command: ['nginx', '-c', '/etc/nginx/router/nginx.conf', '-e', 'stderr'],
      ports: [{ number: 8080, name: 'http' }],
      readiness: kplus.Probe.fromHttpGet('/healthz-router', { port: 8080, periodSeconds: Duration.seconds(5) }),
      liveness: kplus.Probe.fromHttpGet('/healthz-router', { port: 8080, periodSeconds: Duration.seconds(10) }),
      resources: resources(100, 1000, 64, 128),
    }, NGINX_UID, ['32Mi', '192Mi']);
    c.mount('/etc/nginx/router', kplus.Volume.fromConfigMap(scope, 'RouterConfigVolume', cm, { name: 'router-config' }), { readOnly: true });
    emptyDirs(d, c, ['/tmp'], 128);
    ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', SECCOMP));
    checksum(d, routerName, 'nginx.conf', configText);
    availability(scope, d, routerName, selector, labels);
    new kplus.Service(scope, 'Service', {
      metadata: { name: base, labels },
      selector: kplus.Pods.select(scope, 'RouterPods', { labels: selector }),
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    });

    // the router accepts the namespace and reaches each shard; a shard accepts only the router
    networkPolicy(scope, 'RouterNetworkPolicy', routerName, selector, labels,
      [{ from: SAME_NAMESPACE, ports: tcp(8080) }], [...shards.map((s) => ({ to: pods(s.selector), ports: tcp(8080) })), DNS]);
    shards.forEach((s, j) => networkPolicy(scope, `Shard${j}NetworkPolicy`, s.name, s.selector, s.labels, [{ from: pods(selector), ports: tcp(8080) }]));
  }
  return app;
}

// ---------------------------------------------------------------------------------------------------------------
// WorkQueueJobs, the three modes (no direct variant: the row is there for its ms per object against the others')

const WORK_QUEUES = 100 * SCALE;

function workQueueConstructs(): App {
  const app = new App();
  const chart = new Chart(app, 'bench', { namespace: 'batch' });
  const items = WorkItems.fromList(Array.from({ length: 20 }, (_, i) => `photos/${i}.jpg`));
  const worker = { image: 'example/thumbnailer:1.0.0', command: ['node', '/etc/work-queue/scripts/worker.js', 'convert'] };
  for (let i = 0; i < WORK_QUEUES; i++) {
    // a third each: a parallel Job, a KEDA ScaledJob with its reaper (the cron-gap check), an Indexed Job
    const mode = [WorkerMode.parallel(), WorkerMode.scaledJob(), WorkerMode.indexed()][i % 3];
    new WorkQueueJobs(chart, `wq-${i}`, {
      worker, items, mode, reaperSchedule: i % 3 === 1 ? Cron.schedule({ minute: `*/${1 + (i % 5)}` }) : undefined, lease: i % 3 === 2 ? undefined : Duration.minutes(10),
    });
  }
  return app;
}

/** The cases, one table row each. Later patterns add theirs here. */
const CASES: BenchCase[] = [
  { name: `ReplicatedService, app + varnish + nginx TLS × ${SERVICES}`, constructs: replicatedServiceConstructs, direct: replicatedServiceDirect },
  { name: `ShardedCache, 3 memcached shards + twemproxy tier × ${CACHES}`, constructs: shardedCacheConstructs, direct: shardedCacheDirect },
  { name: `ShardedService, 3 shards + nginx router × ${SHARDED_SERVICES}`, constructs: shardedServiceConstructs, direct: shardedServiceDirect },
  { name: `WorkQueueJobs, parallel / KEDA + reaper / Indexed × ${WORK_QUEUES}`, constructs: workQueueConstructs },
];

// ---------------------------------------------------------------------------------------------------------------
// runner

interface Measurement {
  readonly ms: number[];
  readonly objects: number;
  readonly bytes: number;
  /** The scalars (strings, numbers, booleans, nulls) in the synthesized objects: a measure of their content. */
  readonly scalars: number;
}

function spread(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(3)} / ${median(s).toFixed(3)} / ${s[s.length - 1].toFixed(3)}`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The scalars in a JSON value: every string, number, boolean and null. */
function scalarsOf(x: unknown): number {
  if (x === null || typeof x !== 'object') return 1;
  let n = 0;
  for (const v of Object.values(x)) n += scalarsOf(v);
  return n;
}

/**
 * In the child: warm up once, then time RUNS builds + syntheses; report the times and the objects' size. (No memory
 * column: the heap an app holds after synthesis is a few MiB, below what a GC'd heap's own drift shows here.)
 */
function measure(c: BenchCase, variant: 'constructs' | 'direct'): Measurement {
  const gc = (globalThis as any).gc as (() => void) | undefined;
  const build = c[variant]!;
  build().synthYaml();
  const ms: number[] = [];
  let app = build();
  let yaml = '';
  for (let r = 0; r < RUNS; r++) {
    app = undefined as unknown as App;
    yaml = '';
    gc?.();
    const t0 = process.hrtime.bigint();
    app = build();
    yaml = app.synthYaml();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const scalars = app.charts.reduce((n, chart) => n + scalarsOf(chart.toJson()), 0);
  return { ms, objects: (yaml.match(/^kind: /gm) ?? []).length, bytes: Buffer.byteLength(yaml), scalars };
}

function runChild(index: number, variant: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', String(index), variant], { execArgv: process.execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let result: Measurement | undefined;
    child.on('message', (m) => { result = m as Measurement; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`${CASES[index].name} (${variant}): child exited with code ${code}`))));
  });
}

/**
 * SYNTH_BENCH_PER_OBJECT=1: the constructs' ms per object only (no cdk8s-plus variants, no byte-identity check):
 * the WorkQueueJobs ratio to the other patterns (issue 21) while a direct variant lags behind its construct.
 */
const PER_OBJECT_ONLY = process.env.SYNTH_BENCH_PER_OBJECT === '1';

async function main() {
  if (process.argv[2] === '--child') {
    const c = CASES[Number(process.argv[3])];
    process.send!(measure(c, process.argv[4] as 'constructs' | 'direct'));
    return;
  }
  console.log(`synth: library constructs vs the same manifests written with cdk8s-plus (median of ${RUNS} runs after a warm-up; each variant in its own process)`);
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, scale ${SCALE}\n`);
  console.log('| case | objects | YAML | scalars per object | constructs (ms) | cdk8s-plus direct (ms) | ratio | ms per object (min / median / max) | ms per 1,000 scalars (median) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|');
  const rows: Array<{ name: string; perObject: number[]; perScalar: number[] }> = [];
  for (let i = 0; i < CASES.length; i++) {
    const c = CASES[i];
    const compare = c.direct !== undefined && !PER_OBJECT_ONLY;
    if (compare) {
      // Same manifests, or the comparison means nothing.
      const a = c.constructs().synthYaml();
      const b = c.direct!().synthYaml();
      if (a !== b) {
        const al = a.split('\n');
        const bl = b.split('\n');
        const at = al.findIndex((l, n) => l !== bl[n]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-bench-'));
        fs.writeFileSync(path.join(dir, 'constructs.yaml'), a);
        fs.writeFileSync(path.join(dir, 'direct.yaml'), b);
        throw new Error(`${c.name}: the two variants differ at line ${at + 1} (both written to ${dir}):\n  constructs: ${al[at]}\n  direct:     ${bl[at]}`);
      }
    }
    const lib = await runChild(i, 'constructs');
    const raw = compare ? await runChild(i, 'direct') : undefined;
    const perObject = lib.ms.map((m) => m / lib.objects);
    const perScalar = lib.ms.map((m) => (1000 * m) / lib.scalars);
    rows.push({ name: c.name, perObject, perScalar });
    const tl = median(lib.ms);
    const direct = raw ? `${median(raw.ms).toFixed(0)} | ${(tl / median(raw.ms)).toFixed(2)}×` : '— | —';
    console.log(`| ${c.name} | ${lib.objects} | ${(lib.bytes / 2 ** 20).toFixed(1)} MiB | ${(lib.scalars / lib.objects).toFixed(0)} | ${tl.toFixed(0)} | ${direct} | ${spread(perObject)} | `
      + `${median(perScalar).toFixed(3)} |`);
  }
  // WorkQueueJobs against the other patterns: its ms per object ÷ the median of theirs (issue 21: within 1.3×), and
  // the same per 1,000 scalars (its objects carry more: init containers, env, the scripts)
  const wq = rows.find((p) => p.name.startsWith('WorkQueueJobs'));
  const others = rows.filter((p) => p !== wq);
  if (wq) {
    const o = median(others.map((p) => median(p.perObject)));
    const os1k = median(others.map((p) => median(p.perScalar)));
    console.log(`\nWorkQueueJobs ms per object ÷ the other patterns' median (${o.toFixed(3)} ms): ${(median(wq.perObject) / o).toFixed(2)}× `
      + `(its runs: ${wq.perObject.map((m) => (m / o).toFixed(2)).join(', ')})`);
    console.log(`WorkQueueJobs ms per 1,000 scalars ÷ the other patterns' median (${os1k.toFixed(3)} ms): ${(median(wq.perScalar) / os1k).toFixed(2)}× `
      + `(its runs: ${wq.perScalar.map((m) => (m / os1k).toFixed(2)).join(', ')})`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
