// The seeded JS fuzzer of the packed package: every export of the three
// modules (functions, constructors, and every method and getter of each
// class) called the way hostile or careless code would, with mutations of
// the golden scenarios, actions and traces, Proxies, throwing and changing
// getters, toJSON, revoked Proxies, cycles, deep and huge values, freed
// objects, and callbacks that throw or call back in; plus the playground's
// share-link reader (www/share.ts), which has no Rust counterpart.
//
// A call may return, or throw a MapiLogoffError with a known code (or, from
// the share reader, a ShareError), or rethrow the fuzzer's own exception from
// a callback. Anything else is a defect: a raw exception, a wasm trap, a
// module left unusable (a valid call fails afterwards), a leak (wasm memory or
// externref table growing over repeated bad calls), or a simulation whose
// toScenario() does not load.
//
//   node fuzz.mjs --cases-per-export N --seed S     (run by scripts/fuzz.sh)
//   import { fuzz } from "./fuzz.mjs"                (tests/js/fuzz.test.mjs)
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const ROOT = process.env.MAPI_LOGOFF_ROOT;
if (!ROOT) throw new Error("MAPI_LOGOFF_ROOT is not set: run through scripts/fuzz.sh or scripts/test.d/40-package.sh");

const MODULES = { "mapi-logoff": require("mapi-logoff"), "mapi-logoff/check": require("mapi-logoff/check"), "mapi-logoff/explore": require("mapi-logoff/explore") };
const engine = MODULES["mapi-logoff"];
const { isMapiLogoffError } = engine;
const CODES = new Set([
  "invalidJson", "invalidScenario", "unsupportedVersion", "invalidAction", "notEnabled", "invalidFlags", "tooLarge",
  "inputThrew", "invalidArgument", "freed", "busy",
]);

/** The fuzzer's own exception, thrown from callbacks and getters. */
class Sentinel extends Error {}

// --- seeded randomness (mulberry32) ------------------------------------------
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
  };
  return r;
}

