import type { Kysely } from 'kysely';

// Issue 14 item 3: per-app attestation conveyance and authenticator policy, and the FIDO
// Metadata Service BLOB in the database so that every node sees the one the operator imported
// (`passkeyd mds import`) with no network at run time. Defaults keep existing apps as they were:
// attestation none, no AAGUID list, no certification requirement. One ALTER per column: SQLite
// adds a single column per statement.
const APP_COLUMNS = [
  ['attestation', 'text', 'none'],
  ['aaguid_policy', 'text', 'any'],
  ['aaguids', 'text', '[]'],
  ['require_fido_certified', 'integer', 0],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, type, dflt] of APP_COLUMNS) {
    await db.schema
      .alterTable('apps')
      .addColumn(name, type, (c) => c.notNull().defaultTo(dflt))
      .execute();
  }
  // One row per imported BLOB; only the newest is kept (mds.replace). `entries` is the JSON of
  // the FIDO2 entries (those with an AAGUID), already verified at import.
  await db.schema
    .createTable('mds_blobs')
    .addColumn('no', 'bigint', (c) => c.primaryKey())
    .addColumn('next_update', 'text', (c) => c.notNull())
    .addColumn('legal_header', 'text', (c) => c.notNull())
    .addColumn('entries', 'text', (c) => c.notNull())
    .addColumn('entry_count', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mds_blobs').execute();
  for (const [name] of APP_COLUMNS) {
    await db.schema.alterTable('apps').dropColumn(name).execute();
  }
}
