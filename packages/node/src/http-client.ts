import type { ResolvedConfig } from './config.js';
import { PassageError, PassageErrorCode } from './passage-error.js';
import { MalformedBodyError } from './wire-fields.js';
import { SDK_VERSION } from './version.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest<T> {
  method: HttpMethod;
  /** Segments after `/apps/{appId}`; each is URI-encoded here, so IDs cannot escape the path. */
  path: readonly string[];
  query?: ReadonlyArray<readonly [string, string]>;
  body?: Record<string, unknown>;
  /** Turns the parsed 2xx body into the result; throws MalformedBodyError if it cannot. */
  read: (body: unknown) => T;
}

const USER_AGENT = `passkeyd-node/${SDK_VERSION} (Node.js ${globalThis.process?.version ?? 'unknown'})`;

/**
 * The one place that talks HTTP: auth header, timeout, retry policy and turning every failure
 * into a PassageError. It holds the API key, in a private field so logging the SDK never
 * prints it.
 */
export class HttpClient {
  readonly #config: ResolvedConfig;

  constructor(config: ResolvedConfig) {
    this.#config = config;
  }

  async request<T>(request: HttpRequest<T>): Promise<T> {
    const url = this.#url(request);
    // Only GETs are retried: a POST whose response was lost may already have created a
    // transaction or consumed a nonce, and a repeated DELETE would turn success into a 404.
    const attempts = request.method === 'GET' ? 1 + this.#config.getRetries : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#send(request, url);
      } catch (err) {
        const retryable =
          err instanceof PassageError && err.errorCode === PassageErrorCode.NetworkError;
        if (!retryable || attempt >= attempts) throw err;
      }
    }
  }

  #url({ path, query }: HttpRequest<unknown>): string {
    const segments = ['apps', this.#config.appId, ...path].map(encodeURIComponent).join('/');
    const search = (query ?? [])
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
      .join('&');
    return `${this.#config.apiRoot}/${segments}${search === '' ? '' : `?${search}`}`;
  }

  async #send<T>(request: HttpRequest<T>, url: string): Promise<T> {
    const { method, body } = request;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#config.apiKey}`,
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';

    let response: Response;
    let text: string;
    try {
      response = await this.#config.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // The timeout covers the body too: the signal stays attached while text() reads it.
        signal: AbortSignal.timeout(this.#config.timeoutMs),
        // Following a redirect would turn a POST into a GET and may send the key elsewhere.
        redirect: 'manual',
      });
      text = await response.text();
    } catch (err) {
      throw transportError(err, method, url, this.#config.timeoutMs);
    }

    if (response.status < 200 || response.status > 299) {
      throw errorFromResponse(response, text, method, url);
    }
    try {
      return request.read(parseJson(text));
    } catch (err) {
      if (!(err instanceof MalformedBodyError)) throw err;
      throw new PassageError(
        response.status,
        PassageErrorCode.UnexpectedResponse,
        `Unexpected response to ${method} ${url}: ${err.message}. Is baseUrl a passkeyd server?`,
      );
    }
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MalformedBodyError('the body is not JSON');
  }
}

function transportError(
  err: unknown,
  method: HttpMethod,
  url: string,
  timeoutMs: number,
): PassageError {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') {
    return new PassageError(
      0,
      PassageErrorCode.Timeout,
      `${method} ${url} timed out after ${timeoutMs} ms.`,
      { cause: err },
    );
  }
  // undici reports "fetch failed" and puts the useful part (ECONNREFUSED, ENOTFOUND...) in cause.
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail =
    (typeof cause?.code === 'string' && cause.code) ||
    (typeof cause?.message === 'string' && cause.message) ||
    (err instanceof Error ? err.message : String(err));
  return new PassageError(
    0,
    PassageErrorCode.NetworkError,
    `Could not reach passkeyd for ${method} ${url}: ${detail}.`,
    { cause: err },
  );
}

function errorFromResponse(
  response: Response,
  text: string,
  method: HttpMethod,
  url: string,
): PassageError {
  const status = response.status;
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location') ?? 'an unknown location';
    return new PassageError(
      status,
      PassageErrorCode.UnexpectedResponse,
      `${method} ${url} was redirected (${status}) to ${location}. Set baseUrl to the final URL.`,
    );
  }
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
  const body = tryParseJson(text);
  if (isErrorBody(body)) {
    return new PassageError(status, body.code, body.error, { retryAfterSeconds });
  }
  const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return new PassageError(
    status,
    PassageErrorCode.UnexpectedResponse,
    `${method} ${url} failed with HTTP ${status} and a body that is not a passkeyd error` +
      `${snippet === '' ? '' : `: ${snippet}`}. Is baseUrl a passkeyd server?`,
    { retryAfterSeconds },
  );
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isErrorBody(body: unknown): body is { code: string; error: string } {
  if (typeof body !== 'object' || body === null) return false;
  const { code, error } = body as { code?: unknown; error?: unknown };
  return typeof code === 'string' && code !== '' && typeof error === 'string';
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
