import { abortAutofill, beginCeremony } from './ceremony-abort.js';
import {
  canAuthenticateWithPasskey,
  canRegisterPasskey,
  canUseConditionalCreate,
  canUseConditionalMediation,
  hasWebAuthn,
} from './capabilities.js';
import { encodeBase64url } from './base64url.js';
import { authenticationResponseJSON, registrationResponseJSON } from './credential-json.js';
import { PasskeydError, isPasskeydError } from './errors.js';
import { postJson } from './http.js';
import { readHandshake, readNonce, toCreationOptions, toRequestOptions } from './options.js';
import { signalUnknownCredential } from './signals.js';
import { ceremonyFailure, fromWebAuthnError, type Ceremony } from './webauthn-errors.js';

/** What kind of authenticator `register()` asks the browser for. */
export type AuthenticatorAttachment = 'platform' | 'cross-platform' | 'any';

export interface PasskeyCreationOptions {
  /**
   * `platform` (the default, as in passage-flex-js): the device's own passkey manager.
   * `cross-platform`: a security key or another device. `any`: let the user choose.
   */
  authenticatorAttachment?: AuthenticatorAttachment;
  /**
   * `'conditional'`: an automatic passkey upgrade (WebAuthn L3 conditional create). The browser
   * creates the passkey without a prompt, in the password manager the user just signed in with,
   * or rejects (`user_cancelled`) when it will not. Call it right after a password sign-in, on
   * a transaction your backend created with `mediation: 'conditional'` (the server refuses the
   * prompt-less passkey otherwise). Rejects with `conditional_create_unsupported`, before any
   * request, where {@link canUseConditionalCreate} is false, so no modal prompt appears instead.
   * Like autofill, the request runs in the background: a button-started ceremony or
   * {@link Passkey.abortAutofill} aborts it (code `aborted`).
   */
  mediation?: 'conditional';
  /** Aborts the request (rejects with code `aborted`). */
  signal?: AbortSignal;
}

export interface PasskeyAuthenticateOptions {
  /** From the app's backend (`createAuthenticateTransaction`). Omit for a discoverable sign-in. */
  transactionId?: string;
  /**
   * Offer passkeys in the autofill of an `<input autocomplete="username webauthn">` instead of
   * a modal prompt. The promise stays pending until the user picks one. The transaction ID is
   * ignored, as in passage-flex-js.
   */
  isConditionalMediation?: boolean;
  /** Aborts the request (rejects with code `aborted`). See also {@link Passkey.abortAutofill}. */
  signal?: AbortSignal;
}

/** Which passkey the last successful ceremony used: what the signal helpers need. */
export interface UsedCredential {
  /** The RP ID the passkey belongs to. */
  rpId: string;
  /** The credential ID, base64url (the `cred_id` of the device in the management API). */
  credentialId: string;
  /** The WebAuthn user handle, base64url; undefined when the authenticator returned none. */
  userId: string | undefined;
}

/** `flex.passkey`: the passkey ceremonies and checks of one app. */
export class Passkey {
  readonly #appPath: string;
  #lastCredential: UsedCredential | undefined;

  /** @internal Use `new PassageFlex(appId, { baseUrl }).passkey`. */
  constructor(apiRoot: string, appId: string) {
    this.#appPath = `${apiRoot}/apps/${encodeURIComponent(appId)}`;
  }

