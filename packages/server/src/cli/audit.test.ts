import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { generateCredentialKey } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { recordEvent } from '../domain/events.js';
import { openStorage } from '../storage/open-storage.js';
import { createMdsBlob, createMdsSigner, createTestRoot } from '../testing/attestation-fixtures.js';
import { auditCli } from './audit.js';
import { runCommand, UsageError } from './commands.js';
import { runMds } from './mds.js';
import { makeOut } from './output.js';

/** Issue 15 item 7: CLI changes are in the audit trail as `cli:<os user>`; `events export`. */

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
let dir: string;
let config: ReturnType<typeof loadConfig>;

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCommand(argv, {
    config,
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
  });
  return { code, stdout, stderr };
}

const lines = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'passkeyd-cli-audit-'));
  config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'passkeyd.db')}` });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI and the audit trail', () => {
  it('records app, key and import changes as cli:<os user>, without secrets, and exports them', async () => {
    const created = await cli(
      'app',
      'create',
      '--name',
      'Shop',
      '--rp-id',
      'localhost',
      '--origin',
      'http://localhost:3000',
      '--json',
    );
    expect(created.code).toBe(0);
    const { app_id: appId, api_key: appSecret } = JSON.parse(created.stdout);
    expect((await cli('app', 'update', appId, '--name', 'Shop 2')).code).toBe(0);
    const key = JSON.parse((await cli('key', 'create', '--app', appId, '--json')).stdout);
    expect((await cli('key', 'revoke', '--app', appId, key.key.id)).code).toBe(0);
    const file = join(dir, 'in.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({
        external_id: 'ana',
        user_handle: b64u('ana'),
        credentials: [
          {
            credential_id: b64u('ana-1'),
            public_key_cose: b64u(generateCredentialKey('ES256').publicKeyCose),
          },
        ],
      })}\n`,
    );
    expect((await cli('import', '--app', appId, '--dry-run', file)).code).toBe(0);
    expect((await cli('import', '--app', appId, file)).code).toBe(0);
    // Reading changes nothing: not recorded.
    expect((await cli('app', 'show', appId)).code).toBe(0);

    const out = await cli('events', 'export', '--app', appId);
    expect(out.code).toBe(0);
    const entries = lines(out.stdout);
    expect(entries.map((e) => [e.source, e.type, e.target])).toEqual([
      ['audit', 'admin.app.created', appId],
      ['audit', 'admin.app.updated', appId],
      ['audit', 'admin.api_key.created', key.key.id],
      ['audit', 'admin.api_key.revoked', key.key.id],
      ['audit', 'import.completed', appId],
    ]);
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set([`cli:${userInfo().username}`]));
    expect(entries[1]!.change).toEqual({ name: 'Shop 2' });
    expect(entries[4]!.change).toMatchObject({ imported: 1, skipped: 0, failed: 0 });
    expect(out.stdout).not.toContain(appSecret);
    expect(out.stdout).not.toContain(key.api_key);
    expect(out.stderr).toBe('exported 5 lines\n');
  });

  it('exports passkey events with --passkey-events, filters by type and time, and refuses a bad time', async () => {
    const storage = await openStorage({ databaseUrl: config.databaseUrl });
    const [app] = await storage.apps.list();
    await recordEvent(storage, {
      appId: app!.id,
      userId: null,
      type: 'passkey_login_failed',
      detail: 'credential_not_found',
      now: Date.now(),
    });
    await storage.close();
    const both = lines((await cli('events', 'export', '--audit', '--passkey-events')).stdout);
    // The audit trail first, then the events.
    expect(both.map((e) => e.source)).toEqual([...Array(5).fill('audit'), 'event']);
    expect(both[5]).toMatchObject({
      app_id: app!.id,
      type: 'passkey_login_failed',
      detail: 'credential_not_found',
    });
    expect(lines((await cli('events', 'export', '--passkey-events')).stdout)).toEqual([both[5]]);
    const typed = lines((await cli('events', 'export', '--type', 'admin.api_key.revoked')).stdout);
    expect(typed.map((e) => e.type)).toEqual(['admin.api_key.revoked']);
    // An audit type selects no passkey event.
    expect(
      lines(
        (await cli('events', 'export', '--passkey-events', '--type', 'admin.app.created')).stdout,
      ),
    ).toEqual([]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(lines((await cli('events', 'export', '--from', future)).stdout)).toEqual([]);
    await expect(cli('events', 'export', '--from', 'yesterday')).rejects.toBeInstanceOf(UsageError);
  });

  it('records an MDS import as instance-wide, with the BLOB number', async () => {
    const root = await createTestRoot('Test MDS root');
    const jwt = await createMdsBlob(await createMdsSigner(root), { no: 7, entries: [] });
    const file = join(dir, 'blob.jwt');
    writeFileSync(file, jwt);
    const storage = await openStorage({ databaseUrl: config.databaseUrl });
    try {
      const code = await runMds('mds import', [file], {
        storage,
        out: makeOut(true, () => {}),
        rootCertificates: [root.pem],
        usage: (m) => new UsageError(m),
        audit: (e) => auditCli(storage, () => {}, e),
      });
      expect(code).toBe(0);
      const { entries } = await storage.audit.list({
        type: 'admin.mds.imported',
        limit: 5,
        offset: 0,
      });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        appId: null,
        actor: `cli:${userInfo().username}`,
        target: '7',
        change: { no: 7, entries: 0 },
      });
    } finally {
      await storage.close();
    }
  });
});
