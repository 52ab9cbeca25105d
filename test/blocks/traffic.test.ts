// The traffic graph block: one NetworkPolicy per pod group with a default deny and exactly the allowed edges,
// rendered at synthesis (edges added later count), and the same graph drawn in Mermaid.
import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { NetworkPeer } from '../../src';
import { TrafficGraph } from '../../src/blocks/_traffic';
import { synthValid } from '../harness';

class Pattern extends Construct {}

function build(options?: any) {
  const chart = Testing.chart();
  const owner = new Pattern(chart, 'sg');
  const graph = new TrafficGraph(owner, 'networkPolicy', options);
  const labels = { 'app.kubernetes.io/managed-by': 'cdk8s-distributed-patterns' };
  const root = graph.group(owner, 'RootPolicy', { name: 'sg', selector: { 'app.kubernetes.io/component': 'root' }, title: 'root' }, labels);
  const leaf = graph.group(owner, 'LeafPolicy', { name: 'sg-shard-0', selector: { 'app.kubernetes.io/component': 'leaf' }, title: 'leaf' }, labels);
  graph.frontDoor(root, [{ port: 8080 }], 'requests');
  graph.allow(root, leaf, [{ port: 9090 }], 'fan-out');
  graph.resolvesNames(root);
  return { chart, graph, root, leaf };
}

