import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, startTestServer, type TestServer } from '../../testing/index.js';

/**
 * Wrong credentials are limited per client address (issue 12 item 5): after LIMIT failures in a
 * window, requests from that address that present a credential get 429, right ones included,
 * until the window ends. One case per kind of credential, each from its own address.
 */

const LIMIT = 3;
const WINDOW_SECONDS = 300;
const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789';
const clock = new ManualClock();
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({
    origins: ['http://localhost:3000'],
    clock,
    env: {
      PASSKEYD_TRUST_PROXY: 'true',
      PASSKEYD_METRICS_TOKEN: METRICS_TOKEN,
      PASSKEYD_AUTH_FAILURE_LIMIT: String(LIMIT),
      PASSKEYD_AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
    },
  });
});
afterAll(() => s.close());

interface Kind {
  name: string;
  code: string;
  /** A request from `ip` presenting `secret`, answered with the status and JSON code. */
  send(ip: string, secret: string): Promise<{ status: number; code?: string; retry?: string }>;
  right(): string;
}

async function call(
  ip: string,
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  body?: object,
) {
  const r = await s.server.app.inject({
    method,
    url,
    headers: {
      'x-forwarded-for': ip,
      ...headers,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
  let code: string | undefined;
  try {
    code = (r.json() as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: r.statusCode, code, retry: r.headers['retry-after'] as string | undefined };
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const KINDS: Kind[] = [
  {
    name: 'API key (management API)',
    code: 'invalid_access_token',
    send: (ip, secret) => call(ip, 'GET', `/v1/apps/${s.appId}/users`, bearer(secret)),
    right: () => s.apiKey,
  },
  {
    name: 'admin token (admin API)',
    code: 'invalid_admin_token',
    send: (ip, secret) => call(ip, 'GET', '/v1/admin/apps', bearer(secret)),
    right: () => s.adminToken,
  },
  {
    name: 'admin token (console sign-in)',
    code: 'invalid_admin_token',
    send: (ip, secret) =>
      call(
        ip,
        'POST',
        '/console/session',
        { host: 'localhost', origin: 'http://localhost' },
        { token: secret },
      ),
    right: () => s.adminToken,
  },
  {
    name: 'metrics token',
    code: 'invalid_metrics_token',
    send: (ip, secret) => call(ip, 'GET', '/metrics', bearer(secret)),
    right: () => METRICS_TOKEN,
  },
];

describe('failed credentials are limited per client address', () => {
  KINDS.forEach((kind, i) => {
    it(`${kind.name}: ${LIMIT} wrong ones, then 429 even for the right one until the window ends`, async () => {
      const ip = `192.0.2.${10 + i}`;
      const ok = (await kind.send(ip, kind.right())).status;
      expect(ok).toBeLessThan(300);
      for (let n = 0; n < LIMIT; n++) {
        const r = await kind.send(ip, `wrong-secret-${n}-0123456789abcdef0123456789`);
        expect([r.status, r.code]).toEqual([401, kind.code]);
      }
      const refused = await kind.send(ip, kind.right());
      expect([refused.status, refused.code]).toEqual([429, 'rate_limited']);
      expect(Number(refused.retry)).toBeGreaterThan(0);
      expect(Number(refused.retry)).toBeLessThanOrEqual(WINDOW_SECONDS);
      // Another address is not affected.
      expect((await kind.send(`198.51.100.${10 + i}`, kind.right())).status).toBe(ok);
      clock.advance(WINDOW_SECONDS * 1000);
      expect((await kind.send(ip, kind.right())).status).toBe(ok);
    });
  });

  it('counts every kind against the one address, and leaves the browser API alone', async () => {
    const ip = '192.0.2.99';
    for (const kind of KINDS.slice(0, LIMIT))
      expect((await kind.send(ip, 'wrong-0123456789abcdef0123456789abcdef')).status).toBe(401);
    for (const kind of KINDS) expect((await kind.send(ip, kind.right())).status).toBe(429);
    const browser = await call(
      ip,
      'POST',
      `/v1/apps/${s.appId}/authenticate/transactions/webauthn/start`,
      { origin: 'http://localhost:3000' },
      {},
    );
    expect(browser.status).toBe(200);
    clock.advance(WINDOW_SECONDS * 1000);
  });

  it('counts a right key on another app’s path as a failure, but not 404s', async () => {
    const ip = '192.0.2.120';
    const other = await s.createApp({ name: 'Other', origins: ['http://localhost:3000'] });
    // A valid key used on another app's path is a wrong credential for that app (wire §6.11).
    for (let n = 0; n < LIMIT; n++) {
      const r = await call(ip, 'GET', `/v1/apps/${other.appId}/users`, bearer(s.apiKey));
      expect([r.status, r.code]).toEqual([401, 'invalid_access_token']);
    }
    expect(
      (await call(ip, 'GET', `/v1/apps/${other.appId}/users`, bearer(other.apiKey))).status,
    ).toBe(429);
    clock.advance(WINDOW_SECONDS * 1000);
    // 404s and 400s with a right key are not failures.
    const ip2 = '192.0.2.121';
    for (let n = 0; n < LIMIT + 2; n++) {
      const r = await call(ip2, 'GET', `/v1/apps/${s.appId}/users/usr_nope`, bearer(s.apiKey));
      expect(r.status).toBe(404);
    }
    expect((await call(ip2, 'GET', `/v1/apps/${s.appId}/users`, bearer(s.apiKey))).status).toBe(
      200,
    );
  });
});
