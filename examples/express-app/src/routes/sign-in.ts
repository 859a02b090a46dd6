import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { readEmail, readNonce } from '../http/read-body.js';
import { startSession } from '../http/session-cookie.js';

/** The guide's "Authenticate" and "Verify nonce" steps, for both sign-in buttons and autofill. */
export function signInRoutes(deps: AppDeps): Router {
  const router = Router();

  // Guide: an authenticate transaction for the user behind the email typed.
  router.post('/passkey/authenticate', async (req, res) => {
    const user = deps.users.findByEmail(readEmail(req));
    // Saying "no such account" lets anyone test which emails are registered; a demo prefers
    // the clear message. An app that must hide this can start a discoverable sign-in instead.
    if (!user?.registeredAt) throw new AppError('unknown_email');
    const transactionId = await deps.passage.createAuthenticateTransaction({
      externalId: user.externalId,
    });
    res.json({ transactionId });
  });

  // Guide: verifyNonce returns the external ID of whoever just used a passkey. With a
  // transaction that is the user asked for; with autofill (no transaction) passkeyd found the
  // user from the passkey itself. Either way this app now starts its own session.
  router.post('/passkey/login', async (req, res) => {
    const externalId = await deps.passage.verifyNonce(readNonce(req));
    const user = deps.users.findByExternalId(externalId);
    if (!user?.registeredAt) throw new AppError('unknown_account');
    startSession(deps, req, res, user);
    res.json({ redirect: '/account' });
  });

  return router;
}
