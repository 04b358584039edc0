export * from './record.js';
export * from './start.js';
export * from './progress.js';
export * from './rollback.js';
