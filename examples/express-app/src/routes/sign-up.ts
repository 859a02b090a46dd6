import { PassageError } from '@passkeyd/node';
import { Router, type Request } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { readEmail, readNonce } from '../http/read-body.js';
import {
  PENDING_SIGN_UP_MS,
  forgetPendingSignUp,
  pendingSignUp,
  rememberPendingSignUp,
  startSession,
} from '../http/session-cookie.js';
import type { User } from '../users.js';

/** The guide's "Register passkey" and "Verify nonce" steps for a new user. */
export function signUpRoutes(deps: AppDeps): Router {
  const router = Router();

  // Guide: create the app's own user with a unique external ID, then a register transaction.
  router.post('/passkey/register', async (req, res) => {
    const user = await signUpUser(deps, req, readEmail(req));
    const transactionId = await deps.passage.createRegisterTransaction({
      externalId: user.externalId,
      passkeyDisplayName: user.email,
      // A retry ends the transactions handed out before, so a copy kept by anyone cannot add a
      // passkey to this account later (docs/security.md, "What your app must check").
      supersedePending: true,
    });
    deps.users.recordSignUpAttempt(user.id, deps.now());
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

/**
 * The user a sign-up for `email` continues. An unfinished sign-up belongs to the browser holding
 * its `pending_sign_up` cookie: anyone else who sends the email would otherwise get a register
 * transaction for that user and a passkey that signs in as whoever finishes the sign-up.
 */
async function signUpUser(deps: AppDeps, req: Request, email: string): Promise<User> {
  const now = deps.now();
  const existing = deps.users.findByEmail(email);
  if (!existing) return deps.users.create(email, now);
  if (existing.registeredAt) throw new AppError('email_taken');
  // This browser's own sign-up (a cancelled prompt, an expired transaction): retried as it was.
  if (pendingSignUp(req) === existing.externalId) return existing;
  // Another browser's, while its cookie may still be alive.
  if (now - existing.signUpAttemptAt < PENDING_SIGN_UP_MS)
    throw new AppError('sign_up_in_progress');
  // Abandoned. If it stored a passkey before its confirmation failed, that passkey's holder
  // finishes it by signing in (routes/sign-in.ts), so it is taken.
  if ((await passkeysOf(deps, existing.externalId)) > 0) throw new AppError('email_taken');
  // Otherwise it starts over under a new external ID; the old passkeyd user goes, and with it
  // every transaction handed out for it.
  await forgetPasskeydUser(deps, existing.externalId);
  const restarted = deps.users.restartSignUp(existing.id, now);
  if (!restarted) throw new AppError('email_taken');
  return restarted;
}

const isUserNotFound = (err: unknown) =>
  err instanceof PassageError && err.errorCode === 'user_not_found';

async function passkeysOf(deps: AppDeps, externalId: string): Promise<number> {
  try {
    return (await deps.passage.getDevices(externalId)).length;
  } catch (err) {
    if (isUserNotFound(err)) return 0;
    throw err;
  }
}

async function forgetPasskeydUser(deps: AppDeps, externalId: string): Promise<void> {
  try {
    await deps.passage.user.delete(externalId);
  } catch (err) {
    if (!isUserNotFound(err)) throw err;
  }
}
