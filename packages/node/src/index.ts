export { PassageFlex, PasskeyFlex } from './passage-flex.js';
export { PassageError, PassageErrorCode, type PassageErrorOptions } from './passage-error.js';
export type { PassageConfig, PassageFlexConfig } from './config.js';
export type { Auth } from './auth.js';
export type { User } from './user.js';
export {
  UserStatus,
  WebAuthnType,
  type AppInfo,
  type AuthenticateTransactionArgs,
  type AuthenticateTransactionOptions,
  type Ceremony,
  type CreateTransactionAuthenticateRequest,
  type CreateTransactionRegisterRequest,
  type DeviceArgs,
  type PassageUser,
  type RegisterTransactionArgs,
  type RegisterTransactionOptions,
  type RenameDeviceArgs,
  type RevokeDeviceOptions,
  type UserArgs,
  type UserInfo,
  type VerifiedNonce,
  type WebAuthnDevice,
  type WebAuthnDevices,
  type WebAuthnHint,
  type WebAuthnIcons,
} from './types.js';
export { SDK_VERSION } from './version.js';

import { PassageFlex } from './passage-flex.js';
/** Default export for code that did `import Passage from '@passageidentity/passage-flex-node'`. */
export default PassageFlex;
