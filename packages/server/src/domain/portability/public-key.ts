import { ECDH } from 'node:crypto';
import { decodeCredentialPublicKey, isoCBOR } from '@simplewebauthn/server/helpers';
import { importCosePublicKey } from '../ceremonies/cose-key.js';
import { decodeBase64Any, toBase64Url } from '../encoding.js';
import { PasskeydError, isPasskeydError } from '../errors.js';
import { isEd25519Point, isP256Point } from './curve-points.js';

/** A public key as an import record carries it: exactly one of the three forms. */
export interface PublicKeyInput {
  /** COSE_Key bytes (what WebAuthn's attestedCredentialData holds), base64url or base64. */
  cose?: unknown;
  /** SubjectPublicKeyInfo DER (base64url/base64) or PEM, as `response.getPublicKey()` gives. */
  spki?: unknown;
  /** A public JWK. */
  jwk?: unknown;
  /** COSE algorithm number or its JOSE name; required with spki and jwk, checked against COSE. */
  alg?: unknown;
}

const ALG_NAMES: Record<string, number> = { ES256: -7, EdDSA: -8, Ed25519: -8, RS256: -257 };
const KEY_TYPE_OF_ALG: Record<number, string> = {
  [-7]: 'EC P-256',
  [-8]: 'Ed25519',
  [-257]: 'RSA',
};

// COSE_Key labels and values (RFC 9052 §7, RFC 9053): kty 1, alg 3; EC2/OKP crv -1, x -2,
// y -3; RSA n -1, e -2. kty EC2 = 2, OKP = 1, RSA = 3; crv P-256 = 1, Ed25519 = 6.
const KTY = 1;
const ALG = 3;

const bad = (field: string, message: string) =>
  new PasskeydError('invalid_public_key', message, { details: { field } });

/** Normalises `alg` (number or JOSE name); undefined when absent. */
export function algorithmOf(alg: unknown): number | undefined {
  if (alg === undefined || alg === null || alg === '') return undefined;
  const n = typeof alg === 'string' && alg in ALG_NAMES ? ALG_NAMES[alg] : Number(alg);
  if (n === undefined || !(n in KEY_TYPE_OF_ALG)) {
    throw new PasskeydError(
      'unsupported_algorithm',
      `alg ${String(alg)} is not supported; use ES256 (-7), EdDSA (-8) or RS256 (-257).`,
      { details: { field: 'alg' } },
    );
  }
  return n;
}

/**
 * Turns any accepted form into the COSE_Key passkeyd stores, after proving that the key parses
 * and is of the kind its algorithm needs (an RSA key under ES256 would never verify a signature;
 * better refused at import than at the user's first sign-in).
 */
export function toCosePublicKey(input: PublicKeyInput): { publicKey: string; alg: number } {
  const given = [input.cose, input.spki, input.jwk].filter(
    (v) => v !== undefined && v !== null && v !== '',
  );
  if (given.length !== 1) {
    throw bad(
      'public_key_cose',
      'Give exactly one of public_key_cose, public_key_spki or public_key_jwk.',
    );
  }
  const alg = algorithmOf(input.alg);
  let cose: Uint8Array;
  let field: string;
  if (input.cose !== undefined && input.cose !== null && input.cose !== '') {
    field = 'public_key_cose';
    const bytes = typeof input.cose === 'string' ? decodeBase64Any(input.cose) : undefined;
    if (!bytes?.length) throw bad(field, 'public_key_cose is not base64url.');
    cose = bytes;
  } else {
    field =
      input.spki !== undefined && input.spki !== null && input.spki !== ''
        ? 'public_key_spki'
        : 'public_key_jwk';
    if (alg === undefined)
      throw bad('alg', `${field} needs alg (-7 ES256, -8 EdDSA or -257 RS256).`);
    const params =
      field === 'public_key_spki' ? spkiParams(input.spki, alg) : jwkParams(input.jwk, alg);
    cose = isoCBOR.encode(params);
  }
  const keyAlg = validateCoseKey(cose, field);
  if (alg !== undefined && alg !== keyAlg) {
    throw bad(
      'alg',
      `alg is ${alg} but the key is a ${KEY_TYPE_OF_ALG[keyAlg]} key for ${keyAlg}.`,
    );
  }
  return { publicKey: toBase64Url(cose), alg: keyAlg };
}

