// The calls of a recorded trace (docs/trace-format.md: JSON Lines, one call
// per line, an optional header) as rows and lanes of the sequence diagram.
// Only for drawing: lines that are not calls are skipped here, because the
// checker reports them (malformedLine) with their line numbers.
import { constants, formatFlags } from "./engine";
import type { FlagSet } from "./engine";
import type { LaneSpec, SeqEvent, SeqParty } from "./sequence";

/** One drawn call: `seq` is its 1-based line in the trace. */
export type TraceCall = SeqEvent;

export interface TraceCalls {
  calls: TraceCall[];
  lanes: LaneSpec[];
  /** Calls in the trace (the drawn ones are the first `calls.length`). */
  total: number;
  /** Non-blank lines that are neither calls nor the header. */
  skipped: number;
}

const MAX_LANES = 40;
const OTHER_LANE = "other";
const UNKNOWN_LANE = "unknown";
const ALLOCATOR_LANE = "block";

/** Left-to-right order of the kinds of objects. */
const KIND_ORDER = ["client", "spooler", "store", "storeSupport", "storeProvider", "mapi", "block", "session", "sessionSupport", "transport"];

const KIND_SUB: Record<string, string> = {
  client: "application",
  spooler: "MAPI spooler",
  mapi: "MAPI",
  store: "store (IMsgStore)",
  storeSupport: "store support (IMAPISupport)",
  storeProvider: "IMSProvider",
  session: "session (IXPLogon)",
  sessionSupport: "session support (IMAPISupport)",
  transport: "IXPProvider",
  block: "MAPI allocator",
};

const METHOD_FLAGS: Record<string, FlagSet> = {
  StoreLogoff: "storeLogoff",
  StoreLogoffTransports: "storeLogoff",
  TransportLogoff: "transportLogoff",
  Shutdown: "deinit",
  FlushQueues: "flushQueues",
  TransportNotify: "transportNotify",
  SpoolerNotify: "spoolerNotify",
};

let constantTable: Map<string, number> | null = null;
let hresultNames: Map<number, string> | null = null;

function table(): Map<string, number> {
  if (!constantTable) {
    constantTable = new Map(Object.entries(constants()));
    hresultNames = new Map();
    for (const [name, v] of constantTable) if (/^(S_|MAPI_[EW]_)/.test(name)) hresultNames.set(v >>> 0, name);
  }
  return constantTable;
}

const hex = (n: number) => "0x" + (n >>> 0).toString(16).toUpperCase().padStart(8, "0");

/** A number, "0x…" or names joined by "|" as a value; NaN when a part is unknown. */
function valueOf(v: unknown): number {
  if (typeof v === "number") return Number.isFinite(v) ? v >>> 0 : NaN;
  if (typeof v !== "string") return NaN;
  let n = 0;
  for (const part of v.split("|")) {
    const p = part.trim();
    if (/^0x[0-9a-f]+$/i.test(p) || /^\d+$/.test(p)) n = (n | Number(p)) >>> 0;
    else {
      const c = table().get(p);
      if (c === undefined) return NaN;
      n = (n | c) >>> 0;
    }
  }
  return n;
}

function flagsValue(v: unknown, set: FlagSet | undefined): { value: number; text: string } {
  const value = valueOf(v);
  const raw = typeof v === "string" ? v : String(v);
  if (typeof v === "string" && !/^(0x[0-9a-f]+|\d+)$/i.test(v.trim())) return { value: Number.isNaN(value) ? 0 : value, text: raw };
  if (Number.isNaN(value)) return { value: 0, text: raw };
  if (set) {
    try {
      return { value, text: formatFlags(set, value) };
    } catch {
      /* not a value of this set: show it in hex */
    }
  }
  return { value, text: hex(value) };
}

function hresultValue(v: unknown): { value: number; text: string } {
  table();
  if (typeof v === "string" && !/^(0x[0-9a-f]+|\d+)$/i.test(v.trim())) {
    const known = constantTable!.get(v.trim());
    // An unknown name: failure codes are MAPI_E_ / E_ names.
    const value = known ?? (/^(MAPI_E_|E_)/.test(v.trim()) ? 0x80004005 : 0);
    return { value, text: v };
  }
  const value = valueOf(v);
  if (Number.isNaN(value)) return { value: 0, text: String(v) };
  return { value, text: hresultNames!.get(value) ?? hex(value) };
}

