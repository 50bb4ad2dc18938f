// End-to-end tests of the docs site (dist/docs/, built by scripts/build-site.sh)
// in Chromium: every rule's live example renders with the HRESULT its
// docs/examples/*.expect.json gives, the engine loads once and examples
// render only when they scroll into view, "Open in playground" carries the
// scenario, offline search finds a rule by its id and by a word of its text,
// no link is broken (files and anchors), every external link is a Microsoft
// page a rule cites, axe is clean in light and dark, keyboard and print work.
// The page's timing figures are recorded for `npm run bench`
// (dist/screenshots/docs-metrics.json), never asserted.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { closeClean, pageOpener, startBrowser } from "./browser.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DIST = path.join(ROOT, "dist");
const DOCS = path.join(DIST, "docs");
const AXE = fs.readFileSync(path.join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");
const EXAMPLES = JSON.parse(fs.readFileSync(path.join(DOCS, "examples.json"), "utf8"));
const RULE_IDS = [
  ...Array.from({ length: 17 }, (_, i) => `S${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `T${i + 1}`),
  ...Array.from({ length: 6 }, (_, i) => `I${i + 1}`),
  ...Array.from({ length: 11 }, (_, i) => `M${i + 1}`),
];

let env;
let openPage;
before(async () => {
  assert.ok(fs.existsSync(path.join(DOCS, "protocol.html")), "dist/docs is not built (run npm run build)");
  env = await startBrowser({ dist: DIST, fixtures: path.join(ROOT, "tests/e2e/fixtures"), suite: "docs" });
  openPage = pageOpener(
    () => env.ctx,
    () => env.srv,
  );
});
after(async () => {
  await env?.close();
});

/** Scrolls each example into view in turn until every one is ready. */
async function renderEveryExample(page) {
  const count = await page.locator("mapi-logoff-example").count();
  for (let i = 0; i < count; i++) {
    const el = page.locator("mapi-logoff-example").nth(i);
    await el.scrollIntoViewIfNeeded();
    await page.waitForFunction((k) => {
      const e = document.querySelectorAll("mapi-logoff-example")[k];
      return e && (e.dataset.state === "ready" || e.dataset.state === "error");
    }, i);
  }
  return count;
}

async function runAxe(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")} :: ${n.failureSummary}`) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Every HTML file of the docs site, relative to dist/docs. */
function htmlFiles(dir = DOCS, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "pagefind") htmlFiles(p, out);
    } else if (e.name.endsWith(".html")) out.push(p);
  }
  return out;
}

