import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { wellKnownWebauthn } from '../../domain/apps/related-origins.js';
import type { AppDirectory } from '../../domain/apps/app-directory.js';
import { PasskeydError } from '../../domain/errors.js';
import { errorResponses } from '../schemas/common.js';

/**
 * WebAuthn L3 §5.11.1: before letting a page on another origin use an RP ID, the browser fetches
 * `https://<rp id>/.well-known/webauthn` and looks for the page's origin in its `origins`. An
 * operator routes that path of the RP's domain here; the RP ID is the request's host
 * (req.hostname, which honours PASSKEYD_TRUST_PROXY for X-Forwarded-Host).
 */
export const wellKnownRoutes: FastifyPluginAsyncTypebox<{ apps: AppDirectory }> = async (
  scope,
  { apps: directory },
) => {
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
      // Anyone may ask, as often as they like: the app list comes from memory, re-read only when
      // an app changes (or after the staleness bound while the change feed is down).
      const apps = await directory.onHost(req.hostname);
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
