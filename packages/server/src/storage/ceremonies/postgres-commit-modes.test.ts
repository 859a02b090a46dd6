import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres, probePostgres } from '../scratch-postgres.js';
import type { NamedSql } from './named-sql.js';
import { everyPostgresStatement, migratedScratchClient } from './postgres-test-statements.js';

/**
 * Which ceremony statements commit without waiting for the WAL flush (postgres-sql.ts,
 * ASYNC_COMMIT): only those that create short-lived state and consume nothing. A statement that
 * stores a passkey, creates a user, or issues or consumes a nonce, handshake or transaction must
 * keep the server's `synchronous_commit`, or an acknowledged result could be lost in a crash of
 * the database. Each statement runs inside an explicit transaction, where a setting it made with
 * `set_config(…, true)` is still visible to `SHOW` before the rollback.
 */
const ASYNC = new Set([
  'passkeyd_begin_authenticate_tx_v2',
  'passkeyd_begin_handshake_v2',
  'passkeyd_insert_handshake_v2',
]);

// Text values that satisfy the tables' checks, so that even a statement that inserts runs to its end.
const BY_NAME: Record<string, unknown> = {
  kind: 'authenticate',
  uv: 'preferred',
  tx_uv: 'preferred',
};
const BY_TYPE: Record<string, unknown> = {
  text: 'x',
  'text[]': [],
  bigint: '1',
  int: '1',
  boolean: 'false',
};

function dummyValues(s: NamedSql): unknown[] {
  return s.names.map((name, i) => {
    const cast = new RegExp(`\\$${i + 1}::(\\w+(?:\\[\\])?)`).exec(s.text)?.[1] ?? 'text';
    if (cast === 'text' && name in BY_NAME) return BY_NAME[name];
    if (!(cast in BY_TYPE)) throw new TypeError(`${s.name}: no dummy value for ${cast}`);
    return BY_TYPE[cast];
  });
}

const env = process.env;
const probe = await probePostgres(env);

describeWithPostgres(
  probe,
  env,
  'PostgreSQL ceremony statements: only those that create short-lived state commit asynchronously',
  (adminUrl) => {
    let client: pg.Client;
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ client, close } = await migratedScratchClient(adminUrl, 'commitmodes'));
    });
    afterAll(async () => {
      await close?.();
    });

    const statements = everyPostgresStatement();

    it('the asynchronous ones exist under these names', () => {
      expect(statements.filter((s) => ASYNC.has(s.name)).map((s) => s.name)).toEqual([...ASYNC]);
    });

    it.each(statements.map((s) => [s.name, s] as const))('%s', async (name, s) => {
      await client.query('BEGIN');
      try {
        await client.query({ text: s.text, values: dummyValues(s) });
        const { rows } = await client.query<{ synchronous_commit: string }>(
          'SHOW synchronous_commit',
        );
        expect(rows[0]!.synchronous_commit).toBe(ASYNC.has(name) ? 'off' : 'on');
      } finally {
        await client.query('ROLLBACK');
      }
    });
  },
);
