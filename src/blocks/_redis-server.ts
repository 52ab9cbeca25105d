import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { containerResources } from '../core/_resources';

// Internal: the redis shard container shared by AmbassadorShardedRedis and ShardedCache (engine redis).
// Not exported from the package index.

export const REDIS_PORT = 6379;

export interface RedisShardContainerOptions {
  readonly image: string;
  readonly maxMemoryMi: number;
  readonly evictionPolicy: string;
  readonly persistent: boolean;
  readonly password?: kplus.EnvValue;
  readonly extraArgs?: string[];
}

/** The redis-server container of one shard: explicit args, probes, memory limit 1.5 × maxmemory. */
export function redisShardContainer(o: RedisShardContainerOptions): kplus.ContainerProps {
  const env: { [name: string]: kplus.EnvValue } = {};
  if (o.password) {
    env.REDIS_PASSWORD = o.password;
    // redis-cli (the readiness probe) reads it from REDISCLI_AUTH, so it never shows in a process list.
    env.REDISCLI_AUTH = o.password;
  }
  const args = [
    '--port', `${REDIS_PORT}`,
    '--bind', '* -::*',
    '--protected-mode', 'no',
    '--dir', '/data',
    '--maxmemory', `${o.maxMemoryMi}mb`,
    '--maxmemory-policy', o.evictionPolicy,
    '--save', '',
    '--appendonly', o.persistent ? 'yes' : 'no',
  ];
  args.push(...(o.extraArgs ?? []));
  if (o.password) args.push('--requirepass', '$(REDIS_PASSWORD)');
  const memory = `${Math.ceil(o.maxMemoryMi * 1.5)}Mi`;
  return {
    name: 'redis',
    image: o.image,
    command: ['redis-server'],
    args,
    envVariables: env,
    ports: [{ number: REDIS_PORT, name: 'redis' }],
    readiness: kplus.Probe.fromCommand(['sh', '-c', `redis-cli -h 127.0.0.1 -p ${REDIS_PORT} ping | grep -q PONG`], {
      periodSeconds: Duration.seconds(5), timeoutSeconds: Duration.seconds(2), failureThreshold: 2,
    }),
    liveness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
    startup: kplus.Probe.fromTcpSocket({ port: REDIS_PORT, periodSeconds: Duration.seconds(2), failureThreshold: 30 }),
    resources: containerResources({ cpu: ['100m', '1000m'], memory: [memory, memory] }),
  };
}
