import type {
  ApiKey,
  App,
  AuditEntry,
  CeremonyKind,
  Credential,
  EventType,
  Handshake,
  MdsBlob,
  Nonce,
  Transaction,
  User,
  UserEvent,
} from './types.js';
import type {
  WebhookDelivery,
  WebhookDeliveryQuery,
  WebhookEndpoint,
  WebhookEndpointPatch,
} from './webhooks/types.js';
import type {
  AttemptOutcome,
  ClaimedDelivery,
  ClaimResult,
  DeliverySource,
  WebhookTarget,
} from './webhooks/queue-types.js';
import type { ErrorCode } from './errors.js';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Why a single-use row could not be consumed, found only after the atomic consume failed. */
export type ConsumeFailure = 'not_found' | 'expired' | 'consumed';
export type ConsumeResult<T> = { ok: true; value: T } | { ok: false; reason: ConsumeFailure };

export interface UserListQuery {
  /** Exact external id match (Passage's `identifier`). */
  identifier?: string;
  limit: number;
  page: number;
}

/** The admin console's user search: a case-insensitive substring of the external id. */
export interface UserSearchQuery {
  /** Empty or absent: every user of the app. */
  search?: string;
  limit: number;
  offset: number;
}

export interface UserSummary {
  user: User;
  passkeyCount: number;
}

export interface EventListQuery {
  /** Any of these types; absent or empty: all types. */
  types?: EventType[];
  userId?: string;
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
  limit: number;
  offset: number;
}

/** An event as the console lists it: with the external id of its user, while that user exists. */
export interface ListedEvent extends UserEvent {
  externalId: string | null;
}

/** Counts per type in `buckets` consecutive windows of `bucketMs`, the first starting at `from`. */
export interface EventCountQuery {
  types: EventType[];
  from: number;
  bucketMs: number;
  buckets: number;
}

/** Only buckets with events are returned; `bucketStart` is the window's first epoch ms. */
export interface EventCount {
  bucketStart: number;
  type: EventType;
  count: number;
}

/** Filters of the audit trail; every one given must match. */
export interface AuditFilter {
  /** Exact app id. */
  appId?: string;
  /** Exact type, e.g. `admin.app.created`. */
  type?: string;
  /** Exact actor, e.g. `token:…`, `console:…`, `cli:root`. */
  actor?: string;
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
}

export interface AuditListQuery extends AuditFilter {
  limit: number;
  offset: number;
}

/** An admin console sign-in. The session id itself is never stored, only its SHA-256. */
export interface ConsoleSession {
  idHash: string;
  createdAt: number;
  lastSeenAt: number;
  /** Idle deadline: pushed forward by every authenticated request, never past absoluteExpiresAt. */
  expiresAt: number;
  /** Absolute deadline, fixed at sign-in: the session ends then however busy it is. */
  absoluteExpiresAt: number;
  /**
   * Fingerprint of the admin token that opened the session (http/auth/tokens.ts): once that
   * token is no longer configured, the session is refused.
   */
  tokenId: string;
}

/** An API key as a backend presented it: the public prefix and the SHA-256 of the whole key. */
export interface PresentedApiKey {
  prefix: string;
  secretHash: string;
}

/** Where a ceremony request came from, for its event row. */
export interface EventOrigin {
  /** The event row's id (domain/events.ts newEventId), made before the statement runs. */
  id: string;
  ipAddr: string | null;
  userAgent: string | null;
}

/** A request refused by the statement itself: the error code to answer with. */
export interface Refused {
  ok: false;
  reason: ErrorCode;
}

/** B1/B2/B9: see CeremonyStore.beginTransaction. */
export interface BeginTransactionRequest {
  key: PresentedApiKey;
  appId: string;
  kind: CeremonyKind;
  externalId: string;
  /** register: the user made when (app, external id) has none yet. */
  newUser?: { id: string; webauthnUserId: string };
  /** register: end the user's live register transactions in the same statement (issue 12). */
  supersedePending?: boolean;
  transaction: Pick<
    Transaction,
    'id' | 'passkeyDisplayName' | 'hints' | 'userVerification' | 'expiresAt' | 'mediation'
  >;
  now: number;
}

/** F1/F3: see CeremonyStore.beginHandshake. */
export interface BeginHandshakeRequest {
  /** `userVerification` is the app's policy; a step-up transaction tightens it to `required`. */
  handshake: Handshake;
  /** How many of the user's passkeys to return, most recently used first. */
  credentialLimit: number;
  now: number;
}

