// The history: the one model of going back and forward. Every change the
// visitor makes is a row of one list, and the current row is where the page
// is. Undo is the row before, Redo the row after, choosing a row goes there;
// the history panel and the toolbar's Undo and Redo move the same marker.
//
// The list is made of stretches. A stretch is a situation (never changed
// once made) and the steps applied to it: opening a scenario starts one at
// its step 0, a change to the situation starts one at the step where it was
// made. A stretch's rows are its positions `from`..`doc.actions.length`.
//
// A change made on an earlier row drops every row after it, the rows that
// Redo would have restored: an operation after going back replaces the
// steps that were undone; opening a scenario does the same. A change to the
// situation carries the steps still waiting with it (they are re-applied to
// the changed situation, where they apply, as rows after the change).
import type { Action, Scenario, Topology } from "./engine";
import type { Doc } from "./doc";

export type StretchKind = "open" | "edit";

export interface Stretch {
  /** Unique for the page's life (rows are keyed by it). */
  readonly id: number;
  /** The situation (fixed for the stretch), the steps and the position in them. */
  doc: Doc;
  /** The first position that is a row: 0 for an opened scenario, the step of the change for an edited situation. */
  readonly from: number;
  readonly kind: StretchKind;
  /** How it began: the scenario's name, or what changed in the situation. */
  readonly label: string;
  /** The preset it was opened from, if any. */
  readonly preset: string | null;
  /** The stretch's topology (it depends only on its situation), once known. */
  topo: Topology | null;
  /** Its steps when it began: `doc.actions` is this same array until an operation replaces steps. */
  readonly opened: readonly Action[];
}

/** A row: position `pos` of stretch number `s`. */
export interface Row {
  s: number;
  pos: number;
}

/** How many stretches the history keeps (the oldest go first). */
export const MAX_STRETCHES = 300;

let nextStretchId = 1;

export function stretch(doc: Doc, kind: StretchKind, label: string, preset: string | null = null, topo: Topology | null = null): Stretch {
  return { id: nextStretchId++, doc, from: kind === "edit" ? doc.pos : 0, kind, label, preset, topo, opened: doc.actions };
}

export class History {
  stretches: Stretch[];
  cur = 0;

  constructor(first: Stretch) {
    this.stretches = [first];
  }

  get current(): Stretch {
    return this.stretches[this.cur]!;
  }

  get doc(): Doc {
    return this.current.doc;
  }

  set doc(d: Doc) {
    this.current.doc = d;
  }

  get base(): Scenario {
    return this.doc.base;
  }

  /** The last row of stretch `s`. */
  private end(s: number): number {
    return this.stretches[s]!.doc.actions.length;
  }

  /** The row Undo goes to, or null at the first row. */
  prev(): Row | null {
    const st = this.current;
    if (st.doc.pos > st.from) return { s: this.cur, pos: st.doc.pos - 1 };
    if (this.cur > 0) return { s: this.cur - 1, pos: this.end(this.cur - 1) };
    return null;
  }

  /** The row Redo goes to, or null at the last row. */
  next(): Row | null {
    const st = this.current;
    if (st.doc.pos < st.doc.actions.length) return { s: this.cur, pos: st.doc.pos + 1 };
    if (this.cur < this.stretches.length - 1) return { s: this.cur + 1, pos: this.stretches[this.cur + 1]!.from };
    return null;
  }

  first(): Row {
    return { s: 0, pos: this.stretches[0]!.from };
  }

  last(): Row {
    const s = this.stretches.length - 1;
    return { s, pos: this.end(s) };
  }

  /** The row's place in the whole list (0-based). */
  index(row: Row): number {
    let i = 0;
    for (let s = 0; s < row.s; s++) i += this.end(s) - this.stretches[s]!.from + 1;
    return i + row.pos - this.stretches[row.s]!.from;
  }

  count(): number {
    return this.index(this.last()) + 1;
  }

  /** The index of the stretch with this id, or -1. */
  find(id: number): number {
    return this.stretches.findIndex((st) => st.id === id);
  }

  /**
   * Drops every row after the current one (what Redo would have
   * restored): the later stretches and the current stretch's steps after
   * its position. Called before any change.
   */
  dropAfter(): void {
    this.stretches.length = this.cur + 1;
    const d = this.doc;
    if (d.pos < d.actions.length) this.doc = { ...d, actions: d.actions.slice(0, d.pos), outcomes: d.outcomes.slice(0, d.pos) };
  }

  /** A new stretch after the current row (the rows after it are dropped); it becomes current. */
  push(st: Stretch): void {
    this.dropAfter();
    this.stretches.push(st);
    if (this.stretches.length > MAX_STRETCHES) this.stretches.shift();
    this.cur = this.stretches.length - 1;
  }

  /** Forgets every stretch but the current one (after the page's first load). */
  forgetOthers(): void {
    this.stretches = [this.current];
    this.cur = 0;
  }
}
