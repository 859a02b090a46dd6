import { existsSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';

export const BACKUP_HELP = `Usage: passkeyd backup FILE [--json]

Copies the SQLite database named by DATABASE_URL to FILE while passkeyd serves: SQLite's online
backup, so the copy is one consistent state of the database (every committed write up to a
moment, none after it). FILE must not exist yet. To restore, stop passkeyd and put the copy in
place of the database file (remove its -wal and -shm files), or point DATABASE_URL at the copy.
For PostgreSQL use pg_dump; see docs/deploy.md.`;

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
}

/** Thrown for a backup that cannot be made as asked; the command prints it, exit status 2. */
export class BackupRefused extends Error {
  override readonly name = 'BackupRefused';
}

/**
 * Online backup of a SQLite database (better-sqlite3's db.backup(), SQLite's backup API). It
 * runs in its own process beside the server: the backup reads through SQLite's locks, and a
 * write made by the server mid-copy makes SQLite restart the copy from that state, so the
 * result is always one committed state (https://www.sqlite.org/backup.html). It is written to
 * a temporary name and renamed when complete, so FILE is either a whole backup or absent.
 */
export async function backupSqlite(databaseUrl: string, target: string): Promise<BackupResult> {
  if (!databaseUrl.startsWith('sqlite:'))
    throw new BackupRefused(
      'backup copies a SQLite database; for PostgreSQL use pg_dump (or continuous archiving for point-in-time recovery), see docs/deploy.md',
    );
  const source = databaseUrl.slice('sqlite:'.length) || './.data/passkeyd.db';
  if (!existsSync(source)) throw new BackupRefused(`no database at ${source}`);
  const file = resolve(target);
  // Overwriting a file, let alone the database itself, is never what a backup should do.
  if (existsSync(file)) throw new BackupRefused(`${target} exists; choose a new file name`);
  if (!existsSync(dirname(file))) throw new BackupRefused(`no folder ${dirname(file)}`);
  if (realpathSync(source) === join(realpathSync(dirname(file)), basename(file)))
    throw new BackupRefused('FILE is the database itself');

  // Not read-only: a read-only connection to a WAL database cannot open while no -shm file
  // exists (the server stopped). This one only reads.
  const db = new SqliteDatabase(source, { fileMustExist: true });
  const partial = join(dirname(file), `.${basename(file)}.partial-${process.pid}`);
  try {
    // The server's writes wait at most busy_timeout for the copy's read lock.
    db.pragma('busy_timeout = 5000');
    const { totalPages } = await db.backup(partial);
    // A copy that SQLite itself finds broken is not a backup.
    const copy = new SqliteDatabase(partial, { fileMustExist: true });
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy fails SQLite's quick_check: ${String(check)}`);
    } finally {
      copy.close();
    }
    renameSync(partial, file);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return { file, bytes: totalPages * pageSize, pages: totalPages };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
}
