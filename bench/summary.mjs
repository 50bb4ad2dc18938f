// The last table of `npm run bench`: every figure the speed goals name
// (issue 14), measured in this run, beside its goal, native and wasm side by
// side, as ratios where two things are compared. The figures come from the
// JSON file the benchmark scripts filled (bench/record.mjs). Goals are
// reported, never enforced: timing never fails the benchmark.
//
// usage: node bench/summary.mjs SUMMARY.json
import { existsSync, readFileSync } from "node:fs";

const [file] = process.argv.slice(2);
if (!file || !existsSync(file)) {
  console.error("usage: node bench/summary.mjs SUMMARY.json (written by scripts/bench.sh)");
  process.exit(2);
}
const f = JSON.parse(readFileSync(file, "utf8"));

const num = (x) => typeof x === "number" && Number.isFinite(x);
const rate = (r) => (!num(r) ? "n/a" : r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : `${(r / 1e3).toFixed(1)} k/s`);
const us = (x) => (num(x) ? `${x.toFixed(1)} µs` : "n/a");
const ns = (ms) => (num(ms) ? `${Math.round(ms * 1e6)} ns` : "n/a");
const s = (x) => (num(x) ? `${x.toFixed(3)} s` : "n/a");
const x2 = (x) => (num(x) ? `${x.toFixed(2)}` : "n/a");
const times = (x) => (num(x) ? `${x.toFixed(2)}x` : "n/a");
const mb = (x) => (num(x) ? `${x.toFixed(1)} MB` : "n/a");
const ratio = (a, b) => (num(a) && num(b) && b > 0 ? a / b : undefined);
const at = (list, i) => (Array.isArray(list) ? list[i] : undefined);
/** "reached" or how far: `have` against `goal`, higher (or lower) being better. */
const verdict = (have, goal, higherIsBetter) => {
  if (!num(have)) return "not measured";
  const ok = higherIsBetter ? have >= goal : have <= goal;
  return ok ? "reached" : `${x2(higherIsBetter ? have / goal : goal / have)} of the goal`;
};

const [smallLines, largeLines] = Array.isArray(f.checkLines) ? f.checkLines : [];
const kLines = (n) => (num(n) ? `${(n / 1e6 >= 1 ? `${n / 1e6}M` : `${n / 1e3}k`)} lines` : "?");
const idle = f.runUntilIdleMs ?? [];
const addRef = f.addRefOutcomeMs ?? [];
const rows = [
  ["engine apply, trace on, busy workload (native)", rate(f.engineTraceOnPerSecond), ">= 5 M/s", verdict(f.engineTraceOnPerSecond, 5e6, true)],
  ["engine apply, trace off (native, for comparison)", rate(f.engineTraceOffPerSecond), "", ""],
  ["Simulation::apply, busy workload (native)", rate(f.simulationApplyPerSecond), ">= 300 k/s", verdict(f.simulationApplyPerSecond, 3e5, true)],
  ["one Simulation::apply (addRef), 10 vs 10,000 messages", `${ns(at(addRef, 0))} vs ${ns(at(addRef, 1))}: ratio ${x2(ratio(at(addRef, 1), at(addRef, 0)))}`, "not growing (ratio ~1)", ""],
  ["one apply() from JS, busy workload (wasm)", us(f.jsApplyBusyMicros), "<= 20 µs", verdict(f.jsApplyBusyMicros, 20, false)],
  ["one apply() from JS, minimal (wasm)", us(f.jsApplyMinimalMicros), "<= 5 µs", verdict(f.jsApplyMinimalMicros, 5, false)],
  ["wasm / native, engine (Simulation.apply each; run all)", `${x2(f.wasmNativeApply)}; ${x2(f.wasmNativeRun)}`, ">= 0.6", verdict(f.wasmNativeRun, 0.6, true)],
  [
    "explorer vs stateright BFS (1 thread, same model)",
    `${s(f.exploreSeconds)} vs ${s(f.staterightSeconds)}: ${times(ratio(f.staterightSeconds, f.exploreSeconds))}`,
    ">= 2x",
    verdict(ratio(f.staterightSeconds, f.exploreSeconds), 2, true),
  ],
  ["explorer, bytes per state kept (at the peak, with the frontier)", `${f.exploreBytesPerState ?? "n/a"} (${f.explorePeakBytesPerState ?? "n/a"})`, "<= 45", verdict(f.exploreBytesPerState, 45, false)],
  [
    `explorer on ${f.exploreParallelThreads ?? 2} threads vs 1 (native)`,
    `${s(f.exploreParallelSeconds)}: ${times(ratio(f.exploreSeconds, f.exploreParallelSeconds))}`,
    "> 1x, same report",
    verdict(ratio(f.exploreSeconds, f.exploreParallelSeconds), 1, true),
  ],
  ["wasm / native, explorer", `${s(f.exploreWasmSeconds)}: ${x2(ratio(f.exploreSeconds, f.exploreWasmSeconds))}`, ">= 0.6", verdict(ratio(f.exploreSeconds, f.exploreWasmSeconds), 0.6, true)],
  [
    `trace checker, ${kLines(largeLines)}: native, wasm module, CLI`,
    `${s(at(f.checkNativeSeconds, 1))}, ${s(at(f.checkWasmSeconds, 1))}, ${s(at(f.checkCliSeconds, 1))}`,
    "<= 1.5 s (CLI)",
    verdict(at(f.checkCliSeconds, 1), 1.5, false),
  ],
  [
    `trace checker growth, ${kLines(smallLines)} -> ${kLines(largeLines)} (native; wasm)`,
    `${times(ratio(at(f.checkNativeSeconds, 1), at(f.checkNativeSeconds, 0)))}; ${times(ratio(at(f.checkWasmSeconds, 1), at(f.checkWasmSeconds, 0)))}`,
    "linear (~10x)",
    "",
  ],
  ["trace checker peak memory, native (small; large)", `${mb(at(f.checkNativePeakMb, 0))}; ${mb(at(f.checkNativePeakMb, 1))}`, "bounded", ""],
  ["runUntilIdle, 32 stores, 32 sessions: 1,000 -> 10,000 messages", `${x2(at(idle, 0))} ms -> ${x2(at(idle, 1))} ms: ${times(ratio(at(idle, 1), at(idle, 0)))}`, "linear (~10x)", ""],
];
const widths = [rows.reduce((w, r) => Math.max(w, r[0].length), 0), rows.reduce((w, r) => Math.max(w, r[1].length), 0), 22, 0];
const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ").trimEnd();
console.log("\nSummary: the speed goals (issue 14), this run. Goals are reported, never enforced; the machine may be shared.\n");
console.log(line(["figure", "measured", "goal", "verdict"]));
for (const r of rows) console.log(line(r));
