import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../domain/types.js';
import type { AppDirectory } from '../../domain/apps/app-directory.js';
import { pageOrigins } from '../../domain/apps/app-origins.js';
import type { BrowserBudget } from '../rate-limit/browser-budget.js';
import { clientAddress } from '../rate-limit/client-address.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The app named by the path, loaded once per request (undefined: not loaded yet; null: none). */
    passkeydApp?: App | null;
  }
}

export async function loadRequestApp(req: FastifyRequest, apps: AppDirectory): Promise<App | null> {
  if (req.passkeydApp === undefined) {
    const appId = (req.params as { appId?: string }).appId;
    req.passkeydApp = (await apps.get(appId)) ?? null;
  }
  return req.passkeydApp;
}

/** The browser API (passage-wire.md §2.1 F1-F4), relative to /v1: the only paths CORS applies to. */
export const BROWSER_PATHS = [
  '/apps/:appId/register/transactions/webauthn/start',
  '/apps/:appId/register/transactions/webauthn/finish',
  '/apps/:appId/authenticate/transactions/webauthn/start',
  '/apps/:appId/authenticate/transactions/webauthn/finish',
] as const;

/**
 * The request headers the SDKs send (passage-wire.md §2.2: passage-flex-js sends exactly these
 * two; packages/js/src/http.ts the same). A fixed list rather than an echo of
 * Access-Control-Request-Headers, so a page cannot get any other header approved.
 */
const ALLOWED_HEADERS = 'content-type, passage-flex-version';

/**
 * CORS and the rate limit for the browser-facing API, per app: only an origin in the app's
 * allowed list is echoed, and it is set in onRequest so that every response, errors and 429s
 * included, carries it (otherwise the browser hides our error behind a status-less network
 * failure; passage-wire.md §6.1). The budget is charged here too, before any route work, and the
 * address's unknown-app budget is checked before the app lookup.
 */
export function registerFrontendCors(
  scope: FastifyInstance,
  apps: AppDirectory,
  budget?: BrowserBudget,
): void {
  scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('vary', 'Origin');
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const address = clientAddress(req.ip);
    try {
      await budget?.beforeLookup(address, reply);
    } catch (err) {
      // The app is not looked up, so it is treated like an unknown one: the origin is echoed
      // for the browser to read the 429, which tells it nothing about any app.
      if (origin) reply.header('access-control-allow-origin', origin);
      throw err;
    }
    const app = await loadRequestApp(req, apps);
    // An unknown app has no origin list; echoing the origin lets the browser read the
    // `app_not_found` error instead of a bare network failure, and reveals nothing (anyone can
    // already tell the app does not exist).
    if (origin && (!app || pageOrigins(app).includes(origin))) {
      reply.header('access-control-allow-origin', origin);
    }
    await budget?.charge(address, app?.id ?? null, reply);
  });

  for (const path of BROWSER_PATHS) {
    scope.options(path, { schema: { hide: true } }, async (_req, reply) => {
      if (!reply.hasHeader('access-control-allow-origin')) {
        // Not an allowed origin: answer without CORS headers and the browser stops there.
        return reply.status(204).send();
      }
      return reply
        .status(204)
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', '600')
        .send();
    });
  }
}
