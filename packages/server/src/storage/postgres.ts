import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyStorage } from './kysely/kysely-storage.js';
import { migrateToLatest } from './kysely/migrations/index.js';
import type { Database } from './kysely/schema.js';

export interface PostgresOptions {
  connectionString: string;
  poolSize: number;
  statementTimeoutMs: number;
  migrate?: boolean;
}

/**
 * Shared storage for several passkeyd nodes. int8 (epoch-ms times) is parsed as a JS number:
 * our values stay far below 2^53.
 */
export async function openPostgresStorage(opts: PostgresOptions): Promise<KyselyStorage> {
  const types = {
    getTypeParser: (oid: number, format?: string) =>
      oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize,
    statement_timeout: opts.statementTimeoutMs,
    connectionTimeoutMillis: 5000,
    types,
  });
  // An idle client losing its connection (database restart) must not crash the process;
  // the pool replaces it and /readyz reports the outage.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (opts.migrate !== false) await migrateToLatest(db as Kysely<unknown>);
  return new KyselyStorage(db, {
    engine: 'postgres',
    isUniqueViolation: (err) => (err as { code?: string })?.code === '23505',
    close: () => db.destroy(),
  });
}
