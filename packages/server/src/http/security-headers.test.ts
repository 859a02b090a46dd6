import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { CONSOLE_COOKIE } from './routes/console.js';

/**
 * Issue 12, item 13: the headers of every answer, the locked-down /docs, and malformed URLs
 * answered like any other bad input.
 */

const ORIGIN = 'https://shop.example';

describe('security headers', () => {
  let server: TestServer;
  let cookie: string;
  beforeAll(async () => {
    server = await startTestServer({
      origins: [ORIGIN],
      rpId: 'shop.example',
      env: { PASSKEYD_TRUST_PROXY: 'true' },
    });
    const r = await fetch(`${server.baseUrl}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.baseUrl },
      body: JSON.stringify({ token: server.adminToken }),
    });
    cookie = /passkeyd_console=([^;]*)/.exec(r.headers.get('set-cookie') ?? '')![1]!;
  });
  afterAll(() => server.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}${path}`, { headers });

  it('sends nosniff on API, OpenAPI, health and error answers alike', async () => {
    const bearer = { authorization: `Bearer ${server.apiKey}` };
    const json = { 'content-type': 'application/json', origin: ORIGIN };
    for (const [method, path, headers, status] of [
      ['GET', '/healthz', {}, 200],
      ['GET', '/readyz', {}, 200],
      ['GET', '/openapi.json', {}, 200],
      ['GET', `/v1/apps/${server.appId}`, bearer, 200],
      ['GET', `/v1/apps/${server.appId}/users`, {}, 401],
      ['POST', `/v1/apps/${server.appId}/authenticate/transactions/webauthn/start`, json, 200],
      ['POST', '/v1/apps/app_unknown/authenticate/transactions/webauthn/start', json, 404],
      ['GET', '/v1/no-such-route', {}, 404],
      ['GET', `/v1/admin/apps`, { authorization: `Bearer ${server.adminToken}` }, 200],
    ] as const) {
      const r = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers,
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect([path, r.status]).toEqual([path, status]);
      expect([path, r.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
    }
  });

  it('marks every admin API answer no-store, for the console cookie and the bearer token, errors included', async () => {
    const ways: Record<string, string>[] = [
      { cookie: `${CONSOLE_COOKIE}=${cookie}` },
      { authorization: `Bearer ${server.adminToken}` },
    ];
    for (const headers of ways) {
      for (const path of [
        '/v1/admin/apps',
        `/v1/admin/apps/${server.appId}`,
        `/v1/admin/apps/${server.appId}/keys`,
        `/v1/admin/apps/${server.appId}/users`,
        `/v1/admin/apps/${server.appId}/events`,
      ]) {
        const r = await get(path, headers);
        expect([path, r.status]).toEqual([path, 200]);
        expect([path, r.headers.get('cache-control')]).toEqual([path, 'no-store']);
      }
    }
    const refused = await get('/v1/admin/apps', { authorization: 'Bearer wrong' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });

  it('sends HSTS only when the request came over https', async () => {
    const plain = await get('/healthz');
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    // X-Forwarded-Proto counts because this server trusts its proxy (PASSKEYD_TRUST_PROXY).
    for (const path of ['/healthz', `/v1/apps/${server.appId}`, '/console/session']) {
      const tls = await get(path, { 'x-forwarded-proto': 'https' });
      expect([path, tls.headers.get('strict-transport-security')]).toEqual([
        path,
        'max-age=31536000',
      ]);
    }
  });

  it('locks /docs down: a CSP that forbids framing and other origins, X-Frame-Options, nosniff', async () => {
    for (const path of [
      '/docs',
      '/docs/static/index.html',
      '/docs/static/swagger-initializer.js',
    ]) {
      const r = await get(path);
      expect([path, r.status]).toEqual([path, 200]);
      const csp = r.headers.get('content-security-policy') ?? '';
      const directives = new Map(
        csp.split(';').map((d) => {
          const [name = '', ...values] = d.trim().split(/\s+/);
          return [name, values.join(' ')] as const;
        }),
      );
      expect(directives.get('frame-ancestors')).toBe("'none'");
      expect(directives.get('default-src')).toBe("'self'");
      expect(directives.get('object-src')).toBe("'none'");
      // Nothing from elsewhere: no https: wildcard, no validator host.
      expect(csp).not.toMatch(/https:|validator\.swagger\.io|unsafe-inline|unsafe-eval/);
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('answers a URL that cannot be decoded with invalid_request, not Fastify’s own body', async () => {
    for (const path of [
      '/v1/apps/%E0%A4%A/users',
      `/v1/apps/${server.appId}/users/%C0`,
      '/v1/admin/apps/%ZZ',
      // Longer than Fastify's 100-character path parameter limit (FST_ERR_MAX_PARAM_LENGTH, 414).
      `/v1/apps/app_${'a'.repeat(200)}/users`,
    ]) {
      const r = await get(path);
      expect([path, r.status]).toEqual([path, 400]);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await r.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['code', 'error']);
      expect(body.code).toBe('invalid_request');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('PASSKEYD_DOCS=false', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      origins: [ORIGIN],
      rpId: 'shop.example',
      env: { PASSKEYD_DOCS: 'false' },
    });
  });
  afterAll(() => server.close());

  it('removes /docs and keeps /openapi.json', async () => {
    for (const path of ['/docs', '/docs/', '/docs/static/index.html']) {
      const r = await fetch(`${server.baseUrl}${path}`);
      expect([path, r.status]).toEqual([path, 404]);
      expect(await r.json()).toMatchObject({ code: 'not_found' });
    }
    const spec = await fetch(`${server.baseUrl}/openapi.json`);
    expect(spec.status).toBe(200);
    expect(((await spec.json()) as { openapi: string }).openapi).toMatch(/^3\./);
  });
});
