import { programText } from './_programs';

// The init container program that writes redis's `requirepass` from a Secret file into a config include (the real
// file `programs/redis-auth/write-include.sh`, POSIX sh for the busybox shell of the redis and valkey images).

/** The program's path under `programs/`. */
export const REDIS_AUTH_PROGRAM = 'redis-auth/write-include.sh';

/** The program text, run as `sh -c <text> write-include.sh <secret file> <include file>`. */
export function redisAuthProgram(): string {
  return programText(REDIS_AUTH_PROGRAM);
}
