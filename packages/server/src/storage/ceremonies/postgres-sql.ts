import { namedSql } from './named-sql.js';

/**
 * The ceremony statements for PostgreSQL, one per HTTP request (docs/architecture.md). Each is a
 * single statement with data-modifying CTEs, so it is one round trip and one implicit commit.
 * Every sub-statement sees the same snapshot; the single-use guarantees come from the UPDATEs'
 * own WHERE clauses, which PostgreSQL re-checks on the latest row version after waiting for a
 * concurrent writer's row lock (READ COMMITTED), so of racing consumers exactly one updates.
 * Writes that must happen only after a consume are chained to its RETURNING rows.
 */

/**
 * The API key check folded into a backend call: prefix, hash, app and not revoked in one WHERE,
 * read from the database on every request, so a key revoked on any node is refused at once.
 * Comparing the stored SHA-256 with `=` is not a timing oracle worth having: the key carries 256
 * random bits, and learning a prefix of its digest brings no preimage closer. The last-used time
 * is written only when it is over a minute old, so a busy key does not turn reads into writes.
 */
const KEY = `
key AS (
  SELECT id FROM api_keys
  WHERE prefix = :key_prefix::text AND secret_hash = :key_hash::text
    AND app_id = :app::text AND revoked_at IS NULL
),
touch AS (
  UPDATE api_keys SET last_used_at = :now::bigint
  WHERE id IN (SELECT id FROM key)
    AND (last_used_at IS NULL OR last_used_at < :now::bigint - 60000)
)`;

/**
 * The commit of a statement that only creates short-lived ceremony state (a sign-in transaction,
 * a handshake) does not wait for the WAL flush: `synchronous_commit` off for its own transaction
 * (`set_config(…, true)` lasts until that commit). A database crash can then lose the last such
 * rows, and the ceremony fails with a not-found error and is started again; nothing it promised
 * is lost. Everything a user or an app is promised waits for the flush as before: a user created,
 * pending registrations superseded, a passkey stored, a handshake, transaction or nonce consumed,
 * a nonce issued. The WAL is one sequence, so that flush also makes durable every earlier
 * asynchronous commit the statement read. On PostgreSQL's default settings each flush is an
 * fsync, about a fifth of such a statement's CPU on the benchmark machine (docs/benchmarks.md);
 * SQLite (WAL, synchronous=NORMAL) does not sync at commit at all.
 */
const ASYNC_COMMIT = `(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit`;

const TX_COLUMNS = `id, app_id, kind, user_id, external_id, passkey_display_name, hints,
  user_verification, created_at, expires_at, consumed_at, mediation`;

/**
 * B1/B9. ON CONFLICT DO UPDATE (a no-op update) rather than DO NOTHING: it returns the existing
 * user even when a concurrent first registration committed it after this statement's snapshot
 * was taken, which a plain SELECT in the same statement could not see.
 */
export const beginRegisterTransaction = namedSql(
  'passkeyd_begin_register_tx_v1',
  `WITH ${KEY},
u AS (
  INSERT INTO users (id, app_id, external_id, webauthn_user_id, status, created_at, updated_at,
    last_login_at, login_count)
  SELECT :user_id::text, :app::text, :external_id::text, :webauthn_user_id::text, 'active',
    :now::bigint, :now::bigint, NULL, 0
  FROM key
  ON CONFLICT (app_id, external_id) DO UPDATE SET updated_at = users.updated_at
  RETURNING id, external_id, status
),
sup AS (
  UPDATE transactions SET consumed_at = :now::bigint
  WHERE :supersede::boolean AND app_id = :app::text
    AND user_id IN (SELECT id FROM u WHERE status = 'active')
    AND kind = 'register' AND consumed_at IS NULL AND expires_at > :now::bigint
),
t AS (
  INSERT INTO transactions (${TX_COLUMNS})
  SELECT :tx_id::text, :app::text, 'register', u.id, u.external_id, :display_name::text,
    :hints::text, :tx_uv::text, :now::bigint, :expires_at::bigint, NULL, :mediation::text
  FROM u WHERE u.status = 'active'
  RETURNING id, external_id, user_id
)
SELECT EXISTS (SELECT 1 FROM key) AS key_ok, (SELECT status FROM u) AS user_status,
  (SELECT user_id FROM t) AS user_id, (SELECT external_id FROM t) AS external_id`,
);

