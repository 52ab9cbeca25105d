// The shared validation rules: image references, env var names, requests against limits, sleeps against grace.
import { Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkEnvNames, checkImageOverrides, checkPinnedImage, checkResources, checkSecretValue, checkSleepWithinGrace, parseImageReference } from '../../src/core/_rules';

class Thing extends Construct {}
const scope = () => new Thing(Testing.chart(), 'thing');

describe('image references', () => {
  test.each([
    ['redis:7.2.5-alpine', { repository: 'redis', tag: '7.2.5-alpine' }],
    ['docker.io/library/redis:7', { registry: 'docker.io', repository: 'library/redis', tag: '7' }],
    ['library/redis:7', { repository: 'library/redis', tag: '7' }],
    ['localhost:5000/team/app:v1', { registry: 'localhost:5000', repository: 'team/app', tag: 'v1' }],
    ['registry.k8s.io/git-sync/git-sync:v4.3.0', { registry: 'registry.k8s.io', repository: 'git-sync/git-sync', tag: 'v4.3.0' }],
    [`ghcr.io/a/b@sha256:${'a'.repeat(64)}`, { registry: 'ghcr.io', repository: 'a/b', digest: `sha256:${'a'.repeat(64)}` }],
    [`a:1@sha256:${'0'.repeat(64)}`, { repository: 'a', tag: '1', digest: `sha256:${'0'.repeat(64)}` }],
  ])('%s parses', (image, parts) => {
    expect(parseImageReference(image)).toEqual(expect.objectContaining(parts));
  });

  test.each([
    ['Redis:7', 'an uppercase repository'],
    ['Team/app:1', 'an uppercase first path component that is not a registry'],
    ['redis@', 'an empty digest'],
    ['redis@sha256:abc', 'a short digest'],
    [`redis@sha256:${'a'.repeat(63)}`, 'a 63-digit sha256 digest'],
    ['redis:', 'an empty tag'],
    ['redis: 7', 'a space'],
    ['', 'an empty string'],
  ])('%s is rejected (%s)', (image) => {
    expect(() => checkPinnedImage(scope(), 'image', image)).toThrow(/^Thing 'test\/thing': 'image' must be /);
  });

  test('latest and untagged are not pinned', () => {
    expect(() => checkPinnedImage(scope(), 'image', 'redis')).toThrow("'image' must be an image pinned to a tag or digest other than 'latest' (e.g. 'redis:7.2.5-alpine'), got 'redis'");
    expect(() => checkPinnedImage(scope(), 'image', 'redis:latest')).toThrow(/got 'redis:latest'$/);
    expect(checkPinnedImage(scope(), 'image', 'redis:7')).toBe('redis:7');
  });

  test('a caller without a compiler passing a number is told what is wanted', () => {
    expect(() => checkPinnedImage(scope(), 'image', 7 as any)).toThrow("'image' must be a non-empty string, pinned to a tag or digest (e.g. 'redis:7.2.5-alpine'), got 7");
  });
});

describe('env names', () => {
  const v = kplus.EnvValue.fromValue('x');
  test('C identifiers, dots and dashes pass', () => {
    expect(() => checkEnvNames(scope(), 'env', { 'A': v, '_b': v, 'c.d': v, 'e-f': v })).not.toThrow();
  });
  test.each([['A B'], ['1A'], ['A=B'], ['']])('fails when a name is %p', (name) => {
    expect(() => checkEnvNames(scope(), 'env', { [name]: v })).toThrow(`'env' must be variable names of letters, digits, '_', '-' and '.', not starting with a digit, got '${name}'`);
  });
  test('fails when a name is reserved, or a value is a plain string (a JavaScript caller)', () => {
    expect(() => checkEnvNames(scope(), 'env', { SHARD_INDEX: v }, ['SHARD_INDEX'])).toThrow("'env' must be free of 'SHARD_INDEX' (the construct sets them), got 'SHARD_INDEX'");
    expect(() => checkEnvNames(scope(), 'env', { A: 'x' })).toThrow("'env.A' must be a kplus.EnvValue (EnvValue.fromValue(...), EnvValue.fromSecretValue(...), …), got 'x'");
  });
});

