// The docs site's one script: colour theme, offline search (pagefind), the
// "/" shortcut, and the live examples on pages that have them.
import "./site.css";

type ThemeChoice = "auto" | "light" | "dark";
const THEME_KEY = "mapi-logoff-docs-theme";
const THEMES: ThemeChoice[] = ["auto", "light", "dark"];

function storedTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(THEME_KEY);
    return v === "light" || v === "dark" ? v : "auto";
  } catch {
    return "auto";
  }
}

function applyTheme(choice: ThemeChoice): void {
  if (choice === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  const button = document.querySelector<HTMLButtonElement>("[data-theme-toggle]");
  if (button) {
    button.textContent = `Theme: ${choice}`;
    button.title = choice === "auto" ? "The colour theme follows the system; click for light" : `Colour theme ${choice}; click for ${choice === "light" ? "dark" : "the system's"}`;
  }
}

function setupTheme(): void {
  applyTheme(storedTheme());
  document.querySelector("[data-theme-toggle]")?.addEventListener("click", () => {
    const next = THEMES[(THEMES.indexOf(storedTheme()) + 1) % THEMES.length] ?? "auto";
    try {
      if (next === "auto") localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, next);
    } catch {
      // Storage may be disabled: the choice then lasts for this page only.
    }
    applyTheme(next);
  });
}

// ---- search ---------------------------------------------------------------

interface PagefindResult {
  url: string;
  excerpt: string;
  meta: { title?: string };
  sub_results?: { title: string; url: string; excerpt: string; weighted_locations?: { balanced_score?: number }[] }[];
}
interface Pagefind {
  search(q: string): Promise<{ results: { data(): Promise<PagefindResult> }[] }>;
  options?(o: Record<string, unknown>): Promise<void>;
}

let pagefind: Promise<Pagefind> | null = null;
function loadPagefind(): Promise<Pagefind> {
  const root = document.body.dataset.root ?? "";
  pagefind ??= import(/* @vite-ignore */ new URL(`${root}pagefind/pagefind.js`, location.href).href) as Promise<Pagefind>;
  return pagefind;
}

/** Pagefind's excerpt marks the hits with <mark>; keep only text and marks. */
function excerptNodes(html: string): Node[] {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const out: Node[] = [];
  doc.body.childNodes.forEach((n) => {
    if (n.nodeName === "MARK") {
      const m = document.createElement("mark");
      m.textContent = n.textContent;
      out.push(m);
    } else out.push(document.createTextNode(n.textContent ?? ""));
  });
  return out;
}

/**
 * Pagefind lists a page's sections in page order; show the best first: a
 * section whose title starts with the query (a rule id: "S3" -> "S3 ..."),
 * then the sections with the heaviest hits.
 */
function rankSubResults<T extends { title: string; weighted_locations?: { balanced_score?: number }[] }>(subs: T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  const score = (s: T) =>
    (s.title.trim().toLowerCase().startsWith(`${q} `) || s.title.trim().toLowerCase() === q ? 1e9 : 0) +
    (s.weighted_locations ?? []).reduce((sum, l) => sum + (l.balanced_score ?? 0), 0);
  return subs.map((s, i) => ({ s, i, k: score(s) })).sort((a, b) => b.k - a.k || a.i - b.i).map((x) => x.s);
}

function setupSearch(): void {
  const input = document.querySelector<HTMLInputElement>("#search-input");
  const box = document.querySelector<HTMLElement>("#search-results");
  const form = input?.form;
  if (!input || !box || !form) return;
  let seq = 0;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    box.querySelector<HTMLAnchorElement>("a")?.click();
  });
  input.addEventListener("focus", () => void loadPagefind().catch(() => undefined), { once: true });
  input.addEventListener("input", async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    let results: PagefindResult[];
    try {
      const pf = await loadPagefind();
      const found = await pf.search(q);
      results = await Promise.all(found.results.slice(0, 8).map((r) => r.data()));
    } catch (e) {
      if (mine !== seq) return;
      box.hidden = false;
      box.replaceChildren(Object.assign(document.createElement("p"), { textContent: `Search is not available: ${e instanceof Error ? e.message : String(e)}` }));
      return;
    }
    if (mine !== seq) return;
    const list = document.createElement("ul");
    for (const r of results) {
      // The rule's own heading first: a search for "S3" should land on #s3.
      const subs = rankSubResults(r.sub_results ?? [], q).slice(0, 4);
      for (const s of subs.length ? subs : [{ title: r.meta.title ?? r.url, url: r.url, excerpt: r.excerpt }]) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = s.url;
        const title = document.createElement("span");
        title.className = "hit-title";
        title.textContent = s.title === r.meta.title ? s.title : `${s.title} — ${r.meta.title ?? ""}`;
        const ex = document.createElement("span");
        ex.className = "hit-excerpt";
        ex.append(...excerptNodes(s.excerpt));
        a.append(title, ex);
        li.append(a);
        list.append(li);
      }
    }
    box.hidden = false;
    const status = document.createElement("p");
    status.className = "hit-count";
    status.textContent = results.length ? `${list.children.length} results` : `Nothing found for “${q}”.`;
    box.replaceChildren(status, list);
    box.dataset.query = q;
  });
  // Arrow keys move between the input and the results; Escape closes them.
  form.addEventListener("keydown", (e) => {
    const links = [...box.querySelectorAll<HTMLAnchorElement>("a")];
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    if (e.key === "ArrowDown" && links.length) {
      e.preventDefault();
      (links[at + 1] ?? links[0])?.focus();
    } else if (e.key === "ArrowUp" && links.length) {
      e.preventDefault();
      if (at <= 0) input.focus();
      else links[at - 1]?.focus();
    } else if (e.key === "Escape") {
      box.hidden = true;
      input.focus();
    }
  });
  document.addEventListener("keydown", (e) => {
    const target = e.target as HTMLElement | null;
    const typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      input.focus();
    }
  });
  document.addEventListener("click", (e) => {
    if (!form.contains(e.target as Node)) box.hidden = true;
  });
}

setupTheme();
setupSearch();
if (document.body.dataset.examples === "yes") void import("./example");
document.documentElement.dataset.ready = "";
