import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, startTestServer, type TestServer } from './testing/index.js';

/** The periodic purge applies PASSKEYD_EVENT_RETENTION_DAYS (issue 12 item 5). */

const DAY = 86_400_000;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function withEvents(retentionDays: string) {
  const clock = new ManualClock();
  server = await startTestServer({
    origins: ['http://localhost:3000'],
    clock,
    env: { PASSKEYD_PURGE_INTERVAL_SECONDS: '1', PASSKEYD_EVENT_RETENTION_DAYS: retentionDays },
  });
  const { storage } = server.server;
  const user = await storage.users.findOrCreate({
    id: 'usr_retention',
    appId: server.appId,
    externalId: 'retention@example.com',
    webauthnUserId: 'cmV0ZW50aW9u',
    status: 'active',
    createdAt: clock.now(),
    updatedAt: clock.now(),
    lastLoginAt: null,
    loginCount: 0,
  });
  const event = (id: string, createdAt: number) =>
    storage.events.record({
      id,
      appId: server!.appId,
      userId: user.id,
      type: 'passkey_login_failed',
      credentialId: null,
      ipAddr: '203.0.113.7',
      userAgent: null,
      detail: 'invalid_signature',
      createdAt,
    });
  await event('evt_old', clock.now() - 91 * DAY);
  await event('evt_recent', clock.now() - 89 * DAY);
  const ids = async () =>
    (await storage.events.listByUser(server!.appId, user.id, 10)).map((e) => e.id);
  return { ids };
}

describe('event retention', () => {
  it('deletes events older than the retention period on the next purge', async () => {
    const { ids } = await withEvents('90');
    await vi.waitFor(async () => expect(await ids()).toEqual(['evt_recent']), {
      timeout: 5000,
      interval: 100,
    });
  });

  it('keeps every event when the retention is 0', async () => {
    const { ids } = await withEvents('0');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await ids()).toEqual(['evt_recent', 'evt_old']);
  });
});
