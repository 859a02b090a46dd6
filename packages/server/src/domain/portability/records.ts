import { PasskeydError } from '../errors.js';
import { readCsvRows } from './csv-rows.js';
import { decodeText, type DecodeTextOptions } from './decode-text.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH, splitJsonArray } from './json-array.js';
import { MAX_RECORD_CHARS, splitLines, type SourceLine } from './read-lines.js';

/** Something a converter wants in the report without refusing the record (a device left out). */
export interface ImportNote {
  credentialId?: string;
  message: string;
}

/** One record of the input: a parsed object with its line number, or why the line is unusable. */
export type SourceRecord =
  { line: number; value: unknown; notes?: ImportNote[] } | { line: number; error: PasskeydError };

export type ParseSourceOptions = DecodeTextOptions;

const unreadable = (line: number, message: string): SourceRecord => ({
  line,
  error: new PasskeydError('invalid_request', message),
});

/**
 * Reads JSON lines, one JSON array, or CSV/TSV with a header row (the shapes `psql`, `sqlite3`
 * and spreadsheet exports produce), chosen by the first non-blank character. Every record becomes
 * a plain object; converters make sense of its fields. In a JSON array, `line` is the element's
 * position (1-based). All three stream: one record is held at a time, whatever the input's size.
 */
export async function* parseSource(
  chunks: AsyncIterable<Uint8Array | string>,
  opts: ParseSourceOptions = {},
): AsyncGenerator<SourceRecord> {
  const text = decodeText(chunks, opts)[Symbol.asyncIterator]();
  // Blank text before the first record is dropped as it comes; only its newlines are counted.
  let line = 1;
  let start: string | undefined;
  for (let r = await text.next(); !r.done; r = await text.next()) {
    const at = r.value.search(/\S/);
    line += newlines(at < 0 ? r.value : r.value.slice(0, at));
    if (at >= 0) {
      start = r.value.slice(at);
      break;
    }
  }
  if (start === undefined) return;
  const first = start;
  const pieces = (async function* () {
    yield first;
    for (let r = await text.next(); !r.done; r = await text.next()) yield r.value;
  })();
  if (first[0] === '{') yield* jsonLines(splitLines(pieces, line));
  else if (first[0] === '[') yield* jsonArray(pieces);
  else yield* readCsvRows(pieces, line);
}

function newlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** A record's text to a value: size and depth are checked first, so JSON.parse stays quick. */
function parseJson(text: string, line: number, what: string, depthChecked = false): SourceRecord {
  if (!depthChecked && jsonDepthExceeds(text))
    return unreadable(line, `${what} is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  try {
    return { line, value: JSON.parse(text) };
  } catch {
    return unreadable(line, `${what} is not valid JSON.`);
  }
}

async function* jsonLines(lines: AsyncIterable<SourceLine>): AsyncGenerator<SourceRecord> {
  for await (const l of lines) {
    if (l.tooLong)
      yield unreadable(l.line, `Line ${l.line} is longer than ${MAX_RECORD_CHARS} characters.`);
    else if (l.text.trim()) yield parseJson(l.text, l.line, `Line ${l.line}`);
  }
}

async function* jsonArray(pieces: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  for await (const el of splitJsonArray(pieces)) {
    if ('error' in el) yield unreadable(el.position, `Element ${el.position}: ${el.error}`);
    // splitJsonArray has measured the element's depth already.
    else yield parseJson(el.text, el.position, `Element ${el.position}`, true);
  }
}
