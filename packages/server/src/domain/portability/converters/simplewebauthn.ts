import type { PortableUser } from '../format.js';
import { bool, bytes, int, list, pick, time } from './values.js';

/** Where the app's own user id sits in a SimpleWebAuthn-style passkeys table, by default. */
export const SIMPLEWEBAUTHN_USER_COLUMNS = ['user_id', 'userId', 'userID', 'user', 'external_id'];

/**
 * One row of the passkeys table SimpleWebAuthn's docs recommend ("Passkeys" model in
 * simplewebauthn.dev/docs/packages/server): id (base64url credential id), publicKey (COSE bytes),
 * user (the app's user: our external id), webauthnUserID (base64url user handle), counter,
 * deviceType ('singleDevice' | 'multiDevice'), backedUp, transports (CSV text). Rows arrive as
 * JSON or CSV, so every column is coerced from the shapes databases print.
 */
export function fromSimpleWebAuthn(
  row: Record<string, unknown>,
  userColumns = SIMPLEWEBAUTHN_USER_COLUMNS,
): PortableUser {
  const userRef = pick(row, ...userColumns);
  const deviceType = pick(row, 'deviceType', 'device_type', 'credentialDeviceType');
  return {
    external_id:
      typeof userRef === 'object' && userRef !== null
        ? String((userRef as { id?: unknown }).id ?? '')
        : String(userRef ?? ''),
    user_handle: bytes(
      pick(
        row,
        'webauthnUserID',
        'webAuthnUserID',
        'webauthnUserId',
        'webauthn_user_id',
        'userHandle',
      ),
    ) as string,
    credentials: [
      {
        credential_id: bytes(
          pick(row, 'id', 'credentialID', 'credentialId', 'credential_id'),
        ) as string,
        public_key_cose: bytes(
          pick(row, 'publicKey', 'public_key', 'credentialPublicKey'),
        ) as string,
        sign_count: int(pick(row, 'counter', 'sign_count', 'signCount')) as number,
        transports: list(pick(row, 'transports')) as string[],
        // deviceType is SimpleWebAuthn's reading of the BE flag: multiDevice means backup eligible.
        backup_eligible: deviceType === undefined ? undefined : deviceType === 'multiDevice',
        backup_state: bool(pick(row, 'backedUp', 'backed_up', 'credentialBackedUp')) as boolean,
        aaguid: pick(row, 'aaguid') as string,
        created_at: time(pick(row, 'createdAt', 'created_at')) as string,
        last_used_at: time(
          pick(row, 'lastUsed', 'lastUsedAt', 'last_used_at', 'last_used'),
        ) as string,
        display_name: pick(row, 'name', 'deviceName', 'display_name', 'nickname') as string,
      },
    ],
  };
}
