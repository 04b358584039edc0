export * from './placement/index.js';
export * from './plan.js';
export * from './unit-name.js';