describe("live examples", () => {
  test("every rule, invariant and mistake has an example element on the protocol page", async () => {
    const html = fs.readFileSync(path.join(DOCS, "protocol.html"), "utf8");
    for (const id of RULE_IDS) {
      const examples = html.match(new RegExp(`<mapi-logoff-example data-rule="${id}" data-example="${id}"`, "g")) ?? [];
      assert.equal(examples.length, 1, `${examples.length} examples for ${id}`);
      const anchors = html.match(new RegExp(`\\sid="${id.toLowerCase()}"`, "g")) ?? [];
      assert.equal(anchors.length, 1, `${anchors.length} #${id.toLowerCase()} anchors`);
    }
  });

  test("examples render only near the viewport; the engine loads once; each shows its expected HRESULT", { timeout: 240000 }, async () => {
    const page = await openPage("/docs/protocol.html");
    const before = await page.evaluate(() => [...document.querySelectorAll("mapi-logoff-example")].map((e) => e.dataset.state));
    assert.equal(before.at(-1), "waiting", "the last example rendered before it came near the viewport");
    const count = await renderEveryExample(page);
    assert.equal(count, EXAMPLES.examples.length, "one element per example file");
    const shown = await page.evaluate(() =>
      [...document.querySelectorAll("mapi-logoff-example")].map((e) => ({
        id: e.dataset.example,
        rule: e.dataset.rule,
        state: e.dataset.state,
        error: e.querySelector(".ex-error")?.textContent ?? null,
        results: [...e.querySelectorAll(".ex-result")].map((r) => ({ reading: r.closest("[data-reading]")?.dataset.reading ?? null, hresult: r.dataset.hresult })),
        playground: [...e.querySelectorAll("a.ex-open")].map((a) => a.getAttribute("href")),
        diagramRows: e.querySelectorAll(".seq-row").length,
        external: [...e.querySelectorAll("a")].map((a) => a.getAttribute("href")).filter((h) => /^[a-z]+:/i.test(h ?? "")),
      })),
    );
    const microsoft = new Set(Object.values(EXAMPLES.rules).map((r) => r.docUrl).filter(Boolean));
    const wrong = [];
    for (const s of shown) {
      const example = EXAMPLES.examples.find((x) => x.id === s.id);
      assert.ok(example, `element for unknown example ${s.id}`);
      assert.equal(s.rule, example.rule);
      if (s.state !== "ready") {
        wrong.push(`${s.id}: ${s.state} ${s.error ?? ""}`);
        continue;
      }
      const wanted = example.expect.reading
        ? example.expect.reading.values.map((v) => ({ reading: v.value, hresult: v.checks[0].hresult }))
        : [{ reading: null, hresult: example.expect.checks[0].hresult }];
      if (JSON.stringify(s.results) !== JSON.stringify(wanted)) wrong.push(`${s.id}: shows ${JSON.stringify(s.results)}, expected ${JSON.stringify(wanted)}`);
      assert.ok(s.diagramRows > 0, `${s.id}: no sequence diagram rows`);
      for (const href of s.external) assert.ok(microsoft.has(href), `${s.id}: external link ${href} is not a Microsoft page a rule cites`);
      // "Open in playground" carries the scenario, in the playground's own #v1= format.
      for (const href of s.playground) {
        const m = /^\.\.\/index\.html#v1=([A-Za-z0-9_-]+)$/.exec(href ?? "");
        assert.ok(m, `${s.id}: playground link ${href}`);
        const doc = JSON.parse(zlib.inflateRawSync(Buffer.from(m[1], "base64url")).toString("utf8"));
        assert.equal(doc.scenario.name, example.scenario.name);
        assert.deepEqual(doc.scenario.actions, example.scenario.actions);
        assert.equal(doc.position, example.scenario.actions.length);
      }
    }
    assert.deepEqual(wrong, [], "examples that do not show their documented HRESULT");
    const wasm = page.requests.filter((u) => u.endsWith(".wasm"));
    assert.equal(wasm.length, 1, `the engine's wasm is fetched once per page (got ${wasm.join(", ")})`);
    const examplesJson = page.requests.filter((u) => u.endsWith("/examples.json"));
    assert.equal(examplesJson.length, 1, "examples.json is fetched once");
    await page.screenshot({ path: path.join(DIST, "screenshots", "docs-protocol.png") });
    await closeClean(page);
  });

  test("an example's playground link opens the playground with its scenario", { timeout: 60000 }, async () => {
    const page = await openPage("/docs/protocol.html#s3");
    const el = page.locator('mapi-logoff-example[data-example="S3"]');
    await el.scrollIntoViewIfNeeded();
    await page.waitForSelector('mapi-logoff-example[data-example="S3"][data-state="ready"]');
    await page.waitForFunction(() => document.querySelector('mapi-logoff-example[data-example="S3"] a.ex-open')?.getAttribute("href")?.includes("#v1="));
    const href = await el.locator("a.ex-open").getAttribute("href");
    const pg = await openPage(new URL(href, `${env.srv.url}/docs/protocol.html`).pathname + new URL(href, `${env.srv.url}/docs/`).hash);
    const name = EXAMPLES.examples.find((x) => x.id === "S3").scenario.name;
    await pg.waitForFunction((n) => document.body.textContent.includes(n), name, { timeout: 30000 });
    await closeClean(pg);
    await closeClean(page);
  });
});

