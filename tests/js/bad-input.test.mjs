// (e) Bad input for every exported function and method, of the engine
// module and of the explorer module (mapi-logoff/explore). Each case either
// throws a MapiLogoffError with the expected `code` and a `path` naming the
// field ("" for the whole input), or answers with a protocol refusal as an
// outcome. Never a TypeError from the glue, never `RuntimeError:
// unreachable`, and the shared Simulation (and the shared Explorer) stays
// usable: a valid action is applied (a state expanded) after every case.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as api from "mapi-logoff";
import * as exploreApi from "mapi-logoff/explore";

const { Simulation, isMapiLogoffError } = api;

const MAILBOX = {
  version: 1,
  stores: [{ name: "Mailbox", defaultInbox: true, outboundQueue: [{ addressType: "SMTP" }] }],
  transports: [{ name: "Internet", sessions: [{ name: "smtp", addressTypes: ["SMTP"] }] }],
};

/** One simulation shared by every case: it must survive them all. */
const sim = new Simulation(MAILBOX);

const nested = (levels) => {
  let v = [];
  for (let i = 0; i < levels; i++) v = [v];
  return v;
};
const DEEP = nested(100_000);
const cyclic = () => {
  const o = { type: "addRef", store: 0 };
  o.self = o;
  return o;
};
const HUGE = "x".repeat(20 * 1024 * 1024); // 20 MB
const LONE_SURROGATE = "\ud800";
const throwingGetter = () =>
  Object.defineProperty({ type: "addRef" }, "store", { enumerable: true, get: () => { throw new Error("getter"); } });
/** Values of the wrong type for a number or a string argument. */
const JUNK = [undefined, null, true, 2n, Symbol("s"), {}, [], () => 1, DEEP, HUGE];
const BAD_NUMBERS = [NaN, Infinity, -1, 1.5, 1e20, 2 ** 32];

function thrown(call) {
  try {
    call();
  } catch (e) {
    return e;
  }
  assert.fail("did not throw");
}

/** Asserts a documented MapiLogoffError; `path` is a string or a RegExp. */
function expectError(call, code, path) {
  const e = thrown(call);
  assert.ok(!(e instanceof WebAssembly.RuntimeError), `a wasm trap: ${e?.message}`);
  assert.ok(e instanceof Error, `not an Error: ${String(e)}`);
  const message = String(e.message).slice(0, 300);
  assert.equal(e.name, "MapiLogoffError", message);
  assert.equal(isMapiLogoffError(e), true);
  assert.equal(e.code, code, message);
  if (path instanceof RegExp) assert.match(e.path, path, message);
  else assert.equal(e.path, path, message);
  if (e.path !== "") assert.ok(e.message.startsWith(`${e.path}: `), `the message names the path: ${message}`);
  return e;
}

/** Asserts the error for an exception the caller's code threw while an input was read. */
function expectThrew(call, path, causeMessage) {
  const e = expectError(call, "inputThrew", path);
  assert.ok(e.cause instanceof Error, "the original is the cause");
  assert.equal(e.cause.message, causeMessage);
  return e;
}

/** The shared simulation still applies a valid action. */
function stillUsable() {
  const step = sim.step;
  const outcome = sim.apply({ type: "addRef", store: 0 });
  assert.equal(outcome.hresult.text, "S_OK");
  assert.equal(sim.step, step + 1);
}

/** Registers a test that runs `body`, then checks the simulation. */
function bad(name, body) {
  test(name, () => {
    body();
    stillUsable();
  });
}

// --- new Simulation(scenario) and runScenario(scenario) -------------------------

