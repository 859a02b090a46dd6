import { describe, expect, it } from 'vitest';
import { isIdOf, newId, newTimeOrderedId, randomToken, sortableTime } from './secrets.js';

describe('random tokens', () => {
  it('never hand out the same bytes twice, across refills of the pool', () => {
    // 3,000 tokens of 32 bytes draw about 23 pools' worth; any reuse of a byte range would
    // repeat a token (or a 16-byte half of one).
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const t = randomToken(i % 2 ? 32 : 16);
      expect(t).toMatch(i % 2 ? /^[A-Za-z0-9_-]{43}$/ : /^[A-Za-z0-9_-]{22}$/);
      const raw = Buffer.from(t, 'base64url');
      const halves = raw.length === 16 ? [raw] : [raw.subarray(0, 16), raw.subarray(16)];
      for (const half of halves) {
        const h = half.toString('hex');
        expect(seen.has(h)).toBe(false);
        seen.add(h);
      }
    }
  });

  it('look uniformly random: every base64url character turns up, none far more than others', () => {
    const counts = new Map<string, number>();
    let n = 0;
    for (let i = 0; i < 2000; i++)
      for (const ch of randomToken(30)) {
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
        n++;
      }
    expect(counts.size).toBe(64);
    const expected = n / 64;
    for (const c of counts.values()) expect(Math.abs(c - expected)).toBeLessThan(expected * 0.25);
  });

  it('serve a request larger than the pool from the CSPRNG directly', () => {
    const t = randomToken(5000);
    expect(Buffer.from(t, 'base64url')).toHaveLength(5000);
    expect(new Set(t).size).toBeGreaterThan(60);
  });
});

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('time-ordered ids', () => {
  it('write epoch milliseconds as 8 characters whose byte order is the order of the times', () => {
    const times = [0, 1, 63, 64, 4095, 4096, 1_750_000_000_000, 2 ** 48 - 1];
    for (let i = 0; i < 2000; i++) times.push(Math.floor(Math.random() * 2 ** 48));
    const encoded = times.map((t) => ({ t, s: sortableTime(t) }));
    for (const { s } of encoded) expect(s).toMatch(/^[A-Za-z0-9_-]{8}$/);
    const byText = [...encoded].sort((a, b) => byteOrder(a.s, b.s)).map((e) => e.t);
    expect(byText).toEqual([...times].sort((a, b) => a - b));
    expect(sortableTime(0)).toBe('--------');
    expect(sortableTime(2 ** 48 - 1)).toBe('zzzzzzzz');
  });

  it('keep all 128 random bits of newId after the time, in the shape isIdOf accepts', () => {
    const id = newTimeOrderedId('txn', 1_750_000_000_000);
    expect(id).toMatch(/^txn_[A-Za-z0-9_-]{30}$/);
    expect(id.slice(4, 12)).toBe(sortableTime(1_750_000_000_000));
    expect(Buffer.from(id.slice(12), 'base64url')).toHaveLength(16);
    expect(isIdOf('txn', id)).toBe(true);
    expect(isIdOf('hs', id)).toBe(false);
    // Ids issued before (22 characters) stay valid; no length in between is.
    expect(isIdOf('txn', newId('txn'))).toBe(true);
    for (let n = 23; n < 30; n++) expect(isIdOf('txn', `txn_${'A'.repeat(n)}`)).toBe(false);
    expect(isIdOf('txn', `txn_${'A'.repeat(31)}`)).toBe(false);
    // Only transactions and handshakes have time-ordered ids: 30 characters name no user.
    for (const prefix of ['app', 'usr', 'dev', 'key', 'whe'] as const)
      expect(isIdOf(prefix, `${prefix}_${'A'.repeat(30)}`)).toBe(false);
  });

  it('sort later ids after earlier ones, and never repeat within a millisecond', () => {
    const ids = [1, 2, 3, 1000, 1001, 60_000].map((t) =>
      newTimeOrderedId('hs', 1_750_000_000_000 + t),
    );
    expect([...ids].sort(byteOrder)).toEqual(ids);
    const same = new Set(Array.from({ length: 1000 }, () => newTimeOrderedId('hs', 5)));
    expect(same.size).toBe(1000);
  });
});
