import type { Kysely } from 'kysely';

// What a nonce proves beyond the external id (B3's details: which ceremony, which passkey, with
// which flags, for which transaction), so an app can refuse a register nonce at sign-in (issue
// 12). Nullable: a nonce issued by a node without this migration (a rolling upgrade) has none.
// One ALTER per column: SQLite adds a single column per statement.
const COLUMNS = [
  ['credential_id', 'text'],
  ['device_id', 'text'],
  ['transaction_id', 'text'],
  ['user_verified', 'integer'],
  ['backed_up', 'integer'],
  ['aaguid', 'text'],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, type] of COLUMNS) {
    await db.schema.alterTable('nonces').addColumn(name, type).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name] of COLUMNS) {
    await db.schema.alterTable('nonces').dropColumn(name).execute();
  }
}
