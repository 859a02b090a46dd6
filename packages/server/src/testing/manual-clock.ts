import type { Clock } from '../domain/ports.js';

/** A clock tests move by hand, so expiry is tested without sleeping. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = Date.now()) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}
