/**
 * The pure half of the NetworkPolicy truth tables: the pods, namespaces and policies of a set of synthesized
 * objects, as the Kubernetes API server would hold them once applied (namespace defaulted, `policyTypes`
 * defaulted), and the probes (from pod, to pod, port, protocol) asked of them. `./index.ts` hands them to cyclonus.
 */

export type NetpolProtocol = 'TCP' | 'UDP' | 'SCTP';

/** One port a pod's containers declare (`containerPort`, its `name` and `protocol`). */
export interface NetpolPort {
  readonly port: number;
  readonly name?: string;
  readonly protocol: NetpolProtocol;
}

/**
 * One pod of the model: a workload's pod template (one pod stands for all replicas), a Pod object, or a pod the
 * test adds (a client, Prometheus, the cluster DNS).
 */
export interface NetpolPod {
  /** `namespace/name`: how probes name it. For a workload, `name` is the workload's name. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** Where it came from: `Deployment/ns/name`, or `extra` for a pod the test added. */
  readonly source: string;
  readonly labels: { [key: string]: string };
  readonly ports: NetpolPort[];
  /** The pod IP the model gives it (matched by `ipBlock` peers); set by `podsOf` when not given. */
  readonly ip?: string;
}

/** A pod the test adds to the model (not in the objects). */
export interface ExtraPod {
  readonly namespace: string;
  readonly name: string;
  readonly labels?: { [key: string]: string };
  readonly ports?: Array<{ port: number; name?: string; protocol?: NetpolProtocol }>;
  /** Matched by `ipBlock` peers; default an address in 10.244.0.0/16 (the model's pod network). */
  readonly ip?: string;
}

/** One connection asked about. `from` and `to` are pod ids (`namespace/name`) or names that are unique. */
export interface NetpolProbe {
  readonly from: string;
  readonly to: string;
  /** A port number, or the name of a port the destination declares. */
  readonly port: number | string;
  /** @default 'TCP' */
  readonly protocol?: NetpolProtocol;
}

/** A probe with its pods resolved, its port a number and its protocol set. */
export interface ResolvedProbe {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: NetpolProtocol;
}

/** Options shared by `podsOf`, `policiesOf` and `netpolTruthTable`. */
export interface NetpolModelOptions {
  /** The namespace of objects that name none (what `kubectl apply` without `-n` gives them). @default 'default' */
  readonly defaultNamespace?: string;
  /**
   * Namespace labels (besides `kubernetes.io/metadata.name`, which every namespace has, and the labels of Namespace
   * objects among the objects). A namespace listed here exists in the model even when no pod is in it.
   */
  readonly namespaces?: { [namespace: string]: { [key: string]: string } };
  /** Pods that are not in the objects: clients, Prometheus, the cluster DNS, a stand-in for the API server. */
  readonly extraPods?: ExtraPod[];
}

const PROTOCOLS: NetpolProtocol[] = ['TCP', 'UDP', 'SCTP'];
const WORKLOAD_TEMPLATE: { [kind: string]: (o: any) => any } = {
  Deployment: (o) => o.spec?.template,
  StatefulSet: (o) => o.spec?.template,
  DaemonSet: (o) => o.spec?.template,
  ReplicaSet: (o) => o.spec?.template,
  ReplicationController: (o) => o.spec?.template,
  Job: (o) => o.spec?.template,
  CronJob: (o) => o.spec?.jobTemplate?.spec?.template,
  ScaledJob: (o) => o.spec?.jobTargetRef?.template, // KEDA: the Jobs it starts have this pod template
  Pod: (o) => o,
};

function protocolOf(p: unknown, where: string): NetpolProtocol {
  const v = p ?? 'TCP';
  if (!PROTOCOLS.includes(v as NetpolProtocol)) throw new Error(`${where}: protocol ${JSON.stringify(p)} is not one of ${PROTOCOLS.join(', ')}`);
  return v as NetpolProtocol;
}

/** The model's pod IPs: 10.244.0.1, 10.244.0.2, … in object order (extra pods after the objects' pods). */
function podIp(i: number): string {
  return `10.244.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`;
}

/**
 * The pods of the objects, one per workload pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
 * CronJob, KEDA ScaledJob) or Pod, with the template's labels and every port its containers declare (init containers only when
 * they are sidecars, `restartPolicy: Always`), then `extraPods`. Ids are unique: a workload whose namespace/name is
 * taken by another kind gets `namespace/name~kind`.
 */
