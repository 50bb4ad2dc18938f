// Types of the explorer (mapi-logoff/explore).
// Generated from the Rust types by tests/typescript.rs: do not edit.
// After changing a type: UPDATE_TYPES=1 cargo test --test typescript

export type ExploreOptions = {
  /** Actions beyond the scenario's own. */
  maxDepth?: number;
  /** Unique states at most. */
  maxStates?: number;
  /**
   * Treat identical stores (same settings, faults and support kind, each
   * with its own provider) as interchangeable.
   */
  symmetry?: boolean;
  /**
   * Also let the client call StoreLogoff on a store after it returned
   * LOGOFF_COMPLETE (a client mistake, S9): it shows how a store answers.
   */
  clientMisuse?: boolean;
  /** Checked besides the invariants (I1-I6), which are always checked. */
  properties?: PropertyInput[];
};

/**
 * A property to check, as the explorer's options give it: by name, or a
 * goal to reach.
 */
export type PropertyInput = PropertyName | { reachable: OutcomeGoal };

/** The properties checked by name; "invariants" (I1-I6) is always checked. */
export type PropertyName = Exclude<Property["kind"], "reachable">;

/** A property checked in every state (or looked for, for `Reachable`). */
export type Property =
  | { kind: "invariants" }
  | { kind: "storesReleased" }
  | { kind: "noMessageLost" }
  | { kind: "storeLogoffTransportsOnce" }
  | { kind: "reachable" } & ReportedOutcomeGoal;

/** "This outcome is reachable": a call with this flag that returns this. */
export type ReportedOutcomeGoal = {
  call: LogoffCall;
  flag: StoreLogoffFlagName;
  hresult?: ValueText;
  /** Exact out flags wanted. */
  outFlags?: ValueText;
};

/** Which call of the logoff an outcome or a reachability goal is about. */
export type LogoffCall = "storeLogoff" | "storeLogoffTransports";

/**
 * "This outcome is reachable": a call with this one input flag that
 * returns this.
 */
export type OutcomeGoal = {
  /** Default "storeLogoffTransports". */
  call?: LogoffCall;
  /** Exactly one input flag, such as "LOGOFF_QUIET" or 0x10. */
  flag: FlagInput;
  /**
   * The HRESULT wanted: a number or a name such as "S_OK"; absent:
   * whatever it returns.
   */
  hresult?: HResultInput;
  /**
   * The exact out flags wanted, such as "LOGOFF_OUTBOUND"; absent:
   * whichever.
   */
  outFlags?: FlagInput;
};

/** An HRESULT as a caller gives it: a number, or a name such as "S_OK". */
export type HResultInput = number | string;

/** Where an exploration is; the final report once `done`. */
export type ExploreReport = {
  done: boolean;
  /** Why the exploration stopped; present once done. */
  stopped?: StopReason;
  /** States whose successors were computed. */
  statesExplored: number;
  uniqueStates: number;
  /** Transitions followed (including to states already seen). */
  transitions: number;
  /** Deepest state found, in actions after the scenario's own. */
  maxDepth: number;
  /** States at the depth bound, which were not expanded. */
  depthBoundHits: number;
  properties: PropertyResult[];
  outcomes: OutcomeSummary[];
  /**
   * Milliseconds spent exploring (not counting pauses between steps or
   * progress callbacks).
   */
  elapsedMs: number;
  /** Unique states per second of elapsedMs. */
  statesPerSecond: number;
};

export type StopReason = "complete" | "stateBudget";

export type PropertyResult = {
  property: Property;
  description: string;
  verdict: Verdict;
  counterexample?: Counterexample;
};

export type Verdict =
  | "holds" | "holdsSoFar" | "fails" | "reachable" | "unreachable" | "notFoundSoFar";

/**
 * A shortest path to a failure (or to a reachable outcome), as a scenario
 * that replays it in a Simulation.
 */
export type Counterexample = {
  /** The actions after the scenario's own. */
  path: Action[];
  /** The scenario with those actions appended. */
  scenario: Scenario;
  /** What is wrong (or what was reached) at the end of the path. */
  message: string;
};

export type OutcomeSummary = {
  call: LogoffCall;
  flag: StoreLogoffFlagName;
  outcomes: ReachableOutcome[];
};

/** One logoff outcome the scenario can produce. */
export type ReachableOutcome = { hresult: ValueText; outFlags?: ValueText };

/** Called with the progress; return false to stop there. */
export type ExploreProgress = (progress: ExploreReport) => boolean | void;
