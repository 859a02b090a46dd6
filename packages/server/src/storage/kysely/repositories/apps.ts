import { sql } from 'kysely';
import { APP_DATA_TABLES, type Storage } from '../../../domain/ports.js';
import type { RepoContext } from './context.js';
import * as rows from '../rows.js';

/** Each table's primary key, by which a bounded batch of the app's rows is picked. */
const PRIMARY_KEY = {
  api_keys: 'id',
  webhook_endpoints: 'id',
  events: 'id',
  nonces: 'hash',
  handshakes: 'id',
  transactions: 'id',
  credentials: 'id',
  users: 'id',
} as const;

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
    deleteData: async (appId, limit) => {
      for (const table of APP_DATA_TABLES) {
        const pk = sql.ref(PRIMARY_KEY[table]);
        // By primary key through a LIMITed subquery: both engines accept it, where DELETE …
        // LIMIT is SQLite's alone (and only when compiled for it).
        const r = await sql`DELETE FROM ${sql.table(table)} WHERE ${pk} IN (
          SELECT ${pk} FROM ${sql.table(table)} WHERE app_id = ${appId} LIMIT ${limit})`.execute(
          ctx.db,
        );
        const count = Number(r.numAffectedRows ?? 0n);
        if (count > 0) return { table, count };
      }
      return { table: 'users', count: 0 };
    },
    delete: async (appId) => {
      const r = await ctx.db.deleteFrom('apps').where('id', '=', appId).executeTakeFirst();
      return r.numDeletedRows > 0n;
    },
  };
}
