import { PassageError, PassageFlex, type WebAuthnDevice } from '@passkeyd/node';
import { startTestServer } from '@passkeyd/server/testing';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateInBrowser,
  newExternalId,
  ORIGIN,
  registerInBrowser,
  rejectionOf,
  RP_ID,
} from './flow.js';

// Users and passkeys against a real passkeyd, both SDK shapes.

// Apple's passkey provider's AAGUID, so the server can name the authenticator.
const ICLOUD_AAGUID = 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd';

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

async function register(externalId: string, authenticator = new TestAuthenticator()) {
  const transactionId = await passage.auth.createRegisterTransaction(
    externalId,
    `${externalId}@example.com`,
  );
  const nonce = await registerInBrowser(server, server.appId, authenticator, transactionId);
  await passage.auth.verifyNonce(nonce);
  return authenticator;
}

async function signIn(externalId: string, authenticator: TestAuthenticator) {
  const transactionId = await passage.auth.createAuthenticateTransaction(externalId);
  await passage.auth.verifyNonce(
    await authenticateInBrowser(server, server.appId, authenticator, transactionId),
  );
}

function expectDevice(device: WebAuthnDevice) {
  expect(device).toEqual({
    id: expect.any(String),
    credId: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
    friendlyName: expect.any(String),
    type: expect.stringMatching(/^(passkey|security_key|platform)$/),
    usageCount: expect.any(Number),
    createdAt: expect.any(Date),
    updatedAt: expect.any(Date),
    lastLoginAt: expect.any(Date),
    icons: {
      light: expect.toBeOneOf([null, expect.any(String)]),
      dark: expect.toBeOneOf([null, expect.any(String)]),
    },
    authenticatorName: expect.toBeOneOf([null, expect.any(String)]),
    aaguid: expect.toBeOneOf([null, expect.any(String)]),
    backupEligible: expect.any(Boolean),
    backedUp: expect.any(Boolean),
    transports: expect.any(Array),
  });
}

describe('user.get and getUser', () => {
  it('returns the 1.x PassageUser with externalId, camelCase and Dates', async () => {
    const externalId = newExternalId();
    const authenticator = await register(externalId);
    await signIn(externalId, authenticator);

    const user = await passage.user.get(externalId);
    expect(user).toEqual({
      id: expect.any(String),
      externalId,
      status: 'active',
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
      lastLoginAt: expect.any(Date),
      loginCount: expect.any(Number),
      userMetadata: expect.toBeOneOf([null, expect.any(Object)]),
      webauthn: true,
      webauthnDevices: [expect.any(Object)],
      webauthnTypes: [expect.any(String)],
    });
    expect(user.loginCount).toBeGreaterThanOrEqual(1);
    expect(user.lastLoginAt.getTime()).toBeGreaterThan(0);
    expectDevice(user.webauthnDevices[0]!);
  });

  it('accepts the object form', async () => {
    const externalId = newExternalId();
    await register(externalId);
    await expect(passage.user.get({ externalId })).resolves.toMatchObject({ externalId });
  });

  it('returns the 0.x UserInfo without externalId from getUser', async () => {
    const externalId = newExternalId();
    await register(externalId);
    const info = await passage.getUser(externalId);
    expect(info).not.toHaveProperty('externalId');
    expect(info).toMatchObject({ status: 'active', webauthn: true });
    expect(info.id).toBe((await passage.user.get(externalId)).id);
  });

  it('reports a user without passkeys as webauthn: false', async () => {
    const externalId = newExternalId();
    await passage.createRegisterTransaction({ externalId, passkeyDisplayName: 'x' });
    await expect(passage.user.get(externalId)).resolves.toMatchObject({
      webauthn: false,
      webauthnDevices: [],
      webauthnTypes: [],
    });
  });
});

