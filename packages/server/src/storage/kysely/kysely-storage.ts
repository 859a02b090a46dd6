import { sql, type Kysely, type Transaction as KyselyTransaction } from 'kysely';
import { PasskeydError } from '../../domain/errors.js';
import type { ConsumeResult, Storage } from '../../domain/ports.js';
import type { CeremonyKind, EventType } from '../../domain/types.js';
import type { Database } from './schema.js';
import * as rows from './rows.js';

/** What differs between engines, declared once (Kysely's dialect-adapter idea). */
export interface EngineCapabilities {
  engine: 'sqlite' | 'postgres';
  /** Returns true when `err` is a unique-constraint violation in this engine. */
  isUniqueViolation(err: unknown): boolean;
  /** Gives freed pages back after a purge (SQLite incremental vacuum); optional. */
  afterPurge?(db: Kysely<Database>): Promise<void>;
  /** Connections of the pool by state, where there is a pool (PostgreSQL: pg.Pool's counts). */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/** Rows deleted per purge statement: short statements keep locks short on busy databases. */
const PURGE_BATCH = 5000;

/**
 * Rows per multi-row INSERT and values per IN list in bulk operations: 500 credential rows bind
 * 8,500 parameters, within SQLite's 32,766 and PostgreSQL's 65,535.
 */
const BULK_ROWS = 500;
/** Bulk-inserted rows after which the planner statistics of users and credentials are refreshed. */
const ANALYZE_EVERY_ROWS = 20_000;

/** The console's sessions table (migration 002), added to the Database type where it is used. */
interface ConsoleSessionsTable {
  id_hash: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards in it taken literally. */
const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The one Storage implementation, written against Kysely so SQLite and PostgreSQL share it.
 * Rows never leave this folder: everything returned is a domain object.
 */
export class KyselyStorage implements Storage {
  readonly engine: 'sqlite' | 'postgres';
  readonly #db: Kysely<Database>;
  readonly #caps: EngineCapabilities;
  readonly #inTransaction: boolean;
  #rowsSinceAnalyze = 0;

  constructor(db: Kysely<Database>, caps: EngineCapabilities, inTransaction = false) {
    this.#db = db;
    this.#caps = caps;
    this.engine = caps.engine;
    this.#inTransaction = inTransaction;
  }

  /** For migrations and benchmarks' bulk seeding only. */
  get db(): Kysely<Database> {
    return this.#db;
  }

  apps: Storage['apps'] = {
    create: async (app) => {
      await this.#db.insertInto('apps').values(rows.appToRow(app)).execute();
    },
    get: async (appId) => {
      const r = await this.#db
        .selectFrom('apps')
        .selectAll()
        .where('id', '=', appId)
        .executeTakeFirst();
      return r && rows.appFromRow(r);
    },
    list: async () => {
      const rs = await this.#db
        .selectFrom('apps')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rs.map(rows.appFromRow);
    },
    update: async (app) => {
      const { id: _id, created_at: _c, ...rest } = rows.appToRow(app);
      await this.#db.updateTable('apps').set(rest).where('id', '=', app.id).execute();
    },
  };

