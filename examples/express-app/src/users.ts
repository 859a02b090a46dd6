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
}

interface UserRow {
  id: number;
  email: string;
  passkey_external_id: string;
  created_at: number;
  registered_at: number | null;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  externalId: row.passkey_external_id,
  createdAt: row.created_at,
  registeredAt: row.registered_at,
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
  };
}
