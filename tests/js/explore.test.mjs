// The explorer module (mapi-logoff/explore) and `mapi-logoff explore`, from
// the installed package: the three builds agree; state counts worked out by
// hand (as in tests/explore.rs); increments, progress and cancelling; a
// counterexample for every provider fault that replays in the engine with
// the fault's mistake; no false alarm on a well-behaved scenario;
// reachability; typed errors. The CLI: text and JSON reports, exit codes,
// saved counterexamples that `mapi-logoff run` replays, the --reachable
// grammar.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Explorer, explore, isMapiLogoffError, version } from "mapi-logoff/explore";
import * as engine from "mapi-logoff";
import { ROOT, SCENARIO_DIR, goldenScenarios } from "./support.mjs";

/** Units of work a report shows at least (see Explorer.step). */
const work = (r) => r.statesExplored + r.depthBoundHits + r.transitions;

const require = createRequire(import.meta.url);
const PKG = dirname(require.resolve("mapi-logoff/package.json"));
const CLI = join(PKG, "bin", "mapi-logoff.mjs");
const { Simulation } = engine;

// The hand-worked counts of tests/explore.rs follow the deferred reading,
// set explicitly: the default is the immediate one since protocol revision 2.
const DEFERRED = { storeLogoffTransports: "atFinalRelease" };
const IDLE_STORE = { version: 1, settings: DEFERRED, stores: [{ name: "Mailbox" }] };
/** n identical stores, each with a provider of its own, and nothing else. */
const stores = (n) => ({ version: 1, settings: DEFERRED, stores: Array.from({ length: n }, (_, i) => ({ name: `S${i}` })) });
/** The busy scenario of tests/explore.rs: a send, a receive, new mail, memory. */
const BUSY = {
  version: 1,
  // The counts and paths here were worked out under the deferred reading.
  settings: { storeLogoffTransports: "atFinalRelease" },
  stores: [{ name: "Mailbox", defaultInbox: true, outboundQueue: [{ addressType: "SMTP", steps: 1 }] }],
  transports: [
    { name: "Internet", sessions: [{ name: "smtp", addressTypes: ["SMTP"], memoryBlocks: 1, childBlocks: 1, inbound: [{ steps: 1 }] }] },
  ],
};
const NAMED = ["storesReleased", "noMessageLost", "storeLogoffTransportsOnce"];
const DEEP = 40; // deeper than any of these scenarios goes: "complete" means every state
/** StoreLogoffTransports(LOGOFF_QUIET) vetoed with only the send going (S3), as in tests/explore.rs. */
const QUIET_OUTBOUND = { reachable: { call: "storeLogoffTransports", flag: "LOGOFF_QUIET", hresult: "S_OK", outFlags: "LOGOFF_OUTBOUND" } };

