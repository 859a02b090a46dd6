import { describe, expect, it } from 'vitest';
import { getApp } from './apps/apps.js';
import { revokeApiKey } from './apps/api-keys.js';
import { consumeHandshake } from './handshakes.js';
import type { Storage } from './ports.js';
import { isIdOf, newId, newTimeOrderedId } from './secrets.js';
import { consumeTransaction, loadLiveTransaction } from './transactions.js';
import { deleteUser, getUserDetail, renameDevice } from './users.js';
import type { App } from './types.js';

/** A storage that fails the test on any use: the calls below must answer before a query. */
const untouchable = new Proxy({} as Storage, {
  get(_t, prop) {
    throw new Error(`storage.${String(prop)} was used for a malformed id`);
  },
});
const deps = {
  storage: untouchable,
  clock: { now: () => 0 },
} as unknown as Parameters<typeof renameDevice>[2];
const app = { id: newId('app') } as App;
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string; message?: string }) => e.code ?? e.message,
  );

const MALFORMED = ['', 'nope', 'app_nope', 'usr_', 'txn_a b', `usr_${'A'.repeat(23)}`, 'x\u0000'];

describe('ids are checked against their format before any query', () => {
  it('accepts exactly what newId makes', () => {
    for (const prefix of ['app', 'usr', 'dev', 'txn', 'hs', 'key'] as const) {
      expect(isIdOf(prefix, newId(prefix))).toBe(true);
      expect(isIdOf(prefix, `${newId(prefix)}x`)).toBe(false);
    }
    for (const prefix of ['txn', 'hs'] as const) {
      expect(isIdOf(prefix, newTimeOrderedId(prefix, Date.now()))).toBe(true);
      expect(isIdOf(prefix, `${newTimeOrderedId(prefix, Date.now())}x`)).toBe(false);
    }
    expect(isIdOf('usr', newId('app'))).toBe(false);
    expect(isIdOf('usr', 42)).toBe(false);
  });

  it('answers a malformed id with the not-found code of its kind, never touching storage', async () => {
    for (const id of MALFORMED) {
      expect(await code(getApp(untouchable, id))).toBe('app_not_found');
      expect(await code(getUserDetail(deps, app.id, id))).toBe('user_not_found');
      expect(await code(deleteUser(app, { userId: id }, deps))).toBe('user_not_found');
      expect(await code(revokeApiKey(app.id, id, deps))).toBe('api_key_not_found');
      expect(await code(loadLiveTransaction(untouchable, app.id, id, 'register', 0))).toBe(
        'transaction_not_found',
      );
      expect(await code(consumeTransaction(untouchable, app.id, id, 'register', 0))).toBe(
        'transaction_not_found',
      );
      expect(await code(consumeHandshake(untouchable, app.id, id, 'register', 0))).toBe(
        'handshake_not_found',
      );
    }
  });
});
