import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

// Absolute, because Vite's root is web/ and a relative path would be looked up there.
const svelteConfig = fileURLToPath(new URL('./svelte.config.js', import.meta.url));
const hub = process.env.LAB_HUB_URL ?? 'http://127.0.0.1:4000';
const page = (name: string) => fileURLToPath(new URL(`./web/${name}`, import.meta.url));

export default defineConfig({
  root: 'web',
  plugins: [svelte({ configFile: svelteConfig })],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    rolldownOptions: {
      // Two pages: the lab page, and the phone page a class opens at /join (kept small: it loads
      // over the room's Wi-Fi and never pulls in D3 or the trace model).
      input: { main: page('index.html'), join: page('join.html') },
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
