import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { sha256 } from '../../domain/secrets.js';
import { domainDeps } from '../../server.js';
import { openSqliteStorage } from '../../storage/sqlite.js';
import type { KyselyStorage } from '../../storage/kysely/kysely-storage.js';
import { ManualClock, startTestServer, type TestServer } from '../../testing/index.js';
import { registerErrorHandling } from '../plugins/error-handler.js';
import { CONSOLE_COOKIE, consoleRoutes } from './console.js';

/** Session endpoints and the admin API's cookie guard, over real HTTP. */

interface Reply {
  status: number;
  body: any;
  setCookie: string | null;
  headers: Headers;
}

function client(server: TestServer) {
  const origin = server.baseUrl;
  const call = async (
    method: string,
    path: string,
    opts: {
      body?: unknown;
      cookie?: string;
      origin?: string | null;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.cookie) headers.cookie = `${CONSOLE_COOKIE}=${opts.cookie}`;
    const o = opts.origin === undefined ? origin : opts.origin;
    if (o !== null) headers.origin = o;
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : undefined,
      setCookie: res.headers.get('set-cookie'),
      headers: res.headers,
    };
  };
  const signIn = async (token = server.adminToken) => {
    const r = await call('POST', '/console/session', { body: { token } });
    expect(r.status).toBe(201);
    const id = /passkeyd_console=([^;]*)/.exec(r.setCookie ?? '')?.[1];
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return id!;
  };
  return { call, signIn };
}

async function sessionRows(storage: KyselyStorage) {
  return storage.db
    .withTables<{ console_sessions: { id_hash: string; expires_at: number } }>()
    .selectFrom('console_sessions')
    .selectAll()
    .execute();
}

