import { sql, type Kysely, type Transaction as KyselyTransaction } from 'kysely';
import { PasskeydError } from '../../domain/errors.js';
import type { ConsumeResult, Storage } from '../../domain/ports.js';
import type { CeremonyKind } from '../../domain/types.js';
import type { Database } from './schema.js';
import * as rows from './rows.js';

/** What differs between engines, declared once (Kysely's dialect-adapter idea). */
export interface EngineCapabilities {
  engine: 'sqlite' | 'postgres';
  /** Returns true when `err` is a unique-constraint violation in this engine. */
  isUniqueViolation(err: unknown): boolean;
  /** Gives freed pages back after a purge (SQLite incremental vacuum); optional. */
  afterPurge?(db: Kysely<Database>): Promise<void>;
  close(): Promise<void>;
}

/** Rows deleted per purge statement: short statements keep locks short on busy databases. */
const PURGE_BATCH = 5000;

/**
 * The one Storage implementation, written against Kysely so SQLite and PostgreSQL share it.
 * Rows never leave this folder: everything returned is a domain object.
 */
export class KyselyStorage implements Storage {
  readonly engine: 'sqlite' | 'postgres';
  readonly #db: Kysely<Database>;
  readonly #caps: EngineCapabilities;
  readonly #inTransaction: boolean;

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
      const r = await this.#db.selectFrom('apps').selectAll().where('id', '=', appId).executeTakeFirst();
      return r && rows.appFromRow(r);
    },
    list: async () => {
      const rs = await this.#db.selectFrom('apps').selectAll().orderBy('created_at').orderBy('id').execute();
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
      const r = await this.#db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
      return r && rows.apiKeyFromRow(r);
    },
    list: async (appId) => {
      const rs = await this.#db.selectFrom('api_keys').selectAll().where('app_id', '=', appId).orderBy('created_at').orderBy('id').execute();
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
      await this.#db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', keyId).execute();
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
      const r = await this.#db.selectFrom('users').selectAll().where('app_id', '=', appId).where('id', '=', userId).executeTakeFirst();
      return r && rows.userFromRow(r);
    },
    findByExternalId: async (appId, externalId) => {
      const r = await this.#db.selectFrom('users').selectAll().where('app_id', '=', appId).where('external_id', '=', externalId).executeTakeFirst();
      return r && rows.userFromRow(r);
    },
    findByWebauthnUserId: async (appId, handle) => {
      const r = await this.#db.selectFrom('users').selectAll().where('app_id', '=', appId).where('webauthn_user_id', '=', handle).executeTakeFirst();
      return r && rows.userFromRow(r);
    },
    list: async (appId, q) => {
      let base = this.#db.selectFrom('users').where('app_id', '=', appId);
      if (q.identifier !== undefined) base = base.where('external_id', '=', q.identifier);
      const [rs, count] = await Promise.all([
        base.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(q.limit).offset((q.page - 1) * q.limit).execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { users: rs.map(rows.userFromRow), total: Number(count.n) };
    },
    recordLogin: async (appId, userId, now) => {
      await this.#db
        .updateTable('users')
        .set((eb) => ({ last_login_at: now, updated_at: now, login_count: eb('login_count', '+', 1) }))
        .where('app_id', '=', appId)
        .where('id', '=', userId)
        .execute();
    },
    delete: async (appId, userId) => {
      const r = await this.#db.deleteFrom('users').where('app_id', '=', appId).where('id', '=', userId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };

  credentials: Storage['credentials'] = {
    create: async (cred) => {
      try {
        await this.#db.insertInto('credentials').values(rows.credentialToRow(cred)).execute();
      } catch (err) {
        if (this.#caps.isUniqueViolation(err)) throw new PasskeydError('credential_already_registered');
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
      const r = await this.#db.selectFrom('credentials').selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
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
      const r = await this.#db.deleteFrom('credentials').where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
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
      const r = await this.#db.selectFrom('transactions').selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
      return r && rows.transactionFromRow(r);
    },
    consume: (appId, id, kind, now) => this.#consume('transactions', appId, id, kind, now, rows.transactionFromRow),
  };

  handshakes: Storage['handshakes'] = {
    create: async (h) => {
      await this.#db.insertInto('handshakes').values(rows.handshakeToRow(h)).execute();
    },
    consume: (appId, id, kind, now) => this.#consume('handshakes', appId, id, kind, now, rows.handshakeFromRow),
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
    const seen = await db.selectFrom(t).select(['consumed_at', 'expires_at', 'kind']).where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
    if (!seen || seen.kind !== kind) return { ok: false, reason: 'not_found' };
    if (seen.consumed_at !== null) return { ok: false, reason: 'consumed' };
    return { ok: false, reason: 'expired' };
  }

  async transaction<T>(fn: (tx: Storage) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return fn(this);
    return this.#db.transaction().execute((trx: KyselyTransaction<Database>) => fn(new KyselyStorage(trx, this.#caps, true)));
  }

  async purgeExpired(now: number) {
    const purge = async (table: 'transactions' | 'handshakes') => {
      let total = 0;
      for (;;) {
        const r = await this.#db
          .deleteFrom(table)
          .where('id', 'in', (eb) => eb.selectFrom(table).select('id').where('expires_at', '<=', now).limit(PURGE_BATCH))
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
        .where('hash', 'in', (eb) => eb.selectFrom('nonces').select('hash').where('expires_at', '<=', now).limit(PURGE_BATCH))
        .executeTakeFirst();
      const n = Number(r.numDeletedRows);
      nonces += n;
      if (n < PURGE_BATCH) break;
    }
    if (transactions + handshakes + nonces > 0) await this.#caps.afterPurge?.(this.#db);
    return { transactions, handshakes, nonces };
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  async close(): Promise<void> {
    await this.#caps.close();
  }
}
