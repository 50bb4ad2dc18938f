// The wasm half of `npm run bench` (scripts/bench.sh): the reference
// workload (bench/workload.rs writes it from mapi_logoff::workload) through
// the package's Node build, timed the way benches/engine.rs times it
// natively, and a table against criterion's estimates.
//
// usage: node bench/wasm.mjs WORKLOAD.json CRITERION_DIR [PKG_DIR]
import { record } from "./record.mjs";
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";

const [workloadPath, criterionDir, pkgDir = "pkg"] = process.argv.slice(2);
if (!workloadPath || !criterionDir) {
  console.error("usage: node bench/wasm.mjs WORKLOAD.json CRITERION_DIR [PKG_DIR]");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { Simulation, version } = require(resolve(pkgDir, "node", "mapi_logoff.js"));

const workload = JSON.parse(readFileSync(workloadPath, "utf8"));
const actions = workload.actions;
const base = { ...workload, actions: [] };
const N = actions.length;

// Runs are slow on this workload (Simulation.apply diffs the whole state
// per action), so sampling is bounded by time: one warm-up run, then at
// least MIN_RUNS and at most MAX_RUNS samples, stopping once a measurement
// has used BENCH_SECONDS.
const MIN_RUNS = 3;
const MAX_RUNS = Number(process.env.BENCH_RUNS ?? 30);
const BUDGET_MS = 1000 * Number(process.env.BENCH_SECONDS ?? 20);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Medians of the times `sample` reports ({ name: ms }) over bounded runs. */
function measure(sample) {
  sample(); // warm-up
  const runs = [];
  const start = performance.now();
  while (runs.length < MIN_RUNS || (runs.length < MAX_RUNS && performance.now() - start < BUDGET_MS)) runs.push(sample());
  return Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]).concat([["runs", runs.length]]));
}

// Sanity: the three ways give the same trace.
{
  const a = new Simulation(base);
  for (const action of actions) a.apply(action);
  const b = new Simulation(base);
  b.run(actions);
  const c = new Simulation(workload);
  if (a.traceJson() !== b.traceJson() || b.traceJson() !== c.traceJson()) throw new Error("apply, run and the constructor disagree");
  if (a.step !== N) throw new Error(`applied ${a.step} of ${N} actions`);
  for (const s of [a, b, c]) s.free();
}

// new Simulation + apply() one by one; the apply loop alone gives the cost of a call.
const applyEach = measure(() => {
  const t0 = performance.now();
  const sim = new Simulation(base);
  const t1 = performance.now();
  for (let i = 0; i < N; i++) sim.apply(actions[i]);
  const t2 = performance.now();
  sim.free();
  return { total: t2 - t0, construct: t1 - t0, perCallUs: ((t2 - t1) * 1000) / N };
});
// new Simulation + run() of all actions: one boundary crossing each way.
const runAll = measure(() => {
  const t0 = performance.now();
  const sim = new Simulation(base);
  sim.run(actions);
  const t1 = performance.now();
  sim.free();
  return { total: t1 - t0 };
});
// The fixed cost of an apply() call, where the engine has almost nothing to
// do: addRef on a one-store scenario (argument check, JSON both ways, the
// outcome object), 999 calls per sample on a fresh simulation (the model
// caps client references at 1,000; a refused addRef changes nothing and
// costs less).
const tiny = { version: 1, stores: [{ name: "A" }] };
const addRef = { type: "addRef", store: 0 };
const minimal = measure(() => {
  const sim = new Simulation(tiny);
  const t0 = performance.now();
  for (let i = 0; i < 999; i++) sim.apply(addRef);
  const t1 = performance.now();
  sim.free();
  return { perCallUs: ((t1 - t0) * 1000) / 999 };
});

// criterion's estimates: target/criterion/<group>/<bench>/new/estimates.json,
// the median nanoseconds of one iteration (all N actions).
function criterion(bench) {
  const file = join(criterionDir, "busy workload", bench, "new", "estimates.json");
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")).median.point_estimate / 1e6; // ms
}
const native = {
  traceOn: criterion("engine apply, trace on"),
  traceOff: criterion("engine apply, trace off"),
  simulation: criterion("Simulation__apply (trace, outcome, state diff)") ?? criterion("Simulation::apply (trace, outcome, state diff)"),
};

const rate = (ms) => (ms === undefined ? undefined : N / (ms / 1000));
const fmtRate = (r) => (r === undefined ? "n/a" : r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : r >= 1e3 ? `${(r / 1e3).toFixed(2)} k/s` : `${r.toFixed(0)} /s`);
const fmtMs = (ms) => (ms === undefined ? "n/a" : ms >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(3)} ms`);
const vsNative = (ms) => (ms === undefined || native.simulation === undefined ? "" : `${(native.simulation / ms).toFixed(2)}`);

const rows = [
  ["native", "engine apply, trace on (no outcome)", native.traceOn, ""],
  ["native", "engine apply, trace off (no outcome)", native.traceOff, ""],
  ["native", "Simulation::apply per action", native.simulation, "1.00"],
  ["wasm", "new Simulation + apply() per action", applyEach.total, vsNative(applyEach.total)],
  ["wasm", "new Simulation + run(all actions)", runAll.total, vsNative(runAll.total)],
];
const line = (cells, widths) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ").trimEnd();
const widths = [6, 38, 11, 11, 22];
console.log(`\nmapi-logoff ${version()}: ${workload.name}; ${N} actions, trace on`);
console.log(`native: criterion median per iteration (setup excluded, bench profile: opt-level 3)`);
console.log(`wasm:   Node ${process.versions.node}, package build (opt-level "z" + wasm-opt -O), median of ${applyEach.runs} / ${runAll.runs} runs, new Simulation included\n`);
console.log(line(["", "", "time/run", "actions/s", "throughput vs native"], widths));
console.log(line(["", "", "", "", "Simulation::apply"], widths));
for (const [where, what, ms, r] of rows) console.log(line([where, what, fmtMs(ms), fmtRate(rate(ms)), r], widths));
console.log("");
const nativeUs = native.simulation === undefined ? undefined : (native.simulation * 1000) / N;
console.log(`wasm/native actions/s ratio:        ${vsNative(applyEach.total) || "n/a"} (apply), ${vsNative(runAll.total) || "n/a"} (run)`);
console.log(`one apply() from JS, this workload: ${applyEach.perCallUs.toFixed(1)} µs median (native Simulation::apply: ${nativeUs === undefined ? "n/a" : `${nativeUs.toFixed(1)} µs`})`);
console.log(`one apply() from JS, minimal:       ${minimal.perCallUs.toFixed(2)} µs median (addRef on a one-store scenario: the fixed cost of a call)`);
console.log(`new Simulation(scenario):           ${fmtMs(applyEach.construct)}`);
record({
  engineTraceOnPerSecond: rate(native.traceOn),
  engineTraceOffPerSecond: rate(native.traceOff),
  simulationApplyPerSecond: rate(native.simulation),
  jsApplyBusyMicros: applyEach.perCallUs,
  jsApplyMinimalMicros: minimal.perCallUs,
  wasmNativeApply: native.simulation === undefined ? undefined : native.simulation / applyEach.total,
  wasmNativeRun: native.simulation === undefined ? undefined : native.simulation / runAll.total,
});
if (native.simulation === undefined) console.log("native estimates not found: run `cargo bench --bench engine` first");
