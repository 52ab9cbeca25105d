/**
 * Tier 2: independent scanners over every example, and the NetworkPolicy truth tables of cyclonus.
 *
 * - checkov (Kubernetes framework), kube-score and kube-linter each catch the usual mistakes in a careless
 *   Deployment (a scanner that never fails proves nothing), then run over every synthesized example. The table of
 *   findings per tool and check is printed (and written to test-reports/scanners.txt); the run fails on a finding
 *   of a check that test/harness/scanner-exceptions.ts does not list, and on a listed check that finds nothing any more.
 * - `netpolTruthTable` (cyclonus, offline) on hand-written policies: default deny, one allowed edge, namespace
 *   selectors, ports, egress and ingress both needed; then over every example's objects.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { exampleNames, synthExample } from '../../scripts/synth-examples';
import { allProbes, cyclonusVersion, netpolTruthTable, NetpolProbe, podsOf, probeKey } from '../harness/netpol';
import { stopAll } from '../harness/proc';
import { exceptionFor, SCANNER_EXCEPTIONS } from '../harness/scanner-exceptions';
import {
  checkovScan, checkovVersion, findingsTable, kubeLinterScan, kubeScoreScan, kubeScoreVersion, manifestDir, ScanResult,
  scanAll, SCANNERS,
} from '../harness/scanners';

jest.setTimeout(900_000);

afterAll(async () => {
  await stopAll();
});

const careless = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
          ports: [{name: http, containerPort: 8080}]
        - name: sidecar
          image: busybox:1.36
`;

const denyAll = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: default
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
`;

describe('the scanners find the usual mistakes', () => {
  let results: ScanResult[];
  beforeAll(() => {
    results = scanAll(manifestDir({ 'careless.yaml': careless }));
  });
  const checks = (tool: string) => [...new Set(results.find((r) => r.tool === tool)!.findings.map((f) => f.check))];

  test('pinned versions', () => {
    expect(checkovVersion()).toBe('3.3.30');
    expect(kubeScoreVersion()).toBe('1.20.0');
    expect(cyclonusVersion()).toBe('v0.5.6');
    expect(results.map((r) => `${r.tool} ${r.version}`)).toEqual(['checkov 3.3.30', 'kube-score 1.20.0', 'kube-linter v0.8.3']);
  });

  test('checkov: latest tag, no probes, no limits, no NetworkPolicy, root', () => {
    expect(checks('checkov')).toEqual(expect.arrayContaining(['CKV_K8S_14', 'CKV_K8S_8', 'CKV_K8S_9', 'CKV_K8S_11', 'CKV2_K8S_6', 'CKV_K8S_23']));
    const latest = results[0].findings.find((f) => f.check === 'CKV_K8S_14')!;
    expect(latest).toMatchObject({ tool: 'checkov', object: 'Deployment/default/web', container: 'web', file: 'careless.yaml' });
  });

  test('kube-score: latest tag, no resources, no NetworkPolicy; one finding per container', () => {
    expect(checks('kube-score')).toEqual(expect.arrayContaining(['container-image-tag', 'container-resources', 'pod-networkpolicy', 'container-security-context-user-group-id']));
    const res = results[1].findings.filter((f) => f.check === 'container-security-context-user-group-id');
    expect(new Set(res.map((f) => f.container))).toEqual(new Set(['web', 'sidecar']));
    expect(results[1].findings.find((f) => f.check === 'container-image-tag')).toMatchObject({ object: 'Deployment/default/web', container: 'web' });
  });

  test('kube-linter: latest tag, run as root, no read-only root', () => {
    expect(checks('kube-linter')).toEqual(expect.arrayContaining(['latest-tag', 'run-as-non-root', 'no-read-only-root-fs']));
    expect(results[2].findings.find((f) => f.check === 'no-read-only-root-fs' && f.container === 'sidecar')).toBeDefined();
  });

  test('a NetworkPolicy that selects the pod satisfies checkov and kube-score', () => {
    const dir = manifestDir({ 'careless.yaml': `${careless}---${denyAll}` });
    expect(checkovScan(dir).findings.map((f) => f.check)).not.toContain('CKV2_K8S_6');
    expect(kubeScoreScan(dir).findings.map((f) => f.check)).not.toContain('pod-networkpolicy');
  });

  test('an object without a namespace is written Kind/-/name by all three', () => {
    const dir = manifestDir({ 'x.yaml': careless.replace('  namespace: default\n', '') });
    const objects = new Set([checkovScan(dir), kubeScoreScan(dir), kubeLinterScan(dir)].flatMap((r) => r.findings.map((f) => f.object)));
    expect(objects).toEqual(new Set(['Deployment/-/web']));
  });
});

describe('every example', () => {
  let results: ScanResult[];
  beforeAll(() => {
    const files: { [name: string]: string } = {};
    for (const name of exampleNames()) files[`${name}.k8s.yaml`] = synthExample(name);
    results = scanAll(manifestDir(files));
    const table = findingsTable(results, exceptionFor);
    fs.mkdirSync('test-reports', { recursive: true });
    fs.writeFileSync(path.join('test-reports', 'scanners.txt'), `${table}\n`);
    console.log(`scanner findings over ${Object.keys(files).length} examples:\n${table}`);
  });

  test.each(SCANNERS)('%s: every finding is of a check the exception list gives a reason for', (tool) => {
    const r = results.find((x) => x.tool === tool)!;
    const unexplained = r.findings.filter((f) => exceptionFor(tool, f.check) === undefined);
    expect(unexplained.map((f) => `${f.file} ${f.object}${f.container ? ` [${f.container}]` : ''} ${f.check}: ${f.message}`)).toEqual([]);
  });

  test.each(SCANNERS)('%s: every check the exception list names still finds something (else delete its line)', (tool) => {
    const found = new Set(results.find((x) => x.tool === tool)!.findings.map((f) => f.check));
    expect(Object.keys(SCANNER_EXCEPTIONS[tool]).filter((c) => !found.has(c))).toEqual([]);
  });
});

// --- NetworkPolicy truth tables ---

type Ports = Array<{ port: number; name?: string; protocol?: string }>;
function deployment(namespace: string, name: string, labels: { [k: string]: string }, ports: Ports = [], kind = 'Deployment'): any {
  const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x:1', ports: ports.map((p) => ({ containerPort: p.port, ...(p.name ? { name: p.name } : {}), ...(p.protocol ? { protocol: p.protocol } : {}) })) }] } };
  return { apiVersion: 'apps/v1', kind, metadata: { name, namespace }, spec: { selector: { matchLabels: labels }, template } };
}
function policy(namespace: string, name: string, spec: any): any {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}
const denyAllIn = (ns: string) => policy(ns, 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

/** Three pods in namespace x: a (80), b (8080 http, 9090 metrics), c (80, 53/UDP dns). */
const pods = [
  deployment('x', 'a', { app: 'a' }, [{ port: 80, name: 'http' }]),
  deployment('x', 'b', { app: 'b' }, [{ port: 8080, name: 'http' }, { port: 9090, name: 'metrics' }]),
  deployment('x', 'c', { app: 'c' }, [{ port: 80, name: 'http' }, { port: 53, name: 'dns', protocol: 'UDP' }]),
];
const everyProbe = allProbes(podsOf(pods)).map(probeKey).sort();
const aToB8080 = [
  policy('x', 'b-from-a', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port: 8080 }] }] }),
  policy('x', 'a-to-b', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 8080 }] }] }),
];

