// The trace as an SVG sequence diagram: one lane per part, one row per
// call (arrows) or internal step (notes), a header row per step, and
// activation bars for nesting. Only the rows in view are drawn, so long
// traces stay cheap; events are appended as actions produce them. The
// "Check a trace" tab draws a recorded trace with the same view: its lanes
// are the trace's objects and its rows are numbered by line, not by step.
import { h, hex, reconcile, s, type Child } from "./dom";
import type { Topology, TraceEvent } from "./engine";
import { ruleContent, type Tips } from "./tips";

const ROW = 30;
/** The widest a lane gets; lanes shrink to fit the diagram's width, down to MIN_LANE_W. */
const LANE_W = 168;
const MIN_LANE_W = 40;
const HEAD = 46;
/** Width assumed before the diagram is laid out (a hidden tab). */
const DEFAULT_WIDTH = 900;
const BUFFER = 10;
const CHAR_W = 6.6;

type Row = { step: number; ev?: undefined } | { ev: number; step?: undefined };

interface Lane {
  key: string;
  label: string;
  sub: string;
  x: number;
}

/** A lane of the diagram: `key` is what parties' lane keys name. */
export type LaneSpec = Omit<Lane, "x">;

/** A party as the diagram needs it; `lane` overrides the lane key kind:index. */
export interface SeqParty {
  kind: string;
  index?: number;
  name: string;
  lane?: string;
}

/** A row of the diagram: the engine's TraceEvent, or a call of a recorded trace. */
export interface SeqEvent {
  seq: number;
  step: number;
  depth: number;
  caller: SeqParty;
  callee: SeqParty;
  method: string;
  args: { name: string; value: number; text: string }[];
  hresult: { value: number; text: string } | null;
  outFlags?: { value: number; text: string };
  rules: string[];
  note?: string;
}

export interface SequenceHost<E extends SeqEvent = TraceEvent> {
  tips: Tips;
  /** A row was chosen (click, Enter): show the state after its step. */
  select(ev: E | null): void;
  /** The heading of a step: its action (and answer when known). */
  stepLabel(step: number): string;
  /** "line": rows are numbered by the trace's line (`seq`), with no step headings. */
  unit?: "step" | "line";
  /** The last line of a row's tooltip. */
  chooseHint?: string;
}

function laneKey(p: SeqParty): string {
  if (p.lane !== undefined) return p.lane;
  return p.index === undefined ? p.kind : `${p.kind}:${p.index}`;
}

const KIND_LABEL: Record<string, string> = {
  client: "client",
  store: "store",
  mapi: "MAPI",
  spooler: "spooler",
  session: "session",
  transport: "transport provider",
  storeProvider: "store provider",
  storeSupport: "store support",
  sessionSupport: "session support",
  block: "block",
};

function argsShort(e: SeqEvent): string {
  return e.args.map((a) => a.text).join(", ");
}

function isFailure(e: SeqEvent): boolean {
  return !!e.hresult && (e.hresult.value >>> 0) >= 0x80000000;
}

export function eventSummary(e: SeqEvent): string {
  const who = e.caller.kind === e.callee.kind && laneKey(e.caller) === laneKey(e.callee) && e.hresult === null ? partyText(e.caller) : `${partyText(e.caller)} → ${partyText(e.callee)}`;
  const ret = e.hresult ? ` = ${e.hresult.text}${e.outFlags ? `, ${e.outFlags.text}` : ""}` : "";
  return `${who}: ${e.method}(${argsShort(e)})${ret}`;
}

function partyText(p: SeqParty): string {
  return p.kind === "client" || p.kind === "mapi" || p.kind === "spooler" ? p.name : `${KIND_LABEL[p.kind] ?? p.kind} ${p.name}`;
}

