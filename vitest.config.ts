import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Workspace packages resolve to their TypeScript sources in tests, so a test run never
// depends on a stale dist/. Browser tests load the built bundles; `npm test` builds first.
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@passkeyd\/server\/testing$/,
        replacement: src('./packages/server/src/testing/index.ts'),
      },
      { find: /^@passkeyd\/server$/, replacement: src('./packages/server/src/index.ts') },
      {
        find: /^@passkeyd\/test-authenticator$/,
        replacement: src('./packages/test-authenticator/src/index.ts'),
      },
      { find: /^@passkeyd\/node$/, replacement: src('./packages/node/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'e2e/**/*.test.ts',
      // The benchmark's own tools (the delay proxy that counts database round trips).
      'bench/**/*.test.mjs',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
