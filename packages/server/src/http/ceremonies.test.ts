import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator, generateCredentialKey } from '@passkeyd/test-authenticator';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';

const ORIGIN = 'http://localhost:3000';
let server: TestServer;
let client: CeremonyClient;

beforeAll(async () => {
  server = await startTestServer({ origins: [ORIGIN] });
  client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
});
afterAll(() => server.close());

describe('the Passkey Flex flow over HTTP', () => {
  it('registers a passkey and the nonce redeems to the external id', async () => {
    const device = new TestAuthenticator();
    const finish = await client.register(device, 'user-register');
    expect(finish.status).toBe(200);
    expect(finish.body.nonce).toMatch(/^nce_/);
    const verified = await client.verifyNonce(finish.body.nonce);
    expect(verified).toMatchObject({ status: 200, body: { external_id: 'user-register' } });
  });

  it('issues transaction ids, handshake ids and nonces in creation order (each new row goes to the end of its index)', async () => {
    const device = new TestAuthenticator();
    await client.register(device, 'user-ordered');
    const made: { tx: string; hs: string; nonce: string }[] = [];
    for (let i = 0; i < 6; i++) {
      // Two ids of the same millisecond share their time and are ordered by chance.
      await new Promise((r) => setTimeout(r, 3));
      const tx = await client.createAuthenticateTransaction('user-ordered');
      await new Promise((r) => setTimeout(r, 3));
      const start = await client.startAuthentication(tx);
      const response = device.getAssertion(start.handshake.challenge.publicKey, { origin: ORIGIN });
      const finish = await client.finishAuthentication(start.handshake.id, response, tx);
      expect(finish.status).toBe(200);
      made.push({ tx, hs: start.handshake.id, nonce: finish.body.nonce as string });
    }
    // Byte order, as SQLite compares text: what a B-tree of these keys is sorted by.
    const sorted = (ids: string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const field of ['tx', 'hs', 'nonce'] as const) {
      const ids = made.map((m) => m[field]);
      expect(ids).toEqual(sorted(ids));
      expect(new Set(ids).size).toBe(ids.length);
    }
    // Still redeemable, and still single use.
    const last = made.at(-1)!.nonce;
    expect((await client.verifyNonce(last)).body).toMatchObject({ external_id: 'user-ordered' });
    expect((await client.verifyNonce(last)).status).toBe(401);
  });

  it('signs in with a transaction, offering only that user’s passkeys', async () => {
    const device = new TestAuthenticator();
    await client.register(device, 'user-tx');
    const tx = await client.createAuthenticateTransaction('user-tx');
    const start = await client.startAuthentication(tx);
    const allow = start.handshake.challenge.publicKey.allowCredentials as { id: string }[];
    expect(allow.map((c) => c.id)).toEqual([device.credentials()[0]!.id]);
    expect(start.transaction_id).toBe(tx);
    const response = device.getAssertion(start.handshake.challenge.publicKey, { origin: ORIGIN });
    const finish = await client.finishAuthentication(start.handshake.id, response, tx);
    expect(finish.status).toBe(200);
    expect((await client.verifyNonce(finish.body.nonce)).body).toMatchObject({
      external_id: 'user-tx',
    });
  });

  it('signs in without a transaction (discoverable) and finds the user from the credential', async () => {
    const device = new TestAuthenticator();
    await client.register(device, 'user-discoverable');
    const start = await client.startAuthentication();
    expect(start.handshake.challenge.publicKey.allowCredentials).toBeUndefined();
    expect(start.transaction_id).toBeUndefined();
    const response = device.getAssertion(start.handshake.challenge.publicKey, { origin: ORIGIN });
    const finish = await client.finishAuthentication(start.handshake.id, response);
    expect(finish.status).toBe(200);
    expect((await client.verifyNonce(finish.body.nonce)).body).toMatchObject({
      external_id: 'user-discoverable',
    });
  });

  it.each([
    ['ES256', 'none'],
    ['EdDSA', 'none'],
    ['RS256', 'packed'],
    ['ES256', 'packed'],
  ] as const)(
    'registers and signs in with %s keys and %s attestation',
    async (alg, attestation) => {
      const device = new TestAuthenticator();
      const key = alg === 'RS256' ? generateCredentialKey('RS256') : undefined;
      const reg = await client.register(device, `user-${alg}-${attestation}`, {
        alg,
        attestation,
        ...(key ? { key } : {}),
      });
      expect(reg.status).toBe(200);
      const auth = await client.authenticate(device, `user-${alg}-${attestation}`);
      expect(auth.status).toBe(200);
      expect((await client.verifyNonce(auth.body.nonce)).body).toMatchObject({
        external_id: `user-${alg}-${attestation}`,
      });
    },
  );

  it('creates the register options the issue asks for', async () => {
    const tx = await client.createRegisterTransaction('user-options', 'jane@example.com');
    const start = await client.startRegistration(tx);
    const pk = start.handshake.challenge.publicKey as Record<string, any>;
    expect(pk.rp).toEqual({ name: 'Test app', id: 'localhost' });
    expect(pk.user.name).toBe('jane@example.com');
    // The WebAuthn user handle is random, never the external id.
    expect(Buffer.from(pk.user.id, 'base64url').toString()).not.toContain('user-options');
    expect(Buffer.from(pk.user.id, 'base64url')).toHaveLength(32);
    expect(Buffer.from(pk.challenge, 'base64url')).toHaveLength(32);
    expect(pk.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([-7, -8, -257]);
    expect(pk.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'preferred',
      authenticatorAttachment: 'platform',
    });
    expect(pk.attestation).toBe('none');
    expect(pk.extensions).toEqual({ credProps: true });
  });

  it('leaves the attachment to the browser for "any"', async () => {
    const tx = await client.createRegisterTransaction('user-any');
    const r = await client.frontend<any>('/register/transactions/webauthn/start', {
      transaction_id: tx,
      authenticator_attachment: 'any',
    });
    expect(
      r.body.handshake.challenge.publicKey.authenticatorSelection.authenticatorAttachment,
    ).toBeUndefined();
  });

  it('excludes the user’s existing passkeys when registering another', async () => {
    const device = new TestAuthenticator();
    await client.register(device, 'user-exclude');
    const tx = await client.createRegisterTransaction('user-exclude');
    const start = await client.startRegistration(tx);
    const exclude = start.handshake.challenge.publicKey.excludeCredentials as { id: string }[];
    expect(exclude.map((c) => c.id)).toEqual([device.credentials()[0]!.id]);
    expect(() =>
      device.createCredential(start.handshake.challenge.publicKey, { origin: ORIGIN }),
    ).toThrow(/InvalidState|already/i);
  });

  it('accepts standard padded base64 and a top-level transports list, as the Passage SDKs send', async () => {
    const device = new TestAuthenticator();
    const tx = await client.createRegisterTransaction('user-encodings');
    const start = await client.startRegistration(tx);
    const reg = device.createCredential(start.handshake.challenge.publicKey, {
      origin: ORIGIN,
    }) as any;
    const std = (s: string) => Buffer.from(s, 'base64url').toString('base64');
    const passageShaped = {
      id: reg.id,
      rawId: reg.rawId,
      type: 'public-key',
      response: {
        attestationObject: std(reg.response.attestationObject),
        clientDataJSON: std(reg.response.clientDataJSON),
      },
      transports: ['internal', 'hybrid'],
    };
    expect((await client.finishRegistration(start.handshake.id, passageShaped, tx)).status).toBe(
      200,
    );

    const atx = await client.createAuthenticateTransaction('user-encodings');
    const astart = await client.startAuthentication(atx);
    const a = device.getAssertion(astart.handshake.challenge.publicKey, { origin: ORIGIN }) as any;
    const iosShaped = {
      id: a.id,
      rawId: a.rawId,
      type: 'public-key',
      response: {
        authenticatorData: std(a.response.authenticatorData),
        clientDataJSON: std(a.response.clientDataJSON),
        signature: std(a.response.signature),
        userHandle: '',
      },
    };
    const finish = await client.finishAuthentication(astart.handshake.id, iosShaped, atx);
    expect(finish.status).toBe(200);
    const devices = await client.backend<any>(
      'GET',
      `/users/${(await client.backend<any>('GET', '/users?identifier=user-encodings')).body.users[0].id}/devices`,
    );
    expect(devices.body.devices[0].transports).toEqual(['internal', 'hybrid']);
  });

  it('redeems a nonce exactly once under 50 concurrent verifications', async () => {
    const device = new TestAuthenticator();
    const finish = await client.register(device, 'user-concurrent');
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client.verifyNonce(finish.body.nonce)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 401 && (r.body as any).code === 'invalid_nonce'),
    ).toHaveLength(49);
  });

  it('records sign-in bookkeeping: counter, usage, last login and events', async () => {
    const device = new TestAuthenticator();
    await client.register(device, 'user-bookkeeping');
    await client.authenticate(device, 'user-bookkeeping');
    await client.authenticate(device);
    const users = await client.backend<any>('GET', '/users?identifier=user-bookkeeping');
    const user = (await client.backend<any>('GET', `/users/${users.body.users[0].id}`)).body.user;
    expect(user.login_count).toBe(2);
    expect(user.last_login_at).not.toBeNull();
    expect(user.webauthn).toBe(true);
    expect(user.webauthn_devices[0].usage_count).toBe(2);
    expect(user.webauthn_devices[0].type).toBe('passkey');
    expect(user.recent_events.map((e: { type: string }) => e.type)).toEqual([
      'passkey_login',
      'passkey_login',
      'passkey_register',
    ]);
  });
});
