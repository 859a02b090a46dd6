import { verifyRegistrationResponse } from '@simplewebauthn/server';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import {
  decodeAttestationObject,
  parseAuthenticatorData,
  decodeCredentialPublicKey,
  cose,
  isoCBOR,
} from '@simplewebauthn/server/helpers';
import { createHash } from 'node:crypto';
import { checkAuthenticatorPolicy } from '../attestation/check-authenticator.js';
import type { DomainDeps } from '../deps.js';
import { toBase64Url } from '../encoding.js';
import { ceremonyOrigins, pageOrigins } from '../apps/app-origins.js';
import { PasskeydError, isPasskeydError } from '../errors.js';
import { eventOrigin } from '../events.js';
import { newNonce } from '../nonces.js';
import { isIdOf, newId } from '../secrets.js';
import { bodyTransactionOf } from '../handshakes.js';
import type { App, Credential, RequestMeta } from '../types.js';
import { SUPPORTED_ALGORITHMS } from './cose-key.js';
import {
  checkClientData,
  claimedChallenge,
  credentialIdOf,
  decodeField,
  parseClientData,
  transportsOf,
  type RawCredentialResponse,
} from './webauthn-response.js';

export interface FinishRegistrationInput {
  handshakeId: string;
  response: RawCredentialResponse;
  transactionId?: string;
  meta: RequestMeta;
}

/**
 * F2. Our own pre-checks give each failure its own error code; SimpleWebAuthn then runs the full
 * §7.1 verification including attestation, and anything it still rejects is
 * `webauthn_registration_failed`. The response is verified first, against the challenge it
 * claims, with no database access; then one storage statement (storage.ceremonies) consumes the
 * handshake, requires that challenge to be its own, makes the checks that need the transaction
 * and handshake (UP unless conditional create, UV) and stores everything. A response refused
 * before that still consumes the handshake, in one statement that also says whether a handshake
 * or transaction error comes first, as when those were checked first.
 */
export async function finishRegistration(
  app: App,
  input: FinishRegistrationInput,
  deps: DomainDeps,
  log?: (msg: string, err: unknown) => void,
): Promise<{ nonce: string; credential: Credential }> {
  const now = deps.clock.now();
  if (!isIdOf('hs', input.handshakeId)) throw new PasskeydError('handshake_not_found');
  const bodyTransactionId = bodyTransactionOf(input.transactionId);
  const refuse = async (
    err: PasskeydError,
    event?: { type: 'passkey_register_refused'; detail: string },
  ): Promise<never> => {
    const code = await deps.storage.ceremonies.abandonFinish({
      appId: app.id,
      kind: 'register',
      handshakeId: input.handshakeId,
      bodyTransactionId,
      code: err.code,
      event: { ...eventOrigin(now, input.meta), ...event },
      now,
    });
    throw code === err.code ? err : new PasskeydError(code);
  };

  let verified: Awaited<ReturnType<typeof verifyAttestationResponse>>;
  try {
    verified = await verifyAttestationResponse(app, input.response, deps, log);
  } catch (err) {
    if (isPasskeydError(err)) await refuse(err);
    throw err;
  }
  const { credential, authData, info, fmt, x5c, challenge } = verified;

  // The app's authenticator policy, on an attestation statement SimpleWebAuthn has verified. A
  // refused registration leaves the transaction live: the user may try another authenticator.
  const refusal = await checkAuthenticatorPolicy(
    app,
    { aaguid: info.aaguid, fmt, x5c },
    deps.storage,
  );
  if (refusal) {
    await refuse(
      new PasskeydError(
        'authenticator_not_allowed',
        `This app's authenticator policy refuses this authenticator (AAGUID ${info.aaguid}: ${refusal.replaceAll('_', ' ')}).`,
        { details: { aaguid: info.aaguid, reason: refusal } },
      ),
      { type: 'passkey_register_refused', detail: `aaguid ${info.aaguid}: ${refusal}` },
    );
  }

  const nonce = newNonce(now, deps.settings.nonceTtlSeconds);
  const r = await deps.storage.ceremonies.completeRegistration({
    appId: app.id,
    handshakeId: input.handshakeId,
    bodyTransactionId,
    challenge,
    userPresent: authData.flags.up,
    userVerified: authData.flags.uv,
    appRequiresUserVerification: app.userVerification === 'required',
    credential,
    nonce: nonce.stored,
    event: eventOrigin(now, input.meta),
    now,
  });
  if (!r.ok) throw new PasskeydError(r.reason);
  return { nonce: nonce.value, credential: r.credential };
}

