import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';
import { onBothEngines } from '../testing/on-both-engines.js';

// Issue 14 item 7: automatic passkey upgrades. WebAuthn L3 conditional create produces a
// registration without user presence (UP=0); F2 accepts it only for a register transaction the
// app made for that (B1 `mediation: "conditional"`). Same answers on both engines.

const ORIGIN = 'http://localhost:3000';
const externalId = () => `user-${randomUUID()}`;
const NO_PRESENCE = { tamper: { clearUserPresent: true } };

function suite(engine: string, databaseUrl: () => string | undefined) {
  describe(`conditional create (${engine})`, () => {
    let server: TestServer;
    let client: CeremonyClient;

    beforeAll(async () => {
      const url = databaseUrl();
      server = await startTestServer({ origins: [ORIGIN], ...(url ? { databaseUrl: url } : {}) });
      client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    });
    afterAll(() => server?.close());

    const registerTx = (c: CeremonyClient, id: string, extra: Record<string, unknown> = {}) =>
      c.registerTransactionRequest(id, extra);

    /** Runs F1 and F2 on `transactionId` with a new authenticator and the given knobs. */
    async function registerOn(
      transactionId: string,
      ctx: Record<string, unknown> = {},
      c = client,
    ) {
      const start = await c.startRegistration(transactionId);
      const response = new TestAuthenticator().createCredential(
        start.handshake.challenge.publicKey,
        { origin: c.origin, ...ctx },
      );
      return c.finishRegistration(start.handshake.id, response, transactionId);
    }

    const devicesOf = async (id: string, c = client) => {
      const users = await c.backend<{ users: Array<{ id: string }> }>(
        'GET',
        `/users?identifier=${encodeURIComponent(id)}`,
      );
      const devices = await c.backend<{ devices: unknown[] }>(
        'GET',
        `/users/${users.body.users[0]!.id}/devices`,
      );
      return devices.body.devices;
    };

    it('refuses a registration without user presence on a normal transaction (401 user_presence_required)', async () => {
      const id = externalId();
      const tx = (await registerTx(client, id)).body.transaction_id;
      const r = await registerOn(tx, NO_PRESENCE);
      expect(r).toMatchObject({ status: 401, body: { code: 'user_presence_required' } });
      expect(await devicesOf(id)).toEqual([]);
    });

    it('accepts a registration without user presence on a transaction made with mediation "conditional"', async () => {
      const id = externalId();
      const created = await registerTx(client, id, { mediation: 'conditional' });
      expect(created.status).toBe(201);
      const r = await registerOn(created.body.transaction_id, NO_PRESENCE);
      expect(r.status).toBe(200);
      expect((await client.verifyNonce(r.body.nonce)).body).toMatchObject({
        external_id: id,
        ceremony: 'register',
        transaction_id: created.body.transaction_id,
      });
      expect(await devicesOf(id)).toHaveLength(1);
    });

    it('lets a modal registration (with user presence) complete a conditional transaction', async () => {
      // The browser may fall back to a prompt the app asked for; presence is never a downgrade.
      const id = externalId();
      const tx = (await registerTx(client, id, { mediation: 'conditional' })).body.transaction_id;
      expect((await registerOn(tx)).status).toBe(200);
    });

    it('keeps a conditional transaction single-use', async () => {
      const id = externalId();
      const tx = (await registerTx(client, id, { mediation: 'conditional' })).body.transaction_id;
      expect((await registerOn(tx, NO_PRESENCE)).status).toBe(200);
      const start = await client.frontend('/register/transactions/webauthn/start', {
        transaction_id: tx,
        authenticator_attachment: 'platform',
      });
      expect(start).toMatchObject({ status: 410, body: { code: 'transaction_consumed' } });
    });

    it('still applies the app’s user-verification policy to a conditional registration', async () => {
      const strict = await server.createApp({
        name: 'UV required',
        origins: [ORIGIN],
        userVerification: 'required',
      });
      const c = new CeremonyClient(server.baseUrl, strict.appId, strict.apiKey, ORIGIN);
      const id = externalId();
      const tx = (await registerTx(c, id, { mediation: 'conditional' })).body.transaction_id;
      const r = await registerOn(
        tx,
        { tamper: { clearUserPresent: true, clearUserVerified: true } },
        c,
      );
      expect(r).toMatchObject({ status: 401, body: { code: 'user_verification_required' } });
      expect(await devicesOf(id, c)).toEqual([]);
    });

    it.each([['modal'], ['required'], [''], [true], [null]])(
      'refuses mediation %j on B1 with 400 invalid_request',
      async (mediation) => {
        const r = await registerTx(client, externalId(), { mediation });
        expect(r).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
      },
    );

    it('accepts mediation on the legacy B9 route too', async () => {
      const id = externalId();
      const r = await client.backend<{ transaction_id: string }>('POST', '/transactions', {
        external_id: id,
        passkey_display_name: id,
        mediation: 'conditional',
      });
      expect(r.status).toBe(201);
      expect((await registerOn(r.body.transaction_id, NO_PRESENCE)).status).toBe(200);
    });
  });
}

await onBothEngines('conditional-create', suite);
