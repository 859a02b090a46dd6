import { PasskeydError } from '../errors.js';

export interface SourceLine {
  /** 1-based. */
  line: number;
  text: string;
}

export interface ReadLinesOptions {
  /** Refuses input beyond this many bytes with payload_too_large. */
  maxBytes?: number;
  /** Called with the running byte count as chunks arrive (progress bars). */
  onBytes?: (bytes: number) => void;
}

/** One line can hold a user with many credentials, but not a whole file sent without newlines. */
const MAX_LINE_CHARS = 4 * 1024 * 1024;

/**
 * Splits a stream of bytes into lines without holding more than one line, so a file of any size
 * streams through. UTF-8 is decoded across chunk boundaries; \r\n and a leading BOM are dropped.
 */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array | string>,
  opts: ReadLinesOptions = {},
): AsyncGenerator<SourceLine> {
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  let pending = '';
  let line = 0;
  let first = true;
  const emit = function* (final: boolean): Generator<SourceLine> {
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf('\n', start)) >= 0) {
      const end = nl > start && pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const text = pending.slice(start, end);
      start = nl + 1;
      yield { line: ++line, text };
    }
    pending = pending.slice(start);
    if (pending.length > MAX_LINE_CHARS) {
      throw new PasskeydError(
        'payload_too_large',
        `Line ${line + 1} is longer than ${MAX_LINE_CHARS} characters; is the input newline-separated?`,
      );
    }
    if (final && pending.length > 0) {
      const text = pending.endsWith('\r') ? pending.slice(0, -1) : pending;
      pending = '';
      yield { line: ++line, text };
    }
  };
  for await (const chunk of chunks) {
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    bytes += size;
    if (opts.maxBytes !== undefined && bytes > opts.maxBytes) {
      throw new PasskeydError(
        'payload_too_large',
        `The input is larger than ${opts.maxBytes} bytes.`,
      );
    }
    opts.onBytes?.(bytes);
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && pending.length > 0) {
      if (pending.charCodeAt(0) === 0xfeff) pending = pending.slice(1);
      first = false;
    }
    yield* emit(false);
  }
  pending += decoder.decode();
  yield* emit(true);
}
