import pg from 'pg';
import { openStorage } from '../open-storage.js';
import { createScratchDatabase } from '../scratch-postgres.js';
import type { NamedSql } from './named-sql.js';
import * as postgresSql from './postgres-sql.js';

/**
 * For the tests that hold for every PostgreSQL ceremony statement (its plan, its commit mode):
 * each one postgres-sql.ts exports, found by shape so that a new one is checked without being
 * listed, and the finishes the domain abandoned of both kinds.
 */
export function everyPostgresStatement(): NamedSql[] {
  return [
    ...Object.values(postgresSql).filter(
      (v): v is NamedSql => typeof v === 'object' && v !== null && 'text' in v,
    ),
    postgresSql.abandonFinish('register'),
    postgresSql.abandonFinish('authenticate'),
  ];
}

/** A scratch database with passkeyd's schema, and one client connected to it. */
export async function migratedScratchClient(
  adminUrl: string,
  name: string,
): Promise<{ client: pg.Client; close: () => Promise<void> }> {
  const scratch = await createScratchDatabase(adminUrl, name);
  await (await openStorage({ databaseUrl: scratch.url })).close();
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  return {
    client,
    close: async () => {
      await client.end();
      await scratch.drop();
    },
  };
}
