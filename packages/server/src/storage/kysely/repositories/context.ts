import type { Kysely } from 'kysely';
import type { CeremonyStore, PresentedApiKey } from '../../../domain/ports.js';
import type { ApiKey } from '../../../domain/types.js';
import type { Database } from '../schema.js';

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
