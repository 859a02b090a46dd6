import type { PortableCredential, PortableUser } from '../format.js';
import type { ImportNote } from '../records.js';
import { bool, bytes, int, list, pick, time, utf8Bytes } from './values.js';

/**
 * Hanko passkey-server credentials. Two shapes are read, one per line:
 *  - its admin API's answer for one user, wrapped with the user: `{"user_id": "…", "credentials":
 *    [CredentialDto, …]}` (GET /{tenant_id}/credentials?user_id=…; the DTO has no sign_count);
 *  - a database row of `webauthn_credentials` joined to `webauthn_users` for `user_id`, with
 *    `transports` aggregated from `webauthn_credential_transports` (docs/migration.md has the SQL).
 * Hanko's WebAuthn user handle is the UTF-8 of `webauthn_users.user_id` (WebauthnUser.WebAuthnID),
 * so the handle needs no column of its own. `public_key` is base64url COSE.
 */
export function fromHanko(
  row: Record<string, unknown>,
  userColumn = 'user_id',
): { value: PortableUser; notes: ImportNote[] } {
  const externalId = String(pick(row, userColumn) ?? '');
  const rows = Array.isArray(row.credentials)
    ? (row.credentials as Record<string, unknown>[])
    : [row];
  const notes: ImportNote[] = [];
  const credentials: PortableCredential[] = [];
  for (const c of rows) {
    const credentialId = bytes(pick(c, 'id', 'credential_id')) as string;
    // passkeyd has no second-factor-only credentials: carried over, an MFA key would become a
    // first factor, which its owner never agreed to.
    if (bool(c.is_mfa) === true) {
      notes.push({
        credentialId,
        message:
          'MFA-only credential (is_mfa): passkeyd has no second-factor credentials; not imported.',
      });
      continue;
    }
    credentials.push({
      credential_id: credentialId,
      public_key_cose: bytes(pick(c, 'public_key')) as string,
      aaguid: pick(c, 'aaguid') as string,
      sign_count: int(pick(c, 'sign_count')) as number,
      transports: list(pick(c, 'transports')) as string[],
      backup_eligible: bool(pick(c, 'backup_eligible')) as boolean,
      backup_state: bool(pick(c, 'backup_state')) as boolean,
      created_at: time(pick(c, 'created_at')) as string,
      last_used_at: time(pick(c, 'last_used_at')) as string,
      display_name: pick(c, 'name') as string,
    });
  }
  const handle = pick(row, 'user_handle');
  const hankoUserId = pick(row, 'user_id');
  return {
    value: {
      external_id: externalId,
      user_handle:
        handle !== undefined
          ? (bytes(handle) as string)
          : hankoUserId !== undefined
            ? utf8Bytes(String(hankoUserId))
            : undefined,
      credentials,
    },
    notes,
  };
}
