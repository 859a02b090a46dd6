/**
 * Local feature checks with passage-flex-js semantics: no network calls, resolve a boolean,
 * never reject. Safe to call during server-side rendering (they resolve false there).
 */

/**
 * Whether this browser can create a passkey: WebAuthn is present and the page is a secure
 * context. Like passage-flex-js, a roaming security key counts, so this does not require a
 * platform authenticator.
 *
 * It is async (a Promise is always truthy), so render from its result, not from the call:
 * @example
 * ```tsx
 * const [canRegister, setCanRegister] = useState(false);
 * useEffect(() => { canRegisterPasskey().then(setCanRegister); }, []);
 * return canRegister && <a onClick={createPasskey}>Create passkey</a>;
 * ```
 */
export async function canRegisterPasskey(): Promise<boolean> {
  return hasWebAuthn();
}

/** Whether this browser can sign in with a passkey. Same test as {@link canRegisterPasskey}. */
export async function canAuthenticateWithPasskey(): Promise<boolean> {
  return hasWebAuthn();
}

/**
 * Whether the browser offers passkeys in form autofill (`authenticate({ isConditionalMediation: true })`
 * with an `<input autocomplete="username webauthn">`).
 */
export async function canUseConditionalMediation(): Promise<boolean> {
  if (!hasWebAuthn()) return false;
  const credential = PublicKeyCredential as PublicKeyCredentialStatics;
  try {
    if (typeof credential.getClientCapabilities === 'function') {
      const capabilities = await credential.getClientCapabilities();
      // WebAuthn L3 names it conditionalGet; passage-flex-js read a key no browser sets.
      const conditional = capabilities['conditionalGet'] ?? capabilities['conditionalMediation'];
      if (typeof conditional === 'boolean') return conditional;
    }
    if (typeof credential.isConditionalMediationAvailable === 'function') {
      return (await credential.isConditionalMediationAvailable()) === true;
    }
  } catch {
    // A capability query that throws means the feature is not usable.
  }
  return false;
}

/**
 * Whether the browser can create a passkey without a prompt (WebAuthn L3 conditional create,
 * `register(transactionId, { mediation: 'conditional' })`): the `conditionalCreate` client
 * capability. False where the browser cannot say, so an app never offers an upgrade that would
 * show a modal prompt instead.
 */
export async function canUseConditionalCreate(): Promise<boolean> {
  if (!hasWebAuthn()) return false;
  const credential = PublicKeyCredential as PublicKeyCredentialStatics;
  try {
    if (typeof credential.getClientCapabilities !== 'function') return false;
    return (await credential.getClientCapabilities())['conditionalCreate'] === true;
  } catch {
    // A capability query that throws means the feature is not usable.
    return false;
  }
}

/** Synchronous core of the checks, shared with the ceremonies' precondition. */
export function hasWebAuthn(): boolean {
  return (
    typeof window !== 'undefined' &&
    window.isSecureContext !== false &&
    typeof window.PublicKeyCredential === 'function' &&
    typeof navigator !== 'undefined' &&
    typeof navigator.credentials?.create === 'function' &&
    typeof navigator.credentials?.get === 'function'
  );
}

interface PublicKeyCredentialStatics {
  getClientCapabilities?: () => Promise<Record<string, boolean | undefined>>;
  isConditionalMediationAvailable?: () => Promise<boolean>;
}
