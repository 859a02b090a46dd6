#!/usr/bin/env node
// `npx passkeyd …` after `npm install passkeyd`: the command lives in @passkeyd/server.
import { main } from '@passkeyd/server/cli';

main().then((code) => {
  process.exitCode = code;
});
