import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../storage/sqlite.js';
import { ManualClock } from '../../testing/manual-clock.js';
import {
  insertWebhookEndpoint,
  newWebhookSecret,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../testing/webhook-fixtures.js';
import { recordEvent } from '../events.js';
import { systemClock, type Clock, type Storage } from '../ports.js';
import { RETRY_SCHEDULE_MS } from './backoff.js';
import { WebhookDispatcher, type DeliveryOutcome } from './dispatcher.js';
import { EXCERPT_CHARS, httpSender } from './send.js';
import { appRecord } from '../../testing/app-record.js';

/**
 * The dispatcher against a real SQLite database and real HTTP receivers on 127.0.0.1 (so these
 * tests allow private targets, except the one proving they are refused by default).
 */

let dir: string;
let storage: Awaited<ReturnType<typeof openSqliteStorage>>;
const receivers: WebhookReceiver[] = [];
const dispatchers: WebhookDispatcher[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'passkeyd-webhooks-'));
  storage = await openSqliteStorage({ path: join(dir, 'passkeyd.db') });
});
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  // Every endpoint off: no test's deliveries are claimed by the next test's dispatcher.
  await storage.db.updateTable('webhook_endpoints').set({ enabled: 0 }).execute();
});
afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function receiver(...args: Parameters<typeof startWebhookReceiver>) {
  const r = await startWebhookReceiver(...args);
  receivers.push(r);
  return r;
}

let appSeq = 0;
async function anApp(): Promise<string> {
  const id = `app_webhooks${String(++appSeq).padStart(10, '0')}abcdefghij`;
  await storage.apps.create(
    appRecord({
      id,
      name: 'Webhooks',
      rpId: 'example.com',
      rpName: 'Example',
      origins: ['https://example.com'],
      createdAt: Date.now(),
      updatedAt: Date.now(),
    }),
  );
  return id;
}

