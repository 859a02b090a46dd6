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

/**
 * A WebAuthn hint (L3 §5.8.7): which kind of authenticator the browser should offer first.
 * `security-key` a removable key, `client-device` this device's own, `hybrid` a phone via QR code.
 */
export type WebAuthnHint = 'security-key' | 'client-device' | 'hybrid';

export interface RegisterTransactionArgs {
  /** Your app's own, stable identifier for the user. */
  externalId: string;
  /** The label the user sees for this passkey (usually their email or username). */
  passkeyDisplayName: string;
  /** passkeyd addition, see {@link RegisterTransactionOptions}. */
  supersedePending?: boolean;
  /** passkeyd addition, see {@link RegisterTransactionOptions}. */
  mediation?: 'conditional';
  /** passkeyd addition, see {@link RegisterTransactionOptions}. */
  hints?: WebAuthnHint[];
}

/** passkeyd additions to creating a register transaction. */
export interface RegisterTransactionOptions {
  /**
   * End the user's earlier unfinished register transactions as this one is created, so only the
   * newest can register a passkey (a transaction handed to someone else stops working). Default
   * false, as Passage behaved.
   */
  supersedePending?: boolean;
  /**
   * `'conditional'`: the transaction is for an automatic passkey upgrade, the browser's
   * `flex.passkey.register(transactionId, { mediation: 'conditional' })` right after a password
   * sign-in (WebAuthn L3 conditional create). Only such a transaction accepts the passkey the
   * browser then creates without user presence; omit it for a normal registration.
   */
  mediation?: 'conditional';
  /**
   * WebAuthn hints for this ceremony, most preferred first, replacing the app's default; `[]`
   * sends none. Omitted: the app's default.
   */
  hints?: WebAuthnHint[];
}

/** passkeyd additions to creating an authenticate transaction. */
export interface AuthenticateTransactionOptions {
  /** WebAuthn hints for this sign-in, as in {@link RegisterTransactionOptions.hints}. */
  hints?: WebAuthnHint[];
  /**
   * `'required'`: step-up. This sign-in must verify the user (PIN, biometrics) whatever the
   * app's policy; without the UV flag it fails with 401 `user_verification_required`.
   */
  userVerification?: 'required';
}

/** passkeyd additions to revoking a passkey. */
export interface RevokeDeviceOptions {
  /**
   * Remove the user's last passkey even when the app has `prevent_last_passkey_removal` on
   * (otherwise 409 `last_passkey`). Default false.
   */
  force?: boolean;
}

/** Which ceremony a nonce came from. */
export type Ceremony = 'register' | 'authenticate';

/**
 * What a nonce proves, from `verifyNonceDetails()` (passkeyd addition). The passkey fields are
 * null only for a nonce issued by a passkeyd too old to record them.
 */
export interface VerifiedNonce {
  /** The user the nonce proves: what `verifyNonce()` resolves to. */
  externalId: string;
  /** Only `'authenticate'` should sign a user in; `'register'` proves a new passkey was created. */
  ceremony: Ceremony;
  /** base64url WebAuthn credential ID (a device's `credId`). */
  credentialId: string | null;
  /** The passkey's ID (a device's `id`, for `revokeDevice`). */
  deviceId: string | null;
  /** The transaction the ceremony used; null for a discoverable (autofill) sign-in. */
  transactionId: string | null;
  /** The authenticator verified the user (PIN, biometrics): the WebAuthn UV flag. */
  userVerified: boolean | null;
  /** The passkey is synced (WebAuthn BS flag) as of this ceremony. */
  backedUp: boolean | null;
  /** Authenticator model from the AAGUID, or null when unknown. */
  authenticatorName: string | null;
  /** When the ceremony finished. */
  authenticatedAt: Date;
}

export interface AuthenticateTransactionArgs extends AuthenticateTransactionOptions {
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
