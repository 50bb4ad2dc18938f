// (g) No input can hurt the module (issue 13), through the installed package:
// every way the caller's code can throw while an input is read, repeated
// 10,000 times, then a valid call that must succeed, with each module's wasm
// memory and externref table back to their size before the repetitions (a
// leak of one slot or one stack frame per call would show); use after free;
// inputs read exactly once; one definition of a line; every limit at every
// entry point, with toScenario() of anything accepted loadable; and the work
// of the costliest operations counted (docs/cost.md), never timed.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import * as engine from "mapi-logoff";
import * as checker from "mapi-logoff/check";
import * as explorer from "mapi-logoff/explore";

const require = createRequire(import.meta.url);
// The CommonJS builds are the same instances as the imports (the Node ESM
// entries re-export them); they also carry __wasmStats, which the ESM
// entries leave out.
const STATS = {
  engine: require("mapi-logoff").__wasmStats,
  check: require("mapi-logoff/check").__wasmStats,
  explore: require("mapi-logoff/explore").__wasmStats,
};
const REPEAT = 10_000;

const MAILBOX = {
  version: 1,
  stores: [{ name: "Mailbox", defaultInbox: true, outboundQueue: [{ addressType: "SMTP" }] }],
  transports: [{ name: "Internet", sessions: [{ name: "smtp", addressTypes: ["SMTP"] }] }],
};
/** An idle store: 14 states under the deferred reading (tests/explore.rs). */
const IDLE = { version: 1, settings: { storeLogoffTransports: "atFinalRelease" }, stores: [{ name: "A" }] };
const SMALL_SIM = IDLE;

/** The issue's own trigger: a toJSON that throws an Error whose message is not a string. */
const throwingToJSON = () =>
  Object.create({
    toJSON() {
      throw Object.defineProperty(new Error("x"), "message", { value: 42 });
    },
  });
const throwingGetter = () =>
  Object.defineProperty({ type: "addRef" }, "store", {
    enumerable: true,
    get() {
      throw new Error("getter");
    },
  });
const throwingProxy = () =>
  new Proxy(
    {},
    {
      ownKeys() {
        throw new Error("trap");
      },
    },
  );
const revokedProxy = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const throwingNonError = () => ({
  get version() {
    throw 7; // not an Error at all
  },
});
const TRIGGERS = { throwingToJSON, throwingGetter, throwingProxy, revokedProxy, throwingNonError };

/** Calls `call` `times` times; each must throw a MapiLogoffError with `code`. */
function repeatError(call, code, times) {
  for (let i = 0; i < times; i++) {
    let caught;
    try {
      call();
    } catch (e) {
      caught = e;
    }
    if (!engine.isMapiLogoffError(caught) || caught.code !== code) {
      assert.fail(`repetition ${i}: expected a MapiLogoffError ${code}, got ${caught?.name} ${caught?.code}: ${caught?.message}`);
    }
  }
}

const stats = () => Object.fromEntries(Object.entries(STATS).map(([k, f]) => [k, f()]));

/**
 * Runs `body(n)` (n repetitions) and `valid` once as a warm-up, then
 * `body(REPEAT)` and checks that no module's memory or table grew; then
 * `valid` must still work.
 */
function noLeak(body, valid) {
  body(100);
  valid();
  const before = stats();
  body(REPEAT);
  assert.deepEqual(stats(), before, "wasm memory and externref tables are back to their size");
  valid();
}

const validEngine = () => {
  assert.equal(engine.runScenario(IDLE).violations.length, 0);
  const sim = new engine.Simulation(MAILBOX);
  assert.equal(sim.apply({ type: "addRef", store: 0 }).hresult.text, "S_OK");
  sim.free();
};