// --- the seeds: golden scenarios, their actions and traces -----------------
const SCENARIO_DIR = join(ROOT, "tests", "scenarios");
const GOLDEN = readdirSync(SCENARIO_DIR)
  .filter((f) => f.endsWith(".json") && !f.endsWith(".trace.json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(SCENARIO_DIR, f), "utf8")));
const TRACE_LINES = readdirSync(SCENARIO_DIR)
  .filter((f) => f.endsWith(".trace.jsonl"))
  .sort()
  .flatMap((f) => readFileSync(join(SCENARIO_DIR, f), "utf8").split("\n"))
  .filter((l) => l !== "");
const ACTIONS = GOLDEN.flatMap((s) => s.actions ?? []);
/** An idle store: 14 states under the deferred reading (tests/explore.rs). */
const SMALL = { version: 1, settings: { storeLogoffTransports: "atFinalRelease" }, stores: [{ name: "A" }] };
const FLAG_WORDS = Object.keys(engine.constants());
const FLAG_SETS = ["storeLogoff", "transportLogoff", "deinit", "flushQueues", "transportNotify", "spoolerNotify", "status"];

function values(r) {
  const nested = (n) => {
    let v = [];
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };
  const revoked = () => {
    const p = Proxy.revocable({}, {});
    p.revoke();
    return p.proxy;
  };
  const weirdError = () => r.pick([
    Object.defineProperty(new Error("x"), "message", { value: 42 }),
    Object.defineProperty(new Error("x"), "message", { get() { throw new Sentinel("message"); } }),
    Object.defineProperty(new Error("x"), "name", { value: 7 }),
    new Proxy(new Error("x"), { get() { throw new Sentinel("get"); } }),
    7,
    undefined,
  ]);
  const primitive = () => r.pick([
    () => 0, () => -0, () => 1, () => -1, () => 2 ** 32, () => 2 ** 53 + 2, () => 1.5, () => NaN, () => Infinity, () => -Infinity,
    () => r.int(70000), () => r.int(40), () => "", () => " ", () => "\ud800", () => "x".repeat(r.int(200)), () => r.pick(FLAG_WORDS),
    () => `${r.pick(FLAG_WORDS)} | ${r.pick(FLAG_WORDS)}`, () => `0x${r.int(2 ** 31).toString(16)}`, () => true, () => false, () => null,
    () => undefined, () => 10n, () => Symbol("s"), () => () => 1, () => r.pick(TRACE_LINES),
  ])();
  /** A value the caller's code makes hostile. */
  const hostile = (inner) => r.pick([
    () => new Proxy(inner ?? {}, {}),
    () => new Proxy(inner ?? {}, { ownKeys() { throw new Sentinel("ownKeys"); } }),
    () => new Proxy(inner ?? {}, { get() { throw weirdError(); } }),
    () => new Proxy([], { get(t, k) { if (k === "length") return 2 ** 31; return Reflect.get(t, k); } }),
    () => revoked(),
    () => Object.defineProperty({ ...(inner ?? {}) }, "type", { enumerable: true, get() { throw new Sentinel("getter"); } }),
    () => Object.create({ toJSON() { throw weirdError(); } }),
    () => ({ toJSON: () => inner }),
    () => ({ toJSON: () => ({ toJSON: () => 1 }) }),
    () => {
      const o = { ...(inner ?? {}) };
      o.self = o;
      return o;
    },
    () => nested(130 + r.int(5)),
    () => Object.create(null),
    () => new Date(0),
    () => new Map([[1, 2]]),
    () => new ArrayBuffer(4),
    () => {
      let reads = 0;
      return Object.defineProperty({ ...(inner ?? {}) }, "store", { enumerable: true, get: () => (reads++ === 0 ? 0 : NaN) });
    },
    () => {
      // A getter that calls back into the module while the input is read.
      return Object.defineProperty({ ...(inner ?? {}) }, "store", {
        enumerable: true,
        get() {
          engine.runScenario(SMALL);
          return 0;
        },
      });
    },
  ])();
  /** Rare, costly values: sizes at and past the limits. */
  const huge = () => r.pick([
    () => "x".repeat(17 * 1024 * 1024),
    () => ({ version: 1, description: "d".repeat(17 * 1024 * 1024) }),
    () => ({ version: 1, stores: Array.from({ length: 33 }, (_, i) => ({ name: `S${i}` })) }),
    () => ({ version: 1, stores: [{ name: "A" }], actions: Array(100_001).fill({ type: "addRef", store: 0 }) }),
    () => nested(100_000),
  ])();
  /**
   * A deep copy of `doc` with a few random changes; `plain` keeps hostile
   * values out (for a copy the fuzzer itself writes as JSON).
   */
  const mutate = (doc, plain = false) => {
    const copy = JSON.parse(JSON.stringify(doc));
    const n = 1 + r.int(3);
    for (let i = 0; i < n; i++) {
      const holders = [];
      const walk = (v) => {
        if (v && typeof v === "object") {
          holders.push(v);
          for (const k of Object.keys(v)) walk(v[k]);
        }
      };
      walk(copy);
      const holder = r.pick(holders);
      if (!holder) break;
      const keys = Object.keys(holder);
      const key = keys.length ? r.pick(keys) : Array.isArray(holder) ? 0 : "extra";
      switch (r.int(6)) {
        case 0: delete holder[key]; break;
        case 1: holder[key] = primitive(); break;
        case 2: holder[key] = plain ? primitive() : hostile(holder[key] && typeof holder[key] === "object" ? holder[key] : undefined); break;
        case 3: if (Array.isArray(holder)) holder.push(...holder.slice(0, 3)); else holder[`x${r.int(9)}`] = primitive(); break;
        case 4: if (typeof holder[key] === "number") holder[key] += r.pick([1, -1, 255, 65536, 0.5]); break;
        default: holder[key] = Array.isArray(holder[key]) ? [] : {}; break;
      }
    }
    return copy;
  };
  const scenario = () => {
    if (r.chance(0.0001)) return huge();
    const base = r.chance(0.7) ? SMALL : r.pick(GOLDEN);
    if (r.chance(0.15)) return base;
    if (r.chance(0.1)) return JSON.stringify(mutate(base, true)) ?? "";
    if (r.chance(0.1)) return hostile(mutate(base));
    return mutate(base);
  };
  const action = () => (r.chance(0.1) ? hostile(r.pick(ACTIONS)) : r.chance(0.2) ? r.pick(ACTIONS) : mutate(r.pick(ACTIONS)));
  const any = () => (r.chance(0.5) ? primitive() : r.chance(0.5) ? hostile() : r.pick([scenario, action])());
  const options = () => r.pick([
    () => undefined,
    () => ({ maxStates: 1 + r.int(300), maxDepth: r.int(6) }),
    () => mutate({ maxDepth: 3, maxStates: 200, symmetry: true, clientMisuse: true, properties: ["invariants", "storesReleased", { reachable: { flag: "LOGOFF_QUIET" } }] }),
    () => hostile({ maxStates: 50 }),
    any,
  ])();
  const lines = () => {
    const list = Array.from({ length: r.int(20) }, () => (r.chance(0.8) ? r.pick(TRACE_LINES) : r.chance(0.5) ? mutate(JSON.parse(r.pick(TRACE_LINES)), true) : primitive()));
    const text = list.map((l) => (typeof l === "string" ? l : typeof l === "bigint" ? `${l}` : JSON.stringify(l) ?? "")).join(r.pick(["\n", "\r\n", "\n\n"]));
    return r.pick([() => text, () => list, () => text.split("\n"), () => hostile(list), any])();
  };
  return { primitive, hostile, huge, mutate, scenario, action, any, options, lines, weirdError };
}

// --- the targets: every export, and every member of every class -------------
function targets(r, v, shared) {
  const callback = () => r.pick([
    () => undefined,
    () => () => false,
    () => () => undefined,
    () => () => { throw new Sentinel("callback"); },
    () => () => { engine.runScenario(SMALL); return false; },
    () => 5,
  ])();
  const signal = () => r.pick([() => undefined, () => AbortSignal.abort(), () => new AbortController().signal, () => ({ get aborted() { throw new Sentinel("aborted"); } }), v.primitive])();
  // Explorations stop at their first progress report, so each case stays small.
  const stopSoon = (f) => (typeof f === "function" ? (p) => { const a = f(p); return a === undefined ? false : a; } : () => false);
  const argsFor = {
    "mapi-logoff.Simulation": () => [v.scenario()],
    "mapi-logoff.Simulation.apply": () => [r.chance(0.9) ? v.action() : v.any()],
    "mapi-logoff.Simulation.run": () => [r.chance(0.8) ? Array.from({ length: r.int(6) }, v.action) : v.any()],
    "mapi-logoff.runScenario": () => [v.scenario()],
    "mapi-logoff.outcomeMatrix": () => [r.chance(0.5) ? v.mutate({ abortReading: "literal", storeLogoffTransports: "atFinalRelease" }) : v.any()],
    "mapi-logoff.parseFlags": () => [r.chance(0.8) ? r.pick(FLAG_SETS) : v.any(), v.primitive()],
    "mapi-logoff.formatFlags": () => [r.chance(0.8) ? r.pick(FLAG_SETS) : v.any(), v.primitive()],
    "mapi-logoff/check.checkTrace": () => [v.lines()],
    "mapi-logoff/check.TraceChecker.feed": () => [r.chance(0.8) ? `${r.pick(TRACE_LINES)}${r.pick(["\n", "", "\r\n"])}` : v.any()],
    "mapi-logoff/check.TraceChecker.pushChunk": () => {
      if (!r.chance(0.8)) return [v.any()];
      const bytes = new TextEncoder().encode(`${r.pick(TRACE_LINES)}${r.pick(["\n", "", "\r\n"])}`);
      const cut = r.int(bytes.length + 1);
      return [r.pick([() => bytes, () => bytes.subarray(cut), () => Buffer.from(bytes.subarray(0, cut)), () => Uint8Array.of(0xff, 0xc3, 0x0a)])()];
    },
    "mapi-logoff/explore.Explorer": () => [r.chance(0.7) ? SMALL : v.scenario(), v.options()],
    "mapi-logoff/explore.Explorer.step": () => [r.chance(0.7) ? 1 + r.int(50) : v.primitive()],
    "mapi-logoff/explore.explore": () => [r.chance(0.7) ? SMALL : v.scenario(), v.options(), stopSoon(callback()), signal()],
  };
  const list = [];
  for (const [modName, mod] of Object.entries(MODULES)) {
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== "function" || name.startsWith("__") || ["default", "init", "initSync"].includes(name)) continue;
      const id = `${modName}.${name}`;
      const args = argsFor[id] ?? (() => Array.from({ length: r.int(3) }, v.any));
      if (typeof value.prototype?.free !== "function") {
        list.push({ id, args, invoke: (a) => value(...a) });
        continue;
      }
      list.push({ id: `new ${id}`, args, invoke: (a) => shared.created(modName, name, new value(...a)) });
      // The methods live on the prototype of the class the glue wraps.
      const proto = Object.getPrototypeOf(value).prototype;
      for (const member of Object.getOwnPropertyNames(proto)) {
        if (member === "constructor" || member.startsWith("__")) continue;
        const mid = `${id}.${member}`;
        const margs = argsFor[mid] ?? (() => Array.from({ length: r.int(2) }, v.any));
        const d = Object.getOwnPropertyDescriptor(proto, member);
        list.push({
          id: mid,
          args: () => [shared.instance(modName, name), ...margs()],
          invoke: ([self, ...a]) => (d.get ? d.get.call(self) : d.value.apply(self, a)),
        });
      }
    }
  }
  return list;
}

