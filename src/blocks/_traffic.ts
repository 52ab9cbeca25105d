import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { ValueProblems } from '../core/_value-problems';
import { NetworkPeer, NetworkPolicyOptions, NetworkPort } from '../core/network';
import { propError } from '../core/prop-error';

// Internal: a pattern's traffic graph — its pod groups and who talks to whom on which ports — and the one place
// NetworkPolicies and the Mermaid drawing are made from, so the policies and the picture can never disagree.
// Each group gets one NetworkPolicy (named after the group's workload) that isolates it for ingress and egress and
// allows exactly: its incoming edges (the pattern's own groups, clients, monitoring, extras), its outgoing edges,
// and DNS when it resolves names. Rules are rendered at synthesis, so edges added later (`addClient`, tiers) count.

const DNS_PORTS: NetworkPort[] = [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** One set of the pattern's pods (a workload, or the pods of several workloads sharing a selector). */
export interface TrafficGroup {
  /** The NetworkPolicy name (usually the workload's name). */
  readonly name: string;
  /** The labels that select its pods (the workload's selector). */
  readonly selector: { [key: string]: string };
  /** How the Mermaid drawing names it. */
  readonly title: string;
  /**
   * The group runs only the library's own code, whose traffic the graph knows: the options' `extraEgress` does not
   * widen its policy (it is meant for the user's containers). Default false.
   */
  readonly ownCodeOnly?: boolean;
}

interface Edge {
  readonly from: TrafficGroup | NetworkPeer;
  readonly to: TrafficGroup | NetworkPeer;
  readonly ports: NetworkPort[];
  readonly why: string;
}

/** The traffic graph of one pattern instance. */
export class TrafficGraph {
  private readonly groups: TrafficGroup[] = [];
  private readonly edges: Edge[] = [];
  private readonly late: Array<() => void> = [];
  private collecting?: Edge[];
  private readonly dnsUsers = new Set<TrafficGroup>();
  private readonly options: NetworkPolicyOptions;
  private readonly enabled: boolean;

  /**
   * @param owner the pattern (policies are its children, errors name it)
   * @param prop the prop the options came from (e.g. `networkPolicy`)
   */
  constructor(private readonly owner: Construct, private readonly prop: string, options: NetworkPolicyOptions | undefined) {
    if (options !== undefined && (options === null || typeof options !== 'object')) throw propError(owner, prop, 'a NetworkPolicyOptions object', options);
    this.options = options ?? {};
    this.enabled = this.options.enabled ?? true;
    if (typeof this.enabled !== 'boolean') throw propError(owner, `${prop}.enabled`, 'true or false', this.enabled);
    this.options.clients?.forEach((c, i) => this.checkPeer(`${prop}.clients[${i}]`, c));
    if (this.options.monitoring) this.checkPeer(`${prop}.monitoring`, this.options.monitoring);
    if (this.options.dns) this.checkPeer(`${prop}.dns`, this.options.dns);
    for (const kind of ['extraIngress', 'extraEgress'] as const) {
      this.options[kind]?.forEach((r, i) => {
        this.checkPeer(`${prop}.${kind}[${i}].peer`, r?.peer);
        (r.ports ?? []).forEach((p, j) => this.checkPort(`${prop}.${kind}[${i}].ports[${j}]`, p));
      });
    }
  }

  /** Whether policies are emitted. */
  public get isEnabled(): boolean {
    return this.enabled;
  }

  /** Adds a pod group and, when enabled, its NetworkPolicy (rules resolved at synthesis). */
  public group(scope: Construct, id: string, group: TrafficGroup, labels: { [key: string]: string }): TrafficGroup {
    if (this.groups.some((g) => g.name === group.name)) throw new Error(`traffic group '${group.name}' added twice`);
    this.groups.push(group);
    if (this.enabled) {
      new ApiObject(scope, id, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: group.name, labels },
        spec: Lazy.any({ produce: () => this.specOf(group) }),
      });
    }
    return group;
  }

  /** The pattern's own traffic: `from` connects to `to` on `ports`. */
  public allow(from: TrafficGroup, to: TrafficGroup, ports: NetworkPort[], why: string): void {
    this.add({ from, to, ports, why });
  }

  /** `to` accepts `peer` on `ports` (clients, the wired pods of `addClient`). */
  public allowFrom(peer: NetworkPeer, to: TrafficGroup, ports: NetworkPort[], why: string): void {
    this.add({ from: peer, to, ports, why });
  }

  /** `from` may connect to `peer` on `ports` (an external backend, the Kubernetes API). */
  public allowTo(from: TrafficGroup, peer: NetworkPeer, ports: NetworkPort[], why: string): void {
    this.add({ from, to: peer, ports, why });
  }

  /**
   * Edges that depend on the finished pattern (e.g. the ports a pod serves once its sidecars are in): `edges` adds
   * them with the methods above, and runs again each time the policies, the drawing or the description are made,
   * so what it adds always reflects the pattern as it is then.
   */
  public atRender(edges: () => void): void {
    this.late.push(edges);
  }

  /** The front door: the clients of the options (default: the same namespace) may reach `to` on `ports`. */
  public frontDoor(to: TrafficGroup, ports: NetworkPort[], why: string): void {
    for (const c of this.options.clients ?? [NetworkPeer.sameNamespace()]) this.allowFrom(c, to, ports, why);
  }

  /**
   * Withdraws the edges into `to` that were added for `why` (a front door that moved: a tier added in front of
   * `to` now holds it, and `to` accepts that tier instead).
   */
  public withdraw(to: TrafficGroup, why: string): void {
    for (let i = this.edges.length - 1; i >= 0; i--) if (this.edges[i].to === to && this.edges[i].why === why) this.edges.splice(i, 1);
  }

  /** A metrics port: open to the monitoring peer of the options, if one is given. */
  public metrics(to: TrafficGroup, ports: NetworkPort[], why: string): void {
    if (this.options.monitoring) this.allowFrom(this.options.monitoring, to, ports, why);
  }

  /** `group` resolves names: egress to the cluster DNS. */
  public resolvesNames(group: TrafficGroup): void {
    this.dnsUsers.add(group);
  }

  /** Every edge, as `from → to: ports (why)` lines (for tests and docs). */
  public describe(): string[] {
    return this.allEdges().map((e) => `${title(e.from)} → ${title(e.to)}: ${e.ports.map(portText).join(', ') || 'any port'} (${e.why})`);
  }

  /** The graph as a Mermaid flowchart: the pattern's groups, the peers, and every allowed edge with its ports. */
  public toMermaid(heading: string): string {
    const ids = new Map<TrafficGroup | NetworkPeer, string>();
    const id = (x: TrafficGroup | NetworkPeer) => {
      if (!ids.has(x)) ids.set(x, `n${ids.size}`);
      return ids.get(x)!;
    };
    const lines = ['flowchart LR', `  %% ${heading}`];
    for (const g of this.groups) lines.push(`  ${id(g)}["${esc(g.title)}<br/>${esc(g.name)}"]`);
    const edges = this.allEdges();
    const peers = new Map<string, NetworkPeer>();
    for (const e of edges) {
      for (const end of [e.from, e.to]) if (end instanceof NetworkPeer && !peers.has(end._description)) peers.set(end._description, end);
    }
    for (const p of peers.values()) lines.push(`  ${id(p)}(["${esc(p._description)}"])`);
    const ref = (x: TrafficGroup | NetworkPeer) => (x instanceof NetworkPeer ? id(peers.get(x._description)!) : id(x));
    for (const e of edges) lines.push(`  ${ref(e.from)} -->|${esc(e.ports.map(portText).join(', ') || 'any')}| ${ref(e.to)}`);
    if (this.dnsUsers.size > 0) {
      lines.push('  dns(["cluster DNS"])');
      for (const g of this.dnsUsers) lines.push(`  ${id(g)} -.->|53/UDP, 53/TCP| dns`);
    }
    return `${lines.join('\n')}\n`;
  }

  private specOf(group: TrafficGroup): any {
    const ingress: any[] = [];
    const egress: any[] = [];
    for (const e of this.allEdges()) {
      if (e.to === group) ingress.push(this.rule(e.from, e.ports, 'from'));
      if (e.from === group) egress.push(this.rule(e.to, e.ports, 'to'));
    }
    for (const r of this.options.extraIngress ?? []) ingress.push(this.rule(r.peer, r.ports ?? [], 'from'));
    if (!group.ownCodeOnly) for (const r of this.options.extraEgress ?? []) egress.push(this.rule(r.peer, r.ports ?? [], 'to'));
    const dns = this.options.dns ?? NetworkPeer.pods({ 'k8s-app': 'kube-dns' }, { 'kubernetes.io/metadata.name': 'kube-system' });
    if (this.dnsUsers.has(group)) egress.push(this.rule(dns, DNS_PORTS, 'to'));
    return {
      podSelector: { matchLabels: sortedCopy(group.selector) },
      policyTypes: ['Ingress', 'Egress'],
      ...(ingress.length ? { ingress: merge(ingress, 'from') } : {}),
      ...(egress.length ? { egress: merge(egress, 'to') } : {}),
    };
  }

  private add(edge: Edge): void {
    (this.collecting ?? this.edges).push(edge);
  }

  private allEdges(): Edge[] {
    const late: Edge[] = [];
    this.collecting = late;
    try {
      for (const f of this.late) f();
    } finally {
      this.collecting = undefined;
    }
    return [...this.edges, ...late];
  }

  private rule(end: TrafficGroup | NetworkPeer, ports: NetworkPort[], key: 'from' | 'to'): any {
    const peers = end instanceof NetworkPeer ? end._toPeers(this.owner, this.prop) : [{ podSelector: { matchLabels: sortedCopy(end.selector) } }];
    const rule: any = { [key]: peers };
    if (ports.length) rule.ports = ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port }));
    return rule;
  }

  private checkPeer(prop: string, peer: NetworkPeer | undefined) {
    if (!(peer instanceof NetworkPeer)) throw propError(this.owner, prop, 'a NetworkPeer (NetworkPeer.pods(...), .namespace(...), .ipBlock(...), …)', peer);
    peer._check(this.owner, prop);
  }

  private checkPort(prop: string, p: NetworkPort) {
    const problem = networkPortProblem(p);
    if (problem) throw propError(this.owner, `${prop}.${problem.field}`, problem.expectation, problem.got);
  }
}