for (const [name, make] of Object.entries(TRIGGERS)) {
  test(`${name}, ${REPEAT} times at every entry point that reads a document: inputThrew with the cause, no leak, nothing borrowed`, () => {
    const sim = new engine.Simulation(MAILBOX);
    const entries = {
      "new Simulation": () => new engine.Simulation(make()),
      "Simulation.apply": () => sim.apply(make()),
      "Simulation.run": () => sim.run([make()]),
      runScenario: () => engine.runScenario(make()),
      outcomeMatrix: () => engine.outcomeMatrix(make()),
      explore: () => explorer.explore(IDLE, make()),
      "new Explorer": () => new explorer.Explorer(make()),
    };
    for (const [entry, call] of Object.entries(entries)) {
      let first;
      try {
        call();
      } catch (e) {
        first = e;
      }
      assert.equal(first?.code, "inputThrew", `${entry}: ${first?.message}`);
      assert.equal(engine.isMapiLogoffError(first), true);
      assert.ok("cause" in first, `${entry}: the original is the cause`);
      assert.equal(typeof first.message, "string");
      noLeak(
        (n) => repeatError(call, "inputThrew", n),
        () => {
          validEngine();
          assert.equal(sim.apply({ type: "addRef", store: 0 }).hresult.text, "S_OK", `${entry}: the shared simulation is usable`);
          assert.equal(explorer.explore(IDLE).uniqueStates, 14);
        },
      );
    }
  });
}

test("a callback's own exception propagates unchanged, a signal whose getter throws is inputThrew, neither leaks", () => {
  const mine = new RangeError("stop");
  noLeak(
    (n) => {
      for (let i = 0; i < n / 10; i++) {
        assert.throws(() => explorer.explore(IDLE, {}, () => { throw mine; }), (e) => e === mine);
      }
      for (let i = 0; i < n / 10; i++) {
        const signal = { get aborted() { throw new Error("signal"); } };
        assert.throws(() => explorer.explore(IDLE, {}, undefined, signal), (e) => e.code === "inputThrew" && e.path === "signal.aborted");
      }
    },
    () => assert.equal(explorer.explore(IDLE).uniqueStates, 14),
  );
});

test("an AbortSignal stops explore() and the report says done: false", () => {
  const controller = new AbortController();
  const big = { version: 1, settings: IDLE.settings, stores: [{ name: "A" }, { name: "B" }, { name: "C" }, { name: "D" }] };
  const report = explorer.explore(big, {}, () => controller.abort(), controller.signal);
  assert.equal(report.done, false);
  assert.ok(report.statesExplored > 0 && report.uniqueStates < 14 ** 4);
  const already = AbortSignal.abort();
  assert.equal(explorer.explore(big, {}, undefined, already).statesExplored, 0, "an aborted signal stops before any work");
  assert.throws(() => explorer.explore(big, {}, undefined, 5), (e) => e.code === "invalidArgument" && e.path === "signal");
});

test(`isMapiLogoffError never throws, for any value, in all three modules (${REPEAT} times each)`, () => {
  const weird = [
    Object.defineProperty(new Error("x"), "name", { value: 7 }),
    Object.defineProperty(new Error("x"), "name", { get() { throw new Error("name"); } }),
    Object.defineProperty(new Error("x"), "code", { get() { throw new Error("code"); } }),
    new Proxy(new Error("x"), { get() { throw new Error("get"); }, getPrototypeOf() { throw new Error("proto"); } }),
    revokedProxy(),
    Object.create(null),
    { name: "MapiLogoffError", code: "invalidJson", path: "" },
    Symbol("s"),
    10n,
    undefined,
    null,
    () => 1,
  ];
  noLeak(
    (n) => {
      for (let i = 0; i < n / weird.length; i++) {
        for (const m of [engine, checker, explorer]) for (const v of weird) assert.equal(m.isMapiLogoffError(v), false);
      }
    },
    validEngine,
  );
  // Each module recognises the errors of the others.
  let fromCheck;
  try {
    checker.checkTrace(5);
  } catch (e) {
    fromCheck = e;
  }
  for (const m of [engine, checker, explorer]) assert.equal(m.isMapiLogoffError(fromCheck), true);
});

test(`checkTrace: a throwing or revoked Proxy is inputThrew, ${REPEAT} times, no leak`, () => {
  const throwingArray = () => new Proxy([], { get() { throw new Error("trap"); } });
  const revokedArray = () => {
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    return proxy;
  };
  const getterItem = () => Object.defineProperty(["{}"], 1, { enumerable: true, get() { throw new Error("item"); } });
  for (const make of [throwingArray, revokedArray, getterItem]) {
    noLeak(
      (n) => repeatError(() => checker.checkTrace(make()), "inputThrew", n),
      () => assert.equal(checker.checkTrace('{"format":"mapi-logoff-trace","version":1}').lines, 1),
    );
  }
  let e;
  try {
    checker.checkTrace(getterItem());
  } catch (caught) {
    e = caught;
  }
  assert.equal(e.path, "[1]");
  assert.equal(e.cause.message, "item");
});

