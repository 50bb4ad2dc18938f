// End-to-end tests of the "Explore" tab (dist/, built by
// scripts/build-site.sh) in Chromium through playwright-core. The tab runs
// the explorer (pkg/explore) in a Web Worker; what it shows is compared
// with explore() from pkg/explore/node run in Node on the same scenario and
// options, and its counterexamples with the engine (pkg/node) replaying
// them.
//
//   node --test tests/e2e/explore.test.mjs     (scripts/test.d/50-e2e.sh builds first)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { closeClean, decodeFragment, encodeFragment, pageOpener, startBrowser, tid, watchFrameGaps } from "./browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = path.join(ROOT, "dist");
const SHOTS = path.join(DIST, "screenshots");
const explorer = await import(path.join(ROOT, "pkg/explore/node/index.mjs"));
const engine = await import(path.join(ROOT, "pkg/node/index.mjs"));
const AXE = fs.readFileSync(path.join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(ROOT, rel), "utf8"));

const ALL = ["invariants", "storesReleased", "noMessageLost", "storeLogoffTransportsOnce"];

/** One store with a queued message, a session with memory and inbound mail (tests/explore.rs BUSY): 157 states. */
const BUSY = {
  version: 1,
  name: "busy store",
  // The counts of tests/explore.rs follow the deferred reading.
  settings: { storeLogoffTransports: "atFinalRelease" },
  stores: [{ name: "Mailbox", defaultInbox: true, outboundQueue: [{ addressType: "SMTP", steps: 1 }] }],
  transports: [{ name: "Internet", sessions: [{ name: "smtp", addressTypes: ["SMTP"], memoryBlocks: 1, childBlocks: 1, inbound: [{ steps: 1 }] }] }],
  actions: [],
};

/** The benchmarks' reference scenario: 204,739 states without bounds, a few seconds of exploring. */
const REFERENCE = { ...readJson("bench/explore-reference.json"), actions: [] };

/** The reference with a third store: millions of states, so a run of it is still going when cancelled. */
const THREE_STORES = {
  ...REFERENCE,
  name: "three stores",
  stores: [...REFERENCE.stores, { name: "Public", outboundQueue: [{ addressType: "SMTP", steps: 2 }, { addressType: "FAX", steps: 2 }] }],
};

let srv;
let ctx;
let browser;

before(async () => {
  browser = await startBrowser({ dist: DIST, fixtures: path.join(HERE, "fixtures"), suite: "explore", permissions: ["clipboard-read", "clipboard-write"] });
  ({ srv, ctx } = browser);
});

after(async () => {
  await browser?.close();
});

// ---------------------------------------------------------------- helpers

const openPage = pageOpener(() => ctx, () => srv);

/** The playground opened on `scenario` at `position` (through a share link, as a person would). */
function openScenario(scenario, position = 0, opts) {
  return openPage("/#" + encodeFragment({ scenario, position }), opts);
}

/** The page's document, read back from its share link once it caught up. */
async function pageDoc(page) {
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid="playground"]');
    return r && r.dataset.change && r.dataset.change === r.dataset.shared;
  });
  return decodeFragment(await page.evaluate(() => location.hash));
}

const READY = '[data-testid="explore-panel"][data-ready] [data-testid="explore-view"]';

async function openTab(page) {
  await tid(page, "tab-explore").click();
  await page.waitForSelector(`${READY}:not([data-state="loading"])`, { timeout: 30000 });
}

/** Sets the tab's controls through the UI. */
async function setOptions(page, { maxDepth, maxStates, symmetry = false, clientMisuse = false, properties = ALL, goals = [] } = {}) {
  if (maxDepth !== undefined) await tid(page, "explore-depth").fill(String(maxDepth));
  if (maxStates !== undefined) await tid(page, "explore-states").fill(String(maxStates));
  await tid(page, "explore-symmetry").setChecked(symmetry);
  await tid(page, "explore-misuse").setChecked(clientMisuse);
  for (const p of ALL.slice(1)) await tid(page, `explore-prop-${p}`).setChecked(properties.includes(p));
  for (const g of goals) {
    await tid(page, "goal-call").selectOption(g.call ?? "storeLogoffTransports");
    await tid(page, "goal-flag").selectOption(g.flag);
    await tid(page, "goal-hresult").selectOption(g.hresult ?? "");
    const out = g.outFlags ? g.outFlags.split(" | ") : [];
    for (const f of ["LOGOFF_COMPLETE", "LOGOFF_INBOUND", "LOGOFF_OUTBOUND", "LOGOFF_OUTBOUND_QUEUE"]) await tid(page, `goal-out-${f}`).setChecked(out.includes(f));
    await tid(page, "goal-add").click();
  }
}

