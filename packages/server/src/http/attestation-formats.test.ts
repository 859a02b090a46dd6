import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsService } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TestAuthenticator,
  generateCredentialKey,
  type CredentialKey,
  type RegistrationResponseJSON,
} from '@passkeyd/test-authenticator';
import { runCommand } from '../cli/commands.js';
import { loadConfig } from '../config/config.js';
import { androidKeyStatement } from '../testing/android-key-statement.js';
import { appleStatement } from '../testing/apple-statement.js';
import {
  createMdsBlob,
  createMdsSigner,
  createSigner,
  createTestIntermediate,
  createTestRoot,
  type TestCa,
} from '../testing/attestation-fixtures.js';
import {
  tamperStatement,
  withAttestationStatement,
  type StatementBuilder,
} from '../testing/attestation-statements.js';
import { fidoU2fStatement } from '../testing/fido-u2f-statement.js';
import { createPackedAttestationKey, packedStatement } from '../testing/packed-statement.js';
import { createTpmAik, tpmStatement } from '../testing/tpm-statement.js';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../storage/scratch-postgres.js';

/**
 * Issue 14 item 3, format by format: registrations whose `packed`, `tpm`, `android-key`,
 * `apple` and `fido-u2f` statements the tests build on a private PKI, verified by
 * SimpleWebAuthn and then judged by the app's policy against a test MDS BLOB
 * (attestation-policy.test.ts covers the policy rules themselves).
 *
 * Roots: `vendor` is the one the BLOB names for each model; `rogue` is a root SimpleWebAuthn
 * accepts for the format but the BLOB does not name (so only passkeyd's MDS check can refuse
 * it); `unknown` is trusted by neither.
 */

const ORIGIN = 'http://localhost:3000';
const PACKED_AAGUID = '2a2b2c2d-1111-4222-8333-444444444444';
const TPM_AAGUID = '3a3b3c3d-1111-4222-8333-444444444444';
const ANDROID_AAGUID = '4a4b4c4d-1111-4222-8333-444444444444';
const APPLE_AAGUID = '5a5b5c5d-1111-4222-8333-444444444444';
const U2F_AAGUID = '00000000-0000-0000-0000-000000000000';

type Root = 'vendor' | 'rogue' | 'unknown';

interface Pki {
  roots: Record<Root, TestCa>;
  /** An intermediate under each root, as phones' and TPMs' chains have. */
  intermediates: Record<Root, TestCa>;
}

/** A format under test: how to build its statement, and which attStmt field a tamper hits. */
interface FormatCase {
  fmt: string;
  label: string;
  aaguid: string;
  alg: 'ES256' | 'RS256';
  /** `wrong`: correctly signed, but bound to data other than this ceremony's. */
  build(pki: Pki, root: Root, wrong?: boolean): Promise<StatementBuilder>;
  tamperField: string;
  /** SimpleWebAuthn checks this format's chain against Google's or Apple's roots itself. */
  vendorRootsInLibrary: boolean;
}

