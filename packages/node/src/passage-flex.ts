import { readArgs, readAuthenticateOptions, readRegisterOptions } from './arguments.js';
import { Auth } from './auth.js';
import { resolveConfig, type PassageConfig } from './config.js';
import { appFrom } from './from-wire.js';
import { HttpClient } from './http-client.js';
import type {
  AppInfo,
  AuthenticateTransactionArgs,
  AuthenticateTransactionOptions,
  RegisterTransactionArgs,
  RegisterTransactionOptions,
  RevokeDeviceOptions,
  UserInfo,
  VerifiedNonce,
  WebAuthnDevice,
} from './types.js';
import { User } from './user.js';

/**
 * The passkeyd backend client. It offers both shapes Passage shipped: the methods directly on
 * the instance (0.2.x, used by Passage's guides) and the `auth` / `user` namespaces (1.x).
 *
 * @example
 * import { PassageFlex } from '@passkeyd/node';
 *
 * const passage = new PassageFlex({
 *   appId: process.env.PASSAGE_APP_ID!,
 *   apiKey: process.env.PASSAGE_API_KEY!,
 *   baseUrl: process.env.PASSKEYD_URL!, // e.g. https://passkeys.example.com
 * });
 * const transactionId = await passage.createRegisterTransaction({
 *   externalId: user.id,
 *   passkeyDisplayName: user.email,
 * });
 */
export class PassageFlex {
  readonly appId: string;
  /** Transactions and nonce verification (1.x shape). */
  readonly auth: Auth;
  /** Users and their passkeys (1.x shape). */
  readonly user: User;
  readonly #http: HttpClient;

  /** Throws a PassageError (`invalid_config`) naming every missing or malformed option. */
  constructor(config: PassageConfig) {
    const resolved = resolveConfig(config);
    this.appId = resolved.appId;
    this.#http = new HttpClient(resolved);
    this.auth = new Auth(this.#http);
    this.user = new User(this.#http);
  }

  /**
   * The app's ID, name and origin (0.x shape; dropped from Passage 1.x).
   *
   * @example
   * const { authOrigin } = await passage.getApp();
   */
  async getApp(): Promise<AppInfo> {
    return this.#http.request({ method: 'GET', path: [], read: appFrom });
  }

  /** Same as {@link Auth.createRegisterTransaction}. */
  createRegisterTransaction(args: RegisterTransactionArgs): Promise<string>;
  createRegisterTransaction(
    externalId: string,
    passkeyDisplayName: string,
    options?: RegisterTransactionOptions,
  ): Promise<string>;
  async createRegisterTransaction(...args: unknown[]): Promise<string> {
    const { externalId, passkeyDisplayName } = readArgs(['externalId', 'passkeyDisplayName'], args);
    return this.auth.createRegisterTransaction(
      externalId,
      passkeyDisplayName,
      readRegisterOptions(args),
    );
  }

  /** Same as {@link Auth.createAuthenticateTransaction}. */
  createAuthenticateTransaction(args: AuthenticateTransactionArgs): Promise<string>;
  createAuthenticateTransaction(
    externalId: string,
    options?: AuthenticateTransactionOptions,
  ): Promise<string>;
  async createAuthenticateTransaction(...args: unknown[]): Promise<string> {
    return this.auth.createAuthenticateTransaction(
      readArgs(['externalId'], args).externalId,
      readAuthenticateOptions(args),
    );
  }

  /** Same as {@link Auth.verifyNonce}: resolves to the user's external ID. */
  async verifyNonce(nonce: string): Promise<string> {
    return this.auth.verifyNonce(nonce);
  }

  /** Same as {@link Auth.verifyNonceDetails}: what the nonce proves, `ceremony` included. */
  async verifyNonceDetails(nonce: string): Promise<VerifiedNonce> {
    return this.auth.verifyNonceDetails(nonce);
  }

  /**
   * The user behind an external ID, in the 0.x shape: like `user.get()` without `externalId`
   * (you already have it).
   */
  async getUser(externalId: string): Promise<UserInfo> {
    const { externalId: _omitted, ...info } = await this.user.get(externalId);
    return info;
  }

  /** Same as {@link User.listDevices}. */
  async getDevices(externalId: string): Promise<WebAuthnDevice[]> {
    return this.user.listDevices(externalId);
  }

  /** Like {@link User.revokeDevice}, but resolves to `true` as 0.x did. */
  async revokeDevice(
    externalId: string,
    deviceId: string,
    options?: RevokeDeviceOptions,
  ): Promise<boolean> {
    await this.user.revokeDevice(externalId, deviceId, options);
    return true;
  }
}

/** The same class under passkeyd's own name. */
export { PassageFlex as PasskeyFlex };
