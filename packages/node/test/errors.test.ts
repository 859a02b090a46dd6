import { PassageError, PassageFlex } from '@passkeyd/node';
import { startTestServer } from '@passkeyd/server/testing';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newExternalId, ORIGIN, registerInBrowser, rejectionOf, RP_ID } from './flow.js';

// Failures that come from configuration and the network, against a real passkeyd.

let server: Awaited<ReturnType<typeof startTestServer>>;
let passage: PassageFlex;
let externalId: string;
let deviceId: string;

beforeAll(async () => {
  server = await startTestServer({ origins: [ORIGIN], rpId: RP_ID });
  passage = new PassageFlex({
    appId: server.appId,
    apiKey: server.apiKey,
    baseUrl: server.baseUrl,
  });
  externalId = newExternalId();
  const transactionId = await passage.auth.createRegisterTransaction(externalId, 'jane');
  await passage.auth.verifyNonce(
    await registerInBrowser(server, server.appId, new TestAuthenticator(), transactionId),
  );
  deviceId = (await passage.user.listDevices(externalId))[0]!.id;
});

afterAll(async () => {
  await server?.close();
});

/** Every public method, with arguments that would succeed given the right key. */
function everyMethod(p: PassageFlex): Record<string, () => Promise<unknown>> {
  return {
    getApp: () => p.getApp(),
    createRegisterTransaction: () =>
      p.createRegisterTransaction({ externalId, passkeyDisplayName: 'x' }),
    createAuthenticateTransaction: () => p.createAuthenticateTransaction({ externalId }),
    verifyNonce: () => p.verifyNonce('nce_anything'),
    getUser: () => p.getUser(externalId),
    getDevices: () => p.getDevices(externalId),
    revokeDevice: () => p.revokeDevice(externalId, deviceId),
    'auth.createRegisterTransaction': () => p.auth.createRegisterTransaction(externalId, 'x'),
    'auth.createAuthenticateTransaction': () => p.auth.createAuthenticateTransaction(externalId),
    'auth.verifyNonce': () => p.auth.verifyNonce('nce_anything'),
    'user.get': () => p.user.get(externalId),
    'user.listDevices': () => p.user.listDevices(externalId),
    'user.revokeDevice': () => p.user.revokeDevice(externalId, deviceId),
    'user.renameDevice': () => p.user.renameDevice(externalId, deviceId, 'x'),
    'user.delete': () => p.user.delete(externalId),
  };
}

describe('a wrong API key', () => {
  const names = Object.keys(everyMethod(null as unknown as PassageFlex));

  it.each(names)('makes %s reject with 401 invalid_access_token', async (name) => {
    const wrongKey = new PassageFlex({
      appId: server.appId,
      apiKey: 'pkd_AAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      baseUrl: server.baseUrl,
    });
    const err = await rejectionOf(everyMethod(wrongKey)[name]!());
    expect(err).toBeInstanceOf(PassageError);
    expect(err).toMatchObject({ statusCode: 401, errorCode: 'invalid_access_token' });
  });

  it('left the user and passkey untouched', async () => {
    await expect(passage.user.listDevices(externalId)).resolves.toHaveLength(1);
  });

  it("is the verdict for another app's valid key too (keys are scoped to one app)", async () => {
    const other = await server.createApp({ name: 'Other', rpId: RP_ID, origins: [ORIGIN] });
    const crossed = new PassageFlex({
      appId: server.appId,
      apiKey: other.apiKey,
      baseUrl: server.baseUrl,
    });
    const err = await rejectionOf(crossed.user.get(externalId));
    expect(err).toMatchObject({ statusCode: 401, errorCode: 'invalid_access_token' });
  });

  it('is the verdict for an app ID that does not exist', async () => {
    const unknownApp = new PassageFlex({
      appId: 'app_unknown',
      apiKey: server.apiKey,
      baseUrl: server.baseUrl,
    });
    const err = await rejectionOf(unknownApp.getApp());
    expect(err).toMatchObject({ statusCode: 401, errorCode: 'invalid_access_token' });
  });
});

describe('a wrong baseUrl', () => {
  it('reports a path that is not passkeyd as a 404 PassageError', async () => {
    const misrouted = new PassageFlex({
      appId: server.appId,
      apiKey: server.apiKey,
      baseUrl: `${server.baseUrl}/not-here`,
    });
    const err = await rejectionOf(misrouted.auth.verifyNonce('nce_x'));
    expect(err).toBeInstanceOf(PassageError);
    expect((err as PassageError).statusCode).toBe(404);
  });

  it('reports a closed port as network_error, without retrying the POST', async () => {
    const closed = await startTestServer({ origins: [ORIGIN], rpId: RP_ID });
    const { baseUrl, appId, apiKey } = closed;
    await closed.close();
    const unreachable = new PassageFlex({ appId, apiKey, baseUrl });
    const err = await rejectionOf(unreachable.auth.verifyNonce('nce_x'));
    expect(err).toBeInstanceOf(PassageError);
    expect(err).toMatchObject({ statusCode: 0, errorCode: 'network_error' });
  });
});

describe('a trailing /v1 in baseUrl', () => {
  it('is tolerated', async () => {
    const withV1 = new PassageFlex({
      appId: server.appId,
      apiKey: server.apiKey,
      baseUrl: `${server.baseUrl}/v1/`,
    });
    await expect(withV1.getApp()).resolves.toMatchObject({ id: server.appId });
  });
});
