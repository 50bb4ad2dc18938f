// End-to-end tests of the playground as a newcomer meets it (issue 15):
// the layout at 1440x900 and on a 390x844 phone (bounding boxes), the
// landing and its first experiment, readable changes, rule links, the
// keyboard, embedding, the trace editor and the small fixes. Screenshots
// of each layout, light and dark, go to dist/screenshots/.
//
//   node --test tests/e2e/newcomer.test.mjs   (scripts/test.d/50-e2e.sh builds first)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { closeClean, decodeFragment, encodeFragment, pageOpener, startBrowser, tid } from "./browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = path.join(ROOT, "dist");
const SHOTS = path.join(DIST, "screenshots");
const engine = await import(path.join(ROOT, "pkg/node/index.mjs"));
const AXE = fs.readFileSync(path.join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");
const SCENARIO = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, "tests/scenarios", `${name}.json`), "utf8"));

const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

let srv;
let ctx;
let browser;

before(async () => {
  browser = await startBrowser({ dist: DIST, fixtures: path.join(HERE, "fixtures"), suite: "newcomer", permissions: ["clipboard-read", "clipboard-write"] });
  ({ srv, ctx } = browser);
});

after(async () => {
  await browser?.close();
});

const openPage = pageOpener(() => ctx, () => srv);

// ---------------------------------------------------------------- helpers

/** The page's document, from its share link once it caught up. */
async function pageDoc(page) {
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid="playground"]');
    return r && r.dataset.change && r.dataset.change === r.dataset.shared;
  });
  return decodeFragment(await page.evaluate(() => location.hash));
}

/** The engine's outcome of the document's last step and its state. */
function engineAt(doc) {
  const { scenario, position } = doc;
  const sim = new engine.Simulation({ ...scenario, actions: scenario.actions.slice(0, Math.max(0, position - 1)) });
  try {
    const outcome = position > 0 ? sim.apply(scenario.actions[position - 1]) : null;
    return { outcome, view: sim.state() };
  } finally {
    sim.free();
  }
}

async function box(locator) {
  const b = await locator.boundingBox();
  assert.ok(b, "the element is laid out");
  return b;
}

/** Whether a box lies inside the viewport. */
function inView(b, vp) {
  return b.x >= -1 && b.y >= -1 && b.x + b.width <= vp.width + 1 && b.y + b.height <= vp.height + 1;
}

/** The page's width beyond the viewport (0 when nothing overflows sideways). */
function sidewaysOverflow(page) {
  return page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth);
}

async function traceDrawn(page) {
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid="playground"]');
    return Number(r.dataset.traceEvents) > 0;
  });
}

/** The diagram of `root` (a page or an element): lanes, and whether they fit without sideways scrolling. */
function diagramFit(page, rootSel = null) {
  return page.evaluate((sel) => {
    const root = sel ? document.querySelector(sel).shadowRoot : document;
    const scroller = [...root.querySelectorAll(".seq-scroller")].find((s) => s.offsetParent !== null);
    const head = scroller.querySelector(".seq-head");
    const lanes = [...head.querySelectorAll(".lane-box")].map((r) => r.getBoundingClientRect());
    const sb = scroller.getBoundingClientRect();
    return {
      lanes: lanes.length,
      fits: scroller.scrollWidth <= scroller.clientWidth + 1,
      lanesInside: lanes.every((r) => r.left >= sb.left - 1 && r.right <= sb.left + scroller.clientWidth + 1),
    };
  }, rootSel);
}

async function runAxe(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target) + " :: " + n.failureSummary) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

async function shot(page, name) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: file });
  assert.ok(fs.statSync(file).size > 10000, `${name}.png`);
}

// ---------------------------------------------------------------- 1-3 layout

describe("1. the story where you work (1440x900)", () => {
  test("the diagram is beside the operations and the result; a call's rows show without scrolling", async () => {
    const page = await openPage("/", { viewport: WIDE });
    const ops = await box(page.locator(".col-ops"));
    const result = await box(page.locator(".col-result"));
    const seq = await box(page.locator(".col-diagram"));
    assert.ok(seq.x >= result.x + result.width - 1 && result.x >= ops.x + ops.width - 1, "operations | result | diagram, left to right");
    assert.ok(seq.y < WIDE.height / 2, `the diagram starts in the upper half (at ${Math.round(seq.y)} px)`);
    await tid(page, "op-storelogoff").click();
    await traceDrawn(page);
    const doc = await pageDoc(page);
    const trace = engine.runScenario({ ...doc.scenario, actions: doc.scenario.actions.slice(0, doc.position) }).trace;
    const last = trace[trace.length - 1];
    const row = await box(tid(page, `ev-${last.seq}`));
    assert.ok(inView(row, WIDE), "the call's last row is in view without scrolling");
    assert.equal(await page.evaluate(() => window.scrollY), 0, "the page did not scroll");
    await closeClean(page);
  });

  test("one click on an unfocused diagram selects the row clicked, and the state after it shows under that row", async () => {
    const page = await openPage("/#" + encodeFragment({ scenario: SCENARIO("transport-logoff-mid-send"), position: SCENARIO("transport-logoff-mid-send").actions.length }), { viewport: WIDE });
    await traceDrawn(page);
    const target = tid(page, "ev-3");
    await target.click();
    assert.equal(await target.getAttribute("aria-selected"), "true", "the clicked row is selected by the first click");
    assert.equal(await page.locator('[data-testid^="ev-"][aria-selected="true"]').count(), 1);
    const panel = page.locator(".seq-detail");
    await panel.waitFor();
    const row = await box(target);
    const p = await box(panel);
    assert.ok(p.y >= row.y + row.height - 2 && p.y - (row.y + row.height) < 40, `the state panel starts right under the row (row bottom ${Math.round(row.y + row.height)}, panel top ${Math.round(p.y)})`);
    assert.ok(p.y < WIDE.height, "the panel is in view");
    assert.ok(p.x >= (await box(page.locator(".col-diagram"))).x - 1, "inside the diagram's card");
    assert.match(await panel.textContent(), /Showing the state after step/);
    // Back to the current state: the panel goes home.
    await tid(page, "back-to-current").click();
    assert.equal(await page.locator(".seq-detail").count(), 0);
    assert.equal(await page.locator('.col-state [data-testid="state"]').count(), 1);
    await closeClean(page);
  });
});

