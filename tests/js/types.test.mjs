// (f) The declarations as a TypeScript consumer sees them: `tsc --noEmit
// --strict` on types/consumer.ts (every export, with `@ts-expect-error`
// lines that must fail) under Node ESM + CommonJS (nodenext) and bundler
// resolution, against the installed package.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as api from "mapi-logoff";
import { ROOT } from "./support.mjs";

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
