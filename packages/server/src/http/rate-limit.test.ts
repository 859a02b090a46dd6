import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId } from '../domain/secrets.js';
import { ManualClock, startTestServer, type TestServer } from '../testing/index.js';
import { describeWithRedis, probeRedis, scratchPrefix } from './rate-limit/scratch-redis.js';

/** Rate limits and CORS preflights of the browser API (issue 12 items 5 and 11). */

const ORIGIN = 'http://localhost:3000';
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function limited(env: Record<string, string>, clock?: ManualClock): Promise<TestServer> {
  server = await startTestServer({
    origins: [ORIGIN],
    // Tests name client addresses with X-Forwarded-For.
    env: { PASSKEYD_TRUST_PROXY: 'true', ...env },
    ...(clock ? { clock } : {}),
  });
  return server;
}

/** One browser request through inject (no sockets: floods stay fast), from `ip`. */
async function browser(
  s: TestServer,
  path: string,
  opts: { ip?: string; appId?: string; method?: 'POST' | 'OPTIONS'; body?: object } = {},
) {
  const method = opts.method ?? 'POST';
  const r = await s.server.app.inject({
    method,
    url: `/v1/apps/${opts.appId ?? s.appId}/${path}`,
    headers: {
      origin: ORIGIN,
      'x-forwarded-for': opts.ip ?? '198.51.100.1',
      ...(method === 'POST'
        ? { 'content-type': 'application/json' }
        : { 'access-control-request-method': 'POST' }),
    },
    ...(method === 'POST' ? { payload: JSON.stringify(opts.body ?? {}) } : {}),
  });
  return { status: r.statusCode, headers: r.headers, body: r.body ? r.json() : undefined };
}

const F1 = 'register/transactions/webauthn/start';
const F2 = 'register/transactions/webauthn/finish';
const F3 = 'authenticate/transactions/webauthn/start';
const F4 = 'authenticate/transactions/webauthn/finish';
const bogusFinish = {
  handshake_id: 'hs_nope',
  handshake_response: { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} },
};

describe('the browser budget', () => {
  it('is one budget per client address and app across all four routes', async () => {
    const s = await limited({ PASSKEYD_RATE_LIMIT_MAX: '4' });
    const spent = [
      await browser(s, F1, { body: { transaction_id: 'txn_nope' } }),
      await browser(s, F2, { body: bogusFinish }),
      await browser(s, F3),
      await browser(s, F4, { body: bogusFinish }),
    ];
    expect(spent.map((r) => r.status)).not.toContain(429);
    const next = await browser(s, F3);
    expect([next.status, next.body.code]).toEqual([429, 'rate_limited']);
    expect(Number(next.headers['retry-after'])).toBeGreaterThan(0);
    expect(next.headers['access-control-allow-origin']).toBe(ORIGIN);
    // Another address, and the same address on another app, have budgets of their own.
    expect((await browser(s, F3, { ip: '198.51.100.2' })).status).toBe(200);
    const other = await s.createApp({ name: 'Other', origins: [ORIGIN] });
    expect((await browser(s, F3, { appId: other.appId })).status).toBe(200);
  });

  it('counts preflights too, so a preflight flood cannot query the database freely', async () => {
    const s = await limited({ PASSKEYD_RATE_LIMIT_MAX: '2' });
    expect((await browser(s, F3, { method: 'OPTIONS' })).status).toBe(204);
    expect((await browser(s, F3)).status).toBe(200);
    const r = await browser(s, F3, { method: 'OPTIONS' });
    expect(r.status).toBe(429);
    expect(r.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('charges unknown app ids to the address and refuses it before any further app lookup', async () => {
    const s = await limited({ PASSKEYD_RATE_LIMIT_MAX: '3' });
    const lookups = vi.spyOn(s.server.storage.apps, 'get');
    const statuses = [];
    // Well-formed ids, so each would cost a lookup (malformed ones are refused without one).
    for (let i = 0; i < 8; i++) {
      const r = await browser(s, F3, { appId: newId('app') });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.body.code).toBe('rate_limited');
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
        // The browser must be able to read the 429 (passage-wire.md §6.1).
        expect(r.headers['access-control-allow-origin']).toBe(ORIGIN);
      }
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429, 429, 429, 429]);
    expect(lookups).toHaveBeenCalledTimes(3);
    // That address is refused on real apps too until the window ends; other addresses are not.
    expect((await browser(s, F3)).status).toBe(429);
    expect(lookups).toHaveBeenCalledTimes(3);
    expect((await browser(s, F3, { ip: '198.51.100.9' })).status).toBe(200);
  });

  it('gives a limited client a fresh budget only when its window ends', async () => {
    const clock = new ManualClock();
    const s = await limited(
      { PASSKEYD_RATE_LIMIT_MAX: '1', PASSKEYD_RATE_LIMIT_WINDOW_SECONDS: '60' },
      clock,
    );
    expect((await browser(s, F3)).status).toBe(200);
    clock.advance(59_000);
    expect((await browser(s, F3)).status).toBe(429);
    clock.advance(1_000);
    expect((await browser(s, F3)).status).toBe(200);
  });

  it('keeps a limited client limited through a flood of 12,000 junk keys', async () => {
    const s = await limited({ PASSKEYD_RATE_LIMIT_MAX: '2' });
    const victim = '203.0.113.7';
    const before = [];
    for (let i = 0; i < 3; i++) before.push((await browser(s, F3, { ip: victim })).status);
    expect(before).toEqual([200, 200, 429]);
    // Each junk request comes from a fresh address: a fresh key, which the old 5,000-entry LRU
    // store made room for by forgetting the oldest key, the limited client's.
    const junk = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    for (let i = 0; i < 12_000; i += 200) {
      const batch = await Promise.all(
        Array.from({ length: 200 }, (_, j) =>
          browser(s, F3, { ip: junk(i + j), body: { transaction_id: 'txn_nope' } }),
        ),
      );
      expect(batch.every((r) => r.status === 404)).toBe(true);
    }
    expect((await browser(s, F3, { ip: victim })).status).toBe(429);
  }, 120_000);

  it('counts IPv6 clients per /64, so rotating addresses in one network buys nothing', async () => {
    const s = await limited({ PASSKEYD_RATE_LIMIT_MAX: '2' });
    expect((await browser(s, F3, { ip: '2001:db8:1:2::1' })).status).toBe(200);
    expect((await browser(s, F3, { ip: '2001:db8:1:2:aaaa::2' })).status).toBe(200);
    expect((await browser(s, F3, { ip: '2001:db8:1:2:ffff:1:2:3' })).status).toBe(429);
    expect((await browser(s, F3, { ip: '2001:db8:1:3::1' })).status).toBe(200);
  });
});

