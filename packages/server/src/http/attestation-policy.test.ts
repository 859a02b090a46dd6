import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { runCommand } from '../cli/commands.js';
import { loadConfig } from '../config/config.js';
import {
  createAttestationCertificate,
  createMdsBlob,
  createMdsSigner,
  createTestRoot,
  type TestCa,
} from '../testing/attestation-fixtures.js';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../storage/scratch-postgres.js';

/**
 * Issue 14 item 3 end to end: `passkeyd mds import` of a BLOB from a test PKI, app policies set
 * through the admin API, and registrations over HTTP by test authenticators whose packed
 * attestation chains (or does not) to the vendor roots the BLOB names.
 */

const ORIGIN = 'http://localhost:3000';
const CERTIFIED = '11111111-2222-4333-8444-555555555555';
const UNCERTIFIED = '22222222-3333-4444-8555-666666666666';
const UNLISTED = '33333333-4444-4555-8666-777777777777';

function policySuite(label: string, databaseUrl: () => string | undefined) {
  let server: TestServer;
  let dir: string;
  let vendor: TestCa;
  let rogueVendor: TestCa;

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.baseUrl}/v1/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** A fresh app with `policy`, and a client for it. */
  const appWith = async (policy: Record<string, unknown>) => {
    const created = await admin('POST', '/apps', {
      name: `policy ${JSON.stringify(policy)}`,
      rp_id: 'localhost',
      origins: [ORIGIN],
      ...policy,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const app = created.body.app as { id: string };
    return {
      appId: app.id,
      client: new CeremonyClient(server.baseUrl, app.id, created.body.api_key as string, ORIGIN),
    };
  };

  /** A security key of model `aaguid` whose attestation certificate `root` issued. */
  const securityKey = async (aaguid: string, root: TestCa = vendor) =>
    new TestAuthenticator({
      aaguid,
      backupEligible: false,
      attestationCertificate: await createAttestationCertificate(root, aaguid),
    });

  beforeAll(async () => {
    server = await startTestServer({
      origins: [ORIGIN],
      ...(databaseUrl() ? { databaseUrl: databaseUrl()! } : {}),
    });
    dir = mkdtempSync(join(tmpdir(), 'passkeyd-attest-'));
    const mdsRoot = await createTestRoot('Test MDS root');
    vendor = await createTestRoot('Test vendor root');
    rogueVendor = await createTestRoot('Rogue vendor root');
    const blob = await createMdsBlob(await createMdsSigner(mdsRoot), {
      no: 7,
      entries: [
        {
          aaguid: CERTIFIED,
          description: 'Certified Key',
          roots: [vendor],
          statuses: ['FIDO_CERTIFIED_L1'],
        },
        { aaguid: UNCERTIFIED, description: 'Uncertified Key', roots: [vendor], statuses: [] },
      ],
    });
    writeFileSync(join(dir, 'root.pem'), mdsRoot.pem);
    writeFileSync(join(dir, 'blob.jwt'), blob);
    const out: string[] = [];
    const code = await runCommand(['mds', 'import', join(dir, 'blob.jwt'), '--json'], {
      config: loadConfig({
        DATABASE_URL: server.config.databaseUrl,
        PASSKEYD_MDS_ROOT_CERT: join(dir, 'root.pem'),
      }),
      stdout: (s) => out.push(s),
      stderr: (s) => out.push(s),
    });
    expect(code, out.join('')).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ no: 7, entries: 2 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe(`authenticator policy (${label})`, () => {
    it('should ask for the app’s attestation conveyance in the registration options', async () => {
      for (const attestation of ['none', 'direct', 'enterprise'] as const) {
        const { client } = await appWith({ attestation });
        const start = await client.startRegistration(
          await client.createRegisterTransaction(`conveyance-${attestation}`),
        );
        expect(start.handshake.challenge.publicKey.attestation).toBe(attestation);
      }
    });

    it('should accept an allow-listed authenticator whose attestation chains to its MDS roots', async () => {
      const { client } = await appWith({
        attestation: 'direct',
        aaguid_policy: 'allow',
        aaguids: [CERTIFIED.toUpperCase()],
      });
      const finish = await client.register(await securityKey(CERTIFIED), 'allowed');
      expect(finish.status, JSON.stringify(finish.body)).toBe(200);
      expect((await client.verifyNonce(finish.body.nonce)).body).toMatchObject({
        external_id: 'allowed',
      });
    });

    it('should refuse an authenticator not on the allow-list, and record the AAGUID', async () => {
      const { appId, client } = await appWith({
        attestation: 'direct',
        aaguid_policy: 'allow',
        aaguids: [CERTIFIED],
      });
      const finish = await client.register(await securityKey(UNCERTIFIED), 'not-listed');
      expect(finish.status).toBe(403);
      expect(finish.body).toMatchObject({ code: 'authenticator_not_allowed' });
      const events = await admin('GET', `/apps/${appId}/events?type=passkey_register_refused`);
      expect(events.status).toBe(200);
      expect(events.body.events).toMatchObject([
        { type: 'passkey_register_refused', detail: `aaguid ${UNCERTIFIED}: not_allowed` },
      ]);
    });

    it('should refuse a listed AAGUID whose attestation is not verified (self-asserted AAGUID)', async () => {
      const { client } = await appWith({
        attestation: 'direct',
        aaguid_policy: 'allow',
        aaguids: [CERTIFIED],
      });
      // Self attestation: the right AAGUID, claimed by a key no vendor certified.
      const selfAttested = new TestAuthenticator({ aaguid: CERTIFIED });
      const self = await client.register(selfAttested, 'self-attested', { attestation: 'packed' });
      expect(self.body).toMatchObject({ code: 'authenticator_not_allowed' });
      const none = await client.register(selfAttested, 'no-attestation', { attestation: 'none' });
      expect(none.body).toMatchObject({ code: 'authenticator_not_allowed' });
      // A certificate of a root the BLOB does not name for this AAGUID.
      const rogue = await client.register(await securityKey(CERTIFIED, rogueVendor), 'rogue');
      expect(rogue.status).toBe(403);
      expect(rogue.body).toMatchObject({ code: 'authenticator_not_allowed' });
    });

    it('should refuse a deny-listed authenticator and accept others', async () => {
      const { client } = await appWith({ aaguid_policy: 'deny', aaguids: [UNLISTED] });
      const denied = await client.register(new TestAuthenticator({ aaguid: UNLISTED }), 'denied');
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({ code: 'authenticator_not_allowed' });
      const other = await client.register(new TestAuthenticator({ aaguid: CERTIFIED }), 'other');
      expect(other.status).toBe(200);
    });

    it('should, with certified-only, accept a FIDO certified model and refuse the rest', async () => {
      const { client } = await appWith({ attestation: 'direct', require_fido_certified: true });
      const certified = await client.register(await securityKey(CERTIFIED), 'certified');
      expect(certified.status, JSON.stringify(certified.body)).toBe(200);
      const uncertified = await client.register(await securityKey(UNCERTIFIED), 'uncertified');
      expect(uncertified.status).toBe(403);
      expect(uncertified.body).toMatchObject({ code: 'authenticator_not_allowed' });
      const unknown = await client.register(await securityKey(UNLISTED), 'not-in-mds');
      expect(unknown.body).toMatchObject({ code: 'authenticator_not_allowed' });
    });

    it('should list the AAGUID table’s authenticator names for the console', async () => {
      const r = await admin('GET', '/authenticators');
      expect(r.status).toBe(200);
      const list = r.body.authenticators as { aaguid: string; name: string }[];
      expect(list.find((a) => a.aaguid === 'ee882879-721c-4913-9775-3dfcce97072a')?.name).toMatch(
        /YubiKey/,
      );
    });

    it('should refuse an allow-list or certified-only under attestation none with 400', async () => {
      for (const policy of [
        { aaguid_policy: 'allow', aaguids: [CERTIFIED] },
        { require_fido_certified: true },
      ]) {
        const r = await admin('POST', '/apps', {
          name: 'bad policy',
          rp_id: 'localhost',
          origins: [ORIGIN],
          ...policy,
        });
        expect(r.status).toBe(400);
        expect(r.body).toMatchObject({ code: 'invalid_request' });
      }
      const { appId } = await appWith({});
      const patched = await admin('PATCH', `/apps/${appId}`, { aaguid_policy: 'allow' });
      expect(patched.body).toMatchObject({ code: 'invalid_request' });
      const ok = await admin('PATCH', `/apps/${appId}`, {
        attestation: 'enterprise',
        aaguid_policy: 'allow',
        aaguids: [CERTIFIED],
      });
      expect(ok.status).toBe(200);
      expect(ok.body.app).toMatchObject({
        attestation: 'enterprise',
        aaguid_policy: 'allow',
        aaguids: [CERTIFIED],
        require_fido_certified: false,
      });
    });
  });
}

policySuite('SQLite', () => undefined);

const probe = await probePostgres(process.env);
describeWithPostgres(probe, process.env, 'authenticator policy, PostgreSQL', (adminUrl) => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'attest');
  });
  afterAll(async () => {
    await db?.drop();
  });
  policySuite('PostgreSQL', () => db.url);
});
