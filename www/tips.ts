// One floating tooltip per playground, shown on hover and on keyboard
// focus, and the rule chips that use it: each chip is a link to where the
// rule is explained (the docs site when the build has it, else the page
// the rule cites), and its tooltip gives the title and that link.
import { h, type Child } from "./dom";
import { allRules, ruleInfo } from "./engine";
// The sources' quotes and notes: the wasm module leaves them out for its
// size, the catalogue (kept equal to the code by tests/citations.rs) has them.
import catalogue from "../docs/rules.json";

/**
 * The docs site's page for rules, relative to the playground: rule S3 is
 * `${DOCS_RULES_PAGE}#s3`. Linked only when the build includes the docs
 * site (VITE_DOCS_SITE=1 at build time: the docs are built into dist/docs).
 */
export const DOCS_RULES_PAGE = "docs/protocol.html";
/** The docs site's page for the trace format (same condition). */
export const DOCS_TRACE_FORMAT_PAGE = "docs/trace-format.html";
const DOCS_SITE: boolean = import.meta.env.VITE_DOCS_SITE === "1";

/** Where a rule's source is, when the engine says (protocol revision 2). */
interface RuleSource {
  kind?: string;
  page?: string;
  url?: string;
  quote?: string;
  note?: string;
}

const CATALOGUE_SOURCES = new Map<string, RuleSource>(catalogue.rules.map((r) => [r.id, r.source]));

function sourceOf(id: string): RuleSource | undefined {
  const info = ruleInfo(id) as { source?: RuleSource } | undefined;
  const full = CATALOGUE_SOURCES.get(id);
  return info?.source || full ? { ...full, ...info?.source, quote: full?.quote ?? info?.source?.quote, note: full?.note ?? info?.source?.note } : undefined;
}

/** Only https links to other sites: a rule's text comes from the engine, not from the visitor, but stay strict. */
function safeUrl(u: string | undefined): string | null {
  return u && /^https:\/\/[^\s"<>]+$/.test(u) ? u : null;
}

/** The page a rule was taken from: its source's page, or the docUrl it cites. */
export function ruleSourceUrl(id: string): string | null {
  return safeUrl(sourceOf(id)?.url) ?? safeUrl(ruleInfo(id)?.docUrl);
}

/** Where a rule chip leads: the docs site's section for the rule, or its source page. */
export function ruleHref(id: string, base: string = document.baseURI): string | null {
  if (DOCS_SITE) return new URL(`${DOCS_RULES_PAGE}#${id.toLowerCase()}`, base).href;
  return ruleSourceUrl(id);
}

/** The base the docs link is resolved against (the playground's own folder; element.js sets it). */
let docsBase: string | undefined;
export function setDocsBase(base: string): void {
  docsBase = base;
}

export class Tips {
  readonly el: HTMLDivElement;
  private owner: Element | null = null;

  constructor(root: HTMLElement) {
    this.el = h("div", { class: "tip", role: "tooltip", hidden: true });
    root.appendChild(this.el);
    root.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && !this.el.hidden) {
        this.hide();
      }
    });
    // Scrolling moves anchors; a stale tooltip is worse than none.
    root.addEventListener("scroll", () => this.hide(), { capture: true, passive: true });
  }

  /** Shows content next to a rectangle (viewport coordinates). */
  showAt(rect: { left: number; top: number; bottom: number; right: number }, content: Child, owner: Element | null = null): void {
    this.owner = owner;
    this.el.replaceChildren();
    const frag = h("div", null, content);
    this.el.append(...Array.from(frag.childNodes));
    this.el.hidden = false;
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    const w = this.el.offsetWidth;
    const ht = this.el.offsetHeight;
    let left = Math.min(Math.max(4, rect.left), vw - w - 8);
    let top = rect.bottom + 6;
    if (top + ht > vh - 4) top = Math.max(4, rect.top - ht - 6);
    left = Math.max(4, left);
    this.el.style.setProperty("left", `${left}px`);
    this.el.style.setProperty("top", `${top}px`);
  }

  show(anchor: Element, content: Child): void {
    this.showAt(anchor.getBoundingClientRect(), content, anchor);
  }

  hide(owner?: Element): void {
    if (owner && owner !== this.owner) return;
    this.el.hidden = true;
    this.owner = null;
  }

  /** Hover and focus on `anchor` show `content()`. */
  attach(anchor: HTMLElement | SVGElement, content: () => Child): void {
    const show = () => this.show(anchor, content());
    const hide = () => this.hide(anchor);
    anchor.addEventListener("mouseenter", show);
    anchor.addEventListener("mouseleave", hide);
    anchor.addEventListener("focus", show);
    anchor.addEventListener("blur", hide);
  }
}

