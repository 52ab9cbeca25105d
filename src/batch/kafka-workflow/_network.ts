import { Construct } from 'constructs';
import { GraphStage } from './_graph';
import { TrafficGraph, TrafficGroup } from '../../blocks/_traffic';
import { NetworkPeer, NetworkPort, NetworkRule } from '../../core/network';
import { KEDA_OPERATOR } from '../work-queue-jobs/_network';

// Internal: the workflow's traffic graph, drawn from the same stages as its data-flow graph (each `GraphStage`
// becomes a pod group whose only traffic is to the brokers). Who talks to whom:
// - every stage → the brokers' client port (it reads and writes its topics there), and the cluster DNS;
// - the topics Job → the brokers' client port, and DNS;
// - embedded brokers ↔ brokers (client port for replication, controller port for the KRaft quorum), and DNS (the
//   quorum is addressed by pod DNS names); the producers of `networkPolicy.clients` → the client port; KEDA's
//   operator → the client port when a stage autoscales (its kafka trigger reads the consumer group's lag);
// - monitoring → the stream processor's HTTP port (`/metrics`) of the stages that run it.
// A Strimzi cluster's brokers are the operator's pods: the stages reach them by Strimzi's labels, and Strimzi's own
// NetworkPolicies (one per listener) decide who reaches them. An external cluster's brokers are addresses the
// library cannot turn into pods: any address on the bootstrap ports.

/** The stream processor's HTTP port (`/ping`, `/ready`, `/metrics`). */
const BENTO_HTTP_PORT = 4195;

/** Where the stages find the brokers, as the traffic graph sees them. */
export interface WorkflowBrokers {
  /** The embedded brokers' pod group (its policy is the workflow's). */
  readonly group?: TrafficGroup;
  /** The brokers as a peer (Strimzi's pods, or any address for an external cluster). */
  readonly peer?: NetworkPeer;
  /** The ports the stages connect to. */
  readonly ports: NetworkPort[];
}

/** What the brokers' part of the graph is drawn from: the cluster the workflow bound. */
export interface ClusterTraffic {
  readonly baseName: string;
  /** The embedded brokers: their selector and labels, the client and controller ports. */
  readonly embedded?: {
    readonly selector: { [key: string]: string };
    readonly labels: { [key: string]: string };
    readonly port: number;
    readonly controllerPort: number;
  };
  /** The Strimzi `Kafka`'s name and its listener's port. */
  readonly strimzi?: { readonly cluster: string; readonly port: number };
  /** The bootstrap addresses (`host:port`). */
  readonly bootstrapServers: string[];
  /** Producers the user named (`networkPolicy.clients`): they may reach the embedded brokers. */
  readonly clients: NetworkPeer[];
}

/** Adds the brokers (a group for the embedded cluster, a peer otherwise) and their own edges. */
export function addBrokerTraffic(graph: TrafficGraph, scope: Construct, t: ClusterTraffic): WorkflowBrokers {
  if (t.embedded) {
    const e = t.embedded;
    const brokers = graph.group(scope, 'KafkaNetworkPolicy', { name: `${t.baseName}-kafka`, selector: e.selector, title: 'Kafka brokers (embedded, KRaft)', ownCodeOnly: true }, e.labels);
    graph.allow(brokers, brokers, [{ port: e.port }, { port: e.controllerPort }], 'replication (client port) and the KRaft quorum (controller port)');
    graph.resolvesNames(brokers);
    for (const c of t.clients) graph.allowFrom(c, brokers, [{ port: e.port }], 'networkPolicy.clients (producers)');
    return { group: brokers, ports: [{ port: e.port }] };
  }
  if (t.strimzi) {
    return { peer: strimziBrokers(t.strimzi.cluster), ports: [{ port: t.strimzi.port }] };
  }
  const ports = [...new Set(t.bootstrapServers.map((b) => Number(b.slice(b.lastIndexOf(':') + 1))))].map((port) => ({ port }));
  return { peer: NetworkPeer.anywhere(), ports };
}

/** The pods of a Strimzi `Kafka` named `cluster` (brokers and controllers carry these labels). */
export function strimziBrokers(cluster: string): NetworkPeer {
  return NetworkPeer.pods({ 'strimzi.io/cluster': cluster, 'strimzi.io/kind': 'Kafka' });
}

/** `client` (the topics Job, a stage) reaches the brokers and resolves their names. */
export function toBrokers(graph: TrafficGraph, client: TrafficGroup, brokers: WorkflowBrokers, why: string): void {
  if (brokers.group) graph.allow(client, brokers.group, brokers.ports, why);
  else graph.allowTo(client, brokers.peer!, brokers.ports, why);
  graph.resolvesNames(client);
}

/** What a stage's part of the graph is drawn from: its node of the workflow's graph and its pods. */
export interface StageTraffic {
  /** The stage as the data-flow graph has it (the same model the blueprint is drawn from). */
  readonly stage: GraphStage;
  /** The NetworkPolicy name (the Deployment's). */
  readonly name: string;
  readonly selector: { [key: string]: string };
  readonly labels: { [key: string]: string };
  /** KEDA scales it (its operator reads the lag from the brokers). */
  readonly autoscaled: boolean;
  /** Where it calls out besides the brokers (an HTTP call stage's target). */
  readonly call?: NetworkRule;
}

/** Adds a stage's group: to the brokers and DNS; its metrics port to monitoring (the stream processor's stages). */
export function addStageTraffic(graph: TrafficGraph, scope: Construct, brokers: WorkflowBrokers, s: StageTraffic, kedaAllowed: boolean): void {
  // Stages run your code (a custom image, or your Bloblang): `extraEgress` widens them.
  const group = graph.group(scope, 'NetworkPolicy', { name: s.name, selector: s.selector, title: `stage ${s.stage.name} (${s.stage.label})` }, s.labels);
  toBrokers(graph, group, brokers, `reads ${s.stage.inputs.join(', ')}; writes ${s.stage.outputs.join(', ') || 'nothing'}`);
  if (s.call) graph.allowTo(group, s.call.peer, [...(s.call.ports ?? [])], 'the HTTP call it makes for each message');
  if (!s.stage.custom) graph.metrics(group, [{ port: BENTO_HTTP_PORT }], 'the stream processor\'s /metrics');
  if (s.autoscaled && brokers.group && !kedaAllowed) graph.allowFrom(KEDA_OPERATOR, brokers.group, brokers.ports, "KEDA's kafka trigger (the consumer groups' lag)");
}
