// Writes the docs site's pages into dist/docs/ from the project's own docs,
// read at build time (never copied): docs/protocol.md, docs/trace-format.md,
// docs/logging-kit.md,
// ARCHITECTURE.md, README.md's sections, the CLI's --help, and the JS API that
// typedoc generates from the package's declarations. Markdown goes through
// markdown-it with shiki (highlighting at build time, as classes so the CSP
// needs no inline styles). The rule list items of the protocol get stable
// anchors (#s3) and their live example elements; the examples themselves
// (docs/examples/) are bundled into one examples.json that the page loads once.
//
// Run by scripts/build-site.sh after `vite build --config docs/site/vite.config.ts`
// has written dist/docs/assets/ (site.js, site.css); pagefind indexes the result.
//
//   node docs/site/build.mjs [--api-md DIR]   (DIR: typedoc's Markdown output)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import MarkdownIt from "markdown-it";
import anchor from "markdown-it-anchor";
import { fromHighlighter } from "@shikijs/markdown-it/core";
import { createHighlighter } from "shiki";
import { transformerStyleToClass } from "@shikijs/transformers";
import { ruleAnchors, ruleIdPattern, ruleLinks } from "./rules-plugin.mjs";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const OUT = path.join(ROOT, "dist", "docs");
const args = process.argv.slice(2);
const apiDir = args[0] === "--api-md" ? args[1] : null;

function fail(message) {
  console.error(`build-docs: ${message}`);
  process.exit(1);
}
const read = (rel) => fs.readFileSync(path.join(ROOT, rel), "utf8");

// The rule table (titles, Microsoft pages) comes from the engine itself, so
// the site cites exactly what the model cites.
const require = createRequire(import.meta.url);
const engine = require(path.join(ROOT, "pkg", "node", "mapi_logoff.js"));
// The catalogue (docs/rules.json, kept equal to the code by tests/citations.rs)
// has the sources' quotes and notes, which the wasm module leaves out.
const CATALOGUE = JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "rules.json"), "utf8"));
const RULES = new Map(CATALOGUE.rules.map((r) => [r.id, r]));
const MICROSOFT_PAGES = new Set([...RULES.values()].map((r) => r.docUrl).filter(Boolean));

// ---------------------------------------------------------------- examples
function loadExamples() {
  const dir = path.join(ROOT, "docs", "examples");
  const out = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const id = name.endsWith(".expect.json") ? name.slice(0, -".expect.json".length) : null;
    if (!id) continue;
    const expect = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
    const scenario = JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), "utf8"));
    out.push({ id, rule: expect.rule, expect, scenario });
  }
  return out;
}
const EXAMPLES = loadExamples();
const ruleExamples = new Map(EXAMPLES.filter((e) => !e.expect.reading).map((e) => [e.rule, e]));
const readingExamples = EXAMPLES.filter((e) => e.expect.reading);

// ---------------------------------------------------------------- markdown
const highlighter = await createHighlighter({
  themes: ["github-light-high-contrast", "github-dark-high-contrast"],
  langs: ["json", "js", "ts", "sh", "rust", "text", "jsonc", "toml", "yaml", "c", "cpp"],
});
const toClass = transformerStyleToClass({ classPrefix: "sh-" });

/** Where a link of the project's docs goes on the site; null: not a page of the site. */
const PAGE_OF = new Map([
  ["docs/protocol.md", "protocol.html"],
  ["protocol.md", "protocol.html"],
  ["docs/trace-format.md", "trace-format.html"],
  ["trace-format.md", "trace-format.html"],
  ["docs/logging-kit.md", "logging-kit.html"],
  ["logging-kit.md", "logging-kit.html"],
  ["ARCHITECTURE.md", "architecture.html"],
  ["../ARCHITECTURE.md", "architecture.html"],
  ["README.md", "index.html"],
  ["../README.md", "index.html"],
]);

