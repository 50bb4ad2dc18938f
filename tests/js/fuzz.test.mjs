// (h) The short run of the seeded JS fuzzer (tests/js/fuzz.mjs) in `npm test`:
// every export of the three modules of the installed package and the share-
// link reader, a few hundred cases each, two seeds. Zero defects: no raw
// exception, no wasm trap, no module left unusable, no leak, every accepted
// simulation's toScenario() loads. The long run is `npm run fuzz -- --cases-per-export N`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fuzz, summary } from "./fuzz.mjs";

const CASES_PER_EXPORT = 300;

for (const seed of [1, 2]) {
  test(`the fuzzer finds no defect: ${CASES_PER_EXPORT} cases per export, seed ${seed}`, async () => {
    const t0 = performance.now();
    const result = await fuzz({ casesPerExport: CASES_PER_EXPORT, seed });
    console.log(summary(result, CASES_PER_EXPORT, ((performance.now() - t0) / 1000).toFixed(1)));
    assert.deepEqual(result.defects, [], "defects");
    assert.equal(result.defectCount, 0);
    assert.ok(result.targets >= 50, `${result.targets} exports`);
    // Every export was called, and answered as well as refused.
    const exercised = new Set([...result.outcomes.keys()].map((k) => k.split(" -> ")[0]));
    assert.equal(exercised.size, result.targets, "every export was called");
    assert.ok(result.cases >= CASES_PER_EXPORT * result.targets);
  });
}
