/**
 * The daemon of a redis store: redis, or Valkey, its wire-compatible, BSD-licensed fork.
 *
 * Both speak one protocol, take the same arguments and are placed by the same twemproxy hashing; only the image
 * (`ImageKey.REDIS` or `ImageKey.VALKEY`), the binaries (`redis-server`/`redis-cli` or
 * `valkey-server`/`valkey-cli`) and the `app.kubernetes.io/name` label differ.
 *
 * @see https://valkey.io/
 */
export enum RedisEngine {
  /** redis 7.2 (`redis:7.2.5-alpine`: the last BSD-licensed line). */
  REDIS = 'redis',
  /** Valkey 8.1 (`valkey/valkey:8.1.1-alpine`), from the Linux Foundation. */
  VALKEY = 'valkey',
}
