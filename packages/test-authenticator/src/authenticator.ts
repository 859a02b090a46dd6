import { randomBytes, randomInt } from 'node:crypto';
import { buildAssertionResponse } from './assertion.js';
import { FLAGS, aaguidFromUuid } from './authenticator-data.js';
import {
  bytesEqual,
  bytesFrom,
  decodeBase64Tolerant,
  toBase64,
  toBase64Url,
  toBytes,
} from './bytes.js';
import { algFromCose } from './cose.js';
import { webAuthnError } from './errors.js';
import { generateCredentialKey, importCredentialKey } from './keys.js';
import { buildRegistrationResponse } from './registration.js';
import type {
  Alg,
  AuthenticationResponseJSON,
  CdpCredential,
  CreateCredentialContext,
  CreationOptionsJSON,
  GetAssertionContext,
  ImportCredentialInput,
  RegistrationResponseJSON,
  RequestOptionsJSON,
  StoredCredential,
  TestAuthenticatorOptions,
} from './types.js';

/** Options as the server returns them: bare, or wrapped like `navigator.credentials` takes them. */
type MaybeWrapped<T> = T | { publicKey: T };

function unwrap<T extends object>(options: MaybeWrapped<T>): T {
  return 'publicKey' in options ? options.publicKey : options;
}

/**
 * The RP ID a browser would use for `origin`, rejecting (like a browser) one that is not the
 * origin's host or a parent domain of it.
 */
function resolveRpId(rpId: string | undefined, origin: string): string {
  const host = new URL(origin).hostname;
  const id = rpId ?? host;
  if (host !== id && !host.endsWith(`.${id}`)) {
    throw webAuthnError('SecurityError', `RP ID "${id}" is not valid for origin ${origin}`);
  }
  return id;
}

function chooseAlg(params: CreationOptionsJSON['pubKeyCredParams']): Alg {
  // An empty list means "ES256 or RS256" per spec.
  if (!params || params.length === 0) return 'ES256';
  for (const param of params) {
    const alg = param.type === 'public-key' ? algFromCose(param.alg) : undefined;
    if (alg) return alg;
  }
  const offered = params.map((p) => p.alg).join(', ');
  throw webAuthnError(
    'NotSupportedError',
    `none of the offered algorithms (${offered}) is supported`,
  );
}

const ATTESTING_CONVEYANCE = new Set(['direct', 'indirect', 'enterprise']);

function snapshot(credential: StoredCredential): StoredCredential {
  return { ...credential };
}

/**
 * A software passkey provider plus the browser-side WebAuthn client in front of it. Every
 * credential is discoverable and lives in memory only; use one instance per simulated device.
 */
export class TestAuthenticator {
  readonly #credentials: StoredCredential[] = [];
  readonly #aaguid: Uint8Array;
  readonly #flags: number;
  readonly #transports: string[];
  readonly #counterStep: number;
  readonly #attestationCertificate: TestAuthenticatorOptions['attestationCertificate'];

