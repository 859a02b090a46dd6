#!/usr/bin/env node
// The compiled CLI. `npm install` at the repository root builds it (root "prepare" script).
import { main } from '../dist/cli/main.js';

main().then((code) => {
  process.exitCode = code;
});
