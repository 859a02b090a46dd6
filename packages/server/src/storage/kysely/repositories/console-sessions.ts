import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';

/**
 * Admin console sessions: rows hold only the SHA-256 of the session id and the fingerprint of
 * the token that opened the session.
 */
export function consoleSessionsRepository(ctx: RepoContext): Storage['consoleSessions'] {
  return {
    create: async (s) => {
      await ctx.db
        .insertInto('console_sessions')
        .values({
          id_hash: s.idHash,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: Math.min(s.expiresAt, s.absoluteExpiresAt),
          absolute_expires_at: s.absoluteExpiresAt,
          token_id: s.tokenId,
        })
        .execute();
    },
    touch: async (idHash, now, idleExpiresAt, tokenIds) => {
      if (tokenIds.length === 0) return false;
      const r = await ctx.db
        .updateTable('console_sessions')
        .set((eb) => ({
          last_seen_at: now,
          // The idle extension never passes the absolute deadline.
          expires_at: eb
            .case()
            .when('absolute_expires_at', '<', idleExpiresAt)
            .then(eb.ref('absolute_expires_at'))
            .else(idleExpiresAt)
            .end(),
        }))
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now)
        .where('absolute_expires_at', '>', now)
        .where('token_id', 'in', tokenIds)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    delete: async (idHash) => {
      const r = await ctx.db
        .deleteFrom('console_sessions')
        .where('id_hash', '=', idHash)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    deleteAll: async () => {
      const r = await ctx.db.deleteFrom('console_sessions').executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    purgeExpired: async (now) => {
      const r = await ctx.db
        .deleteFrom('console_sessions')
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
