/**
 * What a tier-2 proof of an example's NetworkPolicies shares: the example's objects (strictly validated) and the
 * stand-ins for the pods around it (the cluster DNS and whatever the example names: scrapers, an ingress
 * controller, a stranger), their truth table computed by cyclonus, and the connections among the stand-ins — which
 * no policy selects, so each reaches every port another declares. The proof then says the rest: the pattern's
 * intended graph, edge by edge.
 */
import { Chart } from 'cdk8s';
import { cyclonusVersion, netpolTruthTable, NetpolTruthTable } from '.';
import { assertValid } from '..';
import { ExtraPod } from './model';

/** The cluster DNS as the library's default `networkPolicy.dns` selects it (CoreDNS, labelled as kubeadm does). */
export const CLUSTER_DNS: ExtraPod = {
  namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }],
};

/** The connections of `from` to the cluster DNS, as `probeKey` lines. */
export function dnsFrom(from: string): string[] {
  return [`${from} → kube-system/coredns 53/TCP`, `${from} → kube-system/coredns 53/UDP`];
}

/** The result of `exampleTruthTable`. */
export interface ExampleTruthTable extends NetpolTruthTable {
  /** The allowed connections among the stand-ins (every stand-in to every port a stand-in declares), sorted. */
  readonly amongStandIns: string[];
  /** One line for the test log: the cyclonus version and the counts. */
  readonly summary: string;
}

/** The truth table of the charts' objects with `CLUSTER_DNS` and `standIns`, every pod to every declared port. */
export function exampleTruthTable(what: string, charts: Chart[], standIns: ExtraPod[]): ExampleTruthTable {
  const objects = charts.flatMap((c) => c.toJson());
  assertValid(objects);
  const extraPods = [CLUSTER_DNS, ...standIns];
  const t = netpolTruthTable(objects, undefined, { extraPods });
  const ids = extraPods.map((p) => `${p.namespace}/${p.name}`);
  const amongStandIns = ids.flatMap((from) => extraPods.flatMap((to) => (to.ports ?? [])
    .map((p) => `${from} → ${to.namespace}/${to.name} ${p.port}/${p.protocol ?? 'TCP'}`))).sort();
  const summary = `${what}, cyclonus ${cyclonusVersion()}: ${t.pods.length} pods, ${t.results.length} probes, ${t.allowed.length} allowed`;
  return { ...t, amongStandIns, summary };
}
