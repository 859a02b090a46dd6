import { describe, expect, it } from 'vitest';
import { parseSource, type SourceRecord } from './records.js';

async function parse(text: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  async function* one() {
    yield text;
  }
  for await (const r of parseSource(one())) out.push(r);
  return out;
}
const summary = (rs: SourceRecord[]) =>
  rs.map((r) => ('value' in r ? [r.line, r.value] : [r.line, r.error.code]));

describe('parseSource', () => {
  it('reads JSON lines, skipping blank lines and reporting a broken one by number', async () => {
    expect(summary(await parse('\n{"a":1}\n\n{"a":\n{"a":3}\n'))).toEqual([
      [2, { a: 1 }],
      [4, 'invalid_request'],
      [5, { a: 3 }],
    ]);
  });

  it('reads a JSON array (as sqlite3 -json prints it), numbering records by position', async () => {
    expect(summary(await parse('[{"a":1},\n{"a":2}]\n'))).toEqual([
      [1, { a: 1 }],
      [2, { a: 2 }],
    ]);
  });

  it('reads CSV with a header row, quoted commas, quotes and newlines, numbering rows by their first line', async () => {
    const csv =
      'id,name,transports\n1,"Smith, Jane","usb,nfc"\n2,"She said ""hi""\nand left",internal\n3,too,many,fields\n';
    expect(summary(await parse(csv))).toEqual([
      [2, { id: '1', name: 'Smith, Jane', transports: 'usb,nfc' }],
      [3, { id: '2', name: 'She said "hi"\nand left', transports: 'internal' }],
      [5, 'invalid_request'],
    ]);
  });

  it('reads tab-separated values when the header has tabs and no commas', async () => {
    expect(summary(await parse('id\tpublicKey\nabc\t\\x01ff\n'))).toEqual([
      [2, { id: 'abc', publicKey: '\\x01ff' }],
    ]);
  });

  it('reports a quoted field that never closes', async () => {
    expect(summary(await parse('a,b\n1,"open\n'))).toEqual([[2, 'invalid_request']]);
  });
});

const messages = (rs: SourceRecord[]) =>
  rs.map((r) => ('value' in r ? [r.line, r.value] : [r.line, r.error.message]));

describe('parseSource on hostile or careless input', () => {
  it('reads a CSV whose quote never closes in one pass, however many lines follow', async () => {
    // The hand-written splitter re-read everything since the quote on every line: 313 KiB took
    // 18 s. csv-parse reads each character once.
    const csv = `id,name\n1,ok\n2,"${'abc,def\n'.repeat(110_000)}`; // ~880 KiB
    const started = Date.now();
    expect(messages(await parse(csv))).toEqual([
      [2, { id: '1', name: 'ok' }],
      [3, 'A quoted field is never closed.'],
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops at a CSV row longer than 1 MiB and says why', async () => {
    const csv = `id,name\n1,"${'x'.repeat(1_100_000)}\n2,after\n`;
    const rs = messages(await parse(csv));
    expect(rs).toHaveLength(1);
    expect(rs[0]![0]).toBe(2);
    expect(rs[0]![1]).toMatch(/longer than 1048576 characters.*rest of the input was not read/);
  });

  it('stops at a CSV row of more than 1000 fields', async () => {
    const rs = messages(await parse(`a,b\n1,2\n${','.repeat(5000)}\n3,4\n`));
    expect(rs[0]).toEqual([2, { a: '1', b: '2' }]);
    expect(rs[1]).toEqual([3, expect.stringMatching(/more than 1000 fields/)]);
    expect(rs).toHaveLength(2);
  });

  it('numbers CSV rows by their first line across blank lines and CRLF', async () => {
    expect(summary(await parse('\n\nid,n\r\n1,"a\r\nb"\r\n\r\n  \r\n2,c\r\n'))).toEqual([
      [4, { id: '1', n: 'a\r\nb' }],
      [8, { id: '2', n: 'c' }],
    ]);
  });

  it('reports a bad element of a JSON array and reads on', async () => {
    expect(messages(await parse('[{"a":1}, {"a":}, {"a":"]"}, 7]'))).toEqual([
      [1, { a: 1 }],
      [2, 'Element 2 is not valid JSON.'],
      [3, { a: ']' }],
      [4, 7],
    ]);
  });

  it('reports a JSON array that never closes, an empty element and text after the ]', async () => {
    expect(messages(await parse('[{"a":1},'))).toEqual([
      [1, { a: 1 }],
      [2, 'Element 2: The JSON array is never closed.'],
    ]);
    expect(messages(await parse('[{"a":"unclosed}]'))).toEqual([
      [1, 'Element 1: A string in the JSON array is never closed.'],
    ]);
    expect(messages(await parse('[1,,2]'))).toEqual([
      [1, 1],
      [2, 'Element 2: Element is empty.'],
      [3, 2],
    ]);
    expect(messages(await parse('[1] [2]'))).toEqual([
      [1, 1],
      [2, "Element 2: Text follows the JSON array's closing ]."],
    ]);
    expect(messages(await parse('[]'))).toEqual([]);
  });

  it('refuses records nested deeper than 32 levels before parsing them, and reads on', async () => {
    const deep = `${'['.repeat(33)}${']'.repeat(33)}`;
    const ok = `${'['.repeat(31)}${']'.repeat(31)}`;
    expect(
      messages(await parse(`[${deep}, ${ok}, {"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]`)),
    ).toEqual([
      [1, 'Element 1: Element is nested deeper than 32 levels.'],
      [2, JSON.parse(ok)],
      [3, { a: '['.repeat(34) }],
    ]);
    expect(messages(await parse(`{"a":1}\n{"b":${deep}}\n{"c":3}\n`))).toEqual([
      [1, { a: 1 }],
      [2, 'Line 2 is nested deeper than 32 levels.'],
      [3, { c: 3 }],
    ]);
  });

  it('reports a JSON line over 1 MiB without keeping it, and reads the next line', async () => {
    const huge = `{"a":"${'x'.repeat(3_000_000)}"}`;
    expect(messages(await parse(`{"a":1}\n${huge}\n{"a":3}`))).toEqual([
      [1, { a: 1 }],
      [2, 'Line 2 is longer than 1048576 characters.'],
      [3, { a: 3 }],
    ]);
  });

  it('reports an array element over 1 MiB and reads the next one', async () => {
    const huge = `{"a":"${'x'.repeat(1_500_000)}"}`;
    expect(messages(await parse(`[${huge},{"a":2}]`))).toEqual([
      [1, 'Element 1: Element is longer than 1048576 characters.'],
      [2, { a: 2 }],
    ]);
  });

  it('streams a JSON array given in small chunks, split inside strings and escapes', async () => {
    const text = JSON.stringify([{ a: 'x,"]}y' }, { b: ['\\', { c: '\u00e9' }] }, 3]);
    async function* bytes() {
      const b = Buffer.from(text);
      for (let i = 0; i < b.length; i += 3) yield b.subarray(i, i + 3);
    }
    const out: SourceRecord[] = [];
    for await (const r of parseSource(bytes())) out.push(r);
    expect(summary(out)).toEqual([
      [1, { a: 'x,"]}y' }],
      [2, { b: ['\\', { c: '\u00e9' }] }],
      [3, 3],
    ]);
  });
});