/**
 * B2: the user must exist, be active and hold a passkey; EXISTS reads one index entry. Commits
 * without waiting for the flush (ASYNC_COMMIT).
 */
export const beginAuthenticateTransaction = namedSql(
  'passkeyd_begin_authenticate_tx_v2',
  `WITH ${KEY},
u AS (
  SELECT u.id, u.external_id, u.status,
    EXISTS (SELECT 1 FROM credentials c WHERE c.app_id = u.app_id AND c.user_id = u.id)
      AS has_passkey
  FROM users u
  WHERE u.app_id = :app::text AND u.external_id = :external_id::text
    AND EXISTS (SELECT 1 FROM key)
),
t AS (
  INSERT INTO transactions (${TX_COLUMNS})
  SELECT :tx_id::text, :app::text, 'authenticate', u.id, u.external_id, NULL, :hints::text,
    :tx_uv::text, :now::bigint, :expires_at::bigint, NULL, NULL
  FROM u WHERE u.status = 'active' AND u.has_passkey
  RETURNING id, external_id, user_id
)
SELECT EXISTS (SELECT 1 FROM key) AS key_ok, (SELECT status FROM u) AS user_status,
  (SELECT has_passkey FROM u) AS has_passkey,
  (SELECT user_id FROM t) AS user_id, (SELECT external_id FROM t) AS external_id
FROM ${ASYNC_COMMIT}`,
);

/** B3: single use by the UPDATE's WHERE, gated on the key. */
export const redeemNonce = namedSql(
  'passkeyd_redeem_nonce_v1',
  `WITH ${KEY},
n AS (
  UPDATE nonces SET consumed_at = :now::bigint
  WHERE hash = :hash::text AND app_id = :app::text AND consumed_at IS NULL
    AND expires_at > :now::bigint AND EXISTS (SELECT 1 FROM key)
  RETURNING *
)
SELECT EXISTS (SELECT 1 FROM key) AS key_ok, n.*
FROM (SELECT 1) AS one LEFT JOIN n ON true`,
);

/** The management API's other calls: the same key check, alone. */
export const authenticateKey = namedSql(
  'passkeyd_authenticate_key_v1',
  `WITH ${KEY.replace('SELECT id FROM', 'SELECT * FROM')}
SELECT * FROM key`,
);

const HANDSHAKE_COLUMNS = `id, app_id, kind, transaction_id, challenge, user_verification,
  created_at, expires_at, consumed_at`;

/**
 * F1/F3 with a transaction: the transaction and its user are checked and the handshake stored in
 * one statement; the user's most recently used passkeys come back for the options. A step-up
 * transaction (user_verification 'required') makes the handshake require UV. Commits without
 * waiting for the flush (ASYNC_COMMIT): it consumes nothing.
 */
