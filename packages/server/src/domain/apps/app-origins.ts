import type { App } from '../types.js';
import { isAndroidOrigin } from './app-settings.js';

/**
 * The origins a ceremony's clientDataJSON may name (WebAuthn §7.1 step 9, §7.2 step 13): the
 * app's own, its Android apps', and its related origins (L3 §5.11), which the browser has already
 * checked against the RP ID's well-known file before it let the page use the RP ID.
 */
export function ceremonyOrigins(app: App): string[] {
  return [...app.origins, ...app.relatedOrigins];
}

/** The app's web origins on its RP ID: an Android app origin is never a page's origin. */
export function webOrigins(app: App): string[] {
  return app.origins.filter((o) => !isAndroidOrigin(o));
}

/**
 * Pages that may call the browser API and frame a ceremony (`topOrigin`). An Android origin is
 * not a web origin, so a request claiming it in its `Origin` header is never given CORS.
 */
export function pageOrigins(app: App): string[] {
  return [...webOrigins(app), ...app.relatedOrigins];
}
