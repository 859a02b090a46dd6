import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';
import * as rows from '../rows.js';
import { PasskeydError } from '../../../domain/errors.js';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { ANALYZE_EVERY_ROWS, BULK_ROWS, inChunks } from './bulk.js';

/** Bulk reads and writes for passkey import and export. */
export function portabilityRepository(ctx: RepoContext): Storage['portability'] {
  let rowsSinceAnalyze = 0;
  const usersWhereIn = (
    appId: string,
    column: 'external_id' | 'webauthn_user_id',
    values: string[],
  ) =>
    inChunks(values, async (part) =>
      (
        await ctx.db
          .selectFrom('users')
          .selectAll()
          .where('app_id', '=', appId)
          .where(column, 'in', part)
          .execute()
      ).map(rows.userFromRow),
    );
  return {
    findUsersByExternalIds: (appId, externalIds) => usersWhereIn(appId, 'external_id', externalIds),
    findUsersByWebauthnUserIds: (appId, handles) =>
      usersWhereIn(appId, 'webauthn_user_id', handles),
    findCredentialsByCredentialIds: async (appId, credentialIds) =>
      inChunks(credentialIds, async (part) =>
        (
          await ctx.db
            .selectFrom('credentials')
            .selectAll()
            .where('app_id', '=', appId)
            .where('credential_id', 'in', part)
            .execute()
        ).map(rows.credentialFromRow),
      ),
    insertMany: async (users, credentials) => {
      const insert = async (db: Kysely<Database>) => {
        for (let i = 0; i < users.length; i += BULK_ROWS) {
          await db
            .insertInto('users')
            .values(users.slice(i, i + BULK_ROWS).map(rows.userToRow))
            .execute();
        }
        for (let i = 0; i < credentials.length; i += BULK_ROWS) {
          await db
            .insertInto('credentials')
            .values(credentials.slice(i, i + BULK_ROWS).map(rows.credentialToRow))
            .execute();
        }
      };
      try {
        if (ctx.inTransaction) await insert(ctx.db);
        else await ctx.db.transaction().execute(insert);
      } catch (err) {
        if (ctx.caps.isUniqueViolation(err))
          throw new PasskeydError(
            'credential_already_registered',
            'A user or credential of this batch was created meanwhile.',
            { cause: err },
          );
        throw err;
      }
      // A bulk load outruns autovacuum's statistics: PostgreSQL then plans the next batch's
      // lookups for the tables' old, tiny size and scans them whole (45 ms instead of 6 ms per
      // lookup at 100 000 rows). ANALYZE is the same statement in both engines.
      rowsSinceAnalyze += users.length + credentials.length;
      if (rowsSinceAnalyze >= ANALYZE_EVERY_ROWS && !ctx.inTransaction) {
        rowsSinceAnalyze = 0;
        await sql`analyze users`.execute(ctx.db);
        await sql`analyze credentials`.execute(ctx.db);
      }
    },
    listUsersAfter: async (appId, afterId, limit) => {
      let q = ctx.db.selectFrom('users').selectAll().where('app_id', '=', appId);
      if (afterId !== null) q = q.where('id', '>', afterId);
      return (await q.orderBy('id').limit(limit).execute()).map(rows.userFromRow);
    },
    listCredentialsOfUsers: async (appId, userIds) =>
      (
        await inChunks(userIds, (part) =>
          ctx.db
            .selectFrom('credentials')
            .selectAll()
            .where('app_id', '=', appId)
            .where('user_id', 'in', part)
            .execute(),
        )
      )
        .sort(
          (a, b) =>
            Number(a.created_at) - Number(b.created_at) ||
            (a.credential_id < b.credential_id ? -1 : 1),
        )
        .map(rows.credentialFromRow),
  };
}
