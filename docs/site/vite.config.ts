// Builds the docs site's one script and stylesheet (dist/docs/assets/site.js,
// site.css) and the engine's wasm beside them. The pages themselves are
// written by docs/site/build.mjs, which links these fixed names; Vite is used
// for what it does best here: TypeScript, the wasm asset and minification.
import { defineConfig } from "vite";

/** A path next to this file (no node:* import, so www's tsconfig checks this file too). */
const here = (p: string) => decodeURIComponent(new URL(p, import.meta.url).pathname);

export default defineConfig({
  root: here("."),
  base: "./",
  publicDir: false,
  resolve: {
    alias: [{ find: /^mapi-logoff$/, replacement: here("../../pkg/mapi_logoff.js") }],
  },
  build: {
    outDir: here("../../dist/docs"),
    // The playground's build empties dist/ first; this one adds dist/docs/ to it.
    emptyOutDir: false,
    target: "es2022",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rollupOptions: {
      input: { site: here("./src/main.ts") },
      output: {
        entryFileNames: "assets/[name].js",
        chunkFileNames: "assets/[name]-[hash].js",
        assetFileNames: (asset) => (asset.names?.some((n) => n.endsWith(".css")) ? "assets/site.css" : "assets/[name]-[hash][extname]"),
      },
    },
  },
});
