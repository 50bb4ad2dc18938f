// The document the playground edits: the situation (a scenario without
// actions), the action history (including undone actions that can be
// redone) and the position in it. Documents are immutable values: every
// change makes a new one, so undo keeps old ones as they are.
import { Simulation, actionLabel, errorText, topologyOf, withSimulation } from "./engine";
import type { Action, Outcome, Scenario, Topology } from "./engine";

/** Stable identities of the parts, so actions follow a part when others are removed. */
export interface Uids {
  stores: number[];
  transports: number[];
  /** Per transport, its sessions. */
  sessions: number[][];
}

export interface Doc {
  /** The situation: parts and settings, `actions` always empty. */
  readonly base: Scenario;
  readonly uids: Uids;
  /** The whole history; `actions.slice(0, pos)` are applied. */
  readonly actions: readonly Action[];
  readonly pos: number;
  /** Outcomes known for history entries (index = action index). */
  readonly outcomes: readonly (Outcome | undefined)[];
}

export interface Dropped {
  label: string;
  reason: string;
}

let nextUid = 1;
export function newUid(): number {
  return nextUid++;
}

export function freshUids(base: Scenario): Uids {
  return {
    stores: (base.stores ?? []).map(() => newUid()),
    transports: (base.transports ?? []).map(() => newUid()),
    sessions: (base.transports ?? []).map((t) => (t.sessions ?? []).map(() => newUid())),
  };
}

export const EMPTY_SCENARIO: Scenario = { version: 1, stores: [], transports: [], actions: [] };

/** The scenario's parts in the engine's normal form (defaults written out). Throws on invalid input. */
export function normalizeBase(sc: Scenario): Scenario {
  const base = withSimulation({ ...sc, actions: [] }, (sim) => sim.toScenario());
  return { ...base, actions: [] };
}

function failingIndex(e: unknown): number {
  const path = typeof e === "object" && e !== null && "path" in e ? String((e as { path: unknown }).path) : "";
  const m = /^actions\[(\d+)\]/.exec(path);
  return m ? Number(m[1]) : -1;
}

/** Strips the "actions[3]." prefix from an engine message. */
function reasonOf(e: unknown): string {
  return errorText(e).replace(/^actions\[\d+\](\.[\w.[\]]+)?: /, "");
}

/**
 * Drops every action of the history that no longer applies (malformed,
 * naming a part that is gone, or spooler work that cannot happen), in
 * order, and says why. Throws when the situation itself is invalid.
 */
export function repair(base: Scenario, actions: readonly Action[], pos: number, topo: Topology | null): { actions: Action[]; pos: number; dropped: Dropped[] } {
  const acts = actions.slice();
  let p = Math.max(0, Math.min(pos, acts.length));
  const dropped: Dropped[] = [];
  for (;;) {
    try {
      withSimulation({ ...base, actions: acts }, () => undefined);
      return { actions: acts, pos: p, dropped };
    } catch (e) {
      const i = failingIndex(e);
      if (i < 0) throw e;
      let label: string;
      try {
        label = actionLabel(acts[i]!, topo);
      } catch {
        label = "an unreadable action";
      }
      dropped.push({ label: `step ${i + 1}: ${label}`, reason: reasonOf(e) });
      if (dropped.length >= 200) {
        // A hostile history: stop checking one by one.
        dropped.push({ label: `steps ${i + 1}–${acts.length}`, reason: "too many actions fail; the rest of the history was dropped" });
        acts.length = i;
        p = Math.min(p, i);
        continue;
      }
      acts.splice(i, 1);
      if (i < p) p -= 1;
    }
  }
}

/**
 * The actions of `old`, rewritten for a new situation: parts are followed
 * by identity (a store keeps its actions when another store is removed),
 * address types by name. Actions naming a removed part are dropped.
 */
