import type { Bytes } from './types.js';

/**
 * Decodes base64 or base64url, padded or not. Servers disagree on the encoding of challenges and
 * credential IDs (Passage-style APIs have been seen sending standard base64), and a browser
 * accepts whatever decodes, so we do too.
 */
export function decodeBase64Tolerant(value: string, what = 'value'): Bytes {
  const normalized = value.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  // Buffer silently skips junk characters; a typo in a fixture should fail loudly instead.
  if (!/^[A-Za-z0-9_-]*$/.test(normalized) || normalized.length % 4 === 1) {
    throw new TypeError(`${what} is not base64/base64url: ${JSON.stringify(value)}`);
  }
  return toBytes(Buffer.from(normalized, 'base64url'));
}

/** Base64url without padding, the encoding of every byte field in WebAuthn JSON. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Standard padded base64, which the Chrome DevTools Protocol uses for binary fields. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Decodes a byte field that may be given either as bytes or as a (tolerant) base64 string. */
export function bytesFrom(value: Uint8Array | string, what: string): Bytes {
  return typeof value === 'string' ? decodeBase64Tolerant(value, what) : toBytes(value);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** A copy with the lowest bit of the last byte flipped: still well-formed, no longer valid. */
export function flipLastBit(bytes: Uint8Array): Bytes {
  const out = toBytes(bytes);
  out[out.length - 1] = (out[out.length - 1] ?? 0) ^ 0x01;
  return out;
}

/**
 * A copy in a fresh ArrayBuffer. Node Buffers are often views into a shared pool, and typed as
 * `Uint8Array<ArrayBufferLike>`; what we store and hand out must be neither.
 */
export function toBytes(bytes: Uint8Array): Bytes {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}
