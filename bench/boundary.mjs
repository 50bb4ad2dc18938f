// The JS boundary, side by side (issue 12, `npm run bench`): the engine
// module built twice from one source, outputs as serde_json text read by
// `JSON.parse` (what the package ships) and as JS objects built by
// serde-wasm-bindgen (cargo feature `swb-outputs`). Inputs are read the
// same way in both (the checking walk, src/wasm/input.rs). Per build: the
// module's size (gzip level 9, as the package test measures it), one
// apply() minimal and busy, and state() and trace() on the busy workload.
//
// usage: node bench/boundary.mjs WORKLOAD.json NAME=DIR [NAME=DIR ...]
// (each DIR a `wasm-bindgen --target nodejs` output with mapi_logoff.js)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";

const [workloadPath, ...builds] = process.argv.slice(2);
if (!workloadPath || builds.length === 0) {
  console.error("usage: node bench/boundary.mjs WORKLOAD.json NAME=DIR [NAME=DIR ...]");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const workload = JSON.parse(readFileSync(workloadPath, "utf8"));
const base = { ...workload, actions: [] };
const BUDGET_MS = 1000 * Number(process.env.BENCH_SECONDS ?? 20) / 4;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Median of `sample()` (a number) over runs bounded by time (3 to 31). */
function measure(sample) {
  sample();
  const runs = [];
  const start = performance.now();
  while (runs.length < 3 || (runs.length < 31 && performance.now() - start < BUDGET_MS)) runs.push(sample());
  return median(runs);
}

const results = [];
for (const spec of builds) {
  const [name, dir] = spec.split("=");
  const { Simulation } = require(resolve(dir, "mapi_logoff.js"));
  const gz = gzipSync(readFileSync(join(dir, "mapi_logoff_bg.wasm")), { level: 9 }).length;
  // Minimal: addRef on a one-store scenario, 999 calls per sample on a fresh
  // simulation: the fixed cost. (The model caps client references at 1,000:
  // past that, addRef is refused and changes nothing, which costs less.)
  const addRef = { type: "addRef", store: 0 };
  const minimalUs = measure(() => {
    const tiny = new Simulation({ version: 1, stores: [{ name: "A" }] });
    const t0 = performance.now();
    for (let i = 0; i < 999; i++) tiny.apply(addRef);
    const t = performance.now() - t0;
    tiny.free();
    return (t * 1000) / 999;
  });
  // Busy: the workload's actions one by one on a fresh simulation.
  const busyUs = measure(() => {
    const sim = new Simulation(base);
    const t0 = performance.now();
    for (const a of workload.actions) sim.apply(a);
    const t = performance.now() - t0;
    sim.free();
    return (t * 1000) / workload.actions.length;
  });
  const done = new Simulation(workload);
  const stateMs = measure(() => {
    const t0 = performance.now();
    done.state();
    return performance.now() - t0;
  });
  const traceMs = measure(() => {
    const t0 = performance.now();
    done.trace();
    return performance.now() - t0;
  });
  // Both builds must give the same values.
  const tiny = new Simulation({ version: 1, stores: [{ name: "A" }] });
  const sample = JSON.stringify({ state: done.state(), trace: done.trace(), outcome: tiny.apply(addRef) });
  results.push({ name, gz, minimalUs, busyUs, stateMs, traceMs, sample, events: done.trace().length });
  done.free();
  tiny.free();
}
const same = results.every((r) => r.sample === results[0].sample);
const pad = (c, w) => String(c).padEnd(w);
console.log(`\nJS boundary: ${workload.name}; ${workload.actions.length} actions, ${results[0].events} trace events (medians)`);
console.log([pad("outputs as", 22), pad("module gz", 11), pad("apply minimal", 15), pad("apply busy", 12), pad("state() busy", 14), "trace() busy"].join(""));
for (const r of results) {
  console.log(
    [pad(r.name, 22), pad(`${r.gz} B`, 11), pad(`${r.minimalUs.toFixed(2)} µs`, 15), pad(`${r.busyUs.toFixed(0)} µs`, 12), pad(`${r.stateMs.toFixed(3)} ms`, 14), `${r.traceMs.toFixed(3)} ms`].join(""),
  );
}
if (results.length > 1) {
  const [a, b] = results;
  const ratio = (x, y) => (y / x).toFixed(2);
  console.log(`${b.name} / ${a.name}: size ${ratio(a.gz, b.gz)}, apply minimal ${ratio(a.minimalUs, b.minimalUs)}, apply busy ${ratio(a.busyUs, b.busyUs)}, state() ${ratio(a.stateMs, b.stateMs)}, trace() ${ratio(a.traceMs, b.traceMs)} (above 1: ${b.name} costs more)`);
}
if (!same) {
  console.error("bench/boundary.mjs: the builds returned different values");
  process.exit(1);
}