  constructor(opts: TestAuthenticatorOptions = {}) {
    this.#aaguid = aaguidFromUuid(opts.aaguid ?? '00000000-0000-0000-0000-000000000000');
    const backupEligible = opts.backupEligible ?? true;
    const backupState = opts.backupState ?? backupEligible;
    this.#flags =
      FLAGS.UP |
      ((opts.userVerifying ?? true) ? FLAGS.UV : 0) |
      (backupEligible ? FLAGS.BE : 0) |
      (backupState ? FLAGS.BS : 0);
    this.#transports = [...(opts.transports ?? ['internal', 'hybrid'])];
    this.#counterStep = opts.counterStep ?? 1;
    this.#attestationCertificate = opts.attestationCertificate;
    if (!Number.isInteger(this.#counterStep) || this.#counterStep < 0) {
      throw new RangeError('counterStep must be a non-negative integer');
    }
  }

  /**
   * `navigator.credentials.create({ publicKey: options })` followed by `toJSON()`.
   *
   * Throws a DOMException named `InvalidStateError` when `excludeCredentials` lists one of this
   * authenticator's credentials for the RP, `NotSupportedError` when no offered algorithm is
   * supported, `SecurityError` when the RP ID does not fit the origin.
   */
  createCredential(
    options: MaybeWrapped<CreationOptionsJSON>,
    ctx: CreateCredentialContext,
  ): RegistrationResponseJSON {
    const publicKey = unwrap(options);
    const rpId = resolveRpId(publicKey.rp.id, ctx.origin);
    for (const descriptor of publicKey.excludeCredentials ?? []) {
      const excluded = decodeBase64Tolerant(descriptor.id, 'excludeCredentials[].id');
      if (this.#find(rpId, excluded)) {
        throw webAuthnError(
          'InvalidStateError',
          'the authenticator already holds an excluded credential',
        );
      }
    }
    if (ctx.key && ctx.alg && ctx.key.alg !== ctx.alg) {
      throw new TypeError(`ctx.key is a ${ctx.key.alg} key but ctx.alg is ${ctx.alg}`);
    }
    const key = ctx.key ?? generateCredentialKey(ctx.alg ?? chooseAlg(publicKey.pubKeyCredParams));
    const userHandle = decodeBase64Tolerant(publicKey.user.id, 'user.id');
    // Real providers use 16–32 byte IDs; varying the length exercises servers' handling of it.
    const rawId = ctx.credentialId
      ? toBytes(new Uint8Array(ctx.credentialId))
      : toBytes(randomBytes(randomInt(16, 33)));
    const tamper = ctx.tamper ?? {};

    const response = buildRegistrationResponse({
      options: publicKey,
      origin: ctx.origin,
      rpId,
      key,
      credentialId: rawId,
      aaguid: this.#aaguid,
      flags: this.#flagsWith(tamper),
      transports: this.#transports,
      attestation:
        ctx.attestation ??
        (ATTESTING_CONVEYANCE.has(publicKey.attestation ?? '') ? 'packed' : 'none'),
      attestationCertificate: this.#attestationCertificate,
      tamper,
    });
    this.#credentials.push({
      id: toBase64Url(rawId),
      rawId,
      alg: key.alg,
      rpId,
      userHandle,
      signCount: 0,
      privateKey: key.privateKey,
      privateKeyPkcs8: key.privateKeyPkcs8,
      publicKeyCose: key.publicKeyCose,
    });
    return response;
  }

  /**
   * `navigator.credentials.get({ publicKey: options })` followed by `toJSON()`.
   *
   * Uses the credential for the RP ID that is listed in `allowCredentials` (any, when empty) and
   * equals `ctx.credentialId` when given; among several, the most recently added one. Throws a
   * DOMException named `NotAllowedError` when there is none. Advances that credential's counter
   * by `counterStep`.
   */
  getAssertion(
    options: MaybeWrapped<RequestOptionsJSON>,
    ctx: GetAssertionContext,
  ): AuthenticationResponseJSON {
    const publicKey = unwrap(options);
    const rpId = resolveRpId(publicKey.rpId, ctx.origin);
    const allowed = (publicKey.allowCredentials ?? []).map((d) =>
      decodeBase64Tolerant(d.id, 'allowCredentials[].id'),
    );
    const wanted = ctx.credentialId && decodeBase64Tolerant(ctx.credentialId, 'credentialId');
    const candidates = this.#credentials.filter(
      (c) =>
        c.rpId === rpId &&
        (allowed.length === 0 || allowed.some((id) => bytesEqual(id, c.rawId))) &&
        (!wanted || bytesEqual(wanted, c.rawId)),
    );
    const credential = candidates.at(-1);
    if (!credential) {
      throw webAuthnError('NotAllowedError', `no matching credential for RP ID "${rpId}"`);
    }
    const signCount = credential.signCount + this.#counterStep;
    const tamper = ctx.tamper ?? {};
    const response = buildAssertionResponse({
      options: publicKey,
      origin: ctx.origin,
      credential,
      flags: this.#flagsWith(tamper),
      signCount,
      tamper,
    });
    credential.signCount = signCount;
    return response;
  }

  /** Snapshots of the credentials held, oldest first. */
  credentials(): StoredCredential[] {
    return this.#credentials.map(snapshot);
  }

  /**
   * Adds a credential made elsewhere (a CDP virtual authenticator's `WebAuthn.getCredentials`
   * output fits as is). Replaces a credential with the same ID and RP ID.
   */
  importCredential(input: ImportCredentialInput): StoredCredential {
    const key = importCredentialKey(
      typeof input.privateKey === 'string'
        ? decodeBase64Tolerant(input.privateKey, 'privateKey')
        : input.privateKey,
      input.alg,
    );
    const rawId = bytesFrom(input.credentialId, 'credentialId').slice();
    const signCount = input.signCount ?? 0;
    if (!Number.isInteger(signCount) || signCount < 0 || signCount > 0xffffffff) {
      throw new RangeError(`signCount must be a uint32, got ${signCount}`);
    }
    const credential: StoredCredential = {
      id: toBase64Url(rawId),
      rawId,
      alg: key.alg,
      rpId: input.rpId,
      userHandle: bytesFrom(input.userHandle, 'userHandle').slice(),
      signCount,
      privateKey: key.privateKey,
      privateKeyPkcs8: key.privateKeyPkcs8,
      publicKeyCose: key.publicKeyCose,
    };
    const existing = this.#find(input.rpId, rawId);
    if (existing) this.#credentials.splice(this.#credentials.indexOf(existing), 1);
    this.#credentials.push(credential);
    return snapshot(credential);
  }

  /**
   * A credential in the shape CDP `WebAuthn.addCredential` takes, to put it into a browser's
   * virtual authenticator. `id` is base64url (standard base64 accepted).
   */
  exportForCdp(id: string): CdpCredential {
    const rawId = decodeBase64Tolerant(id, 'id');
    const credential = this.#credentials.find((c) => bytesEqual(c.rawId, rawId));
    if (!credential) throw new Error(`no credential with ID ${id}`);
    return {
      credentialId: toBase64(credential.rawId),
      isResidentCredential: true,
      rpId: credential.rpId,
      privateKey: toBase64(credential.privateKeyPkcs8),
      userHandle: toBase64(credential.userHandle),
      signCount: credential.signCount,
    };
  }

  #find(rpId: string, rawId: Uint8Array): StoredCredential | undefined {
    return this.#credentials.find((c) => c.rpId === rpId && bytesEqual(c.rawId, rawId));
  }

  #flagsWith(tamper: {
    clearUserPresent?: boolean;
    clearUserVerified?: boolean;
    backupEligible?: boolean;
    backupState?: boolean;
  }): number {
    let flags = this.#flags;
    if (tamper.clearUserPresent) flags &= ~FLAGS.UP;
    if (tamper.clearUserVerified) flags &= ~FLAGS.UV;
    if (tamper.backupEligible !== undefined)
      flags = tamper.backupEligible ? flags | FLAGS.BE : flags & ~FLAGS.BE;
    if (tamper.backupState !== undefined)
      flags = tamper.backupState ? flags | FLAGS.BS : flags & ~FLAGS.BS;
    return flags;
  }
}
