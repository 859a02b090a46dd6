import { PasskeydError } from '../errors.js';
import { decodeBase64Any, toBase64Url } from '../encoding.js';

/** `handshake_response` as clients send it (passage-wire.md §2.4, §2.6), before normalisation. */
export interface RawCredentialResponse {
  id?: string;
  rawId?: string;
  type?: string;
  response: {
    clientDataJSON: string;
    attestationObject?: string;
    authenticatorData?: string;
    signature?: string;
    userHandle?: string | null;
    transports?: string[];
  };
  transports?: string[];
  clientExtensionResults?: Record<string, unknown>;
  authenticatorAttachment?: string | null;
}

export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
  /** Checked, not trusted: a client may send any JSON value (checkClientData). */
  crossOrigin?: unknown;
  topOrigin?: unknown;
  tokenBinding?: unknown;
}

const malformed = (what: string) =>
  new PasskeydError('malformed_response', `${what} is not valid base64url.`, {
    details: { field: what },
  });

export function decodeField(
  value: string | undefined | null,
  what: string,
): Uint8Array<ArrayBuffer> {
  if (typeof value !== 'string' || value.length === 0) {
    throw new PasskeydError('malformed_response', `${what} is missing.`, {
      details: { field: what },
    });
  }
  const bytes = decodeBase64Any(value);
  if (!bytes) throw malformed(what);
  return bytes;
}

/**
 * The credential id, canonical base64url. `rawId` is authoritative (bytes); `id` is the browser's
 * own base64url form and, when both are present, must name the same bytes.
 */
export function credentialIdOf(r: RawCredentialResponse): string {
  const raw = r.rawId ?? r.id;
  const bytes = decodeField(raw, 'rawId');
  if (r.id !== undefined && r.rawId !== undefined) {
    const idBytes = decodeField(r.id, 'id');
    if (Buffer.compare(Buffer.from(idBytes), Buffer.from(bytes)) !== 0) {
      throw new PasskeydError('malformed_response', 'id and rawId name different credentials.');
    }
  }
  if (r.type !== undefined && r.type !== 'public-key') {
    throw new PasskeydError(
      'malformed_response',
      `credential type must be "public-key", got "${r.type}".`,
    );
  }
  return toBase64Url(bytes);
}

/** WebAuthn §7.1 step 5-6 / §7.2 step 10: clientDataJSON is UTF-8 JSON. */
export function parseClientData(clientDataJSON: Uint8Array): ClientData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(clientDataJSON));
  } catch (cause) {
    throw new PasskeydError('malformed_response', 'clientDataJSON is not UTF-8 JSON.', { cause });
  }
  const c = parsed as Partial<ClientData> | null;
  if (
    !c ||
    typeof c !== 'object' ||
    typeof c.type !== 'string' ||
    typeof c.challenge !== 'string' ||
    typeof c.origin !== 'string'
  ) {
    throw new PasskeydError(
      'malformed_response',
      'clientDataJSON lacks type, challenge or origin.',
    );
  }
  return c as ClientData;
}

/**
 * The challenge the client says it answered, as unpadded base64url ('' when it is not base64 at
 * all, which then fails checkClientData as challenge_mismatch after the type check). A finish
 * verifies the response against it before any database access, and its one storage statement
 * then requires it to be the handshake's own challenge (storage.ceremonies).
 */
export function claimedChallenge(c: ClientData): string {
  const got = decodeBase64Any(c.challenge);
  return got ? toBase64Url(got) : '';
}

/**
 * Client data checks shared by both ceremonies (§7.1 steps 7-9, §7.2 steps 11-13).
 * The challenge is compared as bytes: browsers echo it as unpadded base64url whatever form we
 * sent (passage-wire.md §8.2).
 */
export function checkClientData(
  c: ClientData,
  expected: {
    type: 'webauthn.create' | 'webauthn.get';
    challenge: string;
    origins: readonly string[];
    /** Pages that may frame the ceremony; defaults to `origins`. */
    topOrigins?: readonly string[];
  },
): void {
  if (c.type !== expected.type) {
    throw new PasskeydError(
      'ceremony_type_mismatch',
      `clientDataJSON.type is "${c.type}", expected "${expected.type}".`,
    );
  }
  const got = decodeBase64Any(c.challenge);
  if (!got || toBase64Url(got) !== expected.challenge)
    throw new PasskeydError('challenge_mismatch');
  if (!expected.origins.includes(c.origin)) {
    throw new PasskeydError('origin_mismatch', `Origin ${c.origin} is not allowed for this app.`);
  }
  checkCrossOrigin(c, expected.topOrigins ?? expected.origins);
  if (c.tokenBinding !== undefined) {
    const tb = c.tokenBinding as { status?: unknown } | null;
    if (
      !tb ||
      typeof tb !== 'object' ||
      !['present', 'supported', 'notSupported'].includes(String(tb.status))
    ) {
      throw new PasskeydError('malformed_response', 'clientDataJSON.tokenBinding is malformed.');
    }
  }
}

/**
 * §5.8.1: `crossOrigin` is a boolean and `topOrigin` is present only when it is true; §7.1/§7.2:
 * "If C.topOrigin is present: Verify that the Relying Party expects this credential to be used
 * within an iframe that is not same-origin with its ancestors. Verify that the value of
 * C.topOrigin matches the origin of a page that the Relying Party expects to be sub-framed within."
 * passkeyd has no separate list of framing pages, so the only frames it expects are between the
 * app's own allowed origins: a cross-origin ceremony must name its top origin and that must be
 * one of the app's origins. `crossOrigin: true` without `topOrigin` (browsers before WebAuthn L3)
 * is refused: the page that framed it cannot be known. Stricter than SimpleWebAuthn, which
 * accepts that case and any truthy `crossOrigin`; verify-assertion.test.ts marks those cases.
 */
function checkCrossOrigin(c: ClientData, origins: readonly string[]): void {
  if (c.crossOrigin !== undefined && typeof c.crossOrigin !== 'boolean') {
    throw new PasskeydError('malformed_response', 'clientDataJSON.crossOrigin is not a boolean.', {
      details: { field: 'crossOrigin' },
    });
  }
  if (c.topOrigin !== undefined && typeof c.topOrigin !== 'string') {
    throw new PasskeydError('malformed_response', 'clientDataJSON.topOrigin is not a string.', {
      details: { field: 'topOrigin' },
    });
  }
  if (c.crossOrigin !== true) {
    if (c.topOrigin !== undefined) {
      throw new PasskeydError(
        'origin_mismatch',
        `clientDataJSON has a top origin (${c.topOrigin}) but is not cross-origin.`,
      );
    }
    return;
  }
  if (c.topOrigin === undefined) {
    throw new PasskeydError(
      'origin_mismatch',
      'Cross-origin ceremonies must name their top origin (clientDataJSON.topOrigin).',
    );
  }
  if (!origins.includes(c.topOrigin)) {
    throw new PasskeydError(
      'origin_mismatch',
      `Cross-origin ceremonies framed by ${c.topOrigin} are not allowed: the top origin must be one of the app's origins.`,
    );
  }
}

/** Transports sit at the top level in Passage's SDK and inside `response` in WebAuthn JSON. */
export function transportsOf(r: RawCredentialResponse): string[] {
  const list = r.response.transports ?? r.transports ?? [];
  return [...new Set(list.filter((t) => typeof t === 'string' && t.length <= 32))].slice(0, 8);
}
