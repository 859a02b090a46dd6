import { sql } from 'kysely';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from './scratch-postgres.js';

/**
 * A TCP proxy in front of PostgreSQL that the test can break and mend, so an outage is
 * simulated without touching the machine's database server.
 */
class TcpProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #mode: 'forward' | 'silent' = 'forward';
  port = 0;

  constructor(readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      this.#track(client);
      if (this.#mode === 'silent') return; // accept, then never answer
      const upstream = createConnection(this.target);
      this.#track(upstream);
      client.pipe(upstream).pipe(client);
      const kill = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', kill).on('close', kill);
      upstream.on('error', kill).on('close', kill);
    });
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(this.port, '127.0.0.1', resolve),
    );
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** The database goes away: the port refuses connections and open ones are reset. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * The network path goes silent, as when a firewall drops packets or a failed-over host
   * vanishes: open connections stop delivering and, with `newConnections`, so do new ones.
   */
  silence({ newConnections }: { newConnections: boolean }): void {
    if (newConnections) this.#mode = 'silent';
    for (const s of this.#sockets) s.pause();
  }

  async heal(): Promise<void> {
    this.#mode = 'forward';
    await this.stop();
    await this.start();
  }

  #track(s: Socket): void {
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
  }
}

const POOL_SIZE = 4;
const probe = await probePostgres(process.env);

describeWithPostgres(probe, process.env, 'readiness with PostgreSQL', (adminUrl) => {
  let db: ScratchDatabase;
  let proxy: TcpProxy;
  let server: TestServer;
  const logLines: string[] = [];

  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'readyz');
    const target = new URL(db.url);
    proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    server = await startTestServer({
      origins: ['http://localhost:3000'],
      databaseUrl: viaProxy.toString(),
      env: { PASSKEYD_PG_POOL_SIZE: String(POOL_SIZE), PASSKEYD_PG_STATEMENT_TIMEOUT_MS: '500' },
      logger: { level: 'warn', stream: { write: (line: string) => void logLines.push(line) } },
    });
  });

  afterAll(async () => {
    try {
      await server?.close();
    } finally {
      await proxy?.stop();
      await db?.drop();
    }
  });

  const createRegisterTransaction = async (externalId: string) => {
    const r = await fetch(`${server.baseUrl}/v1/apps/${server.appId}/transactions/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ external_id: externalId, passkey_display_name: externalId }),
    });
    return r.status;
  };

  const readyz = async () => {
    const started = Date.now();
    const r = await fetch(`${server.baseUrl}/readyz`, { signal: AbortSignal.timeout(20_000) });
    return {
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
      ms: Date.now() - started,
    };
  };

  it('is ready while the database answers', async () => {
    expect(await readyz()).toMatchObject({
      status: 200,
      body: { status: 'ready', storage: 'postgres' },
    });
  });

  it('answers 503 service_unavailable while the database is down, and 200 once it is back, without a restart', async () => {
    await proxy.stop();
    expect(await readyz()).toMatchObject({ status: 503, body: { code: 'service_unavailable' } });

    await proxy.heal();
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready' } });
    // Real work resumes in the same process.
    expect(await createRegisterTransaction('after-outage')).toBe(201);
  });

  it('answers API calls with 503 service_unavailable and Retry-After while the database is down, logged as a warning', async () => {
    await proxy.stop();
    logLines.length = 0;
    try {
      const calls = [
        () =>
          fetch(`${server.baseUrl}/v1/apps/${server.appId}/transactions/register`, {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${server.apiKey}`,
              'Content-Type': 'application/json',
            },
            body: JSON.stringify({ external_id: 'down', passkey_display_name: 'down' }),
          }),
        () =>
          fetch(
            `${server.baseUrl}/v1/apps/${server.appId}/authenticate/transactions/webauthn/start`,
            {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: '{}',
            },
          ),
        () =>
          fetch(`${server.baseUrl}/v1/admin/apps`, {
            headers: { Authorization: `Bearer ${server.adminToken}` },
          }),
      ];
      for (const call of calls) {
        const r = await call();
        expect([r.status, ((await r.json()) as { code: string }).code]).toEqual([
          503,
          'service_unavailable',
        ]);
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    } finally {
      await proxy.heal();
    }
    const logged = logLines.map(
      (l) => JSON.parse(l) as { level: number; msg: string; code?: string },
    );
    expect(logged.some((l) => l.msg === 'unhandled error')).toBe(false);
    const warnings = logged.filter((l) => l.code === 'service_unavailable');
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(warnings.every((l) => l.level === 40)).toBe(true);
    expect(await createRegisterTransaction('after-503')).toBe(201);
  });

  it('fails a query whose connection drops mid-flight without taking the process down', async () => {
    const slow = sql`select pg_sleep(3)`.execute(server.server.storage.db);
    await new Promise((r) => setTimeout(r, 300));
    await proxy.stop();
    await expect(slow).rejects.toThrow();
    await proxy.heal();
    expect(await readyz()).toMatchObject({ status: 200 });
  });

  it('answers 503 within seconds when the network path goes silent, and recovers', async () => {
    await readyz(); // leaves an idle pooled connection that will hang
    proxy.silence({ newConnections: true });
    const down = await readyz();
    expect(down).toMatchObject({ status: 503, body: { code: 'service_unavailable' } });
    // Statement timeout (0.5 s here) plus the margin, or the connect timeout: seconds, not minutes.
    expect(down.ms).toBeLessThan(7000);

    await proxy.heal();
    expect(await readyz()).toMatchObject({ status: 200 });
  });

  it('replaces pooled connections that went silent while the database stayed reachable', async () => {
    // Fill the pool, then silence those connections only (a failover left them dangling).
    await Promise.all(
      Array.from({ length: POOL_SIZE }, () =>
        sql`select pg_sleep(0.05)`.execute(server.server.storage.db),
      ),
    );
    proxy.silence({ newConnections: false });
    const checks: number[] = [];
    for (let i = 0; i <= POOL_SIZE && checks.at(-1) !== 200; i++)
      checks.push((await readyz()).status);
    // Each dead connection fails one check and is then dropped, never reused.
    expect(checks.at(-1)).toBe(200);
    expect(checks.filter((c) => c === 503).length).toBeLessThanOrEqual(POOL_SIZE);
    expect(await createRegisterTransaction('after-failover')).toBe(201);
  });
});
