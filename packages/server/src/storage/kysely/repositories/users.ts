import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';
import * as rows from '../rows.js';

/** Users, scoped by app. */
export function usersRepository(ctx: RepoContext): Storage['users'] {
  return {
    findOrCreate: async (user) => {
      // Insert-or-nothing then read: two concurrent first registrations of one external id end
      // with one user, whichever insert won.
      await ctx.db
        .insertInto('users')
        .values(rows.userToRow(user))
        .onConflict((oc) => oc.columns(['app_id', 'external_id']).doNothing())
        .execute();
      const r = await ctx.db
        .selectFrom('users')
        .selectAll()
        .where('app_id', '=', user.appId)
        .where('external_id', '=', user.externalId)
        .executeTakeFirstOrThrow();
      return rows.userFromRow(r);
    },
    get: async (appId, userId) => {
      const r = await ctx.db
        .selectFrom('users')
        .selectAll()
        .where('app_id', '=', appId)
        .where('id', '=', userId)
        .executeTakeFirst();
      return r && rows.userFromRow(r);
    },
    findByExternalId: async (appId, externalId) => {
      const r = await ctx.db
        .selectFrom('users')
        .selectAll()
        .where('app_id', '=', appId)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
      return r && rows.userFromRow(r);
    },
    findByWebauthnUserId: async (appId, handle) => {
      const r = await ctx.db
        .selectFrom('users')
        .selectAll()
        .where('app_id', '=', appId)
        .where('webauthn_user_id', '=', handle)
        .executeTakeFirst();
      return r && rows.userFromRow(r);
    },
    list: async (appId, q) => {
      let base = ctx.db.selectFrom('users').where('app_id', '=', appId);
      if (q.identifier !== undefined) base = base.where('external_id', '=', q.identifier);
      const [rs, count] = await Promise.all([
        base
          .selectAll()
          .orderBy('created_at', 'desc')
          .orderBy('id')
          .limit(q.limit)
          .offset((q.page - 1) * q.limit)
          .execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { users: rs.map(rows.userFromRow), total: Number(count.n) };
    },
    recordLogin: async (appId, userId, now) => {
      await ctx.db
        .updateTable('users')
        .set((eb) => ({
          last_login_at: now,
          updated_at: now,
          // Saturates at 2^53-1, the largest count a JavaScript number (and an import) holds, so
          // an exported count always imports back.
          login_count: eb
            .case()
            .when('login_count', '<', rows.MAX_COUNT)
            .then(eb('login_count', '+', 1))
            .else(eb.ref('login_count'))
            .end(),
        }))
        .where('app_id', '=', appId)
        .where('id', '=', userId)
        .execute();
    },
    delete: async (appId, userId) => {
      const r = await ctx.db
        .deleteFrom('users')
        .where('app_id', '=', appId)
        .where('id', '=', userId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
