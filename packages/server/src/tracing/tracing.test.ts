import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { loadConfig } from '../config/config.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../storage/scratch-postgres.js';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';
import { tracesUrl } from './tracing.js';

const ORIGIN = 'http://localhost:3000';

type AnyValue = {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
};
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number };
  attributes?: { key: string; value: AnyValue }[];
}
interface Received {
  path: string;
  contentType: string;
  body: string;
}

/** An OTLP/HTTP collector in this process: it keeps every POST /v1/traces as it came. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: String(req.headers['content-type']),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const attr = (s: OtlpSpan, key: string): string | number | boolean | undefined => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.stringValue ?? v.boolValue ?? v.doubleValue;
};
const KIND_SERVER = 2;
const KIND_CLIENT = 3;

function suite(engine: 'sqlite' | 'postgresql', databaseUrl: () => string | undefined) {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let server: TestServer;
  let spans: OtlpSpan[];
  let resourceAttrs: { key: string; value: AnyValue }[];
  // Every value the ceremony handled that must never reach a collector.
  const secrets: Record<string, string> = {};
  const parentTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentSpanId = '00f067aa0ba902b7';

  beforeAll(async () => {
    receiver = await startReceiver();
    const url = databaseUrl();
    server = await startTestServer({
      origins: [ORIGIN],
      ...(url ? { databaseUrl: url } : {}),
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'passkeyd-test' },
    });
    const client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    const device = new TestAuthenticator();
    secrets.apiKey = server.apiKey;
    secrets.adminToken = server.adminToken;
    secrets.externalId = 'otel-user-4711';

    // Registration, step by step, so the challenge and ids can be collected.
    secrets.displayName = 'Otto Telemann';
    const regTx = await client.createRegisterTransaction(secrets.externalId, secrets.displayName);
    const regStart = await client.startRegistration(regTx);
    secrets.registerTransaction = regTx;
    secrets.registerHandshake = regStart.handshake.id;
    secrets.registerChallenge = regStart.handshake.challenge.publicKey.challenge;
    const created = device.createCredential(regStart.handshake.challenge.publicKey, {
      origin: ORIGIN,
    }) as { id: string };
    secrets.credentialId = created.id;
    const regFinish = await client.finishRegistration(regStart.handshake.id, created, regTx);
    expect(regFinish.status).toBe(200);
    secrets.registerNonce = regFinish.body.nonce;
    expect((await client.verifyNonce(regFinish.body.nonce)).status).toBe(200);

    // Sign-in, with a traceparent as a traced app backend would send it.
    const authTx = await client.createAuthenticateTransaction(secrets.externalId);
    const authStart = await client.startAuthentication(authTx);
    secrets.authenticateTransaction = authTx;
    secrets.authenticateHandshake = authStart.handshake.id;
    secrets.authenticateChallenge = authStart.handshake.challenge.publicKey.challenge;
    const assertion = device.getAssertion(authStart.handshake.challenge.publicKey, {
      origin: ORIGIN,
    });
    const authFinish = await client.finishAuthentication(authStart.handshake.id, assertion, authTx);
    expect(authFinish.status).toBe(200);
    secrets.authenticateNonce = authFinish.body.nonce;
    const verified = await client.request('POST', `/apps/${server.appId}/authenticate/verify`, {
      body: { nonce: authFinish.body.nonce },
      headers: {
        authorization: `Bearer ${server.apiKey}`,
        traceparent: `00-${parentTraceId}-${parentSpanId}-01`,
      },
    });
    expect(verified.status).toBe(200);
    // A replayed nonce: a refusal with its code.
    const replay = await client.verifyNonce(authFinish.body.nonce);
    expect(replay.body).toMatchObject({ code: 'invalid_nonce' });
    // The admin API, with the admin token.
    const admin = await client.request('GET', '/admin/apps', {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(admin.status).toBe(200);

    // Closing flushes the spans still batched.
    await server.close();
    spans = [];
    resourceAttrs = [];
    for (const r of receiver.received) {
      const doc = JSON.parse(r.body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: AnyValue }[] };
          scopeSpans: { spans: OtlpSpan[] }[];
        }[];
      };
      for (const rs of doc.resourceSpans) {
        resourceAttrs.push(...rs.resource.attributes);
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
    }
  });
  afterAll(() => receiver.close());

  const serverSpan = (route: string, nth = 0) => {
    const found = spans.filter(
      (s) => s.kind === KIND_SERVER && attr(s, 'http.route') === `/v1/apps/:appId${route}`,
    );
    expect(found.length, route).toBeGreaterThan(nth);
    return found[nth] as OtlpSpan;
  };

  it('should export OTLP/HTTP JSON to <endpoint>/v1/traces with the configured service name', () => {
    expect(receiver.received.length).toBeGreaterThan(0);
    for (const r of receiver.received) {
      expect(r.path).toBe('/v1/traces');
      expect(r.contentType).toMatch(/^application\/json/);
    }
    expect(resourceAttrs).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'passkeyd-test' },
    });
  });

  it('should open one server span per ceremony request with route, app id, ceremony and outcome', () => {
    const cases = [
      ['/transactions/register', 'register', 'transaction', 201],
      ['/register/transactions/webauthn/start', 'register', 'start', 200],
      ['/register/transactions/webauthn/finish', 'register', 'finish', 200],
      ['/transactions/authenticate', 'authenticate', 'transaction', 201],
      ['/authenticate/transactions/webauthn/start', 'authenticate', 'start', 200],
      ['/authenticate/transactions/webauthn/finish', 'authenticate', 'finish', 200],
    ] as const;
    for (const [route, ceremony, step, status] of cases) {
      const s = serverSpan(route);
      expect(s.name).toBe(`POST /v1/apps/:appId${route}`);
      expect(attr(s, 'http.request.method')).toBe('POST');
      expect(attr(s, 'http.response.status_code')).toBe(status);
      expect(attr(s, 'passkeyd.app.id')).toBe(server.appId);
      expect(attr(s, 'passkeyd.ceremony')).toBe(ceremony);
      expect(attr(s, 'passkeyd.ceremony.step')).toBe(step);
      expect(attr(s, 'passkeyd.outcome')).toBe('ok');
      expect(attr(s, 'passkeyd.error.code')).toBeUndefined();
    }
  });

  it('should record a refusal with its outcome and error code', () => {
    const verifies = spans.filter(
      (s) => attr(s, 'http.route') === '/v1/apps/:appId/authenticate/verify',
    );
    expect(verifies.map((s) => attr(s, 'passkeyd.outcome'))).toEqual(['ok', 'ok', 'refused']);
    const refused = verifies[2] as OtlpSpan;
    expect(attr(refused, 'passkeyd.ceremony.step')).toBe('verify');
    expect(attr(refused, 'passkeyd.error.code')).toBe('invalid_nonce');
    expect(attr(refused, 'http.response.status_code')).toBe(401);
    // 4xx is the client's doing: the HTTP conventions leave the server span's status unset.
    expect(refused.status?.code ?? 0).toBe(0);
  });

  it('should continue the trace of a caller that sends traceparent', () => {
    const s = serverSpan('/authenticate/verify', 1);
    expect(s.traceId).toBe(parentTraceId);
    expect(s.parentSpanId).toBe(parentSpanId);
  });

  it(`should give each request's ${engine} statements child spans without their parameters`, () => {
    const finish = serverSpan('/authenticate/transactions/webauthn/finish');
    const children = spans.filter((s) => s.parentSpanId === finish.spanId);
    expect(children.length).toBeGreaterThan(0);
    for (const c of children) {
      expect(c.kind).toBe(KIND_CLIENT);
      expect(c.traceId).toBe(finish.traceId);
      expect(attr(c, 'db.system.name')).toBe(engine);
      expect(attr(c, 'db.operation.name')).toMatch(/^[A-Z]+$/);
    }
    const names = children.map((c) => c.name);
    // F4 is one round trip (docs/architecture.md): on PostgreSQL one statement with CTEs, on
    // SQLite one BEGIN IMMEDIATE … COMMIT of prepared statements. Hand-written SQL, traced by
    // name (storage/ceremonies), parameterised like the builder's.
    const statement = children.find((c) => /recordUse|sign_?in|complete/i.test(c.name)) as OtlpSpan;
    expect(statement, names.join(', ')).toBeDefined();
    if (engine === 'sqlite') {
      expect(names).toContain('BEGIN');
      expect(names).toContain('COMMIT');
    } else {
      expect(names).not.toContain('BEGIN');
    }
    expect(String(attr(statement, 'db.query.text'))).toMatch(engine === 'sqlite' ? /[@?]/ : /\$1/);
    // Every statement span belongs to a request (or the purge): none is a root of its own.
    const ids = new Set(spans.map((s) => s.spanId));
    for (const s of spans.filter((x) => x.kind === KIND_CLIENT))
      expect(ids.has(s.parentSpanId ?? ''), s.name).toBe(true);
  });

  it('should put no secret, nonce, challenge or personal id in any span', () => {
    expect(Object.keys(secrets)).toHaveLength(13);
    const values: string[] = [...resourceAttrs.map((a) => JSON.stringify(a.value))];
    for (const s of spans) {
      values.push(s.name);
      for (const a of s.attributes ?? []) values.push(a.key, JSON.stringify(a.value));
    }
    expect(values.length).toBeGreaterThan(spans.length * 3);
    for (const [what, secret] of Object.entries(secrets)) {
      expect(typeof secret, what).toBe('string');
      for (const v of values) expect(v.includes(secret), `${what} in ${v}`).toBe(false);
      // Nor anywhere else in what was exported (events, links, status messages).
      for (const r of receiver.received) expect(r.body.includes(secret), what).toBe(false);
    }
  });
}

describe('OpenTelemetry traces, SQLite', () => suite('sqlite', () => undefined));

const probe = await probePostgres(process.env);
describeWithPostgres(probe, process.env, 'OpenTelemetry traces, PostgreSQL', (adminUrl) => {
  let db: ScratchDatabase | undefined;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'otel');
  });
  afterAll(() => db?.drop());
  suite('postgresql', () => db?.url);
});

describe('the traces endpoint', () => {
  it('should append v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT and use the traces one as is', () => {
    expect(tracesUrl(loadConfig({}))).toBeNull();
    expect(tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }))).toBe(
      'http://c:4318/v1/traces',
    );
    expect(
      tracesUrl(
        loadConfig({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t.example/otlp',
        }),
      ),
    ).toBe('https://t.example/otlp');
    expect(
      tracesUrl(
        loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
      ),
    ).toBeNull();
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});
