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
 * A route of a splitter: messages for which `condition` is true go to `topic`.
 */
export interface SplitterRoute {
  /** A Bloblang query that is `true` for the messages this route takes. */
  readonly condition: string;
  /** The topic they go to. */
  readonly topic: string;
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
  readonly unmatched?: string;
}

/**
 * Options for `StreamProcessorConfig.sharder`.
 */
export interface SharderConfigOptions extends StreamStageCommonOptions {
  /** A Bloblang query for the shard key, e.g. `this.user_id`. */
  readonly key: string;
  /**
   * The shard topics: a message goes to `shards[fnv1_32(key) % shards.length]` (`StreamProcessorConfig.shardIndex`).
   */
  readonly shards: string[];
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
   * How long a batch may wait for its last part, counted from its oldest part's record timestamp. Then its parts go
   * to `expiredTopic`, or are dropped.
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
  readonly expiredTopic?: string;
  /**
   * How many records of one partition may be held at once (Bento's `checkpoint_limit`): the window holds every
   * record it has read until it is flushed.
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
    return new ReduceAggregation(ReduceOperation.COUNT, name, undefined);
  }

  /** The sum of `query` (a Bloblang query that gives a number, e.g. `this.bytes`), as `name`. */
  public static sum(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.SUM, name, query);
  }

  /** The smallest value of `query` (a number), as `name`. */
  public static min(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.MIN, name, query);
  }

  /** The largest value of `query` (a number), as `name`. */
  public static max(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.MAX, name, query);
  }

  /** The mean of `query` (a number), as `name`. */
  public static average(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.AVERAGE, name, query);
  }

  /** The values of `query`, in arrival order, as `name`. */
  public static collect(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.COLLECT, name, query);
  }

  /** The number of distinct values of `query`, as `name`. */
  public static countDistinct(name: string, query: string): ReduceAggregation {
    return new ReduceAggregation(ReduceOperation.COUNT_DISTINCT, name, query);
  }

  private constructor(
    /** The operation. */
    public readonly operation: ReduceOperation,
    /** The field of the output message. */
    public readonly name: string,
    /** The Bloblang query the operation reads (none for `count`). */
    public readonly query?: string,
  ) {}
}

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
   * record it has read until it is flushed.
   *
   * @default 10000
   */
  readonly maxInFlightPerPartition?: number;
}

/** Field names a reduce writes itself. */
const REDUCE_RESERVED = ['key', 'window_end'];
const DEFAULT_HTTP_PORT = 4195;
const DEFAULT_MAX_IN_FLIGHT = 10000;

/**
 * The configs of the stream processor (Bento, a Benthos-compatible processor) that runs each `KafkaWorkflow` stage:
 * pure functions from options to YAML text, so that they can be checked (and run) on their own.
 *
 * Every stage reads its inputs with the `kafka_franz` input in its own consumer group, writes with the
 * `kafka_franz` output (idempotent producer, the input record's key kept unless `outputKey` says otherwise),
 * serves `/ping`, `/ready` and Prometheus `/metrics` on `httpPort`, and logs JSON. Delivery is at least once.
 *
 * Strings the user gives (conditions, queries) are embedded as they are, except that `${NAME}` sequences are
 * escaped (`${{NAME}}`), because Bento would replace them with environment variables when it loads the file.
 *
 * @see https://warpstreamlabs.github.io/bento/docs/components/inputs/kafka_franz
 * @see https://warpstreamlabs.github.io/bento/docs/guides/bloblang/about
 */
export class StreamProcessorConfig {
  /** The HTTP port of every stage. */
  public static readonly HTTP_PORT = DEFAULT_HTTP_PORT;

  /**
   * A copier: every message of the inputs is written to each output topic (Bento `broker` output, `fan_out`).
   */
  public static copier(options: CopierConfigOptions): string {
    checkCommon(options);
    checkTopics('outputs', options.outputs, 1);
    const outputs = options.outputs.map((t) => kafkaOutput(options, t));
    return render(options, [], outputs.length === 1 ? outputs[0] : { broker: { pattern: 'fan_out', outputs } });
  }

