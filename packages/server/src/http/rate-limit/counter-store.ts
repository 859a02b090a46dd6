/** A fixed-window count: `count` hits so far, and the ms left until the window ends. */
export interface WindowCount {
  count: number;
  resetMs: number;
}

/**
 * Fixed-window counters shared by the browser budget and the failed-credential limit. One node
 * keeps them in memory; several nodes share them in Redis (redis-counter-store.ts).
 */
export interface CounterStore {
  /**
   * Counts one hit on `key` and returns the count including it. The window starts at the first
   * hit. `max` is the limit the caller applies: a store that must forget keys keeps those that
   * reached it.
   */
  hit(key: string, windowMs: number, max: number): Promise<WindowCount>;
  /** The current count without adding to it (0 when the key has no live window). */
  peek(key: string): Promise<WindowCount>;
  /** Resolves once the store can answer (or has given up waiting and answers on its own). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

interface Entry {
  count: number;
  resetAt: number;
  max: number;
}

/**
 * In-memory counters with a bounded key space. When full it forgets expired windows first, then
 * the keys with the fewest hits, and never a key that has reached its limit: the LRU store this
 * replaces let a flood of junk keys evict a limited client, who was then free again (issue 12
 * item 5). A key can only reach its limit after `max` hits, so limited keys grow the table by at
 * most one per `max` requests, and they leave when their window ends.
 */
export class MemoryCounterStore implements CounterStore {
  readonly #entries = new Map<string, Entry>();
  readonly #capacity: number;
  readonly #now: () => number;
  #sweepAt: number;

  constructor(opts: { capacity?: number; now?: () => number } = {}) {
    this.#capacity = opts.capacity ?? 100_000;
    this.#now = opts.now ?? Date.now;
    this.#sweepAt = this.#capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  async hit(key: string, windowMs: number, max: number): Promise<WindowCount> {
    const now = this.#now();
    let e = this.#entries.get(key);
    if (!e || e.resetAt <= now) {
      // Room is made before the new key goes in, so the sweep cannot take the key being counted.
      if (!e && this.#entries.size >= this.#sweepAt) this.#sweep(now);
      e = { count: 0, resetAt: now + windowMs, max };
      this.#entries.set(key, e);
    }
    e.count++;
    e.max = max;
    return { count: e.count, resetMs: e.resetAt - now };
  }

  async peek(key: string): Promise<WindowCount> {
    const now = this.#now();
    const e = this.#entries.get(key);
    if (!e || e.resetAt <= now) return { count: 0, resetMs: 0 };
    return { count: e.count, resetMs: e.resetAt - now };
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.#entries.clear();
  }

  /** Frees room down to 90% of capacity, never touching a key at or over its limit. */
  #sweep(now: number): void {
    const target = Math.floor(this.#capacity * 0.9);
    for (const [k, e] of this.#entries) if (e.resetAt <= now) this.#entries.delete(k);
    // Fewest hits first: junk keys have one or two, a client near its limit has many.
    for (let below = 2; this.#entries.size > target; below *= 2) {
      let left = 0;
      for (const [k, e] of this.#entries) {
        if (e.count >= e.max) continue;
        if (e.count < below) this.#entries.delete(k);
        else left++;
        if (this.#entries.size <= target) break;
      }
      if (left === 0) break;
    }
    // Whatever is left over capacity is limited keys; sweep again only after more growth, so a
    // table full of them does not cost a full scan per request.
    this.#sweepAt = Math.max(this.#capacity, this.#entries.size + Math.ceil(this.#capacity / 10));
  }
}
