import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';

let server: TestServer;
const logLines: string[] = [];

beforeAll(async () => {
  server = await startTestServer({
    origins: ['http://localhost:3000'],
    logger: { level: 'warn', stream: { write: (line: string) => void logLines.push(line) } },
  });
});
afterAll(() => server.close());

const registerTx = (externalId: string) =>
  fetch(`${server.baseUrl}/v1/apps/${server.appId}/transactions/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ external_id: externalId, passkey_display_name: externalId }),
  });

it('a database file locked past busy_timeout → 503 service_unavailable with Retry-After, logged as a warning', async () => {
  // Another process (a backup tool, a second passkeyd on the same file) holds the write lock.
  const other = new SqliteDatabase(server.config.databaseUrl.slice('sqlite:'.length));
  other.exec('BEGIN EXCLUSIVE');
  try {
    const r = await registerTx('locked-out');
    expect([r.status, ((await r.json()) as { code: string }).code]).toEqual([
      503,
      'service_unavailable',
    ]);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
  const logged = logLines.map(
    (l) => JSON.parse(l) as { level: number; msg: string; code?: string },
  );
  expect(logged.some((l) => l.msg === 'unhandled error')).toBe(false);
  expect(logged.find((l) => l.code === 'service_unavailable')?.level).toBe(40);
  // The lock is gone: the same call succeeds in the same process.
  expect((await registerTx('after-lock')).status).toBe(201);
}, 20_000);
