import type pg from 'pg';
import type { CeremonyStore, PresentedApiKey } from '../../domain/ports.js';
import type { ErrorCode } from '../../domain/errors.js';
import type { ApiKey } from '../../domain/types.js';
import type { StatementTracer } from '../../tracing/statement-spans.js';
import * as rows from '../kysely/rows.js';
import { isPostgresUnavailable, unavailable } from '../kysely/unavailable.js';
import { valuesOf, type NamedSql } from './named-sql.js';
import * as q from './postgres-sql.js';
import {
  apiKeyOf,
  beganHandshake,
  begunTransaction,
  completedRegistration,
  completedSignIn,
  handshakeRefusal,
  type Row,
  signInStatus,
} from './results.js';

const abandonRegister = q.abandonFinish('register');
const abandonAuthenticate = q.abandonFinish('authenticate');

/**
 * The ceremony requests on PostgreSQL: each one statement (postgres-sql.ts) sent as a named
 * prepared statement, so each connection parses and plans it once and every request is one
 * round trip and one implicit commit.
 */
export function postgresCeremonies(
  pool: pg.Pool,
  isUniqueViolation: (err: unknown) => boolean,
  /** A span per statement when traces are on (tracing/statement-spans.ts). */
  trace: StatementTracer = (_name, _sql, fn) => fn(),
): {
  ceremonies: CeremonyStore;
  authenticateKey: (
    appId: string,
    key: PresentedApiKey,
    now: number,
  ) => Promise<ApiKey | undefined>;
} {
  const run = async (query: NamedSql, ...params: Record<string, unknown>[]): Promise<Row[]> => {
    try {
      const r = await trace(query.name, query.text, () =>
        pool.query({ name: query.name, text: query.text, values: valuesOf(query, ...params) }),
      );
      return r.rows as Row[];
    } catch (err) {
      // 503 with Retry-After for an unreachable database, as on Kysely's path.
      throw isPostgresUnavailable(err) ? unavailable(err) : err;
    }
  };
  const key = (k: PresentedApiKey) => ({ key_prefix: k.prefix, key_hash: k.secretHash });

  const ceremonies: CeremonyStore = {
    async beginTransaction(r) {
      const t = r.transaction;
      const common = {
        key_prefix: r.key.prefix,
        key_hash: r.key.secretHash,
        app: r.appId,
        now: r.now,
        external_id: r.externalId,
        tx_id: t.id,
        hints: t.hints === null ? null : JSON.stringify(t.hints),
        tx_uv: t.userVerification,
        expires_at: t.expiresAt,
      };
      const [row] =
        r.kind === 'register'
          ? await run(q.beginRegisterTransaction, common, {
              user_id: r.newUser?.id,
              webauthn_user_id: r.newUser?.webauthnUserId,
              supersede: r.supersedePending === true,
              display_name: t.passkeyDisplayName,
              mediation: t.mediation ?? null,
            })
          : await run(q.beginAuthenticateTransaction, common);
      return transactionResult(r, row!);
    },

    async beginHandshake(r) {
      const h = r.handshake;
      const params = {
        app: h.appId,
        hs_id: h.id,
        kind: h.kind,
        challenge: h.challenge,
        uv: h.userVerification,
        now: r.now,
        expires_at: h.expiresAt,
      };
      if (h.transactionId === null) {
        await run(q.insertHandshake, params);
        return { ok: true, handshake: h, transaction: null, user: null, credentials: [] };
      }
      const [row] = await run(q.beginHandshake, params, {
        tx_id: h.transactionId,
        credential_limit: r.credentialLimit,
      });
      const creds = (row!.creds as [string, string][]).map(([id, transports]) => ({
        id,
        transports: JSON.parse(transports) as string[],
      }));
      return handshakeRefusal(r, row!, creds.length) ?? beganHandshake(r, row!, creds);
    },

    async completeRegistration(r) {
      const c = r.credential;
      let row: Row;
      try {
        [row] = (await run(q.completeRegistration, finishParams(r), {
          up: r.userPresent,
          dev_id: c.id,
          credential_id: c.credentialId,
          public_key: c.publicKey,
          alg: c.alg,
          sign_count: c.signCount,
          transports: JSON.stringify(c.transports),
          aaguid: c.aaguid,
          be: c.backupEligible ? 1 : 0,
          bs: c.backedUp ? 1 : 0,
          fmt: c.attestationFormat,
        })) as [Row];
      } catch (err) {
        // Another ceremony stored the same credential id after this statement's snapshot.
        if (isUniqueViolation(err)) return { ok: false, reason: 'credential_already_registered' };
        throw err;
      }
      return completedRegistration(r, row);
    },

    async completeSignIn(r) {
      const [row] = await run(q.completeSignIn, finishParams(r), {
        credential_id: r.credentialId,
        public_key: r.publicKey,
        handles_given: r.userHandles !== null,
        handles: r.userHandles ?? [],
        sign_count: r.signCount,
        be: r.backupEligible ? 1 : 0,
        bs: r.backedUp ? 1 : 0,
        max_count: rows.MAX_COUNT,
      });
      const status = signInStatus(row!);
      return status === 'ok' ? completedSignIn(r, row!) : { ok: false, reason: status };
    },

    async abandonFinish(r) {
      const [row] = await run(r.kind === 'register' ? abandonRegister : abandonAuthenticate, {
        app: r.appId,
        hs_id: r.handshakeId,
        body_tx: r.bodyTransactionId,
        now: r.now,
        code: r.code,
        credential_id: r.credentialId ?? null,
        handles_given: (r.userHandles ?? null) !== null,
        handles: r.userHandles ?? [],
        event_id: r.event.id,
        event_type: r.event.type ?? null,
        detail: r.event.detail ?? null,
        ip: r.event.ipAddr,
        ua: r.event.userAgent,
      });
      return row!.status as ErrorCode;
    },

    async redeemNonce(r) {
      const [row] = await run(q.redeemNonce, key(r.key), {
        app: r.appId,
        now: r.now,
        hash: r.hash,
      });
      if (!row!.key_ok) return { ok: false, reason: 'invalid_access_token' };
      if (row!.hash === null) return { ok: false, reason: 'invalid_nonce' };
      return { ok: true, nonce: rows.nonceFromRow(row as never) };
    },
  };

  const authenticateKey = async (appId: string, k: PresentedApiKey, now: number) => {
    const [row] = await run(q.authenticateKey, key(k), { app: appId, now });
    return row ? apiKeyOf(row) : undefined;
  };
  return { ceremonies, authenticateKey };
}

