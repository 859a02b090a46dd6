import { PassageError } from '@passkeyd/node';
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
    if (!user) throw new AppError('unknown_email');
    try {
      const transactionId = await deps.passage.createAuthenticateTransaction({
        externalId: user.externalId,
      });
      res.json({ transactionId });
    } catch (err) {
      // An unfinished sign-up with no passkey stored is no account yet. One with a passkey (its
      // confirmation failed) is signed in with it, which finishes it.
      const noPasskey =
        err instanceof PassageError &&
        (err.errorCode === 'user_has_no_passkeys' || err.errorCode === 'user_not_found');
      if (!user.registeredAt && noPasskey) throw new AppError('unknown_email');
      throw err;
    }
  });

  // Guide: verifyNonce returns the external ID of whoever just used a passkey. With a
  // transaction that is the user asked for; with autofill (no transaction) passkeyd found the
  // user from the passkey itself. Either way this app now starts its own session.
  router.post('/passkey/login', async (req, res) => {
    const proof = await deps.passage.verifyNonceDetails(readNonce(req));
    // The verify endpoint redeems nonces of both ceremonies. A register nonce proves only that
    // someone with a register transaction for this user created a passkey, not a sign-in.
    if (proof.ceremony !== 'authenticate') throw new AppError('not_a_sign_in');
    const user = deps.users.findByExternalId(proof.externalId);
    if (!user) throw new AppError('unknown_account');
    // A sign-up whose confirmation failed after its passkey was stored (an expired nonce, a lost
    // response). Register transactions for an unfinished user go only to the browser holding its
    // sign-up cookie, and an abandoned one restarts under a new external ID, so this passkey was
    // made by that sign-up: signing in with it finishes it.
    if (!user.registeredAt) deps.users.markRegistered(user.id, deps.now());
    startSession(deps, req, res, user);
    res.json({ redirect: '/account' });
  });

  return router;
}
