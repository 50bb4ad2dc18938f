// A TypeScript consumer of every export of mapi-logoff (and, below, of
// mapi-logoff/check and mapi-logoff/explore), checked with
// `tsc --noEmit --strict` (tests/js/types.test.mjs) under Node ESM
// (nodenext) and bundler resolution. Each `@ts-expect-error` proves a wrong
// use is rejected: tsc fails if the line below it type-checks.
import init, {
  DEINIT_HURRY,
  LOGOFF_NO_WAIT,
  LOGOFF_ORDERLY,
  MAPI_E_BUSY,
  MAPI_E_INVALID_PARAMETER,
  MAPI_E_UNKNOWN_FLAGS,
  S_OK,
  Simulation,
  argsByName,
  constants,
  formatDeinitFlags,
  formatFlags,
  formatFlushFlags,
  formatSpoolerNotifyFlags,
  formatStatusFlags,
  formatStoreLogoffFlags,
  formatTransportLogoffFlags,
  formatTransportNotifyFlags,
  hresultName,
  initSync,
  isMapiLogoffError,
  outcomeMatrix,
  parseDeinitFlags,
  parseFlags,
  parseFlushFlags,
  parseSpoolerNotifyFlags,
  parseStatusFlags,
  parseStoreLogoffFlags,
  parseTransportLogoffFlags,
  parseTransportNotifyFlags,
  rules,
  runScenario,
  version,
} from "mapi-logoff";
import type {
  Action,
  Arg,
  Constants,
  FlagSet,
  MapiLogoffError,
  MatrixCell,
  Outcome,
  RuleId,
  RuleInfo,
  RunReport,
  Scenario,
  StateView,
  TraceEvent,
  Violation,
} from "mapi-logoff";

// init() resolves before first use in the browser; in Node it does nothing.
await init();
void initSync;

// --- the constants: named exports with literal types ------------------------------
const orderly: 2 = LOGOFF_ORDERLY;
const invalid: 0x80070057 = MAPI_E_INVALID_PARAMETER;
const sum: number = LOGOFF_NO_WAIT + DEINIT_HURRY + S_OK + MAPI_E_BUSY;
// @ts-expect-error LOGOFF_ORDERLY is exactly 2
const notFour: 4 = LOGOFF_ORDERLY;
const table: Constants = constants();
const fromTable: number = table.LOGOFF_QUIET;
// @ts-expect-error constants() has only the header names
table.LOGOFF_SOMETIMES;
// @ts-expect-error the table is read-only
table.LOGOFF_ORDERLY = 3;

// --- scenarios, simulations, outcomes ------------------------------------------------
const scenario: Scenario = {
  version: 1,
  name: "consumer",
  settings: { abortReading: "vetoWhileBusy", storeLogoffTransports: "immediate" },
  stores: [{ name: "Mailbox", defaultInbox: true, outboundQueue: [{ addressType: "SMTP", steps: 2 }] }],
  transports: [{ name: "Internet", sessions: [{ name: "smtp", addressTypes: ["SMTP"] }] }],
  actions: [{ type: "storeLogoff", store: 0, flags: "LOGOFF_QUIET" }],
};
// @ts-expect-error the version is the literal 1
const v2: Scenario = { version: 2 };
// @ts-expect-error an unknown reading
const badSettings: Scenario = { version: 1, settings: { abortReading: "sometimes" } };

const sim = new Simulation(scenario);
const fromText = new Simulation(JSON.stringify(scenario));
const empty = new Simulation();
const action: Action = { type: "storeLogoffTransports", store: 0, flags: LOGOFF_ORDERLY, support: "messageStore" };
const outcome: Outcome = sim.apply(action);
const hresult: number = outcome.hresult.value;
const outText: string | undefined = outcome.outFlags?.text;
const ruleIds: RuleId[] = outcome.rules;
const outcomes: Outcome[] = sim.run([{ type: "spoolerStep" }, { type: "runUntilIdle" }, { type: "free", session: 0, block: null }]);
const view: StateView = sim.state();
const refs: number = view.state.stores[0].refs;
const trace: TraceEvent[] = sim.trace();
const method: TraceEvent["method"] = trace[0].method;
const traceJson: string = sim.traceJson();
const traceText: string = sim.traceText();
const violations: Violation[] = sim.violations();
const next: Action[] = sim.enabledActions();
const again: Scenario = sim.toScenario();
const step: number = sim.step;
// @ts-expect-error step is read-only
sim.step = 3;
// @ts-expect-error an unknown action type
sim.apply({ type: "logoffEverything" });
// @ts-expect-error a store index is a number
sim.apply({ type: "addRef", store: "0" });
// @ts-expect-error flags are a number or a string
sim.apply({ type: "storeLogoff", store: 0, flags: true });
// @ts-expect-error storeLogoff needs its flags
sim.apply({ type: "storeLogoff", store: 0 });
// @ts-expect-error run takes a list
sim.run({ type: "spoolerStep" });
// @ts-expect-error a scenario is an object or its JSON text
new Simulation(42);
fromText.free();
empty[Symbol.dispose]();

