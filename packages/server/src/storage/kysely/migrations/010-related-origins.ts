import { sql, type Kysely } from 'kysely';

// Related Origin Requests (WebAuthn L3 §5.11, issue 14): origins outside the app's RP ID are kept
// in their own list so that one cannot be added to `origins` by a typo. A JSON array as text like
// `origins`; existing apps get the empty list.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('apps')
    .addColumn('related_origins', 'text', (c) => c.notNull().defaultTo(sql`'[]'`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').dropColumn('related_origins').execute();
}
