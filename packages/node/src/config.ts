import { invalidConfig } from './passage-error.js';

/**
 * Options for `new PassageFlex(...)`. `appId` and `apiKey` are the same two values Passage asked
 * for; `baseUrl` is the one addition, because passkeyd runs wherever you host it.
 */
export interface PassageConfig {
  /** The app's ID, as shown by passkeyd (`passkeyd apps list` or the admin console). */
  appId: string;
  /** The app's secret API key. Server-side only: never ship it to a browser. */
  apiKey: string;
  /**
   * Root URL of your passkeyd server, e.g. `https://passkeys.example.com`. The SDK appends
   * `/v1`; a URL that already ends in `/v1` is accepted as it is. A path prefix is kept
   * (`https://example.com/passkeyd` → `https://example.com/passkeyd/v1`).
   */
  baseUrl: string | URL;
  /** Per-request timeout in milliseconds, covering connect, response and body. Default 10 000. */
  timeoutMs?: number;
  /**
   * How many times a GET is retried after a network error (never after a timeout or an HTTP
   * error). POST, PATCH and DELETE are never retried. Default 1.
   */
  getRetries?: number;
  /**
   * The `fetch` to use. Defaults to Node's built-in one, which keeps connections alive. Pass
   * undici's `fetch` bound to your own `Agent` to tune pooling or add a proxy.
   */
  fetch?: typeof globalThis.fetch;
}

/** 0.x and 1.x used these names for the same object. */
export type PassageFlexConfig = PassageConfig;

export interface ResolvedConfig {
  readonly appId: string;
  readonly apiKey: string;
  /** Absolute URL ending in `/v1`, without a trailing slash. */
  readonly apiRoot: string;
  readonly timeoutMs: number;
  readonly getRetries: number;
  readonly fetch: typeof globalThis.fetch;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_GET_RETRIES = 1;
// setTimeout (behind AbortSignal.timeout) overflows above this and fires immediately.
const MAX_TIMEOUT_MS = 2_147_483_647;

// Whitespace, controls, and characters that would change the meaning of the URL path.
const BAD_APP_ID_CHARS = /[\s\p{Cc}/?#%\\]/u;
// Anything that cannot appear in an HTTP header value, plus spaces (never part of a key).
const BAD_API_KEY_CHARS = /[\s\p{Cc}]/u;

const EXAMPLE = "new PassageFlex({ appId, apiKey, baseUrl: 'https://passkeys.example.com' })";

/**
 * Checks every option and reports all problems in one error, so a misconfigured deployment fails
 * at start-up rather than on the first login.
 */
export function resolveConfig(config: unknown): ResolvedConfig {
  if (typeof config !== 'object' || config === null) {
    throw invalidConfig(`PassageFlex needs an options object: ${EXAMPLE}.`);
  }
  const options = config as Partial<Record<keyof PassageConfig, unknown>>;
  const problems: string[] = [];

  const appId = checkAppId(options.appId, problems);
  const apiKey = checkApiKey(options.apiKey, problems);
  const apiRoot = checkBaseUrl(options.baseUrl, problems);
  const timeoutMs = checkTimeout(options.timeoutMs, problems);
  const getRetries = checkRetries(options.getRetries, problems);
  const fetchImpl = checkFetch(options.fetch, problems);

  if (problems.length > 0) {
    throw invalidConfig(`Invalid PassageFlex options: ${problems.join(' ')}`);
  }
  return Object.freeze({
    appId: appId!,
    apiKey: apiKey!,
    apiRoot: apiRoot!,
    timeoutMs,
    getRetries,
    fetch: fetchImpl!,
  });
}

function checkAppId(value: unknown, problems: string[]): string | undefined {
  if (value === undefined || value === null || value === '') {
    problems.push('appId is required (the ID of your app in passkeyd).');
  } else if (typeof value !== 'string') {
    problems.push(`appId must be a string, got ${typeof value}.`);
  } else if (BAD_APP_ID_CHARS.test(value)) {
    problems.push(
      `appId ${JSON.stringify(value)} is malformed: it contains whitespace or one of / ? # % \\.`,
    );
  } else {
    return value;
  }
  return undefined;
}

// The key itself never appears in a message: error text ends up in logs.
function checkApiKey(value: unknown, problems: string[]): string | undefined {
  if (value === undefined || value === null || value === '') {
    problems.push('apiKey is required (the secret API key of your app in passkeyd).');
  } else if (typeof value !== 'string') {
    problems.push(`apiKey must be a string, got ${typeof value}.`);
  } else if (BAD_API_KEY_CHARS.test(value)) {
    problems.push(
      'apiKey is malformed: it contains whitespace or control characters (check for a stray newline).',
    );
  } else {
    return value;
  }
  return undefined;
}

function checkBaseUrl(value: unknown, problems: string[]): string | undefined {
  if (value === undefined || value === null || value === '') {
    problems.push(
      "baseUrl is required: the root URL of your passkeyd server, e.g. 'https://passkeys.example.com'.",
    );
    return undefined;
  }
  if (typeof value !== 'string' && !(value instanceof URL)) {
    problems.push(`baseUrl must be a string, got ${typeof value}.`);
    return undefined;
  }
  const text = String(value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(
      `baseUrl ${JSON.stringify(text)} is not an absolute URL (include http:// or https://).`,
    );
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`baseUrl must use http or https, got ${url.protocol.slice(0, -1)}.`);
    return undefined;
  }
  // fetch refuses URLs with credentials, and a query or fragment would be silently dropped.
  if (url.username !== '' || url.password !== '') {
    problems.push('baseUrl must not contain a username or password.');
    return undefined;
  }
  if (url.search !== '' || url.hash !== '') {
    problems.push(`baseUrl ${JSON.stringify(text)} must not contain a query string or fragment.`);
    return undefined;
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}/v1`;
}

function checkTimeout(value: unknown, problems: string[]): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    value > MAX_TIMEOUT_MS
  ) {
    problems.push(`timeoutMs must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}.`);
    return DEFAULT_TIMEOUT_MS;
  }
  return value;
}

function checkRetries(value: unknown, problems: string[]): number {
  if (value === undefined) return DEFAULT_GET_RETRIES;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10) {
    problems.push('getRetries must be an integer from 0 to 10.');
    return DEFAULT_GET_RETRIES;
  }
  return value;
}

function checkFetch(value: unknown, problems: string[]): typeof globalThis.fetch | undefined {
  if (value === undefined) {
    if (typeof globalThis.fetch !== 'function') {
      problems.push('No global fetch found: use Node.js 20 or later, or pass the fetch option.');
    }
    // Looked up per call, so tools that patch the global fetch (recorders, proxies) still apply.
    return (input, init) => globalThis.fetch(input, init);
  }
  if (typeof value !== 'function') {
    problems.push('fetch must be a function.');
    return undefined;
  }
  return value as typeof globalThis.fetch;
}