  /**
   * Creates a passkey for the user the transaction was made for.
   *
   * @param transactionId From the app's backend (`createRegisterTransaction`).
   * @returns A one-time nonce; the app's backend exchanges it (`verifyNonce`) for the user's external ID.
   * @example
   * ```ts
   * const nonce = await flex.passkey.register(transactionId, { authenticatorAttachment: 'platform' });
   * await fetch('/passkeys/registered', { method: 'POST', body: JSON.stringify({ nonce }) });
   * ```
   */
  async register(transactionId: string, options: PasskeyCreationOptions = {}): Promise<string> {
    const conditional = options.mediation === 'conditional';
    // A conditional create waits in the background for the browser, as autofill does, so it
    // must not abort a button-started ceremony, and one must abort it.
    const ceremony = beginCeremony(conditional ? 'autofill' : 'modal', options.signal);
    try {
      requireWebAuthn();
      if (typeof transactionId !== 'string' || transactionId === '') {
        throw new PasskeydError(
          'invalid_argument',
          'register() needs the transaction ID from your backend.',
        );
      }
      if (options.mediation !== undefined && !conditional) {
        throw new PasskeydError(
          'invalid_argument',
          "register()'s mediation can only be 'conditional'.",
        );
      }
      // A browser without conditional create ignores `mediation` and shows the modal prompt, the
      // one thing an automatic upgrade must not do.
      if (conditional && !(await canUseConditionalCreate())) {
        throw new PasskeydError(
          'conditional_create_unsupported',
          'This browser cannot create a passkey without a prompt (no conditional create).',
        );
      }
      const start = await postJson(
        `${this.#appPath}/register/transactions/webauthn/start`,
        {
          transaction_id: transactionId,
          authenticator_attachment: options.authenticatorAttachment ?? 'platform',
        },
        ceremony.signal,
      );
      const handshake = readHandshake(start);
      const publicKey = asCeremonyFailure('create', () => toCreationOptions(handshake.publicKey));
      let credential: Credential | null;
      try {
        credential = await navigator.credentials.create({
          publicKey,
          signal: ceremony.signal,
          // WebAuthn L3 §5.1.3: conditional mediation on create; the browser decides silently.
          ...(conditional && { mediation: 'conditional' as CredentialMediationRequirement }),
        });
      } catch (err) {
        throw fromWebAuthnError(err, 'create', ceremony.signal);
      }
      const created = asPublicKeyCredential(credential, 'create');
      const finish = await postJson(`${this.#appPath}/register/transactions/webauthn/finish`, {
        handshake_id: handshake.id,
        handshake_response: registrationResponseJSON(created),
        transaction_id: transactionId,
      });
      const nonce = readNonce(finish);
      this.#lastCredential = {
        rpId: publicKey.rp.id ?? defaultRpId(),
        credentialId: created.id,
        userId: encodeBase64url(publicKey.user.id as Uint8Array),
      };
      return nonce;
    } finally {
      ceremony.end();
    }
  }

  /**
   * Signs a user in with a passkey.
   *
   * - With `transactionId`: only that user's passkeys are offered.
   * - Without: any passkey for this app (a discoverable sign-in); the nonce tells the backend who it was.
   * - With `isConditionalMediation: true`: passkeys appear in the username field's autofill.
   *
   * Starting any ceremony first aborts a pending autofill request.
   *
   * @returns A one-time nonce for the app's backend to verify.
   * @example
   * ```ts
   * // On page load: offer passkeys in autofill; ignore the abort when the user clicks a button instead.
   * flex.passkey.authenticate({ isConditionalMediation: true })
   *   .then(signIn)
   *   .catch((err) => { if (!isPasskeydError(err, 'aborted')) showError(err); });
   * ```
   */
  async authenticate(options: PasskeyAuthenticateOptions = {}): Promise<string> {
    const conditional = options.isConditionalMediation === true;
    const ceremony = beginCeremony(conditional ? 'autofill' : 'modal', options.signal);
    try {
      requireWebAuthn();
      const transactionId = conditional ? undefined : options.transactionId || undefined;
      const start = await postJson(
        `${this.#appPath}/authenticate/transactions/webauthn/start`,
        transactionId ? { transaction_id: transactionId } : {},
        ceremony.signal,
      );
      const handshake = readHandshake(start);
      const publicKey = asCeremonyFailure('get', () => toRequestOptions(handshake.publicKey));
      let credential: Credential | null;
      try {
        credential = await navigator.credentials.get({
          publicKey,
          signal: ceremony.signal,
          ...(conditional && { mediation: 'conditional' as CredentialMediationRequirement }),
        });
      } catch (err) {
        throw fromWebAuthnError(err, 'get', ceremony.signal);
      }
      const assertion = asPublicKeyCredential(credential, 'get');
      const rpId = publicKey.rpId ?? defaultRpId();
      try {
        const finish = await postJson(
          `${this.#appPath}/authenticate/transactions/webauthn/finish`,
          {
            handshake_id: handshake.id,
            handshake_response: authenticationResponseJSON(assertion),
            ...(transactionId && { transaction_id: transactionId }),
          },
        );
        const nonce = readNonce(finish);
        const userHandle = encodeBase64url(
          (assertion.response as AuthenticatorAssertionResponse).userHandle,
        );
        this.#lastCredential = {
          rpId,
          credentialId: assertion.id,
          userId: userHandle || undefined,
        };
        return nonce;
      } catch (err) {
        if (isPasskeydError(err, 'credential_not_found')) {
          // The browser still offers a passkey the server deleted or revoked; let it forget it.
          await signalUnknownCredential({ rpId, credentialId: assertion.id });
        }
        throw err;
      }
    } finally {
      ceremony.end();
    }
  }

  /**
   * The passkey the last successful `register()` or `authenticate()` on this instance used, to
   * feed the signal helpers.
   * @example
   * ```ts
   * const nonce = await flex.passkey.authenticate();
   * const { devices } = await mySignIn(nonce); // your backend: verifyNonce + listDevices
   * const used = flex.passkey.lastCredential;
   * if (used?.userId) await signalAllAcceptedCredentials({ rpId: used.rpId, userId: used.userId, devices });
   * ```
   */
  get lastCredential(): UsedCredential | undefined {
    return this.#lastCredential;
  }

  /**
   * Aborts a pending autofill request or conditional create (its promise rejects with code
   * `aborted`). Returns whether one was pending.
   */
  abortAutofill(): boolean {
    return abortAutofill();
  }

  /** Whether this browser can create a passkey. No network call; resolves a boolean. */
  canRegisterPasskey(): Promise<boolean> {
    return canRegisterPasskey();
  }

  /** Whether this browser can sign in with a passkey. No network call; resolves a boolean. */
  canAuthenticateWithPasskey(): Promise<boolean> {
    return canAuthenticateWithPasskey();
  }

  /** Whether this browser offers passkeys in form autofill. No network call; resolves a boolean. */
  canUseConditionalMediation(): Promise<boolean> {
    return canUseConditionalMediation();
  }

  /**
   * Whether this browser can create a passkey without a prompt (`register(id, { mediation:
   * 'conditional' })`). No network call; resolves a boolean.
   */
  canUseConditionalCreate(): Promise<boolean> {
    return canUseConditionalCreate();
  }
}

