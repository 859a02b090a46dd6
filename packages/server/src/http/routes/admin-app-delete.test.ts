import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyClient, startTestServer, type TestServer } from '../../testing/index.js';
import { onBothEngines } from '../../testing/on-both-engines.js';

// DELETE /v1/admin/apps/:appId over real HTTP, on both engines: the app and everything it holds
// go, its backend and browser calls are refused from then on, another app is untouched, and the
// deletion stays in the audit trail.

const ORIGIN = 'https://shop.example';
const OTHER_ORIGIN = 'https://other.example';

function suite(engine: string, databaseUrl: () => string | undefined) {
  describe(`deleting an app (${engine})`, () => {
    let server: TestServer;

    const admin = async (method: string, path: string) => {
      const res = await fetch(`${server.baseUrl}/v1/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    beforeAll(async () => {
      const url = databaseUrl();
      server = await startTestServer({
        origins: [ORIGIN],
        rpId: 'shop.example',
        ...(url ? { databaseUrl: url } : {}),
      });
    });
    afterAll(() => server?.close());

    it('deletes the app with its users, passkeys and keys, refuses it afterwards and keeps the other app', async () => {
      const doomed = await server.createApp({
        name: 'doomed',
        rpId: 'shop.example',
        origins: [ORIGIN],
      });
      const kept = await server.createApp({
        name: 'kept',
        rpId: 'other.example',
        origins: [OTHER_ORIGIN],
      });
      const a = new CeremonyClient(server.baseUrl, doomed.appId, doomed.apiKey, ORIGIN);
      const b = new CeremonyClient(server.baseUrl, kept.appId, kept.apiKey, OTHER_ORIGIN);
      const alice = new TestAuthenticator();
      const bob = new TestAuthenticator();
      expect((await a.register(alice, 'alice')).status).toBe(200);
      expect((await a.register(new TestAuthenticator(), 'carol')).status).toBe(200);
      expect((await a.authenticate(alice, 'alice')).status).toBe(200);
      expect((await b.register(bob, 'bob')).status).toBe(200);
      // A sign-in the doomed app's user has started and not finished when the app goes.
      const pendingTx = await a.createAuthenticateTransaction('alice');
      const pending = await a.startAuthentication(pendingTx);

      const r = await admin('DELETE', `/apps/${doomed.appId}`);
      expect(r.status).toBe(200);
      expect(r.body.app_id).toBe(doomed.appId);
      expect(r.body.deleted).toMatchObject({
        keys: 1,
        users: 2,
        passkeys: 2,
        webhook_endpoints: 0,
      });
      expect(r.body.deleted.transactions).toBeGreaterThanOrEqual(4);
      expect(r.body.deleted.events).toBeGreaterThanOrEqual(3);

      expect(await admin('GET', `/apps/${doomed.appId}`)).toMatchObject({
        status: 404,
        body: { code: 'app_not_found' },
      });
      expect(await admin('DELETE', `/apps/${doomed.appId}`)).toMatchObject({
        status: 404,
        body: { code: 'app_not_found' },
      });
      // Its backend (B2: its key went with it) and its browser calls (F3, F4) are refused at
      // once on this node.
      expect(await a.authenticateTransactionRequest('alice')).toMatchObject({
        status: 401,
        body: { code: 'invalid_access_token' },
      });
      const finish = await a.finishAuthentication(
        pending.handshake.id,
        alice.getAssertion(pending.handshake.challenge.publicKey, { origin: ORIGIN }),
        pendingTx,
      );
      expect(finish).toMatchObject({ status: 404, body: { code: 'app_not_found' } });
      expect(
        (await a.frontend('/login/webauthn/start', { transaction_id: pendingTx })).status,
      ).toBe(404);

      // The other app signs in as before.
      const signIn = await b.authenticate(bob, 'bob');
      expect(signIn.status).toBe(200);
      expect((await b.verifyNonce(String(signIn.body.nonce))).body).toMatchObject({
        external_id: 'bob',
      });
      const apps = (await admin('GET', '/apps')).body.apps.map((x: { id: string }) => x.id);
      expect(apps).toContain(kept.appId);
      expect(apps).not.toContain(doomed.appId);

      // The audit trail keeps the deletion, with what it removed.
      const trail = await admin('GET', `/audit?type=admin.app.deleted&app_id=${doomed.appId}`);
      expect(trail.status).toBe(200);
      expect(trail.body.entries).toHaveLength(1);
      expect(trail.body.entries[0]).toMatchObject({
        type: 'admin.app.deleted',
        app_id: doomed.appId,
        target: doomed.appId,
        change: { deleted: r.body.deleted },
      });
    });

    it('answers 404 app_not_found for an unknown or malformed app id, and 401 without the token', async () => {
      for (const id of ['app_00000000000000000000000000', 'not-an-id'])
        expect(await admin('DELETE', `/apps/${id}`)).toMatchObject({
          status: 404,
          body: { code: 'app_not_found' },
        });
      const res = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}`, {
        method: 'DELETE',
      });
      expect(res.status).toBe(401);
      expect((await admin('GET', `/apps/${server.appId}`)).status).toBe(200);
    });

    // Last: its burst of refused backend calls trips the failed-auth limit for 127.0.0.1.
    it('answers every ceremony of the app with 2xx or 4xx, never 5xx, while the app is deleted under load', async () => {
      const busy = await server.createApp({
        name: 'busy',
        rpId: 'shop.example',
        origins: [ORIGIN],
      });
      const c = new CeremonyClient(server.baseUrl, busy.appId, busy.apiKey, ORIGIN);
      const devices = Array.from({ length: 6 }, () => new TestAuthenticator());
      for (const [i, d] of devices.entries())
        expect((await c.register(d, `busy-${i}`)).status).toBe(200);
      const statuses: number[] = [];
      let stop = false;
      // Sign-ins and registrations in flight on the app when its deletion starts and ends; a
      // refused B1/B2 throws in the client, with its status in the message.
      const loops = devices.map(async (d, i) => {
        for (let n = 0; !stop; n++) {
          try {
            const r =
              i % 2
                ? await c.authenticate(d, `busy-${i}`)
                : await c.register(new TestAuthenticator(), `new-${i}-${n}`);
            statuses.push(r.status);
          } catch (e) {
            statuses.push(Number(/: (\d{3}) /.exec(String(e))?.[1] ?? 0));
          }
        }
      });
      while (statuses.length < 12) await new Promise((r) => setTimeout(r, 5));
      expect((await admin('DELETE', `/apps/${busy.appId}`)).status).toBe(200);
      const after = statuses.length;
      while (statuses.length < after + 12) await new Promise((r) => setTimeout(r, 5));
      stop = true;
      await Promise.all(loops);
      expect(statuses).toContain(200);
      expect(statuses.slice(after + 6)).not.toContain(200);
      expect(statuses.filter((x) => x < 200 || x >= 500)).toEqual([]);
    });
  });
}

await onBothEngines('admin-app-delete', suite);
