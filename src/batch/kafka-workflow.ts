import { createHash } from 'crypto';
import { ApiObject, Chart, Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { StatefulShards } from '../blocks/stateful-shards';
import { KafkaConfig } from '../config/kafka';
import {
  ReduceAggregation, SplitterRoute, StreamLogLevel, StreamProcessorConfig, StreamStageCommonOptions,
} from '../config/stream-processor';
import { Availability } from '../core/availability';
import { ConfigChecksum } from '../core/checksum';
import { PropCheck } from '../core/errors';
import { ContainerImages, ImageKey, ImageOverrides } from '../core/images';
import { RecommendedLabels } from '../core/labels';
import { ResourceNames } from '../core/names';
import { propError } from '../core/prop-error';
import { RestrictedSecurity } from '../core/security';
import { StrimziKafka, StrimziKafkaNodePool, StrimziKafkaTopic, StrimziNodeRole } from '../crds/strimzi';

const KAFKA_PORT = 9092;
const CONTROLLER_PORT = 9093;
const BENTO_CONFIG_DIR = '/etc/bento';
const BENTO_CONFIG_FILE = 'config.yaml';
const KAFKA_CONFIG_DIR = '/etc/kafka-workflow';
const KAFKA_RUN_DIR = '/var/run/kafka';
const KAFKA_DATA_DIR = '/var/lib/kafka/data';
const KAFKA_LOG_DIR = '/opt/kafka/logs';
const TOPICS_SCRIPT_DIR = '/etc/kafka-workflow-topics';
/** The longest base name: leaves room for `-<stage>` (a stage name is at least 1 character) and `-kafka`. */
const MAX_BASE_NAME = 40;

/**
 * Where the workflow's Kafka comes from.
 */
export enum KafkaClusterKind {
  /** A StatefulSet of the Apache Kafka image in KRaft mode, made by the workflow. */
  EMBEDDED = 'embedded',
  /** Strimzi `Kafka` and `KafkaNodePool` resources, for a cluster that runs the Strimzi operator. */
  STRIMZI = 'strimzi',
  /** A cluster that exists already, reached at a bootstrap address. */
  EXTERNAL = 'external',
}

/**
 * Options for `KafkaCluster.embedded`.
 */
export interface EmbeddedKafkaOptions {
  /**
   * Number of nodes, each a combined KRaft controller and broker. 3 or 5 (the book's replication factors) keep a
   * quorum through the loss of 1 or 2 nodes.
   *
   * @default 3
   */
  readonly brokers?: number;
  /**
   * The persistent volume of each node (data and KRaft metadata).
   *
   * @default Size.gibibytes(10)
   */
  readonly storage?: Size;
  /**
   * The StorageClass of the volumes.
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The JVM heap of each node (`-Xms` = `-Xmx`). The container's memory limit is twice this (page cache and
   * off-heap buffers).
   *
   * @default Size.gibibytes(1)
   */
  readonly heap?: Size;
  /**
   * Broker settings added to or replacing the defaults (not the listeners, node id or quorum).
   *
   * @default - none
   */
  readonly config?: { [key: string]: string };
  /**
   * The KRaft cluster id (22 characters of base64url). Every volume is formatted with it, so it must never change
   * for a cluster that has data.
   *
   * @default - derived from the namespace and the StatefulSet name (stable as long as they are)
   */
  readonly clusterId?: string;
}

/**
 * Options for `KafkaCluster.strimzi`.
 */
export interface StrimziKafkaOptions {
  /**
   * The name of the `Kafka` resource (Strimzi derives every object name from it, e.g. `<name>-kafka-bootstrap`).
   *
   * @default - the workflow's base name
   */
  readonly clusterName?: string;
  /**
   * Number of nodes in the node pool (each a KRaft controller and broker).
   *
   * @default 3
   */
  readonly replicas?: number;
  /**
   * The persistent volume of each node.
   *
   * @default Size.gibibytes(10)
   */
  readonly storage?: Size;
  /**
   * The StorageClass of the volumes.
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The Kafka version.
   *
   * @default - the Strimzi operator's default
   */
  readonly version?: string;
  /**
   * Broker settings added to or replacing the defaults.
   *
   * @default - none
   */
  readonly config?: { [key: string]: string };
}

/**
 * Options for `KafkaCluster.external`.
 */
export interface ExternalKafkaOptions {
  /** Bootstrap addresses (`host:port`). */
  readonly bootstrapServers: string[];
  /**
   * Number of brokers, to check replication factors against.
   *
   * @default - unknown: replication factors are not checked, and default to 3
   */
  readonly brokers?: number;
  /**
   * Create the workflow's topics with a Job (the Kafka CLI); otherwise they must exist.
   *
   * @default true
   */
  readonly createTopics?: boolean;
}

/**
 * The Kafka cluster of a workflow: embedded, Strimzi, or external.
 */
export class KafkaCluster {
  /**
   * A StatefulSet of the Apache Kafka image in KRaft mode: combined controller+broker nodes with a static quorum,
   * a headless Service, a PersistentVolumeClaim per node, a PodDisruptionBudget and spread over nodes, restricted
   * security. Topics are created by a Job with the Kafka CLI. Listeners are PLAINTEXT inside the cluster: use
   * Strimzi for TLS and authentication.
   *
   * @see https://kafka.apache.org/documentation/#kraft
   */
  public static embedded(options: EmbeddedKafkaOptions = {}): KafkaCluster {
    return new KafkaCluster(KafkaClusterKind.EMBEDDED, options, undefined, undefined);
  }

  /**
   * Strimzi resources: a `Kafka` with the KRaft and node-pool annotations and a `KafkaNodePool` of combined
   * controller+broker nodes; topics as `KafkaTopic` resources. Needs the Strimzi operator (0.49 or later, for the
   * `kafka.strimzi.io/v1` API).
   *
   * @see https://strimzi.io/docs/operators/latest/deploying
   */
  public static strimzi(options: StrimziKafkaOptions = {}): KafkaCluster {
    return new KafkaCluster(KafkaClusterKind.STRIMZI, undefined, options, undefined);
  }

  /**
   * A cluster that exists already.
   */
  public static external(options: ExternalKafkaOptions): KafkaCluster {
    return new KafkaCluster(KafkaClusterKind.EXTERNAL, undefined, undefined, options);
  }

  private constructor(
    /** Which kind of cluster. */
    public readonly kind: KafkaClusterKind,
    /** @internal */
    public readonly _embedded?: EmbeddedKafkaOptions,
    /** @internal */
    public readonly _strimzi?: StrimziKafkaOptions,
    /** @internal */
    public readonly _external?: ExternalKafkaOptions,
  ) {}
}

/**
 * Options for `KafkaWorkflow.addTopic`.
 */
export interface KafkaTopicOptions {
  /**
   * Number of partitions: the most consumers of one group that can share the topic.
   *
   * @default 3
   */
  readonly partitions?: number;
  /**
   * Number of replicas of each partition, at most the number of brokers.
   *
   * @default - 3, or the number of brokers when fewer
   */
  readonly replicationFactor?: number;
  /**
   * Topic settings (`retention.ms`, `cleanup.policy`, …).
   *
   * @default - the broker's defaults
   */
  readonly config?: { [key: string]: string };
  /**
   * Messages come into this topic from outside the workflow: no stage has to write it.
   *
   * @default false
   */
  readonly source?: boolean;
  /**
   * Messages leave the workflow from this topic: no stage has to read it.
   *
   * @default false
   */
  readonly sink?: boolean;
}

/**
 * Props of `KafkaWorkflowTopic`.
 */
export interface KafkaWorkflowTopicProps extends KafkaTopicOptions {
  /**
   * The brokers of the cluster, to check the replication factor against.
   *
   * @default - unknown: not checked
   */
  readonly brokers?: number;
  /**
   * The stage that owns the topic (a join's pending topic).
   *
   * @default - a topic of the workflow's graph
   */
  readonly internalTo?: string;
  /**
   * The Strimzi `Kafka` to declare the topic in, as a `KafkaTopic`.
   *
   * @default - no KafkaTopic
   */
  readonly strimziCluster?: string;
  /**
   * Labels of the `KafkaTopic`.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

/**
 * A topic of a workflow.
 */
export class KafkaWorkflowTopic extends Construct {
  /** The topic name. */
  public readonly topicName: string;
  /** Number of partitions. */
  public readonly partitions: number;
  /** Replication factor. */
  public readonly replicationFactor: number;
  /** Written from outside the workflow. */
  public readonly source: boolean;
  /** Read from outside the workflow. */
  public readonly sink: boolean;
  /** The stage this topic belongs to (a join's pending topic), if any. */
  public readonly internalTo?: string;
  /** The Strimzi `KafkaTopic`, for a Strimzi cluster. */
  public readonly kafkaTopic?: StrimziKafkaTopic;
  private readonly _config: { [key: string]: string };

  /**
   * Use `KafkaWorkflow.addTopic`, which checks the name against the other topics.
   *
   * @param scope the workflow
   * @param name the topic name
   * @param props the topic's properties
   */
  constructor(scope: Construct, name: string, props: KafkaWorkflowTopicProps = {}) {
    super(scope, name);
    const options = props;
    const brokers = props.brokers;
    this.topicName = name;
    this.internalTo = props.internalTo;
    this.partitions = options.partitions ?? 3;
    if (!Number.isInteger(this.partitions) || this.partitions < 1 || this.partitions > 100000) {
      throw propError(this, 'partitions', 'an integer from 1 to 100000', this.partitions);
    }
    const maxRf = brokers ?? 32767;
    this.replicationFactor = options.replicationFactor ?? Math.min(3, brokers ?? 3);
    if (!Number.isInteger(this.replicationFactor) || this.replicationFactor < 1 || this.replicationFactor > maxRf) {
      const why = brokers !== undefined ? ` (the cluster has ${brokers} broker${brokers === 1 ? '' : 's'})` : '';
      throw propError(this, 'replicationFactor', `an integer from 1 to ${maxRf}${why}`, this.replicationFactor);
    }
    this._config = {};
    for (const key of Object.keys(options.config ?? {}).sort()) {
      try {
        KafkaConfig.checkTopicConfig(name, key, options.config![key]);
      } catch (e: any) {
        throw propError(this, `config.${key}`, 'a dotted lowercase setting name with a non-empty one-line string value', options.config![key]);
      }
      this._config[key] = options.config![key];
    }
    this.source = options.source ?? false;
    this.sink = options.sink ?? false;
    if (props.strimziCluster !== undefined) {
      const objectName = KafkaWorkflow.topicObjectName(name);
      this.kafkaTopic = new StrimziKafkaTopic(this, 'Resource', {
        metadata: { name: objectName, labels: props.labels },
        cluster: props.strimziCluster,
        topicName: objectName === name ? undefined : name,
        partitions: this.partitions,
        replicas: this.replicationFactor,
        config: this._config,
      });
    }
  }

  /** The topic settings (a copy). */
  public get config(): { [key: string]: string } {
    return { ...this._config };
  }
}

/**
 * What a stage does.
 */
export enum KafkaStageKind {
  /** One input, every message to each of several outputs. */
  COPIER = 'copier',
  /** One input, the messages a condition holds for to one output. */
  FILTER = 'filter',
  /** One input, each message to the outputs whose conditions hold. */
  SPLITTER = 'splitter',
  /** One input, each message to one of N outputs by a key's hash. */
  SHARDER = 'sharder',
  /** Several inputs, one output. */
  MERGER = 'merger',
  /** Parts held until their batch is complete, then one message per batch. */
  JOIN = 'join',
  /** An aggregate per key and window. */
  REDUCE = 'reduce',
  /** A user image with the documented environment contract. */
  CUSTOM = 'custom',
}

/**
 * Autoscaling of a stage with a KEDA `ScaledObject` on its consumer group's lag.
 */
export interface StageAutoscaling {
  /**
   * The fewest replicas.
   *
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * The most replicas, at most the partitions of the stage's inputs (a replica beyond that would get no partition).
   *
   * @default - the partitions of the stage's inputs
   */
  readonly maxReplicas?: number;
  /**
   * The lag (unconsumed messages) per replica KEDA aims at.
   *
   * @default 100
   */
  readonly lagThreshold?: number;
  /**
   * How often KEDA reads the lag.
   *
   * @default Duration.seconds(30)
   */
  readonly pollingInterval?: Duration;
}

/**
 * What every stage takes.
 */
export interface KafkaStageOptions {
  /**
   * Number of replicas, at most the partitions of the stage's inputs (the replicas share them in the stage's
   * consumer group).
   *
   * @default - 2 (1 for a join or reduce, whose windows live in one replica), or the partitions of the inputs when fewer
   */
  readonly replicas?: number;
  /**
   * Scale on consumer lag with a KEDA `ScaledObject` (the Deployment then has no fixed `replicas`).
   *
   * @default - fixed replicas
   */
  readonly autoscaling?: StageAutoscaling;
  /**
   * A Bloblang query for the key of the records the stage writes (e.g. `this.image_id`): the stage downstream of
   * it may need that key (a join or reduce with more than one replica).
   *
   * @default - the key of the record read
   */
  readonly outputKey?: string;
  /**
   * Resources of the stage's container.
   *
   * @default - requests 50m CPU and 64 MiB, limits 1 CPU and 256 MiB (1 GiB for a join or reduce)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * This stage may close a cycle of the graph (a deliberate feedback loop).
   *
   * @default false
   */
  readonly allowCycle?: boolean;
  /**
   * The log level of the stream processor.
   *
   * @default StreamLogLevel.INFO
   */
  readonly logLevel?: StreamLogLevel;
}

/** Options for `KafkaWorkflow.addCopier`. */
export interface CopierStageOptions extends KafkaStageOptions {
  /** The topic read. */
  readonly input: string;
  /** The topics each message is copied to. */
  readonly outputs: string[];
}

/** Options for `KafkaWorkflow.addFilter`. */
export interface FilterStageOptions extends KafkaStageOptions {
  /** The topic read. */
  readonly input: string;
  /** The topic the kept messages go to. */
  readonly output: string;
  /** A Bloblang query, `true` for the messages to keep (e.g. `this.size_bytes < 20000000`). */
  readonly condition: string;
}

/** Options for `KafkaWorkflow.addSplitter`. */
export interface SplitterStageOptions extends KafkaStageOptions {
  /** The topic read. */
  readonly input: string;
  /** The routes, tried in order. */
  readonly routes: SplitterRoute[];
  /**
   * Copy a message to every route whose condition holds; otherwise only the first one takes it.
   *
   * @default false
   */
  readonly copy?: boolean;
  /**
   * A topic for the messages no route takes.
   *
   * @default - messages no route takes are dropped
   */
  readonly unmatched?: string;
}

/** Options for `KafkaWorkflow.addSharder`. */
export interface SharderStageOptions extends KafkaStageOptions {
  /** The topic read. */
  readonly input: string;
  /** A Bloblang query for the shard key (e.g. `this.user_id`). */
  readonly key: string;
  /** The shard topics (at least 2); a message goes to `shards[fnv1_32(key) % shards.length]`. */
  readonly shards: string[];
}

/** Options for `KafkaWorkflow.addMerger`. */
export interface MergerStageOptions extends KafkaStageOptions {
  /** The topics read (at least 2). */
  readonly inputs: string[];
  /** The topic they are merged into. */
  readonly output: string;
}

/** Options for `KafkaWorkflow.addJoin`. */
export interface JoinStageOptions extends KafkaStageOptions {
  /** The topics the parts come from. */
  readonly inputs: string[];
  /** The topic the complete batches go to, one message `{"key", "parts": […]}` each. */
  readonly output: string;
  /** A Bloblang query for the batch a part belongs to (e.g. `this.image_id`). */
  readonly batchKey: string;
  /**
   * How many distinct parts complete a batch. Give this or `countQuery`.
   *
   * @default - `countQuery`
   */
  readonly count?: number;
  /**
   * A Bloblang query for how many parts a part's batch has (e.g. `this.total_parts`). Give this or `count`.
   *
   * @default - `count`
   */
  readonly countQuery?: string;
  /**
   * A Bloblang query for a part's identity (duplicates count once), e.g. `this.kind`.
   *
   * @default - the record's topic, partition and offset
   */
  readonly partKey?: string;
  /**
   * How often complete batches are looked for (the longest a complete batch waits).
   *
   * @default Duration.seconds(10)
   */
  readonly window?: Duration;
  /**
   * How long a batch may wait for its last part.
   *
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;
  /**
   * A declared topic for the parts of batches that timed out.
   *
   * @default - they are dropped, with a log line
   */
  readonly expiredTopic?: string;
  /**
   * The name of the topic that holds incomplete batches between windows, created with the workflow's topics
   * (the partitions of the largest input).
   *
   * @default - `<stage name>.pending`
   */
  readonly pendingTopic?: string;
}

/** Options for `KafkaWorkflow.addReduce`. */
export interface ReduceStageOptions extends KafkaStageOptions {
  /** The topic read. */
  readonly input: string;
  /** The topic the aggregates go to. */
  readonly output: string;
  /** A Bloblang query for the key to aggregate by (e.g. `this.tag`). */
  readonly key: string;
  /**
   * The aggregates.
   *
   * @default [ReduceAggregation.count()]
   */
  readonly aggregations?: ReduceAggregation[];
  /**
   * The window.
   *
   * @default Duration.minutes(1)
   */
  readonly window?: Duration;
}

/** Options for `KafkaWorkflow.addCustom`. */
export interface CustomStageOptions extends KafkaStageOptions {
  /** The topics the program reads. */
  readonly inputs: string[];
  /** The topics it writes. */
  readonly outputs: string[];
  /** The image (pinned). */
  readonly image: string;
  /**
   * The non-root uid the image runs as.
   *
   * @default 65532
   */
  readonly uid?: number;
  /**
   * The gid it runs as.
   *
   * @default - the uid
   */
  readonly gid?: number;
  /**
   * The command.
   *
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * The arguments.
   *
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * More environment variables (the contract's names are reserved).
   *
   * @default - none
   */
  readonly env?: { [key: string]: string };
  /**
   * A port the program listens on (named `http`).
   *
   * @default - none
   */
  readonly port?: number;
  /**
   * The readiness probe.
   *
   * @default - none
   */
  readonly readiness?: kplus.Probe;
  /**
   * Paths the program writes to (each an emptyDir; `/tmp` is always one).
   *
   * @default - only /tmp
   */
  readonly writableDirs?: string[];
}

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
}

/**
 * The environment contract of a custom stage: what its program finds in its environment.
 */
export class CustomStageEnv {
  /** Comma-separated bootstrap `host:port` addresses. */
  public static readonly BOOTSTRAP_SERVERS = 'KAFKA_BOOTSTRAP_SERVERS';
  /** Comma-separated topics to read. */
  public static readonly INPUT_TOPICS = 'KAFKA_INPUT_TOPICS';
  /** Comma-separated topics to write. */
  public static readonly OUTPUT_TOPICS = 'KAFKA_OUTPUT_TOPICS';
  /** The consumer group to read in (offsets committed there; the KEDA scaler reads its lag). */
  public static readonly CONSUMER_GROUP = 'KAFKA_CONSUMER_GROUP';
  /** A client id for its Kafka clients. */
  public static readonly CLIENT_ID = 'KAFKA_CLIENT_ID';
  /** The stage name. */
  public static readonly STAGE_NAME = 'STAGE_NAME';
  /** A topic for messages it cannot process (set when the workflow has a dead-letter topic). */
  public static readonly DEAD_LETTER_TOPIC = 'KAFKA_DEAD_LETTER_TOPIC';

  /** Every name of the contract. */
  public static names(): string[] {
    return [CustomStageEnv.BOOTSTRAP_SERVERS, CustomStageEnv.INPUT_TOPICS, CustomStageEnv.OUTPUT_TOPICS, CustomStageEnv.CONSUMER_GROUP,
      CustomStageEnv.CLIENT_ID, CustomStageEnv.STAGE_NAME, CustomStageEnv.DEAD_LETTER_TOPIC];
  }

  private constructor() {}
}

/**
 * Props of `KafkaStage`. Stages are made by the `add*` methods of `KafkaWorkflow`, which check the graph and render
 * the config; these props are what those methods pass on.
 */
export interface KafkaStageProps {
  /** What the stage does. */
  readonly kind: KafkaStageKind;
  /** The topics it reads. */
  readonly inputs: string[];
  /** The topics it writes. */
  readonly outputs: string[];
  /** The sum of the partitions of its inputs (the most replicas that get work). */
  readonly inputPartitions: number;
  /** The options common to every stage. */
  readonly options: KafkaStageOptions;
  /**
   * The stream processor's config.
   *
   * @default - none: a custom stage
   */
  readonly config?: string;
  /**
   * The custom stage's options.
   *
   * @default - not a custom stage
   */
  readonly custom?: CustomStageOptions;
  /** It holds windows: one replica by default, and a larger memory limit. */
  readonly stateful: boolean;
  /**
   * Labels of the edges to its outputs in the blueprint.
   *
   * @default - none
   */
  readonly edgeLabels?: { [topic: string]: string };
  /**
   * A join's pending topic.
   *
   * @default - none
   */
  readonly pendingTopic?: string;
  /** What the blueprint says it is. */
  readonly label: string;
  /**
   * Image overrides.
   *
   * @default - the defaults
   */
  readonly images?: ImageOverrides;
}

/**
 * A stage of a workflow: a Deployment that reads topics in its own consumer group and writes topics.
 */
export class KafkaStage extends Construct {
  /** What the stage does. */
  public readonly kind: KafkaStageKind;
  /** The stage name (unique in the workflow). */
  public readonly stageName: string;
  /** The topics it reads (without a join's pending topic). */
  public readonly inputs: string[];
  /** The topics it writes (without a join's pending topic). */
  public readonly outputs: string[];
  /** Its consumer group (also the Deployment name). */
  public readonly consumerGroup: string;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The container. */
  public readonly container: kplus.Container;
  /** The ConfigMap with the stream processor's config (not for a custom stage). */
  public readonly configMap?: kplus.ConfigMap;
  /** The rendered stream processor config (not for a custom stage). */
  public readonly config?: string;
  /** The KEDA ScaledObject, when the stage autoscales. */
  public readonly scaledObject?: ApiObject;
  /** The PodDisruptionBudget, when the stage has more than one replica. */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /** The fixed number of replicas, or the minimum when autoscaling. */
  public readonly replicas: number;
  /** May close a cycle. */
  public readonly allowCycle: boolean;
  /** A join's pending topic. */
  public readonly pendingTopic?: string;
  /** @internal */
  public readonly _label: string;
  /** @internal */
  public readonly _edgeLabels: { [topic: string]: string };

  /**
   * Use the `add*` methods of `KafkaWorkflow`, which check the graph.
   *
   * @param workflow the workflow the stage belongs to
   * @param name the stage name
   * @param spec what the stage does
   */
  constructor(workflow: KafkaWorkflow, name: string, spec: KafkaStageProps) {
    super(workflow, name);
    const inputPartitions = spec.inputPartitions;
    const images = spec.images;
    this.kind = spec.kind;
    this.stageName = name;
    this.inputs = [...spec.inputs];
    this.outputs = [...spec.outputs];
    this.consumerGroup = `${workflow.baseName}-${name}`;
    this.allowCycle = spec.options.allowCycle ?? false;
    this.pendingTopic = spec.pendingTopic;
    this._label = spec.label;
    this._edgeLabels = { ...(spec.edgeLabels ?? {}) };
    this.config = spec.config;

    const o = spec.options;
    const defaultReplicas = spec.stateful ? 1 : Math.min(2, inputPartitions);
    const replicas = o.replicas ?? defaultReplicas;
    const partitionsNote = `(the partitions of its input${this.inputs.length > 1 ? 's' : ''})`;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > inputPartitions) {
      throw propError(this, 'replicas', `an integer from 1 to ${inputPartitions} ${partitionsNote}`, replicas);
    }
    const auto = o.autoscaling;
    let minReplicas = replicas;
    let maxReplicas = replicas;
    if (auto) {
      minReplicas = auto.minReplicas ?? 1;
      maxReplicas = auto.maxReplicas ?? inputPartitions;
      if (!Number.isInteger(maxReplicas) || maxReplicas < 1 || maxReplicas > inputPartitions) {
        throw propError(this, 'autoscaling.maxReplicas', `an integer from 1 to ${inputPartitions} ${partitionsNote}`, maxReplicas);
      }
      if (!Number.isInteger(minReplicas) || minReplicas < 0 || minReplicas > maxReplicas) {
        throw propError(this, 'autoscaling.minReplicas', `an integer from 0 to ${maxReplicas} (maxReplicas)`, minReplicas);
      }
      if (o.replicas !== undefined) throw propError(this, 'replicas', 'unset when autoscaling is set (KEDA sets the replicas)', o.replicas);
    }
    this.replicas = auto ? minReplicas : replicas;

    const appName = spec.kind === KafkaStageKind.CUSTOM ? 'kafka-stage' : 'bento';
    const labelOptions = { name: appName, instance: this.consumerGroup, component: spec.kind, partOf: workflow.baseName };
    const selector = RecommendedLabels.selector(labelOptions);
    const labels = RecommendedLabels.of(labelOptions);

    const custom = spec.custom;
    const uid = custom ? (custom.uid ?? 65532) : ContainerImages.user(ImageKey.BENTO).uid;
    const gid = custom ? (custom.gid ?? uid) : ContainerImages.user(ImageKey.BENTO).gid;

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { name: this.consumerGroup, labels },
      replicas: auto ? undefined : replicas,
      select: false,
      securityContext: RestrictedSecurity.podSecurityContext(uid, gid),
    });
    if (auto) this.deployment.markHasAutoscaler();
    RecommendedLabels.applyTo(this.deployment, labels, selector);

    const stateful = spec.stateful;
    const resources = o.resources ?? {
      cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.units(1) },
      memory: { request: Size.mebibytes(64), limit: stateful ? Size.gibibytes(1) : Size.mebibytes(256) },
    };

    if (custom) {
      const env: { [key: string]: kplus.EnvValue } = {};
      const reserved = CustomStageEnv.names();
      for (const [k, v] of Object.entries(custom.env ?? {})) {
        if (reserved.includes(k)) throw propError(this, `env.${k}`, `not one of the contract's names (${reserved.join(', ')})`, v);
        env[k] = kplus.EnvValue.fromValue(v);
      }
      env[CustomStageEnv.BOOTSTRAP_SERVERS] = kplus.EnvValue.fromValue(workflow.bootstrapServers.join(','));
      env[CustomStageEnv.INPUT_TOPICS] = kplus.EnvValue.fromValue(this.inputs.join(','));
      env[CustomStageEnv.OUTPUT_TOPICS] = kplus.EnvValue.fromValue(this.outputs.join(','));
      env[CustomStageEnv.CONSUMER_GROUP] = kplus.EnvValue.fromValue(this.consumerGroup);
      env[CustomStageEnv.CLIENT_ID] = kplus.EnvValue.fromValue(this.consumerGroup);
      env[CustomStageEnv.STAGE_NAME] = kplus.EnvValue.fromValue(name);
      if (workflow.deadLetterTopic !== undefined) env[CustomStageEnv.DEAD_LETTER_TOPIC] = kplus.EnvValue.fromValue(workflow.deadLetterTopic);
      ContainerImages.checkPinned(this, 'image', custom.image);
      this.container = RestrictedSecurity.addContainer(this.deployment, {
        name: 'stage',
        image: custom.image,
        command: custom.command,
        args: custom.args,
        envVariables: sortedEnv(env),
        ports: custom.port !== undefined ? [{ number: PropCheck.integer(this, 'port', 1, 65535, 8080, custom.port), name: 'http' }] : undefined,
        readiness: custom.readiness,
        resources,
      }, { uid, gid });
      RestrictedSecurity.addWritableDirs(this.deployment, this.container, { paths: unique(['/tmp', ...(custom.writableDirs ?? [])]) });
    } else {
      this.configMap = new kplus.ConfigMap(this, 'Config', {
        metadata: { name: `${this.consumerGroup}-config`, labels },
        data: { [BENTO_CONFIG_FILE]: spec.config! },
      });
      const port = StreamProcessorConfig.HTTP_PORT;
      this.container = RestrictedSecurity.addContainer(this.deployment, {
        name: 'bento',
        image: ContainerImages.resolve(this, ImageKey.BENTO, images),
        args: ['-c', `${BENTO_CONFIG_DIR}/${BENTO_CONFIG_FILE}`],
        ports: [{ number: port, name: 'http' }],
        readiness: kplus.Probe.fromHttpGet('/ready', { port }),
        liveness: kplus.Probe.fromHttpGet('/ping', { port, initialDelaySeconds: Duration.seconds(10), failureThreshold: 6 }),
        resources,
      }, { uid, gid });
      this.container.mount(BENTO_CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.configMap, { name: 'config' }), { readOnly: true });
      RestrictedSecurity.addWritableDirs(this.deployment, this.container, { paths: ['/tmp'] });
      ConfigChecksum.annotate(this.deployment, [this.configMap]);
    }
    RestrictedSecurity.applySeccomp(this.deployment);
    const pdbReplicas = auto ? minReplicas : replicas;
    this.podDisruptionBudget = Availability.apply(this, this.deployment, { replicas: pdbReplicas, selector, name: this.consumerGroup, labels });

    if (auto) {
      const lagThreshold = PropCheck.integer(this, 'autoscaling.lagThreshold', 1, 1_000_000_000, 100, auto.lagThreshold);
      const polling = Math.round((auto.pollingInterval ?? Duration.seconds(30)).toSeconds());
      if (polling < 1) throw propError(this, 'autoscaling.pollingInterval', 'at least 1 second', `${polling}s`);
      this.scaledObject = new ApiObject(this, 'ScaledObject', {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: this.consumerGroup, labels },
        spec: {
          scaleTargetRef: { name: this.consumerGroup },
          pollingInterval: polling,
          minReplicaCount: minReplicas,
          maxReplicaCount: maxReplicas,
          triggers: this.inputs.map((topic) => ({
            type: 'kafka',
            metadata: {
              bootstrapServers: workflow.bootstrapServers.join(','),
              consumerGroup: this.consumerGroup,
              topic,
              lagThreshold: String(lagThreshold),
              offsetResetPolicy: 'earliest',
            },
          })),
        },
      });
    }
  }
}

