import { readArgs, readAuthenticateOptions, readRegisterOptions } from './arguments.js';
import { externalIdFrom, transactionIdFrom, verifiedNonceFrom } from './from-wire.js';
import type { HttpClient } from './http-client.js';
import type {
  AuthenticateTransactionArgs,
  AuthenticateTransactionOptions,
  RegisterTransactionArgs,
  RegisterTransactionOptions,
  VerifiedNonce,
} from './types.js';

/**
 * `passage.auth`: transactions that start a ceremony, and the nonce check that ends one.
 */
export class Auth {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Starts passkey registration for a user, creating the user on first use. Send the returned
   * transaction ID to the browser, which passes it to `passage.passkey.register()`.
   *
   * `supersedePending: true` (passkeyd addition) ends the user's earlier unfinished register
   * transactions, so a transaction handed out before can no longer register a passkey.
   * `mediation: 'conditional'` (passkeyd addition) makes it for an automatic passkey upgrade.
   *
   * @example
   * const transactionId = await passage.auth.createRegisterTransaction(user.id, user.email);
   * // or: passage.auth.createRegisterTransaction({ externalId: user.id, passkeyDisplayName: user.email })
   * // retrying an unfinished sign-up: passage.auth.createRegisterTransaction(user.id, user.email, { supersedePending: true })
   */
  createRegisterTransaction(
    externalId: string,
    passkeyDisplayName: string,
    options?: RegisterTransactionOptions,
  ): Promise<string>;
  createRegisterTransaction(args: RegisterTransactionArgs): Promise<string>;
  async createRegisterTransaction(...args: unknown[]): Promise<string> {
    const { externalId, passkeyDisplayName } = readArgs(['externalId', 'passkeyDisplayName'], args);
    const { supersedePending, mediation, hints } = readRegisterOptions(args);
    return this.#http.request({
      method: 'POST',
      path: ['transactions', 'register'],
      body: {
        external_id: externalId,
        passkey_display_name: passkeyDisplayName,
        // Sent only when asked for, so a call without them is byte for byte Passage's.
        ...(supersedePending ? { supersede_pending: true } : {}),
        ...(mediation ? { mediation } : {}),
        ...(hints ? { hints } : {}),
      },
      read: transactionIdFrom,
    });
  }

  /**
   * Starts passkey authentication for a known user. Fails with 404 `user_not_found` for an
   * unknown user and 409 `user_has_no_passkeys` when the user has none.
   *
   * passkeyd additions: `hints` for the browser, and `userVerification: 'required'` for a
   * step-up sign-in (before a sensitive action) that must verify the user whatever the app's
   * policy; check `userVerified` in {@link Auth.verifyNonceDetails} as well.
   *
   * @example
   * const transactionId = await passage.auth.createAuthenticateTransaction(user.id);
   * // step-up: passage.auth.createAuthenticateTransaction(user.id, { userVerification: 'required' })
   */
  createAuthenticateTransaction(
    externalId: string,
    options?: AuthenticateTransactionOptions,
  ): Promise<string>;
  createAuthenticateTransaction(args: AuthenticateTransactionArgs): Promise<string>;
  async createAuthenticateTransaction(...args: unknown[]): Promise<string> {
    const { externalId } = readArgs(['externalId'], args);
    const { hints, userVerification } = readAuthenticateOptions(args);
    return this.#http.request({
      method: 'POST',
      path: ['transactions', 'authenticate'],
      body: {
        external_id: externalId,
        ...(hints ? { hints } : {}),
        ...(userVerification ? { user_verification: userVerification } : {}),
      },
      read: transactionIdFrom,
    });
  }

  /**
   * Redeems the one-time nonce the browser got from a finished registration or authentication,
   * and returns the external ID of the user it proves. A used, expired or unknown nonce fails
   * with 401 `invalid_nonce`.
   *
   * @example
   * const externalId = await passage.auth.verifyNonce(req.body.nonce);
   */
  async verifyNonce(nonce: string): Promise<string> {
    const checked = readArgs(['nonce'], [nonce]).nonce;
    return this.#http.request({
      method: 'POST',
      path: ['authenticate', 'verify'],
      body: { nonce: checked },
      read: externalIdFrom,
    });
  }

  /**
   * Like {@link Auth.verifyNonce}, but resolves to everything the nonce proves (passkeyd
   * addition): which ceremony issued it, the passkey, its flags, the transaction. Sign a user in
   * only for `ceremony === 'authenticate'`: a register nonce proves a new passkey, and anyone
   * holding a register transaction for the user can make one.
   *
   * @example
   * const proof = await passage.auth.verifyNonceDetails(req.body.nonce);
   * if (proof.ceremony !== 'authenticate') throw new Error('not a sign-in');
   */
  async verifyNonceDetails(nonce: string): Promise<VerifiedNonce> {
    const checked = readArgs(['nonce'], [nonce]).nonce;
    return this.#http.request({
      method: 'POST',
      path: ['authenticate', 'verify'],
      body: { nonce: checked },
      read: verifiedNonceFrom,
    });
  }
}