export class SequenceView<E extends SeqEvent = TraceEvent> {
  readonly el: HTMLElement;
  private readonly host: SequenceHost<E>;
  private readonly scroller: HTMLElement;
  private readonly head: SVGSVGElement;
  private readonly body: HTMLElement;
  private readonly win: SVGSVGElement;
  private readonly empty: HTMLElement;
  private lanes: Lane[] = [];
  private specs: LaneSpec[] = [];
  private laneW = LANE_W;
  private gutter = 64;
  private fitWidth = 0;
  private detail: { el: HTMLElement; ev: number } | null = null;
  private pointerFocus = false;
  private laneIndex = new Map<string, number>();
  private width = 400;
  private events: E[] = [];
  private rows: Row[] = [];
  private rowOfEvent: number[] = [];
  private parent: number[] = [];
  private end: number[] = [];
  private stack: number[] = [];
  private stepsShown = 0;
  private active = -1;
  private selected = -1;
  private highlightStep = -1;
  private frame = 0;
  private retip = false;
  /**
   * The rows drawn, by row index, with what they showed: a render keeps the
   * rows that are still in view and unchanged, and draws only the others, so
   * that a step adds its own rows instead of redrawing the window.
   */
  private drawn = new Map<number, { key: string; el: SVGElement }>();
  /** Bumped when every drawn row is stale (lanes laid out again, a new trace). */
  private drawVersion = 0;
  private readonly shift: SVGGElement = s("g", { role: "none" });
  private readonly bands: SVGGElement = s("g", { role: "none" });
  private readonly lanesG: SVGGElement = s("g", { "aria-hidden": "true", class: "lanes" });
  private readonly barsG: SVGGElement = s("g", { "aria-hidden": "true" });
  private readonly evRows: SVGGElement = s("g", { role: "none" });
  private readonly idPrefix: string;

  constructor(host: SequenceHost<E>) {
    this.host = host;
    this.idPrefix = `ev${Math.random().toString(36).slice(2, 7)}`;
    this.head = s("svg", { class: "seq-head", "aria-hidden": "true", height: HEAD });
    this.win = s("svg", { class: "seq-win", role: "none" });
    // Rows are drawn at their place in the whole diagram; the window shifts them up to its top.
    this.shift.append(this.bands, this.lanesG, this.barsG, this.evRows);
    this.win.append(this.shift);
    this.body = h(
      "div",
      {
        class: "seq-body",
        role: "listbox",
        tabindex: 0,
        "aria-label": `Sequence diagram of the trace. Arrow keys move between calls, Enter ${this.enterDoes()}.`,
        "data-testid": "sequence",
      },
      this.win,
    );
    this.empty = h("p", { class: "muted seq-empty" }, "No calls yet.");
    this.scroller = h("div", { class: "seq-scroller" }, this.head, this.body);
    this.el = h("div", { class: "sequence" }, this.empty, this.scroller);
    this.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.body.addEventListener("keydown", (ev) => this.onKey(ev));
    // A click on an unfocused diagram focuses it: the click, not the focus, chooses the row.
    this.body.addEventListener("pointerdown", () => (this.pointerFocus = true));
    this.body.addEventListener("focus", () => {
      if (this.pointerFocus) {
        this.pointerFocus = false;
        return;
      }
      if (this.active < 0) this.moveActive(this.firstEventRow(Math.floor(this.scroller.scrollTop / ROW)), false);
      else this.showActiveTip();
    });
    this.body.addEventListener("pointerup", () => (this.pointerFocus = false));
    this.body.addEventListener("blur", () => this.host.tips.hide());
    this.win.addEventListener("mouseover", (ev) => {
      const g = (ev.target as Element).closest?.("[data-ev]");
      if (g) this.tipFor(Number(g.getAttribute("data-ev")), g.getBoundingClientRect(), ev as MouseEvent);
    });
    this.win.addEventListener("mouseleave", () => this.host.tips.hide());
    this.win.addEventListener("click", (ev) => {
      const g = (ev.target as Element).closest?.("[data-ev]");
      if (!g) return;
      const i = Number(g.getAttribute("data-ev"));
      this.active = this.rowOfEvent[i] ?? -1;
      this.choose(i);
    });
    if (typeof ResizeObserver !== "undefined")
      new ResizeObserver(() => {
        if (this.scroller.clientWidth > 0 && Math.abs(this.scroller.clientWidth - this.fitWidth) > 1) this.layout();
        this.schedule();
      }).observe(this.scroller);
  }