describe('resources', () => {
  test('requests at most limits pass', () => {
    expect(() => checkResources(scope(), 'resources', { cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(1) }, memory: { request: Size.mebibytes(64), limit: Size.mebibytes(64) } })).not.toThrow();
  });
  test('fails when a memory request is above its limit', () => {
    expect(() => checkResources(scope(), 'resources', { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(256) } }))
      .toThrow("'resources.memory.request' must be at most the memory limit (256Mi), got '512Mi'");
  });
  test('fails when a CPU request is above its limit', () => {
    expect(() => checkResources(scope(), 'resources', { cpu: { request: kplus.Cpu.units(2), limit: kplus.Cpu.millis(1500) } }))
      .toThrow("'resources.cpu.request' must be at most the CPU limit (1500m), got '2'");
  });
  test('fails when a size is a string (a Python caller passing \'1Gb\')', () => {
    expect(() => checkResources(scope(), 'resources', { memory: { limit: '1Gb' as any } }))
      .toThrow("'resources.memory.limit' must be a Size of whole bytes, more than 0 (e.g. Size.mebibytes(128)), got '1Gb'");
  });
  test('fails when memory or ephemeral storage is not whole MiB (cdk8s-plus would throw without a path)', () => {
    expect(() => checkResources(scope(), 'resources', { memory: { limit: Size.kibibytes(1536) } }))
      .toThrow("'resources.memory.limit' must be a whole number of MiB (e.g. Size.mebibytes(128)), got '1536Ki'");
    expect(() => checkResources(scope(), 'resources', { ephemeralStorage: { request: Size.kibibytes(1536) } }))
      .toThrow("'resources.ephemeralStorage.request' must be a whole number of MiB (e.g. Size.mebibytes(256)), got '1536Ki'");
  });
});

test('a preStop sleep must leave time within the grace period', () => {
  expect(() => checkSleepWithinGrace(scope(), 'preStopSleep', 10, 30)).not.toThrow();
  expect(() => checkSleepWithinGrace(scope(), 'preStopSleep', 30, 30)).toThrow("'preStopSleep' must be shorter than the termination grace period (30s): the preStop hook counts against it, and the app needs time to stop after the sleep, got '30s'");
});

test('a Secret key given as a plain value is refused without showing the value (it may be the password)', () => {
  expect(() => checkSecretValue(scope(), 'password', 'hunter2' as any)).toThrow("Thing 'test/thing': 'password' must be a Secret key ({ secret: kplus.Secret.fromSecretName(...), key }: kplus.SecretValue), got '<a string, not shown>'");
  expect(() => checkSecretValue(scope(), 'password', 'hunter2' as any)).not.toThrow(/hunter2/);
  const s = scope();
  expect(checkSecretValue(s, 'password', { secret: kplus.Secret.fromSecretName(s, 'x', 'auth'), key: 'password' }).key).toBe('password');
});

test('image overrides name only images the construct runs', () => {
  expect(() => checkImageOverrides(scope(), 'images', { redis: 'redis:7.2.5-alpine' }, ['redis', 'twemproxy'])).not.toThrow();
  expect(() => checkImageOverrides(scope(), 'images', undefined, ['redis'])).not.toThrow();
  expect(() => checkImageOverrides(scope(), 'images', { redsi: 'redis:7.2.5-alpine' }, ['redis', 'twemproxy'])).toThrow("Thing 'test/thing': 'images' must be overrides of the images this construct runs ('redis', 'twemproxy'), got 'redsi'");
  expect(() => checkImageOverrides(scope(), 'images', 'redis:7' as any, ['redis'])).toThrow("'images' must be an ImageOverrides object ({ redis: '…' }; this construct runs 'redis'), got 'redis:7'");
});
