import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId, newTimeOrderedId } from '../domain/secrets.js';
import { appRecord } from '../testing/app-record.js';
import { migrateToLatest } from './kysely/migrations/index.js';
import { openStorage } from './open-storage.js';
import { openPostgresStorage } from './postgres.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from './scratch-postgres.js';
import { describeStorageContract } from './storage.contract.js';
import { describeCeremonyContract } from './ceremonies/ceremonies.contract.js';
import { describeWebhookQueueContract } from './webhook-queue.contract.js';

const probe = await probePostgres(process.env);

describeWithPostgres(probe, process.env, 'postgres storage', (adminUrl) => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'storage');
  });
  afterAll(async () => {
    await db?.drop();
  });

  describeStorageContract('postgres', async () => {
    const storage = await openPostgresStorage({
      connectionString: db.url,
      poolSize: 10,
      statementTimeoutMs: 5000,
    });
    return { storage, cleanup: () => storage.close() };
  });

  describeCeremonyContract('postgres', async () => {
    const storage = await openPostgresStorage({
      connectionString: db.url,
      poolSize: 10,
      statementTimeoutMs: 5000,
    });
    return { storage, cleanup: () => storage.close() };
  });

  // Two pools on one database, as two nodes have. A database of its own: the dispatcher claims
  // due deliveries of every app, so the other contracts' deliveries (webhooks.contract.ts makes
  // some) would be claimed too; SQLite's half opens its own file for the same reason.
  describeWebhookQueueContract('postgres', async () => {
    const own = await createScratchDatabase(adminUrl, 'webhookqueue');
    const open = () =>
      openPostgresStorage({ connectionString: own.url, poolSize: 5, statementTimeoutMs: 5000 });
    const a = await open();
    const b = await open();
    return {
      a,
      b,
      cleanup: async () => {
        await Promise.all([a.close(), b.close()]);
        await own.drop();
      },
    };
  });

  it('is chosen by a postgres:// DATABASE_URL', async () => {
    const storage = await openStorage({
      databaseUrl: db.url,
      pg: { poolSize: 2, statementTimeoutMs: 5000 },
    });
    try {
      expect(storage.engine).toBe('postgres');
      await storage.ping();
    } finally {
      await storage.close();
    }
  });

  it('applies each migration once when several nodes start on an empty database at once', async () => {
    const fresh = await createScratchDatabase(adminUrl, 'migrate');
    try {
      const nodes = await Promise.all(
        Array.from({ length: 4 }, () =>
          openPostgresStorage({
            connectionString: fresh.url,
            poolSize: 2,
            statementTimeoutMs: 5000,
          }),
        ),
      );
      try {
        const applied = (
          await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
            nodes[0]!.db,
          )
        ).rows.map((r) => r.name);
        expect(applied[0]).toBe('001-initial');
        expect(new Set(applied).size).toBe(applied.length);
        // Nothing is left for a fifth node, and the schema works.
        expect(await migrateToLatest(nodes[0]!.db as Kysely<unknown>)).toEqual([]);
        expect(await nodes[1]!.apps.list()).toEqual([]);
      } finally {
        await Promise.all(nodes.map((n) => n.close()));
      }
    } finally {
      await fresh.drop();
    }
  });

  it('starts a ceremony without a lock on its app row (no foreign key check to apps, migration 015)', async () => {
    const storage = await openPostgresStorage({
      connectionString: db.url,
      poolSize: 2,
      statementTimeoutMs: 1000,
      migrate: false,
    });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      const now = Date.now();
      const app = appRecord({
        id: newId('app'),
        name: 'locked',
        rpId: 'example.com',
        rpName: 'E',
        origins: ['https://example.com'],
        createdAt: now,
        updatedAt: now,
      });
      await storage.apps.create(app);
      // FOR UPDATE conflicts with the FOR KEY SHARE that a foreign key check takes on the parent
      // row: before 015 the insert below waited for this lock until the statement timeout.
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM apps WHERE id = $1 FOR UPDATE', [app.id]);
      const r = await storage.ceremonies.beginHandshake({
        handshake: {
          id: newTimeOrderedId('hs', now),
          appId: app.id,
          kind: 'authenticate',
          transactionId: null,
          challenge: 'c'.repeat(43),
          userVerification: 'preferred',
          createdAt: now,
          expiresAt: now + 60_000,
          consumedAt: null,
        },
        credentialLimit: 64,
        now,
      });
      expect(r.ok).toBe(true);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end();
      await storage.close();
    }
  });

  it('cancels a statement that runs longer than the statement timeout', async () => {
    const storage = await openPostgresStorage({
      connectionString: db.url,
      poolSize: 1,
      statementTimeoutMs: 200,
      migrate: false,
    });
    try {
      const started = Date.now();
      await expect(sql`select pg_sleep(2)`.execute(storage.db)).rejects.toMatchObject({
        code: '57014',
      });
      expect(Date.now() - started).toBeLessThan(1500);
      // The connection survives the cancellation.
      await storage.ping();
    } finally {
      await storage.close();
    }
  });

  it('never holds more connections than the pool size', async () => {
    const storage = await openPostgresStorage({
      connectionString: db.url,
      poolSize: 3,
      statementTimeoutMs: 5000,
      migrate: false,
    });
    try {
      const pids = await Promise.all(
        Array.from({ length: 12 }, async () => {
          const r = await sql<{
            pid: number;
          }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(storage.db);
          return r.rows[0]!.pid;
        }),
      );
      expect(new Set(pids).size).toBe(3);
    } finally {
      await storage.close();
    }
  });

  it('keeps epoch-millisecond times and counts as numbers, not strings', async () => {
    // int8 comes back from `pg` as a string unless the adapter parses it.
    const storage = await openPostgresStorage({
      connectionString: db.url,
      poolSize: 1,
      statementTimeoutMs: 5000,
      migrate: false,
    });
    try {
      const r = await sql<{
        big: unknown;
        n: unknown;
      }>`select 1750000000000::int8 as big, count(*) as n from apps`.execute(storage.db);
      expect(typeof r.rows[0]!.big).toBe('number');
      expect(typeof r.rows[0]!.n).toBe('number');
    } finally {
      await storage.close();
    }
  });

  it('leaves the pg module’s global type parsers alone', async () => {
    // Another library in the same process may rely on pg's default (int8 as string).
    const other = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 1 }) }),
    });
    try {
      const r = await sql<{ big: unknown }>`select 1::int8 as big`.execute(other);
      expect(r.rows[0]!.big).toBe('1');
    } finally {
      await other.destroy();
    }
  });
});
