import type { ActivityBucket } from '../api.js';
import { plural } from '../format.js';

/**
 * Registrations, sign-ins and failed sign-ins per hour or day, as grouped bars in SVG (sized by
 * attributes, so the strict CSP holds). Screen readers get a summary and the numbers as a table.
 */

const SERIES = [
  { key: 'registrations', label: 'Registrations', one: 'registration', cls: 'series-reg' },
  { key: 'sign_ins', label: 'Sign-ins', one: 'sign-in', cls: 'series-in' },
  { key: 'failed_sign_ins', label: 'Failed sign-ins', one: 'failed sign-in', cls: 'series-fail' },
] as const;

const W = 760;
const H = 220;
const PAD = { top: 12, right: 28, bottom: 28, left: 36 };

const hourFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

function niceMax(v: number): number {
  if (v <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function totals(buckets: ActivityBucket[]) {
  return Object.fromEntries(
    SERIES.map((s) => [s.key, buckets.reduce((n, b) => n + b[s.key], 0)]),
  ) as Record<(typeof SERIES)[number]['key'], number>;
}

export function ActivityChart({
  buckets,
  unit,
  caption,
}: {
  buckets: ActivityBucket[];
  unit: 'hour' | 'day';
  caption: string;
}) {
  const max = niceMax(Math.max(0, ...buckets.flatMap((b) => SERIES.map((s) => b[s.key]))));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const group = plotW / Math.max(1, buckets.length);
  const bar = Math.max(1.5, (group * 0.78) / SERIES.length);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const label = (iso: string) => (unit === 'hour' ? hourFmt : dayFmt).format(new Date(iso));
  const every = unit === 'hour' ? 4 : 5;
  const sum = totals(buckets);
  const summary = `${caption}: ${SERIES.map((s) => plural(sum[s.key], s.one)).join(', ')}.`;

  return (
    <figure class="chart">
      <div class="chart-legend" aria-hidden="true">
        {SERIES.map((s) => (
          <span key={s.key}>
            <span class={`swatch ${s.cls}`} />
            {s.label}
          </span>
        ))}
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} class="chart-svg">
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} />
            <text class="axis" x={PAD.left - 6} y={y(max * f) + 4} text-anchor="end">
              {Math.round(max * f)}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          const x0 = PAD.left + i * group + (group - bar * SERIES.length) / 2;
          return (
            <g key={b.start}>
              {SERIES.map((s, j) =>
                b[s.key] > 0 ? (
                  <rect
                    key={s.key}
                    class={s.cls}
                    x={x0 + j * bar}
                    width={bar - 0.5}
                    y={y(b[s.key])}
                    height={Math.max(1, y(0) - y(b[s.key]))}
                    rx={1}
                  >
                    <title>{`${label(b.start)}: ${plural(b[s.key], s.one)}`}</title>
                  </rect>
                ) : null,
              )}
              {i % every === (buckets.length - 1) % every ? (
                <text
                  class="axis"
                  x={PAD.left + i * group + group / 2}
                  y={H - 8}
                  text-anchor="middle"
                >
                  {label(b.start)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption class="visually-hidden">{summary}</figcaption>
      <details class="chart-table">
        <summary>Show the numbers</summary>
        <div class="table-wrap">
          <table class="table table-compact">
            <caption class="visually-hidden">{caption}</caption>
            <thead>
              <tr>
                <th scope="col">{unit === 'hour' ? 'Hour' : 'Day'}</th>
                {SERIES.map((s) => (
                  <th key={s.key} scope="col" class="num">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {buckets.map((b) => (
                <tr key={b.start}>
                  <th scope="row">{label(b.start)}</th>
                  {SERIES.map((s) => (
                    <td key={s.key} class="num">
                      {b[s.key]}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
