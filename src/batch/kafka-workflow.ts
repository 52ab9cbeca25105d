import { createHash } from 'crypto';
import { Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { applyPodOptions, checkPodOptions } from '../blocks/_pod-options';
import { RestrictedWorkloads } from '../blocks/_restricted-workload';
import { networkPortProblem, TrafficGraph } from '../blocks/_traffic';
import { StatefulShards } from '../blocks/stateful-shards';
import { KafkaConfig } from '../config/kafka';
import { StreamConfigProblem, StreamProcessorConfig } from '../config/stream-processor';
import { StreamStageCommonOptions } from '../config/stream-processor-options';
import { assertNotSynthesized } from '../core/_app-checks';
import { ResourceQuantities, resourcesOr } from '../core/_resources';
import { checkResources } from '../core/_rules';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { NetworkPeer, NetworkPolicyOptions, NetworkRule } from '../core/network';
import { PodOptions } from '../core/pod-options';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { StrimziKafka, StrimziKafkaNodePool } from '../crds/strimzi';
import { kafkaAuthProgram } from '../runtime/kafka-auth';
import { declaredList, firstUndeclared, GraphModel, graphMermaid, graphProblems } from './kafka-workflow/_graph';
import { addBrokerTraffic, addStageTraffic, toBrokers, WorkflowBrokers } from './kafka-workflow/_network';
import { KAFKA_CA_FILE, KAFKA_CLIENT_PROPERTIES, wireTopicsJobSecurity } from './kafka-workflow/_security';
import { KafkaCluster } from './kafka-workflow/cluster';
import { KafkaSecurity } from './kafka-workflow/security';
import { KafkaStage, KafkaStageKind } from './kafka-workflow/stage';
import {
  CopierStageOptions, CustomStageOptions, FilterStageOptions, HttpCallStageOptions, JoinStageOptions, KafkaStageOptions, MergerStageOptions,
  ReduceStageOptions, SharderStageOptions, SplitterStageOptions, StreamStageOptions,
} from './kafka-workflow/stage-options';
import { KafkaTopicOptions, KafkaWorkflowTopic } from './kafka-workflow/topic';

const TOPICS_SCRIPT_DIR = '/etc/kafka-workflow-topics';
/** The kafka-auth program's file in the topics ConfigMap (with SASL_SSL). */
const KAFKA_AUTH_FILE = 'kafka-auth.sh';
/** The resources of the topics Job's init container that writes its client properties (a shell and sed). */
const TOPICS_AUTH_INIT_RESOURCES: ResourceQuantities = { cpu: ['10m', '100m'], memory: ['8Mi', '32Mi'] };
/** Label keys the library owns on the workflow's pods besides `app.kubernetes.io/*` (the stage selector label). */
const OWNED_LABEL_PREFIX = 'cdk8s-distributed-patterns/';
/** The longest base name: leaves room for `-<stage>` (a stage name is at least 1 character) and `-kafka`. */
const MAX_BASE_NAME = 40;

/**
 * Props of `KafkaWorkflow`.
 */
export interface KafkaWorkflowProps {
  /**
   * The Kafka cluster.
   *
   * @default KafkaCluster.embedded()
   */
  readonly cluster?: KafkaCluster;
  /**
   * The base of every object name (at most 40 characters).
   *
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * A declared topic for the messages a stage fails to process (see `StreamStageCommonOptions.deadLetterTopic`).
   *
   * @default - a failed message is retried: its stage stops advancing on its partition
   */
  readonly deadLetterTopic?: string;
  /**
   * Image overrides (`kafka`, `bento`).
   *
   * @default - the defaults of `ContainerImages`
   */
  readonly images?: ImageOverrides;
  /**
   * Pod options for every pod the workflow makes: the embedded brokers (StatefulSet), the topics Job, every
   * stage's Deployment. With a Strimzi cluster they also go into the `Kafka`'s pod templates (brokers and entity
   * operator), where Strimzi has no `nodeSelector` and no ServiceAccount of yours: those are refused there.
   *
   * @default - none
   */
  readonly pod?: PodOptions;
  /**
   * Resources of the topics Job's container (the Kafka CLI).
   *
   * @default - requests 100m CPU and 384 MiB, limits 1 CPU and 512 MiB; ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly topicsJobResources?: kplus.ContainerResources;
  /**
   * `app.kubernetes.io/part-of` of every object of the workflow.
   *
   * @default - the app-wide `RecommendedLabels.PART_OF_CONTEXT_KEY` context value, else the base name
   */
  readonly partOf?: string;
  /**
   * The NetworkPolicies: one per pod group (each stage, the topics Job, the embedded brokers), each a default deny
   * for ingress and egress plus exactly the workflow's own traffic — every stage and the topics Job reach the
   * brokers' client port and the cluster DNS; the embedded brokers accept them, each other (client and KRaft
   * controller ports), KEDA's operator (namespace `keda`, pods `app.kubernetes.io/name: keda-operator`) when a stage
   * autoscales, and `clients` (none by default: producers that write the source topics) on the client port.
   * `monitoring` may scrape the stream processor's `/metrics` (port 4195) of the stages that run it. With a Strimzi
   * cluster the stages reach the pods labelled `strimzi.io/cluster: <name>`, `strimzi.io/kind: Kafka` on the
   * listener's port, and the brokers' ingress is Strimzi's (the operator writes a NetworkPolicy per listener): no
   * policy of the workflow selects them, and `clients` must be unset. With an external cluster the stages and the
   * topics Job reach any address on the bootstrap ports (the brokers' addresses are not pods the library knows);
   * `clients` must be unset. A stage runs your code (your image, or your Bloblang): `extraEgress` widens the stages'
   * policies only (the topics Job and the brokers run the library's code); `extraIngress` widens every one.
   *
   * @default - on; nobody but the workflow's own pods reaches the brokers
   */
  readonly networkPolicy?: NetworkPolicyOptions;
}

/**
 * A workflow of event queues (the book's chapters 11 and 12): a Kafka cluster, its topics, and stages between
 * topics — copier, filter, splitter, sharder, merger, join, reduce, and custom programs — each a Deployment of the
 * stream processor (Bento) with its own consumer group, or of your own image.
 *
 * The graph is checked at synthesis: every topic a stage reads is written by a stage or declared a source, every
 * topic written is read by a stage or declared a sink, no cycles unless a stage on them allows one. `toMermaid()`
 * draws it. A NetworkPolicy per pod group allows exactly the workflow's own traffic (`networkPolicy`), drawn by
 * `networkMermaid()`.
 *
 * One vocabulary for every stage kind: a topic a stage reads is its `input` (or `inputs`, a list), a topic it writes
 * its `output` (or `outputs`), a secondary output `<what>Output` (`unmatchedOutput`, `expiredOutput`), and a
 * splitter route's topic the route's `output`.
 *
 * ```ts
 * const wf = new KafkaWorkflow(chart, 'photos');
 * wf.addTopic('uploads', { partitions: 6, source: true });
 * wf.addTopic('images', { partitions: 6, sink: true });
 * wf.addFilter('valid', { input: 'uploads', output: 'images', condition: 'this.size_bytes < 20000000' });
 * ```
 */
export class KafkaWorkflow extends Construct {
  /**
   * The object name of a topic's Strimzi `KafkaTopic`: the topic name when it is a DNS-1123 subdomain, else a
   * lowercase form of it with a hash suffix (and the real name goes into `spec.topicName`).
   */
  public static topicObjectName(topic: string): string {
    return KafkaWorkflowTopic._objectName(topic);
  }

  /** The base of every object name. */
  public readonly baseName: string;
  /** The cluster. */
  public readonly cluster: KafkaCluster;
  /** The bootstrap addresses the stages use. */
  public readonly bootstrapServers: string[];
  /** The dead-letter topic, if any. */
  public readonly deadLetterTopic?: string;
  /** The embedded cluster's nodes. */
  public readonly kafkaNodes?: StatefulShards;
  /** The Strimzi `Kafka`. */
  public readonly strimziKafka?: StrimziKafka;
  /** The Strimzi `KafkaNodePool`. */
  public readonly strimziNodePool?: StrimziKafkaNodePool;
  /** The Job that creates the topics (embedded, or external with `createTopics`). */
  public readonly topicsJob?: kplus.Job;
  /** The number of brokers, when known. */
  public readonly brokers?: number;
  /**
   * The brokers' `min.insync.replicas`, which every topic without its own setting must have at least as many
   * replicas as. For an external cluster without `minInsyncReplicas`, Kafka's default (1) is assumed.
   */
  public readonly brokerMinInsyncReplicas: number;
  /**
   * `app.kubernetes.io/part-of` of every object.
   *
   * @internal
   */
  public readonly _partOf: string;
  /**
   * Image overrides.
   *
   * @internal
   */
  public readonly _images?: ImageOverrides;
  /**
   * The pod options (checked).
   *
   * @internal
   */
  public readonly _pod: PodOptions;

  private readonly topicMap = new Map<string, KafkaWorkflowTopic>();
  /** The traffic graph the NetworkPolicies (and `networkMermaid()`) are made from. */
  private readonly traffic: TrafficGraph;
  /** Where the stages find the brokers, in the traffic graph. */
  private readonly trafficBrokers: WorkflowBrokers;
  /** KEDA's operator may already reach the embedded brokers (an earlier stage autoscales). */
  private kedaAllowed = false;
  private readonly stageMap = new Map<string, KafkaStage>();
  private readonly strimziCluster?: string;
  private readonly remoteStorage?: boolean;
  /** The embedded brokers' SASL_SSL, which every client of the workflow uses; unset: PLAINTEXT. */
  private readonly security?: KafkaSecurity;
  private readonly topicsJobResources: kplus.ContainerResources;
  /** What the blueprint says about the cluster. */
  private readonly clusterDescription: string;
  /** The parent of the topics (topic names may be any case, stage names are lowercase: they cannot collide). */
  private readonly topicScope: Construct;

  /**
   * @param scope the parent construct
   * @param id the construct id; unless a `name` prop says otherwise, object names derive from the construct path
   * @param props the properties
   */
  constructor(scope: Construct, id: string, props: KafkaWorkflowProps = {}) {
    super(scope, id);
    this.topicScope = new Construct(this, 'Topics');
    this.baseName = ResourceNames.baseName(this, props.name, MAX_BASE_NAME);
    if (props.cluster !== undefined && !KafkaCluster._isCluster(props.cluster)) {
      throw propError(this, 'cluster', 'a KafkaCluster (KafkaCluster.embedded(), .strimzi(), .external({ bootstrapServers }))', props.cluster);
    }
    this.cluster = props.cluster ?? KafkaCluster.embedded();
    this._images = props.images;
    this._partOf = RecommendedLabels.partOf(this, this.baseName, props.partOf);
    this._pod = checkPodOptions(this, 'pod', props.pod);
    const owned = Object.keys(this._pod.labels ?? {}).find((k) => k.startsWith(OWNED_LABEL_PREFIX));
    if (owned !== undefined) throw propError(this, 'pod.labels', `free of '${OWNED_LABEL_PREFIX}*' keys (the stages select their pods by them)`, owned);
    this.topicsJobResources = resourcesOr(checkResources(this, 'topicsJobResources', props.topicsJobResources), { cpu: ['100m', '1'], memory: ['384Mi', '512Mi'] });

    this.traffic = new TrafficGraph(this, 'networkPolicy', props.networkPolicy);
    const bound = this.cluster._bind(this);
    this.brokers = bound.brokers;
    this.brokerMinInsyncReplicas = bound.minInsyncReplicas;
    this.remoteStorage = bound.remoteStorage;
    this.bootstrapServers = bound.bootstrapServers;
    this.kafkaNodes = bound.kafkaNodes;
    this.strimziKafka = bound.strimziKafka;
    this.strimziNodePool = bound.strimziNodePool;
    this.strimziCluster = bound.strimziCluster;
    this.security = bound.security;
    this.clusterDescription = bound.minInsyncReplicasAssumed ? `${bound.description} (min.insync.replicas assumed 1)` : bound.description;
    if (bound.createTopics) this.topicsJob = this.topicJob();
    const clients = props.networkPolicy?.clients ?? [];
    if (clients.length > 0 && this.kafkaNodes === undefined) {
      throw propError(this, 'networkPolicy.clients', `unset with ${this.strimziCluster !== undefined
        ? 'a Strimzi cluster (Strimzi\'s own NetworkPolicies decide who reaches its brokers: its listener\'s networkPolicyPeers)'
        : 'an external cluster (its brokers are not pods of the workflow)'}`, clients.map((c) => c?._description));
    }
    const kafkaVersion = RecommendedLabels.versionOf(ContainerImages.resolve(this, ImageKey.KAFKA, this._images));
    this.trafficBrokers = addBrokerTraffic(this.traffic, this, {
      baseName: this.baseName,
      embedded: this.kafkaNodes === undefined ? undefined : {
        selector: this.kafkaNodes.selector,
        labels: this._labelsOf('kafka', 'broker', kafkaVersion),
        port: bound.clientPort!,
        controllerPort: bound.controllerPort!,
      },
      strimzi: this.strimziCluster === undefined ? undefined : { cluster: this.strimziCluster, port: bound.clientPort! },
      bootstrapServers: this.bootstrapServers,
      clients,
    });
    if (this.topicsJob !== undefined) {
      const topics = this.traffic.group(this, 'TopicsNetworkPolicy', {
        name: `${this.baseName}-topics`,
        selector: RecommendedLabels.selector({ name: 'kafka', instance: this.baseName, component: 'topics' }),
        title: 'topics Job (kafka-topics.sh)',
        ownCodeOnly: true,
      }, this._labelsOf('kafka', 'topics', kafkaVersion));
      toBrokers(this.traffic, topics, this.trafficBrokers, 'creates the topics');
    }

    if (props.deadLetterTopic !== undefined) {
      const problem = KafkaConfig.topicNameProblem(props.deadLetterTopic);
      if (problem) throw propError(this, 'deadLetterTopic', 'a Kafka topic name', props.deadLetterTopic);
      this.deadLetterTopic = props.deadLetterTopic;
    }
    // at synthesis, each problem names the workflow (checkGraph() gives the bare sentences)
    this.node.addValidation({ validate: () => this.checkGraph().map((p) => `${PropCheck.where(this)}: ${p}`) });
  }

  /**
   * Declares a topic. Its name must be one Kafka accepts (1 to 249 characters of `[a-zA-Z0-9._-]`, not `.` or
   * `..`), not collide with another (Kafka treats `.` and `_` alike), and its replication factor must not exceed
   * the brokers.
   */
  public addTopic(name: string, options: KafkaTopicOptions = {}): KafkaWorkflowTopic {
    assertNotSynthesized(this, 'addTopic()');
    return this.declareTopic(name, options, undefined);
  }

  /** A copier: every message of `input` to each of `outputs`. */
  public addCopier(name: string, options: CopierStageOptions): KafkaStage {
    assertNotSynthesized(this, 'addCopier()');
    checkStageOptions(this, name, options);
    return this.addStage({
      name,
      kind: KafkaStageKind.COPIER,
      options,
      inputs: [options.input],
      outputs: list(options.outputs),
      bento: bento(StreamProcessorConfig.copierProblem, StreamProcessorConfig.copier, { outputs: options.outputs }),
    });
  }

  /** A filter: the messages of `input` for which `condition` holds, to `output`. */
  public addFilter(name: string, options: FilterStageOptions): KafkaStage {
    assertNotSynthesized(this, 'addFilter()');
    checkStageOptions(this, name, options);
    return this.addStage({
      name,
      kind: KafkaStageKind.FILTER,
      options,
      inputs: [options.input],
      outputs: [options.output],
      bento: bento(StreamProcessorConfig.filterProblem, StreamProcessorConfig.filter, { output: options.output, condition: options.condition }),
    });
  }

  /**
   * A splitter: each message of `input` to the first route whose condition holds (every such route with `copy`),
   * the others to `unmatchedOutput`.
   */
  public addSplitter(name: string, options: SplitterStageOptions): KafkaStage {
    assertNotSynthesized(this, 'addSplitter()');
    checkStageOptions(this, name, options);
    const routes = list(options.routes).filter((r) => r !== null && typeof r === 'object');
    const unmatched = options.unmatchedOutput;
    const outputs = [...new Set([...routes.map((r) => r.output), ...(unmatched !== undefined ? [unmatched] : [])])];
    const edgeLabels: { [topic: string]: string } = {};
    routes.forEach((r, i) => {
      edgeLabels[r.output] = edgeLabels[r.output] ? `${edgeLabels[r.output]} or ${r.condition}` : `${i + 1}: ${r.condition}`;
    });
    if (unmatched !== undefined) edgeLabels[unmatched] = edgeLabels[unmatched] ? `${edgeLabels[unmatched]} or unmatched` : 'unmatched';
    return this.addStage({
      name,
      kind: KafkaStageKind.SPLITTER,
      options,
      inputs: [options.input],
      outputs,
      edgeLabels,
      label: () => (options.copy ? 'splitter (copy)' : 'splitter'),
      bento: bento(StreamProcessorConfig.splitterProblem, StreamProcessorConfig.splitter, {
        routes: options.routes, copy: options.copy, unmatchedOutput: options.unmatchedOutput,
      }),
    });
  }

  /** A sharder: each message of `input` to `outputs[fnv1_32(key) % outputs.length]`. */
  public addSharder(name: string, options: SharderStageOptions): KafkaStage {
    assertNotSynthesized(this, 'addSharder()');
    checkStageOptions(this, name, options);
    const shards = list(options.outputs);
    const edgeLabels: { [topic: string]: string } = {};
    shards.forEach((t, i) => { edgeLabels[t] = `shard ${i}`; });
    return this.addStage({
      name,
      kind: KafkaStageKind.SHARDER,
      options,
      inputs: [options.input],
      outputs: shards,
      edgeLabels,
      bento: bento(StreamProcessorConfig.sharderProblem, StreamProcessorConfig.sharder, { key: options.key, outputs: options.outputs }),
    });
  }

  /** A merger: the messages of every input to `output`. */
  public addMerger(name: string, options: MergerStageOptions): KafkaStage {
    assertNotSynthesized(this, 'addMerger()');
    checkStageOptions(this, name, options);
    if (!Array.isArray(options.inputs) || options.inputs.length < 2) throw this.stageError(name, 'inputs', 'a list of at least 2 topics', options.inputs);
    return this.addStage({
      name,
      kind: KafkaStageKind.MERGER,
      options,
      inputs: options.inputs,
      outputs: [options.output],
      bento: bento(StreamProcessorConfig.mergerProblem, StreamProcessorConfig.merger, { output: options.output }),
    });
  }

  /**
   * A join (barrier): parts with the same `batchKey` are held until `count` (or `countQuery`) distinct parts have
   * arrived, then one message `{"key", "parts": […]}` goes to `output`. Incomplete batches wait in the stage's
   * pending topic (declared with the workflow's topics), so a restart loses nothing. See
   * `StreamProcessorConfig.join`.
   */
  public addJoin(name: string, options: JoinStageOptions): KafkaStage {
    assertNotSynthesized(this, 'addJoin()');
    checkStageOptions(this, name, options);
    const pendingTopic = options.pendingTopic ?? `${name}.pending`;
    const edgeLabels: { [topic: string]: string } = { [options.output]: 'complete batches' };
    if (options.expiredOutput !== undefined) edgeLabels[options.expiredOutput] = 'timed out';
    return this.addStage({
      name,
      kind: KafkaStageKind.JOIN,
      options,
      inputs: list(options.inputs),
      stateful: true,
      pendingTopic,
      edgeLabels,
      outputs: [options.output, ...(options.expiredOutput !== undefined ? [options.expiredOutput] : [])],
      label: () => `join (${options.count !== undefined ? `${options.count} parts` : 'n parts'})`,
      bento: bento(StreamProcessorConfig.joinProblem, StreamProcessorConfig.join, {
        output: options.output,
        batchKey: options.batchKey,
        count: options.count,
        countQuery: options.countQuery,
        partKey: options.partKey,
        window: options.window,
        timeout: options.timeout,
        pendingTopic,
        expiredOutput: options.expiredOutput,
        maxInFlightPerPartition: options.maxInFlightPerPartition,
      }),
    });
  }

  /** A reduce: one aggregate message per key and window, to `output`. See `StreamProcessorConfig.reduce`. */
  public addReduce(name: string, options: ReduceStageOptions): KafkaStage {
    assertNotSynthesized(this, 'addReduce()');
    checkStageOptions(this, name, options);
    const window = options.window ?? Duration.minutes(1);
    return this.addStage({
      name,
      kind: KafkaStageKind.REDUCE,
      options,
      inputs: [options.input],
      outputs: [options.output],
      stateful: true,
      label: () => `reduce (${formatDuration(window)} windows)`,
      bento: bento(StreamProcessorConfig.reduceProblem, StreamProcessorConfig.reduce, {
        output: options.output,
        key: options.key,
        aggregations: options.aggregations,
        window,
        maxInFlightPerPartition: options.maxInFlightPerPartition,
      }),
    });
  }

  /**
   * An HTTP call: each message of `input` is POSTed to `url` and the answer goes to every route whose condition
   * holds; bounded attempts, then the dead-letter topic (see `StreamProcessorConfig.httpCall`). `FunctionPipeline`
   * delivers events through Kafka with one such stage per function.
   */
  public addHttpCall(name: string, options: HttpCallStageOptions): KafkaStage {
    assertNotSynthesized(this, 'addHttpCall()');
    checkStageOptions(this, name, options);
    const routes = list(options.routes ?? []).filter((r) => r !== null && typeof r === 'object');
    const edgeLabels: { [topic: string]: string } = {};
    for (const r of routes) if (r.condition !== 'true') edgeLabels[r.output] = r.condition;
    return this.addStage({
      name,
      kind: KafkaStageKind.HTTP_CALL,
      options,
      inputs: [options.input],
      outputs: [...new Set(routes.map((r) => r.output))],
      edgeLabels,
      label: () => `http call: ${options.url}`,
      call: () => this.callRule(name, options),
      bento: bento(StreamProcessorConfig.httpCallProblem, StreamProcessorConfig.httpCall, {
        url: options.url, routes: options.routes, attempts: options.attempts, retryPeriod: options.retryPeriod, timeout: options.timeout,
      }),
    });
  }

  /** An HTTP call stage's egress besides the brokers: `callTarget`, or any address on the URL's port. */
  private callRule(name: string, options: HttpCallStageOptions): NetworkRule {
    const t = options.callTarget;
    if (t === undefined) {
      const url = new URL(options.url);
      return { peer: NetworkPeer.anywhere(), ports: [{ port: url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 }] };
    }
    if (t === null || typeof t !== 'object' || !(t.peer instanceof NetworkPeer)) {
      throw this.stageError(name, 'callTarget', 'a NetworkRule ({ peer: NetworkPeer.pods(…), ports: [{ port }] })', t);
    }
    if (t.ports !== undefined && !Array.isArray(t.ports)) throw this.stageError(name, 'callTarget.ports', 'a list of { port, protocol? }', t.ports);
    (t.ports ?? []).forEach((p, i) => {
      const problem = networkPortProblem(p);
      if (problem) throw this.stageError(name, `callTarget.ports[${i}].${problem.field}`, problem.expectation, problem.got);
    });
    return t;
  }

  /**
   * A stage that runs your container. Its program finds the topics, the consumer group and the bootstrap addresses
   * in its environment (`CustomStageEnv`): it must read `KAFKA_INPUT_TOPICS` in the consumer group
   * `KAFKA_CONSUMER_GROUP` (so that the replicas share the partitions and KEDA can read the lag) and write only to
   * `KAFKA_OUTPUT_TOPICS`.
   */
  public addCustom(name: string, options: CustomStageOptions): KafkaStage {
    assertNotSynthesized(this, 'addCustom()');
    checkStageOptions(this, name, options);
    if (!Array.isArray(options.inputs) || options.inputs.length < 1) throw this.stageError(name, 'inputs', 'a list of at least 1 topic', options.inputs);
    if (!Array.isArray(options.outputs)) throw this.stageError(name, 'outputs', 'a list of topics', options.outputs);
    return this.addStage({
      name,
      kind: KafkaStageKind.CUSTOM,
      options,
      inputs: options.inputs,
      outputs: options.outputs,
      container: options.container,
      label: () => `custom: ${String(options.container?.image)}`,
    });
  }

  /** The topics, in declaration order (join pending topics included). */
  public get topics(): KafkaWorkflowTopic[] {
    return [...this.topicMap.values()];
  }

  /** The stages, in the order they were added. */
  public get stages(): KafkaStage[] {
    return [...this.stageMap.values()];
  }

  /** The topic named `name`, or undefined. */
  public topic(name: string): KafkaWorkflowTopic | undefined {
    return this.topicMap.get(name);
  }

  /** The stage named `name`, or undefined. */
  public stage(name: string): KafkaStage | undefined {
    return this.stageMap.get(name);
  }

  /**
   * The problems of the graph, one sentence each (empty when there are none): a topic read that nothing writes and
   * that is not a source, a topic written that nothing reads and that is not a sink, a topic nothing uses, a cycle
   * that no stage on it allows. Also run at synthesis, where any problem fails it.
   */
  public checkGraph(): string[] {
    return graphProblems(this.graph());
  }

  /**
   * The graph as a Mermaid flowchart: topics as cylinders (sources and sinks marked), stages as hexagons (custom
   * stages as subroutines) with their kind and replicas, edges labelled with routes and shards; a join's pending
   * topic hangs off it with dotted edges. Deterministic: the same workflow gives the same text.
   *
   * @see https://mermaid.js.org/syntax/flowchart.html
   */
  public toMermaid(): string {
    return graphMermaid(this.graph(), `KafkaWorkflow ${this.baseName}: ${this.clusterDescription}`);
  }

  /**
   * Lets `peer` reach the embedded brokers' client port, as `networkPolicy.clients` does: for producers and consumers
   * outside the workflow that another construct wires to its topics (e.g. a function pipeline delivering through
   * them). With a Strimzi or external cluster nothing is added and the answer is false: the brokers' ingress is not
   * the workflow's (Strimzi's own NetworkPolicies, or the external cluster's network).
   *
   * @param peer the pods (or addresses) that connect to the brokers
   * @returns whether a rule was added
   */
  public allowClient(peer: NetworkPeer): boolean {
    assertNotSynthesized(this, 'allowClient()');
    if (!(peer instanceof NetworkPeer)) throw propError(this, 'allowClient() peer', 'a NetworkPeer (NetworkPeer.pods(...), .namespace(...), .ipBlock(...), …)', peer);
    peer._check(this, 'allowClient() peer');
    if (this.trafficBrokers.group === undefined) return false;
    this.traffic.allowFrom(peer, this.trafficBrokers.group, this.trafficBrokers.ports, 'allowClient()');
    return true;
  }

  /**
   * The pods' traffic as a Mermaid flowchart: the pod groups (stages, topics Job, embedded brokers), the peers, and
   * every connection the NetworkPolicies allow, with its ports — the same graph the policies are made from, whose
   * stages are the nodes of `toMermaid()`'s graph.
   */
  public networkMermaid(): string {
    return this.traffic.toMermaid(`KafkaWorkflow ${this.baseName} traffic: ${this.clusterDescription}`);
  }

  /** The graph as plain data, for the checks and the blueprint. */
  private graph(): GraphModel {
    return {
      topics: this.topics.map((t) => ({
        name: t.topicName, partitions: t.partitions, replicationFactor: t.replicationFactor, source: t.source, sink: t.sink, internalTo: t.internalTo,
      })),
      stages: this.stages.map((s) => s._graph),
      deadLetterTopic: this.deadLetterTopic,
    };
  }

  private declareTopic(name: string, options: KafkaTopicOptions, internalTo: string | undefined): KafkaWorkflowTopic {
    const problem = KafkaConfig.topicNameProblem(name);
    if (problem) throw propError(this, 'topic name', `a name Kafka accepts (1 to 249 characters of [a-zA-Z0-9._-], not '.' or '..'): it ${problem}`, name);
    if (this.topicMap.has(name)) throw propError(this, 'topic name', 'unique in the workflow', name);
    const collision = [...this.topicMap.keys()].find((t) => KafkaConfig.collisionName(t) === KafkaConfig.collisionName(name));
    if (collision) throw propError(this, 'topic name', `distinct from '${collision}' (Kafka treats '.' and '_' alike in topic names)`, name);
    if (options === null || typeof options !== 'object') throw propError(this, 'topic options', 'a KafkaTopicOptions object', options);
    const topic = new KafkaWorkflowTopic(this.topicScope, name, {
      ...options,
      brokers: this.brokers,
      brokerMinInsyncReplicas: this.brokerMinInsyncReplicas,
      remoteStorage: this.remoteStorage,
      internalTo,
      strimziCluster: this.strimziCluster,
      labels: this._labelsOf('kafka', 'topics'),
    });
    this.topicMap.set(name, topic);
    return topic;
  }

  private stageError(stage: string, prop: string, expectation: string, value: any): Error {
    return new Error(`${PropCheck.where(this)}: '${prop}' of stage '${stage}' must be ${expectation}, got ${PropCheck.show(value)}`);
  }

  /** Checks a stage against the graph and its options against the renderer, then makes it. */
  private addStage(spec: StageSpec): KafkaStage {
    const { name, kind, inputs, outputs, pendingTopic } = spec;
    const maxName = 63 - this.baseName.length - 8;
    if (typeof name !== 'string' || !ResourceNames.isDnsLabel(name, maxName)) {
      throw propError(this, 'stage name', `a DNS-1123 label of at most ${maxName} characters (room for '${this.baseName}-' and '-config')`, name);
    }
    if (this.stageMap.has(name)) throw propError(this, 'stage name', 'unique in the workflow', name);
    if (name === 'kafka' || name === 'topics') {
      throw propError(this, 'stage name', `other than 'kafka' and 'topics' (the brokers' and the topics Job's objects are named '${this.baseName}-kafka' and '${this.baseName}-topics')`, name);
    }
    const streamOptions = spec.options as StreamStageOptions;
    const common: StreamStageCommonOptions = {
      seedBrokers: this.bootstrapServers,
      inputs,
      consumerGroup: `${this.baseName}-${name}`,
      stageName: name,
      outputKey: streamOptions.outputKey,
      deadLetterTopic: this.deadLetterTopic,
      logLevel: streamOptions.logLevel,
      tlsRootCasFile: this.security !== undefined ? KAFKA_CA_FILE : undefined,
      saslUsername: this.security !== undefined ? KafkaSecurity.CLIENT_USER : undefined,
    };
    // The renderer first: it says what a malformed option must be (a route that is not a route, a name Kafka
    // refuses) before the graph is asked about topics.
    const problem = spec.bento?.problem(common);
    if (problem) throw this.stageError(name, problem.option, problem.expectation, problem.value);
    const call = spec.call?.();
    const { topics } = this.graph();
    const undeclared = firstUndeclared(topics, [...inputs, ...outputs]);
    if (undeclared !== undefined) {
      throw this.stageError(name, propOf(spec.options, undeclared), `a topic declared with addTopic (declared: ${declaredList(topics)})`, undeclared);
    }
    if (new Set(inputs).size !== inputs.length) throw this.stageError(name, 'inputs', 'distinct topics', inputs);
    if (this.deadLetterTopic !== undefined && kind !== KafkaStageKind.CUSTOM && inputs.includes(this.deadLetterTopic)) {
      throw this.stageError(name, 'inputs', `free of the dead-letter topic '${this.deadLetterTopic}' (a failure there would loop)`, inputs);
    }
    if (this.deadLetterTopic !== undefined && !this.topicMap.has(this.deadLetterTopic)) {
      throw propError(this, 'deadLetterTopic', `a topic declared with addTopic before the first stage (declared: ${declaredList(topics)})`, this.deadLetterTopic);
    }
    if (pendingTopic !== undefined && this.topicMap.has(pendingTopic)) {
      throw this.stageError(name, 'pendingTopic', 'a topic name not declared otherwise (the join creates it)', pendingTopic);
    }

    const config = spec.bento?.render(common);

    if (pendingTopic !== undefined) {
      const maxPartitions = Math.max(...inputs.map((t) => this.topicMap.get(t)!.partitions));
      this.declareTopic(pendingTopic, { partitions: maxPartitions }, name);
    }
    const stage = new KafkaStage(this, name, {
      kind,
      workflowName: this.baseName,
      partOf: this._partOf,
      bootstrapServers: this.bootstrapServers,
      deadLetterTopic: this.deadLetterTopic,
      inputs,
      outputs,
      inputPartitions: inputs.reduce((sum, t) => sum + this.topicMap.get(t)!.partitions, 0),
      options: spec.options,
      config,
      resources: spec.bento !== undefined ? streamOptions.resources : undefined,
      container: spec.container,
      stateful: spec.stateful ?? false,
      edgeLabels: spec.edgeLabels,
      pendingTopic,
      label: spec.label?.() ?? kind,
      images: this._images,
      pod: this._pod,
      security: this.security,
    });
    this.stageMap.set(name, stage);
    addStageTraffic(this.traffic, stage, this.trafficBrokers, {
      stage: stage._graph,
      name: stage.consumerGroup,
      selector: stage._selector,
      labels: stage._labels,
      autoscaled: stage.scaledObject !== undefined,
      call,
    }, this.kedaAllowed);
    this.kedaAllowed ||= stage.scaledObject !== undefined;
    return stage;
  }

  /**
   * The recommended labels of the workflow's objects of one component: `name` the software that runs (`kafka`,
   * `bento`, or the base name for your own stages), `instance` the base name.
   *
   * @internal
   */
  public _labelsOf(name: string, component: string, version?: string): { [key: string]: string } {
    return RecommendedLabels.of({ name, instance: this.baseName, component, partOf: this._partOf, version });
  }

  private topicJob(): kplus.Job {
    const user = ContainerImages.user(ImageKey.KAFKA);
    const image = ContainerImages.resolve(this, ImageKey.KAFKA, this._images);
    const labels = this._labelsOf('kafka', 'topics', RecommendedLabels.versionOf(image));
    const security = this.security;
    const script = () => KafkaConfig.createTopicsScript(this.topics.map((t) => ({
      name: t.topicName, partitions: t.partitions, replicationFactor: t.replicationFactor, config: t.config,
    })), { commandConfig: security !== undefined ? KAFKA_CLIENT_PROPERTIES : undefined });
    const hash = () => createHash('sha256').update(script()).digest('hex').slice(0, 8);
    const cmName = `${this.baseName}-topics`;
    // The script (and so the Job's name) depends on topics added after construction: both are produced at synthesis.
    // A new topic list gives a new Job name, because a Job's pod template cannot be changed.
    const cm = new kplus.k8s.KubeConfigMap(this, 'TopicsScript', {
      metadata: { name: cmName, labels },
      data: {
        'create-topics.sh': Lazy.any({ produce: () => script() }) as any,
        ...(security !== undefined ? { [KAFKA_AUTH_FILE]: kafkaAuthProgram() } : {}),
      },
    });
    // No ttlSecondsAfterFinished: a GitOps tool would re-create a Job the TTL deleted, and run it again and again.
    const job = RestrictedWorkloads.job(this, 'TopicsJob', {
      name: Lazy.any({ produce: () => `${this.baseName}-topics-${hash()}` }) as any,
      labels,
      // Tell kube-linter (and readers) why this Job deliberately has no TTL.
      annotations: { 'ignore-check.kube-linter.io/job-ttl-seconds-after-finished': 'a GitOps tool would re-create a Job its TTL deleted and run it again' },
      backoffLimit: 20,
      uid: user.uid,
      gid: user.gid,
    });
    job.podMetadata.addAnnotation(ConfigChecksum.ANNOTATION, Lazy.any({ produce: () => createHash('sha256').update(script()).digest('hex') }) as any);
    const container = RestrictedSecurity.addContainer(job, {
      name: 'create-topics',
      image,
      command: ['/bin/sh', `${TOPICS_SCRIPT_DIR}/create-topics.sh`],
      envVariables: {
        KAFKA_BOOTSTRAP_SERVERS: kplus.EnvValue.fromValue(this.bootstrapServers.join(',')),
        KAFKA_HEAP_OPTS: kplus.EnvValue.fromValue('-Xmx256m'),
        LOG_DIR: kplus.EnvValue.fromValue('/tmp'),
      },
      resources: this.topicsJobResources,
    }, { uid: user.uid, gid: user.gid });
    const scripts = kplus.Volume.fromConfigMap(this, 'TopicsScriptVolume',
      kplus.ConfigMap.fromConfigMapName(this, 'TopicsScriptRef', cmName), { name: 'topics-script' });
    container.mount(TOPICS_SCRIPT_DIR, scripts, { readOnly: true });
    if (security !== undefined) {
      wireTopicsJobSecurity(this, job, container, security, {
        image,
        user,
        scripts: { dir: TOPICS_SCRIPT_DIR, volume: scripts, program: KAFKA_AUTH_FILE },
        resources: resourcesOr(undefined, TOPICS_AUTH_INIT_RESOURCES),
      });
    }
    RestrictedSecurity.addWritableDirs(job, container, { paths: ['/tmp'] });
    applyPodOptions(job, this._pod);
    job.node.addDependency(cm);
    return job;
  }
}

/** What an `add*` method hands to `addStage`: one stage, to be checked against the graph and made. */
interface StageSpec {
  readonly name: string;
  readonly kind: KafkaStageKind;
  /** The options as the user gave them: their names say which option holds a topic in an error. */
  readonly options: KafkaStageOptions;
  readonly inputs: string[];
  readonly outputs: string[];
  /** It holds windows: one replica by default, and a larger memory limit. */
  readonly stateful?: boolean;
  /** A join's pending topic, declared with the stage. */
  readonly pendingTopic?: string;
  /** The stream processor's config; none for a custom stage. */
  readonly bento?: BentoConfig;
  /** A custom stage's container (checked by the stage). */
  readonly container?: CustomStageOptions['container'];
  /** What the blueprint says the stage is (default: its kind), asked once the options are checked. */
  readonly label?: () => string;
  /** Labels of the edges to its outputs in the blueprint. */
  readonly edgeLabels?: { [topic: string]: string };
  /** Where the stage calls out besides the brokers (an HTTP call's target), for its NetworkPolicy. */
  readonly call?: () => NetworkRule;
}

/** A stage's stream processor config: what the renderer would refuse in it, and the text. */
interface BentoConfig {
  problem(common: StreamStageCommonOptions): StreamConfigProblem | undefined;
  render(common: StreamStageCommonOptions): string;
}

/** The config of one renderer of `StreamProcessorConfig`: the workflow's common options plus the stage's own. */
function bento<T extends StreamStageCommonOptions>(problem: (options: T) => StreamConfigProblem | undefined, render: (options: T) => string,
  own: Omit<T, keyof StreamStageCommonOptions>): BentoConfig {
  const options = (common: StreamStageCommonOptions) => ({ ...common, ...own }) as T;
  return { problem: (common) => problem(options(common)), render: (common) => render(options(common)) };
}

/** Stage options are an object (a JavaScript or Python caller may pass anything). */
function checkStageOptions(wf: KafkaWorkflow, stage: string, options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${PropCheck.where(wf)}: 'options' of stage '${stage}' must be the stage's options ({ input, output, … }), got ${PropCheck.show(options)}`);
  }
}

/** A list the user gave, or an empty one when it is not a list (the renderer then says what it must be). */
function list<T>(value: T[]): T[] {
  return Array.isArray(value) ? value : [];
}

/** The name of the stage option that holds `topic` (for messages). */
function propOf(options: { [key: string]: any }, topic: string): string {
  for (const key of ['input', 'output', 'unmatchedOutput', 'expiredOutput']) if (options[key] === topic) return key;
  for (const key of ['inputs', 'outputs']) if (Array.isArray(options[key]) && options[key].includes(topic)) return key;
  const routes = options.routes;
  if (Array.isArray(routes)) {
    const i = routes.findIndex((r: any) => r?.output === topic);
    if (i >= 0) return `routes[${i}].output`;
  }
  return 'topics';
}

function formatDuration(d: Duration): string {
  const ms = d.toMilliseconds();
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