export function remapActions(old: Doc, oldTopo: Topology, newUids: Uids, newTopo: Topology): { actions: Action[]; pos: number; dropped: Dropped[] } {
  const oldSessions = old.uids.sessions.flat();
  const newSessions = newUids.sessions.flat();
  const actions: Action[] = [];
  const dropped: Dropped[] = [];
  let pos = old.pos;
  old.actions.forEach((a, k) => {
    let reason: string | null = null;
    const next: Record<string, unknown> = { ...a };
    if ("store" in a) {
      const i = newUids.stores.indexOf(old.uids.stores[a.store] ?? -1);
      if (i < 0) reason = `store “${oldTopo.stores[a.store]?.name ?? a.store}” was removed`;
      else next.store = i;
    }
    if ("session" in a) {
      const i = newSessions.indexOf(oldSessions[a.session] ?? -1);
      if (i < 0) reason = `session “${oldTopo.sessions[a.session]?.name ?? a.session}” was removed`;
      else next.session = i;
    }
    if ("transport" in a) {
      const i = newUids.transports.indexOf(old.uids.transports[a.transport] ?? -1);
      if (i < 0) reason = `transport provider “${oldTopo.transports[a.transport]?.name ?? a.transport}” was removed`;
      else next.transport = i;
    }
    if (a.type === "submitMessage") {
      // Actions may name their address type ("SMTP") or give its index.
      const name = typeof a.addressType === "number" ? oldTopo.addressTypes[a.addressType] : a.addressType;
      const i = name === undefined ? -1 : newTopo.addressTypes.indexOf(name);
      if (i < 0) reason = `address type ${name ?? a.addressType} is no longer used by any store or session`;
      else next.addressType = i;
    }
    if (reason) {
      dropped.push({ label: `step ${k + 1}: ${actionLabel(a, oldTopo)}`, reason });
      if (k < old.pos) pos -= 1;
    } else {
      actions.push(next as unknown as Action);
    }
  });
  return { actions, pos, dropped };
}

/** A simulation at the document's position (the document must be valid). */
export function simulationAt(doc: Doc): Simulation {
  return new Simulation({ ...doc.base, actions: doc.actions.slice(0, doc.pos) as Action[] });
}

/** The outcome of history entry `i` (0-based), from the cache or by replay. */
export function outcomeOf(doc: Doc, i: number): Outcome | undefined {
  const known = doc.outcomes[i];
  if (known) return known;
  const a = doc.actions[i];
  if (!a) return undefined;
  try {
    return withSimulation({ ...doc.base, actions: doc.actions.slice(0, i) as Action[] }, (sim) => sim.apply(a));
  } catch {
    return undefined;
  }
}

export function topologyOfDoc(doc: Doc): Topology {
  return topologyOf(doc.base);
}

/** The scenario with the whole history (for sharing). */
export function fullScenario(doc: Doc): Scenario {
  return { ...doc.base, actions: doc.actions.slice() as Action[] };
}

/** What changed between two situations, in a few words (the history's row for an edit). */
export function describeEdit(old: Scenario, next: Scenario, oldTopo: Topology, newTopo: Topology): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const parts: [string, string[], string[], readonly unknown[], readonly unknown[]][] = [
    ["store", oldTopo.stores.map((s) => s.name), newTopo.stores.map((s) => s.name), old.stores ?? [], next.stores ?? []],
    ["transport provider", oldTopo.transports.map((t) => t.name), newTopo.transports.map((t) => t.name), old.transports ?? [], next.transports ?? []],
    ["session", oldTopo.sessions.map((s) => s.name), newTopo.sessions.map((s) => s.name), [], []],
  ];
  for (const [what, before, after] of parts) {
    if (after.length > before.length) {
      const added = after.filter((n) => !before.includes(n));
      return added.length === 1 ? `added ${what} ${added[0]}` : `added ${count(after.length - before.length, what)}`;
    }
    if (after.length < before.length) {
      const removed = before.filter((n) => !after.includes(n));
      return removed.length === 1 ? `removed ${what} ${removed[0]}` : `removed ${count(before.length - after.length, what)}`;
    }
  }
  for (const [what, before, after, a, b] of parts) {
    for (let i = 0; i < a.length; i++) {
      if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return before[i] !== after[i] ? `renamed ${what} ${before[i]} to ${after[i]}` : `edited ${what} ${after[i]}`;
    }
  }
  if (JSON.stringify(old.settings ?? {}) !== JSON.stringify(next.settings ?? {})) return "changed a reading";
  return "edited the situation";
}
