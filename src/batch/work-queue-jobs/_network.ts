import { Construct } from 'constructs';
import { TrafficGraph, TrafficGroup } from '../../blocks/_traffic';
import { RecommendedLabels } from '../../core/labels';
import { NetworkPeer } from '../../core/network';

// Internal: the work queue's traffic graph — who talks to the queue server, and nothing else. The server accepts
// only the seeder, the workers, the reaper (and KEDA's operator, whose redis trigger reads the pending list); it
// sends nothing. The library's clients resolve the queue's name through the cluster DNS. Each group's
// NetworkPolicy isolates it for ingress and egress; a worker's own traffic (the store it reads and writes) is the
// user's to allow with `networkPolicy.extraEgress`, which widens the workers' policy only (the other pods run the
// library's code, whose traffic is known).

/** KEDA's operator as its Helm chart installs it: namespace `keda`, pods `app.kubernetes.io/name: keda-operator`. */
export const KEDA_OPERATOR = NetworkPeer.pods({ 'app.kubernetes.io/name': 'keda-operator' }, { 'kubernetes.io/metadata.name': 'keda' });

/** What the graph is drawn from: the parts the mode made. */
export interface QueueTraffic {
  /** The base name of the objects. */
  readonly baseName: string;
  /** The labels of a component's objects (the NetworkPolicy's own labels). */
  readonly labelsOf: (component: string, engineObject: boolean) => { [key: string]: string };
  /** `app.kubernetes.io/name` of the engine's objects (`redis` or `valkey`). */
  readonly engine: string;
  /** The queue (queue modes): its port, whether the construct created its server, and which clients exist. */
  readonly queue?: {
    readonly port: number;
    /** The address when `queueAddress` names an existing server. */
    readonly external?: { readonly host: string };
    readonly seeder: boolean;
    readonly reaper: boolean;
    readonly keda: boolean;
  };
  /** Clients the user named in `networkPolicy.clients` (they may reach the created queue server). */
  readonly clients: NetworkPeer[];
}

/** Adds the work queue's groups and edges to `graph` (the NetworkPolicies are children of `graph`'s owner). */
export function addQueueTraffic(graph: TrafficGraph, scope: Construct, t: QueueTraffic): void {
  const selector = (name: string, component: string) => RecommendedLabels.selector({ name, instance: t.baseName, component });
  const group = (id: string, name: string, component: string, engineObject: boolean, title: string): TrafficGroup =>
    graph.group(scope, id, {
      name, selector: selector(engineObject ? t.engine : t.baseName, component), title, ownCodeOnly: component !== 'worker',
    }, t.labelsOf(component, engineObject));

  const workers = group('WorkersNetworkPolicy', `${t.baseName}-workers`, 'worker', false, 'workers');
  graph.resolvesNames(workers);
  const q = t.queue;
  if (q === undefined) return;
  const clients: TrafficGroup[] = [workers];
  if (q.seeder) clients.push(group('SeederNetworkPolicy', `${t.baseName}-seeder`, 'seeder', true, 'seeder Job'));
  if (q.reaper) clients.push(group('ReaperNetworkPolicy', `${t.baseName}-reaper`, 'reaper', true, 'reaper CronJob'));
  const ports = [{ port: q.port }];
  if (q.external) {
    // An existing server: its address is a name (or an IPv4 address) the library cannot turn into pods.
    const peer = /^\d{1,3}(\.\d{1,3}){3}$/.test(q.external.host) ? NetworkPeer.ipBlock(`${q.external.host}/32`) : NetworkPeer.anywhere();
    for (const c of clients) {
      graph.allowTo(c, peer, ports, 'the queue at queueAddress');
      if (c !== workers) graph.resolvesNames(c);
    }
    return;
  }
  const server = group('QueueNetworkPolicy', `${t.baseName}-${t.engine}`, 'queue', true, `queue server (${t.engine})`);
  for (const c of clients) {
    graph.allow(c, server, ports, c === workers ? 'take, renew, settle (queue.lua)' : c.title);
    if (c !== workers) graph.resolvesNames(c);
  }
  if (q.keda) graph.allowFrom(KEDA_OPERATOR, server, ports, "KEDA's redis trigger (the pending list's length)");
  for (const c of t.clients) graph.allowFrom(c, server, ports, 'networkPolicy.clients (producers)');
}
