import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasskeydError } from '../domain/errors.js';
import {
  APP_DATA_TABLES,
  type AppDataTable,
  type ConsoleSession,
  type ConsumeResult,
  type Storage,
} from '../domain/ports.js';
import type {
  ApiKey,
  App,
  AuditEntry,
  CeremonyKind,
  Credential,
  Handshake,
  Nonce,
  Transaction,
  User,
  UserEvent,
} from '../domain/types.js';
import { anEndpoint, describeWebhooksContract } from './webhooks.contract.js';
import { appRecord } from '../testing/app-record.js';

/**
 * The one storage contract. Every engine's test file calls describeStorageContract with a way to
 * open a migrated, empty storage; the same assertions then hold for SQLite and PostgreSQL.
 *
 * The suite opens one storage and every test makes its own apps, so tests never see each
 * other's rows (tenancy does the isolating). Times are fixed numbers, not the wall clock.
 */
export interface OpenedStorage {
  storage: Storage;
  cleanup(): Promise<void>;
}

/** Concurrent callers in the race tests: well above any pool size we test with. */
const RACERS = 50;
const NOW = 1_750_000_000_000;
const MINUTE = 60_000;

const uid = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

function anApp(over: Partial<App> = {}): App {
  return appRecord({
    id: uid('app'),
    name: 'Contract app',
    rpId: 'example.com',
    rpName: 'Example',
    origins: ['https://example.com', 'https://login.example.com:8443'],
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  });
}

function aUser(appId: string, over: Partial<User> = {}): User {
  return {
    id: uid('usr'),
    appId,
    externalId: `user-${randomUUID()}@example.com`,
    webauthnUserId: uid('handle'),
    status: 'active',
    createdAt: NOW,
    updatedAt: NOW,
    lastLoginAt: null,
    loginCount: 0,
    ...over,
  };
}

function aCredential(user: User, over: Partial<Credential> = {}): Credential {
  return {
    id: uid('dev'),
    appId: user.appId,
    userId: user.id,
    credentialId: uid('cred'),
    publicKey: 'pQECAyYgASFYIPublicKeyBytesBase64url',
    alg: -7,
    signCount: 0,
    transports: ['internal', 'hybrid'],
    aaguid: '00000000-0000-0000-0000-000000000000',
    backupEligible: true,
    backedUp: true,
    attestationFormat: 'none',
    friendlyName: 'My passkey',
    createdAt: NOW,
    updatedAt: NOW,
    lastUsedAt: null,
    usageCount: 0,
    ...over,
  };
}

function aTransaction(user: User, over: Partial<Transaction> = {}): Transaction {
  return {
    id: uid('txn'),
    appId: user.appId,
    kind: 'register',
    userId: user.id,
    externalId: user.externalId,
    passkeyDisplayName: 'jane@example.com',
    hints: null,
    userVerification: null,
    createdAt: NOW,
    expiresAt: NOW + 5 * MINUTE,
    consumedAt: null,
    ...over,
  };
}

function aHandshake(appId: string, over: Partial<Handshake> = {}): Handshake {
  return {
    id: uid('hs'),
    appId,
    kind: 'authenticate',
    transactionId: null,
    challenge: uid('challenge'),
    userVerification: 'preferred',
    createdAt: NOW,
    expiresAt: NOW + 5 * MINUTE,
    consumedAt: null,
    ...over,
  };
}

function aNonce(user: User, over: Partial<Nonce> = {}): Nonce {
  return {
    hash: uid('hash'),
    appId: user.appId,
    userId: user.id,
    externalId: user.externalId,
    kind: 'authenticate',
    credentialId: uid('cred'),
    deviceId: uid('dev'),
    transactionId: null,
    userVerified: true,
    backedUp: false,
    aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
    createdAt: NOW,
    expiresAt: NOW + 5 * MINUTE,
    consumedAt: null,
    ...over,
  };
}

function anEvent(user: User, over: Partial<UserEvent> = {}): UserEvent {
  return {
    id: uid('evt'),
    appId: user.appId,
    userId: user.id,
    type: 'passkey_login',
    credentialId: null,
    ipAddr: '203.0.113.7',
    userAgent: 'contract-test',
    detail: null,
    createdAt: NOW,
    ...over,
  };
}

function anAuditEntry(over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: uid('aud'),
    appId: null,
    type: 'admin.app.updated',
    actor: uid('token'),
    ipAddr: '203.0.113.9',
    userAgent: 'contract-test',
    target: null,
    change: { name: 'Renamed', origins: ['https://example.com'] },
    createdAt: NOW,
    ...over,
  };
}

function anApiKey(appId: string, over: Partial<ApiKey> = {}): ApiKey {
  return {
    id: uid('key'),
    appId,
    name: 'default',
    prefix: `pkd_${randomUUID().slice(0, 8)}`,
    secretHash: uid('sha'),
    createdAt: NOW,
    lastUsedAt: null,
    revokedAt: null,
    ...over,
  };
}

