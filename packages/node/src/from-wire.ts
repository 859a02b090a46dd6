import type {
  AppInfo,
  Ceremony,
  PassageUser,
  UserStatus,
  VerifiedNonce,
  WebAuthnDevice,
  WebAuthnType,
} from './types.js';
import {
  array,
  boolean,
  date,
  MalformedBodyError,
  nullableBoolean,
  nullableString,
  number,
  object,
  requiredString,
  string,
  strings,
  type WireObject,
} from './wire-fields.js';

// Mappers from the snake_case wire format (passage-wire.md §3) to the SDK's camelCase types.

export function transactionIdFrom(body: unknown): string {
  return requiredString(object(body, 'response'), 'transaction_id', 'response');
}

export function externalIdFrom(body: unknown): string {
  return requiredString(object(body, 'response'), 'external_id', 'response');
}

/**
 * B3 with passkeyd's details. `ceremony` is what an app's sign-in decision rests on, so it is
 * required: a server that does not send it (Passage, an old passkeyd) fails the call rather than
 * let a register nonce pass for a sign-in.
 */
export function verifiedNonceFrom(body: unknown): VerifiedNonce {
  const b = object(body, 'response');
  const ceremony = b.ceremony;
  if (ceremony !== 'register' && ceremony !== 'authenticate') {
    throw new MalformedBodyError(
      'expected response.ceremony to be "register" or "authenticate" (a passkeyd server sends it)',
    );
  }
  return {
    externalId: requiredString(b, 'external_id', 'response'),
    ceremony: ceremony satisfies Ceremony,
    credentialId: nullableString(b, 'credential_id'),
    deviceId: nullableString(b, 'device_id'),
    transactionId: nullableString(b, 'transaction_id'),
    userVerified: nullableBoolean(b, 'user_verified'),
    backedUp: nullableBoolean(b, 'backed_up'),
    authenticatorName: nullableString(b, 'authenticator_name'),
    authenticatedAt: date(b, 'authenticated_at'),
  };
}

export function deviceFrom(value: unknown): WebAuthnDevice {
  const device = object(value, 'device');
  const icons =
    typeof device.icons === 'object' && device.icons !== null ? (device.icons as WireObject) : {};
  return {
    id: requiredString(device, 'id', 'device'),
    credId: string(device, 'cred_id'),
    friendlyName: string(device, 'friendly_name'),
    type: string(device, 'type', 'passkey') as WebAuthnType,
    usageCount: number(device, 'usage_count'),
    createdAt: date(device, 'created_at'),
    updatedAt: date(device, 'updated_at'),
    lastLoginAt: date(device, 'last_login_at'),
    icons: { light: nullableString(icons, 'light'), dark: nullableString(icons, 'dark') },
    authenticatorName: nullableString(device, 'authenticator_name'),
    aaguid: nullableString(device, 'aaguid'),
    backupEligible: boolean(device, 'backup_eligible'),
    backedUp: boolean(device, 'backed_up'),
    transports: strings(device, 'transports'),
  };
}

export function devicesFrom(body: unknown): WebAuthnDevice[] {
  return array(object(body, 'response'), 'devices', 'response').map(deviceFrom);
}

export function renamedDeviceFrom(body: unknown): WebAuthnDevice {
  return deviceFrom(object(body, 'response').device);
}

export function userFrom(body: unknown): PassageUser {
  const user = object(object(body, 'response').user, 'response.user');
  const metadata = user.user_metadata;
  return {
    id: requiredString(user, 'id', 'user'),
    externalId: string(user, 'external_id'),
    status: string(user, 'status', 'active') as UserStatus,
    createdAt: date(user, 'created_at'),
    updatedAt: date(user, 'updated_at'),
    lastLoginAt: date(user, 'last_login_at'),
    loginCount: number(user, 'login_count'),
    userMetadata:
      typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)
        ? (metadata as Record<string, unknown>)
        : null,
    webauthn: boolean(user, 'webauthn'),
    webauthnDevices: array(user, 'webauthn_devices', 'user').map(deviceFrom),
    webauthnTypes: strings(user, 'webauthn_types') as WebAuthnType[],
  };
}

/**
 * The user ID behind an external ID, from B4 (`GET /users?limit=1&identifier=…`). Passage's SDK
 * took `users[0]` blindly; this one also checks the external ID, so a server that matched the
 * identifier loosely can never hand back someone else's account. Undefined when there is none.
 */
export function userIdFrom(body: unknown, externalId: string): string | undefined {
  const users = array(object(body, 'response'), 'users', 'response');
  for (const item of users) {
    const user = object(item, 'users[]');
    if (user.external_id === externalId) return requiredString(user, 'id', 'users[]');
  }
  return undefined;
}

export function appFrom(body: unknown): AppInfo {
  const app = object(object(body, 'response').app, 'response.app');
  return {
    id: requiredString(app, 'id', 'app'),
    name: string(app, 'name'),
    authOrigin: string(app, 'auth_origin'),
    additionalAuthOrigins: strings(app, 'additional_auth_origins'),
  };
}

/** For endpoints whose body the SDK ignores (B7, user delete). */
export function nothingFrom(_body: unknown): void {}
