import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { DomainDeps } from '../domain/deps.js';
import type { RequestMeta } from '../domain/types.js';
import type { LiveSettings } from './auth/live-settings.js';

/** What route plugins receive: the validated config and the domain's dependencies. */
export interface HttpDeps extends DomainDeps {
  config: Readonly<Config>;
  /** The admin and metrics tokens and log level, swapped on SIGHUP; absent: fixed from config. */
  live?: LiveSettings;
}

export function requestMeta(req: FastifyRequest): RequestMeta {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}

/** `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110 §11.1). */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}