  /**
   * A filter: the messages for which `condition` holds go to `output`, the others are dropped.
   */
  public static filter(options: FilterConfigOptions): string {
    checkCommon(options);
    checkTopics('output', [options.output], 1);
    const condition = checkedQuery('condition', options.condition);
    const processors = [{ mutation: `root = if !(\n${indentLines(condition)}\n) { deleted() }\n` }];
    return render(options, processors, kafkaOutput(options, options.output));
  }

  /**
   * A splitter: each message goes to the first route whose condition holds (or to every such route with `copy`),
   * and to `unmatched` when none does. The conditions are evaluated in the pipeline, so a condition that errors
   * fails the message instead of silently skipping a route.
   */
  public static splitter(options: SplitterConfigOptions): string {
    checkCommon(options);
    if (!Array.isArray(options.routes) || options.routes.length === 0) throw new Error('\'routes\' must list at least one route, got none');
    options.routes.forEach((r, i) => {
      checkTopics(`routes[${i}].topic`, [r.topic], 1);
      checkedQuery(`routes[${i}].condition`, r.condition);
    });
    if (options.unmatched !== undefined) checkTopics('unmatched', [options.unmatched], 1);
    const copy = options.copy ?? false;
    const lines = options.routes.map((r, i) => `meta split_route_${i} = if (\n${indentLines(checkedQuery(`routes[${i}].condition`, r.condition))}\n) { true } else { false }`);
    const processors = [{ mutation: lines.join('\n') + '\n' }];
    const cases: any[] = options.routes.map((r, i) => ({
      check: `@split_route_${i} == true`,
      output: kafkaOutput(options, r.topic),
      continue: copy,
    }));
    if (options.unmatched !== undefined) {
      const none = options.routes.map((_, i) => `@split_route_${i} != true`).join(' && ');
      cases.push({ check: none, output: kafkaOutput(options, options.unmatched), continue: false });
    }
    return render(options, processors, { switch: { strict_mode: false, cases } });
  }

  /**
   * A sharder: each message goes to shard topic `fnv1_32(key) % shards.length` (FNV-1, 32 bit, of the key's UTF-8
   * bytes: Bloblang's `hash("fnv32")`), so every message with the same key goes to the same shard.
   */
  public static sharder(options: SharderConfigOptions): string {
    checkCommon(options);
    checkTopics('shards', options.shards, 2);
    const key = checkedQuery('key', options.key);
    const topics = options.shards.map((t) => JSON.stringify(t)).join(', ');
    const processors = [{
      mutation: [
        `let shard_key = (\n${indentLines(key)}\n).string()`,
        `meta shard_topic = [${topics}].index($shard_key.hash("fnv32").string().number() % ${options.shards.length})`,
        '',
      ].join('\n'),
    }];
    return render(options, processors, kafkaOutput(options, '${! @shard_topic }'));
  }

  /**
   * A merger: the messages of every input go to `output` (one consumer group over all the inputs).
   */
  public static merger(options: MergerConfigOptions): string {
    checkCommon(options);
    checkTopics('output', [options.output], 1);
    return render(options, [], kafkaOutput(options, options.output));
  }

