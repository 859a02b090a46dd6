import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';

/** Admin console sessions: rows hold only the SHA-256 of the session id. */
export function consoleSessionsRepository(ctx: RepoContext): Storage['consoleSessions'] {
  return {
    create: async (s) => {
      await ctx.db
        .insertInto('console_sessions')
        .values({
          id_hash: s.idHash,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
        })
        .execute();
    },
    touch: async (idHash, now, expiresAt) => {
      const r = await ctx.db
        .updateTable('console_sessions')
        .set({ last_seen_at: now, expires_at: expiresAt })
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now)
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
    purgeExpired: async (now) => {
      const r = await ctx.db
        .deleteFrom('console_sessions')
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