/**
 * A workflow of event queues (the book's chapters 11 and 12): a Kafka cluster, its topics, and stages between
 * topics — copier, filter, splitter, sharder, merger, join, reduce, and custom programs — each a Deployment of the
 * stream processor (Bento) with its own consumer group, or of your own image.
 *
 * The graph is checked at synthesis: every topic a stage reads is written by a stage or declared a source, every
 * topic written is read by a stage or declared a sink, no cycles unless a stage on them allows one. `toMermaid()`
 * draws it.
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
    if (ResourceNames.isDnsSubdomain(topic) && topic.length <= 63 && !topic.includes('..')) return topic;
    const cleaned = topic.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'topic';
    const hash = createHash('sha256').update(topic).digest('hex').slice(0, 8);
    return `${cleaned.slice(0, 54).replace(/[^a-z0-9]+$/, '')}-${hash}`;
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

  private readonly images?: ImageOverrides;
  private readonly topicMap = new Map<string, KafkaWorkflowTopic>();
  private readonly stageMap = new Map<string, KafkaStage>();
  private readonly strimziCluster?: string;
  private readonly labels: { [key: string]: string };
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
    this.cluster = props.cluster ?? KafkaCluster.embedded();
    this.images = props.images;
    this.labels = RecommendedLabels.of({ name: 'kafka-workflow', instance: this.baseName, partOf: this.baseName });
    const namespace = Chart.of(this).namespace;

    switch (this.cluster.kind) {
      case KafkaClusterKind.EMBEDDED: {
        const o = this.cluster._embedded ?? {};
        this.brokers = PropCheck.integer(this, 'cluster.brokers', 1, 9, 3, o.brokers);
        this.kafkaNodes = this.embeddedCluster(o, this.brokers);
        this.bootstrapServers = Array.from({ length: this.brokers }, (_, i) => `${this.kafkaNodes!.hostOf(i)}:${KAFKA_PORT}`);
        break;
      }
      case KafkaClusterKind.STRIMZI: {
        const o = this.cluster._strimzi ?? {};
        this.brokers = PropCheck.integer(this, 'cluster.replicas', 1, 100, 3, o.replicas);
        this.strimziCluster = o.clusterName !== undefined ? ResourceNames.checkDnsLabel(this, 'cluster.clusterName', o.clusterName, 40) : this.baseName;
        const storage = o.storage ?? Size.gibibytes(10);
        this.strimziKafka = new StrimziKafka(this, 'Kafka', {
          metadata: { name: this.strimziCluster, labels: this.labels },
          spec: {
            version: o.version,
            listeners: [{ name: 'plain', port: KAFKA_PORT, type: 'internal', tls: false }],
            config: brokerDefaults(this, this.brokers, o.config),
          },
        });
        this.strimziNodePool = new StrimziKafkaNodePool(this, 'NodePool', {
          metadata: { name: `${this.strimziCluster}-dual-role`, labels: this.labels },
          cluster: this.strimziCluster,
          replicas: this.brokers,
          roles: [StrimziNodeRole.CONTROLLER, StrimziNodeRole.BROKER],
          storage: { size: `${storage.toMebibytes()}Mi`, storageClassName: o.storageClassName },
        });
        const svc = `${this.strimziCluster}-kafka-bootstrap`;
        this.bootstrapServers = [`${namespace ? `${svc}.${namespace}.svc.cluster.local` : svc}:${KAFKA_PORT}`];
        break;
      }
      default: {
        const o = this.cluster._external!;
        if (!Array.isArray(o.bootstrapServers) || o.bootstrapServers.length === 0) {
          throw propError(this, 'cluster.bootstrapServers', 'a list of at least one host:port', o.bootstrapServers);
        }
        for (const b of o.bootstrapServers) {
          if (typeof b !== 'string' || !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(b)) throw propError(this, 'cluster.bootstrapServers', 'a list of host:port addresses', b);
        }
        this.brokers = o.brokers !== undefined ? PropCheck.integer(this, 'cluster.brokers', 1, 10000, 3, o.brokers) : undefined;
        this.bootstrapServers = [...o.bootstrapServers];
        break;
      }
    }
    const createTopics = this.cluster.kind === KafkaClusterKind.EMBEDDED
      || (this.cluster.kind === KafkaClusterKind.EXTERNAL && (this.cluster._external!.createTopics ?? true));
    if (createTopics) this.topicsJob = this.topicJob();

    if (props.deadLetterTopic !== undefined) {
      const problem = KafkaConfig.topicNameProblem(props.deadLetterTopic);
      if (problem) throw propError(this, 'deadLetterTopic', 'a Kafka topic name', props.deadLetterTopic);
      this.deadLetterTopic = props.deadLetterTopic;
    }
    this.node.addValidation({ validate: () => this.checkGraph() });
  }

  /**
   * Declares a topic. Its name must be one Kafka accepts (1 to 249 characters of `[a-zA-Z0-9._-]`, not `.` or
   * `..`), not collide with another (Kafka treats `.` and `_` alike), and its replication factor must not exceed
   * the brokers.
   */
  public addTopic(name: string, options: KafkaTopicOptions = {}): KafkaWorkflowTopic {
    return this.declareTopic(name, options, undefined);
  }

  /** A copier: every message of `input` to each of `outputs`. */
  public addCopier(name: string, options: CopierStageOptions): KafkaStage {
    return this.addStage(name, KafkaStageKind.COPIER, [options.input], options.outputs, options, false, (common) =>
      StreamProcessorConfig.copier({ ...common, outputs: options.outputs }));
  }

  /** A filter: the messages of `input` for which `condition` holds, to `output`. */
  public addFilter(name: string, options: FilterStageOptions): KafkaStage {
    this.checkQuery(name, 'condition', options.condition);
    return this.addStage(name, KafkaStageKind.FILTER, [options.input], [options.output], options, false, (common) =>
      StreamProcessorConfig.filter({ ...common, output: options.output, condition: options.condition }));
  }

  /** A splitter: each message of `input` to the first route whose condition holds (every such route with `copy`). */
  public addSplitter(name: string, options: SplitterStageOptions): KafkaStage {
    if (!Array.isArray(options.routes) || options.routes.length === 0) throw this.stageError(name, 'routes', 'a list of at least one route', options.routes);
    options.routes.forEach((r, i) => this.checkQuery(name, `routes[${i}].condition`, r.condition));
    const outputs = unique([...options.routes.map((r) => r.topic), ...(options.unmatched !== undefined ? [options.unmatched] : [])]);
    const edgeLabels: { [topic: string]: string } = {};
    options.routes.forEach((r, i) => {
      edgeLabels[r.topic] = edgeLabels[r.topic] ? `${edgeLabels[r.topic]} or ${r.condition}` : `${i + 1}: ${r.condition}`;
    });
    if (options.unmatched !== undefined) edgeLabels[options.unmatched] = edgeLabels[options.unmatched] ? `${edgeLabels[options.unmatched]} or unmatched` : 'unmatched';
    return this.addStage(name, KafkaStageKind.SPLITTER, [options.input], outputs, options, false, (common) =>
      StreamProcessorConfig.splitter({ ...common, routes: options.routes, copy: options.copy, unmatched: options.unmatched }), edgeLabels,
    options.copy ? 'splitter (copy)' : 'splitter');
  }

  /** A sharder: each message of `input` to `shards[fnv1_32(key) % shards.length]`. */
  public addSharder(name: string, options: SharderStageOptions): KafkaStage {
    this.checkQuery(name, 'key', options.key);
    if (!Array.isArray(options.shards) || options.shards.length < 2) throw this.stageError(name, 'shards', 'a list of at least 2 topics', options.shards);
    const edgeLabels: { [topic: string]: string } = {};
    options.shards.forEach((t, i) => { edgeLabels[t] = `shard ${i}`; });
    return this.addStage(name, KafkaStageKind.SHARDER, [options.input], options.shards, options, false, (common) =>
      StreamProcessorConfig.sharder({ ...common, key: options.key, shards: options.shards }), edgeLabels);
  }

  /** A merger: the messages of every input to `output`. */
  public addMerger(name: string, options: MergerStageOptions): KafkaStage {
    if (!Array.isArray(options.inputs) || options.inputs.length < 2) throw this.stageError(name, 'inputs', 'a list of at least 2 topics', options.inputs);
    return this.addStage(name, KafkaStageKind.MERGER, options.inputs, [options.output], options, false, (common) =>
      StreamProcessorConfig.merger({ ...common, output: options.output }));
  }

  /**
   * A join (barrier): parts with the same `batchKey` are held until `count` (or `countQuery`) distinct parts have
   * arrived, then one message `{"key", "parts": […]}` goes to `output`. Incomplete batches wait in the stage's
   * pending topic (declared with the workflow's topics), so a restart loses nothing. See
   * `StreamProcessorConfig.join`.
   */
  public addJoin(name: string, options: JoinStageOptions): KafkaStage {
    if (typeof options.batchKey !== 'string' || options.batchKey.trim() === '') {
      throw this.stageError(name, 'batchKey', 'a Bloblang query for the batch a part belongs to (e.g. this.image_id)', options.batchKey);
    }
    if (options.count === undefined && options.countQuery === undefined) {
      throw this.stageError(name, 'count', 'set, or countQuery set: a join must know how many parts complete a batch', undefined);
    }
    if (options.count !== undefined && options.countQuery !== undefined) {
      throw this.stageError(name, 'countQuery', 'unset when count is set', options.countQuery);
    }
    if (options.count !== undefined && (!Number.isInteger(options.count) || options.count < 1 || options.count > 1_000_000)) {
      throw this.stageError(name, 'count', 'an integer from 1 to 1000000', options.count);
    }
    if (options.countQuery !== undefined) this.checkQuery(name, 'countQuery', options.countQuery);
    if (options.partKey !== undefined) this.checkQuery(name, 'partKey', options.partKey);
    if (!Array.isArray(options.inputs) || options.inputs.length < 1) throw this.stageError(name, 'inputs', 'a list of at least 1 topic', options.inputs);
    const pendingTopic = options.pendingTopic ?? `${name}.pending`;
    const outputs = [options.output, ...(options.expiredTopic !== undefined ? [options.expiredTopic] : [])];
    const edgeLabels: { [topic: string]: string } = { [options.output]: 'complete batches' };
    if (options.expiredTopic !== undefined) edgeLabels[options.expiredTopic] = 'timed out';
    const count = options.count !== undefined ? `${options.count} parts` : 'n parts';
    return this.addStage(name, KafkaStageKind.JOIN, options.inputs, outputs, options, true, (common) =>
      StreamProcessorConfig.join({
        ...common,
        output: options.output,
        batchKey: options.batchKey,
        count: options.count,
        countQuery: options.countQuery,
        partKey: options.partKey,
        window: options.window,
        timeout: options.timeout,
        pendingTopic,
        expiredTopic: options.expiredTopic,
      }), edgeLabels, `join (${count})`, pendingTopic);
  }

  /** A reduce: one aggregate message per key and window, to `output`. See `StreamProcessorConfig.reduce`. */
  public addReduce(name: string, options: ReduceStageOptions): KafkaStage {
    this.checkQuery(name, 'key', options.key);
    const window = options.window ?? Duration.minutes(1);
    return this.addStage(name, KafkaStageKind.REDUCE, [options.input], [options.output], options, true, (common) =>
      StreamProcessorConfig.reduce({ ...common, output: options.output, key: options.key, aggregations: options.aggregations, window }),
    undefined, `reduce (${formatDuration(window)} windows)`);
  }

  /**
   * A stage that runs your image. Its program finds the topics, the consumer group and the bootstrap addresses in
   * its environment (`CustomStageEnv`): it must read `KAFKA_INPUT_TOPICS` in the consumer group
   * `KAFKA_CONSUMER_GROUP` (so that the replicas share the partitions and KEDA can read the lag) and write only to
   * `KAFKA_OUTPUT_TOPICS`.
   */
  public addCustom(name: string, options: CustomStageOptions): KafkaStage {
    if (!Array.isArray(options.inputs) || options.inputs.length < 1) throw this.stageError(name, 'inputs', 'a list of at least 1 topic', options.inputs);
    if (!Array.isArray(options.outputs)) throw this.stageError(name, 'outputs', 'a list of topics', options.outputs);
    return this.addStage(name, KafkaStageKind.CUSTOM, options.inputs, options.outputs, options, false, undefined, undefined,
      `custom: ${options.image}`, undefined, options);
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
    const problems: string[] = [];
    const writers = new Map<string, string[]>();
    const readers = new Map<string, string[]>();
    for (const s of this.stageMap.values()) {
      for (const t of s.outputs) push(writers, t, s.stageName);
      for (const t of s.inputs) push(readers, t, s.stageName);
      if (this.deadLetterTopic !== undefined && s.kind !== KafkaStageKind.CUSTOM) push(writers, this.deadLetterTopic, s.stageName);
    }
    for (const t of this.topicMap.values()) {
      if (t.internalTo !== undefined) continue;
      const r = readers.get(t.topicName) ?? [];
      const w = writers.get(t.topicName) ?? [];
      if (r.length === 0 && w.length === 0 && !t.source && !t.sink) {
        problems.push(`topic '${t.topicName}' is neither read nor written by any stage`);
        continue;
      }
      if (r.length > 0 && w.length === 0 && !t.source) {
        problems.push(`topic '${t.topicName}' is read by ${stageList(r)} but no stage writes it: declare it a source (source: true) or add a stage that writes it`);
      }
      if (w.length > 0 && r.length === 0 && !t.sink) {
        problems.push(`topic '${t.topicName}' is written by ${stageList(w)} but no stage reads it: declare it a sink (sink: true) or add a stage that reads it`);
      }
    }
    for (const cycle of this.cycles()) {
      const stages = cycle.filter((_, i) => i % 2 === 0);
      if (stages.some((s) => this.stageMap.get(s)!.allowCycle)) continue;
      problems.push(`the graph has a cycle: ${cycle.join(' -> ')} -> ${cycle[0]}; set allowCycle on one of its stages if the loop is deliberate`);
    }
    return problems;
  }

  /**
   * The graph as a Mermaid flowchart: topics as cylinders (sources and sinks marked), stages as hexagons (custom
   * stages as subroutines) with their kind and replicas, edges labelled with routes and shards; a join's pending
   * topic hangs off it with dotted edges. Deterministic: the same workflow gives the same text.
   *
   * @see https://mermaid.js.org/syntax/flowchart.html
   */
  public toMermaid(): string {
    const ids = new Map<string, string>();
    const lines = ['flowchart LR'];
    const clusterText = this.cluster.kind === KafkaClusterKind.EXTERNAL
      ? `external Kafka at ${this.bootstrapServers.join(', ')}`
      : `${this.cluster.kind} Kafka, ${this.brokers} broker${this.brokers === 1 ? '' : 's'}`;
    lines.push(`  %% KafkaWorkflow ${this.baseName}: ${clusterText}`);
    const topics = [...this.topicMap.values()];
    topics.forEach((t, i) => {
      const id = `t${i}`;
      ids.set(`topic:${t.topicName}`, id);
      const role = [t.source ? 'source' : '', t.sink ? 'sink' : '', t.topicName === this.deadLetterTopic ? 'dead letters' : ''].filter(Boolean).join(', ');
      const detail = `${t.partitions} partition${t.partitions === 1 ? '' : 's'} × ${t.replicationFactor}${role ? ` · ${role}` : ''}`;
      lines.push(`  ${id}[("${mermaidText(t.topicName)}<br/>${mermaidText(detail)}")]`);
    });
    const stages = [...this.stageMap.values()];
    stages.forEach((s, i) => {
      const id = `s${i}`;
      ids.set(`stage:${s.stageName}`, id);
      const replicas = s.scaledObject ? `${s.replicas}..${(s.scaledObject.toJson() as any).spec.maxReplicaCount} replicas (KEDA)` : `${s.replicas} replica${s.replicas === 1 ? '' : 's'}`;
      const text = `${mermaidText(s.stageName)}<br/>${mermaidText(s._label)} · ${replicas}`;
      lines.push(s.kind === KafkaStageKind.CUSTOM ? `  ${id}[["${text}"]]` : `  ${id}{{"${text}"}}`);
    });
    for (const s of stages) {
      const sid = ids.get(`stage:${s.stageName}`)!;
      for (const t of s.inputs) lines.push(`  ${ids.get(`topic:${t}`)} --> ${sid}`);
      for (const t of s.outputs) {
        const label = s._edgeLabels[t];
        lines.push(label !== undefined ? `  ${sid} -->|"${mermaidText(label)}"| ${ids.get(`topic:${t}`)}` : `  ${sid} --> ${ids.get(`topic:${t}`)}`);
      }
      if (s.pendingTopic !== undefined) {
        const p = ids.get(`topic:${s.pendingTopic}`)!;
        lines.push(`  ${sid} -.->|"incomplete"| ${p}`, `  ${p} -.-> ${sid}`);
      }
    }
    lines.push('  classDef topic fill:#fff7e6,stroke:#d46b08,color:#000');
    lines.push('  classDef source fill:#f6ffed,stroke:#389e0d,color:#000');
    lines.push('  classDef sink fill:#e6f4ff,stroke:#0958d9,color:#000');
    lines.push('  classDef stage fill:#f9f0ff,stroke:#531dab,color:#000');
    const byClass = (pred: (t: KafkaWorkflowTopic) => boolean) => topics.filter(pred).map((t) => ids.get(`topic:${t.topicName}`)!);
    const plain = byClass((t) => !t.source && !t.sink);
    const sources = byClass((t) => t.source);
    const sinks = byClass((t) => t.sink && !t.source);
    if (plain.length) lines.push(`  class ${plain.join(',')} topic`);
    if (sources.length) lines.push(`  class ${sources.join(',')} source`);
    if (sinks.length) lines.push(`  class ${sinks.join(',')} sink`);
    if (stages.length) lines.push(`  class ${stages.map((_, i) => `s${i}`).join(',')} stage`);
    return lines.join('\n') + '\n';
  }

  private declareTopic(name: string, options: KafkaTopicOptions, internalTo: string | undefined): KafkaWorkflowTopic {
    const problem = KafkaConfig.topicNameProblem(name);
    if (problem) throw propError(this, 'topic name', `a name Kafka accepts (1 to 249 characters of [a-zA-Z0-9._-], not '.' or '..'): it ${problem}`, name);
    if (this.topicMap.has(name)) throw propError(this, 'topic name', 'unique in the workflow', name);
    const collision = [...this.topicMap.keys()].find((t) => KafkaConfig.collisionName(t) === KafkaConfig.collisionName(name));
    if (collision) throw propError(this, 'topic name', `distinct from '${collision}' (Kafka treats '.' and '_' alike in topic names)`, name);
    const topic = new KafkaWorkflowTopic(this.topicScope, name, {
      ...options, brokers: this.brokers, internalTo, strimziCluster: this.strimziCluster, labels: this.labels,
    });
    this.topicMap.set(name, topic);
    return topic;
  }

  private stageError(stage: string, prop: string, expectation: string, value: any): Error {
    return new Error(`${PropCheck.where(this)}: '${prop}' of stage '${stage}' must be ${expectation}, got ${PropCheck.show(value)}`);
  }

  private checkQuery(stage: string, prop: string, text: string): void {
    if (typeof text !== 'string' || text.trim() === '') throw this.stageError(stage, prop, 'a non-empty Bloblang query', text);
  }

  private addStage(
    name: string, kind: KafkaStageKind, inputs: string[], outputs: string[], options: KafkaStageOptions, stateful: boolean,
    render: ((common: StreamStageCommonOptions) => string) | undefined, edgeLabels?: { [topic: string]: string }, label?: string,
    pendingTopic?: string, custom?: CustomStageOptions,
  ): KafkaStage {
    if (typeof name !== 'string' || !ResourceNames.isDnsLabel(name, 63 - this.baseName.length - 8)) {
      throw propError(this, 'stage name', `a DNS-1123 label of at most ${63 - this.baseName.length - 8} characters (room for '${this.baseName}-' and '-config')`, name);
    }
    if (this.stageMap.has(name)) throw propError(this, 'stage name', 'unique in the workflow', name);
    for (const t of [...inputs, ...outputs]) {
      if (!this.topicMap.has(t) || this.topicMap.get(t)!.internalTo !== undefined) {
        throw this.stageError(name, propOf(options, t), `a topic declared with addTopic (declared: ${this.declaredList()})`, t);
      }
    }
    if (new Set(inputs).size !== inputs.length) throw this.stageError(name, 'inputs', 'distinct topics', inputs);
    if (this.deadLetterTopic !== undefined && kind !== KafkaStageKind.CUSTOM && inputs.includes(this.deadLetterTopic)) {
      throw this.stageError(name, 'inputs', `free of the dead-letter topic '${this.deadLetterTopic}' (a failure there would loop)`, inputs);
    }
    if (this.deadLetterTopic !== undefined && !this.topicMap.has(this.deadLetterTopic)) {
      throw propError(this, 'deadLetterTopic', `a topic declared with addTopic before the first stage (declared: ${this.declaredList()})`, this.deadLetterTopic);
    }
    if (pendingTopic !== undefined && this.topicMap.has(pendingTopic)) {
      throw this.stageError(name, 'pendingTopic', 'a topic name not declared otherwise (the join creates it)', pendingTopic);
    }
    const inputPartitions = inputs.reduce((sum, t) => sum + this.topicMap.get(t)!.partitions, 0);

    let config: string | undefined;
    if (render) {
      const common: StreamStageCommonOptions = {
        seedBrokers: this.bootstrapServers,
        inputs,
        consumerGroup: `${this.baseName}-${name}`,
        stageName: name,
        outputKey: options.outputKey,
        deadLetterTopic: this.deadLetterTopic,
        logLevel: options.logLevel,
      };
      try {
        config = render(common);
      } catch (e: any) {
        throw new Error(`${PropCheck.where(this)}: stage '${name}': ${e.message}`);
      }
    }
    if (pendingTopic !== undefined) {
      const maxPartitions = Math.max(...inputs.map((t) => this.topicMap.get(t)!.partitions));
      this.declareTopic(pendingTopic, { partitions: maxPartitions }, name);
    }
    const stage = new KafkaStage(this, name, {
      kind, inputs, outputs, inputPartitions, options, config, custom, stateful, edgeLabels, pendingTopic, label: label ?? kind, images: this.images,
    });
    this.stageMap.set(name, stage);
    return stage;
  }

  private declaredList(): string {
    const names = [...this.topicMap.values()].filter((t) => t.internalTo === undefined).map((t) => t.topicName);
    return names.length ? names.join(', ') : 'none';
  }

  /** Every elementary cycle found by a DFS over stage → topic → stage, as [stage, topic, stage, topic, …]. */
  private cycles(): string[][] {
    const next = new Map<string, Array<[string, string]>>();
    for (const s of this.stageMap.values()) {
      const edges: Array<[string, string]> = [];
      for (const t of s.outputs) {
        for (const r of this.stageMap.values()) if (r.inputs.includes(t)) edges.push([t, r.stageName]);
      }
      next.set(s.stageName, edges);
    }
    const found: string[][] = [];
    const seen = new Set<string>();
    const order = [...this.stageMap.keys()];
    for (const start of order) {
      // cycles whose smallest stage (in declaration order) is `start`, so that each is reported once
      const startIdx = order.indexOf(start);
      const path: string[] = [];
      const onPath = new Set<string>();
      const dfs = (stage: string) => {
        path.push(stage);
        onPath.add(stage);
        for (const [topic, to] of next.get(stage) ?? []) {
          if (order.indexOf(to) < startIdx) continue;
          if (to === start) {
            const full: string[] = [];
            for (let i = 0; i < path.length; i++) {
              full.push(path[i]);
              full.push(i + 1 < path.length ? edgeTopic(next, path[i], path[i + 1]) : topic);
            }
            const key = full.join('>');
            if (!seen.has(key)) {
              seen.add(key);
              found.push(full);
            }
          } else if (!onPath.has(to)) {
            dfs(to);
          }
        }
        path.pop();
        onPath.delete(stage);
      };
      dfs(start);
    }
    return found;
  }

  private embeddedCluster(o: EmbeddedKafkaOptions, brokers: number): StatefulShards {
    const name = `${this.baseName}-kafka`;
    const user = ContainerImages.user(ImageKey.KAFKA);
    const heap = o.heap ?? Size.gibibytes(1);
    const heapMi = heap.toMebibytes();
    if (!Number.isInteger(heapMi) || heapMi < 256) throw propError(this, 'cluster.heap', 'a whole number of MiB, at least 256 MiB', `${heapMi}Mi`);
    const namespace = Chart.of(this).namespace;
    const controllers = Array.from({ length: brokers }, (_, i) => `${ResourceNames.podDnsName(name, i, name, { namespace })}:${CONTROLLER_PORT}`);
    let properties: string;
    try {
      properties = KafkaConfig.kraftServerProperties({
        controllers,
        advertisedHost: `@POD_NAME@.${name}.@POD_NAMESPACE@.svc`,
        port: KAFKA_PORT,
        controllerPort: CONTROLLER_PORT,
        logDir: `${KAFKA_DATA_DIR}/kraft-logs`,
        overrides: o.config,
      });
    } catch (e: any) {
      throw propError(this, 'cluster.config', `broker settings the cluster accepts (${e.message})`, o.config);
    }
    const clusterId = o.clusterId ?? createHash('sha256').update(`kafka-workflow:${namespace ?? ''}/${name}`).digest().subarray(0, 16).toString('base64url');
    if (!/^[A-Za-z0-9_-]{22}$/.test(clusterId)) throw propError(this, 'cluster.clusterId', '22 characters of base64url (kafka-storage.sh random-uuid)', clusterId);

    const config = new kplus.ConfigMap(this, 'KafkaConfig', {
      metadata: { name: `${name}-config`, labels: this.labels },
      data: {
        'server.properties': properties,
        'start.sh': KafkaConfig.startScript(`${KAFKA_CONFIG_DIR}/server.properties`, KAFKA_RUN_DIR),
      },
    });
    const nodes = new StatefulShards(this, 'Kafka', {
      name,
      shards: brokers,
      appName: 'kafka',
      instance: this.baseName,
      partOf: this.baseName,
      uid: user.uid,
      gid: user.gid,
      port: KAFKA_PORT,
      portName: 'kafka',
      writableDirs: ['/tmp', KAFKA_LOG_DIR, KAFKA_RUN_DIR],
      dataDir: KAFKA_DATA_DIR,
      storage: o.storage ?? Size.gibibytes(10),
      storageClassName: o.storageClassName,
      container: {
        name: 'kafka',
        image: ContainerImages.resolve(this, ImageKey.KAFKA, this.images),
        command: ['/bin/sh', `${KAFKA_CONFIG_DIR}/start.sh`],
        ports: [{ number: KAFKA_PORT, name: 'kafka' }, { number: CONTROLLER_PORT, name: 'controller' }],
        envVariables: {
          POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
          POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
          KAFKA_CLUSTER_ID: kplus.EnvValue.fromValue(clusterId),
          KAFKA_HEAP_OPTS: kplus.EnvValue.fromValue(`-Xms${heapMi}m -Xmx${heapMi}m`),
          LOG_DIR: kplus.EnvValue.fromValue(KAFKA_LOG_DIR),
        },
        readiness: kplus.Probe.fromTcpSocket({ port: KAFKA_PORT, periodSeconds: Duration.seconds(5) }),
        liveness: kplus.Probe.fromTcpSocket({
          port: CONTROLLER_PORT, initialDelaySeconds: Duration.seconds(60), periodSeconds: Duration.seconds(10), failureThreshold: 6,
        }),
        resources: {
          cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(2) },
          memory: { request: Size.mebibytes(Math.ceil(heapMi * 1.5)), limit: Size.mebibytes(heapMi * 2) },
        },
      },
    });
    nodes.container.mount(KAFKA_CONFIG_DIR, kplus.Volume.fromConfigMap(this, 'KafkaConfigVolume', config, { name: 'kafka-config' }), { readOnly: true });
    ConfigChecksum.annotate(nodes.statefulSet, [config]);
    return nodes;
  }

  private topicJob(): kplus.Job {
    const user = ContainerImages.user(ImageKey.KAFKA);
    const script = () => KafkaConfig.createTopicsScript([...this.topicMap.values()].map((t) => ({
      name: t.topicName, partitions: t.partitions, replicationFactor: t.replicationFactor, config: t.config,
    })));
    const hash = () => createHash('sha256').update(script()).digest('hex').slice(0, 8);
    const cmName = `${this.baseName}-topics`;
    // The script (and so the Job's name) depends on topics added after construction: both are produced at synthesis.
    // A new topic list gives a new Job name, because a Job's pod template cannot be changed.
    const cm = new kplus.k8s.KubeConfigMap(this, 'TopicsScript', {
      metadata: { name: cmName, labels: this.labels },
      data: { 'create-topics.sh': Lazy.any({ produce: () => script() }) as any },
    });
    const labels = { ...this.labels, 'app.kubernetes.io/component': 'topics' };
    // No ttlSecondsAfterFinished: a GitOps tool would re-create a Job the TTL deleted, and run it again and again.
    const job = new kplus.Job(this, 'TopicsJob', {
      metadata: {
        name: Lazy.any({ produce: () => `${this.baseName}-topics-${hash()}` }) as any,
        labels,
        // Tell kube-linter (and readers) why this Job deliberately has no TTL.
        annotations: { 'ignore-check.kube-linter.io/job-ttl-seconds-after-finished': 'a GitOps tool would re-create a Job its TTL deleted and run it again' },
      },
      backoffLimit: 20,
      securityContext: RestrictedSecurity.podSecurityContext(user.uid, user.gid),
    });
    RecommendedLabels.applyTo(job, labels);
    job.podMetadata.addAnnotation(ConfigChecksum.ANNOTATION, Lazy.any({ produce: () => createHash('sha256').update(script()).digest('hex') }) as any);
    const container = RestrictedSecurity.addContainer(job, {
      name: 'create-topics',
      image: ContainerImages.resolve(this, ImageKey.KAFKA, this.images),
      command: ['/bin/sh', `${TOPICS_SCRIPT_DIR}/create-topics.sh`],
      envVariables: {
        KAFKA_BOOTSTRAP_SERVERS: kplus.EnvValue.fromValue(this.bootstrapServers.join(',')),
        KAFKA_HEAP_OPTS: kplus.EnvValue.fromValue('-Xmx256m'),
        LOG_DIR: kplus.EnvValue.fromValue('/tmp'),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(384), limit: Size.mebibytes(512) },
      },
    }, { uid: user.uid, gid: user.gid });
    container.mount(TOPICS_SCRIPT_DIR, kplus.Volume.fromConfigMap(this, 'TopicsScriptVolume',
      kplus.ConfigMap.fromConfigMapName(this, 'TopicsScriptRef', cmName), { name: 'topics-script' }), { readOnly: true });
    RestrictedSecurity.addWritableDirs(job, container, { paths: ['/tmp'] });
    RestrictedSecurity.applySeccomp(job);
    job.node.addDependency(cm);
    return job;
  }
}

