// Shared by the e2e suites: how Chromium is started here, and pages that
// record every console error, page error, dialog and request outside the
// server, so that each test can end with closeClean(page).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { startServer } from "./server.mjs";
import zlib from "node:zlib";

/** Chromium as root on this machine kind (scripts/test.d/50-e2e.sh). */
export const BROWSER_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/**
 * Serves `dist` (with `fixtures` under /fixtures/) and starts Chromium with a
 * fresh profile named after the suite; `close()` stops both and removes the
 * profile. `contextOptions` are added to the launch options.
 */
export async function startBrowser({ dist, fixtures, suite, permissions = [], contextOptions = {} }) {
  assert.ok(fs.existsSync(path.join(dist, "index.html")), "dist/ is not built (run npm run build)");
  fs.mkdirSync(path.join(dist, "screenshots"), { recursive: true });
  const srv = await startServer({ root: dist, fixtures });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `mapi-logoff-e2e-${suite}-`));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: BROWSER_ARGS,
    viewport: { width: 1600, height: 1000 },
    ...contextOptions,
  });
  if (permissions.length) await ctx.grantPermissions(permissions, { origin: srv.url });
  return {
    srv,
    ctx,
    async close() {
      await ctx.close();
      await srv.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Returns openPage(url, { colorScheme, wait, viewport }) for a browser context and a server. */
export function pageOpener(getContext, getServer) {
  return async function openPage(url, { colorScheme = "light", wait = true, viewport = null } = {}) {
    const srv = getServer();
    const page = await getContext().newPage();
    const problems = [];
    const requests = [];
    page.on("console", (m) => {
      if (m.type() === "error" || (m.type() === "warning" && /Content.Security.Policy|CSP/i.test(m.text()))) problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("dialog", (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on("request", (r) => {
      const u = r.url();
      requests.push(u);
      if (!u.startsWith(srv.url) && !u.startsWith("data:") && !u.startsWith("blob:")) problems.push(`request outside the origin: ${u}`);
    });
    if (viewport) await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme });
    await page.goto(srv.url + url);
    if (wait) await page.waitForSelector("html[data-ready]", { timeout: 30000 });
    page.problems = problems;
    page.requests = requests;
    return page;
  };
}

export async function closeClean(page) {
  const problems = page.problems;
  await page.close();
  assert.deepEqual(problems, [], "console errors, page errors, dialogs or outside requests");
}

export const tid = (page, id) => page.locator(`[data-testid="${id}"]`);

/**
 * Starts recording the time between animation frames in the page; the
 * returned function stops it and resolves to the longest gap (ms).
 */
export async function watchFrameGaps(page) {
  await page.evaluate(() => {
    window.__gaps = [];
    let last = performance.now();
    const tick = (now) => {
      window.__gaps.push(now - last);
      last = now;
      if (!window.__stopFrames) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  return () =>
    page.evaluate(() => {
      window.__stopFrames = true;
      return Math.max(...window.__gaps);
    });
}

/** A `#v1=` share fragment of a value (or of JSON text), as www/share.ts writes it. */
export function encodeFragment(value) {
  return "v1=" + zlib.deflateRawSync(Buffer.from(typeof value === "string" ? value : JSON.stringify(value))).toString("base64url");
}

/** The value a `#v1=` fragment holds. */
export function decodeFragment(hash) {
  const m = /^#?v1=([A-Za-z0-9_-]*)$/.exec(hash);
  assert.ok(m, `not a v1 fragment: ${hash.slice(0, 80)}`);
  return JSON.parse(zlib.inflateRawSync(Buffer.from(m[1], "base64url")).toString("utf8"));
}