  setTopology(topo: Topology): void {
    const lanes: LaneSpec[] = [{ key: "client", label: "client", sub: "application" }];
    topo.stores.forEach((st, i) => lanes.push({ key: `store:${i}`, label: st.name, sub: "store (IMsgStore)" }));
    lanes.push({ key: "mapi", label: "MAPI", sub: "support, allocator" });
    lanes.push({ key: "spooler", label: "spooler", sub: "MAPI spooler" });
    topo.sessions.forEach((se, i) => lanes.push({ key: `session:${i}`, label: se.name, sub: "session (IXPLogon)" }));
    topo.transports.forEach((t, i) => lanes.push({ key: `transport:${i}`, label: t.name, sub: "IXPProvider" }));
    topo.storeProviders.forEach((p, i) => lanes.push({ key: `storeProvider:${i}`, label: p, sub: "IMSProvider" }));
    this.setLanes(lanes);
  }

  /** Sets the lanes, left to right. */
  setLanes(lanes: LaneSpec[]): void {
    this.specs = lanes;
    this.layout();
  }

  /**
   * Fits the lanes into the diagram's width: lanes narrow (down to
   * MIN_LANE_W) and their names wrap before the diagram scrolls sideways,
   * so that every lane of a 7-lane situation shows on a phone.
   */
  private layout(): void {
    const avail = this.scroller.clientWidth || this.fitWidth || DEFAULT_WIDTH;
    this.fitWidth = this.scroller.clientWidth;
    const n = Math.max(1, this.specs.length);
    this.gutter = avail < 600 ? 30 : 56;
    // Room on the right for the labels of the last lane's notes, when there is width to spare.
    const spare = avail - this.gutter - n * LANE_W;
    this.laneW = spare >= 120 ? LANE_W : Math.max(MIN_LANE_W, Math.floor((avail - this.gutter - 8) / n));
    this.lanes = this.specs.map((l, i) => ({ ...l, x: this.gutter + this.laneW / 2 + i * this.laneW }));
    this.laneIndex = new Map(this.lanes.map((l, i) => [l.key, i]));
    this.width = Math.max(avail, this.gutter + this.lanes.length * this.laneW + 8);
    this.head.setAttribute("width", String(this.width));
    const w = this.laneW;
    // Narrow lanes: smaller names, no second line of kind (the tooltip and the title give it).
    const narrow = w < 80;
    this.head.classList.toggle("narrow", narrow);
    const chars = Math.max(4, Math.floor((w - 6) / (narrow ? 5.6 : 6.4)));
    this.head.replaceChildren(
      s("rect", { class: "seq-head-bg", x: 0, y: 0, width: this.width, height: HEAD }),
      ...this.lanes.map((l) => {
        const [line1, line2] = wrap(l.label, chars);
        return s(
          "g",
          null,
          s("title", null, `${l.label} (${l.sub})`),
          s("rect", { class: "lane-box", x: l.x - w / 2 + 3, y: 4, width: w - 6, height: HEAD - 10, rx: 5 }),
          s("text", { class: "lane-name", x: l.x, y: line2 ? 19 : narrow ? 25 : 21, "text-anchor": "middle" }, line1),
          line2
            ? s("text", { class: "lane-name", x: l.x, y: 31, "text-anchor": "middle" }, line2)
            : narrow
              ? null
              : s("text", { class: "lane-sub", x: l.x, y: 35, "text-anchor": "middle" }, clip(l.sub, chars + 2)),
        );
      }),
    );
    this.body.style.setProperty("width", `${this.width}px`);
    this.drawVersion++;
    this.placeDetail();
    this.schedule();
  }

