import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { ContainerImages, ImageKey } from '../../src';

describe('ContainerImages', () => {
  test('every default is pinned, never latest, never bitnami, with a non-root uid', () => {
    const rows = ContainerImages.defaults();
    expect(rows.map((r) => r.key).sort()).toEqual(Object.values(ImageKey).sort());
    for (const row of rows) {
      expect(row.image).toMatch(/:[^:/]+$/);
      expect(row.image).not.toMatch(/:latest$/);
      expect(row.image).not.toMatch(/bitnami/);
      expect(row.uid).toBeGreaterThan(0);
    }
  });

  test('the defaults table is a copy', () => {
    const rows = ContainerImages.defaults();
    (rows[0] as any).image = 'changed:1';
    expect(ContainerImages.defaults()[0].image).not.toBe('changed:1');
  });

  test('construct prop wins over app context, which wins over the default', () => {
    const app = Testing.app();
    app.node.setContext(ContainerImages.CONTEXT_KEY, { redis: 'mirror.example/redis:7.2.5-alpine' });
    const chart = Testing.chart();
    const inApp = new Construct(app, 'c');
    expect(ContainerImages.resolve(inApp, ImageKey.REDIS)).toBe('mirror.example/redis:7.2.5-alpine');
    expect(ContainerImages.resolve(inApp, ImageKey.REDIS, { redis: 'redis:7.2.4' })).toBe('redis:7.2.4');
    expect(ContainerImages.resolve(inApp, ImageKey.MEMCACHED)).toBe(ContainerImages.defaultImage(ImageKey.MEMCACHED));
    expect(ContainerImages.resolve(new Construct(chart, 'd'), ImageKey.REDIS)).toBe('redis:7.2.5-alpine');
  });

  test('digests are accepted', () => {
    const c = new Construct(Testing.chart(), 'c');
    const digest = `redis@sha256:${'a'.repeat(64)}`;
    expect(ContainerImages.resolve(c, ImageKey.REDIS, { redis: digest })).toBe(digest);
    expect(ContainerImages.checkPinned(c, 'image', 'localhost:5000/x:1')).toBe('localhost:5000/x:1');
  });

  test.each([['redis:latest'], ['redis'], ['localhost:5000/redis'], [''], ['redis: 7']])('fails when an override is unpinned: %s', (image) => {
    const c = new Construct(Testing.chart(), 'c');
    expect(() => ContainerImages.resolve(c, ImageKey.REDIS, { redis: image })).toThrow(
      `Construct 'test/c': 'images.redis' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got '${image}'`);
  });

  test('fails when an app-wide override is unpinned, naming the context key', () => {
    const app = Testing.app();
    app.node.setContext(ContainerImages.CONTEXT_KEY, { node: 'node:latest' });
    expect(() => ContainerImages.resolve(new Construct(app, 'c'), ImageKey.NODE)).toThrow(/'context cdk8s-distributed-patterns:images.node' must be an image pinned/);
  });
});