/** The options the same settings mean to explore() (the tab always passes every bound). */
function optionsFor({ maxDepth = 12, maxStates = 200000, symmetry = false, clientMisuse = false, properties = ALL, goals = [] } = {}) {
  return { maxDepth, maxStates, symmetry, clientMisuse, properties: [...properties, ...goals.map((g) => ({ reachable: { call: g.call ?? "storeLogoffTransports", ...g } }))] };
}

const STOPPED = '[data-testid="explore-view"]:not([data-state="running"]):not([data-state="loading"])';

/** Starts a run with the Run button and waits until it ended (done, cancelled or an error). */
async function run(page) {
  const before = await page.evaluate(() => document.querySelector('[data-testid="explore-view"]').dataset.attempt ?? "0");
  await tid(page, "explore-run").click();
  await page.waitForFunction((b) => {
    const v = document.querySelector('[data-testid="explore-view"]');
    return v.dataset.attempt !== b && v.dataset.state !== "running";
  }, before, { timeout: 120000 });
}

const number = (text) => Number(String(text).replace(/[^\d]/g, ""));

/** What the tab shows: counts, summary, properties, outcomes. */
async function shown(page) {
  const s = await page.evaluate(() => {
    const v = document.querySelector('[data-testid="explore-view"]');
    const t = (el, id) => el.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
    return {
      state: v.dataset.state,
      status: t(v, "explore-status"),
      unique: t(v, "explore-count-unique"),
      explored: t(v, "explore-count-explored"),
      transitions: t(v, "explore-count-transitions"),
      depth: t(v, "explore-count-depth"),
      summary: t(v, "explore-summary"),
      properties: [...v.querySelectorAll('[data-testid="explore-properties"] > li')].map((li) => ({
        kind: li.dataset.kind,
        verdict: li.dataset.verdict,
        verdictText: t(li, "prop-verdict"),
        description: t(li, "prop-desc"),
        message: t(li, "cex-message"),
        path: [...li.querySelectorAll('[data-testid="cex-path"] > li')].map((x) => x.textContent),
        pathStart: li.querySelector('[data-testid="cex-path"]')?.start ?? null,
      })),
      outcomes: [...v.querySelectorAll('[data-testid="explore-outcomes"] tbody tr')].map((tr) => [...tr.children].map((td, i) => (i === 2 ? [...td.querySelectorAll("li")].map((x) => x.textContent) : td.textContent))),
    };
  });
  return { ...s, unique: number(s.unique), explored: number(s.explored), transitions: number(s.transitions), depthReached: number(s.depth.split(" of ")[0]) };
}

const VERDICT_TEXT = { holds: "Holds", holdsSoFar: "Holds so far", fails: "Fails", reachable: "Reachable", unreachable: "Unreachable", notFoundSoFar: "Not found so far" };
const CALL = { storeLogoff: "StoreLogoff", storeLogoffTransports: "StoreLogoffTransports" };

/** Asserts the tab shows exactly what explore() reports. */
function assertSame(s, r, what) {
  const msg = (f) => `${what}: ${f}`;
  assert.equal(s.unique, r.uniqueStates, msg("unique states"));
  assert.equal(s.explored, r.statesExplored, msg("states explored"));
  assert.equal(s.transitions, r.transitions, msg("transitions"));
  assert.equal(s.depthReached, r.maxDepth, msg("max depth"));
  assert.deepEqual(
    s.properties.map((p) => [p.kind, p.verdict, p.verdictText, p.description, p.message, p.path.length]),
    r.properties.map((p) => [p.property.kind, p.verdict, VERDICT_TEXT[p.verdict], p.description.charAt(0).toUpperCase() + p.description.slice(1), p.counterexample?.message ?? null, p.counterexample?.path.length ?? 0]),
    msg("properties"),
  );
  assert.deepEqual(
    s.outcomes,
    r.outcomes.map((o) => [CALL[o.call], o.flag, o.outcomes.map((x) => `${x.hresult.text}${x.outFlags ? `, ${x.outFlags.text}` : ""}`)]),
    msg("outcomes table"),
  );
}

