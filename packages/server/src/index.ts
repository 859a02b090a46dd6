export { loadConfig, describeSettings, ConfigError, type Config } from './config/config.js';
export { startServer, domainDeps, type RunningServer } from './server.js';
export { buildApp } from './http/build-app.js';
export { openStorage } from './storage/open-storage.js';
export { ERROR_CODES, PasskeydError, type ErrorCode } from './domain/errors.js';
export type { Storage, Clock } from './domain/ports.js';
export type * from './domain/types.js';
