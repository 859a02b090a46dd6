import type { SelectQueryBuilder } from 'kysely';
import type { AuditFilter, Storage } from '../../../domain/ports.js';
import type { AuditEntry } from '../../../domain/types.js';
import type { RepoContext } from './context.js';
import type { Database } from '../schema.js';

type AuditRow = Database['audit_log'];

const fromRow = (r: AuditRow): AuditEntry => ({
  id: r.id,
  appId: r.app_id,
  type: r.type,
  actor: r.actor,
  ipAddr: r.ip_addr,
  userAgent: r.user_agent,
  target: r.target,
  change: r.change === null ? null : (JSON.parse(r.change) as unknown),
  // PostgreSQL returns int8 as a string.
  createdAt: Number(r.created_at),
});

function filtered<O>(
  q: SelectQueryBuilder<Database, 'audit_log', O>,
  f: AuditFilter,
): SelectQueryBuilder<Database, 'audit_log', O> {
  if (f.appId !== undefined) q = q.where('app_id', '=', f.appId);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  if (f.actor !== undefined) q = q.where('actor', '=', f.actor);
  if (f.from !== undefined) q = q.where('created_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('created_at', '<', f.to);
  return q;
}

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
    list: async (q) => {
      const base = filtered(ctx.db.selectFrom('audit_log'), q);
      const [rs, count] = await Promise.all([
        base
          .selectAll()
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(q.limit)
          .offset(q.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { entries: rs.map(fromRow), total: Number(count.n) };
    },
    pageAfter: async (f, after, limit) => {
      let q = filtered(ctx.db.selectFrom('audit_log').selectAll(), f);
      if (after !== null) {
        q = q.where((eb) =>
          eb.or([
            eb('created_at', '>', after.createdAt),
            eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
          ]),
        );
      }
      const rs = await q.orderBy('created_at').orderBy('id').limit(limit).execute();
      return rs.map(fromRow);
    },
  };
}
