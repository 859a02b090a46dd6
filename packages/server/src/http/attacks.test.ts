import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { CeremonyClient, ManualClock, startTestServer, type TestServer } from '../testing/index.js';

const ORIGIN = 'http://localhost:3000';
const OTHER_ORIGIN = 'http://localhost:4000';
let server: TestServer;
let client: CeremonyClient;
let other: CeremonyClient;
const clock = new ManualClock();

beforeAll(async () => {
  server = await startTestServer({ origins: [ORIGIN], clock });
  client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
  const second = await server.createApp({ name: 'Other app', origins: [OTHER_ORIGIN] });
  other = new CeremonyClient(server.baseUrl, second.appId, second.apiKey, OTHER_ORIGIN);
});
afterAll(() => server.close());

async function registered(externalId: string, c = client, device = new TestAuthenticator()) {
  const r = await c.register(device, externalId);
  expect(r.status).toBe(200);
  return device;
}

/** Start a sign-in for `externalId` and build the assertion with the given tamper knobs. */
async function assertion(
  device: TestAuthenticator,
  externalId: string | undefined,
  ctx: Record<string, unknown> = {},
) {
  const tx =
    externalId === undefined ? undefined : await client.createAuthenticateTransaction(externalId);
  const start = await client.startAuthentication(tx);
  const response = device.getAssertion(start.handshake.challenge.publicKey, {
    origin: ORIGIN,
    ...ctx,
  });
  return { tx, handshakeId: start.handshake.id, response };
}

const code = (r: { body: unknown }) => (r.body as { code: string }).code;

