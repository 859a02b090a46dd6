import { createHash, webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Crypto = webcrypto.Crypto;

/**
 * SimpleWebAuthn hashes through WebCrypto (`crypto.subtle.digest`): a registration hashes the
 * client data and the RP ID, an attestation statement may hash more. In Node every `subtle` call
 * is a job on libuv's thread pool, settled on a later turn of the event loop; on a server pinned
 * to one core that is two thread switches per hash, and measured it cost about 34 µs of CPU per
 * SHA-256 of a few hundred bytes against 2.6 µs for `createHash`; without it registration ran
 * 3–12 % more per CPU-second in A/B runs (docs/benchmarks.md, "SimpleWebAuthn's hashes").
 * SimpleWebAuthn takes the Crypto object from
 * `globalThis.crypto` once and keeps it; it offers no option for another, only the internal
 * `_getWebCryptoInternals.setCachedCrypto` its own tests use. We hand it, through that, a Crypto
 * that is Node's own in every method except `subtle.digest` of the SHA family, which it answers
 * with `createHash`: the same bytes (simplewebauthn-hashing.test.ts compares them), computed
 * before the promise is returned. Nothing else in the process sees it: `globalThis.crypto` is
 * untouched.
 */

const HASHES: Readonly<Record<string, string>> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

function hashNameOf(algorithm: unknown): string | undefined {
  const name =
    typeof algorithm === 'string'
      ? algorithm
      : typeof algorithm === 'object' && algorithm !== null && 'name' in algorithm
        ? (algorithm as { name: unknown }).name
        : undefined;
  // WebCrypto matches algorithm names case-insensitively (WebCrypto §18.4, "normalize").
  return typeof name === 'string' ? HASHES[name.toUpperCase()] : undefined;
}

function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/**
 * A Crypto whose `subtle.digest` hashes with `createHash` for SHA-1/256/384/512 over an
 * ArrayBuffer or a view of one, and hands anything else (another algorithm, another input) to
 * `real`, so its errors are WebCrypto's own. Every other method is `real`'s, bound to it.
 */
export function nodeHashingCrypto(real: Crypto = webcrypto): Crypto {
  const subtle = real.subtle;
  const fast = Object.create(null) as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(subtle))) {
    const member = (subtle as unknown as Record<string, unknown>)[key];
    if (key !== 'constructor' && typeof member === 'function') fast[key] = member.bind(subtle);
  }
  fast.digest = (
    algorithm: webcrypto.AlgorithmIdentifier,
    data: webcrypto.BufferSource,
  ): Promise<ArrayBuffer> => {
    const hash = hashNameOf(algorithm);
    const bytes = hash ? bytesOf(data) : undefined;
    if (!hash || !bytes) return subtle.digest(algorithm, data);
    const out = createHash(hash).update(bytes).digest();
    return Promise.resolve(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
  };
  return {
    subtle: fast as unknown as webcrypto.SubtleCrypto,
    getRandomValues: real.getRandomValues.bind(real),
    randomUUID: real.randomUUID.bind(real),
  } as Crypto;
}

interface WebCryptoInternals {
  setCachedCrypto(crypto: Crypto): void;
}

/**
 * Gives SimpleWebAuthn `crypto` (by default nodeHashingCrypto()). Resolves to false, changing
 * nothing, when this SimpleWebAuthn has no such internal (a release that moved it): only speed
 * depends on it, and simplewebauthn-hashing.test.ts fails on such an upgrade.
 */
export async function useNodeHashingInSimpleWebAuthn(
  crypto: Crypto = nodeHashingCrypto(),
): Promise<boolean> {
  try {
    // The package's CommonJS entry (script/index.js) names its folder; the ES modules beside it
    // are the ones `import '@simplewebauthn/server'` loads. (Not import.meta.resolve: vitest
    // lacks it.)
    const root = dirname(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/server')));
    const file = join(root, 'esm', 'helpers', 'iso', 'isoCrypto', 'getWebCrypto.js');
    const mod = (await import(pathToFileURL(file).href)) as {
      _getWebCryptoInternals?: Partial<WebCryptoInternals>;
    };
    const setCachedCrypto = mod._getWebCryptoInternals?.setCachedCrypto;
    if (typeof setCachedCrypto !== 'function') return false;
    setCachedCrypto(crypto);
    return true;
  } catch {
    return false;
  }
}
