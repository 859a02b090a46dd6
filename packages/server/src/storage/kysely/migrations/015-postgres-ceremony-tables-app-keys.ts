import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Issue 13, PostgreSQL only. A foreign key is checked on every insert by a query that takes a
// FOR KEY SHARE lock on the parent row, so every ceremony of an app locked that app's one row up
// to four times (transactions, handshakes, nonces and events each reference apps), and concurrent
// ceremonies turned those locks into MultiXacts. Measured with the four storage operations of a
// sign-in, 8 in flight: the backends' CPU per sign-in fell from about 2,650 to 2,350 µs (node's
// included: 3,578–3,632 to 3,397–3,403 µs). Every row of these tables is written for an app the
// same request has just read, so what the constraints gave was the cascade when an app is
// deleted: a trigger on apps now does that delete, paid only when an app is deleted. (Since
// 2026-12-03 `passkeyd app delete` and DELETE /v1/admin/apps/{app_id} empty these tables a batch
// at a time first, domain/apps/apps.ts; the trigger then takes what was written meanwhile.) A row written for an app in the same instant as the
// app's deletion can outlive it; it names no passkey and is purged like any other
// (transactions, handshakes and nonces when they expire, events after the retention period).
// The keys to users stay (a deleted user's nonces and transactions must go with the user), as do
// the keys of users, credentials and API keys to apps. SQLite keeps all of them: its check is an
// index lookup that takes no lock, and dropping one there means rebuilding the table.
const TABLES = ['transactions', 'handshakes', 'nonces', 'events'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const t of TABLES)
    await sql.raw(`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${t}_app_id_fkey`).execute(db);
  await sql`CREATE FUNCTION passkeyd_app_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM events WHERE app_id = OLD.id;
  DELETE FROM nonces WHERE app_id = OLD.id;
  DELETE FROM handshakes WHERE app_id = OLD.id;
  DELETE FROM transactions WHERE app_id = OLD.id;
  RETURN NULL;
END $$`.execute(db);
  await sql`CREATE TRIGGER apps_deleted AFTER DELETE ON apps
FOR EACH ROW EXECUTE FUNCTION passkeyd_app_deleted()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`DROP TRIGGER IF EXISTS apps_deleted ON apps`.execute(db);
  await sql`DROP FUNCTION IF EXISTS passkeyd_app_deleted()`.execute(db);
  // NOT VALID: rows of an app deleted in the meantime must not stop the downgrade.
  for (const t of TABLES)
    await sql
      .raw(
        `ALTER TABLE ${t} ADD CONSTRAINT ${t}_app_id_fkey FOREIGN KEY (app_id)
         REFERENCES apps (id) ON DELETE CASCADE NOT VALID`,
      )
      .execute(db);
}
