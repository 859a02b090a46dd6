import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { listAuthenticators } from '../../domain/aaguid/lookup.js';
import { createApiKey, revokeApiKey } from '../../domain/apps/api-keys.js';
import { createApp, deleteApp, getApp, updateApp } from '../../domain/apps/apps.js';
import type { AppSettingsInput } from '../../domain/apps/app-settings.js';
import { tokenActor } from '../../domain/audit.js';
import { PasskeydError } from '../../domain/errors.js';
import { liveSettings } from '../auth/live-settings.js';
import type { HttpDeps } from '../context.js';
import { bearerToken } from '../context.js';
import { adminAppToWire, apiKeyToWire, deletedAppRowsToWire } from '../presenters.js';
import { appWellKnown } from '../../domain/apps/well-known.js';
import {
  AppWellKnown,
  AppWithKey,
  CreateAppBody,
  CreateKeyBody,
  DeletedAppRows,
  KeyParams,
  MobileStatementsQuery,
  UpdateAppBody,
} from '../schemas/admin.js';
import { AppIdParams, errorResponses } from '../schemas/common.js';
import { consoleSessionAuth, sessionCookie } from './console.js';

/**
 * The admin API's guard (also used by admin-users.ts): the bearer admin token, or the admin
 * console's session cookie (console.ts), which must come from the server's own origin on
 * state-changing requests. A bearer header, when present, decides alone. Any configured admin
 * token is accepted (PASSKEYD_ADMIN_TOKEN and PASSKEYD_ADMIN_TOKENS, for rotation).
 */
export function adminAuth(deps: HttpDeps) {
  const live = liveSettings(deps);
  const consoleSession = consoleSessionAuth({ ...deps, live });
  return async (req: FastifyRequest): Promise<void> => {
    // Read per request, so a token removed by a reload (SIGHUP) is refused from the next one on.
    const tokens = live.current.adminTokens;
    if (tokens.empty) throw new PasskeydError('admin_api_disabled');
    const given = bearerToken(req);
    // consoleSession names the session as the request's audit actor.
    if (given === undefined && (await consoleSession(req))) return;
    const tokenId = tokens.match(given);
    if (tokenId === undefined) throw new PasskeydError('invalid_admin_token');
    req.auditActor = tokenActor(tokenId);
  };
}

/**
 * Operators' API under /v1/admin (no overlap with /v1/apps/...). Disabled unless an admin token
 * is configured; the token is compared as SHA-256 digests in constant time and never logged.
 */
