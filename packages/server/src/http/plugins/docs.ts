import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The one <style> element swagger-ui-bundle.js inserts at start-up, allowed by its hash rather
 * than by 'unsafe-inline'. e2e/console-security.test.ts fails, naming the new hash, should an
 * upgrade of @fastify/swagger-ui change it.
 */
const SWAGGER_UI_INLINE_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/**
 * Directives that differ from @fastify/swagger-ui's `staticCSP: true` policy. /docs shares its
 * origin, and so the console's cookie, with the admin console: nothing may frame it
 * (clickjacking), nothing loads from elsewhere (its fonts, styles and images are bundled), and
 * the online validator badge is off. `upgrade-insecure-requests` is dropped: on a plain-http
 * localhost it would send the page's own assets to an https port that is not there; HSTS covers
 * https deployments (security-headers.ts).
 */
const OVERRIDES: Record<string, string | null> = {
  'style-src': `'self' ${SWAGGER_UI_INLINE_STYLE}`,
  'frame-ancestors': "'none'",
  'font-src': "'self' data:",
  'img-src': "'self' data:",
  'connect-src': "'self'",
  'form-action': "'self'",
  'upgrade-insecure-requests': null,
};

/** Rewrites a CSP header: OVERRIDES replace, add or (null) remove directives. */
export function docsContentSecurityPolicy(header: string): string {
  const directives = new Map<string, string>();
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values.join(' '));
  }
  for (const [name, value] of Object.entries(OVERRIDES)) {
    if (value === null) directives.delete(name);
    else directives.set(name, value);
  }
  return [...directives].map(([name, value]) => (value ? `${name} ${value}` : name)).join('; ');
}

/** Swagger UI at /docs (PASSKEYD_DOCS=false leaves it out), locked down like the console. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_req, reply) => {
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'no-referrer');
    });
    await scope.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      transformStaticCSP: docsContentSecurityPolicy,
      uiConfig: { validatorUrl: null },
    });
  });
}
