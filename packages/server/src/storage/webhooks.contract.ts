import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Storage } from '../domain/ports.js';
import type { App, User, UserEvent } from '../domain/types.js';
import type { WebhookDelivery, WebhookEndpoint } from '../domain/webhooks/types.js';

/**
 * The `webhooks` group of the storage contract (issue 15), called from storage.contract.ts so
 * SQLite and PostgreSQL pass the same assertions, including those about migration 012's fan-out
 * triggers: they are the only writers of event and audit deliveries, so the contract is where
 * their behaviour is pinned.
 */
const NOW = 1_750_000_000_000;
const HOUR = 3_600_000;
const uid = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;
const hex = () => randomUUID().replaceAll('-', '');

export function anEndpoint(appId: string, over: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id: uid('whe'),
    appId,
    url: 'https://hooks.example.com/passkeyd',
    description: null,
    eventTypes: [],
    enabled: true,
    disabledReason: null,
    consecutiveFailures: 0,
    secret: `whsec_${Buffer.from(hex()).toString('base64')}`,
    previousSecret: null,
    previousSecretExpiresAt: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}

function aDelivery(e: WebhookEndpoint, over: Partial<WebhookDelivery> = {}): WebhookDelivery {
  const id = `whd_${hex()}`;
  return {
    id,
    endpointId: e.id,
    appId: e.appId,
    source: 'test',
    sourceId: id,
    eventType: 'webhook.test',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: NOW,
    lastAttemptAt: null,
    lastStatusCode: null,
    lastLatencyMs: null,
    lastError: null,
    lastResponseExcerpt: null,
    deliveredAt: null,
    createdAt: NOW,
    ...over,
  };
}

function anEvent(user: User, over: Partial<UserEvent> = {}): UserEvent {
  return {
    id: uid('evt'),
    appId: user.appId,
    userId: user.id,
    type: 'passkey_register',
    credentialId: null,
    ipAddr: null,
    userAgent: null,
    detail: null,
    createdAt: NOW,
    ...over,
  };
}

const all = (s: Storage, e: WebhookEndpoint) =>
  s.webhooks.listDeliveries(e.appId, e.id, { limit: 100, offset: 0 });

