import type SqliteDatabase from 'better-sqlite3';
import type { AppChanges } from '../domain/ports.js';

/**
 * How often, at most, a lookup really asks SQLite: `PRAGMA data_version` costs about as much as
 * reading a row (~7 µs, a WAL read snapshot), and an app lookup runs on every request. A change made
 * by another process is seen by the first lookup after this much time.
 */
export const SQLITE_POLL_MS = 100;

/**
 * App changes on SQLite, seen through `PRAGMA data_version`: its value on a connection changes
 * whenever another connection (the CLI in another process, a second storage in this one) commits
 * to the file (sqlite.org/pragma.html#pragma_data_version). It cannot tell which table changed, so
 * any such commit drops every cached app; on a one-node database other writers are rare (the CLI,
 * a backup), so that costs nothing. Commits on this connection do not change it: those are this
 * process's own writes, and the directory invalidates them itself.
 *
 * Chosen over a version row bumped by a trigger on apps because it needs no migration and no
 * write, and a trigger's counter would be read by the same kind of statement anyway. Polling is
 * lazy, on lookups, so an idle server does no work. The feed is always live: each check sees
 * everything committed before it.
 */
export function sqliteAppChanges(
  native: SqliteDatabase.Database,
  opts: { pollMs?: number; now?: () => number } = {},
): AppChanges {
  const pollMs = opts.pollMs ?? SQLITE_POLL_MS;
  const now = opts.now ?? (() => performance.now());
  let statement: SqliteDatabase.Statement | undefined;
  let version: unknown;
  let lastPoll = -Infinity;
  let notify: ((appId?: string) => void) | undefined;
  let closed = false;
  return {
    subscribe(changed) {
      notify = changed;
    },
    check() {
      const t = now();
      if (closed || t - lastPoll < pollMs) return;
      lastPoll = t;
      let v: unknown;
      try {
        statement ??= native.prepare('PRAGMA data_version').pluck();
        v = statement.get();
      } catch {
        // The database closed under us (shutdown): assume everything changed.
        v = Symbol('unknown');
      }
      if (version !== undefined && v !== version) notify?.();
      version = v;
    },
    live: () => !closed,
    close: async () => {
      closed = true;
    },
  };
}
