import { createHash } from 'node:crypto';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import type { DomainDeps } from '../deps.js';
import { decodeBase64Any } from '../encoding.js';
import { ceremonyOrigins, pageOrigins } from '../apps/app-origins.js';
import { PasskeydError, isPasskeydError } from '../errors.js';
import { recordEvent } from '../events.js';
import {
  consumeHandshake,
  transactionOfHandshake,
  userVerificationRequired,
} from '../handshakes.js';
import { issueNonce } from '../nonces.js';
import { consumeTransaction, loadLiveTransaction } from '../transactions.js';
import type { App, Credential, EventType, Handshake, RequestMeta, User } from '../types.js';
import { assertUserActive } from '../users.js';
import { verifyAssertion, type VerifiedAssertion } from './verify-assertion.js';
import {
  checkClientData,
  credentialIdOf,
  decodeField,
  parseClientData,
  type RawCredentialResponse,
} from './webauthn-response.js';
import { toSimpleWebAuthnAssertion } from './simplewebauthn-assertion.js';

export interface FinishAuthenticationInput {
  handshakeId: string;
  response: RawCredentialResponse;
  transactionId?: string;
  meta: RequestMeta;
}

const rpIdHashes = new Map<string, Buffer>();
function rpIdHashOf(rpId: string): Buffer {
  let h = rpIdHashes.get(rpId);
  if (!h) {
    h = createHash('sha256').update(rpId).digest();
    if (rpIdHashes.size > 10_000) rpIdHashes.clear();
    rpIdHashes.set(rpId, h);
  }
  return h;
}

/** Set by passkey import (portability/import-passkeys.ts): no attestation came along. */
const isImported = (c: Credential) => c.attestationFormat === 'imported';

/** Failures worth their own event type (a possible cloned or swapped authenticator). */
const OWN_EVENT: Record<string, EventType> = {
  counter_regression: 'counter_regression',
  backup_eligibility_changed: 'backup_eligibility_changed',
};

/**
 * §7.2 steps 5-9 for the credential and its owner, then the assertion checks
 * (verify-assertion.ts), then what needs the stored passkey or user (backup eligibility, the
 * user's status), then the writes in one database transaction.
 */
export async function finishAuthentication(
  app: App,
  input: FinishAuthenticationInput,
  deps: DomainDeps,
  log?: (msg: string, err: unknown) => void,
): Promise<{ nonce: string; user: User; credential: Credential }> {
  const now = deps.clock.now();
  const handshake = await consumeHandshake(
    deps.storage,
    app.id,
    input.handshakeId,
    'authenticate',
    now,
  );
  const transactionId = transactionOfHandshake(handshake, input.transactionId);
  const txUser = transactionId
    ? (await loadLiveTransaction(deps.storage, app.id, transactionId, 'authenticate', now)).user
    : undefined;

  // Step 5-6: the credential must be registered in this app (unknown or revoked otherwise) and,
  // with a transaction, belong to that transaction's user. Found by credential id, never by
  // userHandle, which Passage's SDK may send as "" (passage-wire.md §6.3).
  const credentialId = credentialIdOf(input.response);
  const credential = await deps.storage.credentials.findByCredentialId(app.id, credentialId);
  if (!credential) {
    await recordEvent(deps.storage, {
      appId: app.id,
      userId: txUser?.id ?? null,
      externalId: txUser?.externalId ?? null,
      type: 'passkey_login_failed',
      detail: 'credential_not_found',
      meta: input.meta,
      now,
    });
    throw new PasskeydError('credential_not_found');
  }
  // The external id is known once the credential's user is (on a transaction's own user, or
  // after the lookup below); for a credential of another user than the transaction's it is not.
  let externalId: string | null =
    txUser && credential.userId === txUser.id ? txUser.externalId : null;
  const failed = async (code: string) =>
    recordEvent(deps.storage, {
      appId: app.id,
      userId: credential.userId,
      externalId,
      type: OWN_EVENT[code] ?? 'passkey_login_failed',
      credentialId: credential.id,
      detail: code,
      meta: input.meta,
      now,
    });
  if (txUser && credential.userId !== txUser.id) {
    await failed('credential_not_allowed');
    throw new PasskeydError('credential_not_allowed');
  }
  const user = txUser ?? (await deps.storage.users.get(app.id, credential.userId));
  if (!user) throw new PasskeydError('credential_not_found');
  externalId = user.externalId;

  const requireUserVerification = userVerificationRequired(handshake, app);
  let verified: VerifiedAssertion;
  try {
    // Step 6 (second half): a returned userHandle must be the owner's.
    checkUserHandle(input.response.response.userHandle, user);
    verified =
      deps.settings.verifier === 'lean'
        ? verifyAssertion(
            input.response,
            {
              ...deps.keyCache.get(`${app.id}:${credentialId}`, credential.publicKey),
              signCount: credential.signCount,
            },
            {
              challenge: handshake.challenge,
              origins: ceremonyOrigins(app),
              topOrigins: pageOrigins(app),
              rpIdHash: rpIdHashOf(app.rpId),
              requireUserVerification,
            },
          )
        : await verifyWithSimpleWebAuthn(
            input.response,
            credential,
            app,
            handshake,
            requireUserVerification,
            log,
          );
    // §7.2: "If credentialRecord.backupEligible is set, verify that currentBe is set. If
    // credentialRecord.backupEligible is not set, verify that currentBe is not set." BE is fixed
    // when the credential is made (§6.1.3), so a change means another or a broken authenticator.
    // Checked here, after the signature, so a forgery is never reported as a changed passkey.
    // An imported passkey's BE is the old service's claim (or the import's default, false), not
    // a flag passkeyd saw signed; refusing on it would lock migrated users out over a missing
    // column, so the authenticator's signed flag replaces it instead (recordUse below).
    if (verified.backupEligible !== credential.backupEligible && !isImported(credential)) {
      throw new PasskeydError(
        'backup_eligibility_changed',
        `The passkey was registered ${credential.backupEligible ? 'with' : 'without'} backup eligibility and now signs in ${verified.backupEligible ? 'with' : 'without'} it.`,
      );
    }
    // Found from the credential on a discoverable sign-in, so only checked now; after the
    // signature, so the status is told only to the passkey's holder.
    assertUserActive(user);
  } catch (e) {
    if (isPasskeydError(e)) await failed(e.code);
    throw e;
  }

  return deps.storage.transaction(async (tx) => {
    if (transactionId) await consumeTransaction(tx, app.id, transactionId, 'authenticate', now);
    // The counter check in verifyAssertion read a value that a concurrent sign-in may have moved
    // since; recordUse re-checks it in its UPDATE, so exactly one of two racing replays wins.
    const moved = await tx.credentials.recordUse(app.id, credential.id, {
      signCount: verified.signCount,
      backedUp: verified.backedUp,
      ...(isImported(credential) ? { backupEligible: verified.backupEligible } : {}),
      now,
    });
    if (!moved) throw new PasskeydError('counter_regression');
    await tx.users.recordLogin(app.id, user.id, now);
    const nonce = await issueNonce(tx, {
      user,
      kind: 'authenticate',
      proof: {
        credential,
        transactionId,
        userVerified: verified.userVerified,
        backedUp: verified.backedUp,
      },
      now,
      ttlSeconds: deps.settings.nonceTtlSeconds,
    });
    await recordEvent(tx, {
      appId: app.id,
      userId: user.id,
      externalId: user.externalId,
      type: 'passkey_login',
      credentialId: credential.id,
      meta: input.meta,
      now,
    });
    return { nonce, user, credential };
  });
}

