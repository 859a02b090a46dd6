import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';
import * as rows from '../rows.js';

/** User events (the audit trail behind recent_events). */
export function eventsRepository(ctx: RepoContext): Storage['events'] {
  return {
    record: async (e) => {
      await ctx.db.insertInto('events').values(rows.eventToRow(e)).execute();
    },
    listByUser: async (appId, userId, limit) => {
      const rs = await ctx.db
        .selectFrom('events')
        .selectAll()
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rs.map(rows.eventFromRow);
    },
  };
}
