import { defineConfig } from 'vite';

// The Rust build runs `npm run build -- --outDir <dir> --emptyOutDir`; the UI is served at `/` with its
// assets under `/assets/`. During `npm run dev` the API is proxied to a server (the real one or
// dev-mock/server.mjs) named by CHAINDOCK_API, default http://127.0.0.1:8090.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: true,
  },
  server: {
    proxy: { '/api': process.env.CHAINDOCK_API ?? 'http://127.0.0.1:8090' },
  },
});
