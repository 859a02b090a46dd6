// Test-only: runs one suite on SQLite and on PostgreSQL (a scratch database), with the
// PostgreSQL half following describeWithPostgres's rule (a failure under CI=true when the server
// is unreachable, a loud skip otherwise).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../storage/scratch-postgres.js';

/**
 * `suite(engine, databaseUrl)` is called twice. For SQLite `databaseUrl()` is undefined (each
 * test server makes its own file) unless `sqliteFile` asks for one shared file, which suites
 * that restart servers over one database need.
 */
export async function onBothEngines(
  name: string,
  suite: (engine: 'sqlite' | 'postgres', databaseUrl: () => string | undefined) => void,
  opts: { sqliteFile?: boolean } = {},
): Promise<void> {
  if (opts.sqliteFile) {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'passkeyd-suite-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    suite('sqlite', () => `sqlite:${join(dir, 'passkeyd.db')}`);
  } else {
    suite('sqlite', () => undefined);
  }
  const probe = await probePostgres(process.env);
  describeWithPostgres(probe, process.env, `${name} on PostgreSQL`, (adminUrl) => {
    let db: ScratchDatabase;
    beforeAll(async () => {
      db = await createScratchDatabase(adminUrl, name);
    });
    afterAll(() => db?.drop());
    suite('postgres', () => db.url);
  });
}
