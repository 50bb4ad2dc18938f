// The wasm half of the explorer benchmark (scripts/bench.sh, step 4): the
// reference scenario (bench/explore-reference.json, the file
// benches/explore.rs explores natively) explored to completion by the
// package's explorer module under Node, with the same options, and the
// wasm/native ratio against the native medians benches/explore.rs wrote.
//
// usage: node bench/explore-wasm.mjs NATIVE.json [PKG_DIR]
import { record } from "./record.mjs";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const [nativePath, pkgDir = "pkg"] = process.argv.slice(2);
if (!nativePath) {
  console.error("usage: node bench/explore-wasm.mjs NATIVE.json [PKG_DIR]");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { explore } = require(resolve(pkgDir, "explore", "node", "mapi_logoff_explore.js"));
const here = dirname(fileURLToPath(import.meta.url));
const scenario = readFileSync(join(here, "explore-reference.json"), "utf8");
const native = JSON.parse(readFileSync(nativePath, "utf8"));
// benches/explore.rs: max_depth 1000, max_states 20,000,000, invariants only.
const options = { maxDepth: 1000, maxStates: 20_000_000 };

const RUNS = 3;
const times = [];
let report;
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  report = explore(scenario, options);
  times.push((performance.now() - start) / 1000);
}
if (report.stopped !== "complete") throw new Error(`the reference was not explored completely: ${report.stopped}`);
if (report.uniqueStates !== native.uniqueStates) {
  throw new Error(`wasm found ${report.uniqueStates} unique states, native ${native.uniqueStates}`);
}
if (report.properties.some((p) => p.verdict !== "holds")) throw new Error("the reference scenario is well behaved");
const median = [...times].sort((a, b) => a - b)[RUNS >> 1];
const rate = (s) => Math.round(report.uniqueStates / s);
console.log(`explorer reference scenario in wasm (Node ${process.version}): ${report.uniqueStates} unique states, ${RUNS} runs, median:`);
console.log(`  wasm explorer   ${median.toFixed(3)} s  ${String(rate(median)).padStart(10)} states/s`);
console.log(`  native explorer ${native.nativeMedianSeconds.toFixed(3)} s  ${String(rate(native.nativeMedianSeconds)).padStart(10)} states/s`);
console.log(`  ratio: wasm takes ${(median / native.nativeMedianSeconds).toFixed(2)}x the native time (wasm/native speed ${(native.nativeMedianSeconds / median).toFixed(2)})`);
record({
  exploreStates: report.uniqueStates,
  exploreSeconds: native.nativeMedianSeconds,
  exploreParallelSeconds: native.parallelMedianSeconds,
  exploreParallelThreads: native.parallelThreads,
  staterightSeconds: native.staterightMedianSeconds,
  exploreBytesPerState: native.bytesPerState,
  explorePeakBytesPerState: native.peakBytesPerState,
  exploreWasmSeconds: median,
});
