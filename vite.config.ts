/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const NACL_WASM = fileURLToPath(
  new URL('./crypto-native/build/wasm/anochat-nacl.wasm', import.meta.url),
);
/** Where `npm start` runs the sync server; `vite` (dev) forwards the API and the socket there. */
const DEV_SERVER = process.env.ANOCHAT_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'app',
  resolve: { alias: [{ find: /^anochat-nacl\.wasm/, replacement: NACL_WASM }] },
  server: {
    proxy: {
      '/api': DEV_SERVER,
      '/socket.io': { target: DEV_SERVER, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    rolldownOptions: {
      treeshake: {
        // @ionic/core declares no `sideEffects`, so every one of its ~100 components would be
        // bundled; a component module only defines its element, so an unused one can go.
        moduleSideEffects: (id: string) => !/[\\/]@ionic[\\/]core[\\/]components[\\/]/.test(id),
      },
    },
  },
  plugins: [
    vue(),
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      // Our own worker (app/src/sw.dom.ts): the precache of the shell, plus Web Push.
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.dom.ts',
      includeAssets: ['icons/icon.svg'],
      manifest: {
        name: 'AnoChat',
        short_name: 'AnoChat',
        description: 'Offline-first, end-to-end encrypted messenger',
        theme_color: '#3a5bd9',
        background_color: '#ffffff',
        display: 'standalone',
        start_url: '/',
        scope: '/',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          {
            src: '/icons/icon-512-maskable.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
          { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      injectManifest: {
        // The shell (page, scripts, styles, the WebAssembly module) is precached; API calls and the
        // sync socket are never cached: the data lives in IndexedDB (RxDB).
        globPatterns: ['**/*.{js,css,html,wasm,svg,png,webmanifest}'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
      },
    }),
  ],
  test: {
    root: 'app',
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['fake-indexeddb/auto'],
  },
});
