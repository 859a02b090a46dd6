import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { ERROR_CODES } from '../domain/errors.js';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../storage/scratch-postgres.js';

/**
 * "The class, not only the instances" (issue 12): every route of the OpenAPI document, every
 * parameter and every string body field (from the schema, recursively through $refs, arrays and
 * unions), in turn set to each hostile string below, sent with the credentials the route's
 * security names against a world with a real app, user and passkey, on SQLite and PostgreSQL.
 * Demanded of every answer: no 5xx, a `{code, error}` body, the server still serving, and no
 * stored row changed by a request that was refused (see `unchanged` below); a NUL or a lone
 * surrogate is never accepted. A 10 kB string or an RTL override may be, where the field allows. A route added later
 * is walked without touching this file.
 */

const ORIGIN = 'http://localhost:3000';
const HOSTILE = {
  nul: 'fuzz\u0000x',
  'lone surrogate': 'fuzz\ud800x',
  '10 kB': 'x'.repeat(10_240),
  'RTL override': 'fuzz\u202eexe.txt',
} as const;

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  minimum?: number;
  format?: string;
  nullable?: boolean;
  additionalProperties?: boolean | Schema;
};
type Operation = {
  security?: Record<string, unknown>[];
  parameters?: { in: 'path' | 'query'; name: string; schema: Schema; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
};
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

/** A field of a JSON body: the keys from the root, and whether it holds free-form keys. */
type FieldPath = (string | number)[];

/** URL-encodes one path segment or query value; a lone surrogate goes out as its WTF-8 bytes. */
function encodeComponent(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

function setAt(root: Record<string, unknown>, path: FieldPath, value: unknown): void {
  let node: Record<string | number, unknown> = root;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (next === null || typeof next !== 'object')
      node[key] = typeof path[i + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  });
}

function suite(databaseUrl: () => string | undefined) {
  let server: TestServer;
  let client: CeremonyClient;
  let doc: Doc;
  const owner = new TestAuthenticator();
  const ids: Record<string, string> = {};

  const deref = (s: Schema): Schema =>
    s.$ref ? deref(doc.components.schemas[s.$ref.split('/').pop() as string] as Schema) : s;

  /** Every field a string can be put in: string leaves, array items, and free-form objects. */
  function fields(s: Schema, at: FieldPath = [], depth = 0): FieldPath[] {
    const schema = deref(s);
    if (depth > 6) return [];
    if (schema.anyOf) return schema.anyOf.flatMap((o) => fields(o, at, depth + 1)).filter(unique());
    if (schema.type === 'string') return [at];
    if (schema.type === 'array' && schema.items) return fields(schema.items, [...at, 0], depth + 1);
    if (schema.type === 'object') {
      const own = Object.entries(schema.properties ?? {}).flatMap(([k, v]) =>
        fields(v, [...at, k], depth + 1),
      );
      // A free-form object takes any key: a hostile value under an ordinary one.
      return schema.additionalProperties && !schema.properties ? [[...at, 'fuzz']] : own;
    }
    return [];
  }
  const unique = () => {
    const seen = new Set<string>();
    return (p: FieldPath) => !seen.has(JSON.stringify(p)) && !!seen.add(JSON.stringify(p));
  };

  /** A plausible value for a schema: required properties only, so the fuzzed field stands out. */
  function sample(s: Schema, name = ''): unknown {
    const schema = deref(s);
    if (schema.anyOf)
      return sample(schema.anyOf.find((o) => !o.nullable) ?? schema.anyOf[0]!, name);
    if (schema.enum) return schema.enum[0];
    switch (schema.type) {
      case 'string':
        return schema.format === 'date-time' ? '2026-01-01T00:00:00Z' : (SAMPLES[name] ?? 'fuzz');
      case 'integer':
      case 'number':
        return schema.minimum ?? 1;
      case 'boolean':
        return false;
      case 'array':
        return schema.items ? [sample(schema.items, name)] : [];
      case 'object':
        return Object.fromEntries(
          (schema.required ?? []).map((k) => [k, sample(schema.properties?.[k] ?? {}, k)]),
        );
      default:
        return null;
    }
  }
  const SAMPLES: Record<string, string> = {
    external_id: 'hostile-owner',
    passkey_display_name: 'Owner',
    friendly_name: 'Laptop',
    name: 'Fuzz',
    rp_id: 'localhost',
    origins: ORIGIN,
    nonce: `nce_${'A'.repeat(43)}`,
    url: 'https://hooks.example.com/passkeyd',
  };

  /** Bodies that need live state to get past their first check: fresh per request. */
  const liveBodies: Record<string, () => Promise<Record<string, unknown>>> = {
    'POST /v1/apps/{appId}/register/transactions/webauthn/start': async () => ({
      transaction_id: await client.createRegisterTransaction('fuzz-registrant'),
    }),
    'POST /v1/apps/{appId}/authenticate/transactions/webauthn/start': async () => ({
      transaction_id: await client.createAuthenticateTransaction('hostile-owner'),
    }),
    'POST /v1/apps/{appId}/register/transactions/webauthn/finish': async () => {
      const tx = await client.createRegisterTransaction('fuzz-registrant');
      const start = await client.startRegistration(tx);
      const response = new TestAuthenticator().createCredential(
        start.handshake.challenge.publicKey,
        { origin: ORIGIN },
      );
      return { handshake_id: start.handshake.id, handshake_response: response, transaction_id: tx };
    },
    'POST /v1/apps/{appId}/authenticate/transactions/webauthn/finish': async () => {
      const tx = await client.createAuthenticateTransaction('hostile-owner');
      const start = await client.startAuthentication(tx);
      const response = owner.getAssertion(start.handshake.challenge.publicKey, { origin: ORIGIN });
      return { handshake_id: start.handshake.id, handshake_response: response, transaction_id: tx };
    },
  };

  /**
   * What "unchanged" means: no row of apps, api_keys (but its last_used_at, which any
   * authenticated call may touch), users, credentials, transactions, nonces or webhook
   * endpoints differs, and no event or webhook delivery row changed or vanished. A refused
   * request may still append an audit event (a failed sign-in is recorded, with its webhook
   * deliveries) and consume a handshake (a challenge answers one finish, right or wrong).
   */
  async function snapshot() {
    const db = server.server.storage.db;
    const rows = async (
      table: 'apps' | 'users' | 'credentials' | 'transactions' | 'nonces' | 'webhook_endpoints',
    ) => (await db.selectFrom(table).selectAll().execute()).map((r) => JSON.stringify(r)).sort();
    const [apps, users, credentials, transactions, nonces, endpoints, keys, events, deliveries] =
      await Promise.all([
        rows('apps'),
        rows('users'),
        rows('credentials'),
        rows('transactions'),
        rows('nonces'),
        rows('webhook_endpoints'),
        db.selectFrom('api_keys').selectAll().execute(),
        db.selectFrom('events').selectAll().execute(),
        db.selectFrom('webhook_deliveries').selectAll().execute(),
      ]);
    return {
      apps,
      api_keys: keys.map(({ last_used_at: _ignored, ...r }) => JSON.stringify(r)).sort(),
      users,
      credentials,
      transactions,
      nonces,
      webhook_endpoints: endpoints,
      events: new Set(events.map((r) => JSON.stringify(r))),
      // An event a refusal appends (a failed sign-in) fans out to deliveries: those may appear.
      webhook_deliveries: new Set(deliveries.map((r) => JSON.stringify(r))),
    };
  }
  function changes(before: Awaited<ReturnType<typeof snapshot>>, after: typeof before): string[] {
    const out: string[] = [];
    for (const t of [
      'apps',
      'api_keys',
      'users',
      'credentials',
      'transactions',
      'nonces',
      'webhook_endpoints',
    ] as const)
      if (JSON.stringify(before[t]) !== JSON.stringify(after[t])) out.push(t);
    for (const t of ['events', 'webhook_deliveries'] as const)
      for (const e of before[t]) if (!after[t].has(e)) out.push(t);
    return out;
  }

  beforeAll(async () => {
    const url = databaseUrl();
    server = await startTestServer({
      origins: [ORIGIN],
      ...(url ? { databaseUrl: url } : {}),
      // No dispatcher: its attempts change webhook rows while the walk compares them.
      env: { PASSKEYD_WEBHOOKS: 'false' },
    });
    client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    expect((await client.register(owner, 'hostile-owner')).status).toBe(200);
    const users = await client.backend<{ users: { id: string }[] }>(
      'GET',
      '/users?identifier=hostile-owner',
    );
    ids.userId = users.body.users[0]!.id;
    const devices = await client.backend<{ devices: { id: string }[] }>(
      'GET',
      `/users/${ids.userId}/devices`,
    );
    ids.deviceId = devices.body.devices[0]!.id;
    const key = await client.request<{ key: { id: string } }>(
      'POST',
      `/admin/apps/${server.appId}/keys`,
      { body: { name: 'spare' }, headers: { authorization: `Bearer ${server.adminToken}` } },
    );
    ids.keyId = key.body.key.id;
    const admin = { headers: { authorization: `Bearer ${server.adminToken}` } };
    const hook = await client.request<{ id: string }>(
      'POST',
      `/admin/apps/${server.appId}/webhooks`,
      { ...admin, body: { url: 'https://hooks.example.com/passkeyd' } },
    );
    ids.endpointId = hook.body.id;
    const test = await client.request<{ delivery_id: string }>(
      'POST',
      `/admin/apps/${server.appId}/webhooks/${ids.endpointId}/test`,
      admin,
    );
    ids.deliveryId = test.body.delivery_id;
    ids.appId = server.appId;
    doc = server.server.app.swagger() as unknown as Doc;
  });
  afterAll(() => server?.close());

  it('walks every route with every hostile string: no 5xx, a {code, error} body, nothing changed by a refusal', async () => {
    const started = Date.now();
    const failures: string[] = [];
    const tally = new Map<string, number>();
    let sent = 0;
    // The state every refusal must leave as it found; moved on by each accepted request.
    let baseline = await snapshot();
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    );
    expect(routes.length).toBeGreaterThan(25);

    for (const { method, path, op } of routes) {
      const route = `${method} ${path}`;
      const params = op.parameters ?? [];
      const json = op.requestBody?.content['application/json']?.schema;
      const raw = op.requestBody && !json ? Object.keys(op.requestBody.content)[0] : undefined;
      const auth = op.security?.some((s) => 'adminToken' in s)
        ? server.adminToken
        : op.security?.some((s) => 'apiKey' in s)
          ? server.apiKey
          : undefined;

      type Target =
        | { kind: 'path' | 'query'; name: string }
        | { kind: 'body'; field: FieldPath }
        | { kind: 'key' };
      const targets: Target[] = [
        ...params.map((p) => ({ kind: p.in, name: p.name }) as Target),
        ...(json ? fields(json).map((field) => ({ kind: 'body', field }) as Target) : []),
        ...(json ? [{ kind: 'key' } as Target] : []),
      ];

      for (const target of targets) {
        for (const [label, hostile] of Object.entries(HOSTILE)) {
          const pathValues: Record<string, string> = {};
          for (const p of params.filter((q) => q.in === 'path'))
            pathValues[p.name] = ids[p.name] ?? 'fuzz';
          const query = new URLSearchParams();
          for (const p of params.filter((q) => q.in === 'query' && q.required))
            query.set(p.name, String(sample(p.schema, p.name)));
          let qs = query.toString();
          const live = json ? liveBodies[route] : undefined;
          let body: Record<string, unknown> | undefined = live
            ? await live()
            : json
              ? (sample(json) as Record<string, unknown>)
              : undefined;
          // The live body's own setup (a transaction, a handshake) is not the request's doing.
          if (live) baseline = await snapshot();

          if (target.kind === 'path') pathValues[target.name] = hostile;
          if (target.kind === 'query')
            qs = `${qs ? `${qs}&` : ''}${encodeComponent(target.name)}=${encodeComponent(hostile)}`;
          if (target.kind === 'body') setAt(body as Record<string, unknown>, target.field, hostile);
          if (target.kind === 'key') body = { ...body, [hostile]: 'x' };

          const url =
            path.replace(/\{(\w+)\}/g, (_m, name: string) =>
              target.kind === 'path' && target.name === name
                ? encodeComponent(pathValues[name] as string)
                : encodeURIComponent(pathValues[name] as string),
            ) + (qs ? `?${qs}` : '');
          const what = `${route} ${target.kind}:${'name' in target ? target.name : 'field' in target ? target.field.join('.') : '<key>'} = ${label}`;
          let status: number;
          let text: string;
          try {
            const r = await fetch(`${server.baseUrl}${url}`, {
              method,
              headers: {
                ...(auth ? { authorization: `Bearer ${auth}` } : {}),
                ...(json ? { 'content-type': 'application/json' } : {}),
                ...(raw ? { 'content-type': raw } : {}),
                origin: ORIGIN,
              },
              ...(json ? { body: JSON.stringify(body) } : raw ? { body: '' } : {}),
            });
            status = r.status;
            text = await r.text();
          } catch (err) {
            failures.push(`${what}: request failed (${String(err)})`);
            continue;
          }
          sent++;
          let parsed: { code?: unknown; error?: unknown } = {};
          try {
            parsed = JSON.parse(text) as typeof parsed;
          } catch {
            // not JSON: reported below when the answer is an error
          }
          const outcome = `${status} ${typeof parsed.code === 'string' ? parsed.code : ''}`;
          tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
          if (status >= 500) failures.push(`${what}: ${status} ${text.slice(0, 120)}`);
          // No engine can store these faithfully, so no route may accept them (item 2).
          if (status < 400 && (label === 'nul' || label === 'lone surrogate'))
            failures.push(`${what}: accepted with ${status}`);
          const now = await snapshot();
          if (status >= 400) {
            if (typeof parsed.code !== 'string' || typeof parsed.error !== 'string')
              failures.push(`${what}: ${status} without {code, error}: ${text.slice(0, 120)}`);
            // Fastify's own pre-routing errors (an undecodable or over-long path segment) are
            // mapped by frameworkErrors, so every code must be one of ours.
            else if (!(parsed.code in ERROR_CODES))
              failures.push(`${what}: unregistered code ${parsed.code}`);
            const changed = changes(baseline, now);
            if (changed.length > 0)
              failures.push(`${what}: ${status} but changed ${changed.join(', ')}`);
          }
          baseline = now;
        }
      }
    }

    expect(failures).toEqual([]);
    // The process is alive and still serves the real user.
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    expect((await client.authenticate(owner, 'hostile-owner')).status).toBe(200);
    expect(sent).toBeGreaterThan(400);
    console.info(
      `hostile input: ${sent} requests in ${Date.now() - started} ms;`,
      JSON.stringify(Object.fromEntries([...tally].sort((a, b) => b[1] - a[1]))),
    );
  }, 120_000);
}

describe('hostile input on every route, SQLite', () => suite(() => undefined));

const probe = await probePostgres(process.env);
describeWithPostgres(probe, process.env, 'hostile input on every route, PostgreSQL', (adminUrl) => {
  let db: ScratchDatabase | undefined;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'hostile');
  });
  afterAll(() => db?.drop());
  suite(() => db?.url);
});
