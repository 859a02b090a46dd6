/**
 * The byte encoding of the wire format: base64url without padding on output (passage-wire §2.4),
 * and, on input, anything passage-flex-js accepted (base64url or standard base64, padded or not,
 * §5.3), so a server that worked with Passage's SDK works with this one.
 */

export function encodeBase64url(bytes: ArrayBuffer | ArrayBufferView | null | undefined): string {
  // passage-flex-js sends an absent value (a null userHandle) as "", and the server treats "" as absent.
  if (bytes == null) return '';
  const view =
    bytes instanceof ArrayBuffer
      ? new Uint8Array(bytes)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const BASE64 = /^[A-Za-z0-9+/]*$/;

/** Decodes base64url or base64 (padding optional). Throws a TypeError on anything else. */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string') throw new TypeError('expected a base64url string');
  const standard = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  // A length of 1 mod 4 cannot come from any byte string; atob would reject it less clearly.
  if (!BASE64.test(standard) || standard.length % 4 === 1) {
    throw new TypeError('not a base64url string');
  }
  const binary = atob(standard);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
