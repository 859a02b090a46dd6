import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../packages/server/src/storage/scratch-postgres.js';
import { managementApi, type ManagementApi } from './support/passkeyd-backend.js';
import {
  buildServerIfStale,
  E2E_ORIGIN,
  finish,
  frontend,
  PASSKEYD_CLI,
  start,
  startNode,
  stopNode,
  type PasskeydNode as Node,
  type WireBody,
} from './support/passkeyd-process.js';

/**
 * Several passkeyd nodes behind one load balancer: two real `passkeyd serve` processes share one
 * PostgreSQL database, and every step of a ceremony may land on either. State lives only in the
 * database, so a challenge, transaction or nonce is single-use across nodes, and a revoked
 * passkey stops working everywhere at once.
 */

const cli = PASSKEYD_CLI;
const ORIGIN = E2E_ORIGIN;
const RP_ID = 'localhost';
const run = promisify(execFile);
const ADMIN_TOKEN = 'multi-node-admin-token-0123456789abcdef';

describeWithPostgres(
  await probePostgres(process.env),
  process.env,
  'several passkeyd nodes sharing PostgreSQL',
  (adminUrl) => {
    let db: ScratchDatabase;
    let env: NodeJS.ProcessEnv;
    const nodes: Node[] = [];
    let a: Node;
    let b: Node;
    let appId: string;
    let viaA: ManagementApi;
    let viaB: ManagementApi;

    beforeAll(async () => {
      buildServerIfStale();
      db = await createScratchDatabase(adminUrl, 'multinode');
      env = {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        PASSKEYD_ADMIN_TOKEN: ADMIN_TOKEN,
        PASSKEYD_PG_POOL_SIZE: '5',
        // Both nodes purge every second, so purging runs concurrently throughout the suite.
        PASSKEYD_PURGE_INTERVAL_SECONDS: '1',
      };
      // Both start at once on an empty database: the migration lock makes one of them migrate.
      const started = await Promise.allSettled([startNode('A', env), startNode('B', env)]);
      for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
      for (const s of started) if (s.status === 'rejected') throw s.reason;
      [a, b] = nodes as [Node, Node];
      const { stdout } = await run(
        process.execPath,
        [
          cli,
          'app',
          'create',
          '--name',
          'Multi-node',
          '--rp-id',
          RP_ID,
          '--origin',
          ORIGIN,
          '--json',
        ],
        { env },
      );
      const created = JSON.parse(stdout) as { app_id: string; api_key: string };
      appId = created.app_id;
      viaA = managementApi({ baseUrl: a.url, appId, apiKey: created.api_key });
      viaB = managementApi({ baseUrl: b.url, appId, apiKey: created.api_key });
    }, 120_000);

    afterAll(async () => {
      try {
        await Promise.all(nodes.map(stopNode));
      } finally {
        await db?.drop();
      }
    });

    /** Registers a passkey for a new user, every step on `node`; returns the user and device. */
    async function registered(node: Node, api: ManagementApi) {
      const externalId = `user-${crypto.randomUUID()}`;
      const device = new TestAuthenticator();
      const transactionId = await api.createRegisterTransaction(externalId);
      const hs = await start(node, appId, 'register', {
        transaction_id: transactionId,
        authenticator_attachment: 'platform',
      });
      const response = device.createCredential(hs.publicKey, { origin: ORIGIN });
      const nonce = await finish(node, appId, 'register', {
        handshake_id: hs.handshakeId,
        handshake_response: response,
        transaction_id: transactionId,
      });
      return { externalId, device, nonce };
    }

    it('runs two ready nodes on one database', async () => {
      for (const node of [a, b]) {
        const r = await fetch(`${node.url}/readyz`);
        expect(await r.json()).toEqual({ status: 'ready', storage: 'postgres' });
      }
      expect(a.url).not.toBe(b.url);
    });

    it('registers through node A, signs in through node B, and verifies the nonce through node A', async () => {
      const { externalId, device, nonce: registrationNonce } = await registered(a, viaA);
      await expect(viaA.verifyNonce(registrationNonce)).resolves.toBe(externalId);

      const transactionId = await viaB.createAuthenticateTransaction(externalId);
      const hs = await start(b, appId, 'authenticate', { transaction_id: transactionId });
      const assertion = device.getAssertion(hs.publicKey, { origin: ORIGIN });
      const nonce = await finish(b, appId, 'authenticate', {
        handshake_id: hs.handshakeId,
        handshake_response: assertion,
        transaction_id: transactionId,
      });

      await expect(viaA.verifyNonce(nonce)).resolves.toBe(externalId);
      // Used up on A means used up on B.
      await expect(viaB.verifyNonce(nonce)).rejects.toMatchObject({
        status: 401,
        body: expect.stringContaining('invalid_nonce'),
      });
    });

    it('finishes every ceremony step on the other node than the step before', async () => {
      const externalId = `user-${crypto.randomUUID()}`;
      const device = new TestAuthenticator();
      const regTx = await viaA.createRegisterTransaction(externalId);
      const regStart = await start(b, appId, 'register', {
        transaction_id: regTx,
        authenticator_attachment: 'platform',
      });
      const regNonce = await finish(a, appId, 'register', {
        handshake_id: regStart.handshakeId,
        handshake_response: device.createCredential(regStart.publicKey, { origin: ORIGIN }),
        transaction_id: regTx,
      });
      await expect(viaB.verifyNonce(regNonce)).resolves.toBe(externalId);

      const authTx = await viaA.createAuthenticateTransaction(externalId);
      const authStart = await start(b, appId, 'authenticate', { transaction_id: authTx });
      const authNonce = await finish(a, appId, 'authenticate', {
        handshake_id: authStart.handshakeId,
        handshake_response: device.getAssertion(authStart.publicKey, { origin: ORIGIN }),
        transaction_id: authTx,
      });
      await expect(viaB.verifyNonce(authNonce)).resolves.toBe(externalId);
    });

    it('verifies one nonce exactly once when 50 verifications race over both nodes', async () => {
      const { externalId, nonce } = await registered(b, viaB);
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? viaA : viaB).verifyNonce(nonce)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toEqual([{ status: 'fulfilled', value: externalId }]);
      for (const r of results) {
        if (r.status === 'rejected')
          expect(r.reason).toMatchObject({
            status: 401,
            body: expect.stringContaining('invalid_nonce'),
          });
      }
    });

    it('accepts one signed assertion once when it is sent to both nodes at the same time', async () => {
      const { externalId, device } = await registered(a, viaA);
      const hs = await start(a, appId, 'authenticate', {});
      const body = {
        handshake_id: hs.handshakeId,
        handshake_response: device.getAssertion(hs.publicKey, { origin: ORIGIN }),
      };
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          frontend(i % 2 ? a : b, appId, 'authenticate/transactions/webauthn/finish', body),
        ),
      );
      const won = results.filter((r) => r.status === 200);
      expect(won).toHaveLength(1);
      expect(
        results.filter((r) => r.status === 410 && r.body.code === 'handshake_consumed'),
      ).toHaveLength(9);
      await expect(viaB.verifyNonce(won[0]!.body.nonce!)).resolves.toBe(externalId);
    });

    it('registers one passkey when one register transaction is finished on both nodes at once', async () => {
      const externalId = `user-${crypto.randomUUID()}`;
      const transactionId = await viaA.createRegisterTransaction(externalId);
      // Two browser tabs, each talking to another node, with a device each.
      const finishes = await Promise.all(
        [a, b].map(async (node) => {
          const hs = await start(node, appId, 'register', {
            transaction_id: transactionId,
            authenticator_attachment: 'platform',
          });
          return {
            node,
            body: {
              handshake_id: hs.handshakeId,
              handshake_response: new TestAuthenticator().createCredential(hs.publicKey, {
                origin: ORIGIN,
              }),
              transaction_id: transactionId,
            },
          };
        }),
      );
      const results = await Promise.all(
        finishes.map((f) =>
          frontend(f.node, appId, 'register/transactions/webauthn/finish', f.body),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
      expect(results.find((r) => r.status === 410)?.body.code).toBe('transaction_consumed');
      expect(await viaB.listDevices(externalId)).toHaveLength(1);
    });

    it('stops a passkey revoked on node A from signing in on node B at once', async () => {
      const { externalId, device } = await registered(b, viaB);
      // The sign-in is under way on B when the passkey is revoked on A.
      const hs = await start(b, appId, 'authenticate', {});
      const assertion = device.getAssertion(hs.publicKey, { origin: ORIGIN });
      const [devAtA] = await viaA.listDevices(externalId);
      await viaA.revokeDevice(externalId, devAtA!.id);

      const refused = await frontend(b, appId, 'authenticate/transactions/webauthn/finish', {
        handshake_id: hs.handshakeId,
        handshake_response: assertion,
      });
      expect(refused).toMatchObject({ status: 401, body: { code: 'credential_not_found' } });
      expect(await viaB.listDevices(externalId)).toEqual([]);
      await expect(viaB.createAuthenticateTransaction(externalId)).rejects.toMatchObject({
        status: 409,
        body: expect.stringContaining('user_has_no_passkeys'),
      });
    });

    it('refuses an API key revoked on node A on its very next request to node B', async () => {
      const adminCall = (node: Node, method: string, path: string, body?: object) =>
        fetch(`${node.url}/v1/admin/apps/${appId}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${ADMIN_TOKEN}`,
            ...(body && { 'Content-Type': 'application/json' }),
          },
          body: body && JSON.stringify(body),
        });
      const created = await adminCall(b, 'POST', '/keys', { name: 'revoked across nodes' });
      expect(created.status).toBe(201);
      const { key, api_key } = (await created.json()) as { key: { id: string }; api_key: string };
      const withKey = (node: Node) =>
        fetch(`${node.url}/v1/apps/${appId}/users?limit=1`, {
          headers: { Authorization: `Bearer ${api_key}` },
        });
      // B has accepted the key just before it is revoked on A.
      expect((await withKey(b)).status).toBe(200);
      expect((await adminCall(a, 'DELETE', `/keys/${key.id}`)).status).toBe(200);
      for (const node of [b, a]) {
        const r = await withKey(node);
        expect([r.status, ((await r.json()) as WireBody).code]).toEqual([
          401,
          'invalid_access_token',
        ]);
      }
    });

    it('allows on node B an origin added on node A, and one added by the CLI, within a second', async () => {
      // App settings are cached per node (deploy.md "App settings cache"); a change reaches
      // the other node through the NOTIFY trigger on apps, not the staleness bound (5 s).
      const other = 'http://localhost:4000';
      const third = 'http://localhost:5000';
      const allowedOnB = async (origin: string) => {
        const r = await fetch(`${b.url}/v1/apps/${appId}/register/transactions/webauthn/start`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
        });
        return r.headers.get('access-control-allow-origin') === origin;
      };
      const within = async (origin: string, ms: number) => {
        const deadline = Date.now() + ms;
        while (Date.now() < deadline) {
          if (await allowedOnB(origin)) return true;
          await new Promise((r) => setTimeout(r, 20));
        }
        return false;
      };
      expect(await allowedOnB(other)).toBe(false);
      const patched = await fetch(`${a.url}/v1/admin/apps/${appId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ origins: [ORIGIN, other] }),
      });
      expect(patched.status).toBe(200);
      expect(await within(other, 1_000)).toBe(true);
      expect(await allowedOnB(third)).toBe(false);
      await run(
        process.execPath,
        [cli, 'app', 'update', appId, '--origin', ORIGIN, '--origin', other, '--origin', third],
        { env },
      );
      expect(await within(third, 1_000)).toBe(true);
    });

    it('purges expired rows while both nodes purge at once', async () => {
      const { stdout } = await run(
        process.execPath,
        [
          cli,
          'app',
          'create',
          '--name',
          'Short-lived',
          '--rp-id',
          RP_ID,
          '--origin',
          ORIGIN,
          '--transaction-ttl',
          '10',
          '--json',
        ],
        { env },
      );
      const shortApp = JSON.parse(stdout) as { app_id: string; api_key: string };
      const api = managementApi({
        baseUrl: a.url,
        appId: shortApp.app_id,
        apiKey: shortApp.api_key,
      });
      const transactionId = await api.createRegisterTransaction(`user-${crypto.randomUUID()}`);
      const startOn = (node: Node) =>
        frontend(node, shortApp.app_id, 'register/transactions/webauthn/start', {
          transaction_id: transactionId,
          authenticator_attachment: 'platform',
        });

      await new Promise((r) => setTimeout(r, 10_500));
      // Expired but still stored answers 410; once a node has purged it, 404.
      let answer = await startOn(b);
      for (let i = 0; i < 20 && answer.status === 410; i++) {
        await new Promise((r) => setTimeout(r, 250));
        answer = await startOn(i % 2 ? a : b);
      }
      expect(answer).toMatchObject({ status: 404, body: { code: 'transaction_not_found' } });
      for (const node of [a, b]) expect(node.output()).not.toMatch(/purge failed/);
    }, 30_000);

    it('logs no server errors on either node', () => {
      for (const node of [a, b]) expect(node.output()).not.toMatch(/"level":(50|60)/);
    });
  },
);
