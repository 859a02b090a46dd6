import type { Kysely } from 'kysely';

// Each console session remembers the admin token that opened it (a fingerprint, never the
// token) and an absolute deadline, so that removing a token, or time, ends it (issue 12, item
// 1). Sessions opened before this migration know neither and could outlive a rotated token, so
// they are deleted: operators sign in once more after the upgrade.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.deleteFrom('console_sessions' as never).execute();
  await db.schema
    .alterTable('console_sessions')
    .addColumn('absolute_expires_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('console_sessions')
    .addColumn('token_id', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('console_sessions').dropColumn('token_id').execute();
  await db.schema.alterTable('console_sessions').dropColumn('absolute_expires_at').execute();
}
