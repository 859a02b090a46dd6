/**
 * How long to wait after each failed attempt before the next (issue 15 item 3): the first
 * retries within seconds, so a receiver that blinked loses nothing for long, the last about a day
 * later, so one down for a weekend night still gets everything. Ten attempts in all, spanning
 * about 42 hours; after the last failure the delivery is `failed`.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  24 * 3_600_000,
]);

/** ±20 %: deliveries that failed together (one receiver outage) do not all retry in step. */
export const JITTER = 0.2;

/**
 * The delay before the next attempt once `attempts` attempts (this one included) have failed, or
 * undefined when none is left. `random` is in [0, 1), as Math.random.
 */
export function retryDelay(
  attempts: number,
  random: () => number = Math.random,
  schedule: readonly number[] = RETRY_SCHEDULE_MS,
): number | undefined {
  const base = schedule[attempts - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}
