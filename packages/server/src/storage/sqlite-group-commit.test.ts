import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupCommit, type GroupCommitSteps } from './sqlite-group-commit.js';

describe('SQLite group commit', () => {
  let dir: string;
  let db: SqliteDatabase.Database;
  let sent: string[];
  let batches: number[];
  let failCommit: Error | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'passkeyd-group-commit-'));
    db = new SqliteDatabase(join(dir, 'db.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY)');
    sent = [];
    batches = [];
    failCommit = undefined;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sql = (text: string) => () => {
    sent.push(text);
    db.exec(text);
  };
  const steps = (): GroupCommitSteps => ({
    begin: sql('BEGIN IMMEDIATE'),
    commit: () => {
      if (failCommit) throw failCommit;
      sql('COMMIT')();
    },
    rollback: sql('ROLLBACK'),
    savepoint: sql('SAVEPOINT r'),
    release: sql('RELEASE r'),
    rollbackToSavepoint: sql('ROLLBACK TO r'),
    inTransaction: () => db.inTransaction,
  });
  const make = (maxBatch?: number) =>
    groupCommit({
      steps: steps(),
      exclusive: async (fn) => fn(),
      onBatch: (n) => batches.push(n),
      ...(maxBatch ? { maxBatch } : {}),
    });
  const insert = (id: string) => () => {
    db.prepare('INSERT INTO t (id) VALUES (?)').run(id);
    return id;
  };
  const ids = (d: SqliteDatabase.Database) =>
    (d.prepare('SELECT id FROM t ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  /** What this connection sees, its open transaction included. */
  const stored = () => ids(db);
  /** What another connection sees: only committed rows. */
  const committed = () => {
    const other = new SqliteDatabase(join(dir, 'db.sqlite'), { readonly: true });
    try {
      return ids(other);
    } finally {
      other.close();
    }
  };

  it('runs requests that arrive together in one transaction with one commit', async () => {
    const tx = make();
    const ids = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => tx(insert(id))));
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(batches).toEqual([5]);
    expect(sent.filter((s) => s === 'COMMIT')).toHaveLength(1);
    expect(sent.filter((s) => s === 'BEGIN IMMEDIATE')).toHaveLength(1);
    expect(committed()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('rolls back only the request that throws, and gives it its own error', async () => {
    const tx = make();
    const boom = new Error('boom');
    const results = await Promise.allSettled([
      tx(insert('a')),
      tx(() => {
        insert('b')();
        throw boom;
      }),
      tx(insert('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(boom);
    expect(batches).toEqual([3]);
    expect(committed()).toEqual(['a', 'c']);
  });

  it('a request sees the writes of the requests before it in its batch, as if run alone in that order', async () => {
    const tx = make();
    const results = await Promise.allSettled([
      tx(insert('a')),
      // The same key again: refused by the constraint, as it would be one request later.
      tx(insert('a')),
      tx(() => stored()),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'a' });
    expect(results[1]?.status).toBe('rejected');
    expect(results[2]).toEqual({ status: 'fulfilled', value: ['a'] });
    expect(committed()).toEqual(['a']);
  });

  it('when the commit fails, every request of the batch gets the error and none of their writes is kept', async () => {
    const tx = make();
    failCommit = new Error('disk full');
    const results = await Promise.allSettled(['a', 'b', 'c'].map((id) => tx(insert(id))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBe(failCommit);
    expect(db.inTransaction).toBe(false);
    expect(committed()).toEqual([]);
    // And the next batch works.
    failCommit = undefined;
    await tx(insert('d'));
    expect(committed()).toEqual(['d']);
  });

  it('a request alone needs no savepoint, and its failure rolls the transaction back', async () => {
    const tx = make();
    await expect(
      tx(() => {
        insert('a')();
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(sent).toEqual(['BEGIN IMMEDIATE', 'ROLLBACK']);
    expect(committed()).toEqual([]);
    await tx(insert('b'));
    expect(sent.slice(2)).toEqual(['BEGIN IMMEDIATE', 'COMMIT']);
  });

  it('holds at most maxBatch requests per transaction, in arrival order', async () => {
    const tx = make(2);
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((id) =>
        tx(() => {
          order.push(id);
          return insert(id)();
        }),
      ),
    );
    expect(batches).toEqual([2, 2, 1]);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(sent.filter((s) => s === 'COMMIT')).toHaveLength(3);
    expect(committed()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('translates an error from BEGIN for every request of the batch', async () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const translated = new Error('unavailable');
    const tx = groupCommit({
      steps: {
        ...steps(),
        begin: () => {
          throw busy;
        },
      },
      exclusive: async (fn) => fn(),
      translate: (e) => (e === busy ? translated : e),
    });
    const results = await Promise.allSettled([tx(insert('a')), tx(insert('b'))]);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBe(translated);
    expect(committed()).toEqual([]);
  });
});
