import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tokenFingerprint } from './auth/tokens.js';
import { CONSOLE_COOKIE } from './routes/console.js';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';

/**
 * Issue 15 item 7: every successful admin action leaves exactly one audit entry naming its actor
 * by a non-secret id; refused ones leave none; no secret reaches `change`.
 */

const ORIGIN = 'https://shop.example';
const UA = 'audit-trail-test/1.0';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789';

interface Entry {
  id: string;
  app_id: string | null;
  type: string;
  actor: string;
  ip_addr: string | null;
  user_agent: string | null;
  target: string | null;
  change: unknown;
  created_at: string;
}

let server: TestServer;
let tokenActor: string;

async function call(
  method: string,
  path: string,
  opts: {
    body?: unknown;
    cookie?: string;
    bearer?: string | null;
    raw?: string;
    type?: string;
  } = {},
) {
  const headers: Record<string, string> = { 'user-agent': UA, origin: server.baseUrl };
  if (opts.cookie) headers.cookie = `${CONSOLE_COOKIE}=${opts.cookie}`;
  else if (opts.bearer !== null)
    headers.authorization = `Bearer ${opts.bearer ?? server.adminToken}`;
  if (opts.body !== undefined || opts.raw !== undefined)
    headers['content-type'] = opts.type ?? 'application/json';
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    ...(opts.raw !== undefined
      ? { body: opts.raw }
      : opts.body !== undefined
        ? { body: JSON.stringify(opts.body) }
        : {}),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // NDJSON or an empty answer: the text itself.
  }
  return { status: res.status, body, text, setCookie: res.headers.get('set-cookie') };
}

/** The trail's entries, newest first, for a query string. */
async function audit(query = ''): Promise<Entry[]> {
  const r = await call('GET', `/v1/admin/audit?limit=200${query ? `&${query}` : ''}`);
  expect(r.status).toBe(200);
  return r.body.entries;
}

/** Runs `action` and returns the entries it added (the trail is instance-wide). */
async function added(action: () => Promise<unknown>): Promise<Entry[]> {
  const before = new Set((await audit()).map((e) => e.id));
  await action();
  return (await audit()).filter((e) => !before.has(e.id));
}

async function signIn(): Promise<string> {
  const r = await call('POST', '/console/session', {
    body: { token: server.adminToken },
    bearer: null,
  });
  expect(r.status).toBe(201);
  return /passkeyd_console=([^;]*)/.exec(r.setCookie ?? '')![1]!;
}

beforeAll(async () => {
  server = await startTestServer({ origins: [ORIGIN], rpId: 'shop.example' });
  tokenActor = `token:${tokenFingerprint(server.adminToken).slice(0, 16)}`;
});
afterAll(() => server.close());