test("regression (found by the fuzzer): an array whose Proxy claims 2^31 items is tooLarge, not a copy that aborts V8", () => {
  const claims = (length) => new Proxy([], { get: (target, key) => (key === "length" ? length : Reflect.get(target, key)) });
  for (const length of [2 ** 31, 2 ** 22 + 1]) {
    assert.throws(() => checker.checkTrace(claims(length)), (e) => e.code === "tooLarge" && e.path === "");
  }
  for (const entry of [(v) => engine.runScenario({ version: 1, actions: v }), (v) => new engine.Simulation(SMALL_SIM).run(v)]) {
    assert.throws(() => entry(claims(2 ** 31)), (e) => e.code === "tooLarge");
  }
  // A small claim is read item by item: here the items are missing.
  assert.throws(() => checker.checkTrace(claims(3)), (e) => e.code === "invalidArgument" && e.path === "[0]");
});

test(`use after free: every method refuses with code "freed", ${REPEAT} times, no leak; free() twice is harmless`, () => {
  const freed = () => {
    const sim = new engine.Simulation(IDLE);
    const tc = new checker.TraceChecker();
    const ex = new explorer.Explorer(IDLE);
    sim.free();
    tc.free();
    ex.free();
    return { sim, tc, ex };
  };
  const { sim, tc, ex } = freed();
  const calls = [
    () => sim.apply({ type: "addRef", store: 0 }),
    () => sim.run([]),
    () => sim.state(),
    () => sim.trace(),
    () => sim.traceJson(),
    () => sim.toScenario(),
    () => sim.step,
    () => tc.feed("x"),
    () => tc.pushChunk(new Uint8Array(1)),
    () => tc.finish(),
    () => ex.step(1),
    () => ex.report(),
    () => ex.done,
  ];
  noLeak(
    (n) => {
      for (const call of calls) repeatError(call, "freed", n);
      for (let i = 0; i < n / 10; i++) {
        sim.free();
        tc.free();
        ex.free();
      }
    },
    () => {
      validEngine();
      const fresh = new checker.TraceChecker();
      fresh.feed('{"format":"mapi-logoff-trace","version":1}\n');
      assert.equal(fresh.finish().lines, 1);
    },
  );
  // A method borrowed onto something that is not an instance never reaches wasm.
  for (const self of [{}, { __wbg_ptr: 8 }, new Proxy(new engine.Simulation(IDLE), {}), null, 1]) {
    assert.throws(() => engine.Simulation.prototype.apply.call(self, { type: "addRef", store: 0 }), (e) => e.code === "invalidArgument" && e.path === "this");
  }
  assert.throws(() => explorer.Explorer.prototype.step.call(new engine.Simulation(IDLE), 1), (e) => e.code === "invalidArgument");
});

test("a simulation that a getter frees or calls during its own call stays consistent", () => {
  const sim = new engine.Simulation(MAILBOX);
  const reentrant = { type: "addRef", get store() { sim.apply({ type: "addRef", store: 0 }); return 0; } };
  assert.equal(sim.apply(reentrant).hresult.text, "S_OK");
  assert.equal(sim.step, 2, "the inner call, then the outer one");
  const freeing = { type: "addRef", get store() { sim.free(); return 0; } };
  assert.throws(() => sim.apply(freeing), (e) => e.code === "inputThrew" && e.cause.code === "busy");
  assert.equal(sim.apply({ type: "addRef", store: 0 }).hresult.text, "S_OK");
  assert.equal(sim.step, 3);
});

