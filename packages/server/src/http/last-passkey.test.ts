import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';
import { onBothEngines } from '../testing/on-both-engines.js';
import { adminOfApp } from '../testing/server-calls.js';

// Issue 14 item 6: under `prevent_last_passkey_removal`, revoking a user's last passkey through
// the management API (B7) or the admin API is 409 `last_passkey` unless `?force=true`.

const ORIGIN = 'http://localhost:3000';
const externalId = () => `user-${randomUUID()}`;

function suite(engine: string, databaseUrl: () => string | undefined) {
  describe(`last-passkey guard (${engine})`, () => {
    let server: TestServer;
    let client: CeremonyClient;

    beforeAll(async () => {
      const url = databaseUrl();
      server = await startTestServer({ origins: [ORIGIN], ...(url ? { databaseUrl: url } : {}) });
      client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    });
    afterAll(() => server?.close());

    const admin = (method: string, path: string, body?: unknown) =>
      adminOfApp(server)(method, path, body);
    const setGuard = async (on: boolean) => {
      const r = await admin('PATCH', '', { prevent_last_passkey_removal: on });
      expect(r).toMatchObject({ status: 200, body: { app: { prevent_last_passkey_removal: on } } });
    };

    /** A user with `n` passkeys: their user id and device ids. */
    async function userWith(n: number): Promise<{ userId: string; deviceIds: string[] }> {
      const id = externalId();
      for (let i = 0; i < n; i++) {
        expect((await client.register(new TestAuthenticator(), id)).status).toBe(200);
      }
      const users = await client.backend<{ users: { id: string }[] }>(
        'GET',
        `/users?identifier=${encodeURIComponent(id)}`,
      );
      const userId = users.body.users[0]!.id;
      const devices = await client.backend<{ devices: { id: string }[] }>(
        'GET',
        `/users/${userId}/devices`,
      );
      return { userId, deviceIds: devices.body.devices.map((d) => d.id) };
    }
    const revoke = (userId: string, deviceId: string, query = '') =>
      client.backend('DELETE', `/users/${userId}/devices/${deviceId}${query}`);
    const deviceCount = async (userId: string) =>
      (await client.backend<{ total_devices: number }>('GET', `/users/${userId}/devices`)).body
        .total_devices;

    it('is off by default: the last passkey can be revoked as with Passage', async () => {
      expect((await admin('GET', '')).body.app.prevent_last_passkey_removal).toBe(false);
      const { userId, deviceIds } = await userWith(1);
      expect((await revoke(userId, deviceIds[0]!)).status).toBe(200);
      expect(await deviceCount(userId)).toBe(0);
    });

    describe('when the app turns it on', () => {
      beforeAll(() => setGuard(true));
      afterAll(() => setGuard(false));

      it('refuses the last passkey through the management API with 409 last_passkey', async () => {
        const { userId, deviceIds } = await userWith(2);
        expect((await revoke(userId, deviceIds[0]!)).status).toBe(200);
        const refused = await revoke(userId, deviceIds[1]!);
        expect(refused).toMatchObject({ status: 409, body: { code: 'last_passkey' } });
        expect(refused.body.error).toMatch(/force=true/);
        expect(await deviceCount(userId)).toBe(1);
      });

      it('refuses it through the admin API too, and both give way to ?force=true', async () => {
        const { userId, deviceIds } = await userWith(1);
        expect(await admin('DELETE', `/users/${userId}/devices/${deviceIds[0]}`)).toMatchObject({
          status: 409,
          body: { code: 'last_passkey' },
        });
        expect(
          (await admin('DELETE', `/users/${userId}/devices/${deviceIds[0]}?force=false`)).status,
        ).toBe(409);
        expect(
          (await admin('DELETE', `/users/${userId}/devices/${deviceIds[0]}?force=true`)).status,
        ).toBe(200);
        const other = await userWith(1);
        expect((await revoke(other.userId, other.deviceIds[0]!, '?force=true')).status).toBe(200);
        expect(await deviceCount(userId)).toBe(0);
        expect(await deviceCount(other.userId)).toBe(0);
      });

      it('still answers 404 for an unknown passkey and 400 for a bad force value', async () => {
        const { userId, deviceIds } = await userWith(1);
        expect(await revoke(userId, 'dev_unknown')).toMatchObject({
          status: 404,
          body: { code: 'device_not_found' },
        });
        expect(await revoke(userId, deviceIds[0]!, '?force=maybe')).toMatchObject({
          status: 400,
          body: { code: 'invalid_request' },
        });
      });

      it('lets only one of two concurrent revokes of the last two passkeys succeed', async () => {
        for (let round = 0; round < 3; round++) {
          const { userId, deviceIds } = await userWith(2);
          const results = await Promise.all([
            revoke(userId, deviceIds[0]!),
            admin('DELETE', `/users/${userId}/devices/${deviceIds[1]}`),
          ]);
          expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
          expect(await deviceCount(userId)).toBe(1);
        }
      });

      it('does not stop deleting the whole user', async () => {
        const { userId } = await userWith(1);
        expect((await client.backend('DELETE', `/users/${userId}`)).status).toBe(200);
      });
    });
  });
}

await onBothEngines('last-passkey', suite);