export function describeWebhooksContract(ctx: {
  storage: () => Storage;
  appWithUser: () => Promise<{ app: App; user: User }>;
}): void {
  describe('webhooks', () => {
    it('creates, lists, gets, updates and deletes endpoints, scoped by app', async () => {
      const s = ctx.storage();
      const { app } = await ctx.appWithUser();
      const { app: other } = await ctx.appWithUser();
      const a = anEndpoint(app.id, { eventTypes: ['passkey.registered'], description: 'd' });
      const b = anEndpoint(app.id, { createdAt: NOW + 1 });
      await s.webhooks.create(a, 100);
      await s.webhooks.create(b, 100);
      expect(await s.webhooks.get(app.id, a.id)).toEqual(a);
      expect(await s.webhooks.get(other.id, a.id)).toBeUndefined();
      expect((await s.webhooks.list(app.id)).map((e) => e.id)).toEqual([a.id, b.id]);
      expect(await s.webhooks.list(other.id)).toEqual([]);

      expect(await s.webhooks.update(other.id, a.id, { enabled: false, updatedAt: 5 })).toBe(
        undefined,
      );
      const updated = await s.webhooks.update(app.id, a.id, {
        url: 'https://other.example.com/h',
        eventTypes: [],
        description: null,
        enabled: false,
        disabledReason: 'too many failures',
        consecutiveFailures: 3,
        updatedAt: NOW + 5,
      });
      expect(updated).toEqual({
        ...a,
        url: 'https://other.example.com/h',
        eventTypes: [],
        description: null,
        enabled: false,
        disabledReason: 'too many failures',
        consecutiveFailures: 3,
        updatedAt: NOW + 5,
      });

      expect(await s.webhooks.delete(other.id, a.id)).toBe(false);
      expect(await s.webhooks.delete(app.id, a.id)).toBe(true);
      expect(await s.webhooks.delete(app.id, a.id)).toBe(false);
      expect((await s.webhooks.list(app.id)).map((e) => e.id)).toEqual([b.id]);
    });

    it('creates at most maxPerApp endpoints per app, also when creations race', async () => {
      const s = ctx.storage();
      const { app } = await ctx.appWithUser();
      const { app: other } = await ctx.appWithUser();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => s.webhooks.create(anEndpoint(app.id), 5)),
      );
      expect(results.filter(Boolean)).toHaveLength(5);
      expect(await s.webhooks.list(app.id)).toHaveLength(5);
      // The cap is per app.
      expect(await s.webhooks.create(anEndpoint(other.id), 5)).toBe(true);
    });

    it('rotates the secret, keeping the old one as previous until the grace ends', async () => {
      const s = ctx.storage();
      const { app } = await ctx.appWithUser();
      const e = anEndpoint(app.id);
      await s.webhooks.create(e, 100);
      const r = await s.webhooks.rotateSecret(app.id, e.id, {
        secret: 'whsec_new',
        previousSecretExpiresAt: NOW + 24 * HOUR,
        now: NOW + 1,
      });
      expect(r).toMatchObject({
        secret: 'whsec_new',
        previousSecret: e.secret,
        previousSecretExpiresAt: NOW + 24 * HOUR,
        updatedAt: NOW + 1,
      });
      // No grace: the old secret stops at once.
      const r2 = await s.webhooks.rotateSecret(app.id, e.id, {
        secret: 'whsec_newer',
        previousSecretExpiresAt: null,
        now: NOW + 2,
      });
      expect(r2).toMatchObject({
        secret: 'whsec_newer',
        previousSecret: null,
        previousSecretExpiresAt: null,
      });
      const { app: other } = await ctx.appWithUser();
      expect(
        await s.webhooks.rotateSecret(other.id, e.id, {
          secret: 'x',
          previousSecretExpiresAt: null,
          now: NOW,
        }),
      ).toBeUndefined();
    });

    it('the fan-out trigger creates deliveries for matching enabled endpoints only', async () => {
      const s = ctx.storage();
      const { app, user } = await ctx.appWithUser();
      const { app: other } = await ctx.appWithUser();
      const every = anEndpoint(app.id);
      const registered = anEndpoint(app.id, { eventTypes: ['passkey.registered'] });
      const revoked = anEndpoint(app.id, { eventTypes: ['passkey.revoked'] });
      const disabled = anEndpoint(app.id, { enabled: false });
      const elsewhere = anEndpoint(other.id);
      for (const e of [every, registered, revoked, disabled, elsewhere])
        await s.webhooks.create(e, 100);

      const event = anEvent(user, { createdAt: NOW + 7 });
      await s.events.record(event);
      const counts = async () =>
        Promise.all(
          [every, registered, revoked, disabled, elsewhere].map(
            async (e) => (await all(s, e)).total,
          ),
        );
      expect(await counts()).toEqual([1, 1, 0, 0, 0]);
      const [d] = (await all(s, registered)).deliveries;
      expect(d).toMatchObject({
        endpointId: registered.id,
        appId: app.id,
        source: 'event',
        sourceId: event.id,
        eventType: 'passkey.registered',
        status: 'pending',
        attempts: 0,
        nextAttemptAt: NOW + 7,
        createdAt: NOW + 7,
      });
      expect(d!.id).toMatch(/^whd_[0-9a-f]{32}$/);

      // Audit rows: an app-scoped one goes to "every type" endpoints; an instance-wide one
      // only to an endpoint that names its type.
      const console = anEndpoint(app.id, { eventTypes: ['admin.console.signed_in'] });
      await s.webhooks.create(console, 100);
      await s.audit.record({
        id: uid('aud'),
        appId: app.id,
        type: 'admin.webhook.created',
        actor: 'cli:test',
        ipAddr: null,
        userAgent: null,
        target: every.id,
        change: null,
        createdAt: NOW + 8,
      });
      await s.audit.record({
        id: uid('aud'),
        appId: null,
        type: 'admin.console.signed_in',
        actor: 'console:abc',
        ipAddr: null,
        userAgent: null,
        target: null,
        change: null,
        createdAt: NOW + 9,
      });
      expect(await counts()).toEqual([2, 1, 0, 0, 0]);
      expect((await all(s, every)).deliveries[0]).toMatchObject({
        source: 'audit',
        eventType: 'admin.webhook.created',
      });
      expect((await all(s, console)).deliveries.map((x) => x.eventType)).toEqual([
        'admin.console.signed_in',
      ]);
    });

    it('lists deliveries newest first, filtered by status, a page at a time', async () => {
      const s = ctx.storage();
      const { app } = await ctx.appWithUser();
      const e = anEndpoint(app.id);
      await s.webhooks.create(e, 100);
      const ds = [
        aDelivery(e, { createdAt: NOW + 1, status: 'delivered', deliveredAt: NOW + 2 }),
        aDelivery(e, { createdAt: NOW + 3, status: 'failed', attempts: 9, lastStatusCode: 500 }),
        aDelivery(e, { createdAt: NOW + 5 }),
      ];
      for (const d of ds) await s.webhooks.insertDelivery(d);
      const listed = await all(s, e);
      expect(listed.total).toBe(3);
      expect(listed.deliveries).toEqual([ds[2], ds[1], ds[0]]);
      const page = await s.webhooks.listDeliveries(app.id, e.id, { limit: 1, offset: 1 });
      expect(page).toEqual({ deliveries: [ds[1]], total: 3 });
      const failed = await s.webhooks.listDeliveries(app.id, e.id, {
        status: 'failed',
        limit: 10,
        offset: 0,
      });
      expect(failed).toEqual({ deliveries: [ds[1]], total: 1 });
      const { app: other } = await ctx.appWithUser();
      expect(await s.webhooks.getDelivery(app.id, ds[0]!.id)).toEqual(ds[0]);
      expect(await s.webhooks.getDelivery(other.id, ds[0]!.id)).toBeUndefined();
      expect(
        (await s.webhooks.listDeliveries(other.id, e.id, { limit: 10, offset: 0 })).total,
      ).toBe(0);
    });

    it('redeliver resets a failed delivery to pending, due now, with a fresh schedule', async () => {
      const s = ctx.storage();
      const { app } = await ctx.appWithUser();
      const { app: other } = await ctx.appWithUser();
      const e = anEndpoint(app.id);
      await s.webhooks.create(e, 100);
      const d = aDelivery(e, {
        status: 'failed',
        attempts: 9,
        nextAttemptAt: NOW,
        lastAttemptAt: NOW + 10,
        lastStatusCode: 503,
        lastError: 'HTTP 503',
      });
      await s.webhooks.insertDelivery(d);
      expect(await s.webhooks.redeliver(other.id, d.id, NOW + HOUR)).toBeUndefined();
      const r = await s.webhooks.redeliver(app.id, d.id, NOW + HOUR);
      expect(r).toEqual({
        ...d,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: NOW + HOUR,
        deliveredAt: null,
      });
      expect(await s.webhooks.getDelivery(app.id, d.id)).toEqual(r);
    });

    it('deleting an endpoint deletes its deliveries; deleting the app deletes both', async () => {
      const s = ctx.storage();
      const { app } = await ctx.appWithUser();
      const e = anEndpoint(app.id);
      const kept = anEndpoint(app.id);
      await s.webhooks.create(e, 100);
      await s.webhooks.create(kept, 100);
      const d = aDelivery(e);
      const k = aDelivery(kept);
      await s.webhooks.insertDelivery(d);
      await s.webhooks.insertDelivery(k);
      await s.webhooks.delete(app.id, e.id);
      expect(await s.webhooks.getDelivery(app.id, d.id)).toBeUndefined();
      expect(await s.webhooks.getDelivery(app.id, k.id)).toEqual(k);
    });
  });
}
