// Tier 2: the NetworkPolicies of the single-node patterns (SidecarPod, AdapterMonitoring, AmbassadorShardedRedis),
// computed by cyclonus (an engine nobody here wrote) over the examples' own objects: every pod to every port any
// pod declares, and the allowed connections must be the intended graph exactly — every intended edge allowed,
// nothing else. Stand-in pods play the clients, Prometheus, a git server, the cluster DNS and strangers; the pods
// the examples do not isolate (the stand-ins) reach each other as without policies.
import { Testing } from 'cdk8s';
import { buildApp as buildAdapterMysql } from '../../examples/adapter-mysql';
import { buildApp as buildAdapterRedis } from '../../examples/adapter-redis';
import { buildApp as buildAmbassador } from '../../examples/ambassador-sharded-redis';
import { buildApp as buildConfigSync } from '../../examples/sidecar-config-sync';
import { buildApp as buildHttps } from '../../examples/sidecar-https';
import { AmbassadorShardedRedis, NetworkPeer } from '../../src';
import { assertValid, synthValid } from '../harness';
import { cyclonusVersion, ExtraPod, netpolTruthTable } from '../harness/netpol';

const COREDNS: ExtraPod = { namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] };
const STRANGER: ExtraPod = { namespace: 'other', name: 'stranger', labels: { app: 'stranger' } };
const dns = (from: string) => [`${from} → kube-system/coredns 53/TCP`, `${from} → kube-system/coredns 53/UDP`];

function objectsOf(app: { charts: Array<{ toJson(): any[] }> }): any[] {
  const objs = app.charts.flatMap((c) => c.toJson());
  assertValid(objs);
  return objs;
}

function log(what: string, t: { pods: unknown[]; results: unknown[]; allowed: unknown[] }) {
  // eslint-disable-next-line no-console
  console.log(`${what}, cyclonus ${cyclonusVersion()}: ${t.pods.length} pods, ${t.results.length} probes, ${t.allowed.length} allowed (the intended graph exactly)`);
}