function slugify(text) {
  // GitHub's heading ids, so that links written for the repository (#7-readings) hold here too.
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function makeMarkdown({ prefix }) {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  md.use(anchor, { slugify, tabIndex: false });
  md.use(
    fromHighlighter(highlighter, {
      themes: { light: "github-light-high-contrast", dark: "github-dark-high-contrast" },
      defaultColor: false,
      transformers: [toClass],
      fallbackLanguage: "text",
    }),
  );
  // Links: the project's own docs become site pages; links to files of the
  // repository and to other sites become plain text (the site links out only
  // to the Microsoft pages the rules cite).
  const defaultLink = md.renderer.rules.link_open ?? ((t, i, o, e, self) => self.renderToken(t, i, o));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx];
    if (token.attrGet("class") === "rule-ref") return defaultLink(tokens, idx, options, env, self);
    const href = token.attrGet("href") ?? "";
    const target = siteHref(href, prefix);
    if (target === null) {
      token.meta = { dropped: true };
      const close = tokens.slice(idx).find((t) => t.type === "link_close");
      if (close) close.meta = { dropped: true };
      return "";
    }
    token.attrSet("href", target);
    if (/^https:/.test(target)) token.attrSet("rel", "external");
    return defaultLink(tokens, idx, options, env, self);
  };
  md.renderer.rules.link_close = (tokens, idx, options, env, self) => (tokens[idx].meta?.dropped ? "" : self.renderToken(tokens, idx, options));
  md.use(ruleLinks, { href: (id) => (RULES.has(id) ? `${prefix}protocol.html#${id.toLowerCase()}` : null) });
  return md;
}

function siteHref(href, prefix) {
  if (href.startsWith("#")) return href;
  if (/^https?:/.test(href)) return MICROSOFT_PAGES.has(href) ? href : null;
  const [file, hash] = href.split("#");
  const page = PAGE_OF.get(file);
  if (!page) return null;
  return prefix + page + (hash ? `#${hash}` : "");
}

// ---------------------------------------------------------------- pages
const NAV = [
  ["index.html", "Overview"],
  ["protocol.html", "Protocol"],
  ["trace-format.html", "Trace format"],
  ["logging-kit.html", "Logging kit"],
  ["cli.html", "CLI"],
  ["api/index.html", "JS API"],
  ["architecture.html", "Architecture"],
];

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/** The page table of contents: the h2/h3 headings with ids. */
function toc(html) {
  const items = [];
  for (const m of html.matchAll(/<h([23])[^>]*\bid="([^"]+)"[^>]*>([\s\S]*?)<\/h\1>/g)) {
    const text = m[3].replace(/<[^>]+>/g, "").trim();
    if (text) items.push({ level: Number(m[1]), id: m[2], text });
  }
  if (items.length < 2) return "";
  const lis = items
    .map((i) => `<li class="toc-h${i.level}"><a href="#${escapeHtml(i.id)}" title="${i.text.replace(/"/g, "&quot;")}">${i.text}</a></li>`)
    .join("\n");
  return `<nav class="toc" aria-label="On this page"><h2 class="toc-title">On this page</h2><ol>${lis}</ol></nav>`;
}

