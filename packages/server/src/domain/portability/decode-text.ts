import { setImmediate as nextTurn } from 'node:timers/promises';
import { PasskeydError } from '../errors.js';

export interface DecodeTextOptions {
  /** Refuses input beyond this many bytes with payload_too_large. */
  maxBytes?: number;
  /** The error to throw past maxBytes, so a caller can name its setting. */
  tooLarge?: () => PasskeydError;
  /** Called with the running byte count as chunks arrive (progress bars). */
  onBytes?: (bytes: number) => void;
}

/**
 * Largest piece of text handed on at once. Everything after this (line splitting, CSV and JSON
 * parsing, validation) works on one piece at a time, so a piece bounds how long the process is
 * busy before other requests get a turn: csv-parse takes up to 80 ms of CPU for 64 KiB of short
 * rows on the 2-core test machine, and 25 ms for 16 KiB.
 */
const PIECE_CHARS = 16 * 1024;

/**
 * Decodes a stream of bytes (or strings) as UTF-8 across chunk boundaries and drops a leading BOM.
 * It hands on pieces of at most 16 Ki characters and gives the event loop a turn before each:
 * an import runs inside the server, and `/healthz` and every app's sign-ins must not wait for it
 * (issue 12, item 4). An in-memory source or a body already buffered by the socket would
 * otherwise be read through in microtasks alone, never letting a timer or a request in.
 */
export async function* decodeText(
  chunks: AsyncIterable<Uint8Array | string>,
  opts: DecodeTextOptions = {},
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  let first = true;
  const pieces = function* (text: string): Generator<string> {
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    for (let i = 0; i < text.length; i += PIECE_CHARS) yield text.slice(i, i + PIECE_CHARS);
  };
  for await (const chunk of chunks) {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (opts.maxBytes !== undefined && bytes > opts.maxBytes) {
      throw (
        opts.tooLarge?.() ??
        new PasskeydError('payload_too_large', `The input is larger than ${opts.maxBytes} bytes.`)
      );
    }
    opts.onBytes?.(bytes);
    // TextDecoder drops the BOM itself; a string source is handled in pieces().
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (const piece of pieces(text)) {
      await nextTurn();
      yield piece;
    }
  }
  yield* pieces(decoder.decode());
}