const FORMATS: FormatCase[] = [
  {
    fmt: 'packed',
    label: 'packed (x5c through an intermediate)',
    aaguid: PACKED_AAGUID,
    alg: 'ES256',
    build: async (pki, root, wrong) =>
      packedStatement(
        await createPackedAttestationKey(pki.intermediates[root], PACKED_AAGUID, [
          pki.intermediates[root],
        ]),
        { wrongSignedData: !!wrong },
      ),
    tamperField: 'sig',
    vendorRootsInLibrary: false,
  },
  {
    fmt: 'tpm',
    label: 'tpm (ECC P-256 credential key)',
    aaguid: TPM_AAGUID,
    alg: 'ES256',
    build: async (pki, root, wrong) => {
      const aik = await createTpmAik(pki.intermediates[root], TPM_AAGUID, {
        chain: [pki.intermediates[root]],
      });
      return tpmStatement(aik, { wrongExtraData: !!wrong });
    },
    tamperField: 'certInfo',
    vendorRootsInLibrary: false,
  },
  {
    fmt: 'tpm',
    label: 'tpm (RSA credential key, RS256 AIK as Windows Hello has)',
    aaguid: TPM_AAGUID,
    alg: 'RS256',
    build: async (pki, root, wrong) => {
      const aik = await createTpmAik(pki.intermediates[root], TPM_AAGUID, {
        chain: [pki.intermediates[root]],
        keyType: 'RSA',
      });
      return tpmStatement(aik, { wrongExtraData: !!wrong });
    },
    tamperField: 'sig',
    vendorRootsInLibrary: false,
  },
  {
    fmt: 'android-key',
    label: 'android-key',
    aaguid: ANDROID_AAGUID,
    alg: 'ES256',
    build: async (pki, root, wrong) =>
      androidKeyStatement({
        issuer: pki.intermediates[root],
        chain: [pki.intermediates[root], pki.roots[root]],
        wrongChallenge: !!wrong,
      }),
    tamperField: 'sig',
    vendorRootsInLibrary: true,
  },
  {
    fmt: 'apple',
    label: 'apple',
    aaguid: APPLE_AAGUID,
    alg: 'ES256',
    build: async (pki, root, wrong) =>
      appleStatement({
        issuer: pki.intermediates[root],
        chain: [pki.intermediates[root]],
        wrongNonce: !!wrong,
      }),
    tamperField: 'x5c',
    vendorRootsInLibrary: true,
  },
];

