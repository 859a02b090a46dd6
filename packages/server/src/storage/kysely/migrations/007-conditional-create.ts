import type { Kysely } from 'kysely';

// A register transaction made for an automatic passkey upgrade (issue 14, WebAuthn L3
// conditional create) records it, so F2 may accept the registration without user presence
// for that transaction only. Nullable: every earlier transaction was a modal one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('transactions').addColumn('mediation', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('transactions').dropColumn('mediation').execute();
}
