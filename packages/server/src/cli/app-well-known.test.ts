import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { runCommand } from './commands.js';

const HASH = Buffer.alloc(32, 0xab).toString('base64url');
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

const create = async (...extra: string[]) =>
  JSON.parse(
    (
      await cli(
        'app',
        'create',
        '--name',
        'Shop',
        '--rp-id',
        'example.com',
        '--origin',
        'https://example.com',
        ...extra,
        '--json',
      )
    ).stdout,
  ).app_id as string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'passkeyd-cli-wk-'));
  config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'passkeyd.db')}` });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('passkeyd app well-known and app mobile', () => {
  it('prints the /.well-known/webauthn file of the RP ID, every app on it included', async () => {
    const a = await create('--related-origin', 'https://example.co.uk');
    await create(
      '--related-origin',
      'https://example.de',
      '--related-origin',
      'https://example.co.uk',
    );
    const r = await cli('app', 'well-known', a);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      origins: ['https://example.co.uk', 'https://example.de'],
    });
    expect(r.stderr).toBe('');
  });

  it('prints the assetlinks.json statement and the apple-app-site-association entry', async () => {
    const id = await create('--origin', `android:apk-key-hash:${HASH}`);
    const r = await cli(
      'app',
      'mobile',
      id,
      '--android-package',
      'com.example.shop',
      '--apple-app-id',
      'ABCDE12345.com.example.shop',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      assetlinks: [
        {
          relation: ['delegate_permission/common.get_login_creds'],
          target: {
            namespace: 'android_app',
            package_name: 'com.example.shop',
            sha256_cert_fingerprints: [Array(32).fill('AB').join(':')],
          },
        },
      ],
      apple_app_site_association: { webcredentials: { apps: ['ABCDE12345.com.example.shop'] } },
    });
    const text = await cli('app', 'mobile', id);
    expect(text.stdout).toContain('https://example.com/.well-known/assetlinks.json');
    expect(text.stdout).toContain('REPLACE.WITH.ANDROID.PACKAGE');
  });

  it('warns on stderr past 5 registrable-domain labels, and still saves', async () => {
    const many = ['a.com', 'b.com', 'c.com', 'd.com', 'e.com', 'f.com'].flatMap((h) => [
      '--related-origin',
      `https://${h}`,
    ]);
    const r = await cli(
      'app',
      'create',
      '--name',
      'M',
      '--rp-id',
      'm.example',
      '--origin',
      'https://m.example',
      ...many,
      '--json',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*https:\/\/f\.com/);
    const id = JSON.parse(r.stdout).app_id as string;
    expect((await cli('app', 'well-known', id)).stderr).toMatch(/^warning: /);
  });
});
