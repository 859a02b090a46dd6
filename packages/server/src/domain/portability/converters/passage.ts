import type { PortableCredential, PortableUser } from '../format.js';
import type { ImportNote } from '../records.js';
import { bool, bytes, int, list, pick, time } from './values.js';

/**
 * Key material for Passage passkeys, which Passage's self-serve export does not carry: one record
 * per credential, from whatever the operator obtained from Passage (docs/migration.md lists the
 * fields). `cred_id` joins it to the device in the user export.
 */
export type PassageKeys = Map<string, Record<string, unknown>>;

const NO_KEY =
  "no public key: Passage's self-serve user export carries none, so this passkey cannot be imported unless its key is supplied (--keys)";

/** Indexes key records by canonical credential id. */
export function passageKeys(records: Iterable<Record<string, unknown>>): PassageKeys {
  const map: PassageKeys = new Map();
  for (const r of records) {
    const id = bytes(pick(r, 'cred_id', 'credential_id', 'id'));
    if (typeof id === 'string') map.set(id, r);
  }
  return map;
}

/**
 * A Passage user: the management API's user (`{"user": {...}}` or the bare object, with
 * `webauthn_devices`), or a row of the dashboard's CSV export (no devices). Devices bring their
 * metadata (name, times, usage count, type); a device becomes a passkey only with its key.
 */
export function fromPassage(
  row: Record<string, unknown>,
  keys: PassageKeys,
  userColumns = ['external_id', 'id'],
): { value: PortableUser; notes: ImportNote[] } {
  const user = (typeof row.user === 'object' && row.user !== null ? row.user : row) as Record<
    string,
    unknown
  >;
  const notes: ImportNote[] = [];
  const devices = Array.isArray(user.webauthn_devices)
    ? (user.webauthn_devices as Record<string, unknown>[])
    : [];
  let handle = pick(user, 'user_handle', 'webauthn_user_handle', 'webauthn_user_id');
  const credentials: PortableCredential[] = [];
  for (const device of devices) {
    const credentialId = bytes(pick(device, 'cred_id', 'credential_id')) as string;
    const key = { ...device, ...(keys.get(credentialId) ?? {}) };
    const keyField = pick(
      key,
      'public_key_cose',
      'public_key_spki',
      'public_key_jwk',
      'public_key',
    );
    if (keyField === undefined) {
      notes.push({ credentialId, message: NO_KEY });
      continue;
    }
    const keyHandle = pick(key, 'user_handle');
    if (keyHandle !== undefined) {
      const h = bytes(keyHandle);
      if (handle === undefined) handle = h;
      else if (bytes(handle) !== h) {
        notes.push({
          credentialId,
          message:
            'its user_handle differs from the other passkeys of this user; passkeyd keeps one handle per user, so it is not imported.',
        });
        continue;
      }
    }
    const type = pick(device, 'type');
    credentials.push({
      credential_id: credentialId,
      ...keyOf(key),
      alg: pick(key, 'alg') as PortableCredential['alg'],
      sign_count: int(pick(key, 'sign_count', 'counter')) as number,
      aaguid: pick(key, 'aaguid') as string,
      transports: (list(pick(key, 'transports')) ??
        (type === 'security_key' ? ['usb'] : undefined)) as string[],
      // Passage typed a device "passkey" when it was synced (backup eligible): passage-wire.md §3.8.
      backup_eligible: (bool(pick(key, 'backup_eligible')) ??
        (type === undefined ? undefined : type === 'passkey')) as boolean,
      backup_state: (bool(pick(key, 'backup_state', 'backed_up')) ??
        (type === undefined ? undefined : type === 'passkey')) as boolean,
      created_at: time(pick(device, 'created_at')) as string,
      last_used_at: time(pick(device, 'last_login_at', 'last_used_at')) as string,
      usage_count: int(pick(device, 'usage_count')) as number,
      display_name: pick(device, 'friendly_name', 'name') as string,
    });
  }
  if (devices.length === 0 && bool(pick(user, 'webauthn')) === true) {
    notes.push({ message: `the user had passkeys but the export lists no devices; ${NO_KEY}` });
  }
  const status = pick(user, 'status');
  return {
    value: {
      external_id: String(pick(user, ...userColumns) ?? ''),
      ...(handle === undefined ? {} : { user_handle: bytes(handle) as string }),
      ...(status === 'active' || status === 'inactive' ? { status } : {}),
      created_at: time(pick(user, 'created_at')) as string,
      last_login_at: time(pick(user, 'last_login_at')) as string,
      login_count: int(pick(user, 'login_count')) as number,
      credentials,
    },
    notes,
  };
}

/** The key in whichever form the operator got it; a bare `public_key` is taken as COSE. */
function keyOf(
  key: Record<string, unknown>,
): Pick<PortableCredential, 'public_key_cose' | 'public_key_spki' | 'public_key_jwk'> {
  if (key.public_key_jwk !== undefined)
    return { public_key_jwk: key.public_key_jwk as Record<string, unknown> };
  if (key.public_key_spki !== undefined) return { public_key_spki: String(key.public_key_spki) };
  return { public_key_cose: bytes(pick(key, 'public_key_cose', 'public_key')) as string };
}
