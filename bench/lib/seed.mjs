import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { openStorage } from '@passkeyd/server';
import { generateCredentialKey } from '@passkeyd/test-authenticator';
import { sql } from 'kysely';

const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const ROWS_PER_INSERT = 1000;
const ROWS_PER_TRANSACTION = 100_000;

/**
 * Passkeys for sign-in load: real ES256 keys whose private halves go to the load generator.
 * Everything else the seeder writes shares one real key (the rows look like real ones; nobody
 * signs with them).
 */
export function makeActivePasskeys(n) {
  return Array.from({ length: n }, (_, i) => {
    const key = generateCredentialKey('ES256');
    return {
      externalId: `active-${i}`,
      credentialId: b64u(randomBytes(32)),
      userHandle: b64u(randomBytes(32)),
      privateKey: b64u(key.privateKeyPkcs8),
      publicKeyCose: b64u(key.publicKeyCose),
    };
  });
}

const FILLER_KEY = b64u(generateCredentialKey('ES256').publicKeyCose);

/**
 * `n` random ids (`bytes` random bytes each, base64url), sorted. Every key column of a batch is
 * drawn like this and row i takes the i-th smallest of each: each column is still a uniform
 * random sample, as real ids are, but a batch then walks every index in key order instead of
 * jumping between random pages. That makes seeding a million passkeys several times faster; what
 * is left differs from a database grown one sign-up at a time only in page fill (like one that
 * was VACUUMed), not in index depth or key distribution.
 */
function sortedIds(prefix, bytes, n) {
  const buf = randomBytes(bytes * n);
  const out = new Array(n);
  for (let i = 0; i < n; i++)
    out[i] = prefix + buf.subarray(i * bytes, (i + 1) * bytes).toString('base64url');
  return out.sort();
}

/** Row shapes as packages/server/src/storage/kysely/schema.ts declares them. */
function row(appId, p, ids, now) {
  const user = {
    id: ids.userId,
    app_id: appId,
    external_id: p.externalId,
    webauthn_user_id: p.userHandle ?? ids.userHandle,
    status: 'active',
    created_at: now,
    updated_at: now,
    last_login_at: null,
    login_count: 0,
  };
  const credential = {
    id: ids.deviceId,
    app_id: appId,
    user_id: user.id,
    credential_id: p.credentialId ?? ids.credentialId,
    public_key: p.publicKeyCose ?? FILLER_KEY,
    alg: -7,
    sign_count: 0,
    transports: '["internal","hybrid"]',
    aaguid: '00000000-0000-0000-0000-000000000000',
    backup_eligible: 1,
    backed_up: 1,
    attestation_format: 'none',
    friendly_name: p.externalId,
    created_at: now,
    updated_at: now,
    last_used_at: null,
    usage_count: 0,
  };
  return { user, credential };
}

/**
 * Adds passkeys (each with its own user) until the app has `total`, straight through the
 * storage layer: multi-row INSERTs of 1 000 rows, 100 000 rows per database transaction. The
 * `active` passkeys are written first. Returns how many rows were added and how long it took.
 */
