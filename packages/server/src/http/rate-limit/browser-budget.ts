import type { FastifyReply } from 'fastify';
import type { CounterStore } from './counter-store.js';
import { refuse } from './refuse.js';

/**
 * One budget per (client address, app) shared by the four browser routes and their preflights,
 * so PASSKEYD_RATE_LIMIT_MAX is the number of browser requests per window in total. Requests
 * naming an app id that does not exist are charged to the address alone, and once that budget is
 * spent the address is refused before its next app lookup: made-up ids cost neither a fresh
 * counter nor a database query each.
 */
export class BrowserBudget {
  readonly #store: CounterStore;
  readonly #max: number;
  readonly #windowMs: number;

  constructor(store: CounterStore, opts: { max: number; windowSeconds: number }) {
    this.#store = store;
    this.#max = opts.max;
    this.#windowMs = opts.windowSeconds * 1000;
  }

  /** Before the app lookup: refuses an address that has spent its budget on unknown app ids. */
  async beforeLookup(address: string, reply: FastifyReply): Promise<void> {
    const spent = await this.#store.peek(unknownKey(address));
    if (spent.count >= this.#max) refuse(reply, spent.resetMs);
  }

  /** After the lookup: charges the request to (address, app), or to the address alone. */
  async charge(address: string, appId: string | null, reply: FastifyReply): Promise<void> {
    const key = appId === null ? unknownKey(address) : `b:${address}|${appId}`;
    const n = await this.#store.hit(key, this.#windowMs, this.#max);
    if (n.count > this.#max) refuse(reply, n.resetMs);
  }
}

const unknownKey = (address: string) => `u:${address}`;
