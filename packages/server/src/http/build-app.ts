import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PasskeydError } from '../domain/errors.js';
import { liveSettings } from './auth/live-settings.js';
import type { HttpDeps } from './context.js';
import { registerDocs } from './plugins/docs.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { registerAuditTrail } from './plugins/audit-trail.js';
import { registerErrorHandling } from './plugins/error-handler.js';
import { registerInputHygiene } from './plugins/input-hygiene.js';
import { registerSecurityHeaders, setSecurityHeaders } from './plugins/security-headers.js';
import { registerValidators } from './plugins/validators.js';
import { registerAuthFailureLimit } from './rate-limit/auth-failure-limit.js';
import { BrowserBudget } from './rate-limit/browser-budget.js';
import { clientAddress } from './rate-limit/client-address.js';
import { MemoryCounterStore, type CounterStore } from './rate-limit/counter-store.js';
import { RedisCounterStore } from './rate-limit/redis-counter-store.js';
import { registerMetricsHooks } from '../metrics/http-hooks.js';
import { createPasskeydMetrics } from '../metrics/passkeyd-metrics.js';
import { metricsRoutes } from './routes/metrics.js';
import { adminRoutes } from './routes/admin.js';
import { adminAuditRoutes } from './routes/admin-audit.js';
import { adminPortabilityRoutes } from './routes/admin-portability.js';
import { adminUserRoutes } from './routes/admin-users.js';
import { adminWebhookRoutes } from './routes/admin-webhooks.js';
import { consoleRoutes } from './routes/console.js';
import { frontendRoutes } from './routes/frontend.js';
import { healthRoutes } from './routes/health.js';
import { managementRoutes } from './routes/management.js';
import { ErrorBody } from './schemas/common.js';
import type { Tracing } from '../tracing/tracing.js';
import { CredentialResponse } from './schemas/frontend.js';
import { AppInfo, Device, ListedUser, User, UserEvent } from './schemas/management.js';
import { AdminApiKey, AdminApp } from './schemas/admin.js';

export interface BuildAppOptions {
  /** A pino logger config or `false`; tests pass false. */
  logger?: FastifyServerOptions['logger'];
  /** Set when traces are on (tracing/tracing.ts); adds a span per request. */
  tracing?: Tracing;
  /**
   * Called after each answered request that may have written (any method but GET, HEAD and
   * OPTIONS): server.ts wakes the webhook dispatcher with it. `webhookEndpoints` is true for
   * the admin API's routes that may create or enable an endpoint or queue a delivery (their
   * route config says so), which the dispatcher must not skip even when it knows of no enabled
   * endpoint; it costs nothing per request, no query.
   */
  afterWrite?: (write: { webhookEndpoints: boolean }) => void;
}

