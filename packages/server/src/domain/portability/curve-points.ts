/**
 * Public-key checks done with plain arithmetic. An import validates every key, and making a
 * node:crypto KeyObject costs about 250 µs for a P-256 key (OpenSSL 3 checks it fully), which
 * alone would take 25 s for 100 000 passkeys; these checks prove the same property (the bytes
 * are a point of the curve, so the key imports and can verify) in a few microseconds.
 */

const P256_P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

const ED_P = 2n ** 255n - 19n;
const ED_D = mod(-121665n * inverse(121666n, ED_P), ED_P);
const SQRT_M1 = modPow(2n, (ED_P - 1n) / 4n, ED_P);

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

function inverse(a: bigint, p: bigint): bigint {
  return modPow(a, p - 2n, p);
}

const bigEndian = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);

/**
 * (x, y) is a point of P-256 (SEC 1 §3.2.2.1 public key validation): both coordinates below p
 * and y² = x³ − 3x + b. The curve's cofactor is 1, so every such point is in the group, and the
 * point at infinity has no affine form to pass here.
 */
export function isP256Point(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== 32 || y.length !== 32) return false;
  const X = bigEndian(x);
  const Y = bigEndian(y);
  if (X >= P256_P || Y >= P256_P) return false;
  return mod(Y * Y - (X * X * X - 3n * X + P256_B), P256_P) === 0n;
}

/** The 32 bytes decode to an Edwards25519 point (RFC 8032 §5.1.3, steps 1-4). */
export function isEd25519Point(encoded: Uint8Array): boolean {
  if (encoded.length !== 32) return false;
  const bytes = Buffer.from(encoded);
  const sign = bytes[31]! >> 7;
  bytes[31]! &= 0x7f;
  const y = bigEndian(bytes.reverse());
  if (y >= ED_P) return false;
  const y2 = (y * y) % ED_P;
  const u = mod(y2 - 1n, ED_P);
  const v = mod(ED_D * y2 + 1n, ED_P);
  // x = u v³ (u v⁷)^((p−5)/8), then x or x·sqrt(−1) squares to u/v when u/v is a square.
  const v3 = (v * v * v) % ED_P;
  let x = (u * v3 * modPow(u * v3 * v3 * v, (ED_P - 5n) / 8n, ED_P)) % ED_P;
  const vx2 = (v * x * x) % ED_P;
  if (vx2 === u) {
    // x is a root
  } else if (vx2 === mod(-u, ED_P)) {
    x = (x * SQRT_M1) % ED_P;
  } else {
    return false;
  }
  return !(x === 0n && sign === 1);
}
