import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { runCommand, UsageError } from './commands.js';

// Issue 14 items 4 and 6 from the CLI: an app's default WebAuthn hints and its last-passkey guard.

let dir: string;
let config: ReturnType<typeof loadConfig>;

async function cli(...argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await runCommand(argv, {
    config,
    stdout: (s) => void (stdout += s),
    stderr: () => undefined,
  });
  return { code, stdout };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'passkeyd-cli-policy-'));
  config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'passkeyd.db')}` });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = ['--name', 'Shop', '--rp-id', 'localhost', '--origin', 'http://localhost:3000'];

describe('passkeyd app: hints and the last-passkey guard', () => {
  it('creates an app with neither by default, sets both, and clears the hints', async () => {
    const created = JSON.parse((await cli('app', 'create', ...base, '--json')).stdout);
    expect(created.app).toMatchObject({ hints: [], prevent_last_passkey_removal: false });
    const id = created.app_id as string;

    const updated = await cli(
      'app',
      'update',
      id,
      '--hints',
      'security-key, hybrid',
      '--prevent-last-passkey-removal',
      'true',
      '--json',
    );
    expect(JSON.parse(updated.stdout).app).toMatchObject({
      hints: ['security-key', 'hybrid'],
      prevent_last_passkey_removal: true,
    });
    const cleared = await cli('app', 'update', id, '--hints', '', '--json');
    expect(JSON.parse(cleared.stdout).app).toMatchObject({
      hints: [],
      prevent_last_passkey_removal: true,
    });
    expect((await cli('app', 'show', id)).stdout).toMatch(/prevent_last_passkey_removal\s+true/);
  });

  it('refuses an unknown hint and a flag that is not true or false', async () => {
    await expect(cli('app', 'create', ...base, '--hints', 'usb')).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(
      cli('app', 'create', ...base, '--prevent-last-passkey-removal', 'yes'),
    ).rejects.toBeInstanceOf(UsageError);
  });
});
