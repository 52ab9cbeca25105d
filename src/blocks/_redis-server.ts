import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { redisAuthConfigArgs, redisProbeCli, redisProtectedModeArgs } from './_redis-auth';
import { RedisAuth } from './redis-auth';
import { RedisEngine } from './redis-engine';
import { containerResources, withEphemeralStorage } from '../core/_resources';
import { ImageKey } from '../core/images';

// Internal: the redis (or valkey) shard container shared by AmbassadorShardedRedis and ShardedCache (engines redis
// and valkey). Not exported from the package index.

export const REDIS_PORT = 6379;

/** What differs between the engines: the image, the binaries, the name (label, container). */
export interface RedisEngineSpec {
  /** `redis` or `valkey`: the container name and the `app.kubernetes.io/name` of the shards. */
  readonly name: string;
  readonly imageKey: ImageKey;
  readonly server: string;
  readonly cli: string;
}

// The official valkey image ships `valkey-server` and `valkey-cli` (it is not documented to ship `redis-*` names,
// so they are not relied on). Both clis take `--askpass` (the password on stdin), which the probes use.
const ENGINES: { [engine: string]: RedisEngineSpec } = {
  [RedisEngine.REDIS]: { name: 'redis', imageKey: ImageKey.REDIS, server: 'redis-server', cli: 'redis-cli' },
  [RedisEngine.VALKEY]: { name: 'valkey', imageKey: ImageKey.VALKEY, server: 'valkey-server', cli: 'valkey-cli' },
};

/** The spec of a (checked) engine. */
export function redisEngineSpec(engine: RedisEngine): RedisEngineSpec {
  return ENGINES[engine];
}

export interface RedisShardContainerOptions {
  readonly engine: RedisEngineSpec;
  readonly image: string;
  readonly maxMemoryMi: number;
  readonly evictionPolicy: string;
  readonly persistent: boolean;
  /** The checked auth; with a password the caller wires it (`wireRedisServerAuth`) once the container is added. */
  readonly auth: RedisAuth;
  readonly extraArgs?: string[];
  /** The container's resources (default: CPU 100m–1, memory 1.5 × maxmemory as request and limit). */
  readonly resources?: kplus.ContainerResources;
}

/** The default resources of a shard of `maxMemoryMi`: memory 1.5 × maxmemory (fork, fragmentation, buffers). */
export function redisShardResources(maxMemoryMi: number): kplus.ContainerResources {
  const memory = `${Math.ceil(maxMemoryMi * 1.5)}Mi`;
  return containerResources({ cpu: ['100m', '1000m'], memory: [memory, memory], ephemeralStorage: redisShardEphemeralStorage(maxMemoryMi) });
}

/** A shard's ephemeral storage: its `/data` (an emptyDir without a claim) holds RDB/AOF files up to ~2 × maxmemory. */
export function redisShardEphemeralStorage(maxMemoryMi: number): [string, string] {
  return ['64Mi', `${Math.max(256, maxMemoryMi * 2)}Mi`];
}

/**
 * The server container of one shard: explicit args, probes, memory limit 1.5 × maxmemory. With a password the
 * server's first argument is the config include `wireRedisServerAuth` writes, and its probe's cli reads the
 * password from the Secret file: neither its argv nor its env holds it.
 */
export function redisShardContainer(o: RedisShardContainerOptions): kplus.ContainerProps {
  const args = [
    ...redisAuthConfigArgs(o.auth),
    '--port', `${REDIS_PORT}`,
    '--bind', '* -::*',
    ...redisProtectedModeArgs(o.auth),
    '--dir', '/data',
    '--maxmemory', `${o.maxMemoryMi}mb`,
    '--maxmemory-policy', o.evictionPolicy,
    '--save', '',
    '--appendonly', o.persistent ? 'yes' : 'no',
  ];
  args.push(...(o.extraArgs ?? []));
  return {
    name: o.engine.name,
    image: o.image,
    command: [o.engine.server],
    args,
    ports: [{ number: REDIS_PORT, name: 'redis' }],
    readiness: kplus.Probe.fromCommand(['sh', '-c', `${redisProbeCli(o.auth, o.engine.cli, `-h 127.0.0.1 -p ${REDIS_PORT} ping`)} | grep -q PONG`], {
      periodSeconds: Duration.seconds(5), timeoutSeconds: Duration.seconds(2), failureThreshold: 2,
    }),
    liveness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
    startup: kplus.Probe.fromTcpSocket({ port: REDIS_PORT, periodSeconds: Duration.seconds(2), failureThreshold: 30 }),
    resources: o.resources === undefined ? redisShardResources(o.maxMemoryMi)
      : withEphemeralStorage(o.resources, redisShardResources(o.maxMemoryMi).ephemeralStorage),
  };
}
