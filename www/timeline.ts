// The history panel: the rows of the history (www/history.ts), the current
// one marked, the rows after it greyed (Redo restores them). Its buttons
// are the toolbar's Undo and Redo and go to the same rows; choosing a row
// goes there. Rows are kept between renders and only what changed is
// touched, so a step costs one new row, not a redrawn list.
import { h, reconcile } from "./dom";
import { actionLabel } from "./engine";
import type { Action, Outcome, Topology } from "./engine";
import type { History, Row } from "./history";

export interface TimelineHost {
  /** Go to position `pos` of the stretch with id `stretchId`. */
  goTo(stretchId: number, pos: number): void;
  undo(): void;
  redo(): void;
  first(): void;
  last(): void;
  /** The topology of stretch number `s` (for its rows' labels). */
  topologyOf(s: number): Topology;
}

/** Rows drawn on each side of the current one. */
const WINDOW = 150;

/** What a drawn row shows; it is redrawn only when one of these changes. */
interface Drawn {
  action: Action | null;
  outcome: Outcome | undefined;
  label: string;
  /** How it is marked now: -1 before the current row, 0 the current row, 1 after it. */
  where: number;
  testid: string;
}

export class Timeline {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly info: HTMLElement;
  private readonly host: TimelineHost;
  private readonly backBtn: HTMLButtonElement;
  private readonly fwdBtn: HTMLButtonElement;
  private readonly startBtn: HTMLButtonElement;
  private readonly endBtn: HTMLButtonElement;
  private readonly drawn = new WeakMap<Element, Drawn>();
  /** The rows in the list, by key (stretch id : position). */
  private readonly rows = new Map<string, HTMLLIElement>();
  private readonly gapBefore: HTMLLIElement = h("li", { class: "muted gap" });
  private readonly gapAfter: HTMLLIElement = h("li", { class: "muted gap" });
  private currentKey = "";
  private scrollFrame = 0;

  constructor(host: TimelineHost) {
    this.host = host;
    const nav = (label: string, key: string, testid: string, title: string, go: () => void) =>
      h("button", { type: "button", class: "small", "aria-keyshortcuts": key, "data-testid": testid, title, onclick: go }, label);
    this.startBtn = nav("◀◀ First", "Shift+BracketLeft", "tl-start", "The first row of the history", () => this.host.first());
    // The toolbar's Undo and Redo: the row before, the row after.
    this.backBtn = nav("↶ Undo", "BracketLeft", "tl-back", "Undo: the row before (Ctrl+Z)", () => this.host.undo());
    this.fwdBtn = nav("Redo ↷", "BracketRight", "tl-forward", "Redo: the row after (Ctrl+Shift+Z)", () => this.host.redo());
    this.endBtn = nav("Last ▶▶", "Shift+BracketRight", "tl-end", "The last row of the history", () => this.host.last());
    this.info = h("span", { class: "muted", "data-testid": "tl-info", "aria-live": "polite" });
    this.list = h("ol", { class: "timeline-list", "aria-label": "History" });
    this.el = h(
      "div",
      { class: "timeline" },
      h("div", { class: "timeline-bar" }, this.startBtn, this.backBtn, this.fwdBtn, this.endBtn, this.info),
      h("div", { class: "timeline-scroll", tabindex: -1 }, this.list),
    );
  }