describe('user.listDevices and getDevices', () => {
  it('lists every passkey with the AAGUID-derived authenticator name', async () => {
    const externalId = newExternalId();
    await register(externalId, new TestAuthenticator({ aaguid: ICLOUD_AAGUID }));
    await register(externalId, new TestAuthenticator());

    const devices = await passage.user.listDevices(externalId);
    expect(devices).toHaveLength(2);
    devices.forEach(expectDevice);
    const icloud = devices.find((d) => d.aaguid === ICLOUD_AAGUID);
    // The community AAGUID list renamed it from "iCloud Keychain" to "Apple Passwords".
    expect(icloud?.authenticatorName).toMatch(/^(iCloud Keychain|Apple Passwords)/);
    expect(icloud).toMatchObject({ backupEligible: true, type: 'passkey' });
    const unknown = devices.find((d) => d.aaguid !== ICLOUD_AAGUID);
    expect(unknown?.authenticatorName).toBeNull();
  });

  it('returns the same devices from getDevices and the object form', async () => {
    const externalId = newExternalId();
    await register(externalId);
    const viaOld = await passage.getDevices(externalId);
    const viaObject = await passage.user.listDevices({ externalId });
    expect(viaOld).toEqual(viaObject);
    expect(viaOld).toHaveLength(1);
  });

  it('counts a sign-in on the passkey used', async () => {
    const externalId = newExternalId();
    const authenticator = await register(externalId);
    const [before] = await passage.user.listDevices(externalId);
    await signIn(externalId, authenticator);
    const [after] = await passage.user.listDevices(externalId);
    expect(after!.usageCount).toBe(before!.usageCount + 1);
    expect(after!.lastLoginAt.getTime()).toBeGreaterThan(0);
  });
});

describe('user.revokeDevice and revokeDevice', () => {
  it('revokes with the 1.x positional form and resolves to undefined', async () => {
    const externalId = newExternalId();
    const authenticator = await register(externalId);
    const [device] = await passage.user.listDevices(externalId);

    await expect(passage.user.revokeDevice(externalId, device!.id)).resolves.toBeUndefined();
    await expect(passage.user.listDevices(externalId)).resolves.toEqual([]);
    // The revoked passkey can no longer start a sign-in.
    const err = await rejectionOf(signIn(externalId, authenticator));
    expect(err).toMatchObject({ statusCode: 409, errorCode: 'user_has_no_passkeys' });
  });

  it('revokes with the object form of the demo app', async () => {
    const externalId = newExternalId();
    await register(externalId);
    const [device] = await passage.user.listDevices(externalId);
    await passage.user.revokeDevice({ externalId, deviceId: device!.id });
    await expect(passage.user.listDevices(externalId)).resolves.toEqual([]);
  });

  it('resolves to true from the 0.x revokeDevice', async () => {
    const externalId = newExternalId();
    await register(externalId);
    const [device] = await passage.getDevices(externalId);
    await expect(passage.revokeDevice(externalId, device!.id)).resolves.toBe(true);
  });

  it('passes force for the last-passkey guard (passkeyd addition), in every shape', async () => {
    const res = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prevent_last_passkey_removal: true }),
    });
    expect(res.status).toBe(200);
    try {
      const revokes = [
        (e: string, d: string) => passage.user.revokeDevice(e, d, { force: true }),
        (e: string, d: string) =>
          passage.user.revokeDevice({ externalId: e, deviceId: d, force: true }),
        (e: string, d: string) => passage.revokeDevice(e, d, { force: true }),
      ];
      for (const revoke of revokes) {
        const externalId = newExternalId();
        await register(externalId);
        const [device] = await passage.user.listDevices(externalId);
        const err = await rejectionOf(passage.user.revokeDevice(externalId, device!.id));
        expect(err).toMatchObject({ statusCode: 409, errorCode: 'last_passkey' });
        await revoke(externalId, device!.id);
        await expect(passage.user.listDevices(externalId)).resolves.toEqual([]);
      }
      await expect(
        rejectionOf(passage.user.revokeDevice('u', 'd', { force: 'yes' as never })),
      ).resolves.toMatchObject({ errorCode: 'invalid_argument' });
    } finally {
      await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ prevent_last_passkey_removal: false }),
      });
    }
  });

  it("refuses to revoke another user's passkey with 404 device_not_found", async () => {
    const alice = newExternalId('alice');
    const mallory = newExternalId('mallory');
    await register(alice);
    await register(mallory);
    const [aliceDevice] = await passage.user.listDevices(alice);

    const err = await rejectionOf(passage.user.revokeDevice(mallory, aliceDevice!.id));
    expect(err).toBeInstanceOf(PassageError);
    expect(err).toMatchObject({ statusCode: 404, errorCode: 'device_not_found' });
    await expect(passage.user.listDevices(alice)).resolves.toHaveLength(1);
  });

  it('rejects an unknown device with 404 device_not_found', async () => {
    const externalId = newExternalId();
    await register(externalId);
    const err = await rejectionOf(passage.revokeDevice(externalId, 'dev_does_not_exist'));
    expect(err).toMatchObject({ statusCode: 404, errorCode: 'device_not_found' });
  });
});