export function ruleContent(id: string): Child {
  const info = ruleInfo(id);
  if (!info) return h("div", null, h("strong", null, id));
  const src = sourceOf(id);
  const url = ruleSourceUrl(id);
  return [
    h("div", { class: "tip-title" }, h("strong", null, info.id), " — ", info.title),
    src?.quote ? h("q", { class: "tip-quote" }, src.quote) : null,
    src?.note ? h("div", { class: "muted" }, src.note) : null,
    url ? h("div", { class: "tip-url" }, url) : src?.kind === "modelChoice" ? h("div", { class: "tip-url" }, "No page says this: the model's choice.") : null,
  ];
}

/** A rule id as a chip: a link to the rule's explanation; hover or focus shows its title and page. */
export function ruleChip(id: string, tips: Tips, extra?: () => Child): HTMLAnchorElement | HTMLSpanElement {
  const info = ruleInfo(id);
  const kind = id.charAt(0);
  const href = ruleHref(id, docsBase);
  const label = info ? `Rule ${id}: ${info.title}` : `Rule ${id}`;
  const b = href
    ? h("a", { class: `rule rule-${kind}`, href, target: "_blank", rel: "noopener noreferrer", "aria-label": `${label} (opens the documentation)`, "data-rule": id }, id)
    : h("span", { class: `rule rule-${kind}`, "aria-label": label, "data-rule": id, tabindex: 0, role: "note" }, id);
  tips.attach(b, () => [ruleContent(id), extra ? extra() : null]);
  return b;
}

/** Every rule the engine knows, grouped S, T, I, M, each linked like the chips. */
export function rulesIndex(tips: Tips): HTMLElement {
  const groups: [string, string][] = [
    ["S", "Store logoff (S)"],
    ["T", "Transport logoff (T)"],
    ["I", "Invariants (I)"],
    ["M", "Provider mistakes (M)"],
  ];
  const rules = allRules();
  return h(
    "div",
    { class: "rules-index", "data-testid": "rules-index" },
    groups.map(([k, title]) =>
      h(
        "div",
        { class: "rules-group" },
        h("h3", null, title),
        h(
          "ul",
          { class: "plain" },
          rules
            .filter((r) => r.id.startsWith(k))
            .map((r) => h("li", { "data-testid": `rule-${r.id}` }, ruleChip(r.id, tips), " ", r.title, ruleHref(r.id, docsBase) ? null : h("span", { class: "muted" }, " (the model's choice: no page says it)"))),
        ),
      ),
    ),
    h("p", { class: "muted small-print" }, DOCS_SITE ? "Each rule links to its section of the documentation." : "Each rule links to the Microsoft page it is taken from, where one says it."),
  );
}

export function ruleChips(ids: readonly string[], tips: Tips): Child {
  if (ids.length === 0) return null;
  return h("span", { class: "rules" }, ids.map((id) => ruleChip(id, tips)));
}

/** Text with every rule id it cites turned into a chip. */
export function withRuleChips(text: string, tips: Tips): Child[] {
  const out: Child[] = [];
  const re = /\b([STIM]\d{1,2})\b/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const id = m[1]!;
    if (!ruleInfo(id)) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(ruleChip(id, tips));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
