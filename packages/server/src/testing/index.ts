import { mkdtempSync, rmSync } from 'node:fs';
import type { FastifyServerOptions } from 'fastify';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/config.js';
import { createApp } from '../domain/apps/apps.js';
import { systemClock, type Clock } from '../domain/ports.js';
import type { UserVerificationPolicy } from '../domain/types.js';
import { startServer, type RunningServer } from '../server.js';
import type { StorageObserver } from '../storage/open-storage.js';

export interface TestServerOptions {
  origins: string[];
  rpId?: string;
  userVerification?: UserVerificationPolicy;
  transactionTtlSeconds?: number;
  nonceTtlSeconds?: number;
  /** Defaults to a fresh SQLite file in a temp dir (a real file, WAL and all). */
  databaseUrl?: string;
  /** Extra environment-style settings (e.g. PASSKEYD_RATE_LIMIT_MAX). */
  env?: Record<string, string>;
  clock?: Clock;
  /** false (the default), true, or pino options, e.g. `{ level: 'warn', stream }` to read the log. */
  logger?: FastifyServerOptions['logger'];
  /** Sees every database statement, with whether a transaction was open (round-trip tests). */
  observeStorage?: StorageObserver;
}

export interface TestServer {
  baseUrl: string;
  appId: string;
  apiKey: string;
  adminToken: string;
  server: RunningServer;
  config: Readonly<Config>;
  createApp(input: {
    name: string;
    rpId?: string;
    origins: string[];
    userVerification?: UserVerificationPolicy;
  }): Promise<{ appId: string; apiKey: string }>;
  close(): Promise<void>;
}

/**
 * A real passkeyd on a random localhost port, with one app ready. For this project's tests and
 * for SDK tests; not for production.
 */
export async function startTestServer(opts: TestServerOptions): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'passkeyd-test-'));
  const adminToken = 'test-admin-token-0123456789abcdef0123456789';
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: opts.databaseUrl ?? `sqlite:${join(dir, 'passkeyd.db')}`,
    PASSKEYD_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'silent',
    PASSKEYD_PURGE_INTERVAL_SECONDS: '0',
    ...(opts.transactionTtlSeconds
      ? { PASSKEYD_TRANSACTION_TTL_SECONDS: String(opts.transactionTtlSeconds) }
      : {}),
    ...(opts.nonceTtlSeconds ? { PASSKEYD_NONCE_TTL_SECONDS: String(opts.nonceTtlSeconds) } : {}),
    ...opts.env,
  });
  const clock = opts.clock ?? systemClock;
  const server = await startServer(config, {
    logger: opts.logger ?? false,
    clock,
    ...(opts.observeStorage ? { observeStorage: opts.observeStorage } : {}),
  });
  const deps = { storage: server.storage, apps: server.apps, clock };
  const make: TestServer['createApp'] = async (input) => {
    const { app, apiKey } = await createApp(
      {
        name: input.name,
        rpId: input.rpId ?? 'localhost',
        origins: input.origins,
        ...(input.userVerification ? { userVerification: input.userVerification } : {}),
      },
      deps,
    );
    return { appId: app.id, apiKey: apiKey.secret };
  };
  const first = await make({
    name: 'Test app',
    rpId: opts.rpId ?? 'localhost',
    origins: opts.origins,
    ...(opts.userVerification ? { userVerification: opts.userVerification } : {}),
  });
  // Browsers treat http://localhost as a secure context; http://127.0.0.1 would work too, but
  // localhost keeps the base URL and RP ID on one name.
  const baseUrl = server.url.replace('127.0.0.1', 'localhost');
  return {
    baseUrl,
    ...first,
    adminToken,
    server,
    config,
    createApp: make,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export {
  CeremonyClient,
  type AuthenticatorLike,
  type HttpResult,
  type Handshake,
} from './ceremony-client.js';
export { ManualClock } from './manual-clock.js';
