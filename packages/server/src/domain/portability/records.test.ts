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
