import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';

const ORIGIN = 'http://localhost:3000';
let server: TestServer;
let client: CeremonyClient;

beforeAll(async () => {
  server = await startTestServer({ origins: [ORIGIN], env: { PASSKEYD_BODY_LIMIT_BYTES: '4096' } });
  client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
});
afterAll(() => server.close());

const raw = (path: string, init: RequestInit) => fetch(`${server.baseUrl}${path}`, init);
const startPath = () => `/v1/apps/${server.appId}/register/transactions/webauthn/start`;

describe('bad input gets a JSON error with a stable code, never a 500', () => {
  it('malformed JSON → 400 invalid_request', async () => {
    const r = await raw(startPath(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"transaction_id":',
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('an empty JSON body → 400 invalid_request', async () => {
    const r = await raw(startPath(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect([r.status, ((await r.json()) as any).code]).toEqual([400, 'invalid_request']);
  });

  it('a non-JSON content type → 400 invalid_request', async () => {
    const r = await raw(startPath(), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect([r.status, ((await r.json()) as any).code]).toEqual([400, 'invalid_request']);
  });

  it('a wrongly typed field → 400 invalid_request naming the field', async () => {
    const r = await client.frontend('/register/transactions/webauthn/start', {
      transaction_id: 42,
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'invalid_request' });
    expect(String((r.body as any).error)).toMatch(/transaction_id/);
  });

  it('register start without a transaction → 400 invalid_request', async () => {
    const r = await client.frontend('/register/transactions/webauthn/start', {
      authenticator_attachment: 'platform',
    });
    expect([r.status, (r.body as any).code]).toEqual([400, 'invalid_request']);
  });

  it('a missing field on the management API → 400 invalid_request', async () => {
    const r = await client.backend('POST', '/transactions/register', { external_id: 'x' });
    expect([r.status, (r.body as any).code]).toEqual([400, 'invalid_request']);
  });

  it('an oversized body → 413 payload_too_large', async () => {
    const r = await client.frontend('/register/transactions/webauthn/start', {
      transaction_id: 'x',
      pad: 'a'.repeat(8000),
    });
    expect([r.status, (r.body as any).code]).toEqual([413, 'payload_too_large']);
  });

  it('an unknown app → 404 app_not_found', async () => {
    const r = await raw('/v1/apps/app_nope/authenticate/transactions/webauthn/start', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect([r.status, ((await r.json()) as any).code]).toEqual([404, 'app_not_found']);
  });

  it('an unknown route → 404 not_found as JSON', async () => {
    const r = await raw('/v1/nothing-here', { method: 'GET' });
    expect([r.status, ((await r.json()) as any).code]).toEqual([404, 'not_found']);
  });

  it('an unknown transaction → 404 transaction_not_found; an unknown handshake → 404 handshake_not_found', async () => {
    const t = await client.frontend('/authenticate/transactions/webauthn/start', {
      transaction_id: 'txn_nope',
    });
    expect([t.status, (t.body as any).code]).toEqual([404, 'transaction_not_found']);
    const h = await client.finishAuthentication('hs_nope', {
      id: 'AAAA',
      rawId: 'AAAA',
      type: 'public-key',
      response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
    });
    expect([h.status, (h.body as any).code]).toEqual([404, 'handshake_not_found']);
  });

  it('garbage base64 and truncated data in an assertion → 400 malformed_response', async () => {
    const device = new TestAuthenticator();
    expect((await client.register(device, 'garbage')).status).toBe(200);
    const cases: [string, (a: any) => any][] = [
      [
        'clientDataJSON',
        (a) => ({ ...a, response: { ...a.response, clientDataJSON: '!!!not base64!!!' } }),
      ],
      [
        'authenticatorData',
        (a) => ({ ...a, response: { ...a.response, authenticatorData: 'AAAA' } }),
      ],
      ['rawId', (a) => ({ ...a, id: '%%%', rawId: '%%%' })],
      [
        'clientDataJSON JSON',
        (a) => ({
          ...a,
          response: {
            ...a.response,
            clientDataJSON: Buffer.from('not json').toString('base64url'),
          },
        }),
      ],
    ];
    for (const [what, mangle] of cases) {
      const start = await client.startAuthentication();
      const a = device.getAssertion(start.handshake.challenge.publicKey, { origin: ORIGIN });
      const r = await client.finishAuthentication(start.handshake.id, mangle(a));
      expect([what, r.status, (r.body as any).code]).toEqual([what, 400, 'malformed_response']);
    }
  });

  it('a truncated attestation object → 400 malformed_response and nothing stored', async () => {
    const device = new TestAuthenticator();
    const tx = await client.createRegisterTransaction('truncated');
    const start = await client.startRegistration(tx);
    const reg = device.createCredential(start.handshake.challenge.publicKey, {
      origin: ORIGIN,
    }) as any;
    const cut = Buffer.from(reg.response.attestationObject, 'base64url')
      .subarray(0, 40)
      .toString('base64url');
    const r = await client.finishRegistration(
      start.handshake.id,
      { ...reg, response: { ...reg.response, attestationObject: cut } },
      tx,
    );
    expect([r.status, (r.body as any).code]).toEqual([400, 'malformed_response']);
  });
});

describe('CORS for the browser API', () => {
  it('answers a preflight from an allowed origin with the Passage SDK headers', async () => {
    const r = await raw(startPath(), {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,passage-flex-version',
      },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(r.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(r.headers.get('access-control-allow-headers')).toMatch(/content-type/);
    expect(r.headers.get('access-control-allow-headers')).toMatch(/passage-flex-version/);
  });

  it('never echoes a disallowed origin, on preflights or responses', async () => {
    const pre = await raw(startPath(), {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const r = await client.frontend(
      '/authenticate/transactions/webauthn/start',
      {},
      'https://evil.example',
    );
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('does not let one app’s origin through on another app', async () => {
    const other = await server.createApp({ name: 'B', origins: ['http://localhost:4000'] });
    const r = await raw(`/v1/apps/${other.appId}/authenticate/transactions/webauthn/start`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the browser read app_not_found for an unknown app id', async () => {
    const r = await raw('/v1/apps/app_nope/authenticate/transactions/webauthn/start', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(r.status).toBe(404);
    expect(r.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('puts the CORS header on error responses too', async () => {
    const r = await client.frontend('/authenticate/transactions/webauthn/start', {
      transaction_id: 'txn_nope',
    });
    expect(r.status).toBe(404);
    expect(r.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const bad = await raw(startPath(), {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
});

describe('rate limiting of the browser API', () => {
  it('answers 429 rate_limited with Retry-After and CORS headers past the limit', async () => {
    const limited = await startTestServer({
      origins: [ORIGIN],
      env: { PASSKEYD_RATE_LIMIT_MAX: '3', PASSKEYD_RATE_LIMIT_WINDOW_SECONDS: '60' },
    });
    try {
      const c = new CeremonyClient(limited.baseUrl, limited.appId, limited.apiKey, ORIGIN);
      const statuses = [];
      let last;
      for (let i = 0; i < 5; i++) {
        last = await c.frontend('/authenticate/transactions/webauthn/start', {});
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect((last!.body as any).code).toBe('rate_limited');
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last!.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      // The management API is not limited per client address (it is authenticated).
      expect((await c.backend('GET', '/users')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('operations endpoints', () => {
  it('serves health, readiness and an OpenAPI document with every API path', async () => {
    expect((await raw('/healthz', {})).status).toBe(200);
    expect(await (await raw('/readyz', {})).json()).toEqual({ status: 'ready', storage: 'sqlite' });
    const doc = (await (await raw('/openapi.json', {})).json()) as any;
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/v1/apps/{appId}/register/transactions/webauthn/start',
      '/v1/apps/{appId}/authenticate/transactions/webauthn/finish',
      '/v1/apps/{appId}/transactions/register',
      '/v1/apps/{appId}/authenticate/verify',
      '/v1/apps/{appId}/users/{userId}/devices/{deviceId}',
      '/v1/admin/apps',
    ])
      expect(paths).toContain(p);
    expect((await raw('/docs', {})).status).toBeLessThan(400);
  });
});
