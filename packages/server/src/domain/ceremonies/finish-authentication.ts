import { createHash } from 'node:crypto';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import type { DomainDeps } from '../deps.js';
import { decodeBase64Any } from '../encoding.js';
import { ceremonyOrigins, pageOrigins } from '../apps/app-origins.js';
import { PasskeydError, isPasskeydError } from '../errors.js';
import { eventOrigin } from '../events.js';
import { newNonce } from '../nonces.js';
import { isIdOf } from '../secrets.js';
import { bodyTransactionOf } from '../handshakes.js';
import type { App, Credential, RequestMeta, User } from '../types.js';
import { verifyAssertion, type VerifiedAssertion } from './verify-assertion.js';
import {
  checkClientData,
  claimedChallenge,
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

/**
 * §7.2 in two halves. First the assertion alone, with no database access: the credential's
 * public key comes from this node's key cache (public keys never change; on a miss it is read
 * once), and the challenge is the one clientDataJSON claims. Then one storage statement
 * (storage.ceremonies.completeSignIn) consumes the handshake, confirms the key is still the
 * stored passkey's and the challenge the handshake's, makes every check that needs stored state
 * (steps 5-6: owner, userHandle; UV policy, step 22 counter, backup eligibility, the user's
 * status) and does the writes. So the cache is never trusted: a revoked passkey is refused by
 * the statement on every node. A response refused in the first half still consumes the
 * handshake and records passkey_login_failed (abandonFinish), one statement too.
 */
export async function finishAuthentication(
  app: App,
  input: FinishAuthenticationInput,
  deps: DomainDeps,
  log?: (msg: string, err: unknown) => void,
): Promise<{
  nonce: string;
  user: Pick<User, 'id' | 'appId' | 'externalId'>;
  credential: Credential;
}> {
  const now = deps.clock.now();
  if (!isIdOf('hs', input.handshakeId)) throw new PasskeydError('handshake_not_found');
  const bodyTransactionId = bodyTransactionOf(input.transactionId);
  // Step 6 (second half): a returned userHandle must be the owner's; checked by the statement.
  const userHandles = acceptedUserHandles(input.response.response.userHandle);
  let credentialId: string | undefined;
  const refuse = async (err: PasskeydError): Promise<never> => {
    const code = await deps.storage.ceremonies.abandonFinish({
      appId: app.id,
      kind: 'authenticate',
      handshakeId: input.handshakeId,
      bodyTransactionId,
      code: err.code,
      // Undefined when the response names no credential (malformed): its own error then stands.
      credentialId,
      userHandles,
      event: eventOrigin(now, input.meta),
      now,
    });
    throw code === err.code ? err : new PasskeydError(code);
  };

  let verified: VerifiedAssertion & { challenge: string };
  let publicKey: string;
  try {
    // Found by credential id, never by userHandle, which Passage's SDK may send as ""
    // (passage-wire.md §6.3).
    credentialId = credentialIdOf(input.response);
    const known = await knownKey(app, credentialId, deps);
    if (!known) throw new PasskeydError('credential_not_found');
    publicKey = known.publicKey;
    const challenge = claimedChallenge(
      parseClientData(decodeField(input.response.response.clientDataJSON, 'clientDataJSON')),
    );
    verified = {
      challenge,
      ...(deps.settings.verifier === 'lean'
        ? verifyAssertion(
            input.response,
            // The counter is checked against the stored one by the statement.
            { key: known.key, alg: known.alg, signCount: 0 },
            {
              challenge,
              origins: ceremonyOrigins(app),
              topOrigins: pageOrigins(app),
              rpIdHash: rpIdHashOf(app.rpId),
              requireUserVerification: false,
            },
          )
        : await verifyWithSimpleWebAuthn(
            input.response,
            credentialId,
            publicKey,
            app,
            challenge,
            log,
          )),
    };
  } catch (e) {
    if (isPasskeydError(e)) await refuse(e);
    throw e;
  }

  const nonce = newNonce(now, deps.settings.nonceTtlSeconds);
  const r = await deps.storage.ceremonies.completeSignIn({
    appId: app.id,
    handshakeId: input.handshakeId,
    bodyTransactionId,
    challenge: verified.challenge,
    credentialId,
    publicKey,
    userHandles,
    // §7.2: "If credentialRecord.backupEligible is set, verify that currentBe is set. If
    // credentialRecord.backupEligible is not set, verify that currentBe is not set." BE is fixed
    // when the credential is made (§6.1.3), so a change means another or a broken authenticator.
    // An imported passkey's BE is the old service's claim (or the import's default, false), not
    // a flag passkeyd saw signed; refusing on it would lock migrated users out over a missing
    // column, so the statement replaces it with the authenticator's signed flag instead.
    backupEligible: verified.backupEligible,
    backedUp: verified.backedUp,
    signCount: verified.signCount,
    userVerified: verified.userVerified,
    appRequiresUserVerification: app.userVerification === 'required',
    nonce: nonce.stored,
    event: eventOrigin(now, input.meta),
    now,
  });
  if (!r.ok) {
    // The reference verifier answers as SimpleWebAuthn would have, which refuses a missing UV
    // flag itself (webauthn_login_failed); the benchmark compares the two verifiers' verdicts.
    if (r.reason === 'user_verification_required' && deps.settings.verifier === 'simplewebauthn')
      throw new PasskeydError('webauthn_login_failed');
    // The passkey was deleted (or re-imported with another key) since this node cached its key.
    if (r.reason === 'credential_not_found') deps.keyCache.delete(`${app.id}:${credentialId}`);
    throw new PasskeydError(r.reason);
  }
  return { nonce: nonce.value, user: r.user, credential: r.credential };
}

/**
 * The credential's public key, imported: from this node's cache, else read once (a passkey this
 * node has not seen since it started). What the cache says is only a hint: the completing
 * statement refuses the sign-in unless the stored passkey still has this key.
 */
async function knownKey(app: App, credentialId: string, deps: DomainDeps) {
  const cacheKey = `${app.id}:${credentialId}`;
  const hit = deps.keyCache.peek(cacheKey);
  if (hit) return hit;
  const stored = await deps.storage.credentials.findByCredentialId(app.id, credentialId);
  if (!stored) return undefined;
  return { publicKey: stored.publicKey, ...deps.keyCache.get(cacheKey, stored.publicKey) };
}

/**
 * The forms of the returned userHandle that name the owner; null when none was returned (an
 * empty or absent handle: Passage's SDK sends "" for null). Besides the handle bytes we accept
 * the handle's own base64url text as UTF-8 bytes: the iOS Flex SDK stored the `user.id` string
 * undecoded (passage-wire.md §6.3).
 */
function acceptedUserHandles(handle: string | null | undefined): string[] | null {
  if (handle === undefined || handle === null || handle === '') return null;
  const bytes = decodeBase64Any(handle);
  const forms = [handle];
  if (bytes) {
    forms.push(Buffer.from(bytes).toString('base64url'), Buffer.from(bytes).toString('utf8'));
  }
  // A stored handle is base64url text, so a form with a NUL can match none, and PostgreSQL
  // refuses NUL in text parameters: random handle bytes decoded as UTF-8 often contain one.
  return forms.filter((f) => !f.includes('\u0000'));
}

/** The reference path, for the benchmark's comparison: same inputs, SimpleWebAuthn verdict. */
async function verifyWithSimpleWebAuthn(
  response: RawCredentialResponse,
  credentialId: string,
  publicKey: string,
  app: App,
  challenge: string,
  log?: (msg: string, err: unknown) => void,
): Promise<VerifiedAssertion> {
  // Our client-data checks are stricter than SimpleWebAuthn's (crossOrigin without topOrigin,
  // a crossOrigin that is not a boolean); run them first so both verifiers refuse the same.
  checkClientData(
    parseClientData(decodeField(response.response.clientDataJSON, 'clientDataJSON')),
    {
      type: 'webauthn.get',
      challenge,
      origins: ceremonyOrigins(app),
      topOrigins: pageOrigins(app),
    },
  );
  try {
    const r = await verifyAuthenticationResponse({
      response: toSimpleWebAuthnAssertion(response),
      expectedChallenge: challenge,
      expectedOrigin: ceremonyOrigins(app),
      expectedTopOrigin: pageOrigins(app),
      expectedRPID: app.rpId,
      // UV and the counter are checked against stored state by the storage statement.
      requireUserVerification: false,
      credential: {
        id: credentialId,
        publicKey: decodeBase64Any(publicKey)!,
        counter: 0,
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
