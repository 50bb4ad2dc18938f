// The packed package as installed from its tarball: the exports map (Node
// import and require, browsers and bundlers, types, the .wasm subpath), the
// browser build loaded by hand, the constants in every entry, and no `any`
// in any declaration file it ships; the C logging kit's header ships beside them.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const require = createRequire(import.meta.url);
const PKG = dirname(require.resolve("mapi-logoff/package.json"));
const manifest = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
const files = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
const shipped = files(PKG).map((f) => relative(PKG, f).split("\\").join("/")).sort();

/** Every target string in an exports map, with its condition path. */
function targets(node, at = []) {
  if (typeof node === "string") return [[at.join(" > "), node]];
  return Object.entries(node).flatMap(([k, v]) => targets(v, [...at, k]));
}

test("every target of the exports map, main, module and types exists", () => {
  const all = [...targets(manifest.exports), ["main", manifest.main], ["module", manifest.module], ["types", manifest.types]];
  assert.ok(all.length > 8);
  for (const [where, target] of all) assert.ok(existsSync(join(PKG, target)), `${where} -> ${target} is missing`);
});

test("the exports map sends each consumer to its build", () => {
  const root = manifest.exports["."];
  assert.deepEqual(Object.keys(root), ["node", "types", "browser", "default"], "condition order");
  assert.equal(root.node.import.default, "./node/index.mjs");
  assert.equal(root.node.require.default, "./node/mapi_logoff.js");
  assert.equal(root.browser.default, "./mapi_logoff.js");
  assert.equal(root.default.default, "./mapi_logoff.js");
  for (const [where, target] of targets(root)) {
    if (where.endsWith("types")) assert.match(target, /\.d\.ts$/, where);
  }
  assert.equal(require.resolve("mapi-logoff"), join(PKG, "node", "mapi_logoff.js"));
  assert.equal(import.meta.resolve("mapi-logoff"), pathToFileURL(join(PKG, "node", "index.mjs")).href);
  assert.equal(require.resolve("mapi-logoff/mapi_logoff_bg.wasm"), join(PKG, "mapi_logoff_bg.wasm"));
});

test("the tarball ships the builds, the constants and nothing else", () => {
  const expected = [
    "LICENSE", "README.md", "package.json",
    "mapi_logoff.js", "mapi_logoff.d.ts", "mapi_logoff_bg.wasm", "mapi_logoff_bg.wasm.d.ts", "constants.js", "constants.d.ts",
    "node/package.json", "node/index.mjs", "node/mapi_logoff.js", "node/mapi_logoff.d.ts", "node/constants.js", "node/constants.d.ts",
    "check/mapi_logoff_check.js", "check/mapi_logoff_check.d.ts", "check/mapi_logoff_check_bg.wasm", "check/mapi_logoff_check_bg.wasm.d.ts",
    "check/node/package.json", "check/node/index.mjs", "check/node/mapi_logoff_check.js", "check/node/mapi_logoff_check.d.ts",
    "explore/mapi_logoff_explore.js", "explore/mapi_logoff_explore.d.ts", "explore/mapi_logoff_explore_bg.wasm", "explore/mapi_logoff_explore_bg.wasm.d.ts",
    "explore/node/package.json", "explore/node/index.mjs", "explore/node/mapi_logoff_explore.js", "explore/node/mapi_logoff_explore.d.ts",
    "bin/mapi-logoff.mjs", "c/mapi_logoff_trace.h", "rules.json",
  ].sort();
  assert.deepEqual(shipped, expected);
  assert.equal(JSON.parse(readFileSync(join(PKG, "node", "package.json"), "utf8")).type, "commonjs");
  assert.equal(manifest.type, "module");
});

const LIMIT = Number(process.env.WASM_GZIP_LIMIT ?? 102400);
test(`each .wasm is within its size budget (gzip -9 <= ${LIMIT} bytes)`, () => {
  for (const file of ["mapi_logoff_bg.wasm", "check/mapi_logoff_check_bg.wasm", "explore/mapi_logoff_explore_bg.wasm"]) {
    const wasm = readFileSync(join(PKG, file));
    const gz = gzipSync(wasm, { level: 9 }).length;
    assert.ok(gz <= LIMIT, `${file}: ${gz} bytes gzipped`);
    assert.ok(WebAssembly.validate(wasm), file);
  }
});

