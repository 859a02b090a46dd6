import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { authenticateApiKey, presentedApiKey } from '../../domain/apps/api-keys.js';
import { isPasskeydError, PasskeydError } from '../../domain/errors.js';
import type { PresentedApiKey } from '../../domain/ports.js';
import { redeemNonce } from '../../domain/nonces.js';
import {
  createAuthenticateTransaction,
  createRegisterTransaction,
} from '../../domain/transactions.js';
import { deleteUser, getUserDetail } from '../../domain/users.js';
import { registerDeviceListRoute, registerDeviceWriteRoutes } from './device-routes.js';
import type { HttpDeps } from '../context.js';
import { bearerToken, requestMeta } from '../context.js';
import { appInfoToWire, listedUserToWire, userToWire, verifiedNonceToWire } from '../presenters.js';
import { AppIdParams, errorResponses } from '../schemas/common.js';
import {
  CreateAuthenticateTransactionBody,
  CreateRegisterTransactionBody,
  ListUsersQuery,
  ListUsersResponse,
  TransactionCreated,
  UserParams,
  VerifyNonceBody,
  VerifyNonceResponse,
} from '../schemas/management.js';
import type { App } from '../../domain/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    managedApp?: App;
    /** The ceremony calls' API key, checked by their own storage statement. */
    presentedKey?: PresentedApiKey | undefined;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The ceremony calls (B1, B9, B2, B3) check the API key inside the one statement that does
     * their work (storage.ceremonies), so the request is one database round trip; every other
     * route checks it first, in its own statement.
     */
    keyInStatement?: boolean;
  }
}
const keyInStatement = { keyInStatement: true };

