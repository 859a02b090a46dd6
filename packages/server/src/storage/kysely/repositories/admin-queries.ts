import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';
import * as rows from '../rows.js';
import { sql } from 'kysely';
import type { EventType } from '../../../domain/types.js';

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards in it taken literally. */
const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Searches and aggregates for the admin API and console. */
export function adminQueriesRepository(ctx: RepoContext): Storage['adminQueries'] {
  return {
    searchUsers: async (appId, q) => {
      let base = ctx.db.selectFrom('users').where('users.app_id', '=', appId);
      const search = q.search?.trim();
      if (search) {
        // lower() on both sides so each engine compares with its own case folding; ESCAPE
        // because an external id may contain % or _.
        base = base.where(
          sql<boolean>`lower(users.external_id) like lower(${containsPattern(search)}) escape '\\'`,
        );
      }
      const [rs, count] = await Promise.all([
        base
          .selectAll('users')
          .select((eb) =>
            eb
              .selectFrom('credentials')
              .select(eb.fn.countAll<number | string>().as('c'))
              .whereRef('credentials.user_id', '=', 'users.id')
              .as('passkey_count'),
          )
          .orderBy('users.created_at', 'desc')
          .orderBy('users.id')
          .limit(q.limit)
          .offset(q.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        users: rs.map((r) => ({
          user: rows.userFromRow(r),
          passkeyCount: Number(r.passkey_count ?? 0),
        })),
        total: Number(count.n),
      };
    },
    listEvents: async (appId, q) => {
      let base = ctx.db
        .selectFrom('events')
        .leftJoin('users', 'users.id', 'events.user_id')
        .where('events.app_id', '=', appId);
      if (q.types?.length) base = base.where('events.type', 'in', q.types);
      if (q.userId !== undefined) base = base.where('events.user_id', '=', q.userId);
      if (q.from !== undefined) base = base.where('events.created_at', '>=', q.from);
      if (q.to !== undefined) base = base.where('events.created_at', '<', q.to);
      const [rs, count] = await Promise.all([
        base
          .selectAll('events')
          .select('users.external_id')
          .orderBy('events.created_at', 'desc')
          .orderBy('events.id', 'desc')
          .limit(q.limit)
          .offset(q.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        events: rs.map((r) => ({ ...rows.eventFromRow(r), externalId: r.external_id })),
        total: Number(count.n),
      };
    },
    countEvents: async (appId, q) => {
      for (const v of [q.from, q.bucketMs, q.buckets]) {
        if (!Number.isSafeInteger(v))
          throw new TypeError('countEvents: from, bucketMs and buckets must be integers');
      }
      if (q.bucketMs <= 0 || q.buckets <= 0)
        throw new TypeError('countEvents: bucketMs and buckets must be positive');
      if (q.types.length === 0) return [];
      // Integer arithmetic on the epoch-ms column buckets the same way on both engines (no date
      // functions). The values are inlined, checked integers, so the SELECT and GROUP BY
      // expressions are textually equal, which PostgreSQL requires.
      const bucket = sql<
        number | string
      >`(created_at - ${sql.lit(q.from)}) / ${sql.lit(q.bucketMs)}`;
      const rs = await ctx.db
        .selectFrom('events')
        .select((eb) => [bucket.as('bucket'), 'type', eb.fn.countAll<number | string>().as('n')])
        .where('app_id', '=', appId)
        .where('type', 'in', q.types)
        .where('created_at', '>=', q.from)
        .where('created_at', '<', q.from + q.bucketMs * q.buckets)
        .groupBy([bucket, 'type'])
        .execute();
      return rs.map((r) => ({
        bucketStart: q.from + Number(r.bucket) * q.bucketMs,
        type: r.type as EventType,
        count: Number(r.n),
      }));
    },
  };
}