/** Instances the member targets run on: mostly live, sometimes freed, sometimes not one at all. */
function instances(r) {
  const live = new Map();
  // A pool object is replaced after this many uses, so that a simulation's
  // trace (and the cost of each call on it) does not grow case after case.
  const LIFETIME = 200;
  const uses = new Map();
  const make = {
    "mapi-logoff.Simulation": () => new engine.Simulation(r.pick([SMALL, ...GOLDEN])),
    "mapi-logoff/check.TraceChecker": () => new MODULES["mapi-logoff/check"].TraceChecker(),
    "mapi-logoff/explore.Explorer": () => new MODULES["mapi-logoff/explore"].Explorer(SMALL, { maxStates: 500 }),
  };
  return {
    created(modName, name, o) {
      // A constructed object joins the pool now and then (and so is used).
      if (r.chance(0.3)) live.set(`${modName}.${name}`, o);
    },
    instance(modName, name) {
      const key = `${modName}.${name}`;
      const roll = r.next();
      if (roll < 0.03) return r.pick([{}, null, new Proxy({}, {}), Object.create(MODULES[modName][name].prototype)]);
      if (roll < 0.06) {
        const o = make[key]();
        o.free();
        return o;
      }
      let o = live.get(key);
      const used = (uses.get(key) ?? 0) + 1;
      uses.set(key, used);
      if (!o || o.__wbg_ptr === 0 || roll < 0.08 || used > LIFETIME) {
        if (o && o.__wbg_ptr !== 0) o.free();
        o = make[key]();
        live.set(key, o);
        uses.set(key, 0);
      }
      return o;
    },
    all: () => [...live.values()],
  };
}

