import { PassageError, PassageFlex } from '@passkeyd/node';
import { startTestServer } from '@passkeyd/server/testing';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateInBrowser,
  frontendPost,
  newExternalId,
  ORIGIN,
  registerInBrowser,
  rejectionOf,
  RP_ID,
} from './flow.js';

// Transactions and nonces against a real passkeyd, both SDK shapes.

let server: Awaited<ReturnType<typeof startTestServer>>;
let passage: PassageFlex;

beforeAll(async () => {
  server = await startTestServer({ origins: [ORIGIN], rpId: RP_ID });
  passage = new PassageFlex({
    appId: server.appId,
    apiKey: server.apiKey,
    baseUrl: server.baseUrl,
  });
});

afterAll(async () => {
  await server?.close();
});

/** Registers a passkey for a new user and returns the user's external ID and authenticator. */
async function userWithPasskey() {
  const externalId = newExternalId();
  const authenticator = new TestAuthenticator();
  const transactionId = await passage.auth.createRegisterTransaction(
    externalId,
    `${externalId}@example.com`,
  );
  const nonce = await registerInBrowser(server, server.appId, authenticator, transactionId);
  await expect(passage.auth.verifyNonce(nonce)).resolves.toBe(externalId);
  return { externalId, authenticator };
}

describe('registration', () => {
  it('registers a passkey with the guide-shaped calls and proves the user with verifyNonce', async () => {
    const externalId = newExternalId();
    const transactionId = await passage.createRegisterTransaction({
      externalId,
      passkeyDisplayName: 'jane@example.com',
    });
    expect(transactionId).toEqual(expect.any(String));

    const nonce = await registerInBrowser(
      server,
      server.appId,
      new TestAuthenticator(),
      transactionId,
    );
    await expect(passage.verifyNonce(nonce)).resolves.toBe(externalId);
  });

  it('registers with the 1.x positional form', async () => {
    const externalId = newExternalId();
    const transactionId = await passage.auth.createRegisterTransaction(
      externalId,
      'jane@example.com',
    );
    const nonce = await registerInBrowser(
      server,
      server.appId,
      new TestAuthenticator(),
      transactionId,
    );
    await expect(passage.auth.verifyNonce(nonce)).resolves.toBe(externalId);
  });

  it('registers with the object form of the demo app on the namespace', async () => {
    const externalId = newExternalId();
    const transactionId = await passage.auth.createRegisterTransaction({
      externalId,
      passkeyDisplayName: 'jane@example.com',
    });
    const nonce = await registerInBrowser(
      server,
      server.appId,
      new TestAuthenticator(),
      transactionId,
    );
    await expect(passage.auth.verifyNonce(nonce)).resolves.toBe(externalId);
  });

  it('returns a distinct transaction per call', async () => {
    const externalId = newExternalId();
    const first = await passage.createRegisterTransaction({ externalId, passkeyDisplayName: 'a' });
    const second = await passage.createRegisterTransaction({ externalId, passkeyDisplayName: 'a' });
    expect(first).not.toBe(second);
  });

  it('passes a server-side 400 through as invalid_request (external ID over 255 characters)', async () => {
    const err = await rejectionOf(
      passage.auth.createRegisterTransaction('x'.repeat(256), 'jane@example.com'),
    );
    expect(err).toBeInstanceOf(PassageError);
    expect(err).toMatchObject({ statusCode: 400, errorCode: 'invalid_request' });
  });
});

describe('authentication', () => {
  it('signs a registered user in with the guide-shaped calls', async () => {
    const { externalId, authenticator } = await userWithPasskey();
    const transactionId = await passage.createAuthenticateTransaction({ externalId });
    const nonce = await authenticateInBrowser(server, server.appId, authenticator, transactionId);
    await expect(passage.verifyNonce(nonce)).resolves.toBe(externalId);
  });

  it('signs a registered user in with the 1.x positional form', async () => {
    const { externalId, authenticator } = await userWithPasskey();
    const transactionId = await passage.auth.createAuthenticateTransaction(externalId);
    const nonce = await authenticateInBrowser(server, server.appId, authenticator, transactionId);
    await expect(passage.auth.verifyNonce(nonce)).resolves.toBe(externalId);
  });

  it('accepts the object form on the namespace', async () => {
    const { externalId } = await userWithPasskey();
    await expect(passage.auth.createAuthenticateTransaction({ externalId })).resolves.toEqual(
      expect.any(String),
    );
  });

  it('rejects an unknown user with 404 user_not_found', async () => {
    const err = await rejectionOf(
      passage.auth.createAuthenticateTransaction(newExternalId('nobody')),
    );
    expect(err).toBeInstanceOf(PassageError);
    expect(err).toMatchObject({ statusCode: 404, errorCode: 'user_not_found' });
  });

  it('rejects a user who never finished registering with 409 user_has_no_passkeys', async () => {
    const externalId = newExternalId();
    await passage.createRegisterTransaction({ externalId, passkeyDisplayName: 'no passkey yet' });
    const err = await rejectionOf(passage.createAuthenticateTransaction({ externalId }));
    expect(err).toBeInstanceOf(PassageError);
    expect(err).toMatchObject({ statusCode: 409, errorCode: 'user_has_no_passkeys' });
  });
});

