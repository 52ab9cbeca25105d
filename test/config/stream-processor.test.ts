import { Duration } from 'cdk8s';
import { parse } from 'yaml';
import { ReduceAggregation, ReduceOperation, StreamLogLevel, StreamProcessorConfig } from '../../src';

const common = { seedBrokers: ['wf-kafka-0.wf-kafka:9092', 'wf-kafka-1.wf-kafka:9092'], consumerGroup: 'wf-stage' };

function input(config: any) {
  return config.input.kafka_franz;
}

describe('StreamProcessorConfig', () => {
  test('copier: one kafka_franz input, a fan_out broker of one kafka_franz output per topic, failed messages rejected', () => {
    const text = StreamProcessorConfig.copier({ ...common, inputs: ['photos'], outputs: ['to-a', 'to-b'] });
    expect(text).toMatchSnapshot();
    const c = parse(text);
    expect(input(c)).toEqual({
      seed_brokers: common.seedBrokers,
      topics: ['photos'],
      consumer_group: 'wf-stage',
      client_id: 'wf-stage',
      start_from_oldest: true,
      // rendered, not left to Bento's defaults: they are the failure contract's numbers (README)
      checkpoint_limit: 1024,
      commit_period: '1s',
    });
    expect(c.output.label).toBe('out');
    expect(c.output.reject_errored.broker.pattern).toBe('fan_out');
    expect(c.output.reject_errored.broker.outputs).toEqual(['to-a', 'to-b'].map((topic) => ({
      kafka_franz: { seed_brokers: common.seedBrokers, topic, key: '${! @kafka_key }', client_id: 'wf-stage' },
    })));
    expect(c.pipeline).toEqual({ threads: -1, processors: [] });
    expect(c.http).toEqual({ enabled: true, address: '0.0.0.0:4195' });
    expect(c.metrics).toEqual({ prometheus: {}, mapping: 'meta stage = "wf-stage"' });
    expect(c.logger).toEqual({ level: 'INFO', format: 'json', static_fields: { '@service': 'bento', 'stage': 'wf-stage' } });
    expect(c.buffer).toBeUndefined();
  });

  test('a copier with one output has no broker', () => {
    const c = parse(StreamProcessorConfig.copier({ ...common, inputs: ['a'], outputs: ['b'] }));
    expect(c.output.reject_errored.kafka_franz.topic).toBe('b');
  });

  test('filter: a mutation that deletes the messages the condition does not hold for', () => {
    const text = StreamProcessorConfig.filter({ ...common, inputs: ['a'], output: 'b', condition: 'this.size < 10' });
    expect(text).toMatchSnapshot();
    const c = parse(text);
    expect(c.pipeline.processors).toEqual([{ mutation: 'root = if !(\n  this.size < 10\n) { deleted() }\n' }]);
    expect(c.output.reject_errored.kafka_franz.topic).toBe('b');
  });

  test('splitter: conditions evaluated in the pipeline, a switch output with continue for copies and a final unmatched case', () => {
    const text = StreamProcessorConfig.splitter({
      ...common, inputs: ['a'], routes: [{ condition: 'this.n > 5', output: 'big' }, { condition: 'this.n % 2 == 0', output: 'even' }], copy: true, unmatchedOutput: 'rest',
    });
    expect(text).toMatchSnapshot();
    const c = parse(text);
    expect(c.pipeline.processors[0].mutation).toBe([
      'meta split_route_0 = if (', '  this.n > 5', ') { true } else { false }',
      'meta split_route_1 = if (', '  this.n % 2 == 0', ') { true } else { false }', '',
    ].join('\n'));
    const cases = c.output.reject_errored.switch.cases;
    expect(c.output.reject_errored.switch.strict_mode).toBe(false);
    expect(cases.map((x: any) => [x.check, x.output.kafka_franz.topic, x.continue])).toEqual([
      ['@split_route_0 == true', 'big', true],
      ['@split_route_1 == true', 'even', true],
      ['@split_route_0 != true && @split_route_1 != true', 'rest', false],
    ]);
  });

  test('a splitter without copy takes the first route only; without unmatched, there is no final case', () => {
    const c = parse(StreamProcessorConfig.splitter({ ...common, inputs: ['a'], routes: [{ condition: 'true', output: 'x' }] }));
    expect(c.output.reject_errored.switch.cases).toEqual([{ check: '@split_route_0 == true', output: expect.anything(), continue: false }]);
  });

  test('sharder: the topic from fnv32 of the key, modulo the shards', () => {
    const text = StreamProcessorConfig.sharder({ ...common, inputs: ['a'], key: 'this.user', outputs: ['s0', 's1', 's2'] });
    expect(text).toMatchSnapshot();
    const c = parse(text);
    expect(c.pipeline.processors[0].mutation).toBe([
      'let shard_key = (', '  this.user', ').string()',
      'meta shard_topic = ["s0", "s1", "s2"].index($shard_key.hash("fnv32").string().number() % 3)', '',
    ].join('\n'));
    expect(c.output.reject_errored.kafka_franz.topic).toBe('${! @shard_topic }');
  });

  test('shardIndex is FNV-1 32 of the UTF-8 bytes (values from Bento 1.20 hash("fnv32"))', () => {
    expect(StreamProcessorConfig.fnv1Hash32('abc')).toBe(1134309195);
    expect(StreamProcessorConfig.fnv1Hash32('k1')).toBe(1719082413);
    expect(StreamProcessorConfig.fnv1Hash32('ü€')).toBe(732775272);
    expect(StreamProcessorConfig.fnv1Hash32('')).toBe(0x811c9dc5);
    expect(StreamProcessorConfig.shardIndex('abc', 3)).toBe(1134309195 % 3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30; i++) counts[StreamProcessorConfig.shardIndex(`user-${i}`, 3)]++;
    expect(counts).toEqual([10, 10, 10]);
  });

  test('merger: every input in one consumer group, one output; outputKey re-keys', () => {
    const text = StreamProcessorConfig.merger({ ...common, inputs: ['a', 'b'], output: 'm', outputKey: 'this.id' });
    expect(text).toMatchSnapshot();
    const c = parse(text);
    expect(input(c).topics).toEqual(['a', 'b']);
    expect(c.pipeline.processors).toEqual([{ mutation: 'meta stage_key = (\n  this.id\n).string()\n' }]);
    expect(c.output.reject_errored.kafka_franz).toMatchObject({ topic: 'm', key: '${! @stage_key }' });
  });

  test('join: a system_window buffer, one thread, grouped by batch, complete batches out and the rest to the pending topic', () => {
    const text = StreamProcessorConfig.join({
      ...common,
      inputs: ['parts'],
      output: 'batches',
      batchKey: 'this.id',
      count: 3,
      partKey: 'this.kind',
      pendingTopic: 'j.pending',
      window: Duration.seconds(5),
      timeout: Duration.minutes(30),
      expiredOutput: 'expired',
    });
    expect(text).toMatchSnapshot();
    const c = parse(text);
    expect(input(c).topics).toEqual(['parts', 'j.pending']);
    expect(input(c).checkpoint_limit).toBe(10000);
    expect(c.buffer).toEqual({ system_window: { size: '5s' } });
    expect(c.pipeline.threads).toBe(1);
    expect(c.pipeline.processors[0].mutation).toContain('meta join_count = 3\n');
    expect(c.pipeline.processors[0].mutation).toContain('meta join_part = if @kafka_topic == "j.pending" && @join_part != null { @join_part } else { (\n  this.kind\n).string() }');
    expect(c.pipeline.processors[2]).toEqual({ group_by_value: { value: '${! @join_group }' } });
    expect(c.pipeline.processors[3].mutation).toContain('timestamp_unix() - $oldest > 1800');
    const cases = c.output.reject_errored.switch.cases;
    expect(cases.map((x: any) => [x.check, x.output.kafka_franz.topic, x.output.kafka_franz.key, x.output.kafka_franz.metadata])).toEqual([
      ['@join_route == "complete"', 'batches', '${! @join_key }', undefined],
      ['@join_route == "pending"', 'j.pending', '${! @join_key }', { include_patterns: ['^join_(part|since)$'] }],
      ['@join_route == "expired"', 'expired', '${! @join_key }', { include_patterns: ['^join_(part|since)$'] }],
    ]);
  });

  test('join: count from a query, parts identified by their record by default, timed-out parts dropped with a log line', () => {
    const c = parse(StreamProcessorConfig.join({ ...common, inputs: ['p'], output: 'b', batchKey: 'this.id', countQuery: 'this.total', pendingTopic: 'p2' }));
    expect(c.pipeline.processors[0].mutation).toContain('meta join_count = (\n  this.total\n).number()');
    expect(c.pipeline.processors[0].mutation).toContain('"%s/%v/%v".format(@kafka_topic, @kafka_partition, @kafka_offset)');
    expect(c.buffer.system_window.size).toBe('10s');
    expect(c.pipeline.processors[3].mutation).toContain('> 3600');
    expect(c.output.reject_errored.switch.cases[2].output).toEqual({
      drop: {}, processors: [{ log: { level: 'WARN', message: 'join: dropping a part of batch ${! @join_key } that timed out' } }],
    });
  });

  test('reduce: a window, grouped by key, one message per key with the aggregates', () => {
    const text = StreamProcessorConfig.reduce({
      ...common,
      inputs: ['events'],
      output: 'counts',
      key: 'this.tag',
      window: Duration.seconds(30),
      aggregations: [ReduceAggregation.count(), ReduceAggregation.sum('total', 'this.v'), ReduceAggregation.min('min', 'this.v'),
        ReduceAggregation.max('max', 'this.v'), ReduceAggregation.average('avg', 'this.v'), ReduceAggregation.collect('ids', 'this.id'),
        ReduceAggregation.countDistinct('users', 'this.user')],
    });
    expect(text).toMatchSnapshot();
    const c = parse(text);
    expect(c.buffer).toEqual({ system_window: { size: '30s' } });
    expect(c.pipeline.threads).toBe(1);
    expect(c.pipeline.processors[3].mapping).toBe([
      'root = if errored() { this } else if batch_index() == 0 {',
      '  {',
      '    "key": @reduce_key,',
      '    "window_end": @window_end_timestamp,',
      '    "count": batch_size(),',
      '    "total": metadata("reduce_v1").from_all().sum(),',
      '    "min": metadata("reduce_v2").from_all().min(),',
      '    "max": metadata("reduce_v3").from_all().max(),',
      '    "avg": metadata("reduce_v4").from_all().sum() / batch_size(),',
      '    "ids": metadata("reduce_v5").from_all(),',
      '    "users": metadata("reduce_v6").from_all().unique().length(),',
      '  }',
      '} else { deleted() }',
      '',
    ].join('\n'));
    expect(c.output.reject_errored.kafka_franz).toMatchObject({ topic: 'counts', key: '${! @reduce_key }' });
  });

  test('a reduce counts by default over 1 minute windows', () => {
    const c = parse(StreamProcessorConfig.reduce({ ...common, inputs: ['e'], output: 'o', key: 'this.k' }));
    expect(c.buffer.system_window.size).toBe('60s');
    expect(c.pipeline.processors[3].mapping).toContain('"count": batch_size(),');
    expect(ReduceAggregation.count().operation).toBe(ReduceOperation.COUNT);
  });

  test('httpCall: a POST per message with bounded retries, 4xx final, the answer to every route whose condition holds', () => {
    const c = parse(StreamProcessorConfig.httpCall({
      ...common,
      inputs: ['p.create'],
      url: 'http://p-create',
      attempts: 4,
      retryPeriod: Duration.millis(50),
      timeout: Duration.seconds(2),
      routes: [{ condition: 'true', output: 'p.mail' }, { condition: 'this.phone != null', output: 'p.sms' }],
    }));
    const [id, call, answer, routes] = c.pipeline.processors;
    expect(id.mutation).toBe('meta fn_event_id = @fn_event_id.or("%s/%v/%v".format(@kafka_topic, @kafka_partition, @kafka_offset))\nmeta fn_in = content().string()\n');
    expect(call.http).toEqual({
      url: 'http://p-create',
      verb: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Function-Event-Id': '${! @fn_event_id }', 'X-Function-Source': 'kafka' },
      timeout: '2s',
      retries: 3,
      retry_period: '50ms',
      drop_on: expect.arrayContaining([400, 404, 409, 422]),
    });
    // 408 and 429 are tried again like 5xx
    expect(call.http.drop_on).not.toContain(408);
    expect(call.http.drop_on).not.toContain(429);
    expect(call.http.drop_on.every((s: number) => s >= 400 && s < 500)).toBe(true);
    expect(answer.mutation).toBe('root = if errored() || content().length() == 0 { @fn_in.parse_json() } else { this }\nmeta fn_in = deleted()\n');
    expect(routes.mutation).toBe('meta http_route_0 = if (\n  true\n) { true } else { false }\nmeta http_route_1 = if (\n  this.phone != null\n) { true } else { false }\n');
    expect(c.output.reject_errored.switch.cases).toEqual(['p.mail', 'p.sms'].map((topic, i) => ({
      check: `@http_route_${i} == true`,
      output: { kafka_franz: { seed_brokers: common.seedBrokers, topic, key: '${! @kafka_key }', client_id: 'wf-stage', metadata: { include_patterns: ['^fn_event_id$'] } } },
      continue: true,
    })));
  });

  test('httpCall defaults: 3 attempts 200 ms apart, 10 s each; without routes the answers are dropped', () => {
    const c = parse(StreamProcessorConfig.httpCall({ ...common, inputs: ['a'], url: 'https://example.com/hook' }));
    expect(c.pipeline.processors[1].http).toEqual(expect.objectContaining({ retries: 2, retry_period: '200ms', timeout: '10s' }));
    expect(c.pipeline.processors).toHaveLength(3);
    expect(c.output.reject_errored).toEqual({ drop: {} });
    expect(StreamProcessorConfig.httpCallProblem({ ...common, inputs: ['a'], url: 'ftp://x' })).toEqual({
      option: 'url', expectation: 'an http:// or https:// URL (no spaces, no ${…})', value: 'ftp://x',
    });
    expect(() => StreamProcessorConfig.httpCall({ ...common, inputs: ['a'], url: 'http://x', attempts: 101 })).toThrow("'attempts' must be an integer from 1 to 100, got 101");
  });

  test('a dead-letter topic: failed messages go there with the error and their origin in headers', () => {
    const c = parse(StreamProcessorConfig.filter({ ...common, inputs: ['a'], output: 'b', condition: 'this.ok', deadLetterTopic: 'dlq', stageName: 'check', logLevel: StreamLogLevel.DEBUG }));
    expect(c.output.reject_errored).toBeUndefined();
    const [dead, main] = c.output.switch.cases;
    expect(dead.check).toBe('errored()');
    expect(dead.output.kafka_franz).toMatchObject({ topic: 'dlq', metadata: { include_patterns: ['^dlq_'] } });
    expect(dead.output.processors[0].mutation).toBe([
      'meta dlq_error = error()', 'meta dlq_stage = "check"', 'meta dlq_topic = @kafka_topic',
      'meta dlq_partition = @kafka_partition.string()', 'meta dlq_offset = @kafka_offset.string()', '',
    ].join('\n'));
    expect(main).toEqual({ output: { kafka_franz: expect.objectContaining({ topic: 'b' }) } });
    expect(c.logger.level).toBe('DEBUG');
  });

  test('a reduce aggregation\'s query is trimmed and escaped like every other query', () => {
    const c = parse(StreamProcessorConfig.reduce({ ...common, inputs: ['e'], output: 'o', key: 'this.k', aggregations: [ReduceAggregation.collect('homes', 'this.path == "${HOME}"  \n')] }));
    expect(c.pipeline.processors[0].mutation).toBe('meta reduce_key = (\n  this.k\n).string()\nmeta reduce_v0 = (\n  this.path == "${{HOME}}"\n)\n');
  });

  test('join and reduce pass maxInFlightPerPartition to Bento\'s checkpoint_limit', () => {
    expect(input(parse(StreamProcessorConfig.join({ ...common, inputs: ['p'], output: 'b', batchKey: 'this.id', count: 2, pendingTopic: 'q', maxInFlightPerPartition: 500 }))).checkpoint_limit).toBe(500);
    expect(input(parse(StreamProcessorConfig.reduce({ ...common, inputs: ['e'], output: 'o', key: 'this.k', maxInFlightPerPartition: 20 }))).checkpoint_limit).toBe(20);
  });

  test('user queries keep their text; ${NAME} sequences are escaped from Bento\'s environment interpolation', () => {
    expect(StreamProcessorConfig.escapeEnvInterpolation('this.a == "${HOME}" && "${X:y}" != "${! meta(\'k\') }"'))
      .toBe('this.a == "${{HOME}}" && "${{X:y}}" != "${! meta(\'k\') }"');
    const c = parse(StreamProcessorConfig.filter({ ...common, inputs: ['a'], output: 'b', condition: 'this.path == "${HOME}"\n  || this.x' }));
    expect(c.pipeline.processors[0].mutation).toBe('root = if !(\n  this.path == "${{HOME}}"\n    || this.x\n) { deleted() }\n');
  });

  test('the YAML round-trips through a YAML parser for awkward strings', () => {
    const awkward = 'this.a == "x: y # z" && this.b == \'q\' && this.c == "\\\\"';
    const c = parse(StreamProcessorConfig.filter({ ...common, inputs: ['a.b_c-D'], output: 'o', condition: awkward, consumerGroup: 'g.1_x' }));
    expect(c.pipeline.processors[0].mutation).toBe(`root = if !(\n  ${awkward}\n) { deleted() }\n`);
    expect(input(c).topics).toEqual(['a.b_c-D']);
    expect(input(c).consumer_group).toBe('g.1_x');
  });

  describe('fails when', () => {
    const base = { ...common, inputs: ['a'] };
    test.each([
      ['no seed brokers', () => StreamProcessorConfig.merger({ ...base, seedBrokers: [], output: 'b' }), '\'seedBrokers\' must be a list of at least one host:port, got []'],
      ['a seed broker has no port', () => StreamProcessorConfig.merger({ ...base, seedBrokers: ['kafka'], output: 'b' }), '\'seedBrokers\' must be a list of host:port addresses, got \'kafka\''],
      ['an input is not a topic name', () => StreamProcessorConfig.merger({ ...base, inputs: ['a b'], output: 'b' }), '\'inputs\' must be a list of Kafka topic names, got \'a b\''],
      ['there is no input', () => StreamProcessorConfig.merger({ ...base, inputs: [], output: 'b' }), '\'inputs\' must be a list of at least 1 topic, got []'],
      ['the consumer group has a space', () => StreamProcessorConfig.merger({ ...base, consumerGroup: 'a b', output: 'b' }), '\'consumerGroup\' must be letters, digits, \'.\', \'_\' or \'-\', got \'a b\''],
      ['a condition is empty', () => StreamProcessorConfig.filter({ ...base, output: 'b', condition: ' ' }), '\'condition\' must be a non-empty Bloblang query, got \' \''],
      ['a condition holds a control character', () => StreamProcessorConfig.filter({ ...base, output: 'b', condition: 'a\u0001' }), '\'condition\' must be a Bloblang query without control characters (it has U+0001 at index 1), got \'a\u0001\''],
      ['a splitter has no routes', () => StreamProcessorConfig.splitter({ ...base, routes: [] }), '\'routes\' must be a list of at least one route, got []'],
      ['a sharder has one shard', () => StreamProcessorConfig.sharder({ ...base, key: 'this.k', outputs: ['s'] }), '\'outputs\' must be a list of at least 2 topics, got ["s"]'],
      ['a join has neither count nor countQuery', () => StreamProcessorConfig.join({ ...base, output: 'b', batchKey: 'this.id', pendingTopic: 'p' }), '\'count\' must be set, or countQuery set: a join must know how many parts complete a batch, got undefined'],
      ['a join has both', () => StreamProcessorConfig.join({ ...base, output: 'b', batchKey: 'this.id', count: 2, countQuery: 'this.n', pendingTopic: 'p' }), '\'countQuery\' must be unset when count is set, got \'this.n\''],
      ['a join has no batch key', () => StreamProcessorConfig.join({ ...base, output: 'b', batchKey: '', count: 2, pendingTopic: 'p' }), '\'batchKey\' must be a non-empty Bloblang query, got \'\''],
      ['a join count is 0', () => StreamProcessorConfig.join({ ...base, output: 'b', batchKey: 'this.id', count: 0, pendingTopic: 'p' }), '\'count\' must be an integer from 1 to 1000000, got 0'],
      ['a join reads its pending topic', () => StreamProcessorConfig.join({ ...base, output: 'b', batchKey: 'this.id', count: 2, pendingTopic: 'a' }), '\'pendingTopic\' must be a topic other than the inputs, got \'a\''],
      ['a window is under a second', () => StreamProcessorConfig.reduce({ ...base, output: 'b', key: 'this.k', window: Duration.millis(500) }), '\'window\' must be at least 1 second, got \'500ms\''],
      ['a reduce has no aggregations', () => StreamProcessorConfig.reduce({ ...base, output: 'b', key: 'this.k', aggregations: [] }), '\'aggregations\' must be a list of at least one aggregation, got []'],
      ['an aggregation is named key', () => StreamProcessorConfig.reduce({ ...base, output: 'b', key: 'this.k', aggregations: [ReduceAggregation.sum('key', 'this.v')] }), '\'aggregations[0].name\' must be neither \'key\' nor \'window_end\' (the reduce writes them), got \'key\''],
      ['two aggregations share a name', () => StreamProcessorConfig.reduce({ ...base, output: 'b', key: 'this.k', aggregations: [ReduceAggregation.count('n'), ReduceAggregation.sum('n', 'this.v')] }), '\'aggregations[1].name\' must be unique among the aggregations, got \'n\''],
      ['an aggregation name is not a field name', () => StreamProcessorConfig.reduce({ ...base, output: 'b', key: 'this.k', aggregations: [ReduceAggregation.count('a-b')] }), '\'aggregations[0].name\' must be a field name (letters, digits, _), got \'a-b\''],
      ['the http port is 0', () => StreamProcessorConfig.merger({ ...base, output: 'b', httpPort: 0 }), '\'httpPort\' must be an integer from 1 to 65535, got 0'],
      ['a join timeout is not whole seconds', () => StreamProcessorConfig.join({ ...base, output: 'b', batchKey: 'this.id', count: 2, pendingTopic: 'p', timeout: Duration.millis(1500) }),
        '\'timeout\' must be a whole number of seconds from 1 to 604800, got \'1500ms\''],
      ['a join holds 0 records per partition', () => StreamProcessorConfig.join({ ...base, output: 'b', batchKey: 'this.id', count: 2, pendingTopic: 'p', maxInFlightPerPartition: 0 }),
        '\'maxInFlightPerPartition\' must be an integer from 1 to 1000000, got 0'],
      ['a reduce holds a fraction of records', () => StreamProcessorConfig.reduce({ ...base, output: 'b', key: 'this.k', maxInFlightPerPartition: 2.5 }),
        '\'maxInFlightPerPartition\' must be an integer from 1 to 1000000, got 2.5'],
      ['an aggregation is not a ReduceAggregation', () => StreamProcessorConfig.reduce({ ...base, output: 'b', key: 'this.k', aggregations: [{ name: 'n' } as any] }),
        '\'aggregations[0]\' must be a ReduceAggregation (ReduceAggregation.count(), .sum(name, query), …), got {"name":"n"}'],
      ['a route is not an object', () => StreamProcessorConfig.splitter({ ...base, routes: [null as any] }), '\'routes[0]\' must be a route ({ condition, output }), got null'],
      ['copy is a string', () => StreamProcessorConfig.splitter({ ...base, routes: [{ condition: 'true', output: 'b' }], copy: 'false' as any }), '\'copy\' must be true or false, got \'false\''],
      ['a log level is lowercase', () => StreamProcessorConfig.merger({ ...base, output: 'b', logLevel: 'info' as any }), '\'logLevel\' must be a StreamLogLevel (\'ERROR\', \'WARN\', \'INFO\', \'DEBUG\'), got \'info\''],
      ['a window is a string', () => StreamProcessorConfig.reduce({ ...base, output: 'b', key: 'this.k', window: '1m' as any }), '\'window\' must be a Duration (e.g. Duration.seconds(30)), got \'1m\''],
      ['shardIndex gets 0 shards', () => StreamProcessorConfig.shardIndex('a', 0), 'shards must be a positive integer, got 0'],
    ])('%s', (_name, fn, message) => {
      expect(fn).toThrow(message);
      try {
        fn();
      } catch (e: any) {
        expect(e.message).toBe(message);
      }
    });
  });

  describe('problems are reported, not thrown', () => {
    const base = { ...common, inputs: ['a'] };

    test('a config the renderer accepts has no problem', () => {
      expect([
        StreamProcessorConfig.copierProblem({ ...base, outputs: ['b'] }),
        StreamProcessorConfig.filterProblem({ ...base, output: 'b', condition: 'true' }),
        StreamProcessorConfig.splitterProblem({ ...base, routes: [{ condition: 'true', output: 'b' }], unmatchedOutput: 'c' }),
        StreamProcessorConfig.sharderProblem({ ...base, key: 'this.k', outputs: ['b', 'c'] }),
        StreamProcessorConfig.mergerProblem({ ...base, output: 'b' }),
        StreamProcessorConfig.joinProblem({ ...base, output: 'b', batchKey: 'this.id', count: 2, pendingTopic: 'p' }),
        StreamProcessorConfig.reduceProblem({ ...base, output: 'b', key: 'this.k' }),
      ]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
    });

    test.each([
      ['an empty output list', () => StreamProcessorConfig.copierProblem({ ...base, outputs: [] }), { option: 'outputs', expectation: 'a list of at least 1 topic', value: [] }],
      ['a route to a bad topic name', () => StreamProcessorConfig.splitterProblem({ ...base, routes: [{ condition: 'true', output: 'b' }, { condition: 'true', output: 'x y' }] }),
        { option: 'routes[1].output', expectation: 'a Kafka topic name', value: 'x y' }],
      ['an empty output key', () => StreamProcessorConfig.mergerProblem({ ...base, output: 'b', outputKey: ' ' }), { option: 'outputKey', expectation: 'a non-empty Bloblang query', value: ' ' }],
      ['a join window of 10ms', () => StreamProcessorConfig.joinProblem({ ...base, output: 'b', batchKey: 'this.id', count: 2, pendingTopic: 'p', window: Duration.millis(10) }),
        { option: 'window', expectation: 'at least 1 second', value: '10ms' }],
      ['an aggregation without a query', () => StreamProcessorConfig.reduceProblem({ ...base, output: 'b', key: 'this.k', aggregations: [ReduceAggregation.sum('s', '')] }),
        { option: 'aggregations[0].query', expectation: 'a non-empty Bloblang query', value: '' }],
    ])('%s: the option, what it must be, the value', (_name, problemOf, expected) => {
      expect(problemOf()).toEqual(expected);
    });

    test('each renderer throws exactly the problem its *Problem method reports', () => {
      const options = { ...base, output: 'b', key: 'this.k', window: Duration.millis(999) };
      expect(StreamProcessorConfig.reduceProblem(options)).toEqual({ option: 'window', expectation: 'at least 1 second', value: '999ms' });
      expect(() => StreamProcessorConfig.reduce(options)).toThrow(/^'window' must be at least 1 second, got '999ms'$/);
    });
  });
});
