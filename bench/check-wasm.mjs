// The trace checker rows of `npm run bench` (scripts/bench.sh): the same
// workload files (100,000 and 1,000,000 lines of mapi_logoff::check::workload,
// fresh objects in every cycle) checked natively (criterion's estimates from
// benches/check.rs, and examples/check for the peak memory), by the
// package's checker module in Node (TraceChecker.pushChunk, 64 KiB chunks
// read from the file), and by the CLI (`mapi-logoff check FILE`, a process
// of its own, Node's start included). Each row gives the ratio of the two
// sizes' times: ten times the lines should take ten times as long.
//
// usage: node bench/check-wasm.mjs SMALL.jsonl LARGE.jsonl CRITERION_DIR PKG_DIR NATIVE_CHECK_BIN
import { record } from "./record.mjs";
import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { spawnSync } from "node:child_process";

const [small, large, criterionDir, pkgDir = "pkg", nativeBin] = process.argv.slice(2);
if (!small || !large || !criterionDir) {
  console.error("usage: node bench/check-wasm.mjs SMALL.jsonl LARGE.jsonl CRITERION_DIR [PKG_DIR] [NATIVE_CHECK_BIN]");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { TraceChecker, __wasmStats } = require(resolve(pkgDir, "check", "node", "mapi_logoff_check.js"));
const cli = resolve(pkgDir, "bin", "mapi-logoff.mjs");
const RUNS = Number(process.env.CHECK_BENCH_RUNS ?? 3);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Checks a file with the module as the CLI does: 64 KiB chunks of bytes. */
function checkModule(file) {
  const fd = openSync(file, "r");
  const buffer = Buffer.alloc(64 * 1024);
  const checker = new TraceChecker();
  try {
    let n;
    while ((n = readSync(fd, buffer, 0, buffer.length, null)) > 0) checker.pushChunk(buffer.subarray(0, n));
    return checker.finish();
  } finally {
    checker.free();
    closeSync(fd);
  }
}

/** The median seconds of RUNS checks through the module (after a warm-up on the small file). */
function module(file) {
  const times = [];
  let report;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    report = checkModule(file);
    times.push((performance.now() - t0) / 1000);
  }
  if (report.errors !== 0) throw new Error(`${file}: the workload should check clean, got ${report.errors} errors`);
  return { seconds: median(times), lines: report.lines, memory: __wasmStats().memoryBytes };
}

const time = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
/** A process's wall time (median of RUNS) and peak memory (the largest, from /usr/bin/time when there is one). */
function processRun(argv) {
  const times = [];
  let peakKb;
  for (let i = 0; i < RUNS; i++) {
    const args = time ? ["-f", "MAXRSS %M", ...argv] : argv.slice(1);
    const t0 = performance.now();
    const r = spawnSync(time ?? argv[0], args, { encoding: "utf8", maxBuffer: 64 << 20 });
    times.push((performance.now() - t0) / 1000);
    if (r.status !== 0) throw new Error(`${argv.join(" ")} exited with ${r.status}: ${r.stderr}`);
    const rss = /MAXRSS (\d+)/.exec(r.stderr ?? "");
    if (rss) peakKb = Math.max(peakKb ?? 0, Number(rss[1]));
  }
  return { seconds: median(times), peakMb: peakKb === undefined ? undefined : peakKb / 1024 };
}

function criterion(lines) {
  const file = join(criterionDir, "check", "fresh objects per cycle", String(lines), "new", "estimates.json");
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")).median.point_estimate / 1e9;
}

checkModule(small); // warm-up: compile the module's code
const wasm = [small, large].map((file) => module(file));
const sizes = [small, large].map((file, i) => ({ file, lines: wasm[i].lines }));
const rows = [];
const nativeSeconds = sizes.map((s) => criterion(s.lines));
const nativePeak = nativeBin ? sizes.map((s) => processRun([nativeBin, s.file]).peakMb) : [];
rows.push(["native (criterion)", nativeSeconds, nativePeak]);
rows.push(["wasm module, pushChunk", wasm.map((w) => w.seconds), wasm.map((w) => w.memory / (1 << 20))]);
const viaCli = sizes.map((s) => processRun(["node", cli, "check", s.file]));
rows.push(["CLI (mapi-logoff check)", viaCli.map((c) => c.seconds), viaCli.map((c) => c.peakMb)]);

const fmtS = (s) => (s === undefined ? "n/a" : `${s.toFixed(3)} s`);
const fmtRate = (lines, s) => (s === undefined ? "n/a" : `${((lines / s) / 1e3).toFixed(0)} k/s`);
const fmtMb = (mb) => (mb === undefined ? "n/a" : `${mb.toFixed(1)} MB`);
const cell = (cells, widths) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ").trimEnd();
const widths = [24, 12, 10, 12, 10, 9, 22];
const [a, b] = sizes;
console.log(`\ntrace checker: workload of fresh objects per cycle, ${a.lines.toLocaleString("en")} and ${b.lines.toLocaleString("en")} lines (${RUNS} runs, medians)`);
console.log("native: criterion, bench profile (opt-level 3); memory: peak RSS of examples/check");
console.log(`wasm:   Node ${process.versions.node}, the package's checker module; memory: its wasm memory after the check`);
console.log("CLI:    a process per run, Node's start and the three modules' loading included; memory: peak RSS\n");
console.log(cell(["", `${a.lines / 1000}k lines`, "lines/s", `${b.lines / 1e6}M lines`, "lines/s", "ratio", "memory (small, large)"], widths));
for (const [what, [s1, s2], [m1, m2] = []] of rows) {
  const ratio = s1 === undefined || s2 === undefined ? "n/a" : `${(s2 / s1).toFixed(1)}x`;
  console.log(cell([what, fmtS(s1), fmtRate(a.lines, s1), fmtS(s2), fmtRate(b.lines, s2), ratio, `${fmtMb(m1)}, ${fmtMb(m2)}`], widths));
}
if (nativeSeconds[1] !== undefined) {
  console.log(`\nwasm/native lines/s ratio (${b.lines / 1e6}M lines): ${(nativeSeconds[1] / wasm[1].seconds).toFixed(2)} (module), ${(nativeSeconds[1] / viaCli[1].seconds).toFixed(2)} (CLI)`);
} else {
  console.log("\nnative estimates not found: run `cargo bench --bench check` first");
}
record({
  checkLines: [a.lines, b.lines],
  checkNativeSeconds: nativeSeconds,
  checkWasmSeconds: wasm.map((w) => w.seconds),
  checkCliSeconds: viaCli.map((c) => c.seconds),
  checkNativePeakMb: nativePeak,
  checkCliPeakMb: viaCli.map((c) => c.peakMb),
});