describe('nonces', () => {
  it('accepts a nonce once: the second verifyNonce is 401 invalid_nonce', async () => {
    const externalId = newExternalId();
    const transactionId = await passage.auth.createRegisterTransaction(externalId, 'jane');
    const nonce = await registerInBrowser(
      server,
      server.appId,
      new TestAuthenticator(),
      transactionId,
    );
    await expect(passage.auth.verifyNonce(nonce)).resolves.toBe(externalId);

    const err = await rejectionOf(passage.auth.verifyNonce(nonce));
    expect(err).toBeInstanceOf(PassageError);
    expect(err).toMatchObject({ statusCode: 401, errorCode: 'invalid_nonce' });
  });

  it('rejects a made-up nonce with 401 invalid_nonce, through both shapes', async () => {
    for (const verify of [
      passage.verifyNonce.bind(passage),
      passage.auth.verifyNonce.bind(passage.auth),
    ]) {
      const err = await rejectionOf(verify('nce_made_up'));
      expect(err).toMatchObject({ statusCode: 401, errorCode: 'invalid_nonce' });
    }
  });

  it('rejects a nonce issued to another app', async () => {
    const other = await server.createApp({ name: 'Other', rpId: RP_ID, origins: [ORIGIN] });
    const otherPassage = new PassageFlex({
      appId: other.appId,
      apiKey: other.apiKey,
      baseUrl: server.baseUrl,
    });
    const transactionId = await otherPassage.auth.createRegisterTransaction(newExternalId(), 'x');
    const nonce = await registerInBrowser(
      server,
      other.appId,
      new TestAuthenticator(),
      transactionId,
    );

    const err = await rejectionOf(passage.auth.verifyNonce(nonce));
    expect(err).toMatchObject({ statusCode: 401, errorCode: 'invalid_nonce' });
  });
});

describe('nonce details (passkeyd addition)', () => {
  it('says a registration nonce came from "register", with the new passkey', async () => {
    const externalId = newExternalId();
    const authenticator = new TestAuthenticator();
    const transactionId = await passage.auth.createRegisterTransaction(externalId, 'jane');
    const nonce = await registerInBrowser(server, server.appId, authenticator, transactionId);
    const before = Date.now();

    const proof = await passage.verifyNonceDetails(nonce);
    const [device] = await passage.getDevices(externalId);
    expect(proof).toEqual({
      externalId,
      ceremony: 'register',
      credentialId: authenticator.credentials()[0]!.id,
      deviceId: device!.id,
      transactionId,
      userVerified: true,
      backedUp: true,
      authenticatorName: null,
      authenticatedAt: expect.any(Date),
    });
    expect(proof.authenticatedAt.getTime()).toBeLessThanOrEqual(before);
  });

  it('says a sign-in nonce came from "authenticate", with its transaction or none', async () => {
    const { externalId, authenticator } = await userWithPasskey();
    const transactionId = await passage.auth.createAuthenticateTransaction(externalId);
    const nonce = await authenticateInBrowser(server, server.appId, authenticator, transactionId);
    await expect(passage.auth.verifyNonceDetails(nonce)).resolves.toMatchObject({
      externalId,
      ceremony: 'authenticate',
      transactionId,
    });
  });

  it('redeems the nonce: verifyNonce afterwards is 401 invalid_nonce', async () => {
    const externalId = newExternalId();
    const transactionId = await passage.auth.createRegisterTransaction(externalId, 'jane');
    const nonce = await registerInBrowser(
      server,
      server.appId,
      new TestAuthenticator(),
      transactionId,
    );
    await passage.verifyNonceDetails(nonce);
    await expect(rejectionOf(passage.verifyNonce(nonce))).resolves.toMatchObject({
      statusCode: 401,
      errorCode: 'invalid_nonce',
    });
  });
});

describe('superseding register transactions (passkeyd addition)', () => {
  it('ends the earlier unfinished register transaction, through both shapes', async () => {
    for (const create of [
      (id: string) =>
        passage.createRegisterTransaction({
          externalId: id,
          passkeyDisplayName: 'jane',
          supersedePending: true,
        }),
      (id: string) =>
        passage.auth.createRegisterTransaction(id, 'jane', { supersedePending: true }),
    ]) {
      const externalId = newExternalId();
      const kept = await passage.auth.createRegisterTransaction(externalId, 'jane');
      const fresh = await create(externalId);

      const err = await rejectionOf(
        registerInBrowser(server, server.appId, new TestAuthenticator(), kept),
      );
      expect(err).toMatchObject({ status: 410, body: { code: 'transaction_consumed' } });
      const nonce = await registerInBrowser(server, server.appId, new TestAuthenticator(), fresh);
      await expect(passage.verifyNonce(nonce)).resolves.toBe(externalId);
    }
  });

  it('keeps earlier transactions without the option', async () => {
    const externalId = newExternalId();
    const first = await passage.auth.createRegisterTransaction(externalId, 'jane');
    await passage.auth.createRegisterTransaction(externalId, 'jane', { supersedePending: false });
    const nonce = await registerInBrowser(server, server.appId, new TestAuthenticator(), first);
    await expect(passage.verifyNonce(nonce)).resolves.toBe(externalId);
  });

  it('rejects a non-boolean supersedePending before any request', async () => {
    const err = await rejectionOf(
      passage.auth.createRegisterTransaction('u', 'n', { supersedePending: 'yes' as never }),
    );
    expect(err).toMatchObject({ errorCode: 'invalid_argument' });
  });
});

