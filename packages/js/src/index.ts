export { PassageFlex, PasskeyFlex, type PassageFlexOptions } from './passage-flex.js';
export {
  Passkey,
  type AuthenticatorAttachment,
  type PasskeyAuthenticateOptions,
  type PasskeyCreationOptions,
  type UsedCredential,
} from './passkey.js';
export {
  canAuthenticateWithPasskey,
  canRegisterPasskey,
  canUseConditionalCreate,
  canUseConditionalMediation,
} from './capabilities.js';
export { abortAutofill } from './ceremony-abort.js';
export {
  signalAllAcceptedCredentials,
  signalCurrentUserDetails,
  signalUnknownCredential,
  type AllAcceptedCredentialsSignal,
  type CurrentUserDetailsSignal,
  type UnknownCredentialSignal,
} from './signals.js';
export {
  PasskeydError,
  // Same class: code written for passage-flex-js tests `instanceof PassageError`.
  PasskeydError as PassageError,
  isPasskeydError,
  type ClientErrorCode,
  type PasskeydErrorCode,
  type ServerErrorCode,
} from './errors.js';
export { SDK_VERSION } from './version.js';
