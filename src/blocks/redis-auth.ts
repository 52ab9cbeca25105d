import * as kplus from 'cdk8s-plus-27';

/**
 * How a redis (or valkey) the library runs authenticates its clients: a password from a Secret, or explicitly none.
 *
 * Every redis the library runs — the work queue's server, the AmbassadorShardedRedis shards, ShardedCache's redis
 * and valkey shards — requires a password by default. The password is read from the Secret mounted as a file: an
 * init container writes it as `requirepass` into a config include in a memory-backed emptyDir that the server
 * reads as its config file, so it never reaches the server's argv, its environment or a ConfigMap, and the
 * synthesized YAML holds only the Secret's name and key. The library cannot make the Secret itself (its output is
 * deterministic and holds no secret): create it out of band (`kubectl create secret generic <name>
 * --from-literal=password=...`, Sealed Secrets, External Secrets).
 *
 * Every workload of the redis carries the annotation `distributed-patterns.dev/redis-auth`: `secret <name>/<key>`,
 * or `none` when the user opted out.
 */
export class RedisAuth {
  /** The annotation naming each redis workload's auth: `secret <name>/<key>` or `none`. */
  public static readonly ANNOTATION = 'distributed-patterns.dev/redis-auth';

  /** The default key of the password in the Secret. */
  public static readonly DEFAULT_KEY = 'password';

  /**
   * Require the password held in `key` of `secret`.
   *
   * The value is the password itself, one line (a trailing line break is dropped), not empty.
   *
   * @param secret the Secret holding the password (e.g. `kplus.Secret.fromSecretName(this, 'Auth', 'cache-auth')`)
   * @param key the key of the password in the Secret
   */
  public static fromSecret(secret: kplus.ISecret, key: string = RedisAuth.DEFAULT_KEY): RedisAuth {
    return new RedisAuth({ secret, key });
  }

  /**
   * No password: anything that reaches the redis can read, write and `FLUSHALL` it.
   *
   * The server then runs with `--protected-mode no` (it must accept clients on its pod IP), and its workloads are
   * annotated `distributed-patterns.dev/redis-auth: none`, so the choice is visible in the output.
   */
  public static none(): RedisAuth {
    return new RedisAuth(undefined);
  }

  /** The Secret holding the password (unset for `none()`). */
  public readonly secret?: kplus.ISecret;
  /** The key of the password in `secret` (unset for `none()`). */
  public readonly key?: string;

  private constructor(value: kplus.SecretValue | undefined) {
    this.secret = value?.secret;
    this.key = value?.key;
  }

  /** Whether clients must authenticate. */
  public get required(): boolean {
    return this.secret !== undefined;
  }

  /** @internal The Secret key (checked), or undefined for `none()`. */
  public _secretValue(): kplus.SecretValue | undefined {
    return this.secret === undefined ? undefined : { secret: this.secret, key: this.key! };
  }

  /** @internal The value of the annotation. */
  public _annotation(): string {
    return this.secret === undefined ? 'none' : `secret ${this.secret.name}/${this.key}`;
  }
}
