/**
 * Hand-written SQL with `:name` placeholders, turned once into PostgreSQL's `$n` form with the
 * order of its values. Names keep the long ceremony statements readable; a value used in several
 * places is sent once.
 */
export interface NamedSql {
  name: string;
  text: string;
  names: string[];
}

export function namedSql(name: string, source: string): NamedSql {
  const names: string[] = [];
  // `::` casts are left alone: only a colon that follows no colon starts a placeholder.
  const text = source.replace(/(?<!:):([a-z_][a-z0-9_]*)/g, (_, n: string) => {
    let i = names.indexOf(n);
    if (i < 0) i = names.push(n) - 1;
    return `$${i + 1}`;
  });
  return { name, text, names };
}

/**
 * The statement's values in `$n` order, each taken from the first of `sources` that has it. Several
 * sources rather than one `{ ...shared, more }`: on Node 20 (V8 11.3) an object built that way
 * gets maps of its own, allocated in the old generation, on every call (docs/benchmarks.md).
 */
export function valuesOf(q: NamedSql, ...sources: Record<string, unknown>[]): unknown[] {
  return q.names.map((n) => {
    for (const s of sources) if (n in s) return s[n];
    throw new TypeError(`${q.name}: no value for :${n}`);
  });
}
