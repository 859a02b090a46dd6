import type { SqliteDatabase, SqliteStatement } from 'kysely';

type CachedStatement = SqliteStatement & { readonly busy?: boolean };

/**
 * Kysely's SQLite driver calls `prepare(sql)` for every query it runs, and better-sqlite3
 * compiles the SQL anew each time. A ceremony runs the same few statements again and again, and
 * compiling them was the largest single self-time entry in the sign-in profile
 * (docs/benchmarks.md), so compiled statements are kept, least recently used first out.
 * A statement still iterating (a streamed query) is busy and cannot run twice at once: then the
 * caller gets a freshly prepared one.
 */
export function withStatementCache(db: SqliteDatabase, maxStatements = 256): SqliteDatabase {
  const cache = new Map<string, CachedStatement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      const hit = cache.get(sql);
      if (hit) {
        if (hit.busy) return db.prepare(sql);
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > maxStatements) cache.delete(cache.keys().next().value as string);
      return stmt;
    },
  };
}
