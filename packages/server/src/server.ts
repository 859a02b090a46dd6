import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Config } from './config/config.js';
import { KeyCache } from './domain/ceremonies/key-cache.js';
import type { DomainDeps } from './domain/deps.js';
import { systemClock, type Clock } from './domain/ports.js';
import { buildApp } from './http/build-app.js';
import type { KyselyStorage } from './storage/kysely/kysely-storage.js';
import { openStorage } from './storage/open-storage.js';
import { startTracing } from './tracing/tracing.js';

export interface RunningServer {
  app: FastifyInstance;
  storage: KyselyStorage;
  /** Root URL of the listener, e.g. http://127.0.0.1:8787 */
  url: string;
  /**
   * Stops accepting, drains in-flight requests, stops the purge timer, closes the database, then
   * flushes the spans not yet exported.
   */
  close(): Promise<void>;
}

export function domainDeps(
  config: Readonly<Config>,
  storage: KyselyStorage,
  clock: Clock = systemClock,
): DomainDeps {
  return {
    storage,
    clock,
    keyCache: new KeyCache(config.keyCacheSize),
    settings: {
      transactionTtlSeconds: config.transactionTtlSeconds,
      nonceTtlSeconds: config.nonceTtlSeconds,
      discoverableHandshakeTtlSeconds: config.discoverableChallengeTtlSeconds,
      verifier: config.verifier,
    },
  };
}

/** The composition root: config → storage (migrated) → app → listen, plus the purge timer. */
export async function startServer(
  config: Readonly<Config>,
  opts: { logger?: FastifyServerOptions['logger']; clock?: Clock } = {},
): Promise<RunningServer> {
  // undefined unless an OTLP endpoint is configured; then the SDK is loaded, not before.
  const tracing = await startTracing(config);
  let storage: KyselyStorage;
  let app: FastifyInstance;
  try {
    storage = await openStorage({
      databaseUrl: config.databaseUrl,
      pg: { poolSize: config.pgPoolSize, statementTimeoutMs: config.pgStatementTimeoutMs },
      ...(tracing ? { wrapDialect: (d, engine) => tracing.traceDialect(d, engine) } : {}),
    });
  } catch (err) {
    await tracing?.shutdown();
    throw err;
  }
  const deps = { ...domainDeps(config, storage, opts.clock), config };
  try {
    app = await buildApp(deps, {
      ...(opts.logger === undefined ? {} : { logger: opts.logger }),
      ...(tracing ? { tracing } : {}),
    });
  } catch (err) {
    await storage.close();
    await tracing?.shutdown();
    throw err;
  }

  let purging = false;
  const purgeOnce = async () => {
    const now = deps.clock.now();
    const n = await storage.purgeExpired(
      now,
      config.eventRetentionDays > 0
        ? { eventsBefore: now - config.eventRetentionDays * 86_400_000 }
        : {},
    );
    if (n.transactions + n.handshakes + n.nonces + n.events > 0)
      app.log.debug({ purged: n }, 'purged expired rows');
  };
  const purge = async () => {
    if (purging) return;
    purging = true;
    try {
      // Its statements are children of one span per run, not loose root spans.
      await (tracing ? tracing.inSpan('passkeyd purge', purgeOnce) : purgeOnce());
    } catch (err) {
      app.log.warn({ err }, 'purge failed; will retry');
    } finally {
      purging = false;
    }
  };
  const timer =
    config.purgeIntervalSeconds > 0
      ? setInterval(purge, config.purgeIntervalSeconds * 1000)
      : undefined;
  timer?.unref();

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    if (timer) clearInterval(timer);
    await storage.close();
    await tracing?.shutdown();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    app,
    storage,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: async () => {
      if (timer) clearInterval(timer);
      await app.close();
      await storage.close();
      await tracing?.shutdown();
    },
  };
}
