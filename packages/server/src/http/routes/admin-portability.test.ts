import { randomBytes } from 'node:crypto';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyClient, startTestServer, type TestServer } from '../../testing/index.js';

const ORIGIN = 'http://localhost:3000';
const GPM = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
let server: TestServer;
let client: CeremonyClient;

beforeAll(async () => {
  server = await startTestServer({ origins: [ORIGIN] });
  client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
});
afterAll(() => server.close());

/** A passkey registered with some other service for RP ID localhost: passkeyd never saw it made. */
function passkeyMadeElsewhere(device: TestAuthenticator, userHandle: Buffer) {
  const response = device.createCredential(
    {
      challenge: randomBytes(32).toString('base64url'),
      rp: { id: 'localhost', name: 'The old service' },
      user: { id: userHandle.toString('base64url'), name: 'jane', displayName: 'Jane' },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      authenticatorSelection: { residentKey: 'required' },
    },
    { origin: ORIGIN },
  ) as unknown as {
    id: string;
    response: { publicKey: string; publicKeyAlgorithm: number; transports: string[] };
  };
  return response;
}

const json = async (r: Response): Promise<any> => r.json();
const body = json;

function admin(
  method: string,
  path: string,
  body?: string,
  contentType = 'application/x-ndjson',
  token = server.adminToken,
) {
  return fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body }),
  });
}

describe('POST /v1/admin/apps/:appId/import and GET …/export', () => {
  it('imports a passkey made elsewhere, which then signs in with a transaction and discoverably', async () => {
    const device = new TestAuthenticator({ aaguid: GPM });
    const handle = randomBytes(32);
    const made = passkeyMadeElsewhere(device, handle);
    const line = {
      external_id: 'jane-import',
      user_handle: handle.toString('base64url'),
      credentials: [
        {
          credential_id: made.id,
          public_key_spki: made.response.publicKey,
          alg: made.response.publicKeyAlgorithm,
          transports: made.response.transports,
          aaguid: GPM,
          backup_eligible: true,
          backup_state: true,
        },
      ],
    };

    const res = await admin('POST', '/import', `${JSON.stringify(line)}\n`);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      records: 1,
      users_created: 1,
      credentials_imported: 1,
      issues: [],
    });

    const withTransaction = await client.authenticate(device, 'jane-import');
    expect(withTransaction.status).toBe(200);
    expect((await client.verifyNonce(withTransaction.body.nonce as string)).body).toMatchObject({
      external_id: 'jane-import',
    });
    const discoverable = await client.authenticate(device);
    expect(discoverable.status).toBe(200);
    expect((await client.verifyNonce(discoverable.body.nonce as string)).body).toMatchObject({
      external_id: 'jane-import',
    });

    // No display name in the record: the devices API names the passkey after its provider.
    const users = await client.backend<{ users: { id: string }[] }>(
      'GET',
      '/users?identifier=jane-import',
    );
    const devices = await client.backend<{ devices: Record<string, unknown>[] }>(
      'GET',
      `/users/${users.body.users[0]!.id}/devices`,
    );
    expect(devices.body.devices[0]).toMatchObject({
      cred_id: made.id,
      friendly_name: 'Google Password Manager',
      type: 'passkey',
      usage_count: 2,
    });
  });

  it('exports NDJSON that imports back as all skipped, with the reason', async () => {
    const res = await admin('GET', '/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    const [header, ...users] = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(header).toMatchObject({
      format: 'passkeyd-passkeys',
      version: 1,
      rp_id: 'localhost',
      app_id: server.appId,
    });
    const total = users.reduce((n, u) => n + u.credentials.length, 0);
    expect(total).toBeGreaterThan(0);

    const again = await json(await admin('POST', '/import', text));
    expect(again).toMatchObject({
      credentials_imported: 0,
      credentials_skipped: total,
      credentials_invalid: 0,
    });
    expect(
      again.issues.every((i: { message: string }) => /already imported/i.test(i.message)),
    ).toBe(true);
  });

  it('converts a SimpleWebAuthn-style passkeys table sent as CSV', async () => {
    const device = new TestAuthenticator();
    const handle = randomBytes(16);
    passkeyMadeElsewhere(device, handle);
    const [cred] = device.credentials();
    const csv = [
      'id,publicKey,user_id,webauthnUserID,counter,deviceType,backedUp,transports',
      `${cred!.id},\\x${Buffer.from(cred!.publicKeyCose).toString('hex')},swa-user,${handle.toString('base64url')},0,multiDevice,t,"internal,hybrid"`,
      'not-base64!,\\x00,swa-broken,AAAA,0,singleDevice,f,usb',
    ].join('\r\n');
    const report = await json(await admin('POST', '/import?from=simplewebauthn', csv, 'text/csv'));
    expect(report).toMatchObject({ records: 2, credentials_imported: 1, credentials_invalid: 1 });
    expect(report.issues).toEqual([
      expect.objectContaining({
        line: 3,
        status: 'invalid',
        code: 'invalid_request',
        field: 'credentials[0].credential_id',
      }),
    ]);
    const signIn = await client.authenticate(device);
    expect((await client.verifyNonce(signIn.body.nonce as string)).body).toMatchObject({
      external_id: 'swa-user',
    });
  });

  it('writes nothing on dry_run=true', async () => {
    const line = { external_id: 'dry-run-user' };
    const report = await json(await admin('POST', '/import?dry_run=true', JSON.stringify(line)));
    expect(report).toMatchObject({ dry_run: true, users_created: 1 });
    const users = await client.backend<{ users: unknown[] }>(
      'GET',
      '/users?identifier=dry-run-user',
    );
    expect(users.body.users).toEqual([]);
  });

  it('refuses a JSON body, an unknown source and a wrong admin token with their codes', async () => {
    const plainJson = await admin('POST', '/import', '{"external_id":"x"}', 'application/json');
    expect([plainJson.status, (await body(plainJson)).code]).toEqual([400, 'invalid_request']);
    const source = await admin('POST', '/import?from=auth0', '{}');
    expect([source.status, (await body(source)).code]).toEqual([400, 'invalid_request']);
    const token = await admin(
      'GET',
      '/export',
      undefined,
      undefined,
      'not-the-admin-token-but-long-enough-0000',
    );
    expect([token.status, (await body(token)).code]).toEqual([401, 'invalid_admin_token']);
    const missing = await fetch(`${server.baseUrl}/v1/admin/apps/app_missing/export`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect([missing.status, (await body(missing)).code]).toEqual([404, 'app_not_found']);
  });
});
