import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../domain/types.js';
import type { Storage } from '../../domain/ports.js';
import { isIdOf } from '../../domain/secrets.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The app named by the path, loaded once per request (undefined: not loaded yet; null: none). */
    passkeydApp?: App | null;
  }
}

export async function loadRequestApp(req: FastifyRequest, storage: Storage): Promise<App | null> {
  if (req.passkeydApp === undefined) {
    const appId = (req.params as { appId?: string }).appId;
    req.passkeydApp = (isIdOf('app', appId) ? await storage.apps.get(appId) : undefined) ?? null;
  }
  return req.passkeydApp;
}

const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;

/**
 * CORS for the browser-facing API, per app: only an origin in the app's allowed list is echoed,
 * and it is set in onRequest so that every response, errors and 429s included, carries it
 * (otherwise the browser hides our error behind a status-less network failure; passage-wire.md §6.1).
 */
export function registerFrontendCors(scope: FastifyInstance, storage: Storage): void {
  scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('vary', 'Origin');
    const origin = req.headers.origin;
    if (typeof origin !== 'string') return;
    const app = await loadRequestApp(req, storage);
    // An unknown app has no origin list; echoing the origin lets the browser read the
    // `app_not_found` error instead of a bare network failure, and reveals nothing (anyone can
    // already tell the app does not exist).
    if (!app || app.origins.includes(origin)) {
      reply.header('access-control-allow-origin', origin);
    }
  });

  scope.options('/apps/:appId/*', { schema: { hide: true } }, async (req, reply) => {
    if (!reply.hasHeader('access-control-allow-origin')) {
      // Not an allowed origin: answer without CORS headers and the browser stops there.
      return reply.status(204).send();
    }
    const requested = String(req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter((h) => HEADER_NAME.test(h))
      .slice(0, 20);
    const allowed = new Set([
      'content-type',
      'passage-flex-version',
      ...requested.map((h) => h.toLowerCase()),
    ]);
    return reply
      .status(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', [...allowed].join(', '))
      .header('access-control-max-age', '600')
      .send();
  });
}