  /**
   * A join (barrier): the parts of a batch (same `batchKey`) are held until `count` distinct parts have arrived,
   * then one message `{"key": <batch key>, "parts": [<part>, …]}` goes to `output`, keyed by the batch key.
   *
   * Bento has no cross-message join, so this is built from what it has: a `system_window` buffer holds the records
   * read in each window without acknowledging them; at the end of a window, `group_by_value` groups them by batch;
   * a complete group becomes the joined message, the parts of an incomplete group are written to `pendingTopic`
   * (with their part identity and first-seen time in headers) and read again with the next window. A record is
   * acknowledged only once it is in the output or in the pending topic, so a restart loses nothing; duplicates of a
   * part (same `partKey`) count once. With more than one replica, the inputs must be keyed by the batch key so that
   * the parts of a batch reach the same replica.
   */
  public static join(options: JoinConfigOptions): string {
    checkCommon(options);
    checkTopics('output', [options.output], 1);
    checkTopics('pendingTopic', [options.pendingTopic], 1);
    if (options.expiredTopic !== undefined) checkTopics('expiredTopic', [options.expiredTopic], 1);
    if (options.inputs.includes(options.pendingTopic)) throw new Error(`'pendingTopic' must not be one of the inputs, got '${options.pendingTopic}'`);
    const batchKey = checkedQuery('batchKey', options.batchKey);
    if ((options.count === undefined) === (options.countQuery === undefined)) {
      throw new Error(`a join needs exactly one of 'count' and 'countQuery', got ${options.count === undefined ? 'neither' : 'both'}`);
    }
    if (options.count !== undefined && (!Number.isInteger(options.count) || options.count < 1)) {
      throw new Error(`'count' must be an integer of at least 1, got ${options.count}`);
    }
    const window = duration('window', options.window ?? Duration.seconds(10));
    const timeoutSeconds = Math.ceil((options.timeout ?? Duration.hours(1)).toMilliseconds() / 1000);
    if (timeoutSeconds < 1) throw new Error(`'timeout' must be at least 1 second, got ${timeoutSeconds}s`);
    const countExpr = options.count !== undefined ? String(options.count) : `(\n${indentLines(checkedQuery('countQuery', options.countQuery!))}\n).number()`;
    const partExpr = options.partKey !== undefined
      ? `(\n${indentLines(checkedQuery('partKey', options.partKey))}\n).string()`
      : '"%s/%v/%v".format(@kafka_topic, @kafka_partition, @kafka_offset)';
    const pending = JSON.stringify(options.pendingTopic);

    const processors: any[] = [
      {
        mutation: [
          `meta join_key = (\n${indentLines(batchKey)}\n).string()`,
          `meta join_count = ${countExpr}`,
          `meta join_part = if @kafka_topic == ${pending} && @join_part != null { @join_part } else { ${partExpr} }`,
          `meta join_since = if @kafka_topic == ${pending} && @join_since != null { @join_since } else { @kafka_timestamp_unix.string() }`,
          '',
        ].join('\n'),
      },
      // failed parts in a group of their own, passed on untouched to the failure handling
      { mutation: 'meta join_group = if errored() { "!" } else { "k" + @join_key }\n' },
      { group_by_value: { value: '${! @join_group }' } },
      {
        mutation: [
          'if errored() {',
          '  meta join_route = "failed"',
          '} else {',
          '  let parts = metadata("join_part").from_all()',
          '  let first = $parts.find(@join_part) == batch_index()',
          '  let complete = $parts.unique().length() >= metadata("join_count").from_all().index(0)',
          '  let oldest = metadata("join_since").from_all().map_each(s -> s.number()).min()',
          `  meta join_route = if $complete { "complete" } else if timestamp_unix() - $oldest > ${timeoutSeconds} { "expired" } else { "pending" }`,
          '  root = if !$first {',
          '    deleted()',
          '  } else if !$complete {',
          '    this',
          '  } else if batch_index() == 0 {',
          '    { "key": @join_key, "parts": json().from_all().enumerated().filter(p -> $parts.find($parts.index(p.index)) == p.index).map_each(p -> p.value) }',
          '  } else {',
          '    deleted()',
          '  }',
          '}',
          '',
        ].join('\n'),
      },
    ];

    const outKey = '${! @join_key }';
    const cases: any[] = [
      { check: '@join_route == "complete"', output: kafkaOutput(options, options.output, outKey) },
      {
        check: '@join_route == "pending"',
        output: kafkaOutput(options, options.pendingTopic, outKey, ['^join_(part|since)$']),
      },
      {
        check: '@join_route == "expired"',
        output: options.expiredTopic !== undefined
          ? kafkaOutput(options, options.expiredTopic, outKey, ['^join_(part|since)$'])
          : { drop: {}, processors: [{ log: { level: 'WARN', message: 'join: dropping a part of batch ${! @join_key } that timed out' } }] },
      },
    ];
    return render(options, processors, { switch: { strict_mode: false, cases } }, {
      buffer: { system_window: { size: window } },
      extraInputs: [options.pendingTopic],
      threads: 1,
      checkpointLimit: options.maxInFlightPerPartition ?? DEFAULT_MAX_IN_FLIGHT,
      keyOverride: true,
    });
  }

