import { randomUUID } from 'node:crypto';
import type { AppDatabase } from './database.js';

export interface User {
  id: number;
  email: string;
  /** The ID passkeyd knows this user by (the guide's `passageExternalId`). */
  externalId: string;
  createdAt: number;
  /** null until the user's first passkey is verified. */
  registeredAt: number | null;
  /** When an unfinished sign-up last got a register transaction (its creation, before any). */
  signUpAttemptAt: number;
}

interface UserRow {
  id: number;
  email: string;
  passkey_external_id: string;
  created_at: number;
  registered_at: number | null;
  sign_up_attempt_at: number | null;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  externalId: row.passkey_external_id,
  createdAt: row.created_at,
  registeredAt: row.registered_at,
  signUpAttemptAt: row.sign_up_attempt_at ?? row.created_at,
});

export type UserStore = ReturnType<typeof userStore>;

export function userStore(db: AppDatabase) {
  const byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
  const byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?');
  const byExternalId = db.prepare<[string], UserRow>(
    'SELECT * FROM users WHERE passkey_external_id = ?',
  );
  const insert = db.prepare<[string, string, number], UserRow>(
    'INSERT INTO users (email, passkey_external_id, created_at) VALUES (?, ?, ?) RETURNING *',
  );
  const register = db.prepare<[number, number]>(
    'UPDATE users SET registered_at = ? WHERE id = ? AND registered_at IS NULL',
  );
  const attempt = db.prepare<[number, number]>(
    'UPDATE users SET sign_up_attempt_at = ? WHERE id = ? AND registered_at IS NULL',
  );
  const restart = db.prepare<[string, number, number], UserRow>(
    `UPDATE users SET passkey_external_id = ?, sign_up_attempt_at = ?
     WHERE id = ? AND registered_at IS NULL RETURNING *`,
  );

  return {
    findById(id: number): User | undefined {
      const row = byId.get(id);
      return row && toUser(row);
    },
    findByEmail(email: string): User | undefined {
      const row = byEmail.get(email);
      return row && toUser(row);
    },
    findByExternalId(externalId: string): User | undefined {
      const row = byExternalId.get(externalId);
      return row && toUser(row);
    },
    /** A new user with a fresh UUID as passkeyd external ID (the guide's `randomUUID()`). */
    create(email: string, now: number): User {
      return toUser(insert.get(email, randomUUID(), now)!);
    },
    markRegistered(userId: number, now: number): void {
      register.run(now, userId);
    },
    /** An unfinished sign-up handed out another register transaction. */
    recordSignUpAttempt(userId: number, now: number): void {
      attempt.run(now, userId);
    },
    /**
     * Starts an abandoned sign-up over under a fresh external ID, so nothing made for the old
     * one (a kept transaction, a passkey) can ever reach this user. Undefined if it finished.
     */
    restartSignUp(userId: number, now: number): User | undefined {
      const row = restart.get(randomUUID(), now, userId);
      return row && toUser(row);
    },
  };
}
