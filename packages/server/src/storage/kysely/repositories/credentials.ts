import { sql } from 'kysely';
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
