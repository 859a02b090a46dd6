import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Login and usage counts were `integer` (PostgreSQL int4, at most 2^31-1), but import accepts
// counts up to 2^53-1: a batch with a larger one failed with a 500, and at 2^31-1 every later
// sign-in of that user failed on the increment (issue 12, item 6). bigint holds every count a
// JavaScript number can. SQLite's INTEGER is already 64-bit and has no ALTER COLUMN, so there
// is nothing to do there.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`ALTER TABLE users ALTER COLUMN login_count TYPE bigint`.execute(db);
  await sql`ALTER TABLE credentials ALTER COLUMN usage_count TYPE bigint`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  // Counts above int4 would make the narrowing fail; they are capped rather than lost.
  await sql`ALTER TABLE users ALTER COLUMN login_count TYPE integer USING LEAST(login_count, 2147483647)`.execute(
    db,
  );
  await sql`ALTER TABLE credentials ALTER COLUMN usage_count TYPE integer USING LEAST(usage_count, 2147483647)`.execute(
    db,
  );
}
