// Types of the explorer (src/wasm/explore.rs, src/explore.rs).

/** The properties checked by name; "invariants" (I1-I6) is always checked. */
export type PropertyName = "invariants" | "storesReleased" | "noMessageLost" | "storeLogoffTransportsOnce";

/** Which call of the logoff an outcome is about. */
export type LogoffCall = "storeLogoff" | "storeLogoffTransports";

/** "This outcome is reachable": a call with this one input flag that returns this. */
export interface OutcomeGoal {
  /** Default "storeLogoffTransports". */
  call?: LogoffCall;
  /** Exactly one input flag, such as "LOGOFF_QUIET" or 0x10. */
  flag: FlagInput;
  /** The HRESULT wanted: a number or a name such as "S_OK"; absent: whatever it returns. */
  hresult?: number | string;
  /** The exact out flags wanted, such as "LOGOFF_OUTBOUND"; absent: whichever. */
  outFlags?: FlagInput;
}

export type PropertyInput = PropertyName | { reachable: OutcomeGoal };

export interface ExploreOptions {
  /** Actions beyond the scenario's own; default 12, at most 1000. */
  maxDepth?: number;
  /** Unique states at most; default 200000, at most 20000000. */
  maxStates?: number;
  /** Count identical stores (same settings, faults and support kind, each with its own provider) once. */
  symmetry?: boolean;
  /** Also let the client call StoreLogoff again after LOGOFF_COMPLETE (a client mistake, S9). */
  clientMisuse?: boolean;
  properties?: PropertyInput[];
}

/** A property as the report names it. */
export type Property =
  | { kind: PropertyName }
  | { kind: "reachable"; call: LogoffCall; flag: StoreLogoffFlagName; hresult?: ValueText; outFlags?: ValueText };

/**
 * "holdsSoFar" and "notFoundSoFar": the exploration stopped (state budget,
 * or cancelled) before every state was seen.
 */
export type Verdict = "holds" | "holdsSoFar" | "fails" | "reachable" | "unreachable" | "notFoundSoFar";

/** A shortest path to a failure (or to a reachable outcome). */
export interface Counterexample {
  /** The actions after the scenario's own. */
  path: Action[];
  /** The scenario with those actions appended: it replays in a Simulation. */
  scenario: Scenario;
  /** What is wrong (or what was reached) at the end of the path. */
  message: string;
}

export interface PropertyResult {
  property: Property;
  description: string;
  verdict: Verdict;
  counterexample?: Counterexample;
}

export interface ReachableOutcome {
  hresult: ValueText;
  outFlags?: ValueText;
}

/** Every answer one call with one input flag can give from this scenario. */
export interface OutcomeSummary {
  call: LogoffCall;
  flag: StoreLogoffFlagName;
  outcomes: ReachableOutcome[];
}

export type StopReason = "complete" | "stateBudget";

/** Where an exploration is; the final report once `done`. */
export interface ExploreReport {
  done: boolean;
  /** Present once done: "complete" (every state within the depth bound), or "stateBudget". */
  stopped?: StopReason;
  /** States whose successors were computed. */
  statesExplored: number;
  uniqueStates: number;
  /** Transitions followed, including to states already seen. */
  transitions: number;
  /** Deepest state found, in actions after the scenario's own. */
  maxDepth: number;
  /** States at the depth bound, which were not expanded. */
  depthBoundHits: number;
  properties: PropertyResult[];
  outcomes: OutcomeSummary[];
  /** Milliseconds spent exploring (not counting pauses between steps or progress callbacks). */
  elapsedMs: number;
  /** Unique states per second of elapsedMs. */
  statesPerSecond: number;
}

/** Called with the progress; return false to stop there. */
export type ExploreProgress = (progress: ExploreReport) => boolean | void;
