import { PasskeydError } from '../errors.js';
import type { AppChanges, Storage } from '../ports.js';
import { isIdOf } from '../secrets.js';
import type { App } from '../types.js';
import { appsOnHost } from './well-known.js';

export interface AppDirectoryOptions {
  /**
   * Longest a cached app is served while the change feed is not live (PostgreSQL's LISTEN
   * connection down or unconfirmed), in ms: PASSKEYD_APP_CACHE_MAX_STALE_SECONDS.
   */
  maxStaleMs: number;
  /** A monotonic clock in ms. Not the domain clock: tests freeze that one, staleness is real time. */
  now?: () => number;
}

export interface AppDirectoryStats {
  hits: number;
  misses: number;
  /** Whether the change feed is live now (see AppChanges.live). */
  live: boolean;
}

/**
 * Even with a live feed an entry is re-read after this long: a defence against a write path that
 * notifies no one (an operator's hand-written SQL on SQLite's own connection), at one query per
 * app per minute per node.
 */
const LIVE_MAX_AGE_MS = 60_000;
/**
 * An unknown app id is remembered this long at most (and no longer than the staleness bound), so
 * a client repeating one costs one query per period, not one per request. Such requests are
 * charged to the unknown-app rate limit as well (http/rate-limit/browser-budget.ts).
 */
const NEGATIVE_MAX_AGE_MS = 5_000;
/** Bounds memory against a stream of made-up (well-formed) app ids. */
const MAX_APPS = 10_000;
const MAX_UNKNOWN = 1_000;

interface Entry<T> {
  value: T;
  /** When the read that produced it started: its age is counted from before the query. */
  at: number;
}

/**
 * The apps every request needs before its first query (CORS origins, RP ID, policies), kept in
 * memory. Passkeys and API keys are never cached here; only the apps table is.
 *
 * Correctness rests on three rules:
 * - every write this process makes calls `changed()` after its commit, so this node sees it at once;
 * - every write anyone makes reaches `changes` (a NOTIFY trigger on PostgreSQL, PRAGMA data_version
 *   on SQLite), which drops the entry on every node;
 * - while the feed is not live, an entry older than `maxStaleMs` is read again, so a lost
 *   notification costs at most that much staleness.
 * A read that started before an invalidation is not stored (the epoch), so a slow query cannot put
 * back the row an update just replaced.
 */
export class AppDirectory {
  readonly #storage: Storage;
  readonly #changes: AppChanges;
  readonly #maxStaleMs: number;
  readonly #negativeMaxAgeMs: number;
  readonly #now: () => number;
  readonly #apps = new Map<string, Entry<App>>();
  readonly #unknown = new Map<string, Entry<null>>();
  readonly #pending = new Map<string, { epoch: number; read: Promise<App | undefined> }>();
  #list: Entry<Promise<App[]>> | undefined;
  #epoch = 0;
  #hits = 0;
  #misses = 0;

  constructor(storage: Storage, changes: AppChanges, opts: AppDirectoryOptions) {
    this.#storage = storage;
    this.#changes = changes;
    this.#maxStaleMs = opts.maxStaleMs;
    this.#negativeMaxAgeMs = Math.min(NEGATIVE_MAX_AGE_MS, opts.maxStaleMs);
    this.#now = opts.now ?? (() => performance.now());
    changes.subscribe((appId) => this.changed(appId));
  }

  /** The app, or undefined when there is none with that id (a malformed id is not queried). */
  async get(appId: string | undefined): Promise<App | undefined> {
    // passage-wire.md §2.7: a malformed id is an unknown app, answered without a query.
    if (!isIdOf('app', appId)) return undefined;
    this.#changes.check();
    const now = this.#now();
    const hit = this.#apps.get(appId) ?? this.#unknown.get(appId);
    if (hit && this.#fresh(hit, now)) {
      this.#hits++;
      return hit.value ?? undefined;
    }
    this.#misses++;
    return this.#read(appId, now);
  }

  /** Like get, but an unknown app is the error `app_not_found`. */
  async require(appId: string): Promise<App> {
    const app = await this.get(appId);
    if (!app) throw new PasskeydError('app_not_found');
    return app;
  }

  /** The apps whose RP ID is this host (GET /.well-known/webauthn, a public route). */
  async onHost(host: string): Promise<App[]> {
    this.#changes.check();
    const now = this.#now();
    const cached = this.#list;
    if (cached && this.#fresh(cached, now)) {
      this.#hits++;
      return appsOnHost(await cached.value, host);
    }
    this.#misses++;
    const list = this.#storage.apps.list();
    // Stored before it resolves (concurrent requests share it); changed() drops it, epoch or not.
    const entry = { value: list, at: now };
    this.#list = entry;
    // A failed read is not remembered: the next request tries the database again.
    list.catch(() => {
      if (this.#list === entry) this.#list = undefined;
    });
    return appsOnHost(await list, host);
  }

  /**
   * Drops what is cached for `appId` (every app when absent). Called by this process after it
   * commits a change to an app, and by the change feed for everyone else's.
   */
  changed(appId?: string): void {
    this.#epoch++;
    this.#list = undefined;
    if (appId === undefined) {
      this.#apps.clear();
      this.#unknown.clear();
      return;
    }
    this.#apps.delete(appId);
    this.#unknown.delete(appId);
  }

  stats(): AppDirectoryStats {
    return { hits: this.#hits, misses: this.#misses, live: this.#changes.live() };
  }

  close(): Promise<void> {
    return this.#changes.close();
  }

  #fresh(e: Entry<unknown>, now: number): boolean {
    const age = now - e.at;
    if (e.value === null && age >= this.#negativeMaxAgeMs) return false;
    if (age < this.#maxStaleMs) return true;
    return age < LIVE_MAX_AGE_MS && this.#changes.live();
  }

  #read(appId: string, now: number): Promise<App | undefined> {
    const epoch = this.#epoch;
    // Concurrent misses for one app share one query, unless an invalidation came in between.
    const pending = this.#pending.get(appId);
    if (pending && pending.epoch === epoch) return pending.read;
    const read = this.#storage.apps.get(appId).then((app) => {
      if (this.#epoch === epoch) this.#store(appId, app, now);
      return app;
    });
    this.#pending.set(appId, { epoch, read });
    const done = () => {
      if (this.#pending.get(appId)?.read === read) this.#pending.delete(appId);
    };
    read.then(done, done);
    return read;
  }

  #store(appId: string, app: App | undefined, at: number): void {
    const [map, max] = app
      ? [this.#apps as Map<string, Entry<App | null>>, MAX_APPS]
      : [this.#unknown as Map<string, Entry<App | null>>, MAX_UNKNOWN];
    map.delete(appId);
    // Maps iterate in insertion order, so the first key is the oldest read.
    if (map.size >= max) map.delete(map.keys().next().value as string);
    map.set(appId, { value: app ?? null, at });
  }
}
