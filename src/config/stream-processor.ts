import { Duration } from 'cdk8s';
import { toYaml } from './_yaml';
import { KafkaConfig } from './kafka';
import {
  CopierConfigOptions, FilterConfigOptions, HttpCallConfigOptions, JoinConfigOptions, MergerConfigOptions, ReduceAggregation, ReduceConfigOptions,
  SharderConfigOptions, SplitterConfigOptions, StreamLogLevel, StreamStageCommonOptions,
} from './stream-processor-options';
import { ValueProblem, ValueProblems } from '../core/_value-problems';
import { showValue } from '../core/prop-error';

/**
 * A problem with one option of a stage config, as the `*Problem` methods of `StreamProcessorConfig` report it: which
 * option, what it must be, and the value given. A construct that renders stage configs checks its props with these
 * methods and names itself in the error; the renderers throw `'<option>' must be <expectation>, got <value>`.
 */
export interface StreamConfigProblem {
  /** The option, as the caller wrote it (e.g. `routes[1].condition`). */
  readonly option: string;
  /** What the option must be, completing "must be …" (e.g. `a non-empty Bloblang query`). */
  readonly expectation: string;
  /**
   * The value given (for a duration, its milliseconds as text, e.g. `'500ms'`).
   *
   * @default - none was given
   */
  readonly value?: any;
}

/** Field names a reduce writes itself. */
const REDUCE_RESERVED = ['key', 'window_end'];
const DEFAULT_HTTP_PORT = 4195;
const DEFAULT_MAX_IN_FLIGHT = 10000;
/** Bento's `checkpoint_limit` default, rendered: how many records of one partition a stage may hold unacknowledged. */
const STREAM_CHECKPOINT_LIMIT = 1024;
/**
 * How often a stage commits the offsets of the records it has acknowledged (Bento's default is 5s): the records a
 * replica wrote after its last commit are read again by the replica that takes its partitions when it dies.
 */
const COMMIT_PERIOD = '1s';
const MAX_JOIN_COUNT = 1_000_000;
const JOIN_WINDOW = Duration.seconds(10);
const JOIN_TIMEOUT = Duration.hours(1);
/** A week: a batch waiting longer is a design problem, not a timeout. */
const MAX_JOIN_TIMEOUT_S = 7 * 86400;
const MAX_IN_FLIGHT = 1_000_000;
const LOG_LEVELS: string[] = Object.values(StreamLogLevel);
const REDUCE_WINDOW = Duration.minutes(1);
const HTTP_CALL_ATTEMPTS = 3;
const HTTP_CALL_RETRY = Duration.millis(200);
const HTTP_CALL_TIMEOUT = Duration.seconds(10);
/**
 * The registered 4xx codes (RFC 9110 and its registry) but 408 and 429: an answer the same request would get
 * again, so it fails at once instead of being tried again.
 */
const HTTP_CALL_FINAL = [400, 401, 402, 403, 404, 405, 406, 407, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 423,
  424, 425, 426, 428, 431, 451];

