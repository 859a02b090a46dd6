import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../storage/scratch-postgres.js';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';

const ORIGIN = 'http://localhost:3000';
const probe = await probePostgres(process.env);

interface Sent {
  sql: string;
  inTransaction: boolean;
}

/**
 * What one request cost the database: round trips (statements sent) and commits (explicit
 * COMMITs plus statements run outside a transaction, each its own implicit one). The app row is
 * left out: how the http layer obtains it (frontend-cors.ts, getApp) is the app-settings cache's
 * business, not the ceremony's.
 */
function cost(sent: Sent[]): { roundTrips: number; commits: number } {
  const own = sent.filter((s) => !/from "apps"/i.test(s.sql));
  const word = (s: Sent) => s.sql.trimStart().slice(0, 8).toLowerCase();
  return {
    roundTrips: own.length,
    commits: own.filter((s) =>
      word(s).startsWith('commit')
        ? true
        : !s.inTransaction && !word(s).startsWith('begin') && !word(s).startsWith('rollback'),
    ).length,
  };
}

/**
 * Issue 13: every HTTP request of a ceremony (B1/B2, F1/F3, F2/F4, B3 in passage-wire.md) makes at
 * most one database round trip and at most one commit: one statement on PostgreSQL, one short
 * transaction on SQLite (where a "round trip" is a statement on the one in-process connection,
 * so the transaction is what counts).
 */
function suite(engine: string, databaseUrl: () => string | undefined) {
  describe(`${engine}: database cost per ceremony request`, () => {
    let server: TestServer;
    let client: CeremonyClient;
    let sent: Sent[] = [];
    beforeAll(async () => {
      const url = databaseUrl();
      server = await startTestServer({
        origins: [ORIGIN],
        ...(url ? { databaseUrl: url } : {}),
        observeStorage: (sql, inTransaction) => sent.push({ sql, inTransaction }),
        // The webhook dispatcher's claims are the node's background work, not the request's
        // (at most one per 50 ms however busy: docs/architecture.md); left running, one lands in
        // a request's window now and then and is counted against it.
        env: { PASSKEYD_WEBHOOKS: 'false' },
      });
      client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    });
    afterAll(() => server?.close());

    const measured = async <T>(
      what: string,
      request: () => Promise<T>,
      costs: { what: string; roundTrips: number; commits: number }[],
    ) => {
      sent = [];
      const r = await request();
      costs.push({ what, ...cost(sent) });
      return r;
    };
    // SQLite runs in-process on one connection, so its unit is the transaction (commits);
    // PostgreSQL's is the statement sent (round trips) as well.
    const atMostOne = (costs: { roundTrips: number; commits: number }[]) =>
      costs.map((c) => ({
        ...c,
        roundTrips: engine === 'sqlite' ? c.roundTrips : Math.min(c.roundTrips, 1),
        commits: Math.min(c.commits, 1),
      }));

    it('registers, signs in with and without a transaction, and redeems, each request at one round trip and one commit', async () => {
      const costs: { what: string; roundTrips: number; commits: number }[] = [];
      const device = new TestAuthenticator();
      const regTx = await measured('B1', () => client.createRegisterTransaction('rt-user'), costs);
      const regStart = await measured('F1', () => client.startRegistration(regTx), costs);
      const created = device.createCredential(regStart.handshake.challenge.publicKey, {
        origin: ORIGIN,
      });
      const regFinish = await measured(
        'F2',
        () => client.finishRegistration(regStart.handshake.id, created, regTx),
        costs,
      );
      expect(regFinish.status).toBe(200);
      expect(
        (await measured('B3', () => client.verifyNonce(regFinish.body.nonce), costs)).status,
      ).toBe(200);

      const authTx = await measured(
        'B2',
        () => client.createAuthenticateTransaction('rt-user'),
        costs,
      );
      const authStart = await measured('F3', () => client.startAuthentication(authTx), costs);
      const assertion = device.getAssertion(authStart.handshake.challenge.publicKey, {
        origin: ORIGIN,
      });
      const authFinish = await measured(
        'F4',
        () => client.finishAuthentication(authStart.handshake.id, assertion, authTx),
        costs,
      );
      expect(authFinish.status).toBe(200);
      expect(
        (await measured('B3', () => client.verifyNonce(authFinish.body.nonce), costs)).status,
      ).toBe(200);

      const discStart = await measured(
        'F3 discoverable',
        () => client.startAuthentication(),
        costs,
      );
      const discAssertion = device.getAssertion(discStart.handshake.challenge.publicKey, {
        origin: ORIGIN,
      });
      const discFinish = await measured(
        'F4 discoverable',
        () => client.finishAuthentication(discStart.handshake.id, discAssertion),
        costs,
      );
      expect(discFinish.status).toBe(200);

      // A refused finish (a replayed assertion: its handshake is spent) is one round trip too.
      const replay = await measured(
        'F4 refused',
        () => client.finishAuthentication(discStart.handshake.id, discAssertion),
        costs,
      );
      expect(replay.status).toBe(410);

      expect(costs.map((c) => c.what)).toHaveLength(11);
      // Every request wrote: none got away with no statement at all.
      expect(costs.every((c) => c.commits === 1)).toBe(true);
      expect(costs).toEqual(atMostOne(costs));
    });
  });
}

suite('sqlite', () => undefined);

describeWithPostgres(probe, process.env, 'on PostgreSQL', (adminUrl) => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'roundtrips');
  });
  afterAll(async () => {
    await db?.drop();
  });
  suite('postgres', () => db.url);
});
