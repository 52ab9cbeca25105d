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

  test.each([['redis: 7'], ['Redis:7'], [`redis@sha256:${'a'.repeat(10)}`]])('fails when an override is not an image reference: %s', (image) => {
    const c = new Construct(Testing.chart(), 'c');
    expect(() => ContainerImages.resolve(c, ImageKey.REDIS, { redis: image })).toThrow(
      `Construct 'test/c': 'images.redis' must be a valid image reference ([registry/]repository[:tag][@digest]; the repository in lowercase), pinned to a tag or digest (e.g. 'redis:7.2.5-alpine'), got '${image}'`);
  });

  test.each([['redis:latest'], ['redis'], ['localhost:5000/redis']])('fails when an override is unpinned: %s', (image) => {
    const c = new Construct(Testing.chart(), 'c');
    expect(() => ContainerImages.resolve(c, ImageKey.REDIS, { redis: image })).toThrow(
      `Construct 'test/c': 'images.redis' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got '${image}'`);
  });

  test('fails when an app-wide override is unpinned, naming the context key', () => {
    const app = Testing.app();
    app.node.setContext(ContainerImages.CONTEXT_KEY, { node: 'node:latest' });
    expect(() => ContainerImages.resolve(new Construct(app, 'c'), ImageKey.NODE)).toThrow(/'context cdk8s-distributed-patterns:images.node' must be an image pinned/);
  });

  describe('registry mirrors (app-wide)', () => {
    const mirrors = { 'docker.io': 'harbor.example.com/dockerhub', 'ghcr.io': 'harbor.example.com/ghcr/', '*': 'harbor.example.com/other' };
    test('rewrite every default image to its upstream registry\'s prefix; official images keep library/', () => {
      const app = Testing.app();
      app.node.setContext(ContainerImages.REGISTRY_MIRRORS_CONTEXT_KEY, mirrors);
      const c = new Construct(app, 'c');
      expect(ContainerImages.resolve(c, ImageKey.REDIS)).toBe('harbor.example.com/dockerhub/library/redis:7.2.5-alpine');
      expect(ContainerImages.resolve(c, ImageKey.BENTO)).toBe(`harbor.example.com/ghcr/${ContainerImages.defaultImage(ImageKey.BENTO).slice('ghcr.io/'.length)}`);
      expect(ContainerImages.resolve(c, ImageKey.GIT_SYNC)).toBe(`harbor.example.com/other/${ContainerImages.defaultImage(ImageKey.GIT_SYNC).slice('registry.k8s.io/'.length)}`);
      expect(ContainerImages.resolve(c, ImageKey.NGINX)).toBe(`harbor.example.com/dockerhub/${ContainerImages.defaultImage(ImageKey.NGINX)}`);
      // an override is used as given
      expect(ContainerImages.resolve(c, ImageKey.REDIS, { redis: 'corp.example.com/redis:7.2.5' })).toBe('corp.example.com/redis:7.2.5');
    });

    test('a registry without a mirror (and no *) keeps its images; digests carry over', () => {
      expect(ContainerImages.mirrored('quay.io/prometheus/x:v1', { 'docker.io': 'm.example.com/d' })).toBe('quay.io/prometheus/x:v1');
      expect(ContainerImages.mirrored(`redis@sha256:${'b'.repeat(64)}`, { 'docker.io': 'm.example.com/d' })).toBe(`m.example.com/d/library/redis@sha256:${'b'.repeat(64)}`);
    });

    test.each([
      [{ 'docker.io': 'https://harbor.example.com/dockerhub' }, "'context cdk8s-distributed-patterns:registry-mirrors.docker.io' must be a registry prefix without a scheme (e.g. 'harbor.example.com/dockerhub'), got 'https://harbor.example.com/dockerhub'"],
      [{ 'docker.io': 'harbor.example.com/dockerhub:v1' }, "'context cdk8s-distributed-patterns:registry-mirrors.docker.io' must be a registry host and optional path, without a tag or digest (e.g. 'harbor.example.com/dockerhub'), got 'harbor.example.com/dockerhub:v1'"],
      [{ 'docker.io': 'dockerhub' }, 'must be a registry host and optional path, without a tag or digest'],
      [{ 'Docker Hub': 'harbor.example.com/d' }, "'context cdk8s-distributed-patterns:registry-mirrors' must be keys that are registry hosts (e.g. 'docker.io', 'ghcr.io') or '*', got 'Docker Hub'"],
      ['harbor.example.com', "'context cdk8s-distributed-patterns:registry-mirrors' must be a map from upstream registry (e.g. 'docker.io', or '*') to mirror prefix, got 'harbor.example.com'"],
    ])('fails when a mirror is %j', (value, message) => {
      const app = Testing.app();
      app.node.setContext(ContainerImages.REGISTRY_MIRRORS_CONTEXT_KEY, value);
      expect(() => ContainerImages.resolve(new Construct(app, 'c'), ImageKey.REDIS)).toThrow(message);
    });
  });
});
