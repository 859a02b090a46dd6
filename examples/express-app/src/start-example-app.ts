import { PassageFlex } from '@passkeyd/node';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from './build-app.js';
import type { ExampleConfig } from './config.js';
import { openDatabase } from './database.js';
import type { Logger } from './deps.js';
import { sessionStore } from './sessions.js';
import { userStore } from './users.js';

export interface RunningExampleApp {
  /** Where browsers open the app, e.g. http://localhost:3000 */
  url: string;
  close(): Promise<void>;
}

/** The composition root: config → database → passkeyd client → Express → listen. */
export async function startExampleApp(
  config: ExampleConfig,
  opts: { log?: Logger; now?: () => number } = {},
): Promise<RunningExampleApp> {
  const db = openDatabase(config.databasePath);
  const passage = new PassageFlex({
    appId: config.passkeyd.appId,
    apiKey: config.passkeyd.apiKey,
    baseUrl: config.passkeyd.url,
  });
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    db.close();
    throw err;
  }
  // With PORT=0 the origin is known only now, and the app needs it (cookies, Origin checks).
  const { port } = server.address() as AddressInfo;
  const url = config.publicUrl ?? `http://localhost:${port}`;
  const app = buildApp({
    users: userStore(db),
    sessions: sessionStore(db),
    passage,
    now: opts.now ?? (() => Date.now()),
    log: opts.log ?? ((message, err) => console.error(message, err)),
    publicOrigin: new URL(url).origin,
    cookieSecret: config.cookieSecret,
    browser: { appId: config.passkeyd.appId, passkeydUrl: config.passkeyd.browserUrl },
  });
  server.on('request', app);
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => {
          db.close();
          if (err) reject(err);
          else resolve();
        });
      }),
  };
}
