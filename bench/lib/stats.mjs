/** Latency samples in milliseconds, summarised without a histogram library. */
export class Samples {
  #values = [];

  add(ms) {
    this.#values.push(ms);
  }

  get count() {
    return this.#values.length;
  }

  /** Nearest-rank percentiles over every sample (no sampling, no interpolation). */
  summary() {
    const v = Float64Array.from(this.#values).sort();
    const at = (p) =>
      v.length ? v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] : NaN;
    return {
      count: v.length,
      p50: round(at(50)),
      p95: round(at(95)),
      p99: round(at(99)),
      max: round(v.length ? v[v.length - 1] : NaN),
    };
  }
}

export const round = (x, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
