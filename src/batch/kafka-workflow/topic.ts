import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { KafkaConfig } from '../../config/kafka';
import { ValueProblems } from '../../core/_value-problems';
import { ResourceNames } from '../../core/names';
import { showValue, where } from '../../core/prop-error';
import { StrimziKafkaTopic } from '../../crds/strimzi';

/**
 * Options for `KafkaWorkflow.addTopic`.
 */
export interface KafkaTopicOptions {
  /**
   * Number of partitions: the most consumers of one group that can share the topic. Raised later, the topics Job
   * adds partitions to the existing topic (keyed messages then map to other partitions); lowered, it fails with the
   * reason, since Kafka cannot remove partitions.
   *
   * @default 3
   */
  readonly partitions?: number;
  /**
   * Number of replicas of each partition: at most the brokers, and at least the topic's `min.insync.replicas`
   * (its own setting, else the brokers'), or every `acks=all` write fails with NOT_ENOUGH_REPLICAS.
   *
   * @default - 3, or the number of brokers when fewer; at least the brokers' `min.insync.replicas`
   */
  readonly replicationFactor?: number;
  /**
   * Topic settings (`retention.ms`, `cleanup.policy`, …), checked as Kafka checks them: names Kafka 4.3 knows,
   * values its validators accept (`retention.ms` an integer of at least -1, …), `min.insync.replicas` at most the
   * replication factor. See `KafkaConfig.topicSettingProblem`. On a topic that exists, the topics Job sets the
   * declared settings (a setting no longer declared keeps its value).
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
   * The brokers' `min.insync.replicas`: the fewest replicas of a topic that has no `min.insync.replicas` of its own.
   *
   * @default 1
   */
  readonly brokerMinInsyncReplicas?: number;
  /**
   * The brokers have tiered storage.
   *
   * @default - unknown: `remote.storage.enable` is not checked
   */
  readonly remoteStorage?: boolean;
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
  /**
   * The object name of a topic's Strimzi `KafkaTopic` (`KafkaWorkflow.topicObjectName`).
   *
   * @internal
   */
  public static _objectName(topic: string): string {
    if (ResourceNames.isDnsSubdomain(topic) && topic.length <= 63 && !topic.includes('..')) return topic;
    const cleaned = topic.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'topic';
    const hash = createHash('sha256').update(topic).digest('hex').slice(0, 8);
    return `${cleaned.slice(0, 54).replace(/[^a-z0-9]+$/, '')}-${hash}`;
  }

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
    const brokers = props.brokers;
    const brokerMinIsr = props.brokerMinInsyncReplicas ?? 1;
    this.topicName = name;
    this.internalTo = props.internalTo;
    const integer = ValueProblems.integer(1, 100000, props.partitions ?? 3);
    if (integer) throw this.error('partitions', integer.expectation, integer.got);
    this.partitions = props.partitions ?? 3;
    const maxRf = brokers ?? 32767;
    this.replicationFactor = props.replicationFactor ?? Math.max(Math.min(3, brokers ?? 3), brokerMinIsr);
    if (!Number.isInteger(this.replicationFactor) || this.replicationFactor < 1 || this.replicationFactor > maxRf) {
      const why = brokers !== undefined ? ` (the cluster has ${brokers} broker${brokers === 1 ? '' : 's'})` : '';
      throw this.error('replicationFactor', `an integer from 1 to ${maxRf}${why}`, this.replicationFactor);
    }
    const config = props.config ?? {};
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw this.error('config', 'a map of topic settings to string values', config);
    const problem = KafkaConfig.topicSettingsProblem(config, this.replicationFactor, props.remoteStorage);
    if (problem) throw this.error(`config.${problem.setting}`, problem.expectation, problem.value);
    if (config['min.insync.replicas'] === undefined && this.replicationFactor < brokerMinIsr) {
      throw this.error('replicationFactor', `at least the brokers' min.insync.replicas (${brokerMinIsr}), or a lower 'min.insync.replicas' in the topic's config: with fewer replicas every acks=all write fails with NOT_ENOUGH_REPLICAS`,
        this.replicationFactor);
    }
    this._config = {};
    for (const key of Object.keys(config).sort()) this._config[key] = config[key];
    for (const [prop, v] of [['source', props.source], ['sink', props.sink]] as const) {
      if (v !== undefined && typeof v !== 'boolean') throw this.error(prop, 'true or false', v);
    }
    this.source = props.source ?? false;
    this.sink = props.sink ?? false;
    if (props.strimziCluster !== undefined) {
      const objectName = KafkaWorkflowTopic._objectName(name);
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

  /** `<KafkaWorkflowTopic> '<path>': '<prop>' of topic '<name>' must be …, got …`. */
  private error(prop: string, expectation: string, value: any): Error {
    return new Error(`${where(this)}: '${prop}' of topic '${this.topicName}' must be ${expectation}, got ${showValue(value)}`);
  }
}