function finishParams(r: import('../../domain/ports.js').FinishRequest) {
  return {
    app: r.appId,
    hs_id: r.handshakeId,
    body_tx: r.bodyTransactionId,
    now: r.now,
    challenge: r.challenge,
    uv: r.userVerified,
    uv_int: r.userVerified ? 1 : 0,
    app_uv_required: r.appRequiresUserVerification,
    nonce_hash: r.nonce.hash,
    nonce_expires_at: r.nonce.expiresAt,
    event_id: r.event.id,
    ip: r.event.ipAddr,
    ua: r.event.userAgent,
  };
}

function transactionResult(
  r: import('../../domain/ports.js').BeginTransactionRequest,
  row: Row,
): Awaited<ReturnType<CeremonyStore['beginTransaction']>> {
  if (!row.key_ok) return { ok: false, reason: 'invalid_access_token' };
  if (row.user_status === null || row.user_status === undefined)
    return { ok: false, reason: 'user_not_found' };
  if (row.user_status !== 'active') return { ok: false, reason: 'user_not_active' };
  if (r.kind === 'authenticate' && !row.has_passkey)
    return { ok: false, reason: 'user_has_no_passkeys' };
  return {
    ok: true,
    transaction: begunTransaction(r, row.user_id as string, row.external_id as string),
  };
}