const report: RunReport = runScenario(scenario);
const reportFromText: RunReport = runScenario(JSON.stringify(scenario));
// @ts-expect-error runScenario needs a scenario
runScenario();

// --- the error model ----------------------------------------------------------------
try {
  sim.apply({ type: "addRef", store: 99 });
} catch (e: unknown) {
  // @ts-expect-error a caught value is unknown until narrowed
  e.code;
  if (isMapiLogoffError(e)) {
    const error: Error = e;
    const name: "MapiLogoffError" = e.name;
    const code: MapiLogoffError["code"] = e.code;
    const path: string = e.path;
    // @ts-expect-error codes are a closed set
    const wrong: typeof e.code = "somethingElse";
    void [error, name, code, path, wrong];
  }
}
const guard: boolean = isMapiLogoffError(undefined);

// --- flags, HRESULTs, rules, the matrix ----------------------------------------------
const set: FlagSet = "storeLogoff";
// @ts-expect-error not a flag set
const badSet: FlagSet = "storeLogon";
const parsed: number[] = [
  parseFlags(set, "LOGOFF_ORDERLY | 0x100"),
  parseStoreLogoffFlags("LOGOFF_PURGE"),
  parseTransportLogoffFlags("LOGOFF_HURRY"),
  parseDeinitFlags("DEINIT_NORMAL"),
  parseFlushFlags("FLUSH_UPLOAD | FLUSH_DOWNLOAD"),
  parseTransportNotifyFlags("NOTIFY_ABORT_DEFERRED"),
  parseSpoolerNotifyFlags("NOTIFY_NEWMAIL"),
  parseStatusFlags("STATUS_AVAILABLE"),
];
const formatted: string[] = [
  formatFlags("status", 1),
  formatStoreLogoffFlags(LOGOFF_ORDERLY),
  formatTransportLogoffFlags(1),
  formatDeinitFlags(DEINIT_HURRY),
  formatFlushFlags(6),
  formatTransportNotifyFlags(1),
  formatSpoolerNotifyFlags(1),
  formatStatusFlags(1),
];
// @ts-expect-error flag text is a string
parseStoreLogoffFlags(2);
// @ts-expect-error a flag value is a number
formatStoreLogoffFlags("LOGOFF_ORDERLY");
// @ts-expect-error HRESULTs are numbers
hresultName("MAPI_E_BUSY");
const busy: string | undefined = hresultName(MAPI_E_BUSY);
const known: RuleInfo[] = rules();
const doc: string | undefined = known[0].docUrl;
const sourceKind: "referencePage" | "otherPage" | "header" | "sdkSample" | "modelChoice" = known[0].source.kind;
// @ts-expect-error a rule may cite no page (a model choice)
const mustLink: string = known[0].docUrl;

const cells: MatrixCell[] = outcomeMatrix();
const literal: MatrixCell[] = outcomeMatrix({ abortReading: "vetoWhileBusy" });
const cellScenario: Scenario = cells[0].scenario;
const ver: string = version();
// @ts-expect-error settings are an object
outcomeMatrix("literal");

void [orderly, invalid, sum, notFour, fromTable, v2, badSettings, hresult, outText, ruleIds, outcomes, refs, method, traceJson, traceText];
void [violations, next, again, step, report, reportFromText, guard, badSet, parsed, formatted, busy, doc, literal, cellScenario, ver];
void [sourceKind, mustLink];
void MAPI_E_UNKNOWN_FLAGS;

// The checker module: typed reports, streaming, no `any`.
import { checkTrace, TraceChecker } from "mapi-logoff/check";
import type { CheckReport, Diagnostic, Severity } from "mapi-logoff/check";

const checked: CheckReport = checkTrace('{"object":{"kind":"store","id":"PST"},"method":"IMsgStore::StoreLogoff","flags":6}');
const lines: CheckReport = checkTrace(["line one", "line two"]);
const first: Diagnostic | undefined = checked.diagnostics[0];
const severity: Severity | undefined = first?.severity;
const rule: RuleId | undefined = first?.mistake;
const streaming = new TraceChecker();
streaming.feed("{}\n");
streaming.pushChunk(new TextEncoder().encode("{}\n"));
const streamed: number = streaming.finish().errors;
// @ts-expect-error: pushChunk takes bytes, feed takes text
streaming.pushChunk("{}\n");
// @ts-expect-error: a trace is text or an array of lines
checkTrace(42);
// @ts-expect-error: diagnostics have no `hresult`
first?.hresult;
void [lines, severity, rule, streamed];