const SCENARIO_CASES = [
  ["a number", 42, "invalidJson", ""],
  ["a boolean", true, "invalidJson", ""],
  ["an array", [], "invalidJson", ""],
  ["text that is not JSON", "not json", "invalidJson", ""],
  ["a missing version", {}, "invalidJson", "version"],
  ["version 2", { version: 2 }, "unsupportedVersion", "version"],
  ["a version of the wrong type", { version: "1" }, "invalidJson", "version"],
  ["an unknown field", { version: 1, extra: 1 }, "invalidJson", "extra"],
  ["stores of the wrong type", { version: 1, stores: "A" }, "invalidJson", "stores"],
  ["a store without a name", { version: 1, stores: [{}] }, "invalidJson", "stores[0].name"],
  ["an empty name", { version: 1, stores: [{ name: " " }] }, "invalidScenario", "stores[0].name"],
  ["a huge count", { version: 1, stores: [{ name: "A", references: 1e20 }] }, "invalidJson", "stores[0].references"],
  ["a negative count", { version: 1, stores: [{ name: "A", references: -1 }] }, "invalidJson", "stores[0].references"],
  ["a fractional count", { version: 1, stores: [{ name: "A", references: 1.5 }] }, "invalidJson", "stores[0].references"],
  ["a NaN count", { version: 1, stores: [{ name: "A", references: NaN }] }, "invalidJson", "stores[0].references"],
  ["an out-of-range count", { version: 1, stores: [{ name: "A", references: 0 }] }, "invalidScenario", "stores[0].references"],
  ["a NaN optional field", { version: 1, stores: [{ name: "A", outboundQueue: [{ addressType: "X", steps: NaN }] }] }, "invalidJson", "stores[0].outboundQueue[0].steps"],
  ["a BigInt", { version: 1, stores: [{ name: "A", references: 1n }] }, "invalidJson", "stores[0].references"],
  ["a symbol", { version: 1, name: Symbol("n") }, "invalidJson", "name"],
  ["a function", { version: 1, stores: [{ name: () => "A" }] }, "invalidJson", "stores[0].name"],
  ["a lone surrogate", { version: 1, stores: [{ name: LONE_SURROGATE }] }, "invalidJson", "stores[0].name"],
  ["a cycle", { version: 1, stores: [cyclic()] }, "invalidJson", "stores[0].self"],
  ["100k levels of nesting", { version: 1, description: DEEP }, "invalidJson", /^description(\[0\]){7}\.\.\.\(depth 128\)$/],
  ["33 stores", { version: 1, stores: Array.from({ length: 33 }, (_, i) => ({ name: `s${i}` })) }, "tooLarge", "stores"],
  ["a 20 MB string field", { version: 1, description: HUGE }, "tooLarge", ""],
  ["a 20 MB JSON text", `{"version": 1, "description": "${HUGE}"}`, "tooLarge", ""],
  ["a bad action", { version: 1, actions: [{ type: "addRef", store: 5 }] }, "invalidAction", "actions[0].store"],
];

for (const [what, input, code, path] of SCENARIO_CASES) {
  bad(`new Simulation: ${what}`, () => expectError(() => new Simulation(input), code, path));
  bad(`runScenario: ${what}`, () => expectError(() => api.runScenario(input), code, path));
}
bad("runScenario: undefined", () => expectError(() => api.runScenario(), "invalidJson", ""));
bad("runScenario: a throwing getter", () => expectThrew(() => api.runScenario({ version: 1, actions: [throwingGetter()] }), "actions[0].store", "getter"));

// --- Simulation.prototype.apply(action) ------------------------------------------

