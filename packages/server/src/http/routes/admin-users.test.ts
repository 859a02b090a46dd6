import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CeremonyClient,
  ManualClock,
  startTestServer,
  type TestServer,
} from '../../testing/index.js';

/** The admin API the console uses for users, passkeys and events, over real HTTP. */

const ORIGIN = 'https://shop.example';
const HOUR = 3_600_000;
// 2025-06-15T10:30:00Z: half past an hour, so bucket edges are visible.
const START = Date.UTC(2025, 5, 15, 10, 30);
const YUBIKEY_5 = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

let server: TestServer;
let client: CeremonyClient;
const clock = new ManualClock(START);

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function userIdOf(externalId: string): Promise<string> {
  const r = await admin('GET', `/users?search=${encodeURIComponent(externalId)}`);
  const user = r.body.users.find((u: { external_id: string }) => u.external_id === externalId);
  expect(user, externalId).toBeDefined();
  return user.id;
}

beforeAll(async () => {
  server = await startTestServer({ origins: [ORIGIN], rpId: 'shop.example', clock });
  client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
});
afterAll(() => server.close());

describe('admin users API', () => {
  it('searches users by part of their external id, newest first, with passkey counts and pages', async () => {
    for (const name of ['search-ana', 'search-bo', 'search-cy']) {
      clock.advance(1000);
      expect((await client.register(new TestAuthenticator(), name)).status).toBe(200);
    }
    clock.advance(1000);
    await client.createRegisterTransaction('search-nopasskey'); // a user row without passkeys

    const first = await admin('GET', '/users?search=SEARCH-&limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 4, page: 1, limit: 2 });
    expect(first.body.users.map((u: any) => [u.external_id, u.passkey_count])).toEqual([
      ['search-nopasskey', 0],
      ['search-cy', 1],
    ]);
    const second = await admin('GET', '/users?search=search-&limit=2&page=2');
    expect(second.body.users.map((u: any) => u.external_id)).toEqual(['search-bo', 'search-ana']);
    expect((await admin('GET', '/users?search=nobody-like-this')).body).toMatchObject({
      users: [],
      total: 0,
    });
  });

  it("shows a user's passkeys: name, authenticator, use, and whether it is synced", async () => {
    const synced = new TestAuthenticator();
    const key = new TestAuthenticator({
      aaguid: YUBIKEY_5,
      backupEligible: false,
      transports: ['usb'],
    });
    await client.register(synced, 'detail-user');
    clock.advance(1000);
    await client.register(key, 'detail-user');
    clock.advance(1000);
    expect((await client.authenticate(synced, 'detail-user')).status).toBe(200);

    const r = await admin('GET', `/users/${await userIdOf('detail-user')}`);
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({
      external_id: 'detail-user',
      passkey_count: 2,
      login_count: 1,
    });
    const [phone, yubikey] = r.body.devices;
    expect(phone).toMatchObject({
      backup_eligible: true,
      backed_up: true,
      type: 'passkey',
      usage_count: 1,
      last_login_at: new Date(clock.now()).toISOString(),
    });
    expect(yubikey).toMatchObject({
      backup_eligible: false,
      type: 'security_key',
      usage_count: 0,
      last_login_at: null,
      aaguid: YUBIKEY_5,
    });
    expect(yubikey).toHaveProperty('authenticator_name');
    expect(yubikey).toHaveProperty('icons');
    expect(r.body.events.map((e: any) => e.type)).toEqual([
      'passkey_login',
      'passkey_register',
      'passkey_register',
    ]);
    expect(r.body.events[0]).toMatchObject({ external_id: 'detail-user', device_id: phone.id });
  });

  it('renames and revokes a passkey; the revoked one can no longer sign in', async () => {
    const device = new TestAuthenticator();
    await client.register(device, 'revoke-user');
    const userId = await userIdOf('revoke-user');
    const [passkey] = (await admin('GET', `/users/${userId}`)).body.devices;

    const renamed = await admin('PATCH', `/users/${userId}/devices/${passkey.id}`, {
      friendly_name: '  Work laptop  ',
    });
    expect(renamed).toMatchObject({
      status: 200,
      body: { device: { id: passkey.id, friendly_name: 'Work laptop' } },
    });

    expect((await admin('DELETE', `/users/${userId}/devices/${passkey.id}`)).status).toBe(200);
    expect((await admin('GET', `/users/${userId}`)).body.devices).toEqual([]);
    const signIn = await client.authenticate(device);
    expect(signIn).toMatchObject({ status: 401, body: { code: 'credential_not_found' } });

    const events = (
      await admin('GET', `/events?user_id=${userId}&type=passkey_rename&type=passkey_revoke`)
    ).body.events;
    expect(events.map((e: any) => e.type)).toEqual(['passkey_revoke', 'passkey_rename']);
    expect(events[0]).toMatchObject({ device_id: passkey.id, external_id: 'revoke-user' });
  });

  it("will not touch another user's passkey through this user", async () => {
    await client.register(new TestAuthenticator(), 'owner');
    await client.register(new TestAuthenticator(), 'other');
    const owner = await userIdOf('owner');
    const other = await userIdOf('other');
    const [passkey] = (await admin('GET', `/users/${owner}`)).body.devices;
    expect(
      await admin('PATCH', `/users/${other}/devices/${passkey.id}`, { friendly_name: 'mine now' }),
    ).toMatchObject({ status: 404, body: { code: 'device_not_found' } });
    expect(await admin('DELETE', `/users/${other}/devices/${passkey.id}`)).toMatchObject({
      status: 404,
      body: { code: 'device_not_found' },
    });
    expect((await admin('GET', `/users/${owner}`)).body.devices).toHaveLength(1);
  });

  it('deletes a user with their passkeys, and records who was deleted', async () => {
    const device = new TestAuthenticator();
    await client.register(device, 'delete-me');
    const userId = await userIdOf('delete-me');
    expect((await admin('DELETE', `/users/${userId}`)).status).toBe(200);
    expect(await admin('GET', `/users/${userId}`)).toMatchObject({
      status: 404,
      body: { code: 'user_not_found' },
    });
    expect((await client.authenticate(device)).body).toMatchObject({
      code: 'credential_not_found',
    });
    const events = (await admin('GET', `/events?user_id=${userId}&type=user_delete`)).body.events;
    expect(events).toMatchObject([{ type: 'user_delete', user_id: userId, external_id: null }]);
    expect(await admin('DELETE', `/users/${userId}`)).toMatchObject({
      status: 404,
      body: { code: 'user_not_found' },
    });
  });

  it('rejects a blank passkey name', async () => {
    await client.register(new TestAuthenticator(), 'blank-name');
    const userId = await userIdOf('blank-name');
    const [passkey] = (await admin('GET', `/users/${userId}`)).body.devices;
    expect(
      await admin('PATCH', `/users/${userId}/devices/${passkey.id}`, { friendly_name: '   ' }),
    ).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
  });

  it('answers app_not_found for an unknown app and needs the admin token', async () => {
    const r = await fetch(`${server.baseUrl}/v1/admin/apps/app_nope/users`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ code: 'app_not_found' });
    const anon = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}/events`);
    expect(anon.status).toBe(401);
    const withApiKey = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}/users`, {
      headers: { authorization: `Bearer ${server.apiKey}` },
    });
    expect(withApiKey.status).toBe(401);
  });
});