test("each input is read exactly once: a getter that changes its answer cannot pass validation with one value and be used with another", () => {
  const flip = (first, then) => {
    let reads = 0;
    return { get() { reads += 1; return reads === 1 ? first : then; }, reads: () => reads };
  };
  const quiet = flip(engine.LOGOFF_QUIET, NaN);
  const action = Object.defineProperty({ type: "storeLogoff", store: 0 }, "flags", { enumerable: true, get: quiet.get });
  const sim = new engine.Simulation(MAILBOX);
  const outcome = sim.apply(action);
  assert.equal(quiet.reads(), 1);
  assert.equal(outcome.action.flags, "LOGOFF_QUIET", "used as read");

  const states = flip(10, NaN);
  const options = Object.defineProperty({}, "maxStates", { enumerable: true, get: states.get });
  const report = explorer.explore({ version: 1, stores: [{ name: "A" }, { name: "B" }] }, options);
  assert.equal(states.reads(), 1);
  assert.equal(report.uniqueStates, 10);

  const yes = flip(true, NaN);
  const settingsRead = Object.defineProperty({}, "abortReading", { enumerable: true, get: () => (yes.get() ? "literal" : NaN) });
  engine.outcomeMatrix(settingsRead);
  assert.equal(yes.reads(), 1);

  let toJSONCalls = 0;
  const scenario = { toJSON() { toJSONCalls += 1; return IDLE; } };
  assert.equal(engine.runScenario(scenario).violations.length, 0);
  assert.equal(toJSONCalls, 1, "toJSON is called once, as JSON.stringify would");
});

test("one definition of a line: checkTrace(text) and checkTrace(lines) agree, and so does TraceChecker fed in any chunks", () => {
  const header = '{"format":"mapi-logoff-trace","version":1}';
  const texts = [" ", "", "\n", " \n", `${header}`, `${header}\n`, `${header}\n\n`, `${header}\r\n \n{`, `\n\n${header}`, "a\nb", "a\r\nb\r\n"];
  for (const text of texts) {
    const whole = checker.checkTrace(text);
    const lines = checker.checkTrace(text.split("\n"));
    assert.deepEqual(lines, whole, JSON.stringify(text));
    for (let cut = 0; cut <= text.length; cut++) {
      const tc = new checker.TraceChecker();
      tc.feed(text.slice(0, cut));
      tc.feed(text.slice(cut));
      assert.deepEqual(tc.finish(), whole, `${JSON.stringify(text)} cut at ${cut}`);
    }
  }
  assert.equal(checker.checkTrace(" ").lines, checker.checkTrace([" "]).lines);
});

// --- limits at every entry point -------------------------------------------

const STORES = (n) => ({ version: 1, stores: Array.from({ length: n }, (_, i) => ({ name: `S${i}` })) });
const DEEP = (() => {
  let v = {};
  for (let i = 0; i < 200; i++) v = { v };
  return v;
})();

test("every limit at every entry point that takes a scenario: tooLarge or invalidJson naming the field", () => {
  const entries = {
    "new Simulation": (s) => new engine.Simulation(s),
    runScenario: (s) => engine.runScenario(s),
    "new Explorer": (s) => new explorer.Explorer(s),
    explore: (s) => explorer.explore(s, { maxStates: 1 }),
  };
  const cases = [
    ["33 stores", STORES(33), "tooLarge", "stores"],
    ["17 transports", { version: 1, transports: Array.from({ length: 17 }, (_, i) => ({ name: `T${i}` })) }, "tooLarge", "transports"],
    ["100,001 actions", { version: 1, stores: [{ name: "A" }], actions: Array(100_001).fill({ type: "addRef", store: 0 }) }, "tooLarge", "actions"],
    ["a name of 65 characters", { version: 1, stores: [{ name: "n".repeat(65) }] }, "tooLarge", "stores[0].name"],
    ["an address type of 65 characters", { version: 1, stores: [{ name: "A", outboundQueue: [{ addressType: "x".repeat(65) }] }] }, "tooLarge", "stores[0].outboundQueue[0].addressType"],
    ["a provider name of 65 characters", { version: 1, stores: [{ name: "A", provider: "p".repeat(65) }] }, "tooLarge", "stores[0].provider"],
    ["a description of 4,097 characters", { version: 1, description: "d".repeat(4097) }, "tooLarge", "description"],
    ["JSON text over 16 MiB", JSON.stringify({ version: 1, description: "x".repeat(17 * 1024 * 1024) }), "tooLarge", ""],
    ["an object over 16 MiB of JSON", { version: 1, description: "x".repeat(17 * 1024 * 1024) }, "tooLarge", ""],
    ["nesting past 128 levels", { version: 1, extra: DEEP }, "invalidJson", /^extra(\.v){7}\.\.\.\(depth 128\)$/],
  ];
  for (const [entry, call] of Object.entries(entries)) {
    for (const [what, scenario, code, path] of cases) {
      let e;
      try {
        call(scenario);
      } catch (caught) {
        e = caught;
      }
      assert.equal(e?.code, code, `${entry}, ${what}: ${e?.message?.slice(0, 200)}`);
      if (path instanceof RegExp) assert.match(e.path, path, `${entry}, ${what}`);
      else assert.ok(e.path.startsWith(path), `${entry}, ${what}: path ${e.path}`);
    }
  }
});