/** What is wrong with a rule's port, if anything: its `port` (1–65535) or its `protocol` (TCP, UDP, SCTP). */
export function networkPortProblem(p: NetworkPort): { field: 'port' | 'protocol'; expectation: string; got: unknown } | undefined {
  const port = ValueProblems.integer(1, 65535, p?.port);
  if (port) return { field: 'port', ...port };
  const protocol = p.protocol === undefined ? undefined : ValueProblems.oneOf(PROTOCOLS, p.protocol);
  return protocol ? { field: 'protocol', ...protocol } : undefined;
}

/** Rules with the same peers (as JSON) merge their ports, so the policy lists each peer once; order kept. */
function merge(rules: any[], key: 'from' | 'to'): any[] {
  const out: any[] = [];
  for (const r of rules) {
    const same = out.find((o) => JSON.stringify(o[key]) === JSON.stringify(r[key]));
    if (!same) {
      out.push({ ...r, ...(r.ports ? { ports: [...r.ports] } : {}) });
      continue;
    }
    if (!same.ports || !r.ports) {
      delete same.ports; // one of them allows every port
      continue;
    }
    for (const p of r.ports) if (!same.ports.some((q: any) => q.port === p.port && q.protocol === p.protocol)) same.ports.push(p);
  }
  return out;
}

function title(x: TrafficGroup | NetworkPeer): string {
  return x instanceof NetworkPeer ? x._description : x.name;
}

function portText(p: NetworkPort): string {
  return `${p.port}/${p.protocol ?? 'TCP'}`;
}

function esc(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/\|/g, '#124;');
}

function sortedCopy(m: { [key: string]: string }): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k];
  return out;
}