const ACTION_CASES = [
  ["undefined", undefined, "invalidJson", ""],
  ["null", null, "invalidAction", ""],
  ["a number", 42, "invalidAction", ""],
  ["a string", "addRef", "invalidAction", ""],
  ["an unknown type", { type: "logoffEverything" }, "invalidAction", "type"],
  ["a type of the wrong type", { type: 5 }, "invalidAction", "type"],
  ["a missing field", { type: "addRef" }, "invalidAction", "store"],
  ["an unknown field", { type: "addRef", store: 0, stor: 1 }, "invalidAction", "stor"],
  ["a string index", { type: "addRef", store: "0" }, "invalidAction", "store"],
  ["a store that does not exist", { type: "addRef", store: 99 }, "invalidAction", "store"],
  ["a huge index", { type: "addRef", store: 1e20 }, "invalidAction", "store"],
  ["a negative index", { type: "addRef", store: -1 }, "invalidAction", "store"],
  ["a fractional index", { type: "addRef", store: 0.5 }, "invalidAction", "store"],
  ["NaN", { type: "addRef", store: NaN }, "invalidJson", "store"],
  ["-Infinity", { type: "addRef", store: -Infinity }, "invalidJson", "store"],
  ["a BigInt", { type: "addRef", store: 0n }, "invalidJson", "store"],
  ["a function", { type: "addRef", store: () => 0 }, "invalidJson", "store"],
  ["a symbol", { type: "addRef", store: Symbol("s") }, "invalidJson", "store"],
  ["NaN in an optional field", { type: "submitMessage", store: 0, addressType: 0, steps: NaN }, "invalidJson", "steps"],
  ["flags past 32 bits", { type: "storeLogoff", store: 0, flags: 2 ** 32 }, "invalidAction", "flags"],
  ["missing flags", { type: "storeLogoff", store: 0 }, "invalidAction", "flags"],
  ["an unknown flag name", { type: "storeLogoff", store: 0, flags: "LOGOFF_SOON" }, "invalidFlags", "flags"],
  ["a 20 MB flag text", { type: "storeLogoff", store: 0, flags: HUGE }, "tooLarge", ""],
  ["an unknown enum value", { type: "progress", session: 0, direction: "up" }, "invalidAction", "direction"],
  ["a step that cannot happen now", { type: "endFlush", session: 0 }, "notEnabled", ""],
  ["a cycle", cyclic(), "invalidJson", "self"],
  ["100k levels of nesting", { type: "addRef", store: DEEP }, "invalidJson", /^store(\[0\]){7}\.\.\.\(depth 128\)$/],
];

for (const [what, action, code, path] of ACTION_CASES) {
  bad(`apply: ${what}`, () => {
    const before = [sim.step, sim.traceJson()];
    expectError(() => sim.apply(action), code, path);
    assert.deepEqual([sim.step, sim.traceJson()], before, "a failed apply changes nothing");
  });
}
bad("apply: a throwing getter", () => expectThrew(() => sim.apply(throwingGetter()), "store", "getter"));
bad("apply: a Proxy whose traps throw", () =>
  expectThrew(() => sim.apply(new Proxy({}, { ownKeys() { throw new Error("trap"); } })), "", "trap"));

bad("apply: undefined flag bits are a refusal outcome, not an exception", () => {
  const outcome = sim.apply({ type: "storeLogoff", store: 0, flags: 0x100 });
  assert.equal(outcome.hresult.value, api.MAPI_E_UNKNOWN_FLAGS);
  assert.equal(outcome.hresult.text, "MAPI_E_UNKNOWN_FLAGS");
  assert.deepEqual(outcome.changes, []);
});
bad("apply: two input flags are a refusal outcome (S1)", () => {
  const outcome = sim.apply({ type: "storeLogoff", store: 0, flags: api.LOGOFF_ORDERLY | api.LOGOFF_PURGE });
  assert.equal(outcome.hresult.value, api.MAPI_E_INVALID_PARAMETER);
});
bad("apply: an invalid memory block is a refusal outcome", () => {
  const outcome = sim.apply({ type: "free", session: 0, block: 99 });
  assert.equal(outcome.hresult.text, "MAPI_E_INVALID_PARAMETER");
});

// --- Simulation.prototype.run(actions) -------------------------------------------

const RUN_CASES = [
  ["undefined", undefined, "invalidJson", ""],
  ["an object", {}, "invalidAction", ""],
  ["a string", "[]", "invalidAction", ""],
  ["a bad second action", [{ type: "addRef", store: 0 }, { type: "addRef" }], "invalidAction", "[1].store"],
  ["NaN in an action", [{ type: "addRef", store: NaN }], "invalidJson", "[0].store"],
  ["a BigInt in an action", [{ type: "addRef", store: 0 }, { type: "addRef", store: 1n }], "invalidJson", "[1].store"],
  ["a cycle", [cyclic()], "invalidJson", "[0].self"],
  ["100k levels of nesting", DEEP, "invalidJson", /^(\[0\]){8}\.\.\.\(depth 128\)$/],
  ["a 20 MB string", [{ type: "storeLogoff", store: 0, flags: HUGE }], "tooLarge", ""],
  ["a sparse array of length 2^32-1", Object.assign([], { length: 2 ** 32 - 1 }), "tooLarge", ""],
];
for (const [what, actions, code, path] of RUN_CASES) {
  bad(`run: ${what}`, () => {
    const before = [sim.step, sim.traceJson()];
    expectError(() => sim.run(actions), code, path);
    assert.deepEqual([sim.step, sim.traceJson()], before, "run is all or nothing");
  });
}