async function runAxe(page, selector) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async (sel) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(sel ? document.querySelector(sel) : document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " :: " + n.failureSummary) }));
  }, selector ?? null);
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Records every value the unique-states count shows, with the tab's state at that moment. */
function watchCounts(page) {
  return page.evaluate(() => {
    const view = document.querySelector('[data-testid="explore-view"]');
    const dd = view.querySelector('[data-testid="explore-count-unique"]');
    window.__counts = [];
    window.__countsObserver?.disconnect();
    window.__countsObserver = new MutationObserver(() => window.__counts.push({ text: dd.textContent, state: view.dataset.state, at: performance.now() }));
    window.__countsObserver.observe(dd, { childList: true, characterData: true, subtree: true });
  });
}

// ---------------------------------------------------------------- tests

describe("explore", () => {
  test("the tab loads the explorer only when first opened, and the keys reach it", async () => {
    // The page's policy allows workers from the site itself and nothing more than before.
    const html = fs.readFileSync(path.join(DIST, "index.html"), "utf8");
    assert.equal(
      /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1],
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'",
    );
    const mark = srv.requests.length;
    const page = await openPage("/");
    assert.deepEqual(await page.locator('[role="tab"]').allTextContents(), ["Playground", "Outcome matrix", "Explore", "Check a trace"]);
    await page.waitForFunction(() => document.querySelector('[data-testid="playground"]').dataset.shared);
    const ofExplorer = (u) => /mapi_logoff_explore|explore\.worker|\/explore-[\w-]+\.js$/.test(u);
    assert.deepEqual(srv.requests.slice(mark).filter(ofExplorer), [], "nothing of the explorer is loaded with the page");
    const opened = srv.requests.length;
    await page.keyboard.press("e");
    assert.equal(await tid(page, "tab-explore").getAttribute("aria-selected"), "true", "E opens the tab");
    await page.waitForSelector(`${READY}[data-state="idle"]`, { timeout: 30000 });
    const fetched = srv.requests.slice(opened).filter(ofExplorer);
    assert.ok(
      fetched.some((u) => /mapi_logoff_explore_bg.*\.wasm$/.test(u)) && fetched.some((u) => /explore\.worker.*\.js$/.test(u)),
      `the worker and its wasm module were loaded when the tab opened: ${fetched.join(", ")}`,
    );
    assert.equal(await tid(page, "explore-loading").count(), 0, "the loading state is gone");
    assert.match(await tid(page, "explore-from").textContent(), /^Starts from quiet-busy, at its start \(no step applied\): 1 store \(Mailbox\), 1 transport provider, 1 session \(smtp\)/);
    // Arrow keys move between the tabs, Explore included.
    await tid(page, "tab-explore").focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(await tid(page, "tab-check").getAttribute("aria-selected"), "true");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await tid(page, "tab-explore").getAttribute("aria-selected"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "tab-explore");
    await closeClean(page);
  });

  test("a small scenario: the tab shows what explore() computes in Node (properties, goals, outcomes)", { timeout: 120000 }, async () => {
    const page = await openScenario(BUSY, 0);
    await openTab(page);
    assert.match(await tid(page, "explore-from").textContent(), /^Starts from busy store, at its start \(no step applied\): 1 store \(Mailbox\), 1 transport provider, 1 session \(smtp\), 1 queued message\./);
    const goals = [
      { call: "storeLogoffTransports", flag: "LOGOFF_QUIET", hresult: "S_OK", outFlags: "LOGOFF_OUTBOUND" },
      { call: "storeLogoffTransports", flag: "LOGOFF_QUIET", hresult: "MAPI_E_INVALID_OBJECT" },
      { call: "storeLogoff", flag: "LOGOFF_PURGE" },
    ];
    const settings = { maxDepth: 40, goals };
    await setOptions(page, settings);
    assert.deepEqual(await tid(page, "goal-list").locator("li .goal-text").allTextContents(), [
      "StoreLogoffTransports(LOGOFF_QUIET) returns S_OK with out flags exactly LOGOFF_OUTBOUND",
      "StoreLogoffTransports(LOGOFF_QUIET) returns MAPI_E_INVALID_OBJECT",
      "StoreLogoff(LOGOFF_PURGE) returns any HRESULT",
    ]);
    // The same goal twice is refused, and says so.
    await tid(page, "goal-add").click();
    assert.match(await tid(page, "goal-note").textContent(), /^Already in the list: StoreLogoff\(LOGOFF_PURGE\)/);
    assert.equal(await tid(page, "goal-list").locator("li").count(), 3);
    await run(page);
    const want = explorer.explore(BUSY, optionsFor(settings));
    assert.equal(want.stopped, "complete");
    assert.equal(want.uniqueStates, 157);
    const s = await shown(page);
    assert.equal(s.state, "complete");
    assertSame(s, want, "busy store");
    assert.deepEqual(s.properties.map((p) => p.verdict), ["holds", "holds", "holds", "holds", "reachable", "unreachable", "reachable"]);
    assert.match(s.summary, /^Complete: every state within 40 actions of the start was explored, 157 unique states at most 8 actions deep/);
    assert.match(s.status, /^Complete: 157 unique states; all 4 properties hold\.$/);
    // The way to QUIET returning LOGOFF_OUTBOUND, with the scenario's names, numbered as playground steps.
    assert.deepEqual(s.properties[4].path, ["StoreLogoff(Mailbox, LOGOFF_QUIET)", "Spooler: begin send on smtp", "Release(Mailbox)"]);
    assert.equal(s.properties[4].pathStart, 1);
    // Rule ids behind each named property.
    const chips = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="explore-properties"] > li')].slice(0, 4).map((li) => [...li.querySelectorAll(".prop-head [data-rule]")].map((b) => b.dataset.rule).join(" ")),
    );
    assert.deepEqual(chips, ["I1 I2 I3 I4 I5 I6", "S3 S4 S5 S6 S7 S14", "I1", "I5 S10 S14"]);

    // New messages: the scenario's setting counts every message, and BUSY starts with two.
    await tid(page, "explore-new-mail").fill("1");
    await run(page);
    // The page keeps the scenario's own settings (its reading) and adds the limit.
    const withMail = explorer.explore({ ...BUSY, settings: { ...BUSY.settings, newMessageLimit: 3 } }, optionsFor(settings));
    assert.equal(withMail.uniqueStates, 651);
    assertSame(await shown(page), withMail, "busy store with one new message");
    await tid(page, "explore-new-mail").fill("-1");
    await run(page);
    assert.equal(await tid(page, "explore-view").getAttribute("data-state"), "error");
    assert.match(await tid(page, "explore-error").textContent(), /New messages: enter a whole number from 0 to 100/);
    assert.equal(await tid(page, "explore-new-mail").getAttribute("aria-invalid"), "true");
    await tid(page, "explore-new-mail").fill("0");

    // Remove a goal with its button: the list and the next run follow.
    await tid(page, "goal-remove-1").click();
    assert.equal(await tid(page, "goal-list").locator("li").count(), 2);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "goal-remove-1", "focus moves to the next Remove button");

    // Two identical stores, with and without symmetry; then a state budget too small to finish.
    const twins = { version: 1, name: "twins", stores: [{ name: "A" }, { name: "B" }], actions: [] };
    const page2 = await openScenario(twins, 0);
    await openTab(page2);
    for (const [settings2, count, state] of [
      [{ symmetry: false }, 256, "complete"],
      [{ symmetry: true }, 136, "complete"],
      [{ maxStates: 50 }, 50, "stateBudget"],
    ]) {
      await setOptions(page2, { maxDepth: 12, maxStates: 200000, ...settings2 });
      await run(page2);
      const r = explorer.explore(twins, optionsFor(settings2));
      assert.equal(r.uniqueStates, count);
      const s2 = await shown(page2);
      assert.equal(s2.state, state, JSON.stringify(settings2));
      assertSame(s2, r, `twins ${JSON.stringify(settings2)}`);
      if (state === "stateBudget") {
        assert.match(s2.summary, /^Stopped at the state budget: 50 unique states were found/);
        assert.ok(s2.properties.every((p) => p.verdict === "holdsSoFar" && p.verdictText === "Holds so far"));
        assert.equal(number(await tid(page2, "explore-bar").getAttribute("value")), 50);
      }
    }
    await closeClean(page2);
    await closeClean(page);
  });

  test("progress: a run of a few seconds shows its counts before the final report", { timeout: 240000 }, async (t) => {
    const settings = { maxDepth: 1000, maxStates: 20000000 };
    const t0 = performance.now();
    const want = explorer.explore(REFERENCE, optionsFor(settings));
    const nodeMs = performance.now() - t0;
    assert.equal(want.stopped, "complete");
    assert.equal(want.uniqueStates, 204739, "the reference scenario's size");
    const page = await openScenario(REFERENCE, 0);
    await openTab(page);
    await setOptions(page, settings);
    await watchCounts(page);
    const longestGap = await watchFrameGaps(page);
    await run(page);
    const maxGap = await longestGap();
    const { counts, progressShown, slice } = await page.evaluate(() => {
      window.__countsObserver.disconnect();
      const v = document.querySelector('[data-testid="explore-view"]');
      return { counts: window.__counts, progressShown: Number(v.dataset.progressShown), slice: Number(v.dataset.slice) };
    });
    const s = await shown(page);
    assert.equal(s.state, "complete");
    assertSame(s, want, "reference scenario");
    const during = counts.filter((c) => c.state === "running" && number(c.text) > 0 && number(c.text) < want.uniqueStates);
    assert.ok(during.length >= 1, `at least one progress update before the final report (seen: ${counts.map((c) => `${c.state}:${c.text}`).join(", ")})`);
    assert.ok(progressShown >= 1);
    const values = during.map((c) => number(c.text));
    assert.deepEqual(values, [...values].sort((a, b) => a - b), "the count only grows");
    const span = during.length > 1 ? (during.at(-1).at - during[0].at) / (during.length - 1) : NaN;
    t.diagnostic(
      `reference scenario (${want.uniqueStates} states): ${progressShown} progress updates, about every ${Math.round(span)} ms (last slice ${slice} states); exploring took ${s.summary.match(/\(([^)]+)\)/)?.[1]} in the page's worker, ${Math.round(nodeMs)} ms in Node; longest gap between frames on the page ${Math.round(maxGap)} ms`,
    );
    await closeClean(page);
  });

  test("cancel: a long run stops with “so far” verdicts, and a new run works afterwards", { timeout: 240000 }, async (t) => {
    const page = await openScenario(THREE_STORES, 0);
    await openTab(page);
    await setOptions(page, { maxDepth: 1000, maxStates: 20000000 });
    await tid(page, "explore-run").click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="explore-view"]').dataset.progressShown) >= 2, null, { timeout: 60000 });
    assert.equal(await tid(page, "explore-view").getAttribute("data-state"), "running");
    assert.equal(await tid(page, "explore-run").isDisabled(), true, "Run is disabled while running");
    const clicked = await page.evaluate(() => performance.now());
    await tid(page, "explore-cancel").click();
    await page.waitForSelector(STOPPED, { timeout: 60000 });
    const latency = (await page.evaluate(() => performance.now())) - clicked;
    const s = await shown(page);
    assert.equal(s.state, "cancelled");
    assert.match(s.summary, /^Cancelled after [\d,]+ unique states \([^)]+\)\. The verdicts below cover only the states seen/);
    assert.match(s.status, /^Cancelled: [\d,]+ unique states; no failure so far\.$/);
    assert.ok(s.unique > 0 && s.unique < 20000000);
    assert.deepEqual(s.properties.map((p) => [p.kind, p.verdict, p.verdictText]), ALL.map((k) => [k, "holdsSoFar", "Holds so far"]));
    assert.match(await tid(page, "explore-outcomes").locator("caption").textContent(), /seen so far/);
    assert.equal(await tid(page, "explore-run").isDisabled(), false);
    assert.equal(await tid(page, "explore-cancel").isDisabled(), true);
    t.diagnostic(`cancelled after ${s.unique} states; ${Math.round(latency)} ms from the click to the cancelled report`);

    // A new run on the same page (the same worker) with a small bound.
    await setOptions(page, { maxDepth: 3, maxStates: 200000 });
    await run(page);
    const want = explorer.explore(THREE_STORES, optionsFor({ maxDepth: 3 }));
    const again = await shown(page);
    assert.equal(again.state, "complete");
    assertSame(again, want, "three stores, depth 3");
    await closeClean(page);
  });

  test("when the explorer's module cannot be loaded, the tab says so in plain words and can try again", async () => {
    const wasm = /mapi_logoff_explore_bg.*\.wasm$/;
    let block = true;
    const handler = (route) => (block ? route.fulfill({ status: 404, contentType: "text/plain", body: "not found" }) : route.continue());
    await ctx.route(wasm, handler);
    try {
      const page = await openScenario(BUSY, 0);
      await tid(page, "tab-explore").click();
      await tid(page, "explore-load-error").waitFor({ timeout: 30000 });
      const text = await tid(page, "explore-load-error").textContent();
      assert.match(text, /^ExploreThe explorer could not be loaded: .*404.*Try again$/);
      block = false;
      await tid(page, "explore-load-error").getByRole("button", { name: "Try again" }).click();
      await page.waitForSelector(`${READY}[data-state="idle"]`, { timeout: 30000 });
      await run(page);
      assert.equal(await tid(page, "explore-view").getAttribute("data-state"), "complete");
      assert.equal((await shown(page)).unique, 157);
      await closeClean(page);
    } finally {
      await ctx.unroute(wasm, handler);
    }
  });

  test("an input the explorer refuses is shown with its path", async () => {
    const page = await openScenario(BUSY, 0);
    await openTab(page);
    await setOptions(page, { maxDepth: 5000 });
    await run(page);
    assert.equal(await tid(page, "explore-view").getAttribute("data-state"), "error");
    const want = (() => {
      try {
        explorer.explore(BUSY, { maxDepth: 5000 });
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(want && want.path === "maxDepth");
    assert.match(await tid(page, "explore-error").textContent(), new RegExp(`${want.message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    assert.equal(await tid(page, "explore-error-path").textContent(), "maxDepth");
    assert.equal(await tid(page, "explore-depth").getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "explore-depth", "the field is focused");
    await setOptions(page, { maxDepth: 12 });
    await run(page);
    assert.equal(await tid(page, "explore-view").getAttribute("data-state"), "complete");
    assert.equal(await tid(page, "explore-error").isHidden(), true);
    assert.equal(await tid(page, "explore-depth").getAttribute("aria-invalid"), null);
    await closeClean(page);
  });

  test("a fault: the failing property's counterexample loads in the playground and shares as a link", { timeout: 180000 }, async () => {
    // Under the deferred reading the fault shows first at the final Release.
    const fault = { ...readJson("tests/scenarios/fault-reuse-flags-variable.json"), settings: { storeLogoffTransports: "atFinalRelease" } };
    const page = await openScenario(fault, 0);
    await openTab(page);
    await run(page);
    const start = { ...fault, actions: [] };
    const want = explorer.explore(start, optionsFor());
    const s = await shown(page);
    assertSame(s, want, "fault-reuse-flags-variable");
    assert.deepEqual(s.properties.map((p) => p.verdict), ["fails", "fails", "holds", "fails"]);
    assert.match(s.status, /3 properties fail\.$/);
    const ce = want.properties[0].counterexample;
    assert.deepEqual(s.properties[0].path, ["Release(Mailbox)"]);
    assert.deepEqual(s.properties[1].path, ["Release(Mailbox)", "LogoffSession(smtp, 0)"]);
    const replay = new engine.Simulation(ce.scenario);
    const violations = replay.violations();
    replay.free();
    assert.ok(violations.length > 0, "the counterexample replays to a violation");

    // Load in playground: the playground shows the counterexample at its last step, with the violation.
    await tid(page, "prop-0").locator('[data-testid="cex-load"]').click();
    assert.equal(await tid(page, "tab-playground").getAttribute("aria-selected"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "tab-playground");
    const doc = await pageDoc(page);
    assert.equal(doc.position, ce.scenario.actions.length, "the last step of the path is the current one");
    assert.deepEqual(doc.scenario.actions, ce.scenario.actions);
    assert.deepEqual(doc.scenario.stores, ce.scenario.stores);
    assert.deepEqual(doc.scenario.transports, ce.scenario.transports);
    assert.equal(await tid(page, `tl-${doc.position}`).getAttribute("aria-current"), "step");
    assert.equal(await tid(page, "result-action").textContent(), "Release(Mailbox)");
    const listed = await tid(page, "violations").locator("li").allTextContents();
    assert.deepEqual(listed, violations.map((v) => `${v.rule} ${v.mistake ? `${v.mistake} ` : ""}${v.subject}: ${v.message}`));
    assert.ok((await tid(page, "new-violations").locator("li").count()) > 0, "the step's result lists the violation it caused");
    for (const id of ["I1", "I2", "I3", "I4", "I5", "I6"]) {
      assert.equal(await tid(page, `badge-${id}`).getAttribute("data-state"), violations.some((v) => v.rule === id) ? "broken" : "ok", `badge ${id}`);
    }

    // Back in the tab: the results stay, and say the playground has moved on.
    await tid(page, "tab-explore").click();
    assert.equal(await tid(page, "explore-stale").isVisible(), true);
    assert.match(await tid(page, "explore-from").textContent(), new RegExp(`after step ${ce.scenario.actions.length} of its history`));

    // Copy link: to the clipboard, shown in a field too; opened elsewhere it loads the same scenario.
    await tid(page, "prop-0").locator('[data-testid="cex-copy"]').click();
    await page.waitForFunction(() => /^Link copied|clipboard is not available/.test(document.querySelector('[data-testid="prop-0"] [data-testid="cex-copy-status"]').textContent));
    const link = await tid(page, "prop-0").locator('[data-testid="cex-link"]').inputValue();
    assert.match(await tid(page, "prop-0").locator('[data-testid="cex-copy-status"]').textContent(), /^Link copied to the clipboard/);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    assert.ok(link.startsWith(`${srv.url}/#v1=`), link);
    const shared = decodeFragment(new URL(link).hash);
    assert.deepEqual(shared, { scenario: ce.scenario, position: ce.scenario.actions.length });
    const other = await openPage(link.slice(srv.url.length));
    const otherDoc = await pageDoc(other);
    assert.deepEqual(otherDoc.scenario.actions, ce.scenario.actions);
    assert.deepEqual(otherDoc.scenario.stores, ce.scenario.stores);
    assert.equal(otherDoc.position, ce.scenario.actions.length);
    assert.deepEqual(await tid(other, "violations").locator("li").allTextContents(), listed);
    await closeClean(other);
    await closeClean(page);
  });

  test("keyboard only: every control is labelled and shows its focus; run, add a goal, load a counterexample", { timeout: 120000 }, async () => {
    const fault = readJson("tests/scenarios/fault-skip-store-logoff-transports.json");
    const page = await openScenario(fault, 0);
    await page.keyboard.press("e");
    await page.waitForSelector(`${READY}[data-state="idle"]`, { timeout: 30000 });
    await tid(page, "tab-explore").focus();
    const seen = [];
    const problems = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press("Tab");
      const info = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || !el.closest('[data-testid="explore-view"]')) return null;
        const cs = getComputedStyle(el);
        const label = el.getAttribute("aria-label") || el.labels?.[0]?.textContent || el.textContent || "";
        return { id: el.dataset.testid || el.dataset.rule || el.tagName, label: label.trim(), outline: cs.outlineStyle !== "none" && cs.outlineWidth !== "0px" };
      });
      if (!info) continue;
      seen.push(info.id);
      if (!info.label || !info.outline) problems.push(info);
      if (info.id === "explore-run") break;
    }
    assert.deepEqual(problems, [], "controls without a label or a visible focus outline");
    for (const id of ["explore-depth", "explore-states", "explore-symmetry", "explore-misuse", "explore-prop-storesReleased", "goal-call", "goal-flag", "goal-hresult", "goal-out-LOGOFF_COMPLETE", "goal-add", "explore-run"]) {
      assert.ok(seen.includes(id), `${id} is reachable with Tab (seen: ${seen.join(", ")})`);
    }
    // A goal from the keyboard: choose StoreLogoff, Enter on Add.
    await tid(page, "goal-call").focus();
    await page.keyboard.press("ArrowDown");
    await tid(page, "goal-add").focus();
    await page.keyboard.press("Enter");
    assert.deepEqual(await tid(page, "goal-list").locator("li .goal-text").allTextContents(), ["StoreLogoff(LOGOFF_NO_WAIT) returns any HRESULT"]);
    await tid(page, "explore-run").focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector(STOPPED, { timeout: 60000 });
    assert.equal(await tid(page, "explore-view").getAttribute("data-state"), "complete");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "explore-run", "focus is back on Run");
    await tid(page, "prop-0").locator('[data-testid="cex-load"]').focus();
    await page.keyboard.press("Enter");
    assert.equal(await tid(page, "tab-playground").getAttribute("aria-selected"), "true");
    const doc = await pageDoc(page);
    const want = explorer.explore({ ...fault, actions: [] }, optionsFor({ goals: [{ call: "storeLogoff", flag: "LOGOFF_NO_WAIT" }] }));
    assert.deepEqual(doc.scenario.actions, want.properties[0].counterexample.scenario.actions);
    await closeClean(page);
  });

  for (const scheme of ["light", "dark"]) {
    test(`axe finds no serious or critical violation, and screenshots (${scheme})`, { timeout: 120000 }, async () => {
      const fault = readJson("tests/scenarios/fault-reuse-flags-variable.json");
      const page = await openScenario(fault, 0, { colorScheme: scheme });
      await openTab(page);
      let found = await runAxe(page);
      assert.deepEqual(found, [], `the tab before a run (${scheme})`);
      await setOptions(page, { goals: [{ call: "storeLogoffTransports", flag: "LOGOFF_QUIET", hresult: "S_OK", outFlags: "LOGOFF_COMPLETE" }] });
      await run(page);
      await tid(page, "prop-0").locator('[data-testid="cex-copy"]').click();
      await tid(page, "prop-0").locator('[data-testid="cex-link"]').waitFor();
      found = await runAxe(page);
      assert.deepEqual(found, [], `the tab with results and a counterexample (${scheme})`);
      await page.mouse.move(0, 0);
      await page.waitForTimeout(300);
      const file = path.join(SHOTS, `explore-${scheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      assert.ok(fs.statSync(file).size > 10000);
      await closeClean(page);

      // While running, at a phone's width.
      const narrow = await openScenario(THREE_STORES, 0, { colorScheme: scheme });
      await narrow.setViewportSize({ width: 420, height: 900 });
      await openTab(narrow);
      await setOptions(narrow, { maxDepth: 1000, maxStates: 20000000 });
      await tid(narrow, "explore-run").click();
      await narrow.waitForFunction(() => Number(document.querySelector('[data-testid="explore-view"]').dataset.progressShown) >= 3, null, { timeout: 60000 });
      found = await runAxe(narrow);
      assert.deepEqual(found, [], `the tab while running, narrow (${scheme})`);
      const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling at 420 px (${overflow} px too wide)`);
      await tid(narrow, "explore-progress").scrollIntoViewIfNeeded();
      await narrow.screenshot({ path: path.join(SHOTS, `explore-running-narrow-${scheme}.png`) });
      await tid(narrow, "explore-cancel").click();
      await narrow.waitForSelector(STOPPED, { timeout: 60000 });
      await closeClean(narrow);
    });
  }
});