/** n choose k: the multisets of k stores from 14 states each are C(14 + k - 1, k). */
function choose(n, k) {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** The report without its timing, which is checked by type only. */
function stable(report) {
  const { elapsedMs, statesPerSecond, ...rest } = report;
  assert.ok(Number.isFinite(elapsedMs) && elapsedMs >= 0, `elapsedMs ${elapsedMs}`);
  assert.ok(Number.isFinite(statesPerSecond) && statesPerSecond >= 0, `statesPerSecond ${statesPerSecond}`);
  return rest;
}

const verdicts = (report) => report.properties.map((p) => p.verdict);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The mistakes the engine named in a golden trace's VIOLATION lines. */
function goldenMistakes(name) {
  const text = readFileSync(join(SCENARIO_DIR, `${name}.trace.txt`), "utf8");
  return new Set([...text.matchAll(/^VIOLATION .*\((M\d+):/gm)].map((m) => m[1]));
}

/** The scenario without its actions and, optionally, without its providers' faults. */
function bare(scenario, { faults = true } = {}) {
  const strip = ({ faults: _, ...part }) => part;
  return {
    ...scenario,
    // The deferred reading keeps every fault's whole state space within
    // the explorer's default budget, so "complete" means every state.
    settings: { storeLogoffTransports: "atFinalRelease", ...scenario.settings },
    actions: [],
    stores: faults ? scenario.stores : scenario.stores?.map(strip),
    transports: faults ? scenario.transports : scenario.transports?.map(strip),
  };
}

const golden = goldenScenarios().map((g) => ({ ...g, scenario: JSON.parse(g.scenario) }));
// rejectReservedLogoffFlags shows only when a caller passes reserved
// TransportLogoff flags, which the explorer never does (the spooler passes 0,
// T1): its golden scenario makes the spooler's own mistake instead.
const faulty = golden.filter((g) => g.name.startsWith("fault-") && g.name !== "fault-reject-reserved-logoff-flags");
const clean = golden.filter((g) => !g.name.startsWith("fault-"));

function cli(args, input) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", input, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scratchDir() {
  return mkdtempSync(join(tmpdir(), "mapi-logoff-explore-"));
}

function scratchFile(name, value) {
  const path = join(scratchDir(), name);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

// ---- the module ----------------------------------------------------------

test("the explorer module resolves for import, require and the browser; the three builds give the same reports", async () => {
  assert.equal(require.resolve("mapi-logoff/explore"), join(PKG, "explore", "node", "mapi_logoff_explore.js"));
  assert.equal(import.meta.resolve("mapi-logoff/explore"), pathToFileURL(join(PKG, "explore", "node", "index.mjs")).href);
  assert.equal(require.resolve("mapi-logoff/explore/mapi_logoff_explore_bg.wasm"), join(PKG, "explore", "mapi_logoff_explore_bg.wasm"));
  const esm = await import("mapi-logoff/explore");
  const cjs = require("mapi-logoff/explore");
  const web = await import(pathToFileURL(join(PKG, "explore", "mapi_logoff_explore.js")).href);
  web.initSync({ module: readFileSync(join(PKG, "explore", "mapi_logoff_explore_bg.wasm")) });
  assert.equal(esm.Explorer, cjs.Explorer, "import and require share one module");
  const manifest = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  const fault = faulty.find((g) => g.name === "fault-leak-memory");
  const cases = [
    [BUSY, { maxDepth: DEEP, properties: [...NAMED, QUIET_OUTBOUND] }],
    [bare(fault.scenario), { clientMisuse: true, properties: NAMED }],
    [stores(2), { symmetry: true }],
  ];
  for (const [scenario, options] of cases) {
    const expected = stable(esm.explore(scenario, options));
    for (const m of [cjs, web]) {
      assert.deepEqual(stable(m.explore(scenario, options)), expected);
      assert.deepEqual(stable(m.explore(JSON.stringify(scenario), options)), expected, "a scenario as JSON text");
      const explorer = new m.Explorer(scenario, options);
      while (!explorer.done) explorer.step(50);
      assert.deepEqual(stable(explorer.report()), expected);
      explorer.free();
    }
  }
  for (const m of [esm, cjs, web]) assert.equal(m.version(), manifest.version);
  // Errors are recognised by shape across the builds and the engine module.
  assert.throws(() => web.explore("{"), (e) => web.isMapiLogoffError(e) && isMapiLogoffError(e) && engine.isMapiLogoffError(e));
});

test("an idle store has 14 states, at most 3 actions deep (hand-worked in tests/explore.rs)", () => {
  for (const options of [undefined, null, {}, { maxDepth: DEEP }]) {
    const r = explore(IDLE_STORE, options);
    assert.equal(r.done, true);
    assert.equal(r.stopped, "complete");
    assert.equal(r.uniqueStates, 14);
    assert.equal(r.statesExplored, 14, "every state expanded");
    assert.equal(r.maxDepth, 3);
    assert.equal(r.depthBoundHits, 0);
    // The only property is invariants, always checked, and it holds.
    assert.deepEqual(r.properties.map((p) => [p.property.kind, p.verdict]), [["invariants", "holds"]]);
    // The client's StoreLogoff with each of the five flags returns S_OK with COMPLETE (S17).
    const logoff = r.outcomes.filter((o) => o.call === "storeLogoff");
    assert.deepEqual(logoff.map((o) => o.flag), ["LOGOFF_NO_WAIT", "LOGOFF_ORDERLY", "LOGOFF_PURGE", "LOGOFF_ABORT", "LOGOFF_QUIET"]);
    for (const o of logoff) assert.deepEqual(o.outcomes.map((x) => [x.hresult.text, x.outFlags?.text]), [["S_OK", "LOGOFF_COMPLETE"]]);
  }
  // One action deep: the start and one state per action (Release, five StoreLogoffs).
  const shallow = explore(IDLE_STORE, { maxDepth: 1 });
  assert.deepEqual([shallow.uniqueStates, shallow.maxDepth, shallow.depthBoundHits, shallow.stopped], [7, 1, 6, "complete"]);
});

test("identical stores with providers of their own: 14^n states, and C(n + 13, n) with symmetry", () => {
  assert.deepEqual([14 ** 2, choose(15, 2)], [196, 105], "tests/explore.rs");
  for (const n of [1, 2, 3]) {
    const plain = explore(stores(n), { maxDepth: DEEP, properties: NAMED });
    const sym = explore(stores(n), { maxDepth: DEEP, properties: NAMED, symmetry: true });
    assert.equal(plain.uniqueStates, 14 ** n, `${n} stores`);
    assert.equal(sym.uniqueStates, choose(n + 13, n), `${n} stores with symmetry`);
    assert.equal(plain.maxDepth, 3 * n);
    assert.equal(sym.maxDepth, 3 * n);
    assert.deepEqual(verdicts(plain), ["holds", "holds", "holds", "holds"]);
    assert.deepEqual(verdicts(sym), verdicts(plain));
    assert.deepEqual(sym.outcomes, plain.outcomes, "the same outcomes are reachable");
  }
  // A store and an independent transport session (logged on, or gone): 14 x 2.
  const withSession = { ...IDLE_STORE, transports: [{ name: "Internet", sessions: [{ name: "smtp", addressTypes: ["SMTP"] }] }] };
  assert.equal(explore(withSession, { maxDepth: DEEP }).uniqueStates, 28);
});

test("an Explorer stepped in small budgets reaches the report of explore()", () => {
  const options = { maxDepth: DEEP, properties: [...NAMED, QUIET_OUTBOUND] };
  const whole = stable(explore(BUSY, options));
  for (const budget of [1, 7, 1000]) {
    const explorer = new Explorer(BUSY, options);
    const first = explorer.report();
    assert.deepEqual([first.done, first.uniqueStates, first.statesExplored], [false, 1, 0], "only the start before any step");
    let last = first;
    let steps = 0;
    while (!explorer.done) {
      const progress = explorer.step(budget);
      steps += 1;
      assert.ok(progress.uniqueStates >= last.uniqueStates && progress.statesExplored >= last.statesExplored, "progress only grows");
      assert.ok(progress.statesExplored - last.statesExplored <= budget, "at most `budget` states per step");
      assert.ok(work(progress) - work(last) <= budget, "at most `budget` units of work per step");
      assert.equal(progress.done, explorer.done);
      last = progress;
    }
    assert.ok(steps >= Math.ceil(whole.statesExplored / budget), `${steps} steps of ${budget}`);
    assert.deepEqual(stable(explorer.report()), whole, `budget ${budget}`);
    assert.deepEqual(stable(explorer.step(5)), whole, "a step once done changes nothing");
    explorer.free();
  }
});

test("onProgress is called after at most 4,096 units of work, with growing counts; returning false stops early", () => {
  const four = stores(4); // 14^4 = 38,416 states
  const options = { maxDepth: DEEP, properties: [...NAMED, { reachable: { flag: "LOGOFF_QUIET", hresult: "MAPI_E_BUSY" } }] };
  const seen = [];
  const final = explore(four, options, (progress) => {
    seen.push(progress);
  });
  assert.equal(final.uniqueStates, 14 ** 4);
  assert.ok(seen.length >= Math.floor(work(final) / 4096), `${seen.length} calls for ${work(final)} units of work`);
  for (const [i, p] of seen.entries()) {
    stable(p);
    const before = i > 0 ? seen[i - 1] : { statesExplored: 0, depthBoundHits: 0, transitions: 0, uniqueStates: 0 };
    assert.ok(p.uniqueStates >= before.uniqueStates, "growing counts");
    assert.ok(work(p) - work(before) <= 4096, `call ${i}: ${work(p) - work(before)} units since the last`);
    if (i < seen.length - 1) assert.equal(p.done, false);
  }
  assert.deepEqual(stable(seen.at(-1)), stable(final), "the last call sees the final report");

  // Only `false` stops: other return values go on to the end.
  for (const value of [undefined, true, 0, "false", null]) {
    assert.equal(explore(four, options, () => value).done, true, `returning ${String(value)}`);
  }
  let calls = 0;
  const stopped = explore(four, options, () => {
    calls += 1;
    return false;
  });
  assert.equal(calls, 1);
  assert.equal(stopped.done, false);
  assert.equal(stopped.stopped, undefined);
  assert.ok(stopped.statesExplored >= 1 && work(stopped) <= 4096, `${work(stopped)} units before the first call`);
  assert.ok(stopped.uniqueStates < 14 ** 4);
  // The goal cannot happen (MAPI_E_BUSY is no answer of the model), but an
  // exploration stopped early does not know that yet.
  assert.deepEqual(verdicts(stopped), ["holdsSoFar", "holdsSoFar", "holdsSoFar", "holdsSoFar", "notFoundSoFar"]);
  assert.equal(verdicts(final).at(-1), "unreachable");

  // The callback's own exception propagates unchanged.
  const mine = new RangeError("stop here");
  assert.throws(() => explore(four, options, () => { throw mine; }), (e) => e === mine);
});

test("the state budget stops early and says so", () => {
  const r = explore(BUSY, { maxDepth: DEEP, maxStates: 20, properties: [...NAMED, QUIET_OUTBOUND] });
  assert.deepEqual([r.done, r.stopped, r.uniqueStates], [true, "stateBudget", 20]);
  assert.deepEqual(verdicts(r).slice(0, 4), ["holdsSoFar", "holdsSoFar", "holdsSoFar", "holdsSoFar"]);
  assert.ok(["notFoundSoFar", "reachable"].includes(verdicts(r)[4]));
  const explorer = new Explorer(BUSY, { maxStates: 20 });
  while (!explorer.done) explorer.step(3);
  assert.equal(explorer.report().stopped, "stateBudget");
});

test("every provider fault: a failing invariants property whose counterexample replays with the fault's mistake", () => {
  assert.ok(faulty.length >= 12, faulty.map((g) => g.name).join());
  for (const g of faulty) {
    const mistakes = goldenMistakes(g.name);
    assert.ok(mistakes.size > 0, `${g.name}: the golden trace names the mistake`);
    const shows = (scenario) => new Simulation(scenario).violations().some((v) => mistakes.has(v.mistake));

    // From the scenario's own actions, which already show the fault.
    const own = explore(g.scenario, { properties: NAMED });
    const invariants = own.properties[0];
    assert.deepEqual([invariants.property.kind, invariants.verdict], ["invariants", "fails"], g.name);
    assert.deepEqual(invariants.counterexample.path, [], `${g.name}: at the start`);
    assert.ok(shows(invariants.counterexample.scenario), g.name);

    // From the bare topology: the explorer finds the actions itself.
    const r = explore(bare(g.scenario), { maxDepth: DEEP, clientMisuse: true, properties: NAMED });
    assert.equal(r.stopped, "complete", g.name);
    assert.equal(r.properties[0].verdict, "fails", g.name);
    for (const p of r.properties.filter((x) => x.verdict === "fails")) {
      const ce = p.counterexample;
      assert.ok(ce.message.length > 0);
      assert.deepEqual(ce.scenario.actions, ce.path, `${g.name}: the scenario is the path`);
      const replay = new Simulation(ce.scenario);
      assert.ok(replay.violations().length > 0 || p.property.kind === "storesReleased", `${g.name} ${p.property.kind}: the replay shows it`);
      if (p.property.kind === "invariants") {
        assert.ok(shows(ce.scenario), `${g.name}: ${JSON.stringify(replay.violations())}`);
        // Shortest: one action fewer shows nothing.
        assert.deepEqual(new Simulation({ ...ce.scenario, actions: ce.path.slice(0, -1) }).violations(), [], `${g.name}: ${JSON.stringify(ce.path)}`);
      }
    }

    // Without the fault the same exploration finds nothing.
    const fixed = explore(bare(g.scenario, { faults: false }), { maxDepth: DEEP, properties: NAMED });
    assert.deepEqual(verdicts(fixed), ["holds", "holds", "holds", "holds"], g.name);
  }
});

test("skipping StoreLogoffTransports leaves the store held by the spooler (storesReleased)", () => {
  const s = { version: 1, stores: [{ name: "Mailbox", faults: ["skipStoreLogoffTransports"] }] };
  const r = explore(s, { maxDepth: DEEP, properties: NAMED });
  const released = r.properties.find((p) => p.property.kind === "storesReleased");
  assert.equal(released.verdict, "fails");
  assert.equal(released.counterexample.message, "store Mailbox is still held by the spooler, which has nothing left to do");
  assert.deepEqual(released.counterexample.path, [{ type: "release", store: 0 }]);
  assert.equal(r.properties.find((p) => p.property.kind === "storeLogoffTransportsOnce").verdict, "fails");
  assert.equal(r.properties.find((p) => p.property.kind === "noMessageLost").verdict, "holds");
});

test("well-behaved scenarios: no failure, from their own actions or from the bare topology", () => {
  assert.ok(clean.length >= 10);
  for (const g of clean) {
    for (const scenario of [g.scenario, bare(g.scenario)]) {
      const r = explore(scenario, { maxDepth: DEEP, properties: NAMED });
      assert.equal(r.stopped, "complete", g.name);
      for (const p of r.properties) assert.equal(p.verdict, "holds", `${g.name}: ${p.description}: ${JSON.stringify(p.counterexample)}`);
      assert.ok(r.properties.every((p) => p.counterexample === undefined));
    }
  }
  const busy = explore(BUSY, { maxDepth: DEEP, properties: NAMED });
  assert.ok(busy.uniqueStates > 100, String(busy.uniqueStates));
  assert.deepEqual(verdicts(busy), ["holds", "holds", "holds", "holds"]);
});

test("client misuse: StoreLogoff again after COMPLETE is found as I3, the M5 mistake", () => {
  const r = explore(BUSY, { maxDepth: DEEP, clientMisuse: true });
  const ce = r.properties[0].counterexample;
  assert.ok(ce.message.startsWith("I3 store Mailbox") && ce.message.includes("M5"), ce.message);
  assert.equal(ce.path.length, 2, `StoreLogoff, then StoreLogoff again: ${JSON.stringify(ce.path)}`);
  assert.deepEqual(ce.path.map((a) => a.type), ["storeLogoff", "storeLogoff"]);
  assert.ok(new Simulation(ce.scenario).violations().some((v) => v.rule === "I3" && v.mistake === "M5"));
});

test("reachability: StoreLogoffTransports(LOGOFF_QUIET) can answer LOGOFF_OUTBOUND, and the witness replays", () => {
  const never = { reachable: { ...QUIET_OUTBOUND.reachable, hresult: "MAPI_E_INVALID_OBJECT", outFlags: undefined } };
  const r = explore(BUSY, { maxDepth: DEEP, properties: [QUIET_OUTBOUND, never] });
  const reached = r.properties[1];
  assert.deepEqual(reached.property, {
    kind: "reachable",
    call: "storeLogoffTransports",
    flag: "LOGOFF_QUIET",
    hresult: { value: engine.S_OK, text: "S_OK" },
    outFlags: { value: engine.LOGOFF_OUTBOUND, text: "LOGOFF_OUTBOUND" },
  });
  assert.equal(reached.verdict, "reachable");
  const witness = reached.counterexample;
  assert.equal(witness.message, "IMAPISupport::StoreLogoffTransports returned S_OK, LOGOFF_OUTBOUND");
  // Shortest: begin the send, StoreLogoff(QUIET), Release, in some order.
  assert.equal(witness.path.length, 3, JSON.stringify(witness.path));
  assert.deepEqual(witness.path.map((a) => a.type).sort(), ["beginSend", "release", "storeLogoff"]);
  const trace = new Simulation(witness.scenario).trace();
  const last = trace.findLast((e) => e.method === "IMAPISupport::StoreLogoffTransports");
  assert.deepEqual([last.hresult.text, last.outFlags.text], ["S_OK", "LOGOFF_OUTBOUND"]);
  assert.equal(r.properties[2].verdict, "unreachable");
  assert.equal(r.properties[2].counterexample, undefined);
  const quiet = r.outcomes.find((o) => o.call === "storeLogoffTransports" && o.flag === "LOGOFF_QUIET");
  assert.ok(quiet.outcomes.length >= 4, `QUIET answers COMPLETE or the activity bits: ${JSON.stringify(quiet.outcomes)}`);
  assert.ok(quiet.outcomes.some((o) => o.outFlags?.text === "LOGOFF_COMPLETE"));
  // Goals by number are the same goals.
  const numeric = explore(BUSY, { maxDepth: DEEP, properties: [{ reachable: { flag: engine.LOGOFF_QUIET, hresult: 0, outFlags: engine.LOGOFF_OUTBOUND } }] });
  assert.deepEqual(numeric.properties[1].property, reached.property);
});

test("bad options are MapiLogoffErrors with a code and the path of the field", () => {
  const expectError = (call, code, path) =>
    assert.throws(call, (e) => {
      assert.ok(!(e instanceof WebAssembly.RuntimeError), e.message);
      assert.ok(e instanceof Error && isMapiLogoffError(e), String(e));
      assert.deepEqual([e.name, e.code, e.path], ["MapiLogoffError", code, path], e.message);
      return true;
    });
  expectError(() => explore(IDLE_STORE, { maxStates: 0 }), "tooLarge", "maxStates");
  expectError(() => explore(IDLE_STORE, { maxDepth: 1001 }), "tooLarge", "maxDepth");
  expectError(() => explore(IDLE_STORE, { maxDepth: -1 }), "invalidJson", "maxDepth");
  expectError(() => explore(IDLE_STORE, { properties: ["everythingFine"] }), "invalidJson", "properties[0]");
  expectError(() => explore(IDLE_STORE, { properties: [{ reachable: { flag: "LOGOFF_QUIET | LOGOFF_ABORT" } }] }), "invalidJson", "properties[0].reachable.flag");
  expectError(() => explore(IDLE_STORE, { properties: ["invariants", { reachable: { flag: "LOGOFF_QUIET", hresult: "S_MAYBE" } }] }), "invalidJson", "properties[1].reachable.hresult");
  expectError(() => explore(IDLE_STORE, null, "report"), "invalidArgument", "onProgress");
  expectError(() => new Explorer({ version: 1, stores: [{ name: "" }] }), "invalidScenario", "stores[0].name");
  expectError(() => new Explorer({ version: 1, actions: [{ type: "addRef", store: 0 }] }), "invalidAction", "actions[0].store");
  const explorer = new Explorer(IDLE_STORE);
  expectError(() => explorer.step(0), "invalidArgument", "budget");
  assert.equal(explorer.step(100).uniqueStates, 14, "usable after the error");
});

// ---- the command line --------------------------------------------------------

test("explore: the text report (summary, a verdict per property, the witness path, the outcomes)", () => {
  const path = scratchFile("busy.json", BUSY);
  const goal = "LOGOFF_QUIET:S_OK:LOGOFF_OUTBOUND";
  const r = cli(["explore", path, "--max-depth", String(DEEP), "--reachable", goal]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, "", "no progress where stderr is no terminal");
  const report = explore(BUSY, { maxDepth: DEEP, properties: ["invariants", ...NAMED, QUIET_OUTBOUND] });
  const lines = r.stdout.split("\n");
  const n = (x) => x.toLocaleString("en-US");
  assert.ok(
    lines[0].startsWith(`${path}: ${n(report.uniqueStates)} unique states (${n(report.statesExplored)} explored, ${n(report.transitions)} transitions), max depth ${report.maxDepth}, `),
    lines[0],
  );
  assert.match(lines[0], /, \d+\.\d+ s, [\d,-]+ states\/s: complete$/);
  for (const p of report.properties) {
    assert.ok(lines.some((l) => new RegExp(`^${p.verdict} +${escape(p.description)}$`).test(l)), `${p.verdict} ${p.description}`);
  }
  const witness = report.properties.at(-1).counterexample;
  assert.ok(r.stdout.includes(witness.message));
  for (const [i, action] of witness.path.entries()) {
    const line = lines.find((l) => l.trim().startsWith(`${i + 1}. ${action.type} `));
    assert.ok(line, `step ${i + 1}: ${JSON.stringify(action)}\n${r.stdout}`);
    if ("store" in action) assert.ok(line.includes(`store ${action.store} (Mailbox)`), line);
    if ("session" in action) assert.ok(line.includes(`session ${action.session} (smtp)`), line);
    if ("flags" in action) assert.ok(line.endsWith(`flags ${action.flags}`), line);
  }
  const summary = lines.indexOf("Reachable logoff outcomes (call, input flag: HRESULT and out flags):");
  assert.ok(summary > 0, r.stdout);
  const rows = lines.slice(summary + 1).filter(Boolean);
  assert.equal(rows.length, report.outcomes.length);
  for (const [i, o] of report.outcomes.entries()) {
    const answers = o.outcomes.map((x) => (x.outFlags ? `${x.hresult.text} ${x.outFlags.text}` : x.hresult.text)).join("; ");
    assert.match(rows[i], new RegExp(`^  ${o.call} +${o.flag} +`));
    assert.ok(rows[i].endsWith(answers), rows[i]);
  }

  // The idle store, from standard input: the hand-worked counts in words.
  const idle = cli(["explore", "-"], JSON.stringify(IDLE_STORE));
  assert.equal(idle.status, 0, idle.stderr);
  assert.match(idle.stdout, /^standard input: 14 unique states \(14 explored, \d+ transitions\), max depth 3, .*: complete$/m);
  assert.match(idle.stdout, /^holds +I1-I6 hold in every state$/m);
});

test("explore --format json prints exactly the report of explore()", () => {
  const path = scratchFile("busy.json", BUSY);
  const r = cli(["explore", path, "--format", "json", "--max-depth", String(DEEP), "--reachable", "LOGOFF_QUIET:S_OK:LOGOFF_OUTBOUND"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  const printed = JSON.parse(r.stdout);
  assert.equal(r.stdout, `${JSON.stringify(printed, null, 2)}\n`, "one object, indented by 2");
  const expected = explore(BUSY, { maxDepth: DEEP, properties: ["invariants", ...NAMED, QUIET_OUTBOUND] });
  assert.deepEqual(Object.keys(printed), Object.keys(expected));
  assert.deepEqual(stable(printed), stable(expected));

  // Symmetry and client misuse reach the explorer.
  const two = JSON.parse(cli(["explore", scratchFile("two.json", stores(2)), "--format", "json", "--symmetry", "--max-depth", "40"]).stdout);
  assert.equal(two.uniqueStates, choose(15, 2));
  const misuse = cli(["explore", path, "--format", "json", "--client-misuse", "--property", "invariants"]);
  assert.equal(misuse.status, 1);
  assert.equal(JSON.parse(misuse.stdout).properties[0].counterexample.path.length, 2);
});

test("explore --property: the default is all four, a subset is repeatable or comma-separated", () => {
  const path = scratchFile("idle.json", IDLE_STORE);
  const kinds = (...args) => JSON.parse(cli(["explore", path, "--format", "json", ...args]).stdout).properties.map((p) => p.property.kind);
  assert.deepEqual(kinds(), ["invariants", ...NAMED]);
  assert.deepEqual(kinds("--property", "storesReleased"), ["invariants", "storesReleased"]);
  assert.deepEqual(kinds("--property", "noMessageLost", "--property", "storesReleased"), ["invariants", "noMessageLost", "storesReleased"]);
  assert.deepEqual(kinds("--property", "invariants,storeLogoffTransportsOnce"), ["invariants", "storeLogoffTransportsOnce"]);
  assert.deepEqual(kinds("--reachable", "LOGOFF_QUIET"), ["invariants", ...NAMED, "reachable"], "goals come on top of the default");
});

test("explore exit codes: 0 when everything holds, 1 on a failure or an unreachable goal, 2 for unusable input", () => {
  const fault = faulty.find((g) => g.name === "fault-release-support-first");
  const failing = cli(["explore", join(SCENARIO_DIR, `${fault.name}.json`)]);
  assert.equal(failing.status, 1, failing.stderr);
  const report = explore(fault.scenario, { properties: NAMED });
  assert.match(failing.stdout, /^fails +I1-I6 hold in every state$/m);
  assert.ok(failing.stdout.includes(report.properties[0].counterexample.message));
  assert.ok(failing.stdout.includes(`shown by the scenario's own ${fault.scenario.actions.length} actions already`));
  const found = cli(["explore", scratchFile("bare.json", bare(fault.scenario))]);
  assert.equal(found.status, 1);
  const [first] = explore(bare(fault.scenario), { properties: NAMED }).properties[0].counterexample.path;
  const session = fault.scenario.transports[0].sessions[first.session]?.name;
  assert.ok(session, `a session's action: ${JSON.stringify(first)}`);
  assert.match(found.stdout, new RegExp(`^ +1\\. ${first.type} session ${first.session} \\(${session}\\)`, "m"), found.stdout);

  const quietIdle = join(SCENARIO_DIR, "quiet-idle.json");
  assert.equal(cli(["explore", quietIdle]).status, 0);
  assert.equal(cli(["explore", "-"], readFileSync(quietIdle, "utf8")).status, 0, "standard input");
  const busy = scratchFile("busy.json", BUSY);
  assert.equal(cli(["explore", busy, "--reachable", "LOGOFF_QUIET:S_OK:LOGOFF_OUTBOUND"]).status, 0, "a reachable goal");
  const unreachable = cli(["explore", busy, "--reachable", "LOGOFF_QUIET:MAPI_E_INVALID_OBJECT"]);
  assert.equal(unreachable.status, 1);
  assert.match(unreachable.stdout, /^unreachable +storeLogoffTransports with LOGOFF_QUIET can return MAPI_E_INVALID_OBJECT$/m);

  // Stopped at the state budget: not a failure, but said plainly.
  const partial = cli(["explore", busy, "--max-states", "20", "--reachable", "LOGOFF_QUIET:MAPI_E_INVALID_OBJECT"]);
  assert.equal(partial.status, 0, partial.stdout);
  assert.match(partial.stdout, /: stopped at the state budget$/m);
  assert.match(partial.stdout, /^note: .*prove nothing.*--max-states/m);
  assert.match(partial.stdout, /^notFoundSoFar +/m);
  assert.match(partial.stdout, /^holdsSoFar +I1-I6/m);
  // Stopped at the depth bound: said too.
  const shallow = cli(["explore", scratchFile("idle.json", IDLE_STORE), "--max-depth", "1"]);
  assert.equal(shallow.status, 0);
  assert.match(shallow.stdout, /max depth 1, 6 at the depth bound, .*: complete up to the depth bound$/m);
  assert.match(shallow.stdout, /^note: 6 states at the depth bound \(1\) were not expanded.*--max-depth/m);

  const unusable = [
    [["explore"], /explore takes one scenario file/],
    [["explore", join(tmpdir(), "no-such-scenario.json")], /cannot read .*no-such-scenario\.json: ENOENT/],
    [["explore", scratchFile("bad.json", { version: 1, stores: [{ name: "" }] })], /bad\.json: stores\[0\]\.name: /],
    [["explore", scratchFile("text.json", "not json")], /text\.json: not valid JSON/],
    [["explore", scratchFile("v2.json", { version: 2 })], /v2\.json: version: /],
    [["explore", busy, "--max-states", "0"], /--max-states 0: maxStates: 0 is out of range/],
    [["explore", busy, "--max-states", "lots"], /--max-states takes a whole number/],
    [["explore", busy, "--max-depth", "1001"], /--max-depth 1001: maxDepth: /],
    [["explore", busy, "--property", "everythingFine"], /--property "everythingFine": properties\[0\]: unknown value "everythingFine"/],
    [["explore", busy, "--reachable", "LOGOFF_SOON"], /--reachable "LOGOFF_SOON": properties\[4\]\.reachable\.flag: /],
    [["explore", busy, "--format", "xml"], /--format must be one of text, json/],
    [["explore", busy, "--frobnicate"], /Unknown option '--frobnicate'/],
    [["explore", busy, busy], /explore takes one scenario file/],
  ];
  for (const [args, message] of unusable) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, "", args.join(" "));
    assert.match(r.stderr, message, args.join(" "));
  }
});

test("explore --save-counterexamples writes scenarios that `mapi-logoff run` replays", () => {
  for (const g of faulty) {
    const dir = join(scratchDir(), "out", "nested");
    const scenario = scratchFile(`${g.name}.json`, bare(g.scenario));
    const r = cli(["explore", scenario, "--client-misuse", "--max-depth", "40", "--save-counterexamples", dir]);
    assert.equal(r.status, 1, r.stderr);
    const report = explore(bare(g.scenario), { clientMisuse: true, maxDepth: 40, properties: ["invariants", ...NAMED] });
    const failing = report.properties.filter((p) => p.counterexample);
    const slugs = { invariants: "invariants", storesReleased: "stores-released", noMessageLost: "no-message-lost", storeLogoffTransportsOnce: "store-logoff-transports-once" };
    assert.deepEqual(readdirSync(dir).sort(), failing.map((p) => `${slugs[p.property.kind]}.json`).sort(), g.name);
    for (const p of failing) {
      const file = join(dir, `${slugs[p.property.kind]}.json`);
      assert.ok(r.stdout.includes(`saved as ${file}`), r.stdout);
      const saved = JSON.parse(readFileSync(file, "utf8"));
      assert.deepEqual(saved, p.counterexample.scenario);
      assert.ok(new Simulation(saved).trace().length > 0, "loads in the engine");
      const run = cli(["run", file]);
      assert.equal(run.status, 0, run.stderr);
      if (p.property.kind === "invariants") {
        const mistakes = [...goldenMistakes(g.name)];
        assert.ok(mistakes.some((m) => run.stdout.includes(`(${m}: `)), `${g.name}: ${run.stdout}`);
      }
    }
  }

  // A reached goal's witness is saved too; two goals with one name get two files.
  const dir = scratchDir();
  const goal = "LOGOFF_QUIET:S_OK:LOGOFF_OUTBOUND";
  const r = cli(["explore", scratchFile("busy.json", BUSY), "--property", "invariants", "--reachable", goal, "--reachable", goal, "--save-counterexamples", dir]);
  assert.equal(r.status, 0, r.stderr);
  const files = ["reachable-store-logoff-transports-logoff-quiet-s-ok-logoff-outbound.json", "reachable-store-logoff-transports-logoff-quiet-s-ok-logoff-outbound-2.json"];
  assert.deepEqual(readdirSync(dir).sort(), files.sort());
  const replay = JSON.parse(cli(["run", join(dir, files[0]), "--format", "json"]).stdout);
  const last = replay.trace.findLast((e) => e.method === "IMAPISupport::StoreLogoffTransports");
  assert.deepEqual([last.hresult.text, last.outFlags.text], ["S_OK", "LOGOFF_OUTBOUND"]);
  assert.deepEqual(replay.violations, []);

  // Nothing to save: no file; a directory that cannot be made: exit 2.
  const none = scratchDir();
  assert.equal(cli(["explore", join(SCENARIO_DIR, "quiet-idle.json"), "--save-counterexamples", none]).status, 0);
  assert.deepEqual(readdirSync(none), []);
  const blocked = scratchFile("a-file", "");
  const r2 = cli(["explore", join(SCENARIO_DIR, "quiet-idle.json"), "--save-counterexamples", join(blocked, "dir")]);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /--save-counterexamples: cannot create/);
  assert.equal(existsSync(join(blocked, "dir")), false);
});

test("explore --reachable: [CALL:]FLAG[:HRESULT[:OUT_FLAGS]], empty parts match anything", () => {
  const path = scratchFile("busy.json", BUSY);
  const goals = (...specs) => {
    const r = cli(["explore", path, "--format", "json", "--property", "invariants", ...specs.flatMap((s) => ["--reachable", s])]);
    assert.notEqual(r.status, 2, r.stderr);
    return JSON.parse(r.stdout).properties.slice(1);
  };
  const asOptions = (...reachable) => explore(BUSY, { properties: reachable.map((g) => ({ reachable: g })) }).properties.slice(1);
  const pairs = [
    ["storeLogoffTransports:LOGOFF_QUIET:S_OK:LOGOFF_OUTBOUND", { call: "storeLogoffTransports", flag: "LOGOFF_QUIET", hresult: "S_OK", outFlags: "LOGOFF_OUTBOUND" }],
    ["LOGOFF_QUIET:S_OK:LOGOFF_OUTBOUND", { flag: "LOGOFF_QUIET", hresult: "S_OK", outFlags: "LOGOFF_OUTBOUND" }],
    ["LOGOFF_QUIET::LOGOFF_OUTBOUND", { flag: "LOGOFF_QUIET", outFlags: "LOGOFF_OUTBOUND" }],
    ["storeLogoff:LOGOFF_ABORT", { call: "storeLogoff", flag: "LOGOFF_ABORT" }],
    ["LOGOFF_PURGE", { flag: "LOGOFF_PURGE" }],
    ["storeLogoffTransports:LOGOFF_QUIET::LOGOFF_INBOUND|LOGOFF_OUTBOUND", { flag: "LOGOFF_QUIET", outFlags: "LOGOFF_INBOUND | LOGOFF_OUTBOUND" }],
    ["0x10:0:0x40000", { flag: 0x10, hresult: 0, outFlags: 0x40000 }],
    [" storeLogoff : LOGOFF_QUIET : S_OK ", { call: "storeLogoff", flag: "LOGOFF_QUIET", hresult: "S_OK" }],
  ];
  const fromCli = goals(...pairs.map(([spec]) => spec));
  const fromOptions = asOptions(...pairs.map(([, goal]) => goal));
  assert.equal(fromCli.length, pairs.length);
  for (const [i, [spec]] of pairs.entries()) {
    assert.deepEqual(fromCli[i].property, fromOptions[i].property, spec);
    assert.equal(fromCli[i].verdict, fromOptions[i].verdict, spec);
  }
  assert.equal(fromCli[2].property.hresult, undefined, "an empty HRESULT matches any");
  assert.equal(fromCli[3].property.outFlags, undefined, "missing out flags match any");

  for (const [spec, message] of [
    [":S_OK", /no input flag/],
    ["", /no input flag/],
    ["storelogoff:LOGOFF_QUIET", /unknown call "storelogoff"; expected storeLogoff or storeLogoffTransports/],
    ["storeLogoff:LOGOFF_QUIET:S_OK:LOGOFF_COMPLETE:extra", /too many parts/],
    ["LOGOFF_QUIET:S_OK:LOGOFF_COMPLETE:extra", /too many parts/],
    ["LOGOFF_QUIET|LOGOFF_ABORT", /properties\[4\]\.reachable\.flag: expected exactly one input flag/],
    ["LOGOFF_QUIET:S_MAYBE", /properties\[4\]\.reachable\.hresult: /],
    ["LOGOFF_QUIET::LOGOFF_SOON", /properties\[4\]\.reachable\.outFlags: /],
  ]) {
    const r = cli(["explore", path, "--reachable", spec]);
    assert.equal(r.status, 2, `${JSON.stringify(spec)}: ${r.stdout}`);
    assert.match(r.stderr, message, spec);
    assert.ok(r.stderr.includes(`--reachable ${JSON.stringify(spec)}`), r.stderr);
  }
});

test("help and the README describe explore", () => {
  const help = cli(["--help"]).stdout;
  assert.ok(help.includes("mapi-logoff explore <scenario.json | ->"), help);
  for (const option of ["--max-depth", "--max-states", "--symmetry", "--client-misuse", "--property", "--reachable", "--save-counterexamples", "--format"]) {
    assert.ok(help.includes(option), option);
  }
  const readme = readFileSync(join(PKG, "README.md"), "utf8");
  assert.ok(readme.includes('from "mapi-logoff/explore"'));
  assert.ok(readme.includes("mapi-logoff explore"));
});

test("cli explore: Ctrl-C stops the search and prints the report so far, exit 130", async () => {
  // The benchmarks' reference with a third store: millions of states, so the
  // search is still going when the signal comes, however fast the machine.
  const reference = JSON.parse(readFileSync(join(ROOT, "bench", "explore-reference.json"), "utf8"));
  const big = {
    ...reference,
    stores: [...reference.stores, { name: "Public", outboundQueue: [{ addressType: "SMTP", steps: 2 }, { addressType: "FAX", steps: 2 }] }],
  };
  const file = scratchFile("big.json", JSON.stringify(big));
  for (const format of ["text", "json"]) {
    const child = spawn(process.execPath, [CLI, "explore", file, "--max-states", "20000000", "--max-depth", "1000", "--format", format], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const closed = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    // Loading the module takes a fraction of a second; by then the handler is set.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    child.kill("SIGINT");
    const { code, signal } = await closed;
    assert.deepEqual({ code, signal }, { code: 130, signal: null }, stdout);
    if (format === "json") {
      const report = JSON.parse(stdout);
      assert.equal(report.done, false);
      assert.ok(report.uniqueStates > 1000, `${report.uniqueStates}`);
      assert.deepEqual(new Set(report.properties.map((p) => p.verdict)), new Set(["holdsSoFar"]));
    } else {
      assert.match(stdout, /: interrupted\n/);
      assert.match(stdout, /note: interrupted \(Ctrl-C\) after [\d,]+ states/);
      assert.match(stdout, /^holdsSoFar +I1-I6 hold in every state$/m);
    }
  }
});
