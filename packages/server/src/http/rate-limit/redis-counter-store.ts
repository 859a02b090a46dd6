import { Redis } from 'ioredis';
import { MemoryCounterStore, type CounterStore, type WindowCount } from './counter-store.js';

// INCR then PEXPIRE on the first hit, in one script so no node can see a key without its expiry.
// A key that somehow lost its TTL gets one again rather than counting forever.
const HIT = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local t = redis.call('PTTL', KEYS[1])
if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
return {c, t}`;
const PEEK = `
local c = redis.call('GET', KEYS[1])
if not c then return {0, 0} end
return {tonumber(c), redis.call('PTTL', KEYS[1])}`;

type Counting = Redis & {
  passkeydHit(key: string, windowMs: number): Promise<[number, number]>;
  passkeydPeek(key: string): Promise<[number, number]>;
};

/** How long a node waits for Redis before it counts on its own. */
const COMMAND_TIMEOUT_MS = 250;
const WARN_EVERY_MS = 30_000;
const CONNECT_WAIT_MS = 2000;

/**
 * Counters in Redis, shared by every node that names the same Redis and key prefix (Redis keys
 * expire with their window, so nothing needs purging).
 *
 * When Redis cannot answer, each node counts in its own memory until it can: the limits then hold
 * per node, as without Redis. Failing open would drop the failed-credential limit exactly when an
 * attacker can make Redis slow; failing closed would turn a Redis outage into a sign-in outage for
 * every app. Neither is a 500.
 */
export class RedisCounterStore implements CounterStore {
  readonly #redis: Counting;
  readonly #prefix: string;
  readonly #local = new MemoryCounterStore();
  readonly #warn: (msg: string, err: unknown) => void;
  readonly #ready: Promise<void>;
  #warnedAt = -Infinity;

  constructor(opts: { url: string; prefix: string; warn: (msg: string, err: unknown) => void }) {
    this.#prefix = opts.prefix;
    this.#warn = opts.warn;
    const redis = new Redis(opts.url, {
      // Fail fast instead of queueing while disconnected: the local fallback answers meanwhile.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_WAIT_MS,
      retryStrategy: (times) => Math.min(times * 200, 5000),
    });
    redis.on('error', (err) => this.#degraded(err));
    this.#ready = new Promise((resolve) => {
      const timer = setTimeout(resolve, CONNECT_WAIT_MS);
      timer.unref();
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    redis.defineCommand('passkeydHit', { numberOfKeys: 1, lua: HIT });
    redis.defineCommand('passkeydPeek', { numberOfKeys: 1, lua: PEEK });
    this.#redis = redis as Counting;
  }

  async hit(key: string, windowMs: number, max: number): Promise<WindowCount> {
    try {
      const [count, resetMs] = await this.#redis.passkeydHit(this.#prefix + key, windowMs);
      return { count, resetMs };
    } catch (err) {
      this.#degraded(err);
      return this.#local.hit(key, windowMs, max);
    }
  }

  async peek(key: string): Promise<WindowCount> {
    try {
      const [count, resetMs] = await this.#redis.passkeydPeek(this.#prefix + key);
      return { count, resetMs: Math.max(0, resetMs) };
    } catch (err) {
      this.#degraded(err);
      return this.#local.peek(key);
    }
  }

  /** The connection, for @fastify/rate-limit's per-route limits to share. */
  get client(): Redis {
    return this.#redis;
  }

  /**
   * Commands fail at once while disconnected (no offline queue), so a node waits for its first
   * connection before it serves; if Redis is down at start it serves anyway, counting alone.
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
    await this.#local.close();
  }

  #degraded(err: unknown): void {
    const now = Date.now();
    if (now - this.#warnedAt < WARN_EVERY_MS) return;
    this.#warnedAt = now;
    this.#warn('Redis unavailable; rate limits are counted per node until it is back', err);
  }
}