/** The app backend's API (passage-wire.md §3, B1-B9), authenticated by a per-app API key. */
export const managementRoutes: FastifyPluginAsyncTypebox<{ deps: HttpDeps }> = async (
  scope,
  { deps },
) => {
  scope.addHook('preHandler', async (req) => {
    const appId = (req.params as { appId: string }).appId;
    if (req.routeOptions.config.keyInStatement !== true) {
      await authenticateApiKey(appId, bearerToken(req), deps);
      req.managedApp = await deps.apps.require(appId);
      return;
    }
    req.presentedKey = presentedApiKey(bearerToken(req));
    // No key is valid for an unknown app: 401 as when the key was checked before the app.
    if (!req.presentedKey) throw new PasskeydError('invalid_access_token');
    try {
      req.managedApp = await deps.apps.require(appId);
    } catch (err) {
      if (isPasskeydError(err) && err.code === 'app_not_found')
        throw new PasskeydError('invalid_access_token');
      throw err;
    }
  });
  const security = [{ apiKey: [] }];
  const tags = ['management'];
  const appOf = (req: { managedApp?: App }) => req.managedApp as App;

  const registerTx = async (req: {
    managedApp?: App;
    presentedKey?: PresentedApiKey | undefined;
    body: {
      external_id: string;
      passkey_display_name: string;
      supersede_pending?: boolean;
      mediation?: 'conditional';
      hints?: string[];
    };
  }) => {
    const tx = await createRegisterTransaction(
      appOf(req),
      {
        key: req.presentedKey,
        externalId: req.body.external_id,
        passkeyDisplayName: req.body.passkey_display_name,
        supersedePending: req.body.supersede_pending === true,
        mediation: req.body.mediation,
        ...(req.body.hints !== undefined ? { hints: req.body.hints } : {}),
      },
      deps,
    );
    return { transaction_id: tx.id };
  };

  scope.post(
    '/apps/:appId/transactions/register',
    {
      config: keyInStatement,
      schema: {
        tags,
        security,
        summary: 'Create a register transaction (B1)',
        params: AppIdParams,
        body: CreateRegisterTransactionBody,
        response: { 201: TransactionCreated, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.status(201).send(await registerTx(req)),
  );

  scope.post(
    '/apps/:appId/transactions',
    {
      config: keyInStatement,
      schema: {
        tags,
        security,
        summary: 'Legacy create transaction (B9, passage-flex-node 0.1.x): a register transaction',
        params: AppIdParams,
        body: CreateRegisterTransactionBody,
        response: { 201: TransactionCreated, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.status(201).send(await registerTx(req)),
  );

  scope.post(
    '/apps/:appId/transactions/authenticate',
    {
      config: keyInStatement,
      schema: {
        tags,
        security,
        summary: 'Create an authenticate transaction (B2)',
        params: AppIdParams,
        body: CreateAuthenticateTransactionBody,
        response: { 201: TransactionCreated, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const tx = await createAuthenticateTransaction(
        appOf(req),
        {
          key: req.presentedKey,
          externalId: req.body.external_id,
          ...(req.body.hints !== undefined ? { hints: req.body.hints } : {}),
          ...(req.body.user_verification !== undefined
            ? { userVerification: req.body.user_verification }
            : {}),
        },
        deps,
      );
      return reply.status(201).send({ transaction_id: tx.id });
    },
  );

  scope.post(
    '/apps/:appId/authenticate/verify',
    {
      config: keyInStatement,
      schema: {
        tags,
        security,
        summary: 'Redeem a nonce for its external id and what it proves (B3); single use',
        params: AppIdParams,
        body: VerifyNonceBody,
        response: { 200: VerifyNonceResponse, ...errorResponses(400, 401) },
      },
    },
    async (req) =>
      verifiedNonceToWire(await redeemNonce(appOf(req).id, req.body.nonce, req.presentedKey, deps)),
  );

  scope.get(
    '/apps/:appId',
    {
      schema: {
        tags,
        security,
        summary: 'Get the app (B8)',
        params: AppIdParams,
        response: { 200: Type.Object({ app: Type.Ref('AppInfo') }), ...errorResponses(401, 404) },
      },
    },
    async (req) => ({ app: appInfoToWire(appOf(req)) }),
  );

  scope.get(
    '/apps/:appId/users',
    {
      schema: {
        tags,
        security,
        summary: 'List users (B4); `identifier` is an exact external id',
        params: AppIdParams,
        querystring: ListUsersQuery,
        response: { 200: ListUsersResponse, ...errorResponses(400, 401) },
      },
    },
    async (req) => {
      const app = appOf(req);
      const limit = req.query.limit ?? 20;
      const page = req.query.page ?? 1;
      const { users, total } = await deps.storage.users.list(app.id, {
        limit,
        page,
        ...(req.query.identifier !== undefined ? { identifier: req.query.identifier } : {}),
      });
      const createdBefore = Math.floor(deps.clock.now() / 1000);
      const lastPage = Math.max(1, Math.ceil(total / limit));
      const href = (p: number) => {
        const q = new URLSearchParams({ page: String(p), limit: String(limit) });
        if (req.query.identifier !== undefined) q.set('identifier', req.query.identifier);
        return { href: `/v1/apps/${encodeURIComponent(app.id)}/users?${q}` };
      };
      return {
        _links: {
          first: href(1),
          last: href(lastPage),
          next: href(Math.min(page + 1, lastPage)),
          previous: href(Math.max(page - 1, 1)),
          self: href(page),
        },
        created_before: createdBefore,
        limit,
        page,
        total_users: total,
        users: users.map(listedUserToWire),
      };
    },
  );

  scope.get(
    '/apps/:appId/users/:userId',
    {
      schema: {
        tags,
        security,
        summary: 'Get a user with passkeys and recent events (B5)',
        params: UserParams,
        response: { 200: Type.Object({ user: Type.Ref('User') }), ...errorResponses(401, 404) },
      },
    },
    async (req) => {
      const d = await getUserDetail(deps, appOf(req).id, req.params.userId);
      return { user: userToWire(d.user, d.credentials, d.events) };
    },
  );

  scope.delete(
    '/apps/:appId/users/:userId',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a user and their passkeys (passkeyd extension)',
        params: UserParams,
        response: errorResponses(401, 404),
      },
    },
    async (req, reply) => {
      await deleteUser(appOf(req), { userId: req.params.userId, meta: requestMeta(req) }, deps);
      return reply.status(200).send();
    },
  );

  registerDeviceListRoute(scope, {
    deps,
    appOf,
    tags,
    security,
    summary: "List a user's passkeys, a page at a time (B6)",
  });

  registerDeviceWriteRoutes(scope, {
    deps,
    appOf,
    tags,
    security,
    summaries: { rename: 'Rename a passkey (passkeyd extension)', revoke: 'Revoke a passkey (B7)' },
  });
};