describe('SidecarPod NetworkPolicies, computed by cyclonus', () => {
  test('the HTTPS example: the clients reach the TLS and redirect ports only, never the app\'s plain port; the pod sends nothing', () => {
    // GIVEN the example, a client in its namespace, the ingress controller, the DNS and a stranger
    const objs = objectsOf(buildHttps());
    const extraPods: ExtraPod[] = [
      { namespace: 'legacy', name: 'client', labels: { app: 'client' } },
      { namespace: 'ingress-nginx', name: 'controller', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
      COREDNS, STRANGER,
    ];
    // WHEN cyclonus computes the truth table
    const t = netpolTruthTable(objs, undefined, { extraPods });
    // THEN the pod declares the plain port (5678) beside the TLS (8443) and redirect (8080) ports …
    expect(t.pods.find((p) => p.id === 'legacy/legacy')!.ports.map((p) => p.port)).toEqual([5678, 8443, 8080]);
    // … and exactly the clients reach exactly the terminator's ports
    const unisolated = ['legacy/client', 'ingress-nginx/controller', 'kube-system/coredns', 'other/stranger'];
    const intended = [
      ...['legacy/client', 'ingress-nginx/controller'].flatMap((f) => [`${f} → legacy/legacy 8080/TCP`, `${f} → legacy/legacy 8443/TCP`]),
      ...unisolated.flatMap(dns),
    ].sort();
    expect(t.allowed).toEqual(intended);
    log('sidecar-https example', t);
  }, 120_000);

  test('the terminator\'s plain port is not reachable from a client pod: its ingress refuses it (the example also binds it to 127.0.0.1)', () => {
    const objs = objectsOf(buildHttps());
    const t = netpolTruthTable(objs, [
      { from: 'client', to: 'legacy', port: 'http' },
      { from: 'client', to: 'legacy', port: 'https' },
    ], { extraPods: [{ namespace: 'legacy', name: 'client', labels: { app: 'client' } }] });
    expect(t.results.map((r) => ({ port: r.port, ingress: r.ingress, egress: r.egress, allowed: r.allowed }))).toEqual([
      { port: 5678, ingress: false, egress: true, allowed: false },
      { port: 8443, ingress: true, egress: true, allowed: true },
    ]);
    const app = objs.find((o) => o.kind === 'Deployment').spec.template.spec.containers.find((c: any) => c.name === 'app');
    expect(app.args).toContain('-listen=127.0.0.1:5678');
  }, 120_000);

  test('the config-sync example: git-sync reaches the repository (any address on 443) and the DNS; the clients reach 9090 only', () => {
    const objs = objectsOf(buildConfigSync());
    const extraPods: ExtraPod[] = [
      { namespace: 'config-sync', name: 'client', labels: { app: 'client' } },
      { namespace: 'github', name: 'git-server', ports: [{ port: 443 }] },
      COREDNS, STRANGER,
    ];
    const t = netpolTruthTable(objs, undefined, { extraPods });
    const unisolated = ['config-sync/client', 'github/git-server', 'kube-system/coredns', 'other/stranger'];
    const intended = [
      'config-sync/client → config-sync/prometheus 9090/TCP',
      'config-sync/prometheus → github/git-server 443/TCP', ...dns('config-sync/prometheus'),
      ...unisolated.flatMap((f) => [...dns(f), `${f} → github/git-server 443/TCP`]),
    ].sort();
    expect(t.allowed).toEqual(intended);
    log('sidecar-config-sync example', t);
  }, 120_000);
});

describe('AdapterMonitoring NetworkPolicies, computed by cyclonus', () => {
  test.each([
    ['adapter-redis', buildAdapterRedis, 'cache', 'cache/cache', 6379, [9121, 8099]],
    ['adapter-mysql', buildAdapterMysql, 'orders', 'orders/shop-db', 3306, [9104, 8099]],
  ])('the %s example: the namespace reaches the app port, only Prometheus the exporter and health ports; the pod sends nothing', (what, build, ns, pod, appPort, adapterPorts) => {
    // GIVEN the example, a client, Prometheus and Grafana (namespace monitoring), the DNS and a stranger
    const objs = objectsOf(build());
    const extraPods: ExtraPod[] = [
      { namespace: ns, name: 'client', labels: { app: 'client' } },
      { namespace: 'monitoring', name: 'prometheus', labels: { 'app.kubernetes.io/name': 'prometheus' } },
      { namespace: 'monitoring', name: 'grafana', labels: { app: 'grafana' } },
      COREDNS, STRANGER,
    ];
    const t = netpolTruthTable(objs, undefined, { extraPods });
    expect(t.pods.find((p) => p.id === pod)!.ports.map((p) => p.port).sort()).toEqual([appPort, ...adapterPorts].sort());
    const unisolated = [`${ns}/client`, 'monitoring/prometheus', 'monitoring/grafana', 'kube-system/coredns', 'other/stranger'];
    const intended = [
      `${ns}/client → ${pod} ${appPort}/TCP`,
      ...adapterPorts.map((p) => `monitoring/prometheus → ${pod} ${p}/TCP`),
      ...unisolated.flatMap(dns),
    ].sort();
    expect(t.allowed).toEqual(intended);
    log(`${what} example`, t);
  }, 120_000);
});

describe('AmbassadorShardedRedis NetworkPolicies, computed by cyclonus', () => {
  test('the example: only the pods that carry the ambassador reach the shards; the shards send nothing', () => {
    const objs = objectsOf(buildAmbassador());
    const extraPods: ExtraPod[] = [{ namespace: 'shop', name: 'neighbour', labels: { app: 'neighbour' } }, COREDNS, STRANGER];
    const t = netpolTruthTable(objs, undefined, { extraPods });
    const unisolated = ['shop/neighbour', 'kube-system/coredns', 'other/stranger'];
    const intended = ['shop/hit-counter → shop/sharded-redis 6379/TCP', ...dns('shop/hit-counter'), ...unisolated.flatMap(dns)].sort();
    expect(t.allowed).toEqual(intended);
    log('ambassador-sharded-redis example', t);
    // the counter's own policy (the user's, written in the example with cdk8s-plus) isolates it both ways: nothing
    // reaches its pod, and it reaches nothing but the shards and the DNS
    const isolated = netpolTruthTable(objs, [
      { from: 'neighbour', to: 'hit-counter', port: 6379 },
      { from: 'hit-counter', to: 'stranger', port: 443 },
    ], { extraPods });
    expect(isolated.results.map((r) => ({ to: r.to, ingress: r.ingress, egress: r.egress, allowed: r.allowed }))).toEqual([
      { to: 'shop/hit-counter', ingress: false, egress: true, allowed: false },
      { to: 'other/stranger', ingress: true, egress: false, allowed: false },
    ]);
  }, 120_000);

  test('with the app from props: the app reaches the shards and the DNS; its clients its port; Prometheus the stats; nothing else', () => {
    // GIVEN the construct's own app Deployment, with exposed stats
    const chart = Testing.chart();
    new AmbassadorShardedRedis(chart, 'sessions', {
      app: { image: 'example/session-api:1.4.0', port: 8080 },
      exposeStats: true,
      networkPolicy: { clients: [NetworkPeer.pods({ app: 'web' })], monitoring: NetworkPeer.namespace('monitoring') },
    });
    const objs = synthValid(chart);
    const extraPods: ExtraPod[] = [
      { namespace: 'default', name: 'web', labels: { app: 'web' } },
      { namespace: 'default', name: 'neighbour', labels: { app: 'neighbour' } },
      { namespace: 'monitoring', name: 'prometheus', labels: { app: 'prometheus' } },
      COREDNS,
    ];
    const t = netpolTruthTable(objs, undefined, { extraPods });
    const stats = t.pods.find((p) => p.id === 'default/sessions-app')!.ports.find((p) => p.name === 'stats')!.port;
    const unisolated = ['default/web', 'default/neighbour', 'monitoring/prometheus', 'kube-system/coredns'];
    const intended = [
      'default/sessions-app → default/sessions 6379/TCP', ...dns('default/sessions-app'),
      'default/web → default/sessions-app 8080/TCP',
      `monitoring/prometheus → default/sessions-app ${stats}/TCP`,
      ...unisolated.flatMap(dns),
    ].sort();
    expect(t.allowed).toEqual(intended);
    log('AmbassadorShardedRedis with app', t);
  }, 120_000);
});
