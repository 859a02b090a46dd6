import type { Database, Statement } from 'better-sqlite3';

/** Called before each statement runs, with whether a transaction was open at that moment. */
export type StatementObserver = (sql: string, inTransaction: boolean) => void;

/**
 * A better-sqlite3 database whose statements report themselves before they run, for tests that
 * count a request's transactions (Kysely's statements and the ceremonies' alike pass through
 * `prepare`). Production opens the database unobserved.
 */
export function observedDatabase(db: Database, observe: StatementObserver): Database {
  const wrap = (stmt: Statement, sql: string): Statement =>
    new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (
          typeof value === 'function' &&
          (prop === 'run' || prop === 'get' || prop === 'all' || prop === 'iterate')
        ) {
          return (...args: unknown[]) => {
            observe(sql, db.inTransaction);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => wrap(target.prepare(sql), sql);
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
