/**
 * Byte fields arrive as base64url (browsers) or standard base64, padded or not (one iOS SDK
 * version; passage-wire.md §6.4). Decode both; reject anything else so garbage is a 400, not
 * silently different bytes.
 */
const BASE64_ANY = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function decodeBase64Any(value: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64_ANY.test(value)) return undefined;
  const body = value.replace(/=+$/, '');
  if (body.length % 4 === 1) return undefined;
  const normal = body.replace(/-/g, '+').replace(/_/g, '/');
  return new Uint8Array(Buffer.from(normal, 'base64'));
}

/** Canonical form for storage and output: unpadded base64url. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Re-encodes a base64/base64url string in canonical base64url, or undefined if it is not one. */
export function canonicalBase64Url(value: string): string | undefined {
  const bytes = decodeBase64Any(value);
  return bytes ? toBase64Url(bytes) : undefined;
}
