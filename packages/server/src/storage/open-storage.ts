import type { Dialect } from 'kysely';
import type { StatementTracer } from '../tracing/statement-spans.js';
import type { KyselyStorage } from './kysely/kysely-storage.js';
import { openSqliteStorage } from './sqlite.js';

export interface StorageConfig {
  databaseUrl: string;
  migrate?: boolean;
  pg?: { poolSize: number; statementTimeoutMs: number };
  /**
   * SQLite: checkpoints in a worker thread (sqlite-checkpointer.ts). `serve` asks for it; the
   * CLI's short-lived commands keep SQLite's own, with no thread to start.
   */
  sqliteCheckpoint?: 'background' | 'inline';
  /** Wraps the engine's dialect (tracing: tracing/statement-spans.ts). */
  wrapDialect?: (dialect: Dialect, engine: 'sqlite' | 'postgres') => Dialect;
  /** Spans for the hand-written ceremony statements (tracing/statement-spans.ts). */
  traceStatements?: (engine: 'sqlite' | 'postgres') => StatementTracer;
  /** Sees every statement sent to the database (tests count round trips per request). */
  observe?: StorageObserver;
}

/** `inTransaction`: a transaction was open when the statement was sent. */
export type StorageObserver = (sql: string, inTransaction: boolean) => void;

/** Picks the adapter from DATABASE_URL: `sqlite:<path>` or `postgres://…`. */
export async function openStorage(cfg: StorageConfig): Promise<KyselyStorage> {
  const url = cfg.databaseUrl;
  const wrap = cfg.wrapDialect;
  if (url.startsWith('sqlite:')) {
    return openSqliteStorage({
      path: url.slice('sqlite:'.length) || './.data/passkeyd.db',
      migrate: cfg.migrate ?? true,
      backgroundCheckpoint: cfg.sqliteCheckpoint === 'background',
      ...(wrap ? { wrapDialect: (d: Dialect) => wrap(d, 'sqlite') } : {}),
      ...(cfg.traceStatements ? { traceStatement: cfg.traceStatements('sqlite') } : {}),
      ...(cfg.observe ? { observe: cfg.observe } : {}),
    });
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { openPostgresStorage } = await import('./postgres.js');
    return openPostgresStorage({
      connectionString: url,
      migrate: cfg.migrate ?? true,
      poolSize: cfg.pg?.poolSize ?? 10,
      statementTimeoutMs: cfg.pg?.statementTimeoutMs ?? 5000,
      ...(wrap ? { wrapDialect: (d: Dialect) => wrap(d, 'postgres') } : {}),
      ...(cfg.traceStatements ? { traceStatement: cfg.traceStatements('postgres') } : {}),
      ...(cfg.observe ? { onQuery: postgresObserver(cfg.observe) } : {}),
    });
  }
  throw new TypeError(`DATABASE_URL must start with sqlite: or postgres://`);
}

/**
 * PostgreSQL's queries are seen as text only, so whether one ran inside a transaction is followed
 * from BEGIN/COMMIT/ROLLBACK across the pool: right for a test that sends one request at a time,
 * which is what counting round trips per request needs.
 */
function postgresObserver(observe: StorageObserver): (text: string) => void {
  let open = 0;
  return (text) => {
    const head = text.trimStart().slice(0, 8).toLowerCase();
    if (head.startsWith('begin')) {
      observe(text, open > 0);
      open++;
    } else if (head.startsWith('commit') || head.startsWith('rollback')) {
      open = Math.max(0, open - 1);
      observe(text, true);
    } else observe(text, open > 0);
  };
}
