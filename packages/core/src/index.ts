export * from './model.js';
export * from './errors.js';
export * from './registry/types.js';
