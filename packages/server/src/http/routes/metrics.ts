import type { FastifyPluginAsync } from 'fastify';
import { PasskeydError } from '../../domain/errors.js';
import type { PasskeydMetrics } from '../../metrics/passkeyd-metrics.js';
import type { TokenSet } from '../auth/tokens.js';
import { bearerToken } from '../context.js';

/**
 * GET /metrics in the Prometheus text format, only when a metrics token is configured
 * (PASSKEYD_METRICS_TOKEN or PASSKEYD_METRICS_TOKENS), and only for one of those bearer tokens
 * (compared as SHA-256 digests in constant time, like the admin token): metrics reveal traffic
 * patterns, and the admin token should not sit in a scraper's config.
 */
export const metricsRoutes: FastifyPluginAsync<{
  /** Read per request: a reload (SIGHUP) may have replaced the set. */
  tokens: () => TokenSet;
  metrics: PasskeydMetrics;
}> = async (scope, { tokens, metrics }) => {
  scope.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (tokens().match(bearerToken(req)) === undefined)
      throw new PasskeydError('invalid_metrics_token');
    return reply
      .type('text/plain; version=0.0.4; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(await metrics.registry.collect());
  });
};
