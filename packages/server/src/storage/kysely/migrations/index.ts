import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m001 from './001-initial.js';
import * as m002 from './002-console-sessions.js';
import * as m003 from './003-console-session-token.js';
import * as m004 from './004-bigint-counters.js';
import * as m005 from './005-events-retention.js';
import * as m006 from './006-nonce-details.js';
import * as m007 from './007-conditional-create.js';
import * as m008 from './008-mds.js';
import * as m009 from './009-hints-step-up.js';
import * as m010 from './010-related-origins.js';
import * as m011 from './011-audit-log.js';
import * as m012 from './012-webhooks.js';
import * as m013 from './013-app-change-notify.js';
import * as m014 from './014-pending-registration-index.js';
import * as m015 from './015-postgres-ceremony-tables-app-keys.js';

/**
 * An explicit list rather than a directory scan, so bundlers and `tsc` output both work.
 * Append new migrations; never edit one that has shipped.
 */
const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-console-sessions': m002,
  '003-console-session-token': m003,
  '004-bigint-counters': m004,
  '005-events-retention': m005,
  '006-nonce-details': m006,
  '007-conditional-create': m007,
  '008-mds': m008,
  '009-hints-step-up': m009,
  '010-related-origins': m010,
  '011-audit-log': m011,
  '012-webhooks': m012,
  '013-app-change-notify': m013,
  '014-pending-registration-index': m014,
  '015-postgres-ceremony-tables-app-keys': m015,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Applies pending migrations. Kysely's Migrator takes a lock (a PostgreSQL advisory lock; SQLite
 * has one writer anyway), so several nodes starting together migrate once.
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(
      `database migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
