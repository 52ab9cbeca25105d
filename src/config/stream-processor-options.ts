import { Duration } from 'cdk8s';

/**
 * Bento's log levels.
 *
 * @see https://warpstreamlabs.github.io/bento/docs/components/logger/about
 */
export enum StreamLogLevel {
  /** Errors only. */
  ERROR = 'ERROR',
  /** Warnings and errors. */
  WARN = 'WARN',
  /** The default: lifecycle events, warnings and errors. */
  INFO = 'INFO',
  /** Everything, for debugging a stage. */
  DEBUG = 'DEBUG',
}

/**
 * What every stage config has: where Kafka is, what the stage reads, and how failures and keys are handled.
 */
export interface StreamStageCommonOptions {
  /** Bootstrap addresses (`host:port`) of the Kafka cluster. */
  readonly seedBrokers: string[];
  /**
   * Connect to the brokers over TLS, trusting the CA certificate(s) in this PEM file.
   *
   * @default - no TLS
   */
  readonly tlsRootCasFile?: string;
  /**
   * Authenticate with SASL/PLAIN as this user, the password read from the environment variable
   * `saslPasswordVariable` (interpolated by the stream processor when it starts, never written in the config).
   *
   * @default - no SASL
   */
  readonly saslUsername?: string;
  /**
   * The environment variable holding the SASL password (with `saslUsername`).
   *
   * @default 'KAFKA_SASL_PASSWORD'
   */
  readonly saslPasswordVariable?: string;
  /** The topics the stage reads. */
  readonly inputs: string[];
  /** The consumer group: one per stage, so that each stage sees every message once and its replicas share the partitions. */
  readonly consumerGroup: string;
  /**
   * The Kafka client id.
   *
   * @default - the consumer group
   */
  readonly clientId?: string;
  /**
   * A Bloblang query for the key of every record the stage writes (e.g. `this.user_id`). Records with the same key
   * land on the same partition, which a join or reduce with more than one replica downstream needs.
   *
   * @default - the key of the record read (`@kafka_key`); a record without a key is written without one
   */
  readonly outputKey?: string;
  /**
   * A topic for messages the stage fails to process (a condition or query that errors on them), with the error in
   * the `dlq_error` header and where it came from in `dlq_stage`, `dlq_topic`, `dlq_partition`, `dlq_offset`.
   *
   * @default - a failed message is rejected and retried: the stage stops advancing on its partition rather than
   * drop the message or pass it on unprocessed
   */
  readonly deadLetterTopic?: string;
  /**
   * The port of Bento's HTTP server (`/ping`, `/ready`, `/metrics`).
   *
   * @default 4195
   */
  readonly httpPort?: number;
  /**
   * The log level.
   *
   * @default StreamLogLevel.INFO
   */
  readonly logLevel?: StreamLogLevel;
  /**
   * A label that names the stage in logs, metrics and dead-letter headers.
   *
   * @default - the consumer group
   */
  readonly stageName?: string;
}

/**
 * Options for `StreamProcessorConfig.copier`.
 */
export interface CopierConfigOptions extends StreamStageCommonOptions {
  /** Every message is written to each of these topics. */
  readonly outputs: string[];
}

/**
 * Options for `StreamProcessorConfig.filter`.
 */
export interface FilterConfigOptions extends StreamStageCommonOptions {
  /** The topic the kept messages go to. */
  readonly output: string;
  /**
   * A Bloblang query that is `true` for the messages to keep and `false` for those to drop, e.g.
   * `this.size_bytes < 20000000`. A query that errors or is not a boolean fails the message (see `deadLetterTopic`).
   */
  readonly condition: string;
}

/**
 * A route of a splitter: messages for which `condition` is true go to `output`.
 */
export interface SplitterRoute {
  /** A Bloblang query that is `true` for the messages this route takes. */
  readonly condition: string;
  /** The topic they go to. */
  readonly output: string;
}

/**
 * Options for `StreamProcessorConfig.splitter`.
 */
