import { createHash } from 'node:crypto';
import { decodeBase64Tolerant, toBase64Url, toBytes } from './bytes.js';
import type { Bytes } from './types.js';

export interface ClientDataInput {
  type: string;
  /** The challenge as the server sent it (any base64 flavour). */
  challenge: string;
  origin: string;
  /** Written verbatim instead of the re-encoded challenge (tampering). */
  challengeOverride?: string;
  /** Members added after (or replacing) the standard ones; `undefined` drops a member. */
  extra?: Record<string, unknown>;
}

/**
 * Serializes CollectedClientData the way browsers do: member order type, challenge, origin,
 * crossOrigin, with the challenge re-encoded as unpadded base64url whatever the server sent.
 */
export function buildClientDataJSON(input: ClientDataInput): Bytes {
  const challenge =
    input.challengeOverride ?? toBase64Url(decodeBase64Tolerant(input.challenge, 'challenge'));
  const json = JSON.stringify({
    type: input.type,
    challenge,
    origin: input.origin,
    crossOrigin: false,
    ...input.extra,
  });
  return toBytes(Buffer.from(json, 'utf8'));
}

export function sha256(data: Uint8Array | string): Bytes {
  return toBytes(createHash('sha256').update(data).digest());
}
