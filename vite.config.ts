import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

// Absolute, because Vite's root is web/ and a relative path would be looked up there.
const svelteConfig = fileURLToPath(new URL('./svelte.config.js', import.meta.url));
const hub = process.env.LAB_HUB_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: 'web',
  plugins: [svelte({ configFile: svelteConfig })],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    rolldownOptions: {
      // `npm start` builds the page on a first run: a newcomer reads a timing report of the
      // build's plugins as an error. Real warnings (a chunk over 500 kB among them) still show.
      checks: { bundlerTimings: false },
    },
  },
  server: {
    proxy: {
      '/api': hub,
      '/socket.io': { target: hub, ws: true },
    },
  },
});
