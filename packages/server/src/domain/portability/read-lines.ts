import { decodeText, type DecodeTextOptions } from './decode-text.js';

export interface SourceLine {
  /** 1-based. */
  line: number;
  text: string;
  /** Set when the line was longer than MAX_RECORD_CHARS: its text is dropped, not kept. */
  tooLong?: true;
}

export type ReadLinesOptions = DecodeTextOptions;

/**
 * One record (a line, a CSV row, an element of a JSON array) may hold a user with many passkeys,
 * about 2,500 at 1 MiB, but no more: parsing a larger one at once would keep the process busy
 * for too long, and its text would stay in memory.
 */
export const MAX_RECORD_CHARS = 1024 * 1024;

/**
 * Splits a stream of bytes into lines without holding more than one line, so a file of any size
 * streams through. UTF-8 is decoded across chunk boundaries; \r\n and a leading BOM are dropped.
 */
export function readLines(
  chunks: AsyncIterable<Uint8Array | string>,
  opts: ReadLinesOptions = {},
): AsyncGenerator<SourceLine> {
  return splitLines(decodeText(chunks, opts));
}

/**
 * Splits decoded text into lines. A line longer than MAX_RECORD_CHARS comes out once, marked
 * `tooLong` and without its text; the rest of it is skipped up to the next newline, so a file
 * sent without newlines costs one pass and no memory.
 */
export async function* splitLines(
  pieces: AsyncIterable<string>,
  firstLine = 1,
): AsyncGenerator<SourceLine> {
  let pending = '';
  let line = firstLine - 1;
  let skipping = false;
  for await (const piece of pieces) {
    // Only the new piece can hold the next newline: what is pending has none.
    let from = 0;
    let nl: number;
    while ((nl = piece.indexOf('\n', from)) >= 0) {
      line++;
      if (skipping) skipping = false;
      else {
        const text = pending + piece.slice(from, nl);
        yield { line, text: text.endsWith('\r') ? text.slice(0, -1) : text };
      }
      pending = '';
      from = nl + 1;
    }
    if (skipping) continue;
    pending += piece.slice(from);
    if (pending.length > MAX_RECORD_CHARS) {
      yield { line: line + 1, text: '', tooLong: true };
      pending = '';
      skipping = true;
    }
  }
  if (!skipping && pending.length > 0)
    yield { line: line + 1, text: pending.endsWith('\r') ? pending.slice(0, -1) : pending };
}
