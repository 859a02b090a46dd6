/**
 * A minimal Prometheus registry: counters, histograms and callback gauges rendered in the text
 * exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/). Small
 * enough to own; one instance per app, so tests and several servers in one process never share
 * counts.
 */

type Labels = Record<string, string>;

interface Metric {
  readonly name: string;
  render(): string[];
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}` : '';
};
const num = (n: number) =>
  Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';

function header(name: string, help: string, type: string): string[] {
  return [
    `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`,
    `# TYPE ${name} ${type}`,
  ];
}

/** Series keyed by their label values, in the order of `labelNames`. */
class Series<T> {
  readonly #entries = new Map<string, { labels: Labels; value: T }>();
  constructor(private readonly labelNames: readonly string[]) {}

  get(labels: Labels, init: () => T): T {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let e = this.#entries.get(key);
    if (!e) {
      e = {
        labels: Object.fromEntries(this.labelNames.map((n) => [n, labels[n] ?? ''])),
        value: init(),
      };
      this.#entries.set(key, e);
    }
    return e.value;
  }

  entries() {
    return this.#entries.values();
  }
}

export class Counter implements Metric {
  readonly #series: Series<{ n: number }>;
  constructor(
    readonly name: string,
    private readonly help: string,
    labelNames: readonly string[] = [],
  ) {
    this.#series = new Series(labelNames);
  }

  inc(labels: Labels = {}, by = 1): void {
    this.#series.get(labels, () => ({ n: 0 })).n += by;
  }

  render(): string[] {
    const out = header(this.name, this.help, 'counter');
    for (const { labels, value } of this.#series.entries())
      out.push(`${this.name}${labelText(labels)} ${num(value.n)}`);
    return out;
  }
}

export class Histogram implements Metric {
  readonly #series: Series<{ counts: number[]; sum: number; count: number }>;
  constructor(
    readonly name: string,
    private readonly help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
  ) {
    this.#series = new Series(labelNames);
  }

  observe(labels: Labels, value: number): void {
    const s = this.#series.get(labels, () => ({
      counts: this.buckets.map(() => 0),
      sum: 0,
      count: 0,
    }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    const out = header(this.name, this.help, 'histogram');
    for (const { labels, value } of this.#series.entries()) {
      this.buckets.forEach((le, i) =>
        out.push(`${this.name}_bucket${labelText({ ...labels, le: num(le) })} ${value.counts[i]}`),
      );
      out.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${value.count}`);
      out.push(`${this.name}_sum${labelText(labels)} ${num(value.sum)}`);
      out.push(`${this.name}_count${labelText(labels)} ${value.count}`);
    }
    return out;
  }
}

/**
 * A gauge read when scraped, from whatever owns the value (a pool, the process). A total that its
 * owner counts (the app cache's hits) is read the same way and exposed as type `counter`.
 */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => { labels?: Labels; value: number }[],
    private readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}

  render(): string[] {
    const samples = this.read();
    if (samples.length === 0) return [];
    return [
      ...header(this.name, this.help, this.type),
      ...samples.map((s) => `${this.name}${labelText(s.labels ?? {})} ${num(s.value)}`),
    ];
  }
}

export class Registry {
  readonly #metrics: Metric[] = [];
  readonly #collectors: (() => Promise<void>)[] = [];

  add<M extends Metric>(m: M): M {
    this.#metrics.push(m);
    return m;
  }

  /**
   * Runs `fn` before each scrape (collect()): for values that need a database query, such as
   * the webhook queue's depth, read when scraped rather than kept up to date on every change.
   */
  addCollector(fn: () => Promise<void>): void {
    this.#collectors.push(fn);
  }

  /** Refreshes what the collectors read, then renders. */
  async collect(): Promise<string> {
    await Promise.all(this.#collectors.map((fn) => fn()));
    return this.render();
  }

  render(): string {
    return `${this.#metrics.flatMap((m) => m.render()).join('\n')}\n`;
  }
}
