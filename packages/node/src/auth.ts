import { readArgs } from './arguments.js';
import { externalIdFrom, transactionIdFrom } from './from-wire.js';
import type { HttpClient } from './http-client.js';
import type { AuthenticateTransactionArgs, RegisterTransactionArgs } from './types.js';

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
   * @example
   * const transactionId = await passage.auth.createRegisterTransaction(user.id, user.email);
   * // or: passage.auth.createRegisterTransaction({ externalId: user.id, passkeyDisplayName: user.email })
   */
  createRegisterTransaction(externalId: string, passkeyDisplayName: string): Promise<string>;
  createRegisterTransaction(args: RegisterTransactionArgs): Promise<string>;
  async createRegisterTransaction(...args: unknown[]): Promise<string> {
    const { externalId, passkeyDisplayName } = readArgs(['externalId', 'passkeyDisplayName'], args);
    return this.#http.request({
      method: 'POST',
      path: ['transactions', 'register'],
      body: { external_id: externalId, passkey_display_name: passkeyDisplayName },
      read: transactionIdFrom,
    });
  }

  /**
   * Starts passkey authentication for a known user. Fails with 404 `user_not_found` for an
   * unknown user and 409 `user_has_no_passkeys` when the user has none.
   *
   * @example
   * const transactionId = await passage.auth.createAuthenticateTransaction(user.id);
   */
  createAuthenticateTransaction(externalId: string): Promise<string>;
  createAuthenticateTransaction(args: AuthenticateTransactionArgs): Promise<string>;
  async createAuthenticateTransaction(...args: unknown[]): Promise<string> {
    const { externalId } = readArgs(['externalId'], args);
    return this.#http.request({
      method: 'POST',
      path: ['transactions', 'authenticate'],
      body: { external_id: externalId },
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
}
