// Test-only: an `android-key` attestation statement (WebAuthn §8.4) as Android Keystore makes
// it: the credential key's own certificate, issued by the device's attestation key, with the
// key description extension whose attestationChallenge is clientDataHash; the credential key
// signs authData || clientDataHash. Schema: Android "Key and ID attestation", KeyDescription.
import {
  AuthorizationList,
  IntegerSet,
  KeyDescription,
  SecurityLevel,
  Version,
  id_ce_keyDescription,
} from '@peculiar/asn1-android';
import { AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import * as x509 from '@peculiar/x509';
import { sign } from 'node:crypto';
import { createCertificateFor, type TestCa } from './attestation-fixtures.js';
import { sha256, type CBORValue, type StatementBuilder } from './attestation-statements.js';

/** Keymaster tag values (hardware/interfaces/keymaster/4.0/types.hal). */
const KM_PURPOSE_SIGN = 2;
const KM_ORIGIN_GENERATED = 0;
const KM_ALGORITHM_EC = 3;
const KM_EC_CURVE_P256 = 1;

export interface AndroidKeyOptions {
  /** The attestation key's certificate authority (a phone's batch or per-device key). */
  issuer: TestCa;
  /** Certificates after the leaf, up to and including the root: Android sends the whole path. */
  chain: TestCa[];
  /** Challenge = SHA-256(authData) instead of clientDataHash: another ceremony's certificate. */
  wrongChallenge?: boolean;
  /** Mark the key usable by every app ([600] allApplications), which WebAuthn §8.4.1 forbids. */
  allApplications?: boolean;
}

/** An `android-key` statement for an ES256 credential key. */
export function androidKeyStatement(opts: AndroidKeyOptions): StatementBuilder {
  return async ({ authData, clientDataHash, key }) => {
    const tee = new AuthorizationList({
      purpose: new IntegerSet([KM_PURPOSE_SIGN]),
      algorithm: KM_ALGORITHM_EC,
      keySize: 256,
      ecCurve: KM_EC_CURVE_P256,
      origin: KM_ORIGIN_GENERATED,
      ...(opts.allApplications ? { allApplications: null } : {}),
    });
    const description = new KeyDescription({
      attestationVersion: Version.KM4,
      attestationSecurityLevel: SecurityLevel.trustedEnvironment,
      keymasterVersion: 4,
      keymasterSecurityLevel: SecurityLevel.trustedEnvironment,
      attestationChallenge: new OctetString(
        opts.wrongChallenge ? sha256(authData) : clientDataHash,
      ),
      uniqueId: new OctetString(new Uint8Array()),
      softwareEnforced: new AuthorizationList({ creationDateTime: Date.now() }),
      teeEnforced: tee,
    });
    const leaf = await createCertificateFor(opts.issuer, key.publicKeySpki, {
      subject: 'CN=Android Keystore Key',
      extensions: [
        new x509.Extension(id_ce_keyDescription, false, AsnSerializer.serialize(description)),
      ],
    });
    const signed = Buffer.concat([authData, clientDataHash]);
    const attStmt = new Map<string, CBORValue>([
      ['alg', -7],
      ['sig', new Uint8Array(sign('sha256', signed, key.privateKey))],
      ['x5c', [leaf, ...opts.chain.map((c) => new Uint8Array(c.cert.rawData))]],
    ]);
    return { fmt: 'android-key', attStmt };
  };
}
