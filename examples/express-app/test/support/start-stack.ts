import { startTestServer, type TestServer } from '@passkeyd/server/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExampleApp, type RunningExampleApp } from '../../src/start-example-app.js';

/** passkeyd's clock, moved forward by tests that need a transaction to expire. */
export class OffsetClock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

export interface Stack {
  passkeyd: TestServer;
  example: RunningExampleApp;
  /** The example app's own SQLite file (its users and sessions). */
  exampleDatabasePath: string;
  clock: OffsetClock;
  /** The example app's own clock (its sessions and sign-up windows). */
  exampleClock: OffsetClock;
  /** What the example app logged (unexpected errors only). */
  logged: Array<{ message: string; err: unknown }>;
  close(): Promise<void>;
}

/**
 * A real passkeyd (temp SQLite file) and the example app in-process on its own port and its own
 * SQLite file, wired like `npm start` wires them: the example's origin is the passkeyd app's
 * allowed origin.
 */
export async function startStack(options: { passkeydUrl?: string } = {}): Promise<Stack> {
  const clock = new OffsetClock();
  const exampleClock = new OffsetClock();
  // The example's port is known only once it listens, so the app starts with a placeholder
  // origin and gets the real one through the admin API, as an operator would set it.
  const passkeyd = await startTestServer({
    origins: ['http://localhost:1'],
    rpId: 'localhost',
    clock,
  });
  const dir = mkdtempSync(join(tmpdir(), 'passkeyd-example-'));
  const logged: Stack['logged'] = [];
  const exampleDatabasePath = join(dir, 'example-app.db');
  let example: RunningExampleApp;
  try {
    example = await startExampleApp(
      {
        host: '127.0.0.1',
        port: 0,
        publicUrl: undefined,
        databasePath: exampleDatabasePath,
        cookieSecret: 'test-cookie-secret-0123456789abcdef0123456789',
        passkeyd: {
          url: options.passkeydUrl ?? passkeyd.baseUrl,
          browserUrl: options.passkeydUrl ?? passkeyd.baseUrl,
          appId: passkeyd.appId,
          apiKey: passkeyd.apiKey,
        },
      },
      { log: (message, err) => logged.push({ message, err }), now: () => exampleClock.now() },
    );
    await allowOrigin(passkeyd, example.url);
  } catch (err) {
    await passkeyd.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    passkeyd,
    example,
    exampleDatabasePath,
    clock,
    exampleClock,
    logged,
    async close() {
      await example.close();
      await passkeyd.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function allowOrigin(passkeyd: TestServer, origin: string): Promise<void> {
  const response = await fetch(
    `${passkeyd.baseUrl}/v1/admin/apps/${encodeURIComponent(passkeyd.appId)}`,
    {
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${passkeyd.adminToken}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ origins: [origin] }),
    },
  );
  if (!response.ok)
    throw new Error(`allowing ${origin}: HTTP ${response.status} ${await response.text()}`);
}
