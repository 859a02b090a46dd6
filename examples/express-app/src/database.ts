import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type AppDatabase = Database.Database;

/**
 * The example app's own database: its users and sessions. passkeyd keeps the passkeys; this app
 * only remembers which passkeyd external ID belongs to which of its users.
 */
export function openDatabase(path: string): AppDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE IF NOT EXISTS users (
      id INTEGER PRIMARY KEY,
      email TEXT NOT NULL UNIQUE COLLATE NOCASE,
      -- The guide's "unique passage identifier": a UUID this app gives passkeyd, never the email.
      passkey_external_id TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL,
      -- Set when the first passkey is verified; until then the sign-up may be retried.
      registered_at INTEGER,
      -- The last register transaction of an unfinished sign-up: until the pending cookie of that
      -- attempt expires, only the browser holding it may continue (routes/sign-up.ts).
      sign_up_attempt_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS sessions (
      -- SHA-256 of the cookie's token, so a copy of the database cannot be used to sign in.
      token_hash TEXT PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    );
  `);
  // Databases created before sign_up_attempt_at existed (an `npm start` .data/ folder).
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(users)').all();
  if (!columns.some((c) => c.name === 'sign_up_attempt_at'))
    db.exec('ALTER TABLE users ADD COLUMN sign_up_attempt_at INTEGER');
  return db;
}
