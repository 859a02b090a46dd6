import { PasskeydError } from './errors.js';
import type { BeganHandshake, ConsumeFailure, Storage } from './ports.js';
import { MAX_CREDENTIALS_IN_OPTIONS } from './ceremonies/offered-credentials.js';
import { isIdOf, newTimeOrderedId, randomToken } from './secrets.js';
import type { CeremonyKind, Handshake, UserVerificationPolicy } from './types.js';

/** 32 random bytes: twice the 16 the spec asks for (WebAuthn §13.4.3). */
export function newChallenge(): string {
  return randomToken(32);
}

/**
 * F1/F3 in one storage operation: the transaction (when there is one) is checked and the
 * handshake stored in the same statement, which also returns the user and their most recently
 * used passkeys for the options (storage.ceremonies.beginHandshake).
 */
export async function beginHandshake(
  storage: Storage,
  h: {
    appId: string;
    kind: CeremonyKind;
    transactionId: string | null;
    userVerification: UserVerificationPolicy;
    now: number;
    ttlMs: number;
  },
): Promise<BeganHandshake> {
  // Unknown and malformed ids alike are 404 transaction_not_found (passage-wire.md §2.7).
  if (h.transactionId !== null && !isIdOf('txn', h.transactionId))
    throw new PasskeydError('transaction_not_found');
  const r = await storage.ceremonies.beginHandshake({
    handshake: {
      id: newTimeOrderedId('hs', h.now),
      appId: h.appId,
      kind: h.kind,
      transactionId: h.transactionId,
      challenge: newChallenge(),
      userVerification: h.userVerification,
      createdAt: h.now,
      expiresAt: h.now + h.ttlMs,
      consumedAt: null,
    },
    credentialLimit: MAX_CREDENTIALS_IN_OPTIONS,
    now: h.now,
  });
  if (!r.ok) throw new PasskeydError(r.reason);
  return r;
}

const HS_ERRORS = {
  not_found: 'handshake_not_found',
  expired: 'handshake_expired',
  consumed: 'handshake_consumed',
} as const satisfies Record<ConsumeFailure, string>;

/**
 * Consumes the challenge before anything is verified: a challenge answers one finish call,
 * right or wrong, so a failed attempt cannot be retried with the same challenge.
 */
export async function consumeHandshake(
  storage: Storage,
  appId: string,
  handshakeId: string,
  kind: CeremonyKind,
  now: number,
): Promise<Handshake> {
  if (!isIdOf('hs', handshakeId)) throw new PasskeydError('handshake_not_found');
  const r = await storage.handshakes.consume(appId, handshakeId, kind, now);
  if (!r.ok) throw new PasskeydError(HS_ERRORS[r.reason]);
  return r.value;
}

/**
 * The finish body's transaction_id as the finish statement compares it with the handshake's:
 * null when absent or empty; any string that is no transaction id becomes one that matches no
 * handshake (still transaction_not_found, after the handshake's own checks), so no client text
 * reaches the database unchecked.
 */
export function bodyTransactionOf(bodyTransactionId: string | undefined): string | null {
  if (bodyTransactionId === undefined || bodyTransactionId === '') return null;
  return isIdOf('txn', bodyTransactionId) ? bodyTransactionId : 'txn_none';
}
