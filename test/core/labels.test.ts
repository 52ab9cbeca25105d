import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { RecommendedLabels } from '../../src';

describe('RecommendedLabels', () => {
  test('all recommended labels, with managed-by', () => {
    expect(RecommendedLabels.of({ name: 'redis', instance: 'cache', component: 'shard', partOf: 'shop', version: '7.2.5' })).toEqual({
      'app.kubernetes.io/name': 'redis',
      'app.kubernetes.io/instance': 'cache',
      'app.kubernetes.io/component': 'shard',
      'app.kubernetes.io/part-of': 'shop',
      'app.kubernetes.io/version': '7.2.5',
      'app.kubernetes.io/managed-by': 'cdk8s-distributed-patterns',
    });
  });

  test('the selector is name, instance and component only (stable across versions)', () => {
    expect(RecommendedLabels.selector({ name: 'redis', instance: 'cache', component: 'shard', version: '7' })).toEqual({
      'app.kubernetes.io/name': 'redis',
      'app.kubernetes.io/instance': 'cache',
      'app.kubernetes.io/component': 'shard',
    });
    expect(RecommendedLabels.selector({ name: 'redis', instance: 'cache' })).toEqual({
      'app.kubernetes.io/name': 'redis',
      'app.kubernetes.io/instance': 'cache',
    });
  });

  test('fails when a value is not a label value', () => {
    expect(() => RecommendedLabels.of({ name: 'redis', instance: 'x'.repeat(64) })).toThrow(/recommended label 'instance' must be a non-empty label value/);
    expect(() => RecommendedLabels.of({ name: 'redis cache', instance: 'a' })).toThrow("recommended label 'name' must be a non-empty label value, got 'redis cache'");
    const c = new Construct(Testing.chart(), 'c');
    expect(() => RecommendedLabels.checkValue(c, 'partOf', 'a/b')).toThrow(/'partOf' must be a label value .*, got 'a\/b'/);
    expect(RecommendedLabels.checkValue(c, 'partOf', 'shop.v1_x')).toBe('shop.v1_x');
  });
});