  /** How wide lanes are now (tests check that they fit). */
  laneWidth(): number {
    return this.laneW;
  }

  /**
   * Shows `el` right under the row of event `ev` (the state after that
   * call), or removes it (null). The element is moved, not copied.
   */
  showDetail(el: HTMLElement | null, ev = -1): void {
    if (this.detail && this.detail.el !== el) this.detail.el.classList.remove("seq-detail");
    if (!el) {
      this.detail = null;
      return;
    }
    this.detail = { el, ev };
    el.classList.add("seq-detail");
    this.scroller.append(el);
    this.placeDetail();
    const r = this.rowOfEvent[ev];
    if (r !== undefined) {
      // The chosen row at the top of the view, the state under it.
      const top = r * ROW;
      if (top < this.scroller.scrollTop || top > this.scroller.scrollTop + ROW * 2) this.scroller.scrollTop = Math.max(0, top - ROW);
    }
  }

  private placeDetail(): void {
    if (!this.detail) return;
    const r = this.rowOfEvent[this.detail.ev] ?? 0;
    this.detail.el.style.setProperty("top", `${HEAD + (r + 1) * ROW + 2}px`);
  }

  /** Replaces the whole trace; `steps` actions are applied. */
  reset(events: E[], steps: number): void {
    this.events = [];
    this.rows = [];
    this.rowOfEvent = [];
    this.parent = [];
    this.end = [];
    this.stack = [];
    this.stepsShown = 0;
    this.active = -1;
    this.selected = -1;
    this.highlightStep = -1;
    this.drawVersion++;
    this.append(events, steps, false);
  }

  /** Adds the events of newly applied steps and scrolls to them. */
  append(events: E[], steps: number, scroll = true): void {
    let k = 0;
    const firstNewRow = this.rows.length;
    for (let st = this.stepsShown + 1; st <= steps; st++) {
      this.rows.push({ step: st });
      while (k < events.length && events[k]!.step <= st) this.pushEvent(events[k++]!);
    }
    while (k < events.length) this.pushEvent(events[k++]!);
    this.stepsShown = Math.max(this.stepsShown, steps);
    this.body.style.setProperty("height", `${Math.max(ROW, this.rows.length * ROW)}px`);
    this.empty.hidden = this.rows.length > 0;
    this.scroller.hidden = this.lanes.length === 0 && this.rows.length === 0;
    const size = this.lineMode() ? `${this.events.length} calls` : `${this.events.length} calls in ${this.stepsShown} steps`;
    this.body.setAttribute("aria-label", `Sequence diagram of the trace: ${size}. Arrow keys move between calls, Enter ${this.enterDoes()}.`);
    if (scroll && this.rows.length > firstNewRow) {
      const view = this.scroller.clientHeight - HEAD;
      const lastTop = this.rows.length * ROW - view;
      this.scroller.scrollTop = Math.max(0, Math.min(firstNewRow * ROW, lastTop));
    }
    this.schedule();
  }

  private lineMode(): boolean {
    return this.host.unit === "line";
  }

  private enterDoes(): string {
    return this.lineMode() ? "selects a call" : "shows the state after a call";
  }

  private pushEvent(e: E): void {
    const i = this.events.length;
    this.events.push(e);
    this.rowOfEvent.push(this.rows.length);
    this.rows.push({ ev: i });
    while (this.stack.length && this.events[this.stack[this.stack.length - 1]!]!.depth >= e.depth) this.stack.pop();
    const p = this.stack.length ? this.stack[this.stack.length - 1]! : -1;
    this.parent.push(p);
    this.end.push(i);
    for (let a = p; a >= 0; a = this.parent[a]!) this.end[a] = i;
    this.stack.push(i);
  }

  eventCount(): number {
    return this.events.length;
  }