export interface BeganHandshake {
  ok: true;
  handshake: Handshake;
  /** null for a discoverable sign-in (no transaction). */
  transaction: Transaction | null;
  user: Pick<User, 'id' | 'webauthnUserId'> | null;
  credentials: { id: string; transports: string[] }[];
}

/** What every finish (F2/F4) sends: the handshake, and what the client's response claimed. */
export interface FinishRequest {
  appId: string;
  handshakeId: string;
  /** The finish body's transaction_id: when given it must be the handshake's. */
  bodyTransactionId: string | null;
  /** The challenge clientDataJSON answered, as unpadded base64url: must be the handshake's. */
  challenge: string;
  /** UV flag of the signed authenticator data. */
  userVerified: boolean;
  /** The app's policy requires UV now (a handshake issued under `required` requires it too). */
  appRequiresUserVerification: boolean;
  nonce: { hash: string; expiresAt: number };
  event: EventOrigin;
  now: number;
}

export interface CompleteRegistrationRequest extends FinishRequest {
  userPresent: boolean;
  /** The verified passkey; its user and name come from the transaction. */
  credential: Omit<Credential, 'userId' | 'friendlyName'>;
}

export interface CompleteSignInRequest extends FinishRequest {
  /** The credential id of the assertion, and the stored public key it was verified with. */
  credentialId: string;
  publicKey: string;
  /** Encodings of the returned userHandle to accept (finish-authentication.ts); null: none. */
  userHandles: string[] | null;
  signCount: number;
  backupEligible: boolean;
  backedUp: boolean;
}

export interface CompletedCeremony {
  ok: true;
  user: Pick<User, 'id' | 'appId' | 'externalId'>;
  credential: Credential;
}

/** A finish refused before the statement (bad response, bad signature, refused authenticator). */
export interface AbandonFinishRequest {
  appId: string;
  kind: CeremonyKind;
  handshakeId: string;
  bodyTransactionId: string | null;
  /** Why the domain refused it. A handshake or transaction error found here wins over it. */
  code: ErrorCode;
  /**
   * Sign-in: the assertion's credential id, so credential_not_found/not_allowed come first;
   * absent when the response named none readable.
   */
  credentialId?: string;
  /** Sign-in: as CompleteSignInRequest.userHandles. */
  userHandles?: string[] | null;
  /**
   * The failure's event, recorded when the handshake and transaction were fine: sign-in always
   * (`passkey_login_failed` with the final code as detail), registration when `type` is given.
   */
  event: EventOrigin & { type?: EventType; detail?: string };
  now: number;
}

/** B3: see CeremonyStore.redeemNonce. */
export interface RedeemNonceRequest {
  key: PresentedApiKey;
  appId: string;
  /** SHA-256 of the nonce; null for a malformed nonce (the key is still checked). */
  hash: string | null;
  now: number;
}

/**
 * The ceremony requests, one storage operation each (docs/architecture.md). Each is at most one
 * database round trip and one commit: one statement on PostgreSQL, one short transaction on
 * SQLite. Refusals are told apart from the statement's own result, with the same error codes
 * the table-shaped methods gave; every single-use guarantee of those methods holds here too.
 * Not for use inside Storage.transaction().
 */