// --- the share-link reader of the playground (www/share.ts) ------------------
async function shareReader() {
  const vite = await import(pathToFileURL(createRequire(join(ROOT, "package.json")).resolve("vite")).href);
  const source = readFileSync(join(ROOT, "www", "share.ts"), "utf8");
  const { code } = await vite.transformWithOxc(source, "share.ts", { lang: "ts" });
  const dir = mkdtempSync(join(tmpdir(), "mapi-logoff-fuzz-share-"));
  const file = join(dir, "share.mjs");
  writeFileSync(file, code);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- the run -----------------------------------------------------------------
const statsOf = () => Object.fromEntries(Object.entries(MODULES).map(([k, m]) => [k, m.__wasmStats()]));

/** A valid call of each module must still work. */
function healthy() {
  const sim = new engine.Simulation(GOLDEN[0]);
  sim.apply({ type: "runUntilIdle" });
  sim.free();
  if (engine.runScenario(SMALL).violations.length !== 0) throw new Error("runScenario(valid) reports violations");
  if (MODULES["mapi-logoff/check"].checkTrace(TRACE_LINES.slice(0, 5)).lines !== 5) throw new Error("checkTrace(valid) miscounts");
  if (MODULES["mapi-logoff/explore"].explore(SMALL).uniqueStates !== 14) throw new Error("explore(valid) miscounts");
}

/**
 * Runs `casesPerExport` cases for each target; returns the figures and the
 * defects (each with its target, seed, case and error).
 */
export async function fuzz({ casesPerExport, seed = 1, log = () => {} }) {
  const r = rng(seed);
  const v = values(r);
  const pool = instances(r);
  const list = targets(r, v, pool);
  const defects = [];
  const outcomes = new Map();
  let cases = 0;
  const record = (id, outcome) => {
    const key = `${id} -> ${outcome}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  };
  const defect = (id, i, e, what) => {
    let error;
    try {
      error = `${e?.name}: ${String(e?.message).slice(0, 300)}`;
    } catch {
      error = "a value that cannot be described (its properties throw)";
    }
    if (defects.length < 50) defects.push({ target: id, seed, case: i, what, error });
    defectCount += 1;
  };
  let defectCount = 0;
  healthy();
  const started = statsOf();
  for (const target of list) {
    const t0 = performance.now();
    const defectsBefore = defectCount;
    for (let i = 0; i < casesPerExport; i++) {
      cases += 1;
      if (process.env.FUZZ_TRACE) process.stderr.write(`${target.id} ${i}\n`);
      let args;
      try {
        args = target.args();
      } catch {
        // The generator's own failure (a hostile value it walked into): no case.
        record(target.id, "not generated");
        continue;
      }
      try {
        target.invoke(args);
        record(target.id, "ok");
      } catch (e) {
        if (e instanceof Sentinel) record(target.id, "callback's own exception");
        else if (isMapiLogoffError(e) && CODES.has(e.code) && typeof e.path === "string" && typeof e.message === "string") record(target.id, e.code);
        else defect(target.id, i, e, e instanceof WebAssembly.RuntimeError ? "wasm trap" : "raw exception");
      }
      if (i % 500 === 499) {
        try {
          healthy();
        } catch (e) {
          defect(target.id, i, e, "module left unusable");
          return { cases, defects, defectCount, outcomes, targets: list.length };
        }
      }
    }
    log(`${target.id}: ${casesPerExport} cases, ${defectCount - defectsBefore} defects, ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  }
  // Every simulation the pool holds writes a scenario that loads.
  for (const o of pool.all()) {
    if (o instanceof engine.Simulation && o.__wbg_ptr !== 0) {
      try {
        new engine.Simulation(o.toScenario()).free();
      } catch (e) {
        defect("Simulation.toScenario", 0, e, "toScenario() does not load");
      }
    }
  }
  // The share-link reader: mutations of real links, and noise.
  const share = await shareReader();
  const shareCases = casesPerExport;
  const links = await Promise.all(GOLDEN.slice(0, 8).map((scenario) => share.encodeFragment({ scenario, position: 0 })));
  for (let i = 0; i < shareCases; i++) {
    cases += 1;
    let link = r.pick(links);
    switch (r.int(5)) {
      case 0: link = link.slice(0, r.int(link.length)); break;
      case 1: { const at = r.int(link.length); link = link.slice(0, at) + r.pick(["A", "_", "-", "=", "é", "#", "v2="]) + link.slice(at + 1); break; }
      case 2: link = v.primitive(); link = typeof link === "string" ? link : `v1=${String(link)}`; break;
      case 3:
        // A link to a mutated scenario (when the mutation can be written at all).
        link = await share.encodeFragment({ scenario: v.mutate(r.pick(GOLDEN), true), position: r.int(5) }).catch(() => link);
        break;
      default: break;
    }
    try {
      const shared = await share.decodeFragment(link);
      record("share.decodeFragment", shared === null ? "null" : "ok");
      // What a link opens is then loaded as the playground would.
      if (shared) new engine.Simulation(shared.scenario).free();
    } catch (e) {
      if (e instanceof share.ShareError) record("share.decodeFragment", "ShareError");
      else if (isMapiLogoffError(e) && CODES.has(e.code)) record("share.decodeFragment", `then ${e.code}`);
      else defect("share.decodeFragment", i, e, "raw exception");
    }
  }
  // Leaks: memory and tables after a burst of bad calls equal those before
  // it. A first burst reaches the high-water marks (a document nested 128
  // deep holds that many values at once), the second must not move them.
  const burst = () => {
    for (let i = 0; i < 2000; i++) {
      for (const call of [() => engine.runScenario(v.hostile()), () => engine.Simulation.prototype.apply.call({}, 1), () => MODULES["mapi-logoff/check"].checkTrace(v.hostile([]))]) {
        try {
          call();
        } catch {
          // Judged by the targets above; here only the sizes count.
        }
      }
    }
  };
  burst();
  healthy();
  const before = statsOf();
  burst();
  healthy();
  const after = statsOf();
  if (JSON.stringify(after) !== JSON.stringify(before)) defect("leak probe", 0, new Error(`${JSON.stringify(before)} -> ${JSON.stringify(after)}`), "leak");
  const grown = Object.entries(after).filter(([k, s]) => s.tableSize > started[k].tableSize + 4096);
  for (const [k] of grown) defect("externref table", 0, new Error(`${k}: ${started[k].tableSize} -> ${after[k].tableSize} slots`), "leak");
  return { cases, defects, defectCount, outcomes, targets: list.length + 1 };
}

/** The one-line figures scripts/fuzz.sh collects. */
export function summary(result, casesPerExport, seconds) {
  const exercised = new Set([...result.outcomes.keys()].map((k) => k.split(" -> ")[0]));
  return `fuzz-js: total ${result.cases} cases (${casesPerExport} per export, ${result.targets} exports incl. the share reader), ${result.defectCount} defects, coverage: ${exercised.size}/${result.targets} exports, ${result.outcomes.size} distinct outcomes, ${seconds}s`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const casesPerExport = arg("--cases-per-export", 2000);
  const seed = arg("--seed", 1);
  if (!Number.isInteger(casesPerExport) || casesPerExport < 1) throw new Error("--cases-per-export: expected a positive integer");
  const t0 = performance.now();
  const result = await fuzz({ casesPerExport, seed, log: (line) => console.log(`fuzz-js: ${line}`) });
  for (const d of result.defects) console.log(`fuzz-js: DEFECT ${d.what} in ${d.target} (seed ${d.seed}, case ${d.case}): ${d.error}`);
  console.log(summary(result, casesPerExport, ((performance.now() - t0) / 1000).toFixed(1)));
  process.exitCode = result.defectCount === 0 ? 0 : 1;
}
