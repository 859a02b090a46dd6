import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';

/**
 * Test support for the PostgreSQL suites: where the test server is, throwaway databases on it,
 * and the CI rule (a missing PostgreSQL fails in CI and skips loudly elsewhere). The caller
 * passes its environment in, so this module reads no process state of its own.
 */

export const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export type PostgresProbe =
  { available: true; url: string } | { available: false; url: string; reason: string };

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export function isCI(env: Record<string, string | undefined>): boolean {
  return /^(true|1|yes)$/i.test(env.CI ?? '');
}

/** Connects once to PASSKEYD_TEST_PG_URL (a maintenance database such as `postgres`). */
export async function probePostgres(
  env: Record<string, string | undefined>,
): Promise<PostgresProbe> {
  const url = env.PASSKEYD_TEST_PG_URL || DEFAULT_TEST_PG_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return { available: true, url };
  } catch (err) {
    return {
      available: false,
      url,
      reason: err instanceof Error ? err.message || err.name : String(err),
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * `describe` for a suite that needs PostgreSQL. A suite that silently skips proves nothing, so
 * without a server it fails in CI and, on a developer machine, skips with the reason printed.
 */
export function describeWithPostgres(
  probe: PostgresProbe,
  env: Record<string, string | undefined>,
  name: string,
  suite: (url: string) => void,
): void {
  if (probe.available) {
    describe(name, () => suite(probe.url));
    return;
  }
  const why = `PostgreSQL is unreachable at ${redact(probe.url)}: ${probe.reason}. Start it (pg_ctlcluster <version> main start) or set PASSKEYD_TEST_PG_URL.`;
  if (isCI(env)) {
    describe(name, () => {
      it('needs PostgreSQL in CI', () => {
        throw new Error(`${why} CI=true, so this is a failure, not a skip.`);
      });
    });
    return;
  }
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPING PostgreSQL suite "${name}"\n!! ${why}\n${'!'.repeat(78)}\n`,
  );
  describe.skip(`${name} [SKIPPED: no PostgreSQL]`, () => suite(probe.url));
}

/**
 * Creates an empty database with a random name next to the maintenance database of `adminUrl`;
 * `drop()` removes it, disconnecting any session a failed test left behind.
 */
export async function createScratchDatabase(
  adminUrl: string,
  label: string,
): Promise<ScratchDatabase> {
  const name = `passkeyd_${label
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