describe('the browser budget without Redis', () => {
  it('is counted by each node alone while Redis is unreachable, never a 500', async () => {
    // Port 1 has no Redis: the node starts after its connect wait and counts in memory.
    const s = await limited({
      PASSKEYD_RATE_LIMIT_MAX: '2',
      PASSKEYD_REDIS_URL: 'redis://127.0.0.1:1',
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await browser(s, F3)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('per-route limits', () => {
  it('charge the console sign-in limit to the client address: an IPv6 /64, IPv4-mapped as IPv4', async () => {
    const s = await limited({});
    const signIn = (ip: string) =>
      s.server.app.inject({
        method: 'POST',
        url: '/console/session',
        headers: { host: 'localhost', origin: 'http://localhost', 'x-forwarded-for': ip },
        payload: { token: s.adminToken },
      });
    // 30 a minute per client; rotating through the addresses of one /64 gains nothing.
    for (let i = 1; i <= 30; i++) {
      expect((await signIn(`2001:db8:1:2::${i.toString(16)}`)).statusCode).toBe(201);
    }
    const refused = await signIn('2001:db8:1:2:ffff:ffff:ffff:ffff');
    expect([refused.statusCode, refused.json().code]).toEqual([429, 'rate_limited']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await signIn('2001:db8:1:3::1')).statusCode).toBe(201);
    // One IPv4 client, whether the socket reports it plain or IPv4-mapped.
    for (let i = 0; i < 30; i++) expect((await signIn('198.51.100.20')).statusCode).toBe(201);
    expect((await signIn('::ffff:198.51.100.20')).statusCode).toBe(429);
  });
});

describeWithRedis(await probeRedis(process.env), process.env, 'per-route limits', (url) => {
  it('share Redis too: the console sign-in limit (30 a minute) holds across nodes', async () => {
    const env = { PASSKEYD_REDIS_URL: url, PASSKEYD_REDIS_KEY_PREFIX: scratchPrefix() };
    const a = await startTestServer({ origins: [ORIGIN], env });
    const b = await startTestServer({ origins: [ORIGIN], env });
    try {
      const signIn = (node: TestServer) =>
        node.server.app.inject({
          method: 'POST',
          url: '/console/session',
          headers: { host: 'localhost', origin: 'http://localhost' },
          payload: { token: node.adminToken },
        });
      for (let i = 0; i < 30; i++) expect((await signIn(i % 2 ? b : a)).statusCode).toBe(201);
      const refused = await signIn(a);
      expect([refused.statusCode, refused.json().code]).toEqual([429, 'rate_limited']);
      expect((await signIn(b)).statusCode).toBe(429);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('CORS preflights', () => {
  it('approve only the headers the SDKs send, whatever the page asks for', async () => {
    const s = await limited({});
    const r = await s.server.app.inject({
      method: 'OPTIONS',
      url: `/v1/apps/${s.appId}/${F1}`,
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,passage-flex-version,x-evil,authorization',
      },
    });
    expect(r.statusCode).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(r.headers['access-control-allow-headers']).toBe('content-type, passage-flex-version');
    expect(r.headers['access-control-allow-methods']).toBe('POST');
  });

  it('are answered for the four browser routes only, not for the management API', async () => {
    const s = await limited({});
    for (const path of [F1, F2, F3, F4]) {
      const r = await browser(s, path, { method: 'OPTIONS' });
      expect([path, r.status, r.headers['access-control-allow-origin']]).toEqual([
        path,
        204,
        ORIGIN,
      ]);
    }
    for (const path of [
      'transactions/register',
      'transactions/authenticate',
      'authenticate/verify',
      'users',
      'users/usr_x/devices',
      'users/usr_x/devices/dev_x',
      'register/transactions/webauthn/start/extra',
    ]) {
      const r = await browser(s, path, { method: 'OPTIONS' });
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
      expect(r.headers['access-control-allow-headers']).toBeUndefined();
      expect(r.body).toMatchObject({ code: 'not_found' });
    }
  });
});