describe('conditional create transactions (passkeyd addition)', () => {
  const noPresence = { tamper: { clearUserPresent: true } };

  it('makes a transaction that accepts a passkey created without user presence, through both shapes', async () => {
    for (const create of [
      (id: string) =>
        passage.createRegisterTransaction({
          externalId: id,
          passkeyDisplayName: 'jane',
          mediation: 'conditional',
        }),
      (id: string) =>
        passage.auth.createRegisterTransaction(id, 'jane', { mediation: 'conditional' }),
    ]) {
      const externalId = newExternalId();
      const transactionId = await create(externalId);
      const nonce = await registerInBrowser(
        server,
        server.appId,
        new TestAuthenticator(),
        transactionId,
        noPresence,
      );
      await expect(passage.verifyNonce(nonce)).resolves.toBe(externalId);
    }
  });

  it('leaves a transaction without the option refusing it (user_presence_required)', async () => {
    const transactionId = await passage.auth.createRegisterTransaction(newExternalId(), 'jane');
    const err = await rejectionOf(
      registerInBrowser(server, server.appId, new TestAuthenticator(), transactionId, noPresence),
    );
    expect(err).toMatchObject({ status: 401, body: { code: 'user_presence_required' } });
  });

  it('rejects a mediation other than conditional before any request', async () => {
    const err = await rejectionOf(
      passage.auth.createRegisterTransaction('u', 'n', { mediation: 'modal' as never }),
    );
    expect(err).toMatchObject({ errorCode: 'invalid_argument' });
  });
});

describe('hints and step-up (passkeyd additions)', () => {
  const startOptions = async (kind: 'register' | 'authenticate', transactionId: string) => {
    const start = await frontendPost(server, server.appId, `${kind}/transactions/webauthn/start`, {
      transaction_id: transactionId,
    });
    return (start.handshake as { challenge: { publicKey: Record<string, unknown> } }).challenge
      .publicKey;
  };

  it('sends hints with both transaction kinds, in both shapes, and they reach the options', async () => {
    const externalId = newExternalId();
    const positional = await passage.auth.createRegisterTransaction(externalId, 'jane', {
      hints: ['security-key'],
    });
    expect((await startOptions('register', positional)).hints).toEqual(['security-key']);
    const byObject = await passage.createRegisterTransaction({
      externalId,
      passkeyDisplayName: 'jane',
      hints: ['hybrid', 'client-device'],
    });
    expect((await startOptions('register', byObject)).hints).toEqual(['hybrid', 'client-device']);
  });

  it('asks for user verification on a step-up sign-in, and verifyNonceDetails says it was given', async () => {
    const { externalId, authenticator } = await userWithPasskey();
    const stepUp = await passage.auth.createAuthenticateTransaction(externalId, {
      userVerification: 'required',
      hints: ['client-device'],
    });
    const options = await startOptions('authenticate', stepUp);
    expect(options).toMatchObject({ userVerification: 'required', hints: ['client-device'] });
    const nonce = await authenticateInBrowser(server, server.appId, authenticator, stepUp);
    await expect(passage.auth.verifyNonceDetails(nonce)).resolves.toMatchObject({
      externalId,
      ceremony: 'authenticate',
      transactionId: stepUp,
      userVerified: true,
    });

    const objectForm = await passage.createAuthenticateTransaction({
      externalId,
      userVerification: 'required',
    });
    expect((await startOptions('authenticate', objectForm)).userVerification).toBe('required');
  });

  it('refuses a wrong userVerification or hints type before any request', async () => {
    for (const call of [
      passage.auth.createAuthenticateTransaction('u', { userVerification: 'preferred' as never }),
      passage.auth.createAuthenticateTransaction('u', { hints: 'hybrid' as never }),
      passage.auth.createRegisterTransaction('u', 'n', { hints: [1] as never }),
    ]) {
      await expect(rejectionOf(call)).resolves.toMatchObject({ errorCode: 'invalid_argument' });
    }
  });

  it('surfaces an unknown hint as the server’s 400 invalid_request', async () => {
    const err = await rejectionOf(
      passage.auth.createRegisterTransaction(newExternalId(), 'n', { hints: ['usb'] as never }),
    );
    expect(err).toMatchObject({ statusCode: 400, errorCode: 'invalid_request' });
  });
});
