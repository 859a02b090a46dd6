import { PasskeydError } from './errors.js';
import type { ConsumeFailure, Storage } from './ports.js';
import type { DomainDeps } from './deps.js';
import { isIdOf, newId, randomToken } from './secrets.js';
import { validateHints } from './apps/app-settings.js';
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
 */
export async function createRegisterTransaction(
  app: App,
  input: {
    externalId: string;
    passkeyDisplayName: string;
    supersedePending?: boolean;
    /** `'conditional'`: made for an automatic passkey upgrade (F2 then accepts UP=0). */
    mediation?: 'conditional';
    hints?: string[];
  },
  deps: DomainDeps,
): Promise<Transaction> {
  const externalId = checkText(input.externalId, 'external_id');
  const displayName = checkText(input.passkeyDisplayName, 'passkey_display_name');
  const hints = input.hints === undefined ? null : validateHints(input.hints);
  const now = deps.clock.now();
  const user = await deps.storage.users.findOrCreate({
    id: newId('usr'),
    appId: app.id,
    externalId,
    webauthnUserId: randomToken(32),
    status: 'active',
    createdAt: now,
    updatedAt: now,
    lastLoginAt: null,
    loginCount: 0,
  });
  assertUserActive(user);
  const save = (storage: Storage) =>
    saveTransaction(
      app,
      {
        kind: 'register',
        user,
        passkeyDisplayName: displayName,
        hints,
        now,
        mediation: input.mediation,
      },
      { ...deps, storage },
    );
  if (!input.supersedePending) return save(deps.storage);
  // An app that asks for a fresh transaction wants every older one it handed out, possibly to
  // someone else, to stop working (issue 12): ended and replaced in one database transaction,
  // so no moment exists where an old one and the new one are both live.
  return deps.storage.transaction(async (tx) => {
    await tx.transactions.supersedePending(app.id, user.id, 'register', now);
    return save(tx);
  });
}

async function saveTransaction(
  app: App,
  t: {
    kind: CeremonyKind;
    user: User;
    passkeyDisplayName: string | null;
    hints: Transaction['hints'];
    userVerification?: Transaction['userVerification'];
    now: number;
    mediation?: 'conditional' | undefined;
  },
  deps: DomainDeps,
): Promise<Transaction> {
  const tx: Transaction = {
    id: newId('txn'),
    appId: app.id,
    kind: t.kind,
    userId: t.user.id,
    externalId: t.user.externalId,
    passkeyDisplayName: t.passkeyDisplayName,
    hints: t.hints,
    userVerification: t.userVerification ?? null,
    createdAt: t.now,
    expiresAt: t.now + ttlMs(app, deps),
    consumedAt: null,
    ...(t.mediation === 'conditional' && { mediation: 'conditional' as const }),
  };
  await deps.storage.transactions.create(tx);
  return tx;
}

/**
 * B2. 404 for an unknown external id; 409 when the user has no passkey to sign in with.
 * `userVerification: 'required'` is step-up: this one sign-in must verify the user (PIN,
 * biometrics) even where the app's policy only prefers it; the options then say `required` and
 * the finish refuses UV=0 (user_verification_required). It can only tighten the app's policy.
 */
export async function createAuthenticateTransaction(
  app: App,
  input: { externalId: string; hints?: string[]; userVerification?: 'required' },
  deps: DomainDeps,
): Promise<Transaction> {
  const externalId = checkText(input.externalId, 'external_id');
  const hints = input.hints === undefined ? null : validateHints(input.hints);
  if (input.userVerification !== undefined && input.userVerification !== 'required') {
    throw new PasskeydError('invalid_request', 'user_verification may only be "required".', {
      details: { field: 'user_verification' },
    });
  }
  const user = await deps.storage.users.findByExternalId(app.id, externalId);
  if (!user) throw new PasskeydError('user_not_found');
  assertUserActive(user);
  const creds = await deps.storage.credentials.listByUser(app.id, user.id);
  if (creds.length === 0) throw new PasskeydError('user_has_no_passkeys');
  return saveTransaction(
    app,
    {
      kind: 'authenticate',
      user,
      passkeyDisplayName: null,
      hints,
      userVerification: input.userVerification ?? null,
      now: deps.clock.now(),
    },
    deps,
  );
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
