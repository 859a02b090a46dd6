import { afterAll, expect, it } from 'vitest';
import { RedisCounterStore } from './redis-counter-store.js';
import { describeWithRedis, probeRedis, scratchPrefix } from './scratch-redis.js';

const stores: RedisCounterStore[] = [];
afterAll(() => Promise.all(stores.map((s) => s.close())));
const open = (url: string, prefix: string, warn: (msg: string) => void = () => {}) => {
  const s = new RedisCounterStore({ url, prefix, warn });
  stores.push(s);
  return s;
};

describeWithRedis(await probeRedis(process.env), process.env, 'RedisCounterStore', (url) => {
  it('shares one count between two stores (two nodes) with the same prefix', async () => {
    const prefix = scratchPrefix();
    const a = open(url, prefix);
    const b = open(url, prefix);
    await Promise.all([a.ready(), b.ready()]);
    expect((await a.hit('k', 60_000, 5)).count).toBe(1);
    expect((await b.hit('k', 60_000, 5)).count).toBe(2);
    const seen = await a.peek('k');
    expect(seen.count).toBe(2);
    expect(seen.resetMs).toBeGreaterThan(59_000);
    expect(seen.resetMs).toBeLessThanOrEqual(60_000);
    // Another prefix is another budget.
    const c = open(url, scratchPrefix());
    await c.ready();
    expect((await c.peek('k')).count).toBe(0);
  });

  it('lets a window end: the key expires with it', async () => {
    const s = open(url, scratchPrefix());
    await s.ready();
    await s.hit('short', 200, 1);
    await new Promise((r) => setTimeout(r, 350));
    expect(await s.peek('short')).toEqual({ count: 0, resetMs: 0 });
    expect((await s.hit('short', 200, 1)).count).toBe(1);
  });
});

it('counts in memory, without throwing, while Redis is unreachable', async () => {
  const warnings: string[] = [];
  // Port 1 has no Redis: every command fails at once.
  const s = open('redis://127.0.0.1:1', scratchPrefix(), (msg) => warnings.push(msg));
  expect((await s.hit('k', 60_000, 2)).count).toBe(1);
  expect((await s.hit('k', 60_000, 2)).count).toBe(2);
  expect((await s.peek('k')).count).toBe(2);
  expect(warnings.length).toBeGreaterThanOrEqual(1);
});
