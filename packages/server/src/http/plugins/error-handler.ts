import type { FastifyError, FastifyInstance } from 'fastify';
import {
  ERROR_CODES,
  PasskeydError,
  isPasskeydError,
  type ErrorCode,
} from '../../domain/errors.js';

/**
 * How long a client should wait while the database is unreachable or locked: long enough for a
 * restart or failover to progress, short enough that a retrying SDK call still fits a sign-in.
 */
export const RETRY_AFTER_SECONDS = 5;

function send(code: ErrorCode, message: string) {
  return { status: ERROR_CODES[code].status, body: { code, error: message } };
}

/** Maps every failure to `{code, error}`; internals go to the log only, never to the client. */
export function toWireError(err: unknown): {
  status: number;
  body: { code: string; error: string };
} {
  if (isPasskeydError(err)) return { status: err.status, body: err.toJSON() };
  const e = err as FastifyError & {
    validation?: { instancePath?: string; message?: string }[];
    validationContext?: string;
  };
  if (e.validation) {
    const first = e.validation[0];
    const where = `${e.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
    return send('invalid_request', `${where} ${first?.message ?? 'is invalid'}`.trim());
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return send('payload_too_large', ERROR_CODES.payload_too_large.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return send('invalid_request', 'Content-Type must be application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return send('invalid_request', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return send('invalid_request', 'The request body is not valid JSON.');
  }
  if (e.statusCode === 429) return send('rate_limited', ERROR_CODES.rate_limited.message);
  if (e instanceof SyntaxError || e.statusCode === 400)
    return send('invalid_request', 'The request body is not valid JSON.');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return send('invalid_request', e.message || 'The request is malformed.');
  }
  return send('internal_server_error', ERROR_CODES.internal_server_error.message);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toWireError(err);
    // A coded 5xx (database unreachable, console not built) is an expected state, not a bug.
    if (status >= 500 && !isPasskeydError(err)) req.log.error({ err }, 'unhandled error');
    else if (status >= 500) {
      const e = err as PasskeydError;
      const cause = e.cause === undefined ? {} : { cause: String(e.cause) };
      req.log.warn({ code: e.code, ...cause }, e.message);
    } else if (isPasskeydError(err) && err.cause)
      req.log.info({ code: err.code, cause: String(err.cause) }, 'request refused');
    // RFC 9110 §15.6.4: a 503 may say when to come back; SDKs and proxies retry after it.
    if (body.code === 'service_unavailable')
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    reply.status(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send(
        new PasskeydError(
          'not_found',
          `No route for ${req.method} ${req.url.split('?')[0]}.`,
        ).toJSON(),
      );
  });
}
