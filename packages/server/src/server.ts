import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { SETTINGS, type Config } from './config/config.js';
import { KeyCache } from './domain/ceremonies/key-cache.js';
import type { DomainDeps } from './domain/deps.js';
import { systemClock, type Clock } from './domain/ports.js';
import { LiveSettings, ROTATABLE_KEYS } from './http/auth/live-settings.js';
import { buildApp } from './http/build-app.js';
import type { KyselyStorage } from './storage/kysely/kysely-storage.js';
import { openStorage, type StorageObserver } from './storage/open-storage.js';
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
  /**
   * Applies a newly read configuration's admin and metrics tokens and log level (SIGHUP), without
   * touching a connection; other changed settings are named in a warning and wait for a restart.
   */
  reload(next: Readonly<Config>): ReloadReport;
}

export interface ReloadReport {
  adminTokens: { added: number; removed: number; total: number };
  metricsTokens: { added: number; removed: number; total: number };
  logLevel: Config['logLevel'];
  /** Environment names of changed settings that need a restart (not applied). */
  needRestart: string[];
}

const diffIds = (before: readonly string[], after: readonly string[]) => ({
  added: after.filter((id) => !before.includes(id)).length,
  removed: before.filter((id) => !after.includes(id)).length,
  total: after.length,
});

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
  opts: {
    logger?: FastifyServerOptions['logger'];
    clock?: Clock;
    /** Sees every database statement (tests count round trips per request). */
    observeStorage?: StorageObserver;
  } = {},
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
      ...(opts.observeStorage ? { observe: opts.observeStorage } : {}),
    });
  } catch (err) {
    await tracing?.shutdown();
    throw err;
  }
  const live = new LiveSettings(config);
  const deps = { ...domainDeps(config, storage, opts.clock), config, live };
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
  const metricsAtStart = !live.current.metricsTokens.empty;

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
    reload: (next) => {
      const { previous, next: now } = live.replace(next);
      // The level set on the root logger reaches every request that starts from now on (Fastify
      // makes each request's logger a child of it); requests in flight keep theirs. The line
      // is written at whichever of the two levels is more verbose, so it shows either way.
      // (A test app built with `logger: false` has no levels to change.)
      const log = app.log as typeof app.log & {
        levels?: { values: Record<string, number> };
        levelVal?: number;
      };
      const levels = log.levels?.values;
      const setLevel = () => {
        if (levels) log.level = now.logLevel;
      };
      if (levels && (levels[now.logLevel] ?? Infinity) < (log.levelVal ?? Infinity)) setLevel();
      const report: ReloadReport = {
        adminTokens: diffIds(previous.adminTokens.ids, now.adminTokens.ids),
        metricsTokens: diffIds(previous.metricsTokens.ids, now.metricsTokens.ids),
        logLevel: now.logLevel,
        needRestart: SETTINGS.filter(
          (s) =>
            !(ROTATABLE_KEYS as readonly string[]).includes(s.key) &&
            JSON.stringify(next[s.key]) !== JSON.stringify(config[s.key]),
        ).map((s) => s.env),
      };
      app.log.info(
        {
          admin_tokens: report.adminTokens,
          metrics_tokens: report.metricsTokens,
          log_level: report.logLevel,
        },
        'configuration reloaded: admin and metrics tokens and log level replaced',
      );
      setLevel();
      // /metrics and its hooks exist only if a metrics token was set at start-up (build-app.ts).
      if (!metricsAtStart && !now.metricsTokens.empty)
        report.needRestart.push('PASSKEYD_METRICS_TOKEN');
      if (report.needRestart.length)
        app.log.warn(
          { settings: report.needRestart },
          'configuration reload: these changed settings need a restart and were not applied',
        );
      return report;
    },
  };
}
