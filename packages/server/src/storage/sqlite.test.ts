import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage } from './open-storage.js';
import { openSqliteStorage } from './sqlite.js';
import { describeStorageContract } from './storage.contract.js';
import { describeCeremonyContract } from './ceremonies/ceremonies.contract.js';
import { describeWebhookQueueContract } from './webhook-queue.contract.js';

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
});
