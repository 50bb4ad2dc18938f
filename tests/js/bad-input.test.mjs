// (e) Bad input for every exported function and method. Each case either
// throws a MapiLogoffError with the expected `code` and a `path` naming the
// field ("" for the whole input), or answers with a protocol refusal as an
// outcome. Never a TypeError from the glue, never `RuntimeError:
// unreachable`, and the shared Simulation stays usable: a valid action is
// applied after every case.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as api from "mapi-logoff";

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
  ["100k levels of nesting", { version: 1, description: DEEP }, "invalidJson", /^description(\[0\])+$/],
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
bad("runScenario: a throwing getter", () => expectError(() => api.runScenario({ version: 1, actions: [throwingGetter()] }), "invalidJson", "actions[0].store"));

// --- Simulation.prototype.apply(action) ------------------------------------------

const ACTION_CASES = [
  ["undefined", undefined, "invalidJson", ""],
  ["null", null, "invalidAction", "type"],
  ["a number", 42, "invalidAction", "type"],
  ["a string", "addRef", "invalidAction", "type"],
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
  ["100k levels of nesting", { type: "addRef", store: DEEP }, "invalidJson", /^store(\[0\])+$/],
];

for (const [what, action, code, path] of ACTION_CASES) {
  bad(`apply: ${what}`, () => {
    const before = [sim.step, sim.traceJson()];
    expectError(() => sim.apply(action), code, path);
    assert.deepEqual([sim.step, sim.traceJson()], before, "a failed apply changes nothing");
  });
}
bad("apply: a throwing getter", () => expectError(() => sim.apply(throwingGetter()), "invalidJson", "store"));
bad("apply: a Proxy whose traps throw", () =>
  expectError(() => sim.apply(new Proxy({}, { ownKeys() { throw new Error("trap"); } })), "invalidJson", ""));

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
  ["100k levels of nesting", DEEP, "invalidJson", /^(\[0\])+$/],
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
  ["100k levels of nesting", { abortReading: DEEP }, "invalidJson", /^abortReading(\[0\])+$/],
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
    expectError(() => parse(HUGE), "invalidFlags", "text");
    for (const v of [...JUNK, ...BAD_NUMBERS, "1"]) expectError(() => format(v), "invalidArgument", "value");
    assert.equal(format(0), "0");
  });
}

test("every exported function and method was exercised here", () => {
  const covered = new Set([
    "Simulation", "runScenario", "isMapiLogoffError", "constants", "rules", "version", "outcomeMatrix", "hresultName",
    "parseFlags", "formatFlags", ...PER_SET.flatMap((n) => [`parse${n}Flags`, `format${n}Flags`]), "initSync", "default",
  ]);
  const functions = Object.keys(api).filter((k) => typeof api[k] === "function");
  assert.deepEqual(functions.filter((k) => !covered.has(k)), [], "exports without bad-input tests");
  const methods = Object.getOwnPropertyNames(Simulation.prototype).filter((k) => k !== "constructor" && !k.startsWith("__"));
  const coveredMethods = ["apply", "run", "state", "trace", "traceJson", "traceText", "violations", "enabledActions", "toScenario", "step", "free"];
  assert.deepEqual(methods.filter((k) => !coveredMethods.includes(k)), [], "methods without bad-input tests");
});
