import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from './sqlite.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer } from './sqlite-checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratchFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'passkeyd-checkpoint-'));
  dirs.push(dir);
  return join(dir, 'db.sqlite');
}

/** A WAL database whose own connection never checkpoints: only someone else can. */
function writer(path: string) {
  const db = new SqliteDatabase(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  return {
    db,
    /** `n` commits of one 4 KiB row each: at least one new WAL frame per commit. */
    commit: (n: number) => {
      for (let i = 0; i < n; i++) insert.run(Buffer.alloc(4096, i));
    },
  };
}

const until = async (ok: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return ok();
};

describe('WAL checkpoints in a worker thread', () => {
  it("copies the log into the database file while the writer's own connection never checkpoints", async () => {
    const path = scratchFile();
    const w = writer(path);
    const before = statSync(path).size;
    const cp = startCheckpointer({ path, intervalMs: 20 });
    try {
      w.commit(300);
      // Without a checkpoint the rows are only in the -wal file and the database file stays as
      // it was; the worker's checkpoints are what make it grow.
      expect(await until(() => cp.stats().framesCheckpointed >= 300, 10_000)).toBe(true);
      expect(statSync(path).size).toBeGreaterThan(before + 300 * 4096);
      expect(cp.stats().alive).toBe(true);
    } finally {
      await cp.close();
      w.db.close();
    }
    expect(cp.stats().alive).toBe(false);
  });

  it('never holds up a commit: the writer commits while the worker checkpoints', async () => {
    const path = scratchFile();
    const w = writer(path);
    const cp = startCheckpointer({ path, intervalMs: 1 });
    try {
      // PASSIVE checkpoints take no lock a writer waits for: with busy_timeout 0 on the writer,
      // a checkpoint that blocked it would throw SQLITE_BUSY here.
      w.db.pragma('busy_timeout = 0');
      for (let i = 0; i < 20; i++) {
        w.commit(50);
        await new Promise((r) => setTimeout(r, 2));
      }
      expect(await until(() => cp.stats().framesCheckpointed >= 1000, 10_000)).toBe(true);
      expect(w.db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1000 });
    } finally {
      await cp.close();
      w.db.close();
    }
  });
});

async function autocheckpoint(storage: Awaited<ReturnType<typeof openSqliteStorage>>) {
  const { rows } = await sql<{
    wal_autocheckpoint: number;
  }>`PRAGMA wal_autocheckpoint`.execute(storage.db);
  return rows[0]?.wal_autocheckpoint;
}

describe('openSqliteStorage', () => {
  it('checkpoints in the background and keeps its own checkpoint only as a bound on the log', async () => {
    const path = scratchFile();
    const storage = await openSqliteStorage({
      path,
      backgroundCheckpoint: true,
      checkpointIntervalMs: 20,
    });
    try {
      // The storage's connection: its threshold is the fallback, not SQLite's 1000 pages.
      expect(await autocheckpoint(storage)).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
      // The migrations' pages (some 200 WAL frames of about 50 pages: under either threshold) reach the database file,
      // which only a checkpoint writes in WAL mode.
      expect(await until(() => statSync(path).size > 16 * 4096, 10_000)).toBe(true);
    } finally {
      // Ends the worker too: a worker left running would keep vitest's process from exiting.
      await storage.close();
    }
  });

  it("keeps SQLite's own checkpoint unless asked (the CLI) and for an in-memory database", async () => {
    const cli = await openSqliteStorage({ path: scratchFile() });
    expect(await autocheckpoint(cli)).toBe(1000);
    await cli.close();
    const storage = await openSqliteStorage({ path: ':memory:', backgroundCheckpoint: true });
    expect(await autocheckpoint(storage)).toBe(1000);
    await storage.close();
  });
});
