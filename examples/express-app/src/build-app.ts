import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import { fileURLToPath } from 'node:url';
import type { AppDeps } from './deps.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { sameOriginWrites, securityHeaders } from './http/security.js';
import { loadSession } from './http/session-cookie.js';
import { accountRoutes } from './routes/account.js';
import { pageRoutes } from './routes/pages.js';
import { signInRoutes } from './routes/sign-in.js';
import { signUpRoutes } from './routes/sign-up.js';

// One level up from both src/ (tests) and dist/ (npm start).
const publicDir = fileURLToPath(new URL('../public/', import.meta.url));

/** The Express app, without listening: start-example-app.ts listens, tests may too. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders(deps.browser.passkeydUrl));
  app.use(express.json({ limit: '16kb' }));
  app.use(cookieParser(deps.cookieSecret));
  app.use(sameOriginWrites(deps.publicOrigin));
  app.use(express.static(publicDir, { index: false }));
  app.use(loadSession(deps));
  app.use(pageRoutes(deps));
  app.use(signUpRoutes(deps));
  app.use(signInRoutes(deps));
  app.use(accountRoutes(deps));
  app.use(notFound);
  app.use(errorHandler(deps));
  return app;
}
