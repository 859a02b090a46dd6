import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage } from './open-storage.js';
import { openSqliteStorage } from './sqlite.js';
import { describeStorageContract } from './storage.contract.js';
import { describeCeremonyContract } from './ceremonies/ceremonies.contract.js';
import { describeWebhookQueueContract } from './webhook-queue.contract.js';
import { appRecord } from '../testing/app-record.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'passkeyd-sqlite-'));
}

describeStorageContract('sqlite', async () => {
  const dir = tempDir();
  const storage = await openSqliteStorage({ path: join(dir, 'passkeyd.db') });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeCeremonyContract('sqlite', async () => {
  const dir = tempDir();
  const storage = await openSqliteStorage({ path: join(dir, 'passkeyd.db') });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// Two handles on one file, as two processes on one machine would have.
describeWebhookQueueContract('sqlite', async () => {
  const dir = tempDir();
  const path = join(dir, 'passkeyd.db');
  const a = await openSqliteStorage({ path });
  const b = await openSqliteStorage({ path });
  return {
    a,
    b,
    cleanup: async () => {
      await Promise.all([a.close(), b.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite storage', () => {
  it('is chosen by a sqlite: DATABASE_URL and keeps its data across reopening', async () => {
    const dir = tempDir();
    try {
      const url = `sqlite:${join(dir, 'nested', 'passkeyd.db')}`;
      const first = await openStorage({ databaseUrl: url });
      expect(first.engine).toBe('sqlite');
      await first.apps.create({
        id: 'app_reopen',
        name: 'n',
        rpId: 'example.com',
        rpName: 'n',
        origins: ['https://example.com'],
        relatedOrigins: [],
        userVerification: 'preferred',
        authenticatorAttachment: null,
        ceremonyTimeoutMs: 1000,
        transactionTtlSeconds: null,
        hints: [],
        preventLastPasskeyRemoval: false,
        attestation: 'none',
        aaguidPolicy: 'any',
        aaguids: [],
        requireFidoCertified: false,
        createdAt: 1,
        updatedAt: 1,
      });
      await first.close();
      const second = await openStorage({ databaseUrl: url });
      expect((await second.apps.get('app_reopen'))?.name).toBe('n');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates the database directory readable by its owner only', async () => {
    const dir = tempDir();
    try {
      const storage = await openSqliteStorage({ path: join(dir, 'data', 'passkeyd.db') });
      await storage.close();
      expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives ceremony requests that arrive together one commit, and a request alone its own', async () => {
    const dir = tempDir();
    let commits = 0;
    const storage = await openSqliteStorage({
      path: join(dir, 'passkeyd.db'),
      observe: (text) => {
        if (text === 'COMMIT') commits++;
      },
    });
    try {
      const now = Date.now();
      await storage.apps.create(appRecord({ id: 'app_group', createdAt: now, updatedAt: now }));
      const key = { prefix: 'pkd_group', secretHash: 'hash_group' };
      await storage.apiKeys.create({
        id: 'key_group',
        appId: 'app_group',
        name: 'k',
        ...key,
        createdAt: now,
        lastUsedAt: now,
        revokedAt: null,
      });
      const begin = (i: number) =>
        storage.ceremonies.beginTransaction({
          key,
          appId: 'app_group',
          kind: 'register',
          externalId: `user-${i}`,
          newUser: { id: `usr_group_${i}`, webauthnUserId: `wid_group_${i}` },
          transaction: {
            id: `txn_group_${i}`,
            passkeyDisplayName: null,
            hints: null,
            userVerification: null,
            expiresAt: now + 60_000,
          },
          now,
        });
      commits = 0;
      const together = await Promise.all(Array.from({ length: 10 }, (_, i) => begin(i)));
      expect(together.every((r) => r.ok)).toBe(true);
      expect(commits).toBe(1);
      commits = 0;
      for (let i = 10; i < 13; i++) expect((await begin(i)).ok).toBe(true);
      expect(commits).toBe(3);
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