export interface CeremonyStore {
  /**
   * B1/B2/B9. The API key (prefix, hash, app, not revoked) is checked in the same statement that
   * writes, so a revoked key is refused on every node at its next request; its last-used time is
   * written at most once a minute. register: finds or creates the user (one per app and external
   * id under concurrency); authenticate: the user must exist, be active and have a passkey.
   * Refusals: invalid_access_token, user_not_found, user_not_active, user_has_no_passkeys.
   */
  beginTransaction(
    r: BeginTransactionRequest,
  ): Promise<{ ok: true; transaction: Transaction } | Refused>;
  /**
   * F1/F3. With a transaction: it must be live and of the handshake's kind and its user active
   * (and, to sign in, have a passkey); the handshake is stored in the same statement, with the
   * user's most recently used passkeys returned for the options. Without one: stores the
   * handshake. Refusals: transaction_not_found/_expired/_consumed, user_not_active,
   * user_has_no_passkeys.
   */
  beginHandshake(r: BeginHandshakeRequest): Promise<BeganHandshake | Refused>;
  /**
   * F2. Consumes the handshake (right or wrong, like every finish), then, when it answered this
   * challenge and its transaction is live: consumes the transaction, stores the passkey, issues
   * the nonce and records passkey_register. Refusals: handshake_*, transaction_*,
   * user_not_active, challenge_mismatch, user_presence_required, user_verification_required,
   * credential_already_registered.
   */
  completeRegistration(r: CompleteRegistrationRequest): Promise<CompletedCeremony | Refused>;
  /**
   * F4. Consumes the handshake; then, when the stored passkey still has `publicKey`, belongs to
   * the transaction's user, the counter moves forward (same statement: of racing replays exactly
   * one wins), backup eligibility is unchanged (imported passkeys: replaced) and the user is
   * active: consumes the transaction, records the use and the login, issues the nonce and records
   * passkey_login. A refusal after the handshake and transaction checks records its event
   * (passkey_login_failed, counter_regression, backup_eligibility_changed). `stale_key`-style
   * mismatches answer credential_not_found.
   */
  completeSignIn(r: CompleteSignInRequest): Promise<CompletedCeremony | Refused>;
  /** F2/F4 refused by the domain: consumes the handshake, records the event; the code to answer. */
  abandonFinish(r: AbandonFinishRequest): Promise<ErrorCode>;
  /**
   * B3. Checks the API key and redeems the nonce in one statement. Refusals:
   * invalid_access_token, invalid_nonce.
   */
  redeemNonce(r: RedeemNonceRequest): Promise<{ ok: true; nonce: Nonce } | Refused>;
}

/** The tables holding an app's rows, in the order an app's deletion empties them. */
export const APP_DATA_TABLES = [
  'api_keys',
  'webhook_endpoints',
  'events',
  'nonces',
  'handshakes',
  'transactions',
  'credentials',
  'users',
] as const;
export type AppDataTable = (typeof APP_DATA_TABLES)[number];

/**
 * Everything the domain needs from a database. Every method is scoped by app id (tenancy is part
 * of the signature, so no query can forget it). Not found is `undefined`. Methods named
 * consume/redeem are atomic single-use primitives: of N concurrent callers exactly one wins.
 */
export interface Storage {
  readonly engine: 'sqlite' | 'postgres';

  apps: {
    create(app: App): Promise<void>;
    get(appId: string): Promise<App | undefined>;
    list(): Promise<App[]>;
    update(app: App): Promise<void>;
    /**
     * Deletes up to `limit` rows that belong to the app from one table, in the order of
     * `APP_DATA_TABLES` (its API keys first, so the app's backend is refused from then on, and
     * users last, once their passkeys are gone), and says which table and how many; `count` 0
     * when nothing is left. One bounded statement per call, so deleting a large app never holds
     * the database for long (SQLite has one writer).
     */
    deleteData(appId: string, limit: number): Promise<{ table: AppDataTable; count: number }>;
    /** Deletes the app row, and with it whatever rows of the app are left; false if unknown. */
    delete(appId: string): Promise<boolean>;
  };

  /** The imported FIDO MDS BLOB, shared by every node (docs/attestation.md). */
  mds: {
    /** The stored BLOB's serial number, without loading its entries. */
    currentNo(): Promise<number | undefined>;
    current(): Promise<MdsBlob | undefined>;
    /** Stores `blob` as the only BLOB, replacing any other, atomically. */
    replace(blob: MdsBlob): Promise<void>;
  };

  /** The ceremony requests, one round trip each. */
  ceremonies: CeremonyStore;

  apiKeys: {
    create(key: ApiKey): Promise<void>;
    /**
     * The management API's key check in one statement: the live key of `appId` with this prefix
     * and hash, its last-used time written when older than a minute. undefined otherwise.
     */
    authenticate(appId: string, key: PresentedApiKey, now: number): Promise<ApiKey | undefined>;
    findByPrefix(prefix: string): Promise<ApiKey | undefined>;
    list(appId: string): Promise<ApiKey[]>;
    /** Returns false when no live key with that id exists in the app. */
    revoke(appId: string, keyId: string, now: number): Promise<boolean>;
    touch(keyId: string, now: number): Promise<void>;
  };

