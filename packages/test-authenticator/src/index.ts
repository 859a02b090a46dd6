/**
 * A software WebAuthn authenticator and client for tests, benchmarks and demos: real key pairs,
 * real attestation objects and assertions, in the JSON form browsers send to servers.
 * @packageDocumentation
 */
export { TestAuthenticator } from './authenticator.js';
export { generateCredentialKey, importCredentialKey } from './keys.js';
export { COSE_ALG } from './cose.js';
export type { WebAuthnErrorName } from './errors.js';
export type * from './types.js';
