// Tier 1: the pure half of the NetworkPolicy truth tables — the model built from objects and the reading of
// cyclonus's tables. cyclonus itself runs in tier 2 (test/real/scanners.test.ts).
import { parseCyclonusTables } from '.';
import { allProbes, namespacesOf, podsOf, policiesOf, probeKey, resolveProbe } from './model';

const template = (labels: any, containers: any[], initContainers?: any[]) => ({
  metadata: { labels },
  spec: { containers, ...(initContainers ? { initContainers } : {}) },
});
const objects: any[] = [
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'data' }, spec: { template: template({ app: 'db' }, [{ name: 'db', ports: [{ containerPort: 5432, name: 'pg' }] }]) } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      template: template({ app: 'web' }, [
        { name: 'web', ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 53, protocol: 'UDP' }] },
      ], [{ name: 'proxy', restartPolicy: 'Always', ports: [{ containerPort: 8443, name: 'https' }] }, { name: 'init', ports: [{ containerPort: 1 }] }]),
    },
  },
  { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick' }, spec: { jobTemplate: { spec: { template: template({ job: 'tick' }, [{ name: 'c' }]) } } } },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'web' }, spec: { template: template({ job: 'once' }, [{ name: 'c' }]) } },
  { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', metadata: { name: 'workers' }, spec: { jobTargetRef: { template: template({ role: 'worker' }, [{ name: 'w' }]) } } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lone', labels: { solo: 'yes' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 9000, protocol: 'SCTP' }] }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'data', labels: { tier: 'data' } } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'only-ingress', namespace: 'data' }, spec: { podSelector: {}, ingress: [{}] } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'both' }, spec: { podSelector: {}, egress: [{}] } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'typed' }, spec: { podSelector: {}, policyTypes: ['Egress'] } },
];

describe('podsOf', () => {
  const pods = podsOf(objects, { extraPods: [{ namespace: 'monitoring', name: 'prometheus', labels: { app: 'prometheus' }, ip: '192.0.2.9' }] });

  test('one pod per workload pod template (and Pod), default namespace, ids unique', () => {
    expect(pods.map((p) => `${p.id} ${p.source}`)).toEqual([
      'data/db StatefulSet/data/db',
      'default/web Deployment/default/web',
      'default/tick CronJob/default/tick',
      'default/web~Job Job/default/web',
      'default/workers ScaledJob/default/workers',
      'default/lone Pod/default/lone',
      'monitoring/prometheus extra',
    ]);
    expect(pods.map((p) => p.labels)).toEqual([{ app: 'db' }, { app: 'web' }, { job: 'tick' }, { job: 'once' }, { role: 'worker' }, { solo: 'yes' }, { app: 'prometheus' }]);
  });

  test('ports of containers and sidecar init containers, protocol defaulted to TCP', () => {
    expect(pods[1].ports).toEqual([{ port: 8080, name: 'http', protocol: 'TCP' }, { port: 53, protocol: 'UDP' }, { port: 8443, name: 'https', protocol: 'TCP' }]);
    expect(pods[5].ports).toEqual([{ port: 9000, protocol: 'SCTP' }]);
  });

  test('every pod has an IP: given, or 10.244.x.y in order', () => {
    expect(pods.map((p) => p.ip)).toEqual(['10.244.0.1', '10.244.0.2', '10.244.0.3', '10.244.0.4', '10.244.0.5', '10.244.0.6', '192.0.2.9']);
  });

  test('the namespace of objects without one is the option', () => {
    expect(podsOf(objects, { defaultNamespace: 'shop' }).map((p) => p.namespace)).toEqual(['data', 'shop', 'shop', 'shop', 'shop', 'shop']);
  });

  test('a bad protocol is an error', () => {
    expect(() => podsOf([{ kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 1, protocol: 'ICMP' }] }] } }])).toThrow(/Pod\/default\/p container c: protocol "ICMP"/);
  });
});

test('policiesOf: namespace and policyTypes defaulted as the API server does', () => {
  expect(policiesOf(objects).map((p) => `${p.metadata.namespace}/${p.metadata.name} ${p.spec.policyTypes.join(',')}`)).toEqual([
    'data/only-ingress Ingress',
    'default/both Ingress,Egress',
    'default/typed Egress',
  ]);
  expect(() => policiesOf([{ kind: 'NetworkPolicy', apiVersion: 'extensions/v1beta1', metadata: { name: 'old' } }])).toThrow(/expected networking.k8s.io\/v1/);
});

