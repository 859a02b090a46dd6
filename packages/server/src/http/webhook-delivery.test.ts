import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';
import {
  insertWebhookEndpoint,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../testing/webhook-fixtures.js';

// Issue 15: a running passkeyd delivers what happens to an app's users' passkeys to the app's
// endpoints, each event naming the user by the app's own external id (user.deleted included,
// after the user's row is gone), and counts its deliveries in /metrics.

const ORIGIN = 'http://localhost:3000';
const METRICS_TOKEN = 'webhook-metrics-token-0123456789abcdef';

interface Delivered {
  type: string;
  data: Record<string, unknown>;
}

describe('webhook delivery from a running server', () => {
  let server: TestServer;
  let client: CeremonyClient;
  let receiver: WebhookReceiver;
  let secret: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startTestServer({
      origins: [ORIGIN],
      env: {
        PASSKEYD_WEBHOOK_ALLOW_PRIVATE: 'true',
        PASSKEYD_METRICS_TOKEN: METRICS_TOKEN,
      },
    });
    client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    ({ secret } = await insertWebhookEndpoint(server.server.storage.db, {
      appId: server.appId,
      url: receiver.url,
    }));
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const received = (): Delivered[] =>
    receiver.received.map((r) => new Webhook(secret).verify(r.body, r.headers) as Delivered);

  it('delivers each passkey and user event with the user’s external id', async () => {
    const externalId = `user-${randomUUID()}`;
    const device = new TestAuthenticator();
    expect((await client.register(device, externalId)).status).toBe(200);
    expect((await client.authenticate(device, externalId)).status).toBe(200);
    const users = await client.backend<{ users: { id: string }[] }>(
      'GET',
      `/users?identifier=${encodeURIComponent(externalId)}`,
    );
    const userId = users.body.users[0]!.id;
    const devices = await client.backend<{ devices: { id: string }[] }>(
      'GET',
      `/users/${userId}/devices`,
    );
    const deviceId = devices.body.devices[0]!.id;
    const renamed = await client.backend('PATCH', `/users/${userId}/devices/${deviceId}`, {
      friendly_name: 'Work laptop',
    });
    expect(renamed.status).toBe(200);
    expect((await client.backend('DELETE', `/users/${userId}/devices/${deviceId}`)).status).toBe(
      200,
    );
    expect((await client.backend('DELETE', `/users/${userId}`)).status).toBe(200);

    // The endpoint was inserted behind the node's back (as the CLI or another node would): the
    // first events may wait for the next poll (1 s) to see it, later ones leave on a wake.
    await receiver.waitForIds(5, 10_000);
    const got = received();
    expect(got.map((d) => d.type).sort()).toEqual(
      [
        'passkey.authenticated',
        'passkey.registered',
        'passkey.renamed',
        'passkey.revoked',
        'user.deleted',
      ].sort(),
    );
    for (const d of got)
      expect(d.data).toMatchObject({
        app_id: server.appId,
        user_id: userId,
        external_id: externalId,
      });
    for (const d of got.filter((x) => x.type.startsWith('passkey.')))
      expect(d.data.passkey_id).toBe(deviceId);
  });

  it('counts deliveries by outcome and reports the queue in /metrics', async () => {
    const r = await fetch(`${server.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const text = await r.text();
    const delivered = /^passkeyd_webhook_deliveries_total\{outcome="delivered"\} (\d+)$/m.exec(
      text,
    );
    expect(Number(delivered?.[1])).toBeGreaterThanOrEqual(5);
    expect(text).toMatch(/^passkeyd_webhook_queue_depth 0$/m);
    expect(text).toMatch(/^passkeyd_webhook_oldest_pending_age_seconds 0$/m);

    // A delivery that cannot go out shows in both gauges.
    await receiver.close();
    const at = Date.now() - 5_000;
    await server.server.storage.db
      .insertInto('webhook_deliveries')
      .values({
        id: `whd_${randomUUID().replaceAll('-', '')}`,
        endpoint_id: (await server.server.storage.db
          .selectFrom('webhook_endpoints')
          .select('id')
          .executeTakeFirstOrThrow())!.id,
        app_id: server.appId,
        source: 'test',
        source_id: 'whd_test',
        event_type: 'webhook.test',
        status: 'pending',
        attempts: 0,
        // Not due for an hour: it stays pending however fast the dispatcher is.
        next_attempt_at: Date.now() + 3_600_000,
        lease_until: null,
        leased_by: null,
        last_status_code: null,
        last_latency_ms: null,
        last_error: null,
        last_response_excerpt: null,
        last_attempt_at: null,
        delivered_at: null,
        created_at: at,
      })
      .execute();
    const after = await (
      await fetch(`${server.baseUrl}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      })
    ).text();
    expect(after).toMatch(/^passkeyd_webhook_queue_depth 1$/m);
    const age = Number(/^passkeyd_webhook_oldest_pending_age_seconds (\S+)$/m.exec(after)?.[1]);
    expect(age).toBeGreaterThanOrEqual(5);
    expect(age).toBeLessThan(60);
  });
});

