export * from './hash-functions';
export * from './ketama';
