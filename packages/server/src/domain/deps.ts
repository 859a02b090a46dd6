import type { AppDirectory } from './apps/app-directory.js';
import type { KeyCache } from './ceremonies/key-cache.js';
import type { Clock, Storage } from './ports.js';

/** Lifetimes and switches the ceremonies need; filled from the validated config at start-up. */
export interface CeremonySettings {
  transactionTtlSeconds: number;
  nonceTtlSeconds: number;
  /** Discoverable/autofill challenges can sit in a pending autofill prompt for a long time. */
  discoverableHandshakeTtlSeconds: number;
  /** 'simplewebauthn' routes sign-in through verifyAuthenticationResponse (benchmarks compare). */
  verifier: 'lean' | 'simplewebauthn';
}

export interface DomainDeps {
  storage: Storage;
  /** The apps, cached with cross-node invalidation; their writes go through storage, then `changed`. */
  apps: AppDirectory;
  clock: Clock;
  keyCache: KeyCache;
  settings: CeremonySettings;
}