// --- the methods without arguments ---------------------------------------------------

for (const method of ["state", "trace", "traceJson", "traceText", "violations", "enabledActions", "toScenario"]) {
  bad(`${method}: ignores junk arguments`, () => {
    const expected = JSON.stringify(sim[method]());
    for (const junk of JUNK) assert.equal(JSON.stringify(sim[method](junk, junk)), expected);
  });
}
bad("step: is read-only", () => {
  const step = sim.step;
  assert.throws(() => { sim.step = 99; }, TypeError);
  assert.equal(sim.step, step);
});
bad("a freed Simulation throws an Error; others are unaffected", () => {
  const other = new Simulation(MAILBOX);
  other.free();
  const e = thrown(() => other.apply({ type: "addRef", store: 0 }));
  assert.ok(e instanceof Error && !(e instanceof WebAssembly.RuntimeError), String(e));
});

// --- the free functions ----------------------------------------------------------------

bad("isMapiLogoffError: false for any junk, never throws", () => {
  for (const v of [...JUNK, cyclic(), new Error("x"), { name: "MapiLogoffError", code: "invalidJson", path: "" }, new Proxy({}, {}), Object.create(null)]) {
    assert.equal(isMapiLogoffError(v), false);
  }
  assert.equal(isMapiLogoffError(), false);
});
for (const fn of ["constants", "rules", "version"]) {
  bad(`${fn}: ignores junk arguments`, () => {
    const expected = JSON.stringify(api[fn]());
    for (const junk of JUNK) assert.equal(JSON.stringify(api[fn](junk)), expected);
  });
}

const SETTINGS_CASES = [
  ["a number", 42, "invalidScenario", ""],
  ["an array", [], "invalidScenario", ""],
  ["an unknown field", { extra: 1 }, "invalidScenario", "extra"],
  ["an unknown reading", { abortReading: "maybe" }, "invalidScenario", "abortReading"],
  ["a reading of the wrong type", { abortReading: 1 }, "invalidScenario", "abortReading"],
  ["a huge number", { newMessageLimit: 1e20 }, "invalidScenario", "newMessageLimit"],
  ["a negative number", { newMessageLimit: -1 }, "invalidScenario", "newMessageLimit"],
  ["a fraction", { newMessageLimit: 0.5 }, "invalidScenario", "newMessageLimit"],
  ["NaN", { newMessageLimit: NaN }, "invalidJson", "newMessageLimit"],
  ["a BigInt", { newMessageLimit: 1n }, "invalidJson", "newMessageLimit"],
  ["a cycle", cyclic(), "invalidJson", "self"],
  ["100k levels of nesting", { abortReading: DEEP }, "invalidJson", /^abortReading(\[0\]){7}\.\.\.\(depth 128\)$/],
  ["a 20 MB string", { abortReading: HUGE }, "tooLarge", ""],
];
for (const [what, settings, code, path] of SETTINGS_CASES) {
  bad(`outcomeMatrix: ${what}`, () => expectError(() => api.outcomeMatrix(settings), code, path));
}
bad("outcomeMatrix: undefined and null mean the default readings", () => {
  assert.deepEqual(api.outcomeMatrix(undefined), api.outcomeMatrix(null));
  assert.ok(api.outcomeMatrix().length > 0);
});

