import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCredentialKey } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { runCommand } from './commands.js';
import { progressBar, renderProgress } from './import-export.js';

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
let dir: string;
let config: ReturnType<typeof loadConfig>;
let appId: string;

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

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'passkeyd-cli-'));
  config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'passkeyd.db')}` });
  appId = JSON.parse(
    (
      await cli(
        'app',
        'create',
        '--name',
        'Shop',
        '--rp-id',
        'localhost',
        '--origin',
        'http://localhost:3000',
        '--json',
      )
    ).stdout,
  ).app_id;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('passkeyd import and export', () => {
  it('imports a file, reports bad lines by number with exit status 1, and a re-run skips what exists', async () => {
    const key = generateCredentialKey('ES256');
    const file = join(dir, 'in.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({
          external_id: 'ana',
          user_handle: b64u('ana'),
          credentials: [{ credential_id: b64u('ana-1'), public_key_cose: b64u(key.publicKeyCose) }],
        }),
        JSON.stringify({
          external_id: 'ben',
          user_handle: b64u('ben'),
          credentials: [{ credential_id: b64u('ben-1'), public_key_spki: b64u(key.publicKeySpki) }],
        }),
      ].join('\n'),
    );
    const first = await cli('import', '--app', appId, file);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('passkeys:    1 imported, 0 skipped, 1 invalid');
    expect(first.stdout).toMatch(
      /line 2: invalid_public_key \(user ben, credential YmVuLTE, field credentials\[0\]\.alg\): public_key_spki needs alg/,
    );

    const again = await cli('import', '--app', appId, file, '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({
      users_existing: 1,
      credentials_skipped: 1,
      credentials_imported: 0,
      credentials_invalid: 1,
    });
  });

  it('exports to a file (mode 0600) that imports into another app with the same RP ID', async () => {
    const out = join(dir, 'export.jsonl');
    const exported = await cli('export', '--app', appId, out);
    expect(exported).toMatchObject({
      code: 0,
      stdout: `exported 1 users and 1 passkeys to ${out}\n`,
    });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toContain('"rp_id":"localhost"');

    const other = JSON.parse(
      (
        await cli(
          'app',
          'create',
          '--name',
          'Shop 2',
          '--rp-id',
          'localhost',
          '--origin',
          'http://localhost:3000',
          '--json',
        )
      ).stdout,
    ).app_id;
    const dry = await cli('import', '--app', other, out, '--dry-run');
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.stdout).toMatch(/^dry run \(nothing written\): 1 records/);
    expect((await cli('export', '--app', other)).stdout.trim().split('\n')).toHaveLength(1);
    expect((await cli('import', '--app', other, out)).code).toBe(0);
    expect((await cli('export', '--app', other)).stdout).toContain('"external_id":"ana"');
  });

  it('converts a Passage export with the keys file given separately', async () => {
    const key = generateCredentialKey('ES256');
    const users = join(dir, 'passage-users.jsonl');
    const keys = join(dir, 'passage-keys.csv');
    writeFileSync(
      users,
      JSON.stringify({
        user: {
          id: 'usr_1',
          external_id: 'cleo',
          webauthn_devices: [
            { cred_id: b64u('cleo-1'), friendly_name: 'Laptop', type: 'passkey' },
            { cred_id: b64u('cleo-2'), type: 'platform' },
          ],
        },
      }),
    );
    writeFileSync(
      keys,
      `cred_id,public_key,user_handle\n${b64u('cleo-1')},${b64u(key.publicKeyCose)},${b64u('cleo-handle')}\n`,
    );
    const r = await cli(
      'import',
      '--app',
      appId,
      '--from',
      'passage',
      '--keys',
      keys,
      users,
      '--json',
    );
    expect(JSON.parse(r.stdout)).toMatchObject({
      users_created: 1,
      credentials_imported: 1,
      credentials_skipped: 1,
      issues: [
        expect.objectContaining({ line: 1, status: 'skipped', credential_id: b64u('cleo-2') }),
      ],
    });
  });

  it('reads a CSV whose quote never closes in one pass and reports it by line, with the rows before it', async () => {
    // The hand-written splitter re-read everything after the quote on every line (quadratic).
    const file = join(dir, 'broken.csv');
    writeFileSync(
      file,
      `id,publicKey,user_id,webauthnUserID\nnot-base64!,\\x00,csv-before,AAAA\n"${'x,y\n'.repeat(200_000)}`,
    );
    const started = Date.now();
    const r = await cli('import', '--app', appId, '--from', 'simplewebauthn', '--json', file);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ records: 2, records_invalid: 1, credentials_invalid: 1 });
    expect(report.issues.map((i: any) => [i.line, i.message])).toEqual([
      [2, expect.any(String)],
      [3, 'A quoted field is never closed.'],
    ]);
  }, 30_000);

  it('explains its usage mistakes', async () => {
    await expect(cli('import', '--app', appId)).rejects.toThrow(/needs --app APP_ID and a FILE/);
    await expect(cli('import', '--app', appId, '--from', 'okta', 'x')).rejects.toThrow(
      /--from must be one of passkeyd, simplewebauthn, hanko, passage/,
    );
    await expect(cli('import', '--app', appId, '--keys', 'k', 'x')).rejects.toThrow(
      /--keys is for --from passage/,
    );
    expect((await cli('import', '--help')).stdout).toMatch(/^Usage: passkeyd import --app APP_ID/);
    expect((await cli('--help')).stdout).toContain('import | export');
  });
});

describe('the progress bar', () => {
  it('shows the share of bytes read, the records done and their rate', () => {
    expect(renderProgress({ bytes: 50, totalBytes: 200, records: 1500, seconds: 2 }, 20)).toBe(
      'importing [#####...............]  25% 1,500 records, 750/s',
    );
    expect(renderProgress({ bytes: 50, totalBytes: undefined, records: 10, seconds: 0 })).toBe(
      'importing… 10 records, 0/s',
    );
  });

  it('redraws at most ten times a second, on one line, and ends it', () => {
    let t = 0;
    const written: string[] = [];
    const bar = progressBar(
      (s) => written.push(s),
      100,
      () => t,
    );
    bar.bytes(10);
    t = 50;
    bar.bytes(20);
    t = 150;
    bar.records(5);
    bar.done();
    expect(written.map((w) => w.replace(/\[.*\]/, '[]'))).toEqual([
      '\rimporting []  10% 0 records, 0/s',
      '\rimporting []  20% 5 records, 33/s',
      '\rimporting []  20% 5 records, 33/s',
      '\n',
    ]);
  });
});
