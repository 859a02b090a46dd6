import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordAudit, withoutSecrets, type AuditType } from '../../domain/audit.js';
import type { Storage, Clock } from '../../domain/ports.js';
import { requestMeta } from '../context.js';

/** What a route declares to have its successful requests recorded (`config: { audit }`). */
export interface AuditRouteConfig {
  type: AuditType;
}

/** What a route knows better than the hook; each field given replaces the hook's guess. */
export interface AuditDetail {
  appId?: string | null;
  target?: string | null;
  change?: unknown;
  /** Nothing was changed after all (a dry run): record nothing. */
  skip?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditRouteConfig;
  }
  interface FastifyRequest {
    /**
     * Who is acting, as a non-secret id: set by the admin guard (`token:…` or `console:…`), or
     * by a route that authenticates by itself (the console sign-in and sign-out).
     */
    auditActor: string | undefined;
    auditDetail: AuditDetail | undefined;
    /** The answer's object, kept before serialisation for the target of a creation. */
    auditAnswer: unknown;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The id of what a creation made: `{id}`, or the `id` of the first object in the answer. */
function createdId(answer: unknown): string | undefined {
  if (!isRecord(answer)) return undefined;
  if (typeof answer.id === 'string') return answer.id;
  for (const v of Object.values(answer)) if (isRecord(v) && typeof v.id === 'string') return v.id;
  return undefined;
}

/** The last `…Id` path parameter: in `/apps/:appId/keys/:keyId` the key, not the app. */
function mostSpecificParam(params: unknown): string | undefined {
  if (!isRecord(params)) return undefined;
  let found: string | undefined;
  for (const [k, v] of Object.entries(params))
    if (k.endsWith('Id') && typeof v === 'string') found = v;
  return found;
}

/** The request's body, or else its query, without secrets; null when neither says anything. */
function changeOf(req: FastifyRequest): unknown {
  for (const part of [req.body, req.query]) {
    // A raw stream (the import's body) is not a change description; the route says instead.
    if (isRecord(part) && typeof part.pipe !== 'function' && Object.keys(part).length > 0)
      return withoutSecrets({ ...part });
  }
  return null;
}

/**
 * The audit trail's recording hook (issue 15 item 7): every successful (2xx) request to a route
 * declaring `config.audit` writes one audit_log row. Recorded in onSend, before the answer
 * leaves, so whoever reads the trail after an admin call sees it; refused requests (4xx, 5xx)
 * changed nothing and record nothing. A recording that fails does not undo or hide a change
 * that is done: it is logged at error level and counted, and the answer goes out as it was.
 */
export function registerAuditTrail(
  app: FastifyInstance,
  deps: { storage: Storage; clock: Clock; onFailure?: (type: AuditType) => void },
): void {
  app.decorateRequest('auditActor', undefined);
  app.decorateRequest('auditDetail', undefined);
  app.decorateRequest('auditAnswer', undefined);

  app.addHook('preSerialization', async (req, _reply, payload) => {
    if (req.routeOptions.config.audit) req.auditAnswer = payload;
    return payload;
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const audit = req.routeOptions.config.audit;
    if (!audit || reply.statusCode < 200 || reply.statusCode >= 300) return payload;
    const detail = req.auditDetail ?? {};
    const actor = req.auditActor;
    // No actor: the route acted on nobody's behalf (a sign-out without a session).
    if (detail.skip || actor === undefined) return payload;
    const params = isRecord(req.params) ? req.params : {};
    const answer = req.auditAnswer;
    const appId =
      detail.appId !== undefined
        ? detail.appId
        : typeof params.appId === 'string'
          ? params.appId
          : isRecord(answer) && isRecord(answer.app) && typeof answer.app.id === 'string'
            ? answer.app.id
            : null;
    const target =
      detail.target !== undefined
        ? detail.target
        : ((reply.statusCode === 201 ? createdId(answer) : undefined) ??
          mostSpecificParam(params) ??
          null);
    try {
      await recordAudit(deps.storage, {
        appId,
        type: audit.type,
        actor,
        target,
        change: detail.change !== undefined ? detail.change : changeOf(req),
        meta: requestMeta(req),
        now: deps.clock.now(),
      });
    } catch (err) {
      req.log.error(
        { err, audit_type: audit.type },
        'audit trail: could not record an admin action',
      );
      deps.onFailure?.(audit.type);
    }
    return payload;
  });
}