export function podsOf(objects: any[], opts: NetpolModelOptions = {}): NetpolPod[] {
  const defaultNs = opts.defaultNamespace ?? 'default';
  const pods: NetpolPod[] = [];
  const ids = new Set<string>();
  const add = (p: Omit<NetpolPod, 'id' | 'ip'> & { ip?: string }, kind: string) => {
    let id = `${p.namespace}/${p.name}`;
    if (ids.has(id)) id = `${id}~${kind}`;
    if (ids.has(id)) throw new Error(`two pods with the id '${id}' (${p.source})`);
    ids.add(id);
    pods.push({ ...p, id, ip: p.ip ?? podIp(pods.length) });
  };
  for (const o of objects) {
    const template = o && WORKLOAD_TEMPLATE[o.kind]?.(o);
    if (!template) continue;
    const namespace = o.metadata?.namespace || defaultNs;
    const name = o.metadata?.name;
    const source = `${o.kind}/${namespace}/${name}`;
    const spec = template.spec ?? {};
    const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always')];
    const ports: NetpolPort[] = [];
    for (const c of containers) {
      for (const p of c.ports ?? []) {
        ports.push({ port: p.containerPort, ...(p.name ? { name: p.name } : {}), protocol: protocolOf(p.protocol, `${source} container ${c.name}`) });
      }
    }
    add({ namespace, name, source, labels: { ...(template.metadata?.labels ?? {}) }, ports }, o.kind);
  }
  for (const e of opts.extraPods ?? []) {
    add({
      namespace: e.namespace,
      name: e.name,
      source: 'extra',
      labels: { ...(e.labels ?? {}) },
      ports: (e.ports ?? []).map((p) => ({ port: p.port, ...(p.name ? { name: p.name } : {}), protocol: protocolOf(p.protocol, `extra pod ${e.namespace}/${e.name}`) })),
      ...(e.ip ? { ip: e.ip } : {}),
    }, 'extra');
  }
  return pods;
}

/**
 * The NetworkPolicies of the objects as the API server stores them: the default namespace filled in, and
 * `policyTypes` defaulted when absent (`Ingress`, plus `Egress` when the spec has egress rules).
 */
export function policiesOf(objects: any[], opts: NetpolModelOptions = {}): any[] {
  const defaultNs = opts.defaultNamespace ?? 'default';
  return objects.filter((o) => o?.kind === 'NetworkPolicy').map((o) => {
    if (o.apiVersion !== 'networking.k8s.io/v1') throw new Error(`NetworkPolicy ${o.metadata?.name}: apiVersion ${o.apiVersion}, expected networking.k8s.io/v1`);
    const spec = { ...(o.spec ?? {}) };
    if (!spec.policyTypes || spec.policyTypes.length === 0) spec.policyTypes = spec.egress ? ['Ingress', 'Egress'] : ['Ingress'];
    return { ...o, metadata: { ...o.metadata, namespace: o.metadata?.namespace || defaultNs }, spec };
  });
}

/**
 * Every namespace of the model with its labels: those of the pods, the policies, Namespace objects and
 * `opts.namespaces`; each has `kubernetes.io/metadata.name` (set by the API server since 1.21).
 */
export function namespacesOf(objects: any[], pods: NetpolPod[], opts: NetpolModelOptions = {}): { [ns: string]: { [k: string]: string } } {
  const out: { [ns: string]: { [k: string]: string } } = {};
  const ensure = (ns: string) => (out[ns] ??= { 'kubernetes.io/metadata.name': ns });
  for (const p of pods) ensure(p.namespace);
  for (const p of policiesOf(objects, opts)) ensure(p.metadata.namespace);
  for (const o of objects) {
    if (o?.kind === 'Namespace' && o.metadata?.name) Object.assign(ensure(o.metadata.name), o.metadata.labels ?? {});
  }
  for (const [ns, labels] of Object.entries(opts.namespaces ?? {})) Object.assign(ensure(ns), labels);
  return out;
}

/** Find a pod by id (`namespace/name`) or by a name that only one pod has. */
export function findPod(pods: NetpolPod[], ref: string): NetpolPod {
  const byId = pods.find((p) => p.id === ref);
  if (byId) return byId;
  const byName = pods.filter((p) => p.name === ref);
  if (byName.length === 1) return byName[0];
  const known = pods.map((p) => p.id).join(', ');
  throw new Error(byName.length === 0 ? `no pod '${ref}' in the model (pods: ${known})` : `pod name '${ref}' is ambiguous: ${byName.map((p) => p.id).join(', ')}`);
}

/** A probe with pod ids, a port number (a named port looked up on the destination) and a protocol. */
export function resolveProbe(pods: NetpolPod[], probe: NetpolProbe): ResolvedProbe {
  const from = findPod(pods, probe.from);
  const to = findPod(pods, probe.to);
  const protocol = protocolOf(probe.protocol, `probe ${probe.from} → ${probe.to}`);
  let port: number;
  if (typeof probe.port === 'string') {
    const named = to.ports.filter((p) => p.name === probe.port && p.protocol === protocol);
    if (named.length !== 1) throw new Error(`probe ${from.id} → ${to.id}: ${to.id} declares no ${protocol} port named '${probe.port}'`);
    port = named[0].port;
  } else {
    port = probe.port;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`probe ${from.id} → ${to.id}: port ${probe.port} is not 1-65535`);
  return { from: from.id, to: to.id, port, protocol };
}

/**
 * Every probe between the pods: from each pod (itself included: another replica of the same workload) to each
 * port every other pod declares. With `netpolTruthTable`, the whole reachability of the declared ports.
 */
export function allProbes(pods: NetpolPod[]): ResolvedProbe[] {
  const out: ResolvedProbe[] = [];
  for (const from of pods) {
    for (const to of pods) {
      const seen = new Set<string>();
      for (const p of to.ports) {
        const k = `${p.port}/${p.protocol}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push({ from: from.id, to: to.id, port: p.port, protocol: p.protocol });
      }
    }
  }
  return out;
}

/** `from → to port/PROTOCOL`: one line per probe, for readable comparisons in tests. */
export function probeKey(p: ResolvedProbe): string {
  return `${p.from} → ${p.to} ${p.port}/${p.protocol}`;
}
