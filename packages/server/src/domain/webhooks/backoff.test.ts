import { describe, expect, it } from 'vitest';
import { JITTER, RETRY_SCHEDULE_MS, retryDelay } from './backoff.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

describe('webhook retry backoff', () => {
  it('retries after about 5 s, 30 s, 2 min, 10 min, 30 min, 2 h, 5 h, 10 h and 24 h, then stops', () => {
    const mid = () => 0.5; // no jitter: the schedule itself
    const delays = Array.from({ length: 11 }, (_, i) => retryDelay(i + 1, mid));
    expect(delays).toEqual([
      5 * S,
      30 * S,
      2 * MIN,
      10 * MIN,
      30 * MIN,
      2 * H,
      5 * H,
      10 * H,
      24 * H,
      undefined,
      undefined,
    ]);
    // Ten attempts in all, the last about 42 hours after the first.
    const total = RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total / H).toBeCloseTo(41.7, 1);
  });

  it('spreads each delay by ±20 % so retries after one outage do not arrive in step', () => {
    expect(retryDelay(2, () => 0)).toBe(30 * S * (1 - JITTER));
    expect(retryDelay(2, () => 0.999_999)).toBe(Math.round(30 * S * (1 + JITTER)));
    const seen = new Set(Array.from({ length: 50 }, () => retryDelay(1)));
    expect(seen.size).toBeGreaterThan(10);
    for (const d of seen) {
      expect(d).toBeGreaterThanOrEqual(4 * S);
      expect(d).toBeLessThanOrEqual(6 * S);
    }
  });

  it('follows a schedule given instead of the default', () => {
    expect(retryDelay(1, () => 0.5, [100, 200])).toBe(100);
    expect(retryDelay(3, () => 0.5, [100, 200])).toBeUndefined();
  });
});
