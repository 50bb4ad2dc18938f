// End-to-end tests of the "Check a trace" tab (dist/, built by
// scripts/build-site.sh) in Chromium through playwright-core. What the tab
// lists is compared with the checker (pkg/check, imported in Node) run on
// the same text.
//
//   node --test tests/e2e/check.test.mjs     (scripts/test.d/50-e2e.sh builds first)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closeClean, pageOpener, startBrowser, tid, watchFrameGaps } from "./browser.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = path.join(ROOT, "dist");
const SHOTS = path.join(DIST, "screenshots");
const checker = await import(path.join(ROOT, "pkg/check/node/index.mjs"));
const engine = await import(path.join(ROOT, "pkg/node/index.mjs"));
const AXE = fs.readFileSync(path.join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");
const SAMPLE = (name) => fs.readFileSync(path.join(ROOT, "www/samples", `${name}.jsonl`), "utf8");
const RULES = new Map(engine.rules().map((r) => [r.id, r]));

let srv;
let ctx;
let browser;

before(async () => {
  browser = await startBrowser({ dist: DIST, fixtures: path.join(HERE, "fixtures"), suite: "check" });
  ({ srv, ctx } = browser);
});

after(async () => {
  await browser?.close();
});

const openPage = pageOpener(() => ctx, () => srv);

async function openTab(page) {
  await tid(page, "tab-check").click();
  await page.waitForSelector('[data-testid="check-panel"][data-ready] [data-testid="check-view"]', { timeout: 30000 });
}

/** The trace in the tab's editor (CodeMirror: its host element's `value`). */
function editorText(page) {
  return page.evaluate(() => document.querySelector('[data-testid="check-input-host"]').value);
}

/** Pastes `text` into the editor, replacing what it holds, as the clipboard does (a paste event). */
async function pasteTrace(page, text) {
  await tid(page, "check-input").click();
  await page.keyboard.press("Control+A");
  await page.evaluate((t) => {
    const content = document.querySelector('[data-testid="check-input-host"]').shadowRoot.querySelector(".cm-content");
    const dt = new DataTransfer();
    dt.setData("text/plain", t);
    content.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
  assert.equal(await editorText(page), text, "the paste replaced the editor's text");
}

/** Waits for the check started by `act` to finish. */
async function checked(page, act) {
  const before = await page.evaluate(() => document.querySelector('[data-testid="check-view"]').dataset.checked ?? "");
  await act();
  await page.waitForFunction((b) => {
    const v = document.querySelector('[data-testid="check-view"]');
    return v.dataset.checked && v.dataset.checked !== b && !v.dataset.checking;
  }, before, { timeout: 60000 });
}

/** The summary and diagnostics the tab shows. */
function shown(page) {
  return page.evaluate(() => {
    const t = (el, id) => el.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
    const num = (id) => Number((document.querySelector(`[data-testid="check-${id}"]`)?.textContent ?? "NaN").replace(/,/g, ""));
    const diagnostics = [...document.querySelectorAll('[data-testid="check-diagnostics"] > li[data-line]')].map((li) => ({
      severity: t(li, "diag-severity"),
      code: t(li, "diag-code"),
      mistake: t(li, "diag-mistake"),
      line: t(li, "diag-line"),
      message: t(li, "diag-message"),
      objects: t(li, "diag-objects"),
      title: li.querySelector(".diag-title")?.textContent ?? null,
      doc: t(li, "diag-doc"),
    }));
    return { lines: num("lines"), calls: num("calls"), errors: num("errors"), warnings: num("warnings"), diagnostics };
  });
}

/** What the tab should show for `text`, from the checker in Node. */
function expected(text) {
  const r = checker.checkTrace(text);
  return {
    report: r,
    shown: {
      lines: r.lines,
      calls: r.calls,
      errors: r.errors,
      warnings: r.warnings,
      diagnostics: r.diagnostics.slice(0, 1000).map((d) => {
        const titles = [d.rule && RULES.get(d.rule) ? `${d.rule}: ${RULES.get(d.rule).title}` : null, d.mistake && RULES.get(d.mistake) ? `${d.mistake}: ${RULES.get(d.mistake).title.replace(/^Mistake:\s*/, "")}` : null].filter(Boolean);
        return {
          severity: d.severity,
          code: d.code,
          mistake: d.mistake ?? null,
          line: `line ${d.line}`,
          message: d.message,
          objects: d.objects.length ? `Objects: ${d.objects.join(", ")}` : null,
          title: titles.length ? titles.join(" · ") : null,
          doc: d.docUrl ?? null,
        };
      }),
    },
  };
}

/** The diagram row of line `line`, once drawn: its classes and whether it is inside the visible frame. */
function rowOfLine(page, line) {
  return page.evaluate((l) => {
    const g = document.querySelector(`[data-testid="check-view"] .seq-win [data-seq="${l}"]`);
    if (!g) return null;
    const scroller = g.closest(".seq-scroller").getBoundingClientRect();
    const r = g.getBoundingClientRect();
    return { selected: g.classList.contains("selected"), aria: g.getAttribute("aria-selected"), visible: r.top >= scroller.top && r.bottom <= scroller.bottom + 1, label: g.getAttribute("aria-label") };
  }, line);
}

async function runAxe(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " :: " + n.failureSummary) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** About 1 MB of calls: many store and transport logoffs, some with mistakes M1 and M7. */
function bigTrace() {
  const clean = SAMPLE("clean").split("\n").slice(1).filter(Boolean);
  const lines = ['{"format":"mapi-logoff-trace","version":1}'];
  let size = 0;
  for (let i = 0; size < 1_000_000; i++) {
    let part = clean.map((l) => l.replaceAll('"smtp"', `"s${i}"`).replaceAll('"PST"', `"P${i}"`));
    if (i % 7 === 3) part = part.filter((_, k) => k !== 2); // no StoreLogoffTransports: M1
    if (i % 11 === 5) part = part.filter((l) => !l.includes('"MAPIFreeBuffer"') || !l.includes('"block":1')); // a leak: M7
    for (const l of part) {
      lines.push(l);
      size += l.length + 1;
    }
  }
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------- tests

describe("check a trace", () => {
  test("the tab replaces the placeholders and loads the checker only when opened", async () => {
    const page = await openPage("/");
    const tabs = await page.locator('[role="tab"]').allTextContents();
    assert.deepEqual(tabs, ["Playground", "Outcome matrix", "Explore", "Check a trace"], "no placeholder tab");
    assert.equal(await page.getByText("(later)").count(), 0);
    assert.equal(await page.getByText("not available yet").count(), 0);
    assert.ok(!page.requests.some((u) => /mapi_logoff_check/.test(u)), "the checker is not loaded with the page");
    await openTab(page);
    assert.ok(page.requests.some((u) => /mapi_logoff_check_bg.*\.wasm$/.test(u)), "the checker's wasm module was loaded when the tab opened");
    assert.equal(await tid(page, "check-loading").count(), 0, "the loading state is gone");
    await tid(page, "tab-playground").click();
    await page.keyboard.press("c");
    assert.equal(await tid(page, "tab-check").getAttribute("aria-selected"), "true", "C opens the tab");
    await closeClean(page);
  });

  test("a sample with mistakes: the diagnostics are the checker's, and choosing one selects its call", async () => {
    const page = await openPage("/");
    await openTab(page);
    await checked(page, () => tid(page, "check-sample").selectOption("mistakes"));
    const text = await editorText(page);
    assert.equal(text, SAMPLE("mistakes"));
    const want = expected(text);
    assert.deepEqual(await shown(page), want.shown);
    assert.deepEqual(
      want.report.diagnostics.map((d) => [d.code, d.mistake, d.line]),
      [
        ["S14", "M1", 4],
        ["T5", "M7", 9],
      ],
      "the sample shows M1 and M7",
    );
    // The diagram draws every call of the trace, one row per line.
    const rows = await page.locator('[data-testid="check-view"] .seq-win [data-seq]').count();
    assert.equal(rows, want.report.calls, "one row per call");
    // Click the second diagnostic: its line's call is selected and in view.
    await tid(page, "diag-1").click();
    assert.equal(await tid(page, "diag-1").getAttribute("aria-pressed"), "true");
    let row = await rowOfLine(page, 9);
    assert.ok(row, "line 9 is drawn");
    assert.equal(row.selected, true, "line 9 is selected in the diagram");
    assert.equal(row.aria, "true");
    assert.ok(row.visible, "line 9 is scrolled into view");
    assert.match(row.label, /^L9 /);
    assert.equal(await tid(page, "check-selected").textContent(), "Line 9 is selected in the diagram.");
    // The keyboard: up to the first diagnostic.
    await tid(page, "diag-1").focus();
    await page.keyboard.press("ArrowUp");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "diag-0");
    assert.equal(await tid(page, "diag-0").getAttribute("aria-pressed"), "true");
    assert.equal(await tid(page, "diag-1").getAttribute("aria-pressed"), "false");
    row = await rowOfLine(page, 4);
    assert.equal(row.selected, true, "line 4 is selected after ArrowUp");
    assert.equal((await rowOfLine(page, 9)).selected, false);
    // End goes to the last diagnostic.
    await page.keyboard.press("End");
    assert.equal((await rowOfLine(page, 9)).selected, true, "End selects the last diagnostic's call");
    // Choosing a call in the diagram marks its diagnostic.
    await page.locator('[data-testid="check-view"] .seq-win [data-seq="4"]').click();
    assert.equal(await tid(page, "diag-0").getAttribute("aria-pressed"), "true", "clicking line 4 marks its diagnostic");
    await closeClean(page);
  });

  test("two real providers' logs (from the corpus): WrapPST clean, Kopano's leak as the corpus expects", async () => {
    const corpus = (name) => fs.readFileSync(path.join(ROOT, "tests/corpus", `${name}.jsonl`), "utf8");
    const page = await openPage("/");
    await openTab(page);
    await checked(page, () => tid(page, "check-sample").selectOption("wrappst"));
    let s = await shown(page);
    assert.deepEqual(s, expected(corpus("wrappst-orderly-through-wrapper")).shown);
    assert.equal(s.diagnostics.filter((d) => d.severity !== "info").length, 0, "clean");
    await checked(page, () => tid(page, "check-sample").selectOption("kopano"));
    s = await shown(page);
    const want = expected(corpus("kopano-transport-logoff-keeps-memory"));
    assert.deepEqual(s, want.shown);
    assert.deepEqual(
      want.report.diagnostics.filter((d) => d.severity !== "info").map((d) => [d.code, d.mistake, d.party, d.line]),
      [["T5", "M7", "transportProvider", 11]],
      "as tests/corpus/kopano-transport-logoff-keeps-memory.expect.json says",
    );
    await closeClean(page);
  });

  test("the clean sample has no diagnostics", async () => {
    const page = await openPage("/");
    await openTab(page);
    await checked(page, () => tid(page, "check-sample").selectOption("clean"));
    const s = await shown(page);
    assert.deepEqual(s, expected(SAMPLE("clean")).shown);
    assert.equal(s.diagnostics.length, 0);
    assert.match(await tid(page, "check-diagnostics").textContent(), /No diagnostics/);
    await closeClean(page);
  });

  test("a pasted malformed line is reported with its line number and not drawn", async () => {
    const page = await openPage("/");
    await openTab(page);
    const lines = SAMPLE("clean").split("\n");
    lines.splice(4, 0, '{"caller":{"kind":"client"},"method":<oops>}');
    const text = lines.join("\n");
    await pasteTrace(page, text);
    await checked(page, () => tid(page, "check-run").click());
    const want = expected(text);
    const s = await shown(page);
    assert.deepEqual(s, want.shown);
    const bad = s.diagnostics.find((d) => d.code === "malformedLine");
    assert.ok(bad, "a malformedLine diagnostic");
    assert.equal(bad.line, "line 5");
    assert.equal(bad.severity, "error");
    assert.match(bad.message, /line 5/);
    const i = s.diagnostics.indexOf(bad);
    await tid(page, `diag-${i}`).click();
    assert.equal(await tid(page, "check-selected").textContent(), "Line 5 is not a call, so the diagram has no row for it.");
    assert.equal(await rowOfLine(page, 5), null, "no row for line 5");
    assert.match(await tid(page, "check-seq-note").textContent(), /1 line that is not a call is not drawn/);
    // Malformed samples too: every kind of bad line, with an unknown method.
    await checked(page, () => tid(page, "check-sample").selectOption("malformed"));
    assert.deepEqual(await shown(page), expected(SAMPLE("malformed")).shown);
    // Markup in a trace is text.
    await pasteTrace(page, '{"caller":{"kind":"client"},"object":{"kind":"store","id":"<img src=x onerror=alert(1)>"},"method":"IMsgStore::Release","hresult":0,"refCount":0}');
    await checked(page, () => tid(page, "check-run").click());
    assert.equal(await page.locator('[data-testid="check-view"] img').count(), 0, "no element made from the trace's text");
    assert.equal(await page.locator('[data-testid="check-input-host"] img').count(), 0, "nor in the editor");
    await closeClean(page);
  });

  test("open and drop a .jsonl file", async () => {
    const page = await openPage("/");
    await openTab(page);
    const text = SAMPLE("mistakes");
    await checked(page, () => tid(page, "check-file").setInputFiles({ name: "provider-log.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(text) }));
    assert.match(await tid(page, "check-status").textContent(), /^provider-log\.jsonl: checked 13 lines, 12 calls: 2 errors\.$/);
    assert.deepEqual(await shown(page), expected(text).shown);
    // Drop another file on the text box.
    const dropped = SAMPLE("malformed");
    await checked(page, () =>
      page.evaluate((t) => {
        const dt = new DataTransfer();
        dt.items.add(new File([t], "dropped.jsonl", { type: "application/x-ndjson" }));
        const box = document.querySelector('[data-testid="check-input-host"]').shadowRoot.querySelector('[data-testid="check-input"]');
        box.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
        box.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, dropped),
    );
    assert.match(await tid(page, "check-status").textContent(), /^dropped\.jsonl: /);
    assert.equal(await editorText(page), dropped);
    assert.deepEqual(await shown(page), expected(dropped).shown);
    await closeClean(page);
  });

  test("a 1 MB paste is checked in slices, so the page keeps painting (timings recorded)", { timeout: 120000 }, async (t) => {
    const page = await openPage("/");
    await openTab(page);
    const text = bigTrace();
    assert.ok(text.length > 1_000_000);
    const want = expected(text);
    assert.ok(want.report.errors > 0);
    // Paste, then measure the longest gap between frames while checking.
    await pasteTrace(page, text);
    const longestGap = await watchFrameGaps(page);
    await checked(page, () => tid(page, "check-run").click());
    const maxGap = await longestGap();
    const ms = await page.evaluate(() => Number(document.querySelector('[data-testid="check-view"]').dataset.checkMs));
    t.diagnostic(`1 MB (${want.report.lines} lines): checked and drawn in ${ms} ms, longest gap between frames ${Math.round(maxGap)} ms`);
    const s = await shown(page);
    assert.equal(s.lines, want.report.lines);
    assert.equal(s.calls, want.report.calls);
    assert.equal(s.errors, want.report.errors);
    assert.equal(s.warnings, want.report.warnings);
    assert.deepEqual(s.diagnostics, want.shown.diagnostics);
    // Timings are recorded, not asserted (a busy machine must not fail a test); what is
    // asserted is that the checker was fed in slices, with the page free between them.
    const slices = Number(await page.evaluate(() => document.querySelector('[data-testid="check-view"]').dataset.slices));
    assert.ok(slices >= Math.floor(text.length / (128 * 1024)), `checked in ${slices} slices`);
    // The diagram holds the first 5,000 calls and says so.
    assert.match(await tid(page, "check-seq-note").textContent(), /first 5,000 of [\d,]+ calls/);
    // A diagnostic deep in the drawn part is scrolled to.
    const far = want.report.diagnostics.findIndex((d) => d.line > 2000 && d.line < 4000);
    assert.ok(far >= 0);
    await tid(page, `diag-${far}`).click();
    const row = await rowOfLine(page, want.report.diagnostics[far].line);
    assert.ok(row && row.selected && row.visible, "the far call is drawn, selected and in view");
    await closeClean(page);
  });

  for (const scheme of ["light", "dark"]) {
    test(`axe finds no serious or critical violation, and a screenshot (${scheme})`, { timeout: 120000 }, async () => {
      const page = await openPage("/", { colorScheme: scheme });
      await openTab(page);
      let found = await runAxe(page);
      assert.deepEqual(found, [], `empty tab (${scheme})`);
      await checked(page, () => tid(page, "check-sample").selectOption("mistakes"));
      await tid(page, "diag-0").click();
      found = await runAxe(page);
      assert.deepEqual(found, [], `tab with diagnostics (${scheme})`);
      await page.mouse.move(0, 0);
      await page.waitForTimeout(300);
      const file = path.join(SHOTS, `check-${scheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      assert.ok(fs.statSync(file).size > 10000);
      await closeClean(page);
    });
  }
});