export async function seedPasskeys(databaseUrl, { appId, total, active = [] }) {
  const storage = await openStorage({
    databaseUrl,
    migrate: false,
    pg: { poolSize: 2, statementTimeoutMs: 600_000 },
  });
  const db = storage.db;
  const t0 = performance.now();
  try {
    if (storage.engine === 'sqlite') {
      // The server is stopped while we seed. A large page cache keeps the growing indexes in
      // memory, and an in-memory rollback journal spares a WAL that would grow by the size of
      // each transaction (the server switches back to WAL when it opens the file). A crash
      // mid-seed would only lose benchmark data.
      await sql`PRAGMA cache_size = -2097152`.execute(db);
      await sql`PRAGMA journal_mode = MEMORY`.execute(db);
      await sql`PRAGMA synchronous = OFF`.execute(db);
    }
    const count = async () =>
      Number(
        (
          await db
            .selectFrom('credentials')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('app_id', '=', appId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const existing = await count();
    const missingActive = [];
    for (const p of active) {
      const found = await db
        .selectFrom('credentials')
        .select('id')
        .where('app_id', '=', appId)
        .where('credential_id', '=', p.credentialId)
        .executeTakeFirst();
      if (!found) missingActive.push(p);
    }
    const toAdd = Math.max(0, total - existing);
    if (missingActive.length > toAdd)
      throw new Error(
        `cannot add ${missingActive.length} active passkeys within a total of ${total}`,
      );
    const now = Date.now();
    let added = 0;
    while (added < toAdd) {
      const n = Math.min(ROWS_PER_TRANSACTION, toAdd - added);
      const ids = {
        userId: sortedIds('usr_', 16, n),
        userHandle: sortedIds('', 32, n),
        deviceId: sortedIds('dev_', 16, n),
        credentialId: sortedIds('', 32, n),
      };
      await db.transaction().execute(async (trx) => {
        for (let done = 0; done < n;) {
          const m = Math.min(ROWS_PER_INSERT, n - done);
          const users = [];
          const credentials = [];
          for (let i = done; i < done + m; i++) {
            const index = existing + added + i;
            const p = missingActive[added + i] ?? {
              externalId: `seed-${String(index).padStart(9, '0')}`,
            };
            const r = row(
              appId,
              p,
              {
                userId: ids.userId[i],
                userHandle: ids.userHandle[i],
                deviceId: ids.deviceId[i],
                credentialId: ids.credentialId[i],
              },
              now,
            );
            users.push(r.user);
            credentials.push(r.credential);
          }
          await trx.insertInto('users').values(users).execute();
          await trx.insertInto('credentials').values(credentials).execute();
          done += m;
        }
      });
      added += n;
    }
    if (storage.engine === 'postgres') {
      // As after any bulk load: without fresh statistics the planner still believes the tables
      // are empty and scans them (autovacuum would analyze them, but only some time later).
      await sql`ANALYZE users`.execute(db);
      await sql`ANALYZE credentials`.execute(db);
      // PostgreSQL's own checkpointer would otherwise write the seed back during a measured run.
      await sql`CHECKPOINT`.execute(db);
    }
    return { added, total: existing + added, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await storage.close();
    // The rows were written without fsync; the kernel would write them back during the next
    // measured run (here that stalled sign-ins for tens of milliseconds). Flush everything now.
    execFileSync('sync');
  }
}

/** Passkeys stored for the app right now. */
export async function countPasskeys(databaseUrl, appId) {
  const storage = await openStorage({
    databaseUrl,
    migrate: false,
    pg: { poolSize: 1, statementTimeoutMs: 60_000 },
  });
  try {
    const r = await storage.db
      .selectFrom('credentials')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('app_id', '=', appId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  } finally {
    await storage.close();
  }
}

/**
 * Sign-ins that were started and never finished: for each, the authenticate transaction (B2) and
 * the challenge (F3) the server would have stored, built by the server's own row mappers, with the
 * lifetimes the running server was given. Written through the storage layer while that server
 * runs (its purge timer is what must clean them up), in 10 000-row database transactions so its
 * writes never wait long.
 */
export async function seedAbandonedSignIns(
  databaseUrl,
  { appId, count, transactionTtlMs, challengeTtlMs },
) {
  const rows = await import('../../packages/server/dist/storage/kysely/rows.js');
  const storage = await openStorage({
    databaseUrl,
    migrate: false,
    pg: { poolSize: 2, statementTimeoutMs: 600_000 },
  });
  const db = storage.db;
  const t0 = performance.now();
  try {
    const users = await db
      .selectFrom('users')
      .select(['id', 'external_id'])
      .where('app_id', '=', appId)
      .limit(1000)
      .execute();
    for (let done = 0; done < count;) {
      const n = Math.min(10_000, count - done);
      const now = Date.now();
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < n; i += ROWS_PER_INSERT / 2) {
          const txs = [];
          const challenges = [];
          for (let j = i; j < Math.min(n, i + ROWS_PER_INSERT / 2); j++) {
            const user = users[(done + j) % users.length];
            const id = `txn_${b64u(randomBytes(16))}`;
            txs.push(
              rows.transactionToRow({
                id,
                appId,
                kind: 'authenticate',
                userId: user.id,
                externalId: user.external_id,
                passkeyDisplayName: null,
                createdAt: now,
                expiresAt: now + transactionTtlMs,
                consumedAt: null,
              }),
            );
            challenges.push(
              rows.handshakeToRow({
                id: `hs_${b64u(randomBytes(16))}`,
                appId,
                kind: 'authenticate',
                transactionId: id,
                challenge: b64u(randomBytes(32)),
                userVerification: 'preferred',
                createdAt: now,
                expiresAt: now + challengeTtlMs,
                consumedAt: null,
              }),
            );
          }
          await trx.insertInto('transactions').values(txs).execute();
          await trx.insertInto('handshakes').values(challenges).execute();
        }
      });
      done += n;
    }
    return { count, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await storage.close();
  }
}
