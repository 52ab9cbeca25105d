/**
 * The server that holds a work queue. Both speak the same protocol and run the same scripts; they differ in
 * licence, image and the names of their binaries.
 */
export enum QueueEngine {
  /** Redis 7.2 (`ImageKey.REDIS`, the last BSD-licensed line): `redis-server` and `redis-cli`. */
  REDIS = 'redis',
  /**
   * Valkey (`ImageKey.VALKEY`, BSD-3-Clause, the Linux Foundation's fork of Redis 7.2): `valkey-server` and
   * `valkey-cli`. The image ships no `redis-*` names, so the library's scripts call the engine's client by name.
   */
  VALKEY = 'valkey',
}
