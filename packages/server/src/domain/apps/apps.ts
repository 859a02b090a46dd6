import { PasskeydError } from '../errors.js';
import type { Clock, Storage } from '../ports.js';
import { isIdOf, newId } from '../secrets.js';
import type { App } from '../types.js';
import { createApiKey, type CreatedApiKey } from './api-keys.js';
import { validateAppSettings, type AppSettingsInput } from './app-settings.js';

export type CreateAppInput = Required<Pick<AppSettingsInput, 'name' | 'rpId' | 'origins'>> &
  AppSettingsInput;

/** Creates an app and its first API key (shown once). */
export async function createApp(
  input: CreateAppInput,
  deps: { storage: Storage; clock: Clock },
): Promise<{ app: App; apiKey: CreatedApiKey }> {
  const settings = validateAppSettings(input);
  const now = deps.clock.now();
  const app: App = { id: newId('app'), ...settings, createdAt: now, updatedAt: now };
  return deps.storage.transaction(async (tx) => {
    await tx.apps.create(app);
    const apiKey = await createApiKey(app.id, 'default', { storage: tx, clock: deps.clock });
    return { app, apiKey };
  });
}

export async function getApp(storage: Storage, appId: string): Promise<App> {
  // A malformed id is an unknown app (passage-wire.md §2.7: 404 app_not_found), answered unqueried.
  const app = isIdOf('app', appId) ? await storage.apps.get(appId) : undefined;
  if (!app) throw new PasskeydError('app_not_found');
  return app;
}

export async function updateApp(
  appId: string,
  patch: AppSettingsInput,
  deps: { storage: Storage; clock: Clock },
): Promise<App> {
  const current = await getApp(deps.storage, appId);
  const merged = {
    ...current,
    ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
  } as App;
  const settings = validateAppSettings(merged);
  const app: App = { ...current, ...settings, updatedAt: deps.clock.now() };
  await deps.storage.apps.update(app);
  return app;
}