test("flag text over 4096 characters is refused unread at every parser", () => {
  const long = "LOGOFF_ORDERLY|".repeat(300);
  for (const [name, parse] of Object.entries(engine).filter(([n]) => /^parse\w*Flags$/.test(n))) {
    const call = name === "parseFlags" ? () => parse("storeLogoff", long) : () => parse(long);
    assert.throws(call, (e) => e.code === "tooLarge" && e.path === "text", name);
  }
});

test("a simulation refuses actions past the scenario limit, so toScenario() of anything accepted loads", () => {
  const ACTIONS = 100_000;
  const full = { version: 1, stores: [{ name: "A" }], actions: Array(ACTIONS - 1).fill({ type: "addRef", store: 0 }) };
  const sim = new engine.Simulation(full);
  assert.equal(sim.step, ACTIONS - 1);
  assert.equal(sim.run([{ type: "addRef", store: 0 }]).length, 1, "the last one the limit allows");
  assert.throws(() => sim.apply({ type: "addRef", store: 0 }), (e) => e.code === "tooLarge");
  assert.throws(() => sim.run([{ type: "addRef", store: 0 }]), (e) => e.code === "tooLarge" && e.path === "[0]");
  assert.equal(sim.step, ACTIONS, "nothing changed");
  const again = new engine.Simulation(sim.toScenario());
  assert.equal(again.step, ACTIONS);
  assert.deepEqual(again.state(), sim.state());
  sim.free();
  again.free();
});

// --- work counted, not timed (docs/cost.md) --------------------------------

test("Explorer.step(budget) stays within its budget of work however many actions a state enables", () => {
  // 32 stores with messages queued: the start state alone enables far more
  // actions than any budget below.
  const wide = {
    version: 1,
    stores: Array.from({ length: 32 }, (_, i) => ({ name: `S${i}`, outboundQueue: [{ addressType: "SMTP" }] })),
    transports: [{ name: "Internet", sessions: [{ name: "smtp", addressTypes: ["SMTP"] }] }],
  };
  const ex = new explorer.Explorer(wide, { maxDepth: 2 });
  const units = (r) => r.statesExplored + r.depthBoundHits + r.transitions;
  let last = ex.report();
  for (const budget of [1, 5, 1, 17, 64]) {
    const r = ex.step(budget);
    assert.ok(units(r) - units(last) <= budget, `step(${budget}) did ${units(r) - units(last)} units`);
    assert.ok(units(r) > units(last), "and made progress");
    last = r;
  }
  assert.ok(last.transitions > 40, "a node's successors span steps");
  ex.free();
});

test("checkTrace: work is one pass over the lines; a line past 1 MiB is cut and reported, memory stays bounded", () => {
  const header = '{"format":"mapi-logoff-trace","version":1}';
  const n = 50_000;
  const text = `${[header, ...Array(n).fill("")].join("\n")}\n`;
  assert.equal(checker.checkTrace(text).lines, n + 1);
  const line = (mb) => `${header}\n{"note":"${"x".repeat(mb * 1024 * 1024)}"}\n`;
  const first = checker.checkTrace(line(4));
  assert.equal(first.lines, 2);
  assert.ok(first.diagnostics.some((d) => d.line === 2), "the cut line is reported");
  const before = STATS.check();
  const report = checker.checkTrace(line(32));
  assert.equal(report.lines, 2);
  // Eight times the line, not a byte more of wasm memory: it is read in
  // slices and cut at 1 MiB.
  assert.deepEqual(STATS.check(), before, "memory does not grow with the length of a line");
});
