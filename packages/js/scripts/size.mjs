#!/usr/bin/env node
// Prints the size of the <script>-tag build (already minified by tsup) as JSON:
//   {"file": "packages/js/dist/index.global.js", "minBytes": N, "gzipBytes": N}
// The benchmark script reads this; run `npm run build -w @passkeyd/js` first.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const file = fileURLToPath(new URL('../dist/index.global.js', import.meta.url));
let bytes;
try {
  bytes = readFileSync(file);
} catch {
  console.error(`${file} is missing: run \`npm run build -w @passkeyd/js\` first.`);
  process.exit(1);
}
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
console.log(
  JSON.stringify({
    file: relative(repoRoot, file),
    minBytes: bytes.length,
    // Level 9 is what CDNs and `gzip -9` produce; it is the figure the README reports.
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
  }),
);
