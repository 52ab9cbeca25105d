import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { ResourceNames } from '../../src';

describe('ResourceNames', () => {
  test('DNS-1123 label and subdomain checks use the real limits', () => {
    expect(ResourceNames.isDnsLabel('a'.repeat(63))).toBe(true);
    expect(ResourceNames.isDnsLabel('a'.repeat(64))).toBe(false);
    expect(ResourceNames.isDnsLabel('-a')).toBe(false);
    expect(ResourceNames.isDnsLabel('a.b')).toBe(false);
    expect(ResourceNames.isDnsLabel('A')).toBe(false);
    expect(ResourceNames.isDnsSubdomain('a.b-c.d')).toBe(true);
    expect(ResourceNames.isDnsSubdomain(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`)).toBe(true);
    expect(ResourceNames.isDnsSubdomain('a'.repeat(254))).toBe(false);
    expect(ResourceNames.isDnsSubdomain('a..b')).toBe(false);
  });

  test('a StatefulSet name leaves room for the ordinal and the controller-revision-hash label', () => {
    // <name>-<hash of up to 10> must be a label value (63): the name has at most 52 characters.
    expect(ResourceNames.MAX_STATEFULSET + '-'.length + 10).toBe(63);
  });

  test('base name is the construct path below the chart, deterministic', () => {
    const chart = Testing.chart();
    const group = new Construct(chart, 'Shop');
    expect(ResourceNames.baseName(new Construct(group, 'cache'))).toBe('shop-cache');
    expect(ResourceNames.baseName(new Construct(chart, 'web'))).toBe('web');
    // characters a label does not allow are replaced, and a hash of the real path keeps it unique
    const odd = new Construct(chart, 'my_cache');
    expect(ResourceNames.baseName(odd)).toMatch(/^my-cache-[0-9a-f]{8}$/);
    expect(ResourceNames.baseName(odd)).toBe(ResourceNames.baseName(odd));
    expect(ResourceNames.baseName(new Construct(chart, 'my.cache'))).not.toBe(ResourceNames.baseName(odd));
  });

  test('a long path is cut to the limit with a hash suffix', () => {
    const chart = Testing.chart();
    const long = new Construct(chart, 'x'.repeat(80));
    const name = ResourceNames.baseName(long, undefined, ResourceNames.MAX_STATEFULSET);
    expect(name.length).toBeLessThanOrEqual(52);
    expect(name).toMatch(/^x+-[0-9a-f]{8}$/);
  });

  test('a user-given name is used as is', () => {
    const chart = Testing.chart();
    expect(ResourceNames.baseName(new Construct(chart, 'a'), 'orders-cache')).toBe('orders-cache');
  });

  test('fails when a user-given name is not a DNS label, naming the construct, prop and value', () => {
    const chart = new Chart(Testing.app(), 'app');
    expect(() => ResourceNames.baseName(new Construct(chart, 'cache'), 'Orders_Cache'))
      .toThrow("Construct 'app/cache': 'name' must be a DNS-1123 label of at most 63 characters (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'Orders_Cache'");
  });

  test('fails when a user-given StatefulSet name is longer than 52', () => {
    const chart = Testing.chart();
    expect(() => ResourceNames.baseName(new Construct(chart, 'a'), 'r'.repeat(53), ResourceNames.MAX_STATEFULSET)).toThrow(/at most 52 characters/);
  });

  test('pod DNS names of StatefulSet pods, short and fully qualified', () => {
    expect(ResourceNames.podDnsName('cache', 0, 'cache')).toBe('cache-0.cache');
    expect(ResourceNames.podDnsName('redis', 2, 'redis-headless', { namespace: 'prod' })).toBe('redis-2.redis-headless.prod.svc.cluster.local');
    expect(ResourceNames.podDnsName('r', 1, 's', { namespace: 'n', clusterDomain: 'corp.internal' })).toBe('r-1.s.n.svc.corp.internal');
  });

  test('fails when a pod DNS name is asked with a bad ordinal or name', () => {
    expect(() => ResourceNames.podDnsName('cache', -1, 'cache')).toThrow('pod ordinal must be a non-negative integer, got -1');
    expect(() => ResourceNames.podDnsName('Cache', 0, 'cache')).toThrow("StatefulSet name must be a DNS-1123 label, got 'Cache'");
    expect(() => ResourceNames.podDnsName('cache', 0, 'cache', { namespace: 'a.b' })).toThrow("namespace must be a DNS-1123 label, got 'a.b'");
  });
});
