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

describe('part-of and version', () => {
  test('part-of: the prop, else the app-wide context, else the instance', () => {
    const plain = new Construct(Testing.app(), 'plain');
    expect(RecommendedLabels.partOf(plain, 'cache')).toBe('cache');
    expect(RecommendedLabels.partOf(plain, 'cache', 'shop')).toBe('shop');
    expect(() => RecommendedLabels.partOf(plain, 'cache', 'my shop')).toThrow("Construct 'plain': 'partOf' must be a label value (at most 63 characters: alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric), got 'my shop'");
    const withContext = (value: string) => {
      const app = Testing.app();
      app.node.setContext(RecommendedLabels.PART_OF_CONTEXT_KEY, value);
      return new Construct(app, 'c');
    };
    expect(RecommendedLabels.partOf(withContext('storefront'), 'cache')).toBe('storefront');
    expect(RecommendedLabels.partOf(withContext('storefront'), 'cache', 'shop')).toBe('shop');
    expect(() => RecommendedLabels.partOf(withContext('-x'), 'cache')).toThrow("'context cdk8s-distributed-patterns:part-of' must be a label value");
  });

  test('version: the image tag, none for a digest-only image', () => {
    expect(RecommendedLabels.versionOf('redis:7.2.5-alpine')).toBe('7.2.5-alpine');
    expect(RecommendedLabels.versionOf(`redis@sha256:${'a'.repeat(64)}`)).toBeUndefined();
    expect(RecommendedLabels.versionOf('x:v1_')).toBe('v1');
  });
});