/**
 * The configs of the stream processor (Bento, a Benthos-compatible processor) that runs each `KafkaWorkflow` stage:
 * pure functions from options to YAML text, so that they can be checked (and run) on their own.
 *
 * Every stage reads its inputs with the `kafka_franz` input in its own consumer group, writes with the
 * `kafka_franz` output (idempotent producer, the input record's key kept unless `outputKey` says otherwise),
 * serves `/ping`, `/ready` and Prometheus `/metrics` on `httpPort`, and logs JSON. Delivery is at least once: a
 * record's offset is committed (every second, `commit_period: 1s`) only after its output write was acknowledged, and
 * at most `checkpoint_limit` records of a partition (1024; `maxInFlightPerPartition` for a join or reduce) are
 * unacknowledged at once, so a replica that dies loses nothing and the records it wrote since its last commit are
 * written again by the replica that takes its partitions over.
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
    fail(StreamProcessorConfig.copierProblem(options));
    const outputs = options.outputs.map((t) => kafkaOutput(options, t));
    return render(options, [], outputs.length === 1 ? outputs[0] : { broker: { pattern: 'fan_out', outputs } });
  }

  /**
   * A filter: the messages for which `condition` holds go to `output`, the others are dropped.
   */
  public static filter(options: FilterConfigOptions): string {
    fail(StreamProcessorConfig.filterProblem(options));
    const condition = userQuery(options.condition);
    const processors = [{ mutation: `root = if !(\n${indentLines(condition)}\n) { deleted() }\n` }];
    return render(options, processors, kafkaOutput(options, options.output));
  }

  /**
   * A splitter: each message goes to the first route whose condition holds (or to every such route with `copy`),
   * and to `unmatchedOutput` when none does. The conditions are evaluated in the pipeline, so a condition that errors
   * fails the message instead of silently skipping a route.
   */
  public static splitter(options: SplitterConfigOptions): string {
    fail(StreamProcessorConfig.splitterProblem(options));
    const copy = options.copy ?? false;
    const lines = options.routes.map((r, i) => `meta split_route_${i} = if (\n${indentLines(userQuery(r.condition))}\n) { true } else { false }`);
    const processors = [{ mutation: lines.join('\n') + '\n' }];
    const cases: any[] = options.routes.map((r, i) => ({
      check: `@split_route_${i} == true`,
      output: kafkaOutput(options, r.output),
      continue: copy,
    }));
    if (options.unmatchedOutput !== undefined) {
      const none = options.routes.map((_, i) => `@split_route_${i} != true`).join(' && ');
      cases.push({ check: none, output: kafkaOutput(options, options.unmatchedOutput), continue: false });
    }
    return render(options, processors, { switch: { strict_mode: false, cases } });
  }

  /**
   * A sharder: each message goes to shard topic `outputs[fnv1_32(key) % outputs.length]` (FNV-1, 32 bit, of the key's UTF-8
   * bytes: Bloblang's `hash("fnv32")`), so every message with the same key goes to the same shard.
   */
  public static sharder(options: SharderConfigOptions): string {
    fail(StreamProcessorConfig.sharderProblem(options));
    const key = userQuery(options.key);
    const topics = options.outputs.map((t) => JSON.stringify(t)).join(', ');
    const processors = [{
      mutation: [
        `let shard_key = (\n${indentLines(key)}\n).string()`,
        `meta shard_topic = [${topics}].index($shard_key.hash("fnv32").string().number() % ${options.outputs.length})`,
        '',
      ].join('\n'),
    }];
    return render(options, processors, kafkaOutput(options, '${! @shard_topic }'));
  }

  /**
   * A merger: the messages of every input go to `output` (one consumer group over all the inputs).
   */
  public static merger(options: MergerConfigOptions): string {
    fail(StreamProcessorConfig.mergerProblem(options));
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
    fail(StreamProcessorConfig.joinProblem(options));
    const batchKey = userQuery(options.batchKey);
    const window = bentoDuration(options.window ?? JOIN_WINDOW);
    const timeoutSeconds = millisOf(options.timeout ?? JOIN_TIMEOUT) / 1000;
    const countExpr = options.count !== undefined ? String(options.count) : `(\n${indentLines(userQuery(options.countQuery!))}\n).number()`;
    const partExpr = options.partKey !== undefined
      ? `(\n${indentLines(userQuery(options.partKey))}\n).string()`
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
        output: options.expiredOutput !== undefined
          ? kafkaOutput(options, options.expiredOutput, outKey, ['^join_(part|since)$'])
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
    fail(StreamProcessorConfig.reduceProblem(options));
    const key = userQuery(options.key);
    const window = bentoDuration(options.window ?? REDUCE_WINDOW);
    const aggs = options.aggregations ?? [ReduceAggregation.count()];
    const valueLines = aggs.flatMap((a, i) => a._valueLine(i, (q) => indentLines(userQuery(q))) ?? []);
    const fields = aggs.map((a, i) => `    ${JSON.stringify(a.name)}: ${a._expression(i)},`);
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
   * An HTTP call: each message is POSTed to `url` (`application/json`, with the headers `x-function-event-id` — the
   * record's `fn_event_id` header, else its topic/partition/offset — and `x-function-source: kafka`), and the answer
   * goes to every route whose condition holds, with the event id in its `fn_event_id` header. Connection errors,
   * timeouts, 408, 429 and 5xx are tried again up to `attempts`, `retryPeriod` apart; then, or at once for another
   * 4xx, the message read fails: to the dead-letter topic when there is one (with `dlq_error` naming the status).
   * An empty answer (204) passes the message read on.
   */
  public static httpCall(options: HttpCallConfigOptions): string {
    fail(StreamProcessorConfig.httpCallProblem(options));
    const routes = options.routes ?? [];
    const processors: any[] = [
      { mutation: 'meta fn_event_id = @fn_event_id.or("%s/%v/%v".format(@kafka_topic, @kafka_partition, @kafka_offset))\nmeta fn_in = content().string()\n' },
      {
        http: {
          url: options.url,
          verb: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Function-Event-Id': '${! @fn_event_id }', 'X-Function-Source': 'kafka' },
          timeout: bentoDuration(options.timeout ?? HTTP_CALL_TIMEOUT),
          retries: (options.attempts ?? HTTP_CALL_ATTEMPTS) - 1,
          retry_period: bentoDuration(options.retryPeriod ?? HTTP_CALL_RETRY),
          drop_on: HTTP_CALL_FINAL,
        },
      },
      // a failed call keeps the message read (for the dead letter); an empty answer passes it on
      { mutation: 'root = if errored() || content().length() == 0 { @fn_in.parse_json() } else { this }\nmeta fn_in = deleted()\n' },
    ];
    const lines = routes.map((r, i) => `meta http_route_${i} = if (\n${indentLines(userQuery(r.condition))}\n) { true } else { false }`);
    if (lines.length > 0) processors.push({ mutation: lines.join('\n') + '\n' });
    const cases = routes.map((r, i) => ({
      check: `@http_route_${i} == true`,
      output: kafkaOutput(options, r.output, undefined, ['^fn_event_id$']),
      continue: true,
    }));
    return render(options, processors, cases.length > 0 ? { switch: { strict_mode: false, cases } } : { drop: {} });
  }

  /** Why `httpCall` refuses `options`, or undefined. */
  public static httpCallProblem(options: HttpCallConfigOptions): StreamConfigProblem | undefined {
    const common = commonProblem(options);
    if (common) return common;
    if (typeof options.url !== 'string' || !/^https?:\/\/[^\s${}]+$/.test(options.url)) return problem('url', 'an http:// or https:// URL (no spaces, no ${…})', options.url);
    const routes = options.routes ?? [];
    if (!Array.isArray(routes)) return problem('routes', 'a list of routes', routes);
    for (const [i, r] of routes.entries()) {
      if (r === null || typeof r !== 'object') return problem(`routes[${i}]`, 'a route ({ condition, output })', r);
      const route = topicProblem(`routes[${i}].output`, r.output) ?? queryProblem(`routes[${i}].condition`, r.condition);
      if (route) return route;
    }
    return valueProblem('attempts', ValueProblems.integer(1, 100, options.attempts ?? HTTP_CALL_ATTEMPTS))
      ?? valueProblem('retryPeriod', ValueProblems.wholeMillis(0, 3_600_000, options.retryPeriod ?? HTTP_CALL_RETRY))
      ?? valueProblem('timeout', ValueProblems.wholeMillis(1, 3_600_000, options.timeout ?? HTTP_CALL_TIMEOUT));
  }

  /** Why `copier` refuses `options`, or undefined. */
  public static copierProblem(options: CopierConfigOptions): StreamConfigProblem | undefined {
    return commonProblem(options) ?? topicsProblem('outputs', options.outputs, 1);
  }

  /** Why `filter` refuses `options`, or undefined. */
  public static filterProblem(options: FilterConfigOptions): StreamConfigProblem | undefined {
    return commonProblem(options) ?? topicProblem('output', options.output) ?? queryProblem('condition', options.condition);
  }

  /** Why `splitter` refuses `options`, or undefined. */
  public static splitterProblem(options: SplitterConfigOptions): StreamConfigProblem | undefined {
    const common = commonProblem(options);
    if (common) return common;
    if (!Array.isArray(options.routes) || options.routes.length === 0) return problem('routes', 'a list of at least one route', options.routes);
    for (const [i, r] of options.routes.entries()) {
      if (r === null || typeof r !== 'object') return problem(`routes[${i}]`, 'a route ({ condition, output })', r);
      const route = topicProblem(`routes[${i}].output`, r.output) ?? queryProblem(`routes[${i}].condition`, r.condition);
      if (route) return route;
    }
    return booleanProblem('copy', options.copy)
      ?? (options.unmatchedOutput !== undefined ? topicProblem('unmatchedOutput', options.unmatchedOutput) : undefined);
  }

  /** Why `sharder` refuses `options`, or undefined. */
  public static sharderProblem(options: SharderConfigOptions): StreamConfigProblem | undefined {
    return commonProblem(options) ?? topicsProblem('outputs', options.outputs, 2) ?? queryProblem('key', options.key);
  }

  /** Why `merger` refuses `options`, or undefined. */
  public static mergerProblem(options: MergerConfigOptions): StreamConfigProblem | undefined {
    return commonProblem(options) ?? topicProblem('output', options.output);
  }

  /** Why `join` refuses `options`, or undefined. */
  public static joinProblem(options: JoinConfigOptions): StreamConfigProblem | undefined {
    const o = options;
    const first = commonProblem(o) ?? topicProblem('output', o.output) ?? topicProblem('pendingTopic', o.pendingTopic)
      ?? (o.expiredOutput !== undefined ? topicProblem('expiredOutput', o.expiredOutput) : undefined);
    if (first) return first;
    if (o.inputs.includes(o.pendingTopic)) return problem('pendingTopic', 'a topic other than the inputs', o.pendingTopic);
    const batch = queryProblem('batchKey', o.batchKey);
    if (batch) return batch;
    if (o.count === undefined && o.countQuery === undefined) {
      return problem('count', 'set, or countQuery set: a join must know how many parts complete a batch', undefined);
    }
    if (o.count !== undefined && o.countQuery !== undefined) return problem('countQuery', 'unset when count is set', o.countQuery);
    if (o.count !== undefined && (!Number.isInteger(o.count) || o.count < 1 || o.count > MAX_JOIN_COUNT)) {
      return problem('count', `an integer from 1 to ${MAX_JOIN_COUNT}`, o.count);
    }
    return (o.countQuery !== undefined ? queryProblem('countQuery', o.countQuery) : undefined)
      ?? (o.partKey !== undefined ? queryProblem('partKey', o.partKey) : undefined)
      ?? durationProblem('window', o.window ?? JOIN_WINDOW)
      // the timeout is compared with record timestamps in whole seconds: a fraction would be rounded, so refuse it
      ?? valueProblem('timeout', ValueProblems.wholeSeconds(1, MAX_JOIN_TIMEOUT_S, o.timeout ?? JOIN_TIMEOUT))
      ?? maxInFlightProblem(o.maxInFlightPerPartition);
  }

  /** Why `reduce` refuses `options`, or undefined. */
  public static reduceProblem(options: ReduceConfigOptions): StreamConfigProblem | undefined {
    const first = commonProblem(options) ?? topicProblem('output', options.output) ?? queryProblem('key', options.key)
      ?? durationProblem('window', options.window ?? REDUCE_WINDOW);
    if (first) return first;
    const aggs = options.aggregations ?? [ReduceAggregation.count()];
    if (!Array.isArray(aggs) || aggs.length === 0) return problem('aggregations', 'a list of at least one aggregation', aggs);
    const names = new Set<string>();
    for (const [i, a] of aggs.entries()) {
      if (!(a instanceof ReduceAggregation)) return problem(`aggregations[${i}]`, 'a ReduceAggregation (ReduceAggregation.count(), .sum(name, query), …)', a);
      const name = `aggregations[${i}].name`;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(a.name)) return problem(name, 'a field name (letters, digits, _)', a.name);
      if (REDUCE_RESERVED.includes(a.name)) return problem(name, `neither ${REDUCE_RESERVED.map((r) => `'${r}'`).join(' nor ')} (the reduce writes them)`, a.name);
      if (names.has(a.name)) return problem(name, 'unique among the aggregations', a.name);
      names.add(a.name);
      const q = a._readsValue ? queryProblem(`aggregations[${i}].query`, a.query!) : undefined;
      if (q) return q;
    }
    return maxInFlightProblem(options.maxInFlightPerPartition);
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

function problem(option: string, expectation: string, value: any): StreamConfigProblem {
  return { option, expectation, value };
}

/** Throws the problem a renderer was given, if any. */
function fail(p: StreamConfigProblem | undefined): void {
  if (p) throw new Error(`'${p.option}' must be ${p.expectation}, got ${showValue(p.value)}`);
}

function commonProblem(o: StreamStageCommonOptions): StreamConfigProblem | undefined {
  if (!Array.isArray(o.seedBrokers) || o.seedBrokers.length === 0) return problem('seedBrokers', 'a list of at least one host:port', o.seedBrokers);
  for (const b of o.seedBrokers) {
    if (typeof b !== 'string' || !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(b)) return problem('seedBrokers', 'a list of host:port addresses', b);
  }
  if (o.tlsRootCasFile !== undefined && (typeof o.tlsRootCasFile !== 'string' || !/^\/[A-Za-z0-9._/-]*$/.test(o.tlsRootCasFile))) {
    return problem('tlsRootCasFile', 'an absolute path of [A-Za-z0-9._/-]', o.tlsRootCasFile);
  }
  if (o.saslUsername !== undefined && (typeof o.saslUsername !== 'string' || !/^[A-Za-z0-9._-]+$/.test(o.saslUsername))) {
    return problem('saslUsername', 'a user name of letters, digits, \'.\', \'_\' or \'-\'', o.saslUsername);
  }
  if (o.saslPasswordVariable !== undefined && (typeof o.saslPasswordVariable !== 'string' || !/^[A-Z_][A-Z0-9_]*$/.test(o.saslPasswordVariable))) {
    return problem('saslPasswordVariable', 'an environment variable name ([A-Z_][A-Z0-9_]*)', o.saslPasswordVariable);
  }
  const inputs = topicsProblem('inputs', o.inputs, 1);
  if (inputs) return inputs;
  if (typeof o.consumerGroup !== 'string' || !/^[A-Za-z0-9._-]+$/.test(o.consumerGroup)) {
    return problem('consumerGroup', 'letters, digits, \'.\', \'_\' or \'-\'', o.consumerGroup);
  }
  if (o.httpPort !== undefined && (!Number.isInteger(o.httpPort) || o.httpPort < 1 || o.httpPort > 65535)) {
    return problem('httpPort', 'an integer from 1 to 65535', o.httpPort);
  }
  if (o.logLevel !== undefined && !LOG_LEVELS.includes(o.logLevel)) {
    return problem('logLevel', `a StreamLogLevel (${LOG_LEVELS.map((l) => `'${l}'`).join(', ')})`, o.logLevel);
  }
  return (o.outputKey !== undefined ? queryProblem('outputKey', o.outputKey) : undefined)
    ?? (o.deadLetterTopic !== undefined ? topicProblem('deadLetterTopic', o.deadLetterTopic) : undefined);
}

function topicsProblem(option: string, topics: string[], min: number): StreamConfigProblem | undefined {
  if (!Array.isArray(topics) || topics.length < min) return problem(option, `a list of at least ${min} topic${min > 1 ? 's' : ''}`, topics);
  for (const t of topics) {
    if (KafkaConfig.topicNameProblem(t) !== undefined) return problem(option, 'a list of Kafka topic names', t);
  }
  return undefined;
}

function topicProblem(option: string, topic: string): StreamConfigProblem | undefined {
  return KafkaConfig.topicNameProblem(topic) === undefined ? undefined : problem(option, 'a Kafka topic name', topic);
}

function queryProblem(option: string, text: string): StreamConfigProblem | undefined {
  if (typeof text !== 'string' || text.trim() === '') return problem(option, 'a non-empty Bloblang query', text);
  // eslint-disable-next-line no-control-regex
  const at = text.search(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  if (at >= 0) {
    const code = text.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
    return problem(option, `a Bloblang query without control characters (it has U+${code} at index ${at})`, text);
  }
  return undefined;
}

/** A user's query as it goes into the config (checked already): trailing blanks cut, `${NAME}` escaped. */
function userQuery(text: string): string {
  return StreamProcessorConfig.escapeEnvInterpolation(text.replace(/\s+$/, ''));
}

/** A window: a Duration of whole milliseconds, at least 1 second (and at most a week). */
function durationProblem(option: string, d: Duration): StreamConfigProblem | undefined {
  const p = ValueProblems.wholeMillis(1000, MAX_JOIN_TIMEOUT_S * 1000, d);
  if (p !== undefined && typeof p.got === 'string' && /^[0-9]+ms$/.test(p.got) && parseInt(p.got, 10) < 1000) return problem(option, 'at least 1 second', p.got);
  return valueProblem(option, p);
}

function valueProblem(option: string, p: ValueProblem | undefined): StreamConfigProblem | undefined {
  return p === undefined ? undefined : problem(option, p.expectation, p.got);
}

function booleanProblem(option: string, v: unknown): StreamConfigProblem | undefined {
  return v === undefined || typeof v === 'boolean' ? undefined : problem(option, 'true or false', v);
}

function maxInFlightProblem(v: number | undefined): StreamConfigProblem | undefined {
  return v === undefined ? undefined : valueProblem('maxInFlightPerPartition', ValueProblems.integer(1, MAX_IN_FLIGHT, v));
}

function millisOf(d: Duration): number {
  return d.toMilliseconds({ integral: false });
}

/** A window (checked already) as Bento writes durations. */
function bentoDuration(d: Duration): string {
  const ms = millisOf(d);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}


function indentLines(text: string): string {
  return text.split('\n').map((l) => `  ${l}`).join('\n');
}

/** The `tls` and `sasl` fields of a `kafka_franz` input or output, when the options ask for them. */
function kafkaSecurity(o: StreamStageCommonOptions): any {
  const out: any = {};
  if (o.tlsRootCasFile !== undefined) out.tls = { enabled: true, root_cas_file: o.tlsRootCasFile };
  if (o.saslUsername !== undefined) {
    out.sasl = [{ mechanism: 'PLAIN', username: o.saslUsername, password: `\${${o.saslPasswordVariable ?? 'KAFKA_SASL_PASSWORD'}}` }];
  }
  return out;
}

/** A `kafka_franz` output to `topic` (an interpolated string for the sharder). */
function kafkaOutput(o: StreamStageCommonOptions, topic: string, key?: string, headerPatterns?: string[]): any {
  const out: any = {
    seed_brokers: [...o.seedBrokers],
    ...kafkaSecurity(o),
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
    procs.push({ mutation: `meta stage_key = (\n${indentLines(userQuery(o.outputKey))}\n).string()\n` });
  }
  const input: any = {
    seed_brokers: [...o.seedBrokers],
    ...kafkaSecurity(o),
    topics: [...o.inputs, ...(extras.extraInputs ?? [])],
    consumer_group: o.consumerGroup,
    client_id: o.clientId ?? o.consumerGroup,
    start_from_oldest: true,
    checkpoint_limit: extras.checkpointLimit ?? STREAM_CHECKPOINT_LIMIT,
    commit_period: COMMIT_PERIOD,
  };

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
