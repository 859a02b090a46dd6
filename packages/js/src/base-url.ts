import { PasskeydError } from './errors.js';

/**
 * Turns the `baseUrl` the app passes (the passkeyd server's root, e.g. `https://auth.example.com`)
 * into the API root the endpoints hang off (`https://auth.example.com/v1`). A trailing `/` or `/v1`
 * is tolerated because both are natural things to paste; a path prefix (a reverse proxy mount)
 * is kept. Relative URLs resolve against the page, for a same-origin proxy.
 */
export function apiRootFromBaseUrl(baseUrl: unknown, pageUrl = currentPageUrl()): string {
  if (typeof baseUrl !== 'string' || baseUrl.trim() === '') {
    throw new PasskeydError(
      'invalid_config',
      'baseUrl is required: pass the passkeyd server URL, e.g. new PassageFlex(appId, { baseUrl: "https://auth.example.com" }).',
    );
  }
  let url: URL;
  try {
    url = new URL(baseUrl.trim(), pageUrl);
  } catch (cause) {
    throw new PasskeydError('invalid_config', `baseUrl is not a valid URL: ${baseUrl}`, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PasskeydError('invalid_config', `baseUrl must be an http(s) URL: ${baseUrl}`);
  }
  if (url.search || url.hash) {
    throw new PasskeydError(
      'invalid_config',
      `baseUrl must not have a query or fragment: ${baseUrl}`,
    );
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}/v1`;
}

function currentPageUrl(): string | undefined {
  return typeof location === 'undefined' ? undefined : location.href;
}