describe('the audit trail records admin actions', () => {
  it('records one entry per change with the token actor, address, user agent, target and change', async () => {
    const entries = await added(async () => {
      const r = await call('PATCH', `/v1/admin/apps/${server.appId}`, {
        body: { name: 'Renamed shop' },
      });
      expect(r.status).toBe(200);
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      app_id: server.appId,
      type: 'admin.app.updated',
      actor: tokenActor,
      ip_addr: '127.0.0.1',
      user_agent: UA,
      target: server.appId,
      change: { name: 'Renamed shop' },
    });
    // The actor is a prefix of the token's fingerprint, never the token or a part of it.
    expect(entries[0]!.actor).not.toContain(server.adminToken.slice(0, 8));
  });

  it('records nothing for a refused change (4xx)', async () => {
    const entries = await added(async () => {
      expect(
        (await call('PATCH', `/v1/admin/apps/${server.appId}`, { body: { origins: [] } })).status,
      ).toBe(400);
      expect(
        (await call('DELETE', `/v1/admin/apps/${server.appId}/keys/key_nosuchkey0000000000000`))
          .status,
      ).toBe(404);
      expect(
        (
          await call('PATCH', `/v1/admin/apps/${server.appId}`, {
            body: { name: 'x' },
            bearer: 'not-the-admin-token-0123456789abcdef012345',
          })
        ).status,
      ).toBe(401);
    });
    expect(entries).toEqual([]);
  });

  it('keeps secrets out of change: created app and key ids are the target, secrets nowhere', async () => {
    let appSecret = '';
    let keySecret = '';
    let appId = '';
    let keyId = '';
    const entries = await added(async () => {
      const a = await call('POST', '/v1/admin/apps', {
        body: { name: 'Secretive', rp_id: 'shop.example', origins: [ORIGIN] },
      });
      expect(a.status).toBe(201);
      appSecret = a.body.api_key;
      appId = a.body.app.id;
      const k = await call('POST', `/v1/admin/apps/${appId}/keys`, { body: { name: appSecret } });
      expect(k.status).toBe(201);
      keySecret = k.body.api_key;
      keyId = k.body.key.id;
      expect((await call('DELETE', `/v1/admin/apps/${appId}/keys/${keyId}`)).status).toBe(200);
    });
    expect(entries.map((e) => [e.type, e.app_id, e.target])).toEqual([
      ['admin.api_key.revoked', appId, keyId],
      ['admin.api_key.created', appId, keyId],
      ['admin.app.created', appId, appId],
    ]);
    const text = JSON.stringify(entries);
    // The key's name was an API key pasted by mistake: dropped by its shape, not its field.
    expect(text).not.toContain(appSecret);
    expect(text).not.toContain(keySecret);
    expect(entries[2]!.change).toEqual({
      name: 'Secretive',
      rp_id: 'shop.example',
      origins: [ORIGIN],
    });
  });

  it('records a console sign-in, the session’s actions under its own actor, and its sign-out', async () => {
    let cookie = '';
    const entries = await added(async () => {
      cookie = await signIn();
      expect(
        (
          await call('PATCH', `/v1/admin/apps/${server.appId}`, {
            body: { name: 'By console' },
            cookie,
          })
        ).status,
      ).toBe(200);
      expect((await call('DELETE', '/console/session', { cookie })).status).toBe(200);
      // A sign-out without a session signs nobody out: nothing to record.
      expect((await call('DELETE', '/console/session', { bearer: null })).status).toBe(200);
    });
    expect(entries.map((e) => e.type)).toEqual([
      'admin.console.signed_out',
      'admin.app.updated',
      'admin.console.signed_in',
    ]);
    const actors = new Set(entries.map((e) => e.actor));
    expect(actors.size).toBe(1);
    const [actor] = actors;
    expect(actor).toMatch(/^console:[A-Za-z0-9_-]{16}$/);
    expect(actor).not.toContain(cookie.slice(0, 16));
    expect(entries[2]).toMatchObject({ app_id: null, change: { opened_with: tokenActor } });
    expect(JSON.stringify(entries)).not.toContain(server.adminToken);
    // The console's filter by actor finds exactly that session's entries.
    expect((await audit(`actor=${encodeURIComponent(actor!)}`)).map((e) => e.id)).toEqual(
      entries.map((e) => e.id),
    );
  });

  it('records ending every console session with how many ended', async () => {
    await signIn();
    const entries = await added(async () => {
      expect((await call('DELETE', '/v1/admin/console-sessions')).status).toBe(200);
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      type: 'admin.console.sessions_ended',
      actor: tokenActor,
      app_id: null,
    });
    expect((entries[0]!.change as { deleted: number }).deleted).toBeGreaterThanOrEqual(1);
  });

  it('records an operator’s passkey revoke and user delete, not the app’s own revoke (API key)', async () => {
    const client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    const device = new TestAuthenticator();
    expect((await client.register(device, 'audit-alice')).status).toBe(200);
    expect((await client.register(new TestAuthenticator(), 'audit-alice')).status).toBe(200);
    const users = await call('GET', `/v1/admin/apps/${server.appId}/users?search=audit-alice`);
    const userId: string = users.body.users[0].id;
    const devices = await call('GET', `/v1/admin/apps/${server.appId}/users/${userId}/devices`);
    const [first, second] = devices.body.devices.map((d: { id: string }) => d.id);
    const entries = await added(async () => {
      // The management API (the app's backend) is no operator: not in the trail.
      const own = await fetch(
        `${server.baseUrl}/v1/apps/${server.appId}/users/${userId}/devices/${first}`,
        { method: 'DELETE', headers: { authorization: `Bearer ${server.apiKey}` } },
      );
      expect(own.status).toBe(200);
      expect(
        (
          await call(
            'DELETE',
            `/v1/admin/apps/${server.appId}/users/${userId}/devices/${second}?force=true`,
          )
        ).status,
      ).toBe(200);
      expect((await call('DELETE', `/v1/admin/apps/${server.appId}/users/${userId}`)).status).toBe(
        200,
      );
    });
    expect(entries.map((e) => [e.type, e.target, e.change])).toEqual([
      ['admin.user.deleted', userId, null],
      ['admin.passkey.revoked', second, { force: true }],
    ]);
  });

  it('records a finished import with its counts, and no dry run', async () => {
    const client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    expect((await client.register(new TestAuthenticator(), 'audit-import')).status).toBe(200);
    const exported = await call('GET', `/v1/admin/apps/${server.appId}/export`);
    expect(exported.status).toBe(200);
    const target = await server.createApp({
      name: 'Import target',
      rpId: 'shop.example',
      origins: [ORIGIN],
    });
    const path = `/v1/admin/apps/${target.appId}/import`;
    const entries = await added(async () => {
      const dry = await call('POST', `${path}?dry_run=true`, {
        raw: exported.text,
        type: 'application/x-ndjson',
      });
      expect(dry.status).toBe(200);
      const r = await call('POST', path, { raw: exported.text, type: 'application/x-ndjson' });
      expect(r.status).toBe(200);
      expect(r.body.credentials_imported).toBeGreaterThanOrEqual(1);
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      type: 'import.completed',
      app_id: target.appId,
      target: target.appId,
      actor: tokenActor,
      change: { source: 'passkeyd', failed: 0, skipped: 0 },
    });
    expect((entries[0]!.change as { imported: number }).imported).toBeGreaterThanOrEqual(1);
  });
});

