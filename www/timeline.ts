// The history as a timeline: every applied action, and the undone ones
// that can be redone; choosing an entry moves there.
import { h, replace } from "./dom";
import { actionLabel } from "./engine";
import type { Topology } from "./engine";
import type { Doc } from "./doc";

export interface TimelineHost {
  goTo(pos: number): void;
}

const WINDOW = 150;

export class Timeline {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly info: HTMLElement;
  private readonly host: TimelineHost;
  private readonly backBtn: HTMLButtonElement;
  private readonly fwdBtn: HTMLButtonElement;
  private readonly startBtn: HTMLButtonElement;
  private readonly endBtn: HTMLButtonElement;
  private doc: Doc | null = null;

  constructor(host: TimelineHost) {
    this.host = host;
    const nav = (label: string, key: string, testid: string, to: () => number) =>
      h("button", { type: "button", class: "small", "aria-keyshortcuts": key, "data-testid": testid, onclick: () => this.doc && this.host.goTo(to()) }, label);
    this.startBtn = nav("◀◀ Start", "Shift+BracketLeft", "tl-start", () => 0);
    // One model with the toolbar's Undo and Redo: going back undoes steps
    // (they stay in the history, greyed), going forward redoes them.
    this.backBtn = nav("↶ Undo step", "BracketLeft", "tl-back", () => (this.doc?.pos ?? 1) - 1);
    this.fwdBtn = nav("Redo step ↷", "BracketRight", "tl-forward", () => (this.doc?.pos ?? 0) + 1);
    this.endBtn = nav("End ▶▶", "Shift+BracketRight", "tl-end", () => this.doc?.actions.length ?? 0);
    this.info = h("span", { class: "muted", "data-testid": "tl-info", "aria-live": "polite" });
    this.list = h("ol", { class: "timeline-list", "aria-label": "History" });
    this.el = h(
      "div",
      { class: "timeline" },
      h("div", { class: "timeline-bar" }, this.startBtn, this.backBtn, this.fwdBtn, this.endBtn, this.info),
      h("div", { class: "timeline-scroll", tabindex: -1 }, this.list),
    );
  }

  render(doc: Doc, topo: Topology): void {
    this.doc = doc;
    const n = doc.actions.length;
    this.startBtn.disabled = this.backBtn.disabled = doc.pos === 0;
    this.fwdBtn.disabled = this.endBtn.disabled = doc.pos >= n;
    this.info.textContent = `Step ${doc.pos} of ${n}${doc.pos < n ? ` (${n - doc.pos} undone, can be redone)` : ""}`;
    const from = Math.max(0, doc.pos - WINDOW);
    const to = Math.min(n, doc.pos + WINDOW);
    const items: HTMLElement[] = [];
    if (from > 0) items.push(h("li", { class: "muted gap" }, `… ${from} earlier steps`));
    for (let k = from; k <= to; k++) {
      const a = k === 0 ? null : doc.actions[k - 1]!;
      const o = k === 0 ? undefined : doc.outcomes[k - 1];
      const current = k === doc.pos;
      items.push(
        h(
          "li",
          { class: `${k > doc.pos ? "future" : ""}${current ? " current" : ""}` },
          h(
            "button",
            { type: "button", class: "tl-item", "data-testid": `tl-${k}`, "aria-current": current ? "step" : undefined, onclick: () => this.host.goTo(k) },
            h("span", { class: "tl-n" }, String(k)),
            " ",
            a ? actionLabel(a, topo) : "Start",
            o ? h("span", { class: `tl-hr${(o.hresult.value >>> 0) >= 0x80000000 ? " fail" : ""}` }, ` ${o.hresult.text}`) : null,
          ),
        ),
      );
    }
    if (to < n) items.push(h("li", { class: "muted gap" }, `… ${n - to} later steps`));
    replace(this.list, items);
    // Scrolling needs layout: do it when the frame is laid out anyway.
    cancelAnimationFrame(this.scrollFrame);
    this.scrollFrame = requestAnimationFrame(() => {
      const cur = this.list.querySelector<HTMLElement>(".current");
      const box = this.list.parentElement;
      if (!cur || !box || box.clientHeight === 0) return;
      const top = cur.offsetTop - box.offsetTop;
      if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - cur.offsetHeight) box.scrollTop = Math.max(0, top - box.clientHeight / 2);
    });
  }

  private scrollFrame = 0;
}
