// The TypeScript twin of examples/python/app.py: the same app, in TypeScript, for the byte-identity proof of the
// Python package (test/real/python-package.test.ts for the 27 line, test/real/line-packages.test.ts for the other
// lines). The library and its cdk8s-plus are parameters, so every line's twin is this one app.
import { App, Chart, Size, YamlOutputType } from 'cdk8s';

/** The YAML of the twin, synthesized into `outdir` with `lib` (the library's index) and `kplus` (its cdk8s-plus). */
export function typescriptTwin(lib: any, kplus: any, outdir: string): string {
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_APP });
  const chart = new Chart(app, 'python-proof', { namespace: 'python-proof' });
  const secret = kplus.Secret.fromSecretName(chart, 'auth', 'redis-auth');
  new lib.AmbassadorShardedRedis(chart, 'sharded-redis', {
    shards: 4,
    maxMemory: Size.mebibytes(128),
    auth: lib.RedisAuth.fromSecret(secret, 'password'),
    hash: lib.TwemproxyHash.MURMUR,
    hashTag: '{}',
    app: { image: 'redis:7.2.5-alpine', uid: 999, gid: 1000, command: ['sleep', 'infinity'] },
  });
  new lib.ShardedCache(chart, 'cache', { shards: 3, engine: lib.CacheEngine.MEMCACHED, proxy: lib.ShardedCacheProxy.sharedTier({ replicas: 2 }) });
  return app.synthYaml();
}

/** What app.py prints about the model, computed in TypeScript. */
export function twinModelLine(lib: any): string {
  const redis = new lib.AmbassadorShardedRedis(new Chart(new App(), 'python-proof'), 'sharded-redis', {
    shards: 4, hash: lib.TwemproxyHash.MURMUR, hashTag: '{}', app: { image: 'redis:7.2.5-alpine', uid: 999, command: ['sleep', 'infinity'] },
  });
  return `server for user:42 = ${redis.hashing.serverFor('user:42')}; resize 4->5 moves ${redis.planResize(5).movedFraction.toFixed(4)}`;
}