describe('the outbox (migration 012)', () => {
  it('fans a recorded entry out to the webhook endpoints that want it, in the same write', async () => {
    const db = server.server.storage.db;
    const now = Date.now();
    const endpoint = (id: string, appId: string, types: string[]) => ({
      id,
      app_id: appId,
      url: 'https://hooks.example/passkeyd',
      description: null,
      event_types: JSON.stringify(types),
      enabled: 1,
      disabled_reason: null,
      consecutive_failures: 0,
      secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
      previous_secret: null,
      previous_secret_expires_at: null,
      created_at: now,
      updated_at: now,
    });
    await db
      .insertInto('webhook_endpoints')
      .values([
        endpoint('we_all', server.appId, []),
        endpoint('we_keys', server.appId, ['admin.api_key.created']),
        // Instance-wide entries go only to endpoints naming their type.
        endpoint('we_signin', server.appId, ['admin.console.signed_in']),
      ])
      .execute();
    const [updated] = await added(async () => {
      expect(
        (await call('PATCH', `/v1/admin/apps/${server.appId}`, { body: { name: 'Hooked' } }))
          .status,
      ).toBe(200);
    });
    const [signedIn] = await added(() => signIn());
    const deliveries = await db
      .selectFrom('webhook_deliveries')
      .select(['endpoint_id', 'source', 'source_id', 'event_type'])
      .where('source_id', 'in', [updated!.id, signedIn!.id])
      .orderBy('endpoint_id')
      .execute();
    expect(deliveries).toEqual([
      {
        endpoint_id: 'we_all',
        source: 'audit',
        source_id: updated!.id,
        event_type: 'admin.app.updated',
      },
      {
        endpoint_id: 'we_signin',
        source: 'audit',
        source_id: signedIn!.id,
        event_type: 'admin.console.signed_in',
      },
    ]);
    await db.deleteFrom('webhook_endpoints').where('id', 'like', 'we_%').execute();
  });
});

describe('a settings reload (SIGHUP)', () => {
  it('is recorded as actor signal, instance-wide, with counts and no token', async () => {
    const report = server.server.reload(server.config);
    const entry = await vi.waitFor(async () => {
      const [e] = await audit('type=admin.settings.reloaded');
      expect(e).toBeDefined();
      return e!;
    });
    expect(entry).toMatchObject({
      actor: 'signal',
      app_id: null,
      ip_addr: null,
      change: {
        admin: report.adminTokens,
        metrics: report.metricsTokens,
        log_level: report.logLevel,
      },
    });
    expect(JSON.stringify(entry)).not.toContain(tokenFingerprint(server.adminToken));
  });
});

describe('GET /v1/admin/audit and /v1/admin/audit/export', () => {
  it('filters by app, type and time, pages newest first, and refuses a bad time', async () => {
    const all = await audit(`app_id=${server.appId}&type=admin.app.updated`);
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.every((e) => e.app_id === server.appId && e.type === 'admin.app.updated')).toBe(
      true,
    );
    const times = all.map((e) => Date.parse(e.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const page = await call(
      'GET',
      `/v1/admin/audit?app_id=${server.appId}&type=admin.app.updated&limit=1&offset=1`,
    );
    expect(page.body).toMatchObject({ total: all.length, limit: 1, offset: 1 });
    expect(page.body.entries.map((e: Entry) => e.id)).toEqual([all[1]!.id]);
    const later = await audit(
      `from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    expect(later).toEqual([]);
    const bad = await call('GET', '/v1/admin/audit?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_request');
    expect((await call('GET', '/v1/admin/audit', { bearer: null })).status).toBe(401);
  });

  it('exports the same entries as NDJSON, oldest first, every line JSON', async () => {
    const r = await call('GET', `/v1/admin/audit/export?app_id=${server.appId}`);
    expect(r.status).toBe(200);
    const lines = r.text.trimEnd().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as Entry & { source: string });
    const listed = await audit(`app_id=${server.appId}`);
    expect(parsed.map((e) => e.id)).toEqual(listed.map((e) => e.id).reverse());
    expect(parsed.every((e) => e.source === 'audit' && e.app_id === server.appId)).toBe(true);
    expect(r.text.endsWith('\n')).toBe(true);
  });
});

describe('a failed recording', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      origins: [ORIGIN],
      rpId: 'shop.example',
      env: { PASSKEYD_METRICS_TOKEN: METRICS_TOKEN },
    });
  });
  afterAll(() => s.close());

  it('does not turn a done change into an error: the answer stands, and it is counted', async () => {
    s.server.storage.audit.record = async () => {
      throw new Error('audit_log is gone');
    };
    const r = await fetch(`${s.baseUrl}/v1/admin/apps/${s.appId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Still renamed' }),
    });
    expect(r.status).toBe(200);
    expect((await s.server.storage.apps.get(s.appId))?.name).toBe('Still renamed');
    const metrics = await (
      await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    ).text();
    expect(metrics).toContain('passkeyd_audit_record_failures_total{type="admin.app.updated"} 1');
  });
});
