import { createHash, randomBytes } from 'node:crypto';
import type { AppDatabase } from './database.js';

export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

export type SessionStore = ReturnType<typeof sessionStore>;

/** The app's own sessions: passkeyd proves who the user is, and from then on this app decides. */
export function sessionStore(db: AppDatabase) {
  const insert = db.prepare<[string, number, number, number]>(
    'INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
  );
  const find = db.prepare<[string, number], { user_id: number }>(
    'SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ?',
  );
  const remove = db.prepare<[string]>('DELETE FROM sessions WHERE token_hash = ?');
  const purge = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');

  return {
    /** Returns the token for the cookie; only its hash is stored. */
    start(userId: number, now: number): string {
      purge.run(now);
      const token = randomBytes(32).toString('base64url');
      insert.run(hash(token), userId, now, now + SESSION_TTL_MS);
      return token;
    },
    userIdFor(token: string, now: number): number | undefined {
      return find.get(hash(token), now)?.user_id;
    },
    end(token: string): void {
      remove.run(hash(token));
    },
  };
}
