import { generateAuthenticationOptions } from '@simplewebauthn/server';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { DomainDeps } from '../deps.js';
import { decodeBase64Any } from '../encoding.js';
import { PasskeydError } from '../errors.js';
import { createHandshake, newChallenge } from '../handshakes.js';
import { loadLiveTransaction } from '../transactions.js';
import type { App, Handshake } from '../types.js';
import { offeredCredentials } from './offered-credentials.js';

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
  let allowCredentials: { id: string; transports?: string[] }[] | undefined;
  let transactionId: string | null = null;
  // A discoverable sign-in (no transaction) gets the app's defaults.
  let hints = app.hints;
  let userVerification = app.userVerification;
  if (input.transactionId) {
    const { tx, user } = await loadLiveTransaction(
      deps.storage,
      app.id,
      input.transactionId,
      'authenticate',
      now,
    );
    allowCredentials = await offeredCredentials(deps.storage, app.id, user.id);
    if (allowCredentials.length === 0) throw new PasskeydError('user_has_no_passkeys');
    transactionId = tx.id;
    hints = tx.hints ?? app.hints;
    // Step-up (createAuthenticateTransaction): the options ask for UV and the handshake keeps
    // `required`, so the finish refuses an assertion without it (userVerificationRequired).
    if (tx.userVerification === 'required') userVerification = 'required';
  }
  const challenge = newChallenge();
  const options = await generateAuthenticationOptions({
    rpID: app.rpId,
    challenge: decodeBase64Any(challenge)!,
    timeout: transactionId
      ? app.ceremonyTimeoutMs
      : deps.settings.discoverableHandshakeTtlSeconds * 1000,
    userVerification,
    ...(allowCredentials ? { allowCredentials } : {}),
  });
  if (!allowCredentials) delete (options as { allowCredentials?: unknown }).allowCredentials;
  // WebAuthn L3 §5.5 `hints`; see start-registration.ts.
  delete (options as { hints?: unknown }).hints;
  if (hints.length > 0) options.hints = [...hints];
  const handshake = await createHandshake(deps.storage, {
    appId: app.id,
    kind: 'authenticate',
    transactionId,
    challenge,
    userVerification,
    now,
    ttlMs: transactionId
      ? app.ceremonyTimeoutMs
      : deps.settings.discoverableHandshakeTtlSeconds * 1000,
  });
  return { handshake, options, transactionId };
}