export const beginHandshake = namedSql(
  'passkeyd_begin_handshake_v2',
  `WITH t AS (
  SELECT t.*, u.status AS user_status, u.webauthn_user_id
  FROM transactions t LEFT JOIN users u ON u.app_id = t.app_id AND u.id = t.user_id
  WHERE t.app_id = :app::text AND t.id = :tx_id::text
),
c AS (
  SELECT id, credential_id, transports, coalesce(last_used_at, created_at) AS used
  FROM credentials
  WHERE app_id = :app::text AND user_id = (SELECT user_id FROM t)
  ORDER BY used DESC, id DESC
  LIMIT :credential_limit::int
),
h AS (
  INSERT INTO handshakes (${HANDSHAKE_COLUMNS})
  SELECT :hs_id::text, :app::text, :kind::text, t.id, :challenge::text,
    CASE WHEN :kind::text = 'authenticate' AND t.user_verification = 'required'
      THEN 'required' ELSE :uv::text END,
    :now::bigint, :expires_at::bigint, NULL
  FROM t
  WHERE t.kind = :kind::text AND t.consumed_at IS NULL AND t.expires_at > :now::bigint
    AND t.user_status = 'active' AND (:kind::text = 'register' OR EXISTS (SELECT 1 FROM c))
  RETURNING user_verification
)
SELECT t.id, t.app_id, t.kind, t.user_id, t.external_id, t.passkey_display_name, t.hints,
  t.user_verification, t.created_at, t.expires_at, t.consumed_at, t.mediation, t.user_status,
  t.webauthn_user_id,
  (SELECT coalesce(json_agg(json_build_array(credential_id, transports)
     ORDER BY used DESC, id DESC), '[]'::json) FROM c) AS creds,
  (SELECT user_verification FROM h) AS hs_uv
FROM ${ASYNC_COMMIT} LEFT JOIN t ON true`,
);

/**
 * F3 without a transaction (discoverable, autofill): the handshake alone, committed without
 * waiting for the flush (ASYNC_COMMIT).
 */
export const insertHandshake = namedSql(
  'passkeyd_insert_handshake_v2',
  `INSERT INTO handshakes (${HANDSHAKE_COLUMNS})
SELECT :hs_id::text, :app::text, :kind::text, NULL, :challenge::text, :uv::text, :now::bigint,
  :expires_at::bigint, NULL
FROM ${ASYNC_COMMIT}`,
);

/**
 * The start of every finish: the handshake read (to say why it cannot be used), consumed (right
 * or wrong: a challenge answers one finish call), and its transaction read with its user. The
 * transaction is found by `id = (SELECT …)`, a value known before the scan, not by a join with
 * the `hs` CTE: with the statistics of a small table (a new or just-purged database) the planner
 * read that join as a sequential scan of every stored transaction (ceremony-plans.test.ts).
 */
const FINISH_HEAD = (kind: 'register' | 'authenticate') => `
hs AS (
  SELECT id, kind, transaction_id, challenge, user_verification, expires_at, consumed_at
  FROM handshakes WHERE app_id = :app::text AND id = :hs_id::text
),
h AS (
  UPDATE handshakes SET consumed_at = :now::bigint
  WHERE app_id = :app::text AND id = :hs_id::text AND kind = '${kind}'
    AND consumed_at IS NULL AND expires_at > :now::bigint
  RETURNING id
),
t AS (
  SELECT t.id, t.kind, t.user_id, t.external_id, t.passkey_display_name, t.expires_at,
    t.consumed_at, t.mediation, u.status AS user_status
  FROM transactions t
  LEFT JOIN users u ON u.app_id = t.app_id AND u.id = t.user_id
  WHERE t.app_id = :app::text AND t.id = (SELECT transaction_id FROM hs)
)`;

/**
 * Why the handshake or its transaction cannot be used, in the order the domain always reported
 * it (consume-once: not found, consumed, expired; then the transaction, then its user); NULL when
 * both are fine. A sign-in handshake may have no transaction (discoverable).
 */
const PRE = (kind: 'register' | 'authenticate') => `CASE
    WHEN hs.id IS NULL OR hs.kind <> '${kind}' THEN 'handshake_not_found'
    WHEN hs.consumed_at IS NOT NULL THEN 'handshake_consumed'
    WHEN hs.expires_at <= :now::bigint THEN 'handshake_expired'
    WHEN NOT EXISTS (SELECT 1 FROM h) THEN 'handshake_consumed'
    WHEN :body_tx::text IS NOT NULL AND :body_tx::text IS DISTINCT FROM hs.transaction_id
      THEN 'transaction_not_found'
    WHEN hs.transaction_id IS NULL THEN ${kind === 'register' ? `'transaction_not_found'` : 'NULL'}
    WHEN t.id IS NULL OR t.kind <> '${kind}' THEN 'transaction_not_found'
    WHEN t.consumed_at IS NOT NULL THEN 'transaction_consumed'
    WHEN t.expires_at <= :now::bigint THEN 'transaction_expired'
    WHEN t.user_status IS NULL THEN 'transaction_not_found'
    WHEN t.user_status <> 'active' THEN 'user_not_active'
    ELSE NULL END`;