function requireWebAuthn(): void {
  if (hasWebAuthn()) return;
  if (typeof window !== 'undefined' && window.isSecureContext === false) {
    throw new PasskeydError(
      'insecure_context',
      'Passkeys need a secure context: serve the page over https (or from http://localhost).',
    );
  }
  throw new PasskeydError(
    'webauthn_unsupported',
    'This browser does not support passkeys (WebAuthn).',
  );
}

function defaultRpId(): string {
  return typeof location === 'undefined' ? '' : location.hostname;
}

function asPublicKeyCredential(
  credential: Credential | null,
  ceremony: Ceremony,
): PublicKeyCredential {
  if (credential === null || credential.type !== 'public-key') {
    // passage-flex-js: 702 "No assertion returned" for get.
    throw ceremonyFailure(
      ceremony,
      'webauthn_failed',
      'The browser returned no passkey.',
      undefined,
      ceremony === 'get' ? 'No assertion returned' : 'No credential returned',
    );
  }
  return credential as PublicKeyCredential;
}

/**
 * passage-flex-js decodes the options inside its create/get step, so an unusable option is a
 * 707/702 there too (passage-wire.md §5.2); the code stays `invalid_server_response`.
 */
function asCeremonyFailure<T>(ceremony: Ceremony, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (!(err instanceof PasskeydError)) throw err;
    throw ceremonyFailure(ceremony, err.code, err.message, err.cause ?? err, err.message);
  }
}
