import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toWireError } from '../http/plugins/error-handler.js';
import type { PasskeydMetrics } from './passkeyd-metrics.js';

export type CeremonyStep = {
  kind: 'register' | 'authenticate';
  step: 'transaction' | 'start' | 'finish';
};

/** The routes that make up the two ceremonies (passage-wire.md §2-3), by route template. */
export const CEREMONY_ROUTES: Record<string, CeremonyStep> = {
  '/v1/apps/:appId/transactions/register': { kind: 'register', step: 'transaction' },
  '/v1/apps/:appId/transactions': { kind: 'register', step: 'transaction' },
  '/v1/apps/:appId/transactions/authenticate': { kind: 'authenticate', step: 'transaction' },
  '/v1/apps/:appId/register/transactions/webauthn/start': { kind: 'register', step: 'start' },
  '/v1/apps/:appId/register/transactions/webauthn/finish': { kind: 'register', step: 'finish' },
  '/v1/apps/:appId/authenticate/transactions/webauthn/start': {
    kind: 'authenticate',
    step: 'start',
  },
  '/v1/apps/:appId/authenticate/transactions/webauthn/finish': {
    kind: 'authenticate',
    step: 'finish',
  },
};
export const NONCE_ROUTE = '/v1/apps/:appId/authenticate/verify';

/**
 * Counts every answered request from Fastify hooks, keyed on the route template, the status and
 * the error code, so no domain code knows metrics exist. Labels are route templates, never raw
 * paths: an app id or a 404 scan cannot blow up the number of series.
 */
export function registerMetricsHooks(app: FastifyInstance, metrics: PasskeydMetrics): void {
  const codes = new WeakMap<FastifyRequest, string>();
  app.addHook('onError', async (req, _reply, err) => {
    codes.set(req, toWireError(err).body.code);
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? '(unmatched)';
    const status = reply.statusCode;
    metrics.requests.inc({ route, method: req.method, status: String(status) });
    if (status === 429) metrics.rateLimited.inc({ route });
    if (req.method !== 'POST') return;
    const outcome = status < 400 ? 'ok' : (codes.get(req) ?? `http_${status}`);
    const step = CEREMONY_ROUTES[route];
    if (step) {
      metrics.ceremonies.inc({ kind: step.kind, step: step.step, outcome });
      metrics.stepLatency.observe(step, reply.elapsedTime / 1000);
    } else if (route === NONCE_ROUTE) {
      metrics.nonceVerifications.inc({ outcome });
    }
  });
}
