import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres, probePostgres } from '../scratch-postgres.js';
import { openSqliteStorage } from '../sqlite.js';
import { everyPostgresStatement, migratedScratchClient } from './postgres-test-statements.js';
import { SQL as SQLITE_SQL } from './sqlite-ceremonies.js';

/**
 * Every statement a ceremony request runs finds its rows through an index condition, never by
 * reading a whole table. A scan stays invisible in a test with ten rows and costs in proportion
 * to the traffic in production: the finish statements on PostgreSQL once joined the transaction
 * to a CTE, which the planner answered with a sequential scan of every stored transaction
 * whenever its statistics were of a small table, and superseding pending registrations scanned
 * `transactions` on both engines. The generic plan checked here is planned with the statistics
 * of an empty database, the case in which such a join falls back to a scan.
 */

const TRANSACTION_STEPS = new Set([
  'begin',
  'commit',
  'rollback',
  'savepoint',
  'release',
  'rollbackTo',
]);

describe('SQLite ceremony statements use an index for every table they read', () => {
  let dir: string;
  let db: SqliteDatabase.Database;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passkeyd-plans-'));
    const path = join(dir, 'passkeyd.db');
    await (await openSqliteStorage({ path })).close();
    db = new SqliteDatabase(path, { readonly: true });
  });
  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const statements = Object.entries(SQLITE_SQL).filter(([name]) => !TRANSACTION_STEPS.has(name));
  it.each(statements)('%s', (_name, text) => {
    const params = Object.fromEntries([...text.matchAll(/@([a-z_]+)/g)].map((m) => [m[1], null]));
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(params) as { detail: string }[];
    // SCAN reads a whole table or index ("SCAN CONSTANT ROW" reads none). SEARCH uses an index,
    // but only an equality on its leading column bounds what it reads: `(expires_at>?)` is
    // every live row.
    const unbounded = plan
      .map((r) => r.detail)
      .filter(
        (d) => /^SCAN (?!CONSTANT ROW)/.test(d) || (/^SEARCH /.test(d) && !/\(\w+=\?/.test(d)),
      );
    expect(unbounded).toEqual([]);
  });
});

const env = process.env;
const probe = await probePostgres(env);

/**
 * Scan nodes of a JSON plan that read a relation without an equality in their index condition
 * (none at all, or only a range such as `expires_at > $1`, which is every live row).
 */
function unindexedScans(node: Record<string, unknown>, out: string[] = []): string[] {
  const type = node['Node Type'] as string;
  const bounded = / = /.test(String(node['Index Cond'] ?? ''));
  if (type === 'Seq Scan') out.push(`Seq Scan on ${String(node['Relation Name'])}`);
  if (/^(Index Scan|Index Only Scan|Bitmap Index Scan)$/.test(type) && !bounded)
    out.push(`${type} using ${String(node['Index Name'])} without an equality`);
  for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? [])
    unindexedScans(child, out);
  return out;
}

describeWithPostgres(
  probe,
  env,
  'PostgreSQL ceremony statements use an index for every table they read',
  (adminUrl) => {
    let client: pg.Client;
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ client, close } = await migratedScratchClient(adminUrl, 'plans'));
      // The generic plan: the one a prepared statement settles on, whatever its values, so no
      // value can fold a branch away (`:supersede` false) and hide what it would scan.
      await client.query('SET plan_cache_mode = force_generic_plan');
    });
    afterAll(async () => {
      await close?.();
    });

    const statements = everyPostgresStatement();
    it.each(statements.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
      await client.query('BEGIN');
      try {
        await client.query(`PREPARE plan_check AS ${s.text}`);
        const nulls = s.names.map(() => 'NULL').join(', ');
        const { rows } = await client.query(
          `EXPLAIN (FORMAT JSON) EXECUTE plan_check${nulls ? `(${nulls})` : ''}`,
        );
        const plan = (rows[0] as { 'QUERY PLAN': { Plan: Record<string, unknown> }[] })[
          'QUERY PLAN'
        ][0]!.Plan;
        expect(unindexedScans(plan)).toEqual([]);
      } finally {
        await client.query('ROLLBACK');
        await client.query('DEALLOCATE ALL');
      }
    });
  },
);
