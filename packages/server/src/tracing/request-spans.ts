import type { AsyncLocalStorage } from 'node:async_hooks';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ERROR_CODES } from '../domain/errors.js';
import { isIdOf } from '../domain/secrets.js';
import { CEREMONY_ROUTES, NONCE_ROUTE } from '../metrics/http-hooks.js';

/** passkeyd's own attributes; docs/operations.md#traces lists them with the standard ones. */
export const ATTR_APP_ID = 'passkeyd.app.id';
export const ATTR_CEREMONY = 'passkeyd.ceremony';
export const ATTR_CEREMONY_STEP = 'passkeyd.ceremony.step';
export const ATTR_OUTCOME = 'passkeyd.outcome';
export const ATTR_ERROR_CODE = 'passkeyd.error.code';

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (h: FastifyRequest['headers']) => Object.keys(h),
  get: (h: FastifyRequest['headers'], key: string) => h[key],
};

interface Open {
  span: Span;
  ctx: Context;
  code?: string;
}

/**
 * One SERVER span per request, named `METHOD route-template` as the HTTP semantic conventions
 * ask. Nothing taken from the URL, the headers or the body becomes an attribute except what is
 * listed in docs/operations.md: the route template (never the raw path, which holds user and
 * passkey ids), the app id once it has the app id format, and the error code we answered with.
 */
export function instrumentRequests(
  app: FastifyInstance,
  tracer: Tracer,
  store: AsyncLocalStorage<Context>,
): void {
  const open = new WeakMap<FastifyRequest, Open>();

  app.addHook('onRequest', (req, _reply, done) => {
    // An app backend that traces its own request makes ours a child of it (W3C traceparent).
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
    const route = req.routeOptions.url;
    const span = tracer.startSpan(
      route === undefined ? req.method : `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: req.method,
          [ATTR_URL_SCHEME]: req.protocol,
          ...(route === undefined ? {} : { [ATTR_HTTP_ROUTE]: route }),
        },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    open.set(req, { span, ctx });
    // Everything Fastify runs for this request from here on (hooks, handler, the statements
    // they issue) inherits the span, as @fastify/request-context does it.
    store.run(ctx, done);
  });

  // Body parsing resumes from the socket's stream events, outside the context entered above;
  // re-enter it before validation, auth and the handler.
  app.addHook('preValidation', (req, _reply, done) => {
    const o = open.get(req);
    if (o) store.run(o.ctx, done);
    else done();
  });

  // Every refusal is a `{code, error}` body (error-handler.ts, frameworkErrors, auth hooks that
  // reply directly); the code is read from what was sent, and kept only if it is a known one.
  app.addHook('onSend', (req, reply, payload, done) => {
    const o = open.get(req);
    if (o && reply.statusCode >= 400 && typeof payload === 'string') {
      try {
        const code = (JSON.parse(payload) as { code?: unknown }).code;
        if (typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)) o.code = code;
      } catch {
        // not JSON: no code
      }
    }
    done(null, payload);
  });

  const finish = (req: FastifyRequest, status: number | undefined) => {
    const o = open.get(req);
    if (!o) return;
    open.delete(req);
    const attrs: Attributes = {};
    const route = req.routeOptions.url;
    const appId = (req.params as { appId?: unknown } | undefined)?.appId;
    if (isIdOf('app', appId)) attrs[ATTR_APP_ID] = appId;
    if (req.method === 'POST' && route !== undefined) {
      const step = CEREMONY_ROUTES[route];
      if (step) {
        attrs[ATTR_CEREMONY] = step.kind;
        attrs[ATTR_CEREMONY_STEP] = step.step;
      } else if (route === NONCE_ROUTE) {
        attrs[ATTR_CEREMONY_STEP] = 'verify';
      }
    }
    if (status === undefined) {
      attrs[ATTR_OUTCOME] = 'aborted';
    } else {
      attrs[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
      attrs[ATTR_OUTCOME] = status < 400 ? 'ok' : status < 500 ? 'refused' : 'failed';
      if (o.code) attrs[ATTR_ERROR_CODE] = o.code;
      // HTTP semantic conventions: only a 5xx marks a server span as failed.
      if (status >= 500) {
        attrs[ATTR_ERROR_TYPE] = o.code ?? String(status);
        o.span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    o.span.setAttributes(attrs);
    o.span.end();
  };
  app.addHook('onResponse', (req, reply, done) => {
    finish(req, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (req, done) => {
    finish(req, undefined);
    done();
  });
}