describe("2. overflow", () => {
  test("what changed, state tables and a 7-lane diagram stay inside their cards at 1440", async () => {
    const page = await openPage("/#" + encodeFragment({ scenario: { ...SCENARIO("quiet-busy"), actions: [] }, position: 0 }), { viewport: WIDE });
    await tid(page, "op-beginsend").click();
    await traceDrawn(page);
    const fit = await diagramFit(page);
    assert.equal(fit.lanes, 7, "client, store, MAPI, spooler, session, transport, store provider");
    assert.ok(fit.fits && fit.lanesInside, "7 lanes fit without sideways scrolling");
    // Big arrays in what changed: the big queue preset.
    await tid(page, "preset").selectOption("big-queue");
    await tid(page, "op-beginsend").click();
    await page.locator('details.changes[open], details.changes').first().evaluate((d) => (d.open = true));
    const card = await box(page.locator(".col-result"));
    const table = await box(tid(page, "changes"));
    assert.ok(table.x + table.width <= card.x + card.width + 1, "the changes table stays inside the result card");
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll(".col-state table, .col-result table")].filter((t) => {
        const wrap = t.closest(".table-wrap") ?? t.parentElement;
        return t.getBoundingClientRect().right > wrap.getBoundingClientRect().right + 1;
      }).length,
    );
    assert.equal(cut, 0, "no state or change table is cut off");
    await closeClean(page);
  });

  test("Check a trace: every lane of the trace is in view", async () => {
    const page = await openPage("/", { viewport: WIDE });
    await tid(page, "tab-check").click();
    await page.waitForSelector('[data-testid="check-panel"][data-ready]');
    await tid(page, "check-sample").selectOption("clean");
    await page.waitForSelector('[data-testid="check-view"][data-checked]');
    const fit = await page.evaluate(() => {
      const scroller = document.querySelector('[data-testid="check-view"] .seq-scroller');
      const sb = scroller.getBoundingClientRect();
      const lanes = [...scroller.querySelectorAll(".lane-box")].map((r) => r.getBoundingClientRect());
      return { n: lanes.length, inside: lanes.every((r) => r.right <= sb.left + scroller.clientWidth + 1) };
    });
    assert.ok(fit.n >= 4, `${fit.n} lanes`);
    assert.ok(fit.inside, "the session lanes are inside the view, not off to the right");
    await closeClean(page);
  });
});

describe("3. phone (390x844)", () => {
  test("no sideways scrolling, the result in reach after an operation, every lane of the diagram", async () => {
    const page = await openPage("/", { viewport: PHONE });
    assert.equal(await sidewaysOverflow(page), 0, "the page does not scroll sideways");
    await tid(page, "suggest-run").click();
    await traceDrawn(page);
    assert.equal(await sidewaysOverflow(page), 0, "still no sideways scrolling after an operation");
    const bar = tid(page, "result-bar");
    const result = await box(page.locator(".col-result"));
    const barBox = await bar.boundingBox();
    const scrollY = await page.evaluate(() => window.scrollY);
    const resultVisible = result.y < PHONE.height && result.y + result.height > 0;
    assert.ok(resultVisible || (barBox && inView(barBox, PHONE)), `the result or its bar is in view (scrollY ${scrollY})`);
    if (barBox) assert.match(await bar.textContent(), /S_OK|MAPI_/);
    await page.locator(".col-diagram").scrollIntoViewIfNeeded();
    const fit = await diagramFit(page);
    assert.ok(fit.fits && fit.lanesInside, "every lane of the diagram fits the phone");
    for (const i of [0, 1, 2]) {
      const label = await box(page.locator(`[data-testid="ev-${i}"] text`));
      const sc = await box(page.locator(".col-diagram .seq-scroller"));
      assert.ok(label.x >= sc.x - 1 && label.x + 4 < sc.x + sc.width, `row #${i}'s words start inside the diagram`);
    }
    await closeClean(page);
  });
});

