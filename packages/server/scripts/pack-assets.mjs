#!/usr/bin/env node
// `prepack` of @passkeyd/server: an installed package has no packages/console beside it, so the
// built console goes into dist/console, where http/routes/console.ts looks after the clone's copy.
// The AAGUID table is already in dist (the build copies it). Refuses to pack a package that
// would start without either, or without its compiled code: `npm run build` at the root first.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../', import.meta.url));
const consoleBuild = fileURLToPath(new URL('../../console/dist/', import.meta.url));
const target = fileURLToPath(new URL('../dist/console/', import.meta.url));

const required = [
  [`${pkg}dist/index.js`, 'the compiled server'],
  [`${pkg}dist/cli/main.js`, 'the compiled CLI'],
  [`${pkg}dist/domain/aaguid/aaguids.json`, 'the AAGUID table'],
  [`${consoleBuild}index.html`, 'the built console (packages/console/dist)'],
];
const missing = required.filter(([file]) => !existsSync(file));
if (missing.length > 0) {
  for (const [file, what] of missing) console.error(`pack: ${what} is missing (${file})`);
  console.error('pack: run `npm run build` at the repository root first.');
  process.exit(1);
}

// Replaced, not merged: assets are named by content hash, and a stale one must not ship.
rmSync(target, { recursive: true, force: true });
cpSync(consoleBuild, target, { recursive: true });
