import { generateRegistrationOptions } from '@simplewebauthn/server';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { DomainDeps } from '../deps.js';
import { decodeBase64Any } from '../encoding.js';
import { PasskeydError } from '../errors.js';
import { beginHandshake } from '../handshakes.js';
import type { App, Handshake } from '../types.js';
import { SUPPORTED_ALGORITHMS } from './cose-key.js';

export type AttachmentRequest = 'platform' | 'cross-platform' | 'any' | undefined;

/**
 * F1. Options follow the rules: resident key required (discoverable sign-in and autofill
 * need it, passage-wire.md §8.5), excludeCredentials = the user's passkeys (§8.6), UV by app
 * policy, attestation by app policy (none by default), credProps. Passage's `any` means "let the browser choose".
 */
export async function startRegistration(
  app: App,
  input: { transactionId: string | undefined; authenticatorAttachment: AttachmentRequest },
  deps: DomainDeps,
): Promise<{
  handshake: Handshake;
  options: PublicKeyCredentialCreationOptionsJSON;
  transactionId: string;
}> {
  if (!input.transactionId) {
    throw new PasskeydError(
      'invalid_request',
      'transaction_id is required to register a passkey.',
      { details: { field: 'transaction_id' } },
    );
  }
  const now = deps.clock.now();
  // Capped like allowCredentials (offered-credentials.ts). A passkey left off the list is not
  // excluded: an authenticator holding it may make a new one for this user, which replaces its
  // resident key for the RP on the device (passage-wire.md §8.6); the same credential id
  // registered twice is still refused at finish (credential_already_registered).
  const began = await beginHandshake(deps.storage, {
    appId: app.id,
    kind: 'register',
    transactionId: input.transactionId,
    userVerification: app.userVerification,
    now,
    ttlMs: app.ceremonyTimeoutMs,
  });
  const tx = began.transaction!;
  const user = began.user!;
  const existing = began.credentials;
  const challenge = began.handshake.challenge;
  const attachment =
    input.authenticatorAttachment === 'any'
      ? undefined
      : (input.authenticatorAttachment ?? app.authenticatorAttachment ?? undefined);
  const options = await generateRegistrationOptions({
    rpName: app.rpName,
    rpID: app.rpId,
    userName: tx.passkeyDisplayName ?? tx.externalId,
    userDisplayName: tx.passkeyDisplayName ?? tx.externalId,
    userID: decodeBase64Any(user.webauthnUserId)!,
    challenge: decodeBase64Any(challenge)!,
    timeout: app.ceremonyTimeoutMs,
    // Per app (docs/attestation.md): `direct`/`enterprise` ask the authenticator for a
    // statement that check-authenticator.ts can chain to the FIDO metadata.
    attestationType: app.attestation,
    excludeCredentials: existing,
    authenticatorSelection: {
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: app.userVerification,
      ...(attachment ? { authenticatorAttachment: attachment } : {}),
    },
    supportedAlgorithmIDs: [...SUPPORTED_ALGORITHMS],
  });
  // WebAuthn L3 §5.4 `hints`: the transaction's own, else the app's default. Passage's SDK drops
  // the key (passage-wire.md §2.3), @passkeyd/js passes it on; none is sent when there are none.
  const hints = tx.hints ?? app.hints;
  delete (options as { hints?: unknown }).hints;
  if (hints.length > 0) options.hints = [...hints];
  const handshake = began.handshake;
  return { handshake, options, transactionId: tx.id };
}
