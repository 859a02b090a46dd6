import type { DatabaseConnection, Dialect, Driver } from 'kysely';
import { PasskeydError } from '../../domain/errors.js';

/**
 * The one place a driver's "cannot reach the database right now" becomes the typed
 * `service_unavailable` (503 with Retry-After, http/plugins/error-handler.ts) instead of an unhandled 500: the domain never sees
 * driver errors, and each engine says which of its errors mean "unavailable".
 */
export function unavailable(cause: unknown): PasskeydError {
  return new PasskeydError('service_unavailable', 'The database is unavailable; retry shortly.', {
    cause,
  });
}

/**
 * Wraps a Kysely dialect so every connection acquisition, statement and transaction step that
 * fails with an error `isUnavailable` recognises throws `unavailable(err)` instead. Other errors
 * (constraint violations, bugs) pass through untouched.
 */
export function translateUnavailable(
  dialect: Dialect,
  isUnavailable: (err: unknown) => boolean,
): Dialect {
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw isUnavailable(err) ? unavailable(err) : err;
    }
  };
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver(): Driver {
      const inner = dialect.createDriver();
      // The driver gets its own connection objects back (pg's release needs them).
      const original = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const unwrap = (c: DatabaseConnection) => original.get(c) ?? c;
      const driver: Driver = {
        init: () => guard(() => inner.init()),
        async acquireConnection() {
          const conn = await guard(() => inner.acquireConnection());
          const wrapped: DatabaseConnection = {
            executeQuery: (q) => guard(() => conn.executeQuery(q)),
            streamQuery: (q, chunkSize) => conn.streamQuery(q, chunkSize),
          };
          original.set(wrapped, conn);
          return wrapped;
        },
        beginTransaction: (c, s) => guard(() => inner.beginTransaction(unwrap(c), s)),
        commitTransaction: (c) => guard(() => inner.commitTransaction(unwrap(c))),
        rollbackTransaction: (c) => guard(() => inner.rollbackTransaction(unwrap(c))),
        releaseConnection: (c) => inner.releaseConnection(unwrap(c)),
        destroy: () => inner.destroy(),
      };
      if (inner.savepoint) {
        const sp = inner.savepoint.bind(inner);
        driver.savepoint = (c, n, q) => guard(() => sp(unwrap(c), n, q));
      }
      if (inner.rollbackToSavepoint) {
        const sp = inner.rollbackToSavepoint.bind(inner);
        driver.rollbackToSavepoint = (c, n, q) => guard(() => sp(unwrap(c), n, q));
      }
      if (inner.releaseSavepoint) {
        const sp = inner.releaseSavepoint.bind(inner);
        driver.releaseSavepoint = (c, n, q) => guard(() => sp(unwrap(c), n, q));
      }
      return driver;
    },
  };
}

const PG_UNAVAILABLE_CODES = new Set([
  // Node socket errors: refused, reset, unreachable, timed out, name not resolved.
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // SQLSTATE (class 08, connection exception, is matched by prefix): too_many_connections,
  // admin and crash shutdown, cannot_connect_now. A statement timeout (57014) is left out: it
  // is one slow statement, not an unreachable database, and stays a logged 500.
  '53300',
  '57P01',
  '57P02',
  '57P03',
]);
// pg's own messages for a pool or connection that failed without a code.
const PG_UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end)/;

/** node-postgres: errors that mean the database cannot be reached or cannot serve now. */
export function isPostgresUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (PG_UNAVAILABLE_CODES.has(code) || code.startsWith('08')))
    return true;
  if (err instanceof AggregateError) return err.errors.some(isPostgresUnavailable);
  return PG_UNAVAILABLE_MESSAGES.test(err.message);
}

/**
 * better-sqlite3: the file is locked past busy_timeout (BUSY, LOCKED), cannot be opened, the disk
 * fails or is full, or the connection was closed.
 */
export function isSqliteUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL)/.test(code))
    return true;
  return err instanceof TypeError && /database connection is not open/.test(err.message);
}
