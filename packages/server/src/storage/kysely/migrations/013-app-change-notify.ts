import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Issue 13: app settings are cached in each node's memory (domain/apps/app-directory.ts). On
// PostgreSQL every change to an app row, whoever writes it (any node, the CLI, psql), notifies
// channel `passkeyd_apps` with the app's id; NOTIFY is transactional, so it is sent when the change
// commits and never for one rolled back. Each node LISTENs on its own connection
// (storage/postgres-app-changes.ts). SQLite needs nothing here: storage/sqlite-app-changes.ts polls
// PRAGMA data_version instead.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`CREATE FUNCTION passkeyd_app_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('passkeyd_apps', OLD.id);
  ELSE
    PERFORM pg_notify('passkeyd_apps', NEW.id);
  END IF;
  RETURN NULL;
END $$`.execute(db);
  await sql`CREATE TRIGGER apps_changed AFTER INSERT OR UPDATE OR DELETE ON apps
FOR EACH ROW EXECUTE FUNCTION passkeyd_app_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`DROP TRIGGER IF EXISTS apps_changed ON apps`.execute(db);
  await sql`DROP FUNCTION IF EXISTS passkeyd_app_changed()`.execute(db);
}
