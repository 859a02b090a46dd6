import SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './sqlite-statement-cache.js';

/** A real in-memory database whose prepare() calls are counted. */
function countingDatabase() {
  const native = new SqliteDatabase(':memory:');
  native.exec('create table t (id integer primary key, v text)');
  const prepared: string[] = [];
  const db: KyselySqliteDatabase = {
    close: () => native.close(),
    prepare: (sql) => {
      prepared.push(sql);
      return native.prepare(sql);
    },
  };
  return { native, db, prepared };
}

describe('withStatementCache', () => {
  let opened: ReturnType<typeof countingDatabase> | undefined;
  afterEach(() => opened?.native.close());

  it('compiles each distinct SQL text once and reuses the statement', () => {
    opened = countingDatabase();
    const db = withStatementCache(opened.db);
    for (let i = 0; i < 5; i++) db.prepare('insert into t (v) values (?)').run([`v${i}`]);
    const rows = db.prepare('select count(*) as n from t').all([]);
    expect(rows).toEqual([{ n: 5 }]);
    expect(opened.prepared).toEqual([
      'insert into t (v) values (?)',
      'select count(*) as n from t',
    ]);
  });

  it('gives a fresh statement while the cached one is still iterating', () => {
    opened = countingDatabase();
    const db = withStatementCache(opened.db);
    db.prepare('insert into t (v) values (?)').run(['a']);
    db.prepare('insert into t (v) values (?)').run(['b']);
    const select = 'select v from t order by id';
    const outer = db.prepare(select).iterate([]);
    const first = outer.next().value as { v: string };
    // The cached statement is busy with `outer`; running it again must not throw.
    expect(db.prepare(select).all([])).toEqual([{ v: 'a' }, { v: 'b' }]);
    expect(first).toEqual({ v: 'a' });
    expect((outer.next().value as { v: string }).v).toBe('b');
    outer.return?.();
  });

  it('keeps at most the given number of statements, dropping the least recently used', () => {
    opened = countingDatabase();
    const db = withStatementCache(opened.db, 2);
    db.prepare('select 1').all([]);
    db.prepare('select 2').all([]);
    db.prepare('select 1').all([]); // 1 is now the most recently used
    db.prepare('select 3').all([]); // evicts 2
    db.prepare('select 1').all([]);
    db.prepare('select 2').all([]);
    expect(opened.prepared).toEqual(['select 1', 'select 2', 'select 3', 'select 2']);
  });
});