describe('netpolTruthTable (cyclonus, offline)', () => {
  test('the pods of workloads: template labels and container ports; every probe to every declared port', () => {
    const t = netpolTruthTable(pods);
    expect(t.pods.map((p) => `${p.id} ${JSON.stringify(p.labels)} ${p.ports.map((x) => `${x.port}/${x.protocol}${x.name ? `:${x.name}` : ''}`).join(',')}`)).toEqual([
      'x/a {"app":"a"} 80/TCP:http',
      'x/b {"app":"b"} 8080/TCP:http,9090/TCP:metrics',
      'x/c {"app":"c"} 80/TCP:http,53/UDP:dns',
    ]);
    expect(t.namespaces).toEqual({ x: { 'kubernetes.io/metadata.name': 'x' } });
    expect(everyProbe).toHaveLength(15);
  });

  test('no policy: everything is allowed', () => {
    expect(netpolTruthTable(pods).allowed).toEqual(everyProbe);
  });

  test('default deny: nothing is allowed', () => {
    const t = netpolTruthTable([...pods, denyAllIn('x')]);
    expect(t.allowed).toEqual([]);
    expect(t.results).toHaveLength(15);
    expect(t.results.every((r) => !r.ingress && !r.egress)).toBe(true);
  });

  test('default deny in one namespace leaves the other open', () => {
    const y = deployment('y', 'd', { app: 'd' }, [{ port: 80 }]);
    const t = netpolTruthTable([...pods, y, denyAllIn('x')], [
      { from: 'd', to: 'd', port: 80 }, { from: 'd', to: 'a', port: 80 }, { from: 'a', to: 'd', port: 80 },
    ]);
    expect(t.allowed).toEqual(['y/d → y/d 80/TCP']);
    expect(t.results.map((r) => [r.ingress, r.egress])).toEqual([[true, true], [false, true], [true, false]]);
  });

  test('default deny plus one allow (egress of a, ingress of b): exactly that edge', () => {
    const t = netpolTruthTable([...pods, denyAllIn('x'), ...aToB8080]);
    expect(t.allowed).toEqual(['x/a → x/b 8080/TCP']);
  });

  test('a connection needs the source\'s egress and the destination\'s ingress', () => {
    const probe: NetpolProbe[] = [{ from: 'a', to: 'b', port: 8080 }];
    const [ingressOnly, egressOnly] = aToB8080;
    const onlyIngress = netpolTruthTable([...pods, denyAllIn('x'), ingressOnly], probe).results[0];
    expect(onlyIngress).toMatchObject({ ingress: true, egress: false, allowed: false });
    const onlyEgress = netpolTruthTable([...pods, denyAllIn('x'), egressOnly], probe).results[0];
    expect(onlyEgress).toMatchObject({ ingress: false, egress: true, allowed: false });
    expect(netpolTruthTable([...pods, denyAllIn('x'), ingressOnly, egressOnly], probe).results[0]).toMatchObject({ ingress: true, egress: true, allowed: true });
    // A source no policy isolates for egress needs only the destination's ingress.
    expect(netpolTruthTable([...pods, ingressOnly], probe).results[0]).toMatchObject({ ingress: true, egress: true, allowed: true });
  });

  test('policyTypes defaults as the API server does: ingress rules only isolate for ingress', () => {
    const noTypes = policy('x', 'b-ingress', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] });
    const t = netpolTruthTable([...pods, noTypes], [{ from: 'b', to: 'c', port: 80 }, { from: 'c', to: 'b', port: 8080 }, { from: 'a', to: 'b', port: 9090 }]);
    expect(t.allowed).toEqual(['x/a → x/b 9090/TCP', 'x/b → x/c 80/TCP']);
  });

  describe('namespace selectors', () => {
    const server = deployment('x', 'server', { app: 'server' }, [{ port: 8080 }]);
    const clients = [
      deployment('blue', 'web', { role: 'client' }), deployment('blue', 'batch', { role: 'batch' }),
      deployment('red', 'web', { role: 'client' }),
    ];
    const namespaces = { blue: { team: 'blue' }, red: { team: 'red' } };
    const probes = ['blue/web', 'blue/batch', 'red/web'].map((from) => ({ from, to: 'server', port: 8080 }));
    const only = (from: any[]) => policy('x', 'server', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from }] });

    test('a namespace selector admits every pod of the namespaces it selects', () => {
      const t = netpolTruthTable([server, ...clients, only([{ namespaceSelector: { matchLabels: { team: 'blue' } } }])], probes, { namespaces });
      expect(t.allowed).toEqual(['blue/batch → x/server 8080/TCP', 'blue/web → x/server 8080/TCP']);
    });

    test('namespace and pod selector in one peer: both must match', () => {
      const t = netpolTruthTable([server, ...clients, only([{ namespaceSelector: { matchLabels: { team: 'blue' } }, podSelector: { matchLabels: { role: 'client' } } }])], probes, { namespaces });
      expect(t.allowed).toEqual(['blue/web → x/server 8080/TCP']);
    });

    test('namespace and pod selector as two peers: either matches', () => {
      const t = netpolTruthTable([server, ...clients, only([{ namespaceSelector: { matchLabels: { team: 'red' } } }, { podSelector: { matchLabels: { role: 'batch' } } }])], probes, { namespaces });
      // the pod selector alone means the policy's own namespace (x): blue/batch is not admitted by it
      expect(t.allowed).toEqual(['red/web → x/server 8080/TCP']);
    });

    test('kubernetes.io/metadata.name is set on every namespace; an empty namespace selector means all', () => {
      let t = netpolTruthTable([server, ...clients, only([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'red' } } }])], probes);
      expect(t.allowed).toEqual(['red/web → x/server 8080/TCP']);
      t = netpolTruthTable([server, ...clients, only([{ namespaceSelector: {} }])], probes);
      expect(t.allowed).toHaveLength(3);
    });

    test('a pod selector with matchExpressions', () => {
      const t = netpolTruthTable([server, ...clients, only([{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['batch'] }] } }])], probes);
      expect(t.allowed).toEqual(['blue/batch → x/server 8080/TCP']);
    });
  });

  describe('ports and protocols', () => {
    const ingressToB = (ports?: any[]) => policy('x', 'b', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }], ...(ports ? { ports } : {}) }] });
    const probes: NetpolProbe[] = [8080, 9090, 5678].map((port) => ({ from: 'a', to: 'b', port }));

    test('a numbered port allows that port only', () => {
      expect(netpolTruthTable([...pods, ingressToB([{ port: 9090 }])], probes).allowed).toEqual(['x/a → x/b 9090/TCP']);
    });

    test('a named port is the destination\'s port of that name', () => {
      expect(netpolTruthTable([...pods, ingressToB([{ port: 'http' }])], probes).allowed).toEqual(['x/a → x/b 8080/TCP']);
      // a probe may name the port too
      expect(netpolTruthTable([...pods, ingressToB([{ port: 'metrics' }])], [{ from: 'a', to: 'b', port: 'metrics' }]).allowed).toEqual(['x/a → x/b 9090/TCP']);
    });

    test('a port range (endPort) allows every port in it, declared or not', () => {
      expect(netpolTruthTable([...pods, ingressToB([{ port: 5000, endPort: 8080 }])], probes).allowed).toEqual(['x/a → x/b 5678/TCP', 'x/a → x/b 8080/TCP']);
    });

    test('a rule without ports allows every port, also one the pod does not declare', () => {
      expect(netpolTruthTable([...pods, ingressToB()], probes).allowed).toEqual(['x/a → x/b 5678/TCP', 'x/a → x/b 8080/TCP', 'x/a → x/b 9090/TCP']);
    });

    test('the protocol counts: UDP 53 allowed is not TCP 53', () => {
      const dnsOnly = policy('x', 'c', { podSelector: { matchLabels: { app: 'c' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] });
      const t = netpolTruthTable([...pods, dnsOnly], [{ from: 'a', to: 'c', port: 53, protocol: 'UDP' }, { from: 'a', to: 'c', port: 53, protocol: 'TCP' }, { from: 'a', to: 'c', port: 'http' }]);
      expect(t.allowed).toEqual(['x/a → x/c 53/UDP']);
    });
  });

  test('extra pods and ipBlock peers: egress to a CIDR with an exception', () => {
    const api = { namespace: 'default', name: 'apiserver', labels: { component: 'apiserver' }, ports: [{ port: 6443 }], ip: '192.0.2.10' };
    const other = { namespace: 'default', name: 'other', ports: [{ port: 6443 }], ip: '192.0.2.11' };
    const egress = policy('x', 'a-egress', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '192.0.2.0/24', except: ['192.0.2.11/32'] } }], ports: [{ port: 6443 }] }] });
    const t = netpolTruthTable([...pods, egress], [{ from: 'a', to: 'default/apiserver', port: 6443 }, { from: 'a', to: 'other', port: 6443 }, { from: 'a', to: 'b', port: 8080 }], { extraPods: [api, other] });
    expect(t.allowed).toEqual(['x/a → default/apiserver 6443/TCP']);
  });

  test('a probe naming no pod, or a port the destination does not name, is an error', () => {
    expect(() => netpolTruthTable(pods, [{ from: 'nobody', to: 'b', port: 80 }])).toThrow(/no pod 'nobody'/);
    expect(() => netpolTruthTable(pods, [{ from: 'a', to: 'b', port: 'grpc' }])).toThrow(/declares no TCP port named 'grpc'/);
  });

  test.each(exampleNames())('example %s: the truth table over every declared port', (name) => {
    const objects = parseAllDocuments(synthExample(name)).map((d) => d.toJS()).filter(Boolean);
    const t = netpolTruthTable(objects);
    const probes = allProbes(t.pods);
    expect(t.results).toHaveLength(probes.length);
    const policies = objects.filter((o: any) => o.kind === 'NetworkPolicy').length;
    console.log(`${name}: ${t.pods.length} pods, ${policies} NetworkPolicies, ${t.allowed.length} of ${probes.length} connections allowed`);
  });
});
