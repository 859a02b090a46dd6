import { PassageError, PassageFlex } from '@passkeyd/node';
import { startTestServer } from '@passkeyd/server/testing';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  FrontendError,
  newExternalId,
  ORIGIN,
  registerInBrowser,
  rejectionOf,
  RP_ID,
} from './flow.js';

// Lifetimes. The server runs on a clock the test moves forward, so nothing sleeps.

const TRANSACTION_TTL_SECONDS = 60;
const NONCE_TTL_SECONDS = 30;

let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };
const advance = (seconds: number) => {
  offsetMs += seconds * 1000;
};

let server: Awaited<ReturnType<typeof startTestServer>>;
let passage: PassageFlex;

beforeAll(async () => {
  server = await startTestServer({
    origins: [ORIGIN],
    rpId: RP_ID,
    transactionTtlSeconds: TRANSACTION_TTL_SECONDS,
    nonceTtlSeconds: NONCE_TTL_SECONDS,
    clock,
  });
  passage = new PassageFlex({
    appId: server.appId,
    apiKey: server.apiKey,
    baseUrl: server.baseUrl,
  });
});

afterAll(async () => {
  await server?.close();
});

it('lets the browser use a register transaction within its lifetime', async () => {
  const externalId = newExternalId();
  const transactionId = await passage.createRegisterTransaction({
    externalId,
    passkeyDisplayName: 'jane',
  });
  advance(TRANSACTION_TTL_SECONDS - 10);
  const nonce = await registerInBrowser(
    server,
    server.appId,
    new TestAuthenticator(),
    transactionId,
  );
  await expect(passage.verifyNonce(nonce)).resolves.toBe(externalId);
});

it('refuses to start a ceremony on an expired register transaction', async () => {
  const transactionId = await passage.createRegisterTransaction({
    externalId: newExternalId(),
    passkeyDisplayName: 'jane',
  });
  advance(TRANSACTION_TTL_SECONDS + 1);

  // The backend SDK is not involved here: the browser's start call is what fails.
  const err = await rejectionOf(
    registerInBrowser(server, server.appId, new TestAuthenticator(), transactionId),
  );
  expect(err).toBeInstanceOf(FrontendError);
  expect(err).toMatchObject({ status: 410, body: { code: 'transaction_expired' } });
});

it('rejects an expired nonce with 401 invalid_nonce', async () => {
  const externalId = newExternalId();
  const transactionId = await passage.auth.createRegisterTransaction(externalId, 'jane');
  const nonce = await registerInBrowser(
    server,
    server.appId,
    new TestAuthenticator(),
    transactionId,
  );
  advance(NONCE_TTL_SECONDS + 1);

  const err = await rejectionOf(passage.auth.verifyNonce(nonce));
  expect(err).toBeInstanceOf(PassageError);
  expect(err).toMatchObject({ statusCode: 401, errorCode: 'invalid_nonce' });
});
