import { PasskeydError } from '../errors.js';
import type { SourceLine } from './read-lines.js';

/** Something a converter wants in the report without refusing the record (a device left out). */
export interface ImportNote {
  credentialId?: string;
  message: string;
}

/** One record of the input: a parsed object with its line number, or why the line is unusable. */
export type SourceRecord =
  { line: number; value: unknown; notes?: ImportNote[] } | { line: number; error: PasskeydError };

const notJson = (line: number, what: string) =>
  ({ line, error: new PasskeydError('invalid_request', `${what} is not valid JSON.`) }) as const;

/**
 * Reads JSON lines, one JSON array, or CSV/TSV with a header row (the shapes `psql`, `sqlite3`
 * and spreadsheet exports produce), chosen by the first non-blank line. Every record becomes a
 * plain object; converters make sense of its fields. In a JSON array, `line` is the element's
 * position (1-based).
 */
export async function* parseSource(lines: AsyncIterable<SourceLine>): AsyncGenerator<SourceRecord> {
  const it = lines[Symbol.asyncIterator]();
  let first: SourceLine | undefined;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    if (r.value.text.trim()) {
      first = r.value;
      break;
    }
  }
  if (!first) return;
  const rest: AsyncIterable<SourceLine> = { [Symbol.asyncIterator]: () => it };
  const head = first.text.trimStart()[0];
  if (head === '{') yield* jsonLines(first, rest);
  else if (head === '[') yield* jsonArray(first, rest);
  else yield* csvRows(first, rest);
}

async function* jsonLines(
  first: SourceLine,
  rest: AsyncIterable<SourceLine>,
): AsyncGenerator<SourceRecord> {
  const one = (l: SourceLine): SourceRecord => {
    try {
      return { line: l.line, value: JSON.parse(l.text) };
    } catch {
      return notJson(l.line, `Line ${l.line}`);
    }
  };
  yield one(first);
  for await (const l of rest) if (l.text.trim()) yield one(l);
}

async function* jsonArray(
  first: SourceLine,
  rest: AsyncIterable<SourceLine>,
): AsyncGenerator<SourceRecord> {
  const parts = [first.text];
  for await (const l of rest) parts.push(l.text);
  let items: unknown;
  try {
    items = JSON.parse(parts.join('\n'));
  } catch {
    yield notJson(first.line, 'The input starts like a JSON array but');
    return;
  }
  if (!Array.isArray(items)) return;
  for (let i = 0; i < items.length; i++) yield { line: i + 1, value: items[i] };
}

async function* csvRows(
  first: SourceLine,
  rest: AsyncIterable<SourceLine>,
): AsyncGenerator<SourceRecord> {
  const delimiter = first.text.includes('\t') && !first.text.includes(',') ? '\t' : ',';
  const header = splitCsv(first.text, delimiter).fields.map((h) => h.trim());
  let pending: { line: number; text: string } | undefined;
  for await (const l of rest) {
    const text = pending ? `${pending.text}\n${l.text}` : l.text;
    const line = pending?.line ?? l.line;
    const { fields, open } = splitCsv(text, delimiter);
    // A quoted field may hold newlines: keep reading until its quote closes.
    if (open) {
      pending = { line, text };
      continue;
    }
    pending = undefined;
    if (!text.trim()) continue;
    if (fields.length !== header.length) {
      yield {
        line,
        error: new PasskeydError(
          'invalid_request',
          `Row has ${fields.length} fields; the header has ${header.length}.`,
        ),
      };
      continue;
    }
    yield { line, value: Object.fromEntries(header.map((h, i) => [h, fields[i]])) };
  }
  if (pending)
    yield {
      line: pending.line,
      error: new PasskeydError('invalid_request', 'A quoted field is never closed.'),
    };
}

/** RFC 4180 fields of one record; `open` when a quoted field runs past the end of `text`. */
export function splitCsv(text: string, delimiter = ','): { fields: string[]; open: boolean } {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return { fields, open: quoted };
}