/**
 * The checks importCosePublicKey (the sign-in path) makes, plus that the point is on its curve,
 * so an imported key is one sign-in can use. EC keys are checked arithmetically (curve-points.ts:
 * a KeyObject per key would dominate a large import); RSA keys are cheap to import for real.
 */
function validateCoseKey(cose: Uint8Array, field: string): number {
  let m: Map<number, unknown>;
  try {
    m = decodeCredentialPublicKey(new Uint8Array(cose)) as unknown as Map<number, unknown>;
  } catch {
    throw bad(field, `${field} is not a CBOR COSE_Key.`);
  }
  if (!(m instanceof Map)) throw bad(field, `${field} is not a CBOR COSE_Key.`);
  const alg = m.get(ALG);
  const kty = m.get(KTY);
  const bytesAt = (label: number) =>
    m.get(label) instanceof Uint8Array ? (m.get(label) as Uint8Array) : new Uint8Array();
  if (alg === -7) {
    if (kty !== 2 || m.get(-1) !== 1 || !isP256Point(bytesAt(-2), bytesAt(-3)))
      throw bad(
        field,
        `${field} is not a P-256 public key (ES256 needs kty EC2, crv P-256 and a point on the curve).`,
      );
    return -7;
  }
  if (alg === -8) {
    if (kty !== 1 || m.get(-1) !== 6 || !isEd25519Point(bytesAt(-2)))
      throw bad(
        field,
        `${field} is not an Ed25519 public key (EdDSA needs kty OKP, crv Ed25519 and a point on the curve).`,
      );
    return -8;
  }
  if (alg === -257 && kty === 3) {
    try {
      importCosePublicKey(toBase64Url(cose));
    } catch (e) {
      // A weak key parses; say so with its own code rather than "not an RSA public key".
      if (isPasskeydError(e) && e.code === 'weak_public_key')
        throw new PasskeydError('weak_public_key', e.message, { details: { field } });
      throw bad(
        field,
        `${field} is not an RSA public key${isPasskeydError(e) ? `: ${e.message}` : ''}.`,
      );
    }
    return -257;
  }
  throw new PasskeydError(
    'unsupported_algorithm',
    `COSE algorithm ${String(alg)} with key type ${String(kty)} is not supported; use ES256 (-7), EdDSA (-8) or RS256 (-257).`,
    { details: { field } },
  );
}

type CoseMap = Map<number, number | Uint8Array>;

/** A copy, so the CBOR encoder never sees the rest of a shared buffer. */
const own = (b: Uint8Array): Uint8Array => new Uint8Array(b);

const OID_EC_PUBLIC_KEY = '2a8648ce3d0201';
const OID_P256 = '2a8648ce3d030107';
const OID_ED25519 = '2b6570';
const OID_RSA = '2a864886f70d010101';

