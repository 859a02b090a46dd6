import type { CookieOptions, NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { SESSION_TTL_MS } from '../sessions.js';
import type { User } from '../users.js';

const SESSION_COOKIE = 'session';
/** Remembers, between "create transaction" and "verify nonce", which user a sign-up is for. */
const PENDING_SIGN_UP_COOKIE = 'pending_sign_up';
export const PENDING_SIGN_UP_MS = 15 * 60 * 1000;

/**
 * httpOnly: page scripts cannot read it. SameSite=Lax: other sites' POSTs do not carry it.
 * Signed (cookie-parser, COOKIE_SECRET): a tampered value is ignored. Secure on https.
 */
function cookieOptions(deps: AppDeps, maxAge: number, path = '/'): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    signed: true,
    secure: deps.publicOrigin.startsWith('https:'),
    path,
    maxAge,
  };
}

/** Loads the signed-in user (if any) into res.locals.user. */
export function loadSession(deps: AppDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const token: unknown = req.signedCookies?.[SESSION_COOKIE];
    if (typeof token === 'string') {
      const userId = deps.sessions.userIdFor(token, deps.now());
      const user = userId === undefined ? undefined : deps.users.findById(userId);
      if (user) res.locals.user = user;
    }
    next();
  };
}

export function currentUser(res: Response): User | undefined {
  return res.locals.user as User | undefined;
}

export function requireUser(res: Response): User {
  const user = currentUser(res);
  if (!user) throw new AppError('sign_in_required');
  return user;
}

/** A new token on every sign-in, so a token planted before sign-in is worthless after it. */
export function startSession(deps: AppDeps, req: Request, res: Response, user: User): void {
  endSession(deps, req, res);
  const token = deps.sessions.start(user.id, deps.now());
  res.cookie(SESSION_COOKIE, token, cookieOptions(deps, SESSION_TTL_MS));
}

export function endSession(deps: AppDeps, req: Request, res: Response): void {
  const token: unknown = req.signedCookies?.[SESSION_COOKIE];
  if (typeof token === 'string') deps.sessions.end(token);
  res.clearCookie(SESSION_COOKIE, { ...cookieOptions(deps, 0), maxAge: undefined });
}

export function rememberPendingSignUp(deps: AppDeps, res: Response, externalId: string): void {
  res.cookie(
    PENDING_SIGN_UP_COOKIE,
    externalId,
    cookieOptions(deps, PENDING_SIGN_UP_MS, '/passkey'),
  );
}

export function pendingSignUp(req: Request): string | undefined {
  const value: unknown = req.signedCookies?.[PENDING_SIGN_UP_COOKIE];
  return typeof value === 'string' ? value : undefined;
}

export function forgetPendingSignUp(deps: AppDeps, res: Response): void {
  res.clearCookie(PENDING_SIGN_UP_COOKIE, {
    ...cookieOptions(deps, 0, '/passkey'),
    maxAge: undefined,
  });
}
