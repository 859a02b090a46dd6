import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';
import * as rows from '../rows.js';
import { consumeOnce } from './consume-once.js';

/** Transactions, consumed once. */
export function transactionsRepository(ctx: RepoContext): Storage['transactions'] {
  return {
    create: async (tx) => {
      await ctx.db.insertInto('transactions').values(rows.transactionToRow(tx)).execute();
    },
    get: async (appId, id) => {
      const r = await ctx.db
        .selectFrom('transactions')
        .selectAll()
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst();
      return r && rows.transactionFromRow(r);
    },
    supersedePending: async (appId, userId, kind, now) => {
      const r = await ctx.db
        .updateTable('transactions')
        .set({ consumed_at: now })
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    consume: (appId, id, kind, now) =>
      consumeOnce(ctx.db, 'transactions', appId, id, kind, now, rows.transactionFromRow),
  };
}

/** Handshakes (challenges), consumed once. */
export function handshakesRepository(ctx: RepoContext): Storage['handshakes'] {
  return {
    create: async (h) => {
      await ctx.db.insertInto('handshakes').values(rows.handshakeToRow(h)).execute();
    },
    consume: (appId, id, kind, now) =>
      consumeOnce(ctx.db, 'handshakes', appId, id, kind, now, rows.handshakeFromRow),
  };
}

/** Nonces, redeemed once; looked up by hash. */
export function noncesRepository(ctx: RepoContext): Storage['nonces'] {
  return {
    create: async (x) => {
      await ctx.db.insertInto('nonces').values(rows.nonceToRow(x)).execute();
    },
    redeem: async (appId, hash, now) => {
      const r = await ctx.db
        .updateTable('nonces')
        .set({ consumed_at: now })
        .where('hash', '=', hash)
        .where('app_id', '=', appId)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return r && rows.nonceFromRow(r);
    },
  };
}