  /**
   * A reduce: for each tumbling window and each key, one message `{"key", "window_end", <aggregates>…}` goes to
   * `output` at the end of the window, keyed by the key. It starts reducing before all the data is in: each window
   * is reduced as soon as it closes.
   *
   * Built from Bento's `system_window` buffer (which acknowledges a record only once its window has been written,
   * so a restart loses nothing), `group_by_value` and a Bloblang mapping over the group (`from_all`). With more than
   * one replica, the input must be keyed by the reduce key, or each replica reduces its own share of a key.
   */
  public static reduce(options: ReduceConfigOptions): string {
    checkCommon(options);
    checkTopics('output', [options.output], 1);
    const key = checkedQuery('key', options.key);
    const window = duration('window', options.window ?? Duration.minutes(1));
    const aggs = options.aggregations ?? [ReduceAggregation.count()];
    if (aggs.length === 0) throw new Error('\'aggregations\' must list at least one aggregation, got none');
    const names = new Set<string>();
    aggs.forEach((a, i) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(a.name)) throw new Error(`'aggregations[${i}].name' must be a field name (letters, digits, _), got '${a.name}'`);
      if (REDUCE_RESERVED.includes(a.name)) throw new Error(`'aggregations[${i}].name' must not be ${REDUCE_RESERVED.map((r) => `'${r}'`).join(' or ')}, got '${a.name}'`);
      if (names.has(a.name)) throw new Error(`'aggregations[${i}].name' must be unique, got '${a.name}' twice`);
      names.add(a.name);
      if (a.operation !== ReduceOperation.COUNT) checkedQuery(`aggregations[${i}].query`, a.query ?? '');
    });
    const valueLines = aggs.flatMap((a, i) => a.operation === ReduceOperation.COUNT ? [] : [
      a.operation === ReduceOperation.COLLECT || a.operation === ReduceOperation.COUNT_DISTINCT
        ? `meta reduce_v${i} = (\n${indentLines(a.query!)}\n)`
        : `meta reduce_v${i} = (\n${indentLines(a.query!)}\n).number()`,
    ]);
    const fields = aggs.map((a, i) => `    ${JSON.stringify(a.name)}: ${aggregateExpr(a, `metadata("reduce_v${i}").from_all()`)},`);
    const processors: any[] = [
      { mutation: [`meta reduce_key = (\n${indentLines(key)}\n).string()`, ...valueLines, ''].join('\n') },
      { mutation: 'meta reduce_group = if errored() { "!" } else { "k" + @reduce_key }\n' },
      { group_by_value: { value: '${! @reduce_group }' } },
      {
        mapping: [
          'root = if errored() { this } else if batch_index() == 0 {',
          '  {',
          '    "key": @reduce_key,',
          '    "window_end": @window_end_timestamp,',
          ...fields,
          '  }',
          '} else { deleted() }',
          '',
        ].join('\n'),
      },
    ];
    return render(options, processors, kafkaOutput(options, options.output, '${! @reduce_key }'), {
      buffer: { system_window: { size: window } },
      threads: 1,
      checkpointLimit: options.maxInFlightPerPartition ?? DEFAULT_MAX_IN_FLIGHT,
      keyOverride: true,
    });
  }

  /**
   * The shard a key goes to among `shards` topics: FNV-1 32-bit of the key's UTF-8 bytes, modulo `shards`, exactly as
   * the sharder's Bloblang (`hash("fnv32")`) computes it.
   */
  public static shardIndex(key: string, shards: number): number {
    if (!Number.isInteger(shards) || shards < 1) throw new Error(`shards must be a positive integer, got ${shards}`);
    return StreamProcessorConfig.fnv1Hash32(key) % shards;
  }

  /** FNV-1 (not 1a), 32 bit, of the UTF-8 bytes of `key`: Go's `hash/fnv.New32`, Bloblang's `hash("fnv32")`. */
  public static fnv1Hash32(key: string): number {
    /* eslint-disable no-bitwise */
    let h = 0x811c9dc5;
    for (const b of Buffer.from(key, 'utf8')) {
      h = Math.imul(h, 0x01000193) >>> 0;
      h = (h ^ b) >>> 0;
    }
    return h >>> 0;
    /* eslint-enable no-bitwise */
  }

  /**
   * Escapes `${NAME}` and `${NAME:default}` sequences as `${{…}}`, so that Bento does not replace them with
   * environment variables when it loads the config.
   */
  public static escapeEnvInterpolation(text: string): string {
    return text.replace(/\$\{([0-9A-Za-z_.]+(?::(?:\$\{[^}]+\}|[^}])*)?)\}/g, '$${{$1}}');
  }
}

