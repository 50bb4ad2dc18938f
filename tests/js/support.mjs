// Shared by the tests/js suites. They run from a scratch project that has
// the packed package installed (scripts/test.d/40-package.sh); the repo's
// root (golden scenarios, dev tools) comes in MAPI_LOGOFF_ROOT.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = process.env.MAPI_LOGOFF_ROOT;
if (!ROOT) throw new Error("MAPI_LOGOFF_ROOT is not set: run through scripts/test.d/40-package.sh");

export const SCENARIO_DIR = join(ROOT, "tests", "scenarios");

/** Every golden scenario: its name, its JSON text and the native trace JSON. */
export function goldenScenarios() {
  const names = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".trace.json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
  if (names.length === 0) throw new Error(`no golden scenarios in ${SCENARIO_DIR}`);
  return names.map((name) => ({
    name,
    scenario: readFileSync(join(SCENARIO_DIR, `${name}.json`), "utf8"),
    trace: readFileSync(join(SCENARIO_DIR, `${name}.trace.json`), "utf8"),
  }));
}