// ---------------------------------------------------------------- 4-5 landing

describe("4. landing", () => {
  for (const vp of [WIDE, PHONE]) {
    test(`the tagline, the named preset at step 0 and one suggested experiment (${vp.width}x${vp.height})`, async () => {
      const page = await openPage("/", { viewport: vp });
      const tagline = tid(page, "tagline");
      assert.match(await tagline.textContent(), /executable reference for how Microsoft MAPI logs off/);
      assert.ok(inView(await box(tagline), vp), "the tagline is visible without scrolling");
      assert.equal(await tid(page, "preset").inputValue(), "quiet-busy", "the preset chooser names the preset");
      const n = SCENARIO("quiet-busy").actions.length;
      assert.equal(await tid(page, "tl-info").textContent(), `Step 0 of ${n} (${n} undone, can be redone)`);
      assert.match(await tid(page, "result").textContent(), /No action yet/);
      const suggest = tid(page, "suggest");
      assert.match(await suggest.textContent(), /StoreLogoff\(LOGOFF_QUIET\)/);
      assert.ok(inView(await box(tid(page, "suggest-run")), vp), "the suggested experiment is visible without scrolling");
      await closeClean(page);
    });
  }
});

describe("4. a preset from the chooser opens like the landing", () => {
  test("at step 0, named, with a suggested first experiment; its steps wait in the history", async () => {
    const page = await openPage("/", { viewport: WIDE });
    const sc = SCENARIO("orderly-busy");
    const n = sc.actions.length;
    await tid(page, "preset").selectOption("orderly-busy");
    await page.waitForFunction(() => document.querySelector('[data-testid="scenario-name"]').textContent === "orderly-busy");
    assert.equal(await tid(page, "preset").inputValue(), "orderly-busy", "the chooser names the preset");
    assert.equal((await pageDoc(page)).position, 0, "at step 0");
    assert.equal(await tid(page, "tl-info").textContent(), `Step 0 of ${n} (${n} undone, can be redone)`);
    assert.match(await tid(page, "result").textContent(), /No action yet/);
    // One suggested first experiment, in view: replay up to the preset's logoff call.
    const k = sc.actions.findIndex((a) => a.type === "storeLogoff") + 1;
    const suggest = tid(page, "suggest");
    assert.match(await suggest.textContent(), new RegExp(`StoreLogoff\\(Mailbox, LOGOFF_ORDERLY\\) \\(step ${k} of ${n}\\)`));
    assert.ok(inView(await box(tid(page, "suggest-run")), WIDE), "the suggestion is visible without scrolling");
    await tid(page, "suggest-run").click();
    let doc = await pageDoc(page);
    assert.equal(doc.position, k, "it replays the preset's own steps");
    assert.deepEqual(doc.scenario.actions, sc.actions, "Redo, not new steps: the rest still waits in the history");
    const { outcome } = engineAt(doc);
    assert.equal(await tid(page, "hresult-name").textContent(), outcome.hresult.text);
    assert.equal(await tid(page, "outflags-names").textContent(), outcome.outFlags.text);
    assert.equal(await page.locator('.timeline-list [aria-current="step"]').getAttribute("data-testid"), `tl-${k}`);
    // Then the rest of the preset, and the guide ends with it.
    assert.match(await suggest.textContent(), new RegExp(`${n - k} more steps`));
    await tid(page, "suggest-run").click();
    doc = await pageDoc(page);
    assert.equal(doc.position, n);
    assert.equal(await suggest.isVisible(), false);
    // Undo walks back through the same steps.
    await tid(page, "undo").click();
    assert.equal((await pageDoc(page)).position, n - 1);
    // The landing's preset from the chooser: the landing's own experiment.
    await tid(page, "preset").selectOption("quiet-busy");
    await page.waitForFunction(() => document.querySelector('[data-testid="scenario-name"]').textContent === "quiet-busy");
    assert.equal((await pageDoc(page)).position, 0);
    assert.match(await suggest.textContent(), /StoreLogoff\(LOGOFF_QUIET\)/);
    await closeClean(page);
  });
});

