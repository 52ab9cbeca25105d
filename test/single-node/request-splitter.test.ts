import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { RequestSplitter, StickyKey } from '../../src';
import { checkRestricted, ofKind, one, synthValid } from '../harness';
import { sidecarOf } from '../harness/sidecars';

const backends = [
  { name: 'web', host: 'web', port: 80, weight: 9 },
  { name: 'experiment', host: 'experiment', port: 80, weight: 1 },
];

describe('RequestSplitter', () => {
  test('a shared tier: nginx ×2, a Service, the 90/10 split by client address, a default-deny policy', () => {
    const chart = Testing.chart();
    const split = new RequestSplitter(chart, 'experiment-split', { backends });
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/experiment-split-split', 'Deployment/experiment-split', 'NetworkPolicy/experiment-split',
      'PodDisruptionBudget/experiment-split', 'Service/experiment-split',
    ]);
    expect(split.basisPoints).toEqual([9000, 1000]);
    expect(split.configText).toContain('split_clients "$remote_addr" $split_backend {\n        90.00% split_web;');
    const dep = one(objs, 'Deployment', 'experiment-split');
    expect(dep.spec.replicas).toBe(2);
    const c = dep.spec.template.spec.containers;
    expect(c.map((x: any) => x.name)).toEqual(['nginx']);
    expect(c[0].image).toBe('nginxinc/nginx-unprivileged:1.27.3-alpine');
    expect(c[0].ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(c[0].readinessProbe.httpGet).toEqual({ path: '/healthz-split', port: 8080, scheme: 'HTTP' });
    expect(checkRestricted(dep.spec.template.spec)).toEqual([]);
    expect(dep.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('nginx');
    expect(dep.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('request-splitter');
    expect(parse(one(objs, 'ConfigMap', 'experiment-split-split').data['nginx.conf']) === undefined).toBe(false);
    const svc = one(objs, 'Service', 'experiment-split');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
    const np = one(objs, 'NetworkPolicy', 'experiment-split');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(JSON.stringify(np.spec.egress)).toContain('{"port":80,"protocol":"TCP"}');
    expect(split.toMermaid()).toContain('flowchart');
  });

  test('an in-pod ambassador: the app gets SPLIT_URL, nginx on 127.0.0.1 with its health port on the pod IP; a cookie key', () => {
    const chart = Testing.chart();
    const split = new RequestSplitter(chart, 'frontend', {
      backends,
      stickiness: StickyKey.cookie('user'),
      app: { image: 'example/frontend:1.0.0', port: 3000 },
      replicas: 3,
    });
    const objs = synthValid(chart);
    expect(objs).toMatchSnapshot();
    expect(split.service).toBeUndefined();
    expect(ofKind(objs, 'Service')).toEqual([]);
    const dep = one(objs, 'Deployment', 'frontend');
    const [app] = dep.spec.template.spec.containers;
    const nginx = sidecarOf(dep.spec.template.spec, 'nginx');
    expect(app.name).toBe('app');
    expect(app.env).toContainEqual({ name: 'SPLIT_URL', value: 'http://127.0.0.1:8080' });
    expect(nginx.ports).toEqual([{ containerPort: 8081, name: 'split-health' }]);
    expect(nginx.readinessProbe.httpGet.port).toBe(8081);
    expect(split.configText).toContain('listen 127.0.0.1:8080;');
    expect(split.configText).toContain('map $cookie_user $split_key {');
    expect(dep.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('frontend');
    expect(checkRestricted(dep.spec.template.spec)).toEqual([]);
  });

  test('addHttpRoute: the same weights as Gateway API backendRefs', () => {
    const chart = Testing.chart();
    const split = new RequestSplitter(chart, 'shop', {
      backends: [{ name: 'web', host: 'web', port: 80, weight: 9 }, { name: 'experiment', host: 'experiment.labs', port: 8080, weight: 1 }],
    });
    split.addHttpRoute('Route', { parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }], hostnames: ['shop.example.com'] });
    const objs = synthValid(chart);
    const route = one(objs, 'HTTPRoute', 'shop');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways', sectionName: 'https' }],
      hostnames: ['shop.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [
          { group: '', kind: 'Service', name: 'web', port: 80, weight: 9 },
          { group: '', kind: 'Service', name: 'experiment', namespace: 'labs', port: 8080, weight: 1 },
        ],
      }],
    });
    expect(route.metadata.labels['app.kubernetes.io/instance']).toBe('shop');
  });

  test('fails when the route refers to a backend that is not a Service name', () => {
    const chart = Testing.chart();
    const split = new RequestSplitter(chart, 'shop', { backends: [backends[0], { ...backends[1], host: '10.0.0.7' }] });
    expect(() => split.addHttpRoute('R', { parentRefs: [{ name: 'gw' }] })).toThrow("RequestSplitter 'test/shop': 'backends[1].host' must be a Service name ('name' or 'name.namespace[.svc[.cluster.local]]'): an HTTPRoute refers to Services, got '10.0.0.7'");
  });

  test('fails when the app-level splitter is sticky by client address', () => {
    const chart = Testing.chart();
    expect(() => new RequestSplitter(chart, 'f', { backends, stickiness: StickyKey.clientIp(), app: { image: 'example/frontend:1.0.0' } }))
      .toThrow("'stickiness' must be StickyKey.cookie(name) or StickyKey.header(name) with 'app' (in the pod every request comes from 127.0.0.1");
  });

  test('custom resources flow through', () => {
    const chart = Testing.chart();
    new RequestSplitter(chart, 's', { backends, resources: { cpu: { request: kplus.Cpu.millis(20), limit: kplus.Cpu.millis(200) } } });
    const dep = one(synthValid(chart), 'Deployment', 's');
    expect(dep.spec.template.spec.containers[0].resources.requests.cpu).toBe('20m');
  });
});