bad("hresultName: every non-u32 is an invalidArgument", () => {
  for (const v of [...JUNK, ...BAD_NUMBERS, "0x80070057"]) expectError(() => api.hresultName(v), "invalidArgument", "value");
  assert.equal(api.hresultName(api.MAPI_E_BUSY), "MAPI_E_BUSY");
  assert.equal(api.hresultName(1), undefined);
});

const SETS = ["storeLogoff", "transportLogoff", "deinit", "flushQueues", "transportNotify", "spoolerNotify", "status"];
const PER_SET = ["StoreLogoff", "TransportLogoff", "Deinit", "Flush", "TransportNotify", "SpoolerNotify", "Status"];

bad("parseFlags / formatFlags: a bad set", () => {
  for (const set of [...JUNK, "StoreLogoff", "nope"]) {
    expectError(() => api.parseFlags(set, "1"), "invalidFlags", "set");
    expectError(() => api.formatFlags(set, 1), "invalidFlags", "set");
  }
});
for (const set of SETS) {
  bad(`parseFlags / formatFlags (${set}): bad text and values`, () => {
    for (const t of JUNK.filter((v) => typeof v !== "string")) expectError(() => api.parseFlags(set, t), "invalidArgument", "text");
    for (const t of ["", " | ", "NOT_A_FLAG", "0x1g", "-1"]) expectError(() => api.parseFlags(set, t), "invalidFlags", "text");
    for (const v of [...JUNK, ...BAD_NUMBERS, "1"]) expectError(() => api.formatFlags(set, v), "invalidArgument", "value");
  });
}
for (const name of PER_SET) {
  bad(`parse${name}Flags / format${name}Flags: bad text and values`, () => {
    const parse = api[`parse${name}Flags`], format = api[`format${name}Flags`];
    assert.equal(typeof parse, "function");
    assert.equal(typeof format, "function");
    for (const t of JUNK.filter((v) => typeof v !== "string")) expectError(() => parse(t), "invalidArgument", "text");
    expectError(() => parse("NOT_A_FLAG"), "invalidFlags", "text");
    expectError(() => parse(HUGE), "tooLarge", "text");
    for (const v of [...JUNK, ...BAD_NUMBERS, "1"]) expectError(() => format(v), "invalidArgument", "value");
    assert.equal(format(0), "0");
  });
}

// --- mapi-logoff/explore: explore(scenario, options, onProgress), new Explorer(scenario, options) ---

const { Explorer, explore } = exploreApi;
/** Four independent stores: 14^4 states, enough to step through every case below. */
const FOUR_STORES = { version: 1, settings: { storeLogoffTransports: "atFinalRelease" }, stores: ["A", "B", "C", "D"].map((name) => ({ name })) };
/** One explorer shared by every explorer case: it must survive them all. */
const explorer = new Explorer(FOUR_STORES, { maxDepth: 40 });

/** Units of work a report shows (see Explorer.step). */
const work = (r) => r.statesExplored + r.depthBoundHits + r.transitions;

/** The shared explorer still does exactly one more unit of work. */
function stillExploring() {
  const before = explorer.report();
  assert.equal(before.done, false, "the shared explorer has states left for every case");
  const after = explorer.step(1);
  assert.equal(work(after), work(before) + 1);
  assert.ok(after.uniqueStates >= before.uniqueStates);
}

/** Registers a test of the explorer module that runs `body`, then checks both shared objects. */
function badExplore(name, body) {
  test(name, () => {
    body();
    stillExploring();
    stillUsable();
  });
}

/** An idle store: 14 states under the deferred reading (tests/explore.rs). */
const IDLE = { version: 1, settings: { storeLogoffTransports: "atFinalRelease" }, stores: [{ name: "Mailbox" }] };
for (const [what, input, code, path] of SCENARIO_CASES) {
  badExplore(`explore: ${what}`, () => expectError(() => explore(input), code, path));
  badExplore(`new Explorer: ${what}`, () => expectError(() => new Explorer(input), code, path));
}
badExplore("explore / new Explorer: undefined", () => {
  expectError(() => explore(), "invalidJson", "");
  expectError(() => new Explorer(), "invalidJson", "");
});
badExplore("new Explorer: a throwing getter in an action", () =>
  expectThrew(() => new Explorer({ version: 1, stores: [{ name: "A" }], actions: [throwingGetter()] }), "actions[0].store", "getter"));

