/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development the SPA talks to the gateway (AppHost) so cookies, /api and /hubs behave as in production.
const gateway = process.env.PLATFORM_GATEWAY ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 5173,
    proxy: {
      // The Api refuses state changes and hub connections from another origin (docs/security.md): this dev server
      // forwards the browser's requests as the gateway's own origin, which is what it stands in for.
      '/api': { target: gateway, changeOrigin: true, headers: { origin: gateway } },
      '/hubs': { target: gateway, changeOrigin: true, ws: true, rewriteWsOrigin: true, headers: { origin: gateway } },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      onwarn(warning, warn) {
        // @microsoft/signalr ships /*#__PURE__*/ comments in positions Rollup ignores; harmless, and noisy in every build.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('@microsoft/signalr')) return;
        warn(warning);
      },
      output: {
        // Libraries change less often than our code: separate chunks stay cached across deploys.
        manualChunks(id) {
          if (/node_modules\/(react|react-dom|react-router|scheduler|cookie|set-cookie-parser)\//.test(id)) return 'react';
          if (id.includes('node_modules/@tanstack/')) return 'query';
          if (id.includes('node_modules/@microsoft/signalr/')) return 'signalr';
          return undefined;
        },
      },
    },
  },
  test: {
    globals: true,
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup-tests.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    testTimeout: 15_000,
  },
});
