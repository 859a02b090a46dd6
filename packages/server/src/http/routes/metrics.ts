import type { FastifyPluginAsync } from 'fastify';
import { PasskeydError } from '../../domain/errors.js';
import { safeEqual, sha256 } from '../../domain/secrets.js';
import type { PasskeydMetrics } from '../../metrics/passkeyd-metrics.js';
import { bearerToken } from '../context.js';

/**
 * GET /metrics in the Prometheus text format, only when PASSKEYD_METRICS_TOKEN is set, and only
 * for that bearer token (compared as SHA-256 digests in constant time, like the admin token):
 * metrics reveal traffic patterns, and the admin token should not sit in a scraper's config.
 */
export const metricsRoutes: FastifyPluginAsync<{
  token: string;
  metrics: PasskeydMetrics;
}> = async (scope, { token, metrics }) => {
  const expected = sha256(token);
  scope.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    const given = bearerToken(req);
    if (!given || !safeEqual(sha256(given), expected))
      throw new PasskeydError('invalid_metrics_token');
    return reply
      .type('text/plain; version=0.0.4; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(metrics.registry.render());
  });
};
