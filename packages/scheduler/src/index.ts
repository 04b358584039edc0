export * from './placement/index.js';
export * from './unit-name.js';