describe("5. the first experiment and the readings", () => {
  test("QUIET on the busy store is vetoed with the activity flags; NO_WAIT completes; the spooler drains with no violation", async () => {
    const page = await openPage("/", { viewport: WIDE });
    await tid(page, "suggest-run").click();
    let doc = await pageDoc(page);
    assert.deepEqual(doc.scenario.actions.slice(0, doc.position).map((a) => a.type), ["beginSend", "beginReceive", "storeLogoff"]);
    assert.equal(await tid(page, "hresult-name").textContent(), "S_OK");
    const quietFlags = await tid(page, "outflags-names").textContent();
    assert.doesNotMatch(quietFlags, /LOGOFF_COMPLETE/, "QUIET on a busy store does not complete");
    assert.match(quietFlags, /LOGOFF_(INBOUND|OUTBOUND)/, "it reports the activity");
    let { outcome, view } = engineAt(doc);
    assert.equal(outcome.outFlags.text, quietFlags, "the engine's answer");
    assert.notEqual(view.state.stores[0].phase, "destroyed", "the store stays usable");
    assert.equal(await tid(page, "new-violations").count(), 0);
    await tid(page, "suggest-run").click();
    assert.match(await tid(page, "outflags-names").textContent(), /LOGOFF_COMPLETE/, "NO_WAIT completes");
    await tid(page, "suggest-run").click();
    doc = await pageDoc(page);
    ({ outcome, view } = engineAt(doc));
    assert.deepEqual(doc.scenario.actions.slice(0, doc.position).map((a) => a.type), ["beginSend", "beginReceive", "storeLogoff", "storeLogoff", "runUntilIdle"]);
    assert.equal(view.violations.length, 0, "no violation after the spooler drained");
    assert.equal(view.state.sessions[0].sending, null);
    assert.equal(view.state.sessions[0].receiving, null);
    assert.match(await tid(page, "violations").count().then((n) => (n ? "some" : "none")), /none/);
    assert.equal(await tid(page, "suggest").isVisible(), false, "the suggestion ends with the story");
    await closeClean(page);
  });

  test("the reading selectors explain themselves; the matrix uses the same labels", async () => {
    const page = await openPage("/", { viewport: WIDE });
    const abort = tid(page, "reading-abortReading");
    const slt = tid(page, "reading-storeLogoffTransports");
    const abortText = await abort.textContent();
    assert.match(abortText, /Stop, then release/);
    assert.match(abortText, /ABORT cancels the store's transfers/);
    assert.match(abortText, /Any transport provider activity for this store should be stopped before logoff/);
    assert.match(abortText, /Veto while busy/);
    assert.match(abortText, /If any transport activity is taking place, the logoff does not occur/);
    const sltText = await slt.textContent();
    assert.match(sltText, /From StoreLogoff \(immediate\)/);
    assert.match(sltText, /typically called from a store provider's IMsgStore::StoreLogoff method/);
    assert.match(sltText, /At the final Release \(deferred\)/);
    assert.match(sltText, /it can also be called from the IUnknown::Release method/);
    await tid(page, "tab-matrix").click();
    await tid(page, "matrix-table").waitFor();
    assert.deepEqual(await tid(page, "matrix-abort").locator("option").allTextContents(), ["Stop, then release", "Veto while busy"]);
    assert.deepEqual((await tid(page, "matrix-slt").locator("option").allTextContents()).sort(), ["At the final Release (deferred)", "From StoreLogoff (immediate)"]);
    await closeClean(page);
  });

  test("share links with the older reading names still load", async () => {
    for (const [abortReading, label] of [
      ["literal", "Veto while busy"],
      ["sampleStore", "Stop, then release"],
    ]) {
      const sc = { ...SCENARIO("abort-busy"), settings: { abortReading } };
      const page = await openPage("/#" + encodeFragment({ scenario: sc, position: sc.actions.length }), { viewport: WIDE });
      assert.equal(await tid(page, "banner").isVisible(), false, "no error");
      const checked = await page.locator('[data-testid="reading-abortReading"] input:checked').getAttribute("id");
      assert.match(await page.locator(`label[for="${checked}"]`).textContent(), new RegExp(label));
      await closeClean(page);
    }
  });
});

// ---------------------------------------------------------------- 6-8

describe("6. what changed reads like the state tables", () => {
  test("no engine paths or JSON", async () => {
    const page = await openPage("/#" + encodeFragment({ scenario: { ...SCENARIO("quiet-busy"), actions: [] }, position: 0 }), { viewport: WIDE });
    await tid(page, "op-beginsend").click();
    const text = await tid(page, "changes").textContent();
    assert.doesNotMatch(text, /[{}[\]"]/, "no JSON");
    assert.doesNotMatch(text, /sessions\[0\]/, "no engine path");
    assert.match(text, /session smtp/);
    assert.match(text, /message 0, 2 steps left/);
    await closeClean(page);
  });
});

describe("7. rule references are links", () => {
  test("chips link to the rule's page; the index lists every rule; the trace format is linked", async () => {
    const page = await openPage("/", { viewport: WIDE });
    const rules = engine.rules();
    const chip = page.locator('.scenario-desc a.rule[data-rule="S3"]').first();
    const want = rules.find((r) => r.id === "S3");
    const href = await chip.getAttribute("href");
    assert.ok(href === (want.source?.url ?? want.docUrl) || /docs\/protocol\.html#s3$/.test(href), `S3 links to its page (${href})`);
    assert.equal(await chip.getAttribute("target"), "_blank");
    await tid(page, "rules-box").locator("summary").click();
    await tid(page, "rules-index").waitFor();
    for (const r of rules) {
      const item = tid(page, `rule-${r.id}`);
      assert.equal(await item.count(), 1, `${r.id} is in the index`);
      // A rule some page states links to it; a model's choice (no page says it) is marked as such.
      if (r.source?.url ?? r.docUrl) assert.equal(await item.locator("a.rule").getAttribute("href"), r.source?.url ?? r.docUrl, `${r.id} links to its page`);
      else assert.match(await item.textContent(), /the model's choice/, `${r.id} says it is the model's choice`);
    }
    const groups = await page.locator(".rules-group h3").allTextContents();
    assert.deepEqual(groups, ["Store logoff (S)", "Transport logoff (T)", "Invariants (I)", "Provider mistakes (M)"]);
    await tid(page, "tab-check").click();
    await page.waitForSelector('[data-testid="check-panel"][data-ready]');
    const link = tid(page, "trace-format-link");
    assert.match(await link.getAttribute("href"), /trace-format/);
    await closeClean(page);
  });
});

describe("8. explore starts where the visitor is", () => {
  test("from the landing's step 0, then from the step shown", async () => {
    const page = await openPage("/", { viewport: WIDE });
    await tid(page, "tab-explore").click();
    await page.waitForSelector('[data-testid="explore-panel"][data-ready]', { timeout: 30000 });
    assert.match(await tid(page, "explore-from").textContent(), /at its start \(no step applied\)/);
    await tid(page, "tab-playground").click();
    await tid(page, "tl-2").click();
    await tid(page, "tab-explore").click();
    assert.match(await tid(page, "explore-from").textContent(), /after step 2 of its history/);
    await closeClean(page);
  });
});

// ---------------------------------------------------------------- 9 keyboard

describe("9. keyboard", () => {
  test("focus stays in the situation after Add messages, Remove (✕) and Add inbound mail", async () => {
    const page = await openPage("/", { viewport: WIDE });
    const focused = () => page.evaluate(() => {
      const el = document.activeElement;
      return el && el !== document.body ? (el.getAttribute("aria-label") || el.textContent || el.tagName).trim() : "body";
    });
    for (const name of ["Add messages", "Add inbound mail"]) {
      await page.getByRole("button", { name, exact: true }).first().focus();
      await page.keyboard.press("Enter");
      assert.equal(await focused(), name, `focus stays on ${name}`);
    }
    const remove = page.locator('.col-edit button[aria-label^="Remove messages group"]').last();
    await remove.focus();
    await page.keyboard.press("Enter");
    const now = await focused();
    assert.notEqual(now, "body", "focus is not lost after ✕");
    assert.ok(await page.evaluate(() => document.querySelector(".col-edit").contains(document.activeElement)), "focus stays in the situation");
    await closeClean(page);
  });

  test("skip links reach Begin send within 15 key presses", async () => {
    const page = await openPage("/", { viewport: WIDE });
    let presses = 0;
    const active = () => page.evaluate(() => ({ testid: document.activeElement?.dataset?.testid ?? "", text: document.activeElement?.textContent ?? "" }));
    while (presses < 10 && (await active()).text !== "Session operations") {
      await page.keyboard.press("Tab");
      presses++;
    }
    assert.equal((await active()).text, "Session operations", "a skip link to the session operations");
    assert.ok(await page.locator(".skip-links a:focus").isVisible(), "the focused skip link is visible");
    await page.keyboard.press("Enter");
    presses++;
    while (presses < 20 && (await active()).testid !== "op-beginsend") {
      await page.keyboard.press("Tab");
      presses++;
    }
    assert.equal((await active()).testid, "op-beginsend");
    assert.ok(presses <= 15, `Begin send reached in ${presses} key presses`);
    await page.keyboard.press("Enter");
    assert.equal((await pageDoc(page)).position, 1, "and it works");
    await closeClean(page);
  });

  test("arrowing through the preset list loads nothing; Enter loads the preset chosen", async () => {
    const page = await openPage("/", { viewport: WIDE });
    const name = () => tid(page, "scenario-name").textContent();
    assert.equal(await name(), "quiet-busy");
    await tid(page, "preset").focus();
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowUp");
    const chosen = await tid(page, "preset").inputValue();
    assert.notEqual(chosen, "quiet-busy", "the arrows moved the choice");
    assert.equal(await name(), "quiet-busy", "but loaded nothing");
    await page.keyboard.press("Enter");
    await page.waitForFunction((c) => document.querySelector('[data-testid="scenario-name"]').textContent === c, chosen);
    await closeClean(page);
  });
});

// ---------------------------------------------------------------- 10 embedding

describe("10. embedding", () => {
  test("an Embed action gives the element and iframe snippets for the current scenario", async () => {
    const page = await openPage("/", { viewport: WIDE });
    await tid(page, "embed").click();
    await tid(page, "embed-dialog").waitFor();
    let text = await tid(page, "embed-text").inputValue();
    assert.match(text, /<script type="module" src="[^"]*element\.js"><\/script>/);
    assert.match(text, /<mapi-logoff-playground preset="quiet-busy" step="0"><\/mapi-logoff-playground>/, "the untouched landing embeds as its preset at step 0");
    assert.deepEqual(await runAxe(page), [], "the dialog is axe clean");
    await page.keyboard.press("Escape");
    await tid(page, "op-storelogoff").click();
    await tid(page, "embed").click();
    await tid(page, "embed-kind").selectOption("compact");
    await page.waitForFunction(() => / compact>/.test(document.querySelector('[data-testid="embed-text"]').value));
    text = await tid(page, "embed-text").inputValue();
    const frag = /scenario="#(v1=[\w-]+)"/.exec(text);
    assert.ok(frag, "a changed scenario embeds as its share fragment");
    assert.equal(decodeFragment(frag[1]).position, 1);
    await tid(page, "embed-kind").selectOption("iframe");
    await page.waitForFunction(() => /<iframe /.test(document.querySelector('[data-testid="embed-text"]').value));
    assert.match(await tid(page, "embed-text").inputValue(), /src="[^"]*\?embed#v1=[\w-]+"/);
    await closeClean(page);
  });

  test("the element takes a preset id, child JSON, the host's height, and a compact form", async () => {
    const page = await openPage("/fixtures/embed-host.html", { wait: false, viewport: WIDE });
    await page.waitForSelector("#by-preset[data-ready]");
    await page.waitForSelector("#by-child[data-ready]");
    await page.waitForSelector("#bad-preset[data-ready]");
    const preset = page.locator("#by-preset");
    assert.equal(await preset.locator('[data-testid="scenario-name"]').textContent(), "quiet-busy");
    // Compact: the scenario's operations, the result and the diagram; no situation editor or history.
    assert.equal(await preset.locator(".col-edit").isVisible(), false);
    assert.equal(await preset.locator(".col-tl").isVisible(), false);
    const ops = await preset.locator('[data-testid^="cop-"]').allTextContents();
    assert.ok(ops.length >= 4 && ops.some((t) => /StoreLogoff/.test(t)), `the scenario's own operations: ${ops.join(" / ")}`);
    const compactBox = await box(preset);
    assert.ok(compactBox.height < 800, `the compact embed is ${Math.round(compactBox.height)} px tall`);
    await preset.locator('[data-testid="cop-0"]').click();
    assert.equal(await preset.locator('[data-testid="hresult-name"]').textContent(), "S_OK");
    // Child JSON, in a host 320 px high: the element keeps that height and scrolls inside.
    const child = page.locator("#by-child");
    assert.equal(await child.locator('[data-testid="scenario-name"]').textContent(), "child JSON");
    assert.equal(await child.locator('[data-testid="outflags-names"]').textContent(), "LOGOFF_COMPLETE");
    const cb = await box(child);
    assert.equal(await child.evaluate((el) => el.clientHeight), 320, "the host's height is kept");
    const next = await box(page.locator("#after-child"));
    assert.ok(next.y >= cb.y + cb.height, "nothing spills over the text after it");
    assert.ok(await child.evaluate((el) => el.scrollHeight > el.clientHeight), "the playground scrolls inside its box");
    // An unknown preset: a clear message.
    assert.match(await page.locator('#bad-preset [data-testid="banner"]').textContent(), /no preset "no-such-preset"/);
    await closeClean(page);
  });

  test("?embed=compact is the compact embed", async () => {
    const sc = SCENARIO("quiet-busy");
    const page = await openPage(`/?embed=compact#${encodeFragment({ scenario: sc, position: 0 })}`, { viewport: WIDE });
    assert.equal(await page.locator(".col-edit").isVisible(), false);
    assert.ok((await page.locator('[data-testid^="cop-"]').count()) >= 4);
    const h = await page.evaluate(() => document.querySelector(".mlp .pg").getBoundingClientRect().bottom);
    assert.ok(h < 800, `the compact embed's content ends at ${Math.round(h)} px`);
    await closeClean(page);
  });
});

// ---------------------------------------------------------------- 11 check a trace

describe("11. Check a trace", () => {
  test("the summary and the diagram count the same calls; a chosen diagnostic marks its line in the editor", async () => {
    const page = await openPage("/", { viewport: WIDE });
    assert.equal(await page.locator(".cm-editor").count(), 0, "no editor before the tab opens");
    await tid(page, "tab-check").click();
    await page.waitForSelector('[data-testid="check-panel"][data-ready]');
    await tid(page, "check-sample").selectOption("malformed");
    await page.waitForSelector('[data-testid="check-view"][data-checked]');
    const calls = Number(await tid(page, "check-calls").textContent());
    const rows = await page.locator('[data-testid="check-view"] .seq-win [data-seq]').count();
    assert.equal(rows, calls, "as many rows as the summary's calls");
    assert.match(await tid(page, "check-seq-note").textContent(), new RegExp(`^${calls} call`));
    // Every line the checker calls malformed is not drawn.
    const diags = await page.locator('[data-testid="check-diagnostics"] > li[data-line]').evaluateAll((lis) => lis.map((li) => ({ line: Number(li.dataset.line), code: li.querySelector('[data-testid="diag-code"]').textContent })));
    for (const d of diags.filter((x) => x.code === "malformedLine")) {
      assert.equal(await page.locator(`[data-testid="check-view"] .seq-win [data-seq="${d.line}"]`).count(), 0, `line ${d.line} is not drawn`);
    }
    // The editor: line numbers, a lint marker per diagnosed line, the chosen line marked.
    const host = tid(page, "check-input-host");
    assert.ok((await host.locator(".cm-lineNumbers .cm-gutterElement").count()) > 3, "line numbers");
    assert.ok((await host.locator(".cm-lint-marker").count()) >= 1, "lint markers in the gutter");
    const last = diags.length - 1;
    await tid(page, `diag-${last}`).click();
    assert.equal(await host.getAttribute("data-marked-line"), String(diags[last].line));
    assert.equal(await host.locator(".cm-marked-line").count(), 1, "the line is highlighted in the editor");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), `diag-${last}`, "the focus stays on the diagnostic");
    await closeClean(page);
  });
});

// ---------------------------------------------------------------- 12 small

describe("12. small fixes", () => {
  test("a spooler with nothing to do adds no step", async () => {
    const page = await openPage("/#" + encodeFragment({ scenario: { version: 1, stores: [{ name: "Mailbox", defaultInbox: true }], actions: [] }, position: 0 }), { viewport: WIDE });
    assert.equal(await tid(page, "op-step").isDisabled(), true);
    assert.equal(await tid(page, "op-idle").isDisabled(), true);
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("s");
    await page.keyboard.press("r");
    assert.equal(await tid(page, "tl-info").textContent(), "Step 0 of 0");
    await closeClean(page);
  });

  test("invariant chips in violations are red; confirmations cover nothing", async () => {
    const sc = SCENARIO("fault-release-support-first");
    const page = await openPage("/#" + encodeFragment({ scenario: sc, position: sc.actions.length }), { viewport: WIDE });
    const colours = await page.evaluate(() => {
      const li = document.querySelector('[data-testid="violations"] li.violation');
      const chip = li.querySelector('.rule-I, .rule-S, .rule-T, .rule-M');
      return { chip: getComputedStyle(chip).color, bar: getComputedStyle(li).borderLeftColor };
    });
    assert.equal(colours.chip, colours.bar, "a chip inside a violation has the violation's colour");
    await tid(page, "copy-link").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="toast"]').classList.contains("show"));
    const toast = await box(tid(page, "toast"));
    const header = await box(page.locator("header.top"));
    assert.ok(toast.y >= header.y && toast.y + toast.height <= header.y + header.height + 1, "the confirmation is in the header");
    await page.waitForFunction(() => !document.querySelector('[data-testid="toast"]').classList.contains("show"), null, { timeout: 2500 });
    await closeClean(page);
  });

  test("the history and Undo/Redo are one model: the same rows, the same marker, the same rows dropped", async () => {
    const sc = SCENARIO("quiet-busy");
    const n = sc.actions.length;
    const page = await openPage("/#" + encodeFragment({ scenario: sc, position: n }), { viewport: WIDE });
    const marked = () => page.locator('.timeline-list [aria-current="step"]');
    const at = async () => ({ row: await marked().getAttribute("data-testid"), position: (await pageDoc(page)).position });
    const rows = () => page.locator(".timeline-list .tl-item").count();
    const later = () => page.locator(".timeline-list li.future").count();
    assert.equal(await rows(), n + 1, "a row for the start and one per step");
    assert.deepEqual(await at(), { row: `tl-${n}`, position: n });
    // The toolbar's Undo, the history's Undo, Ctrl+Z and [ each go to the row before, and mark it.
    await tid(page, "undo").click();
    assert.deepEqual(await at(), { row: `tl-${n - 1}`, position: n - 1 }, "Undo marks the row before");
    assert.equal(await later(), 1, "the undone row is still in the history, greyed");
    await tid(page, "tl-back").click();
    assert.deepEqual(await at(), { row: `tl-${n - 2}`, position: n - 2 });
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("Control+z");
    assert.deepEqual(await at(), { row: `tl-${n - 3}`, position: n - 3 });
    await page.keyboard.press("[");
    assert.deepEqual(await at(), { row: `tl-${n - 4}`, position: n - 4 });
    assert.equal(await tid(page, "tl-info").textContent(), `Step ${n - 4} of ${n} (4 undone, can be redone)`);
    // Choosing a row goes there; Redo then goes to the row after it, whichever way it is asked for.
    await tid(page, "tl-1").click();
    assert.deepEqual(await at(), { row: "tl-1", position: 1 });
    await tid(page, "redo").click();
    assert.deepEqual(await at(), { row: "tl-2", position: 2 }, "Redo after choosing row 1 goes to row 2");
    await tid(page, "tl-forward").click();
    assert.deepEqual(await at(), { row: "tl-3", position: 3 });
    await page.keyboard.press("]");
    assert.deepEqual(await at(), { row: "tl-4", position: 4 });
    await page.keyboard.press("Control+Shift+z");
    assert.deepEqual(await at(), { row: "tl-5", position: 5 });
    await tid(page, "tl-2").click();
    // What Redo would restore is what the history shows after the marker.
    const waiting = await page.locator(".timeline-list li.future .tl-item").allTextContents();
    assert.equal(waiting.length, n - 2);
    // An operation here drops exactly those rows: Redo has nothing left, and the history ends with the new step.
    await tid(page, "op-addref").click();
    let doc = await pageDoc(page);
    assert.equal(await later(), 0, "no row is left after the new step");
    assert.equal(await tid(page, "redo").isDisabled(), true, "so Redo has nothing to restore");
    assert.equal(await tid(page, "tl-forward").isDisabled(), true);
    assert.equal(await rows(), 4, "rows 0-2 and the new step");
    assert.deepEqual(await at(), { row: "tl-3", position: 3 });
    assert.match(await marked().textContent(), /AddRef\(Mailbox\)/);
    assert.deepEqual(doc.scenario.actions, [...sc.actions.slice(0, 2), { type: "addRef", store: 0 }], "the shared scenario lost the same steps");
    for (const text of waiting) assert.equal(await page.getByText(text, { exact: true }).count(), 0, `"${text}" is gone from the history`);
    // Undo then Redo: back to the new step, not to a dropped one.
    await tid(page, "undo").click();
    assert.deepEqual(await at(), { row: "tl-2", position: 2 });
    await tid(page, "redo").click();
    assert.deepEqual(await at(), { row: "tl-3", position: 3 });
    assert.equal(await tid(page, "result-action").textContent(), "AddRef(Mailbox)");
    // A change to the situation is a row of the same history: Undo goes back before it, Redo comes back to it.
    await page.locator("details.part", { has: page.locator("summary", { hasText: "Mailbox" }) }).first().evaluate((d) => (d.open = true));
    const name = page.locator('[data-path="stores[0].name"]');
    await name.fill("Archive");
    await name.press("Tab");
    await page.waitForFunction(() => /Situation: renamed store Mailbox to Archive/.test(document.querySelector('.timeline-list [aria-current="step"]')?.textContent ?? ""));
    assert.equal(await rows(), 5, "the change is one more row");
    assert.equal((await pageDoc(page)).scenario.stores[0].name, "Archive");
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("Control+z");
    assert.deepEqual(await at(), { row: "tl-3", position: 3 });
    assert.equal((await pageDoc(page)).scenario.stores[0].name, "Mailbox", "Undo reverts the change");
    assert.equal(await name.inputValue(), "Mailbox");
    await tid(page, "redo").click();
    assert.match(await marked().textContent(), /Situation: renamed store Mailbox to Archive/);
    assert.equal((await pageDoc(page)).scenario.stores[0].name, "Archive", "Redo makes it again");
    // The words are the same everywhere: Undo and Redo.
    assert.match(await tid(page, "tl-back").textContent(), /Undo/);
    assert.match(await tid(page, "tl-forward").textContent(), /Redo/);
    await closeClean(page);
  });
});

// ---------------------------------------------------------------- axe and screenshots

describe("accessibility and screenshots of the layouts", () => {
  for (const scheme of ["light", "dark"]) {
    test(`axe is clean at 1440x900 and 390x844, and screenshots (${scheme})`, { timeout: 180000 }, async () => {
      for (const [vp, size] of [
        [WIDE, "1440"],
        [PHONE, "390"],
      ]) {
        const page = await openPage("/", { viewport: vp, colorScheme: scheme });
        await shot(page, `landing-${size}-${scheme}`);
        assert.deepEqual(await runAxe(page), [], `landing ${size} ${scheme}`);
        await tid(page, "suggest-run").click();
        await traceDrawn(page);
        await shot(page, `first-experiment-${size}-${scheme}`);
        await tid(page, "ev-1").click();
        await page.locator(".seq-detail").waitFor();
        if (vp === PHONE) await page.locator(".seq-detail").scrollIntoViewIfNeeded();
        await shot(page, `state-after-call-${size}-${scheme}`);
        assert.deepEqual(await runAxe(page), [], `state after a call ${size} ${scheme}`);
        assert.equal(await sidewaysOverflow(page), 0, `no sideways overflow at ${size}`);
        await closeClean(page);
      }
      const host = await openPage("/fixtures/embed-host.html", { wait: false, viewport: WIDE, colorScheme: scheme });
      await host.waitForSelector("#by-child[data-ready]");
      await host.waitForSelector("#by-preset[data-ready]");
      await shot(host, `embed-compact-${scheme}`);
      assert.deepEqual(await runAxe(host), [], `embeds ${scheme}`);
      await closeClean(host);
      const check = await openPage("/", { viewport: WIDE, colorScheme: scheme });
      await tid(check, "tab-check").click();
      await check.waitForSelector('[data-testid="check-panel"][data-ready]');
      await tid(check, "check-sample").selectOption("mistakes");
      await check.waitForSelector('[data-testid="check-view"][data-checked]');
      await tid(check, "diag-0").click();
      await shot(check, `check-editor-${scheme}`);
      assert.deepEqual(await runAxe(check), [], `check a trace ${scheme}`);
      await closeClean(check);
    });
  }
});
