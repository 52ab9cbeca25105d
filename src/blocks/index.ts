// Public building blocks (the internal ones are named _x.ts and not exported).
export * from './stateful-shards';
export * from './redis-engine';
export * from './redis-auth';
