import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { consoleActor, tokenActor } from '../../domain/audit.js';
import { PasskeydError } from '../../domain/errors.js';
import { randomToken, sha256 } from '../../domain/secrets.js';
import { liveSettings } from '../auth/live-settings.js';
import type { HttpDeps } from '../context.js';

/**
 * The admin console: the single-page app built by packages/console, and the sessions it signs in
 * with. An operator pastes the admin token once; from then on an httpOnly, SameSite=Strict cookie
 * carries a random session id, of which only the SHA-256 is stored. Sessions end on sign-out,
 * after PASSKEYD_CONSOLE_IDLE_MINUTES without a request, PASSKEYD_CONSOLE_SESSION_MAX_HOURS after
 * sign-in however busy, on "sign out everywhere", and as soon as the admin token that opened
 * them is no longer configured.
 */

export const CONSOLE_COOKIE = 'passkeyd_console';

/**
 * Where the built console is: packages/console/dist in a clone (from src/http/routes under tsx
 * and vitest, or dist/http/routes when built), else the copy `npm pack` puts in dist/console, the
 * only one an installed package has. The clone's build wins because it is the current one: the
 * packed copy is only refreshed by the next `npm pack`.
 */
export function defaultConsoleDir(): string {
  const candidates = [
    fileURLToPath(new URL('../../../../console/dist/', import.meta.url)),
    fileURLToPath(new URL('../../console/', import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// The console loads nothing from elsewhere (it works offline); icons of authenticators arrive
// as data: URLs.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** scheme://host[:port] this request was addressed to (X-Forwarded-* when PASSKEYD_TRUST_PROXY allows). */
export function ownOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/**
 * A cookie is sent with any request to this host, whoever's page made it; SameSite=Strict
 * already stops other sites' pages, and this check also covers browsers or proxies that do not
 * honour it. Browsers send Origin on every POST, PATCH and DELETE, same-origin ones included.
 */
export function requireSameOrigin(req: FastifyRequest): void {
  if (req.headers.origin !== ownOrigin(req)) throw new PasskeydError('cross_origin_request');
}

function sessionIdFrom(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === CONSOLE_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(req: FastifyRequest, value: string, clear = false): string {
  const attrs = [`${CONSOLE_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (req.protocol === 'https') attrs.push('Secure');
  if (clear) attrs.push('Max-Age=0');
  return attrs.join('; ');
}

/**
 * For the admin API's guard: authenticates a request by its console cookie. Returns false when
 * there is no cookie (the caller then wants a bearer token); throws when there is one but its
 * session is unknown or expired, or when a state-changing request comes from another origin.
 * Every accepted request pushes the idle deadline forward, never past the absolute one.
 */
export function consoleSessionAuth(deps: Pick<HttpDeps, 'storage' | 'clock' | 'config' | 'live'>) {
  const idleMs = deps.config.consoleIdleMinutes * 60_000;
  const live = liveSettings(deps);
  return async (req: FastifyRequest): Promise<boolean> => {
    // A session opened with a token that has since been removed from the configuration is
    // refused at once: rotating a token must lock out whoever holds the old one, cookie or not.
    // Read per request, so a reload (SIGHUP) that drops the token ends the session too.
    const tokenIds = live.current.adminTokens.ids;
    const id = sessionIdFrom(req);
    if (id === undefined) return false;
    // Before the session is touched: a forged request must not even keep a session alive.
    if (!SAFE_METHODS.has(req.method)) requireSameOrigin(req);
    const now = deps.clock.now();
    const hash = SESSION_ID.test(id) ? sha256(id) : undefined;
    if (
      hash === undefined ||
      !(await deps.storage.consoleSessions.touch(hash, now, now + idleMs, tokenIds))
    ) {
      throw new PasskeydError('console_session_expired');
    }
    req.auditActor = consoleActor(hash);
    return true;
  };
}

export interface ConsoleRoutesOptions {
  deps: HttpDeps;
  /** The built console (index.html and assets/); defaults to {@link defaultConsoleDir}. */
  dir?: string;
}

/** Registered under the /console prefix. */
export const consoleRoutes: FastifyPluginAsyncTypebox<ConsoleRoutesOptions> = async (
  scope,
  { deps, dir = defaultConsoleDir() },
) => {
  const live = liveSettings(deps);
  const idleMinutes = deps.config.consoleIdleMinutes;
  const maxMs = deps.config.consoleSessionMaxHours * 3_600_000;
  const authenticate = consoleSessionAuth({ ...deps, live });

  scope.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
  });

  const session = { hide: true, tags: ['console'] };
  const SessionState = Type.Object({
    signed_in: Type.Boolean(),
    admin_enabled: Type.Boolean(),
    idle_minutes: Type.Integer(),
  });

  scope.get(
    '/session',
    { schema: { ...session, response: { 200: SessionState } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const enabled = !live.current.adminTokens.empty;
      let signedIn = false;
      if (enabled) {
        try {
          signedIn = await authenticate(req);
        } catch (err) {
          if (!(err instanceof PasskeydError && err.code === 'console_session_expired')) throw err;
          reply.header('set-cookie', sessionCookie(req, '', true));
        }
      }
      return { signed_in: signedIn, admin_enabled: enabled, idle_minutes: idleMinutes };
    },
  );

  scope.post(
    '/session',
    {
      // The token has at least 32 characters, so this is no guessing game; the limit only keeps
      // a misbehaving script from filling the sessions table.
      config: {
        rateLimit: { max: 30, timeWindow: 60_000 },
        audit: { type: 'admin.console.signed_in' },
      },
      schema: {
        ...session,
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 1024 }) }),
        response: { 201: SessionState },
      },
    },
    async (req, reply) => {
      requireSameOrigin(req);
      const tokens = live.current.adminTokens;
      if (tokens.empty) throw new PasskeydError('admin_api_disabled');
      const tokenId = tokens.match(req.body.token.trim());
      if (tokenId === undefined) throw new PasskeydError('invalid_admin_token');
      const previous = sessionIdFrom(req);
      if (previous && SESSION_ID.test(previous))
        await deps.storage.consoleSessions.delete(sha256(previous));
      const now = deps.clock.now();
      // Expired sessions are cleared here, where a row is added, so the table stays small
      // without a timer of its own.
      await deps.storage.consoleSessions.purgeExpired(now);
      const id = randomToken(32);
      const idHash = sha256(id);
      await deps.storage.consoleSessions.create({
        idHash,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: now + idleMinutes * 60_000,
        absoluteExpiresAt: now + maxMs,
        tokenId,
      });
      // A short prefix of the fingerprint tells operators which token was used, not the token.
      req.log.info({ token: tokenId.slice(0, 8) }, 'console sign-in');
      // There was no session before this request: the new one is the actor, and the trail says
      // which token opened it, so later console actions lead back to a token.
      req.auditActor = consoleActor(idHash);
      req.auditDetail = { change: { opened_with: tokenActor(tokenId) } };
      return reply
        .status(201)
        .header('set-cookie', sessionCookie(req, id))
        .header('cache-control', 'no-store')
        .send({ signed_in: true, admin_enabled: true, idle_minutes: idleMinutes });
    },
  );

  scope.delete(
    '/session',
    {
      config: { audit: { type: 'admin.console.signed_out' } },
      schema: { ...session, response: { 200: SessionState } },
    },
    async (req, reply) => {
      const id = sessionIdFrom(req);
      if (id !== undefined) {
        requireSameOrigin(req);
        // Only a session that existed is signed out; the hook records nothing without an actor.
        if (SESSION_ID.test(id) && (await deps.storage.consoleSessions.delete(sha256(id))))
          req.auditActor = consoleActor(sha256(id));
      }
      return reply
        .header('set-cookie', sessionCookie(req, '', true))
        .header('cache-control', 'no-store')
        .send({
          signed_in: false,
          admin_enabled: !live.current.adminTokens.empty,
          idle_minutes: idleMinutes,
        });
    },
  );

  if (!existsSync(join(dir, 'index.html'))) {
    const notBuilt = async () => {
      throw new PasskeydError('console_not_built');
    };
    scope.get('/', { schema: { hide: true } }, notBuilt);
    scope.get('/*', { schema: { hide: true } }, notBuilt);
    return;
  }

  await scope.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: false,
    cacheControl: false,
    // The folder is a build output; a stray .env or .git in it is never part of the console
    // (@fastify/static serves dotfiles unless told otherwise).
    dotfiles: 'ignore',
    // @fastify/static 10 passes the reply (not the raw response) and applies these headers after
    // its own, so they win.
    setHeaders: (reply, path) => {
      // Vite names every asset by its content hash, so an asset never changes under its name.
      reply.header(
        'cache-control',
        path.includes(`${join(dir, 'assets')}`)
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      );
    },
  });

  const sendIndex = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  scope.get('/', { schema: { hide: true } }, async (_req, reply) => sendIndex(reply));

  // Client-side routes (/console/apps/…) get the app shell; a missing asset stays a 404.
  scope.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (
      (req.method === 'GET' || req.method === 'HEAD') &&
      !path.startsWith('/console/assets/') &&
      !/\.[a-z0-9]+$/i.test(path)
    ) {
      return sendIndex(reply);
    }
    return reply
      .status(404)
      .send(new PasskeydError('not_found', `No route for ${req.method} ${path}.`).toJSON());
  });
};