/**
 * Secrets live in headers and bodies; bodies are never logged, and these headers are redacted
 * should anyone turn on header logging (a `req`/`res` serializer that includes headers).
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** Builds the HTTP app without listening (tests use inject or listen on port 0). */
export async function buildApp(
  given: HttpDeps,
  opts: BuildAppOptions = {},
): Promise<FastifyInstance> {
  // One holder for every route plugin, so a reload reaches the admin API, console and /metrics.
  const live = liveSettings(given);
  const deps: HttpDeps = { ...given, live };
  const app = Fastify({
    logger:
      opts.logger === undefined
        ? { level: deps.config.logLevel, redact: REDACTED_LOG_PATHS }
        : // A logger passed in (an embedder's, a test's) redacts the same headers unless it says
          // otherwise: a custom serializer that adds headers must not leak them.
          typeof opts.logger === 'object' && !('redact' in opts.logger)
          ? { ...opts.logger, redact: REDACTED_LOG_PATHS }
          : opts.logger,
    bodyLimit: deps.config.bodyLimitBytes,
    // A hop count is supported at runtime (proxy-addr) though missing from Fastify's types.
    trustProxy: deps.config.trustProxy as boolean | string,
    return503OnClosing: true,
    // A URL Fastify cannot decode (`/v1/apps/%E0%A4%A/users`) or a path parameter over its
    // 100-character limit is bad input like any other: the usual `{code, error}` body, not
    // Fastify's own.
    frameworkErrors: (err, req, reply) => {
      const code =
        err.code === 'FST_ERR_ASYNC_CONSTRAINT' ? 'internal_server_error' : 'invalid_request';
      const e = new PasskeydError(
        code,
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'A path parameter of the request URL is too long.'
          : code === 'invalid_request'
            ? 'The request URL is malformed.'
            : undefined,
      );
      // The handler's request and reply are typed for the raw server; they are ordinary ones.
      const r = reply as unknown as FastifyReply;
      // Sent before routing, so the onSend hooks do not run. (Fastify builds this request
      // without the trusted-proxy rules, so HSTS appears here only on a direct TLS socket; any
      // other answer sets it for the browser.)
      setSecurityHeaders(req as unknown as FastifyRequest, r);
      void r.status(e.status).type('application/json').send(e.toJSON());
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // First, so every other hook and the statements they issue run inside the request's span.
  opts.tracing?.instrument(app);
  registerErrorHandling(app);
  registerSecurityHeaders(app);
  registerInputHygiene(app);
  const shared = [
    ErrorBody,
    CredentialResponse,
    Device,
    UserEvent,
    ListedUser,
    User,
    AppInfo,
    AdminApp,
    AdminApiKey,
  ];
  for (const s of shared) app.addSchema(s);
  registerValidators(app, shared);

  // One set of counters for the browser budget and the failed-credential limit: in Redis when
  // several nodes must share them, else in this node's memory.
  const counters: CounterStore = deps.config.redisUrl
    ? new RedisCounterStore({
        url: deps.config.redisUrl,
        prefix: deps.config.redisKeyPrefix,
        warn: (msg, err) => app.log.warn({ err }, msg),
      })
    : new MemoryCounterStore({ now: () => deps.clock.now() });
  app.addHook('onClose', () => counters.close());
  await counters.ready();
  // Before any route plugin, so its hooks see every route, /metrics included.
  if (deps.config.authFailureLimit > 0) {
    registerAuthFailureLimit(app, counters, {
      limit: deps.config.authFailureLimit,
      windowSeconds: deps.config.authFailureWindowSeconds,
    });
  }
  const budget =
    deps.config.rateLimitMax > 0
      ? new BrowserBudget(counters, {
          max: deps.config.rateLimitMax,
          windowSeconds: deps.config.rateLimitWindowSeconds,
        })
      : undefined;

  const afterWrite = opts.afterWrite;
  if (afterWrite)
    app.addHook('onResponse', async (req) => {
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS')
        afterWrite({ webhookEndpoints: req.routeOptions.config.webhookEndpointsChange === true });
    });

  // Before any route plugin, so its hooks see every route. Off unless a metrics token is set at
  // start-up; a reload can replace the tokens but not add the route (server.ts says so).
  const metrics = live.current.metricsTokens.empty
    ? undefined
    : createPasskeydMetrics({
        poolStats: () => deps.storage.poolStats(),
        appCache: () => deps.apps.stats(),
        webhookQueue: () => deps.storage.webhookQueue.stats(),
        now: () => deps.clock.now(),
      });
  if (metrics) {
    // The webhook dispatcher (server.ts) counts its attempts here, on the one registry.
    app.decorate('passkeydMetrics', metrics);
    registerMetricsHooks(app, metrics);
    await app.register(metricsRoutes, { tokens: () => live.current.metricsTokens, metrics });
  }
  // Before any route plugin, so its hooks see every route that declares `config.audit`.
  registerAuditTrail(app, {
    storage: deps.storage,
    clock: deps.clock,
    onFailure: (type) => metrics?.auditFailures.inc({ type }),
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'passkeyd',
        version: '0.1.0',
        description:
          'Self-hosted passkey service speaking the Passage Passkey Flex wire format. Errors are `{code, error}`; codes in docs/errors.md.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key of the app in the path.',
          },
          adminToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'PASSKEYD_ADMIN_TOKEN or one of PASSKEYD_ADMIN_TOKENS.',
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _base, _frag, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  if (deps.config.docs) await registerDocs(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Per-route limits (`config.rateLimit`, e.g. the console sign-in form) share the same Redis;
  // if it does not answer they are skipped, while the failed-credential limit counts per node.
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    // One notion of "a client" for every limit: @fastify/rate-limit 11.2's default key masks IPv6
    // to a /64 too, but ours (client-address.ts) is the one the browser budget and the
    // failed-credential limit charge, and it must not change with a library default.
    keyGenerator: (req) => clientAddress(req.ip),
    errorResponseBuilder: () => new PasskeydError('rate_limited'),
    ...(counters instanceof RedisCounterStore
      ? {
          redis: counters.client,
          nameSpace: `${deps.config.redisKeyPrefix}route:`,
          skipOnError: true,
        }
      : {}),
  });

  await app.register(healthRoutes, { storage: deps.storage });
  await app.register(wellKnownRoutes, { apps: deps.apps });
  await app.register(frontendRoutes, { prefix: '/v1', deps, ...(budget ? { budget } : {}) });
  await app.register(managementRoutes, { prefix: '/v1', deps });
  await app.register(adminRoutes, { prefix: '/v1/admin', deps });
  await app.register(adminUserRoutes, { prefix: '/v1/admin', deps });
  await app.register(adminPortabilityRoutes, { prefix: '/v1/admin', deps });
  await app.register(adminWebhookRoutes, { prefix: '/v1/admin', deps });
  await app.register(adminAuditRoutes, { prefix: '/v1/admin', deps });
  await app.register(consoleRoutes, { prefix: '/console', deps });
  return app;
}
