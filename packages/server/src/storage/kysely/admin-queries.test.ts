import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../domain/ports.js';
import type { App, Credential, EventType, User } from '../../domain/types.js';
import { openPostgresStorage } from '../postgres.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../scratch-postgres.js';
import { openSqliteStorage } from '../sqlite.js';
import type { KyselyStorage } from './kysely-storage.js';
import { appRecord } from '../../testing/app-record.js';

/**
 * The admin console's queries (user search, event lists and per-bucket counts) and its sessions,
 * run against both engines: they are written in portable SQL, and this is where that is proven.
 */

const HOUR = 3_600_000;
const T0 = 1_750_000_000_000 - (1_750_000_000_000 % HOUR); // an hour boundary

let seq = 0;
const uid = (p: string) => `${p}_${(++seq).toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

function app(): App {
  return appRecord({
    id: uid('app'),
    name: 'Shop',
    rpId: 'shop.example',
    rpName: 'Shop',
    origins: ['https://shop.example'],
    createdAt: T0,
    updatedAt: T0,
  });
}

function user(appId: string, externalId: string, createdAt = T0): User {
  return {
    id: uid('usr'),
    appId,
    externalId,
    webauthnUserId: uid('h'),
    status: 'active',
    createdAt,
    updatedAt: createdAt,
    lastLoginAt: null,
    loginCount: 0,
  };
}

function credential(appId: string, userId: string): Credential {
  return {
    id: uid('dev'),
    appId,
    userId,
    credentialId: uid('cred'),
    publicKey: 'pk',
    alg: -7,
    signCount: 0,
    transports: ['internal'],
    aaguid: '00000000-0000-0000-0000-000000000000',
    backupEligible: true,
    backedUp: true,
    attestationFormat: 'none',
    friendlyName: 'Phone',
    createdAt: T0,
    updatedAt: T0,
    lastUsedAt: null,
    usageCount: 0,
  };
}

async function event(
  storage: Storage,
  appId: string,
  userId: string | null,
  type: EventType,
  createdAt: number,
) {
  const id = uid('evt');
  await storage.events.record({
    id,
    appId,
    userId,
    type,
    credentialId: null,
    ipAddr: '127.0.0.1',
    userAgent: 'test',
    detail: null,
    createdAt,
  });
  return id;
}

function describeAdminQueries(
  engine: string,
  open: () => Promise<{ storage: KyselyStorage; cleanup: () => Promise<void> }>,
) {
  describe(`${engine}: admin queries and console sessions`, () => {
    let storage: KyselyStorage;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ storage, cleanup } = await open());
    });
    afterAll(async () => {
      await cleanup?.();
    });

    async function newApp() {
      const a = app();
      await storage.apps.create(a);
      return a;
    }

    it('finds users by any part of their external id, ignoring case', async () => {
      const a = await newApp();
      const alice = await storage.users.findOrCreate(user(a.id, 'Alice@Example.com'));
      await storage.users.findOrCreate(user(a.id, 'bob@example.com'));
      await storage.users.findOrCreate(user(a.id, 'malice-42'));

      const r = await storage.adminQueries.searchUsers(a.id, {
        search: 'ALICE',
        limit: 10,
        offset: 0,
      });
      expect(r.users.map((u) => u.user.externalId).sort()).toEqual([
        'Alice@Example.com',
        'malice-42',
      ]);
      expect(r.total).toBe(2);

      const exact = await storage.adminQueries.searchUsers(a.id, {
        search: 'alice@example',
        limit: 10,
        offset: 0,
      });
      expect(exact.users.map((u) => u.user.id)).toEqual([alice.id]);

      const everyone = await storage.adminQueries.searchUsers(a.id, {
        search: '  ',
        limit: 10,
        offset: 0,
      });
      expect(everyone.total).toBe(3);
    });

    it('treats % and _ in a search as literal characters, not wildcards', async () => {
      const a = await newApp();
      await storage.users.findOrCreate(user(a.id, 'user_1'));
      await storage.users.findOrCreate(user(a.id, 'userX1'));
      await storage.users.findOrCreate(user(a.id, '100%'));
      await storage.users.findOrCreate(user(a.id, '1000'));
      await storage.users.findOrCreate(user(a.id, 'back\\slash'));

      const underscore = await storage.adminQueries.searchUsers(a.id, {
        search: 'r_1',
        limit: 10,
        offset: 0,
      });
      expect(underscore.users.map((u) => u.user.externalId)).toEqual(['user_1']);
      const percent = await storage.adminQueries.searchUsers(a.id, {
        search: '0%',
        limit: 10,
        offset: 0,
      });
      expect(percent.users.map((u) => u.user.externalId)).toEqual(['100%']);
      const backslash = await storage.adminQueries.searchUsers(a.id, {
        search: 'k\\s',
        limit: 10,
        offset: 0,
      });
      expect(backslash.users.map((u) => u.user.externalId)).toEqual(['back\\slash']);
    });

    it('pages through users newest first, reporting the total on every page', async () => {
      const a = await newApp();
      for (let i = 0; i < 5; i++)
        await storage.users.findOrCreate(user(a.id, `u${i}`, T0 + i * 1000));
      const pages = [];
      for (let offset = 0; offset < 6; offset += 2) {
        const r = await storage.adminQueries.searchUsers(a.id, { limit: 2, offset });
        expect(r.total).toBe(5);
        pages.push(r.users.map((u) => u.user.externalId));
      }
      expect(pages).toEqual([['u4', 'u3'], ['u2', 'u1'], ['u0']]);
    });

    it("counts each user's passkeys", async () => {
      const a = await newApp();
      const two = await storage.users.findOrCreate(user(a.id, 'two', T0 + 2));
      const none = await storage.users.findOrCreate(user(a.id, 'none', T0 + 1));
      await storage.credentials.create(credential(a.id, two.id));
      await storage.credentials.create(credential(a.id, two.id));
      const r = await storage.adminQueries.searchUsers(a.id, { limit: 10, offset: 0 });
      expect(r.users.map((u) => [u.user.id, u.passkeyCount])).toEqual([
        [two.id, 2],
        [none.id, 0],
      ]);
    });

    it("never returns another app's users, events or counts", async () => {
      const mine = await newApp();
      const theirs = await newApp();
      const stranger = await storage.users.findOrCreate(user(theirs.id, 'shared-name'));
      await event(storage, theirs.id, stranger.id, 'passkey_login', T0);

      expect(
        await storage.adminQueries.searchUsers(mine.id, { search: 'shared', limit: 10, offset: 0 }),
      ).toEqual({ users: [], total: 0 });
      expect(await storage.adminQueries.listEvents(mine.id, { limit: 10, offset: 0 })).toEqual({
        events: [],
        total: 0,
      });
      expect(
        await storage.adminQueries.listEvents(mine.id, {
          userId: stranger.id,
          limit: 10,
          offset: 0,
        }),
      ).toEqual({ events: [], total: 0 });
      expect(
        await storage.adminQueries.countEvents(mine.id, {
          types: ['passkey_login'],
          from: T0,
          bucketMs: HOUR,
          buckets: 24,
        }),
      ).toEqual([]);
    });

    it('filters events by type, user and time window, newest first, with the external id of their user', async () => {
      const a = await newApp();
      const ann = await storage.users.findOrCreate(user(a.id, 'ann'));
      const ben = await storage.users.findOrCreate(user(a.id, 'ben'));
      const e1 = await event(storage, a.id, ann.id, 'passkey_register', T0);
      const e2 = await event(storage, a.id, ann.id, 'passkey_login', T0 + 10);
      const e3 = await event(storage, a.id, ben.id, 'passkey_login_failed', T0 + 20);
      const e4 = await event(storage, a.id, ann.id, 'passkey_login', T0 + 30);

      const all = await storage.adminQueries.listEvents(a.id, { limit: 10, offset: 0 });
      expect(all.events.map((e) => e.id)).toEqual([e4, e3, e2, e1]);
      expect(all.events.map((e) => e.externalId)).toEqual(['ann', 'ben', 'ann', 'ann']);
      expect(all.total).toBe(4);

      const logins = await storage.adminQueries.listEvents(a.id, {
        types: ['passkey_login', 'passkey_login_failed'],
        limit: 10,
        offset: 0,
      });
      expect(logins.events.map((e) => e.id)).toEqual([e4, e3, e2]);

      const annsLogins = await storage.adminQueries.listEvents(a.id, {
        types: ['passkey_login'],
        userId: ann.id,
        limit: 10,
        offset: 0,
      });
      expect(annsLogins.events.map((e) => e.id)).toEqual([e4, e2]);

      // from is inclusive, to exclusive.
      const window = await storage.adminQueries.listEvents(a.id, {
        from: T0 + 10,
        to: T0 + 30,
        limit: 10,
        offset: 0,
      });
      expect(window.events.map((e) => e.id)).toEqual([e3, e2]);

      const page2 = await storage.adminQueries.listEvents(a.id, { limit: 3, offset: 3 });
      expect(page2).toMatchObject({
        total: 4,
        events: [
          { id: e1, type: 'passkey_register', userId: ann.id, ipAddr: '127.0.0.1', createdAt: T0 },
        ],
      });
    });

    it("keeps a deleted user's events, without an external id", async () => {
      const a = await newApp();
      const gone = await storage.users.findOrCreate(user(a.id, 'gone'));
      const id = await event(storage, a.id, gone.id, 'passkey_register', T0);
      await storage.users.delete(a.id, gone.id);
      const r = await storage.adminQueries.listEvents(a.id, {
        userId: gone.id,
        limit: 10,
        offset: 0,
      });
      expect(r.events).toMatchObject([{ id, userId: gone.id, externalId: null }]);
    });

    it('counts events per type and hour, an event on a boundary falling in the later hour', async () => {
      const a = await newApp();
      await event(storage, a.id, null, 'passkey_login', T0);
      await event(storage, a.id, null, 'passkey_login', T0 + HOUR - 1);
      await event(storage, a.id, null, 'passkey_login', T0 + HOUR);
      await event(storage, a.id, null, 'passkey_login_failed', T0 + HOUR + 5);
      await event(storage, a.id, null, 'passkey_register', T0 + 23 * HOUR + 59 * 60_000);
      await event(storage, a.id, null, 'passkey_rename', T0 + 2 * HOUR); // not asked for

      const counts = await storage.adminQueries.countEvents(a.id, {
        types: ['passkey_register', 'passkey_login', 'passkey_login_failed'],
        from: T0,
        bucketMs: HOUR,
        buckets: 24,
      });
      const sorted = [...counts].sort(
        (x, y) => x.bucketStart - y.bucketStart || x.type.localeCompare(y.type),
      );
      expect(sorted).toEqual([
        { bucketStart: T0, type: 'passkey_login', count: 2 },
        { bucketStart: T0 + HOUR, type: 'passkey_login', count: 1 },
        { bucketStart: T0 + HOUR, type: 'passkey_login_failed', count: 1 },
        { bucketStart: T0 + 23 * HOUR, type: 'passkey_register', count: 1 },
      ]);
    });

    it('leaves out events before the first bucket and after the last', async () => {
      const a = await newApp();
      await event(storage, a.id, null, 'passkey_login', T0 - 1);
      await event(storage, a.id, null, 'passkey_login', T0 + 3 * HOUR);
      await event(storage, a.id, null, 'passkey_login', T0 + 3 * HOUR - 1);
      const counts = await storage.adminQueries.countEvents(a.id, {
        types: ['passkey_login'],
        from: T0,
        bucketMs: HOUR,
        buckets: 3,
      });
      expect(counts).toEqual([{ bucketStart: T0 + 2 * HOUR, type: 'passkey_login', count: 1 }]);
    });

    it('refuses bucket bounds that are not integers rather than inlining them into SQL', async () => {
      const a = await newApp();
      await expect(
        storage.adminQueries.countEvents(a.id, {
          types: ['passkey_login'],
          from: 1.5,
          bucketMs: HOUR,
          buckets: 1,
        }),
      ).rejects.toThrow(TypeError);
      await expect(
        storage.adminQueries.countEvents(a.id, {
          types: ['passkey_login'],
          from: T0,
          bucketMs: 0,
          buckets: 1,
        }),
      ).rejects.toThrow(TypeError);
    });

    it('extends a live console session on use, refuses an expired one, and forgets a deleted one', async () => {
      const live = uid('sess');
      const old = uid('sess');
      await storage.consoleSessions.create({
        idHash: live,
        createdAt: T0,
        lastSeenAt: T0,
        expiresAt: T0 + 1000,
        absoluteExpiresAt: T0 + 10_000,
        tokenId: 'tok',
      });
      await storage.consoleSessions.create({
        idHash: old,
        createdAt: T0,
        lastSeenAt: T0,
        expiresAt: T0 + 1000,
        absoluteExpiresAt: T0 + 10_000,
        tokenId: 'tok',
      });

      expect(await storage.consoleSessions.touch(live, T0 + 999, T0 + 1999, ['tok'])).toBe(true);
      // Extended: still live after its first deadline.
      expect(await storage.consoleSessions.touch(live, T0 + 1500, T0 + 2500, ['tok'])).toBe(true);
      // The deadline itself is already expired.
      expect(await storage.consoleSessions.touch(old, T0 + 1000, T0 + 2000, ['tok'])).toBe(false);
      expect(await storage.consoleSessions.touch(uid('sess'), T0, T0 + 1000, ['tok'])).toBe(false);

      expect(await storage.consoleSessions.purgeExpired(T0 + 1000)).toBeGreaterThanOrEqual(1);
      expect(await storage.consoleSessions.delete(old)).toBe(false);

      expect(await storage.consoleSessions.delete(live)).toBe(true);
      expect(await storage.consoleSessions.touch(live, T0 + 1600, T0 + 2600, ['tok'])).toBe(false);
    });
  });
}

describeAdminQueries('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'passkeyd-admin-q-'));
  const storage = await openSqliteStorage({ path: join(dir, 'passkeyd.db') });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const probe = await probePostgres(process.env);
describeWithPostgres(probe, process.env, 'postgres: admin queries', (adminUrl) => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await createScratchDatabase(adminUrl, 'adminq');
  });
  afterAll(async () => {
    await scratch?.drop();
  });
  describeAdminQueries('postgres', async () => {
    const storage = await openPostgresStorage({
      connectionString: scratch.url,
      poolSize: 4,
      statementTimeoutMs: 5000,
    });
    return { storage, cleanup: () => storage.close() };
  });
});
