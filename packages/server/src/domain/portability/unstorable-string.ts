/** A string of an import record that no database should be given, and where it is. */
export interface UnstorableString {
  field: string;
  reason: string;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first string in `value` (a parsed record, walked without recursion) that holds U+0000 or is
 * not well-formed UTF-16. PostgreSQL refuses U+0000 in text, failing the whole batch it is in,
 * while SQLite stores it; lone surrogates become U+FFFD on the way into PostgreSQL, so two
 * different ids would turn into one (issue 12, item 2). Refusing the record keeps both engines
 * equal and the rest of the import going. Field names are the record's: `credentials[0].aaguid`.
 */
export function findUnstorableString(value: unknown): UnstorableString | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { field: path, reason: 'contains U+0000 (NUL)' };
      if (LONE_SURROGATE.test(v))
        return { field: path, reason: 'is not well-formed UTF-16 (a lone surrogate)' };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i]!;
        stack.push([x, path ? `${path}.${k}` : k]);
      }
    }
  }
  return undefined;
}
