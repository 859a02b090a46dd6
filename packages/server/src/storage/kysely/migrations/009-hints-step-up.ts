import type { Kysely } from 'kysely';

// Issue 14 items 4-6. Apps: a default WebAuthn `hints` list (JSON array, like `origins`) and the
// last-passkey guard, both off for existing apps, which then behave as before. Transactions: a
// per-ceremony `hints` override and step-up `user_verification`; null means "the app's".
// One ALTER per column: SQLite adds a single column per statement.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('apps')
    .addColumn('hints', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('apps')
    .addColumn('prevent_last_passkey_removal', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('transactions').addColumn('hints', 'text').execute();
  await db.schema.alterTable('transactions').addColumn('user_verification', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('transactions').dropColumn('user_verification').execute();
  await db.schema.alterTable('transactions').dropColumn('hints').execute();
  await db.schema.alterTable('apps').dropColumn('prevent_last_passkey_removal').execute();
  await db.schema.alterTable('apps').dropColumn('hints').execute();
}