test('namespacesOf: every namespace named by a pod, a policy, a Namespace or the options, with its name label', () => {
  const pods = podsOf(objects);
  expect(namespacesOf(objects, pods, { namespaces: { monitoring: { team: 'obs' } } })).toEqual({
    data: { 'kubernetes.io/metadata.name': 'data', 'tier': 'data' },
    default: { 'kubernetes.io/metadata.name': 'default' },
    monitoring: { 'kubernetes.io/metadata.name': 'monitoring', 'team': 'obs' },
  });
});

describe('probes', () => {
  const pods = podsOf(objects);

  test('resolveProbe: ids or unique names, named ports looked up on the destination', () => {
    expect(probeKey(resolveProbe(pods, { from: 'tick', to: 'db', port: 'pg' }))).toBe('default/tick → data/db 5432/TCP');
    expect(probeKey(resolveProbe(pods, { from: 'default/web~Job', to: 'default/web', port: 53, protocol: 'UDP' }))).toBe('default/web~Job → default/web 53/UDP');
    expect(() => resolveProbe(pods, { from: 'tick', to: 'db', port: 'pg', protocol: 'UDP' })).toThrow(/declares no UDP port named 'pg'/);
    expect(() => resolveProbe(pods, { from: 'tick', to: 'db', port: 0 })).toThrow(/not 1-65535/);
    expect(() => resolveProbe(pods, { from: 'ghost', to: 'db', port: 1 })).toThrow(/no pod 'ghost'/);
    expect(() => resolveProbe([...pods, ...podsOf([objects[0]], { defaultNamespace: 'x' }).map((p) => ({ ...p, id: 'other/db' }))], { from: 'db', to: 'tick', port: 1 })).toThrow(/ambiguous/);
  });

  test('allProbes: every pod to every declared port/protocol of every pod, itself included', () => {
    const keys = allProbes(pods.slice(0, 2)).map(probeKey);
    expect(keys).toEqual([
      'data/db → data/db 5432/TCP', 'data/db → default/web 8080/TCP', 'data/db → default/web 53/UDP', 'data/db → default/web 8443/TCP',
      'default/web → data/db 5432/TCP', 'default/web → default/web 8080/TCP', 'default/web → default/web 53/UDP', 'default/web → default/web 8443/TCP',
    ]);
  });
});

// What `cyclonus analyze --mode probe` printed (v0.5.6) for one probe on port 8080 over three pods.
const CYCLONUS_OUTPUT = `probe:
Ingress:
+------+------+------+------+
|      | X/P0 | X/P1 | Y/P2 |
+------+------+------+------+
| x/p0 | N    | .    | N    |
| x/p1 | N    | X    | N    |
| y/p2 | N    | X    | N    |
+------+------+------+------+

Egress:
+------+------+------+------+
|      | X/P0 | X/P1 | Y/P2 |
+------+------+------+------+
| x/p0 | ?    | .    | ?    |
| x/p1 | ?    | X    | ?    |
| y/p2 | ?    | .    | ?    |
+------+------+------+------+

Combined:
+------+------+------+------+
|      | X/P0 | X/P1 | Y/P2 |
+------+------+------+------+
| x/p0 | N    | .    | N    |
| x/p1 | N    | X    | N    |
| y/p2 | N    | X    | N    |
+------+------+------+------+



Ingress:
+--+
|  |
+--+
+--+
`;

describe('parseCyclonusTables', () => {
  test('reads each table as from → to → cell, in order', () => {
    const tables = parseCyclonusTables(CYCLONUS_OUTPUT);
    expect(tables).toHaveLength(4);
    expect(tables[2]).toEqual({
      'x/p0': { 'x/p0': 'N', 'x/p1': '.', 'y/p2': 'N' },
      'x/p1': { 'x/p0': 'N', 'x/p1': 'X', 'y/p2': 'N' },
      'y/p2': { 'x/p0': 'N', 'x/p1': 'X', 'y/p2': 'N' },
    });
    expect(tables[1]['y/p2']['x/p1']).toBe('.');
    expect(tables[3]).toEqual({});
  });

  test('a table whose rows and columns disagree is an error', () => {
    expect(() => parseCyclonusTables(CYCLONUS_OUTPUT.replace('| X/P0 | X/P1 | Y/P2 |', '| X/P1 | X/P0 | Y/P2 |'))).toThrow(/row 0 is 'x\/p0' but column 0 is 'X\/P1'/);
    expect(() => parseCyclonusTables(CYCLONUS_OUTPUT.replace('| y/p2 | ?    | .    | ?    |\n', ''))).toThrow(/3 columns and 2 rows/);
  });
});
