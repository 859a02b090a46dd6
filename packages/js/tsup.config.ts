import { defineConfig } from 'tsup';

// Zero runtime dependencies, so each build is just this package's code.
export default defineConfig([
  {
    // For bundlers and Node-side rendering: readable ESM + CJS with declarations.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'browser',
    treeshake: true,
  },
  {
    // For a <script> tag: window.Passkeyd.PassageFlex. Minified, since its size is the product.
    entry: { index: 'src/index.ts' },
    format: ['iife'],
    globalName: 'Passkeyd',
    minify: true,
    sourcemap: true,
    target: 'es2022',
    platform: 'browser',
  },
]);
