import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
} from '../storage/scratch-postgres.js';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';

/**
 * Properties the security of passkeyd rests on, each tested so that breaking the one check that
 * gives it fails a test (issue 12, "Tests that security rests on"), on both engines.
 */

const ORIGIN = 'http://localhost:3000';
const code = (r: { body: unknown }) => (r.body as { code?: string }).code;

function suite(open: () => Promise<{ databaseUrl?: string; drop(): Promise<void> }>) {
  let server: TestServer;
  let client: CeremonyClient;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await open();
    drop = db.drop;
    server = await startTestServer({
      origins: [ORIGIN],
      ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}),
    });
    client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  const admin = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    client.request<T>(method, `/admin/apps/${server.appId}${path}`, {
      ...(body === undefined ? {} : { body }),
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
  /** Any management call will do: B4 needs a key and nothing else. */
  const withKey = (apiKey: string) => client.backend('GET', '/users?limit=1', undefined, apiKey);

  describe('API keys', () => {
    it('refuses a key with a known prefix and a wrong secret → 401 invalid_access_token', async () => {
      // pkd_<8-char prefix>_<43-char secret>: the prefix finds the row, only the secret proves it.
      const [, prefix] = /^(pkd_[A-Za-z0-9_-]{8})_/.exec(server.apiKey)!;
      let forged: string;
      do forged = `${prefix}_${randomBytes(32).toString('base64url')}`;
      while (forged === server.apiKey);
      const r = await withKey(forged);
      expect([r.status, code(r)]).toEqual([401, 'invalid_access_token']);
      // One character off is as wrong as all of them.
      const last = server.apiKey.at(-1) === 'A' ? 'B' : 'A';
      const nearMiss = await withKey(`${server.apiKey.slice(0, -1)}${last}`);
      expect([nearMiss.status, code(nearMiss)]).toEqual([401, 'invalid_access_token']);
      expect((await withKey(server.apiKey)).status).toBe(200);
    });

    it('refuses a revoked key on its very next request → 401 invalid_access_token', async () => {
      const created = await admin<{ key: { id: string }; api_key: string }>('POST', '/keys', {
        name: 'to be revoked',
      });
      expect(created.status).toBe(201);
      const { key, api_key } = created.body;
      expect((await withKey(api_key)).status).toBe(200);
      expect((await admin('DELETE', `/keys/${key.id}`)).status).toBe(200);
      const next = await withKey(api_key);
      expect([next.status, code(next)]).toEqual([401, 'invalid_access_token']);
      // Revoking one key leaves the others working.
      expect((await withKey(server.apiKey)).status).toBe(200);
    });
  });

  describe('the sign counter', () => {
    it('issues exactly one nonce when assertions with one counter value race (a cloned authenticator)', async () => {
      const device = new TestAuthenticator();
      expect((await client.register(device, 'race-counter')).status).toBe(200);
      // Every assertion is valid on its own, for its own challenge, and carries counter 1 (the
      // stored one is 0). The handshakes differ, so only the counter condition in the sign-in
      // statement (storage.ceremonies.completeSignIn) can tell the racers apart.
      const RACERS = 12;
      const attempts = await Promise.all(
        Array.from({ length: RACERS }, async () => {
          const start = await client.startAuthentication();
          return {
            handshakeId: start.handshake.id,
            response: device.getAssertion(start.handshake.challenge.publicKey, {
              origin: ORIGIN,
              tamper: { signCount: 1 },
            }),
          };
        }),
      );
      // Hold every finish just before its one storage statement until all have reached it, so
      // the statements truly overlap: better-sqlite3 answers synchronously and would otherwise
      // run one finish to its end before the next request is parsed, and PostgreSQL's timing
      // varies. Every racer has verified its signature by then; only the counter condition in
      // the statement's UPDATE can tell them apart.
      const ceremonies = server.server.storage.ceremonies;
      const complete = ceremonies.completeSignIn;
      let reads = 0;
      let allRead!: () => void;
      const barrier = new Promise<void>((resolve) => (allRead = resolve));
      ceremonies.completeSignIn = async (...args) => {
        if (++reads === RACERS) allRead();
        await Promise.race([barrier, new Promise((r) => setTimeout(r, 5_000))]);
        return complete(...args);
      };
      const results = await Promise.all(
        attempts.map((a) => client.finishAuthentication(a.handshakeId, a.response)),
      ).finally(() => (ceremonies.completeSignIn = complete));
      expect(reads).toBe(RACERS);
      const won = results.filter((r) => r.status === 200);
      expect(won).toHaveLength(1);
      for (const r of results)
        if (r.status !== 200) expect([r.status, code(r)]).toEqual([401, 'counter_regression']);
      expect((await client.verifyNonce(won[0]!.body.nonce)).body).toMatchObject({
        external_id: 'race-counter',
        ceremony: 'authenticate',
      });
      // The user's record agrees: one sign-in, one use of the passkey.
      const users = await client.backend<{ users: { id: string; login_count: number }[] }>(
        'GET',
        '/users?identifier=race-counter',
      );
      expect(users.body.users[0]!.login_count).toBe(1);
      const devices = await client.backend<{ devices: { usage_count: number }[] }>(
        'GET',
        `/users/${users.body.users[0]!.id}/devices`,
      );
      expect(devices.body.devices[0]!.usage_count).toBe(1);
    });
  });
}

describe('sqlite: security properties', () => suite(async () => ({ drop: async () => {} })));

describeWithPostgres(
  await probePostgres(process.env),
  process.env,
  'postgres: security properties',
  (url) =>
    suite(async () => {
      const db = await createScratchDatabase(url, 'secprops');
      return { databaseUrl: db.url, drop: db.drop };
    }),
);
