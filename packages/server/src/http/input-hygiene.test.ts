import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../storage/scratch-postgres.js';

const ORIGIN = 'http://localhost:3000';
const NUL = 'a\u0000b';

/**
 * Issue 12 item 2: every string entering over HTTP is refused with 400 `invalid_request` naming
 * its field when it holds U+0000 or a lone UTF-16 surrogate, before any query, with the same
 * answer on SQLite and PostgreSQL. On PostgreSQL these were 500s; on both engines the two lone
 * surrogates below became one user.
 */
function hygieneSuite(databaseUrl: () => string | undefined) {
  let server: TestServer;
  let client: CeremonyClient;
  let userId: string;
  let deviceId: string;
  let keyId: string;

  beforeAll(async () => {
    const url = databaseUrl();
    server = await startTestServer({ origins: [ORIGIN], ...(url ? { databaseUrl: url } : {}) });
    client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    expect((await client.register(new TestAuthenticator(), 'hygiene-user')).status).toBe(200);
    const list = await client.backend<{ users: { id: string }[] }>(
      'GET',
      '/users?identifier=hygiene-user',
    );
    userId = list.body.users[0]!.id;
    const devices = await client.backend<{ devices: { id: string }[] }>(
      'GET',
      `/users/${userId}/devices`,
    );
    deviceId = devices.body.devices[0]!.id;
    const keys = await admin<{ keys: { id: string }[] }>('GET', `/apps/${server.appId}/keys`);
    keyId = keys.body.keys[0]!.id;
  });
  afterAll(() => server?.close());

  const admin = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    client.request<T>(method, `/admin${path}`, {
      ...(body === undefined ? {} : { body }),
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
  const refusal = (r: { status: number; body: unknown }) => [
    r.status,
    (r.body as { code?: string }).code,
    (r.body as { error?: string }).error,
  ];

  it('a NUL in the app id of a browser route → 400 naming params.appId (was a 500 on PostgreSQL)', async () => {
    for (const path of [
      '/register/transactions/webauthn/start',
      '/register/transactions/webauthn/finish',
      '/authenticate/transactions/webauthn/start',
      '/authenticate/transactions/webauthn/finish',
    ]) {
      const r = await client.request('POST', `/apps/app_${encodeURIComponent(NUL)}${path}`, {
        body: {},
        headers: { origin: ORIGIN },
      });
      expect(refusal(r)).toEqual([
        400,
        'invalid_request',
        'params.appId contains a NUL character.',
      ]);
    }
  });

  it('NULs in transaction and handshake ids of the browser routes → 400 naming the field', async () => {
    const start = await client.frontend('/authenticate/transactions/webauthn/start', {
      transaction_id: `txn_${NUL}`,
    });
    expect(refusal(start)).toEqual([
      400,
      'invalid_request',
      'body.transaction_id contains a NUL character.',
    ]);
    for (const path of [
      '/register/transactions/webauthn/finish',
      '/authenticate/transactions/webauthn/finish',
    ]) {
      const r = await client.frontend(path, {
        handshake_id: `hs_${NUL}`,
        handshake_response: { response: { clientDataJSON: 'e30' } },
      });
      expect(refusal(r)).toEqual([
        400,
        'invalid_request',
        'body.handshake_id contains a NUL character.',
      ]);
    }
  });

  it('"carol\\ud800" and "carol\\udfff" are both refused, so they can never become one user', async () => {
    for (const externalId of ['carol\ud800', 'carol\udfff', '\udfffcarol', 'carol\ud800\ud800']) {
      for (const path of ['/transactions/register', '/transactions']) {
        const r = await client.backend('POST', path, {
          external_id: externalId,
          passkey_display_name: 'Carol',
        });
        expect(refusal(r)).toEqual([
          400,
          'invalid_request',
          'body.external_id is not well-formed UTF-16 (it has a lone surrogate).',
        ]);
      }
      const b2 = await client.backend('POST', '/transactions/authenticate', {
        external_id: externalId,
      });
      expect(refusal(b2)[0]).toBe(400);
    }
    // In a query string the two arrive as the UTF-8-style bytes of the surrogates, which the
    // query parser would otherwise hand on as the literal text `%ED%A0%80`.
    for (const encoded of ['carol%ED%A0%80', 'carol%ED%BF%BF', 'carol%FF']) {
      const r = await client.backend('GET', `/users?identifier=${encoded}`);
      expect(refusal(r)).toEqual([
        400,
        'invalid_request',
        'querystring.identifier is not valid percent-encoded UTF-8.',
      ]);
    }
    // Nothing was stored under either name (nor under their U+FFFD rewrite).
    const search = await admin<{ users: unknown[] }>(
      'GET',
      `/apps/${server.appId}/users?search=carol`,
    );
    expect(search.body.users).toEqual([]);
    // A well-formed pair (an astral character) is ordinary text and works.
    const ok = await client.backend('POST', '/transactions/register', {
      external_id: 'carol\ud83d\ude00',
      passkey_display_name: 'Carol',
    });
    expect(ok.status).toBe(201);
  });

  it('NULs in management bodies, path ids and query strings → 400 naming the field', async () => {
    const cases: [Promise<{ status: number; body: unknown }>, string][] = [
      [
        client.backend('POST', '/transactions/register', {
          external_id: 'x',
          passkey_display_name: NUL,
        }),
        'body.passkey_display_name',
      ],
      [
        client.backend('GET', `/users?identifier=${encodeURIComponent(NUL)}`),
        'querystring.identifier',
      ],
      [client.backend('GET', `/users/${encodeURIComponent(NUL)}`), 'params.userId'],
      [
        client.backend('DELETE', `/users/${userId}/devices/${encodeURIComponent(NUL)}`),
        'params.deviceId',
      ],
      [
        client.backend('PATCH', `/users/${userId}/devices/${deviceId}`, { friendly_name: NUL }),
        'body.friendly_name',
      ],
      [client.backend('POST', '/authenticate/verify', { nonce: NUL }), 'body.nonce'],
    ];
    for (const [pending, field] of cases) {
      expect(refusal(await pending)).toEqual([
        400,
        'invalid_request',
        `${field} contains a NUL character.`,
      ]);
    }
  });

  it('NULs in admin bodies, path ids and query strings → 400 naming the field', async () => {
    const app = `/apps/${server.appId}`;
    const cases: [Promise<{ status: number; body: unknown }>, string][] = [
      [admin('POST', '/apps', { name: NUL, rp_id: 'localhost', origins: [ORIGIN] }), 'body.name'],
      [admin('PATCH', app, { rp_name: NUL }), 'body.rp_name'],
      [admin('PATCH', app, { origins: [ORIGIN, NUL] }), 'body.origins[1]'],
      [admin('POST', `${app}/keys`, { name: NUL }), 'body.name'],
      [admin('DELETE', `${app}/keys/${encodeURIComponent(NUL)}`), 'params.keyId'],
      [admin('GET', `${app}/users?search=${encodeURIComponent(NUL)}`), 'querystring.search'],
      [admin('GET', `${app}/events?user_id=${encodeURIComponent(NUL)}`), 'querystring.user_id'],
      [
        admin('GET', `${app}/events?external_id=${encodeURIComponent(NUL)}`),
        'querystring.external_id',
      ],
    ];
    for (const [pending, field] of cases) {
      expect(refusal(await pending)).toEqual([
        400,
        'invalid_request',
        `${field} contains a NUL character.`,
      ]);
    }
    // The key that was not revoked still works.
    expect(keyId).toMatch(/^key_/);
    expect((await client.backend('GET', '/users')).status).toBe(200);
  });

  it('checks nested fields and field names too, and names where they are', async () => {
    const nested = await client.frontend('/authenticate/transactions/webauthn/finish', {
      handshake_id: 'hs_x',
      handshake_response: { id: 'AAAA', response: { clientDataJSON: 'e30\ud800' } },
    });
    expect(refusal(nested)).toEqual([
      400,
      'invalid_request',
      'body.handshake_response.response.clientDataJSON is not well-formed UTF-16 (it has a lone surrogate).',
    ]);
    const key = await client.frontend('/authenticate/transactions/webauthn/start', {
      [`x${NUL}`]: 1,
    });
    expect(refusal(key)).toEqual([
      400,
      'invalid_request',
      'body["xa\\u0000b"] (a field name) contains a NUL character.',
    ]);
    const queryKey = await client.backend('GET', `/users?${encodeURIComponent(NUL)}=1`);
    expect(refusal(queryKey)[0]).toBe(400);
  });

  it('does not get in the way of the import routes, whose bodies are streams', async () => {
    const exported = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}/export`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(exported.status).toBe(200);
    const r = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}/import?dry_run=true`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        'content-type': 'application/x-ndjson',
      },
      body: await exported.text(),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({
      dry_run: true,
      credentials_skipped: 1,
      records_invalid: 0,
    });
  });

  it('answers a malformed id like an unknown one (the wire format’s 404)', async () => {
    const unknownApp = `app_${'A'.repeat(22)}`;
    for (const appId of ['app_nope', 'nope', unknownApp, 'app_%2E%2E']) {
      const r = await client.request(
        'POST',
        `/apps/${appId}/authenticate/transactions/webauthn/start`,
        {
          body: {},
        },
      );
      expect([appId, r.status, (r.body as { code: string }).code]).toEqual([
        appId,
        404,
        'app_not_found',
      ]);
    }
    const start = await client.frontend('/authenticate/transactions/webauthn/start', {
      transaction_id: 'not-a-transaction id',
    });
    expect([start.status, (start.body as { code: string }).code]).toEqual([
      404,
      'transaction_not_found',
    ]);
    const user = await client.backend('GET', '/users/usr_with%20space');
    expect([user.status, (user.body as { code: string }).code]).toEqual([404, 'user_not_found']);
    const events = await admin<{ events: unknown[] }>(
      'GET',
      `/apps/${server.appId}/events?user_id=bogus`,
    );
    expect([events.status, events.body.events]).toEqual([200, []]);
  });

  it('a leap second in ?from= or ?to= → 400 invalid_request (it validates as date-time but is no instant)', async () => {
    for (const q of ['from=2016-12-31T23:59:60Z', 'to=2016-12-31T23:59:60Z']) {
      const r = await admin('GET', `/apps/${server.appId}/events?${q}`);
      expect([r.status, (r.body as { code: string }).code]).toEqual([400, 'invalid_request']);
    }
    const ok = await admin('GET', `/apps/${server.appId}/events?from=2016-12-31T23:59:59Z`);
    expect(ok.status).toBe(200);
  });
}

describe('input hygiene on SQLite', () => hygieneSuite(() => undefined));

const probe = await probePostgres(process.env);
describeWithPostgres(probe, process.env, 'input hygiene on PostgreSQL', (adminUrl) => {
  let db: ScratchDatabase | undefined;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'hygiene');
  });
  afterAll(() => db?.drop());
  hygieneSuite(() => db?.url);
});
