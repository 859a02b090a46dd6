import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authenticatorTable } from './lookup.js';

/**
 * scripts/update-aaguids.mjs run the way an operator without internet runs it: on local copies
 * of the two upstream formats.
 */
const script = fileURLToPath(new URL('../../../scripts/update-aaguids.mjs', import.meta.url));
const SVG = `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64')}`;
const GPM = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const ONE_PASSWORD = 'bada5566-a7aa-401f-bd96-45619a55120d';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aaguids-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(json));
  return path;
}

function run(...args: string[]): string {
  return execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', stdio: 'pipe' });
}

describe('update-aaguids.mjs', () => {
  it('merges a names-only list with a list carrying icons: later names win, icons fill in', () => {
    const names = write('aaguids.json', {
      [GPM]: 'Google Password Manager',
      [ONE_PASSWORD]: '1Password (old)',
    });
    const community = write('combined.json', {
      [ONE_PASSWORD]: { name: '1Password', icon_light: SVG, icon_dark: SVG },
      'AAAAAAAA-0000-4000-8000-000000000001': {
        name: 'Upper-case key',
        icon_light: 'https://example.com/logo.png',
      },
    });
    const out = join(dir, 'out.json');
    const log = run('--source', names, '--source', community, '--out', out);
    expect(log).toMatch(/3 authenticators \(1 with icons\)/);

    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.sources.map((s: { entries: number }) => s.entries)).toEqual([2, 2]);
    const table = authenticatorTable(doc);
    expect(table.get(GPM)).toEqual({
      name: 'Google Password Manager',
      iconLight: null,
      iconDark: null,
    });
    expect(table.get(ONE_PASSWORD)).toEqual({ name: '1Password', iconLight: SVG, iconDark: SVG });
    // Keys are lower-cased; an icon that is not a data: URI (a remote URL the browser would fetch) is dropped.
    expect(table.get('aaaaaaaa-0000-4000-8000-000000000001')).toEqual({
      name: 'Upper-case key',
      iconLight: null,
      iconDark: null,
    });
  });

  it('refuses an empty list (how the community list says it will retire) and keeps the old file', () => {
    const out = write('out.json', {
      authenticators: { [GPM]: { name: 'Google Password Manager' } },
    });
    const empty = write('empty.json', {});
    expect(() => run('--source', empty, '--out', out)).toThrow(/no entries/);
    expect(JSON.parse(readFileSync(out, 'utf8')).authenticators[GPM].name).toBe(
      'Google Password Manager',
    );
  });

  it('writes nothing with --dry-run but reports the change', () => {
    const out = write('out.json', { authenticators: {} });
    const log = run(
      '--source',
      write('n.json', { [GPM]: 'Google Password Manager' }),
      '--out',
      out,
      '--dry-run',
    );
    expect(log).toMatch(/\+1 -0/);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ authenticators: {} });
  });
});