export const adminRoutes: FastifyPluginAsyncTypebox<{ deps: HttpDeps }> = async (
  scope,
  { deps },
) => {
  scope.addHook('onRequest', adminAuth(deps));
  const security = [{ adminToken: [] }];
  const tags = ['admin'];
  scope.get(
    '/authenticators',
    {
      schema: {
        tags,
        security,
        summary: 'Authenticator models known by AAGUID (for allow- and deny-lists)',
        response: {
          200: Type.Object({
            authenticators: Type.Array(Type.Object({ aaguid: Type.String(), name: Type.String() })),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ authenticators: listAuthenticators() }),
  );

  scope.get(
    '/apps',
    {
      schema: {
        tags,
        security,
        summary: 'List apps',
        response: {
          200: Type.Object({ apps: Type.Array(Type.Ref('AdminApp')) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({
      apps: (await deps.storage.apps.list()).map(adminAppToWire),
    }),
  );

  scope.post(
    '/apps',
    {
      config: { audit: { type: 'admin.app.created' } },
      schema: {
        tags,
        security,
        summary: 'Create an app and its first API key',
        body: CreateAppBody,
        response: { 201: AppWithKey, ...errorResponses(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const { app, apiKey } = await createApp(
        {
          name: b.name,
          rpId: b.rp_id,
          origins: b.origins,
          ...(b.related_origins !== undefined ? { relatedOrigins: b.related_origins } : {}),
          ...(b.rp_name !== undefined ? { rpName: b.rp_name } : {}),
          ...(b.user_verification !== undefined ? { userVerification: b.user_verification } : {}),
          ...(b.authenticator_attachment !== undefined
            ? { authenticatorAttachment: b.authenticator_attachment }
            : {}),
          ...(b.ceremony_timeout_ms !== undefined
            ? { ceremonyTimeoutMs: b.ceremony_timeout_ms }
            : {}),
          ...(b.transaction_ttl_seconds !== undefined
            ? { transactionTtlSeconds: b.transaction_ttl_seconds }
            : {}),
          ...(b.hints !== undefined ? { hints: b.hints } : {}),
          ...(b.prevent_last_passkey_removal !== undefined
            ? { preventLastPasskeyRemoval: b.prevent_last_passkey_removal }
            : {}),
          ...authenticatorPolicyInput(b),
        },
        deps,
      );
      return reply
        .status(201)
        .send({ app: adminAppToWire(app), api_key: apiKey.secret, api_key_id: apiKey.key.id });
    },
  );

  scope.get(
    '/apps/:appId',
    {
      schema: {
        tags,
        security,
        summary: 'Get an app',
        params: AppIdParams,
        response: {
          200: Type.Object({ app: Type.Ref('AdminApp') }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (req) => ({
      app: adminAppToWire(await getApp(deps.storage, req.params.appId)),
    }),
  );

  scope.patch(
    '/apps/:appId',
    {
      config: { audit: { type: 'admin.app.updated' } },
      schema: {
        tags,
        security,
        summary: 'Update an app',
        params: AppIdParams,
        body: UpdateAppBody,
        response: {
          200: Type.Object({ app: Type.Ref('AdminApp') }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const b = req.body;
      const app = await updateApp(
        req.params.appId,
        {
          name: b.name,
          rpId: b.rp_id,
          rpName: b.rp_name,
          origins: b.origins,
          relatedOrigins: b.related_origins,
          userVerification: b.user_verification,
          authenticatorAttachment: b.authenticator_attachment,
          ceremonyTimeoutMs: b.ceremony_timeout_ms,
          transactionTtlSeconds: b.transaction_ttl_seconds,
          hints: b.hints,
          preventLastPasskeyRemoval: b.prevent_last_passkey_removal,
          ...authenticatorPolicyInput(b),
        },
        deps,
      );
      return { app: adminAppToWire(app) };
    },
  );

  scope.delete(
    '/apps/:appId',
    {
      config: { audit: { type: 'admin.app.deleted' } },
      schema: {
        tags,
        security,
        summary: 'Delete an app and everything it holds (the audit trail stays)',
        description:
          "Deletes the app's API keys first (its backend is refused from then on), then its webhook endpoints, events, ceremonies in progress, passkeys and users, a bounded batch at a time, then the app. Cannot be undone: take a backup or an export first (docs/operations.md).",
        params: AppIdParams,
        response: {
          200: Type.Object({ app_id: Type.String(), deleted: DeletedAppRows }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (req) => {
      const deleted = deletedAppRowsToWire(await deleteApp(req.params.appId, deps));
      req.auditDetail = { change: { deleted } };
      return { app_id: req.params.appId, deleted };
    },
  );

  scope.get(
    '/apps/:appId/well-known',
    {
      schema: {
        tags,
        security,
        summary:
          'Files to host on the RP ID: webauthn, assetlinks.json, apple-app-site-association',
        description:
          'The package name and Apple app ID are not stored by passkeyd; give them to fill the files, or edit the placeholders (docs/mobile.md).',
        params: AppIdParams,
        querystring: MobileStatementsQuery,
        response: { 200: AppWellKnown, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const w = await appWellKnown(deps.storage, req.params.appId, {
        androidPackage: req.query.android_package,
        appleAppId: req.query.apple_app_id,
      });
      return {
        webauthn: w.webauthn,
        assetlinks: w.assetlinks,
        apple_app_site_association: w.appleAppSiteAssociation,
        warnings: w.warnings,
      };
    },
  );

  scope.get(
    '/apps/:appId/keys',
    {
      schema: {
        tags,
        security,
        summary: "List an app's API keys (prefixes only)",
        params: AppIdParams,
        response: {
          200: Type.Object({ keys: Type.Array(Type.Ref('AdminApiKey')) }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (req) => {
      await getApp(deps.storage, req.params.appId);
      return { keys: (await deps.storage.apiKeys.list(req.params.appId)).map(apiKeyToWire) };
    },
  );

  scope.post(
    '/apps/:appId/keys',
    {
      config: { audit: { type: 'admin.api_key.created' } },
      schema: {
        tags,
        security,
        summary: 'Create an API key (the secret is shown once)',
        params: AppIdParams,
        body: Type.Optional(CreateKeyBody),
        response: {
          201: Type.Object({ key: Type.Ref('AdminApiKey'), api_key: Type.String() }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req, reply) => {
      await getApp(deps.storage, req.params.appId);
      const created = await createApiKey(req.params.appId, req.body?.name ?? 'default', deps);
      return reply.status(201).send({ key: apiKeyToWire(created.key), api_key: created.secret });
    },
  );

  scope.delete(
    '/apps/:appId/keys/:keyId',
    {
      config: { audit: { type: 'admin.api_key.revoked' } },
      schema: {
        tags,
        security,
        summary: 'Revoke an API key',
        params: KeyParams,
        response: errorResponses(401, 403, 404),
      },
    },
    async (req, reply) => {
      await revokeApiKey(req.params.appId, req.params.keyId, deps);
      return reply.status(200).send();
    },
  );

  scope.delete(
    '/console-sessions',
    {
      config: { audit: { type: 'admin.console.sessions_ended' } },
      schema: {
        tags,
        security,
        summary: 'Sign out everywhere: end every admin console session',
        description:
          'Deletes every console session, the caller’s own included. For a suspected stolen cookie, or after removing an admin token.',
        response: {
          200: Type.Object({
            deleted: Type.Integer({ description: 'How many sessions were ended.' }),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (req, reply) => {
      const deleted = await deps.storage.consoleSessions.deleteAll();
      req.auditDetail = { change: { deleted } };
      req.log.warn({ deleted }, 'console sessions ended everywhere');
      // The caller's own session is gone too; a console caller's browser drops its cookie.
      if (req.headers.cookie !== undefined)
        reply.header('set-cookie', sessionCookie(req, '', true));
      return reply.send({ deleted });
    },
  );
};

/** The attestation and authenticator policy fields of an app body, in domain names. */
function authenticatorPolicyInput(b: {
  attestation?: AppSettingsInput['attestation'];
  aaguid_policy?: AppSettingsInput['aaguidPolicy'];
  aaguids?: string[];
  require_fido_certified?: boolean;
}): AppSettingsInput {
  return {
    ...(b.attestation !== undefined ? { attestation: b.attestation } : {}),
    ...(b.aaguid_policy !== undefined ? { aaguidPolicy: b.aaguid_policy } : {}),
    ...(b.aaguids !== undefined ? { aaguids: b.aaguids } : {}),
    ...(b.require_fido_certified !== undefined
      ? { requireFidoCertified: b.require_fido_certified }
      : {}),
  };
}
