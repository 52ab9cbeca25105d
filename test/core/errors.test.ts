import { Testing } from 'cdk8s';
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
});