describe('console sessions', () => {
  const clock = new ManualClock(1_760_000_000_000);
  let server: TestServer;
  let http: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer({
      origins: ['https://shop.example'],
      rpId: 'shop.example',
      clock,
      env: { PASSKEYD_CONSOLE_IDLE_MINUTES: '5' },
    });
    http = client(server);
  });
  afterAll(() => server.close());

  it('signs in with the admin token: an httpOnly, SameSite=Strict cookie whose id is stored only as a hash', async () => {
    const r = await http.call('POST', '/console/session', { body: { token: server.adminToken } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ signed_in: true, admin_enabled: true, idle_minutes: 5 });
    const cookie = r.setCookie!;
    const attrs = cookie.split(';').map((a) => a.trim());
    expect(attrs).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict']));
    // Plain http here: a Secure cookie would never come back.
    expect(attrs).not.toContain('Secure');
    const id = /passkeyd_console=([^;]*)/.exec(cookie)![1]!;
    const rows = await sessionRows(server.server.storage);
    expect(rows.map((row) => row.id_hash)).toContain(sha256(id));
    expect(JSON.stringify(rows)).not.toContain(id);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a wrong token and sets no cookie', async () => {
    const r = await http.call('POST', '/console/session', {
      body: { token: 'not-the-admin-token-0123456789abcdef' },
    });
    expect(r).toMatchObject({
      status: 401,
      body: { code: 'invalid_admin_token' },
      setCookie: null,
    });
  });

  it('refuses a sign-in posted by another origin or without an Origin header', async () => {
    const evil = await http.call('POST', '/console/session', {
      body: { token: server.adminToken },
      origin: 'https://evil.example',
    });
    expect(evil).toMatchObject({
      status: 403,
      body: { code: 'cross_origin_request' },
      setCookie: null,
    });
    const none = await http.call('POST', '/console/session', {
      body: { token: server.adminToken },
      origin: null,
    });
    expect(none).toMatchObject({ status: 403, body: { code: 'cross_origin_request' } });
  });

  it('lets the session cookie stand in for the admin token, on reads and same-origin writes', async () => {
    const id = await http.signIn();
    const apps = await http.call('GET', '/v1/admin/apps', { cookie: id, origin: null });
    expect(apps.status).toBe(200);
    expect(apps.body.apps.map((a: { id: string }) => a.id)).toContain(server.appId);
    const key = await http.call('POST', `/v1/admin/apps/${server.appId}/keys`, {
      cookie: id,
      body: { name: 'from the console' },
    });
    expect(key.status).toBe(201);
    expect((await http.call('GET', '/console/session', { cookie: id })).body).toMatchObject({
      signed_in: true,
    });
  });

  it('refuses a state-changing request with the cookie from another origin or without Origin, and changes nothing', async () => {
    const id = await http.signIn();
    const before = (await http.call('GET', `/v1/admin/apps/${server.appId}/keys`, { cookie: id }))
      .body.keys.length;
    for (const origin of ['https://evil.example', `${server.baseUrl}.evil.example`, null]) {
      const r = await http.call('POST', `/v1/admin/apps/${server.appId}/keys`, {
        cookie: id,
        origin,
        body: { name: 'forged' },
      });
      expect(r).toMatchObject({ status: 403, body: { code: 'cross_origin_request' } });
    }
    const patch = await http.call('PATCH', `/v1/admin/apps/${server.appId}`, {
      cookie: id,
      origin: 'https://evil.example',
      body: { name: 'Hijacked' },
    });
    expect(patch.status).toBe(403);
    expect(
      (await http.call('GET', `/v1/admin/apps/${server.appId}/keys`, { cookie: id })).body.keys
        .length,
    ).toBe(before);
    expect(
      (await http.call('GET', `/v1/admin/apps/${server.appId}`, { cookie: id })).body.app.name,
    ).toBe('Test app');
  });

  it('ends a session after the idle time, and each request moves the deadline', async () => {
    const id = await http.signIn();
    clock.advance(4 * 60_000);
    expect((await http.call('GET', '/v1/admin/apps', { cookie: id })).status).toBe(200);
    clock.advance(4 * 60_000); // 8 minutes after sign-in, 4 after the last request
    expect((await http.call('GET', '/v1/admin/apps', { cookie: id })).status).toBe(200);
    clock.advance(5 * 60_000);
    const expired = await http.call('GET', '/v1/admin/apps', { cookie: id });
    expect(expired).toMatchObject({ status: 401, body: { code: 'console_session_expired' } });
    // The console asks for its state on load: signed out, and the stale cookie is cleared.
    const state = await http.call('GET', '/console/session', { cookie: id });
    expect(state.body).toEqual({ signed_in: false, admin_enabled: true, idle_minutes: 5 });
    expect(state.setCookie).toMatch(/Max-Age=0/);
  });

  it('signs out by deleting the session: the old cookie no longer works', async () => {
    const id = await http.signIn();
    const out = await http.call('DELETE', '/console/session', { cookie: id });
    expect(out.status).toBe(200);
    expect(out.setCookie).toMatch(/^passkeyd_console=; .*Max-Age=0/);
    expect((await sessionRows(server.server.storage)).map((r) => r.id_hash)).not.toContain(
      sha256(id),
    );
    expect(await http.call('GET', '/v1/admin/apps', { cookie: id })).toMatchObject({
      status: 401,
      body: { code: 'console_session_expired' },
    });
  });

  it('does not let another origin sign the operator out', async () => {
    const id = await http.signIn();
    const r = await http.call('DELETE', '/console/session', {
      cookie: id,
      origin: 'https://evil.example',
    });
    expect(r).toMatchObject({ status: 403, body: { code: 'cross_origin_request' } });
    expect((await http.call('GET', '/v1/admin/apps', { cookie: id })).status).toBe(200);
  });

  it('lets a bearer header decide alone: a wrong token is refused even beside a valid cookie', async () => {
    const id = await http.signIn();
    const r = await http.call('GET', '/v1/admin/apps', {
      cookie: id,
      headers: { authorization: 'Bearer wrong-token' },
    });
    expect(r).toMatchObject({ status: 401, body: { code: 'invalid_admin_token' } });
    const bearer = await http.call('GET', '/v1/admin/apps', {
      origin: null,
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(bearer.status).toBe(200);
  });

  it('treats a forged or malformed cookie as an expired session', async () => {
    for (const cookie of [
      'A'.repeat(43),
      'not a session id',
      "x'; drop table console_sessions; --",
    ]) {
      expect(await http.call('GET', '/v1/admin/apps', { cookie })).toMatchObject({
        status: 401,
        body: { code: 'console_session_expired' },
      });
    }
  });

  it('replaces the previous session when signing in again from the same browser', async () => {
    const first = await http.signIn();
    const r = await http.call('POST', '/console/session', {
      cookie: first,
      body: { token: server.adminToken },
    });
    expect(r.status).toBe(201);
    expect((await http.call('GET', '/v1/admin/apps', { cookie: first })).status).toBe(401);
  });
});

describe('console sessions behind TLS and without an admin token', () => {
  it('marks the cookie Secure when the request came over https (X-Forwarded-Proto from a trusted proxy)', async () => {
    const server = await startTestServer({
      origins: ['https://shop.example'],
      rpId: 'shop.example',
      env: { PASSKEYD_TRUST_PROXY: 'true' },
    });
    try {
      const host = new URL(server.baseUrl).host;
      const r = await fetch(`${server.baseUrl}/console/session`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: `https://${host}`,
          'x-forwarded-proto': 'https',
        },
        body: JSON.stringify({ token: server.adminToken }),
      });
      expect(r.status).toBe(201);
      expect(r.headers.get('set-cookie')).toMatch(/; Secure/);
      // Behind TLS, the page's origin is https://…; the plain-http origin is another origin.
      const mixed = await fetch(`${server.baseUrl}/console/session`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: server.baseUrl,
          'x-forwarded-proto': 'https',
        },
        body: JSON.stringify({ token: server.adminToken }),
      });
      expect(mixed.status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('says the admin API is disabled when no admin token is configured', async () => {
    const server = await startTestServer({
      origins: ['https://shop.example'],
      rpId: 'shop.example',
      env: { PASSKEYD_ADMIN_TOKEN: '' },
    });
    try {
      const http = client(server);
      expect((await http.call('GET', '/console/session')).body).toEqual({
        signed_in: false,
        admin_enabled: false,
        idle_minutes: 30,
      });
      const r = await http.call('POST', '/console/session', { body: { token: server.adminToken } });
      expect(r).toMatchObject({
        status: 403,
        body: { code: 'admin_api_disabled' },
        setCookie: null,
      });
    } finally {
      await server.close();
    }
  });
});

