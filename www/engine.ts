// The engine: the mapi-logoff wasm package. Every protocol decision the page
// shows comes from here; this module only loads it and turns its values
// into short labels.
import init, {
  Simulation,
  constants,
  formatFlags,
  isMapiLogoffError,
  outcomeMatrix,
  parseFlags,
  rules,
  runScenario,
  version,
} from "mapi-logoff";
import type { Action, FlagInput, FlagSet, RuleInfo, Scenario, StateView, Topology } from "mapi-logoff";

export { Simulation, constants, formatFlags, isMapiLogoffError, outcomeMatrix, parseFlags, runScenario };
export type * from "mapi-logoff";

let loading: Promise<void> | null = null;
let ruleTable = new Map<string, RuleInfo>();
let engineVersion = "";

/** Loads the wasm module once; later calls share the same promise. */
export function loadEngine(): Promise<void> {
  loading ??= init().then(() => {
    ruleTable = new Map(rules().map((r) => [r.id, r]));
    engineVersion = version();
  });
  return loading;
}

export function ruleInfo(id: string): RuleInfo | undefined {
  return ruleTable.get(id);
}

export function allRules(): RuleInfo[] {
  return [...ruleTable.values()];
}

export function engineVersionText(): string {
  return engineVersion;
}

/** The message of a thrown value: the engine's errors carry a path. */
export function errorText(e: unknown): string {
  if (isMapiLogoffError(e)) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Runs `f` on a scratch simulation and frees it. */
export function withSimulation<T>(scenario: Scenario, f: (sim: Simulation) => T): T {
  const sim = new Simulation(scenario);
  try {
    return f(sim);
  } finally {
    sim.free();
  }
}

/** The topology the engine derives from a scenario's parts. */
export function topologyOf(base: Scenario): Topology {
  return withSimulation({ ...base, actions: [] }, (sim) => sim.state().topology);
}

export function stateAfter(base: Scenario, actions: Action[]): StateView {
  return withSimulation({ ...base, actions }, (sim) => sim.state());
}

function flagText(set: FlagSet, f: FlagInput | undefined): string {
  if (f === undefined) return "0";
  if (typeof f === "number") {
    try {
      return formatFlags(set, f);
    } catch {
      return String(f);
    }
  }
  return f;
}

/** A one-line description of an action, with the scenario's names. */
export function actionLabel(a: Action, topo: Topology | null): string {
  const store = (i: number) => topo?.stores[i]?.name ?? `store ${i}`;
  const session = (i: number) => topo?.sessions[i]?.name ?? `session ${i}`;
  const transport = (i: number) => topo?.transports[i]?.name ?? `transport ${i}`;
  switch (a.type) {
    case "openStore":
      return `OpenMsgStore(${store(a.store)})`;
    case "addRef":
      return `AddRef(${store(a.store)})`;
    case "release":
      return `Release(${store(a.store)})`;
    case "storeLogoff":
      return `StoreLogoff(${store(a.store)}, ${flagText("storeLogoff", a.flags)})`;
    case "submitMessage":
      return `SubmitMessage(${store(a.store)}, ${(typeof a.addressType === "number" ? topo?.addressTypes[a.addressType] : a.addressType) ?? `address type ${a.addressType}`}, ${a.steps ?? 2} steps)`;
    case "storeLogoffTransports":
      return `StoreLogoffTransports(${store(a.store)}, ${flagText("storeLogoff", a.flags)}, ${a.support ?? "messageStore"} support)`;
    case "spoolerStep":
      return "Spooler step";
    case "runUntilIdle":
      return "Run until idle";
    case "beginSend":
      return `Spooler: begin send on ${session(a.session)}`;
    case "beginReceive":
      return `Spooler: begin receive on ${session(a.session)}`;
    case "progress":
      return `Spooler: ${a.direction} progresses on ${session(a.session)}`;
    case "finishStoreLogoff":
      return `Spooler: finish logoff of ${store(a.store)}`;
    case "endFlush":
      return `Spooler: end flush on ${session(a.session)}`;
    case "logoffSession":
      return `LogoffSession(${session(a.session)}, ${flagText("transportLogoff", a.flags)})`;
    case "releaseSession":
      return `ReleaseSession(${session(a.session)})`;
    case "shutdownProvider":
      return `ShutdownProvider(${transport(a.transport)}, ${flagText("deinit", a.flags)})`;
    case "flushQueues":
      return `FlushQueues(${session(a.session)}, ${flagText("flushQueues", a.flags)})`;
    case "mailArrives":
      return `MailArrives(${session(a.session)}, ${a.steps ?? 2} steps)`;
    case "allocate":
      return a.parent === undefined || a.parent === null
        ? `MAPIAllocateBuffer(${session(a.session)})`
        : `MAPIAllocateMore(${session(a.session)}, parent block ${a.parent})`;
    case "free":
      return `MAPIFreeBuffer(${session(a.session)}, ${a.block === undefined || a.block === null ? "NULL" : `block ${a.block}`})`;
  }
}

/** Whether an action is one unit of explicit spooler work. */
export function isSpoolerWork(a: Action): boolean {
  return a.type === "beginSend" || a.type === "beginReceive" || a.type === "progress" || a.type === "finishStoreLogoff" || a.type === "endFlush";
}
