// (b) Node CommonJS: `require` of the package (its node/mapi_logoff.js entry)
// runs every golden scenario; the trace equals the native core's file byte
// for byte, through runScenario and through Simulation.traceJson().
"use strict";
const assert = require("node:assert/strict");
const { test } = require("node:test");
const { readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const api = require("mapi-logoff");
const { LOGOFF_ORDERLY, MAPI_E_INVALID_PARAMETER, Simulation, runScenario } = require("mapi-logoff");

const ROOT = process.env.MAPI_LOGOFF_ROOT;
if (!ROOT) throw new Error("MAPI_LOGOFF_ROOT is not set: run through scripts/test.d/40-package.sh");
const dir = join(ROOT, "tests", "scenarios");
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".json") && !f.endsWith(".trace.json"))
  .map((f) => f.slice(0, -".json".length))
  .sort();

test("the CommonJS entry is the Node one", () => {
  assert.match(require.resolve("mapi-logoff"), /[/\\]node_modules[/\\]mapi-logoff[/\\]node[/\\]mapi_logoff\.js$/);
});

test("require and import share one module instance", async () => {
  const esm = await import("mapi-logoff");
  assert.equal(esm.Simulation, Simulation, "one Simulation class, no dual-package hazard");
  assert.equal(esm.runScenario, runScenario);
});

test("the constants are named exports equal to constants()", () => {
  assert.equal(LOGOFF_ORDERLY, 2);
  assert.equal(MAPI_E_INVALID_PARAMETER, 0x80070057);
  for (const [name, value] of Object.entries(api.constants())) assert.equal(api[name], value, name);
});

test("there are golden scenarios", () => assert.ok(names.length > 0));

for (const name of names) {
  test(`golden ${name}`, () => {
    const scenario = readFileSync(join(dir, `${name}.json`), "utf8");
    const trace = readFileSync(join(dir, `${name}.trace.json`), "utf8");
    const report = runScenario(JSON.parse(scenario));
    assert.ok(JSON.stringify(report.trace) === trace, `${name}: JSON.stringify(runScenario(s).trace) differs from ${name}.trace.json`);
    assert.ok(new Simulation(JSON.parse(scenario)).traceJson() === trace, `${name}: new Simulation(object).traceJson() differs`);
    assert.ok(new Simulation(scenario).traceJson() === trace, `${name}: new Simulation(text).traceJson() differs`);
  });
}