  render(hist: History): void {
    const doc = hist.doc;
    const n = doc.actions.length;
    const prev = hist.prev();
    const next = hist.next();
    this.startBtn.disabled = this.backBtn.disabled = !prev;
    this.fwdBtn.disabled = this.endBtn.disabled = !next;
    const later = hist.stretches.length - 1 - hist.cur;
    const info = `Step ${doc.pos} of ${n}${doc.pos < n ? ` (${n - doc.pos} undone, can be redone)` : ""}${later ? ` · ${later} later change${later > 1 ? "s" : ""} to redo` : ""}`;
    if (this.info.textContent !== info) this.info.textContent = info;

    // The rows in the window around the current one, in order.
    const here: Row = { s: hist.cur, pos: doc.pos };
    const at = hist.index(here);
    const total = hist.count();
    const lo = Math.max(0, at - WINDOW);
    const hi = Math.min(total - 1, at + WINDOW);
    const want: { key: string; s: number; pos: number; idx: number }[] = [];
    let idx = 0;
    for (let s = 0; s < hist.stretches.length && idx <= hi; s++) {
      const st = hist.stretches[s]!;
      const rows = st.doc.actions.length - st.from + 1;
      if (idx + rows > lo) {
        const first = st.from + Math.max(0, lo - idx);
        const last = Math.min(st.doc.actions.length, st.from + (hi - idx));
        for (let pos = first; pos <= last; pos++) want.push({ key: `${st.id}:${pos}`, s, pos, idx: idx + pos - st.from });
      }
      idx += rows;
    }

    // Reconcile in place: both lists are in history order, so one pass keeps
    // the rows that stay, drops the others and inserts the new ones.
    const items: HTMLElement[] = [];
    if (lo > 0) {
      this.gapBefore.textContent = `… ${lo} earlier rows`;
      items.push(this.gapBefore);
    }
    for (const w of want) items.push(this.row(hist, w, at));
    if (hi < total - 1) {
      this.gapAfter.textContent = `… ${total - 1 - hi} later rows`;
      items.push(this.gapAfter);
    }
    reconcile(this.list, items);
    for (const [key, li] of this.rows) if (li.parentElement !== this.list) this.rows.delete(key);

    // Keep the current row in view; scrolling needs layout, so it waits for the frame.
    const key = `${hist.current.id}:${doc.pos}`;
    if (key !== this.currentKey) {
      this.currentKey = key;
      cancelAnimationFrame(this.scrollFrame);
      this.scrollFrame = requestAnimationFrame(() => this.scrollToCurrent());
    }
  }

  /** The element of row `w` (kept if it shows the same thing), marked for where it is. */
  private row(hist: History, w: { key: string; s: number; pos: number; idx: number }, at: number): HTMLElement {
    const st = hist.stretches[w.s]!;
    const start = w.pos === st.from;
    const action = start ? null : st.doc.actions[w.pos - 1]!;
    const outcome = start ? undefined : st.doc.outcomes[w.pos - 1];
    const label = start ? (st.kind === "open" ? `Start: ${st.label}` : `Situation: ${st.label}`) : "";
    let li = this.rows.get(w.key);
    const old = li ? this.drawn.get(li) : undefined;
    if (!li || !old || old.action !== action || old.outcome !== outcome || old.label !== label) {
      const id = st.id;
      const pos = w.pos;
      const fresh = h(
        "li",
        { class: start ? "tl-begin" : undefined },
        h(
          "button",
          { type: "button", class: "tl-item", onclick: () => this.host.goTo(id, pos) },
          h("span", { class: "tl-n" }, String(w.pos)),
          " ",
          action ? actionLabel(action, this.host.topologyOf(w.s)) : label,
          outcome ? h("span", { class: `tl-hr${(outcome.hresult.value >>> 0) >= 0x80000000 ? " fail" : ""}` }, ` ${outcome.hresult.text}`) : null,
        ),
      );
      this.drawn.set(fresh, { action, outcome, label, where: -1, testid: "" });
      if (li) li.replaceWith(fresh);
      this.rows.set(w.key, fresh);
      li = fresh;
    }
    // Only what changed is written: most rows keep their marks from one step to the next.
    const d = this.drawn.get(li)!;
    const where = Math.sign(w.idx - at);
    if (where !== d.where) {
      d.where = where;
      li.classList.toggle("current", where === 0);
      li.classList.toggle("future", where > 0);
      const btn = li.firstElementChild as HTMLElement;
      if (where === 0) btn.setAttribute("aria-current", "step");
      else btn.removeAttribute("aria-current");
    }
    const testid = w.s === hist.cur ? `tl-${w.pos}` : `tl-${w.s}-${w.pos}`;
    if (testid !== d.testid) {
      d.testid = testid;
      (li.firstElementChild as HTMLElement).dataset.testid = testid;
    }
    return li;
  }

  private scrollToCurrent(): void {
    const cur = this.list.querySelector<HTMLElement>(":scope > li.current");
    const box = this.list.parentElement;
    if (!cur || !box || box.clientHeight === 0) return;
    const top = cur.offsetTop - box.offsetTop;
    if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - cur.offsetHeight) box.scrollTop = Math.max(0, top - box.clientHeight / 2);
  }
}
