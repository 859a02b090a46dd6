import type { KeyObject } from 'node:crypto';
import { importCosePublicKey } from './cose-key.js';

/**
 * Public keys imported once per credential. Importing a key costs several times a P-256
 * verification, so re-importing on every sign-in (as SimpleWebAuthn's verifier does) would halve
 * throughput. A Map keeps insertion order, which is all a least-recently-used cache needs.
 */
export class KeyCache {
  readonly #max: number;
  readonly #entries = new Map<string, { publicKey: string; key: KeyObject; alg: number }>();

  constructor(maxEntries = 10_000) {
    this.#max = Math.max(1, maxEntries);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** `cacheKey` names the credential; `publicKey` guards against a re-imported id with a new key. */
  get(cacheKey: string, publicKey: string): { key: KeyObject; alg: number } {
    const hit = this.#entries.get(cacheKey);
    if (hit && hit.publicKey === publicKey) {
      this.#entries.delete(cacheKey);
      this.#entries.set(cacheKey, hit);
      return hit;
    }
    const imported = importCosePublicKey(publicKey);
    this.#entries.set(cacheKey, { publicKey, ...imported });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return imported;
  }

  /** The cached key of a credential, with the public key it was imported from; no import. */
  peek(cacheKey: string): { publicKey: string; key: KeyObject; alg: number } | undefined {
    const hit = this.#entries.get(cacheKey);
    if (hit) {
      this.#entries.delete(cacheKey);
      this.#entries.set(cacheKey, hit);
    }
    return hit;
  }

  delete(cacheKey: string): void {
    this.#entries.delete(cacheKey);
  }
}
