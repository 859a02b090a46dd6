import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PasskeydError } from '../../domain/errors.js';
import { startRegistration } from '../../domain/ceremonies/start-registration.js';
import { finishRegistration } from '../../domain/ceremonies/finish-registration.js';
import { startAuthentication } from '../../domain/ceremonies/start-authentication.js';
import { finishAuthentication } from '../../domain/ceremonies/finish-authentication.js';
import type { RawCredentialResponse } from '../../domain/ceremonies/webauthn-response.js';
import type { HttpDeps } from '../context.js';
import type { BrowserBudget } from '../rate-limit/browser-budget.js';
import { requestMeta } from '../context.js';
import { loadRequestApp, registerFrontendCors } from '../plugins/frontend-cors.js';
import { AppIdParams, errorResponses } from '../schemas/common.js';
import {
  AuthenticateStartBody,
  FinishBody,
  HandshakeResponse,
  NonceResponse,
  RegisterStartBody,
} from '../schemas/frontend.js';

/**
 * The browser-facing API (passage-wire.md §2, F1-F4). Public: the app id in the path is the only
 * key, so origins are checked (CORS here, clientDataJSON in the domain) and requests are
 * rate-limited per client address and app (`budget`; absent when PASSKEYD_RATE_LIMIT_MAX is 0).
 */
export const frontendRoutes: FastifyPluginAsyncTypebox<{
  deps: HttpDeps;
  budget?: BrowserBudget;
}> = async (scope, { deps, budget }) => {
  registerFrontendCors(scope, deps.apps, budget);
  const tags = ['frontend'];
  const log =
    (req: { log: { info: (o: object, m: string) => void } }) => (msg: string, err: unknown) =>
      req.log.info({ reason: err instanceof Error ? err.message : String(err) }, msg);

  const app = async (req: Parameters<typeof loadRequestApp>[0]) => {
    const a = await loadRequestApp(req, deps.apps);
    if (!a) throw new PasskeydError('app_not_found');
    return a;
  };

  scope.post(
    '/apps/:appId/register/transactions/webauthn/start',
    {
      schema: {
        tags,
        summary: 'Start passkey registration (F1)',
        params: AppIdParams,
        body: RegisterStartBody,
        response: { 200: HandshakeResponse, ...errorResponses(400, 403, 404, 410, 429) },
      },
    },
    async (req) => {
      const a = await app(req);
      const r = await startRegistration(
        a,
        {
          transactionId: req.body.transaction_id,
          authenticatorAttachment: req.body.authenticator_attachment,
        },
        deps,
      );
      return {
        handshake: { id: r.handshake.id, challenge: { publicKey: r.options } },
        transaction_id: r.transactionId,
      };
    },
  );

  scope.post(
    '/apps/:appId/register/transactions/webauthn/finish',
    {
      schema: {
        tags,
        summary: 'Finish passkey registration (F2); returns a nonce',
        params: AppIdParams,
        body: FinishBody,
        response: { 200: NonceResponse, ...errorResponses(400, 401, 403, 404, 409, 410, 429) },
      },
    },
    async (req) => {
      const a = await app(req);
      const r = await finishRegistration(
        a,
        {
          handshakeId: req.body.handshake_id,
          response: req.body.handshake_response as unknown as RawCredentialResponse,
          // Not `...(id ? { transactionId } : {})`, slow on Node 20 (eslint.config.js says why).
          transactionId: req.body.transaction_id || undefined,
          meta: requestMeta(req),
        },
        deps,
        log(req),
      );
      return { nonce: r.nonce };
    },
  );

  scope.post(
    '/apps/:appId/authenticate/transactions/webauthn/start',
    {
      schema: {
        tags,
        summary: 'Start passkey sign-in (F3); `{}` for discoverable/autofill',
        params: AppIdParams,
        body: AuthenticateStartBody,
        response: { 200: HandshakeResponse, ...errorResponses(400, 403, 404, 409, 410, 429) },
      },
    },
    async (req) => {
      const a = await app(req);
      const r = await startAuthentication(a, { transactionId: req.body.transaction_id }, deps);
      return {
        handshake: { id: r.handshake.id, challenge: { publicKey: r.options } },
        ...(r.transactionId ? { transaction_id: r.transactionId } : {}),
      };
    },
  );

  scope.post(
    '/apps/:appId/authenticate/transactions/webauthn/finish',
    {
      schema: {
        tags,
        summary: 'Finish passkey sign-in (F4); returns a nonce',
        params: AppIdParams,
        body: FinishBody,
        response: { 200: NonceResponse, ...errorResponses(400, 401, 403, 404, 410, 429) },
      },
    },
    async (req) => {
      const a = await app(req);
      const r = await finishAuthentication(
        a,
        {
          handshakeId: req.body.handshake_id,
          response: req.body.handshake_response as unknown as RawCredentialResponse,
          // Not `...(id ? { transactionId } : {})`, slow on Node 20 (eslint.config.js says why).
          transactionId: req.body.transaction_id || undefined,
          meta: requestMeta(req),
        },
        deps,
        log(req),
      );
      return { nonce: r.nonce };
    },
  );
};
