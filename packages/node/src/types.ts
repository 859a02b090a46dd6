/** User states, as a value object for code written against Passage's generated `UserStatus`. */
export const UserStatus = {
  Active: 'active',
  Inactive: 'inactive',
  Pending: 'pending',
} as const;
export type UserStatus = (typeof UserStatus)[keyof typeof UserStatus];

/** Kinds of WebAuthn credential, as Passage reported them. */
export const WebAuthnType = {
  Passkey: 'passkey',
  SecurityKey: 'security_key',
  Platform: 'platform',
} as const;
export type WebAuthnType = (typeof WebAuthnType)[keyof typeof WebAuthnType];

/** Authenticator icons as `data:image/svg+xml;base64,…` URIs, or null when unknown. */
export interface WebAuthnIcons {
  light: string | null;
  dark: string | null;
}

/**
 * One registered passkey (WebAuthn credential). The first nine fields are Passage's; the rest are
 * passkeyd additions. Dates a server leaves null (a passkey never used to sign in) become the Unix
 * epoch, as they did in Passage's SDK, so comparisons such as `lastLoginAt < lastYear` still work.
 */
export interface WebAuthnDevice {
  id: string;
  /** base64url credential ID. */
  credId: string;
  friendlyName: string;
  type: WebAuthnType;
  usageCount: number;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date;
  icons: WebAuthnIcons;
  /** Authenticator model from the AAGUID ("Apple Passwords", "YubiKey 5 Series"), or null. */
  authenticatorName: string | null;
  /** The authenticator's AAGUID (UUID form), or null when the authenticator sent none. */
  aaguid: string | null;
  /** The credential may be synced to other devices (WebAuthn BE flag). */
  backupEligible: boolean;
  /** The credential is currently synced (WebAuthn BS flag). */
  backedUp: boolean;
  /** Transports the browser reported at registration (`internal`, `hybrid`, `usb`, ...). */
  transports: string[];
}

/** Passage's name for {@link WebAuthnDevice}; code importing `WebAuthnDevices` keeps compiling. */
export type WebAuthnDevices = WebAuthnDevice;

/** A user, as returned by `passage.user.get()`. */
export interface PassageUser {
  id: string;
  /** The ID your app chose for this user when creating its first transaction. */
  externalId: string;
  status: UserStatus;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date;
  loginCount: number;
  userMetadata: Record<string, unknown> | null;
  /** True when the user has at least one passkey. */
  webauthn: boolean;
  webauthnDevices: WebAuthnDevice[];
  webauthnTypes: WebAuthnType[];
}

/** A user, as returned by the 0.x-style `passage.getUser()`: the same fields minus `externalId`. */
export type UserInfo = Omit<PassageUser, 'externalId'>;

/** The app, as returned by the 0.x-style `passage.getApp()`. */
export interface AppInfo {
  id: string;
  name: string;
  /** The app's primary origin, e.g. `https://acme.example`. */
  authOrigin: string;
  /** Other origins allowed to run ceremonies (passkeyd addition; [] when none). */
  additionalAuthOrigins: string[];
}

export interface RegisterTransactionArgs {
  /** Your app's own, stable identifier for the user. */
  externalId: string;
  /** The label the user sees for this passkey (usually their email or username). */
  passkeyDisplayName: string;
}

export interface AuthenticateTransactionArgs {
  externalId: string;
}

/** Passage 1.x's generated names for the same argument objects. */
export type CreateTransactionRegisterRequest = RegisterTransactionArgs;
export type CreateTransactionAuthenticateRequest = AuthenticateTransactionArgs;

export interface UserArgs {
  externalId: string;
}

export interface DeviceArgs {
  externalId: string;
  deviceId: string;
}

export interface RenameDeviceArgs {
  externalId: string;
  deviceId: string;
  friendlyName: string;
}
