import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, deleteApp } from '../domain/apps/apps.js';
import type { AppDataTable } from '../domain/ports.js';
import { ManualClock } from '../testing/index.js';
import type { KyselyStorage } from './kysely/kysely-storage.js';
import { openSqliteStorage } from './sqlite.js';

// The domain's deleteApp (domain/apps/apps.ts) against a real SQLite file: here rather than beside
// it, because the domain's files may not import a storage adapter.

let dir: string;
let storage: KyselyStorage;
const clock = new ManualClock(Date.UTC(2026, 0, 1));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'passkeyd-apps-'));
  storage = await openSqliteStorage({ path: join(dir, 'passkeyd.db') });
});
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('deleteApp', () => {
  it('empties the app a batch at a time, yielding between batches, then deletes the row and tells the cache', async () => {
    const { app } = await createApp(
      { name: 'Big', rpId: 'localhost', origins: ['http://localhost:3000'] },
      { storage, clock },
    );
    for (let i = 0; i < 5; i++)
      await storage.users.findOrCreate({
        id: `usr_${i}`,
        appId: app.id,
        externalId: `user-${i}`,
        webauthnUserId: `handle-${i}`,
        status: 'active',
        createdAt: clock.now(),
        updatedAt: clock.now(),
        loginCount: 0,
        lastLoginAt: null,
      });

    const batches: { table: AppDataTable; count: number }[] = [];
    let turnsBetween = 0;
    const counting = {
      ...storage,
      apps: {
        ...storage.apps,
        deleteData: async (appId: string, limit: number) => {
          const r = await storage.apps.deleteData(appId, limit);
          batches.push(r);
          return r;
        },
      },
    } as typeof storage;
    // Another request's turn: counts how often the deletion let the event loop go.
    const ticker = setInterval(() => turnsBetween++, 0);
    const changed: string[] = [];
    const deleted = await deleteApp(app.id, {
      storage: counting,
      clock,
      batch: 2,
      apps: { changed: (id) => void changed.push(id ?? '(all)') },
    });
    clearInterval(ticker);

    expect(deleted).toMatchObject({ api_keys: 1, users: 5, credentials: 0 });
    expect(batches.map((b) => `${b.table}:${b.count}`)).toEqual([
      'api_keys:1',
      'users:2',
      'users:2',
      'users:1',
      'users:0',
    ]);
    expect(turnsBetween).toBeGreaterThan(0);
    expect(await storage.apps.get(app.id)).toBeUndefined();
    expect(changed).toEqual([app.id]);
    await expect(deleteApp(app.id, { storage, clock })).rejects.toMatchObject({
      code: 'app_not_found',
    });
  });
});