function formatSuite(label: string, databaseUrl: () => string | undefined) {
  let server: TestServer;
  let dir: string;
  let pki: Pki;
  const keys = new Map<string, CredentialKey>();
  const libraryRoots = new Map<'android-key' | 'apple', string[]>();

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

  const appWith = async (policy: Record<string, unknown>) => {
    const created = await admin('POST', '/apps', {
      name: `formats ${JSON.stringify(policy)}`,
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

  /**
   * A registration over HTTP whose statement `build` makes; `edit` changes the finished
   * response before it is sent.
   */
  const register = async (
    client: CeremonyClient,
    device: TestAuthenticator,
    alg: 'ES256' | 'RS256',
    build: StatementBuilder,
    externalId: string,
    edit: (r: RegistrationResponseJSON) => RegistrationResponseJSON = (r) => r,
  ) => {
    // RSA key generation is slow; one key per algorithm serves every registration.
    const key = keys.get(alg) ?? generateCredentialKey(alg);
    keys.set(alg, key);
    const tx = await client.createRegisterTransaction(externalId);
    const start = await client.startRegistration(tx);
    const plain = device.createCredential(start.handshake.challenge.publicKey, {
      origin: ORIGIN,
      key,
      attestation: 'none',
    });
    const response = edit(await withAttestationStatement(plain, key, build));
    const finish = await client.finishRegistration(start.handshake.id, response, tx);
    return { finish, credentialId: plain.id };
  };

  const device = (aaguid: string) => new TestAuthenticator({ aaguid, backupEligible: false });

  beforeAll(async () => {
    server = await startTestServer({
      origins: [ORIGIN],
      ...(databaseUrl() ? { databaseUrl: databaseUrl()! } : {}),
    });
    dir = mkdtempSync(join(tmpdir(), 'passkeyd-formats-'));
    const roots = {
      vendor: await createTestRoot('Test vendor root'),
      rogue: await createTestRoot('Rogue vendor root'),
      unknown: await createTestRoot('Unknown root'),
    };
    pki = {
      roots,
      intermediates: {
        vendor: await createTestIntermediate(roots.vendor, 'Test vendor attestation CA'),
        rogue: await createTestIntermediate(roots.rogue, 'Rogue attestation CA'),
        unknown: await createTestIntermediate(roots.unknown, 'Unknown attestation CA'),
      },
    };
    // SimpleWebAuthn verifies android-key and apple chains against Google's and Apple's roots,
    // which test certificates cannot chain to: stand-ins replace them for this test process
    // (vitest runs each file in its own), as PASSKEYD_MDS_ROOT_CERT replaces FIDO's root below.
    for (const fmt of ['android-key', 'apple'] as const) {
      libraryRoots.set(fmt, SettingsService.getRootCertificates({ identifier: fmt }));
      SettingsService.setRootCertificates({
        identifier: fmt,
        certificates: [roots.vendor, roots.rogue].map((r) => new Uint8Array(r.cert.rawData)),
      });
    }
    const mdsRoot = await createTestRoot('Test MDS root');
    const blob = await createMdsBlob(await createMdsSigner(mdsRoot), {
      no: 3,
      entries: [
        { aaguid: PACKED_AAGUID, description: 'Test security key', roots: [roots.vendor] },
        { aaguid: TPM_AAGUID, description: 'Test TPM', roots: [roots.vendor] },
        {
          aaguid: ANDROID_AAGUID,
          description: 'Test Android phone',
          roots: [roots.vendor],
          statuses: ['FIDO_CERTIFIED_L1'],
        },
        { aaguid: APPLE_AAGUID, description: 'Test Apple device', roots: [roots.vendor] },
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
  });
  afterAll(async () => {
    for (const [fmt, certificates] of libraryRoots)
      SettingsService.setRootCertificates({ identifier: fmt, certificates });
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const f of FORMATS) {
    describe(`${f.label} attestation (${label})`, () => {
      const allowListed = () =>
        appWith({ attestation: 'direct', aaguid_policy: 'allow', aaguids: [f.aaguid] });

      it('should accept an allow-listed AAGUID whose statement chains to the BLOB’s root, and store the format', async () => {
        const { appId, client } = await allowListed();
        const d = device(f.aaguid);
        const { finish, credentialId } = await register(
          client,
          d,
          f.alg,
          await f.build(pki, 'vendor'),
          'attested',
        );
        expect(finish.status, JSON.stringify(finish.body)).toBe(200);
        expect((await client.verifyNonce(finish.body.nonce)).body).toMatchObject({
          external_id: 'attested',
          credential_id: credentialId,
        });
        // The model records the verified statement's format (a passkey registered under an
        // allow-list has, by docs/attestation.md step 5, a chain to the BLOB's roots).
        const stored = await server.server.storage.credentials.findByCredentialId(
          appId,
          credentialId,
        );
        expect(stored).toMatchObject({ attestationFormat: f.fmt, aaguid: f.aaguid });
        // The key the statement attested is the one sign-in verifies with.
        const signIn = await client.authenticate(d, 'attested');
        expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
      });

      it('should refuse a statement whose chain ends at a root the BLOB does not name for the AAGUID', async () => {
        const { appId, client } = await allowListed();
        const { finish } = await register(
          client,
          device(f.aaguid),
          f.alg,
          await f.build(pki, 'rogue'),
          'rogue',
        );
        expect(finish.status, JSON.stringify(finish.body)).toBe(403);
        expect(finish.body).toMatchObject({ code: 'authenticator_not_allowed' });
        const events = await admin('GET', `/apps/${appId}/events?type=passkey_register_refused`);
        expect(events.body.events).toMatchObject([
          { detail: `aaguid ${f.aaguid}: attestation_untrusted` },
        ]);
      });

      it('should refuse a statement with one byte changed', async () => {
        const { client } = await allowListed();
        const { finish } = await register(
          client,
          device(f.aaguid),
          f.alg,
          await f.build(pki, 'vendor'),
          'tampered',
          (r) => tamperStatement(r, f.tamperField),
        );
        expect(finish.status).toBe(400);
        expect(finish.body).toMatchObject({ code: 'webauthn_registration_failed' });
      });

      it('should refuse a correctly signed statement bound to another ceremony', async () => {
        const { client } = await allowListed();
        const { finish } = await register(
          client,
          device(f.aaguid),
          f.alg,
          await f.build(pki, 'vendor', true),
          'replayed',
        );
        expect(finish.status).toBe(400);
        expect(finish.body).toMatchObject({ code: 'webauthn_registration_failed' });
      });

      if (f.vendorRootsInLibrary) {
        it('should refuse, with no policy at all, a chain to a root that is not the platform vendor’s', async () => {
          const { client } = await appWith({ attestation: 'direct' });
          const { finish } = await register(
            client,
            device(f.aaguid),
            f.alg,
            await f.build(pki, 'unknown'),
            'unknown-root',
          );
          expect(finish.status).toBe(400);
          expect(finish.body).toMatchObject({ code: 'webauthn_registration_failed' });
        });
      }
    });
  }

  describe(`android-key specifics (${label})`, () => {
    it('should refuse a key every app may use (allApplications), as WebAuthn §8.4.1 requires', async () => {
      const { client } = await appWith({ attestation: 'direct' });
      const { finish } = await register(
        client,
        device(ANDROID_AAGUID),
        'ES256',
        androidKeyStatement({
          issuer: pki.intermediates.vendor,
          chain: [pki.intermediates.vendor, pki.roots.vendor],
          allApplications: true,
        }),
        'all-apps',
      );
      expect(finish.status).toBe(400);
      expect(finish.body).toMatchObject({ code: 'webauthn_registration_failed' });
    });

    it('should accept a FIDO certified model under certified-only', async () => {
      const { client } = await appWith({ attestation: 'direct', require_fido_certified: true });
      const { finish } = await register(
        client,
        device(ANDROID_AAGUID),
        'ES256',
        await FORMATS.find((f) => f.fmt === 'android-key')!.build(pki, 'vendor'),
        'certified',
      );
      expect(finish.status, JSON.stringify(finish.body)).toBe(200);
    });
  });

  describe(`fido-u2f attestation (${label})`, () => {
    const u2fKey = (root: Root) =>
      createSigner(pki.intermediates[root], {
        subject: 'CN=Test U2F batch attestation, O=passkeyd tests, C=US',
        chain: [pki.intermediates[root]],
      });

    it('should accept a verified statement where the app has no allow-list, and store the format', async () => {
      const { appId, client } = await appWith({
        attestation: 'direct',
        aaguid_policy: 'deny',
        aaguids: [TPM_AAGUID],
      });
      const d = device(U2F_AAGUID);
      const { finish, credentialId } = await register(
        client,
        d,
        'ES256',
        fidoU2fStatement(await u2fKey('vendor')),
        'u2f',
      );
      expect(finish.status, JSON.stringify(finish.body)).toBe(200);
      const stored = await server.server.storage.credentials.findByCredentialId(
        appId,
        credentialId,
      );
      expect(stored).toMatchObject({ attestationFormat: 'fido-u2f', aaguid: U2F_AAGUID });
      expect((await client.authenticate(d, 'u2f')).status).toBe(200);
    });

    it('should refuse a statement with one byte changed, or signed over the wrong data', async () => {
      const { client } = await appWith({ attestation: 'direct' });
      const key = await u2fKey('vendor');
      const tampered = await register(
        client,
        device(U2F_AAGUID),
        'ES256',
        fidoU2fStatement(key),
        'u2f-tampered',
        (r) => tamperStatement(r, 'sig'),
      );
      expect(tampered.finish.body).toMatchObject({ code: 'webauthn_registration_failed' });
      const wrong = await register(
        client,
        device(U2F_AAGUID),
        'ES256',
        fidoU2fStatement(key, { wrongSignatureBase: true }),
        'u2f-wrong',
      );
      expect(wrong.finish.status).toBe(400);
      expect(wrong.finish.body).toMatchObject({ code: 'webauthn_registration_failed' });
    });

    it('should refuse it under an allow-list even of the all-zero AAGUID: MDS has no entry by it', async () => {
      const { appId, client } = await appWith({
        attestation: 'direct',
        aaguid_policy: 'allow',
        aaguids: [U2F_AAGUID],
      });
      const { finish } = await register(
        client,
        device(U2F_AAGUID),
        'ES256',
        fidoU2fStatement(await u2fKey('vendor')),
        'u2f-allow',
      );
      expect(finish.status).toBe(403);
      expect(finish.body).toMatchObject({ code: 'authenticator_not_allowed' });
      const events = await admin('GET', `/apps/${appId}/events?type=passkey_register_refused`);
      expect(events.body.events).toMatchObject([
        { detail: `aaguid ${U2F_AAGUID}: not_in_metadata` },
      ]);
    });
  });
}

formatSuite('SQLite', () => undefined);

const probe = await probePostgres(process.env);
describeWithPostgres(probe, process.env, 'attestation formats, PostgreSQL', (adminUrl) => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'formats');
  });
  afterAll(async () => {
    await db?.drop();
  });
  formatSuite('PostgreSQL', () => db.url);
});