describe('the console app at /console', () => {
  let dir: string;
  let storage: KyselyStorage;

  async function consoleServer(consoleDir: string): Promise<FastifyInstance> {
    const config = loadConfig({
      PASSKEYD_ADMIN_TOKEN: 'test-admin-token-0123456789abcdef0123456789',
    });
    const app = Fastify({ logger: false });
    registerErrorHandling(app);
    await app.register(consoleRoutes, {
      prefix: '/console',
      deps: { ...domainDeps(config, storage), config },
      dir: consoleDir,
    });
    return app;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passkeyd-console-'));
    storage = await openSqliteStorage({ path: join(dir, 'db.sqlite') });
    mkdirSync(join(dir, 'dist', 'assets'), { recursive: true });
    writeFileSync(
      join(dir, 'dist', 'index.html'),
      '<!doctype html><title>passkeyd console</title><script type="module" src="/console/assets/app-1a2b3c.js"></script>',
    );
    writeFileSync(join(dir, 'dist', 'assets', 'app-1a2b3c.js'), 'console.log("hi")');
    writeFileSync(join(dir, 'dist', '.env'), 'PASSKEYD_ADMIN_TOKEN=leaked');
    writeFileSync(join(dir, 'dist', 'assets', '.hidden.js'), 'leaked');
    mkdirSync(join(dir, 'empty'));
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app shell at /console and at every client-side route, never cached', async () => {
    const app = await consoleServer(join(dir, 'dist'));
    for (const url of ['/console', '/console/', '/console/apps/app_123/users?search=a']) {
      const r = await app.inject({ method: 'GET', url });
      expect([url, r.statusCode]).toEqual([url, 200]);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.body).toContain('<title>passkeyd console</title>');
      expect(r.headers['cache-control']).toBe('no-cache');
    }
    await app.close();
  });

  it('serves hashed assets as immutable, and a missing asset is a 404, not the app shell', async () => {
    const app = await consoleServer(join(dir, 'dist'));
    const asset = await app.inject({ method: 'GET', url: '/console/assets/app-1a2b3c.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await app.inject({ method: 'GET', url: '/console/assets/app-000000.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'not_found' });
    expect((await app.inject({ method: 'GET', url: '/console/favicon.ico' })).statusCode).toBe(404);
    await app.close();
  });

  it('never serves a dotfile from the console folder', async () => {
    const app = await consoleServer(join(dir, 'dist'));
    for (const url of [
      '/console/.env',
      '/console/assets/.hidden.js',
      '/console/assets/%2Ehidden.js',
    ]) {
      const r = await app.inject({ method: 'GET', url });
      expect([url, r.statusCode, r.json().code]).toEqual([url, 404, 'not_found']);
      expect(r.body).not.toContain('leaked');
    }
    await app.close();
  });

  it('refuses dot-dot segments in an asset path with a JSON error, serving nothing', async () => {
    // @fastify/static 10 refuses a non-leading `..` (9 normalised it away and served the file).
    // Over a socket: inject would normalise the URL before the server saw it.
    const app = await consoleServer(join(dir, 'dist'));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const raw = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
          .on('error', reject)
          .end();
      });
    try {
      for (const path of [
        '/console/assets/../index.html',
        '/console/assets/%2E%2E/index.html',
        // dist/.. holds the database: never reachable.
        '/console/assets/../../db.sqlite',
      ]) {
        const r = await raw(path);
        expect([path, r.status, JSON.parse(r.body).code]).toEqual([path, 400, 'invalid_request']);
      }
      // An encoded slash stays part of one file name, which does not exist.
      const slash = await raw('/console/assets/..%2F..%2Fdb.sqlite');
      expect([slash.status, JSON.parse(slash.body).code]).toEqual([404, 'not_found']);
    } finally {
      await app.close();
    }
  });

  it('forbids framing and loading anything from other origins', async () => {
    const app = await consoleServer(join(dir, 'dist'));
    const r = await app.inject({ method: 'GET', url: '/console/' });
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    await app.close();
  });

  it('answers 503 console_not_built when the console has not been built', async () => {
    const app = await consoleServer(join(dir, 'empty'));
    for (const url of ['/console', '/console/apps']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ code: 'console_not_built' });
    }
    // Sessions work all the same: the API does not need the app.
    expect((await app.inject({ method: 'GET', url: '/console/session' })).json()).toMatchObject({
      signed_in: false,
      admin_enabled: true,
    });
    await app.close();
  });
});
