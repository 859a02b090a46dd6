import { generateAuthenticationOptions } from '@simplewebauthn/server';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { DomainDeps } from '../deps.js';
import { decodeBase64Any } from '../encoding.js';
import { beginHandshake } from '../handshakes.js';
import type { App, Handshake } from '../types.js';

/**
 * F3. With a transaction: allowCredentials = that user's passkeys, the most recently used
 * MAX_CREDENTIALS_IN_OPTIONS of them (offered-credentials.ts). Without one (`{}`): a
 * discoverable ceremony, modal or autofill; we cannot tell which, so its challenge gets the
 * longer discoverable lifetime (autofill prompts stay pending; passage-wire.md §5.4).
 */
export async function startAuthentication(
  app: App,
  input: { transactionId: string | undefined },
  deps: DomainDeps,
): Promise<{
  handshake: Handshake;
  options: PublicKeyCredentialRequestOptionsJSON;
  transactionId: string | null;
}> {
  const now = deps.clock.now();
  const discoverable = !input.transactionId;
  // A discoverable sign-in (no transaction) gets the app's defaults. Step-up
  // (createAuthenticateTransaction): the stored handshake keeps `required`, so the options ask
  // for UV and the finish refuses an assertion without it (storage.ceremonies.completeSignIn).
  const began = await beginHandshake(deps.storage, {
    appId: app.id,
    kind: 'authenticate',
    transactionId: input.transactionId || null,
    userVerification: app.userVerification,
    now,
    ttlMs: discoverable
      ? deps.settings.discoverableHandshakeTtlSeconds * 1000
      : app.ceremonyTimeoutMs,
  });
  const handshake = began.handshake;
  const tx = began.transaction;
  const transactionId = tx?.id ?? null;
  const allowCredentials = tx ? began.credentials : undefined;
  const hints = tx?.hints ?? app.hints;
  const generated = await generateAuthenticationOptions({
    rpID: app.rpId,
    challenge: decodeBase64Any(handshake.challenge)!,
    timeout: discoverable
      ? deps.settings.discoverableHandshakeTtlSeconds * 1000
      : app.ceremonyTimeoutMs,
    userVerification: handshake.userVerification,
    allowCredentials,
  });
  // Copied into a literal of our own, keys in the same order, rather than `delete`-ing the keys
  // we do not send (no allowCredentials for a discoverable sign-in; `extensions`, always
  // undefined): a deleted property turns an object into a dictionary, slow to build and to
  // serialise on every F3.
  const { rpId, challenge, timeout, userVerification } = generated;
  const options: PublicKeyCredentialRequestOptionsJSON = allowCredentials
    ? { rpId, challenge, allowCredentials: generated.allowCredentials, timeout, userVerification }
    : { rpId, challenge, timeout, userVerification };
  // WebAuthn L3 §5.5 `hints`; see start-registration.ts.
  if (hints.length > 0) options.hints = [...hints];
  return { handshake, options, transactionId };
}
