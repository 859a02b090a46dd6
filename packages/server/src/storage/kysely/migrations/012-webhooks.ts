import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Issue 15: webhook endpoints per app and their deliveries, written as an outbox. A delivery row
// is created by a trigger on `events` and on `audit_log`, so it commits in the same database
// transaction as the event, whatever code path wrote the event: a process killed right after the
// commit loses nothing, and no ceremony statement has to know about webhooks. Deliveries are
// claimed by the dispatcher of any node (status, next_attempt_at, lease_until).
//
// Internal event types are mapped to the public webhook names here, once; an event type with no
// name is not delivered. Audit rows already carry their public name. An app-scoped row goes to
// the app's enabled endpoints whose `event_types` (a JSON array) is empty (all) or names it; an
// instance-wide audit row (app_id NULL) goes only to endpoints that name its type explicitly, since
// an app's owner is not necessarily the instance's operator.
//
// `events.external_id` keeps the user's external id on the event itself: a `user.deleted`
// payload must carry it after the user's row is gone.
const EVENT_NAMES: [string, string][] = [
  ['passkey_register', 'passkey.registered'],
  ['passkey_register_refused', 'passkey.registration_refused'],
  ['passkey_login', 'passkey.authenticated'],
  ['passkey_login_failed', 'passkey.authentication_failed'],
  ['passkey_rename', 'passkey.renamed'],
  ['passkey_revoke', 'passkey.revoked'],
  ['counter_regression', 'passkey.counter_regression'],
  ['backup_eligibility_changed', 'passkey.backup_eligibility_changed'],
  ['user_delete', 'user.deleted'],
];

const eventName = (col: string) =>
  `CASE ${col} ${EVENT_NAMES.map(([k, v]) => `WHEN '${k}' THEN '${v}'`).join(' ')} END`;

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.alterTable('events').addColumn('external_id', 'text').execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('event_types', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('disabled_reason', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    // The signing secret must be usable to sign, so it cannot be stored hashed (docs/security.md).
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_endpoints_app')
    .on('webhook_endpoints')
    .column('app_id')
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) =>
      c.notNull().references('webhook_endpoints.id').onDelete('cascade'),
    )
    .addColumn('app_id', 'text', (c) => c.notNull())
    // 'event' (a row of events), 'audit' (a row of audit_log) or 'test' (`webhook test`).
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    // 'pending', 'delivered' or 'failed'.
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .addColumn('leased_by', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_latency_ms', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('last_response_excerpt', 'text')
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('delivered_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'created_at'])
    .execute();

  // Ids made by the database: `whd_` and 32 hex digits (16 random bytes).
  if (pg) {
    await sql
      .raw(
        `CREATE FUNCTION passkeyd_webhook_fanout() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  name text;
BEGIN
  IF TG_TABLE_NAME = 'events' THEN
    name := ${eventName('NEW.type')};
  ELSE
    name := NEW.type;
  END IF;
  IF name IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO webhook_deliveries (id, endpoint_id, app_id, source, source_id, event_type, next_attempt_at, created_at)
  SELECT 'whd_' || replace(gen_random_uuid()::text, '-', ''), e.id, e.app_id,
         CASE TG_TABLE_NAME WHEN 'events' THEN 'event' ELSE 'audit' END,
         NEW.id, name, NEW.created_at, NEW.created_at
    FROM webhook_endpoints e
   WHERE e.enabled = 1
     AND ((NEW.app_id IS NOT NULL AND e.app_id = NEW.app_id
           AND (e.event_types = '[]' OR e.event_types::jsonb ? name))
       OR (NEW.app_id IS NULL AND e.event_types::jsonb ? name));
  RETURN NULL;
END $$`,
      )
      .execute(db);
    for (const table of ['events', 'audit_log']) {
      await sql
        .raw(
          `CREATE TRIGGER ${table}_webhook_fanout AFTER INSERT ON ${table}
           FOR EACH ROW EXECUTE FUNCTION passkeyd_webhook_fanout()`,
        )
        .execute(db);
    }
    return;
  }
  const fanout = (table: string, source: string, name: string) =>
    sql.raw(`CREATE TRIGGER ${table}_webhook_fanout AFTER INSERT ON ${table}
FOR EACH ROW WHEN (${name}) IS NOT NULL
BEGIN
  INSERT INTO webhook_deliveries (id, endpoint_id, app_id, source, source_id, event_type, next_attempt_at, created_at)
  SELECT 'whd_' || lower(hex(randomblob(16))), e.id, e.app_id, '${source}', NEW.id, ${name},
         NEW.created_at, NEW.created_at
    FROM webhook_endpoints e
   WHERE e.enabled = 1
     AND ((NEW.app_id IS NOT NULL AND e.app_id = NEW.app_id
           AND (e.event_types = '[]'
                OR EXISTS (SELECT 1 FROM json_each(e.event_types) j WHERE j.value = ${name})))
       OR (NEW.app_id IS NULL
           AND EXISTS (SELECT 1 FROM json_each(e.event_types) j WHERE j.value = ${name})));
END`);
  await fanout('events', 'event', eventName('NEW.type')).execute(db);
  await fanout('audit_log', 'audit', 'NEW.type').execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const table of ['events', 'audit_log']) {
    await sql
      .raw(`DROP TRIGGER IF EXISTS ${table}_webhook_fanout${pg ? ` ON ${table}` : ''}`)
      .execute(db);
  }
  if (pg) await sql`DROP FUNCTION IF EXISTS passkeyd_webhook_fanout()`.execute(db);
  await db.schema.dropTable('webhook_deliveries').ifExists().execute();
  await db.schema.dropTable('webhook_endpoints').ifExists().execute();
  await db.schema.alterTable('events').dropColumn('external_id').execute();
}
