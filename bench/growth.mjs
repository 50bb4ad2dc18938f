// The figures of `npm run bench` that are about growth, not speed: the same
// measurement at a size and at ten times that size, from criterion's
// estimates (benches/engine.rs). A ratio near 1 means the cost does not
// follow the size; near 10, linear; near 100, quadratic.
//
// Usage: node bench/growth.mjs <target/criterion>
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { record } from "./record.mjs";

const [criterionDir] = process.argv.slice(2);
if (!criterionDir) {
  console.error("usage: node bench/growth.mjs <target/criterion>");
  process.exit(2);
}

/** criterion's median of one iteration, in ms; undefined when not measured. */
function median(group, bench) {
  const file = join(criterionDir, group, bench, "new", "estimates.json");
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")).median.point_estimate / 1e6;
}

const rows = [
  ["Simulation::apply, one addRef", "Simulation__apply, one AddRef", "10 messages", "10000 messages", "µs", 1e3, "addRefOutcomeMs"],
  ["runUntilIdle, 32 stores, 32 sessions", "runUntilIdle, 32 stores, 32 sessions", "1000 messages", "10000 messages", "ms", 1, "runUntilIdleMs"],
];
console.log("\nGrowth (native, criterion medians; the machine is shared, so single figures are noisy):");
let missing = false;
for (const [what, group, small, large, unit, scale, key] of rows) {
  const a = median(group, small);
  const b = median(group, large);
  if (a === undefined || b === undefined) {
    missing = true;
    console.log(`  ${what}: not measured`);
    continue;
  }
  record({ [key]: [a, b] });
  const f = (ms) => `${(ms * scale).toFixed(unit === "µs" ? 2 : 1)} ${unit}`;
  console.log(`  ${what}: ${small} ${f(a)}, ${large} ${f(b)}: ratio ${(b / a).toFixed(2)} for 10x the size`);
}
if (missing) process.exitCode = 1;
