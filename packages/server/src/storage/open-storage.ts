import type { Dialect } from 'kysely';
import type { KyselyStorage } from './kysely/kysely-storage.js';
import { openSqliteStorage } from './sqlite.js';

export interface StorageConfig {
  databaseUrl: string;
  migrate?: boolean;
  pg?: { poolSize: number; statementTimeoutMs: number };
  /** Wraps the engine's dialect (tracing: tracing/statement-spans.ts). */
  wrapDialect?: (dialect: Dialect, engine: 'sqlite' | 'postgres') => Dialect;
}

/** Picks the adapter from DATABASE_URL: `sqlite:<path>` or `postgres://…`. */
export async function openStorage(cfg: StorageConfig): Promise<KyselyStorage> {
  const url = cfg.databaseUrl;
  const wrap = cfg.wrapDialect;
  if (url.startsWith('sqlite:')) {
    return openSqliteStorage({
      path: url.slice('sqlite:'.length) || './.data/passkeyd.db',
      migrate: cfg.migrate ?? true,
      ...(wrap ? { wrapDialect: (d: Dialect) => wrap(d, 'sqlite') } : {}),
    });
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { openPostgresStorage } = await import('./postgres.js');
    return openPostgresStorage({
      connectionString: url,
      migrate: cfg.migrate ?? true,
      poolSize: cfg.pg?.poolSize ?? 10,
      statementTimeoutMs: cfg.pg?.statementTimeoutMs ?? 5000,
      ...(wrap ? { wrapDialect: (d: Dialect) => wrap(d, 'postgres') } : {}),
    });
  }
  throw new TypeError(`DATABASE_URL must start with sqlite: or postgres://`);
}
