import type { Storage } from '../ports.js';
import type { App } from '../types.js';
import { getApp } from './apps.js';
import { mobileStatements } from './mobile-statements.js';
import {
  originsPastLabelLimit,
  relatedOriginWarnings,
  wellKnownWebauthn,
} from './related-origins.js';

/** The apps `GET /.well-known/webauthn` on this host speaks for: those whose RP ID is the host. */
export async function appsForRpId(storage: Storage, host: string): Promise<App[]> {
  return appsOnHost(await storage.apps.list(), host);
}

/** A host name is case-insensitive and may end in the root's dot; an RP ID is stored without. */
export function appsOnHost(apps: readonly App[], host: string): App[] {
  const rpId = host.toLowerCase().replace(/\.$/, '');
  return apps.filter((a) => a.rpId === rpId);
}

/**
 * Everything an operator hosts on an app's RP ID. The webauthn file is the one the RP ID's host
 * serves, so it covers every app on that RP ID, and so do its warnings.
 */
export async function appWellKnown(
  storage: Storage,
  appId: string,
  opts: { androidPackage?: string | undefined; appleAppId?: string | undefined } = {},
) {
  const app = await getApp(storage, appId);
  const statements = mobileStatements(app, opts);
  const webauthn = wellKnownWebauthn(await appsForRpId(storage, app.rpId));
  const skipped = originsPastLabelLimit(webauthn.origins);
  const warnings =
    skipped.length === 0 ? [] : relatedOriginWarnings({ ...app, relatedOrigins: webauthn.origins });
  return { webauthn, ...statements, warnings };
}
