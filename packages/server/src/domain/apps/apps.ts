import { PasskeydError } from '../errors.js';
import { APP_DATA_TABLES, type AppDataTable, type Clock, type Storage } from '../ports.js';
import { isIdOf, newId } from '../secrets.js';
import type { App } from '../types.js';
import type { AppDirectory } from './app-directory.js';
import { createApiKey, type CreatedApiKey } from './api-keys.js';
import { validateAppSettings, type AppSettingsInput } from './app-settings.js';

export type CreateAppInput = Required<Pick<AppSettingsInput, 'name' | 'rpId' | 'origins'>> &
  AppSettingsInput;

/**
 * This process's app cache, told of each write after it commits (other nodes and processes learn
 * of it through the change feed). Absent where there is no cache (the CLI).
 */
type WriteDeps = { storage: Storage; clock: Clock; apps?: Pick<AppDirectory, 'changed'> };

/** Creates an app and its first API key (shown once). */
export async function createApp(
  input: CreateAppInput,
  deps: WriteDeps,
): Promise<{ app: App; apiKey: CreatedApiKey }> {
  const settings = validateAppSettings(input);
  const now = deps.clock.now();
  const app: App = { id: newId('app'), ...settings, createdAt: now, updatedAt: now };
  const created = await deps.storage.transaction(async (tx) => {
    await tx.apps.create(app);
    const apiKey = await createApiKey(app.id, 'default', { storage: tx, clock: deps.clock });
    return { app, apiKey };
  });
  // The id is new, but /.well-known's list of apps by RP ID is not.
  deps.apps?.changed(app.id);
  return created;
}

/**
 * Reads the app from the database. Request paths use AppDirectory.require, served from memory;
 * this is for writes (read-modify-write must start from the committed row) and the CLI.
 */
export async function getApp(storage: Storage, appId: string): Promise<App> {
  // A malformed id is an unknown app (passage-wire.md §2.7: 404 app_not_found), answered unqueried.
  const app = isIdOf('app', appId) ? await storage.apps.get(appId) : undefined;
  if (!app) throw new PasskeydError('app_not_found');
  return app;
}

export async function updateApp(
  appId: string,
  patch: AppSettingsInput,
  deps: WriteDeps,
): Promise<App> {
  const current = await getApp(deps.storage, appId);
  const merged = {
    ...current,
    ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
  } as App;
  const settings = validateAppSettings(merged);
  const app: App = { ...current, ...settings, updatedAt: deps.clock.now() };
  await deps.storage.apps.update(app);
  deps.apps?.changed(appId);
  return app;
}

/** Rows an app's deletion removed, per table (`APP_DATA_TABLES`). */
export type DeletedAppRows = Record<AppDataTable, number>;

/** Rows per statement of an app's deletion: small enough that SQLite's one writer is never held long. */
export const APP_DELETE_BATCH = 1000;

/**
 * Deletes an app and everything it holds: API keys, webhook endpoints (and their deliveries),
 * events, nonces, handshakes, transactions, passkeys and users. The audit trail is kept: it is
 * the record of who deleted what (audit_log has no key to apps).
 *
 * A bounded batch at a time, yielding between them, so a large app's deletion does not stop
 * other apps' ceremonies on the same database: SQLite has one writer and better-sqlite3 runs on
 * the event loop, and one statement deleting a million passkeys would hold both for seconds. The
 * API keys go first, so the app's backend is refused from the first batch on and no new
 * ceremony or user can start; the app row goes last, and with it (through its foreign keys, and
 * on PostgreSQL its trigger) anything a ceremony in flight wrote meanwhile. Its settings leave
 * every node's cache through the change feed when the row goes.
 */
export async function deleteApp(
  appId: string,
  deps: WriteDeps & { batch?: number },
): Promise<DeletedAppRows> {
  await getApp(deps.storage, appId);
  const deleted = Object.fromEntries(APP_DATA_TABLES.map((t) => [t, 0])) as DeletedAppRows;
  for (;;) {
    const { table, count } = await deps.storage.apps.deleteData(
      appId,
      deps.batch ?? APP_DELETE_BATCH,
    );
    if (count === 0) break;
    deleted[table] += count;
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Deleted meanwhile by another operator: the rows are gone all the same, and so is the app.
  await deps.storage.apps.delete(appId);
  deps.apps?.changed(appId);
  return deleted;
}
