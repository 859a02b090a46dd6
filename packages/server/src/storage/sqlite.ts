import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type Dialect } from 'kysely';
import { KyselyStorage } from './kysely/kysely-storage.js';
import { migrateToLatest } from './kysely/migrations/index.js';
import type { Database } from './kysely/schema.js';
import { isSqliteUnavailable, translateUnavailable } from './kysely/unavailable.js';
import { sqliteAppChanges } from './sqlite-app-changes.js';
import { withStatementCache } from './sqlite-statement-cache.js';
import { sqliteCeremonies } from './ceremonies/sqlite-ceremonies.js';
import type { StatementTracer } from '../tracing/statement-spans.js';
import { observedDatabase, type StatementObserver } from './ceremonies/observe.js';
import {
  FALLBACK_AUTOCHECKPOINT_PAGES,
  startCheckpointer,
  type Checkpointer,
} from './sqlite-checkpointer.js';

export interface SqliteOptions {
  /** File path, or ':memory:' for throwaway tests. */
  path: string;
  migrate?: boolean;
  /** Wraps the dialect, outermost (tracing: tracing/statement-spans.ts). */
  wrapDialect?: (dialect: Dialect) => Dialect;
  /** Sees every statement run on the connection (tests count transactions per request). */
  observe?: StatementObserver;
  /** Spans for the hand-written ceremony statements, which bypass the wrapped dialect. */
  traceStatement?: StatementTracer;
  /**
   * WAL checkpoints in a worker thread (sqlite-checkpointer.ts) rather than inside the commit
   * that crosses the threshold, on the event loop. Default on for a file; off for ':memory:'.
   */
  backgroundCheckpoint?: boolean;
  /** The worker's checkpoint interval (tests). */
  checkpointIntervalMs?: number;
}

/**
 * Embedded storage. WAL lets readers run beside the writer; synchronous=NORMAL in WAL mode is
 * durable against process crashes (kill -9): a committed transaction is in the WAL file before
 * the call returns, and only a power loss can drop the last commits. auto_vacuum=INCREMENTAL,
 * set before the first table exists, lets a purge hand freed pages back to the filesystem.
 */
export async function openSqliteStorage(opts: SqliteOptions): Promise<KyselyStorage> {
  if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
  const raw = new SqliteDatabase(opts.path);
  const native = opts.observe ? observedDatabase(raw, opts.observe) : raw;
  native.pragma('auto_vacuum = INCREMENTAL');
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = NORMAL');
  native.pragma('foreign_keys = ON');
  native.pragma('busy_timeout = 5000');
  const dialect = translateUnavailable(
    new SqliteDialect({ database: withStatementCache(native) }),
    isSqliteUnavailable,
  );
  const db = new Kysely<Database>({ dialect: opts.wrapDialect?.(dialect) ?? dialect });
  if (opts.migrate !== false) await migrateToLatest(db as Kysely<unknown>);
  let checkpointer: Checkpointer | undefined;
  if (opts.path !== ':memory:' && opts.backgroundCheckpoint === true) {
    checkpointer = startCheckpointer({
      path: opts.path,
      ...(opts.checkpointIntervalMs ? { intervalMs: opts.checkpointIntervalMs } : {}),
    });
    native.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  }
  const hot = sqliteCeremonies(
    native,
    // The executor's provideConnection, not db.connection().execute(): the same hold on the one
    // connection without building a Kysely instance for every batch (`{ ...props, executor }`,
    // slow on Node 20: eslint.config.js says why).
    (fn) => db.getExecutor().provideConnection(async () => fn()),
    opts.traceStatement,
  );
  return new KyselyStorage(db, {
    engine: 'sqlite',
    ceremonies: hot.ceremonies,
    authenticateKey: hot.authenticateKey,
    isUniqueViolation: (err) =>
      (err as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      (err as { code?: string })?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY',
    afterPurge: async (d) => {
      // incremental_vacuum frees one page per step, and better-sqlite3's run() (Kysely's path)
      // steps once: exec() runs it to the end. The WAL file keeps its largest size until a
      // TRUNCATE checkpoint. Holding Kysely's connection keeps both out of any transaction that
      // another request has open on it.
      await d.connection().execute(async () => {
        native.exec('PRAGMA incremental_vacuum');
      });
      // A TRUNCATE that finds the checkpoint worker mid-checkpoint answers busy at once (the
      // checkpoint lock has no busy handler): it is tried again, the connection given back in
      // between, for up to about a second; after that the next purge truncates.
      for (let i = 0; i < 50; i++) {
        const busy = await d.connection().execute(async () => {
          const [r] = native.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
          return r?.busy !== 0;
        });
        if (!busy) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    // The connection Kysely uses: its data_version moves only for other connections' commits.
    appChanges: () => sqliteAppChanges(native),
    close: async () => {
      await checkpointer?.close();
      await db.destroy();
    },
  });
}