interface RawObject {
  kind?: unknown;
  id?: unknown;
  provider?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The calls of `text`, at most `limit` of them, with a lane per object
 * (the trace's objects in the order of their kinds, then of appearance).
 */
export function traceCalls(text: string, limit: number): TraceCalls {
  const calls: TraceCall[] = [];
  const laneFirst = new Map<string, { spec: LaneSpec; kind: string; first: number }>();
  let total = 0;
  let skipped = 0;
  let lineNo = 0;
  let start = 0;
  const laneOf = (o: RawObject | undefined, line: number): SeqParty => {
    if (!o) {
      if (!laneFirst.has(UNKNOWN_LANE)) laneFirst.set(UNKNOWN_LANE, { spec: { key: UNKNOWN_LANE, label: "(unknown)", sub: "caller not logged" }, kind: "", first: line });
      return { kind: "unknown", name: "unknown caller", lane: UNKNOWN_LANE };
    }
    const kind = String(o.kind);
    const id = o.id === undefined || o.id === null ? "" : String(o.id);
    const name = id || (kind === "mapi" ? "MAPI" : kind);
    let key = kind === "block" ? ALLOCATOR_LANE : `${kind}:${id}`;
    if (!laneFirst.has(key)) {
      if (laneFirst.size >= MAX_LANES) key = OTHER_LANE;
      if (!laneFirst.has(key)) {
        const spec: LaneSpec =
          key === OTHER_LANE
            ? { key, label: "other objects", sub: `past the first ${MAX_LANES} lanes` }
            : key === ALLOCATOR_LANE
              ? { key, label: "MAPI buffers", sub: KIND_SUB.block! }
              : { key, label: name, sub: kind === "session" && typeof o.provider === "string" ? `session of ${o.provider}` : (KIND_SUB[kind] ?? kind) };
        laneFirst.set(key, { spec, kind: key === OTHER_LANE ? "~" : kind, first: line });
      }
    }
    return { kind, name, lane: key };
  };
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (!line) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (!isObject(v)) {
      skipped++;
      continue;
    }
    if (v.format !== undefined && v.method === undefined) continue; // the header
    if (typeof v.method !== "string" || !isObject(v.object) || typeof v.object.kind !== "string") {
      skipped++;
      continue;
    }
    total++;
    if (calls.length >= limit) continue;
    const method = v.method;
    const short = method.includes("::") ? method.slice(method.indexOf("::") + 2) : method;
    const args: TraceCall["args"] = [];
    if (v.flags !== undefined) args.push({ name: "flags", ...flagsValue(v.flags, METHOD_FLAGS[short]) });
    if (v.block !== undefined) args.push({ name: "block", value: typeof v.block === "number" ? v.block : 0, text: v.block === null ? "NULL" : String(v.block) });
    if (v.parent !== undefined) args.push({ name: "parent", value: typeof v.parent === "number" ? v.parent : 0, text: String(v.parent) });
    if (v.message !== undefined) args.push({ name: "message", value: typeof v.message === "number" ? v.message : 0, text: String(v.message) });
    if (typeof v.purpose === "string") args.push({ name: "purpose", value: 0, text: v.purpose });
    if (typeof v.process === "string" || typeof v.process === "number") args.push({ name: "process", value: typeof v.process === "number" ? v.process : 0, text: String(v.process) });
    const depth = typeof v.depth === "number" && Number.isInteger(v.depth) && v.depth >= 0 ? Math.min(v.depth, 64) : 0;
    const caller = laneOf(isObject(v.caller) ? (v.caller as RawObject) : undefined, lineNo);
    const callee = laneOf(v.object as RawObject, lineNo);
    // No HRESULT (internal steps such as Spooler::RequeueMessage): drawn as a note, like the playground's internal steps.
    const hresult = v.hresult === undefined || v.hresult === null ? null : hresultValue(v.hresult);
    const call: TraceCall = {
      seq: lineNo,
      step: lineNo,
      depth,
      caller,
      callee,
      method,
      args,
      hresult,
      rules: [],
    };
    if (v.outFlags !== undefined) call.outFlags = flagsValue(v.outFlags, METHOD_FLAGS[short]);
    if (typeof v.refCount === "number") call.note = `refCount ${v.refCount}`;
    calls.push(call);
  }
  const rank = (kind: string) => {
    const i = KIND_ORDER.indexOf(kind);
    return i < 0 ? KIND_ORDER.length : i;
  };
  const lanes = [...laneFirst.values()].sort((a, b) => rank(a.kind) - rank(b.kind) || a.first - b.first).map((l) => l.spec);
  return { calls, lanes, total, skipped };
}
