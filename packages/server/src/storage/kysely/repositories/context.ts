import type { Kysely } from 'kysely';
import type { AppChanges } from '../../../domain/ports.js';
import type { CeremonyStore, PresentedApiKey } from '../../../domain/ports.js';
import type { ApiKey } from '../../../domain/types.js';
import type { Database } from '../schema.js';

/** What differs between engines, declared once (Kysely's dialect-adapter idea). */
export interface EngineCapabilities {
  engine: 'sqlite' | 'postgres';
  /** Returns true when `err` is a unique-constraint violation in this engine. */
  isUniqueViolation(err: unknown): boolean;
  /**
   * Row locks with SKIP LOCKED (PostgreSQL). Without them (SQLite) writers are serialised by the
   * database lock, so a single UPDATE … RETURNING is already atomic across connections.
   */
  rowLocks?: boolean;
  /** Gives freed pages back after a purge (SQLite incremental vacuum); optional. */
  afterPurge?(db: Kysely<Database>): Promise<void>;
  /** Connections of the pool by state, where there is a pool (PostgreSQL: pg.Pool's counts). */
  poolStats?(): { total: number; idle: number; waiting: number };
  /**
   * Opens this engine's feed of app changes made by anyone (domain/apps/app-directory.ts);
   * `maxStaleMs` is the directory's staleness bound.
   */
  appChanges(opts: { maxStaleMs: number; onError?: (err: unknown) => void }): AppChanges;
  close(): Promise<void>;
  /** The ceremony requests in hand-written SQL per engine (storage/ceremonies). */
  ceremonies: CeremonyStore;
  /** The management API's one-statement key check (storage/ceremonies). */
  authenticateKey(appId: string, key: PresentedApiKey, now: number): Promise<ApiKey | undefined>;
}

/** What every repository is built from: the connection (or open transaction) and the engine. */
export interface RepoContext {
  db: Kysely<Database>;
  caps: EngineCapabilities;
  /** True inside Storage.transaction(): repositories must not open or leave transactions. */
  inTransaction: boolean;
}
