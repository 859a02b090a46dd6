import type { Storage } from '../../../domain/ports.js';
import type { MdsEntry } from '../../../domain/types.js';
import type { RepoContext } from './context.js';

/** The mds_blobs table (migration 008): at most one row, the newest imported BLOB. */
export function mdsRepository(ctx: RepoContext): Storage['mds'] {
  return {
    currentNo: async () => {
      const r = await ctx.db
        .selectFrom('mds_blobs')
        .select('no')
        .orderBy('no', 'desc')
        .executeTakeFirst();
      return r ? Number(r.no) : undefined;
    },
    current: async () => {
      const r = await ctx.db
        .selectFrom('mds_blobs')
        .selectAll()
        .orderBy('no', 'desc')
        .executeTakeFirst();
      return (
        r && {
          no: Number(r.no),
          nextUpdate: r.next_update,
          legalHeader: r.legal_header,
          entries: JSON.parse(r.entries) as MdsEntry[],
          importedAt: Number(r.imported_at),
        }
      );
    },
    replace: async (blob) => {
      const row = {
        no: blob.no,
        next_update: blob.nextUpdate,
        legal_header: blob.legalHeader,
        entries: JSON.stringify(blob.entries),
        entry_count: blob.entries.length,
        imported_at: blob.importedAt,
      };
      const write = async (db: RepoContext['db']) => {
        await db.deleteFrom('mds_blobs').execute();
        await db.insertInto('mds_blobs').values(row).execute();
      };
      if (ctx.inTransaction) await write(ctx.db);
      else await ctx.db.transaction().execute(write);
    },
  };
}
