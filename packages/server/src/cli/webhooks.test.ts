import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { openStorage } from '../storage/open-storage.js';
import { runCommand, UsageError } from './commands.js';

// Issue 15 item 1 from the CLI: `passkeyd webhook create|list|delete|rotate-secret|test`, each
// change recorded in the audit trail as the operating-system user.

let dir: string;
let config: ReturnType<typeof loadConfig>;
let appId: string;

async function cli(...argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await runCommand(argv, {
    config,
    stdout: (s) => void (stdout += s),
    stderr: () => undefined,
  });
  return { code, stdout };
}
const json = async (...argv: string[]) => JSON.parse((await cli(...argv, '--json')).stdout);

async function auditRows() {
  const storage = await openStorage({ databaseUrl: config.databaseUrl });
  try {
    return await storage.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
  } finally {
    await storage.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'passkeyd-cli-webhooks-'));
  config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'passkeyd.db')}` });
  const created = await json(
    'app',
    'create',
    '--name',
    'Shop',
    '--rp-id',
    'localhost',
    '--origin',
    'http://localhost:3000',
  );
  appId = created.app_id;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const actor = `cli:${userInfo().username}`;

describe('passkeyd webhook', () => {
  it('creates an endpoint and prints its id and secret, as JSON and as text', async () => {
    const created = await json(
      'webhook',
      'create',
      '--app',
      appId,
      '--url',
      'https://hooks.example.com/in',
      '--events',
      'passkey.registered, passkey.revoked',
      '--description',
      'CRM',
    );
    expect(created).toMatchObject({
      id: expect.stringMatching(/^whe_/),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      endpoint: {
        url: 'https://hooks.example.com/in',
        event_types: ['passkey.registered', 'passkey.revoked'],
        description: 'CRM',
        enabled: true,
      },
    });
    expect(JSON.stringify(created.endpoint)).not.toContain('whsec_');
    const text = await cli('webhook', 'create', '--app', appId, '--url', 'https://b.example.com/');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^id\s+whe_\S+\nsecret\s+whsec_\S+\n/);

    const audit = (await auditRows()).filter((r) => r.type === 'admin.webhook.created');
    expect(audit[0]).toMatchObject({ app_id: appId, actor, target: created.id });
    expect(JSON.parse(audit[0]!.change!)).toEqual({
      url: 'https://hooks.example.com/in',
      event_types: ['passkey.registered', 'passkey.revoked'],
      description: 'CRM',
    });
    expect(audit.map((r) => r.change).join()).not.toContain('whsec_');
  });

  it('lists, rotates the secret, queues a test and deletes, auditing each change', async () => {
    const { id, secret } = await json(
      'webhook',
      'create',
      '--app',
      appId,
      '--url',
      'https://c.example.com/',
    );
    const list = await json('webhook', 'list', '--app', appId);
    expect(list.endpoints.map((e: { id: string }) => e.id)).toContain(id);
    expect(JSON.stringify(list)).not.toContain('whsec_');
    expect((await cli('webhook', 'list', '--app', appId)).stdout).toMatch(
      new RegExp(`${id}\\s+https://c.example.com/\\s+true\\s+\\(all\\)`),
    );

    const before = Date.now();
    const rotated = await json('webhook', 'rotate-secret', id, '--grace-hours', '2');
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
    const until = Date.parse(rotated.previous_secret_expires_at);
    expect(until).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
    expect(until).toBeLessThan(Date.now() + 2 * 3_600_000 + 1);
    const now = await json('webhook', 'rotate-secret', id, '--grace-hours', '0');
    expect(now.previous_secret_expires_at).toBeNull();

    const test = await json('webhook', 'test', id);
    expect(test.delivery_id).toMatch(/^whd_[0-9a-f]{32}$/);

    expect(await json('webhook', 'delete', id)).toEqual({ deleted: id });
    const after = await json('webhook', 'list', '--app', appId);
    expect(after.endpoints.map((e: { id: string }) => e.id)).not.toContain(id);

    const mine = (await auditRows()).filter((r) => r.target === id);
    expect(mine.map((r) => [r.type, r.actor, r.app_id])).toEqual([
      ['admin.webhook.created', actor, appId],
      ['admin.webhook.secret_rotated', actor, appId],
      ['admin.webhook.secret_rotated', actor, appId],
      ['admin.webhook.deleted', actor, appId],
    ]);
    expect(mine.map((r) => r.change).join()).not.toContain('whsec_');
  });

  it('refuses bad input with a usage error or the API’s codes', async () => {
    await expect(
      cli('webhook', 'create', '--url', 'https://a.example.com/'),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(cli('webhook', 'create', '--app', appId)).rejects.toBeInstanceOf(UsageError);
    await expect(
      cli('webhook', 'create', '--app', appId, '--url', 'http://127.0.0.1:9/'),
    ).rejects.toMatchObject({ code: 'invalid_webhook_url' });
    await expect(
      cli(
        'webhook',
        'create',
        '--app',
        appId,
        '--url',
        'https://a.example.com/',
        '--events',
        'x.y',
      ),
    ).rejects.toMatchObject({ code: 'unknown_event_type' });
    await expect(cli('webhook', 'delete', `whe_${'A'.repeat(22)}`)).rejects.toMatchObject({
      code: 'webhook_not_found',
    });
    await expect(cli('webhook', 'test')).rejects.toBeInstanceOf(UsageError);
    const { id } = await json(
      'webhook',
      'create',
      '--app',
      appId,
      '--url',
      'https://d.example.com/',
    );
    await expect(
      cli('webhook', 'rotate-secret', id, '--grace-hours', 'soon'),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(cli('webhook', 'rotate-secret', id, '--grace-hours', '500')).rejects.toMatchObject(
      { code: 'invalid_request' },
    );
    expect((await cli('webhook', 'create', '--help')).stdout).toContain('--events');
  });
});
