import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyClient, startTestServer, type TestServer } from '../../testing/index.js';

const ORIGIN = 'http://localhost:3000';
const TOKEN = 'metrics-token-0123456789abcdef0123456789';

function scrape(server: TestServer, token = TOKEN) {
  return fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
}

/** `name{labels} value` lines of a scrape, as a map from series to value. */
async function series(server: TestServer): Promise<Map<string, number>> {
  const text = await (await scrape(server)).text();
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]),
  );
}

describe('GET /metrics', () => {
  let server: TestServer;
  let client: CeremonyClient;
  beforeAll(async () => {
    server = await startTestServer({ origins: [ORIGIN], env: { PASSKEYD_METRICS_TOKEN: TOKEN } });
    client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
  });
  afterAll(() => server.close());

  it('counts ceremony steps by kind and outcome, nonce verifications, and step latencies', async () => {
    const device = new TestAuthenticator();
    const registered = await client.register(device, 'metrics-user');
    expect((await client.verifyNonce(registered.body.nonce as string)).status).toBe(200);
    expect((await client.authenticate(device, 'metrics-user')).status).toBe(200);
    // A replayed challenge: the finish fails with handshake_consumed.
    const start = await client.startAuthentication();
    const assertion = device.getAssertion(start.handshake.challenge.publicKey, { origin: ORIGIN });
    await client.finishAuthentication(start.handshake.id, assertion);
    expect((await client.finishAuthentication(start.handshake.id, assertion)).body).toMatchObject({
      code: 'handshake_consumed',
    });
    expect((await client.verifyNonce('not-a-nonce')).status).toBe(401);

    const s = await series(server);
    expect(
      s.get('passkeyd_ceremonies_total{kind="register",step="transaction",outcome="ok"}'),
    ).toBe(1);
    expect(s.get('passkeyd_ceremonies_total{kind="register",step="finish",outcome="ok"}')).toBe(1);
    expect(s.get('passkeyd_ceremonies_total{kind="authenticate",step="finish",outcome="ok"}')).toBe(
      2,
    );
    expect(
      s.get(
        'passkeyd_ceremonies_total{kind="authenticate",step="finish",outcome="handshake_consumed"}',
      ),
    ).toBe(1);
    expect(s.get('passkeyd_nonce_verifications_total{outcome="ok"}')).toBe(1);
    expect(s.get('passkeyd_nonce_verifications_total{outcome="invalid_nonce"}')).toBe(1);
    expect(
      s.get('passkeyd_ceremony_step_duration_seconds_count{kind="authenticate",step="finish"}'),
    ).toBe(3);
    expect(
      s.get(
        'passkeyd_ceremony_step_duration_seconds_bucket{kind="authenticate",step="finish",le="+Inf"}',
      ),
    ).toBe(3);
    expect(
      s.get(
        'passkeyd_http_requests_total{route="/v1/apps/:appId/authenticate/verify",method="POST",status="401"}',
      ),
    ).toBe(1);
    // SQLite has no pool: the pool gauge is absent rather than zero.
    expect([...s.keys()].some((k) => k.startsWith('passkeyd_db_pool_connections'))).toBe(false);
  });

  it('counts app settings lookups served from memory and read from the database', async () => {
    const { appId } = await server.createApp({ name: 'Counted', origins: [ORIGIN] });
    const before = await series(server);
    const hit = 'passkeyd_app_cache_lookups_total{result="hit"}';
    const miss = 'passkeyd_app_cache_lookups_total{result="miss"}';
    for (let i = 0; i < 3; i++)
      await fetch(`${server.baseUrl}/v1/apps/${appId}/authenticate/transactions/webauthn/start`, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
      });
    const after = await series(server);
    expect(after.get(miss)! - (before.get(miss) ?? 0)).toBe(1);
    expect(after.get(hit)! - (before.get(hit) ?? 0)).toBe(2);
    expect(after.get('passkeyd_app_cache_feed_up')).toBe(1);
  });

  it('answers in the Prometheus text format and only to its own token', async () => {
    const ok = await scrape(server);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const wrong = await scrape(server, server.adminToken);
    expect([wrong.status, ((await wrong.json()) as { code: string }).code]).toEqual([
      401,
      'invalid_metrics_token',
    ]);
    const none = await fetch(`${server.baseUrl}/metrics`);
    expect(none.status).toBe(401);
  });
});

describe('GET /metrics without PASSKEYD_METRICS_TOKEN', () => {
  it('does not exist', async () => {
    const server = await startTestServer({ origins: [ORIGIN] });
    try {
      const res = await fetch(`${server.baseUrl}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([
        404,
        'not_found',
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('GET /metrics with several tokens', () => {
  it('accepts PASSKEYD_METRICS_TOKEN and each of PASSKEYD_METRICS_TOKENS, and nothing else', async () => {
    const others = [
      'second-metrics-token-0123456789abcdef012',
      'third-metrics-token-0123456789abcdef0123',
    ];
    const server = await startTestServer({
      origins: [ORIGIN],
      env: { PASSKEYD_METRICS_TOKEN: TOKEN, PASSKEYD_METRICS_TOKENS: others.join(',') },
    });
    try {
      for (const token of [TOKEN, ...others])
        expect((await scrape(server, token)).status).toBe(200);
      for (const token of [server.adminToken, `${TOKEN}x`, others.join(',')])
        expect((await scrape(server, token)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('exists with only the list setting', async () => {
    const server = await startTestServer({
      origins: [ORIGIN],
      env: { PASSKEYD_METRICS_TOKENS: TOKEN },
    });
    try {
      expect((await scrape(server, TOKEN)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('rate-limit refusals', () => {
  it('are counted per route template', async () => {
    const server = await startTestServer({
      origins: [ORIGIN],
      env: { PASSKEYD_METRICS_TOKEN: TOKEN, PASSKEYD_RATE_LIMIT_MAX: '2' },
    });
    try {
      const client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
      const statuses = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (await client.frontend('/authenticate/transactions/webauthn/start', {})).status,
        );
      expect(statuses).toEqual([200, 200, 429, 429]);
      const s = await series(server);
      expect(
        s.get(
          'passkeyd_rate_limited_total{route="/v1/apps/:appId/authenticate/transactions/webauthn/start"}',
        ),
      ).toBe(2);
      expect(
        s.get('passkeyd_ceremonies_total{kind="authenticate",step="start",outcome="rate_limited"}'),
      ).toBe(2);
    } finally {
      await server.close();
    }
  });
});
