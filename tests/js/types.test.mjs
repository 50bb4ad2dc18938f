// (f) The declarations as a TypeScript consumer sees them: `tsc --noEmit
// --strict` on types/consumer.ts (every export, with `@ts-expect-error`
// lines that must fail) under Node ESM + CommonJS (nodenext) and bundler
// resolution, against the installed package; and real outputs of every
// function, written as literals of their declared types, so that a field
// the runtime has and the declarations lack (or the reverse) fails tsc.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as api from "mapi-logoff";
import { checkTrace } from "mapi-logoff/check";
import { Explorer, explore } from "mapi-logoff/explore";
import { ROOT, SCENARIO_DIR, goldenScenarios } from "./support.mjs";

const DIR = fileURLToPath(new URL("./types/", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

/** Runs tsc; returns [exit code, output]. */
function tsc(project, cwd = DIR) {
  try {
    return [0, execFileSync(process.execPath, [TSC, "-p", project, "--pretty", "false"], { cwd, encoding: "utf8" })];
  } catch (e) {
    return [e.status ?? 1, `${e.stdout ?? ""}${e.stderr ?? ""}`];
  }
}

test("tsc --strict accepts consumer.ts and consumer.cts (nodenext: import and require)", () => {
  const [code, out] = tsc("tsconfig.node.json");
  assert.equal(code, 0, out);
});

test("tsc --strict accepts consumer.ts (moduleResolution bundler)", () => {
  const [code, out] = tsc("tsconfig.bundler.json");
  assert.equal(code, 0, out);
});

test("the @ts-expect-error lines are live: tsc fails when one expects an error that is not there", () => {
  const tmp = mkdtempSync(join(DIR, ".neg-"));
  try {
    for (const f of ["consumer.ts", "consumer.cts", "tsconfig.node.json"]) copyFileSync(join(DIR, f), join(tmp, f));
    const src = readFileSync(join(tmp, "consumer.ts"), "utf8");
    // A line with no type error under an @ts-expect-error (used, so noUnusedLocals stays quiet).
    writeFileSync(join(tmp, "consumer.ts"), `${src}\n// @ts-expect-error\nconst fine: 2 = LOGOFF_ORDERLY;\nvoid fine;\n`);
    const [code, out] = tsc("tsconfig.node.json", tmp);
    assert.notEqual(code, 0);
    assert.match(out, /TS2578/, out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("consumer.ts imports every runtime export of the package", () => {
  const src = readFileSync(join(DIR, "consumer.ts"), "utf8");
  const block = /import init, \{([^}]*)\} from "mapi-logoff";/.exec(src);
  assert.ok(block, "the value import of consumer.ts");
  const imported = new Set(block[1].split(",").map((s) => s.trim()).filter(Boolean));
  imported.add("default");
  const constants = new Set(Object.keys(api.constants()));
  // Every function and class, and a sample of constants (they share one declaration shape).
  const functions = Object.keys(api).filter((k) => !constants.has(k));
  assert.deepEqual(functions.filter((k) => !imported.has(k)), [], "exports consumer.ts does not use");
  for (const k of imported) assert.ok(k in api, `consumer.ts imports ${k}, which the package does not export`);
});

test("consumer.ts imports every runtime export of mapi-logoff/explore", async () => {
  const explore = await import("mapi-logoff/explore");
  const src = readFileSync(join(DIR, "consumer.ts"), "utf8");
  const block = /import initExplore, \{([^}]*)\} from "mapi-logoff\/explore";/.exec(src);
  assert.ok(block, "the explorer's value import of consumer.ts");
  const imported = new Set(block[1].split(",").map((s) => s.trim().split(/\s+as\s+/)[0]).filter(Boolean));
  imported.add("default");
  assert.deepEqual(Object.keys(explore).filter((k) => !imported.has(k)), [], "explorer exports consumer.ts does not use");
  for (const k of imported) assert.ok(k in explore, `consumer.ts imports ${k}, which mapi-logoff/explore does not export`);
});

/** Real outputs of every function that returns a value of a declared type, by type. */
function realOutputs() {
  const { Simulation, outcomeMatrix, rules, constants, runScenario } = api;
  const out = {
    StateView: [], TraceEvent: [], Violation: [], Outcome: [], Scenario: [], Action: [], RunReport: [],
    MatrixCell: [], RuleInfo: rules(), Constants: [constants()], CheckReport: [], ExploreReport: [],
  };
  const presets = join(ROOT, "www", "presets");
  const documents = [
    ...goldenScenarios().map((g) => JSON.parse(g.scenario)),
    ...readdirSync(presets).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(presets, f), "utf8"))),
  ];
  for (const scenario of documents) {
    const sim = new Simulation({ ...scenario, actions: [] });
    for (const action of scenario.actions ?? []) out.Outcome.push(sim.apply(action));
    out.StateView.push(sim.state());
    out.TraceEvent.push(...sim.trace());
    out.Violation.push(...sim.violations());
    out.Scenario.push(sim.toScenario());
    out.Action.push(...sim.enabledActions());
    out.RunReport.push(runScenario(scenario));
    sim.free();
  }
  out.MatrixCell.push(...outcomeMatrix(), ...outcomeMatrix({ abortReading: "vetoWhileBusy", storeLogoffTransports: "atFinalRelease" }));
  for (const name of readdirSync(SCENARIO_DIR).filter((f) => f.endsWith(".trace.jsonl"))) {
    out.CheckReport.push(checkTrace(readFileSync(join(SCENARIO_DIR, name), "utf8")));
  }
  out.CheckReport.push(checkTrace(["not json", "{}", '{"object":{"kind":"store","id":"A"},"method":"IMsgStore::StoreLogoff","flags":6}']));
  const mailbox = {
    version: 1,
    stores: [{ name: "Mailbox", defaultInbox: true, outboundQueue: [{ addressType: "SMTP" }] }],
    transports: [{ name: "Internet", sessions: [{ name: "smtp", addressTypes: ["SMTP"] }] }],
  };
  const properties = [
    "storesReleased", "noMessageLost", "storeLogoffTransportsOnce",
    { reachable: { flag: "LOGOFF_QUIET", outFlags: "LOGOFF_OUTBOUND" } },
    { reachable: { call: "storeLogoff", flag: "LOGOFF_ABORT", hresult: "S_OK" } },
  ];
  out.ExploreReport.push(explore(mailbox, { maxDepth: 6, properties }));
  const faulty = JSON.parse(readFileSync(join(SCENARIO_DIR, "fault-skip-store-logoff-transports.json"), "utf8"));
  out.ExploreReport.push(explore({ ...faulty, actions: [] }, { maxDepth: 4, properties }));
  const stepper = new Explorer(mailbox, { maxDepth: 8 });
  out.ExploreReport.push(stepper.step(5));
  stepper.free();
  return out;
}

test("real outputs are values of their declared types: no field missing, none undeclared (tsc --strict)", () => {
  const outputs = realOutputs();
  const from = { CheckReport: "mapi-logoff/check", ExploreReport: "mapi-logoff/explore" };
  const names = Object.keys(outputs);
  let src = names.map((n) => `import type { ${n} } from "${from[n] ?? "mapi-logoff"}";\n`).join("");
  for (const n of names) {
    assert.ok(outputs[n].length > 0, `no ${n} values`);
    src += `export const ${n}Values: ${n}[] = ${JSON.stringify(outputs[n])};\n`;
  }
  // The check is live: a field the declarations lack fails it.
  src += `// @ts-expect-error an undeclared field\nexport const extra: StateView = ${JSON.stringify({ ...outputs.StateView[0], undeclared: 1 })};\n`;
  const tmp = mkdtempSync(join(DIR, ".values-"));
  try {
    writeFileSync(join(tmp, "values.ts"), src);
    const config = JSON.parse(readFileSync(join(DIR, "tsconfig.node.json"), "utf8"));
    writeFileSync(join(tmp, "tsconfig.json"), JSON.stringify({ ...config, files: ["values.ts"] }));
    const [code, out] = tsc("tsconfig.json", tmp);
    assert.equal(code, 0, out.split("\n").slice(0, 40).join("\n"));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
