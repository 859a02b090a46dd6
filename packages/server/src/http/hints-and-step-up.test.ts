import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';
import { onBothEngines } from '../testing/on-both-engines.js';
import { adminOfApp } from '../testing/server-calls.js';

// Issue 14 items 4 and 5: WebAuthn hints (an app default, a transaction's own) reach the options
// the browser gets, and an authenticate transaction can demand user verification for one
// sign-in. Same answers on both engines.

const ORIGIN = 'http://localhost:3000';
const externalId = () => `user-${randomUUID()}`;

function suite(engine: string, databaseUrl: () => string | undefined) {
  describe(`hints and step-up (${engine})`, () => {
    let server: TestServer;
    let client: CeremonyClient;

    beforeAll(async () => {
      const url = databaseUrl();
      server = await startTestServer({ origins: [ORIGIN], ...(url ? { databaseUrl: url } : {}) });
      client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    });
    afterAll(() => server?.close());

    const adminPatch = (body: unknown) => adminOfApp(server)('PATCH', '', body);
    const registerTx = (id: string, extra: Record<string, unknown> = {}) =>
      client.registerTransactionRequest(id, extra);
    const authenticateTx = (id: string, extra: Record<string, unknown> = {}) =>
      client.authenticateTransactionRequest(id, extra);

    describe('hints', () => {
      it("puts a register transaction's hints into the creation options, in order", async () => {
        const tx = await registerTx(externalId(), { hints: ['security-key', 'hybrid'] });
        expect(tx.status).toBe(201);
        const start = await client.startRegistration(tx.body.transaction_id);
        expect(start.handshake.challenge.publicKey.hints).toEqual(['security-key', 'hybrid']);
      });

      it("puts an authenticate transaction's hints into the request options", async () => {
        const id = externalId();
        await client.register(new TestAuthenticator(), id);
        const tx = await authenticateTx(id, { hints: ['client-device'] });
        expect(tx.status).toBe(201);
        const start = await client.startAuthentication(tx.body.transaction_id);
        expect(start.handshake.challenge.publicKey.hints).toEqual(['client-device']);
      });

      it("uses the app's default hints, which a transaction's own (even []) replace", async () => {
        const patched = await adminPatch({ hints: ['hybrid', 'security-key'] });
        try {
          expect(patched).toMatchObject({
            status: 200,
            body: { app: { hints: ['hybrid', 'security-key'] } },
          });
          const id = externalId();
          const byDefault = await client.startRegistration(
            (await registerTx(id)).body.transaction_id,
          );
          expect(byDefault.handshake.challenge.publicKey.hints).toEqual(['hybrid', 'security-key']);
          const none = await client.startRegistration(
            (await registerTx(id, { hints: [] })).body.transaction_id,
          );
          expect(none.handshake.challenge.publicKey).not.toHaveProperty('hints');
          // A discoverable sign-in has no transaction: the app's default applies.
          const discoverable = await client.startAuthentication();
          expect(discoverable.handshake.challenge.publicKey.hints).toEqual([
            'hybrid',
            'security-key',
          ]);
        } finally {
          expect((await adminPatch({ hints: [] })).status).toBe(200);
        }
      });

      it('sends no hints key when neither the app nor the transaction has any', async () => {
        const start = await client.startRegistration(
          (await registerTx(externalId())).body.transaction_id,
        );
        expect(start.handshake.challenge.publicKey).not.toHaveProperty('hints');
        expect(
          (await client.startAuthentication()).handshake.challenge.publicKey,
        ).not.toHaveProperty('hints');
      });

      it('refuses unknown and repeated hints with 400 invalid_request', async () => {
        for (const hints of [['usb'], ['hybrid', 'hybrid'], 'hybrid']) {
          expect(await registerTx(externalId(), { hints }), JSON.stringify(hints)).toMatchObject({
            status: 400,
            body: { code: 'invalid_request' },
          });
          expect((await adminPatch({ hints })).body).toMatchObject({ code: 'invalid_request' });
        }
      });

      it('still finishes a registration and a sign-in started with hints', async () => {
        const id = externalId();
        const device = new TestAuthenticator();
        const tx = (await registerTx(id, { hints: ['client-device'] })).body.transaction_id;
        const start = await client.startRegistration(tx);
        const reg = await client.finishRegistration(
          start.handshake.id,
          device.createCredential(start.handshake.challenge.publicKey, { origin: ORIGIN }),
          tx,
        );
        expect(reg.status).toBe(200);
        const signIn = (await authenticateTx(id, { hints: ['client-device'] })).body.transaction_id;
        const auth = await client.startAuthentication(signIn);
        const finish = await client.finishAuthentication(
          auth.handshake.id,
          device.getAssertion(auth.handshake.challenge.publicKey, { origin: ORIGIN }),
          signIn,
        );
        expect(finish.status).toBe(200);
      });
    });

    describe('step-up (user_verification: "required")', () => {
      it('asks for user verification in the options and refuses an assertion without it', async () => {
        const id = externalId();
        const device = new TestAuthenticator();
        expect((await client.register(device, id)).status).toBe(200);
        const tx = await authenticateTx(id, { user_verification: 'required' });
        expect(tx.status).toBe(201);
        const start = await client.startAuthentication(tx.body.transaction_id);
        expect(start.handshake.challenge.publicKey.userVerification).toBe('required');
        const finish = await client.finishAuthentication(
          start.handshake.id,
          device.getAssertion(start.handshake.challenge.publicKey, {
            origin: ORIGIN,
            tamper: { clearUserVerified: true },
          }),
          tx.body.transaction_id,
        );
        expect(finish).toMatchObject({ status: 401, body: { code: 'user_verification_required' } });
      });

      it('signs in with UV and says so in the nonce details', async () => {
        const id = externalId();
        const device = new TestAuthenticator();
        await client.register(device, id);
        const tx = (await authenticateTx(id, { user_verification: 'required' })).body
          .transaction_id;
        const start = await client.startAuthentication(tx);
        const finish = await client.finishAuthentication(
          start.handshake.id,
          device.getAssertion(start.handshake.challenge.publicKey, { origin: ORIGIN }),
          tx,
        );
        expect(finish.status).toBe(200);
        const verified = await client.verifyNonce(finish.body.nonce);
        expect(verified.body).toMatchObject({
          external_id: id,
          ceremony: 'authenticate',
          transaction_id: tx,
          user_verified: true,
          credential_id: device.credentials()[0]!.id,
          backed_up: true,
        });
        expect(verified.body).toHaveProperty('authenticator_name');
        expect(verified.body).toHaveProperty('authenticated_at');
      });

      it("leaves the app's policy (preferred) for sign-ins that do not ask", async () => {
        const id = externalId();
        const device = new TestAuthenticator();
        await client.register(device, id);
        const tx = (await authenticateTx(id)).body.transaction_id;
        const start = await client.startAuthentication(tx);
        expect(start.handshake.challenge.publicKey.userVerification).toBe('preferred');
        const finish = await client.finishAuthentication(
          start.handshake.id,
          device.getAssertion(start.handshake.challenge.publicKey, {
            origin: ORIGIN,
            tamper: { clearUserVerified: true },
          }),
          tx,
        );
        expect(finish.status).toBe(200);
        expect((await client.verifyNonce(finish.body.nonce)).body).toMatchObject({
          user_verified: false,
        });
      });

      it('accepts only "required" (it can tighten the app policy, never loosen it)', async () => {
        const id = externalId();
        await client.register(new TestAuthenticator(), id);
        for (const uv of ['preferred', 'discouraged', true]) {
          expect(await authenticateTx(id, { user_verification: uv })).toMatchObject({
            status: 400,
            body: { code: 'invalid_request' },
          });
        }
      });
    });
  });
}

await onBothEngines('hints-and-step-up', suite);