const goal = (fields) => ({ properties: [{ reachable: { flag: "LOGOFF_QUIET", ...fields } }] });
const OPTIONS_CASES = [
  ["a number", 42, "invalidJson", ""],
  ["a string", "{}", "invalidJson", ""],
  ["a boolean", true, "invalidJson", ""],
  ["an array", [], "invalidJson", ""],
  ["a BigInt", 1n, "invalidJson", ""],
  ["a function", () => ({}), "invalidJson", ""],
  ["a cycle", cyclic(), "invalidJson", "self"],
  ["an unknown field", { maxDepht: 3 }, "invalidJson", "maxDepht"],
  ["a throwing getter", Object.defineProperty({}, "maxDepth", { enumerable: true, get: () => { throw new Error("getter"); } }), "inputThrew", "maxDepth"],
  ["a Proxy whose traps throw", new Proxy({}, { ownKeys() { throw new Error("trap"); } }), "inputThrew", ""],
  ["NaN depth", { maxDepth: NaN }, "invalidJson", "maxDepth"],
  ["Infinity depth", { maxDepth: Infinity }, "invalidJson", "maxDepth"],
  ["a negative depth", { maxDepth: -1 }, "invalidJson", "maxDepth"],
  ["a fractional depth", { maxDepth: 1.5 }, "invalidJson", "maxDepth"],
  ["a string depth", { maxDepth: "5" }, "invalidJson", "maxDepth"],
  ["a BigInt depth", { maxDepth: 5n }, "invalidJson", "maxDepth"],
  ["a depth past the limit", { maxDepth: 1001 }, "tooLarge", "maxDepth"],
  ["zero states", { maxStates: 0 }, "tooLarge", "maxStates"],
  ["states past the limit", { maxStates: 20_000_001 }, "tooLarge", "maxStates"],
  ["states past 32 bits", { maxStates: 2 ** 32 }, "invalidJson", "maxStates"],
  ["NaN states", { maxStates: NaN }, "invalidJson", "maxStates"],
  ["a string symmetry", { symmetry: "yes" }, "invalidJson", "symmetry"],
  ["a numeric clientMisuse", { clientMisuse: 1 }, "invalidJson", "clientMisuse"],
  ["a symbol", { symmetry: Symbol("s") }, "invalidJson", "symmetry"],
  ["properties as a string", { properties: "invariants" }, "invalidJson", "properties"],
  ["an unknown property", { properties: ["invariants", "everythingFine"] }, "invalidJson", "properties[1]"],
  ["a property of the wrong type", { properties: [42] }, "invalidJson", "properties[0]"],
  ["a property without reachable", { properties: [{}] }, "invalidJson", "properties[0].reachable"],
  ["a goal without a flag", { properties: [{ reachable: {} }] }, "invalidJson", "properties[0].reachable.flag"],
  ["a goal with two flags", goal({ flag: "LOGOFF_QUIET | LOGOFF_ABORT" }), "invalidJson", "properties[0].reachable.flag"],
  ["a goal with an output flag as input", goal({ flag: "LOGOFF_COMPLETE" }), "invalidJson", "properties[0].reachable.flag"],
  ["a goal with an unknown flag", goal({ flag: "LOGOFF_SOON" }), "invalidFlags", "properties[0].reachable.flag"],
  ["a goal with a NaN flag", goal({ flag: NaN }), "invalidJson", "properties[0].reachable.flag"],
  ["a goal with an unknown call", goal({ call: "logoff" }), "invalidJson", "properties[0].reachable.call"],
  ["a goal with an unknown HRESULT", goal({ hresult: "S_MAYBE" }), "invalidJson", "properties[0].reachable.hresult"],
  ["a goal with a negative HRESULT", goal({ hresult: -1 }), "invalidJson", "properties[0].reachable.hresult"],
  ["a goal with a BigInt HRESULT", goal({ hresult: 0n }), "invalidJson", "properties[0].reachable.hresult"],
  ["a goal with unknown out flags", goal({ outFlags: "LOGOFF_SOON" }), "invalidFlags", "properties[0].reachable.outFlags"],
  ["a goal with an unknown field", goal({ extra: 1 }), "invalidJson", "properties[0].reachable.extra"],
  ["a goal with a cycle", { properties: [{ reachable: cyclic() }] }, "invalidJson", "properties[0].reachable.self"],
  ["a lone surrogate", { properties: [LONE_SURROGATE] }, "invalidJson", "properties[0]"],
  ["100k levels of nesting", { properties: DEEP }, "invalidJson", /^properties(\[0\]){7}\.\.\.\(depth 128\)$/],
  ["a 20 MB string", { properties: [HUGE] }, "tooLarge", ""],
  ["a sparse array of length 2^32-1", { properties: Object.assign([], { length: 2 ** 32 - 1 }) }, "tooLarge", ""],
];
for (const [what, options, code, path] of OPTIONS_CASES) {
  badExplore(`explore options: ${what}`, () => expectError(() => explore(IDLE, options), code, path));
  badExplore(`new Explorer options: ${what}`, () => expectError(() => new Explorer(IDLE, options), code, path));
}
badExplore("explore options: undefined and null mean the defaults; undefined fields are absent", () => {
  const strip = ({ elapsedMs, statesPerSecond, ...r }) => r;
  const expected = strip(explore(IDLE));
  for (const options of [undefined, null, {}, { maxDepth: undefined, properties: undefined }]) {
    assert.deepEqual(strip(explore(IDLE, options)), expected);
    const e = new Explorer(IDLE, options);
    assert.deepEqual(strip(e.step(1000)), expected);
    e.free();
  }
});

