// One floating tooltip per playground, shown on hover and on keyboard
// focus, and the rule chips that use it (rule id -> title and the page of
// Microsoft's documentation behind it, as plain text).
import { h, type Child } from "./dom";
import { ruleInfo } from "./engine";

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
  return [
    h("div", { class: "tip-title" }, h("strong", null, info.id), " — ", info.title),
    h("div", { class: "tip-url" }, info.docUrl),
  ];
}

/** A rule id as a focusable chip; hover or focus shows its title and page. */
export function ruleChip(id: string, tips: Tips, extra?: () => Child): HTMLButtonElement {
  const info = ruleInfo(id);
  const kind = id.charAt(0);
  const b = h(
    "button",
    {
      type: "button",
      class: `rule rule-${kind}`,
      "aria-label": info ? `Rule ${id}: ${info.title}. Documentation: ${info.docUrl}` : `Rule ${id}`,
      "data-rule": id,
    },
    id,
  );
  tips.attach(b, () => [ruleContent(id), extra ? extra() : null]);
  b.addEventListener("click", () => tips.show(b, [ruleContent(id), extra ? extra() : null]));
  return b;
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
