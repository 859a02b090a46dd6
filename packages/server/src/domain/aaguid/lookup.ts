import { readFileSync } from 'node:fs';

export interface AuthenticatorInfo {
  name: string;
  /** `data:image/...;base64,...` URIs, as Passage's devices API sent them; null when unknown. */
  iconLight: string | null;
  iconDark: string | null;
}

export interface ShippedEntry {
  name: string;
  icon_light?: string;
  icon_dark?: string;
}

const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

let table: Map<string, AuthenticatorInfo> | undefined;

/** Reads aaguids.json's shape (written by scripts/update-aaguids.mjs) into a lookup table. */
export function authenticatorTable(doc: {
  authenticators: Record<string, ShippedEntry>;
}): Map<string, AuthenticatorInfo> {
  const map = new Map<string, AuthenticatorInfo>();
  for (const [aaguid, e] of Object.entries(doc.authenticators)) {
    map.set(aaguid.toLowerCase(), {
      name: e.name,
      iconLight: e.icon_light ?? null,
      iconDark: e.icon_dark ?? null,
    });
  }
  return map;
}

/**
 * aaguids.json ships beside this module (the build copies it into dist/) and is refreshed with
 * scripts/update-aaguids.mjs. Read on first use, not at import, so commands that never show a
 * device (migrate, app create) do not pay for it.
 */
function load(): Map<string, AuthenticatorInfo> {
  return authenticatorTable(
    JSON.parse(readFileSync(new URL('./aaguids.json', import.meta.url), 'utf8')),
  );
}

/**
 * Authenticator name and icons for an AAGUID. The all-zero AAGUID (attestation "none" from many
 * platforms) names nothing.
 */
export function lookupAuthenticator(aaguid: string): AuthenticatorInfo | undefined {
  if (!aaguid || aaguid === ZERO_AAGUID) return undefined;
  table ??= load();
  return table.get(aaguid.toLowerCase());
}

/** Every named authenticator of the table, by name: what the console offers for AAGUID lists. */
export function listAuthenticators(): { aaguid: string; name: string }[] {
  table ??= load();
  return [...table]
    .map(([aaguid, info]) => ({ aaguid, name: info.name }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.aaguid.localeCompare(b.aaguid));
}
