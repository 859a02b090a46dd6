import { PasskeydError } from './errors.js';
import { SDK_VERSION } from './version.js';

/**
 * POSTs JSON the way passage-flex-js does (passage-wire §2.2) and returns the parsed 2xx body.
 * Every failure becomes a PasskeydError: server errors keep the server's `code` and HTTP status.
 */
export async function postJson(url: string, body: object, signal?: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    // Looked up at call time so an app (or a test) can wrap window.fetch after loading the SDK.
    response = await globalThis.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Passage-Flex-Version': SDK_VERSION },
      body: JSON.stringify(body),
      // The API is authenticated by nothing but the app ID; cookies would only add risk.
      credentials: 'omit',
      signal,
    });
  } catch (cause) {
    if (signal?.aborted)
      throw new PasskeydError('aborted', 'The passkey request was aborted.', { cause });
    throw new PasskeydError(
      'network_error',
      `Could not reach the passkey server at ${new URL(url).origin} (offline, or this origin is not allowed by its CORS settings).`,
      { cause },
    );
  }
  const text = await readText(response, signal);
  if (!response.ok) throw fromErrorResponse(response.status, text, response.statusText);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new PasskeydError(
      'invalid_server_response',
      'The passkey server sent a response that is not JSON.',
      {
        cause,
        status: response.status,
      },
    );
  }
}

async function readText(response: Response, signal?: AbortSignal): Promise<string> {
  try {
    return await response.text();
  } catch (cause) {
    if (signal?.aborted)
      throw new PasskeydError('aborted', 'The passkey request was aborted.', { cause });
    throw new PasskeydError(
      'network_error',
      'The connection to the passkey server broke mid-response.',
      {
        cause,
      },
    );
  }
}

/**
 * Server errors are `{"code": "...", "error": "human message"}`. The code and status pass
 * through unchanged, whatever the code is; anything else (a proxy's HTML page) is `http_error`.
 * `statusText` is the reason phrase, as passage-flex-js reports it (passage-wire.md §5.2).
 */
export function fromErrorResponse(status: number, text: string, statusText = ''): PasskeydError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const { code, error } = (typeof body === 'object' && body !== null ? body : {}) as {
    code?: unknown;
    error?: unknown;
  };
  const message =
    typeof error === 'string' && error !== ''
      ? error
      : `The passkey server answered HTTP ${status}${text && body === undefined ? `: ${text.slice(0, 200)}` : '.'}`;
  const options = { status, statusText };
  if (typeof code === 'string' && code !== '') return new PasskeydError(code, message, options);
  return new PasskeydError('http_error', message, options);
}