describe('sign-in attacks are refused with their own code', () => {
  it('a replayed nonce → 401 invalid_nonce', async () => {
    const r = await client.register(new TestAuthenticator(), 'atk-nonce');
    expect((await client.verifyNonce(r.body.nonce)).status).toBe(200);
    const again = await client.verifyNonce(r.body.nonce);
    expect([again.status, code(again)]).toEqual([401, 'invalid_nonce']);
  });

  it('a nonce redeemed with another app’s key → 401 invalid_nonce', async () => {
    const r = await client.register(new TestAuthenticator(), 'atk-nonce-app');
    const cross = await other.verifyNonce(r.body.nonce);
    expect([cross.status, code(cross)]).toEqual([401, 'invalid_nonce']);
    expect((await client.verifyNonce(r.body.nonce)).status).toBe(200);
  });

  it('an expired nonce → 401 invalid_nonce', async () => {
    const r = await client.register(new TestAuthenticator(), 'atk-nonce-expired');
    clock.advance(301_000);
    const late = await client.verifyNonce(r.body.nonce);
    expect([late.status, code(late)]).toEqual([401, 'invalid_nonce']);
  });

  it('a replayed challenge (second finish on one handshake) → 410 handshake_consumed', async () => {
    const device = await registered('atk-replay');
    const a = await assertion(device, 'atk-replay');
    expect((await client.finishAuthentication(a.handshakeId, a.response, a.tx)).status).toBe(200);
    const again = await client.finishAuthentication(a.handshakeId, a.response, a.tx);
    expect([again.status, code(again)]).toEqual([410, 'handshake_consumed']);
  });

  it('a failed attempt burns the challenge too', async () => {
    const device = await registered('atk-burn');
    const a = await assertion(device, 'atk-burn', { tamper: { tamperSignature: true } });
    expect(code(await client.finishAuthentication(a.handshakeId, a.response, a.tx))).toBe(
      'invalid_signature',
    );
    const retry = await client.finishAuthentication(
      a.handshakeId,
      device.getAssertion({ challenge: 'AAAA', rpId: 'localhost' }, { origin: ORIGIN }),
      a.tx,
    );
    expect(code(retry)).toBe('handshake_consumed');
  });

  it('an expired transaction → 410 transaction_expired', async () => {
    const device = await registered('atk-expired');
    const tx = await client.createAuthenticateTransaction('atk-expired');
    clock.advance(301_000);
    const r = await client.frontend('/authenticate/transactions/webauthn/start', {
      transaction_id: tx,
    });
    expect([r.status, code(r)]).toEqual([410, 'transaction_expired']);
    void device;
  });

  it('an expired challenge → 410 handshake_expired', async () => {
    const device = await registered('atk-hs-expired');
    const a = await assertion(device, 'atk-hs-expired');
    clock.advance(300_001);
    const r = await client.finishAuthentication(a.handshakeId, a.response, a.tx);
    expect([r.status, code(r)]).toEqual([410, 'handshake_expired']);
  });

  it('a consumed transaction → 410 transaction_consumed', async () => {
    const device = await registered('atk-consumed');
    const a = await assertion(device, 'atk-consumed');
    expect((await client.finishAuthentication(a.handshakeId, a.response, a.tx)).status).toBe(200);
    const r = await client.frontend('/authenticate/transactions/webauthn/start', {
      transaction_id: a.tx,
    });
    expect([r.status, code(r)]).toEqual([410, 'transaction_consumed']);
  });

  it('a register transaction used to sign in → 404 transaction_not_found', async () => {
    const tx = await client.createRegisterTransaction('atk-kind');
    const r = await client.frontend('/authenticate/transactions/webauthn/start', {
      transaction_id: tx,
    });
    expect([r.status, code(r)]).toEqual([404, 'transaction_not_found']);
  });

  it('a wrong origin → 401 origin_mismatch', async () => {
    const device = await registered('atk-origin');
    const a = await assertion(device, 'atk-origin', { tamper: { origin: 'https://evil.example' } });
    const r = await client.finishAuthentication(a.handshakeId, a.response, a.tx);
    expect([r.status, code(r)]).toEqual([401, 'origin_mismatch']);
  });

  it('the origin of another app → 401 origin_mismatch', async () => {
    const device = await registered('atk-origin-app');
    const a = await assertion(device, 'atk-origin-app', { tamper: { origin: OTHER_ORIGIN } });
    const r = await client.finishAuthentication(a.handshakeId, a.response, a.tx);
    expect([r.status, code(r)]).toEqual([401, 'origin_mismatch']);
  });

  it('a wrong RP ID hash → 401 rp_id_mismatch', async () => {
    const device = await registered('atk-rpid');
    const a = await assertion(device, 'atk-rpid', { tamper: { rpId: 'evil.example' } });
    const r = await client.finishAuthentication(a.handshakeId, a.response, a.tx);
    expect([r.status, code(r)]).toEqual([401, 'rp_id_mismatch']);
  });

  it('a wrong challenge → 401 challenge_mismatch', async () => {
    const device = await registered('atk-challenge');
    const a = await assertion(device, 'atk-challenge', {
      tamper: { challenge: Buffer.alloc(32, 7).toString('base64url') },
    });
    const r = await client.finishAuthentication(a.handshakeId, a.response, a.tx);
    expect([r.status, code(r)]).toEqual([401, 'challenge_mismatch']);
  });

  it('a registration response sent to sign-in → 401 ceremony_type_mismatch', async () => {
    const device = await registered('atk-type');
    const a = await assertion(device, 'atk-type', { tamper: { type: 'webauthn.create' } });
    const r = await client.finishAuthentication(a.handshakeId, a.response, a.tx);
    expect([r.status, code(r)]).toEqual([401, 'ceremony_type_mismatch']);
  });

  it('a tampered signature → 401 invalid_signature', async () => {
    const device = await registered('atk-sig');
    const a = await assertion(device, 'atk-sig', { tamper: { tamperSignature: true } });
    const r = await client.finishAuthentication(a.handshakeId, a.response, a.tx);
    expect([r.status, code(r)]).toEqual([401, 'invalid_signature']);
  });

  it('no user presence → 401 user_presence_required', async () => {
    const device = await registered('atk-up');
    const a = await assertion(device, 'atk-up', { tamper: { clearUserPresent: true } });
    const r = await client.finishAuthentication(a.handshakeId, a.response, a.tx);
    expect([r.status, code(r)]).toEqual([401, 'user_presence_required']);
  });

  it('another user’s passkey on a transaction → 403 credential_not_allowed', async () => {
    const alice = await registered('atk-alice');
    await registered('atk-bob');
    const tx = await client.createAuthenticateTransaction('atk-bob');
    const start = await client.startAuthentication(tx);
    // Alice's authenticator ignores allowCredentials and answers with her own passkey.
    const response = alice.getAssertion(
      { ...start.handshake.challenge.publicKey, allowCredentials: [] },
      { origin: ORIGIN },
    );
    const r = await client.finishAuthentication(start.handshake.id, response, tx);
    expect([r.status, code(r)]).toEqual([403, 'credential_not_allowed']);
  });

  it('a passkey of another app → 401 credential_not_found', async () => {
    const device = new TestAuthenticator();
    expect((await other.register(device, 'atk-other-app')).status).toBe(200);
    const start = await client.startAuthentication();
    // Same RP ID (localhost) on both apps, so the authenticator happily signs.
    const response = device.getAssertion(start.handshake.challenge.publicKey, { origin: ORIGIN });
    const r = await client.finishAuthentication(start.handshake.id, response);
    expect([r.status, code(r)]).toEqual([401, 'credential_not_found']);
  });

  it('a sign counter going backwards → 401 counter_regression, recorded as an event', async () => {
    const device = await registered('atk-counter');
    expect((await client.authenticate(device, 'atk-counter')).status).toBe(200);
    expect((await client.authenticate(device, 'atk-counter')).status).toBe(200);
    const a = await assertion(device, 'atk-counter', { tamper: { signCount: 1 } });
    const r = await client.finishAuthentication(a.handshakeId, a.response, a.tx);
    expect([r.status, code(r)]).toEqual([401, 'counter_regression']);
    const users = await client.backend<any>('GET', '/users?identifier=atk-counter');
    const user = (await client.backend<any>('GET', `/users/${users.body.users[0].id}`)).body.user;
    expect(user.recent_events[0]).toMatchObject({
      type: 'counter_regression',
      status: 'incomplete',
    });
  });

  it('a userHandle that is not the owner’s → 401 user_handle_mismatch', async () => {
    const device = await registered('atk-handle');
    const a = await assertion(device, undefined, {
      tamper: { userHandle: new Uint8Array(32).fill(9) },
    });
    const r = await client.finishAuthentication(a.handshakeId, a.response);
    expect([r.status, code(r)]).toEqual([401, 'user_handle_mismatch']);
  });

  it('a revoked passkey → 401 credential_not_found', async () => {
    const device = await registered('atk-revoked');
    const users = await client.backend<any>('GET', '/users?identifier=atk-revoked');
    const userId = users.body.users[0].id;
    const devices = await client.backend<any>('GET', `/users/${userId}/devices`);
    expect(
      (await client.backend('DELETE', `/users/${userId}/devices/${devices.body.devices[0].id}`))
        .status,
    ).toBe(200);
    const a = await assertion(device, undefined);
    const r = await client.finishAuthentication(a.handshakeId, a.response);
    expect([r.status, code(r)]).toEqual([401, 'credential_not_found']);
  });
});

