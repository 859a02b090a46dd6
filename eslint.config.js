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
    files: ['packages/js/src/**/*.ts', 'e2e/**/pages/**/*.js', 'examples/*/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