describe('a node with PASSKEYD_WEBHOOKS=false', () => {
  it('runs no dispatcher: its events wait in the outbox for a node that does', async () => {
    const receiver = await startWebhookReceiver();
    const server = await startTestServer({
      origins: [ORIGIN],
      env: { PASSKEYD_WEBHOOKS: 'false', PASSKEYD_WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    try {
      expect(server.server.webhooks).toBeUndefined();
      await insertWebhookEndpoint(server.server.storage.db, {
        appId: server.appId,
        url: receiver.url,
      });
      const client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
      expect((await client.register(new TestAuthenticator(), `user-${randomUUID()}`)).status).toBe(
        200,
      );
      // Longer than a poll and a wake-up together.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(receiver.received).toEqual([]);
      const rows = await server.server.storage.db
        .selectFrom('webhook_deliveries')
        .select(['status', 'attempts'])
        .execute();
      expect(rows).toEqual([{ status: 'pending', attempts: 0 }]);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});

describe('a node whose database has no enabled webhook endpoint', () => {
  it('claims only at its polls, not after each write, until an endpoint is added through its admin API', async () => {
    const receiver = await startWebhookReceiver();
    let claims = 0;
    const server = await startTestServer({
      origins: [ORIGIN],
      env: { PASSKEYD_WEBHOOK_ALLOW_PRIVATE: 'true' },
      // Every claim reads webhook_deliveries first; nothing else here does (no /metrics).
      observeStorage: (sql) => {
        if (/from "webhook_deliveries"/i.test(sql)) claims++;
      },
    });
    try {
      const client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
      // The first poll, made at start, has found no endpoint.
      for (let i = 0; i < 100 && claims === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      const before = claims;
      const started = Date.now();
      // Ten writes, each further apart than the 50 ms that lets one wake claim.
      for (let i = 0; i < 10; i++) {
        await client.createRegisterTransaction(`user-${randomUUID()}`);
        await new Promise((r) => setTimeout(r, 60));
      }
      const polls = Math.ceil((Date.now() - started) / 1_000) + 1;
      expect(claims - before).toBeLessThanOrEqual(polls);

      // An endpoint added here makes this node's wakes count again at once.
      const changed = vi.spyOn(server.server.webhooks!, 'endpointsChanged');

      const res = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}/webhooks`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ url: receiver.url }),
      });
      expect(res.status).toBe(201);
      expect(changed).toHaveBeenCalledTimes(1);
      expect((await client.register(new TestAuthenticator(), `user-${randomUUID()}`)).status).toBe(
        200,
      );
      // The endpoint's own audit row (admin.webhook.created) and the registration.
      await receiver.waitForIds(2, 5_000);
      expect(
        receiver.received.map((r) => (JSON.parse(r.body) as { type: string }).type).sort(),
      ).toEqual(['admin.webhook.created', 'passkey.registered']);
      expect(changed).toHaveBeenCalledTimes(1);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
