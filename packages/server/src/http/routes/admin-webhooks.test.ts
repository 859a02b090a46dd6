import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../../storage/scratch-postgres.js';
import {
  CeremonyClient,
  ManualClock,
  startTestServer,
  type TestServer,
} from '../../testing/index.js';

// Issue 15: webhook endpoint management over the admin API, on SQLite and PostgreSQL.

const ORIGIN = 'http://localhost:3000';
const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 20, 9, 0);
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
// The dispatcher (issue 15, another slice) is kept off: these tests read deliveries as queued.
const ENV = { PASSKEYD_WEBHOOKS: 'false' };

function suite(engine: string, databaseUrl: () => string | undefined) {
  describe(`admin webhooks API (${engine})`, () => {
    let server: TestServer;
    let lab: TestServer;
    const clock = new ManualClock(START);

    beforeAll(async () => {
      const url = databaseUrl();
      server = await startTestServer({
        origins: [ORIGIN],
        clock,
        env: ENV,
        ...(url ? { databaseUrl: url } : {}),
      });
    });
    afterAll(async () => {
      await server?.close();
      await lab?.close();
    });

    const call = async (
      s: TestServer,
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: any; text: string }> => {
      const res = await fetch(`${s.baseUrl}/v1/admin/apps/${s.appId}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${s.adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
    };
    const admin = (method: string, path: string, body?: unknown) =>
      call(server, method, path, body);
    const create = async (body: Record<string, unknown> = {}) => {
      const r = await admin('POST', '/webhooks', { url: 'https://hooks.example.com/in', ...body });
      expect(r.status, r.text).toBe(201);
      return r.body as { id: string; secret: string };
    };

    it('adds an endpoint, shows its secret once, and never again', async () => {
      const r = await admin('POST', '/webhooks', {
        url: 'https://Hooks.Example.com/passkeyd?src=1',
        event_types: ['passkey.registered', 'passkey.revoked', 'passkey.registered'],
        description: '  CRM sync ',
      });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({
        id: expect.stringMatching(/^whe_[A-Za-z0-9_-]{22}$/),
        app_id: server.appId,
        url: 'https://hooks.example.com/passkeyd?src=1',
        description: 'CRM sync',
        event_types: ['passkey.registered', 'passkey.revoked'],
        enabled: true,
        disabled_reason: null,
        consecutive_failures: 0,
        previous_secret_expires_at: null,
        created_at: new Date(START).toISOString(),
        updated_at: new Date(START).toISOString(),
        secret: expect.stringMatching(SECRET),
      });
      const { secret, ...endpoint } = r.body;
      const one = await admin('GET', `/webhooks/${endpoint.id}`);
      expect(one).toMatchObject({ status: 200, body: { endpoint } });
      const list = await admin('GET', '/webhooks');
      expect(list.body.endpoints).toContainEqual(endpoint);
      for (const text of [one.text, list.text]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain('whsec_');
      }
    });

    it('records each change in the audit trail with the admin token as actor, never a secret', async () => {
      const { id, secret } = await create({ description: 'audited' });
      const rotated = await admin('POST', `/webhooks/${id}/rotate-secret`, { grace_hours: 0 });
      expect(rotated.status).toBe(200);
      expect((await admin('DELETE', `/webhooks/${id}`)).status).toBe(204);
      const res = await fetch(`${server.baseUrl}/v1/admin/audit?app_id=${server.appId}&limit=100`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      const text = await res.text();
      const mine = (JSON.parse(text).entries as { type: string; target: string; actor: string }[])
        .filter((e) => e.target === id)
        .map((e) => [e.type, e.actor.split(':')[0]]);
      expect(mine.sort()).toEqual([
        ['admin.webhook.created', 'token'],
        ['admin.webhook.deleted', 'token'],
        ['admin.webhook.secret_rotated', 'token'],
      ]);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(rotated.body.secret);
    });

    it('refuses bad URLs with invalid_webhook_url and unknown types with unknown_event_type', async () => {
      for (const url of [
        'http://hooks.example.com/',
        'https://127.0.0.1/',
        'https://[::1]:8443/',
        'https://169.254.169.254/latest/meta-data',
        'https://localhost/',
        'https://user:pw@hooks.example.com/',
        'ftp://hooks.example.com/',
        'not a url',
        `https://hooks.example.com/${'a'.repeat(2048)}`,
      ]) {
        const r = await admin('POST', '/webhooks', { url });
        expect([url, r.status, r.body.code]).toEqual([url, 400, 'invalid_webhook_url']);
      }
      const bad = await admin('POST', '/webhooks', {
        url: 'https://hooks.example.com/',
        event_types: ['passkey.registered', 'passkey.exploded'],
      });
      expect(bad).toMatchObject({ status: 400, body: { code: 'unknown_event_type' } });
      expect(bad.body.error).toContain('passkey.exploded');
      const test = await admin('POST', '/webhooks', {
        url: 'https://hooks.example.com/',
        event_types: ['webhook.test'],
      });
      expect(test.body.code).toBe('unknown_event_type');
      const { id } = await create();
      const patched = await admin('PATCH', `/webhooks/${id}`, { url: 'http://10.0.0.1/' });
      expect(patched).toMatchObject({ status: 400, body: { code: 'invalid_webhook_url' } });
      const types = await admin('PATCH', `/webhooks/${id}`, { event_types: ['nope'] });
      expect(types.body.code).toBe('unknown_event_type');
      expect((await admin('PATCH', `/webhooks/${id}`, {})).body.code).toBe('invalid_request');
    });

    it('allows http:// and private targets with PASSKEYD_WEBHOOK_ALLOW_PRIVATE=true', async () => {
      lab = await startTestServer({
        origins: [ORIGIN],
        env: { ...ENV, PASSKEYD_WEBHOOK_ALLOW_PRIVATE: 'true' },
        ...(databaseUrl() ? { databaseUrl: databaseUrl()! } : {}),
      });
      const r = await call(lab, 'POST', '/webhooks', { url: 'http://127.0.0.1:9999/hook' });
      expect(r).toMatchObject({ status: 201, body: { url: 'http://127.0.0.1:9999/hook' } });
      // Credentials are refused even so.
      const creds = await call(lab, 'POST', '/webhooks', { url: 'http://u:p@127.0.0.1/' });
      expect(creds.body.code).toBe('invalid_webhook_url');
    });

    it('answers 404 with its own codes for unknown apps, endpoints and deliveries', async () => {
      const { id } = await create();
      const other = await fetch(`${server.baseUrl}/v1/admin/apps/app_${'x'.repeat(22)}/webhooks`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      expect(other.status).toBe(404);
      expect(((await other.json()) as { code: string }).code).toBe('app_not_found');
      for (const [method, path] of [
        ['GET', '/webhooks/whe_nope'],
        ['GET', `/webhooks/whe_${'A'.repeat(22)}`],
        ['PATCH', `/webhooks/whe_${'A'.repeat(22)}`],
        ['DELETE', `/webhooks/whe_${'A'.repeat(22)}`],
        ['POST', `/webhooks/whe_${'A'.repeat(22)}/rotate-secret`],
        ['POST', `/webhooks/whe_${'A'.repeat(22)}/test`],
        ['GET', `/webhooks/whe_${'A'.repeat(22)}/deliveries`],
      ] as const) {
        const r = await admin(method, path, method === 'PATCH' ? { enabled: false } : undefined);
        expect([method, path, r.status, r.body.code]).toEqual([
          method,
          path,
          404,
          'webhook_not_found',
        ]);
      }
      for (const d of ['whd_nope', `whd_${'0'.repeat(32)}`]) {
        const r = await admin('POST', `/webhook-deliveries/${d}/redeliver`);
        expect([r.status, r.body.code]).toEqual([404, 'delivery_not_found']);
      }
      // An endpoint of another app is not found through this one.
      const second = await server.createApp({ name: 'Other', origins: [ORIGIN] });
      const r = await fetch(`${server.baseUrl}/v1/admin/apps/${second.appId}/webhooks/${id}`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      expect(r.status).toBe(404);
    });

    it('refuses a 21st endpoint on an app with webhook_limit_reached', async () => {
      const fresh = await server.createApp({ name: 'Busy', origins: [ORIGIN] });
      const post = (url: string) =>
        fetch(`${server.baseUrl}/v1/admin/apps/${fresh.appId}/webhooks`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${server.adminToken}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ url }),
        });
      for (let i = 0; i < 20; i++)
        expect((await post(`https://h${i}.example.com/`)).status).toBe(201);
      const r = await post('https://one-too-many.example.com/');
      expect(r.status).toBe(409);
      expect(((await r.json()) as { code: string }).code).toBe('webhook_limit_reached');
    });

    it('needs the admin token', async () => {
      const r = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'https://hooks.example.com/' }),
      });
      expect(r.status).toBe(401);
    });

    it('disables and re-enables an endpoint; re-enabling clears the reason and failure streak', async () => {
      const { id } = await create({ enabled: false });
      expect((await admin('GET', `/webhooks/${id}`)).body.endpoint.enabled).toBe(false);
      // What the dispatcher records when it gives up on an endpoint.
      await server.server.storage.webhooks.update(server.appId, id, {
        disabledReason: 'failed 20 deliveries in a row',
        consecutiveFailures: 20,
        updatedAt: START,
      });
      clock.advance(1000);
      const described = await admin('PATCH', `/webhooks/${id}`, {
        description: 'paused',
        event_types: [],
      });
      expect(described.body.endpoint).toMatchObject({
        enabled: false,
        description: 'paused',
        disabled_reason: 'failed 20 deliveries in a row',
        consecutive_failures: 20,
      });
      const enabled = await admin('PATCH', `/webhooks/${id}`, { enabled: true });
      expect(enabled.body.endpoint).toMatchObject({
        enabled: true,
        disabled_reason: null,
        consecutive_failures: 0,
        updated_at: new Date(clock.now()).toISOString(),
      });
      const cleared = await admin('PATCH', `/webhooks/${id}`, { description: null });
      expect(cleared.body.endpoint.description).toBeNull();
    });

    it('rotates the secret with a grace period of 24 h by default, 0 to end the old one now', async () => {
      const { id, secret } = await create();
      const r = await admin('POST', `/webhooks/${id}/rotate-secret`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        secret: expect.stringMatching(SECRET),
        previous_secret_expires_at: new Date(clock.now() + 24 * HOUR).toISOString(),
      });
      expect(r.body.secret).not.toBe(secret);
      const stored = await server.server.storage.webhooks.get(server.appId, id);
      expect(stored).toMatchObject({ secret: r.body.secret, previousSecret: secret });
      expect((await admin('GET', `/webhooks/${id}`)).body.endpoint.previous_secret_expires_at).toBe(
        r.body.previous_secret_expires_at,
      );

      const two = await admin('POST', `/webhooks/${id}/rotate-secret`, { grace_hours: 2 });
      expect(two.body.previous_secret_expires_at).toBe(
        new Date(clock.now() + 2 * HOUR).toISOString(),
      );
      const none = await admin('POST', `/webhooks/${id}/rotate-secret`, { grace_hours: 0 });
      expect(none.body.previous_secret_expires_at).toBeNull();
      expect(await server.server.storage.webhooks.get(server.appId, id)).toMatchObject({
        previousSecret: null,
        secret: none.body.secret,
      });
      for (const grace_hours of [-1, 169, 1.5]) {
        const bad = await admin('POST', `/webhooks/${id}/rotate-secret`, { grace_hours });
        expect([grace_hours, bad.status, bad.body.code]).toEqual([
          grace_hours,
          400,
          'invalid_request',
        ]);
      }
    });

    it('queues a test delivery and lists deliveries newest first, by status, in pages', async () => {
      const { id } = await create({ event_types: ['passkey.revoked'] });
      clock.advance(1000);
      const t = await admin('POST', `/webhooks/${id}/test`);
      expect(t).toMatchObject({
        status: 202,
        body: { delivery_id: expect.stringMatching(/^whd_[0-9a-f]{32}$/) },
      });
      clock.advance(1000);
      const t2 = await admin('POST', `/webhooks/${id}/test`);
      const list = await admin('GET', `/webhooks/${id}/deliveries`);
      expect(list.body).toMatchObject({ total: 2, limit: 20, offset: 0 });
      expect(list.body.deliveries.map((d: any) => d.id)).toEqual([
        t2.body.delivery_id,
        t.body.delivery_id,
      ]);
      expect(list.body.deliveries[1]).toEqual({
        id: t.body.delivery_id,
        endpoint_id: id,
        event_type: 'webhook.test',
        source: 'test',
        source_id: t.body.delivery_id,
        status: 'pending',
        attempts: 0,
        next_attempt_at: new Date(clock.now() - 1000).toISOString(),
        last_attempt_at: null,
        last_status_code: null,
        last_latency_ms: null,
        last_error: null,
        last_response_excerpt: null,
        delivered_at: null,
        created_at: new Date(clock.now() - 1000).toISOString(),
      });
      const page = await admin('GET', `/webhooks/${id}/deliveries?limit=1&offset=1`);
      expect(page.body.deliveries.map((d: any) => d.id)).toEqual([t.body.delivery_id]);
      const failed = await admin('GET', `/webhooks/${id}/deliveries?status=failed`);
      expect(failed.body).toMatchObject({ deliveries: [], total: 0 });
      const bad = await admin('GET', `/webhooks/${id}/deliveries?status=lost&limit=0`);
      expect([bad.status, bad.body.code]).toEqual([400, 'invalid_request']);
    });

    it('queues a delivery for a passkey registered through the API (the outbox trigger)', async () => {
      const { id } = await create({ event_types: ['passkey.registered'] });
      const client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
      expect((await client.register(new TestAuthenticator(), 'hook-user')).status).toBe(200);
      const list = await admin('GET', `/webhooks/${id}/deliveries`);
      expect(list.body.deliveries).toEqual([
        expect.objectContaining({
          event_type: 'passkey.registered',
          source: 'event',
          status: 'pending',
        }),
      ]);
    });

    it('redelivers a failed delivery: pending again, due now, attempts from 0', async () => {
      const { id } = await create();
      const t = await admin('POST', `/webhooks/${id}/test`);
      const deliveryId = t.body.delivery_id as string;
      // A delivery the dispatcher gave up on (the webhookQueue group is the dispatcher's).
      await server.server.storage.db
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', attempts: 12, last_status_code: 500, last_error: 'HTTP 500' })
        .where('id', '=', deliveryId)
        .execute();
      clock.advance(60_000);
      const r = await admin('POST', `/webhook-deliveries/${deliveryId}/redeliver`);
      expect(r.status).toBe(202);
      expect(r.body.delivery).toMatchObject({
        id: deliveryId,
        status: 'pending',
        attempts: 0,
        next_attempt_at: new Date(clock.now()).toISOString(),
        last_status_code: 500,
        last_error: 'HTTP 500',
      });
      // Not through another app.
      const second = await server.createApp({ name: 'Other', origins: [ORIGIN] });
      const elsewhere = await fetch(
        `${server.baseUrl}/v1/admin/apps/${second.appId}/webhook-deliveries/${deliveryId}/redeliver`,
        { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}` } },
      );
      expect(elsewhere.status).toBe(404);
    });

    it('deletes an endpoint with its deliveries', async () => {
      const { id } = await create();
      const t = await admin('POST', `/webhooks/${id}/test`);
      const r = await admin('DELETE', `/webhooks/${id}`);
      expect(r.status).toBe(204);
      expect((await admin('GET', `/webhooks/${id}`)).body.code).toBe('webhook_not_found');
      expect(
        await server.server.storage.webhooks.getDelivery(server.appId, t.body.delivery_id),
      ).toBeUndefined();
      expect((await admin('DELETE', `/webhooks/${id}`)).status).toBe(404);
    });
  });
}

suite('sqlite', () => undefined);

const probe = await probePostgres(process.env);
describeWithPostgres(probe, process.env, 'on PostgreSQL', (adminUrl) => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'webhooks');
  });
  afterAll(() => db?.drop());
  suite('postgres', () => db.url);
});
