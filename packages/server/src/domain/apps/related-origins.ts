import { parse } from 'tldts';
import type { App } from '../types.js';

/**
 * WebAuthn L3 §5.11.1: a browser walks the well-known `origins` in order and counts distinct
 * labels, "the registrable domain of the origin minus its public suffix" (`example` for both
 * https://example.co.uk and https://login.example.de), and stops counting at 5. Origins whose
 * label comes after the fifth can't use the RP ID. The Public Suffix List is tldts's, private
 * section included, as HTML's "registrable domain" uses it.
 */
export const MAX_RELATED_ORIGIN_LABELS = 5;

export function registrableLabel(origin: string): string {
  const host = new URL(origin).hostname;
  const p = parse(host, { allowPrivateDomains: true });
  return p.domainWithoutSuffix || p.hostname || host;
}

/** `GET /.well-known/webauthn` for an RP ID: the related origins of its apps, oldest app first. */
export function wellKnownWebauthn(apps: readonly App[]): { origins: string[] } {
  return { origins: [...new Set(apps.flatMap((a) => a.relatedOrigins))] };
}

/** Origins a browser would skip because their label is the sixth or later, in list order. */
export function originsPastLabelLimit(origins: readonly string[]): string[] {
  const labels = new Set<string>();
  const skipped: string[] = [];
  for (const origin of origins) {
    const label = registrableLabel(origin);
    if (labels.has(label)) continue;
    if (labels.size < MAX_RELATED_ORIGIN_LABELS) labels.add(label);
    else skipped.push(origin);
  }
  return skipped;
}

/** Advice shown with an app (admin API, CLI, console); never a refusal, since browsers differ. */
export function relatedOriginWarnings(app: App): string[] {
  const skipped = originsPastLabelLimit(app.relatedOrigins);
  if (skipped.length === 0) return [];
  return [
    `related_origins name more than ${MAX_RELATED_ORIGIN_LABELS} registrable-domain labels; browsers honour only the first ${MAX_RELATED_ORIGIN_LABELS} (WebAuthn L3 §5.11.1), so ${skipped.join(', ')} may not be able to use RP ID ${app.rpId}`,
  ];
}
