export * from './record.js';
export * from './start.js';