const UV_REQUIRED = `NOT :uv::boolean
  AND (hs.user_verification = 'required' OR :app_uv_required::boolean)`;

/**
 * F2. The response was verified against the challenge it claims; here that challenge must be the
 * handshake's, and the checks that need stored state (UP for conditional create, UV of the
 * handshake, a taken credential id) are made. A credential id inserted concurrently in another
 * ceremony fails the whole statement with a unique violation (nothing is written).
 */
export const completeRegistration = namedSql(
  'passkeyd_complete_registration_v1',
  `WITH ${FINISH_HEAD('register')},
st AS (
  SELECT coalesce(${PRE('register')}, CASE
    WHEN hs.challenge <> :challenge::text THEN 'challenge_mismatch'
    WHEN NOT :up::boolean AND t.mediation IS DISTINCT FROM 'conditional'
      THEN 'user_presence_required'
    WHEN ${UV_REQUIRED} THEN 'user_verification_required'
    WHEN EXISTS (SELECT 1 FROM credentials
      WHERE app_id = :app::text AND credential_id = :credential_id::text)
      THEN 'credential_already_registered'
    ELSE 'ok' END) AS status
  FROM (SELECT 1) AS one LEFT JOIN hs ON true LEFT JOIN t ON true
),
tc AS (
  UPDATE transactions SET consumed_at = :now::bigint
  WHERE app_id = :app::text AND id = (SELECT id FROM t) AND kind = 'register'
    AND consumed_at IS NULL AND expires_at > :now::bigint AND (SELECT status FROM st) = 'ok'
  RETURNING id, user_id, external_id, passkey_display_name
),
c AS (
  INSERT INTO credentials (id, app_id, user_id, credential_id, public_key, alg, sign_count,
    transports, aaguid, backup_eligible, backed_up, attestation_format, friendly_name,
    created_at, updated_at, last_used_at, usage_count)
  SELECT :dev_id::text, :app::text, tc.user_id, :credential_id::text, :public_key::text,
    :alg::int, :sign_count::bigint, :transports::text, :aaguid::text, :be::int, :bs::int,
    :fmt::text, coalesce(tc.passkey_display_name, tc.external_id), :now::bigint, :now::bigint,
    NULL, 0
  FROM tc
  RETURNING friendly_name
),
n AS (
  INSERT INTO nonces (hash, app_id, user_id, external_id, kind, credential_id, device_id,
    transaction_id, user_verified, backed_up, aaguid, created_at, expires_at, consumed_at)
  SELECT :nonce_hash::text, :app::text, tc.user_id, tc.external_id, 'register',
    :credential_id::text, :dev_id::text, tc.id, :uv_int::int, :bs::int, :aaguid::text,
    :now::bigint, :nonce_expires_at::bigint, NULL
  FROM tc
),
e AS (
  INSERT INTO events (id, app_id, user_id, type, credential_id, ip_addr, user_agent, detail,
    external_id, created_at)
  SELECT :event_id::text, :app::text, tc.user_id, 'passkey_register', :dev_id::text, :ip::text,
    :ua::text, NULL, tc.external_id, :now::bigint
  FROM tc
)
SELECT (SELECT status FROM st) AS status, tc.user_id, tc.external_id,
  (SELECT friendly_name FROM c) AS friendly_name
FROM (SELECT 1) AS one LEFT JOIN tc ON true`,
);

/**
 * F4's credential checks after the handshake and transaction ones, in the order the domain
 * reported them. The public key must be the one the assertion was verified with: a passkey
 * deleted (or re-imported with another key) since is not found.
 */