function layout({ file, title, body, description, withExamples = false }) {
  const depth = file.split("/").length - 1;
  const prefix = "../".repeat(depth);
  const nav = NAV.map(([href, label]) => {
    const section = href.includes("/") && file.startsWith(href.replace(/[^/]*$/, ""));
    const current = href === file || section ? ' aria-current="page"' : "";
    return `<li><a href="${prefix}${href}"${current}>${label}</a></li>`;
  }).join("");
  const content = `<article class="doc" data-pagefind-body>${body}</article>`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'" />
    <meta name="color-scheme" content="light dark" />
    <meta name="description" content="${escapeHtml(description)}" />
    <title>${escapeHtml(title)} · mapi-logoff docs</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${prefix}assets/site.css" />
    <link rel="stylesheet" href="${prefix}assets/code.css" />
    <script type="module" src="${prefix}assets/site.js"></script>
  </head>
  <body data-root="${prefix}"${withExamples ? ' data-examples="yes"' : ""}>
    <a class="skip" href="#main">Skip to the content</a>
    <header class="top">
      <a class="brand" href="${prefix}index.html">mapi-logoff <span>docs</span></a>
      <nav class="site-nav" aria-label="Site"><ul>${nav}<li><a href="${prefix}../index.html">Playground</a></li></ul></nav>
      <div class="tools">
        <form class="search" role="search" data-pagefind-ignore>
          <label for="search-input" class="visually-hidden">Search the docs</label>
          <input id="search-input" type="search" placeholder="Search (press /)" autocomplete="off" aria-controls="search-results" aria-describedby="search-help" />
          <span id="search-help" class="visually-hidden">Type a rule id such as S3 or a word; arrow keys move through the results.</span>
          <div id="search-results" class="search-results" role="region" aria-live="polite" aria-label="Search results" hidden></div>
        </form>
        <button type="button" class="theme-toggle" data-theme-toggle>Theme: auto</button>
      </div>
    </header>
    <div class="page">
      ${toc(body)}
      <main id="main" tabindex="-1">${content}</main>
    </div>
    <footer class="foot"><p>mapi-logoff ${escapeHtml(engine.version())}. Every example on these pages is computed in your browser by the engine's WebAssembly build.</p></footer>
  </body>
</html>
`;
}

function writePage(file, page) {
  const dest = path.join(OUT, file);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, layout({ file, ...page }));
  return file;
}

/** A README section by its heading text: from the heading to the next heading of its level or above. */
function section(markdown, heading) {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => /^#{1,6} /.test(l) && l.replace(/^#+ /, "").trim() === heading);
  if (start < 0) return null;
  const level = lines[start].match(/^#+/)[0].length;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    const m = /^(#{1,6}) /.exec(lines[i]);
    if (m && m[1].length <= level && !insideFence(lines, i)) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join("\n");
}
function insideFence(lines, i) {
  let open = false;
  for (let k = 0; k < i; k++) if (/^```/.test(lines[k])) open = !open;
  return open;
}
/** The text before the first "## " heading, without the title. */
function intro(markdown) {
  const lines = markdown.split("\n");
  const end = lines.findIndex((l) => /^## /.test(l));
  return lines.slice(1, end < 0 ? lines.length : end).join("\n");
}

const written = [];

// Overview: the README's opening and its "how to run" sections, and an index of every rule.
{
  const md = makeMarkdown({ prefix: "" });
  const readme = read("README.md");
  const parts = [intro(readme), section(readme, "Run a scenario"), section(readme, "The readings")].filter(Boolean).join("\n\n");
  const groups = [
    ["S", "Store rules"],
    ["T", "Transport rules"],
    ["I", "Invariants"],
    ["M", "Provider mistakes"],
  ];
  const index = groups
    .map(([letter, name]) => {
      const items = [...RULES.values()]
        .filter((r) => r.id.startsWith(letter))
        .map((r) => `<li><a href="protocol.html#${r.id.toLowerCase()}"><span class="rule-chip">${r.id}</span> ${escapeHtml(r.title)}</a></li>`)
        .join("");
      return `<section class="rule-group"><h3 id="index-${letter.toLowerCase()}">${name}</h3><ul class="rule-index">${items}</ul></section>`;
    })
    .join("");
  const body = `<h1 id="mapi-logoff">mapi-logoff</h1>${md.render(parts)}<h2 id="every-rule">Every rule, with its live example</h2><p>Each id opens the rule in the protocol reference, where its example runs.</p><div class="rule-groups">${index}</div>`;
  written.push(writePage("index.html", { title: "Overview", body, description: "The executable reference for how Microsoft MAPI logs off message stores and transport providers." }));
}

// Protocol: every rule with its anchor, its Microsoft page and its live example.
{
  const md = makeMarkdown({ prefix: "" });
  const placed = new Set();
  md.use(ruleAnchors, { rules: RULES, ruleExamples, readingExamples, placed });
  const body = md.render(read("docs/protocol.md"));
  const missing = EXAMPLES.map((e) => e.id).filter((id) => !placed.has(id));
  if (missing.length) fail(`docs/protocol.md has no place for the examples ${missing.join(", ")} (a rule item "**ID** ..." or a readings item naming the setting)`);
  written.push(writePage("protocol.html", { title: "The MAPI logoff protocol", body, description: "Every rule, invariant, provider mistake and reading of the MAPI logoff protocol, each with a live example.", withExamples: true }));
}

// Trace format and architecture: the files as they are.
{
  const md = makeMarkdown({ prefix: "" });
  written.push(writePage("trace-format.html", { title: "The trace file format", body: md.render(read("docs/trace-format.md")), description: "The JSON Lines trace format the checker reads, and what it checks." }));
  written.push(writePage("logging-kit.html", { title: "The logging kit", body: md.render(read("docs/logging-kit.md")), description: "How a provider written in C or C++ logs its logoff in the trace format." }));
  written.push(writePage("architecture.html", { title: "Architecture", body: md.render(read("ARCHITECTURE.md")), description: "How the mapi-logoff code is organised." }));
}

// CLI: the README's section on the command and the command's own --help.
{
  const md = makeMarkdown({ prefix: "" });
  const help = execFileSync(process.execPath, [path.join(ROOT, "pkg", "bin", "mapi-logoff.mjs"), "--help"], { encoding: "utf8" });
  const readme = read("README.md");
  const usage = section(readme, "Check a provider's trace, explore a scenario") ?? "";
  const text = `# The command line\n\n${usage.replace(/^## .*\n/, "")}\n\n## mapi-logoff --help\n\n\`\`\`text\n${help.trimEnd()}\n\`\`\`\n`;
  written.push(writePage("cli.html", { title: "The command line", body: md.render(text), description: "mapi-logoff check, run, matrix and explore." }));
}

/**
 * typedoc numbers the anchor of a name that occurs twice in a module
 * (#partykind-1) even when only one of them gets a heading on its page; such
 * a link goes to the heading the name has.
 */
function sameNameAnchors(html) {
  const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  return html.replace(/href="#([^"]+)-(\d+)"/g, (all, base, n) => (ids.has(`${base}-${n}`) || !ids.has(base) ? all : `href="#${base}"`));
}

