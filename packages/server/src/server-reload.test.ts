import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from './config/config.js';
import { startTestServer, type TestServer } from './testing/index.js';
import { onBothEngines } from './testing/on-both-engines.js';
import { callServer, signInToConsole } from './testing/server-calls.js';

/**
 * Issue 16, item 5, in process and on both engines: RunningServer.reload() (what SIGHUP calls,
 * see cli/serve-reload.test.ts) replaces the admin and metrics tokens for the next request,
 * ends the console sessions of removed tokens, and names what it cannot apply.
 */

const T1 = 'first-admin-token-0123456789abcdef0123456789';
const T2 = 'second-admin-token-0123456789abcdef012345678';
const M1 = 'first-metrics-token-0123456789abcdef01234567';
const M2 = 'second-metrics-token-0123456789abcdef0123456';

const call = callServer;
const signIn = signInToConsole;

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

await onBothEngines('reload', (engine, url) => describeReload(engine, () => url()!), {
  sqliteFile: true,
});