badExplore("explore: onProgress that is not a function", () => {
  for (const junk of JUNK.filter((v) => v !== undefined && v !== null && typeof v !== "function")) {
    expectError(() => explore(IDLE, null, junk), "invalidArgument", "onProgress");
  }
  // A bad callback is reported before anything is explored, even with bad options.
  expectError(() => explore(IDLE, { maxStates: 5 }, 42), "invalidArgument", "onProgress");
});
badExplore("explore: onProgress that throws, or explores itself, leaves the module usable", () => {
  const mine = new Error("mine");
  assert.throws(() => explore(FOUR_STORES, null, () => { throw mine; }), (e) => e === mine);
  assert.throws(() => explore(FOUR_STORES, null, () => { throw 42; }), (e) => e === 42);
  // Re-entrant: the callback runs explorations and steps the shared explorer.
  let inner = 0;
  const r = explore(FOUR_STORES, { maxDepth: 40 }, () => {
    inner += explore(IDLE).uniqueStates;
    stillExploring();
    return false;
  });
  assert.deepEqual([r.done, inner], [false, 14]);
});

badExplore("Explorer.step: every budget that is not a whole number from 1 to 2^32-1", () => {
  for (const v of [...JUNK, ...BAD_NUMBERS, 0, -0, "5", 5n]) {
    const before = JSON.stringify(explorer.report().statesExplored);
    expectError(() => explorer.step(v), "invalidArgument", "budget");
    assert.equal(JSON.stringify(explorer.report().statesExplored), before, "a refused step explores nothing");
  }
  expectError(() => explorer.step(), "invalidArgument", "budget");
});
badExplore("Explorer.report and done: ignore junk arguments; done is read-only", () => {
  const expected = explorer.report();
  for (const junk of JUNK) {
    const r = explorer.report(junk, junk);
    assert.equal(r.statesExplored, expected.statesExplored);
    assert.deepEqual(r.properties, expected.properties);
  }
  assert.throws(() => { explorer.done = true; }, TypeError);
  assert.equal(explorer.done, false);
});
badExplore("a freed Explorer throws an Error; others are unaffected", () => {
  const other = new Explorer(IDLE);
  other.free();
  for (const call of [() => other.step(1), () => other.report(), () => other.done]) {
    const e = thrown(call);
    assert.ok(e instanceof Error && !(e instanceof WebAssembly.RuntimeError), String(e));
  }
  const e = thrown(() => Explorer.prototype.step.call({}, 1));
  assert.ok(e instanceof Error && !(e instanceof WebAssembly.RuntimeError), String(e));
});
badExplore("explorer module: isMapiLogoffError and version ignore junk", () => {
  for (const v of [...JUNK, cyclic(), new Error("x"), { name: "MapiLogoffError", code: "invalidJson", path: "" }, Object.create(null)]) {
    assert.equal(exploreApi.isMapiLogoffError(v), false);
  }
  assert.equal(exploreApi.isMapiLogoffError(thrown(() => api.runScenario("{"))), true, "the engine's errors are recognised");
  const expected = exploreApi.version();
  for (const junk of JUNK) assert.equal(exploreApi.version(junk), expected);
  assert.equal(expected, api.version());
});

