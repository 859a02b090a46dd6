import type { Kysely } from 'kysely';

// Issue 15 item 7: the admin audit trail. Its own table rather than rows of `events`: events
// belong to an app (NOT NULL, cascading with it), while the trail must keep instance-wide actions
// (console sign-in and sign-out, an MDS import) and must outlive the app it reports on, so that
// "who deleted this app" can still be answered. No foreign key for the same reason. `actor` is a
// non-secret id (an admin token's fingerprint, a console session's, or `cli:<user>`); `target`
// names what was acted on (an app, key, user, passkey or webhook id); `change` is JSON.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('ip_addr', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('target', 'text')
    .addColumn('change', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_log_app_time')
    .on('audit_log')
    .columns(['app_id', 'created_at'])
    .execute();
  // The retention purge and the instance-wide listing filter on created_at alone.
  await db.schema
    .createIndex('audit_log_created_at')
    .on('audit_log')
    .column('created_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_log').ifExists().execute();
}
