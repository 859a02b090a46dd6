import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, startTestServer, type TestServer } from '../../testing/index.js';
import { onBothEngines } from '../../testing/on-both-engines.js';
import { callServer, signInToConsole } from '../../testing/server-calls.js';

/**
 * Issue 12, item 1: a console session belongs to the admin token that opened it, ends at an
 * absolute deadline, and can be ended everywhere at once. Servers are restarted over one
 * database, as an operator rotating a token would, on SQLite and PostgreSQL.
 */

const T1 = 'first-admin-token-0123456789abcdef0123456789';
const T2 = 'second-admin-token-0123456789abcdef012345678';
const MINUTE = 60_000;

const call = callServer;
const signIn = signInToConsole;

const newApp = (name: string) => ({
  name,
  rp_id: 'shop.example',
  origins: ['https://shop.example'],
});

const appNames = async (server: TestServer, token: string) =>
  (await call(server, 'GET', '/v1/admin/apps', { bearer: token })).body.apps.map(
    (a: { name: string }) => a.name,
  );

function describeTokenRotation(engine: string, databaseUrl: () => string) {
  describe(`console sessions and admin tokens (${engine})`, () => {
    const clock = new ManualClock(1_760_000_000_000);
    const running: TestServer[] = [];
    /** A passkeyd over the shared database with exactly these admin settings. */
    const start = async (env: Record<string, string>) => {
      const s = await startTestServer({
        origins: ['https://shop.example'],
        rpId: 'shop.example',
        databaseUrl: databaseUrl(),
        clock,
        env: { PASSKEYD_ADMIN_TOKEN: '', ...env },
      });
      running.push(s);
      return s;
    };
    const stop = async (s: TestServer) => {
      running.splice(running.indexOf(s), 1);
      await s.close();
    };
    afterEach(async () => {
      for (const s of running.splice(0)) await s.close();
    });

    it("ends T1's console sessions once the server restarts with only T2: no listing, no creating", async () => {
      const before = await start({ PASSKEYD_ADMIN_TOKEN: T1 });
      const cookie = await signIn(before, T1);
      expect((await call(before, 'GET', '/v1/admin/apps', { cookie })).status).toBe(200);
      await stop(before);

      const after = await start({ PASSKEYD_ADMIN_TOKEN: T2 });
      expect(await call(after, 'GET', '/v1/admin/apps', { bearer: T1 })).toMatchObject({
        status: 401,
        body: { code: 'invalid_admin_token' },
      });
      expect(await call(after, 'GET', '/v1/admin/apps', { cookie })).toMatchObject({
        status: 401,
        body: { code: 'console_session_expired' },
      });
      expect(
        await call(after, 'POST', '/v1/admin/apps', { cookie, body: newApp('Made with T1') }),
      ).toMatchObject({ status: 401, body: { code: 'console_session_expired' } });
      expect(await appNames(after, T2)).not.toContain('Made with T1');
      // The console, asking for its state, is told it is signed out and drops the cookie.
      const state = await call(after, 'GET', '/console/session', { cookie });
      expect(state.body).toMatchObject({ signed_in: false, admin_enabled: true });
      expect(state.setCookie).toMatch(/Max-Age=0/);
    });

    it('accepts several admin tokens at once, and removing one ends only its sessions', async () => {
      const both = await start({ PASSKEYD_ADMIN_TOKENS: `${T1},${T2}` });
      for (const t of [T1, T2])
        expect((await call(both, 'GET', '/v1/admin/apps', { bearer: t })).status).toBe(200);
      const c1 = await signIn(both, T1);
      const c2 = await signIn(both, T2);
      for (const cookie of [c1, c2])
        expect((await call(both, 'GET', '/v1/admin/apps', { cookie })).status).toBe(200);
      await stop(both);

      // The single-token setting and the list are one union: T2 stays valid through the list.
      const rotated = await start({ PASSKEYD_ADMIN_TOKENS: T2 });
      expect((await call(rotated, 'GET', '/v1/admin/apps', { cookie: c1 })).status).toBe(401);
      expect((await call(rotated, 'GET', '/v1/admin/apps', { cookie: c2 })).status).toBe(200);
      expect(
        (await call(rotated, 'POST', '/v1/admin/apps', { cookie: c2, body: newApp('With T2') }))
          .status,
      ).toBe(201);
      await stop(rotated);

      const union = await start({ PASSKEYD_ADMIN_TOKEN: T1, PASSKEYD_ADMIN_TOKENS: T2 });
      expect((await call(union, 'GET', '/v1/admin/apps', { bearer: T1 })).status).toBe(200);
      expect((await call(union, 'GET', '/v1/admin/apps', { cookie: c2 })).status).toBe(200);
    });

    it('ends a session at its absolute deadline however busy it is, and idle time never extends past it', async () => {
      const server = await start({
        PASSKEYD_ADMIN_TOKEN: T1,
        PASSKEYD_CONSOLE_IDLE_MINUTES: '30',
        PASSKEYD_CONSOLE_SESSION_MAX_HOURS: '2',
      });
      const cookie = await signIn(server, T1);
      // A request every 20 minutes keeps the idle deadline moving, for 1 h 40 min.
      for (let i = 0; i < 5; i++) {
        clock.advance(20 * MINUTE);
        expect((await call(server, 'GET', '/v1/admin/apps', { cookie })).status).toBe(200);
      }
      clock.advance(20 * MINUTE - 1);
      expect((await call(server, 'GET', '/v1/admin/apps', { cookie })).status).toBe(200);
      clock.advance(1); // 2 h after sign-in; last used 1 ms ago
      expect(await call(server, 'GET', '/v1/admin/apps', { cookie })).toMatchObject({
        status: 401,
        body: { code: 'console_session_expired' },
      });
      // A fresh sign-in gets a fresh 2 hours.
      const again = await signIn(server, T1);
      for (let i = 0; i < 5; i++) {
        clock.advance(20 * MINUTE);
        expect((await call(server, 'GET', '/v1/admin/apps', { cookie: again })).status).toBe(200);
      }
    });

    it('signs out everywhere: every console session ends, whichever token opened it', async () => {
      const server = await start({ PASSKEYD_ADMIN_TOKENS: `${T1},${T2}` });
      // Earlier tests' sessions share this database.
      await call(server, 'DELETE', '/v1/admin/console-sessions', { bearer: T1 });
      const a = await signIn(server, T1);
      const b = await signIn(server, T2);
      const c = await signIn(server, T2);

      // Another site's page cannot do it with the operator's cookie.
      expect(
        await call(server, 'DELETE', '/v1/admin/console-sessions', {
          cookie: a,
          origin: 'https://evil.example',
        }),
      ).toMatchObject({ status: 403, body: { code: 'cross_origin_request' } });
      expect((await call(server, 'GET', '/v1/admin/apps', { cookie: b })).status).toBe(200);

      const out = await call(server, 'DELETE', '/v1/admin/console-sessions', { cookie: a });
      expect(out).toMatchObject({ status: 200, body: { deleted: 3 } });
      expect(out.setCookie).toMatch(/^passkeyd_console=; .*Max-Age=0/);
      for (const cookie of [a, b, c])
        expect(await call(server, 'GET', '/v1/admin/apps', { cookie })).toMatchObject({
          status: 401,
          body: { code: 'console_session_expired' },
        });

      // With a bearer token too (from a script, when the console itself is not at hand).
      const d = await signIn(server, T1);
      expect(
        await call(server, 'DELETE', '/v1/admin/console-sessions', { bearer: T2 }),
      ).toMatchObject({ status: 200, body: { deleted: 1 } });
      expect((await call(server, 'GET', '/v1/admin/apps', { cookie: d })).status).toBe(401);
      // Nobody else may.
      expect(
        await call(server, 'DELETE', '/v1/admin/console-sessions', {
          bearer: 'not-an-admin-token-0123456789abcdef0123',
        }),
      ).toMatchObject({ status: 401, body: { code: 'invalid_admin_token' } });
    });
  });
}

await onBothEngines(
  'console token rotation',
  (engine, url) => describeTokenRotation(engine, () => url()!),
  { sqliteFile: true },
);
