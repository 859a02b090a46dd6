import { createHash, verify, type KeyObject } from 'node:crypto';
import { parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { PasskeydError } from '../errors.js';
import {
  checkClientData,
  decodeField,
  parseClientData,
  type RawCredentialResponse,
} from './webauthn-response.js';

export interface AssertionExpectations {
  challenge: string;
  origins: readonly string[];
  /** Pages that may frame the ceremony (clientDataJSON.topOrigin); defaults to `origins`. */
  topOrigins?: readonly string[];
  /** SHA-256 of the app's RP ID, computed once per app. */
  rpIdHash: Buffer;
  requireUserVerification: boolean;
}

export interface AssertionCredential {
  key: KeyObject;
  alg: number;
  signCount: number;
}

export interface VerifiedAssertion {
  signCount: number;
  userVerified: boolean;
  backupEligible: boolean;
  backedUp: boolean;
}

/**
 * WebAuthn Level 3 §7.2 "Verifying an Authentication Assertion", the steps that concern the
 * assertion itself. Steps 1-9 (options, credential lookup, owner and userHandle checks) are the
 * caller's: finish-authentication.ts. This is the sign-in hot path: it parses with
 * SimpleWebAuthn's helpers but verifies with a KeyObject imported once per credential.
 * A differential test (verify-assertion.test.ts) holds its verdicts equal to
 * SimpleWebAuthn's verifyAuthenticationResponse, except where our client-data checks are
 * stricter (checkCrossOrigin), which the test pins as such.
 */
export function verifyAssertion(
  response: RawCredentialResponse,
  credential: AssertionCredential,
  expected: AssertionExpectations,
): VerifiedAssertion {
  // Steps 8-9 in part: decode the three byte fields.
  const clientDataJSON = decodeField(response.response.clientDataJSON, 'clientDataJSON');
  const authData = decodeField(response.response.authenticatorData, 'authenticatorData');
  const signature = decodeField(response.response.signature, 'signature');

  // Steps 10-13: parse clientDataJSON; type is webauthn.get; challenge and origin are ours.
  checkClientData(parseClientData(clientDataJSON), {
    type: 'webauthn.get',
    challenge: expected.challenge,
    origins: expected.origins,
    ...(expected.topOrigins ? { topOrigins: expected.topOrigins } : {}),
  });

  let parsed: ReturnType<typeof parseAuthenticatorData>;
  try {
    parsed = parseAuthenticatorData(authData);
  } catch (cause) {
    throw new PasskeydError('malformed_response', 'authenticatorData is truncated or malformed.', {
      cause,
    });
  }
  const { flags } = parsed;

  // Step 15: rpIdHash is SHA-256 of our RP ID, so the assertion was made for this app's domain.
  if (!expected.rpIdHash.equals(parsed.rpIdHash)) throw new PasskeydError('rp_id_mismatch');

  // Step 16: UP must be set: someone touched the authenticator.
  if (!flags.up) throw new PasskeydError('user_presence_required');

  // Step 17: UV only when the app's policy requires it.
  if (expected.requireUserVerification && !flags.uv) {
    throw new PasskeydError('user_verification_required');
  }

  // Step 18: BS without BE is an authenticator bug (§6.1 flags); refuse it as SimpleWebAuthn does.
  if (flags.bs && !flags.be) {
    throw new PasskeydError(
      'webauthn_login_failed',
      'The authenticator reported backup state without backup eligibility.',
    );
  }

  // Steps 19-21: verify the signature over authenticatorData || SHA-256(clientDataJSON).
  const clientDataHash = createHash('sha256').update(clientDataJSON).digest();
  const signed = Buffer.concat([authData, clientDataHash]);
  let valid: boolean;
  try {
    // ES256 signatures are ASN.1 DER (WebAuthn §6.5.6), node's default for EC keys; EdDSA takes
    // no digest; RS256 is PKCS#1 v1.5 with SHA-256, node's default padding for RSA keys.
    valid = verify(credential.alg === -8 ? null : 'sha256', signed, credential.key, signature);
  } catch {
    valid = false;
  }
  if (!valid) throw new PasskeydError('invalid_signature');

  // Step 22: the counter must grow unless both sides are 0 (authenticators without a counter,
  // such as synced passkeys). Checked after the signature so a forgery is never reported as a
  // cloned authenticator.
  if ((parsed.counter > 0 || credential.signCount > 0) && parsed.counter <= credential.signCount) {
    throw new PasskeydError(
      'counter_regression',
      `The sign counter went from ${credential.signCount} to ${parsed.counter}: this passkey may have been cloned.`,
    );
  }

  return {
    signCount: parsed.counter,
    userVerified: flags.uv,
    backupEligible: flags.be,
    backedUp: flags.bs,
  };
}
