import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const ONE_YEAR_SECONDS = 31_536_000;

/**
 * Headers every answer carries (issue 12, item 13):
 * - `X-Content-Type-Options: nosniff`, so no browser renders a JSON error or an export as HTML.
 * - `Cache-Control: no-store` on the admin API: its answers (users, keys, events) are for the
 *   operator's eyes and must not stay in a shared browser's or proxy's cache.
 * - `Strict-Transport-Security` when the request came over https (req.protocol, which honours
 *   X-Forwarded-Proto only from a proxy PASSKEYD_TRUST_PROXY trusts). No setting: it is only sent
 *   when this host is already reached over https, and without includeSubDomains it binds this
 *   host alone. Operators who want includeSubDomains or preload set it at their proxy.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply) => setSecurityHeaders(req, reply));
}

/** Also for answers sent before routing (build-app.ts frameworkErrors), where no hook runs. */
export function setSecurityHeaders(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  if (req.url.startsWith('/v1/admin/') || req.url === '/v1/admin')
    reply.header('cache-control', 'no-store');
  if (req.protocol === 'https')
    reply.header('strict-transport-security', `max-age=${ONE_YEAR_SECONDS}`);
}
