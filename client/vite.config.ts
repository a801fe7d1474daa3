import { defineConfig, type Plugin as VitePlugin } from 'vite';
import type { Plugin as PostcssPlugin } from 'postcss';
import vue from '@vitejs/plugin-vue';
import purgeCss from '@fullhuman/postcss-purgecss';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Bulma ships every component (~560 kB); the page uses a few. PurgeCSS keeps the Bulma rules whose
 * selectors name a class, tag or attribute that appears in the app's sources, and leaves every other
 * stylesheet alone (uPlot's classes are made at run time, the app's own are all used).
 */
function onlyBulmaInUse(): PostcssPlugin {
  const purge = purgeCss({
    content: [here('index.html'), here('src/**/*.vue'), here('src/**/*.ts')],
    // Built from data at run time: the toast kinds (Toasts.vue `is-${kind}`).
    safelist: { standard: [/^is-(success|danger|warning|info|link|primary)$/] },
    variables: true,
    keyframes: false,
  }) as PostcssPlugin & { OnceExit: NonNullable<PostcssPlugin['OnceExit']> };
  return {
    postcssPlugin: 'ocpp-sim-only-bulma-in-use',
    OnceExit(root, helpers) {
      if (!/[\\/]node_modules[\\/]bulma[\\/]/.test(root.source?.input.file ?? '')) return;
      return purge.OnceExit(root, helpers);
    },
  };
}

// Built with `npm run build:client` (= `vite build client`) into client/dist.
// Everything is bundled (no CDN, no external fonts): the UI works offline.
export default defineConfig(({ command }) => ({
  root: here('.'),
  base: './',
  plugins: [vue()] as VitePlugin[],
  css: { postcss: { plugins: command === 'build' ? [onlyBulmaInUse()] : [] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npx vite client` for UI work against a running `./start.sh` (port 3000)
    proxy: { '/api': 'http://127.0.0.1:3000', '/docs': 'http://127.0.0.1:3000' },
  },
}));
