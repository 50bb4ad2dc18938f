// (c) A plain page (no bundler: an import map to the package's browser
// entry) runs every golden scenario in headless Chromium; (d) a `vite build`
// production bundle of a tiny app runs one. Playwright drives Debian's
// /usr/bin/chromium; a tiny static server on 127.0.0.1 serves the pages.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { serve } from "./server.mjs";
import { ROOT, SCENARIO_DIR, goldenScenarios } from "./support.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const { chromium } = createRequire(join(ROOT, "package.json"))("playwright-core");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];
const GOLDEN = goldenScenarios();
const VITE_SCENARIO = "purge-busy";

let profile, context, plain, vite;

/** Opens `url`, waits for window[key], and returns it with the page's errors. */
async function visit(url, key) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(url);
  const result = await (await page.waitForFunction((k) => window[k], key, { timeout: 60_000 })).jsonValue();
  await page.close();
  return { result, problems };
}

before(async () => {
  profile = mkdtempSync(join(tmpdir(), "mapi-logoff-chromium-"));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });

  // (c) the plain page, served with the installed package and the scenarios.
  const site = await serve(
    { "/": process.cwd(), "/scenarios/": SCENARIO_DIR },
    { "/scenarios/index.json": () => JSON.stringify(GOLDEN.map((g) => g.name)) },
  );
  try {
    plain = await visit(`${site.url}/browser/index.html`, "__results");
  } finally {
    await site.close();
  }

  // (d) the Vite production build, then served from dist/.
  const app = join(process.cwd(), "vite-app");
  mkdirSync(join(app, "golden"), { recursive: true });
  cpSync(join(SCENARIO_DIR, `${VITE_SCENARIO}.json`), join(app, "golden", "scenario.json"));
  cpSync(join(SCENARIO_DIR, `${VITE_SCENARIO}.trace.json`), join(app, "golden", "trace.json"));
  rmSync(join(app, "dist"), { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], {
    cwd: app,
    stdio: "inherit",
  });
  const dist = join(app, "dist");
  const server = await serve({ "/": dist });
  try {
    vite = { ...(await visit(`${server.url}/`, "__result")), assets: readdirSync(join(dist, "assets")) };
  } finally {
    await server.close();
  }
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

// --- (c) the plain page ---------------------------------------------------------

test("plain page: the import map points at the package's browser entry", () => {
  const html = readFileSync(join(HERE, "browser", "index.html"), "utf8");
  const manifest = JSON.parse(readFileSync(join(process.cwd(), "node_modules", "mapi-logoff", "package.json"), "utf8"));
  const target = manifest.exports["."].browser.default.replace(/^\.\//, "");
  assert.ok(html.includes(`"mapi-logoff": "/node_modules/mapi-logoff/${target}"`), target);
});

test("plain page: ran without errors, console errors or failed requests", () => {
  assert.equal(plain.result.failed, undefined, plain.result.failed);
  assert.deepEqual(plain.problems, []);
  assert.equal(plain.result.golden.length, GOLDEN.length);
});

for (const { name } of GOLDEN) {
  test(`plain page: golden ${name}`, () => {
    const r = plain.result.golden?.find((g) => g.name === name);
    assert.ok(r, `${name} did not run`);
    assert.ok(r.traceJson, `${name}: Simulation.traceJson() differs from ${name}.trace.json`);
    assert.ok(r.runScenario, `${name}: runScenario().trace differs from ${name}.trace.json`);
  });
}

test("plain page: errors, refusals and constants behave as in Node", () => {
  assert.deepEqual(plain.result.error, { name: "MapiLogoffError", code: "invalidAction", path: "store", isError: true, guard: true });
  assert.equal(plain.result.refusal, true);
  assert.equal(plain.result.constants, true);
  assert.match(plain.result.version, /^\d+\.\d+\.\d+/);
});

// --- (d) the Vite build -------------------------------------------------------------

test("vite build: emitted the .wasm as an asset", () => {
  assert.ok(vite.assets.some((f) => f.endsWith(".wasm")), vite.assets.join());
});

test(`vite build: the bundle runs golden ${VITE_SCENARIO} in Chromium`, () => {
  assert.equal(vite.result.failed, undefined, vite.result.failed);
  assert.deepEqual(vite.problems, []);
  assert.deepEqual(vite.result, { traceJson: true, runScenario: true, orderly: 2, guard: true });
});

test("the scenarios exist", () => assert.ok(existsSync(join(SCENARIO_DIR, `${VITE_SCENARIO}.json`))));
