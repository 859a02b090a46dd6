import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { SETTINGS, type Config } from './config/config.js';
import { AppDirectory } from './domain/apps/app-directory.js';
import { recordAudit } from './domain/audit.js';
import { KeyCache } from './domain/ceremonies/key-cache.js';
import { useNodeHashingInSimpleWebAuthn } from './domain/ceremonies/simplewebauthn-hashing.js';
import type { DomainDeps } from './domain/deps.js';
import { systemClock, type Clock } from './domain/ports.js';
import { LiveSettings, ROTATABLE_KEYS } from './http/auth/live-settings.js';
import { buildApp, type BuildAppOptions } from './http/build-app.js';
import type { KyselyStorage } from './storage/kysely/kysely-storage.js';
import { WebhookDispatcher } from './domain/webhooks/dispatcher.js';
import { httpSender } from './domain/webhooks/send.js';
import { openStorage, type StorageObserver } from './storage/open-storage.js';
import { startTracing } from './tracing/tracing.js';

export interface RunningServer {
  app: FastifyInstance;
  storage: KyselyStorage;
  /** The in-memory apps; a write made through `storage` directly must call `apps.changed(id)`. */
  apps: AppDirectory;
  /** Root URL of the listener, e.g. http://127.0.0.1:8787 */
  url: string;
  /** This node's webhook dispatcher; undefined with PASSKEYD_WEBHOOKS=false. */
  webhooks: WebhookDispatcher | undefined;
  /**
   * Stops accepting, drains in-flight requests and webhook attempts, stops the purge timer,
   * closes the database, then flushes the spans not yet exported.
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

/** The caller closes `apps` (its change feed holds a connection on PostgreSQL). */
export function domainDeps(
  config: Readonly<Config>,
  storage: KyselyStorage,
  clock: Clock = systemClock,
  onAppChangesError?: (err: unknown) => void,
): DomainDeps {
  const maxStaleMs = config.appCacheMaxStaleSeconds * 1000;
  return {
    storage,
    apps: new AppDirectory(
      storage,
      storage.appChanges({
        maxStaleMs,
        ...(onAppChangesError ? { onError: onAppChangesError } : {}),
      }),
      { maxStaleMs },
    ),
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
  // Process-wide and idempotent; false (an upgrade moved SimpleWebAuthn's internal) only costs
  // speed, and its test fails on such an upgrade.
  await useNodeHashingInSimpleWebAuthn();
  // undefined unless an OTLP endpoint is configured; then the SDK is loaded, not before.
  const tracing = await startTracing(config);
  let storage: KyselyStorage;
  let app: FastifyInstance;
  try {
    storage = await openStorage({
      databaseUrl: config.databaseUrl,
      pg: { poolSize: config.pgPoolSize, statementTimeoutMs: config.pgStatementTimeoutMs },
      sqliteCheckpoint: config.sqliteCheckpoint,
      ...(tracing
        ? {
            wrapDialect: (d, engine) => tracing.traceDialect(d, engine),
            traceStatements: (engine) => tracing.statementTracer(engine),
          }
        : {}),
      ...(opts.observeStorage ? { observe: opts.observeStorage } : {}),
    });
  } catch (err) {
    await tracing?.shutdown();
    throw err;
  }
  const live = new LiveSettings(config);
  let built: FastifyInstance | undefined;
  const deps = {
    ...domainDeps(config, storage, opts.clock, (err) =>
      built?.log.warn(
        { err },
        `app change feed lost; cached apps are re-read after ${config.appCacheMaxStaleSeconds} s until it reconnects`,
      ),
    ),
    config,
    live,
  };
  // Set once the dispatcher exists; requests cannot arrive before listen() anyway.
  let wake: NonNullable<BuildAppOptions['afterWrite']> = () => {};
  try {
    app = built = await buildApp(deps, {
      ...(opts.logger === undefined ? {} : { logger: opts.logger }),
      afterWrite: (write) => wake(write),
      ...(tracing ? { tracing } : {}),
    });
  } catch (err) {
    await deps.apps.close();
    await storage.close();
    await tracing?.shutdown();
    throw err;
  }
  const metricsAtStart = !live.current.metricsTokens.empty;
  // A reload changes who may administer the instance, so it is in the audit trail (actor
  // `signal`: a SIGHUP has no other name). Counts only: the tokens' fingerprints are not listed.
  // The reload is applied either way; a failed write is logged, as for the HTTP hook.
  const recordReload = (report: ReloadReport) => {
    void recordAudit(storage, {
      appId: null,
      type: 'admin.settings.reloaded',
      actor: 'signal',
      change: {
        // Counts of tokens added, removed and configured; not named *_tokens, a field name the
        // trail drops as secret-like (domain/audit.ts).
        admin: report.adminTokens,
        metrics: report.metricsTokens,
        log_level: report.logLevel,
        need_restart: report.needRestart,
      },
      now: deps.clock.now(),
    }).catch((err: unknown) =>
      app.log.error(
        { err, audit_type: 'admin.settings.reloaded' },
        'audit trail: could not record the reload',
      ),
    );
  };

  let purging = false;
  const purgeOnce = async () => {
    const now = deps.clock.now();
    const n = await storage.purgeExpired(
      now,
      config.eventRetentionDays > 0
        ? { eventsBefore: now - config.eventRetentionDays * 86_400_000 }
        : {},
    );
    if (n.transactions + n.handshakes + n.nonces + n.events + n.audit > 0)
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

  const webhooks = config.webhooks ? startWebhooks(config, app, storage, deps.clock) : undefined;
  if (webhooks)
    wake = (write) => (write.webhookEndpoints ? webhooks.endpointsChanged() : webhooks.wake());

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    if (timer) clearInterval(timer);
    await webhooks?.stop();
    await deps.apps.close();
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
    apps: deps.apps,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    webhooks,
    close: async () => {
      if (timer) clearInterval(timer);
      await Promise.all([app.close(), webhooks?.stop()]);
      await deps.apps.close();
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
      recordReload(report);
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

/**
 * The webhook dispatcher of this node (domain/webhooks/dispatcher.ts). It polls the outbox every
 * second, and is woken right after a request that may have written an event (buildApp's
 * afterWrite), so a delivery usually leaves within milliseconds of its commit, not at the poll.
 * While its last poll found no enabled endpoint in the database, a wake is a no-op (no claim per
 * write) unless the request was one of the admin API's webhook changes.
 */
function startWebhooks(
  config: Readonly<Config>,
  app: FastifyInstance,
  storage: KyselyStorage,
  clock: Clock,
): WebhookDispatcher {
  const dispatcher = new WebhookDispatcher({
    storage,
    clock,
    send: httpSender({
      timeoutMs: config.webhookTimeoutMs,
      allowPrivate: config.webhookAllowPrivate,
    }),
    concurrency: config.webhookConcurrency,
    // Longer than an attempt can take, so a live node's lease never expires under it.
    leaseMs: config.webhookTimeoutMs + 10_000,
    disableAfterFailures: config.webhookDisableAfterFailures,
    onOutcome: (outcome) => app.passkeydMetrics?.webhookDeliveries.inc({ outcome }),
    log: app.log,
  });
  dispatcher.start();
  return dispatcher;
}
