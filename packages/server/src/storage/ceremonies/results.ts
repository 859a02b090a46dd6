import type { ErrorCode } from '../../domain/errors.js';
import type {
  BeganHandshake,
  BeginHandshakeRequest,
  CompleteRegistrationRequest,
  CompleteSignInRequest,
  CeremonyStore,
  CompletedCeremony,
  Refused,
} from '../../domain/ports.js';
import type { ApiKey, Transaction, UserVerificationPolicy } from '../../domain/types.js';
import * as rows from '../kysely/rows.js';

/** A result row of a ceremony statement, the same column names on both engines. */
export type Row = Record<string, unknown>;

const num = (v: unknown) => Number(v);

export const apiKeyOf = (r: Row): ApiKey => rows.apiKeyFromRow(r as never);

/** Why F1/F3 could not start, in loadLiveTransaction's order; null when it started. */
export function handshakeRefusal(
  r: BeginHandshakeRequest,
  row: Row,
  credentialCount: number,
): Refused | null {
  const refuse = (reason: ErrorCode): Refused => ({ ok: false, reason });
  if (row.id === null || row.id === undefined || row.kind !== r.handshake.kind)
    return refuse('transaction_not_found');
  if (row.consumed_at !== null) return refuse('transaction_consumed');
  if (num(row.expires_at) <= r.now) return refuse('transaction_expired');
  // The user was deleted after the transaction was made.
  if (row.user_status === null || row.user_status === undefined)
    return refuse('transaction_not_found');
  if (row.user_status !== 'active') return refuse('user_not_active');
  if (r.handshake.kind === 'authenticate' && credentialCount === 0)
    return refuse('user_has_no_passkeys');
  if (row.hs_uv === null || row.hs_uv === undefined)
    throw new Error('beginHandshake: the checks passed but no handshake was stored');
  return null;
}

export function beganHandshake(
  r: BeginHandshakeRequest,
  row: Row,
  credentials: { id: string; transports: string[] }[],
): BeganHandshake {
  const h = r.handshake;
  // Spelled out, not `{ ...h, userVerification }`: slow on Node 20 (eslint.config.js says why).
  return {
    ok: true,
    handshake: {
      id: h.id,
      appId: h.appId,
      kind: h.kind,
      transactionId: h.transactionId,
      challenge: h.challenge,
      userVerification: row.hs_uv as UserVerificationPolicy,
      createdAt: h.createdAt,
      expiresAt: h.expiresAt,
      consumedAt: h.consumedAt,
    },
    transaction: rows.transactionFromRow(row as never),
    user: { id: row.user_id as string, webauthnUserId: row.webauthn_user_id as string },
    credentials,
  };
}

export function completedRegistration(
  r: CompleteRegistrationRequest,
  row: Row,
): CompletedCeremony | Refused {
  const status = row.status as ErrorCode | 'ok';
  if (status !== 'ok') return { ok: false, reason: status };
  // Every check passed on the snapshot, but a concurrent finish consumed the transaction first.
  if (row.user_id === null || row.user_id === undefined)
    return { ok: false, reason: 'transaction_consumed' };
  const c = r.credential;
  return {
    ok: true,
    user: { id: row.user_id as string, appId: r.appId, externalId: row.external_id as string },
    credential: {
      id: c.id,
      appId: c.appId,
      userId: row.user_id as string,
      credentialId: c.credentialId,
      publicKey: c.publicKey,
      alg: c.alg,
      signCount: c.signCount,
      transports: c.transports,
      aaguid: c.aaguid,
      backupEligible: c.backupEligible,
      backedUp: c.backedUp,
      attestationFormat: c.attestationFormat,
      friendlyName: row.friendly_name as string,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      lastUsedAt: c.lastUsedAt,
      usageCount: c.usageCount,
    },
  };
}

/**
 * The sign-in's outcome: a handshake/transaction refusal first, then a credential one; when
 * every check passed, a lost race on the counter or on the transaction.
 */
export function signInStatus(row: Row): ErrorCode | 'ok' {
  if (row.pre !== null && row.pre !== undefined) return row.pre as ErrorCode;
  if (row.post !== 'ok') return row.post as ErrorCode;
  if (row.done) return 'ok';
  return row.used ? 'transaction_consumed' : 'counter_regression';
}

export function completedSignIn(r: CompleteSignInRequest, row: Row): CompletedCeremony {
  const imported = row.attestation_format === 'imported';
  return {
    ok: true,
    user: { id: row.user_id as string, appId: r.appId, externalId: row.external_id as string },
    credential: {
      id: row.id as string,
      appId: r.appId,
      userId: row.user_id as string,
      credentialId: row.credential_id as string,
      publicKey: row.public_key as string,
      alg: num(row.alg),
      signCount: r.signCount,
      transports: JSON.parse(row.transports as string) as string[],
      aaguid: row.aaguid as string,
      backupEligible: imported ? r.backupEligible : num(row.backup_eligible) === 1,
      backedUp: r.backedUp,
      attestationFormat: row.attestation_format as string,
      friendlyName: row.friendly_name as string,
      createdAt: num(row.created_at),
      updatedAt: r.now,
      lastUsedAt: r.now,
      usageCount: Math.min(num(row.usage_count) + 1, rows.MAX_COUNT),
    },
  };
}

/** The transaction B1/B2 wrote, as the domain gets it back (both engines). */
export function begunTransaction(
  r: Parameters<CeremonyStore['beginTransaction']>[0],
  userId: string,
  externalId: string,
): Transaction {
  const t = r.transaction;
  return {
    id: t.id,
    appId: r.appId,
    kind: r.kind,
    userId,
    externalId,
    passkeyDisplayName: t.passkeyDisplayName,
    hints: t.hints,
    userVerification: t.userVerification,
    createdAt: r.now,
    expiresAt: t.expiresAt,
    consumedAt: null,
    ...(t.mediation === 'conditional' && { mediation: 'conditional' as const }),
  };
}
