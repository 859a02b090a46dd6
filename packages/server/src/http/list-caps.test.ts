import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { MAX_CREDENTIALS_IN_OPTIONS } from '../domain/ceremonies/offered-credentials.js';
import { newId } from '../domain/secrets.js';
import { DEVICE_PAGE_DEFAULT } from '../domain/users.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
} from '../storage/scratch-postgres.js';
import { CeremonyClient, ManualClock, startTestServer, type TestServer } from '../testing/index.js';

/**
 * Issue 12 item 10: a user's passkey count must not size a response. Option lists are capped
 * at the most recently used MAX_CREDENTIALS_IN_OPTIONS, device lists are pages.
 */

const ORIGIN = 'http://localhost:3000';
/** More passkeys than both the option cap and the default device page. */
const MANY = Math.max(MAX_CREDENTIALS_IN_OPTIONS, DEVICE_PAGE_DEFAULT) + 20;

function suite(open: () => Promise<{ databaseUrl?: string; drop(): Promise<void> }>) {
  let server: TestServer;
  let client: CeremonyClient;
  let drop: () => Promise<void>;
  const clock = new ManualClock();
  const code = (r: { body: unknown }) => (r.body as { code: string }).code;

  beforeAll(async () => {
    const db = await open();
    drop = db.drop;
    server = await startTestServer({
      origins: [ORIGIN],
      clock,
      ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}),
    });
    client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  /**
   * A user with one real passkey registered first and MANY stored after it, each registered a
   * second later than the one before and none used yet: by recency the real one comes last.
   */
  async function userWithManyPasskeys(externalId: string) {
    const device = new TestAuthenticator();
    expect((await client.register(device, externalId)).status).toBe(200);
    const users = await client.backend<{ users: { id: string }[] }>(
      'GET',
      `/users?identifier=${externalId}`,
    );
    const userId = users.body.users[0]!.id;
    const base = clock.now();
    for (let i = 1; i <= MANY; i++) {
      await server.server.storage.credentials.create({
        id: newId('dev'),
        appId: server.appId,
        userId,
        credentialId: randomBytes(32).toString('base64url'),
        publicKey: 'pQECAyYgASFYIPublicKeyBytesBase64url',
        alg: -7,
        signCount: 0,
        transports: ['usb'],
        aaguid: '00000000-0000-0000-0000-000000000000',
        backupEligible: false,
        backedUp: false,
        attestationFormat: 'none',
        friendlyName: `Key ${i}`,
        createdAt: base + i * 1000,
        updatedAt: base + i * 1000,
        lastUsedAt: null,
        usageCount: 0,
      });
    }
    clock.advance((MANY + 1) * 1000);
    return { device, userId, realId: device.credentials()[0]!.id };
  }

  describe('option lists', () => {
    it('offers the most recently used passkeys in allowCredentials, capped; the others still sign in without a transaction', async () => {
      const { device, realId } = await userWithManyPasskeys('caps-allow');
      const allowed = async () => {
        const tx = await client.createAuthenticateTransaction('caps-allow');
        const start = await client.startAuthentication(tx);
        return (start.handshake.challenge.publicKey.allowCredentials as { id: string }[]).map(
          (c) => c.id,
        );
      };
      const before = await allowed();
      expect(before).toHaveLength(MAX_CREDENTIALS_IN_OPTIONS);
      // The real passkey is the least recent and is left off the list...
      expect(before).not.toContain(realId);
      // ...yet it signs in through the discoverable flow, which names no credentials.
      const discoverable = await client.authenticate(device);
      expect(discoverable.status).toBe(200);
      // Now it is the most recently used, so it heads the list.
      const after = await allowed();
      expect(after).toHaveLength(MAX_CREDENTIALS_IN_OPTIONS);
      expect(after[0]).toBe(realId);
      expect((await client.authenticate(device, 'caps-allow')).status).toBe(200);
    });

    it('caps excludeCredentials the same way', async () => {
      await userWithManyPasskeys('caps-exclude');
      const tx = await client.createRegisterTransaction('caps-exclude');
      const start = await client.startRegistration(tx);
      const excluded = start.handshake.challenge.publicKey.excludeCredentials as unknown[];
      expect(excluded).toHaveLength(MAX_CREDENTIALS_IN_OPTIONS);
    });
  });

  describe('device lists', () => {
    let userId: string;
    let realId: string;
    beforeAll(async () => {
      ({ userId, realId } = await userWithManyPasskeys('caps-devices'));
    });

    type DevicePage = {
      devices: { cred_id: string; friendly_name: string }[];
      page: number;
      limit: number;
      total_devices: number;
    };

    it('B6 answers the default page with the total, oldest first', async () => {
      const r = await client.backend<DevicePage>('GET', `/users/${userId}/devices`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        page: 1,
        limit: DEVICE_PAGE_DEFAULT,
        total_devices: MANY + 1,
      });
      expect(r.body.devices).toHaveLength(DEVICE_PAGE_DEFAULT);
      expect(r.body.devices[0]!.cred_id).toBe(realId);
    });

    it('B6 pages with ?page and ?limit, and every passkey appears exactly once', async () => {
      const seen: string[] = [];
      for (let page = 1; ; page++) {
        const r = await client.backend<DevicePage>(
          'GET',
          `/users/${userId}/devices?page=${page}&limit=50`,
        );
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ page, limit: 50, total_devices: MANY + 1 });
        if (r.body.devices.length === 0) break;
        seen.push(...r.body.devices.map((d) => d.cred_id));
      }
      expect(seen).toHaveLength(MANY + 1);
      expect(new Set(seen).size).toBe(MANY + 1);
    });

    it.each(['limit=0', 'limit=501', 'page=0', 'limit=ten'])(
      'B6 refuses ?%s with 400 invalid_request',
      async (q) => {
        const r = await client.backend('GET', `/users/${userId}/devices?${q}`);
        expect([r.status, code(r)]).toEqual([400, 'invalid_request']);
      },
    );

    it('B5 embeds only the first page of devices', async () => {
      const r = await client.backend<{ user: { webauthn: boolean; webauthn_devices: unknown[] } }>(
        'GET',
        `/users/${userId}`,
      );
      expect(r.status).toBe(200);
      expect(r.body.user.webauthn).toBe(true);
      expect(r.body.user.webauthn_devices).toHaveLength(DEVICE_PAGE_DEFAULT);
    });

    it('the admin API pages the same list, and its user detail holds the first page and the count', async () => {
      const admin = (path: string) =>
        client.request<any>('GET', `/admin/apps/${server.appId}${path}`, {
          headers: { authorization: `Bearer ${server.adminToken}` },
        });
      const detail = await admin(`/users/${userId}`);
      expect(detail.status).toBe(200);
      expect(detail.body.devices).toHaveLength(DEVICE_PAGE_DEFAULT);
      expect(detail.body.user.passkey_count).toBe(MANY + 1);
      const page = await admin(`/users/${userId}/devices?page=2&limit=${MANY}`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ page: 2, limit: MANY, total_devices: MANY + 1 });
      expect(page.body.devices).toHaveLength(1);
      const tooBig = await admin(`/users/${userId}/devices?limit=501`);
      expect([tooBig.status, code(tooBig)]).toEqual([400, 'invalid_request']);
      const unknown = await admin(`/users/usr_unknown/devices`);
      expect([unknown.status, code(unknown)]).toEqual([404, 'user_not_found']);
    });
  });
}

describe('sqlite: list caps', () => suite(async () => ({ drop: async () => {} })));

describeWithPostgres(await probePostgres(process.env), process.env, 'postgres: list caps', (url) =>
  suite(async () => {
    const db = await createScratchDatabase(url, 'listcaps');
    return { databaseUrl: db.url, drop: db.drop };
  }),
);
