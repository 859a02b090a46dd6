import type { PassageFlex } from '@passkeyd/node';
import type { SessionStore } from './sessions.js';
import type { UserStore } from './users.js';

export type Logger = (message: string, err?: unknown) => void;

/** What the routes need; built once in start-example-app.ts (and by tests). */
export interface AppDeps {
  users: UserStore;
  sessions: SessionStore;
  /** The guide's backend SDK, pointed at passkeyd. */
  passage: PassageFlex;
  now: () => number;
  log: Logger;
  /** This app's origin, e.g. http://localhost:3000: the only Origin accepted on POSTs. */
  publicOrigin: string;
  cookieSecret: string;
  /** What the pages give the browser SDK. */
  browser: { appId: string; passkeydUrl: string };
}
