import { describe, expect, it } from 'vitest';
import { halfPeakRuns, verdict } from './series.mjs';

const run = (p99) => ({ worstStepP99: p99, otherCores: 0.1 });

describe('the half-of-peak series', () => {
  it('checks every half-of-peak run of a SQLite result, repeated and growth alike', () => {
    const r = {
      engine: 'sqlite',
      halfPeakRuns: [run(4), run(12)],
      runs: { authenticateHalfPeak: run(6) },
    };
    expect(halfPeakRuns(r).map((x) => x.worstStepP99)).toEqual([4, 12, 6]);
    expect(verdict(halfPeakRuns(r))).toEqual({ p99s: [4, 12, 6], met: false });
    expect(verdict([run(4), run(9.9)]).met).toBe(true);
  });

  it('reads the SQLite figures of an --engine both result, and old files with one run', () => {
    expect(
      halfPeakRuns({ engine: 'both', engines: { sqlite: { halfPeakRuns: [run(3)] } } }),
    ).toHaveLength(1);
    expect(halfPeakRuns({ engine: 'sqlite', runs: { authenticateHalfPeak: run(3) } })).toHaveLength(
      1,
    );
    expect(halfPeakRuns({ engine: 'postgres', halfPeakRuns: [run(3)] })).toBeNull();
  });
});