  users: {
    /** Returns the existing user for (app, external id) or inserts `user`; race-safe. */
    findOrCreate(user: User): Promise<User>;
    get(appId: string, userId: string): Promise<User | undefined>;
    findByExternalId(appId: string, externalId: string): Promise<User | undefined>;
    findByWebauthnUserId(appId: string, webauthnUserId: string): Promise<User | undefined>;
    list(appId: string, q: UserListQuery): Promise<{ users: User[]; total: number }>;
    recordLogin(appId: string, userId: string, now: number): Promise<void>;
    /** Deletes the user and, by cascade, its passkeys and pending transactions. */
    delete(appId: string, userId: string): Promise<boolean>;
  };

  credentials: {
    /** Throws PasskeydError credential_already_registered when the id is taken in the app. */
    create(cred: Credential): Promise<void>;
    findByCredentialId(appId: string, credentialId: string): Promise<Credential | undefined>;
    get(appId: string, id: string): Promise<Credential | undefined>;
    listByUser(appId: string, userId: string): Promise<Credential[]>;
    /**
     * The user's `limit` most recently used passkeys (a passkey never used counts from its
     * registration), newest first: what a ceremony's option list offers when it is capped.
     */
    listRecentByUser(appId: string, userId: string, limit: number): Promise<Credential[]>;
    /** One page of the user's passkeys in listByUser order, with how many there are in all. */
    pageByUser(
      appId: string,
      userId: string,
      page: { limit: number; offset: number },
    ): Promise<{ credentials: Credential[]; total: number }>;
    rename(appId: string, id: string, name: string, now: number): Promise<Credential | undefined>;
    delete(appId: string, id: string): Promise<boolean>;
    /**
     * Deletes the user's passkey `id` unless it is the user's last one: `last` keeps it,
     * `not_found` means the user has no such passkey. Atomic: of concurrent calls for the user's
     * last two passkeys exactly one deletes (the user's row is locked before counting), so the
     * guard cannot be raced into leaving the user with none.
     */
    deleteUnlessLast(
      appId: string,
      userId: string,
      id: string,
    ): Promise<'deleted' | 'last' | 'not_found'>;
    /**
     * Records a successful sign-in. The counter only moves forward: the update applies when
     * `signCount` is 0 (authenticator without a counter) or greater than the stored one, in the
     * same statement, so two concurrent sign-ins cannot both pass with the same value. Returns
     * false when the stored counter is not below `signCount` (a regression or a replay).
     * `backupEligible`, when given, replaces the stored BE flag (imported passkeys only:
     * finish-authentication.ts says why).
     */
    recordUse(
      appId: string,
      id: string,
      use: { signCount: number; backedUp: boolean; backupEligible?: boolean; now: number },
    ): Promise<boolean>;
  };

  transactions: {
    create(tx: Transaction): Promise<void>;
    get(appId: string, id: string): Promise<Transaction | undefined>;
    /**
     * Marks the user's live (unconsumed, unexpired) transactions of `kind` consumed at `now`, so
     * they answer `consumed` from then on; returns how many. One statement: a concurrent consume
     * of one of them either wins before it or finds it consumed.
     */
    supersedePending(
      appId: string,
      userId: string,
      kind: CeremonyKind,
      now: number,
    ): Promise<number>;
    consume(
      appId: string,
      id: string,
      kind: CeremonyKind,
      now: number,
    ): Promise<ConsumeResult<Transaction>>;
  };

  handshakes: {
    create(h: Handshake): Promise<void>;
    consume(
      appId: string,
      id: string,
      kind: CeremonyKind,
      now: number,
    ): Promise<ConsumeResult<Handshake>>;
  };

  nonces: {
    create(n: Nonce): Promise<void>;
    redeem(appId: string, hash: string, now: number): Promise<Nonce | undefined>;
  };

  events: {
    record(e: UserEvent): Promise<void>;
    listByUser(appId: string, userId: string, limit: number): Promise<UserEvent[]>;
  };

  /**
   * The admin audit trail (domain/audit.ts). Instance-wide, not scoped by app: an entry may name
   * no app (a console sign-in), and operators read the trail across apps.
   */
  audit: {
    record(e: AuditEntry): Promise<void>;
    /** Newest first (ties by id, newest first), with how many match in all. */
    list(q: AuditListQuery): Promise<{ entries: AuditEntry[]; total: number }>;
    /**
     * Oldest first, for streaming an export: the `limit` entries matching `filter` that come
     * after `after` in (createdAt, id) order (null: from the start). Keyset pages, so an export
     * neither skips nor repeats rows while new ones are written.
     */
    pageAfter(
      filter: AuditFilter,
      after: { createdAt: number; id: string } | null,
      limit: number,
    ): Promise<AuditEntry[]>;
  };

