/**
 * WebAuthn Level 3 signals (https://w3c.github.io/webauthn/#sctn-signal-methods): they tell the
 * browser's passkey manager what the server knows, so it can hide or relabel passkeys the user
 * can no longer use. Feature-detected: each helper resolves `true` when the browser accepted the
 * signal and `false` when it does not support it or refused; none ever rejects, because a
 * missing signal only costs a stale entry in a passkey list.
 */

interface SignalStatics {
  signalUnknownCredential?: (options: { rpId: string; credentialId: string }) => Promise<void>;
  signalAllAcceptedCredentials?: (options: {
    rpId: string;
    userId: string;
    allAcceptedCredentialIds: string[];
  }) => Promise<void>;
  signalCurrentUserDetails?: (options: {
    rpId: string;
    userId: string;
    name: string;
    displayName: string;
  }) => Promise<void>;
}

export interface UnknownCredentialSignal {
  /** The RP ID the passkey was created for. Defaults to this page's hostname. */
  rpId?: string;
  /** The credential ID, base64url (the `cred_id` of a device, or `credential.id`). */
  credentialId: string;
}

/**
 * Tells the browser a passkey is unknown to the server (deleted or revoked), so its passkey
 * manager can remove it. The SDK already calls this when the server answers `credential_not_found`.
 */
export async function signalUnknownCredential(signal: UnknownCredentialSignal): Promise<boolean> {
  return send('signalUnknownCredential', {
    rpId: signal.rpId ?? defaultRpId(),
    credentialId: signal.credentialId,
  });
}

export interface AllAcceptedCredentialsSignal {
  /** The RP ID of the app. Defaults to this page's hostname. */
  rpId?: string;
  /** The WebAuthn user handle, base64url: the `user.id` the passkeys were created with. */
  userId: string;
  /** Credential IDs (base64url) the server still accepts for this user. */
  allAcceptedCredentialIds?: string[];
  /**
   * Or the user's devices as the management API lists them (`cred_id`) or the Node SDK
   * returns them (`credId`); their credential IDs are added to `allAcceptedCredentialIds`.
   */
  devices?: ReadonlyArray<{ cred_id?: string; credId?: string }>;
}

/**
 * Tells the browser the complete list of this user's passkeys the server accepts; the passkey
 * manager may hide the user's other passkeys for this RP. Call it after sign-in, with the list
 * the app's backend fetched for the signed-in user. Passing an incomplete list hides valid passkeys.
 */
export async function signalAllAcceptedCredentials(
  signal: AllAcceptedCredentialsSignal,
): Promise<boolean> {
  const fromDevices = (signal.devices ?? [])
    .map((device) => device.cred_id ?? device.credId)
    .filter((id): id is string => typeof id === 'string' && id !== '');
  return send('signalAllAcceptedCredentials', {
    rpId: signal.rpId ?? defaultRpId(),
    userId: signal.userId,
    allAcceptedCredentialIds: [
      ...new Set([...(signal.allAcceptedCredentialIds ?? []), ...fromDevices]),
    ],
  });
}

export interface CurrentUserDetailsSignal {
  /** The RP ID of the app. Defaults to this page's hostname. */
  rpId?: string;
  /** The WebAuthn user handle, base64url. */
  userId: string;
  /** The account name shown in passkey pickers (e.g. an email address). */
  name: string;
  /** The friendly name shown in passkey pickers. Defaults to `name`. */
  displayName?: string;
}

/** Tells the browser the user's current name, so passkey pickers stop showing an old one. */
export async function signalCurrentUserDetails(signal: CurrentUserDetailsSignal): Promise<boolean> {
  return send('signalCurrentUserDetails', {
    rpId: signal.rpId ?? defaultRpId(),
    userId: signal.userId,
    name: signal.name,
    displayName: signal.displayName ?? signal.name,
  });
}

async function send<K extends keyof SignalStatics>(
  method: K,
  options: Parameters<NonNullable<SignalStatics[K]>>[0],
): Promise<boolean> {
  const statics =
    typeof PublicKeyCredential === 'undefined' ? undefined : (PublicKeyCredential as SignalStatics);
  const fn = statics?.[method] as ((o: typeof options) => Promise<void>) | undefined;
  if (typeof fn !== 'function') return false;
  try {
    await fn.call(PublicKeyCredential, options);
    return true;
  } catch {
    return false;
  }
}

function defaultRpId(): string {
  return typeof location === 'undefined' ? '' : location.hostname;
}
