/**
 * How many of a user's passkeys a ceremony's `allowCredentials` (F3) or `excludeCredentials`
 * (F1) names. CTAP 2.1 authenticators report `maxCredentialCountInList` in authenticatorGetInfo
 * (8 on common security keys, rarely more than 64), and browsers split a longer list into that
 * many silent probes of the authenticator each, so an unbounded list makes the ceremony slower
 * for every entry and the start response grows by ~0.1-1.4 KiB a passkey (a 1023-byte id is
 * 1364 base64url characters). 64 covers any real person's passkeys; a user with more is offered
 * the most recently used 64, and can still sign in with every passkey through the discoverable
 * flow (every passkey is a resident key: residentKey "required", passage-wire.md §8.5).
 */
export const MAX_CREDENTIALS_IN_OPTIONS = 64;
