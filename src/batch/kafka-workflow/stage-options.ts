import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ReduceAggregation, SplitterRoute, StreamLogLevel } from '../../config/stream-processor-options';
import { AppContainerProps } from '../../core/app-container';
import { NetworkRule } from '../../core/network';

// The one vocabulary of stage options: a topic a stage reads is `input` (one) or `inputs` (a list); a topic it
// writes is `output` or `outputs`, and a secondary output is `<what>Output` (`unmatchedOutput`, `expiredOutput`);
// a splitter route's topic is its `output`. A join's `pendingTopic` is neither: the stage's own state.

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
 * What every stage takes, the stream processor's and your own.
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
   * This stage may close a cycle of the graph (a deliberate feedback loop).
   *
   * @default false
   */
  readonly allowCycle?: boolean;
}

/**
 * What every stage of the stream processor (Bento) takes: every kind but a custom stage.
 */
export interface StreamStageOptions extends KafkaStageOptions {
  /**
   * A Bloblang query for the key of the records the stage writes (e.g. `this.image_id`): the stage downstream of
   * it may need that key (a join or reduce with more than one replica).
   *
   * @default - the key of the record read
   */
  readonly outputKey?: string;
  /**
   * Resources of the stream processor's container.
   *
   * @default - requests 50m CPU and 64 MiB, limits 1 CPU and 256 MiB (1 GiB for a join or reduce); ephemeral storage 16Mi request, 64Mi limit (kept when yours leave `ephemeralStorage` out)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * The log level of the stream processor.
   *
   * @default StreamLogLevel.INFO
   */
  readonly logLevel?: StreamLogLevel;
}

/** Options for `KafkaWorkflow.addCopier`. */
export interface CopierStageOptions extends StreamStageOptions {
  /** The topic read. */
  readonly input: string;
  /** The topics each message is copied to. */
  readonly outputs: string[];
}

/** Options for `KafkaWorkflow.addFilter`. */
export interface FilterStageOptions extends StreamStageOptions {
  /** The topic read. */
  readonly input: string;
  /** The topic the kept messages go to. */
  readonly output: string;
  /** A Bloblang query, `true` for the messages to keep (e.g. `this.size_bytes < 20000000`). */
  readonly condition: string;
}

/** Options for `KafkaWorkflow.addSplitter`. */
export interface SplitterStageOptions extends StreamStageOptions {
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
  readonly unmatchedOutput?: string;
}

/** Options for `KafkaWorkflow.addSharder`. */
export interface SharderStageOptions extends StreamStageOptions {
  /** The topic read. */
  readonly input: string;
  /** A Bloblang query for the shard key (e.g. `this.user_id`). */
  readonly key: string;
  /** The shard topics (at least 2); a message goes to `outputs[fnv1_32(key) % outputs.length]`. */
  readonly outputs: string[];
}

/** Options for `KafkaWorkflow.addMerger`. */
export interface MergerStageOptions extends StreamStageOptions {
  /** The topics read (at least 2). */
  readonly inputs: string[];
  /** The topic they are merged into. */
  readonly output: string;
}

/** Options for `KafkaWorkflow.addJoin`. */
export interface JoinStageOptions extends StreamStageOptions {
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
   * How long a batch may wait for its last part: whole seconds, from 1 second to 7 days.
   *
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;
  /**
   * A declared topic for the parts of batches that timed out.
   *
   * @default - they are dropped, with a log line
   */
  readonly expiredOutput?: string;
  /**
   * The name of the topic that holds incomplete batches between windows, created with the workflow's topics
   * (the partitions of the largest input).
   *
   * @default - `<stage name>.pending`
   */
  readonly pendingTopic?: string;
  /**
   * How many records of one partition the join may hold at once (Bento's `checkpoint_limit`): a window holds every
   * record it has read until it ends.
   *
   * @default 10000
   */
  readonly maxInFlightPerPartition?: number;
}

/** Options for `KafkaWorkflow.addReduce`. */
export interface ReduceStageOptions extends StreamStageOptions {
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
  /**
   * How many records of one partition the reduce may hold at once (Bento's `checkpoint_limit`): a window holds
   * every record it has read until it ends.
   *
   * @default 10000
   */
  readonly maxInFlightPerPartition?: number;
}

/** Options for `KafkaWorkflow.addHttpCall`. */
export interface HttpCallStageOptions extends StreamStageOptions {
  /** The topic read. */
  readonly input: string;
  /** The URL each message is POSTed to (e.g. a function's `http://signup-create-user`). */
  readonly url: string;
  /**
   * Where the answer goes: every route whose condition holds (`true` takes every answer).
   *
   * @default - none: the answers are dropped
   */
  readonly routes?: SplitterRoute[];
  /**
   * Attempts per message (connection errors, timeouts, 408, 429 and 5xx are tried again); then, or at once for
   * another 4xx, the message goes to the workflow's dead-letter topic.
   *
   * @default 3
   */
  readonly attempts?: number;
  /**
   * The wait between attempts.
   *
   * @default Duration.millis(200)
   */
  readonly retryPeriod?: Duration;
  /**
   * The time bound of one attempt.
   *
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * The pods the URL reaches and their ports, for the stage's NetworkPolicy (its egress). Give the **pod** port:
   * NetworkPolicies match after a Service's translation, so a Service port 80 in front of pods on 8080 is 8080
   * here. `FunctionPipeline` sets it to its function's pods.
   *
   * @default - any address on the URL's port (its explicit port, else 80 for http and 443 for https)
   */
  readonly callTarget?: NetworkRule;
}

/** Options for `KafkaWorkflow.addCustom`. */
export interface CustomStageOptions extends KafkaStageOptions {
  /** The topics the program reads. */
  readonly inputs: string[];
  /** The topics it writes (may be empty: a program that only consumes). */
  readonly outputs: string[];
  /**
   * Your program's container (the image pinned). Its environment gets the contract of `CustomStageEnv` (those
   * names are reserved); its port, if any, is named by `portName`. No port and no probe by default: a stage
   * consumes, it serves no traffic.
   *
   * Its resources default to requests 50m CPU and 64 MiB, limits 1 CPU and 256 MiB; uid 1000, gid the uid.
   */
  readonly container: AppContainerProps;
}
