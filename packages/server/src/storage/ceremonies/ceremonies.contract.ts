import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompleteSignInRequest, PresentedApiKey, Storage } from '../../domain/ports.js';
import type { App, Credential, Handshake, Transaction, User } from '../../domain/types.js';
import { sql } from 'kysely';
import type { KyselyStorage } from '../kysely/kysely-storage.js';
import type { OpenedStorage } from '../storage.contract.js';
import { appRecord } from '../../testing/app-record.js';

/**
 * The contract of storage.ceremonies (domain/ports.ts CeremonyStore), run on both engines beside
 * the storage contract: the per-request operations keep every guarantee of the table-shaped
 * methods (single use under concurrency, the counter only forward, one user per external id)
 * and tell refusals apart with the same codes.
 */
const RACERS = 30;
const NOW = 1_750_000_000_000;
const MINUTE = 60_000;
const uid = (p: string) => `${p}_${randomUUID().replaceAll('-', '')}`;
const race = <T>(n: number, fn: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

export function describeCeremonyContract(
  name: string,
  open: () => Promise<OpenedStorage & { storage: KyselyStorage }>,
): void {
  describe(`ceremony storage contract: ${name}`, () => {
    let opened: (OpenedStorage & { storage: KyselyStorage }) | undefined;
    let s: Storage;
    beforeAll(async () => {
      opened = await open();
      s = opened.storage;
    });
    afterAll(async () => {
      await opened?.cleanup();
    });

    async function setup(): Promise<{ app: App; key: PresentedApiKey; keyId: string }> {
      const app: App = appRecord({
        id: uid('app'),
        name: 'Ceremony app',
        rpId: 'example.com',
        rpName: 'Example',
        origins: ['https://example.com'],
        createdAt: NOW,
        updatedAt: NOW,
      });
      await s.apps.create(app);
      const key = { prefix: `pkd_${randomUUID().slice(0, 8)}`, secretHash: uid('sha') };
      const keyId = uid('key');
      await s.apiKeys.create({
        id: keyId,
        appId: app.id,
        name: 'k',
        ...key,
        createdAt: NOW,
        lastUsedAt: null,
        revokedAt: null,
      });
      return { app, key, keyId };
    }

    const begin = (
      app: App,
      key: PresentedApiKey,
      kind: 'register' | 'authenticate',
      externalId: string,
      over: { now?: number; userVerification?: 'required' } = {},
    ) =>
      s.ceremonies.beginTransaction({
        key,
        appId: app.id,
        kind,
        externalId,
        ...(kind === 'register' ? { newUser: { id: uid('usr'), webauthnUserId: uid('wid') } } : {}),
        transaction: {
          id: uid('txn'),
          passkeyDisplayName: kind === 'register' ? 'Jane' : null,
          hints: null,
          userVerification: over.userVerification ?? null,
          expiresAt: (over.now ?? NOW) + 5 * MINUTE,
        },
        now: over.now ?? NOW,
      });

    const handshakeOf = (
      app: App,
      kind: 'register' | 'authenticate',
      transactionId: string | null,
    ): Handshake => ({
      id: uid('hs'),
      appId: app.id,
      kind,
      transactionId,
      challenge: uid('ch'),
      userVerification: 'preferred',
      createdAt: NOW,
      expiresAt: NOW + 5 * MINUTE,
      consumedAt: null,
    });

    const passkeyOf = (user: User, over: Partial<Credential> = {}): Credential => ({
      id: uid('dev'),
      appId: user.appId,
      userId: user.id,
      credentialId: uid('cred'),
      publicKey: uid('pk'),
      alg: -7,
      signCount: 0,
      transports: ['internal'],
      aaguid: '00000000-0000-0000-0000-000000000000',
      backupEligible: true,
      backedUp: true,
      attestationFormat: 'none',
      friendlyName: 'p',
      createdAt: NOW,
      updatedAt: NOW,
      lastUsedAt: null,
      usageCount: 0,
      ...over,
    });

    const origin = () => ({ id: uid('evt'), ipAddr: '203.0.113.7', userAgent: 'contract' });

    /** A user with a passkey and a started sign-in (with a transaction unless `discoverable`). */
    async function startedSignIn(opts: { discoverable?: boolean; signCount?: number } = {}) {
      const { app, key } = await setup();
      const ext = uid('ext');
      const reg = await begin(app, key, 'register', ext);
      if (!reg.ok) throw new Error(reg.reason);
      const user = (await s.users.findByExternalId(app.id, ext))!;
      const cred = passkeyOf(user, { signCount: opts.signCount ?? 0 });
      await s.credentials.create(cred);
      let tx: Transaction | null = null;
      if (!opts.discoverable) {
        const t = await begin(app, key, 'authenticate', ext);
        if (!t.ok) throw new Error(t.reason);
        tx = t.transaction;
      }
      const hs = await s.ceremonies.beginHandshake({
        handshake: handshakeOf(app, 'authenticate', tx?.id ?? null),
        credentialLimit: 64,
        now: NOW,
      });
      if (!hs.ok) throw new Error(hs.reason);
      const request = (over: Partial<CompleteSignInRequest> = {}): CompleteSignInRequest => ({
        appId: app.id,
        handshakeId: hs.handshake.id,
        bodyTransactionId: null,
        challenge: hs.handshake.challenge,
        userVerified: true,
        appRequiresUserVerification: false,
        nonce: { hash: uid('nh'), expiresAt: NOW + MINUTE },
        event: origin(),
        now: NOW + 1000,
        credentialId: cred.credentialId,
        publicKey: cred.publicKey,
        userHandles: null,
        signCount: 1,
        backupEligible: true,
        backedUp: true,
        ...over,
      });
      return { app, key, user, cred, tx, hs, request };
    }

    describe('beginTransaction (B1/B2)', () => {
      it('refuses a wrong hash, a revoked key and another app’s key with invalid_access_token', async () => {
        const { app, key, keyId } = await setup();
        const other = await setup();
        expect(await begin(app, { ...key, secretHash: 'x' }, 'register', 'a')).toEqual({
          ok: false,
          reason: 'invalid_access_token',
        });
        expect(await begin(other.app, key, 'register', 'a')).toMatchObject({ ok: false });
        expect((await begin(app, key, 'register', 'a')).ok).toBe(true);
        await s.apiKeys.revoke(app.id, keyId, NOW);
        expect(await begin(app, key, 'register', 'b')).toEqual({
          ok: false,
          reason: 'invalid_access_token',
        });
        // Refused before anything was written.
        expect(await s.users.findByExternalId(app.id, 'b')).toBeUndefined();
      });

      it('writes the key’s last-used time at most once a minute', async () => {
        const { app, key } = await setup();
        await begin(app, key, 'register', 'u', { now: NOW });
        await begin(app, key, 'register', 'u', { now: NOW + 30_000 });
        expect((await s.apiKeys.list(app.id))[0]!.lastUsedAt).toBe(NOW);
        await begin(app, key, 'register', 'u', { now: NOW + 61_000 });
        expect((await s.apiKeys.list(app.id))[0]!.lastUsedAt).toBe(NOW + 61_000);
      });

      it(`ends with one user when ${RACERS} first registrations of one external id race`, async () => {
        const { app, key } = await setup();
        const results = await race(RACERS, () => begin(app, key, 'register', 'racer'));
        const users = new Set(results.map((r) => (r.ok ? r.transaction.userId : r.reason)));
        expect(users.size).toBe(1);
        expect([...users][0]).toMatch(/^usr_/);
      });

      it('refuses a sign-in transaction for an unknown user, one without passkeys and an inactive one', async () => {
        const { app, key } = await setup();
        expect(await begin(app, key, 'authenticate', 'nobody')).toEqual({
          ok: false,
          reason: 'user_not_found',
        });
        await begin(app, key, 'register', 'nokeys');
        expect(await begin(app, key, 'authenticate', 'nokeys')).toEqual({
          ok: false,
          reason: 'user_has_no_passkeys',
        });
        await s.users.findOrCreate({
          id: uid('usr'),
          appId: app.id,
          externalId: 'inactive',
          webauthnUserId: uid('w'),
          status: 'inactive',
          createdAt: NOW,
          updatedAt: NOW,
          lastLoginAt: null,
          loginCount: 0,
        });
        expect(await begin(app, key, 'authenticate', 'inactive')).toEqual({
          ok: false,
          reason: 'user_not_active',
        });
        expect(await begin(app, key, 'register', 'inactive')).toEqual({
          ok: false,
          reason: 'user_not_active',
        });
      });
    });

    describe('beginHandshake (F1/F3)', () => {
      it('stores the handshake with the user’s passkeys, most recently used first, and tightens UV for step-up', async () => {
        const { app, key, user, cred } = await startedSignIn();
        const newer = passkeyOf(user, { createdAt: NOW + 10 });
        await s.credentials.create(newer);
        const t = await begin(app, key, 'authenticate', user.externalId, {
          userVerification: 'required',
        });
        if (!t.ok) throw new Error(t.reason);
        const r = await s.ceremonies.beginHandshake({
          handshake: handshakeOf(app, 'authenticate', t.transaction.id),
          credentialLimit: 64,
          now: NOW,
        });
        if (!r.ok) throw new Error(r.reason);
        expect(r.credentials.map((c) => c.id)).toEqual([newer.credentialId, cred.credentialId]);
        expect(r.handshake.userVerification).toBe('required');
        expect(r.user).toEqual({ id: user.id, webauthnUserId: user.webauthnUserId });
      });

      it('refuses an unknown, consumed, expired or other-kind transaction and stores no handshake', async () => {
        const { app, tx } = await startedSignIn();
        const start = (
          transactionId: string,
          now = NOW,
          kind: 'register' | 'authenticate' = 'authenticate',
        ) => {
          const handshake = handshakeOf(app, kind, transactionId);
          return s.ceremonies
            .beginHandshake({ handshake, credentialLimit: 64, now })
            .then((r) => (r.ok ? 'ok' : r.reason));
        };
        expect(await start(uid('txn'))).toBe('transaction_not_found');
        expect(await start(tx!.id, NOW, 'register')).toBe('transaction_not_found');
        expect(await start(tx!.id, NOW + 10 * MINUTE)).toBe('transaction_expired');
        await s.transactions.consume(app.id, tx!.id, 'authenticate', NOW);
        expect(await start(tx!.id)).toBe('transaction_consumed');
      });
    });

    describe('completeSignIn (F4)', () => {
      it('consumes handshake and transaction, moves the counter, counts the login and issues the nonce', async () => {
        const { app, user, cred, tx, request } = await startedSignIn();
        const req = request();
        const r = await s.ceremonies.completeSignIn(req);
        expect(r).toMatchObject({ ok: true, user: { id: user.id, externalId: user.externalId } });
        expect((await s.credentials.get(app.id, cred.id))!).toMatchObject({
          signCount: 1,
          usageCount: 1,
          lastUsedAt: NOW + 1000,
        });
        expect((await s.users.get(app.id, user.id))!.loginCount).toBe(1);
        expect((await s.transactions.get(app.id, tx!.id))!.consumedAt).toBe(NOW + 1000);
        expect(await s.nonces.redeem(app.id, req.nonce.hash, NOW + 2000)).toMatchObject({
          kind: 'authenticate',
          deviceId: cred.id,
          transactionId: tx!.id,
        });
        const [event] = await s.events.listByUser(app.id, user.id, 1);
        expect(event).toMatchObject({ type: 'passkey_login', credentialId: cred.id });
        expect(await s.ceremonies.completeSignIn(request())).toEqual({
          ok: false,
          reason: 'handshake_consumed',
        });
      });

      it(`lets exactly one of ${RACERS} sign-ins with one counter value through, each on its own handshake`, async () => {
        const first = await startedSignIn({ discoverable: true, signCount: 5 });
        const requests = [first.request({ signCount: 6 })];
        for (let i = 1; i < RACERS; i++) {
          const hs = await s.ceremonies.beginHandshake({
            handshake: handshakeOf(first.app, 'authenticate', null),
            credentialLimit: 64,
            now: NOW,
          });
          if (!hs.ok) throw new Error(hs.reason);
          requests.push(
            first.request({
              handshakeId: hs.handshake.id,
              challenge: hs.handshake.challenge,
              signCount: 6,
              nonce: { hash: uid('nh'), expiresAt: NOW + MINUTE },
              event: origin(),
            }),
          );
        }
        const results = await Promise.all(requests.map((r) => s.ceremonies.completeSignIn(r)));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        for (const r of results) if (!r.ok) expect(r.reason).toBe('counter_regression');
        expect((await s.credentials.get(first.app.id, first.cred.id))!.usageCount).toBe(1);
      });

      it('refuses a key that is no longer the stored passkey’s, a wrong challenge and a lower counter, recording each', async () => {
        for (const [over, reason] of [
          [{ publicKey: 'another-key' }, 'credential_not_found'],
          [{ challenge: 'another-challenge' }, 'challenge_mismatch'],
          [{ signCount: 3 }, 'counter_regression'],
          [
            { userVerified: false, appRequiresUserVerification: true },
            'user_verification_required',
          ],
          [{ userHandles: ['someone-else'] }, 'user_handle_mismatch'],
          [{ backupEligible: false }, 'backup_eligibility_changed'],
        ] as unknown as [Partial<CompleteSignInRequest>, string][]) {
          const { app, user, request } = await startedSignIn({ signCount: 4 });
          expect(await s.ceremonies.completeSignIn(request({ signCount: 5, ...over }))).toEqual({
            ok: false,
            reason,
          });
          const [event] = await s.events.listByUser(app.id, user.id, 1);
          expect(event?.detail).toBe(reason);
          expect((await s.users.get(app.id, user.id))!.loginCount).toBe(0);
        }
      });

      it('answers handshake and transaction errors before any credential one, and records no event for them', async () => {
        const { app, user, tx, request } = await startedSignIn();
        await s.transactions.consume(app.id, tx!.id, 'authenticate', NOW);
        expect(await s.ceremonies.completeSignIn(request({ publicKey: 'wrong' }))).toEqual({
          ok: false,
          reason: 'transaction_consumed',
        });
        expect(await s.events.listByUser(app.id, user.id, 5)).toEqual([]);
        expect(await s.ceremonies.completeSignIn(request({ handshakeId: uid('hs') }))).toEqual({
          ok: false,
          reason: 'handshake_not_found',
        });
      });
    });

    describe('completeRegistration (F2) and abandonFinish', () => {
      async function startedRegistration() {
        const { app, key } = await setup();
        const t = await begin(app, key, 'register', uid('ext'));
        if (!t.ok) throw new Error(t.reason);
        const hs = await s.ceremonies.beginHandshake({
          handshake: handshakeOf(app, 'register', t.transaction.id),
          credentialLimit: 64,
          now: NOW,
        });
        if (!hs.ok) throw new Error(hs.reason);
        const request = (handshakeId = hs.handshake.id) => ({
          appId: app.id,
          handshakeId,
          bodyTransactionId: null,
          challenge: hs.handshake.challenge,
          userVerified: true,
          userPresent: true,
          appRequiresUserVerification: false,
          nonce: { hash: uid('nh'), expiresAt: NOW + MINUTE },
          event: origin(),
          now: NOW + 1000,
          credential: {
            id: uid('dev'),
            appId: app.id,
            credentialId: uid('cred'),
            publicKey: uid('pk'),
            alg: -7,
            signCount: 0,
            transports: ['internal'],
            aaguid: '00000000-0000-0000-0000-000000000000',
            backupEligible: true,
            backedUp: false,
            attestationFormat: 'none',
            createdAt: NOW,
            updatedAt: NOW,
            lastUsedAt: null,
            usageCount: 0,
          },
        });
        return { app, tx: t.transaction, hs, request };
      }

      it('leaves no transaction, handshake, nonce or event behind when an operator deletes the app row', async () => {
        // passkeyd has no route that deletes an app; an operator's DELETE is what this covers.
        // PostgreSQL does it with a trigger (migration 015), SQLite with its foreign keys.
        const { app, request } = await startedRegistration();
        const other = await startedRegistration();
        expect((await s.ceremonies.completeRegistration(request())).ok).toBe(true);
        expect((await s.ceremonies.completeRegistration(other.request())).ok).toBe(true);
        const db = opened!.storage.db;
        const count = async (appId: string) => {
          const n: Record<string, number> = {};
          for (const t of ['transactions', 'handshakes', 'nonces', 'events'])
            n[t] = Number(
              (
                await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(t)}
                  WHERE app_id = ${appId}`.execute(db)
              ).rows[0]!.n,
            );
          return n;
        };
        for (const n of Object.values(await count(app.id))) expect(n).toBeGreaterThan(0);
        const othersBefore = await count(other.app.id);
        await sql`DELETE FROM apps WHERE id = ${app.id}`.execute(db);
        expect(await count(app.id)).toEqual({
          transactions: 0,
          handshakes: 0,
          nonces: 0,
          events: 0,
        });
        // Another app's rows are untouched.
        expect(await count(other.app.id)).toEqual(othersBefore);
      });

      it(`stores the passkey for exactly one of ${RACERS} concurrent finishes of one handshake`, async () => {
        const { app, tx, request } = await startedRegistration();
        const results = await race(RACERS, () => s.ceremonies.completeRegistration(request()));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        for (const r of results) if (!r.ok) expect(r.reason).toBe('handshake_consumed');
        const passkeys = await s.credentials.listByUser(app.id, tx.userId);
        expect(passkeys.map((c) => c.friendlyName)).toEqual(['Jane']);
        expect((await s.transactions.get(app.id, tx.id))!.consumedAt).toBe(NOW + 1000);
      });

      it('consumes the handshake of a refused finish and keeps the transaction live', async () => {
        const { app, tx, hs } = await startedRegistration();
        const code = await s.ceremonies.abandonFinish({
          appId: app.id,
          kind: 'register',
          handshakeId: hs.handshake.id,
          bodyTransactionId: null,
          code: 'malformed_response',
          event: origin(),
          now: NOW + 1000,
        });
        expect(code).toBe('malformed_response');
        const again = await s.ceremonies.abandonFinish({
          appId: app.id,
          kind: 'register',
          handshakeId: hs.handshake.id,
          bodyTransactionId: null,
          code: 'malformed_response',
          event: origin(),
          now: NOW + 1000,
        });
        expect(again).toBe('handshake_consumed');
        expect((await s.transactions.get(app.id, tx.id))!.consumedAt).toBeNull();
      });
    });

    describe('redeemNonce (B3)', () => {
      it(`checks the key and redeems a nonce for exactly one of ${RACERS} verifiers`, async () => {
        const { app, key, request } = await startedSignIn();
        const req = request();
        expect((await s.ceremonies.completeSignIn(req)).ok).toBe(true);
        const redeem = (k: PresentedApiKey) =>
          s.ceremonies.redeemNonce({
            key: k,
            appId: app.id,
            hash: req.nonce.hash,
            now: NOW + 2000,
          });
        expect(await redeem({ ...key, secretHash: 'wrong' })).toEqual({
          ok: false,
          reason: 'invalid_access_token',
        });
        const results = await race(RACERS, () => redeem(key));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        for (const r of results) if (!r.ok) expect(r.reason).toBe('invalid_nonce');
      });
    });
  });
}
