import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRecord } from '../testing/app-record.js';
import { openSqliteStorage } from './sqlite.js';

const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);

describe('sqlite purge', () => {
  it.each([
    ["with SQLite's own checkpoints", {}],
    // The worker checkpoints every millisecond, so the purge's TRUNCATE meets it holding the
    // checkpoint lock: it must try again rather than leave the WAL at its largest.
    ['beside the checkpoint worker', { backgroundCheckpoint: true, checkpointIntervalMs: 1 }],
  ])(
    'gives the pages of purged rows, and the WAL they passed through, back to the filesystem (%s)',
    async (_, checkpoints) => {
      const dir = mkdtempSync(join(tmpdir(), 'passkeyd-purge-'));
      const path = join(dir, 'passkeyd.db');
      const storage = await openSqliteStorage({ path, ...checkpoints });
      try {
        await storage.apps.create(
          appRecord({
            id: 'app_purge',
            name: 'n',
            rpName: 'n',
            ceremonyTimeoutMs: 60_000,
            createdAt: 1,
          }),
        );
        const user = await storage.users.findOrCreate({
          id: 'usr_purge',
          appId: 'app_purge',
          externalId: 'u',
          webauthnUserId: 'aGFuZGxl',
          status: 'active',
          createdAt: 1,
          updatedAt: 1,
          lastLoginAt: null,
          loginCount: 0,
        });
        await storage.purgeExpired(1);
        const before = size(path) + size(`${path}-wal`);

        // Abandoned ceremonies: 3 000 transactions and challenges that expire at t = 1 000.
        await storage.transaction(async (tx) => {
          for (let i = 0; i < 3000; i++) {
            await tx.transactions.create({
              id: `txn_${i}`,
              appId: 'app_purge',
              kind: 'authenticate',
              userId: user.id,
              externalId: 'u',
              passkeyDisplayName: null,
              hints: null,
              userVerification: null,
              createdAt: 1,
              expiresAt: 1000,
              consumedAt: null,
            });
            await tx.handshakes.create({
              id: `hs_${i}`,
              appId: 'app_purge',
              kind: 'authenticate',
              transactionId: `txn_${i}`,
              challenge: 'c'.repeat(43),
              userVerification: 'preferred',
              createdAt: 1,
              expiresAt: 1000,
              consumedAt: null,
            });
          }
        });
        const grown = size(path) + size(`${path}-wal`);
        expect(grown).toBeGreaterThan(before + 500_000);

        expect(await storage.purgeExpired(2000)).toEqual({
          transactions: 3000,
          handshakes: 3000,
          nonces: 0,
          events: 0,
          audit: 0,
        });
        expect(size(`${path}-wal`)).toBe(0);
        expect(size(path)).toBeLessThanOrEqual(before * 1.1);
      } finally {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