function aggregateExpr(a: ReduceAggregation, values: string): string {
  switch (a.operation) {
    case ReduceOperation.COUNT: return 'batch_size()';
    case ReduceOperation.SUM: return `${values}.sum()`;
    case ReduceOperation.MIN: return `${values}.min()`;
    case ReduceOperation.MAX: return `${values}.max()`;
    case ReduceOperation.AVERAGE: return `${values}.sum() / batch_size()`;
    case ReduceOperation.COLLECT: return values;
    case ReduceOperation.COUNT_DISTINCT: return `${values}.unique().length()`;
    default: throw new Error(`unknown reduce operation '${a.operation}'`);
  }
}

interface RenderExtras {
  readonly buffer?: any;
  /** Topics read besides `inputs` (a join's pending topic). */
  readonly extraInputs?: string[];
  readonly threads?: number;
  readonly checkpointLimit?: number;
  /** The stage sets the output key itself: `outputKey` does not apply. */
  readonly keyOverride?: boolean;
}

function stageLabel(o: StreamStageCommonOptions): string {
  return o.stageName ?? o.consumerGroup;
}

function checkCommon(o: StreamStageCommonOptions): void {
  if (!Array.isArray(o.seedBrokers) || o.seedBrokers.length === 0) throw new Error('\'seedBrokers\' must list at least one host:port, got none');
  for (const b of o.seedBrokers) {
    if (typeof b !== 'string' || !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(b)) throw new Error(`'seedBrokers' entries must be host:port, got '${b}'`);
  }
  checkTopics('inputs', o.inputs, 1);
  if (typeof o.consumerGroup !== 'string' || !/^[A-Za-z0-9._-]+$/.test(o.consumerGroup)) {
    throw new Error(`'consumerGroup' must be letters, digits, '.', '_' or '-', got '${o.consumerGroup}'`);
  }
  if (o.httpPort !== undefined && (!Number.isInteger(o.httpPort) || o.httpPort < 1 || o.httpPort > 65535)) {
    throw new Error(`'httpPort' must be an integer from 1 to 65535, got ${o.httpPort}`);
  }
  if (o.outputKey !== undefined) checkedQuery('outputKey', o.outputKey);
  if (o.deadLetterTopic !== undefined) checkTopics('deadLetterTopic', [o.deadLetterTopic], 1);
}

function checkTopics(prop: string, topics: string[], min: number): void {
  if (!Array.isArray(topics) || topics.length < min) throw new Error(`'${prop}' must list at least ${min} topic${min > 1 ? 's' : ''}, got ${Array.isArray(topics) ? topics.length : topics}`);
  for (const t of topics) {
    if (typeof t !== 'string' || !/^[A-Za-z0-9._-]{1,249}$/.test(t) || t === '.' || t === '..') throw new Error(`'${prop}' must hold Kafka topic names, got '${t}'`);
  }
}

function checkedQuery(prop: string, text: string): string {
  if (typeof text !== 'string' || text.trim() === '') throw new Error(`'${prop}' must be a non-empty Bloblang query, got '${text}'`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) throw new Error(`'${prop}' must not hold control characters, got ${JSON.stringify(text)}`);
  return StreamProcessorConfig.escapeEnvInterpolation(text.replace(/\s+$/, ''));
}

