import { PasskeydError } from './errors.js';
import type { DomainDeps } from './deps.js';
import { recordEvent } from './events.js';
import { isIdOf } from './secrets.js';
import type { App, Credential, RequestMeta, User, UserEvent } from './types.js';

/**
 * Inactive users (an import can create them, docs/migration.md) neither get transactions nor
 * register passkeys nor sign in: 403 `user_not_active`, Passage's code for it (passage-wire.md
 * §2.7). Anything but `active` counts as inactive, so an unexpected status fails closed.
 */
export function assertUserActive(user: User): void {
  if (user.status !== 'active') throw new PasskeydError('user_not_active');
}

export async function getUserOrThrow(
  deps: Pick<DomainDeps, 'storage'>,
  appId: string,
  userId: string,
): Promise<User> {
  // Ids of the wrong shape are unknown ids (B5-B7 declare only 401/404), answered unqueried.
  const user = isIdOf('usr', userId) ? await deps.storage.users.get(appId, userId) : undefined;
  if (!user) throw new PasskeydError('user_not_found');
  return user;
}

/**
 * Device lists (B5's `webauthn_devices`, B6, the admin API) are pages, so that no user's passkey
 * count sizes a response. The default page holds every passkey any real person has, so Passage's
 * SDKs, which send no paging parameters, still see the whole list; the maximum matches B4's.
 */
export const DEVICE_PAGE_DEFAULT = 100;
export const DEVICE_PAGE_MAX = 500;

export interface DevicePage {
  credentials: Credential[];
  /** How many passkeys the user has in all. */
  total: number;
  page: number;
  limit: number;
}

/** One page (from 1) of the user's passkeys, oldest first; user_not_found for an unknown user. */
export async function listUserDevices(
  deps: Pick<DomainDeps, 'storage'>,
  appId: string,
  userId: string,
  { page = 1, limit = DEVICE_PAGE_DEFAULT }: { page?: number; limit?: number } = {},
): Promise<DevicePage> {
  await getUserOrThrow(deps, appId, userId);
  const r = await deps.storage.credentials.pageByUser(appId, userId, {
    limit,
    offset: (page - 1) * limit,
  });
  return { ...r, page, limit };
}

/** The user, the first page of their passkeys (see DEVICE_PAGE_DEFAULT) and recent events. */
export async function getUserDetail(
  deps: Pick<DomainDeps, 'storage'>,
  appId: string,
  userId: string,
): Promise<{
  user: User;
  credentials: Credential[];
  totalCredentials: number;
  events: UserEvent[];
}> {
  const user = await getUserOrThrow(deps, appId, userId);
  const [page, events] = await Promise.all([
    deps.storage.credentials.pageByUser(appId, userId, { limit: DEVICE_PAGE_DEFAULT, offset: 0 }),
    deps.storage.events.listByUser(appId, userId, 20),
  ]);
  return { user, credentials: page.credentials, totalCredentials: page.total, events };
}

async function getDevice(
  deps: Pick<DomainDeps, 'storage'>,
  appId: string,
  userId: string,
  deviceId: string,
): Promise<{ user: User; cred: Credential }> {
  const user = await getUserOrThrow(deps, appId, userId);
  const cred = isIdOf('dev', deviceId)
    ? await deps.storage.credentials.get(appId, deviceId)
    : undefined;
  // Another user's device is "not found", not "forbidden": ids are not an oracle.
  if (!cred || cred.userId !== userId) throw new PasskeydError('device_not_found');
  return { user, cred };
}

export async function renameDevice(
  app: App,
  p: { userId: string; deviceId: string; name: string; meta?: RequestMeta },
  deps: DomainDeps,
): Promise<Credential> {
  const name = typeof p.name === 'string' ? p.name.trim() : '';
  if (!name || name.length > 255) {
    throw new PasskeydError('invalid_request', 'friendly_name must be 1-255 characters.', {
      details: { field: 'friendly_name' },
    });
  }
  const { user } = await getDevice(deps, app.id, p.userId, p.deviceId);
  const now = deps.clock.now();
  const updated = await deps.storage.credentials.rename(app.id, p.deviceId, name, now);
  if (!updated) throw new PasskeydError('device_not_found');
  await recordEvent(deps.storage, {
    appId: app.id,
    userId: p.userId,
    externalId: user.externalId,
    type: 'passkey_rename',
    credentialId: p.deviceId,
    ...(p.meta ? { meta: p.meta } : {}),
    now,
  });
  return updated;
}

/**
 * Revocation deletes the passkey: the next sign-in with it is `credential_not_found`. Under the
 * app's `preventLastPasskeyRemoval`, the user's last passkey is kept (409 `last_passkey`) unless
 * `force`: a user left without one is locked out of a passkey-only app, which the app's own
 * "remove" button should not do by accident; an operator who means it (a lost device, an
 * account being closed) forces it.
 */
export async function revokeDevice(
  app: App,
  p: { userId: string; deviceId: string; force?: boolean; meta?: RequestMeta },
  deps: DomainDeps,
): Promise<void> {
  const { user, cred } = await getDevice(deps, app.id, p.userId, p.deviceId);
  const now = deps.clock.now();
  const keepLast = app.preventLastPasskeyRemoval && p.force !== true;
  await deps.storage.transaction(async (tx) => {
    // The guard counts and deletes in one storage call: checking here first would let two
    // concurrent revokes of the last two passkeys both pass.
    const outcome = keepLast
      ? await tx.credentials.deleteUnlessLast(app.id, p.userId, cred.id)
      : (await tx.credentials.delete(app.id, cred.id))
        ? 'deleted'
        : 'not_found';
    if (outcome === 'last') throw new PasskeydError('last_passkey');
    if (outcome === 'not_found') throw new PasskeydError('device_not_found');
    await recordEvent(tx, {
      appId: app.id,
      userId: p.userId,
      externalId: user.externalId,
      type: 'passkey_revoke',
      credentialId: cred.id,
      ...(p.meta ? { meta: p.meta } : {}),
      now,
    });
  });
  deps.keyCache.delete(`${app.id}:${cred.credentialId}`);
}

/**
 * Deletes the user with their passkeys and pending transactions (by cascade). The `user_delete`
 * event is written in the same database transaction and keeps the id for the audit trail.
 */
export async function deleteUser(
  app: App,
  p: { userId: string; meta?: RequestMeta },
  deps: DomainDeps,
): Promise<void> {
  if (!isIdOf('usr', p.userId)) throw new PasskeydError('user_not_found');
  const creds = await deps.storage.credentials.listByUser(app.id, p.userId);
  const now = deps.clock.now();
  await deps.storage.transaction(async (tx) => {
    // Read before the delete: the user.deleted webhook names the user by its external id, which
    // the event keeps once the row is gone.
    const user = await tx.users.get(app.id, p.userId);
    if (!user || !(await tx.users.delete(app.id, p.userId)))
      throw new PasskeydError('user_not_found');
    await recordEvent(tx, {
      appId: app.id,
      userId: p.userId,
      externalId: user.externalId,
      type: 'user_delete',
      ...(p.meta ? { meta: p.meta } : {}),
      now,
    });
  });
  for (const c of creds) deps.keyCache.delete(`${app.id}:${c.credentialId}`);
}
