import { describe, expect, it } from 'vitest';
import { randomToken } from './secrets.js';

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