function spkiParams(value: unknown, alg: number): CoseMap {
  const field = 'public_key_spki';
  if (typeof value !== 'string') throw bad(field, 'public_key_spki must be a string.');
  const pem = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(value);
  const der = decodeBase64Any(pem ? pem[1]!.replace(/\s+/g, '') : value.trim());
  if (!der?.length) throw bad(field, 'public_key_spki is neither PEM nor base64 DER.');
  // SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { algorithm OID, parameters }, BIT STRING }.
  // Read by hand: a KeyObject per key costs more than the rest of an import together.
  let oids: string[];
  let bits: Uint8Array;
  try {
    const [algorithm, bitString] = derChildren(der, 0);
    oids = derItems(algorithm!)
      .filter((i) => i.tag === 6)
      .map((i) => Buffer.from(i.value).toString('hex'));
    if (!bitString || bitString[0] !== 0) throw new Error('no key bits');
    bits = bitString.subarray(1); // first byte: count of unused bits, always 0 for keys
  } catch {
    throw bad(field, 'public_key_spki is not a DER SubjectPublicKeyInfo.');
  }
  const kind =
    oids[0] === OID_EC_PUBLIC_KEY && oids[1] === OID_P256
      ? -7
      : oids[0] === OID_ED25519
        ? -8
        : oids[0] === OID_RSA
          ? -257
          : undefined;
  if (kind !== alg) {
    const what = kind === undefined ? 'an unsupported' : `a ${KEY_TYPE_OF_ALG[kind]}`;
    throw bad(
      'alg',
      `alg is ${alg} (${KEY_TYPE_OF_ALG[alg]}) but public_key_spki holds ${what} key.`,
    );
  }
  if (alg === -7) {
    let point = bits;
    if (bits[0] === 2 || bits[0] === 3) {
      try {
        point = ECDH.convertKey(bits, 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
      } catch {
        throw bad(field, 'public_key_spki holds a compressed point that is not on P-256.');
      }
    }
    if (point.length !== 65 || point[0] !== 4)
      throw bad(field, 'public_key_spki holds a malformed P-256 point.');
    return new Map<number, number | Uint8Array>([
      [KTY, 2],
      [ALG, -7],
      [-1, 1],
      [-2, own(point.subarray(1, 33))],
      [-3, own(point.subarray(33, 65))],
    ]);
  }
  if (alg === -8)
    return new Map<number, number | Uint8Array>([
      [KTY, 1],
      [ALG, -8],
      [-1, 6],
      [-2, own(bits)],
    ]);
  let n: Uint8Array | undefined;
  let e: Uint8Array | undefined;
  try {
    [n, e] = derChildren(bits, 0);
  } catch {
    // reported below
  }
  if (!n || !e) throw bad(field, 'public_key_spki holds a malformed RSA key.');
  return new Map<number, number | Uint8Array>([
    [KTY, 3],
    [ALG, -257],
    [-1, own(unsignedInt(n))],
    [-2, own(unsignedInt(e))],
  ]);
}

function jwkParams(value: unknown, alg: number): CoseMap {
  const field = 'public_key_jwk';
  const jwk = value as Record<string, unknown> | null;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk))
    throw bad(field, 'public_key_jwk must be a JSON object.');
  if ('d' in jwk)
    throw bad(field, 'public_key_jwk is a private key (it has "d"); export the public key only.');
  if (
    typeof jwk.alg === 'string' &&
    ALG_NAMES[jwk.alg] !== undefined &&
    ALG_NAMES[jwk.alg] !== alg
  ) {
    throw bad('alg', `alg is ${alg} but the JWK says ${jwk.alg}.`);
  }
  const bytes = (name: string, length?: number): Uint8Array => {
    const v = jwk[name];
    const b = typeof v === 'string' ? decodeBase64Any(v) : undefined;
    if (!b?.length || (length !== undefined && b.length !== length)) {
      throw bad(
        field,
        `public_key_jwk.${name} is missing or not ${length ?? 'some'} base64url bytes.`,
      );
    }
    return b;
  };
  const wanted = alg === -7 ? 'EC/P-256' : alg === -8 ? 'OKP/Ed25519' : 'RSA';
  const got = `${String(jwk.kty)}${jwk.crv === undefined ? '' : `/${String(jwk.crv)}`}`;
  if (got !== wanted) throw bad('alg', `alg ${alg} needs a ${wanted} JWK, got ${got}.`);
  if (alg === -7)
    return new Map<number, number | Uint8Array>([
      [KTY, 2],
      [ALG, -7],
      [-1, 1],
      [-2, bytes('x', 32)],
      [-3, bytes('y', 32)],
    ]);
  if (alg === -8)
    return new Map<number, number | Uint8Array>([
      [KTY, 1],
      [ALG, -8],
      [-1, 6],
      [-2, bytes('x', 32)],
    ]);
  return new Map<number, number | Uint8Array>([
    [KTY, 3],
    [ALG, -257],
    [-1, own(unsignedInt(bytes('n')))],
    [-2, own(unsignedInt(bytes('e')))],
  ]);
}

/** The DER values (tag and contents) laid end to end in buf[start, end); definite lengths only. */
function derItems(
  buf: Uint8Array,
  start = 0,
  end = buf.length,
): { tag: number; value: Uint8Array }[] {
  const out: { tag: number; value: Uint8Array }[] = [];
  for (let p = start; p < end;) {
    const item = derItem(buf, p);
    out.push({ tag: buf[p]!, value: buf.subarray(item.start, item.end) });
    p = item.end;
  }
  return out;
}

/** Contents of the children of the constructed DER value whose header starts at `at`. */
function derChildren(buf: Uint8Array, at: number): Uint8Array[] {
  const outer = derItem(buf, at);
  return derItems(buf, outer.start, outer.end).map((i) => i.value);
}

function derItem(buf: Uint8Array, at: number): { start: number; end: number } {
  let len = buf[at + 1] ?? 0;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] ?? 0);
    start += n;
  }
  if (at + 2 > buf.length || start + len > buf.length) throw new Error('truncated DER');
  return { start, end: start + len };
}

/** DER INTEGERs carry a leading 0x00 when the top bit is set; COSE wants the bare magnitude. */
function unsignedInt(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}
