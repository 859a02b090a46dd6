import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../domain/errors.js';
import type { CounterStore } from './counter-store.js';
import { clientAddress } from './client-address.js';
import { refuse } from './refuse.js';

/** The answers that mean "wrong secret": API key, admin token (API and console), metrics token. */
const FAILURES: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_access_token',
  'invalid_admin_token',
  'invalid_metrics_token',
]);

/** A request that presents a secret: a bearer header, or the console's sign-in form. */
function presentsCredential(req: FastifyRequest): boolean {
  if (req.headers.authorization !== undefined) return true;
  return req.method === 'POST' && req.routeOptions.url === '/console/session';
}

function failureCode(payload: unknown): string | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Limits wrong credentials per client address: after `limit` 401s with a failure code in one
 * window, every further request from that address that presents a credential gets 429
 * `rate_limited` until the window ends, the right credential included, so guessing stops paying
 * even for an attacker who would eventually guess right. It watches answers rather than the
 * token checks, so every present and future check is covered without being touched.
 */
export function registerAuthFailureLimit(
  app: FastifyInstance,
  store: CounterStore,
  opts: { limit: number; windowSeconds: number },
): void {
  const windowMs = opts.windowSeconds * 1000;
  const key = (req: FastifyRequest) => `f:${clientAddress(req.ip)}`;

  app.addHook('onRequest', async (req, reply) => {
    if (!presentsCredential(req)) return;
    const failures = await store.peek(key(req));
    if (failures.count >= opts.limit) refuse(reply, failures.resetMs);
  });

  // onSend, not onResponse: the count is stored before the client sees the 401, so its next
  // request already meets it.
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode !== 401) return payload;
    const code = failureCode(payload);
    if (code !== undefined && FAILURES.has(code)) await store.hit(key(req), windowMs, opts.limit);
    return payload;
  });
}