const race = <T>(n: number, fn: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

export function describeStorageContract(name: string, open: () => Promise<OpenedStorage>): void {
  describe(`storage contract: ${name}`, () => {
    let opened: OpenedStorage | undefined;
    let s: Storage;

    beforeAll(async () => {
      opened = await open();
      s = opened.storage;
    });
    afterAll(async () => {
      await opened?.cleanup();
    });

    /** A fresh app with one user in it, the starting point of most tests. */
    async function appWithUser(): Promise<{ app: App; user: User }> {
      const app = anApp();
      await s.apps.create(app);
      const user = await s.users.findOrCreate(aUser(app.id));
      return { app, user };
    }

    /** Two apps holding rows with the same external id, to prove every lookup is app-scoped. */
    async function twoTenants() {
      const a = await appWithUser();
      const b = anApp();
      await s.apps.create(b);
      const bUser = await s.users.findOrCreate(aUser(b.id, { externalId: a.user.externalId }));
      return { a, b, bUser };
    }

    describeWebhooksContract({ storage: () => s, appWithUser });

    it('answers a ping', async () => {
      await expect(s.ping()).resolves.toBeUndefined();
      expect(['sqlite', 'postgres']).toContain(s.engine);
    });

    describe('mds (migration 008)', () => {
      it('keeps only the newest BLOB, entries exactly as stored, and app policies round-trip', async () => {
        const entry = {
          aaguid: '11111111-2222-4333-8444-555555555555',
          description: 'Key \u00e9',
          statusReports: [{ status: 'FIDO_CERTIFIED_L2', effectiveDate: '2025-02-01' }],
          attestationRootCertificates: ['MIIB'],
          attestationTypes: ['basic_full'],
        };
        const blob = { no: 41, nextUpdate: '2026-01-01', legalHeader: 'l', importedAt: NOW };
        await s.mds.replace({ ...blob, entries: [entry] });
        await s.mds.replace({ ...blob, no: 42, entries: [entry, { ...entry, aaguid: 'x' }] });
        expect(await s.mds.currentNo()).toBe(42);
        expect(await s.mds.current()).toEqual({
          ...blob,
          no: 42,
          entries: [entry, { ...entry, aaguid: 'x' }],
        });
        const app = anApp({
          attestation: 'enterprise',
          aaguidPolicy: 'allow',
          aaguids: [entry.aaguid],
          requireFidoCertified: true,
        });
        await s.apps.create(app);
        expect(await s.apps.get(app.id)).toEqual(app);
      });
    });

    describe('apps', () => {
      it('returns an app exactly as it was stored', async () => {
        const app = anApp({
          authenticatorAttachment: 'platform',
          transactionTtlSeconds: 120,
          userVerification: 'required',
          hints: ['security-key', 'hybrid'],
          preventLastPasskeyRemoval: true,
        });
        await s.apps.create(app);
        expect(await s.apps.get(app.id)).toEqual(app);
        const updated = { ...app, hints: [], preventLastPasskeyRemoval: false, updatedAt: NOW + 1 };
        await s.apps.update(updated);
        expect(await s.apps.get(app.id)).toEqual(updated);
      });

      it('returns undefined for an unknown app', async () => {
        expect(await s.apps.get(uid('app'))).toBeUndefined();
      });

      it('lists apps oldest first', async () => {
        const older = anApp({ createdAt: NOW - 2 * MINUTE });
        const newer = anApp({ createdAt: NOW + 2 * MINUTE });
        await s.apps.create(newer);
        await s.apps.create(older);
        const ids = (await s.apps.list()).map((a) => a.id);
        expect(ids).toContain(older.id);
        expect(ids.indexOf(older.id)).toBeLessThan(ids.indexOf(newer.id));
      });

      it('updates every setting but the creation time', async () => {
        const app = anApp();
        await s.apps.create(app);
        const changed: App = {
          ...app,
          name: 'Renamed',
          origins: [
            'https://new.example.com',
            'android:apk-key-hash:tKw6Ge7o37y4Bnt3d4D3QANhM8gMWz_a3aCEAUCT6-E',
          ],
          relatedOrigins: ['https://example.co.uk', 'https://example.de'],
          authenticatorAttachment: 'cross-platform',
          ceremonyTimeoutMs: 60_000,
          transactionTtlSeconds: 30,
          updatedAt: NOW + MINUTE,
          createdAt: 1,
        };
        await s.apps.update(changed);
        expect(await s.apps.get(app.id)).toEqual({ ...changed, createdAt: app.createdAt });
      });
      it("deletes an app's rows a bounded batch at a time, keys first, then the app, and no other app's", async () => {
        const { a, b, bUser } = await twoTenants();
        const second = await s.users.findOrCreate(aUser(a.app.id));
        const creds = [aCredential(a.user), aCredential(a.user), aCredential(second)];
        for (const c of creds) await s.credentials.create(c);
        const key = anApiKey(a.app.id);
        await s.apiKeys.create(key);
        await s.apiKeys.create(anApiKey(a.app.id));
        const endpoint = anEndpoint(a.app.id);
        await s.webhooks.create(endpoint, 100);
        const tx = aTransaction(a.user);
        await s.transactions.create(tx);
        await s.handshakes.create(aHandshake(a.app.id));
        const nonce = aNonce(a.user);
        await s.nonces.create(nonce);
        await s.events.record(anEvent(a.user));
        // The other tenant's rows, which must all survive.
        const bCred = aCredential(bUser);
        await s.credentials.create(bCred);
        const bKey = anApiKey(b.id);
        await s.apiKeys.create(bKey);
        const bEndpoint = anEndpoint(b.id);
        await s.webhooks.create(bEndpoint, 100);
        const bEvent = anEvent(bUser, { appId: b.id, userId: bUser.id });
        await s.events.record(bEvent);

        const batches: { table: AppDataTable; count: number }[] = [];
        for (;;) {
          const r = await s.apps.deleteData(a.app.id, 2);
          if (r.count === 0) break;
          batches.push(r);
          expect(batches.length).toBeLessThan(50);
        }
        for (const r of batches) expect(r.count).toBeLessThanOrEqual(2);
        // Keys first, users last, each table emptied before the next is touched.
        const order = batches.map((r) => APP_DATA_TABLES.indexOf(r.table));
        expect(order).toEqual([...order].sort((x, y) => x - y));
        const total = (t: AppDataTable) =>
          batches.filter((r) => r.table === t).reduce((n, r) => n + r.count, 0);
        expect(Object.fromEntries(APP_DATA_TABLES.map((t) => [t, total(t)]))).toEqual({
          api_keys: 2,
          webhook_endpoints: 1,
          events: 1,
          nonces: 1,
          handshakes: 1,
          transactions: 1,
          credentials: 3,
          users: 2,
        });
        expect(await s.apiKeys.findByPrefix(key.prefix)).toBeUndefined();
        expect(await s.apps.get(a.app.id)).toBeDefined();
        expect(await s.apps.delete(a.app.id)).toBe(true);
        expect(await s.apps.delete(a.app.id)).toBe(false);
        expect(await s.apps.get(a.app.id)).toBeUndefined();
        expect(await s.credentials.get(a.app.id, creds[0]!.id)).toBeUndefined();
        expect(await s.transactions.get(a.app.id, tx.id)).toBeUndefined();
        expect(await s.nonces.redeem(a.app.id, nonce.hash, NOW)).toBeUndefined();

        expect(await s.apps.get(b.id)).toBeDefined();
        expect(await s.credentials.get(b.id, bCred.id)).toEqual(bCred);
        expect(await s.users.get(b.id, bUser.id)).toEqual(bUser);
        expect(await s.apiKeys.findByPrefix(bKey.prefix)).toEqual(bKey);
        expect(await s.webhooks.get(b.id, bEndpoint.id)).toEqual(bEndpoint);
        expect(await s.events.listByUser(b.id, bUser.id, 10)).toEqual([bEvent]);
      });

      it('deletes what is left of an app with the app row itself', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user);
        await s.credentials.create(cred);
        await s.apiKeys.create(anApiKey(app.id));
        expect(await s.apps.delete(app.id)).toBe(true);
        expect(await s.credentials.get(app.id, cred.id)).toBeUndefined();
        expect(await s.users.get(app.id, user.id)).toBeUndefined();
        expect(await s.apiKeys.list(app.id)).toEqual([]);
        expect(await s.apps.deleteData(app.id, 10)).toEqual({ table: 'users', count: 0 });
      });
    });

    describe('API keys', () => {
      it('finds a key by its prefix and lists only the app’s keys', async () => {
        const { a, b } = await twoTenants();
        const key = anApiKey(a.app.id);
        const other = anApiKey(b.id);
        await s.apiKeys.create(key);
        await s.apiKeys.create(other);
        expect(await s.apiKeys.findByPrefix(key.prefix)).toEqual(key);
        expect(await s.apiKeys.findByPrefix('pkd_unknown')).toBeUndefined();
        expect(await s.apiKeys.list(a.app.id)).toEqual([key]);
      });

      it('revokes a live key once, and never another app’s key', async () => {
        const { a, b } = await twoTenants();
        const key = anApiKey(a.app.id);
        await s.apiKeys.create(key);
        expect(await s.apiKeys.revoke(b.id, key.id, NOW)).toBe(false);
        expect(await s.apiKeys.revoke(a.app.id, key.id, NOW)).toBe(true);
        expect(await s.apiKeys.revoke(a.app.id, key.id, NOW + 1)).toBe(false);
        expect((await s.apiKeys.findByPrefix(key.prefix))?.revokedAt).toBe(NOW);
      });

      it('records when a key was last used', async () => {
        const { app } = await appWithUser();
        const key = anApiKey(app.id);
        await s.apiKeys.create(key);
        await s.apiKeys.touch(key.id, NOW + 5);
        expect((await s.apiKeys.findByPrefix(key.prefix))?.lastUsedAt).toBe(NOW + 5);
      });
    });

    describe('users', () => {
      it('creates a user once and afterwards returns the stored one', async () => {
        const { app, user } = await appWithUser();
        const again = await s.users.findOrCreate(aUser(app.id, { externalId: user.externalId }));
        expect(again).toEqual(user);
      });

      it('ends with one user when first registrations of one external id race', async () => {
        const app = anApp();
        await s.apps.create(app);
        const externalId = `racer-${randomUUID()}`;
        const results = await race(RACERS, () =>
          s.users.findOrCreate(aUser(app.id, { externalId })),
        );
        expect(new Set(results.map((u) => u.id)).size).toBe(1);
        expect(
          (await s.users.list(app.id, { identifier: externalId, limit: 10, page: 1 })).total,
        ).toBe(1);
      });

      it('finds users by id, external id and WebAuthn handle within their app only', async () => {
        const { a, b, bUser } = await twoTenants();
        const u = a.user;
        expect(await s.users.get(a.app.id, u.id)).toEqual(u);
        expect(await s.users.findByExternalId(a.app.id, u.externalId)).toEqual(u);
        expect(await s.users.findByWebauthnUserId(a.app.id, u.webauthnUserId)).toEqual(u);
        expect(await s.users.get(b.id, u.id)).toBeUndefined();
        expect(await s.users.findByExternalId(b.id, u.externalId)).toEqual(bUser);
        expect(await s.users.findByWebauthnUserId(b.id, u.webauthnUserId)).toBeUndefined();
        expect(await s.users.get(a.app.id, uid('usr'))).toBeUndefined();
        expect(await s.users.findByExternalId(a.app.id, 'nobody')).toBeUndefined();
      });

      it('lists an app’s users newest first, a page at a time, with the total', async () => {
        const app = anApp();
        await s.apps.create(app);
        const users = [];
        for (let i = 0; i < 5; i++)
          users.push(await s.users.findOrCreate(aUser(app.id, { createdAt: NOW + i })));
        const other = anApp();
        await s.apps.create(other);
        await s.users.findOrCreate(aUser(other.id));

        const page1 = await s.users.list(app.id, { limit: 2, page: 1 });
        const page3 = await s.users.list(app.id, { limit: 2, page: 3 });
        expect(page1.total).toBe(5);
        expect(page1.users.map((u) => u.id)).toEqual([users[4]!.id, users[3]!.id]);
        expect(page3.users.map((u) => u.id)).toEqual([users[0]!.id]);
        const byIdentifier = await s.users.list(app.id, {
          identifier: users[2]!.externalId,
          limit: 10,
          page: 1,
        });
        expect(byIdentifier).toEqual({ users: [users[2]], total: 1 });
      });

      it('counts every one of many concurrent logins', async () => {
        const { app, user } = await appWithUser();
        await race(RACERS, (i) => s.users.recordLogin(app.id, user.id, NOW + i));
        const after = await s.users.get(app.id, user.id);
        expect(after?.loginCount).toBe(RACERS);
        expect(after?.lastLoginAt).toBeGreaterThanOrEqual(NOW);
      });

      it('counts logins and passkey uses past 2^31-1 (imported counts) and stops at 2^53-1', async () => {
        // PostgreSQL's int4 ended at 2^31-1: the increment of such a user failed every sign-in.
        const app = anApp();
        await s.apps.create(app);
        const INT4_MAX = 2 ** 31 - 1;
        const high = await s.users.findOrCreate(aUser(app.id, { loginCount: INT4_MAX }));
        const top = await s.users.findOrCreate(
          aUser(app.id, { loginCount: Number.MAX_SAFE_INTEGER }),
        );
        const cred = aCredential(high, { usageCount: INT4_MAX });
        const topCred = aCredential(top, { usageCount: Number.MAX_SAFE_INTEGER });
        await s.credentials.create(cred);
        await s.credentials.create(topCred);
        for (const u of [high, top]) await s.users.recordLogin(app.id, u.id, NOW);
        for (const c of [cred, topCred])
          expect(
            await s.credentials.recordUse(app.id, c.id, { signCount: 0, backedUp: true, now: NOW }),
          ).toBe(true);
        expect((await s.users.get(app.id, high.id))?.loginCount).toBe(INT4_MAX + 1);
        expect((await s.credentials.get(app.id, cred.id))?.usageCount).toBe(INT4_MAX + 1);
        // 2^53-1 is the largest count import takes and JavaScript holds exactly: it stays there,
        // so an export of it imports back.
        expect((await s.users.get(app.id, top.id))?.loginCount).toBe(Number.MAX_SAFE_INTEGER);
        expect((await s.credentials.get(app.id, topCred.id))?.usageCount).toBe(
          Number.MAX_SAFE_INTEGER,
        );
      });

      it('does not record a login on another app’s user', async () => {
        const { a, b } = await twoTenants();
        await s.users.recordLogin(b.id, a.user.id, NOW);
        expect((await s.users.get(a.app.id, a.user.id))?.loginCount).toBe(0);
      });

      it('deletes a user with its passkeys, transactions and nonces, and only in its app', async () => {
        const { a, b } = await twoTenants();
        const cred = aCredential(a.user);
        const tx = aTransaction(a.user);
        const nonce = aNonce(a.user);
        await s.credentials.create(cred);
        await s.transactions.create(tx);
        await s.nonces.create(nonce);

        expect(await s.users.delete(b.id, a.user.id)).toBe(false);
        expect(await s.users.delete(a.app.id, a.user.id)).toBe(true);
        expect(await s.users.delete(a.app.id, a.user.id)).toBe(false);

        expect(await s.users.get(a.app.id, a.user.id)).toBeUndefined();
        expect(await s.credentials.get(a.app.id, cred.id)).toBeUndefined();
        expect(await s.transactions.get(a.app.id, tx.id)).toBeUndefined();
        expect(await s.nonces.redeem(a.app.id, nonce.hash, NOW)).toBeUndefined();
      });
    });

    describe('credentials', () => {
      it('returns a passkey exactly as it was stored, by either id', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user, {
          signCount: 7,
          backedUp: false,
          transports: [],
          lastUsedAt: NOW,
          usageCount: 3,
        });
        await s.credentials.create(cred);
        expect(await s.credentials.get(app.id, cred.id)).toEqual(cred);
        expect(await s.credentials.findByCredentialId(app.id, cred.credentialId)).toEqual(cred);
        expect(await s.credentials.listByUser(app.id, user.id)).toEqual([cred]);
        expect(await s.credentials.get(app.id, uid('dev'))).toBeUndefined();
        expect(await s.credentials.findByCredentialId(app.id, uid('cred'))).toBeUndefined();
      });

      it('hides one app’s passkeys from every lookup of another app', async () => {
        const { a, b, bUser } = await twoTenants();
        const cred = aCredential(a.user);
        await s.credentials.create(cred);
        expect(await s.credentials.get(b.id, cred.id)).toBeUndefined();
        expect(await s.credentials.findByCredentialId(b.id, cred.credentialId)).toBeUndefined();
        expect(await s.credentials.listByUser(b.id, a.user.id)).toEqual([]);
        expect(await s.credentials.listByUser(b.id, bUser.id)).toEqual([]);
        expect(await s.credentials.rename(b.id, cred.id, 'stolen', NOW)).toBeUndefined();
        expect(
          await s.credentials.recordUse(b.id, cred.id, { signCount: 9, backedUp: true, now: NOW }),
        ).toBe(false);
        expect(await s.credentials.delete(b.id, cred.id)).toBe(false);
        expect(await s.credentials.get(a.app.id, cred.id)).toEqual(cred);
      });

      it('rejects a credential id already registered in the app with credential_already_registered', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user);
        await s.credentials.create(cred);
        const dup = s.credentials.create(aCredential(user, { credentialId: cred.credentialId }));
        await expect(dup).rejects.toBeInstanceOf(PasskeydError);
        await expect(dup).rejects.toMatchObject({
          code: 'credential_already_registered',
          status: 409,
        });
        expect(await s.credentials.listByUser(app.id, user.id)).toHaveLength(1);
      });

      it('accepts the same credential id in another app', async () => {
        const { a, bUser } = await twoTenants();
        const cred = aCredential(a.user);
        await s.credentials.create(cred);
        await s.credentials.create(aCredential(bUser, { credentialId: cred.credentialId }));
        expect(
          (await s.credentials.findByCredentialId(bUser.appId, cred.credentialId))?.userId,
        ).toBe(bUser.id);
      });

      it('registers one of many concurrent registrations of one credential id', async () => {
        const { app, user } = await appWithUser();
        const credentialId = uid('cred');
        const results = await Promise.allSettled(
          Array.from({ length: RACERS }, () =>
            s.credentials.create(aCredential(user, { credentialId })),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results)
          if (r.status === 'rejected')
            expect(r.reason).toMatchObject({ code: 'credential_already_registered' });
        expect(await s.credentials.listByUser(app.id, user.id)).toHaveLength(1);
      });

      it('deletes a passkey unless it is the user’s last, within the user and app only', async () => {
        const { a, bUser } = await twoTenants();
        const [first, second] = [aCredential(a.user), aCredential(a.user)];
        const others = aCredential(bUser);
        for (const c of [first!, second!, others]) await s.credentials.create(c);
        // Another user's passkey, another app's, an unknown one: not this user's.
        const other = await s.users.findOrCreate(aUser(a.app.id));
        expect(await s.credentials.deleteUnlessLast(a.app.id, other.id, first!.id)).toBe(
          'not_found',
        );
        expect(await s.credentials.deleteUnlessLast(bUser.appId, a.user.id, first!.id)).toBe(
          'not_found',
        );
        expect(await s.credentials.deleteUnlessLast(a.app.id, a.user.id, uid('dev'))).toBe(
          'not_found',
        );
        expect(await s.credentials.deleteUnlessLast(a.app.id, a.user.id, first!.id)).toBe(
          'deleted',
        );
        expect(await s.credentials.deleteUnlessLast(a.app.id, a.user.id, second!.id)).toBe('last');
        expect(await s.credentials.listByUser(a.app.id, a.user.id)).toEqual([second]);
        // bUser's only passkey is theirs to keep, and inside a transaction the answer is the same.
        await s.transaction(async (tx) => {
          expect(await tx.credentials.deleteUnlessLast(bUser.appId, bUser.id, others.id)).toBe(
            'last',
          );
        });
        expect(await s.credentials.get(bUser.appId, others.id)).toEqual(others);
      });

      it('keeps exactly one passkey when all of a user’s passkeys are deleted concurrently', async () => {
        // The race the guard exists for: each delete alone sees another passkey left.
        for (let round = 0; round < 5; round++) {
          const { app, user } = await appWithUser();
          const creds = Array.from({ length: 8 }, () => aCredential(user));
          for (const c of creds) await s.credentials.create(c);
          const outcomes = await Promise.all(
            creds.map((c) =>
              round % 2 === 0
                ? s.credentials.deleteUnlessLast(app.id, user.id, c.id)
                : s.transaction((tx) => tx.credentials.deleteUnlessLast(app.id, user.id, c.id)),
            ),
          );
          expect(outcomes.filter((o) => o === 'deleted')).toHaveLength(creds.length - 1);
          expect(outcomes.filter((o) => o === 'last')).toHaveLength(1);
          expect(await s.credentials.listByUser(app.id, user.id)).toHaveLength(1);
        }
      });

      it('renames a passkey and returns it', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user);
        await s.credentials.create(cred);
        const renamed = await s.credentials.rename(app.id, cred.id, 'Work laptop', NOW + 1);
        expect(renamed).toEqual({ ...cred, friendlyName: 'Work laptop', updatedAt: NOW + 1 });
        expect(await s.credentials.rename(app.id, uid('dev'), 'x', NOW)).toBeUndefined();
      });

      it('lists the most recently used passkeys first, a never-used one by its registration', async () => {
        const { a, bUser } = await twoTenants();
        const old = aCredential(a.user, { createdAt: NOW - 3 * MINUTE, lastUsedAt: null });
        const usedLately = aCredential(a.user, {
          createdAt: NOW - 5 * MINUTE,
          lastUsedAt: NOW - MINUTE,
        });
        const fresh = aCredential(a.user, { createdAt: NOW - 2 * MINUTE, lastUsedAt: null });
        for (const c of [old, usedLately, fresh]) await s.credentials.create(c);
        await s.credentials.create(aCredential(bUser));
        const ids = async (limit: number) =>
          (await s.credentials.listRecentByUser(a.app.id, a.user.id, limit)).map((c) => c.id);
        expect(await ids(10)).toEqual([usedLately.id, fresh.id, old.id]);
        expect(await ids(2)).toEqual([usedLately.id, fresh.id]);
        expect(await s.credentials.listRecentByUser(bUser.appId, a.user.id, 10)).toEqual([]);
      });

      it('pages a user’s passkeys in registration order, with the total', async () => {
        const { a, bUser } = await twoTenants();
        const creds = [3, 1, 2].map((m) => aCredential(a.user, { createdAt: NOW - m * MINUTE }));
        for (const c of creds) await s.credentials.create(c);
        await s.credentials.create(aCredential(bUser));
        const inOrder = [creds[0]!, creds[2]!, creds[1]!];
        expect(
          await s.credentials.pageByUser(a.app.id, a.user.id, { limit: 2, offset: 0 }),
        ).toEqual({ credentials: inOrder.slice(0, 2), total: 3 });
        expect(
          await s.credentials.pageByUser(a.app.id, a.user.id, { limit: 2, offset: 2 }),
        ).toEqual({ credentials: inOrder.slice(2), total: 3 });
        expect(
          await s.credentials.pageByUser(bUser.appId, a.user.id, { limit: 2, offset: 0 }),
        ).toEqual({ credentials: [], total: 0 });
      });

      it('deletes a passkey once', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user);
        await s.credentials.create(cred);
        expect(await s.credentials.delete(app.id, cred.id)).toBe(true);
        expect(await s.credentials.delete(app.id, cred.id)).toBe(false);
        expect(await s.credentials.findByCredentialId(app.id, cred.credentialId)).toBeUndefined();
      });

      it('moves the sign counter only forward', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user, { signCount: 5 });
        await s.credentials.create(cred);
        expect(
          await s.credentials.recordUse(app.id, cred.id, {
            signCount: 4,
            backedUp: true,
            now: NOW,
          }),
        ).toBe(false);
        expect(
          await s.credentials.recordUse(app.id, cred.id, {
            signCount: 5,
            backedUp: true,
            now: NOW,
          }),
        ).toBe(false);
        expect(
          await s.credentials.recordUse(app.id, cred.id, {
            signCount: 0,
            backedUp: true,
            now: NOW,
          }),
        ).toBe(false);
        expect(
          await s.credentials.recordUse(app.id, cred.id, {
            signCount: 6,
            backedUp: false,
            now: NOW + 1,
          }),
        ).toBe(true);
        expect(await s.credentials.get(app.id, cred.id)).toEqual({
          ...cred,
          signCount: 6,
          backedUp: false,
          lastUsedAt: NOW + 1,
          updatedAt: NOW + 1,
          usageCount: 1,
        });
      });

      it('replaces the backup eligibility only when asked to', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user, { signCount: 0, backupEligible: true, backedUp: true });
        await s.credentials.create(cred);
        await s.credentials.recordUse(app.id, cred.id, { signCount: 1, backedUp: false, now: NOW });
        expect(await s.credentials.get(app.id, cred.id)).toMatchObject({
          backupEligible: true,
          backedUp: false,
        });
        await s.credentials.recordUse(app.id, cred.id, {
          signCount: 2,
          backedUp: false,
          backupEligible: false,
          now: NOW,
        });
        expect(await s.credentials.get(app.id, cred.id)).toMatchObject({
          backupEligible: false,
          backedUp: false,
        });
      });

      it('accepts a zero counter for as long as the authenticator has none', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user, { signCount: 0 });
        await s.credentials.create(cred);
        expect(
          await s.credentials.recordUse(app.id, cred.id, {
            signCount: 0,
            backedUp: true,
            now: NOW,
          }),
        ).toBe(true);
        expect(
          await s.credentials.recordUse(app.id, cred.id, {
            signCount: 0,
            backedUp: true,
            now: NOW,
          }),
        ).toBe(true);
        expect(
          await s.credentials.recordUse(app.id, cred.id, {
            signCount: 3,
            backedUp: true,
            now: NOW,
          }),
        ).toBe(true);
        expect(
          await s.credentials.recordUse(app.id, cred.id, {
            signCount: 0,
            backedUp: true,
            now: NOW,
          }),
        ).toBe(false);
      });

      it('lets exactly one of many concurrent sign-ins with the same counter through (replay)', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user, { signCount: 10 });
        await s.credentials.create(cred);
        const results = await race(RACERS, () =>
          s.credentials.recordUse(app.id, cred.id, { signCount: 11, backedUp: true, now: NOW }),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await s.credentials.get(app.id, cred.id)).toMatchObject({
          signCount: 11,
          usageCount: 1,
        });
      });

      it('never moves the counter backwards when sign-ins race, and counts each accepted one', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user, { signCount: 0 });
        await s.credentials.create(cred);
        // Counters 1..N arrive in any order; some lose to a higher one that landed first.
        const results = await race(RACERS, (i) =>
          s.credentials.recordUse(app.id, cred.id, { signCount: i + 1, backedUp: true, now: NOW }),
        );
        const after = await s.credentials.get(app.id, cred.id);
        expect(after?.signCount).toBe(RACERS);
        expect(after?.usageCount).toBe(results.filter(Boolean).length);
        expect(results[RACERS - 1]).toBe(true);
      });

      it('loses no usage count when counterless sign-ins race', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user, { signCount: 0 });
        await s.credentials.create(cred);
        const results = await race(RACERS, () =>
          s.credentials.recordUse(app.id, cred.id, { signCount: 0, backedUp: true, now: NOW }),
        );
        expect(results.every(Boolean)).toBe(true);
        expect((await s.credentials.get(app.id, cred.id))?.usageCount).toBe(RACERS);
      });
    });

    // Transactions and handshakes (challenges) share the consume contract.
    interface Consumable {
      what: string;
      make(user: User, over?: { kind?: CeremonyKind; expiresAt?: number }): Transaction | Handshake;
      create(row: Transaction | Handshake): Promise<void>;
      consume(
        appId: string,
        id: string,
        kind: CeremonyKind,
        now: number,
      ): Promise<ConsumeResult<Transaction | Handshake>>;
    }
    const consumables: Consumable[] = [
      {
        what: 'transactions',
        make: (user, over = {}) => aTransaction(user, over),
        create: (row) => s.transactions.create(row as Transaction),
        consume: (appId, id, kind, now) => s.transactions.consume(appId, id, kind, now),
      },
      {
        what: 'handshakes',
        make: (user, over = {}) => aHandshake(user.appId, { kind: 'register', ...over }),
        create: (row) => s.handshakes.create(row as Handshake),
        consume: (appId, id, kind, now) => s.handshakes.consume(appId, id, kind, now),
      },
    ];

    for (const c of consumables) {
      describe(`${c.what}: consume`, () => {
        it('consumes a live row once, then answers consumed', async () => {
          const { app, user } = await appWithUser();
          const row = c.make(user);
          await c.create(row);
          expect(await c.consume(app.id, row.id, 'register', NOW)).toEqual({
            ok: true,
            value: { ...row, consumedAt: NOW },
          });
          expect(await c.consume(app.id, row.id, 'register', NOW + 1)).toEqual({
            ok: false,
            reason: 'consumed',
          });
        });

        it('answers not_found for an unknown id, another kind or another app', async () => {
          const { a, b } = await twoTenants();
          const row = c.make(a.user);
          await c.create(row);
          expect(await c.consume(a.app.id, uid('x'), 'register', NOW)).toEqual({
            ok: false,
            reason: 'not_found',
          });
          expect(await c.consume(a.app.id, row.id, 'authenticate', NOW)).toEqual({
            ok: false,
            reason: 'not_found',
          });
          expect(await c.consume(b.id, row.id, 'register', NOW)).toEqual({
            ok: false,
            reason: 'not_found',
          });
          // None of those used it up.
          expect((await c.consume(a.app.id, row.id, 'register', NOW)).ok).toBe(true);
        });

        it('answers expired from the expiry instant on, and leaves the row unconsumed', async () => {
          const { app, user } = await appWithUser();
          const row = c.make(user, { expiresAt: NOW });
          await c.create(row);
          expect(await c.consume(app.id, row.id, 'register', NOW)).toEqual({
            ok: false,
            reason: 'expired',
          });
          expect(await c.consume(app.id, row.id, 'register', NOW - 1)).toMatchObject({ ok: true });
        });

        it(`lets exactly one of ${RACERS} concurrent consumers win`, async () => {
          const { app, user } = await appWithUser();
          const row = c.make(user);
          await c.create(row);
          const results = await race(RACERS, (i) => c.consume(app.id, row.id, 'register', NOW + i));
          expect(results.filter((r) => r.ok)).toHaveLength(1);
          expect(results.filter((r) => !r.ok && r.reason === 'consumed')).toHaveLength(RACERS - 1);
        });
      });
    }

    describe('transactions', () => {
      it('returns a transaction as stored, within its app only', async () => {
        const { a, b } = await twoTenants();
        const tx = aTransaction(a.user, { kind: 'authenticate', passkeyDisplayName: null });
        await s.transactions.create(tx);
        expect(await s.transactions.get(a.app.id, tx.id)).toEqual(tx);
        expect(await s.transactions.get(b.id, tx.id)).toBeUndefined();
        expect(await s.transactions.get(a.app.id, uid('txn'))).toBeUndefined();
      });

      it('keeps a register transaction’s conditional mediation through get and consume', async () => {
        const { a } = await twoTenants();
        const conditional = aTransaction(a.user, { mediation: 'conditional' });
        const modal = aTransaction(a.user);
        await s.transactions.create(conditional);
        await s.transactions.create(modal);
        expect(await s.transactions.get(a.app.id, conditional.id)).toEqual(conditional);
        expect(await s.transactions.get(a.app.id, modal.id)).not.toHaveProperty('mediation');
        const consumed = await s.transactions.consume(a.app.id, conditional.id, 'register', NOW);
        expect(consumed).toMatchObject({ ok: true, value: { mediation: 'conditional' } });
      });

      it("keeps a transaction's hints and step-up user verification", async () => {
        const { user } = await appWithUser();
        const withBoth = aTransaction(user, {
          kind: 'authenticate',
          hints: ['client-device', 'security-key'],
          userVerification: 'required',
        });
        const noHints = aTransaction(user, { hints: [] });
        for (const tx of [withBoth, noHints]) {
          await s.transactions.create(tx);
          expect(await s.transactions.get(user.appId, tx.id)).toEqual(tx);
        }
        const consumed = await s.transactions.consume(user.appId, withBoth.id, 'authenticate', NOW);
        expect(consumed).toEqual({ ok: true, value: { ...withBoth, consumedAt: NOW } });
      });

      it("supersedes only the user's live transactions of that kind, in its app", async () => {
        const { a, b, bUser } = await twoTenants();
        const other = await s.users.findOrCreate(aUser(a.app.id));
        const live = [aTransaction(a.user), aTransaction(a.user)];
        const kept = [
          aTransaction(a.user, { kind: 'authenticate', passkeyDisplayName: null }),
          aTransaction(a.user, { expiresAt: NOW }),
          aTransaction(a.user, { consumedAt: NOW - 1 }),
          aTransaction(other),
          aTransaction(bUser),
        ];
        for (const tx of [...live, ...kept]) await s.transactions.create(tx);

        expect(await s.transactions.supersedePending(a.app.id, a.user.id, 'register', NOW)).toBe(2);
        for (const tx of live) {
          expect(await s.transactions.get(a.app.id, tx.id)).toEqual({ ...tx, consumedAt: NOW });
          expect(await s.transactions.consume(a.app.id, tx.id, 'register', NOW)).toEqual({
            ok: false,
            reason: 'consumed',
          });
        }
        for (const tx of kept) {
          expect(await s.transactions.get(tx.appId, tx.id)).toEqual(tx);
        }
        expect(await s.transactions.supersedePending(b.id, a.user.id, 'register', NOW)).toBe(0);
      });

      it('supersedes inside transaction(fn) and rolls back with it', async () => {
        const { app, user } = await appWithUser();
        const old = aTransaction(user);
        await s.transactions.create(old);
        const boom = new Error('boom');
        await expect(
          s.transaction(async (tx) => {
            await tx.transactions.supersedePending(app.id, user.id, 'register', NOW);
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect((await s.transactions.get(app.id, old.id))?.consumedAt).toBeNull();
      });
    });

    describe('nonces', () => {
      it('returns what the ceremony proved with the redeemed nonce, nulls included', async () => {
        const { app, user } = await appWithUser();
        const full = aNonce(user, { kind: 'register', transactionId: uid('txn') });
        const bare = aNonce(user, {
          credentialId: null,
          deviceId: null,
          userVerified: null,
          backedUp: null,
          aaguid: null,
        });
        const flags = aNonce(user, { userVerified: false, backedUp: true });
        for (const x of [full, bare, flags]) await s.nonces.create(x);
        for (const x of [full, bare, flags]) {
          expect(await s.nonces.redeem(app.id, x.hash, NOW)).toEqual({ ...x, consumedAt: NOW });
        }
      });

      it('redeems a nonce once', async () => {
        const { app, user } = await appWithUser();
        const nonce = aNonce(user);
        await s.nonces.create(nonce);
        expect(await s.nonces.redeem(app.id, nonce.hash, NOW)).toEqual({
          ...nonce,
          consumedAt: NOW,
        });
        expect(await s.nonces.redeem(app.id, nonce.hash, NOW)).toBeUndefined();
      });

      it('does not redeem an unknown, expired or other app’s nonce', async () => {
        const { a, b } = await twoTenants();
        const nonce = aNonce(a.user, { expiresAt: NOW + 10 });
        await s.nonces.create(nonce);
        expect(await s.nonces.redeem(a.app.id, uid('hash'), NOW)).toBeUndefined();
        expect(await s.nonces.redeem(b.id, nonce.hash, NOW)).toBeUndefined();
        expect(await s.nonces.redeem(a.app.id, nonce.hash, NOW + 10)).toBeUndefined();
        expect(await s.nonces.redeem(a.app.id, nonce.hash, NOW + 9)).toMatchObject({
          hash: nonce.hash,
        });
      });

      it(`redeems a nonce for exactly one of ${RACERS} concurrent verifiers`, async () => {
        const { app, user } = await appWithUser();
        const nonce = aNonce(user);
        await s.nonces.create(nonce);
        const results = await race(RACERS, () => s.nonces.redeem(app.id, nonce.hash, NOW));
        expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      });
    });

    describe('events', () => {
      it('lists a user’s events newest first, up to the limit, within the app', async () => {
        const { a, b } = await twoTenants();
        const events = [0, 1, 2].map((i) =>
          anEvent(a.user, {
            createdAt: NOW + i,
            type: i === 1 ? 'passkey_login_failed' : 'passkey_login',
            detail: i === 1 ? 'invalid_signature' : null,
          }),
        );
        for (const e of events) await s.events.record(e);
        await s.events.record(anEvent(a.user, { appId: b.id, userId: a.user.id }));
        expect(await s.events.listByUser(a.app.id, a.user.id, 2)).toEqual([events[2], events[1]]);
        expect(await s.events.listByUser(b.id, a.user.id, 10)).toHaveLength(1);
      });
    });

    describe('audit trail', () => {
      // The trail is instance-wide, so each test filters on an actor of its own.
      it('lists entries newest first with every filter, and counts all that match', async () => {
        const actor = uid('token');
        const other = uid('console');
        const { app } = await appWithUser();
        const entries = [
          anAuditEntry({ actor, appId: app.id, type: 'admin.app.created', createdAt: NOW + 1 }),
          anAuditEntry({ actor, appId: app.id, type: 'admin.app.updated', createdAt: NOW + 2 }),
          anAuditEntry({ actor, appId: null, type: 'admin.mds.imported', createdAt: NOW + 3 }),
          anAuditEntry({ actor, appId: app.id, type: 'admin.app.updated', createdAt: NOW + 4 }),
          anAuditEntry({ actor: other, appId: app.id, createdAt: NOW + 5, change: null }),
        ];
        for (const e of entries) await s.audit.record(e);

        const all = await s.audit.list({ actor, limit: 10, offset: 0 });
        expect(all.total).toBe(4);
        expect(all.entries).toEqual([entries[3], entries[2], entries[1], entries[0]]);
        const page = await s.audit.list({ actor, limit: 2, offset: 2 });
        expect(page).toEqual({ entries: [entries[1], entries[0]], total: 4 });
        const updates = await s.audit.list({
          actor,
          appId: app.id,
          type: 'admin.app.updated',
          limit: 10,
          offset: 0,
        });
        expect(updates.entries.map((e) => e.id)).toEqual([entries[3]!.id, entries[1]!.id]);
        // from is inclusive, to exclusive.
        const window = await s.audit.list({
          actor,
          from: NOW + 2,
          to: NOW + 4,
          limit: 10,
          offset: 0,
        });
        expect(window.entries.map((e) => e.id)).toEqual([entries[2]!.id, entries[1]!.id]);
        expect(await s.audit.list({ appId: app.id, limit: 10, offset: 0 })).toMatchObject({
          total: 4,
        });
        expect((await s.audit.list({ actor: other, limit: 10, offset: 0 })).entries).toEqual([
          entries[4],
        ]);
      });

      it('pages an export oldest first by keyset, without skipping rows of one millisecond', async () => {
        const actor = uid('cli');
        const entries = Array.from({ length: 7 }, (_, i) =>
          // Three share a millisecond: the id breaks the tie.
          anAuditEntry({ actor, createdAt: NOW + (i < 3 ? 0 : i) }),
        );
        for (const e of entries) await s.audit.record(e);
        const seen: AuditEntry[] = [];
        let after: { createdAt: number; id: string } | null = null;
        for (;;) {
          const page = await s.audit.pageAfter({ actor }, after, 2);
          if (page.length === 0) break;
          seen.push(...page);
          const last = page[page.length - 1]!;
          after = { createdAt: last.createdAt, id: last.id };
        }
        const expected = [...entries].sort(
          (x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1),
        );
        expect(seen).toEqual(expected);
        expect(await s.audit.pageAfter({ actor, from: NOW + 5 }, null, 10)).toEqual(
          expected.slice(5),
        );
      });

      it('is purged with the events retention period, and kept without one', async () => {
        const actor = uid('signal');
        const cutoff = NOW - 3 * 365 * 24 * 60 * MINUTE;
        const purge = (eventsBefore?: number) =>
          s
            .purgeExpired(
              NOW - 24 * 60 * MINUTE,
              eventsBefore === undefined ? {} : { eventsBefore },
            )
            .then((r) => r.audit);
        await purge(cutoff);
        for (const at of [cutoff - MINUTE, cutoff - 1, cutoff, NOW])
          await s.audit.record(anAuditEntry({ actor, createdAt: at }));
        expect(await purge()).toBe(0);
        expect(await purge(cutoff)).toBe(2);
        expect(await purge(cutoff)).toBe(0);
        const left = await s.audit.list({ actor, limit: 10, offset: 0 });
        expect(left.entries.map((e) => e.createdAt)).toEqual([NOW, cutoff]);
      });
    });

    describe('transaction(fn)', () => {
      it('commits every write of fn together and returns its result', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user);
        const nonce = aNonce(user);
        const result = await s.transaction(async (tx) => {
          await tx.credentials.create(cred);
          await tx.nonces.create(nonce);
          // The transaction sees its own writes.
          expect(await tx.credentials.get(app.id, cred.id)).toEqual(cred);
          return 'done';
        });
        expect(result).toBe('done');
        expect(await s.credentials.get(app.id, cred.id)).toEqual(cred);
        expect(await s.nonces.redeem(app.id, nonce.hash, NOW)).toBeDefined();
      });

      it('rolls every write back when fn throws, and rethrows the same error', async () => {
        const { app, user } = await appWithUser();
        const tx0 = aTransaction(user);
        await s.transactions.create(tx0);
        const cred = aCredential(user);
        const boom = new PasskeydError('counter_regression');
        await expect(
          s.transaction(async (tx) => {
            expect((await tx.transactions.consume(app.id, tx0.id, 'register', NOW)).ok).toBe(true);
            await tx.credentials.create(cred);
            await tx.users.recordLogin(app.id, user.id, NOW);
            await tx.transaction(async (inner) => inner.nonces.create(aNonce(user)));
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await s.credentials.get(app.id, cred.id)).toBeUndefined();
        expect((await s.users.get(app.id, user.id))?.loginCount).toBe(0);
        // The consume was undone too: the ceremony can be retried.
        expect(await s.transactions.get(app.id, tx0.id)).toEqual(tx0);
      });

      it('rolls back a duplicate registration inside a transaction as credential_already_registered', async () => {
        const { app, user } = await appWithUser();
        const cred = aCredential(user);
        await s.credentials.create(cred);
        const nonce = aNonce(user);
        await expect(
          s.transaction(async (tx) => {
            await tx.nonces.create(nonce);
            await tx.credentials.create(aCredential(user, { credentialId: cred.credentialId }));
          }),
        ).rejects.toMatchObject({ code: 'credential_already_registered' });
        expect(await s.nonces.redeem(app.id, nonce.hash, NOW)).toBeUndefined();
      });

      it('gives one winner when concurrent transactions consume the same row', async () => {
        const { app, user } = await appWithUser();
        const row = aTransaction(user);
        await s.transactions.create(row);
        const results = await Promise.allSettled(
          Array.from({ length: RACERS }, () =>
            s.transaction(async (tx) => {
              const r = await tx.transactions.consume(app.id, row.id, 'register', NOW);
              if (!r.ok) throw new PasskeydError('transaction_consumed');
              await tx.nonces.create(aNonce(user));
            }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      });
    });

    describe('console sessions', () => {
      const session = (over: Partial<ConsoleSession> = {}): ConsoleSession => ({
        idHash: uid('sess'),
        createdAt: NOW,
        lastSeenAt: NOW,
        expiresAt: NOW + 5 * MINUTE,
        absoluteExpiresAt: NOW + 60 * MINUTE,
        tokenId: 'tok-a',
        ...over,
      });

      it('accepts a session only while the token that opened it is among the configured ones', async () => {
        const a = session({ tokenId: 'tok-a' });
        const b = session({ tokenId: 'tok-b' });
        await s.consoleSessions.create(a);
        await s.consoleSessions.create(b);
        const later = NOW + 5 * MINUTE;
        // Two tokens configured at once: both sessions live.
        expect(await s.consoleSessions.touch(a.idHash, NOW + 1, later, ['tok-a', 'tok-b'])).toBe(
          true,
        );
        expect(await s.consoleSessions.touch(b.idHash, NOW + 1, later, ['tok-a', 'tok-b'])).toBe(
          true,
        );
        // tok-a removed: its session is refused at once, long before either deadline.
        expect(await s.consoleSessions.touch(a.idHash, NOW + 2, later, ['tok-b'])).toBe(false);
        expect(await s.consoleSessions.touch(b.idHash, NOW + 2, later, ['tok-b'])).toBe(true);
        expect(await s.consoleSessions.touch(b.idHash, NOW + 3, later, [])).toBe(false);
      });

      it('never extends a session past its absolute deadline, however busy', async () => {
        const x = session({ expiresAt: NOW + 5 * MINUTE, absoluteExpiresAt: NOW + 12 * MINUTE });
        await s.consoleSessions.create(x);
        for (let t = NOW + 4 * MINUTE; t < NOW + 12 * MINUTE; t += 4 * MINUTE)
          expect(await s.consoleSessions.touch(x.idHash, t, t + 5 * MINUTE, ['tok-a'])).toBe(true);
        // Used a minute ago, so idle-wise alive; but 12 minutes after sign-in it is over.
        const end = NOW + 12 * MINUTE;
        expect(await s.consoleSessions.touch(x.idHash, end, end + 5 * MINUTE, ['tok-a'])).toBe(
          false,
        );
        // And the idle deadline was capped, so the purge removes it at the absolute deadline.
        expect(await s.consoleSessions.purgeExpired(end)).toBeGreaterThanOrEqual(1);
        expect(await s.consoleSessions.delete(x.idHash)).toBe(false);
      });

      it('signs out everywhere: every session is deleted, with the count', async () => {
        const all = [session(), session({ tokenId: 'tok-b' }), session()];
        for (const x of all) await s.consoleSessions.create(x);
        expect(await s.consoleSessions.deleteAll()).toBeGreaterThanOrEqual(all.length);
        for (const x of all)
          expect(
            await s.consoleSessions.touch(x.idHash, NOW + 1, NOW + MINUTE, ['tok-a', 'tok-b']),
          ).toBe(false);
        expect(await s.consoleSessions.deleteAll()).toBe(0);
      });
    });

    describe('purgeExpired', () => {
      /** Expired (expires_at <= now) and live rows in each of the three tables. */
      async function seed(user: User, now: number, perTable: number) {
        const ids = () => ({
          transactions: [] as string[],
          handshakes: [] as string[],
          nonces: [] as string[],
        });
        const expired = ids();
        const live = ids();
        for (let i = 0; i < perTable; i++) {
          const expiresAt = i % 2 === 0 ? now - i : now; // "at now" counts as expired
          const t = aTransaction(user, { expiresAt });
          const h = aHandshake(user.appId, { expiresAt });
          const n = aNonce(user, { expiresAt, consumedAt: i % 3 === 0 ? now - 1 : null });
          await Promise.all([s.transactions.create(t), s.handshakes.create(h), s.nonces.create(n)]);
          expired.transactions.push(t.id);
          expired.handshakes.push(h.id);
          expired.nonces.push(n.hash);
          const lt = aTransaction(user, {
            expiresAt: now + 1 + i,
            consumedAt: i % 2 ? now - 1 : null,
          });
          const lh = aHandshake(user.appId, { expiresAt: now + 1 + i });
          const ln = aNonce(user, { expiresAt: now + 1 + i });
          await Promise.all([
            s.transactions.create(lt),
            s.handshakes.create(lh),
            s.nonces.create(ln),
          ]);
          live.transactions.push(lt.id);
          live.handshakes.push(lh.id);
          live.nonces.push(ln.hash);
        }
        return { expired, live };
      }

      it('deletes only rows that have expired, and says how many', async () => {
        const { app, user } = await appWithUser();
        // Leftovers of earlier tests expire long before this test's clock.
        const now = NOW + 365 * 24 * 60 * MINUTE;
        await s.purgeExpired(now - 24 * 60 * MINUTE);
        const { live } = await seed(user, now, 6);

        expect(await s.purgeExpired(now)).toEqual({
          transactions: 6,
          handshakes: 6,
          nonces: 6,
          events: 0,
          audit: 0,
        });
        expect(await s.purgeExpired(now)).toEqual({
          transactions: 0,
          handshakes: 0,
          nonces: 0,
          events: 0,
          audit: 0,
        });
        for (const id of live.transactions)
          expect(await s.transactions.get(app.id, id)).toBeDefined();
        for (const id of live.handshakes)
          expect((await s.handshakes.consume(app.id, id, 'authenticate', now)).ok).toBe(true);
        for (const hash of live.nonces)
          expect(await s.nonces.redeem(app.id, hash, now)).toBeDefined();
      });

      it('is safe when several nodes purge at once: each row is deleted once and live rows stay', async () => {
        const { app, user } = await appWithUser();
        const now = NOW + 2 * 365 * 24 * 60 * MINUTE;
        await s.purgeExpired(now - 24 * 60 * MINUTE);
        const perTable = 300;
        const { live } = await seed(user, now, perTable);

        const results = await race(8, () => s.purgeExpired(now));
        const sum = (k: 'transactions' | 'handshakes' | 'nonces') =>
          results.reduce((acc, r) => acc + r[k], 0);
        expect({
          transactions: sum('transactions'),
          handshakes: sum('handshakes'),
          nonces: sum('nonces'),
        }).toEqual({ transactions: perTable, handshakes: perTable, nonces: perTable });
        expect(await s.purgeExpired(now)).toEqual({
          transactions: 0,
          handshakes: 0,
          nonces: 0,
          events: 0,
          audit: 0,
        });
        const stillThere = await Promise.all(
          live.transactions.map((id) => s.transactions.get(app.id, id)),
        );
        expect(stillThere.every((t) => t !== undefined)).toBe(true);
      });

      describe('events past their retention', () => {
        // Far before every other test's events, so leftovers cannot change the counts.
        const cutoff = NOW - 3 * 365 * 24 * 60 * MINUTE;
        const purge = () =>
          s.purgeExpired(NOW - 24 * 60 * MINUTE, { eventsBefore: cutoff }).then((r) => r.events);

        it('are deleted in every app when eventsBefore is given; newer ones stay', async () => {
          const a = await appWithUser();
          const b = await appWithUser();
          await purge();
          for (const t of [a, b])
            for (const at of [cutoff - 100 * MINUTE, cutoff - 1, cutoff, NOW])
              await s.events.record(anEvent(t.user, { createdAt: at }));
          // Without a retention period nothing is deleted.
          expect((await s.purgeExpired(NOW - 24 * 60 * MINUTE)).events).toBe(0);
          expect(await s.events.listByUser(a.app.id, a.user.id, 10)).toHaveLength(4);
          expect(await purge()).toBe(4);
          expect(await purge()).toBe(0);
          for (const t of [a, b]) {
            const left = await s.events.listByUser(t.app.id, t.user.id, 10);
            expect(left.map((e) => e.createdAt)).toEqual([NOW, cutoff]);
          }
        });

        it('are deleted once when several nodes purge at once, in batches', async () => {
          const { user } = await appWithUser();
          await purge();
          const old = 5_200; // more than one batch of 5,000
          const rows = Array.from({ length: old }, (_, i) =>
            anEvent(user, { createdAt: cutoff - 1 - i }),
          );
          for (let i = 0; i < rows.length; i += 500)
            await Promise.all(rows.slice(i, i + 500).map((e) => s.events.record(e)));
          const results = await race(4, purge);
          expect(results.reduce((x, y) => x + y, 0)).toBe(old);
          expect(await purge()).toBe(0);
        });
      });
    });
  });
}
