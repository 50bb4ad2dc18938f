// (a) Node ESM: `import` of the package (its node/index.mjs entry) runs every
// golden scenario; the trace equals the native core's file byte for byte,
// through runScenario and through Simulation.traceJson().
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import init, * as api from "mapi-logoff";
import { LOGOFF_ORDERLY, MAPI_E_INVALID_PARAMETER, Simulation, runScenario } from "mapi-logoff";
import { goldenScenarios } from "./support.mjs";

test("the ESM entry is the Node one", () => {
  assert.match(fileURLToPath(import.meta.resolve("mapi-logoff")), /[/\\]node_modules[/\\]mapi-logoff[/\\]node[/\\]index\.mjs$/);
});

test("init() exists and resolves (a no-op in Node)", async () => {
  assert.equal(await init(), undefined);
  assert.equal(api.initSync(), undefined);
});

test("the constants are named exports equal to constants()", () => {
  assert.equal(LOGOFF_ORDERLY, 2);
  assert.equal(MAPI_E_INVALID_PARAMETER, 0x80070057);
  const table = api.constants();
  assert.ok(Object.keys(table).length > 50);
  for (const [name, value] of Object.entries(table)) assert.equal(api[name], value, name);
});

for (const { name, scenario, trace } of goldenScenarios()) {
  test(`golden ${name}`, () => {
    const report = runScenario(JSON.parse(scenario));
    assert.ok(JSON.stringify(report.trace) === trace, `${name}: JSON.stringify(runScenario(s).trace) differs from ${name}.trace.json`);
    assert.ok(new Simulation(JSON.parse(scenario)).traceJson() === trace, `${name}: new Simulation(object).traceJson() differs`);
    assert.ok(new Simulation(scenario).traceJson() === trace, `${name}: new Simulation(text).traceJson() differs`);
  });
}