const SIGN_IN_POST = `CASE
    WHEN c.id IS NULL OR c.public_key <> :public_key::text THEN 'credential_not_found'
    WHEN hs.transaction_id IS NOT NULL AND c.user_id <> t.user_id THEN 'credential_not_allowed'
    WHEN :handles_given::boolean AND NOT (c.webauthn_user_id = ANY (:handles::text[]))
      THEN 'user_handle_mismatch'`;

/**
 * F4. The assertion was verified with a public key this node had (domain/ceremonies/key-cache.ts)
 * against the challenge it claims; the statement confirms both against the database and makes
 * every check that needs stored state. The counter moves forward in the UPDATE's own WHERE, so
 * of racing replays exactly one wins; the transaction is consumed only after that, so a lost
 * counter race leaves it live. A refusal after the handshake and transaction checks records its
 * event in the same statement.
 */
export const completeSignIn = namedSql(
  'passkeyd_complete_sign_in_v1',
  `WITH ${FINISH_HEAD('authenticate')},
c AS (
  SELECT c.id, c.user_id, c.credential_id, c.public_key, c.alg, c.sign_count, c.transports,
    c.aaguid, c.backup_eligible, c.backed_up, c.attestation_format, c.friendly_name,
    c.created_at, c.last_used_at, c.usage_count, u.status AS user_status, u.external_id,
    u.webauthn_user_id
  FROM credentials c JOIN users u ON u.app_id = c.app_id AND u.id = c.user_id
  WHERE c.app_id = :app::text AND c.credential_id = :credential_id::text
),
st AS (
  SELECT ${PRE('authenticate')} AS pre, ${SIGN_IN_POST}
    WHEN hs.challenge <> :challenge::text THEN 'challenge_mismatch'
    WHEN ${UV_REQUIRED} THEN 'user_verification_required'
    WHEN (:sign_count::bigint > 0 OR c.sign_count > 0) AND :sign_count::bigint <= c.sign_count
      THEN 'counter_regression'
    WHEN c.backup_eligible <> :be::int AND c.attestation_format <> 'imported'
      THEN 'backup_eligibility_changed'
    WHEN c.user_status <> 'active' THEN 'user_not_active'
    ELSE 'ok' END AS post,
    t.user_id AS tx_user_id, t.external_id AS tx_external_id
  FROM (SELECT 1) AS one LEFT JOIN hs ON true LEFT JOIN t ON true LEFT JOIN c ON true
),
cu AS (
  UPDATE credentials SET sign_count = :sign_count::bigint, backed_up = :bs::int,
    backup_eligible = CASE WHEN attestation_format = 'imported' THEN :be::int
      ELSE backup_eligible END,
    last_used_at = :now::bigint, updated_at = :now::bigint,
    usage_count = CASE WHEN usage_count < :max_count::bigint THEN usage_count + 1
      ELSE usage_count END
  WHERE app_id = :app::text AND id = (SELECT id FROM c)
    AND (SELECT pre FROM st) IS NULL AND (SELECT post FROM st) = 'ok'
    AND CASE WHEN :sign_count::bigint = 0 THEN sign_count = 0
      ELSE sign_count < :sign_count::bigint END
  RETURNING id
),
tc AS (
  UPDATE transactions SET consumed_at = :now::bigint
  WHERE app_id = :app::text AND id = (SELECT id FROM t) AND kind = 'authenticate'
    AND consumed_at IS NULL AND expires_at > :now::bigint AND EXISTS (SELECT 1 FROM cu)
  RETURNING id
),
done AS (
  SELECT 1 AS one FROM cu WHERE (SELECT id FROM t) IS NULL OR EXISTS (SELECT 1 FROM tc)
),
lu AS (
  UPDATE users SET last_login_at = :now::bigint, updated_at = :now::bigint,
    login_count = CASE WHEN login_count < :max_count::bigint THEN login_count + 1
      ELSE login_count END
  WHERE app_id = :app::text AND id = (SELECT user_id FROM c) AND EXISTS (SELECT 1 FROM done)
),
n AS (
  INSERT INTO nonces (hash, app_id, user_id, external_id, kind, credential_id, device_id,
    transaction_id, user_verified, backed_up, aaguid, created_at, expires_at, consumed_at)
  SELECT :nonce_hash::text, :app::text, c.user_id, c.external_id, 'authenticate',
    c.credential_id, c.id, (SELECT id FROM t), :uv_int::int, :bs::int, c.aaguid, :now::bigint,
    :nonce_expires_at::bigint, NULL
  FROM c WHERE EXISTS (SELECT 1 FROM done)
),
e AS (
  INSERT INTO events (id, app_id, user_id, type, credential_id, ip_addr, user_agent, detail,
    external_id, created_at)
  SELECT :event_id::text, :app::text,
    CASE WHEN st.post = 'credential_not_found' THEN st.tx_user_id ELSE c.user_id END,
    CASE WHEN EXISTS (SELECT 1 FROM done) THEN 'passkey_login'
      WHEN st.post IN ('counter_regression', 'backup_eligibility_changed') THEN st.post
      ELSE 'passkey_login_failed' END,
    CASE WHEN st.post = 'credential_not_found' THEN NULL ELSE c.id END,
    :ip::text, :ua::text,
    CASE WHEN EXISTS (SELECT 1 FROM done) THEN NULL ELSE st.post END,
    CASE WHEN st.post = 'credential_not_found' THEN st.tx_external_id ELSE c.external_id END,
    :now::bigint
  FROM st LEFT JOIN c ON true
  WHERE st.pre IS NULL AND (st.post <> 'ok' OR EXISTS (SELECT 1 FROM done))
)
SELECT st.pre, st.post, EXISTS (SELECT 1 FROM cu) AS used, EXISTS (SELECT 1 FROM done) AS done,
  c.*
FROM st LEFT JOIN c ON true`,
);