test("the checker module resolves for import, require and the browser, and bin runs", async () => {
  assert.equal(require.resolve("mapi-logoff/check"), join(PKG, "check", "node", "mapi_logoff_check.js"));
  assert.equal(import.meta.resolve("mapi-logoff/check"), pathToFileURL(join(PKG, "check", "node", "index.mjs")).href);
  const esm = await import("mapi-logoff/check");
  const cjs = require("mapi-logoff/check");
  const web = await import(pathToFileURL(join(PKG, "check", "mapi_logoff_check.js")).href);
  web.initSync({ module: readFileSync(join(PKG, "check", "mapi_logoff_check_bg.wasm")) });
  const line = JSON.stringify({ object: { kind: "store", id: "A" }, method: "IMsgStore::StoreLogoff", flags: 6, hresult: 0 });
  for (const m of [esm, cjs, web]) assert.equal(m.checkTrace(line).diagnostics[0].code, "S1");
  assert.equal(manifest.bin["mapi-logoff"], "./bin/mapi-logoff.mjs");
});

test("the C logging kit's header ships, resolvable by its subpath, as in the repository", () => {
  const header = require.resolve("mapi-logoff/c/mapi_logoff_trace.h");
  assert.equal(header, join(PKG, "c", "mapi_logoff_trace.h"));
  assert.equal(readFileSync(header, "utf8"), readFileSync(join(process.env.MAPI_LOGOFF_ROOT, "src", "c", "mapi_logoff_trace.h"), "utf8"));
});

test("the rule catalogue ships with every source's quote and note, and agrees with rules()", async () => {
  const catalogue = JSON.parse(readFileSync(require.resolve("mapi-logoff/rules.json"), "utf8"));
  const { rules } = await import("mapi-logoff");
  assert.deepEqual(catalogue.rules.map((r) => [r.id, r.title, r.docUrl, r.source.kind, r.source.page]), rules().map((r) => [r.id, r.title, r.docUrl, r.source.kind, r.source.page]));
  assert.ok(catalogue.rules.every((r) => r.source.kind !== "referencePage" || r.source.quote), "every reference page is quoted");
  assert.deepEqual(catalogue.readings.map((r) => r.value), ["stopThenRelease", "vetoWhileBusy", "immediate", "atFinalRelease"]);
  assert.ok(catalogue.readings.every((r) => r.label && r.sentence && r.quote), "each reading explains itself with the page's words");
});

test("no declaration file uses `any`", () => {
  const dts = shipped.filter((f) => f.endsWith(".d.ts"));
  assert.ok(dts.length >= 5, dts.join());
  for (const f of dts) {
    const code = readFileSync(join(PKG, f), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    const hits = code.split("\n").filter((line) => /\bany\b/.test(line));
    assert.deepEqual(hits, [], `${f} uses any`);
  }
});

test("the constants' declarations have literal types equal to the values", async () => {
  const { constants } = await import("mapi-logoff");
  const table = constants();
  const dts = readFileSync(join(PKG, "constants.d.ts"), "utf8");
  for (const [name, value] of Object.entries(table)) {
    assert.ok(dts.includes(`export declare const ${name}: ${value};`), name);
  }
  assert.equal(readFileSync(join(PKG, "node", "constants.d.ts"), "utf8"), dts);
});

test("the browser build loads with initSync and init, exports the constants, and agrees with Node", async () => {
  const web = await import(pathToFileURL(join(PKG, "mapi_logoff.js")).href);
  const node = await import("mapi-logoff");
  const bytes = readFileSync(require.resolve("mapi-logoff/mapi_logoff_bg.wasm"));
  web.initSync({ module: bytes });
  await web.default({ module_or_path: bytes }); // a second init is a no-op
  const names = (m) => Object.keys(m).filter((k) => !["default", "init", "initSync"].includes(k) && !k.startsWith("__")).sort();
  assert.deepEqual(names(web), names(node));
  for (const [name, value] of Object.entries(web.constants())) assert.equal(web[name], value, name);
  const scenario = { version: 1, stores: [{ name: "A" }], actions: [{ type: "storeLogoff", store: 0, flags: web.LOGOFF_ORDERLY }] };
  assert.equal(JSON.stringify(web.runScenario(scenario)), JSON.stringify(node.runScenario(scenario)));
  // Recognised by shape, so errors of one build (or of the checker module)
  // are recognised by the other.
  assert.throws(() => web.runScenario("{"), (e) => e.name === "MapiLogoffError" && web.isMapiLogoffError(e) && node.isMapiLogoffError(e));
});

test("package.json carries the crate's metadata", () => {
  const cargo = readFileSync(join(process.env.MAPI_LOGOFF_ROOT, "Cargo.toml"), "utf8");
  assert.equal(manifest.name, "mapi-logoff");
  assert.equal(manifest.version, /^version = "(.*)"$/m.exec(cargo)[1]);
  assert.equal(manifest.license, "MIT");
  assert.ok(readFileSync(join(PKG, "README.md"), "utf8").includes("MapiLogoffError"));
});
