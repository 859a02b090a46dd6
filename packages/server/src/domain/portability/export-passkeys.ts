import type { DomainDeps } from '../deps.js';
import type { App, Credential, User } from '../types.js';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  type PortableCredential,
  type PortableHeader,
  type PortableUser,
} from './format.js';

const PAGE = 500;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The app's users and passkeys as JSON lines (docs/migration.md), header first. Pages through
 * users by id, so memory stays flat and a concurrent registration never shifts a page. Every
 * user is exported, with or without passkeys; public keys are always COSE, as stored.
 */
export interface ExportStats {
  users: number;
  credentials: number;
}

export async function* exportPasskeys(
  app: App,
  deps: Pick<DomainDeps, 'storage' | 'clock'>,
  stats: ExportStats = { users: 0, credentials: 0 },
): AsyncGenerator<string> {
  const header: PortableHeader = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    rp_id: app.rpId,
    app_id: app.id,
    exported_at: iso(deps.clock.now()),
  };
  yield `${JSON.stringify(header)}\n`;
  let after: string | null = null;
  for (;;) {
    const users = await deps.storage.portability.listUsersAfter(app.id, after, PAGE);
    if (users.length === 0) return;
    const byUser = new Map<string, Credential[]>();
    const credentials = await deps.storage.portability.listCredentialsOfUsers(
      app.id,
      users.map((u) => u.id),
    );
    stats.users += users.length;
    stats.credentials += credentials.length;
    for (const c of credentials) {
      const list = byUser.get(c.userId);
      if (list) list.push(c);
      else byUser.set(c.userId, [c]);
    }
    yield users
      .map((u) => `${JSON.stringify(toPortableUser(u, byUser.get(u.id) ?? []))}\n`)
      .join('');
    after = users[users.length - 1]!.id;
  }
}

export function toPortableUser(u: User, credentials: Credential[]): PortableUser {
  return {
    external_id: u.externalId,
    user_handle: u.webauthnUserId,
    status: u.status,
    created_at: iso(u.createdAt),
    last_login_at: u.lastLoginAt === null ? null : iso(u.lastLoginAt),
    login_count: u.loginCount,
    credentials: credentials.map(toPortableCredential),
  };
}

function toPortableCredential(c: Credential): PortableCredential {
  return {
    credential_id: c.credentialId,
    public_key_cose: c.publicKey,
    alg: c.alg as PortableCredential['alg'],
    sign_count: c.signCount,
    transports: c.transports,
    aaguid: c.aaguid,
    backup_eligible: c.backupEligible,
    backup_state: c.backedUp,
    created_at: iso(c.createdAt),
    last_used_at: c.lastUsedAt === null ? null : iso(c.lastUsedAt),
    display_name: c.friendlyName,
    usage_count: c.usageCount,
  };
}
