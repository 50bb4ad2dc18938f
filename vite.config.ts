// Builds the playground (index.html) and the custom element (element.js)
// into dist/, with relative asset paths so any static server or docs site
// can host the folder. The engine is the wasm-bindgen web build in pkg/.
import { defineConfig } from "vite";

/** A path next to this file (no node:* import, so www's tsconfig checks this file too). */
const here = (p: string) => decodeURIComponent(new URL(p, import.meta.url).pathname);

export default defineConfig({
  base: "./",
  publicDir: false,
  resolve: {
    // Exact matches: a plain "mapi-logoff" key would also rewrite "mapi-logoff/check".
    alias: [
      { find: /^mapi-logoff$/, replacement: here("./pkg/mapi_logoff.js") },
      // The trace checker: its own small wasm module, loaded with the "Check a trace" tab.
      { find: /^mapi-logoff\/check$/, replacement: here("./pkg/check/mapi_logoff_check.js") },
      // The explorer: its own wasm module, loaded by the Explore tab's worker (www/explore.worker.ts).
      { find: /^mapi-logoff\/explore$/, replacement: here("./pkg/explore/mapi_logoff_explore.js") },
    ],
  },
  // The explorer runs in a module worker: ES output keeps import.meta.url, so the
  // web build's `new URL("…_bg.wasm", import.meta.url)` resolves to the emitted asset.
  worker: { format: "es" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        index: here("./index.html"),
        element: here("./www/element.ts"),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === "element" ? "element.js" : "assets/[name]-[hash].js"),
      },
    },
  },
  preview: { host: "127.0.0.1" },
  server: { host: "127.0.0.1" },
});
