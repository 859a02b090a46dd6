import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';

/** The admin audit trail (migration 011). Instance-wide: an entry may name no app. */
export function auditRepository(ctx: RepoContext): Storage['audit'] {
  return {
    record: async (e) => {
      await ctx.db
        .insertInto('audit_log')
        .values({
          id: e.id,
          app_id: e.appId,
          type: e.type,
          actor: e.actor,
          ip_addr: e.ipAddr,
          user_agent: e.userAgent,
          target: e.target,
          change: e.change === undefined || e.change === null ? null : JSON.stringify(e.change),
          created_at: e.createdAt,
        })
        .execute();
    },
  };
}