function brokerDefaults(scope: Construct, brokers: number, overrides?: { [key: string]: string }): { [key: string]: string } {
  const rf = String(Math.min(3, brokers));
  const minIsr = String(Math.max(1, Math.min(2, brokers - 1)));
  const config: { [key: string]: string } = {
    'auto.create.topics.enable': 'false',
    'default.replication.factor': rf,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
  };
  for (const key of Object.keys(overrides ?? {}).sort()) {
    const v = overrides![key];
    if (!/^[a-z0-9]+([._-][a-z0-9]+)*$/.test(key) || typeof v !== 'string' || /[\r\n]/.test(v)) {
      throw propError(scope, `cluster.config.${key}`, 'a one-line string for a dotted lowercase setting name', v);
    }
    config[key] = v;
  }
  return config;
}

/** The name of the stage option that holds `topic` (for messages). */
function propOf(options: { [key: string]: any }, topic: string): string {
  for (const key of ['input', 'output', 'unmatched', 'expiredTopic']) if (options[key] === topic) return key;
  for (const key of ['inputs', 'outputs', 'shards']) if (Array.isArray(options[key]) && options[key].includes(topic)) return key;
  const routes = options.routes;
  if (Array.isArray(routes)) {
    const i = routes.findIndex((r: any) => r?.topic === topic);
    if (i >= 0) return `routes[${i}].topic`;
  }
  return 'topics';
}

function edgeTopic(next: Map<string, Array<[string, string]>>, from: string, to: string): string {
  return (next.get(from) ?? []).find(([, s]) => s === to)![0];
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  const list = m.get(k) ?? [];
  if (!list.includes(v)) list.push(v);
  m.set(k, list);
}

function stageList(stages: string[]): string {
  return `stage${stages.length > 1 ? 's' : ''} ${stages.map((s) => `'${s}'`).join(', ')}`;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function sortedEnv(env: { [key: string]: kplus.EnvValue }): { [key: string]: kplus.EnvValue } {
  const out: { [key: string]: kplus.EnvValue } = {};
  for (const k of Object.keys(env).sort()) out[k] = env[k];
  return out;
}

function mermaidText(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\|/g, '#124;');
}

function formatDuration(d: Duration): string {
  const ms = d.toMilliseconds();
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
