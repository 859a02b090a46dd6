import type { Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';
import * as rows from '../rows.js';

/** The apps table. */
export function appsRepository(ctx: RepoContext): Storage['apps'] {
  return {
    create: async (app) => {
      await ctx.db.insertInto('apps').values(rows.appToRow(app)).execute();
    },
    get: async (appId) => {
      const r = await ctx.db
        .selectFrom('apps')
        .selectAll()
        .where('id', '=', appId)
        .executeTakeFirst();
      return r && rows.appFromRow(r);
    },
    list: async () => {
      const rs = await ctx.db
        .selectFrom('apps')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rs.map(rows.appFromRow);
    },
    update: async (app) => {
      const { id: _id, created_at: _c, ...rest } = rows.appToRow(app);
      await ctx.db.updateTable('apps').set(rest).where('id', '=', app.id).execute();
    },
  };
}
