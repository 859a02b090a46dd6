import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { ErrorCode } from '../../domain/errors.js';
import type {
  AbandonFinishRequest,
  CeremonyStore,
  FinishRequest,
  PresentedApiKey,
} from '../../domain/ports.js';
import type { ApiKey, CeremonyKind } from '../../domain/types.js';
import type { StatementTracer } from '../../tracing/statement-spans.js';
import * as rows from '../kysely/rows.js';
import { isSqliteUnavailable, unavailable } from '../kysely/unavailable.js';
import { groupCommit } from '../sqlite-group-commit.js';
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

/** Last-used times are written at most this often (the PostgreSQL statement does the same). */
const TOUCH_INTERVAL_MS = 60_000;

/** Exported for ceremony-plans.test.ts, which checks that each one is answered from indexes. */
export const SQL = {
  key: `SELECT * FROM api_keys WHERE prefix = @key_prefix AND secret_hash = @key_hash
    AND app_id = @app AND revoked_at IS NULL`,
  touchKey: `UPDATE api_keys SET last_used_at = @now WHERE id = @id`,
  insertUser: `INSERT INTO users (id, app_id, external_id, webauthn_user_id, status, created_at,
    updated_at, last_login_at, login_count)
    VALUES (@user_id, @app, @external_id, @webauthn_user_id, 'active', @now, @now, NULL, 0)
    ON CONFLICT (app_id, external_id) DO NOTHING`,
  userByExternalId: `SELECT id, external_id, status, EXISTS (SELECT 1 FROM credentials c
    WHERE c.app_id = users.app_id AND c.user_id = users.id) AS has_passkey
    FROM users WHERE app_id = @app AND external_id = @external_id`,
  supersede: `UPDATE transactions SET consumed_at = @now WHERE app_id = @app AND user_id = @user_id
    AND kind = 'register' AND consumed_at IS NULL AND expires_at > @now`,
  insertTx: `INSERT INTO transactions (id, app_id, kind, user_id, external_id, passkey_display_name,
    hints, user_verification, created_at, expires_at, consumed_at, mediation)
    VALUES (@tx_id, @app, @kind, @user_id, @external_id, @display_name, @hints, @tx_uv, @now,
    @expires_at, NULL, @mediation)`,
  txWithUser: `SELECT t.*, u.status AS user_status, u.webauthn_user_id FROM transactions t
    LEFT JOIN users u ON u.app_id = t.app_id AND u.id = t.user_id
    WHERE t.app_id = @app AND t.id = @tx_id`,
  // Ordered and cut in beginHandshake: SQLite's ORDER BY here sorts through a temporary B-tree,
  // 20 µs of set-up for the one or two rows a user has, against 5 µs for the plain read.
  recentCredentials: `SELECT id, credential_id, transports,
    coalesce(last_used_at, created_at) AS used FROM credentials
    WHERE app_id = @app AND user_id = @user_id`,
  insertHandshake: `INSERT INTO handshakes (id, app_id, kind, transaction_id, challenge,
    user_verification, created_at, expires_at, consumed_at)
    VALUES (@hs_id, @app, @kind, @tx_id, @challenge, @uv, @now, @expires_at, NULL)`,
  handshake: `SELECT * FROM handshakes WHERE app_id = @app AND id = @hs_id`,
  consumeHandshake: `UPDATE handshakes SET consumed_at = @now WHERE app_id = @app AND id = @hs_id`,
  consumeTx: `UPDATE transactions SET consumed_at = @now WHERE app_id = @app AND id = @tx_id`,
  credentialTaken: `SELECT 1 AS taken FROM credentials
    WHERE app_id = @app AND credential_id = @credential_id`,
  insertCredential: `INSERT INTO credentials (id, app_id, user_id, credential_id, public_key, alg,
    sign_count, transports, aaguid, backup_eligible, backed_up, attestation_format, friendly_name,
    created_at, updated_at, last_used_at, usage_count)
    VALUES (@dev_id, @app, @user_id, @credential_id, @public_key, @alg, @sign_count, @transports,
    @aaguid, @be, @bs, @fmt, @friendly_name, @now, @now, NULL, 0)`,
  insertNonce: `INSERT INTO nonces (hash, app_id, user_id, external_id, kind, credential_id,
    device_id, transaction_id, user_verified, backed_up, aaguid, created_at, expires_at,
    consumed_at)
    VALUES (@nonce_hash, @app, @user_id, @external_id, @kind, @credential_id, @dev_id, @tx_id,
    @uv_int, @bs, @aaguid, @now, @nonce_expires_at, NULL)`,
  insertEvent: `INSERT INTO events (id, app_id, user_id, type, credential_id, ip_addr, user_agent,
    detail, external_id, created_at)
    VALUES (@event_id, @app, @user_id, @type, @dev_id, @ip, @ua, @detail, @external_id, @now)`,
  credentialWithUser: `SELECT c.*, u.status AS user_status, u.external_id, u.webauthn_user_id
    FROM credentials c JOIN users u ON u.app_id = c.app_id AND u.id = c.user_id
    WHERE c.app_id = @app AND c.credential_id = @credential_id`,
  recordUse: `UPDATE credentials SET sign_count = @sign_count, backed_up = @bs,
    backup_eligible = CASE WHEN attestation_format = 'imported' THEN @be ELSE backup_eligible END,
    last_used_at = @now, updated_at = @now,
    usage_count = CASE WHEN usage_count < @max_count THEN usage_count + 1 ELSE usage_count END
    WHERE app_id = @app AND id = @dev_id`,
  recordLogin: `UPDATE users SET last_login_at = @now, updated_at = @now,
    login_count = CASE WHEN login_count < @max_count THEN login_count + 1 ELSE login_count END
    WHERE app_id = @app AND id = @user_id`,
  redeemNonce: `UPDATE nonces SET consumed_at = @now WHERE hash = @hash AND app_id = @app
    AND consumed_at IS NULL AND expires_at > @now RETURNING *`,
  begin: 'BEGIN IMMEDIATE',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  savepoint: 'SAVEPOINT ceremony',
  release: 'RELEASE ceremony',
  rollbackTo: 'ROLLBACK TO ceremony',
} as const;