/**
 * An empty or absent handle is "not returned" (Passage's SDK sends "" for null). Besides the
 * handle bytes we accept the handle's own base64url text as UTF-8 bytes: the iOS Flex SDK stored
 * the `user.id` string undecoded (passage-wire.md §6.3).
 */
function checkUserHandle(handle: string | null | undefined, user: User): void {
  if (handle === undefined || handle === null || handle === '') return;
  const bytes = decodeBase64Any(handle);
  const asB64u = bytes ? Buffer.from(bytes).toString('base64url') : undefined;
  if (asB64u === user.webauthnUserId || handle === user.webauthnUserId) return;
  if (bytes && Buffer.from(bytes).toString('utf8') === user.webauthnUserId) return;
  throw new PasskeydError('user_handle_mismatch');
}

/** The reference path, for the benchmark's comparison: same inputs, SimpleWebAuthn verdict. */
async function verifyWithSimpleWebAuthn(
  response: RawCredentialResponse,
  credential: Credential,
  app: App,
  handshake: Handshake,
  requireUserVerification: boolean,
  log?: (msg: string, err: unknown) => void,
): Promise<VerifiedAssertion> {
  // Our client-data checks are stricter than SimpleWebAuthn's (crossOrigin without topOrigin,
  // a crossOrigin that is not a boolean); run them first so both verifiers refuse the same.
  checkClientData(
    parseClientData(decodeField(response.response.clientDataJSON, 'clientDataJSON')),
    {
      type: 'webauthn.get',
      challenge: handshake.challenge,
      origins: ceremonyOrigins(app),
      topOrigins: pageOrigins(app),
    },
  );
  try {
    const r = await verifyAuthenticationResponse({
      response: toSimpleWebAuthnAssertion(response),
      expectedChallenge: handshake.challenge,
      expectedOrigin: ceremonyOrigins(app),
      expectedTopOrigin: pageOrigins(app),
      expectedRPID: app.rpId,
      requireUserVerification,
      credential: {
        id: credential.credentialId,
        publicKey: decodeBase64Any(credential.publicKey)!,
        counter: credential.signCount,
      },
    });
    if (!r.verified) throw new PasskeydError('invalid_signature');
    const info = r.authenticationInfo;
    return {
      signCount: info.newCounter,
      userVerified: info.userVerified,
      backupEligible: info.credentialDeviceType === 'multiDevice',
      backedUp: info.credentialBackedUp,
    };
  } catch (e) {
    if (isPasskeydError(e)) throw e;
    log?.('authentication verification failed', e);
    throw new PasskeydError('webauthn_login_failed', undefined, { cause: e });
  }
}
