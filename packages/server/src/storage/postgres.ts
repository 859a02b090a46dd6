import { Kysely, PostgresDialect, type Dialect } from 'kysely';
import pg from 'pg';
import { KyselyStorage } from './kysely/kysely-storage.js';
import { migrateToLatest } from './kysely/migrations/index.js';
import { postgresAppChanges } from './postgres-app-changes.js';
import { isPostgresUnavailable, translateUnavailable } from './kysely/unavailable.js';
import type { Database } from './kysely/schema.js';
import { postgresCeremonies } from './ceremonies/postgres-ceremonies.js';
import type { StatementTracer } from '../tracing/statement-spans.js';

export interface PostgresOptions {
  connectionString: string;
  /** Connections this node may hold (PASSKEYD_PG_POOL_SIZE). */
  poolSize: number;
  /** Server-side limit per statement (PASSKEYD_PG_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs: number;
  migrate?: boolean;
  /** Wraps the dialect, outermost (tracing: tracing/statement-spans.ts). */
  wrapDialect?: (dialect: Dialect) => Dialect;
  /** Sees the text of every query sent, once per round trip (tests count them per request). */
  onQuery?: (text: string) => void;
  /** Spans for the hand-written ceremony statements, which bypass the wrapped dialect. */
  traceStatement?: StatementTracer;
}

/** How long past the statement timeout we wait before calling a connection dead. */
const SILENCE_MARGIN_MS = 1000;
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Shared storage for several passkeyd nodes. The single-use and counter guarantees come from
 * KyselyStorage's one-statement UPDATEs, which PostgreSQL's row locks make exact at the default
 * READ COMMITTED isolation: a second UPDATE waits for the first and re-checks its WHERE clause.
 */
export async function openPostgresStorage(opts: PostgresOptions): Promise<KyselyStorage> {
  // int8 holds epoch-ms times and counts; our values stay far below 2^53. Set per pool, so
  // other users of `pg` in the process keep the library's defaults.
  const types = {
    getTypeParser: (oid: number, format?: string) =>
      oid === pg.types.builtins.INT8
        ? (v: string) => Number(v)
        : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize,
    statement_timeout: opts.statementTimeoutMs,
    // The server cancels a slow statement itself; a reply that has not come even after that
    // means the network path is gone. Failing the query bounds every request and /readyz.
    query_timeout: opts.statementTimeoutMs + SILENCE_MARGIN_MS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    types,
  });
  // An idle client losing its connection (database restart) must not crash the process;
  // the pool drops it and /readyz reports the outage.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    // pg removes the pool's listener while a client is lent out, so a connection reset during a
    // query would be an unhandled 'error' event and kill the process. The query itself still
    // fails with the error; the pool then discards the broken client.
    client.on('error', () => {});
    endOnReadTimeout(client, opts.onQuery);
  });
  const dialect = translateUnavailable(new PostgresDialect({ pool }), isPostgresUnavailable);
  const db = new Kysely<Database>({ dialect: opts.wrapDialect?.(dialect) ?? dialect });
  if (opts.migrate !== false) {
    try {
      await migrateToLatest(db as Kysely<unknown>);
    } catch (err) {
      await db.destroy();
      throw err;
    }
  }
  const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';
  const hot = postgresCeremonies(pool, isUniqueViolation, opts.traceStatement);
  return new KyselyStorage(db, {
    engine: 'postgres',
    rowLocks: true,
    ceremonies: hot.ceremonies,
    authenticateKey: hot.authenticateKey,
    isUniqueViolation,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    // Its own connection, outside the pool: a LISTEN holds the connection for the node's lifetime.
    appChanges: ({ maxStaleMs, onError }) =>
      postgresAppChanges({
        connectionString: opts.connectionString,
        maxStaleMs,
        ...(onError ? { onError } : {}),
      }),
    close: () => db.destroy(),
  });
}

/**
 * A query that outlived query_timeout ran on a connection that has gone silent. pg leaves such a
 * client usable in the pool, where it would fail every later request until TCP gives up minutes
 * later, so we end it and the pool replaces it.
 */
function endOnReadTimeout(client: pg.PoolClient, onQuery?: (text: string) => void): void {
  type AnyQuery = (...args: unknown[]) => unknown;
  const query = client.query.bind(client) as AnyQuery;
  (client as unknown as { query: AnyQuery }).query = (...args) => {
    if (onQuery) {
      const q = args[0] as string | { text?: string };
      onQuery(typeof q === 'string' ? q : (q?.text ?? ''));
    }
    const result = query(...args);
    if (result instanceof Promise) {
      result.catch((err: unknown) => {
        if (err instanceof Error && err.message === 'Query read timeout')
          client.end().catch(() => {});
      });
    }
    return result;
  };
}
