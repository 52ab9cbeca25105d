export * from './errors';
export * from './names';
export * from './labels';
export * from './images';
export * from './security';
export * from './availability';
export * from './checksum';
export * from './pod-options';