describe("search", () => {
  async function search(page, query) {
    await page.locator("#search-input").fill(query);
    await page.waitForFunction((q) => {
      const box = document.querySelector("#search-results");
      return box && !box.hidden && box.dataset.query === q;
    }, query);
    return page.evaluate(() => [...document.querySelectorAll("#search-results a")].map((a) => a.getAttribute("href")));
  }

  test("finds a rule by its id, and by a word only its text has", { timeout: 60000 }, async () => {
    const page = await openPage("/docs/index.html");
    for (const id of ["S3", "T6", "M4"]) {
      const hrefs = await search(page, id);
      assert.ok(
        hrefs.some((h) => h.endsWith(`protocol.html#${id.toLowerCase()}`)),
        `search for ${id} gives ${hrefs.join(", ")}`,
      );
    }
    // A word that occurs in the protocol only inside the text of rule T4.
    const protocol = fs.readFileSync(path.join(ROOT, "docs/protocol.md"), "utf8");
    const item = /^- \*\*T4\*\*([\s\S]*?)(?=^- \*\*|^#|^\s*$)/m.exec(protocol)?.[1] ?? "";
    const words = [...new Set(item.match(/[A-Za-z]{5,}/g) ?? [])];
    const unique = words.filter((w) => (protocol.match(new RegExp(`\\b${w}\\b`, "gi")) ?? []).length === 1).sort((a, b) => b.length - a.length);
    assert.ok(unique.length, "rule T4's text has a word of its own");
    const hrefs = await search(page, unique[0]);
    assert.ok(hrefs.some((h) => h.endsWith("protocol.html#t4")), `search for "${unique[0]}" gives ${hrefs.join(", ")}`);
    const none = await search(page, "zzqqxxnotaword");
    assert.deepEqual(none, []);
    await closeClean(page);
  });

  test("keyboard: / focuses search, arrows reach a result, Enter opens the rule", { timeout: 60000 }, async () => {
    const page = await openPage("/docs/trace-format.html");
    await page.keyboard.press("/");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "search-input");
    await page.keyboard.type("S9");
    await page.waitForSelector("#search-results a");
    await page.keyboard.press("ArrowDown");
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("href"));
    assert.match(focused ?? "", /protocol\.html#s9$/);
    await Promise.all([page.waitForURL(/protocol\.html#s9$/), page.keyboard.press("Enter")]);
    await page.waitForSelector("html[data-ready]");
    await page.keyboard.press("Escape");
    await closeClean(page);
  });
});

describe("links", () => {
  test("every internal link reaches a file and its anchor; external links are the Microsoft pages the rules cite", () => {
    const microsoft = new Set(Object.values(EXAMPLES.rules).map((r) => r.docUrl).filter(Boolean));
    const ids = new Map();
    const idsOf = (file) => {
      if (!ids.has(file)) ids.set(file, new Set([...fs.readFileSync(file, "utf8").matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
      return ids.get(file);
    };
    const broken = [];
    let internal = 0;
    let external = 0;
    for (const file of htmlFiles()) {
      const html = fs.readFileSync(file, "utf8");
      for (const m of html.matchAll(/<a\s[^>]*href="([^"]*)"/g)) {
        const href = m[1].replace(/&amp;/g, "&");
        const where = path.relative(DOCS, file);
        if (/^[a-z]+:/i.test(href)) {
          external++;
          if (!microsoft.has(href)) broken.push(`${where}: external link ${href} is not a Microsoft page a rule cites`);
          continue;
        }
        internal++;
        const [p, hash] = href.split("#");
        const target = p ? path.resolve(path.dirname(file), decodeURIComponent(p)) : file;
        if (!target.startsWith(DIST)) broken.push(`${where}: ${href} leaves the site`);
        else if (!fs.existsSync(target) || !fs.statSync(target).isFile()) broken.push(`${where}: ${href}: no file`);
        else if (hash && target.endsWith(".html") && !idsOf(target).has(decodeURIComponent(hash))) broken.push(`${where}: ${href}: no #${hash}`);
      }
    }
    assert.deepEqual(broken, []);
    assert.ok(internal > 100, `only ${internal} internal links checked`);
    assert.ok(external >= 10, `only ${external} Microsoft links`);
  });

  test("every page has a CSP, no inline script and no inline style", () => {
    for (const file of htmlFiles()) {
      const html = fs.readFileSync(file, "utf8");
      const where = path.relative(DOCS, file);
      assert.match(html, /http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'/, where);
      for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
        assert.match(m[1], /\ssrc="/, `${where}: inline script`);
        assert.equal(m[2].trim(), "", `${where}: script with a body`);
      }
      assert.doesNotMatch(html, /\sstyle="/, `${where}: inline style attribute`);
      assert.doesNotMatch(html, /\son[a-z]+="/, `${where}: inline event handler`);
    }
  });
});

describe("pages", () => {
  for (const scheme of ["light", "dark"]) {
    test(`axe finds no serious or critical violation (${scheme})`, { timeout: 240000 }, async () => {
      for (const url of ["/docs/index.html", "/docs/protocol.html", "/docs/cli.html", "/docs/api/index.html"]) {
        const page = await openPage(url, { colorScheme: scheme });
        if (url.endsWith("protocol.html")) {
          // A part of the page with examples of each kind, rendered, and one opened.
          for (const id of ["S3", "M4", "reading-abort"]) {
            await page.locator(`mapi-logoff-example[data-example="${id}"]`).scrollIntoViewIfNeeded();
            await page.waitForSelector(`mapi-logoff-example[data-example="${id}"][data-state="ready"]`);
          }
          await page.locator('mapi-logoff-example[data-example="S3"] details summary').click();
        }
        const violations = await runAxe(page);
        assert.deepEqual(violations, [], `${url} (${scheme})`);
        await page.screenshot({ path: path.join(DIST, "screenshots", `docs-${url.replace(/^\/docs\//, "").replace(/\.html$/, "").replace(/\//g, "-")}-${scheme}.png`) });
        await closeClean(page);
      }
    });
  }

  test("no page scrolls sideways on a 390-wide phone", { timeout: 120000 }, async () => {
    for (const url of ["/docs/index.html", "/docs/protocol.html", "/docs/trace-format.html", "/docs/logging-kit.html", "/docs/cli.html", "/docs/api/mapi_logoff.html", "/docs/architecture.html"]) {
      const page = await openPage(url);
      await page.setViewportSize({ width: 390, height: 844 });
      if (url.endsWith("protocol.html")) {
        await page.locator('mapi-logoff-example[data-example="reading-abort"]').scrollIntoViewIfNeeded();
        await page.waitForSelector('mapi-logoff-example[data-example="reading-abort"][data-state="ready"]');
      }
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${url} is ${width} px wide at 390`);
      await closeClean(page);
    }
  });

  test("the theme button cycles auto, light, dark and is remembered", { timeout: 60000 }, async () => {
    const page = await openPage("/docs/index.html", { colorScheme: "light" });
    const button = page.locator("[data-theme-toggle]");
    await button.click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");
    await button.click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(bg, "rgb(255, 255, 255)", "dark theme keeps a white background");
    await page.reload();
    await page.waitForSelector("html[data-ready]");
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    await button.click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), undefined);
    await closeClean(page);
  });

  test("the skip link is the first Tab stop and moves focus to the content", { timeout: 60000 }, async () => {
    const page = await openPage("/docs/protocol.html");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.className), "skip");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => location.hash === "#main");
    await closeClean(page);
  });

  test("print: no navigation, no search, examples rendered", { timeout: 120000 }, async () => {
    const page = await openPage("/docs/protocol.html");
    await page.emulateMedia({ media: "print" });
    await page.evaluate(() => dispatchEvent(new Event("beforeprint")));
    await page.waitForFunction(() => [...document.querySelectorAll("mapi-logoff-example")].every((e) => e.dataset.state === "ready" || e.dataset.state === "error"), null, { timeout: 60000 });
    const hidden = await page.evaluate(() => ["header.top", "nav.toc", ".search"].map((s) => getComputedStyle(document.querySelector(s)).display));
    assert.deepEqual(hidden, ["none", "none", "none"]);
    await closeClean(page);
  });
});

describe("timing (figures for npm run bench, not asserted)", () => {
  test("docs page with every example: navigation to interactive, and to all examples rendered", { timeout: 240000 }, async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const page = await openPage("/docs/protocol.html", { wait: false });
      await page.waitForSelector("html[data-ready]");
      const interactive = await page.evaluate(() => performance.now());
      await page.locator("mapi-logoff-example").first().scrollIntoViewIfNeeded();
      await page.waitForSelector('mapi-logoff-example[data-state="ready"]');
      const firstExample = await page.evaluate(() => performance.now());
      const t0 = Date.now();
      const count = await renderEveryExample(page);
      const allMs = Date.now() - t0;
      runs.push({ interactive: Math.round(interactive), firstExample: Math.round(firstExample), allExamplesScrolledMs: allMs, count });
      await closeClean(page);
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const metrics = {
      runs,
      medianInteractiveMs: median(runs.map((r) => r.interactive)),
      medianFirstExampleMs: median(runs.map((r) => r.firstExample)),
      medianAllExamplesMs: median(runs.map((r) => r.allExamplesScrolledMs)),
      examples: runs[0].count,
    };
    fs.mkdirSync(path.join(DIST, "screenshots"), { recursive: true });
    fs.writeFileSync(path.join(DIST, "screenshots", "docs-metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
    console.log(`# docs page: interactive ${metrics.medianInteractiveMs} ms, first example ${metrics.medianFirstExampleMs} ms, all ${metrics.examples} examples scrolled through and rendered in ${metrics.medianAllExamplesMs} ms (median of ${runs.length})`);
    assert.equal(metrics.examples, EXAMPLES.examples.length);
  });
});