describe('admin events API', () => {
  it('filters events by type, external id and time window', async () => {
    const device = new TestAuthenticator();
    clock.advance(HOUR);
    const t1 = clock.now();
    await client.register(device, 'events-user');
    clock.advance(60_000);
    const t2 = clock.now();
    await client.authenticate(device, 'events-user');
    await client.authenticate(device, 'events-user', { tamper: { tamperSignature: true } });

    const mine = await admin('GET', '/events?external_id=events-user');
    expect(mine.body.events.map((e: any) => e.type)).toEqual([
      'passkey_login_failed',
      'passkey_login',
      'passkey_register',
    ]);
    expect(mine.body.events[0]).toMatchObject({
      detail: 'invalid_signature',
      external_id: 'events-user',
      ip_addr: expect.any(String),
    });

    const failed = await admin('GET', '/events?external_id=events-user&type=passkey_login_failed');
    expect(failed.body).toMatchObject({ total: 1, events: [{ type: 'passkey_login_failed' }] });

    const window = await admin(
      'GET',
      `/events?external_id=events-user&from=${new Date(t1).toISOString()}&to=${new Date(t2).toISOString()}`,
    );
    expect(window.body.events.map((e: any) => e.type)).toEqual(['passkey_register']);

    const paged = await admin('GET', '/events?external_id=events-user&limit=2&page=2');
    expect(paged.body).toMatchObject({
      total: 3,
      page: 2,
      limit: 2,
      events: [{ type: 'passkey_register' }],
    });

    expect((await admin('GET', '/events?external_id=no-such-user')).body).toMatchObject({
      events: [],
      total: 0,
    });
    expect(await admin('GET', '/events?type=not_a_type')).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
    expect(await admin('GET', '/events?from=yesterday')).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
  });

  it('counts registrations, sign-ins and failed sign-ins per hour over 24 h and per day over 30 d', async () => {
    // A fresh app, so earlier tests' events do not count.
    const { appId, apiKey } = await server.createApp({
      name: 'Chart',
      rpId: 'shop.example',
      origins: [ORIGIN],
    });
    const chart = new CeremonyClient(server.baseUrl, appId, apiKey, ORIGIN);
    const activity = async (offset?: number) => {
      const res = await fetch(
        `${server.baseUrl}/v1/admin/apps/${appId}/events/activity${offset === undefined ? '' : `?utc_offset_minutes=${offset}`}`,
        {
          headers: { authorization: `Bearer ${server.adminToken}` },
        },
      );
      expect(res.status).toBe(200);
      return (await res.json()) as any;
    };

    const device = new TestAuthenticator();
    await chart.register(device, 'chart-user'); // 3 days before "now"
    clock.advance(3 * 24 * HOUR);
    await chart.authenticate(device, 'chart-user'); // 2 hours before "now"
    clock.advance(2 * HOUR);
    await chart.authenticate(device, 'chart-user');
    await chart.authenticate(device, 'chart-user', { tamper: { tamperSignature: true } });

    const now = clock.now();
    const a = await activity();
    expect(a.hours.bucket).toBe('hour');
    expect(a.hours.buckets).toHaveLength(24);
    expect(a.days.buckets).toHaveLength(30);
    const lastHour = a.hours.buckets[23];
    expect(Date.parse(lastHour.start)).toBe(Math.floor(now / HOUR) * HOUR);
    expect(lastHour).toMatchObject({ registrations: 0, sign_ins: 1, failed_sign_ins: 1 });
    expect(a.hours.buckets[21]).toMatchObject({ sign_ins: 1 });
    const sum = (rows: any[], k: string) => rows.reduce((n, r) => n + r[k], 0);
    expect([
      sum(a.hours.buckets, 'registrations'),
      sum(a.hours.buckets, 'sign_ins'),
      sum(a.hours.buckets, 'failed_sign_ins'),
    ]).toEqual([0, 2, 1]);

    const today = a.days.buckets[29];
    expect(Date.parse(today.start)).toBe(Math.floor(now / (24 * HOUR)) * 24 * HOUR);
    expect([
      sum(a.days.buckets, 'registrations'),
      sum(a.days.buckets, 'sign_ins'),
      sum(a.days.buckets, 'failed_sign_ins'),
    ]).toEqual([1, 2, 1]);
    expect(a.days.buckets[26]).toMatchObject({ registrations: 1 });

    // Days start at the viewer's midnight: UTC+14 is already "tomorrow" at 12:30 UTC.
    const east = await activity(14 * 60);
    expect(east.days.buckets[29].start).toBe(
      new Date(Math.floor((now + 14 * HOUR) / (24 * HOUR)) * 24 * HOUR - 14 * HOUR).toISOString(),
    );
    expect(sum(east.days.buckets, 'sign_ins')).toBe(2);
  });
});
