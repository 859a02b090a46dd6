import type { Kysely } from 'kysely';

// The purge deletes events older than PASSKEYD_EVENT_RETENTION_DAYS across all apps; the
// (app_id, created_at) index of 001 cannot serve a condition on created_at alone.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('events_created_at').on('events').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_created_at').ifExists().execute();
}