  /** Selects event `i` (highlighted, the keyboard's row) and scrolls it to the middle of the view. */
  reveal(i: number): void {
    const r = this.rowOfEvent[i];
    if (r === undefined) return;
    this.setSelected(i);
    this.active = r;
    const view = Math.max(ROW, this.scroller.clientHeight - HEAD);
    const top = r * ROW;
    if (top < this.scroller.scrollTop || top + ROW > this.scroller.scrollTop + view) {
      this.scroller.scrollTop = Math.max(0, top - Math.floor(view / 2));
    }
    this.renderNow();
  }

  selectedEvent(): number {
    return this.selected;
  }

  /** Highlights the rows of a step (the selected event's) or none. */
  setSelected(ev: number): void {
    this.selected = ev;
    this.highlightStep = ev >= 0 ? (this.events[ev]?.step ?? -1) : -1;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Draws the rows in view now (tests and keyboard moves need it synchronously). */
  renderNow(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.render();
  }

  private window(): [number, number] {
    const top = this.scroller.scrollTop;
    const height = Math.max(this.scroller.clientHeight, 300);
    const first = Math.max(0, Math.floor(top / ROW) - BUFFER);
    const last = Math.min(this.rows.length, Math.ceil((top + height) / ROW) + BUFFER);
    return [first, last];
  }

  private laneX(p: SeqParty): number {
    const i = this.laneIndex.get(laneKey(p));
    return i === undefined ? this.gutter / 2 : this.lanes[i]!.x;
  }

  /** Where a label of `chars` characters starts, at `x` or further left so it fits; and how many characters fit. */
  private fit(x: number, chars: number): [number, number] {
    const room = this.width - 6;
    const start = Math.max(this.gutter - 4, Math.min(x, room - chars * CHAR_W));
    return [start, Math.max(8, Math.floor((room - start) / CHAR_W))];
  }

  /** How many open activations of the same lane enclose event i (its bar's offset). */
  private level(i: number): number {
    const lane = laneKey(this.events[i]!.callee);
    let n = 0;
    for (let a = this.parent[i]!; a >= 0; a = this.parent[a]!) if (laneKey(this.events[a]!.callee) === lane) n++;
    return n;
  }

  private render(): void {
    const [first, last] = this.window();
    const height = Math.max(0, (last - first) * ROW);
    this.win.setAttribute("width", String(this.width));
    this.win.setAttribute("height", String(height));
    this.win.style.setProperty("top", `${first * ROW}px`);
    this.shift.setAttribute("transform", `translate(0 ${-first * ROW})`);
    // Step bands and event rows: kept when still in view and unchanged.
    const bands: SVGElement[] = [];
    const evs: SVGElement[] = [];
    const keep = new Set<number>();
    for (let r = first; r < last; r++) {
      const row = this.rows[r]!;
      keep.add(r);
      if (row.step !== undefined) {
        const label = `Step ${row.step} · ${this.host.stepLabel(row.step)}`;
        const hl = row.step === this.highlightStep;
        bands.push(
          this.keyed(r, `${this.drawVersion} s ${hl} ${label}`, () => {
            const y = r * ROW;
            return s(
              "g",
              { class: `step-row${hl ? " hl" : ""}`, "aria-hidden": "true" },
              s("rect", { x: 0, y: y + 2, width: this.width, height: ROW - 4 }),
              s("text", { x: 8, y: y + 20 }, clip(label, Math.max(20, Math.floor((this.width - 16) / 7)))),
            );
          }),
        );
      } else {
        const i = row.ev;
        const e = this.events[i]!;
        const marks = `${r === this.active ? "a" : ""}${i === this.selected ? "s" : ""}${e.step === this.highlightStep ? "h" : ""}`;
        evs.push(this.keyed(r, `${this.drawVersion} e ${i} ${marks}`, () => this.eventRow(i, r, r * ROW)));
      }
    }
    for (const r of this.drawn.keys()) if (!keep.has(r)) this.drawn.delete(r);
    reconcile(this.bands, bands);
    reconcile(this.evRows, evs);
    this.lanesG.replaceChildren(...this.lanes.map((l) => s("line", { class: "lane", x1: l.x, x2: l.x, y1: first * ROW, y2: first * ROW + height })));
    // Activation bars of the events in view and of those enclosing the first.
    const bars = new Set<number>();
    const firstEv = this.firstEventRow(first);
    if (firstEv >= 0 && firstEv < this.rows.length) {
      const e0 = this.rows[firstEv]!.ev;
      if (e0 !== undefined) for (let a = this.parent[e0]!; a >= 0; a = this.parent[a]!) bars.add(a);
    }
    for (let r = first; r < last; r++) {
      const ev = this.rows[r]!.ev;
      if (ev !== undefined && this.end[ev]! > ev) bars.add(ev);
    }
    const barEls: SVGElement[] = [];
    for (const ev of bars) {
      const e = this.events[ev]!;
      const r0 = this.rowOfEvent[ev]!;
      const r1 = this.rowOfEvent[this.end[ev]!]!;
      const y0 = Math.max(first * ROW, r0 * ROW + ROW - 8);
      const y1 = Math.min(first * ROW + height, r1 * ROW + ROW - 2);
      if (y1 <= y0) continue;
      const x = this.laneX(e.callee) - 4 + this.level(ev) * 5;
      barEls.push(s("rect", { class: "activation", x, y: y0, width: 8, height: y1 - y0 }));
    }
    this.barsG.replaceChildren(...barEls);
    if (this.retip) {
      this.retip = false;
      this.showActiveTip();
    }
    if (this.active >= 0 && this.rows[this.active]?.ev !== undefined) {
      this.body.setAttribute("aria-activedescendant", this.rowId(this.rows[this.active]!.ev!));
    } else {
      this.body.removeAttribute("aria-activedescendant");
    }
  }

  /** The drawn element of row `r` if it still shows `key`, else a new one. */
  private keyed(r: number, key: string, build: () => SVGElement): SVGElement {
    const d = this.drawn.get(r);
    if (d && d.key === key) return d.el;
    const el = build();
    this.drawn.set(r, { key, el });
    return el;
  }

  private rowId(ev: number): string {
    return `${this.idPrefix}-${ev}`;
  }

  private eventRow(i: number, r: number, y: number): SVGElement {
    const e = this.events[i]!;
    const x1 = this.laneX(e.caller);
    const x2 = this.laneX(e.callee);
    const fail = isFailure(e);
    const internal = e.hresult === null;
    const self = laneKey(e.caller) === laneKey(e.callee);
    const cls = ["ev", r === this.active ? "active" : "", i === this.selected ? "selected" : "", e.step === this.highlightStep ? "in-step" : "", fail ? "fail" : ""].filter(Boolean).join(" ");
    const shapes: SVGElement[] = [s("rect", { class: "hit", x: 0, y, width: this.width, height: ROW })];
    const seqText = this.lineMode() ? `L${e.seq}` : `#${e.seq}`;
    let labelText: string;
    let labelAttrs: Record<string, string | number>;
    if (internal || self) {
      const text = `${e.method}(${e.args.map((a) => `${a.name}=${a.text}`).join(", ")})${e.hresult ? ` → ${e.hresult.text}` : ""}${e.note ? ` — ${e.note}` : ""}`;
      const ruleChars = e.rules.length ? e.rules.join(" ").length + 1 : 0;
      const [x, room] = this.fit(x1 + 8 + (self ? this.level(i) * 5 : 0), Math.min(110, text.length) + ruleChars + 3);
      labelText = clip(text, Math.min(110, room - ruleChars - 3));
      const chars = labelText.length + ruleChars;
      shapes.push(s("rect", { class: internal ? "note" : "note self", x, y: y + 5, width: Math.min(chars * CHAR_W + 16, this.width - x - 2), height: ROW - 10, rx: 3 }));
      labelAttrs = { class: "note-text", x: x + 7, y: y + 19 };
    } else {
      const ay = y + 22;
      const dir = x2 > x1 ? 1 : -1;
      const off = 4 + this.level(i) * 5;
      const xs = x1 + dir * 4;
      const xe = x2 - dir * off;
      shapes.push(
        s("line", { class: "arrow", x1: xs, y1: ay, x2: xe, y2: ay }),
        s("path", { class: "arrow-head", d: `M ${xe} ${ay} l ${-dir * 8} -4 v 8 z` }),
      );
      const indent = "· ".repeat(Math.min(e.depth, 6));
      const full = `${indent}${e.method}(${argsShort(e)}) → ${e.hresult!.text}${e.outFlags ? `, ${e.outFlags.text}` : ""}`;
      const ruleChars = e.rules.length ? e.rules.join(" ").length + 1 : 0;
      const [x, room] = this.fit(Math.min(x1, x2) + 8, Math.min(120, full.length) + ruleChars);
      labelText = clip(full, Math.min(120, room - ruleChars));
      labelAttrs = { class: "lbl", x, y: y + 15 };
    }
    const rulesText = e.rules.join(" ");
    // All the row's words in one <text>, in reading order, so that its
    // accessible name (which adds the details) starts with what is visible.
    const text = s(
      "text",
      null,
      s("tspan", { class: "seq-no", x: 6, y: y + 19 }, `${seqText} `),
      s("tspan", labelAttrs, rulesText ? `${labelText} ` : labelText),
      rulesText ? s("tspan", { class: "ev-rules", dx: 6 }, rulesText) : null,
    );
    const who = e.hresult === null ? `${partyText(e.caller)}, internal step` : `${partyText(e.caller)} calls ${partyText(e.callee)}`;
    return s(
      "g",
      {
        class: cls,
        role: "option",
        id: this.rowId(i),
        "data-ev": i,
        "data-testid": `ev-${i}`,
        "data-seq": e.seq,
        "aria-selected": i === this.selected ? "true" : "false",
        "aria-label": `${seqText} ${labelText}${rulesText ? ` ${rulesText}` : ""}. ${this.lineMode() ? `Line ${e.seq}` : `Step ${e.step}`}, depth ${e.depth}, ${who}: ${eventSummary(e)}${e.note ? `. ${e.note}` : ""}`,
      },
      shapes,
      text,
    );
  }

  private firstEventRow(from: number): number {
    for (let r = Math.max(0, from); r < this.rows.length; r++) if (this.rows[r]!.ev !== undefined) return r;
    return -1;
  }

  private tipContent(i: number): Child {
    const e = this.events[i]!;
    return [
      h("div", { class: "tip-title" }, h("strong", null, e.method), this.lineMode() ? ` · line ${e.seq} · depth ${e.depth}` : ` · call #${e.seq} · step ${e.step} · depth ${e.depth}`),
      h("div", null, e.hresult === null ? `${partyText(e.caller)} (internal step)` : `${partyText(e.caller)} → ${partyText(e.callee)}`),
      e.args.length
        ? h(
            "table",
            { class: "tip-args" },
            h("tbody", null, e.args.map((a) => h("tr", null, h("th", { scope: "row" }, a.name), h("td", null, a.text), h("td", { class: "muted" }, hex(a.value))))),
          )
        : h("div", { class: "muted" }, "No arguments."),
      e.hresult ? h("div", null, "HRESULT: ", h("strong", null, e.hresult.text), " ", h("span", { class: "muted" }, hex(e.hresult.value))) : null,
      e.outFlags ? h("div", null, "Out flags: ", h("strong", null, e.outFlags.text), " ", h("span", { class: "muted" }, hex(e.outFlags.value))) : null,
      e.note ? h("div", { class: "tip-note" }, e.note) : null,
      e.rules.length ? h("div", { class: "tip-rules" }, e.rules.map((r) => h("div", null, ruleContent(r)))) : null,
      h("div", { class: "muted" }, this.host.chooseHint ?? "Click or press Enter to see the state after this step."),
    ];
  }

  private tipFor(i: number, rect: DOMRect, mouse?: MouseEvent): void {
    // A row drawn before the trace was replaced (its window is redrawn in the next frame).
    if (!this.events[i]) return;
    if (mouse) {
      this.host.tips.showAt({ left: mouse.clientX + 12, right: mouse.clientX + 12, top: rect.top, bottom: rect.bottom }, this.tipContent(i));
    } else {
      this.host.tips.showAt({ left: rect.left + 80, right: rect.left + 80, top: rect.top, bottom: rect.bottom }, this.tipContent(i));
    }
  }

  private showActiveTip(): void {
    const ev = this.rows[this.active]?.ev;
    if (ev === undefined) return;
    const g = this.win.querySelector(`[data-ev="${ev}"]`);
    if (g) this.tipFor(ev, g.getBoundingClientRect());
  }

  private choose(i: number): void {
    this.setSelected(i);
    this.renderNow();
    this.host.select(this.events[i] ?? null);
  }

  /** Moves the keyboard's row to `r` (an event row), scrolling it into view. */
  private moveActive(r: number, tip = true): void {
    if (r < 0 || r >= this.rows.length) return;
    this.active = r;
    const top = r * ROW;
    const view = this.scroller.clientHeight - HEAD;
    const before = this.scroller.scrollTop;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = Math.max(0, top - ROW);
    else if (top + ROW > this.scroller.scrollTop + view) this.scroller.scrollTop = top + 2 * ROW - view;
    this.renderNow();
    if (tip) {
      this.showActiveTip();
      // The scroll event (which hides tooltips) comes with the next frame: show it again then.
      if (this.scroller.scrollTop !== before) this.retip = true;
    }
  }

  private step(from: number, dir: 1 | -1, count = 1): number {
    let r = from;
    let found = from;
    let left = count;
    while (left > 0) {
      r += dir;
      if (r < 0 || r >= this.rows.length) break;
      if (this.rows[r]!.ev !== undefined) {
        found = r;
        left--;
      }
    }
    return found;
  }

  private onKey(ev: KeyboardEvent): void {
    if (!this.events.length) return;
    const page = Math.max(1, Math.floor((this.scroller.clientHeight - HEAD) / ROW) - 1);
    const cur = this.active >= 0 ? this.active : this.firstEventRow(0);
    let next = -2;
    switch (ev.key) {
      case "ArrowDown":
        next = this.active < 0 ? cur : this.step(cur, 1);
        break;
      case "ArrowUp":
        next = this.step(cur, -1);
        break;
      case "PageDown":
        next = this.step(cur, 1, page);
        break;
      case "PageUp":
        next = this.step(cur, -1, page);
        break;
      case "Home":
        next = this.firstEventRow(0);
        break;
      case "End":
        next = this.step(this.rows.length, -1);
        break;
      case "Enter":
      case " ": {
        const e = this.rows[cur]?.ev;
        if (e !== undefined) {
          this.active = cur;
          this.choose(e);
          this.showActiveTip();
        }
        ev.preventDefault();
        return;
      }
      case "Escape":
        if (this.selected >= 0) {
          this.setSelected(-1);
          this.host.select(null);
          ev.stopPropagation();
        }
        return;
      default:
        return;
    }
    ev.preventDefault();
    this.moveActive(next);
  }
}

function clip(text: string, n: number): string {
  return text.length > n ? text.slice(0, Math.max(1, n - 1)) + "…" : text;
}

/** A lane name on one or two lines of `n` characters (breaking at a space, a dot or a capital when it can). */
function wrap(text: string, n: number): [string, string | null] {
  if (text.length <= n) return [text, null];
  let cut = -1;
  for (let i = Math.min(n, text.length - 1); i > n / 3; i--) {
    if (text[i] === " " || text[i] === "." || text[i] === "-" || (/[A-Z]/.test(text[i]!) && /[a-z]/.test(text[i - 1]!))) {
      cut = i;
      break;
    }
  }
  if (cut < 0) cut = n;
  const first = text.slice(0, cut).trimEnd();
  return [first, clip(text.slice(cut).trimStart(), n)];
}
