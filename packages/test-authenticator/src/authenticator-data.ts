import { toBytes } from './bytes.js';
import { sha256 } from './client-data.js';
import type { Bytes } from './types.js';

/** Authenticator data flag bits (WebAuthn §6.1). */
export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40, ED: 0x80 } as const;

export interface AttestedCredentialData {
  aaguid: Uint8Array;
  credentialId: Uint8Array;
  publicKeyCose: Uint8Array;
}

export interface AuthenticatorDataInput {
  /** Its SHA-256 becomes rpIdHash. */
  rpId: string;
  flags: number;
  signCount: number;
  /** Present on registration; sets the AT flag. */
  attestedCredential?: AttestedCredentialData;
}

/** rpIdHash (32) | flags (1) | signCount (4, big-endian) | [aaguid (16) | idLength (2) | id | COSE key]. */
export function buildAuthenticatorData(input: AuthenticatorDataInput): Bytes {
  if (!Number.isInteger(input.signCount) || input.signCount < 0 || input.signCount > 0xffffffff) {
    throw new RangeError(`signCount must be a uint32, got ${input.signCount}`);
  }
  const attested = input.attestedCredential;
  const flags = attested ? input.flags | FLAGS.AT : input.flags;
  const head = Buffer.alloc(37);
  head.set(sha256(input.rpId), 0);
  head.writeUInt8(flags, 32);
  head.writeUInt32BE(input.signCount, 33);
  if (!attested) return toBytes(head);

  if (attested.aaguid.length !== 16) throw new RangeError('aaguid must be 16 bytes');
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(attested.credentialId.length);
  return toBytes(
    Buffer.concat([head, attested.aaguid, idLength, attested.credentialId, attested.publicKeyCose]),
  );
}

/** Parses a UUID string (dashes optional) into its 16 bytes. */
export function aaguidFromUuid(uuid: string): Bytes {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`aaguid is not a UUID: ${uuid}`);
  return toBytes(Buffer.from(hex, 'hex'));
}
