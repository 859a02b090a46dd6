import { describe, expect, it } from 'vitest';
import { MemoryCounterStore } from './counter-store.js';
import { clientAddress } from './client-address.js';

describe('MemoryCounterStore', () => {
  it('counts hits in a fixed window that starts at the first hit', async () => {
    let now = 1_000;
    const store = new MemoryCounterStore({ now: () => now });
    expect(await store.hit('k', 10_000, 5)).toEqual({ count: 1, resetMs: 10_000 });
    now += 4_000;
    expect(await store.hit('k', 10_000, 5)).toEqual({ count: 2, resetMs: 6_000 });
    expect(await store.peek('k')).toEqual({ count: 2, resetMs: 6_000 });
    now += 6_000;
    expect(await store.peek('k')).toEqual({ count: 0, resetMs: 0 });
    expect(await store.hit('k', 10_000, 5)).toEqual({ count: 1, resetMs: 10_000 });
  });

  it('never forgets a key at its limit, however many junk keys arrive', async () => {
    const store = new MemoryCounterStore({ capacity: 1_000, now: () => 0 });
    for (let i = 0; i < 3; i++) await store.hit('limited', 60_000, 3);
    for (let i = 0; i < 20_000; i++) await store.hit(`junk-${i}`, 60_000, 3);
    expect((await store.peek('limited')).count).toBe(3);
    // Junk is forgotten, so memory stays bounded.
    expect(store.size).toBeLessThanOrEqual(1_000);
  });

  it('forgets the keys with the fewest hits first', async () => {
    const store = new MemoryCounterStore({ capacity: 100, now: () => 0 });
    for (let i = 0; i < 9; i++) await store.hit('busy', 60_000, 10);
    for (let i = 0; i < 5_000; i++) await store.hit(`junk-${i}`, 60_000, 10);
    expect((await store.peek('busy')).count).toBe(9);
  });

  it('forgets expired windows before anything else', async () => {
    let now = 0;
    const store = new MemoryCounterStore({ capacity: 10, now: () => now });
    for (let i = 0; i < 10; i++) await store.hit(`old-${i}`, 1_000, 1);
    now = 5_000;
    for (let i = 0; i < 5; i++) await store.hit(`new-${i}`, 1_000, 1);
    expect(store.size).toBeLessThanOrEqual(10);
    for (let i = 0; i < 5; i++) expect((await store.peek(`new-${i}`)).count).toBe(1);
  });

  it('grows past its capacity only by keys that reached their limit', async () => {
    const store = new MemoryCounterStore({ capacity: 100, now: () => 0 });
    for (let k = 0; k < 150; k++) for (let i = 0; i < 2; i++) await store.hit(`l-${k}`, 60_000, 2);
    for (let i = 0; i < 1_000; i++) await store.hit(`junk-${i}`, 60_000, 2);
    for (let k = 0; k < 150; k++) expect((await store.peek(`l-${k}`)).count).toBe(2);
    expect(store.size).toBeLessThanOrEqual(150 + 10);
  });
});

describe('clientAddress', () => {
  it('keeps IPv4 as is, unwraps IPv4-mapped IPv6 and groups IPv6 by /64', () => {
    expect(clientAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddress('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddress('::1')).toBe('0:0:0:0::/64');
  });
});
