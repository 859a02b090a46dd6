import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from './registry.js';

describe('the Prometheus text exposition', () => {
  it('renders counters per label set, escaping quotes, backslashes and newlines in values', () => {
    const r = new Registry();
    const c = r.add(new Counter('x_total', 'Things.', ['route', 'code']));
    c.inc({ route: '/a', code: 'ok' });
    c.inc({ route: '/a', code: 'ok' }, 2);
    c.inc({ route: 'say "hi"\\\n', code: 'ok' });
    expect(r.render()).toBe(
      [
        '# HELP x_total Things.',
        '# TYPE x_total counter',
        'x_total{route="/a",code="ok"} 3',
        'x_total{route="say \\"hi\\"\\\\\\n",code="ok"} 1',
        '',
      ].join('\n'),
    );
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', () => {
    const r = new Registry();
    const h = r.add(new Histogram('d_seconds', 'Durations.', ['step'], [0.1, 1]));
    for (const v of [0.05, 0.5, 3]) h.observe({ step: 'finish' }, v);
    expect(r.render().split('\n')).toEqual([
      '# HELP d_seconds Durations.',
      '# TYPE d_seconds histogram',
      'd_seconds_bucket{step="finish",le="0.1"} 1',
      'd_seconds_bucket{step="finish",le="1"} 2',
      'd_seconds_bucket{step="finish",le="+Inf"} 3',
      'd_seconds_sum{step="finish"} 3.55',
      'd_seconds_count{step="finish"} 3',
      '',
    ]);
  });

  it('reads gauges when scraped and leaves out a gauge with nothing to report', () => {
    let value: number | undefined = 4;
    const r = new Registry();
    r.add(
      new Gauge('g', 'A gauge.', () =>
        value === undefined ? [] : [{ labels: { state: 'idle' }, value }],
      ),
    );
    expect(r.render()).toContain('g{state="idle"} 4');
    value = 7;
    expect(r.render()).toContain('g{state="idle"} 7');
    value = undefined;
    expect(r.render()).toBe('\n');
  });
});
