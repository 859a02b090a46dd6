import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { UserEvent } from '../domain/types.js';
import type { ClaimedDelivery } from '../domain/webhooks/queue-types.js';
import type { KyselyStorage } from './kysely/kysely-storage.js';
import { appRecord } from '../testing/app-record.js';

/**
 * The webhook queue contract (Storage.webhookQueue), run on SQLite and PostgreSQL. `open` gives
 * two storages on one database, as two passkeyd nodes would have: claims are proven exclusive
 * across them, not only across one pool's connections.
 *
 * Deliveries are made the way production makes them: by recording an event, whose fan-out
 * trigger (migration 012) inserts one delivery per matching endpoint. After each test every
 * endpoint is disabled, so no test claims another's deliveries.
 */
export interface OpenedQueueStorages {
  a: KyselyStorage;
  b: KyselyStorage;
  cleanup(): Promise<void>;
}

const NOW = 1_760_000_000_000;
const LEASE = 30_000;
const uid = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

export function describeWebhookQueueContract(
  name: string,
  open: () => Promise<OpenedQueueStorages>,
): void {
  describe(`webhook queue contract: ${name}`, () => {
    let opened: OpenedQueueStorages | undefined;
    let a: KyselyStorage;
    let b: KyselyStorage;

    beforeAll(async () => {
      opened = await open();
      ({ a, b } = opened);
    });
    afterEach(async () => {
      await a.db.updateTable('webhook_endpoints').set({ enabled: 0 }).execute();
    });
    afterAll(async () => {
      await opened?.cleanup();
    });

    async function appWithEndpoint(over: { eventTypes?: string[] } = {}) {
      const appId = uid('app');
      await a.apps.create(
        appRecord({
          id: appId,
          name: 'Queue app',
          rpId: 'example.com',
          rpName: 'Example',
          origins: ['https://example.com'],
          createdAt: NOW,
          updatedAt: NOW,
        }),
      );
      const endpointId = uid('whe');
      await a.db
        .insertInto('webhook_endpoints')
        .values({
          id: endpointId,
          app_id: appId,
          url: 'https://hooks.example.com/passkeyd',
          description: null,
          event_types: JSON.stringify(over.eventTypes ?? []),
          enabled: 1,
          disabled_reason: null,
          consecutive_failures: 0,
          secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          previous_secret: null,
          previous_secret_expires_at: null,
          created_at: NOW,
          updated_at: NOW,
        })
        .execute();
      return { appId, endpointId };
    }

    async function event(appId: string, over: Partial<UserEvent> = {}): Promise<UserEvent> {
      const e: UserEvent = {
        id: uid('evt'),
        appId,
        userId: uid('usr'),
        type: 'passkey_login',
        credentialId: uid('dev'),
        ipAddr: '203.0.113.9',
        userAgent: 'contract',
        detail: null,
        externalId: 'user-42@example.com',
        createdAt: NOW,
        ...over,
      };
      await a.events.record(e);
      return e;
    }

    const claimAll = async (s: KyselyStorage, node: string, now = NOW, limit = 100) =>
      (await s.webhookQueue.claim({ node, now, leaseMs: LEASE, limit })).claimed;

    it('claims a delivery made by the fan-out trigger once, with its public event name', async () => {
      const { appId, endpointId } = await appWithEndpoint();
      const e = await event(appId);
      const [claimed, ...rest] = await claimAll(a, 'node-a');
      expect(rest).toEqual([]);
      expect(claimed).toMatchObject({
        endpointId,
        appId,
        source: 'event',
        sourceId: e.id,
        eventType: 'passkey.authenticated',
        attempts: 0,
        createdAt: NOW,
      });
      expect(claimed!.id).toMatch(/^whd_[0-9a-f]{32}$/);
      // Leased: no node gets it again while the lease lasts.
      expect(await claimAll(b, 'node-b', NOW + LEASE - 1)).toEqual([]);
      expect(await claimAll(a, 'node-a', NOW + LEASE - 1)).toEqual([]);
    });

    it('does not claim a delivery before it is due, nor one of a disabled endpoint', async () => {
      const { appId, endpointId } = await appWithEndpoint();
      await event(appId, { createdAt: NOW + 60_000 });
      expect(await claimAll(a, 'node-a')).toEqual([]);
      await a.webhookQueue.disableEndpoint(endpointId, 'test', NOW);
      expect(await claimAll(a, 'node-a', NOW + 60_000)).toEqual([]);
    });

    it('makes a delivery claimable again once its lease expires, and ignores the old holder', async () => {
      const { appId } = await appWithEndpoint();
      await event(appId);
      const [first] = await claimAll(a, 'node-a');
      const [again] = await claimAll(b, 'node-b', NOW + LEASE);
      expect(again?.id).toBe(first!.id);
      // node-a comes back after its lease was taken over: its outcome is not recorded.
      const outcome = {
        status: 'delivered' as const,
        attemptAt: NOW + LEASE,
        statusCode: 204,
        latencyMs: 3,
        error: null,
        responseExcerpt: null,
      };
      expect(await a.webhookQueue.complete(first!.id, 'node-a', outcome)).toBeUndefined();
      expect(await b.webhookQueue.complete(first!.id, 'node-b', outcome)).toEqual({
        consecutiveFailures: 0,
      });
      expect(await claimAll(a, 'node-a', NOW + 10 * LEASE)).toEqual([]);
    });

    it('gives each delivery to exactly one of two storages claiming concurrently', async () => {
      const { appId } = await appWithEndpoint();
      const events = await Promise.all(Array.from({ length: 120 }, () => event(appId)));
      const got: ClaimedDelivery[][] = [[], []];
      await Promise.all(
        [a, b].map(async (s, i) => {
          // Several claimers per storage, in small batches, until nothing is left.
          await Promise.all(
            Array.from({ length: 4 }, async () => {
              for (;;) {
                const batch = await claimAll(s, `node-${i}`, NOW, 7);
                if (!batch.length) return;
                got[i]!.push(...batch);
              }
            }),
          );
        }),
      );
      const ids = [...got[0]!, ...got[1]!].map((d) => d.sourceId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
      // Both took part (120 rows in batches of 7 leave plenty of room to interleave).
      expect(got[0]!.length).toBeGreaterThan(0);
      expect(got[1]!.length).toBeGreaterThan(0);
    });

    it('loads the endpoint and the event or audit row a delivery reports on', async () => {
      const { appId, endpointId } = await appWithEndpoint();
      const e = await event(appId, { type: 'user_delete', credentialId: null });
      await a.audit.record({
        id: uid('aud'),
        appId,
        type: 'admin.app.updated',
        actor: 'token:abc',
        ipAddr: '198.51.100.1',
        userAgent: 'curl',
        target: appId,
        change: { name: 'New name' },
        createdAt: NOW,
      });
      const claimed = await claimAll(a, 'node-a');
      expect(claimed.map((c) => c.eventType).sort()).toEqual(['admin.app.updated', 'user.deleted']);
      const { targets, sources } = await a.webhookQueue.load(claimed);
      expect(targets.get(endpointId)).toEqual({
        id: endpointId,
        appId,
        url: 'https://hooks.example.com/passkeyd',
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        previousSecret: null,
        previousSecretExpiresAt: null,
      });
      expect(sources.get(`event:${e.id}`)).toEqual({ kind: 'event', event: e });
      const audit = claimed.find((c) => c.source === 'audit')!;
      expect(sources.get(`audit:${audit.sourceId}`)).toMatchObject({
        kind: 'audit',
        entry: { actor: 'token:abc', target: appId, change: { name: 'New name' } },
      });
    });

    it('records an attempt, schedules the retry, and counts failures until a success', async () => {
      const { appId, endpointId } = await appWithEndpoint();
      await event(appId);
      const fail = (at: number) => ({
        status: 'pending' as const,
        attemptAt: at,
        nextAttemptAt: at + 5_000,
        statusCode: 500,
        latencyMs: 12,
        error: 'HTTP 500',
        responseExcerpt: 'oops',
      });
      const [d] = await claimAll(a, 'node-a');
      expect(await a.webhookQueue.complete(d!.id, 'node-a', fail(NOW))).toEqual({
        consecutiveFailures: 1,
      });
      // Released at once, due again at nextAttemptAt, not before.
      expect(await claimAll(b, 'node-b', NOW + 4_999)).toEqual([]);
      const [retry] = await claimAll(b, 'node-b', NOW + 5_000);
      expect(retry).toMatchObject({ id: d!.id, attempts: 1 });
      expect(await b.webhookQueue.complete(d!.id, 'node-b', fail(NOW + 5_000))).toEqual({
        consecutiveFailures: 2,
      });
      const row = await a.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('id', '=', d!.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        status: 'pending',
        attempts: 2,
        lease_until: null,
        leased_by: null,
        last_status_code: 500,
        last_error: 'HTTP 500',
        last_response_excerpt: 'oops',
      });
      expect(Number(row.next_attempt_at)).toBe(NOW + 10_000);
      const [third] = await claimAll(a, 'node-a', NOW + 10_000);
      expect(
        await a.webhookQueue.complete(third!.id, 'node-a', {
          status: 'delivered',
          attemptAt: NOW + 10_000,
          statusCode: 200,
          latencyMs: 4,
          error: null,
          responseExcerpt: 'ok',
        }),
      ).toEqual({ consecutiveFailures: 0 });
      expect(await a.webhookQueue.lastSuccessOrChange(endpointId)).toBe(NOW + 10_000);
      // Settled: never claimed again.
      expect(await claimAll(a, 'node-a', NOW + 100 * LEASE)).toEqual([]);
    });

    it('releases the leases of a stopping node and reports queue depth and oldest age', async () => {
      const { appId, endpointId } = await appWithEndpoint();
      await event(appId, { createdAt: NOW - 2_000 });
      await event(appId);
      expect(await a.webhookQueue.stats()).toEqual({
        pending: 2,
        oldestPendingCreatedAt: NOW - 2_000,
      });
      // Node names of their own: leases that earlier tests left behind are not this test's.
      const [stopping, other] = [uid('node'), uid('node')];
      expect(await claimAll(a, stopping)).toHaveLength(2);
      expect(await a.webhookQueue.release(other)).toBe(0);
      expect(await a.webhookQueue.release(stopping)).toBe(2);
      expect(await claimAll(b, other)).toHaveLength(2);
      expect(await a.webhookQueue.disableEndpoint(endpointId, 'gone', NOW)).toBe(true);
      expect(await a.webhookQueue.disableEndpoint(endpointId, 'gone', NOW)).toBe(false);
      expect(await a.webhookQueue.stats()).toEqual({ pending: 0, oldestPendingCreatedAt: null });
      expect(await a.webhookQueue.lastSuccessOrChange(endpointId)).toBe(NOW);
      expect(await a.webhookQueue.lastSuccessOrChange(uid('whe'))).toBeUndefined();
    });

    it('says in the claim whether any endpoint is enabled, as every node sees it', async () => {
      const claim = (s: KyselyStorage, now = NOW) =>
        s.webhookQueue.claim({ node: 'node-a', now, leaseMs: LEASE, limit: 100 });
      // The endpoints of the tests before are all disabled (afterEach), some with deliveries
      // still pending: none can be claimed, and the claim says no endpoint can receive anything.
      expect(await claim(a)).toEqual({ claimed: [], enabledEndpoints: false });
      const { appId, endpointId } = await appWithEndpoint();
      // Made through one storage, seen by the other's next claim, with nothing due yet.
      expect(await claim(b)).toEqual({ claimed: [], enabledEndpoints: true });
      await event(appId);
      const first = await claim(b);
      expect(first).toMatchObject({ claimed: [{ endpointId }], enabledEndpoints: true });
      // Failed, due again at once, and its endpoint disabled: pending but not claimable.
      await b.webhookQueue.complete(first.claimed[0]!.id, 'node-a', {
        status: 'pending',
        attemptAt: NOW,
        nextAttemptAt: NOW,
        statusCode: 500,
        latencyMs: 3,
        error: 'HTTP 500',
        responseExcerpt: null,
      });
      expect(await a.webhookQueue.disableEndpoint(endpointId, 'test', NOW)).toBe(true);
      expect(await claim(b)).toEqual({ claimed: [], enabledEndpoints: false });
      // Re-enabled: the waiting delivery is claimed by the claim that sees the endpoint.
      await a.db
        .updateTable('webhook_endpoints')
        .set({ enabled: 1 })
        .where('id', '=', endpointId)
        .execute();
      expect(await claim(b)).toMatchObject({
        claimed: [{ id: first.claimed[0]!.id, attempts: 1 }],
        enabledEndpoints: true,
      });
    });

    it('sends an instance-wide audit row only to endpoints that name its type', async () => {
      const all = await appWithEndpoint();
      const named = await appWithEndpoint({ eventTypes: ['admin.console.signed_in'] });
      await a.audit.record({
        id: uid('aud'),
        appId: null,
        type: 'admin.console.signed_in',
        actor: 'console:abc',
        ipAddr: null,
        userAgent: null,
        target: null,
        change: null,
        createdAt: NOW,
      });
      const claimed = await claimAll(a, 'node-a');
      expect(claimed.map((c) => c.endpointId)).toEqual([named.endpointId]);
      expect(claimed[0]!.appId).toBe(named.appId);
      expect(all.endpointId).not.toBe(named.endpointId);
    });
  });
}
