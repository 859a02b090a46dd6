import { PasskeydError } from '../errors.js';
import type { Clock, Storage } from '../ports.js';
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