  /**
   * Webhook endpoints and what operators see of their deliveries (domain/webhooks/endpoints.ts).
   * Scoped by app. Deliveries of events and audit rows are made only by migration 012's triggers;
   * the only ones written here are tests.
   */
  webhooks: {
    /**
     * Inserts the endpoint unless its app already has `maxPerApp`; returns false then. Atomic:
     * the app's row is locked before counting, so concurrent creations cannot pass the cap.
     */
    create(e: WebhookEndpoint, maxPerApp: number): Promise<boolean>;
    /** Oldest first. */
    list(appId: string): Promise<WebhookEndpoint[]>;
    get(appId: string, id: string): Promise<WebhookEndpoint | undefined>;
    update(
      appId: string,
      id: string,
      patch: WebhookEndpointPatch,
    ): Promise<WebhookEndpoint | undefined>;
    /** Deletes the endpoint and, by cascade, its deliveries. */
    delete(appId: string, id: string): Promise<boolean>;
    /**
     * Makes `secret` the signing secret and the current one the previous secret until
     * `previousSecretExpiresAt` (null: the old one stops at once), in one statement, so two
     * concurrent rotations cannot lose the secret in between.
     */
    rotateSecret(
      appId: string,
      id: string,
      r: { secret: string; previousSecretExpiresAt: number | null; now: number },
    ): Promise<WebhookEndpoint | undefined>;
    insertDelivery(d: WebhookDelivery): Promise<void>;
    getDelivery(appId: string, id: string): Promise<WebhookDelivery | undefined>;
    /** Newest first, with how many match in all. */
    listDeliveries(
      appId: string,
      endpointId: string,
      q: WebhookDeliveryQuery,
    ): Promise<{ deliveries: WebhookDelivery[]; total: number }>;
    /**
     * Puts a delivery back in the queue, due at `now`, with a fresh retry schedule (attempts 0,
     * lease cleared); whatever its status was.
     */
    redeliver(appId: string, id: string, now: number): Promise<WebhookDelivery | undefined>;
  };

  /**
   * The webhook outbox as the dispatcher sees it (domain/webhooks/dispatcher.ts). Deliveries are
   * made by the fan-out triggers of migration 012; this group claims, loads and settles them.
   * Not scoped by app: a dispatcher serves every app of the instance.
   */
  webhookQueue: {
    /**
     * Leases up to `limit` due deliveries (pending, next_attempt_at <= now, of an enabled
     * endpoint, unleased or with an expired lease) to `node` until now + leaseMs, oldest due
     * first, in one statement. Of concurrent callers on any number of nodes, each delivery goes
     * to exactly one; a lease that expired (its node died) makes the delivery claimable again.
     * Also says, at no extra round trip, whether any endpoint is enabled at all.
     */
    claim(q: { node: string; now: number; leaseMs: number; limit: number }): Promise<ClaimResult>;
    /**
     * The endpoints and source rows of claimed deliveries. Missing entries mean the endpoint or
     * the source row is gone (deleted, purged by retention).
     */
    load(claimed: readonly ClaimedDelivery[]): Promise<{
      targets: Map<string, WebhookTarget>;
      /** Keyed by `${source}:${sourceId}`. */
      sources: Map<string, DeliverySource>;
    }>;
    /**
     * Records one attempt of a delivery leased by `node` and releases the lease; a 2xx resets
     * the endpoint's consecutive_failures, anything else adds one to it. Returns undefined when
     * the delivery is no longer leased by `node` (its lease expired and another node took it, or
     * it was deleted): nothing is written then.
     */
    complete(
      id: string,
      node: string,
      outcome: AttemptOutcome,
    ): Promise<{ consecutiveFailures: number } | undefined>;
    /**
     * When the endpoint last had a delivery accepted, or was created or changed (a PATCH that
     * re-enables it clears its failure count): the start of its current failure streak.
     */
    lastSuccessOrChange(endpointId: string): Promise<number | undefined>;
    /** Disables an enabled endpoint with a reason; false when it was already disabled or gone. */
    disableEndpoint(endpointId: string, reason: string, now: number): Promise<boolean>;
    /** Gives back every lease `node` holds (graceful stop): its deliveries are due again at once. */
    release(node: string): Promise<number>;
    /** Pending deliveries of enabled endpoints, and the creation time of the oldest one. */
    stats(): Promise<{ pending: number; oldestPendingCreatedAt: number | null }>;
  };

