import { Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { PropCheck } from '../../src';

class ShardedThing extends Construct {}

describe('PropCheck', () => {
  const scope = () => new ShardedThing(Testing.chart(), 'cache');

  test('the message names the construct class, path, prop and value', () => {
    expect(PropCheck.message(scope(), 'shards', 'an integer from 1 to 1024', 0))
      .toBe("ShardedThing 'test/cache': 'shards' must be an integer from 1 to 1024, got 0");
    expect(PropCheck.message(scope(), 'mode', "one of 'a', 'b'", 'c')).toMatch(/got 'c'$/);
    expect(PropCheck.message(scope(), 'x', 'set', undefined)).toMatch(/got undefined$/);
  });

  test('integer: default, range and type', () => {
    expect(PropCheck.integer(scope(), 'shards', 1, 1024, 3)).toBe(3);
    expect(PropCheck.integer(scope(), 'shards', 1, 1024, 3, 1024)).toBe(1024);
    expect(() => PropCheck.integer(scope(), 'shards', 1, 1024, 3, 0)).toThrow("ShardedThing 'test/cache': 'shards' must be an integer from 1 to 1024, got 0");
    expect(() => PropCheck.integer(scope(), 'shards', 1, 1024, 3, 2.5)).toThrow(/got 2.5$/);
    expect(() => PropCheck.integer(scope(), 'shards', 1, 1024, 3, NaN)).toThrow(/got null$/);
  });

  test('oneOf', () => {
    expect(PropCheck.oneOf(scope(), 'engine', ['memcached', 'redis'], 'memcached')).toBe('memcached');
    expect(() => PropCheck.oneOf(scope(), 'engine', ['memcached', 'redis'], 'memcached', 'etcd'))
      .toThrow("ShardedThing 'test/cache': 'engine' must be one of 'memcached', 'redis', got 'etcd'");
  });

  test('wholeSeconds and wholeMillis: a fraction is reported in the one wording, not as cdk8s\' conversion error', () => {
    expect(PropCheck.wholeSeconds(scope(), 'period', 1, 60, Duration.seconds(10))).toBe(10);
    expect(() => PropCheck.wholeSeconds(scope(), 'period', 1, 60, Duration.seconds(10), Duration.millis(1.5)))
      .toThrow("ShardedThing 'test/cache': 'period' must be a whole number of seconds from 1 to 60, got '1.5ms'");
    expect(PropCheck.wholeMillis(scope(), 'timeout', 1, 1000, Duration.millis(250))).toBe(250);
    expect(() => PropCheck.wholeMillis(scope(), 'timeout', 1, 1000, Duration.millis(250), Duration.millis(0.5)))
      .toThrow("ShardedThing 'test/cache': 'timeout' must be a duration of whole milliseconds from 1ms to 1s, got '0.5ms'");
  });
});
