import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from './config/config.js';
import { CONSOLE_COOKIE } from './http/routes/console.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from './storage/scratch-postgres.js';
import { startTestServer, type TestServer } from './testing/index.js';

/**
 * Issue 16, item 5, in process and on both engines: RunningServer.reload() (what SIGHUP calls,
 * see cli/serve-reload.test.ts) replaces the admin and metrics tokens for the next request,
 * ends the console sessions of removed tokens, and names what it cannot apply.
 */

const T1 = 'first-admin-token-0123456789abcdef0123456789';
const T2 = 'second-admin-token-0123456789abcdef012345678';
const M1 = 'first-metrics-token-0123456789abcdef01234567';
const M2 = 'second-metrics-token-0123456789abcdef0123456';

async function call(
  server: TestServer,
  method: string,
  path: string,
  opts: { cookie?: string; bearer?: string; body?: unknown } = {},
) {
  const headers: Record<string, string> = { origin: server.baseUrl };
  if (opts.cookie) headers.cookie = `${CONSOLE_COOKIE}=${opts.cookie}`;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text.startsWith('{') ? JSON.parse(text) : text,
    setCookie: res.headers.get('set-cookie'),
  };
}

async function signIn(server: TestServer, token: string): Promise<string> {
  const r = await call(server, 'POST', '/console/session', { body: { token } });
  expect(r.status).toBe(201);
  return /passkeyd_console=([^;]*)/.exec(r.setCookie ?? '')![1]!;
}

const withTokens = (
  server: TestServer,
  tokens: Partial<Pick<Config, 'adminToken' | 'adminTokens' | 'metricsToken' | 'metricsTokens'>>,
): Readonly<Config> => ({ ...server.config, ...tokens });

function describeReload(engine: string, databaseUrl: () => string) {
  describe(`RunningServer.reload (${engine})`, () => {
    const running: TestServer[] = [];
    const start = async (env: Record<string, string>) => {
      const s = await startTestServer({
        origins: ['https://shop.example'],
        rpId: 'shop.example',
        databaseUrl: databaseUrl(),
        env: { PASSKEYD_ADMIN_TOKEN: '', ...env },
      });
      running.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of running.splice(0)) await s.close();
    });

    it('should refuse the removed admin token and end its console sessions from the next request on', async () => {
      const server = await start({ PASSKEYD_ADMIN_TOKENS: T1, PASSKEYD_METRICS_TOKEN: M1 });
      const c1 = await signIn(server, T1);
      expect((await call(server, 'GET', '/v1/admin/apps', { cookie: c1 })).status).toBe(200);

      const report = server.server.reload(
        withTokens(server, { adminTokens: [T1, T2], metricsTokens: [M2] }),
      );
      expect(report).toMatchObject({
        adminTokens: { added: 1, removed: 0, total: 2 },
        metricsTokens: { added: 1, removed: 0, total: 2 },
        needRestart: [],
      });
      // Both at once while clients move over; the session of T1 lives on.
      expect((await call(server, 'GET', '/v1/admin/apps', { cookie: c1 })).status).toBe(200);
      const c2 = await signIn(server, T2);
      expect((await call(server, 'GET', '/metrics', { bearer: M2 })).status).toBe(200);

      server.server.reload(
        withTokens(server, { adminTokens: [T2], metricsToken: null, metricsTokens: [M2] }),
      );
      expect(await call(server, 'GET', '/v1/admin/apps', { bearer: T1 })).toMatchObject({
        status: 401,
        body: { code: 'invalid_admin_token' },
      });
      expect(await call(server, 'GET', '/v1/admin/apps', { cookie: c1 })).toMatchObject({
        status: 401,
        body: { code: 'console_session_expired' },
      });
      expect(
        await call(server, 'POST', '/v1/admin/apps', {
          cookie: c1,
          body: { name: 'With T1', rp_id: 'shop.example', origins: ['https://shop.example'] },
        }),
      ).toMatchObject({ status: 401, body: { code: 'console_session_expired' } });
      expect((await call(server, 'GET', '/v1/admin/apps', { cookie: c2 })).status).toBe(200);
      expect((await call(server, 'GET', '/metrics', { bearer: M1 })).status).toBe(401);
      expect((await call(server, 'GET', '/metrics', { bearer: M2 })).status).toBe(200);
    });

    it('should turn the admin API and console off when every admin token is removed, and on again', async () => {
      const server = await start({ PASSKEYD_ADMIN_TOKEN: T1 });
      const c1 = await signIn(server, T1);
      server.server.reload(withTokens(server, { adminToken: null }));
      expect(await call(server, 'GET', '/v1/admin/apps', { bearer: T1 })).toMatchObject({
        status: 403,
        body: { code: 'admin_api_disabled' },
      });
      expect((await call(server, 'GET', '/console/session', { cookie: c1 })).body).toMatchObject({
        signed_in: false,
        admin_enabled: false,
      });
      expect(await call(server, 'POST', '/console/session', { body: { token: T1 } })).toMatchObject(
        { status: 403, body: { code: 'admin_api_disabled' } },
      );

      server.server.reload(withTokens(server, { adminToken: T2 }));
      expect((await call(server, 'GET', '/v1/admin/apps', { bearer: T2 })).status).toBe(200);
      expect((await call(server, 'GET', '/console/session')).body).toMatchObject({
        admin_enabled: true,
      });
    });

    it('should name the settings it cannot apply, /metrics off at start-up among them', async () => {
      const server = await start({ PASSKEYD_ADMIN_TOKEN: T1 });
      const report = server.server.reload({
        ...withTokens(server, { metricsToken: M1 }),
        rateLimitMax: server.config.rateLimitMax + 1,
        logLevel: 'debug',
      });
      expect(report.logLevel).toBe('debug');
      expect(report.needRestart).toEqual(['PASSKEYD_RATE_LIMIT_MAX', 'PASSKEYD_METRICS_TOKEN']);
      expect((await call(server, 'GET', '/metrics', { bearer: M1 })).status).toBe(404);
      expect((await call(server, 'GET', '/v1/admin/apps', { bearer: T1 })).status).toBe(200);
    });
  });
}

{
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'passkeyd-reload-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  describeReload('sqlite', () => `sqlite:${join(dir, 'passkeyd.db')}`);
}

const probe = await probePostgres(process.env);
describeWithPostgres(probe, process.env, 'reload on postgres', (adminUrl) => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'reload');
  });
  afterAll(async () => {
    await db?.drop();
  });
  describeReload('postgres', () => db.url);
});
