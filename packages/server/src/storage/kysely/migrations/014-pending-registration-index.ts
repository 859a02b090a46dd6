import { sql, type Kysely } from 'kysely';

// A registration transaction created with `supersede_pending` consumes the user's pending ones
// first (storage/ceremonies/*: `supersede`), found by app and user. Without an index that was a
// scan of every stored transaction on both engines, growing with the traffic of the last TTL
// (ceremony-plans.test.ts). Partial, so sign-in transactions, by far the most, pay nothing for
// it; the statements name `kind = 'register'` literally, which is what lets both planners use it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX transactions_register_user ON transactions (app_id, user_id)
    WHERE kind = 'register'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS transactions_register_user`.execute(db);
}
