import { CsvError, parse, type Info, type Options } from 'csv-parse';
import { PasskeydError, isPasskeydError } from '../errors.js';
import { MAX_RECORD_CHARS } from './read-lines.js';
import type { SourceRecord } from './records.js';

/** Widest row read. Real exports have a few dozen columns; a line of commas is not one. */
export const MAX_CSV_FIELDS = 1000;

const rowError = (line: number, message: string): SourceRecord => ({
  line,
  error: new PasskeydError('invalid_request', message),
});

interface Row {
  record: string[];
  line: number;
}

/** Thrown from csv-parse's per-field hook to stop a row before it grows without bound. */
class TooManyFields extends Error {
  constructor(readonly line: number) {
    super('too many fields');
  }
}

/**
 * CSV or TSV with a header row (RFC 4180: quoted fields may hold delimiters, quotes and
 * newlines), parsed by csv-parse as a stream: each piece of text is parsed once, so an unclosed
 * quote costs one pass, not one pass per line read (issue 12, item 4). `pieces` starts at the
 * header, which is on line `firstLine`. Rows are numbered by the line they start on.
 *
 * A row whose field count differs from the header's is refused and the next one is read. A
 * quote that never closes, a row longer than MAX_RECORD_CHARS or wider than MAX_CSV_FIELDS
 * leaves no way to know where the next row starts: it is reported and the rest is not read.
 */
export async function* readCsvRows(
  pieces: AsyncIterable<string>,
  firstLine: number,
): AsyncGenerator<SourceRecord> {
  const source = pieces[Symbol.asyncIterator]();
  // The delimiter is chosen from the header line: tabs and no commas make it TSV.
  let head = '';
  for (let r = await source.next(); !r.done; r = await source.next()) {
    head += r.value;
    if (head.includes('\n') || head.length > MAX_RECORD_CHARS) break;
  }
  const nl = head.indexOf('\n');
  const headerLine = nl < 0 ? head : head.slice(0, nl);
  const delimiter = headerLine.includes('\t') && !headerLine.includes(',') ? '\t' : ',';

  // csv-parse counts lines where a row ends; a row starts after the previous one and any blank
  // lines it skipped. Its hooks run as it parses, ahead of the rows read from the stream.
  let lastEnd = 0;
  let lastEmpty = 0;
  // csv-parse 7 counts a CRLF inside a quoted field as two lines; taken back out here.
  let extraLines = 0;
  const startOf = (info: Pick<Info, 'empty_lines'>) =>
    lastEnd + 1 + (info.empty_lines - lastEmpty) + firstLine - 1;

  const options: Options<Row, string[]> = {
    delimiter,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
    cast: (value, ctx) => {
      if (ctx.index >= MAX_CSV_FIELDS) throw new TooManyFields(startOf(ctx));
      return value;
    },
    on_record: (record, ctx) => {
      const row: Row = { record, line: startOf(ctx) };
      for (const f of record)
        for (let i = f.indexOf('\r\n'); i >= 0; i = f.indexOf('\r\n', i + 2)) extraLines++;
      lastEnd = ctx.lines - extraLines;
      lastEmpty = ctx.empty_lines;
      return row;
    },
  };
  // The typings tie the output type to `columns`; the rows are what on_record returns.
  const parser = parse(options as unknown as Options);

  let stopped = false;
  const closed = new Promise<void>((resolve) => parser.once('close', resolve));
  // Feeds the parser with back-pressure. After the parser stops, the rest of the input is still
  // read (and counted against the import limit) but not parsed.
  const feed = (async () => {
    try {
      if (head) await write(head);
      for (let r = await source.next(); !r.done; r = await source.next())
        if (!stopped) await write(r.value);
      if (!stopped) parser.end();
    } catch (e) {
      parser.destroy(e as Error);
    }
  })();
  async function write(text: string) {
    if (parser.destroyed) return;
    if (!parser.write(text)) await Promise.race([once('drain'), closed]);
  }
  function once(event: string) {
    return new Promise<void>((resolve) => parser.once(event, () => resolve()));
  }

  let header: string[] | undefined;
  try {
    for await (const { record, line } of parser as AsyncIterable<Row>) {
      // A line of blanks is an empty line to a person reading the file.
      if (record.length === 1 && record[0]!.trim() === '') continue;
      if (!header) {
        header = record.map((h) => h.trim());
        continue;
      }
      if (record.length !== header.length) {
        yield rowError(line, `Row has ${record.length} fields; the header has ${header.length}.`);
        continue;
      }
      yield { line, value: Object.fromEntries(header.map((h, i) => [h, record[i]])) };
    }
  } catch (e) {
    if (isPasskeydError(e)) throw e;
    stopped = true;
    if (e instanceof TooManyFields) {
      yield rowError(
        e.line,
        `Row has more than ${MAX_CSV_FIELDS} fields; the rest of the input was not read.`,
      );
    } else if (e instanceof CsvError) {
      const line = startOf(e as unknown as Info);
      if (e.code === 'CSV_QUOTE_NOT_CLOSED')
        yield rowError(line, 'A quoted field is never closed.');
      else if (e.code === 'CSV_MAX_RECORD_SIZE')
        yield rowError(
          line,
          `Row is longer than ${MAX_RECORD_CHARS} characters (is a quote never closed?); the rest of the input was not read.`,
        );
      else yield rowError(line, `${e.message}; the rest of the input was not read.`);
    } else throw e;
  } finally {
    stopped = true;
    parser.destroy();
  }
  await feed;
}
