export * from './systemd/manager.js';
export * from './systemd/errors.js';