function duration(prop: string, d: Duration): string {
  const ms = d.toMilliseconds();
  if (!Number.isInteger(ms) || ms < 1000) throw new Error(`'${prop}' must be at least 1 second, got ${ms}ms`);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function indentLines(text: string): string {
  return text.split('\n').map((l) => `  ${l}`).join('\n');
}

/** A `kafka_franz` output to `topic` (an interpolated string for the sharder). */
function kafkaOutput(o: StreamStageCommonOptions, topic: string, key?: string, headerPatterns?: string[]): any {
  const out: any = {
    seed_brokers: [...o.seedBrokers],
    topic,
    key: key ?? (o.outputKey !== undefined ? '${! @stage_key }' : '${! @kafka_key }'),
    client_id: o.clientId ?? o.consumerGroup,
  };
  if (headerPatterns) out.metadata = { include_patterns: headerPatterns };
  return { kafka_franz: out };
}

function render(o: StreamStageCommonOptions, processors: any[], output: any, extras: RenderExtras = {}): string {
  const label = stageLabel(o);
  const procs = [...processors];
  if (o.outputKey !== undefined && !extras.keyOverride) {
    procs.push({ mutation: `meta stage_key = (\n${indentLines(checkedQuery('outputKey', o.outputKey))}\n).string()\n` });
  }
  const input: any = {
    seed_brokers: [...o.seedBrokers],
    topics: [...o.inputs, ...(extras.extraInputs ?? [])],
    consumer_group: o.consumerGroup,
    client_id: o.clientId ?? o.consumerGroup,
    start_from_oldest: true,
  };
  if (extras.checkpointLimit !== undefined) input.checkpoint_limit = extras.checkpointLimit;

  let finalOutput: any;
  if (o.deadLetterTopic !== undefined) {
    const dlq = kafkaOutput(o, o.deadLetterTopic, '${! @kafka_key }', ['^dlq_']);
    dlq.processors = [{
      mutation: [
        'meta dlq_error = error()',
        `meta dlq_stage = ${JSON.stringify(label)}`,
        'meta dlq_topic = @kafka_topic',
        'meta dlq_partition = @kafka_partition.string()',
        'meta dlq_offset = @kafka_offset.string()',
        '',
      ].join('\n'),
    }];
    finalOutput = { switch: { strict_mode: false, cases: [{ check: 'errored()', output: dlq }, { output }] } };
  } else {
    finalOutput = { reject_errored: output };
  }

  const config: any = {
    http: { enabled: true, address: `0.0.0.0:${o.httpPort ?? DEFAULT_HTTP_PORT}` },
    input: { label: 'in', kafka_franz: input },
  };
  if (extras.buffer) config.buffer = extras.buffer;
  config.pipeline = { threads: extras.threads ?? -1, processors: procs };
  config.output = { label: 'out', ...finalOutput };
  config.metrics = { prometheus: {}, mapping: `meta stage = ${JSON.stringify(label)}` };
  config.logger = { level: o.logLevel ?? StreamLogLevel.INFO, format: 'json', static_fields: { '@service': 'bento', 'stage': label } };
  return `# Bento stage '${label}' (generated by cdk8s-distributed-patterns KafkaWorkflow)\n${toYaml(config, 0)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// A small YAML emitter for the config trees above: mappings, sequences, numbers, booleans, and strings as JSON
// double-quoted scalars (valid YAML), or as literal blocks when they span lines.

function toYaml(value: any, indent: number): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    return value.map((item) => {
      if (isScalar(item)) return `${pad}- ${scalar(item, indent + 2)}\n`;
      if (isEmptyContainer(item)) return `${pad}- ${Array.isArray(item) ? '[]' : '{}'}\n`;
      const inner = toYaml(item, indent + 2);
      return `${pad}- ${inner.slice(indent + 2)}`;
    }).join('');
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (keys.length === 0) return `${pad}{}\n`;
    return keys.map((k) => {
      const v = value[k];
      const key = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k);
      if (isScalar(v)) return `${pad}${key}: ${scalar(v, indent + 2)}\n`;
      if (isEmptyContainer(v)) return `${pad}${key}: ${Array.isArray(v) ? '[]' : '{}'}\n`;
      return `${pad}${key}:\n${toYaml(v, indent + 2)}`;
    }).join('');
  }
  return `${pad}${scalar(value, indent)}\n`;
}

function isScalar(v: any): boolean {
  return v === null || typeof v !== 'object';
}

function isEmptyContainer(v: any): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).filter((k) => v[k] !== undefined).length === 0;
}

function scalar(v: any, indent: number): string {
  if (v === null) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot render ${v} in a config`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = String(v);
  // A literal block keeps a multi-line query readable in the ConfigMap; its lines must not start with a space
  // (the block's indentation would then be ambiguous) and it must hold no other control characters.
  // eslint-disable-next-line no-control-regex
  if (s.includes('\n') && !/^[ \t]/.test(s) && !/[\u0000-\u0008\u000b-\u001f\u007f\r]/.test(s) && !/\n[ \t]*$/.test(s.replace(/\n$/, ''))) {
    const pad = ' '.repeat(indent);
    const chomp = s.endsWith('\n') ? '' : '-';
    const body = s.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : pad + l)).join('\n');
    return `|${chomp}\n${body}`;
  }
  return JSON.stringify(s);
}
