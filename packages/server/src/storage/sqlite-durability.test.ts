import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { CeremonyClient } from '../testing/ceremony-client.js';
import { openSqliteStorage } from './sqlite.js';

const BIN = fileURLToPath(new URL('../../bin/passkeyd.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'passkeyd-kill9-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

// Needs the compiled CLI (`npm test` builds first). Running this file alone without a build
// fails loudly rather than skipping.
describe('SQLite durability', () => {
  it('keeps every acknowledged write when the server is killed with SIGKILL', async () => {
    expect(built, 'packages/server/dist is missing: run `npm run build` first').toBe(true);
    const db = join(dir, 'passkeyd.db');
    const port = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: `sqlite:${db}`,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'silent',
    };
    const created = JSON.parse(
      execFileSync(
        process.execPath,
        [
          BIN,
          'app',
          'create',
          '--name',
          'k',
          '--rp-id',
          'localhost',
          '--origin',
          'http://localhost:3000',
          '--json',
        ],
        { env },
      ).toString(),
    );
    const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: 'ignore' });
    try {
      const base = `http://127.0.0.1:${port}`;
      // Readiness, not speed: a cold `passkeyd serve` takes 1 s on an idle machine and over 10 s
      // on a loaded one, so wait up to a minute and say so if it never came up.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ready = await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ready) break;
        if (Date.now() > deadline) throw new Error('passkeyd serve was not ready within 60 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const client = new CeremonyClient(
        base,
        created.app_id,
        created.api_key,
        'http://localhost:3000',
      );
      const finish = await client.register(new TestAuthenticator(), 'survivor');
      expect(finish.status).toBe(200);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(existsSync(`${db}-wal`)).toBe(true);

      const storage = await openSqliteStorage({ path: db });
      try {
        const user = await storage.users.findByExternalId(created.app_id, 'survivor');
        expect(user).toBeDefined();
        expect(await storage.credentials.listByUser(created.app_id, user!.id)).toHaveLength(1);
      } finally {
        await storage.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