/** §7.1 on the response alone: everything that needs neither the handshake nor the transaction. */
async function verifyAttestationResponse(
  app: App,
  r: RawCredentialResponse,
  deps: DomainDeps,
  log?: (msg: string, err: unknown) => void,
) {
  const now = deps.clock.now();
  const credentialId = credentialIdOf(r);
  const clientDataJSON = decodeField(r.response.clientDataJSON, 'clientDataJSON');
  const attestationObject = decodeField(r.response.attestationObject, 'attestationObject');
  const clientData = parseClientData(clientDataJSON);
  const challenge = claimedChallenge(clientData);
  checkClientData(clientData, {
    type: 'webauthn.create',
    challenge,
    origins: ceremonyOrigins(app),
    topOrigins: pageOrigins(app),
  });

  let authData: ReturnType<typeof parseAuthenticatorData>;
  let fmt: string;
  let x5c: Uint8Array<ArrayBuffer>[] | undefined;
  let trailing: number;
  try {
    const att = decodeAttestationObject(attestationObject);
    // §7.1 "Perform CBOR decoding on the attestationObject": it is one CBOR map (§6.5.4), and
    // decodeFirst ignores whatever follows it. The authenticator's CBOR is canonical (CTAP2), and
    // SimpleWebAuthn's encoder keeps canonical items the same length, so a re-encoding shorter
    // than the input means bytes after the map.
    trailing =
      attestationObject.length -
      isoCBOR.encode(att as unknown as Parameters<typeof isoCBOR.encode>[0]).length;
    fmt = String(att.get('fmt'));
    const chain: unknown = att.get('attStmt')?.get('x5c');
    x5c = Array.isArray(chain) ? (chain as Uint8Array<ArrayBuffer>[]) : undefined;
    authData = parseAuthenticatorData(att.get('authData'));
  } catch (cause) {
    throw new PasskeydError(
      'malformed_response',
      'attestationObject is truncated or not valid CBOR.',
      { cause },
    );
  }
  if (trailing !== 0) {
    throw new PasskeydError(
      'malformed_response',
      'attestationObject has bytes after its CBOR map, or is not canonical CBOR.',
      { details: { field: 'attestationObject' } },
    );
  }
  if (!createHash('sha256').update(app.rpId).digest().equals(authData.rpIdHash))
    throw new PasskeydError('rp_id_mismatch');
  // WebAuthn L3 §7.1 step 14: "If options.mediation is not set to conditional, verify that the
  // UP bit of the flags in authData is set." Conditional create makes a passkey without a
  // gesture; only a transaction the app made for that (B1 `mediation`) may skip the check, so
  // an attacker cannot register a presence-less passkey on an ordinary sign-up. That and UV
  // (the handshake's policy) are checked by the storage statement, which has the transaction.
  if (!authData.credentialID || !authData.credentialPublicKey) {
    throw new PasskeydError(
      'malformed_response',
      'authenticatorData carries no attested credential.',
    );
  }
  if (toBase64Url(authData.credentialID) !== credentialId) {
    throw new PasskeydError(
      'malformed_response',
      'rawId does not match the attested credential id.',
    );
  }
  // §7.1: "Verify that the credentialId is ≤ 1023 bytes. Credential IDs larger than this many
  // bytes SHOULD cause the RP to fail this registration ceremony." Import refuses them too.
  if (authData.credentialID.length > 1023) {
    throw new PasskeydError(
      'credential_id_too_long',
      `The credential id has ${authData.credentialID.length} bytes; at most 1023 are allowed.`,
    );
  }
  let alg: unknown;
  try {
    alg = decodeCredentialPublicKey(authData.credentialPublicKey).get(cose.COSEKEYS.alg);
  } catch (cause) {
    throw new PasskeydError('malformed_response', 'The credential public key is not valid CBOR.', {
      cause,
    });
  }
  if (!SUPPORTED_ALGORITHMS.includes(alg as (typeof SUPPORTED_ALGORITHMS)[number])) {
    throw new PasskeydError(
      'unsupported_algorithm',
      `COSE algorithm ${String(alg)} is not supported; use ES256, EdDSA or RS256.`,
    );
  }
  const publicKey = toBase64Url(authData.credentialPublicKey);
  // Import now so an unusable key fails registration rather than the first sign-in; it also
  // warms the cache for that sign-in.
  deps.keyCache.get(`${app.id}:${credentialId}`, publicKey);

  const swaResponse: RegistrationResponseJSON = {
    id: credentialId,
    rawId: credentialId,
    type: 'public-key',
    response: {
      clientDataJSON: toBase64Url(clientDataJSON),
      attestationObject: toBase64Url(attestationObject),
      transports: transportsOf(r) as RegistrationResponseJSON['response']['transports'],
    },
    clientExtensionResults: {},
  };
  let info;
  try {
    const verification = await verifyRegistrationResponse({
      response: swaResponse,
      expectedChallenge: challenge,
      expectedOrigin: ceremonyOrigins(app),
      expectedRPID: app.rpId,
      // Both flags are checked by the storage statement (above).
      requireUserPresence: false,
      requireUserVerification: false,
      supportedAlgorithmIDs: [...SUPPORTED_ALGORITHMS],
    });
    if (!verification.verified)
      throw new Error('verifyRegistrationResponse returned verified: false');
    info = verification.registrationInfo;
  } catch (cause) {
    if (isPasskeydError(cause)) throw cause;
    log?.('registration verification failed', cause);
    throw new PasskeydError('webauthn_registration_failed', undefined, { cause });
  }

  const credential: Omit<Credential, 'userId' | 'friendlyName'> = {
    id: newId('dev'),
    appId: app.id,
    credentialId,
    publicKey,
    alg: alg as number,
    signCount: info.credential.counter,
    transports: transportsOf(r),
    aaguid: info.aaguid,
    backupEligible: authData.flags.be,
    backedUp: authData.flags.bs,
    attestationFormat: fmt,
    createdAt: now,
    updatedAt: now,
    lastUsedAt: null,
    usageCount: 0,
  };
  return { credential, authData, info, fmt, x5c, challenge };
}
