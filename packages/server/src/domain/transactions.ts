import { PasskeydError } from './errors.js';
import type { ConsumeFailure, PresentedApiKey, Storage } from './ports.js';
import type { DomainDeps } from './deps.js';
import { isIdOf, newId, newTimeOrderedId, randomToken } from './secrets.js';
import { validateHints } from './apps/app-settings.js';
import { keyFirst } from './apps/api-keys.js';
import type { App, CeremonyKind, Transaction, User } from './types.js';
import { assertUserActive } from './users.js';

function checkText(value: string, field: string, max = 255): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max) {
    throw new PasskeydError('invalid_request', `${field} must be 1-${max} characters.`, {
      details: { field },
    });
  }
  return value;
}

function ttlMs(app: App, deps: DomainDeps): number {
  return (app.transactionTtlSeconds ?? deps.settings.transactionTtlSeconds) * 1000;
}

/**
 * B1. Creates the user on first use (passage-wire.md §3.3). The WebAuthn user handle is 32
 * random bytes, never the external id, so a passkey reveals nothing about the app's user ids.
 * One storage statement checks the API key, finds or creates the user, ends older transactions
 * when asked to (issue 12: ended and replaced atomically, so an old one and the new one are
 * never both live) and stores the transaction.
 */
export async function createRegisterTransaction(
  app: App,
  input: {
    /** The API key as presented; the storage statement checks it. */
    key: PresentedApiKey | undefined;
    externalId: string;
    passkeyDisplayName: string;
    supersedePending?: boolean;
    /** `'conditional'`: made for an automatic passkey upgrade (F2 then accepts UP=0). */
    mediation?: 'conditional';
    hints?: string[];
  },
  deps: DomainDeps,
): Promise<Transaction> {
  const { key, input: checked } = await keyFirst(app.id, input.key, deps, () => ({
    externalId: checkText(input.externalId, 'external_id'),
    displayName: checkText(input.passkeyDisplayName, 'passkey_display_name'),
    hints: input.hints === undefined ? null : validateHints(input.hints),
  }));
  const now = deps.clock.now();
  const r = await deps.storage.ceremonies.beginTransaction({
    key,
    appId: app.id,
    kind: 'register',
    externalId: checked.externalId,
    newUser: { id: newId('usr'), webauthnUserId: randomToken(32) },
    supersedePending: input.supersedePending === true,
    transaction: {
      id: newTimeOrderedId('txn', now),
      passkeyDisplayName: checked.displayName,
      hints: checked.hints,
      userVerification: null,
      expiresAt: now + ttlMs(app, deps),
      ...(input.mediation === 'conditional' && { mediation: 'conditional' as const }),
    },
    now,
  });
  if (!r.ok) throw new PasskeydError(r.reason);
  return r.transaction;
}

/**
 * B2. 404 for an unknown external id; 409 when the user has no passkey to sign in with.
 * `userVerification: 'required'` is step-up: this one sign-in must verify the user (PIN,
 * biometrics) even where the app's policy only prefers it; the options then say `required` and
 * the finish refuses UV=0 (user_verification_required). It can only tighten the app's policy.
 */
export async function createAuthenticateTransaction(
  app: App,
  input: {
    key: PresentedApiKey | undefined;
    externalId: string;
    hints?: string[];
    userVerification?: 'required';
  },
  deps: DomainDeps,
): Promise<Transaction> {
  const { key, input: checked } = await keyFirst(app.id, input.key, deps, () => {
    const externalId = checkText(input.externalId, 'external_id');
    const hints = input.hints === undefined ? null : validateHints(input.hints);
    if (input.userVerification !== undefined && input.userVerification !== 'required') {
      throw new PasskeydError('invalid_request', 'user_verification may only be "required".', {
        details: { field: 'user_verification' },
      });
    }
    return { externalId, hints };
  });
  const now = deps.clock.now();
  const r = await deps.storage.ceremonies.beginTransaction({
    key,
    appId: app.id,
    kind: 'authenticate',
    externalId: checked.externalId,
    transaction: {
      id: newTimeOrderedId('txn', now),
      passkeyDisplayName: null,
      hints: checked.hints,
      userVerification: input.userVerification ?? null,
      expiresAt: now + ttlMs(app, deps),
    },
    now,
  });
  if (!r.ok) throw new PasskeydError(r.reason);
  return r.transaction;
}

const TX_ERRORS = {
  not_found: 'transaction_not_found',
  expired: 'transaction_expired',
  consumed: 'transaction_consumed',
} as const satisfies Record<ConsumeFailure, string>;

/**
 * A transaction usable for a ceremony step now, with its user; read-only (start calls). The user
 * is re-read and must still be active: one deactivated after the transaction was made is refused
 * at every later step.
 */
export async function loadLiveTransaction(
  storage: Storage,
  appId: string,
  transactionId: string,
  kind: CeremonyKind,
  now: number,
): Promise<{ tx: Transaction; user: User }> {
  // Unknown and malformed ids alike are 404 transaction_not_found (passage-wire.md §2.7).
  const tx = isIdOf('txn', transactionId)
    ? await storage.transactions.get(appId, transactionId)
    : undefined;
  if (!tx || tx.kind !== kind) throw new PasskeydError('transaction_not_found');
  if (tx.consumedAt !== null) throw new PasskeydError('transaction_consumed');
  if (tx.expiresAt <= now) throw new PasskeydError('transaction_expired');
  const user = await storage.users.get(appId, tx.userId);
  // The user was deleted after the transaction was made.
  if (!user) throw new PasskeydError('transaction_not_found');
  assertUserActive(user);
  return { tx, user };
}

/** Atomically consumes the transaction at the end of a successful ceremony. */
export async function consumeTransaction(
  storage: Storage,
  appId: string,
  transactionId: string,
  kind: CeremonyKind,
  now: number,
): Promise<Transaction> {
  if (!isIdOf('txn', transactionId)) throw new PasskeydError('transaction_not_found');
  const r = await storage.transactions.consume(appId, transactionId, kind, now);
  if (!r.ok) throw new PasskeydError(TX_ERRORS[r.reason]);
  return r.value;
}
