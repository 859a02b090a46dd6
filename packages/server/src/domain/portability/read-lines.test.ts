import { describe, expect, it } from 'vitest';
import { readLines } from './read-lines.js';

async function* from(...chunks: (string | Uint8Array)[]) {
  for (const c of chunks) yield c;
}
async function all(gen: AsyncIterable<{ line: number; text: string }>) {
  const out: [number, string][] = [];
  for await (const l of gen) out.push([l.line, l.text]);
  return out;
}

describe('readLines', () => {
  it('numbers lines across chunk boundaries, with CRLF, a BOM and no final newline', async () => {
    const bytes = Buffer.from('\ufefffirst\r\nsecond\n\nfourth');
    const chunks = [bytes.subarray(0, 4), bytes.subarray(4, 9), bytes.subarray(9)];
    expect(await all(readLines(from(...chunks)))).toEqual([
      [1, 'first'],
      [2, 'second'],
      [3, ''],
      [4, 'fourth'],
    ]);
  });

  it('decodes a UTF-8 character split between two chunks', async () => {
    const bytes = Buffer.from('Zoë 👋\n');
    const cut = bytes.indexOf(0xf0) + 2; // inside the emoji's four bytes
    expect(await all(readLines(from(bytes.subarray(0, cut), bytes.subarray(cut))))).toEqual([
      [1, 'Zoë 👋'],
    ]);
  });

  it('reports bytes as they arrive and refuses input past maxBytes', async () => {
    const seen: number[] = [];
    await all(readLines(from('ab\n', 'cd\n'), { onBytes: (n) => seen.push(n) }));
    expect(seen).toEqual([3, 6]);
    await expect(all(readLines(from('abc\n', 'def\n'), { maxBytes: 5 }))).rejects.toMatchObject({
      code: 'payload_too_large',
    });
  });
});
