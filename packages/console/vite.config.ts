import { defineConfig } from 'vite';

// passkeyd serves the built files at /console (packages/server/src/http/routes/console.ts).
// `npm run dev -w @passkeyd/console` proxies the API to a passkeyd on PASSKEYD_URL.
const target = process.env.PASSKEYD_URL ?? 'http://localhost:8787';

export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything is a file under /console/assets: the server's CSP allows no inline code or styles.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '^/(v1|console/session)': {
        target,
        changeOrigin: true,
        // The server accepts console writes only from its own origin; the dev server is another.
        configure: (proxy) => proxy.on('proxyReq', (req) => req.setHeader('origin', target)),
      },
    },
  },
});
