import { sql, type Kysely, type Transaction as KyselyTransaction } from 'kysely';
import type { AppChanges, Storage } from '../../domain/ports.js';
import { adminQueriesRepository } from './repositories/admin-queries.js';
import { apiKeysRepository } from './repositories/api-keys.js';
import { auditRepository } from './repositories/audit.js';
import { appsRepository } from './repositories/apps.js';
import type { EngineCapabilities, RepoContext } from './repositories/context.js';
import { consoleSessionsRepository } from './repositories/console-sessions.js';
import { credentialsRepository } from './repositories/credentials.js';
import { eventsRepository } from './repositories/events.js';
import { mdsRepository } from './repositories/mds.js';
import { portabilityRepository } from './repositories/portability.js';
import {
  handshakesRepository,
  noncesRepository,
  transactionsRepository,
} from './repositories/single-use.js';
import { usersRepository } from './repositories/users.js';
import { webhooksRepository } from './repositories/webhooks.js';
import { webhookQueueRepository } from './repositories/webhook-queue.js';
import type { Database } from './schema.js';

export type { EngineCapabilities } from './repositories/context.js';

/**
 * Each ceremony request is its own short database transaction (one statement on PostgreSQL);
 * one inside Storage.transaction(fn) would not be part of it, and on SQLite would wait forever
 * for the connection the open transaction holds.
 */
const refuse = async (): Promise<never> => {
  throw new Error('storage.ceremonies cannot run inside transaction(fn)');
};
const notInTransaction: Storage['ceremonies'] = {
  beginTransaction: refuse,
  beginHandshake: refuse,
  completeRegistration: refuse,
  completeSignIn: refuse,
  abandonFinish: refuse,
  redeemNonce: refuse,
};

/** Rows deleted per purge statement: short statements keep locks short on busy databases. */
const PURGE_BATCH = 5000;

/**
 * The one Storage implementation, written against Kysely so SQLite and PostgreSQL share it. Each
 * group of methods is a repository in ./repositories; this class composes them and owns what
 * spans them (transactions, purge, lifecycle). Rows never leave this folder: everything returned
 * is a domain object.
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
    const ctx: RepoContext = { db, caps, inTransaction };
    this.ceremonies = inTransaction ? notInTransaction : caps.ceremonies;
    this.apps = appsRepository(ctx);
    this.mds = mdsRepository(ctx);
    this.apiKeys = apiKeysRepository(ctx);
    this.users = usersRepository(ctx);
    this.credentials = credentialsRepository(ctx);
    this.transactions = transactionsRepository(ctx);
    this.handshakes = handshakesRepository(ctx);
    this.nonces = noncesRepository(ctx);
    this.events = eventsRepository(ctx);
    this.audit = auditRepository(ctx);
    this.adminQueries = adminQueriesRepository(ctx);
    this.consoleSessions = consoleSessionsRepository(ctx);
    this.portability = portabilityRepository(ctx);
    this.webhooks = webhooksRepository(ctx);
    this.webhookQueue = webhookQueueRepository(ctx);
  }

  /** For migrations and benchmarks' bulk seeding only. */
  get db(): Kysely<Database> {
    return this.#db;
  }

  readonly ceremonies: Storage['ceremonies'];

  readonly apps: Storage['apps'];

  readonly mds: Storage['mds'];

  readonly apiKeys: Storage['apiKeys'];

  readonly users: Storage['users'];

  readonly credentials: Storage['credentials'];

  readonly transactions: Storage['transactions'];

  readonly handshakes: Storage['handshakes'];

  readonly nonces: Storage['nonces'];

  readonly events: Storage['events'];

  readonly audit: Storage['audit'];

  readonly adminQueries: Storage['adminQueries'];

  readonly consoleSessions: Storage['consoleSessions'];

  readonly portability: Storage['portability'];

  readonly webhooks: Storage['webhooks'];
  readonly webhookQueue: Storage['webhookQueue'];

  async transaction<T>(fn: (tx: Storage) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return fn(this);
    return this.#db
      .transaction()
      .execute((trx: KyselyTransaction<Database>) => fn(new KyselyStorage(trx, this.#caps, true)));
  }

  async purgeExpired(now: number, opts: { eventsBefore?: number } = {}) {
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
    // Failed finishes write events and need no credentials, so without a retention period the
    // table grows with every attempt (issue 12 item 5). Batched through events_created_at (005).
    // The audit trail is kept for the same period (issue 15 item 7), through audit_log_created_at.
    const purgeBefore = async (table: 'events' | 'audit_log', before: number) => {
      let total = 0;
      for (;;) {
        const r = await this.#db
          .deleteFrom(table)
          .where('id', 'in', (eb) =>
            eb.selectFrom(table).select('id').where('created_at', '<', before).limit(PURGE_BATCH),
          )
          .executeTakeFirst();
        const n = Number(r.numDeletedRows);
        total += n;
        if (n < PURGE_BATCH) return total;
      }
    };
    const before = opts.eventsBefore;
    const events = before === undefined ? 0 : await purgeBefore('events', before);
    const audit = before === undefined ? 0 : await purgeBefore('audit_log', before);
    if (transactions + handshakes + nonces + events + audit > 0)
      await this.#caps.afterPurge?.(this.#db);
    return { transactions, handshakes, nonces, events, audit };
  }

  /** A feed of app changes made by anyone, for an AppDirectory; the caller closes it. */
  appChanges(opts: { maxStaleMs: number; onError?: (err: unknown) => void }): AppChanges {
    return this.#caps.appChanges(opts);
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