// --- argsByName(event): plain JS, the same errors as the wasm exports ------------------

for (const [what, event, path] of [
  ["undefined", undefined, ""],
  ["null", null, ""],
  ["a number", 3, ""],
  ["a string", "x", ""],
  ["no args", {}, "args"],
  ["args not a list", { args: "x" }, "args"],
  ["a null argument", { args: [null] }, "args[0]"],
  ["an argument without a name", { args: [{ name: "a", value: 1 }, { value: 1 }] }, "args[1]"],
]) {
  bad(`argsByName: ${what}`, () => expectError(() => api.argsByName(event), "invalidArgument", path));
}
bad("argsByName: a throwing getter", () => {
  const event = { args: [{ name: "ulFlags", value: 2, text: "LOGOFF_ORDERLY" }, Object.defineProperty({}, "name", { get: () => { throw new Error("getter"); } })] };
  expectThrew(() => api.argsByName(event), "args[1]", "getter");
});
bad("argsByName: a getter that throws undefined", () => {
  const event = Object.defineProperty({}, "args", { get: () => { throw undefined; } });
  const e = expectError(() => api.argsByName(event), "inputThrew", "args");
  assert.equal(e.cause, undefined);
});
bad("argsByName: a revoked Proxy", () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const e = expectError(() => api.argsByName(proxy), "inputThrew", "args");
  assert.ok(e.cause instanceof TypeError);
});

test("every exported function and method was exercised here", () => {
  const covered = new Set([
    "Simulation", "runScenario", "isMapiLogoffError", "constants", "rules", "version", "outcomeMatrix", "hresultName",
    "parseFlags", "formatFlags", ...PER_SET.flatMap((n) => [`parse${n}Flags`, `format${n}Flags`]), "initSync", "default", "argsByName",
  ]);
  const functions = Object.keys(api).filter((k) => typeof api[k] === "function");
  assert.deepEqual(functions.filter((k) => !covered.has(k)), [], "exports without bad-input tests");
  const methods = Object.getOwnPropertyNames(Simulation.prototype).filter((k) => k !== "constructor" && !k.startsWith("__"));
  const coveredMethods = ["apply", "run", "state", "trace", "traceJson", "traceText", "violations", "enabledActions", "toScenario", "step", "free"];
  assert.deepEqual(methods.filter((k) => !coveredMethods.includes(k)), [], "methods without bad-input tests");
  // The explorer module.
  const exploreCovered = ["Explorer", "explore", "isMapiLogoffError", "version", "initSync", "default"];
  const exploreFunctions = Object.keys(exploreApi).filter((k) => typeof exploreApi[k] === "function");
  assert.deepEqual(exploreFunctions.filter((k) => !exploreCovered.includes(k)), [], "explorer exports without bad-input tests");
  const explorerMethods = Object.getOwnPropertyNames(Explorer.prototype).filter((k) => k !== "constructor" && !k.startsWith("__"));
  assert.deepEqual(explorerMethods.filter((k) => !["step", "report", "done", "free"].includes(k)), [], "Explorer methods without bad-input tests");
});