// The explorer module: options, reports, verdicts narrowed, counterexamples
// that are engine scenarios, the stepping class.
import initExplore, { Explorer, explore, initSync as initExploreSync, isMapiLogoffError as isExploreError, version as exploreVersion } from "mapi-logoff/explore";
import type {
  Counterexample,
  ExploreOptions,
  ExploreProgress,
  ExploreReport,
  LogoffCall,
  OutcomeGoal,
  OutcomeSummary,
  Property,
  PropertyName,
  PropertyResult,
  ReachableOutcome,
  StopReason,
  StoreLogoffFlagName,
  Verdict,
} from "mapi-logoff/explore";

await initExplore();
void initExploreSync;
const quietOutbound: OutcomeGoal = { call: "storeLogoffTransports", flag: "LOGOFF_QUIET", hresult: "S_OK", outFlags: "LOGOFF_OUTBOUND" };
const exploreOptions: ExploreOptions = {
  maxDepth: 20,
  maxStates: 100000,
  symmetry: true,
  clientMisuse: false,
  properties: ["storesReleased", "noMessageLost", { reachable: quietOutbound }, { reachable: { flag: 0x10, hresult: S_OK } }],
};
// @ts-expect-error an unknown property name
const badProperty: ExploreOptions = { properties: ["everythingFine"] };
// @ts-expect-error a goal needs its input flag
const noFlag: ExploreOptions = { properties: [{ reachable: { call: "storeLogoff" } }] };
// @ts-expect-error the calls are StoreLogoff and StoreLogoffTransports
const badCall: OutcomeGoal = { call: "transportLogoff", flag: "LOGOFF_QUIET" };
// @ts-expect-error maxDepth is a number
const badDepth: ExploreOptions = { maxDepth: "12" };

const onProgress: ExploreProgress = (progress) => progress.uniqueStates < 1_000_000;
const explored: ExploreReport = explore(scenario, exploreOptions, onProgress);
const exploredFromText: ExploreReport = explore(JSON.stringify(scenario));
const exploredPlain: ExploreReport = explore(scenario, null, null);
const stoppedBy: StopReason | undefined = explored.stopped;
const counts: number[] = [explored.uniqueStates, explored.statesExplored, explored.transitions, explored.maxDepth, explored.depthBoundHits, explored.elapsedMs, explored.statesPerSecond];
const replays: Simulation[] = [];
for (const result of explored.properties) {
  const r: PropertyResult = result;
  const verdict: Verdict = r.verdict;
  switch (verdict) {
    case "fails":
    case "reachable": {
      const ce: Counterexample | undefined = r.counterexample;
      if (ce) {
        const steps: Action[] = ce.path;
        const message: string = ce.message;
        const replayed: Scenario = ce.scenario;
        replays.push(new Simulation(replayed));
        void [steps, message];
      }
      break;
    }
    case "holds":
    case "holdsSoFar":
    case "unreachable":
    case "notFoundSoFar":
      break;
    default: {
      // Every verdict is handled above.
      const unhandled: never = verdict;
      void unhandled;
    }
  }
  const property: Property = r.property;
  if (property.kind === "reachable") {
    const call: LogoffCall = property.call;
    const flag: StoreLogoffFlagName = property.flag;
    const wanted: string | undefined = property.outFlags?.text;
    void [call, flag, wanted];
  } else {
    const name: PropertyName = property.kind;
    // @ts-expect-error only a reachability goal has a call
    property.call;
    void name;
  }
}
// @ts-expect-error verdicts are a closed set
const maybe: Verdict = "maybe";
const summaries: OutcomeSummary[] = explored.outcomes;
const answer: ReachableOutcome | undefined = summaries[0]?.outcomes[0];
const answerText: string | undefined = answer?.outFlags?.text;

const stepper = new Explorer(scenario, { maxDepth: 5 });
while (!stepper.done) {
  const progress: ExploreReport = stepper.step(1000);
  void progress;
}
const finalReport: ExploreReport = stepper.report();
// @ts-expect-error done is read-only
stepper.done = true;
// @ts-expect-error a budget is a number
stepper.step("1000");
// @ts-expect-error the callback is given a report
explore(scenario, null, (progress: string) => progress.length > 0);
// @ts-expect-error options are an object
new Explorer(scenario, "symmetry");
stepper.free();
try {
  explore(scenario, { maxStates: 0 });
} catch (e: unknown) {
  if (isExploreError(e)) {
    const where: string = e.path;
    const code: MapiLogoffError["code"] = e.code;
    void [where, code];
  }
}
const exploreVer: string = exploreVersion();
void [badProperty, noFlag, badCall, badDepth, exploredFromText, exploredPlain, stoppedBy, counts, replays, maybe, answerText, finalReport, exploreVer];

// argsByName: a trace event's arguments keyed by name, each possibly absent.
{
  const sim = new Simulation({ version: 1, stores: [{ name: "A" }] });
  sim.apply({ type: "storeLogoff", store: 0, flags: "LOGOFF_ORDERLY" });
  const event: TraceEvent | undefined = sim.trace()[0];
  if (event) {
    const flags: Arg | undefined = argsByName(event).ulFlags;
    const text: string | undefined = flags?.text;
    void text;
  }
}