type Name = keyof typeof SQL;

/** ORDER BY coalesce(last_used_at, created_at) DESC, id DESC, as the PostgreSQL statement. */
const mostRecentlyUsedFirst = (a: Row, b: Row): number =>
  Number(b.used) - Number(a.used) ||
  (a.id === b.id ? 0 : (a.id as string) < (b.id as string) ? 1 : -1);

/**
 * The ceremony requests on SQLite: each one short transaction (BEGIN IMMEDIATE … COMMIT) of
 * better-sqlite3 statements prepared once, shared with the requests that arrive in the same turn
 * of the event loop, each in a savepoint (sqlite-group-commit.ts). IMMEDIATE takes the
 * database's one write lock before the first read, so what a request reads cannot change before
 * it writes, even from another process (the CLI): the checks below read, decide, then write, with
 * the same outcomes and the same order of refusals as the PostgreSQL statements. `exclusive`
 * holds Kysely's connection so the transaction never nests inside one that Kysely has open on the
 * same connection.
 */
export function sqliteCeremonies(
  db: Pick<SqliteDatabase, 'prepare' | 'inTransaction'>,
  exclusive: <T>(fn: () => T) => Promise<T>,
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
  const prepared = new Map<Name, Statement>();
  const st = (name: Name): Statement => {
    let s = prepared.get(name);
    if (!s) {
      s = db.prepare(SQL[name]);
      prepared.set(name, s);
    }
    return s;
  };
  const get = (name: Name, p: Row): Row | undefined =>
    trace(name, SQL[name], () => st(name).get(p) as Row | undefined);
  const run = (name: Name, p: Row): number => trace(name, SQL[name], () => st(name).run(p).changes);
  const all = (name: Name, p: Row): Row[] => trace(name, SQL[name], () => st(name).all(p) as Row[]);
  const step = (name: 'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo') =>
    trace(name, SQL[name], () => st(name).run());

  // Requests arriving together share one BEGIN IMMEDIATE … COMMIT, each in a savepoint
  // (sqlite-group-commit.ts). A lock held past busy_timeout (another process) is 503
  // service_unavailable, as on Kysely's path (kysely/unavailable.ts).
  const transaction = groupCommit({
    steps: {
      begin: () => step('begin'),
      commit: () => step('commit'),
      rollback: () => step('rollback'),
      savepoint: () => step('savepoint'),
      release: () => step('release'),
      rollbackToSavepoint: () => step('rollbackTo'),
      inTransaction: () => db.inTransaction,
    },
    exclusive,
    translate: (err) => (isSqliteUnavailable(err) ? unavailable(err) : err),
  });

  const checkKey = (appId: string, k: PresentedApiKey, now: number): Row | undefined => {
    const key = get('key', { key_prefix: k.prefix, key_hash: k.secretHash, app: appId });
    if (key && (key.last_used_at === null || now - Number(key.last_used_at) > TOUCH_INTERVAL_MS)) {
      run('touchKey', { id: key.id, now });
      key.last_used_at = now;
    }
    return key;
  };

  /** PRE in postgres-sql.ts: the handshake (consumed here when usable), then its transaction. */
  const finishHead = (
    kind: CeremonyKind,
    r: Pick<FinishRequest, 'appId' | 'handshakeId' | 'bodyTransactionId' | 'now'>,
  ): { pre: ErrorCode | null; hs: Row | undefined; tx: Row | undefined } => {
    const hs = get('handshake', { app: r.appId, hs_id: r.handshakeId });
    let pre: ErrorCode | null = null;
    if (!hs || hs.kind !== kind) pre = 'handshake_not_found';
    else if (hs.consumed_at !== null) pre = 'handshake_consumed';
    else if (Number(hs.expires_at) <= r.now) pre = 'handshake_expired';
    if (pre) return { pre, hs, tx: undefined };
    run('consumeHandshake', { app: r.appId, hs_id: r.handshakeId, now: r.now });
    const txId = hs!.transaction_id as string | null;
    if (r.bodyTransactionId !== null && r.bodyTransactionId !== txId)
      return { pre: 'transaction_not_found', hs, tx: undefined };
    if (txId === null)
      return { pre: kind === 'register' ? 'transaction_not_found' : null, hs, tx: undefined };
    const tx = get('txWithUser', { app: r.appId, tx_id: txId });
    if (!tx || tx.kind !== kind) pre = 'transaction_not_found';
    else if (tx.consumed_at !== null) pre = 'transaction_consumed';
    else if (Number(tx.expires_at) <= r.now) pre = 'transaction_expired';
    else if (tx.user_status === null) pre = 'transaction_not_found';
    else if (tx.user_status !== 'active') pre = 'user_not_active';
    return { pre, hs, tx };
  };

  const uvMissing = (r: FinishRequest, hs: Row) =>
    !r.userVerified && (hs.user_verification === 'required' || r.appRequiresUserVerification);
  const handleMismatch = (handles: string[] | null | undefined, c: Row) =>
    handles !== null && handles !== undefined && !handles.includes(c.webauthn_user_id as string);
  const event = (
    r: {
      appId: string;
      now: number;
      event: { id: string; ipAddr: string | null; userAgent: string | null };
    },
    e: {
      user_id: unknown;
      type: string;
      dev_id: unknown;
      detail: string | null;
      external_id: unknown;
    },
  ) =>
    run('insertEvent', {
      event_id: r.event.id,
      app: r.appId,
      ip: r.event.ipAddr,
      ua: r.event.userAgent,
      now: r.now,
      user_id: e.user_id,
      type: e.type,
      dev_id: e.dev_id,
      detail: e.detail,
      external_id: e.external_id,
    });

  const ceremonies: CeremonyStore = {
    beginTransaction: (r) =>
      transaction(() => {
        if (!checkKey(r.appId, r.key, r.now)) return { ok: false, reason: 'invalid_access_token' };
        const t = r.transaction;
        if (r.kind === 'register' && r.newUser) {
          run('insertUser', {
            user_id: r.newUser.id,
            app: r.appId,
            external_id: r.externalId,
            webauthn_user_id: r.newUser.webauthnUserId,
            now: r.now,
          });
        }
        const user = get('userByExternalId', { app: r.appId, external_id: r.externalId });
        if (!user) return { ok: false, reason: 'user_not_found' };
        if (user.status !== 'active') return { ok: false, reason: 'user_not_active' };
        if (r.kind === 'authenticate' && !user.has_passkey)
          return { ok: false, reason: 'user_has_no_passkeys' };
        if (r.kind === 'register' && r.supersedePending)
          run('supersede', { app: r.appId, user_id: user.id, now: r.now });
        run('insertTx', {
          tx_id: t.id,
          app: r.appId,
          kind: r.kind,
          user_id: user.id,
          external_id: user.external_id,
          display_name: t.passkeyDisplayName,
          hints: t.hints === null ? null : JSON.stringify(t.hints),
          tx_uv: t.userVerification,
          now: r.now,
          expires_at: t.expiresAt,
          mediation: t.mediation ?? null,
        });
        return {
          ok: true,
          transaction: begunTransaction(r, user.id as string, user.external_id as string),
        };
      }),

    beginHandshake: (r) =>
      transaction(() => {
        const h = r.handshake;
        const insert = (uv: string) =>
          run('insertHandshake', {
            hs_id: h.id,
            app: h.appId,
            kind: h.kind,
            tx_id: h.transactionId,
            challenge: h.challenge,
            uv,
            now: r.now,
            expires_at: h.expiresAt,
          });
        if (h.transactionId === null) {
          insert(h.userVerification);
          return { ok: true, handshake: h, transaction: null, user: null, credentials: [] };
        }
        const tx = get('txWithUser', { app: h.appId, tx_id: h.transactionId }) ?? { id: null };
        const creds =
          tx.id === null
            ? []
            : all('recentCredentials', { app: h.appId, user_id: tx.user_id })
                .sort(mostRecentlyUsedFirst)
                .slice(0, r.credentialLimit)
                .map((c) => ({
                  id: c.credential_id as string,
                  transports: JSON.parse(c.transports as string) as string[],
                }));
        tx.hs_uv =
          h.kind === 'authenticate' && tx.user_verification === 'required'
            ? 'required'
            : h.userVerification;
        const refused = handshakeRefusal(r, tx, creds.length);
        if (refused) return refused;
        insert(tx.hs_uv as string);
        return beganHandshake(r, tx, creds);
      }),

    completeRegistration: (r) =>
      transaction(() => {
        const { pre, hs, tx } = finishHead('register', r);
        const c = r.credential;
        let status: ErrorCode | 'ok' = pre ?? 'ok';
        if (status === 'ok') {
          if (hs!.challenge !== r.challenge) status = 'challenge_mismatch';
          else if (!r.userPresent && tx!.mediation !== 'conditional')
            status = 'user_presence_required';
          else if (uvMissing(r, hs!)) status = 'user_verification_required';
          else if (get('credentialTaken', { app: r.appId, credential_id: c.credentialId }))
            status = 'credential_already_registered';
        }
        if (status !== 'ok') return completedRegistration(r, { status });
        const friendlyName = (tx!.passkey_display_name ?? tx!.external_id) as string;
        run('consumeTx', { app: r.appId, tx_id: tx!.id, now: r.now });
        // One literal with the values of both inserts (a statement reads only its own names),
        // not a shared object spread into two (eslint.config.js says why).
        const values = {
          app: r.appId,
          now: r.now,
          user_id: tx!.user_id,
          dev_id: c.id,
          credential_id: c.credentialId,
          aaguid: c.aaguid,
          bs: c.backedUp ? 1 : 0,
          public_key: c.publicKey,
          alg: c.alg,
          sign_count: c.signCount,
          transports: JSON.stringify(c.transports),
          be: c.backupEligible ? 1 : 0,
          fmt: c.attestationFormat,
          friendly_name: friendlyName,
          nonce_hash: r.nonce.hash,
          external_id: tx!.external_id,
          kind: 'register',
          tx_id: tx!.id,
          uv_int: r.userVerified ? 1 : 0,
          nonce_expires_at: r.nonce.expiresAt,
        };
        run('insertCredential', values);
        run('insertNonce', values);
        event(r, {
          user_id: tx!.user_id,
          type: 'passkey_register',
          dev_id: c.id,
          detail: null,
          external_id: tx!.external_id,
        });
        return completedRegistration(r, {
          status: 'ok',
          user_id: tx!.user_id,
          external_id: tx!.external_id,
          friendly_name: friendlyName,
        });
      }),

    completeSignIn: (r) =>
      transaction(() => {
        const { pre, hs, tx } = finishHead('authenticate', r);
        if (pre) return { ok: false, reason: pre };
        const c = get('credentialWithUser', { app: r.appId, credential_id: r.credentialId });
        let post: ErrorCode | 'ok' = 'ok';
        if (!c || c.public_key !== r.publicKey) post = 'credential_not_found';
        else if (tx && c.user_id !== tx.user_id) post = 'credential_not_allowed';
        else if (handleMismatch(r.userHandles, c)) post = 'user_handle_mismatch';
        else if (hs!.challenge !== r.challenge) post = 'challenge_mismatch';
        else if (uvMissing(r, hs!)) post = 'user_verification_required';
        else if (
          (r.signCount > 0 || Number(c.sign_count) > 0) &&
          r.signCount <= Number(c.sign_count)
        )
          post = 'counter_regression';
        else if (
          Number(c.backup_eligible) !== (r.backupEligible ? 1 : 0) &&
          c.attestation_format !== 'imported'
        )
          post = 'backup_eligibility_changed';
        else if (c.user_status !== 'active') post = 'user_not_active';
        if (post !== 'ok') {
          const known = post !== 'credential_not_found';
          event(r, {
            user_id: known ? c!.user_id : (tx?.user_id ?? null),
            type:
              post === 'counter_regression' || post === 'backup_eligibility_changed'
                ? post
                : 'passkey_login_failed',
            dev_id: known ? c!.id : null,
            detail: post,
            external_id: known ? c!.external_id : (tx?.external_id ?? null),
          });
          return { ok: false, reason: post };
        }
        // One literal with the values of the three statements (each reads only its own names),
        // never `{ ...shared, more }`: on Node 20 (V8 11.3) every object built that way gets maps
        // of its own in the old generation, about 10 µs and 3 KB of garbage for the nonce's
        // (eslint.config.js, docs/benchmarks.md).
        const values = {
          app: r.appId,
          now: r.now,
          dev_id: c!.id,
          user_id: c!.user_id,
          max_count: rows.MAX_COUNT,
          sign_count: r.signCount,
          bs: r.backedUp ? 1 : 0,
          be: r.backupEligible ? 1 : 0,
          nonce_hash: r.nonce.hash,
          external_id: c!.external_id,
          kind: 'authenticate',
          credential_id: c!.credential_id,
          tx_id: tx?.id ?? null,
          uv_int: r.userVerified ? 1 : 0,
          aaguid: c!.aaguid,
          nonce_expires_at: r.nonce.expiresAt,
        };
        run('recordUse', values);
        if (tx) run('consumeTx', { app: r.appId, tx_id: tx.id, now: r.now });
        run('recordLogin', values);
        run('insertNonce', values);
        event(r, {
          user_id: c!.user_id,
          type: 'passkey_login',
          dev_id: c!.id,
          detail: null,
          external_id: c!.external_id,
        });
        const status = signInStatus({ pre: null, post: 'ok', done: true });
        return status === 'ok' ? completedSignIn(r, c!) : { ok: false, reason: status };
      }),

    abandonFinish: (r: AbandonFinishRequest) =>
      transaction(() => {
        const { pre, tx } = finishHead(r.kind, r);
        if (pre) return pre;
        let code: ErrorCode = r.code;
        let c: Row | undefined;
        if (r.kind === 'authenticate' && r.credentialId !== undefined) {
          c = get('credentialWithUser', { app: r.appId, credential_id: r.credentialId ?? null });
          if (!c) code = 'credential_not_found';
          else if (tx && c.user_id !== tx.user_id) code = 'credential_not_allowed';
          else if (handleMismatch(r.userHandles, c)) code = 'user_handle_mismatch';
        }
        if (r.kind === 'authenticate' || r.event.type) {
          event(r, {
            user_id: c?.user_id ?? tx?.user_id ?? null,
            type: r.event.type ?? 'passkey_login_failed',
            dev_id: c?.id ?? null,
            detail: r.event.detail ?? code,
            external_id: c?.external_id ?? tx?.external_id ?? null,
          });
        }
        return code;
      }),

    redeemNonce: (r) =>
      transaction(() => {
        if (!checkKey(r.appId, r.key, r.now)) return { ok: false, reason: 'invalid_access_token' };
        const n =
          r.hash === null
            ? undefined
            : get('redeemNonce', { hash: r.hash, app: r.appId, now: r.now });
        return n
          ? { ok: true, nonce: rows.nonceFromRow(n as never) }
          : { ok: false, reason: 'invalid_nonce' };
      }),
  };

  const authenticateKey = (appId: string, k: PresentedApiKey, now: number) =>
    transaction(() => {
      const key = checkKey(appId, k, now);
      return key ? apiKeyOf(key) : undefined;
    });
  return { ceremonies, authenticateKey };
}