  /** Read models for the admin console: search, filtered lists and counts. Scoped by app. */
  adminQueries: {
    searchUsers(
      appId: string,
      q: UserSearchQuery,
    ): Promise<{ users: UserSummary[]; total: number }>;
    /** Newest first. */
    listEvents(appId: string, q: EventListQuery): Promise<{ events: ListedEvent[]; total: number }>;
    countEvents(appId: string, q: EventCountQuery): Promise<EventCount[]>;
  };

  /** Admin console sessions (operators, not app users: not scoped by app). */
  consoleSessions: {
    create(s: ConsoleSession): Promise<void>;
    /**
     * Checks and extends a session in one statement: a live session (expiresAt > now and
     * absoluteExpiresAt > now) opened by one of `tokenIds` gets lastSeenAt = now and expiresAt =
     * min(idleExpiresAt, absoluteExpiresAt). Returns false when it is missing, expired, or its
     * token is not among `tokenIds`.
     */
    touch(
      idHash: string,
      now: number,
      idleExpiresAt: number,
      tokenIds: readonly string[],
    ): Promise<boolean>;
    delete(idHash: string): Promise<boolean>;
    /** Sign out everywhere: deletes every session and says how many there were. */
    deleteAll(): Promise<number>;
    purgeExpired(now: number): Promise<number>;
  };

  /** Bulk reads and writes for passkey import and export (domain/portability). Scoped by app. */
  portability: {
    findUsersByExternalIds(appId: string, externalIds: string[]): Promise<User[]>;
    findUsersByWebauthnUserIds(appId: string, handles: string[]): Promise<User[]>;
    findCredentialsByCredentialIds(appId: string, credentialIds: string[]): Promise<Credential[]>;
    /**
     * Inserts users, then credentials, in multi-row statements inside one database transaction:
     * all or nothing. A unique violation (a credential id or user taken meanwhile) throws
     * credential_already_registered and writes nothing.
     */
    insertMany(users: User[], credentials: Credential[]): Promise<void>;
    /** Users in id order after `afterId` (null: from the start): keyset pages for streaming. */
    listUsersAfter(appId: string, afterId: string | null, limit: number): Promise<User[]>;
    /** Credentials of these users, oldest first (ties by credential id, so exports are stable). */
    listCredentialsOfUsers(appId: string, userIds: string[]): Promise<Credential[]>;
  };

  /**
   * Runs `fn` in one database transaction: all of its writes commit together or none do.
   * `fn` receives a Storage bound to that transaction.
   */
  transaction<T>(fn: (tx: Storage) => Promise<T>): Promise<T>;

  /**
   * Deletes expired single-use rows, and events and audit entries created before `eventsBefore`
   * when it is given (the retention period; absent: both are kept). Safe to run concurrently
   * from several nodes.
   */
  purgeExpired(
    now: number,
    opts?: { eventsBefore?: number },
  ): Promise<{
    transactions: number;
    handshakes: number;
    nonces: number;
    events: number;
    audit: number;
  }>;

  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  /** Connection pool use, for metrics; undefined where the engine has no pool (SQLite). */
  poolStats(): { total: number; idle: number; waiting: number } | undefined;
  close(): Promise<void>;
}

/**
 * Tells an in-memory copy of the apps table (domain/apps/app-directory.ts) when rows may have
 * changed, whoever changed them: this process, another node, or the CLI in another process.
 * Implemented per engine in storage/ (PostgreSQL LISTEN/NOTIFY, SQLite PRAGMA data_version).
 */
export interface AppChanges {
  /**
   * Starts delivery. `changed(appId)`: that app may have changed; `changed()`: any app may have
   * (a reconnect, or a feed that cannot tell which). Called at most once.
   */
  subscribe(changed: (appId?: string) => void): void;
  /**
   * For feeds that poll: checks now, cheaply and synchronously, and delivers any change before
   * returning. The directory calls it on every lookup; the feed decides how often to really look.
   */
  check(): void;
  /**
   * True while every change committed up to a moment no more than the directory's staleness bound
   * ago is known to have been delivered. While false, cached apps are trusted only for that bound.
   */
  live(): boolean;
  close(): Promise<void>;
}
