import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';

const fileSize = (p) => (existsSync(p) ? statSync(p).size : 0);

/**
 * A throwaway database for one benchmark phase: a SQLite file under `dir`, or a PostgreSQL
 * database created on the server named by `pgAdminUrl` (dropped again by `drop()`).
 */
export async function scratchDatabase({ engine, name, dir, pgAdminUrl }) {
  if (engine === 'sqlite') {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name}.db`);
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
    return {
      engine,
      url: `sqlite:${path}`,
      /**
       * Bytes on disk (main file + WAL) and the logical size SQLite reports (pages in use:
       * page_count − freelist_count, times page size), read through a read-only connection.
       */
      async size() {
        const db = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
        try {
          const pageSize = db.pragma('page_size', { simple: true });
          const pages = db.pragma('page_count', { simple: true });
          const free = db.pragma('freelist_count', { simple: true });
          return {
            diskBytes: fileSize(path) + fileSize(`${path}-wal`),
            fileBytes: fileSize(path),
            walBytes: fileSize(`${path}-wal`),
            usedBytes: (pages - free) * pageSize,
            freeBytes: free * pageSize,
          };
        } finally {
          db.close();
        }
      },
      async rowCount(table) {
        const db = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
        try {
          return db.prepare(`select count(*) as n from ${table}`).get().n;
        } finally {
          db.close();
        }
      },
      async drop() {
        for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
      },
    };
  }

  const admin = new URL(pgAdminUrl);
  const dbName = `passkeyd_bench_${process.pid}_${name.replace(/[^a-z0-9_]/gi, '_')}`;
  const adminClient = async (fn) => {
    const c = new pg.Client({ connectionString: admin.toString() });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  await adminClient(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${dbName}`);
  });
  const url = new URL(admin);
  url.pathname = `/${dbName}`;
  const query = async (text) => {
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      return (await c.query(text)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    engine,
    url: url.toString(),
    /** pg_database_size: every relation's files, TOAST, indexes and free space maps. */
    async size() {
      const [r] = await query('select pg_database_size(current_database()) as n');
      return { diskBytes: Number(r.n) };
    },
    async rowCount(table) {
      const [r] = await query(`select count(*) as n from ${table}`);
      return Number(r.n);
    },
    /** PostgreSQL's backend processes serving this database (the server's pooled connections). */
    async backendPids() {
      const rows = await query(
        'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      return rows.map((r) => r.pid);
    },
    async drop() {
      await adminClient((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
    },
  };
}
