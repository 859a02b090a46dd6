import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';
import * as rows from '../rows.js';
import { PasskeydError } from '../../../domain/errors.js';

/** Passkeys ("devices"), scoped by app. */
export function credentialsRepository(ctx: RepoContext): Storage['credentials'] {
  return {
    create: async (cred) => {
      try {
        await ctx.db.insertInto('credentials').values(rows.credentialToRow(cred)).execute();
      } catch (err) {
        if (ctx.caps.isUniqueViolation(err))
          throw new PasskeydError('credential_already_registered');
        throw err;
      }
    },
    findByCredentialId: async (appId, credentialId) => {
      const r = await ctx.db
        .selectFrom('credentials')
        .selectAll()
        .where('app_id', '=', appId)
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return r && rows.credentialFromRow(r);
    },
    get: async (appId, id) => {
      const r = await ctx.db
        .selectFrom('credentials')
        .selectAll()
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst();
      return r && rows.credentialFromRow(r);
    },
    listByUser: async (appId, userId) => {
      const rs = await ctx.db
        .selectFrom('credentials')
        .selectAll()
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rs.map(rows.credentialFromRow);
    },
    listRecentByUser: async (appId, userId, limit) => {
      const rs = await ctx.db
        .selectFrom('credentials')
        .selectAll()
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .orderBy(sql`coalesce(last_used_at, created_at)`, 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rs.map(rows.credentialFromRow);
    },
    pageByUser: async (appId, userId, page) => {
      const scoped = ctx.db
        .selectFrom('credentials')
        .where('app_id', '=', appId)
        .where('user_id', '=', userId);
      const [rs, count] = await Promise.all([
        scoped
          .selectAll()
          .orderBy('created_at')
          .orderBy('id')
          .limit(page.limit)
          .offset(page.offset)
          .execute(),
        scoped.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { credentials: rs.map(rows.credentialFromRow), total: Number(count.n) };
    },
    rename: async (appId, id, name, now) => {
      const r = await ctx.db
        .updateTable('credentials')
        .set({ friendly_name: name, updated_at: now })
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return r && rows.credentialFromRow(r);
    },
    delete: async (appId, id) => {
      const r = await ctx.db
        .deleteFrom('credentials')
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    deleteUnlessLast: async (appId, userId, id) => {
      const run = async (db: Kysely<Database>) => {
        // A no-op write to the user's row takes its row lock (PostgreSQL; SQLite has one writer
        // anyway), so a concurrent call for the same user waits here until this one commits. Under
        // READ COMMITTED its count below then runs on a fresh snapshot and sees this deletion:
        // without the lock, both could count 2 and delete the last two passkeys.
        await db
          .updateTable('users')
          .set((eb) => ({ updated_at: eb.ref('updated_at') }))
          .where('app_id', '=', appId)
          .where('id', '=', userId)
          .execute();
        const r = await db
          .deleteFrom('credentials')
          .where('app_id', '=', appId)
          .where('user_id', '=', userId)
          .where('id', '=', id)
          .where(
            (eb) =>
              eb
                .selectFrom('credentials as others')
                .select((o) => o.fn.countAll().as('n'))
                .where('others.app_id', '=', appId)
                .where('others.user_id', '=', userId),
            '>',
            1,
          )
          .executeTakeFirst();
        if (Number(r.numDeletedRows) > 0) return 'deleted' as const;
        const kept = await db
          .selectFrom('credentials')
          .select('id')
          .where('app_id', '=', appId)
          .where('user_id', '=', userId)
          .where('id', '=', id)
          .executeTakeFirst();
        return kept ? ('last' as const) : ('not_found' as const);
      };
      return ctx.inTransaction ? run(ctx.db) : ctx.db.transaction().execute(run);
    },
    recordUse: async (appId, id, use) => {
      const r = await ctx.db
        .updateTable('credentials')
        .set((eb) => ({
          sign_count: use.signCount,
          backed_up: use.backedUp ? 1 : 0,
          ...(use.backupEligible === undefined
            ? {}
            : { backup_eligible: use.backupEligible ? 1 : 0 }),
          last_used_at: use.now,
          updated_at: use.now,
          // Saturates like users.login_count.
          usage_count: eb
            .case()
            .when('usage_count', '<', rows.MAX_COUNT)
            .then(eb('usage_count', '+', 1))
            .else(eb.ref('usage_count'))
            .end(),
        }))
        .where('app_id', '=', appId)
        .where('id', '=', id)
        // A counter of 0 means "no counter" and is only accepted while the stored one is 0 too.
        .where('sign_count', use.signCount === 0 ? '=' : '<', use.signCount)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
