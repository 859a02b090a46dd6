import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCredentialKey, type CredentialKey } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStorage } from '../../storage/postgres.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../../storage/scratch-postgres.js';
import { openSqliteStorage } from '../../storage/sqlite.js';
import { createApp } from '../apps/apps.js';
import type { Clock, Storage } from '../ports.js';
import type { App } from '../types.js';
import { exportPasskeys } from './export-passkeys.js';
import { importPasskeys } from './import-passkeys.js';
import { parseSource } from './records.js';

/**
 * Import and export against both engines: the bulk statements are portable SQL, and the
 * idempotency rules are only worth something if they hold on the database operators use.
 */

const clock: Clock = { now: () => Date.parse('2026-01-20T10:00:00Z') };
const GPM = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');

let keys: CredentialKey[];
beforeAll(() => {
  keys = [
    generateCredentialKey('ES256'),
    generateCredentialKey('ES256'),
    generateCredentialKey('EdDSA'),
  ];
});

async function* chunks(text: string) {
  yield Buffer.from(text);
}
const source = (lines: (object | string)[]) =>
  parseSource(chunks(lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')));

async function collect(gen: AsyncGenerator<string>): Promise<string> {
  let out = '';
  for await (const s of gen) out += s;
  return out;
}

function userLine(externalId: string, handle: string, creds: object[]) {
  return { external_id: externalId, user_handle: handle, credentials: creds };
}
function cred(id: string, key: CredentialKey, extra: object = {}) {
  return { credential_id: b64u(id), public_key_cose: b64u(key.publicKeyCose), ...extra };
}

function describeImport(
  engine: string,
  open: () => Promise<{ storage: Storage; cleanup(): Promise<void> }>,
) {
  describe(`${engine}: importing and exporting passkeys`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let app: App;
    const deps = () => ({ storage, clock });

    beforeAll(async () => {
      ({ storage, cleanup } = await open());
    });
    afterAll(async () => {
      await cleanup?.();
    });
    beforeEach(async () => {
      ({ app } = await createApp(
        { name: 'Shop', rpId: 'shop.example', origins: ['https://shop.example'] },
        deps(),
      ));
    });

    it('imports users and their passkeys, and a re-run skips every one of them and says so', async () => {
      const lines = [
        userLine('alice', b64u('handle-alice'), [
          cred('cred-a1', keys[0]!, {
            sign_count: 7,
            transports: ['internal', 'hybrid'],
            backup_eligible: true,
            backup_state: true,
            display_name: 'Work laptop',
          }),
          cred('cred-a2', keys[2]!),
        ]),
        userLine('bob', b64u('handle-bob'), [
          {
            credential_id: b64u('cred-b1'),
            public_key_spki: b64u(keys[1]!.publicKeySpki),
            alg: 'ES256',
            aaguid: GPM,
          },
        ]),
      ];
      const first = await importPasskeys(app, source(lines), deps());
      expect(first).toMatchObject({
        records: 2,
        users_created: 2,
        users_existing: 0,
        credentials_imported: 3,
        credentials_skipped: 0,
        credentials_invalid: 0,
        records_invalid: 0,
        issues: [],
      });

      const alice = (await storage.users.findByExternalId(app.id, 'alice'))!;
      expect(alice.webauthnUserId).toBe(b64u('handle-alice'));
      const aliceCreds = await storage.credentials.listByUser(app.id, alice.id);
      const [a1, a2] = [b64u('cred-a1'), b64u('cred-a2')].map((id) =>
        aliceCreds.find((c) => c.credentialId === id),
      );
      expect(a1).toMatchObject({
        credentialId: b64u('cred-a1'),
        publicKey: b64u(keys[0]!.publicKeyCose),
        alg: -7,
        signCount: 7,
        transports: ['internal', 'hybrid'],
        backupEligible: true,
        backedUp: true,
        friendlyName: 'Work laptop',
      });
      expect(a2).toMatchObject({ alg: -8, friendlyName: 'Passkey' });
      const bob = (await storage.users.findByExternalId(app.id, 'bob'))!;
      // The SPKI was stored as the COSE key the authenticator itself produced.
      expect((await storage.credentials.listByUser(app.id, bob.id))[0]).toMatchObject({
        publicKey: b64u(keys[1]!.publicKeyCose),
        friendlyName: 'Google Password Manager',
      });

      const again = await importPasskeys(app, source(lines), deps());
      expect(again).toMatchObject({
        users_created: 0,
        users_existing: 2,
        credentials_imported: 0,
        credentials_skipped: 3,
        credentials_invalid: 0,
      });
      expect(again.issues.map((i) => [i.line, i.status, i.credential_id])).toEqual([
        [1, 'skipped', b64u('cred-a1')],
        [1, 'skipped', b64u('cred-a2')],
        [2, 'skipped', b64u('cred-b1')],
      ]);
      expect(again.issues[0]!.message).toMatch(/already imported/i);
    });

    it('reports each bad record with its line number and imports the rest', async () => {
      const report = await importPasskeys(
        app,
        source([
          userLine('ok-1', b64u('h1'), [cred('c1', keys[0]!)]),
          '{"external_id": "broken", ',
          { user_handle: b64u('h3'), credentials: [] },
          userLine('mixed', b64u('h4'), [
            cred('c4-good', keys[1]!),
            {
              credential_id: b64u('c4-rsa-as-es256'),
              public_key_spki: b64u(keys[2]!.publicKeySpki),
              alg: -7,
            },
            cred('c4-bs-without-be', keys[0]!, { backup_state: true, backup_eligible: false }),
            { credential_id: b64u('c4-no-key') },
          ]),
          userLine('no-handle', '', [cred('c5', keys[0]!)]),
          userLine('thief', b64u('h6'), [cred('c1', keys[1]!)]),
          userLine('ok-2', b64u('h7'), [cred('c7', keys[2]!)]),
        ]),
        deps(),
      );
      expect(report).toMatchObject({
        records: 7,
        users_created: 3,
        credentials_imported: 3,
        credentials_invalid: 4,
        records_invalid: 3,
      });
      expect(report.issues.map((i) => ({ line: i.line, code: i.code, field: i.field }))).toEqual([
        { line: 2, code: 'invalid_request', field: undefined },
        { line: 3, code: 'invalid_request', field: 'external_id' },
        { line: 4, code: 'invalid_public_key', field: 'credentials[1].alg' },
        { line: 4, code: 'invalid_request', field: 'credentials[2].backup_state' },
        { line: 4, code: 'invalid_public_key', field: 'credentials[3].public_key_cose' },
        { line: 5, code: 'invalid_request', field: 'user_handle' },
        { line: 6, code: 'credential_already_registered', field: 'credential_id' },
      ]);
      expect(await storage.users.findByExternalId(app.id, 'mixed')).toBeDefined();
      // Every credential of "thief" was refused, so no user was created for it.
      expect(await storage.users.findByExternalId(app.id, 'thief')).toBeUndefined();
      expect(await storage.users.findByExternalId(app.id, 'ok-2')).toBeDefined();
    });

    it('refuses passkeys whose user exists with another user handle, or whose handle is another user’s', async () => {
      await importPasskeys(
        app,
        source([userLine('carol', b64u('carol-handle'), [cred('carol-1', keys[0]!)])]),
        deps(),
      );
      const report = await importPasskeys(
        app,
        source([
          userLine('carol', b64u('some-other-handle'), [cred('carol-2', keys[1]!)]),
          userLine('dave', b64u('carol-handle'), [cred('dave-1', keys[2]!)]),
        ]),
        deps(),
      );
      expect(report.issues.map((i) => [i.line, i.code])).toEqual([
        [1, 'user_handle_conflict'],
        [2, 'user_handle_conflict'],
      ]);
      expect(report).toMatchObject({
        users_created: 0,
        credentials_imported: 0,
        credentials_invalid: 2,
      });
    });

    it('refuses only the record that collided when a passkey is registered while its batch is written', async () => {
      const intruder = await storage.users.findOrCreate({
        id: `usr_${Math.random()}`,
        appId: app.id,
        externalId: 'intruder',
        webauthnUserId: b64u('intruder'),
        status: 'active',
        createdAt: 0,
        updatedAt: 0,
        lastLoginAt: null,
        loginCount: 0,
      });
      let raced = false;
      // The lookups saw the id free; a real registration takes it before the batch's INSERT.
      const racing = {
        ...storage,
        portability: {
          ...storage.portability,
          insertMany: async (
            users: Parameters<Storage['portability']['insertMany']>[0],
            creds: Parameters<Storage['portability']['insertMany']>[1],
          ) => {
            if (!raced) {
              raced = true;
              await storage.credentials.create({
                ...creds[0]!,
                id: `dev_${Math.random()}`,
                userId: intruder.id,
              });
            }
            return storage.portability.insertMany(users, creds);
          },
        },
      } as Storage;
      const report = await importPasskeys(
        app,
        source([
          userLine('hana', b64u('hana'), [cred('hana-1', keys[0]!)]),
          userLine('ivan', b64u('ivan'), [cred('ivan-1', keys[1]!)]),
        ]),
        { storage: racing, clock },
      );
      expect(report).toMatchObject({
        users_created: 1,
        credentials_imported: 1,
        credentials_invalid: 1,
      });
      expect(report.issues).toEqual([
        expect.objectContaining({
          line: 1,
          code: 'credential_already_registered',
          credential_id: b64u('hana-1'),
        }),
      ]);
      expect(await storage.users.findByExternalId(app.id, 'hana')).toBeUndefined();
      expect(await storage.users.findByExternalId(app.id, 'ivan')).toBeDefined();
    });

    it('refuses a file made for another RP ID before importing anything', async () => {
      const lines = [
        { format: 'passkeyd-passkeys', version: 1, rp_id: 'other.example' },
        userLine('erin', b64u('e'), [cred('e1', keys[0]!)]),
      ];
      await expect(importPasskeys(app, source(lines), deps())).rejects.toMatchObject({
        code: 'invalid_request',
        details: { field: 'rp_id' },
      });
      expect(await storage.users.findByExternalId(app.id, 'erin')).toBeUndefined();
    });

    it('writes nothing on a dry run but reports what it would do', async () => {
      const lines = [userLine('frank', b64u('f'), [cred('f1', keys[0]!), cred('f1', keys[0]!)])];
      const report = await importPasskeys(app, source(lines), deps(), { dryRun: true });
      expect(report).toMatchObject({
        dry_run: true,
        users_created: 1,
        credentials_imported: 1,
        credentials_skipped: 1,
      });
      expect(await storage.users.findByExternalId(app.id, 'frank')).toBeUndefined();
    });

    it('exports every user and passkey; the export imports into another app with the same RP ID unchanged', async () => {
      await importPasskeys(
        app,
        source([
          userLine('gina', b64u('g'), [
            cred('g1', keys[0]!, { sign_count: 3, last_used_at: '2025-12-01T08:00:00Z' }),
            cred('g2', keys[2]!),
          ]),
          { external_id: 'no-passkeys-yet' },
        ]),
        deps(),
      );
      const exported = await collect(exportPasskeys(app, deps()));
      const [header, ...users] = exported
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(header).toEqual({
        format: 'passkeyd-passkeys',
        version: 1,
        rp_id: 'shop.example',
        app_id: app.id,
        exported_at: '2026-01-20T10:00:00.000Z',
      });
      expect(users.map((u) => [u.external_id, u.credentials.length]).sort()).toEqual([
        ['gina', 2],
        ['no-passkeys-yet', 0],
      ]);
      const gina = users.find((u) => u.external_id === 'gina');
      expect(
        gina.credentials.find((c: { credential_id: string }) => c.credential_id === b64u('g1')),
      ).toEqual({
        credential_id: b64u('g1'),
        public_key_cose: b64u(keys[0]!.publicKeyCose),
        alg: -7,
        sign_count: 3,
        transports: [],
        aaguid: '00000000-0000-0000-0000-000000000000',
        backup_eligible: false,
        backup_state: false,
        created_at: '2026-01-20T10:00:00.000Z',
        last_used_at: '2025-12-01T08:00:00.000Z',
        display_name: 'Passkey',
        usage_count: 0,
      });

      const { app: twin } = await createApp(
        { name: 'Shop (new)', rpId: 'shop.example', origins: ['https://shop.example'] },
        deps(),
      );
      const report = await importPasskeys(twin, parseSource(chunks(exported)), deps());
      expect(report).toMatchObject({
        records: 2,
        users_created: 2,
        credentials_imported: 2,
        issues: [],
      });
      const strip = (text: string) => text.split('\n').slice(1).sort().join('\n');
      expect(strip(await collect(exportPasskeys(twin, deps())))).toBe(strip(exported));
    });

    it('refuses a record holding U+0000 with its line and field, and imports every other one', async () => {
      // PostgreSQL refuses NUL in text: the batch failed with a 500, earlier batches stayed
      // committed and no report came back. SQLite stored it. Now both refuse that one record.
      const lines = Array.from({ length: 610 }, (_, i) => ({ external_id: `nul-user-${i}` }));
      lines[304] = { external_id: 'nul-user-304\u0000admin' };
      const report = await importPasskeys(app, source(lines), deps());
      expect(report).toMatchObject({ records: 610, users_created: 609, records_invalid: 1 });
      expect(report.issues).toEqual([
        {
          line: 305,
          status: 'invalid',
          code: 'invalid_request',
          field: 'external_id',
          message: 'external_id contains U+0000 (NUL).',
        },
      ]);
      expect((await storage.users.list(app.id, { limit: 1, page: 1 })).total).toBe(609);
    });

    it('refuses lone surrogates, which PostgreSQL would fold into one user, anywhere in a record', async () => {
      const report = await importPasskeys(
        app,
        source([
          { external_id: 'carol\ud800' },
          { external_id: 'carol\udfff' },
          userLine('dave', b64u('handle-dave'), [
            cred('dave-1', keys[0]!, { display_name: 'Work\u0000laptop' }),
          ]),
          userLine('erin', b64u('handle-erin'), [cred('erin-1', keys[1]!)]),
        ]),
        deps(),
      );
      expect(report).toMatchObject({
        users_created: 1,
        credentials_imported: 1,
        records_invalid: 3,
      });
      expect(report.issues.map((i) => [i.line, i.code, i.field, i.external_id])).toEqual([
        [1, 'invalid_request', 'external_id', undefined],
        [2, 'invalid_request', 'external_id', undefined],
        [3, 'invalid_request', 'credentials[0].display_name', 'dave'],
      ]);
      expect(report.issues[0]!.message).toMatch(/lone surrogate/);
      expect(await storage.users.findByExternalId(app.id, 'carol\ufffd')).toBeUndefined();
      expect(await storage.users.findByExternalId(app.id, 'dave')).toBeUndefined();
      expect(await storage.users.findByExternalId(app.id, 'erin')).toBeDefined();
    });

    it('keeps login and usage counts up to 2^53-1 and exports them back unchanged', async () => {
      // PostgreSQL's integer columns failed the batch above 2^31-1.
      const MAX = Number.MAX_SAFE_INTEGER;
      const report = await importPasskeys(
        app,
        source([
          {
            ...userLine('frank', b64u('handle-frank'), [
              cred('frank-1', keys[0]!, { usage_count: MAX }),
              cred('frank-2', keys[1]!, { usage_count: 2 ** 31 }),
            ]),
            login_count: MAX,
          },
          { external_id: 'gwen', login_count: 2 ** 31 - 1 },
          { external_id: 'too-many', login_count: MAX + 1 },
        ]),
        deps(),
      );
      expect(report).toMatchObject({
        users_created: 2,
        credentials_imported: 2,
        records_invalid: 1,
      });
      expect(report.issues.map((i) => [i.line, i.field])).toEqual([[3, 'login_count']]);
      const frank = (await storage.users.findByExternalId(app.id, 'frank'))!;
      expect(frank.loginCount).toBe(MAX);
      const counts = (await storage.credentials.listByUser(app.id, frank.id))
        .map((c) => c.usageCount)
        .sort((a, b) => a - b);
      expect(counts).toEqual([2 ** 31, MAX]);
      // Signing in at 2^31-1 went past int4 on PostgreSQL: every later sign-in failed.
      const gwen = (await storage.users.findByExternalId(app.id, 'gwen'))!;
      await storage.users.recordLogin(app.id, gwen.id, clock.now());
      expect((await storage.users.findByExternalId(app.id, 'gwen'))!.loginCount).toBe(2 ** 31);

      const exported = await collect(exportPasskeys(app, deps()));
      const lines = exported
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.find((l) => l.external_id === 'frank')).toMatchObject({ login_count: MAX });
    });
  });
}

describeImport('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'passkeyd-import-'));
  const storage = await openSqliteStorage({ path: join(dir, 'passkeyd.db') });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const probe = await probePostgres(process.env);
describeWithPostgres(
  probe,
  process.env,
  'postgres: importing and exporting passkeys',
  (adminUrl) => {
    let db: ScratchDatabase;
    beforeAll(async () => {
      db = await createScratchDatabase(adminUrl, 'import');
    });
    afterAll(async () => {
      await db?.drop();
    });
    describeImport('postgres', async () => {
      const storage = await openPostgresStorage({
        connectionString: db.url,
        poolSize: 4,
        statementTimeoutMs: 10_000,
      });
      return { storage, cleanup: () => storage.close() };
    });
  },
);
