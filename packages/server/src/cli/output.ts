/** Output helpers: --json prints one JSON document on stdout; otherwise aligned text. */
export interface Out {
  json: boolean;
  print(value: unknown, text: () => string): void;
}

export function makeOut(
  json: boolean,
  write: (s: string) => void = (s) => process.stdout.write(s),
): Out {
  return {
    json,
    print(value, text) {
      write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
    },
  };
}

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) =>
    columns.map((c) => (r[c] === null || r[c] === undefined ? '-' : String(r[c]))),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}