/** The test storage, counting the claims made through it (once each has answered). */
function countingClaims() {
  const counted = { claims: 0, storage: storage as Storage };
  const webhookQueue: Storage['webhookQueue'] = {
    ...storage.webhookQueue,
    claim: async (q) => {
      const r = await storage.webhookQueue.claim(q);
      counted.claims++;
      return r;
    },
  };
  counted.storage = new Proxy(storage, {
    get: (target, key) => {
      if (key === 'webhookQueue') return webhookQueue;
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return counted;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
async function until(ok: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !ok(); await sleep(10))
    if (Date.now() > end) throw new Error('timed out');
}

function dispatcher(
  o: {
    storage?: Storage;
    clock?: Clock;
    allowPrivate?: boolean;
    timeoutMs?: number;
    random?: () => number;
    disableAfterFailures?: number;
    pollMs?: number;
    outcomes?: DeliveryOutcome[];
  } = {},
) {
  const d = new WebhookDispatcher({
    storage: o.storage ?? storage,
    clock: o.clock ?? systemClock,
    send: httpSender({ timeoutMs: o.timeoutMs ?? 5_000, allowPrivate: o.allowPrivate ?? true }),
    leaseMs: 15_000,
    ...(o.random ? { random: o.random } : {}),
    ...(o.disableAfterFailures ? { disableAfterFailures: o.disableAfterFailures } : {}),
    ...(o.pollMs ? { pollMs: o.pollMs } : {}),
    onOutcome: (x) => o.outcomes?.push(x),
  });
  dispatchers.push(d);
  return d;
}

const signIn = (appId: string, now = Date.now(), over: { externalId?: string } = {}) =>
  recordEvent(storage, {
    appId,
    userId: 'usr_0123456789abcdefghijkl',
    type: 'passkey_login',
    credentialId: 'dev_0123456789abcdefghijkl',
    externalId: over.externalId ?? 'user-7@example.com',
    meta: { ip: '203.0.113.5', userAgent: 'Firefox' },
    now,
  });

const deliveriesOf = (endpointId: string) =>
  storage.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('endpoint_id', '=', endpointId)
    .orderBy('created_at')
    .execute();

describe('webhook dispatcher', () => {
  it('delivers a committed event, signed so that standardwebhooks verifies it', async () => {
    const r = await receiver();
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    const at = Date.now();
    await signIn(appId, at);
    const outcomes: DeliveryOutcome[] = [];
    expect(await dispatcher({ outcomes }).runOnce()).toBe(1);

    expect(r.received).toHaveLength(1);
    const [got] = r.received;
    const payload = new Webhook(ep.secret).verify(got!.body, got!.headers);
    const [event] = await storage.events.listByUser(appId, 'usr_0123456789abcdefghijkl', 1);
    expect(payload).toEqual({
      type: 'passkey.authenticated',
      timestamp: new Date(at).toISOString(),
      data: {
        app_id: appId,
        event_id: event!.id,
        user_id: 'usr_0123456789abcdefghijkl',
        external_id: 'user-7@example.com',
        passkey_id: 'dev_0123456789abcdefghijkl',
        ip_address: '203.0.113.5',
        user_agent: 'Firefox',
        detail: null,
      },
    });
    expect(got!.headers['webhook-id']).toBe(`msg_${event!.id}`);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(outcomes).toEqual(['delivered']);
    const [row] = await deliveriesOf(ep.id);
    expect(row).toMatchObject({
      status: 'delivered',
      attempts: 1,
      last_status_code: 204,
      last_error: null,
      lease_until: null,
    });
    expect(row!.delivered_at).toBeGreaterThanOrEqual(at);
  });

  it('fails verification of a delivery whose body or timestamp was tampered with', async () => {
    const r = await receiver();
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    await signIn(appId);
    await dispatcher().runOnce();
    const [got] = r.received;
    const wh = new Webhook(ep.secret);
    expect(() => wh.verify(got!.body.replace('Firefox', 'Chrome'), got!.headers)).toThrow(
      'No matching signature found',
    );
    const ts = String(Number(got!.headers['webhook-timestamp']) + 1);
    expect(() => wh.verify(got!.body, { ...got!.headers, 'webhook-timestamp': ts })).toThrow(
      'No matching signature found',
    );
    expect(() => new Webhook(newWebhookSecret()).verify(got!.body, got!.headers)).toThrow();
  });

  it('signs with the new and the previous secret during a rotation grace period', async () => {
    const r = await receiver();
    const appId = await anApp();
    const old = newWebhookSecret();
    const ep = await insertWebhookEndpoint(storage.db, {
      appId,
      url: r.url,
      previousSecret: old,
      previousSecretExpiresAt: Date.now() + 3_600_000,
    });
    await signIn(appId);
    await dispatcher().runOnce();
    const [got] = r.received;
    expect(got!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(ep.secret).verify(got!.body, got!.headers)).toBeTruthy();
    expect(new Webhook(old).verify(got!.body, got!.headers)).toBeTruthy();
  });

  it('refuses a loopback target unless private targets are allowed', async () => {
    const r = await receiver();
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    await signIn(appId);
    const outcomes: DeliveryOutcome[] = [];
    await dispatcher({ allowPrivate: false, outcomes }).runOnce();
    expect(r.received).toEqual([]);
    expect(outcomes).toEqual(['retry']);
    const [row] = await deliveriesOf(ep.id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null });
    expect(row!.last_error).toBe(
      'refused: 127.0.0.1 is a loopback address (PASSKEYD_WEBHOOK_ALLOW_PRIVATE is off)',
    );
    // localhost resolves to loopback too: a name is no way around the check.
    await storage.db
      .updateTable('webhook_endpoints')
      .set({ url: r.url.replace('127.0.0.1', 'localhost') })
      .where('id', '=', ep.id)
      .execute();
    await storage.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: 0 })
      .where('endpoint_id', '=', ep.id)
      .execute();
    await dispatcher({ allowPrivate: false }).runOnce();
    expect(r.received).toEqual([]);
    expect((await deliveriesOf(ep.id))[0]!.last_error).toMatch(/^refused: .* is a loopback/);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const elsewhere = await receiver();
    const r = await receiver((_req, res) => {
      res.writeHead(307, { location: elsewhere.url }).end('moved');
    });
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    await signIn(appId);
    await dispatcher().runOnce();
    expect(r.received).toHaveLength(1);
    expect(elsewhere.received).toEqual([]);
    expect((await deliveriesOf(ep.id))[0]).toMatchObject({
      status: 'pending',
      last_status_code: 307,
      last_error: 'HTTP 307: redirects are not followed',
      last_response_excerpt: 'moved',
    });
  });

  it(`keeps only the first ${EXCERPT_CHARS} characters of a response body`, async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(500).end('x'.repeat(100_000));
    });
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    await signIn(appId);
    await dispatcher().runOnce();
    const [row] = await deliveriesOf(ep.id);
    expect(row).toMatchObject({ last_status_code: 500, last_error: 'HTTP 500' });
    expect(row!.last_response_excerpt).toBe('x'.repeat(EXCERPT_CHARS));
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const r = await receiver(() => {
      /* never answers */
    });
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    await signIn(appId);
    const started = Date.now();
    await dispatcher({ timeoutMs: 300 }).runOnce();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await deliveriesOf(ep.id))[0]).toMatchObject({
      status: 'pending',
      last_error: 'timed out after 300 ms',
    });
  });

  it('retries on the backoff schedule, with the same webhook-id, then marks the delivery failed', async () => {
    const clock = new ManualClock(Date.now());
    const r = await receiver((_req, res) => {
      res.writeHead(503).end();
    });
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, { appId, url: r.url, now: clock.now() });
    await signIn(appId, clock.now());
    const outcomes: DeliveryOutcome[] = [];
    // A failure limit above the attempts made: this test is about one delivery's retries.
    const d = dispatcher({ clock, outcomes, disableAfterFailures: 1_000 });
    const gaps: number[] = [];
    for (let attempt = 1; attempt <= RETRY_SCHEDULE_MS.length + 1; attempt++) {
      expect(await d.runOnce()).toBe(1);
      const [row] = await deliveriesOf(ep.id);
      expect(row!.attempts).toBe(attempt);
      if (row!.status === 'failed') break;
      const gap = Number(row!.next_attempt_at) - clock.now();
      gaps.push(gap);
      // Not due a millisecond early.
      clock.advance(gap - 1);
      expect(await d.runOnce()).toBe(0);
      clock.advance(1);
    }
    RETRY_SCHEDULE_MS.forEach((base, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(base * 0.8);
      expect(gaps[i]).toBeLessThanOrEqual(base * 1.2);
    });
    expect(outcomes).toEqual([...RETRY_SCHEDULE_MS.map(() => 'retry'), 'failed']);
    const [row] = await deliveriesOf(ep.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 10, last_status_code: 503 });
    expect(r.countsById()).toEqual(new Map([[r.received[0]!.headers['webhook-id']!, 10]]));
    clock.advance(365 * 86_400_000);
    expect(await d.runOnce()).toBe(0);
  });

  it('disables an endpoint after repeated failures, with an audit row by system that is itself delivered', async () => {
    const clock = new ManualClock(Date.now());
    const failing = await receiver((_req, res) => {
      res.writeHead(500).end();
    });
    const watcher = await receiver();
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, {
      appId,
      url: failing.url,
      eventTypes: ['passkey.authenticated'],
      now: clock.now(),
    });
    await insertWebhookEndpoint(storage.db, {
      appId,
      url: watcher.url,
      eventTypes: ['webhook.endpoint_disabled'],
      now: clock.now(),
    });
    await signIn(appId, clock.now());
    await signIn(appId, clock.now());
    const d = dispatcher({ clock, disableAfterFailures: 5 });
    // 5 failed attempts in a row come within minutes; the endpoint stays on until none has been
    // accepted for 24 h as well.
    for (let i = 0; i < 3; i++) {
      await d.runOnce();
      clock.advance(6 * 60_000);
    }
    const endpoint = () =>
      storage.db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', ep.id)
        .executeTakeFirstOrThrow();
    expect(await endpoint()).toMatchObject({ enabled: 1, consecutive_failures: 6 });
    clock.advance(25 * 3_600_000);
    await d.runOnce();
    expect(await endpoint()).toMatchObject({ enabled: 0, consecutive_failures: 8 });
    expect((await endpoint()).disabled_reason).toMatch(
      /^7 failed attempts in a row, none accepted for 25 h$/,
    );

    const audit = await storage.db
      .selectFrom('audit_log')
      .selectAll()
      .where('target', '=', ep.id)
      .execute();
    expect(audit).toMatchObject([
      { type: 'webhook.endpoint_disabled', actor: 'system', app_id: appId },
    ]);
    // The disabled endpoint's deliveries wait (they go out if it is re-enabled); the audit row
    // goes to the endpoint that asked for it.
    clock.advance(60_000);
    await d.runOnce();
    expect(failing.received).toHaveLength(8);
    expect(watcher.received).toHaveLength(1);
    // (Signed with the manual clock's time, 25 h ahead: standardwebhooks would call it too new.)
    expect(watcher.received[0]!.headers['webhook-signature']).toMatch(/^v1,/);
    const note = JSON.parse(watcher.received[0]!.body) as {
      type: string;
      data: Record<string, unknown>;
    };
    expect(note.type).toBe('webhook.endpoint_disabled');
    expect(note.data).toMatchObject({ app_id: appId, actor: 'system', target: ep.id });
  });

  it('marks a delivery failed at once when the event it reports was purged', async () => {
    const r = await receiver();
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    await signIn(appId);
    await storage.db.deleteFrom('events').where('app_id', '=', appId).execute();
    const outcomes: DeliveryOutcome[] = [];
    await dispatcher({ outcomes }).runOnce();
    expect(r.received).toEqual([]);
    expect(outcomes).toEqual(['failed']);
    expect((await deliveriesOf(ep.id))[0]).toMatchObject({
      status: 'failed',
      last_error: 'the reported row is gone (purged by the retention period)',
    });
  });

  it('sends at once when woken, without waiting for the poll', async () => {
    const r = await receiver();
    const appId = await anApp();
    await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    const d = dispatcher({ pollMs: 60_000 });
    d.start();
    // Let the first (empty) poll pass.
    await new Promise((res) => setTimeout(res, 200));
    await signIn(appId);
    d.wake();
    await r.waitForIds(1, 2_000);
  });

  it('makes no claim on a wake while no endpoint is enabled, until a poll sees one', async () => {
    const counted = countingClaims();
    const r = await receiver();
    const appId = await anApp();
    const d = dispatcher({ storage: counted.storage, pollMs: 1_500 });
    d.start();
    // The first poll: every endpoint of the tests before is disabled (afterEach).
    await until(() => counted.claims === 1);
    // Writes on this node (each request's afterWrite): nothing to claim, so no claim at all.
    for (let i = 0; i < 10; i++) {
      d.wake();
      await sleep(60);
    }
    expect(counted.claims).toBe(1);
    // An endpoint made elsewhere (another node, the CLI): only the poll can tell this node.
    await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    d.wake();
    await sleep(60);
    expect(counted.claims).toBe(1);
    await until(() => counted.claims === 2, 5_000);
    // Seen: a wake claims at once again, without waiting for the next poll (1.5 s on).
    await signIn(appId);
    const woken = Date.now();
    d.wake();
    await r.waitForIds(1, 1_000);
    expect(Date.now() - woken).toBeLessThan(1_000);
    expect(counted.claims).toBe(3);
  });

  it('claims on the next wake once told of an endpoint change on this node', async () => {
    const counted = countingClaims();
    const r = await receiver();
    const appId = await anApp();
    const d = dispatcher({ storage: counted.storage, pollMs: 60_000 });
    d.start();
    await until(() => counted.claims === 1);
    await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    await signIn(appId);
    d.wake();
    await sleep(100);
    expect(counted.claims).toBe(1);
    // What the admin API's webhook routes do through afterWrite (build-app.ts).
    d.endpointsChanged();
    await r.waitForIds(1, 2_000);
    expect(counted.claims).toBe(2);
  });

  it('finishes the attempt under way when stopped and leaves nothing leased', async () => {
    const r = await receiver(() => {
      /* never answers: the attempt is under way when stop() is called */
    });
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, { appId, url: r.url });
    await signIn(appId);
    const d = dispatcher({ timeoutMs: 500 });
    d.start();
    await r.waitForIds(1, 2_000);
    await d.stop();
    const [row] = await deliveriesOf(ep.id);
    // The attempt under way was finished (timed out and recorded), and nothing stays leased.
    expect(row).toMatchObject({ attempts: 1, lease_until: null, leased_by: null });
  });

  it('delivers every event to a receiver that is down for 30 s and then comes back', async () => {
    // Real clock and the real schedule (5 s, then 30 s): without jitter (random 0.5) an event
    // that failed twice at t and t+5 s is retried at t+35 s, after the receiver is back.
    const placeholder = await startWebhookReceiver();
    const port = placeholder.port;
    await placeholder.close();
    const appId = await anApp();
    const ep = await insertWebhookEndpoint(storage.db, {
      appId,
      url: `http://127.0.0.1:${port}/hook`,
    });
    const d = dispatcher({ random: () => 0.5, pollMs: 200 });
    d.start();
    const downAt = Date.now();
    for (let i = 0; i < 5; i++) await signIn(appId);
    await new Promise((res) => setTimeout(res, 10_000));
    for (let i = 0; i < 5; i++) await signIn(appId);
    await new Promise((res) => setTimeout(res, downAt + 30_000 - Date.now()));
    const r = await receiver(undefined, port);
    await r.waitForIds(10, 40_000);
    // The last outcome is written just after the receiver answers.
    let rows = await deliveriesOf(ep.id);
    for (let i = 0; i < 50 && rows.some((x) => x.status !== 'delivered'); i++) {
      await new Promise((res) => setTimeout(res, 100));
      rows = await deliveriesOf(ep.id);
    }
    expect(rows.map((x) => x.status)).toEqual(Array(10).fill('delivered'));
    // Each was tried while the receiver was down, and arrived once it was back.
    for (const x of rows) expect(x.attempts).toBeGreaterThanOrEqual(3);
    for (const got of r.received) expect(got.at).toBeGreaterThanOrEqual(downAt + 30_000);
    expect([...r.countsById().values()]).toEqual(Array(10).fill(1));
  }, 90_000);
});
