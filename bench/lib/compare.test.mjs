import { describe, expect, it } from 'vitest';
import {
  backendChurn,
  comparisonFigures,
  perCeremonyTurns,
  proxyTarget,
  rotation,
  roundTripTargets,
  throughProxy,
} from './compare.mjs';

/** A contender's figures as sideBySide returns them: per ceremony, pooled and per round. */
const contender = (tree, engine, perRound) => ({
  tree,
  engine,
  summary: Object.fromEntries(
    Object.entries(perRound).map(([k, rounds]) => [
      k,
      { perCpuSecond: rounds.reduce((a, b) => a + b) / rounds.length, perCpuSecondByRound: rounds },
    ]),
  ),
});

describe('side by side', () => {
  it('puts every contender first equally often over the rounds', () => {
    const order = [0, 1, 2].map((r) => rotation(['a', 'b', 'c'], r));
    expect(order).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
    ]);
    expect([0, 1, 2, 3].map((r) => rotation(['new', 'base'], r)[0])).toEqual([
      'new',
      'base',
      'new',
      'base',
    ]);
  });

  it('divides new by baseline per ceremony and checks the SQLite targets', () => {
    const { ratios, targets } = comparisonFigures(
      [
        contender('new', 'sqlite', {
          authenticate: [1500],
          discoverable: [1600],
          register: [1700],
        }),
        contender('baseline', 'sqlite', {
          authenticate: [500],
          discoverable: [800],
          register: [500],
        }),
      ],
      { baselineRev: 'c65e3c9' },
    );
    expect(ratios.map((r) => [r.scenario, r.ratio])).toEqual([
      ['authenticate', 3],
      ['discoverable', 2],
      ['register', 3.4],
    ]);
    // ≥ 2.5 ×, ≥ 2 × (met exactly), ≥ 4 × (missed).
    expect(targets.map((t) => t.met)).toEqual([true, true, false]);
  });

  it('divides PostgreSQL by SQLite for the working tree against 50 %', () => {
    const { ratios, targets } = comparisonFigures([
      contender('new', 'sqlite', { authenticate: [1000], discoverable: [1000], register: [1000] }),
      contender('new', 'postgres', { authenticate: [600], discoverable: [400], register: [500] }),
    ]);
    expect(ratios.map((r) => [r.kind, r.ratio])).toEqual([
      ['PostgreSQL ÷ SQLite', 0.6],
      ['PostgreSQL ÷ SQLite', 0.4],
      ['PostgreSQL ÷ SQLite', 0.5],
    ]);
    expect(targets.map((t) => t.met)).toEqual([true, false, true]);
  });

  it('checks round trips against ≤ 4, ≤ 3 and ≤ 4', () => {
    const rt = {
      delayMs: 2,
      ceremonies: {
        authenticate: { roundTrips: 4.2, calibrated: 3.98, counted: 4, target: 4 },
        discoverable: { roundTrips: 2.9, calibrated: 3.04, counted: 3.25, target: 3 },
        register: { roundTrips: NaN, calibrated: NaN, counted: NaN, target: 4 },
      },
    };
    expect(roundTripTargets(rt).map((t) => [t.measured, t.met])).toEqual([
      ['4.2', false],
      ['2.9', true],
      ['–', false],
      // In units of one /readyz round trip, then counted by the proxy; a ceremony whose run
      // failed has no row of those.
      ['3.98', true],
      ['3.04', false],
      ['4.00', true],
      ['3.25', false],
    ]);
  });
});

describe("a run's PostgreSQL backends", () => {
  it('names those opened during the run, whose CPU is not counted, and those that closed', () => {
    expect(backendChurn([11, 12, 13], [12, 13, 14, 15])).toEqual({ opened: 2, closed: 1 });
    expect(backendChurn([11, 12], [12, 11])).toEqual({ opened: 0, closed: 0 });
    expect(backendChurn([], [])).toEqual({ opened: 0, closed: 0 });
  });
});

describe('turns per ceremony', () => {
  it('counts each ceremony’s own turns and takes the median, so a stray background query does not move it', () => {
    // Three ceremonies of 4 turns each; one background query lands inside the second, one
    // between ceremonies.
    const windows = [
      [0, 10],
      [20, 30],
      [40, 50],
    ];
    const turnTimes = [1, 3, 5, 7, 21, 22, 23, 25, 29, 35, 41, 44, 46, 48];
    expect(perCeremonyTurns(windows, turnTimes)).toEqual({
      median: 4,
      max: 5,
      histogram: { 4: 2, 5: 1 },
    });
  });

  it('says NaN when no ceremony was recorded', () => {
    expect(perCeremonyTurns([], [1, 2]).median).toBeNaN();
  });
});

describe('the round-trip proxy in front of PostgreSQL', () => {
  it('forwards to the host and port of a TCP URL', () => {
    expect(proxyTarget('postgres://u@db.example:6543/x')).toEqual({
      host: 'db.example',
      port: 6543,
    });
    expect(proxyTarget('postgres://u@127.0.0.1/x')).toEqual({ host: '127.0.0.1', port: 5432 });
  });

  it("forwards to the Unix socket a ?host=/dir URL names, and points the server at the proxy's port", () => {
    const url = 'postgres://postgres@localhost/bench_1?host=/var/run/postgresql';
    expect(proxyTarget(url)).toEqual({ path: '/var/run/postgresql/.s.PGSQL.5432' });
    expect(throughProxy(url, { host: '127.0.0.1', port: 40113 })).toBe(
      'postgres://postgres@127.0.0.1:40113/bench_1',
    );
  });
});
