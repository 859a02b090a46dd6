import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.data/**',
      '**/.tmp/**',
      'coverage/**',
      '**/*.global.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Tests poke at wire JSON whose shape is the thing under test.
    files: ['**/*.test.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Config is read once in main/cli and passed down; nothing deep inside reads the environment.
    files: ['packages/server/src/**/*.ts'],
    ignores: [
      'packages/server/src/main.ts',
      'packages/server/src/cli/**',
      'packages/server/src/config/**',
      'packages/server/src/**/*.test.ts',
      'packages/server/src/testing/**',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration in config/ and pass it in.',
        },
      ],
    },
  },
  {
    // The domain is framework- and driver-free: it can be used and tested without HTTP or SQL.
    files: ['packages/server/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'fastify',
            '@fastify/*',
            'kysely',
            'pg',
            'better-sqlite3',
            '**/http/**',
            '**/storage/kysely/**',
          ],
        },
      ],
    },
  },
  {
    // The ceremony path: on Node 20 (V8 11.3) `{ ...a, b: 1 }`, a property after a spread, gives
    // each object maps of its own in the old generation, about 2.5-10 µs and up to 3 KB of
    // garbage per object; it was 40 µs of a sign-in's 290 µs of storage work (docs/benchmarks.md).
    // A spread last (`{ a: 1, ...b }`) or alone is not affected, nor is Node 24.
    files: [
      'packages/server/src/storage/ceremonies/**/*.ts',
      'packages/server/src/domain/ceremonies/**/*.ts',
      'packages/server/src/http/routes/frontend.ts',
      'packages/server/src/http/routes/management.ts',
      'packages/server/src/metrics/http-hooks.ts',
    ],
    ignores: ['**/*.test.ts', '**/*.contract.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ObjectExpression > SpreadElement ~ Property',
          message:
            'A property after a spread is slow on Node 20 on the ceremony path: spell the object out, or put the spread last.',
        },
      ],
    },
  },
  {
    files: ['packages/js/src/**/*.ts', 'e2e/**/pages/**/*.js', 'examples/*/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