describe('user verification policy "required"', () => {
  let strict: CeremonyClient;
  beforeAll(async () => {
    const app = await server.createApp({
      name: 'Strict',
      origins: ['http://localhost:5000'],
      userVerification: 'required',
    });
    strict = new CeremonyClient(server.baseUrl, app.appId, app.apiKey, 'http://localhost:5000');
  });

  it('refuses a registration without UV → 401 user_verification_required', async () => {
    const r = await strict.register(new TestAuthenticator({ userVerifying: false }), 'uv-reg');
    expect([r.status, code(r)]).toEqual([401, 'user_verification_required']);
  });

  it('refuses a sign-in without UV → 401 user_verification_required', async () => {
    const device = new TestAuthenticator();
    expect((await strict.register(device, 'uv-auth')).status).toBe(200);
    const r = await strict.authenticate(device, 'uv-auth', { tamper: { clearUserVerified: true } });
    expect([r.status, code(r)]).toEqual([401, 'user_verification_required']);
  });
});

describe('registration attacks', () => {
  async function regAttempt(externalId: string, ctx: Record<string, unknown>) {
    const tx = await client.createRegisterTransaction(externalId);
    const start = await client.startRegistration(tx);
    const response = new TestAuthenticator().createCredential(start.handshake.challenge.publicKey, {
      origin: ORIGIN,
      ...ctx,
    });
    return { tx, res: await client.finishRegistration(start.handshake.id, response, tx) };
  }

  it.each([
    ['origin', 401, 'origin_mismatch', { tamper: { origin: 'https://evil.example' } }],
    ['RP ID', 401, 'rp_id_mismatch', { tamper: { rpId: 'evil.example' } }],
    [
      'challenge',
      401,
      'challenge_mismatch',
      { tamper: { challenge: Buffer.alloc(32).toString('base64url') } },
    ],
    ['type', 401, 'ceremony_type_mismatch', { tamper: { type: 'webauthn.get' } }],
    ['user presence', 401, 'user_presence_required', { tamper: { clearUserPresent: true } }],
    [
      'attestation signature',
      400,
      'webauthn_registration_failed',
      { attestation: 'packed', tamper: { badAttestationSignature: true } },
    ],
    ['algorithm', 400, 'unsupported_algorithm', { tamper: { unsupportedAlg: -36 } }],
    ['truncated CBOR', 400, 'malformed_response', { tamper: { truncateAttestationObject: true } }],
  ] as const)(
    'a forged %s → %i %s, and no passkey is stored',
    async (what, status, expected, ctx) => {
      const id = `reg-atk-${what}`;
      const { tx, res } = await regAttempt(id, ctx);
      expect([res.status, code(res)]).toEqual([status, expected]);
      const users = await client.backend<any>('GET', `/users?identifier=${encodeURIComponent(id)}`);
      const devices = await client.backend<any>('GET', `/users/${users.body.users[0].id}/devices`);
      expect(devices.body.devices).toEqual([]);
      // The transaction survives a failed attempt: the user can try again with a new challenge.
      const retry = await client.frontend('/register/transactions/webauthn/start', {
        transaction_id: tx,
      });
      expect(retry.status).toBe(200);
    },
  );

  it('a rawId that is not the attested credential id → 400 malformed_response', async () => {
    // Claiming an existing credential id without its attestation must not reach storage.
    const victim = new TestAuthenticator();
    await registered('reg-victim', client, victim);
    const tx = await client.createRegisterTransaction('reg-claim');
    const start = await client.startRegistration(tx);
    const forged = new TestAuthenticator().createCredential(start.handshake.challenge.publicKey, {
      origin: ORIGIN,
    }) as any;
    const victimId = victim.credentials()[0]!.id;
    const r = await client.finishRegistration(
      start.handshake.id,
      { ...forged, id: victimId, rawId: victimId },
      tx,
    );
    expect([r.status, code(r)]).toEqual([400, 'malformed_response']);
  });
});
