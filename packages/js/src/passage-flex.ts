import { apiRootFromBaseUrl } from './base-url.js';
import { PasskeydError } from './errors.js';
import { Passkey } from './passkey.js';

export interface PassageFlexOptions {
  /**
   * The passkeyd server's root URL, e.g. `https://auth.example.com`. The SDK appends `/v1`
   * (a trailing `/v1` or `/` is fine too).
   */
  baseUrl: string;
}

/**
 * Entry point, shaped like passage-flex-js's `PassageFlex` so migrating is a changed import
 * plus a `baseUrl`.
 *
 * @example
 * ```ts
 * import { PassageFlex } from '@passkeyd/js';
 * const flex = new PassageFlex('app_123', { baseUrl: 'https://auth.example.com' });
 * const nonce = await flex.passkey.authenticate({ transactionId });
 * ```
 */
export class PassageFlex {
  /** Passkey ceremonies and checks for this app. */
  readonly passkey: Passkey;
  readonly appId: string;
  /** The API root every request goes to, e.g. `https://auth.example.com/v1`. */
  readonly apiUrl: string;

  constructor(appId: string, options: PassageFlexOptions) {
    if (typeof appId !== 'string' || appId.trim() === '') {
      throw new PasskeydError(
        'invalid_config',
        'App ID is required: new PassageFlex(appId, { baseUrl }).',
      );
    }
    this.appId = appId;
    this.apiUrl = apiRootFromBaseUrl(options?.baseUrl);
    this.passkey = new Passkey(this.apiUrl, appId);
  }
}

/** The same class under passkeyd's own name. */
export { PassageFlex as PasskeyFlex };
