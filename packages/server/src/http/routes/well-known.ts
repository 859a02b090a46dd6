import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { wellKnownWebauthn } from '../../domain/apps/related-origins.js';
import { appsOnHost } from '../../domain/apps/well-known.js';
import { PasskeydError } from '../../domain/errors.js';
import type { Storage } from '../../domain/ports.js';
import type { App } from '../../domain/types.js';
import { errorResponses } from '../schemas/common.js';

/**
 * WebAuthn L3 §5.11.1: before letting a page on another origin use an RP ID, the browser fetches
 * `https://<rp id>/.well-known/webauthn` and looks for the page's origin in its `origins`. An
 * operator routes that path of the RP's domain here; the RP ID is the request's host
 * (req.hostname, which honours PASSKEYD_TRUST_PROXY for X-Forwarded-Host).
 */
export const wellKnownRoutes: FastifyPluginAsyncTypebox<{ storage: Storage }> = async (
  scope,
  { storage },
) => {
  // Anyone may ask, as often as they like, so the app list is read at most once per
  // LIST_TTL_MS per node rather than per request; browsers cache the answer longer anyway.
  const LIST_TTL_MS = 5_000;
  let cached: { at: number; apps: Promise<App[]> } | undefined;
  const appsOn = async (host: string): Promise<App[]> => {
    const now = Date.now();
    if (!cached || now - cached.at >= LIST_TTL_MS) {
      const apps = storage.apps.list();
      cached = { at: now, apps };
      // A failed read is not remembered: the next request tries the database again.
      apps.catch(() => {
        if (cached?.apps === apps) cached = undefined;
      });
    }
    return appsOnHost(await cached.apps, host);
  };

  scope.get(
    '/.well-known/webauthn',
    {
      schema: {
        tags: ['well-known'],
        summary: 'Related origins of the apps whose RP ID is this host (WebAuthn L3 §5.11)',
        response: {
          200: Type.Object({ origins: Type.Array(Type.String()) }),
          ...errorResponses(404),
        },
      },
    },
    async (req, reply) => {
      const apps = await appsOn(req.hostname);
      if (apps.length === 0)
        throw new PasskeydError('not_found', 'No app has this host as its RP ID.');
      // Browsers fetch it without credentials; a short cache keeps edits visible within minutes.
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(wellKnownWebauthn(apps));
    },
  );
};
