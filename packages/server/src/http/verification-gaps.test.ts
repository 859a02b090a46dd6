import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator, importCredentialKey } from '@passkeyd/test-authenticator';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../storage/scratch-postgres.js';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';

/**
 * WebAuthn checks the security review (issue 12, items 3, 7 and 8) found missing, over HTTP on
 * both engines: inactive users, backup eligibility that changes, long credential ids,
 * cross-origin client data, a UV policy tightened mid-ceremony, weak RSA keys and trailing CBOR.
 */

const ORIGIN = 'http://localhost:3000';
const code = (r: { body: unknown }) => (r.body as { code: string }).code;

function suite(databaseUrl: () => string | undefined, env: Record<string, string> = {}) {
  let server: TestServer;
  let client: CeremonyClient;

  beforeAll(async () => {
    const url = databaseUrl();
    server = await startTestServer({
      origins: [ORIGIN],
      env,
      ...(url ? { databaseUrl: url } : {}),
    });
    client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
  });
  afterAll(() => server.close());

  const admin = (method: string, path: string, body?: string) =>
    fetch(`${server.baseUrl}/v1/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        ...(body === undefined
          ? {}
          : {
              'content-type': path.endsWith('/import')
                ? 'application/x-ndjson'
                : 'application/json',
            }),
      },
      ...(body === undefined ? {} : { body }),
    });

  /** What an operator (or another system) deactivating the user would leave in the database. */
  const deactivate = (externalId: string) =>
    server.server.storage.db
      .updateTable('users')
      .set({ status: 'inactive' })
      .where('app_id', '=', server.appId)
      .where('external_id', '=', externalId)
      .execute();

  const devicesOf = async (externalId: string) => {
    const users = await client.backend<any>('GET', `/users?identifier=${externalId}`);
    const userId = users.body.users[0].id as string;
    const devices = await client.backend<any>('GET', `/users/${userId}/devices`);
    return { userId, devices: devices.body.devices as { id: string }[] };
  };

  describe('an inactive user is refused with 403 user_not_active (item 3)', () => {
    /** Imports `externalId` as inactive, with a passkey that `device` holds. */
    async function importInactive(externalId: string, device?: TestAuthenticator) {
      const handle = randomBytes(32);
      const credentials = [];
      if (device) {
        const made = device.createCredential(
          {
            challenge: randomBytes(32).toString('base64url'),
            rp: { id: 'localhost', name: 'The old service' },
            user: { id: handle.toString('base64url'), name: externalId, displayName: externalId },
            pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
          },
          { origin: ORIGIN },
        );
        credentials.push({
          credential_id: made.id,
          public_key_spki: made.response.publicKey,
          alg: -7,
          backup_eligible: true,
          backup_state: true,
        });
      }
      const line = {
        external_id: externalId,
        user_handle: handle.toString('base64url'),
        status: 'inactive',
        credentials,
      };
      const res = await admin('POST', `/apps/${server.appId}/import`, `${JSON.stringify(line)}\n`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ users_created: 1, credentials_invalid: 0 });
    }

    it('B1 and B9: no register transaction for an imported inactive user', async () => {
      await importInactive('inactive-b1');
      const body = { external_id: 'inactive-b1', passkey_display_name: 'x' };
      for (const path of ['/transactions/register', '/transactions']) {
        const r = await client.backend('POST', path, body);
        expect([path, r.status, code(r)]).toEqual([path, 403, 'user_not_active']);
      }
    });

    it('B2: no authenticate transaction for an imported inactive user with a passkey', async () => {
      await importInactive('inactive-b2', new TestAuthenticator());
      const r = await client.backend('POST', '/transactions/authenticate', {
        external_id: 'inactive-b2',
      });
      expect([r.status, code(r)]).toEqual([403, 'user_not_active']);
    });

    it('F4 discoverable: the imported passkey of an inactive user does not sign in', async () => {
      const device = new TestAuthenticator();
      await importInactive('inactive-f4d', device);
      const r = await client.authenticate(device);
      expect([r.status, code(r)]).toEqual([403, 'user_not_active']);
      expect(r.body).not.toHaveProperty('nonce');
      const { userId } = await devicesOf('inactive-f4d');
      const user = (await client.backend<any>('GET', `/users/${userId}`)).body.user;
      expect(user.login_count).toBe(0);
      expect(user.recent_events[0]).toMatchObject({
        type: 'passkey_login_failed',
        status: 'incomplete',
      });
    });

    it('F1: a register transaction made before the user was deactivated does not start', async () => {
      const tx = await client.createRegisterTransaction('inactive-f1');
      await deactivate('inactive-f1');
      const r = await client.frontend('/register/transactions/webauthn/start', {
        transaction_id: tx,
      });
      expect([r.status, code(r)]).toEqual([403, 'user_not_active']);
    });

    it('F2: a registration started before the user was deactivated does not finish', async () => {
      const tx = await client.createRegisterTransaction('inactive-f2');
      const start = await client.startRegistration(tx);
      const response = new TestAuthenticator().createCredential(
        start.handshake.challenge.publicKey,
        { origin: ORIGIN },
      );
      await deactivate('inactive-f2');
      const r = await client.finishRegistration(start.handshake.id, response, tx);
      expect([r.status, code(r)]).toEqual([403, 'user_not_active']);
      expect((await devicesOf('inactive-f2')).devices).toEqual([]);
    });

    it('F3: an authenticate transaction made before the user was deactivated does not start', async () => {
      const device = new TestAuthenticator();
      expect((await client.register(device, 'inactive-f3')).status).toBe(200);
      const tx = await client.createAuthenticateTransaction('inactive-f3');
      await deactivate('inactive-f3');
      const r = await client.frontend('/authenticate/transactions/webauthn/start', {
        transaction_id: tx,
      });
      expect([r.status, code(r)]).toEqual([403, 'user_not_active']);
    });

    it('F4 with a transaction, and discoverable: a user deactivated after start does not finish', async () => {
      const device = new TestAuthenticator();
      expect((await client.register(device, 'inactive-f4')).status).toBe(200);
      const tx = await client.createAuthenticateTransaction('inactive-f4');
      const withTx = await client.startAuthentication(tx);
      const discoverable = await client.startAuthentication();
      const a1 = device.getAssertion(withTx.handshake.challenge.publicKey, { origin: ORIGIN });
      const a2 = device.getAssertion(discoverable.handshake.challenge.publicKey, {
        origin: ORIGIN,
      });
      await deactivate('inactive-f4');
      const r1 = await client.finishAuthentication(withTx.handshake.id, a1, tx);
      expect([r1.status, code(r1)]).toEqual([403, 'user_not_active']);
      const r2 = await client.finishAuthentication(discoverable.handshake.id, a2);
      expect([r2.status, code(r2)]).toEqual([403, 'user_not_active']);
    });
  });

  describe('backup eligibility may not change (item 7, WebAuthn §7.2)', () => {
    it('a passkey registered with BE=0 that signs in with BE=1/BS=1 is refused, recorded, and still exports and imports', async () => {
      const device = new TestAuthenticator({ backupEligible: false });
      expect((await client.register(device, 'be-flip')).status).toBe(200);
      const r = await client.authenticate(device, 'be-flip', {
        tamper: { backupEligible: true, backupState: true },
      });
      expect([r.status, code(r)]).toEqual([401, 'backup_eligibility_changed']);

      // Its own event type, listed (and filterable) where the admin API lists events.
      const { userId } = await devicesOf('be-flip');
      const events = await admin(
        'GET',
        `/apps/${server.appId}/events?type=backup_eligibility_changed&user_id=${userId}`,
      );
      expect(events.status).toBe(200);
      expect(((await events.json()) as { events: unknown[] }).events).toMatchObject([
        { type: 'backup_eligibility_changed', detail: 'backup_eligibility_changed' },
      ]);

      // In Passage's user shape (B5) it is a failed, incomplete event like a counter regression.
      const user = (await client.backend<any>('GET', `/users/${userId}`)).body.user;
      expect(user.recent_events[0]).toMatchObject({
        type: 'backup_eligibility_changed',
        status: 'incomplete',
      });

      // Nothing of the refused assertion was stored: BE=0/BS=0 stays a state import accepts.
      const exported = await (await admin('GET', `/apps/${server.appId}/export`)).text();
      const line = exported.split('\n').find((l) => l.includes('"be-flip"'))!;
      expect(JSON.parse(line).credentials[0]).toMatchObject({
        backup_eligible: false,
        backup_state: false,
      });
      const other = await server.createApp({ name: 'Round trip', origins: [ORIGIN] });
      const imported = await admin('POST', `/apps/${other.appId}/import`, `${line}\n`);
      expect(await imported.json()).toMatchObject({
        credentials_imported: 1,
        credentials_invalid: 0,
      });

      // The passkey as registered still signs in.
      expect((await client.authenticate(device, 'be-flip')).status).toBe(200);
    });

    it('an imported passkey takes the BE flag its authenticator signs: the import’s was hearsay', async () => {
      // A synced passkey (BE=1) from a source whose export has no backup_eligible column.
      const device = new TestAuthenticator({ backupEligible: true });
      const handle = randomBytes(32);
      const made = device.createCredential(
        {
          challenge: randomBytes(32).toString('base64url'),
          rp: { id: 'localhost', name: 'The old service' },
          user: { id: handle.toString('base64url'), name: 'm', displayName: 'm' },
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        },
        { origin: ORIGIN },
      );
      const line = {
        external_id: 'be-imported',
        user_handle: handle.toString('base64url'),
        credentials: [
          { credential_id: made.id, public_key_spki: made.response.publicKey, alg: -7 },
        ],
      };
      const res = await admin('POST', `/apps/${server.appId}/import`, `${JSON.stringify(line)}\n`);
      expect(await res.json()).toMatchObject({ credentials_imported: 1 });
      const before = await client.backend<any>(
        'GET',
        `/users/${(await devicesOf('be-imported')).userId}/devices`,
      );
      expect(before.body.devices[0]).toMatchObject({ backup_eligible: false });

      expect((await client.authenticate(device, 'be-imported')).status).toBe(200);
      const { devices } = await devicesOf('be-imported');
      expect(devices[0]).toMatchObject({ backup_eligible: true, backed_up: true });
    });

    it('a passkey registered with BE=1 that signs in with BE=0 is refused', async () => {
      const device = new TestAuthenticator({ backupEligible: true });
      expect((await client.register(device, 'be-drop')).status).toBe(200);
      const r = await client.authenticate(device, undefined, {
        tamper: { backupEligible: false, backupState: false },
      });
      expect([r.status, code(r)]).toEqual([401, 'backup_eligibility_changed']);
    });
  });

  describe('registration refuses what §7.1 and our key policy refuse (items 7, 8)', () => {
    async function registerWith(
      externalId: string,
      ctx: Record<string, unknown>,
      edit?: (r: any) => any,
    ) {
      const tx = await client.createRegisterTransaction(externalId);
      const start = await client.startRegistration(tx);
      let response = new TestAuthenticator().createCredential(start.handshake.challenge.publicKey, {
        origin: ORIGIN,
        ...ctx,
      }) as any;
      if (edit) response = edit(response);
      const res = await client.finishRegistration(start.handshake.id, response, tx);
      return { res, stored: (await devicesOf(externalId)).devices };
    }

    it('a credential id of 1024 bytes → 400 credential_id_too_long; 1023 bytes is accepted', async () => {
      const long = await registerWith('cred-1024', { credentialId: randomBytes(1024) });
      expect([long.res.status, code(long.res)]).toEqual([400, 'credential_id_too_long']);
      expect(long.stored).toEqual([]);
      const max = await registerWith('cred-1023', { credentialId: randomBytes(1023) });
      expect(max.res.status).toBe(200);
    });

    it('bytes after the attestation object → 400 malformed_response', async () => {
      const { res, stored } = await registerWith('att-trailing', {}, (r) => ({
        ...r,
        response: {
          ...r.response,
          attestationObject: Buffer.concat([
            Buffer.from(r.response.attestationObject, 'base64url'),
            Buffer.from([0xa0]),
          ]).toString('base64url'),
        },
      }));
      expect([res.status, code(res)]).toEqual([400, 'malformed_response']);
      expect(stored).toEqual([]);
    });

    it.each([
      ['512-bit modulus', 512, 65537],
      ['1024-bit modulus', 1024, 65537],
      ['exponent 3', 2048, 3],
    ])('an RSA key with a %s → 400 weak_public_key', async (what, bits, e) => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: e });
      const key = importCredentialKey(privateKey);
      const { res, stored } = await registerWith(`rsa-${bits}-${e}`, { key });
      expect([what, res.status, code(res)]).toEqual([what, 400, 'weak_public_key']);
      expect(stored).toEqual([]);
    });

    it.each([
      ['crossOrigin true without topOrigin', { crossOrigin: true }, 401, 'origin_mismatch'],
      [
        'a top origin that is not the app’s',
        { crossOrigin: true, topOrigin: 'https://evil.example' },
        401,
        'origin_mismatch',
      ],
      ['a topOrigin without crossOrigin', { topOrigin: ORIGIN }, 401, 'origin_mismatch'],
      ['a string crossOrigin', { crossOrigin: 'false' }, 400, 'malformed_response'],
      ['a numeric crossOrigin', { crossOrigin: 1 }, 400, 'malformed_response'],
    ] as const)(
      'clientDataJSON with %s (%j) → %i %s',
      async (what, clientData, status, expected) => {
        const { res } = await registerWith(`xo-reg-${what.replace(/\W+/g, '-')}`, {
          tamper: { clientData },
        });
        expect([res.status, code(res)]).toEqual([status, expected]);
      },
    );
  });

  describe('sign-in refuses cross-origin client data it cannot place (item 8)', () => {
    let device: TestAuthenticator;
    beforeAll(async () => {
      device = new TestAuthenticator();
      expect((await client.register(device, 'xo-auth')).status).toBe(200);
    });

    it.each([
      ['crossOrigin true without topOrigin', { crossOrigin: true }, 401, 'origin_mismatch'],
      [
        'a top origin that is not the app’s',
        { crossOrigin: true, topOrigin: 'https://evil.example' },
        401,
        'origin_mismatch',
      ],
      ['a string crossOrigin', { crossOrigin: 'true' }, 400, 'malformed_response'],
    ] as const)(
      'a signed clientDataJSON with %s (%j) → %i %s',
      async (_what, clientData, status, expected) => {
        const r = await client.authenticate(device, 'xo-auth', { tamper: { clientData } });
        expect([r.status, code(r)]).toEqual([status, expected]);
      },
    );

    it('a cross-origin frame whose top origin is one of the app’s origins is accepted', async () => {
      const r = await client.authenticate(device, 'xo-auth', {
        tamper: { clientData: { crossOrigin: true, topOrigin: ORIGIN } },
      });
      expect(r.status).toBe(200);
    });
  });

  describe('a UV policy changed to "required" applies to challenges already issued (item 8)', () => {
    // SimpleWebAuthn's verifier reports every failure as one error, so the reference path
    // answers webauthn_login_failed where the lean one names the check.
    const signInUvCode =
      env.PASSKEYD_VERIFIER === 'simplewebauthn'
        ? 'webauthn_login_failed'
        : 'user_verification_required';
    const setPolicy = async (appId: string, userVerification: string) => {
      const r = await admin(
        'PATCH',
        `/apps/${appId}`,
        JSON.stringify({ user_verification: userVerification }),
      );
      expect(r.status).toBe(200);
    };

    it('refuses a sign-in and a registration started under "preferred" and finished without UV', async () => {
      const app = await server.createApp({ name: 'Tightened', origins: [ORIGIN] });
      const c = new CeremonyClient(server.baseUrl, app.appId, app.apiKey, ORIGIN);
      const device = new TestAuthenticator({ userVerifying: false });
      expect((await c.register(device, 'uv-late')).status).toBe(200);

      const tx = await c.createAuthenticateTransaction('uv-late');
      const signIn = await c.startAuthentication(tx);
      const regTx = await c.createRegisterTransaction('uv-late-2');
      const reg = await c.startRegistration(regTx);
      await setPolicy(app.appId, 'required');

      const assertion = device.getAssertion(signIn.handshake.challenge.publicKey, {
        origin: ORIGIN,
      });
      const r1 = await c.finishAuthentication(signIn.handshake.id, assertion, tx);
      expect([r1.status, code(r1)]).toEqual([401, signInUvCode]);
      const created = new TestAuthenticator({ userVerifying: false }).createCredential(
        reg.handshake.challenge.publicKey,
        { origin: ORIGIN },
      );
      const r2 = await c.finishRegistration(reg.handshake.id, created, regTx);
      expect([r2.status, code(r2)]).toEqual([401, 'user_verification_required']);
    });

    it('keeps requiring UV for a challenge issued under "required" after a relaxation', async () => {
      const app = await server.createApp({
        name: 'Relaxed',
        origins: [ORIGIN],
        userVerification: 'required',
      });
      const c = new CeremonyClient(server.baseUrl, app.appId, app.apiKey, ORIGIN);
      const device = new TestAuthenticator();
      expect((await c.register(device, 'uv-relaxed')).status).toBe(200);
      const tx = await c.createAuthenticateTransaction('uv-relaxed');
      const start = await c.startAuthentication(tx);
      await setPolicy(app.appId, 'preferred');
      const assertion = device.getAssertion(start.handshake.challenge.publicKey, {
        origin: ORIGIN,
        tamper: { clearUserVerified: true },
      });
      const r = await c.finishAuthentication(start.handshake.id, assertion, tx);
      expect([r.status, code(r)]).toEqual([401, signInUvCode]);
    });
  });
}

describe('SQLite', () => suite(() => undefined));
// The benchmark's reference sign-in path (SimpleWebAuthn's verifier) must refuse the same.
describe('SQLite, PASSKEYD_VERIFIER=simplewebauthn', () =>
  suite(() => undefined, { PASSKEYD_VERIFIER: 'simplewebauthn' }));

const probe = await probePostgres(process.env);
describeWithPostgres(probe, process.env, 'PostgreSQL', (adminUrl) => {
  let db: ScratchDatabase | undefined;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'gaps');
  });
  afterAll(async () => db?.drop());
  suite(() => db?.url);
});
