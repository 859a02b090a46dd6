import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, it } from 'vitest';
import { isCI } from '../../storage/scratch-postgres.js';

/**
 * Test support for the suites that need Redis (PASSKEYD_TEST_REDIS_URL, default the local one):
 * like the PostgreSQL suites, a missing Redis fails in CI and skips loudly elsewhere. Each suite
 * uses its own random key prefix, so parallel runs never share counters.
 */

export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379/0';

export type RedisProbe =
  { available: true; url: string } | { available: false; url: string; reason: string };

export async function probeRedis(env: Record<string, string | undefined>): Promise<RedisProbe> {
  const url = env.PASSKEYD_TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return { available: true, url };
  } catch (err) {
    return { available: false, url, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    redis.disconnect();
  }
}

export function describeWithRedis(
  probe: RedisProbe,
  env: Record<string, string | undefined>,
  name: string,
  suite: (url: string) => void,
): void {
  if (probe.available) {
    describe(name, () => suite(probe.url));
    return;
  }
  const why = `Redis is unreachable at ${probe.url}: ${probe.reason}. Start it (redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no) or set PASSKEYD_TEST_REDIS_URL.`;
  if (isCI(env)) {
    describe(name, () => {
      it('needs Redis in CI', () => {
        throw new Error(`${why} CI=true, so this is a failure, not a skip.`);
      });
    });
    return;
  }
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPING Redis suite "${name}"\n!! ${why}\n${'!'.repeat(78)}\n`,
  );
  describe.skip(`${name} [SKIPPED: no Redis]`, () => suite(probe.url));
}

/** A key prefix no other run uses. */
export function scratchPrefix(): string {
  return `passkeyd-test:${randomBytes(6).toString('hex')}:`;
}
