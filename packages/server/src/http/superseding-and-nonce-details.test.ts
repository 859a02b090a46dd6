import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyClient, ManualClock, startTestServer, type TestServer } from '../testing/index.js';
import { onBothEngines } from '../testing/on-both-engines.js';

// Issue 12: an app must be able to tell which ceremony a nonce came from, and to end the
// register transactions it handed out earlier for a user. Same answers on both engines.

const ORIGIN = 'http://localhost:3000';
const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const externalId = () => `user-${randomUUID()}`;

function suite(engine: string, databaseUrl: () => string | undefined) {
  describe(`superseding register transactions and nonce details (${engine})`, () => {
    let server: TestServer;
    let client: CeremonyClient;
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00.000Z'));

    beforeAll(async () => {
      const url = databaseUrl();
      server = await startTestServer({
        origins: [ORIGIN],
        clock,
        ...(url ? { databaseUrl: url } : {}),
      });
      client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    });
    afterAll(() => server?.close());

    const registerTx = (id: string, extra: Record<string, unknown> = {}) =>
      client.registerTransactionRequest(id, extra);

    describe('supersede_pending', () => {
      it('ends the user’s earlier register transactions at start and at finish (410 transaction_consumed)', async () => {
        const id = externalId();
        const attacker = new TestAuthenticator();
        // One kept before it was started, one started (its handshake in hand) before superseding.
        const kept = (await registerTx(id)).body.transaction_id;
        const started = (await registerTx(id)).body.transaction_id;
        const handshake = await client.startRegistration(started);

        const fresh = await registerTx(id, { supersede_pending: true });
        expect(fresh.status).toBe(201);

        const start = await client.frontend('/register/transactions/webauthn/start', {
          transaction_id: kept,
          authenticator_attachment: 'platform',
        });
        expect(start).toMatchObject({ status: 410, body: { code: 'transaction_consumed' } });
        const response = attacker.createCredential(handshake.handshake.challenge.publicKey, {
          origin: ORIGIN,
        });
        const finish = await client.finishRegistration(handshake.handshake.id, response, started);
        expect(finish).toMatchObject({ status: 410, body: { code: 'transaction_consumed' } });

        // The new transaction is the only one that registers a passkey.
        const owner = new TestAuthenticator();
        const ownStart = await client.startRegistration(fresh.body.transaction_id);
        const ownFinish = await client.finishRegistration(
          ownStart.handshake.id,
          owner.createCredential(ownStart.handshake.challenge.publicKey, { origin: ORIGIN }),
          fresh.body.transaction_id,
        );
        expect(ownFinish.status).toBe(200);
        const user = await client.backend<{ users: { id: string }[] }>(
          'GET',
          `/users?identifier=${encodeURIComponent(id)}`,
        );
        const devices = await client.backend<{ devices: { cred_id: string }[] }>(
          'GET',
          `/users/${user.body.users[0]!.id}/devices`,
        );
        expect(devices.body.devices.map((d) => d.cred_id)).toEqual([owner.credentials()[0]!.id]);
      });

      it('keeps earlier transactions usable without the option, as Passage did', async () => {
        const id = externalId();
        const first = (await registerTx(id)).body.transaction_id;
        expect((await registerTx(id, { supersede_pending: false })).status).toBe(201);
        expect((await registerTx(id)).status).toBe(201);
        await expect(client.startRegistration(first)).resolves.toMatchObject({
          transaction_id: first,
        });
      });

      it('leaves other users’ transactions and the user’s authenticate transactions alone', async () => {
        const id = externalId();
        const other = externalId();
        const device = new TestAuthenticator();
        expect((await client.register(device, id)).status).toBe(200);
        const signIn = await client.createAuthenticateTransaction(id);
        const othersTx = (await registerTx(other)).body.transaction_id;

        expect((await registerTx(id, { supersede_pending: true })).status).toBe(201);

        await expect(client.startRegistration(othersTx)).resolves.toMatchObject({
          transaction_id: othersTx,
        });
        const auth = await client.startAuthentication(signIn);
        const finish = await client.finishAuthentication(
          auth.handshake.id,
          device.getAssertion(auth.handshake.challenge.publicKey, { origin: ORIGIN }),
          signIn,
        );
        expect(finish.status).toBe(200);
      });

      it('supersedes through the legacy B9 alias too', async () => {
        const id = externalId();
        const kept = (await registerTx(id)).body.transaction_id;
        const legacy = await client.backend('POST', '/transactions', {
          external_id: id,
          passkey_display_name: 'jane',
          supersede_pending: true,
        });
        expect(legacy.status).toBe(201);
        const start = await client.frontend('/register/transactions/webauthn/start', {
          transaction_id: kept,
        });
        expect(start).toMatchObject({ status: 410, body: { code: 'transaction_consumed' } });
      });

      it('refuses a non-boolean supersede_pending with 400 invalid_request', async () => {
        const r = await registerTx(externalId(), { supersede_pending: 'yes' });
        expect(r).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
      });
    });

    describe('verify (B3) says what the nonce proves', () => {
      it('answers a register nonce with ceremony "register" and the new passkey', async () => {
        const id = externalId();
        const device = new TestAuthenticator({
          aaguid: GOOGLE_PASSWORD_MANAGER,
          backupEligible: true,
          backupState: false,
        });
        const tx = await client.createRegisterTransaction(id);
        const start = await client.startRegistration(tx);
        const finish = await client.finishRegistration(
          start.handshake.id,
          device.createCredential(start.handshake.challenge.publicKey, { origin: ORIGIN }),
          tx,
        );
        const verified = await client.verifyNonce(finish.body.nonce);
        const user = await client.backend<{ users: { id: string }[] }>(
          'GET',
          `/users?identifier=${encodeURIComponent(id)}`,
        );
        const devices = await client.backend<{ devices: { id: string }[] }>(
          'GET',
          `/users/${user.body.users[0]!.id}/devices`,
        );
        expect(verified).toMatchObject({ status: 200 });
        expect(verified.body).toEqual({
          external_id: id,
          ceremony: 'register',
          credential_id: device.credentials()[0]!.id,
          device_id: devices.body.devices[0]!.id,
          transaction_id: tx,
          user_verified: true,
          backed_up: false,
          authenticator_name: 'Google Password Manager',
          authenticated_at: new Date(clock.now()).toISOString(),
        });
      });

      it('answers an authenticate nonce with ceremony "authenticate", its transaction and flags', async () => {
        const id = externalId();
        const device = new TestAuthenticator();
        await client.register(device, id);
        const signIn = await client.createAuthenticateTransaction(id);
        const start = await client.startAuthentication(signIn);
        clock.advance(1500);
        const finish = await client.finishAuthentication(
          start.handshake.id,
          device.getAssertion(start.handshake.challenge.publicKey, {
            origin: ORIGIN,
            tamper: { clearUserVerified: true },
          }),
          signIn,
        );
        expect(finish.status).toBe(200);
        expect((await client.verifyNonce(finish.body.nonce)).body).toEqual({
          external_id: id,
          ceremony: 'authenticate',
          credential_id: device.credentials()[0]!.id,
          device_id: expect.stringMatching(/^dev_/),
          transaction_id: signIn,
          user_verified: false,
          backed_up: true,
          authenticator_name: null,
          authenticated_at: new Date(clock.now()).toISOString(),
        });
      });

      it('answers a discoverable sign-in nonce with transaction_id null', async () => {
        const id = externalId();
        const device = new TestAuthenticator();
        await client.register(device, id);
        const finish = await client.authenticate(device);
        expect((await client.verifyNonce(finish.body.nonce)).body).toMatchObject({
          external_id: id,
          ceremony: 'authenticate',
          transaction_id: null,
        });
      });
    });
  });
}

await onBothEngines('superseding-and-nonce-details', suite);
