// The figures `npm run bench` sums up at its end (bench/summary.mjs): each
// benchmark script merges its own into the JSON file that BENCH_SUMMARY
// names. Without BENCH_SUMMARY (a script run by hand) nothing is written.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Merges `figures` (name -> number) into the summary file. */
export function record(figures) {
  const file = process.env.BENCH_SUMMARY;
  if (!file) return;
  const all = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  writeFileSync(file, JSON.stringify({ ...all, ...figures }, null, 2) + "\n");
}
