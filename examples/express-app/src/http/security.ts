import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';

/**
 * Scripts only from this app (the SDK bundle is served from here too); fetches only to this app
 * and to passkeyd, which the browser SDK calls directly. No inline script, no framing.
 */
export function securityHeaders(passkeydUrl: string) {
  const passkeydOrigin = new URL(passkeydUrl).origin;
  const csp = [
    "default-src 'self'",
    `connect-src 'self' ${passkeydOrigin}`,
    "img-src 'self' data:",
    "script-src 'self'",
    "style-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return (_req: Request, res: Response, next: NextFunction) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
    });
    next();
  };
}

/**
 * Refuses state-changing requests sent by other sites. SameSite=Lax already keeps the session
 * cookie off them; checking Origin as well covers old browsers and sibling subdomains.
 */
export function sameOriginWrites(publicOrigin: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const origin = req.get('origin');
    if (origin !== undefined && origin !== publicOrigin)
      return next(new AppError('cross_origin_request'));
    next();
  };
}