  apiKeys: Storage['apiKeys'] = {
    create: async (key) => {
      await this.#db.insertInto('api_keys').values(rows.apiKeyToRow(key)).execute();
    },
    findByPrefix: async (prefix) => {
      const r = await this.#db
        .selectFrom('api_keys')
        .selectAll()
        .where('prefix', '=', prefix)
        .executeTakeFirst();
      return r && rows.apiKeyFromRow(r);
    },
    list: async (appId) => {
      const rs = await this.#db
        .selectFrom('api_keys')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rs.map(rows.apiKeyFromRow);
    },
    revoke: async (appId, keyId, now) => {
      const r = await this.#db
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('app_id', '=', appId)
        .where('id', '=', keyId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    touch: async (keyId, now) => {
      await this.#db
        .updateTable('api_keys')
        .set({ last_used_at: now })
        .where('id', '=', keyId)
        .execute();
    },
  };

  users: Storage['users'] = {
    findOrCreate: async (user) => {
      // Insert-or-nothing then read: two concurrent first registrations of one external id end
      // with one user, whichever insert won.
      await this.#db
        .insertInto('users')
        .values(rows.userToRow(user))
        .onConflict((oc) => oc.columns(['app_id', 'external_id']).doNothing())
        .execute();
      const r = await this.#db
        .selectFrom('users')
        .selectAll()
        .where('app_id', '=', user.appId)
        .where('external_id', '=', user.externalId)
        .executeTakeFirstOrThrow();
      return rows.userFromRow(r);
    },
    get: async (appId, userId) => {
      const r = await this.#db
        .selectFrom('users')
        .selectAll()
        .where('app_id', '=', appId)
        .where('id', '=', userId)
        .executeTakeFirst();
      return r && rows.userFromRow(r);
    },
    findByExternalId: async (appId, externalId) => {
      const r = await this.#db
        .selectFrom('users')
        .selectAll()
        .where('app_id', '=', appId)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
      return r && rows.userFromRow(r);
    },
    findByWebauthnUserId: async (appId, handle) => {
      const r = await this.#db
        .selectFrom('users')
        .selectAll()
        .where('app_id', '=', appId)
        .where('webauthn_user_id', '=', handle)
        .executeTakeFirst();
      return r && rows.userFromRow(r);
    },
    list: async (appId, q) => {
      let base = this.#db.selectFrom('users').where('app_id', '=', appId);
      if (q.identifier !== undefined) base = base.where('external_id', '=', q.identifier);
      const [rs, count] = await Promise.all([
        base
          .selectAll()
          .orderBy('created_at', 'desc')
          .orderBy('id')
          .limit(q.limit)
          .offset((q.page - 1) * q.limit)
          .execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { users: rs.map(rows.userFromRow), total: Number(count.n) };
    },
    recordLogin: async (appId, userId, now) => {
      await this.#db
        .updateTable('users')
        .set((eb) => ({
          last_login_at: now,
          updated_at: now,
          login_count: eb('login_count', '+', 1),
        }))
        .where('app_id', '=', appId)
        .where('id', '=', userId)
        .execute();
    },
    delete: async (appId, userId) => {
      const r = await this.#db
        .deleteFrom('users')
        .where('app_id', '=', appId)
        .where('id', '=', userId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };

  credentials: Storage['credentials'] = {
    create: async (cred) => {
      try {
        await this.#db.insertInto('credentials').values(rows.credentialToRow(cred)).execute();
      } catch (err) {
        if (this.#caps.isUniqueViolation(err))
          throw new PasskeydError('credential_already_registered');
        throw err;
      }
    },
    findByCredentialId: async (appId, credentialId) => {
      const r = await this.#db
        .selectFrom('credentials')
        .selectAll()
        .where('app_id', '=', appId)
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return r && rows.credentialFromRow(r);
    },
    get: async (appId, id) => {
      const r = await this.#db
        .selectFrom('credentials')
        .selectAll()
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst();
      return r && rows.credentialFromRow(r);
    },
    listByUser: async (appId, userId) => {
      const rs = await this.#db
        .selectFrom('credentials')
        .selectAll()
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rs.map(rows.credentialFromRow);
    },
    rename: async (appId, id, name, now) => {
      const r = await this.#db
        .updateTable('credentials')
        .set({ friendly_name: name, updated_at: now })
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return r && rows.credentialFromRow(r);
    },
    delete: async (appId, id) => {
      const r = await this.#db
        .deleteFrom('credentials')
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    recordUse: async (appId, id, use) => {
      const r = await this.#db
        .updateTable('credentials')
        .set((eb) => ({
          sign_count: use.signCount,
          backed_up: use.backedUp ? 1 : 0,
          last_used_at: use.now,
          updated_at: use.now,
          usage_count: eb('usage_count', '+', 1),
        }))
        .where('app_id', '=', appId)
        .where('id', '=', id)
        // A counter of 0 means "no counter" and is only accepted while the stored one is 0 too.
        .where('sign_count', use.signCount === 0 ? '=' : '<', use.signCount)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };

  transactions: Storage['transactions'] = {
    create: async (tx) => {
      await this.#db.insertInto('transactions').values(rows.transactionToRow(tx)).execute();
    },
    get: async (appId, id) => {
      const r = await this.#db
        .selectFrom('transactions')
        .selectAll()
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst();
      return r && rows.transactionFromRow(r);
    },
    consume: (appId, id, kind, now) =>
      this.#consume('transactions', appId, id, kind, now, rows.transactionFromRow),
  };

  handshakes: Storage['handshakes'] = {
    create: async (h) => {
      await this.#db.insertInto('handshakes').values(rows.handshakeToRow(h)).execute();
    },
    consume: (appId, id, kind, now) =>
      this.#consume('handshakes', appId, id, kind, now, rows.handshakeFromRow),
  };

  nonces: Storage['nonces'] = {
    create: async (x) => {
      await this.#db.insertInto('nonces').values(rows.nonceToRow(x)).execute();
    },
    redeem: async (appId, hash, now) => {
      const r = await this.#db
        .updateTable('nonces')
        .set({ consumed_at: now })
        .where('hash', '=', hash)
        .where('app_id', '=', appId)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return r && rows.nonceFromRow(r);
    },
  };

  events: Storage['events'] = {
    record: async (e) => {
      await this.#db.insertInto('events').values(rows.eventToRow(e)).execute();
    },
    listByUser: async (appId, userId, limit) => {
      const rs = await this.#db
        .selectFrom('events')
        .selectAll()
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rs.map(rows.eventFromRow);
    },
  };

  adminQueries: Storage['adminQueries'] = {
    searchUsers: async (appId, q) => {
      let base = this.#db.selectFrom('users').where('users.app_id', '=', appId);
      const search = q.search?.trim();
      if (search) {
        // lower() on both sides so each engine compares with its own case folding; ESCAPE
        // because an external id may contain % or _.
        base = base.where(
          sql<boolean>`lower(users.external_id) like lower(${containsPattern(search)}) escape '\\'`,
        );
      }
      const [rs, count] = await Promise.all([
        base
          .selectAll('users')
          .select((eb) =>
            eb
              .selectFrom('credentials')
              .select(eb.fn.countAll<number | string>().as('c'))
              .whereRef('credentials.user_id', '=', 'users.id')
              .as('passkey_count'),
          )
          .orderBy('users.created_at', 'desc')
          .orderBy('users.id')
          .limit(q.limit)
          .offset(q.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        users: rs.map((r) => ({
          user: rows.userFromRow(r),
          passkeyCount: Number(r.passkey_count ?? 0),
        })),
        total: Number(count.n),
      };
    },
    listEvents: async (appId, q) => {
      let base = this.#db
        .selectFrom('events')
        .leftJoin('users', 'users.id', 'events.user_id')
        .where('events.app_id', '=', appId);
      if (q.types?.length) base = base.where('events.type', 'in', q.types);
      if (q.userId !== undefined) base = base.where('events.user_id', '=', q.userId);
      if (q.from !== undefined) base = base.where('events.created_at', '>=', q.from);
      if (q.to !== undefined) base = base.where('events.created_at', '<', q.to);
      const [rs, count] = await Promise.all([
        base
          .selectAll('events')
          .select('users.external_id')
          .orderBy('events.created_at', 'desc')
          .orderBy('events.id', 'desc')
          .limit(q.limit)
          .offset(q.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        events: rs.map((r) => ({ ...rows.eventFromRow(r), externalId: r.external_id })),
        total: Number(count.n),
      };
    },
    countEvents: async (appId, q) => {
      for (const v of [q.from, q.bucketMs, q.buckets]) {
        if (!Number.isSafeInteger(v))
          throw new TypeError('countEvents: from, bucketMs and buckets must be integers');
      }
      if (q.bucketMs <= 0 || q.buckets <= 0)
        throw new TypeError('countEvents: bucketMs and buckets must be positive');
      if (q.types.length === 0) return [];
      // Integer arithmetic on the epoch-ms column buckets the same way on both engines (no date
      // functions). The values are inlined, checked integers, so the SELECT and GROUP BY
      // expressions are textually equal, which PostgreSQL requires.
      const bucket = sql<
        number | string
      >`(created_at - ${sql.lit(q.from)}) / ${sql.lit(q.bucketMs)}`;
      const rs = await this.#db
        .selectFrom('events')
        .select((eb) => [bucket.as('bucket'), 'type', eb.fn.countAll<number | string>().as('n')])
        .where('app_id', '=', appId)
        .where('type', 'in', q.types)
        .where('created_at', '>=', q.from)
        .where('created_at', '<', q.from + q.bucketMs * q.buckets)
        .groupBy([bucket, 'type'])
        .execute();
      return rs.map((r) => ({
        bucketStart: q.from + Number(r.bucket) * q.bucketMs,
        type: r.type as EventType,
        count: Number(r.n),
      }));
    },
  };

  consoleSessions: Storage['consoleSessions'] = {
    create: async (s) => {
      await this.#sessionsDb
        .insertInto('console_sessions')
        .values({
          id_hash: s.idHash,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
        })
        .execute();
    },
    touch: async (idHash, now, expiresAt) => {
      const r = await this.#sessionsDb
        .updateTable('console_sessions')
        .set({ last_seen_at: now, expires_at: expiresAt })
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    delete: async (idHash) => {
      const r = await this.#sessionsDb
        .deleteFrom('console_sessions')
        .where('id_hash', '=', idHash)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    purgeExpired: async (now) => {
      const r = await this.#sessionsDb
        .deleteFrom('console_sessions')
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };

  get #sessionsDb() {
    return this.#db.withTables<{ console_sessions: ConsoleSessionsTable }>();
  }

  portability: Storage['portability'] = {
    findUsersByExternalIds: async (appId, externalIds) =>
      this.#inChunks(externalIds, async (part) =>
        (
          await this.#db
            .selectFrom('users')
            .selectAll()
            .where('app_id', '=', appId)
            .where('external_id', 'in', part)
            .execute()
        ).map(rows.userFromRow),
      ),
    findUsersByWebauthnUserIds: async (appId, handles) =>
      this.#inChunks(handles, async (part) =>
        (
          await this.#db
            .selectFrom('users')
            .selectAll()
            .where('app_id', '=', appId)
            .where('webauthn_user_id', 'in', part)
            .execute()
        ).map(rows.userFromRow),
      ),
    findCredentialsByCredentialIds: async (appId, credentialIds) =>
      this.#inChunks(credentialIds, async (part) =>
        (
          await this.#db
            .selectFrom('credentials')
            .selectAll()
            .where('app_id', '=', appId)
            .where('credential_id', 'in', part)
            .execute()
        ).map(rows.credentialFromRow),
      ),
    insertMany: async (users, credentials) => {
      const insert = async (db: Kysely<Database>) => {
        for (let i = 0; i < users.length; i += BULK_ROWS) {
          await db
            .insertInto('users')
            .values(users.slice(i, i + BULK_ROWS).map(rows.userToRow))
            .execute();
        }
        for (let i = 0; i < credentials.length; i += BULK_ROWS) {
          await db
            .insertInto('credentials')
            .values(credentials.slice(i, i + BULK_ROWS).map(rows.credentialToRow))
            .execute();
        }
      };
      try {
        if (this.#inTransaction) await insert(this.#db);
        else await this.#db.transaction().execute(insert);
      } catch (err) {
        if (this.#caps.isUniqueViolation(err))
          throw new PasskeydError(
            'credential_already_registered',
            'A user or credential of this batch was created meanwhile.',
            { cause: err },
          );
        throw err;
      }
      // A bulk load outruns autovacuum's statistics: PostgreSQL then plans the next batch's
      // lookups for the tables' old, tiny size and scans them whole (45 ms instead of 6 ms per
      // lookup at 100 000 rows). ANALYZE is the same statement in both engines.
      this.#rowsSinceAnalyze += users.length + credentials.length;
      if (this.#rowsSinceAnalyze >= ANALYZE_EVERY_ROWS && !this.#inTransaction) {
        this.#rowsSinceAnalyze = 0;
        await sql`analyze users`.execute(this.#db);
        await sql`analyze credentials`.execute(this.#db);
      }
    },
    listUsersAfter: async (appId, afterId, limit) => {
      let q = this.#db.selectFrom('users').selectAll().where('app_id', '=', appId);
      if (afterId !== null) q = q.where('id', '>', afterId);
      return (await q.orderBy('id').limit(limit).execute()).map(rows.userFromRow);
    },
    listCredentialsOfUsers: async (appId, userIds) =>
      (
        await this.#inChunks(userIds, (part) =>
          this.#db
            .selectFrom('credentials')
            .selectAll()
            .where('app_id', '=', appId)
            .where('user_id', 'in', part)
            .execute(),
        )
      )
        .sort(
          (a, b) =>
            Number(a.created_at) - Number(b.created_at) ||
            (a.credential_id < b.credential_id ? -1 : 1),
        )
        .map(rows.credentialFromRow),
  };

  /** Runs a query per slice of `values` (bound parameters per statement stay far below SQLite's limit). */
  async #inChunks<V, R>(values: V[], query: (part: V[]) => Promise<R[]>): Promise<R[]> {
    const out: R[] = [];
    for (let i = 0; i < values.length; i += BULK_ROWS)
      out.push(...(await query(values.slice(i, i + BULK_ROWS))));
    return out;
  }

  /**
   * Single use in one statement: the UPDATE matches only a live, unconsumed row, so of N
   * concurrent callers (on any number of nodes) exactly one gets it back. Only when nothing
   * matched do we read, to say why; that read decides no outcome.
   */
  async #consume<T extends 'transactions' | 'handshakes', R>(
    table: T,
    appId: string,
    id: string,
    kind: CeremonyKind,
    now: number,
    map: (r: never) => R,
  ): Promise<ConsumeResult<R>> {
    const db = this.#db as unknown as Kysely<Pick<Database, 'transactions'>>;
    const t = table as 'transactions';
    const r = await db
      .updateTable(t)
      .set({ consumed_at: now })
      .where('app_id', '=', appId)
      .where('id', '=', id)
      .where('kind', '=', kind)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    if (r) return { ok: true, value: map(r as never) };
    const seen = await db
      .selectFrom(t)
      .select(['consumed_at', 'expires_at', 'kind'])
      .where('app_id', '=', appId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!seen || seen.kind !== kind) return { ok: false, reason: 'not_found' };
    if (seen.consumed_at !== null) return { ok: false, reason: 'consumed' };
    return { ok: false, reason: 'expired' };
  }

  async transaction<T>(fn: (tx: Storage) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return fn(this);
    return this.#db
      .transaction()
      .execute((trx: KyselyTransaction<Database>) => fn(new KyselyStorage(trx, this.#caps, true)));
  }

  async purgeExpired(now: number) {
    const purge = async (table: 'transactions' | 'handshakes') => {
      let total = 0;
      for (;;) {
        const r = await this.#db
          .deleteFrom(table)
          .where('id', 'in', (eb) =>
            eb.selectFrom(table).select('id').where('expires_at', '<=', now).limit(PURGE_BATCH),
          )
          .executeTakeFirst();
        const n = Number(r.numDeletedRows);
        total += n;
        if (n < PURGE_BATCH) return total;
      }
    };
    const transactions = await purge('transactions');
    const handshakes = await purge('handshakes');
    let nonces = 0;
    for (;;) {
      const r = await this.#db
        .deleteFrom('nonces')
        .where('hash', 'in', (eb) =>
          eb.selectFrom('nonces').select('hash').where('expires_at', '<=', now).limit(PURGE_BATCH),
        )
        .executeTakeFirst();
      const n = Number(r.numDeletedRows);
      nonces += n;
      if (n < PURGE_BATCH) break;
    }
    if (transactions + handshakes + nonces > 0) await this.#caps.afterPurge?.(this.#db);
    return { transactions, handshakes, nonces };
  }

  poolStats(): { total: number; idle: number; waiting: number } | undefined {
    return this.#caps.poolStats?.();
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  async close(): Promise<void> {
    await this.#caps.close();
  }
}