describe('TrafficGraph', () => {
  test('each group: default deny for ingress and egress plus exactly its edges; DNS where names are resolved', () => {
    const { chart, graph, leaf } = build();
    // an edge added after the groups still reaches the policy (rendered at synthesis)
    graph.allowFrom(NetworkPeer.pods({ app: 'debug' }), leaf, [{ port: 9090 }], 'a debugging client');
    const pols = synthValid(chart).filter((o) => o.kind === 'NetworkPolicy');
    expect(pols.map((p) => p.metadata.name)).toEqual(['sg', 'sg-shard-0']);
    expect(pols[0].spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/component': 'root' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }],
      egress: [
        { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'leaf' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
        { to: [{ podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      ],
    });
    expect(pols[1].spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/component': 'leaf' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'root' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
        { from: [{ podSelector: { matchLabels: { app: 'debug' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
      ],
    });
  });

  test('named clients, monitoring, extra rules and a custom DNS peer', () => {
    const { chart, graph, root } = build({
      clients: [NetworkPeer.namespace('shop'), NetworkPeer.pods({ app: 'web' })],
      monitoring: NetworkPeer.namespace('monitoring'),
      dns: NetworkPeer.pods({ 'k8s-app': 'coredns' }, { 'kubernetes.io/metadata.name': 'kube-system' }),
      extraEgress: [{ peer: NetworkPeer.ipBlock('10.0.0.0/8', ['10.1.0.0/16']), ports: [{ port: 443 }] }],
    });
    graph.metrics(root, [{ port: 9100 }], 'scrape');
    const spec = synthValid(chart).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'sg').spec;
    expect(spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9100 }] },
    ]);
    expect(spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 443 }] });
    expect(spec.egress).toContainEqual(expect.objectContaining({ to: [{ podSelector: { matchLabels: { 'k8s-app': 'coredns' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }] }));
  });

  test('disabled: no policies, the graph is still drawn', () => {
    const { chart, graph } = build({ enabled: false });
    expect(synthValid(chart).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    expect(graph.toMermaid('sg')).toContain('-->|9090/TCP|');
  });

  test('withdraw: a front door that moved behind a new tier leaves the group it was on (its other edges stay)', () => {
    const { chart, graph, root, leaf } = build();
    graph.frontDoor(leaf, [{ port: 9090 }], 'requests');
    graph.withdraw(root, 'requests');
    const pols = synthValid(chart).filter((o) => o.kind === 'NetworkPolicy');
    expect(pols[0].spec.ingress).toBeUndefined();
    expect(pols[0].spec.egress).toHaveLength(2); // the fan-out and DNS stay
    expect(pols[1].spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'root' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
      { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
    expect(graph.describe().filter((l) => l.includes('(requests)'))).toEqual(['every pod of this namespace → sg-shard-0: 9090/TCP (requests)']);
  });

  test('the Mermaid drawing shows the groups, peers and every edge', () => {
    expect(build().graph.toMermaid('ScatterGather sg')).toBe([
      'flowchart LR',
      '  %% ScatterGather sg',
      '  n0["root<br/>sg"]',
      '  n1["leaf<br/>sg-shard-0"]',
      '  n2(["every pod of this namespace"])',
      '  n2 -->|8080/TCP| n0',
      '  n0 -->|9090/TCP| n1',
      '  dns(["cluster DNS"])',
      '  n0 -.->|53/UDP, 53/TCP| dns',
      '',
    ].join('\n'));
  });

  test('atRender: edges made from the pattern as it is at each rendering (policies, drawing, description), never twice', () => {
    // GIVEN a served port that changes after the groups are made
    const { chart, graph, leaf } = build();
    const served = [9090];
    graph.atRender(() => graph.frontDoor(leaf, served.map((port) => ({ port })), 'served ports'));
    expect(graph.describe()).toContain('every pod of this namespace → sg-shard-0: 9090/TCP (served ports)');
    // WHEN the pattern changes before synthesis
    served.splice(0, 1, 9443);
    // THEN every rendering sees the change, once
    const leafPolicy = synthValid(chart).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'sg-shard-0');
    expect(leafPolicy.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'root' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
      { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 9443 }] },
    ]);
    expect(graph.describe().filter((l) => l.includes('served ports'))).toEqual(['every pod of this namespace → sg-shard-0: 9443/TCP (served ports)']);
    expect(graph.toMermaid('t').match(/9443/g)).toHaveLength(1);
  });

  describe('fails when', () => {
    test.each([
      ['an ingress peer selects nothing (empty pod labels)', { clients: [NetworkPeer.pods({})] }, "'networkPolicy.clients[0]' must be a peer that selects something: pod labels must not be empty (an empty map would select every pod; say NetworkPeer.sameNamespace() for that)"],
      ['an IP block is not a CIDR', { extraEgress: [{ peer: NetworkPeer.ipBlock('10.0.0.0') }] }, "'networkPolicy.extraEgress[0].peer' must be an IP block in CIDR notation (e.g. '10.0.0.0/8' or '2001:db8::/32'), got '10.0.0.0'"],
      ['an except block lies outside the CIDR', { extraEgress: [{ peer: NetworkPeer.ipBlock('10.0.0.0/8', ['192.168.0.0/16']) }] }, "'networkPolicy.extraEgress[0].peer' must be 'except' blocks inside 10.0.0.0/8, got '192.168.0.0/16'"],
      ['an except block removes the whole CIDR (selects nothing)', { extraEgress: [{ peer: NetworkPeer.ipBlock('10.0.0.0/8', ['10.0.0.0/8']) }] }, "must be a peer that selects something: 'except' 10.0.0.0/8 removes the whole of 10.0.0.0/8"],
      ['a peer label is invalid', { clients: [NetworkPeer.pods({ app: 'my app' })] }, "'networkPolicy.clients[0]' must be pod labels of valid label keys and non-empty values, got 'app=my app'"],
      ['a client is a string (an untyped caller)', { clients: ['web'] }, "'networkPolicy.clients[0]' must be a NetworkPeer (NetworkPeer.pods(...), .namespace(...), .ipBlock(...), …), got 'web'"],
      ['an extra port is out of range', { extraIngress: [{ peer: NetworkPeer.sameNamespace(), ports: [{ port: 0 }] }] }, "'networkPolicy.extraIngress[0].ports[0].port' must be an integer from 1 to 65535, got 0"],
      ['an extra port has an unknown protocol', { extraIngress: [{ peer: NetworkPeer.sameNamespace(), ports: [{ port: 80, protocol: 'HTTP' }] }] }, "'networkPolicy.extraIngress[0].ports[0].protocol' must be one of 'TCP', 'UDP', 'SCTP', got 'HTTP'"],
      ['enabled is not a boolean', { enabled: 'yes' }, "'networkPolicy.enabled' must be true or false, got 'yes'"],
    ])('%s', (_what, options, message) => {
      expect(() => new TrafficGraph(new Pattern(Testing.chart(), 'p'), 'networkPolicy', options as any)).toThrow(message);
    });
  });
});