describe('user.renameDevice', () => {
  it('renames a passkey and returns it updated, positional and object forms', async () => {
    const externalId = newExternalId();
    await register(externalId);
    const [device] = await passage.user.listDevices(externalId);

    const renamed = await passage.user.renameDevice(externalId, device!.id, 'Work laptop');
    expectDevice(renamed);
    expect(renamed).toMatchObject({ id: device!.id, friendlyName: 'Work laptop' });

    await passage.user.renameDevice({ externalId, deviceId: device!.id, friendlyName: 'Phone' });
    const [listed] = await passage.user.listDevices(externalId);
    expect(listed!.friendlyName).toBe('Phone');
  });

  it('rejects an unknown device with 404 device_not_found', async () => {
    const externalId = newExternalId();
    await register(externalId);
    const err = await rejectionOf(passage.user.renameDevice(externalId, 'dev_nope', 'x'));
    expect(err).toMatchObject({ statusCode: 404, errorCode: 'device_not_found' });
  });

  it('passes a name the server refuses through as 400 invalid_request', async () => {
    const externalId = newExternalId();
    await register(externalId);
    const [device] = await passage.user.listDevices(externalId);
    const err = await rejectionOf(
      passage.user.renameDevice(externalId, device!.id, 'x'.repeat(10_000)),
    );
    expect(err).toMatchObject({ statusCode: 400, errorCode: 'invalid_request' });
  });
});

describe('user.delete', () => {
  it('deletes the user and their passkeys', async () => {
    const externalId = newExternalId();
    await register(externalId);

    await expect(passage.user.delete(externalId)).resolves.toBeUndefined();
    const err = await rejectionOf(passage.user.get(externalId));
    expect(err).toMatchObject({ statusCode: 404, errorCode: 'user_not_found' });
  });

  it('lets a later register transaction start a fresh user under the same external ID', async () => {
    const externalId = newExternalId();
    await register(externalId);
    const { id: oldId } = await passage.user.get(externalId);
    await passage.user.delete({ externalId });

    await register(externalId);
    const fresh = await passage.user.get(externalId);
    expect(fresh.id).not.toBe(oldId);
    expect(fresh.webauthnDevices).toHaveLength(1);
  });
});

describe('unknown users', () => {
  const nobody = () => newExternalId('nobody');
  const calls: Record<string, (p: PassageFlex) => Promise<unknown>> = {
    'user.get': (p) => p.user.get(nobody()),
    'user.listDevices': (p) => p.user.listDevices(nobody()),
    'user.revokeDevice': (p) => p.user.revokeDevice(nobody(), 'dev_1'),
    'user.renameDevice': (p) => p.user.renameDevice(nobody(), 'dev_1', 'x'),
    'user.delete': (p) => p.user.delete(nobody()),
    getUser: (p) => p.getUser(nobody()),
    getDevices: (p) => p.getDevices(nobody()),
    revokeDevice: (p) => p.revokeDevice(nobody(), 'dev_1'),
  };

  it.each(Object.keys(calls))('%s rejects with 404 user_not_found', async (name) => {
    const err = await rejectionOf(calls[name]!(passage));
    expect(err).toBeInstanceOf(PassageError);
    expect(err).toMatchObject({
      statusCode: 404,
      errorCode: 'user_not_found',
      message: 'User not found.',
    });
  });

  it('does not match an external ID by prefix', async () => {
    const externalId = newExternalId();
    await register(externalId);
    const err = await rejectionOf(passage.user.get(externalId.slice(0, -1)));
    expect(err).toMatchObject({ statusCode: 404, errorCode: 'user_not_found' });
  });
});

describe('getApp', () => {
  it("returns the app's id, name and origin", async () => {
    await expect(passage.getApp()).resolves.toEqual({
      id: server.appId,
      name: expect.any(String),
      authOrigin: ORIGIN,
      additionalAuthOrigins: [],
    });
  });
});