/** The package's modules by the name a program imports them with. */
const IMPORT_NAMES = [
  ["check/mapi\\_logoff\\_check", "mapi-logoff/check", "the trace checker (its own wasm module)"],
  ["explore/mapi\\_logoff\\_explore", "mapi-logoff/explore", "the explorer (its own wasm module)"],
  ["mapi\\_logoff", "mapi-logoff", "the engine: Simulation, runScenario, rules, the outcome matrix"],
];
function importNames(text, rel) {
  let out = text;
  for (const [file, name, what] of IMPORT_NAMES) {
    out = out.replace(new RegExp(`^# ${file.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}$`, "m"), `# ${name}\n\n\`import … from "${name}"\`: ${what}.`);
    out = out.replace(new RegExp(`\\[${file.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}\\]`, "g"), `[${name}]`);
  }
  if (/(^|\/)README\.md$/.test(rel)) {
    out = out.replace(/^# .*$/m, "# The JavaScript API\n\nGenerated by typedoc from the declarations the npm package ships (`pkg/**/*.d.ts`). Every module needs `await init()` first in the browser build; the Node entry points are ready on import.");
  }
  return out;
}

// JS API: typedoc's Markdown output, one page per module.
if (apiDir) {
  const files = [];
  (function walk(dir) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".md")) files.push(path.relative(apiDir, p));
    }
  })(apiDir);
  if (!files.length) fail(`typedoc wrote no Markdown into ${apiDir}`);
  for (const rel of files.sort()) {
    const out = path.posix.join("api", rel.replace(/\\/g, "/").replace(/(^|\/)README\.md$/, "$1index.md").replace(/\.md$/, ".html"));
    const depth = out.split("/").length - 1;
    const md = makeMarkdown({ prefix: "../".repeat(depth) });
    // typedoc links between its own files: keep them, as .html.
    const defaultLink = md.renderer.rules.link_open;
    md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
      const href = tokens[idx].attrGet("href") ?? "";
      const m = /^([^#:]+)\.md(#.*)?$/.exec(href);
      if (m) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel.replace(/\\/g, "/")), m[1]));
        if (files.some((f) => f.replace(/\\/g, "/") === `${target}.md`)) {
          tokens[idx].attrSet("href", `${m[1].replace(/(^|\/)README$/, "$1index")}.html${m[2] ?? ""}`);
          return self.renderToken(tokens, idx, options);
        }
      }
      return defaultLink(tokens, idx, options, env, self);
    };
    const text = importNames(fs.readFileSync(path.join(apiDir, rel), "utf8"), rel);
    const title = (/^# (.*)$/m.exec(text)?.[1] ?? "JS API").replace(/[`*\\]/g, "");
    written.push(writePage(out, { title: `JS API: ${title}`, body: sameNameAnchors(md.render(text)), description: `The mapi-logoff JavaScript API: ${title}.` }));
  }
}

// The examples, loaded once by the protocol page.
fs.writeFileSync(
  path.join(OUT, "examples.json"),
  JSON.stringify({
    examples: EXAMPLES.map(({ id, rule, expect, scenario }) => ({ id, rule, expect, scenario })),
    rules: Object.fromEntries([...RULES.values()].map((r) => [r.id, { title: r.title, docUrl: r.docUrl }])),
    // The engine's own words for each reading (from docs/rules.json), so the
    // examples label them as the playground does; absent from older engines.
    readings: CATALOGUE.readings,
  }),
);

// The code colours shiki collected while rendering, as one stylesheet.
fs.mkdirSync(path.join(OUT, "assets"), { recursive: true });
fs.writeFileSync(path.join(OUT, "assets", "code.css"), `${toClass.getCSS()}\n`);

console.log(`build-docs: ${written.length} pages, ${EXAMPLES.length} examples (${ruleIdPattern.source}) -> ${path.relative(ROOT, OUT)}/`);