/**
 * A finish the domain refused before the statement (malformed response, bad signature, refused
 * authenticator): the handshake is consumed all the same, and the failure recorded when the
 * handshake and transaction were usable. Handshake, transaction and (sign-in) credential errors
 * take precedence over the domain's code, as when they were checked first.
 */
export const abandonFinish = (kind: 'register' | 'authenticate') =>
  namedSql(
    `passkeyd_abandon_${kind}_v1`,
    `WITH ${FINISH_HEAD(kind)},
c AS (
  SELECT c.id, c.user_id, u.external_id, u.webauthn_user_id
  FROM credentials c JOIN users u ON u.app_id = c.app_id AND u.id = c.user_id
  WHERE c.app_id = :app::text AND c.credential_id = :credential_id::text
),
st AS (
  SELECT ${PRE(kind)} AS pre,
    ${
      kind === 'register'
        ? `:code::text`
        : `CASE WHEN :credential_id::text IS NULL THEN :code::text
      WHEN c.id IS NULL THEN 'credential_not_found'
      WHEN hs.transaction_id IS NOT NULL AND c.user_id <> t.user_id
        THEN 'credential_not_allowed'
      WHEN :handles_given::boolean AND NOT (c.webauthn_user_id = ANY (:handles::text[]))
        THEN 'user_handle_mismatch'
      ELSE :code::text END`
    } AS post,
    t.user_id AS tx_user_id, t.external_id AS tx_external_id
  FROM (SELECT 1) AS one LEFT JOIN hs ON true LEFT JOIN t ON true LEFT JOIN c ON true
),
e AS (
  INSERT INTO events (id, app_id, user_id, type, credential_id, ip_addr, user_agent, detail,
    external_id, created_at)
  SELECT :event_id::text, :app::text, coalesce(c.user_id, st.tx_user_id),
    coalesce(:event_type::text, 'passkey_login_failed'), c.id, :ip::text, :ua::text,
    coalesce(:detail::text, st.post), coalesce(c.external_id, st.tx_external_id), :now::bigint
  FROM st LEFT JOIN c ON true
  WHERE st.pre IS NULL AND ${kind === 'register' ? `:event_type::text IS NOT NULL` : 'true'}
)
SELECT coalesce(pre, post) AS status FROM st`,
  );
