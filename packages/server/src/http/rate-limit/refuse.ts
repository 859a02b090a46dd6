import type { FastifyReply } from 'fastify';
import { PasskeydError } from '../../domain/errors.js';

/** 429 `rate_limited` with Retry-After (RFC 9110 §10.2.3: whole seconds, at least 1). */
export function refuse(reply: FastifyReply, resetMs: number): never {
  reply.header('retry-after', String(Math.max(1, Math.ceil(resetMs / 1000))));
  throw new PasskeydError('rate_limited');
}
