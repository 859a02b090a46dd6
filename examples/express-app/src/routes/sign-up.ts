import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { readEmail, readNonce } from '../http/read-body.js';
import {
  forgetPendingSignUp,
  pendingSignUp,
  rememberPendingSignUp,
  startSession,
} from '../http/session-cookie.js';

/** The guide's "Register passkey" and "Verify nonce" steps for a new user. */
export function signUpRoutes(deps: AppDeps): Router {
  const router = Router();

  // Guide: create the app's own user with a unique external ID, then a register transaction.
  router.post('/passkey/register', async (req, res) => {
    const email = readEmail(req);
    const existing = deps.users.findByEmail(email);
    if (existing?.registeredAt) throw new AppError('email_taken');
    // An unfinished sign-up (cancelled prompt, closed tab) is retried with the same user.
    const user = existing ?? deps.users.create(email, deps.now());
    const transactionId = await deps.passage.createRegisterTransaction({
      externalId: user.externalId,
      passkeyDisplayName: user.email,
    });
    rememberPendingSignUp(deps, res, user.externalId);
    res.json({ transactionId });
  });

  // Guide: the browser posts the nonce from passkey.register(); verifyNonce says whose passkey it is.
  router.post('/passkey/register/verify', async (req, res) => {
    const nonce = readNonce(req);
    const expected = pendingSignUp(req);
    if (!expected) throw new AppError('sign_up_expired');
    const externalId = await deps.passage.verifyNonce(nonce);
    // A valid nonce for someone else (another tab, a replayed request) must not sign this user in.
    if (externalId !== expected) throw new AppError('passkey_for_other_account');
    const user = deps.users.findByExternalId(externalId);
    if (!user) throw new AppError('sign_up_expired');
    deps.users.markRegistered(user.id, deps.now());
    forgetPendingSignUp(deps, res);
    startSession(deps, req, res, user);
    res.json({ redirect: '/account' });
  });

  return router;
}
