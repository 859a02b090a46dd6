import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';
import * as rows from '../rows.js';

/** API keys: rows hold only the SHA-256 of each key. */
export function apiKeysRepository(ctx: RepoContext): Storage['apiKeys'] {
  return {
    create: async (key) => {
      await ctx.db.insertInto('api_keys').values(rows.apiKeyToRow(key)).execute();
    },
    authenticate: (appId, key, now) => {
      // Outside any transaction only: on SQLite it takes the connection a transaction holds.
      if (ctx.inTransaction) throw new Error('apiKeys.authenticate inside transaction(fn)');
      return ctx.caps.authenticateKey(appId, key, now);
    },
    findByPrefix: async (prefix) => {
      const r = await ctx.db
        .selectFrom('api_keys')
        .selectAll()
        .where('prefix', '=', prefix)
        .executeTakeFirst();
      return r && rows.apiKeyFromRow(r);
    },
    list: async (appId) => {
      const rs = await ctx.db
        .selectFrom('api_keys')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rs.map(rows.apiKeyFromRow);
    },
    revoke: async (appId, keyId, now) => {
      const r = await ctx.db
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('app_id', '=', appId)
        .where('id', '=', keyId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    touch: async (keyId, now) => {
      await ctx.db
        .updateTable('api_keys')
        .set({ last_used_at: now })
        .where('id', '=', keyId)
        .execute();
    },
  };
}
