import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { openStorage } from '../storage/open-storage.js';
import { runCommand, UsageError } from './commands.js';

// `passkeyd app delete`: refuses without --yes, deletes the app and what it holds with it,
// leaves the other apps alone and records who did it in the audit trail.

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

const create = async (name: string) =>
  JSON.parse(
    (
      await cli(
        'app',
        'create',
        '--name',
        name,
        '--rp-id',
        'localhost',
        '--origin',
        'http://localhost:3000',
        '--json',
      )
    ).stdout,
  ).app_id as string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'passkeyd-cli-app-delete-'));
  config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'passkeyd.db')}` });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('passkeyd app delete', () => {
  it('refuses without --yes and changes nothing', async () => {
    const id = await create('Careful');
    await expect(cli('app', 'delete', id)).rejects.toThrow(UsageError);
    await expect(cli('app', 'delete', id)).rejects.toThrow(/--yes/);
    await expect(cli('app', 'delete', '--yes')).rejects.toThrow(/one APP_ID/);
    expect((await cli('app', 'show', id)).code).toBe(0);
  });

  it('deletes the app and its keys, keeps the other app, and records it as the CLI', async () => {
    const doomed = await create('Doomed');
    const kept = await create('Kept');
    expect((await cli('key', 'create', '--app', doomed, '--name', 'second')).code).toBe(0);

    const r = await cli('app', 'delete', doomed, '--yes', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      app_id: doomed,
      deleted: {
        keys: 2,
        webhook_endpoints: 0,
        users: 0,
        passkeys: 0,
        events: 0,
        transactions: 0,
        handshakes: 0,
        nonces: 0,
      },
    });
    await expect(cli('app', 'show', doomed)).rejects.toMatchObject({ code: 'app_not_found' });
    await expect(cli('app', 'delete', doomed, '--yes')).rejects.toMatchObject({
      code: 'app_not_found',
    });
    expect((await cli('app', 'show', kept)).code).toBe(0);
    expect(
      JSON.parse((await cli('key', 'list', '--app', kept, '--json')).stdout).keys,
    ).toHaveLength(1);

    const storage = await openStorage({ databaseUrl: config.databaseUrl });
    try {
      const { entries } = await storage.audit.list({
        type: 'admin.app.deleted',
        limit: 10,
        offset: 0,
      });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        appId: doomed,
        target: doomed,
        change: { deleted: { keys: 2 } },
      });
      expect(entries[0]!.actor).toMatch(/^cli:/);
    } finally {
      await storage.close();
    }
  });

  it('prints what it removed in words without --json', async () => {
    const id = await create('Words');
    const r = await cli('app', 'delete', id, '--yes');
    expect(r.stdout).toBe(
      `deleted app ${id} (Words): 1 keys, 0 webhook endpoints, 0 users, 0 passkeys, 0 events, 0 transactions, 0 handshakes, 0 nonces\n`,
    );
  });
});