export interface SplitterConfigOptions extends StreamStageCommonOptions {
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
   * @default - messages no route takes are dropped (a splitter is then also a filter)
   */
  readonly unmatchedOutput?: string;
}

/**
 * Options for `StreamProcessorConfig.httpCall`.
 */
export interface HttpCallConfigOptions extends StreamStageCommonOptions {
  /** The URL each message is POSTed to (`application/json`), e.g. `http://signup-create-user`. */
  readonly url: string;
  /**
   * Where the answer goes: to every route whose condition holds (a condition `true` takes every answer). An empty
   * answer (204) passes the message read on instead.
   *
   * @default - none: the answers are dropped
   */
  readonly routes?: SplitterRoute[];
  /**
   * Attempts per message: connection errors, timeouts, 408, 429 and 5xx are tried again; after the last attempt, or
   * at once for any other 4xx, the message fails (to the dead-letter topic when there is one).
   *
   * @default 3
   */
  readonly attempts?: number;
  /**
   * The wait between attempts (Bento's `retry_period`).
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
}

/**
 * Options for `StreamProcessorConfig.sharder`.
 */
export interface SharderConfigOptions extends StreamStageCommonOptions {
  /** A Bloblang query for the shard key, e.g. `this.user_id`. */
  readonly key: string;
  /**
   * The shard topics (at least 2): a message goes to `outputs[fnv1_32(key) % outputs.length]`
   * (`StreamProcessorConfig.shardIndex`).
   */
  readonly outputs: string[];
}

/**
 * Options for `StreamProcessorConfig.merger`.
 */
export interface MergerConfigOptions extends StreamStageCommonOptions {
  /** The topic every input's messages go to. */
  readonly output: string;
}

/**
 * Options for `StreamProcessorConfig.join`.
 */
export interface JoinConfigOptions extends StreamStageCommonOptions {
  /** The topic the complete batches go to. */
  readonly output: string;
  /** A Bloblang query for the batch a part belongs to, e.g. `this.image_id`. */
  readonly batchKey: string;
  /**
   * How many distinct parts make a complete batch. Give this or `countQuery`.
   *
   * @default - `countQuery`
   */
  readonly count?: number;
  /**
   * A Bloblang query for the number of parts of a part's batch, read from each part (e.g. `this.total_parts`).
   * Give this or `count`.
   *
   * @default - `count`
   */
  readonly countQuery?: string;
  /**
   * A Bloblang query for a part's identity: parts with the same identity count once (a redelivered record, or a
   * producer that retried). Evaluated once, when the part is first read from an input.
   *
   * @default - the record's place: `<topic>/<partition>/<offset>`
   */
  readonly partKey?: string;
  /**
   * How often the join looks at the parts it holds: a complete batch goes out at the end of the window it completes
   * in, incomplete parts are written to `pendingTopic` and read again.
   *
   * @default Duration.seconds(10)
   */
  readonly window?: Duration;
  /**
   * How long a batch may wait for its last part (whole seconds), counted from its oldest part's record timestamp.
   * Then its parts go to `expiredOutput`, or are dropped.
   *
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;
  /** The topic that holds incomplete batches between windows (read and written by this stage only). */
  readonly pendingTopic: string;
  /**
   * The topic for the parts of batches that timed out.
   *
   * @default - the parts of a batch that timed out are dropped, with a log line
   */
  readonly expiredOutput?: string;
  /**
   * How many records of one partition may be held at once (Bento's `checkpoint_limit`): the window holds every
   * record it has read until it is flushed. An integer from 1 to 1000000.
   *
   * @default 10000
   */
  readonly maxInFlightPerPartition?: number;
}

/**
 * What a reduce computes for each key and window.
 */
export enum ReduceOperation {
  /** The number of messages. */
  COUNT = 'count',
  /** The sum of a number. */
  SUM = 'sum',
  /** The smallest number. */
  MIN = 'min',
  /** The largest number. */
  MAX = 'max',
  /** The arithmetic mean of a number. */
  AVERAGE = 'average',
  /** The values, in arrival order. */
  COLLECT = 'collect',
  /** The number of distinct values. */
  COUNT_DISTINCT = 'countDistinct',
}

/**
 * One aggregate of a reduce: a field of its output message.
 */
export class ReduceAggregation {
  /** The number of messages, as `name`. */
  public static count(name: string = 'count'): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.COUNT, name, undefined, undefined, () => 'batch_size()');
  }

  /** The sum of `query` (a Bloblang query that gives a number, e.g. `this.bytes`), as `name`. */
  public static sum(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.SUM, name, query, NUMBER, (values) => `${values}.sum()`);
  }

  /** The smallest value of `query` (a number), as `name`. */
  public static min(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.MIN, name, query, NUMBER, (values) => `${values}.min()`);
  }

  /** The largest value of `query` (a number), as `name`. */
  public static max(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.MAX, name, query, NUMBER, (values) => `${values}.max()`);
  }

  /** The mean of `query` (a number), as `name`. */
  public static average(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.AVERAGE, name, query, NUMBER, (values) => `${values}.sum() / batch_size()`);
  }

  /** The values of `query`, in arrival order, as `name`. */
  public static collect(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.COLLECT, name, query, AS_IS, (values) => values);
  }

  /** The number of distinct values of `query`, as `name`. */
  public static countDistinct(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.COUNT_DISTINCT, name, query, AS_IS, (values) => `${values}.unique().length()`);
  }

  private constructor(
    /** The operation. */
    public readonly operation: ReduceOperation,
    /** The field of the output message. */
    public readonly name: string,
    /** The Bloblang query the operation reads (none for `count`). */
    public readonly query: string | undefined,
    /** How each record's value is read: `.number()` after the query, as it is, or not at all (no query). */
    private readonly cast: string | undefined,
    /** The aggregate over the window's values (the Bloblang array `values`). */
    private readonly aggregate: (values: string) => string,
  ) {}

  /**
   * It reads a value of each record (every aggregation but `count`).
   *
   * @internal
   */
  public get _readsValue(): boolean {
    return this.cast !== undefined;
  }

  /**
   * The mutation line that keeps this aggregation's value of a record in metadata `reduce_v<index>`, or none when
   * it reads no value. `embed` turns the user's query into the text that goes into the config (trimmed, `${NAME}`
   * escaped, indented), as for every other query of a stage.
   *
   * @internal
   */
  public _valueLine(index: number, embed: (query: string) => string): string | undefined {
    if (!this._readsValue) return undefined;
    return `meta reduce_v${index} = (\n${embed(this.query!)}\n)${this.cast}`;
  }

  /**
   * The aggregate over a window's group, as a Bloblang expression.
   *
   * @internal
   */
  public _expression(index: number): string {
    return this.aggregate(`metadata("reduce_v${index}").from_all()`);
  }
}

/** The cast of a numeric aggregation's value. */
const NUMBER = '.number()';
/** The value of `collect` and `countDistinct`: any type, as the query gives it. */
const AS_IS = '';

/**
 * Options for `StreamProcessorConfig.reduce`.
 */
export interface ReduceConfigOptions extends StreamStageCommonOptions {
  /** The topic the aggregates go to. */
  readonly output: string;
  /** A Bloblang query for the key to aggregate by, e.g. `this.tag`. */
  readonly key: string;
  /**
   * The aggregates; each is a field of the output message, next to `key` and `window_end`.
   *
   * @default [ReduceAggregation.count()]
   */
  readonly aggregations?: ReduceAggregation[];
  /**
   * The size of the tumbling windows (processing time, aligned to the UTC clock): each window gives one message per
   * key, at its end.
   *
   * @default Duration.minutes(1)
   */
  readonly window?: Duration;
  /**
   * How many records of one partition may be held at once (Bento's `checkpoint_limit`): the window holds every
   * record it has read until it is flushed. An integer from 1 to 1000000.
   *
   * @default 10000
   */
  readonly maxInFlightPerPartition?: number;
}
