#!/usr/bin/env node
// The mapi-logoff command line: check a provider's trace, run a scenario,
// print the outcome matrix, explore every interleaving of a scenario. It
// runs the same wasm modules as the npm package (no native binary), so its
// answers are the engine's.
//
// Exit status: 0 clean; 1 errors found (check), or a property fails or a
// reachability goal is unreachable (explore); 2 unusable input (missing
// file, not a trace or scenario, bad option); 130 explore interrupted by
// Ctrl-C before it found a failure (the report so far is printed).

import { closeSync, createReadStream, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Simulation, formatFlags, outcomeMatrix, rules, version, isMapiLogoffError } from "mapi-logoff";
import { TraceChecker } from "mapi-logoff/check";
import { Explorer } from "mapi-logoff/explore";

const HELP = `mapi-logoff ${version()}: the executable reference for MAPI logoff

Usage:
  mapi-logoff check <trace.jsonl | -> [--format text|json|sarif] [--context N]
  mapi-logoff run <scenario.json> [--format text|json|trace-json|mermaid]
  mapi-logoff matrix [--format text|json|markdown] [--abort-reading stopThenRelease|vetoWhileBusy]
                     [--store-logoff-transports atFinalRelease|immediate]
  mapi-logoff explore <scenario.json | -> [--max-depth N] [--max-states N] [--symmetry]
                     [--client-misuse] [--property NAME]... [--reachable GOAL]...
                     [--format text|json] [--save-counterexamples DIR]
  mapi-logoff --version | --help

check     reads a JSON Lines trace of the calls your provider made and received
          (docs/trace-format.md) and reports where it breaks the protocol, with
          the rule id (S1..T9, I1..I6) and the provider mistake (M1..M11).
          Exit 0 when clean, 1 when there are errors, 2 when the input is unusable.
run       runs a scenario and prints its trace: text; json ({trace, violations,
          state}, indented); trace-json (the trace alone, byte for byte what
          traceJson() returns and the golden .trace.json files hold); or a
          Mermaid sequence diagram for Markdown documents.
matrix    every StoreLogoffTransports flag against every mix of activity and sharing.
explore   every interleaving of what can happen after the scenario's own actions
          (client calls, spooler work, transport logoffs, new mail), breadth first,
          checking each --property in every state and looking for each --reachable
          goal; prints the shortest path to each failure and the logoff outcomes
          that can occur. Exit 0 when everything holds, 1 when a property fails or
          a goal is unreachable, 2 when the input is unusable. Ctrl-C stops it and
          prints the report so far (exit 1 if it already found a failure, else 130).

explore options:
  --max-depth N      actions beyond the scenario's own (default 12, at most 1000)
  --max-states N     unique states at most (default 200000, at most 20000000); a
                     search stopped there proves nothing ("holdsSoFar"), exit 0
  --symmetry         count identical stores (each with its own provider) once
  --client-misuse    also let the client call StoreLogoff after LOGOFF_COMPLETE (S9)
  --property NAME    invariants, storesReleased, noMessageLost or
                     storeLogoffTransportsOnce; repeatable or comma-separated;
                     default all four (I1-I6 "invariants" are always checked)
  --reachable GOAL   "this logoff outcome can happen"; repeatable. GOAL is
                     [CALL:]FLAG[:HRESULT[:OUT_FLAGS]] where CALL is storeLogoff or
                     storeLogoffTransports (default), FLAG one input flag, HRESULT a
                     name or number and OUT_FLAGS the exact out flags ("A|B"); an
                     empty or missing part matches anything. Examples:
                     LOGOFF_QUIET:S_OK:LOGOFF_OUTBOUND, LOGOFF_QUIET::LOGOFF_OUTBOUND,
                     storeLogoff:LOGOFF_ABORT
  --save-counterexamples DIR
                     write each counterexample (and each goal's witness) as a
                     scenario, DIR/<property>.json: it replays with
                     \`mapi-logoff run\` and opens in the playground
  --format FORMAT    text (default), or json: the explorer's report (ExploreReport)
  On a terminal, explore shows its progress on stderr.`;

class UsageError extends Error {}

function fail(message) {
  throw new UsageError(message);
}

function readText(path) {
  try {
    return path === "-" ? readFileSync(0, "utf8") : readFileSync(path, "utf8");
  } catch (e) {
    fail(`cannot read ${path}: ${e.code ?? e.message}`);
  }
}

function option(values, name, allowed) {
  const value = values[name];
  if (value !== undefined && allowed && !allowed.includes(value)) {
    fail(`--${name} must be one of ${allowed.join(", ")}, not ${JSON.stringify(value)}`);
  }
  return value;
}

function count(values, name) {
  const value = values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} takes a whole number, not ${JSON.stringify(value)}`);
  return n;
}

// ---- check -----------------------------------------------------------

/** Bytes read from the trace at a time. */
const CHUNK = 64 * 1024;

/**
 * Checks the trace as it is read: each chunk of bytes goes to the checker
 * as it is (one wasm call per 64 KiB, lines and characters split anywhere),
 * never decoded or split into lines in JS. A file is read into one reused
 * buffer, so memory does not follow the file's size.
 */
async function checkTraceFile(path) {
  const checker = new TraceChecker();
  try {
    if (path === "-") {
      for await (const chunk of process.stdin) checker.pushChunk(chunk);
    } else {
      const fd = openSync(path, "r");
      try {
        const buffer = Buffer.allocUnsafe(CHUNK);
        for (let n; (n = readSync(fd, buffer, 0, CHUNK, null)) > 0; ) checker.pushChunk(buffer.subarray(0, n));
      } finally {
        closeSync(fd);
      }
    }
  } catch (e) {
    if (isMapiLogoffError(e)) throw e;
    fail(`cannot read ${path}: ${e.code ?? e.message}`);
  }
  return checker.finish();
}

/** The lines a text report shows, read in a second pass over the file. */
async function linesAround(path, wanted) {
  const lines = new Map();
  if (path === "-" || wanted.size === 0) return lines;
  let n = 0;
  let rest = "";
  for await (const chunk of createReadStream(path, { encoding: "utf8" })) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop();
    for (const line of parts) {
      n += 1;
      if (wanted.has(n)) lines.set(n, line);
    }
  }
  if (rest) {
    n += 1;
    if (wanted.has(n)) lines.set(n, rest);
  }
  return lines;
}

function shorten(line) {
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** Who broke the rule, as the text report names it. */
const PARTY = { client: "the client", storeProvider: "the store provider", mapi: "MAPI or its spooler", transportProvider: "the transport provider" };

async function checkText(path, report, context) {
  const out = [];
  const wanted = new Set();
  for (const d of report.diagnostics) {
    for (let n = Math.max(1, d.line - context); n <= d.line + context; n++) wanted.add(n);
    for (const r of d.related) wanted.add(r);
  }
  const lines = await linesAround(path, wanted);
  for (const d of report.diagnostics) {
    const id = d.mistake ? `${d.code} ${d.mistake}` : d.code;
    out.push(`${path}:${d.line}: ${d.severity} [${id}] ${d.message}`);
    if (d.party) out.push(`  who: ${PARTY[d.party] ?? d.party}`);
    if (d.objects.length) out.push(`  objects: ${d.objects.join(", ")}`);
    for (let n = Math.max(1, d.line - context); n <= d.line + context; n++) {
      if (lines.has(n)) out.push(`  ${n === d.line ? ">" : " "} ${String(n).padStart(6)} | ${shorten(lines.get(n))}`);
    }
    for (const r of d.related) {
      if (lines.has(r) && Math.abs(r - d.line) > context) out.push(`    see ${String(r).padStart(6)} | ${shorten(lines.get(r))}`);
    }
    if (d.docUrl) out.push(`  rule: ${d.docUrl}`);
    out.push("");
  }
  const summary = `${report.lines} lines, ${report.calls} calls: ${report.errors} errors, ${report.warnings} warnings`;
  out.push(report.omitted ? `${summary} (${report.omitted} more diagnostics not shown)` : summary);
  return out.join("\n");
}

function sarif(path, report) {
  const catalogue = new Map(rules().map((r) => [r.id, r]));
  const ids = [...new Set(report.diagnostics.map((d) => d.code))];
  const describe = (code) => {
    const r = catalogue.get(code);
    if (r) return { id: code, name: code, shortDescription: { text: r.title }, helpUri: r.docUrl };
    const text = {
      malformedLine: "A line that is not a call of the trace format",
      notReturned: "A call whose caller returned before it did",
    }[code] ?? "A method the checker does not understand";
    return { id: code, name: code, shortDescription: { text } };
  };
  const level = { error: "error", warning: "warning", info: "note" };
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "mapi-logoff",
            version: version(),
            informationUri: "https://github.com/mapi-logoff/mapi-logoff",
            rules: ids.map(describe),
          },
        },
        artifacts: [{ location: { uri: path === "-" ? "stdin" : path } }],
        results: report.diagnostics.map((d) => ({
          ruleId: d.code,
          ruleIndex: ids.indexOf(d.code),
          level: level[d.severity],
          message: { text: d.message },
          ...(d.party ? { properties: { party: d.party } } : {}),
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: path === "-" ? "stdin" : path, index: 0 },
                region: { startLine: d.line },
              },
              logicalLocations: d.objects.map((o) => ({ name: o })),
            },
          ],
          relatedLocations: d.related.map((line, i) => ({
            id: i,
            physicalLocation: { artifactLocation: { uri: path === "-" ? "stdin" : path, index: 0 }, region: { startLine: line } },
          })),
          properties: d.mistake ? { mistake: d.mistake, mistakeTitle: catalogue.get(d.mistake)?.title } : {},
        })),
      },
    ],
  };
}

async function check(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: "string" }, context: { type: "string" } },
  });
  if (positionals.length !== 1) fail("check takes one trace file (or - for standard input)");
  const format = option(values, "format", ["text", "json", "sarif"]) ?? "text";
  const context = count(values, "context") ?? 1;
  const [path] = positionals;
  const report = await checkTraceFile(path);
  // Nothing in the file was a call: it is not a trace at all.
  const unusable = report.calls === 0 && report.errors > 0;
  if (format === "json") console.log(JSON.stringify(report, null, 2));
  else if (format === "sarif") console.log(JSON.stringify(sarif(path, report), null, 2));
  else console.log(await checkText(path, report, context));
  return unusable ? 2 : report.errors > 0 ? 1 : 0;
}

// ---- run, matrix -----------------------------------------------------

/**
 * A Mermaid sequence diagram of trace events, for Markdown documents: a
 * participant per part (in order of first appearance), an arrow per call
 * with its arguments, a dashed reply with the HRESULT, out flags and rules
 * once the calls nested in it are done, a note per internal step.
 */
export function mermaid(events) {
  const id = (p) => (p.index === undefined ? p.kind : `${p.kind}${p.index}`);
  const label = (p) => (["client", "mapi", "spooler"].includes(p.kind) ? p.name : `${p.kind === "storeProvider" ? "store provider" : p.kind} ${p.name}`);
  // Mermaid reads ';' and '#' specially in messages.
  const clean = (s) => s.replace(/[;#]/g, " ");
  const out = ["sequenceDiagram"];
  const seen = new Set();
  for (const p of events.flatMap((e) => [e.caller, e.callee])) {
    if (!seen.has(id(p))) {
      seen.add(id(p));
      out.push(`    participant ${id(p)} as ${clean(label(p))}`);
    }
  }
  const pending = [];
  for (const e of events) {
    while (pending.length && pending.at(-1).depth >= e.depth) out.push(pending.pop().line);
    if (e.hresult === null) {
      out.push(`    Note over ${id(e.caller)}: ${clean(`${e.method} ${e.note ?? ""}`)}`);
      continue;
    }
    const args = e.args.map((a) => `${a.name}=${a.text}`).join(", ");
    out.push(`    ${id(e.caller)}->>+${id(e.callee)}: ${clean(`${e.method}(${args})`)}`);
    let reply = e.hresult.text;
    if (e.outFlags) reply += `, ${e.outFlags.text}`;
    if (e.rules.length) reply += ` [${e.rules.join(" ")}]`;
    pending.push({ depth: e.depth, line: `    ${id(e.callee)}-->>-${id(e.caller)}: ${clean(reply)}` });
  }
  while (pending.length) out.push(pending.pop().line);
  return `${out.join("\n")}\n`;
}

function run(args) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: "string" } } });
  if (positionals.length !== 1) fail("run takes one scenario file (or - for standard input)");
  const format = option(values, "format", ["text", "json", "trace-json", "mermaid"]) ?? "text";
  const sim = new Simulation(readText(positionals[0]));
  const violations = sim.violations();
  if (format === "trace-json") process.stdout.write(sim.traceJson());
  else if (format === "json") console.log(JSON.stringify({ trace: sim.trace(), violations, state: sim.state().state }, null, 2));
  else if (format === "mermaid") process.stdout.write(mermaid(sim.trace()));
  else {
    process.stdout.write(sim.traceText());
    // The same lines as the Rust example and the golden .trace.txt files.
    // As the core's Violation prints it: "(M5: a call other than Release after COMPLETE)".
    const titles = new Map(rules().map((r) => [r.id, r.title.replace(/^Mistake: /, "")]));
    for (const v of violations) {
      console.log(`VIOLATION ${v.rule} ${v.subject}: ${v.message}${v.mistake ? ` (${v.mistake}: ${titles.get(v.mistake)})` : ""}`);
    }
  }
  return 0;
}

function matrix(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: "string" }, "abort-reading": { type: "string" }, "store-logoff-transports": { type: "string" } },
  });
  if (positionals.length) fail("matrix takes no file");
  const format = option(values, "format", ["text", "json", "markdown"]) ?? "text";
  const settings = {
    abortReading: option(values, "abort-reading", ["stopThenRelease", "vetoWhileBusy", "sampleStore", "literal"]) ?? "stopThenRelease",
    storeLogoffTransports: option(values, "store-logoff-transports", ["atFinalRelease", "immediate"]) ?? "atFinalRelease",
  };
  const cells = outcomeMatrix(settings);
  if (format === "json") {
    console.log(JSON.stringify(cells.map(({ scenario, ...cell }) => cell), null, 2));
    return 0;
  }
  const situation = (s) =>
    [s.inbound && "inbound", s.outbound && "outbound", s.queued && "queued", s.shared && "shared"].filter(Boolean).join("+") || "idle";
  const flags = [...new Set(cells.map((c) => c.flag))];
  const situations = [...new Set(cells.map((c) => situation(c.situation)))];
  const cell = (flag, s) => {
    const c = cells.find((x) => x.flag === flag && situation(x.situation) === s);
    return `${c.hresult.text}${c.outFlags ? ` ${c.outFlags.text}` : ""}${c.releasedAtReturn ? "" : " (held)"}`;
  };
  const rows = situations.map((s) => [s, ...flags.map((f) => cell(f, s))]);
  const header = ["situation", ...flags];
  if (format === "markdown") {
    console.log(`| ${header.join(" | ")} |`);
    console.log(`|${header.map(() => "---").join("|")}|`);
    for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r) => r.map((x, i) => x.padEnd(widths[i])).join("  ").trimEnd();
    console.log(line(header));
    for (const r of rows) console.log(line(r));
  }
  console.log(`\n(held): the spooler had not released the store when the call returned. Readings: ${JSON.stringify(settings)}`);
  return 0;
}

// ---- explore ---------------------------------------------------------

const PROPERTY_NAMES = ["invariants", "storesReleased", "noMessageLost", "storeLogoffTransportsOnce"];
const LOGOFF_CALLS = ["storeLogoff", "storeLogoffTransports"];
/** States expanded between two looks at the clock (tens of milliseconds of work). */
const STEP_BUDGET = 4096;

/**
 * A --reachable GOAL, [CALL:]FLAG[:HRESULT[:OUT_FLAGS]], as an ExploreOptions
 * property. The first part is a call when it starts with a lower-case letter
 * (flag names are upper case, flag values digits). Empty parts match
 * anything; the engine checks the names and values themselves.
 */
function reachableGoal(text) {
  const parts = text.split(":").map((p) => p.trim());
  const goal = {};
  if (/^[a-z]/.test(parts[0])) {
    const call = parts.shift();
    if (!LOGOFF_CALLS.includes(call)) {
      fail(`--reachable ${JSON.stringify(text)}: unknown call ${JSON.stringify(call)}; expected ${LOGOFF_CALLS.join(" or ")} (flag names are upper case, such as LOGOFF_QUIET)`);
    }
    goal.call = call;
  }
  if (parts.length > 3) fail(`--reachable ${JSON.stringify(text)}: too many parts; expected [CALL:]FLAG[:HRESULT[:OUT_FLAGS]]`);
  const [flag, hresult, outFlags] = parts;
  if (!flag) fail(`--reachable ${JSON.stringify(text)}: no input flag; expected [CALL:]FLAG[:HRESULT[:OUT_FLAGS]], such as LOGOFF_QUIET:S_OK:LOGOFF_OUTBOUND`);
  goal.flag = /^(0x[0-9a-f]+|\d+)$/i.test(flag) ? Number(flag) : flag;
  if (hresult) goal.hresult = /^(0x[0-9a-f]+|\d+)$/i.test(hresult) ? Number(hresult) : hresult;
  if (outFlags) goal.outFlags = outFlags;
  return { reachable: goal };
}

/** A file name for a property's counterexample: "stores-released", "reachable-store-logoff-transports-logoff-quiet-s-ok". */
function propertySlug(property) {
  const words = property.kind === "reachable" ? [property.kind, property.call, property.flag, property.hresult?.text, property.outFlags?.text] : [property.kind];
  return words
    .filter((w) => w !== undefined)
    .join("-")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

const FLAG_SETS = { storeLogoff: "storeLogoff", storeLogoffTransports: "storeLogoff", logoffSession: "transportLogoff", shutdownProvider: "deinit", flushQueues: "flushQueues" };

/** One action in words, with the scenario's names: "storeLogoff store 0 (Mailbox) flags LOGOFF_QUIET". */
function describeAction(action, topology) {
  const named = (list, i) => (list[i] ? `${i} (${list[i].name})` : String(i));
  const words = [action.type];
  for (const [key, value] of Object.entries(action)) {
    if (key === "type") continue;
    let text;
    if (key === "store") text = named(topology.stores, value);
    else if (key === "session") text = named(topology.sessions, value);
    else if (key === "transport") text = named(topology.transports, value);
    else if (key === "addressType") text = topology.addressTypes[value] === undefined ? String(value) : `${value} (${topology.addressTypes[value]})`;
    else if (key === "flags" && typeof value === "number" && FLAG_SETS[action.type]) text = formatFlags(FLAG_SETS[action.type], value);
    else text = value === null ? "NULL" : String(value);
    words.push(key, text);
  }
  return words.join(" ");
}

function exploreOptions(values) {
  const names = (values.property ?? []).flatMap((p) => p.split(",")).map((p) => p.trim()).filter(Boolean);
  const named = names.length ? names : PROPERTY_NAMES;
  const goals = values.reachable ?? [];
  return {
    options: {
      maxDepth: count(values, "max-depth"),
      maxStates: count(values, "max-states"),
      symmetry: values.symmetry ?? false,
      clientMisuse: values["client-misuse"] ?? false,
      properties: [...named, ...goals.map(reachableGoal)],
    },
    // Which option each entry of `properties` came from, for error messages.
    sources: [...named.map((n) => `--property ${JSON.stringify(n)}`), ...goals.map((g) => `--reachable ${JSON.stringify(g)}`)],
  };
}

/** The option an engine error path ("maxStates", "properties[3].reachable.flag") is about. */
function optionOf(path, values, sources) {
  if (path === "maxStates") return `--max-states ${values["max-states"]}`;
  if (path === "maxDepth") return `--max-depth ${values["max-depth"]}`;
  const m = /^properties\[(\d+)\]/.exec(path);
  return m && sources[Number(m[1])] ? sources[Number(m[1])] : "options";
}

function seconds(ms) {
  return ms < 10 ? `${(ms / 1000).toFixed(3)} s` : `${(ms / 1000).toFixed(2)} s`;
}

function thousands(n) {
  return Math.round(n).toLocaleString("en-US");
}

function progressLine(report, ms) {
  const rate = ms > 0 ? thousands((report.uniqueStates * 1000) / ms) : "-";
  return `exploring: ${thousands(report.uniqueStates)} unique states, ${thousands(report.statesExplored)} explored, depth ${report.maxDepth}, ${rate} states/s`;
}

function exploreText(path, report, ms, { saved, topology, baseActions, interrupted }) {
  const out = [];
  const rate = ms > 0 ? `${thousands((report.uniqueStates * 1000) / ms)} states/s` : "- states/s";
  const stopped = interrupted
    ? "interrupted"
    : report.stopped === "stateBudget"
      ? "stopped at the state budget"
      : report.depthBoundHits
        ? "complete up to the depth bound"
        : "complete";
  const bound = report.depthBoundHits ? `, ${thousands(report.depthBoundHits)} at the depth bound` : "";
  out.push(
    `${path}: ${thousands(report.uniqueStates)} unique states (${thousands(report.statesExplored)} explored, ${thousands(report.transitions)} transitions), max depth ${report.maxDepth}${bound}, ${seconds(ms)}, ${rate}: ${stopped}`,
  );
  if (interrupted) {
    out.push(
      `note: interrupted (Ctrl-C) after ${thousands(report.uniqueStates)} states, before seeing every state: "holdsSoFar" and "notFoundSoFar" prove nothing; a failure found so far is real.`,
    );
  }
  if (report.stopped === "stateBudget") {
    out.push(
      `note: the exploration stopped at ${thousands(report.uniqueStates)} states before seeing every state: "holdsSoFar" and "notFoundSoFar" prove nothing. Raise --max-states (at most 20000000) to explore further.`,
    );
  }
  if (report.depthBoundHits) {
    out.push(
      `note: ${thousands(report.depthBoundHits)} states at the depth bound (${report.maxDepth}) were not expanded: the verdicts cover the first ${report.maxDepth} actions after the scenario's own. Raise --max-depth to look further.`,
    );
  }
  out.push("");
  const width = Math.max(...report.properties.map((p) => p.verdict.length));
  for (const [i, p] of report.properties.entries()) {
    out.push(`${p.verdict.padEnd(width)}  ${p.description}`);
    const ce = p.counterexample;
    if (!ce) continue;
    const indent = " ".repeat(width + 2);
    out.push(`${indent}${ce.message}`);
    if (ce.path.length === 0) {
      out.push(`${indent}shown by the scenario's own ${baseActions} actions already`);
    } else {
      out.push(`${indent}${baseActions ? `shortest path after the scenario's own ${baseActions} actions:` : "shortest path:"}`);
      for (const [k, action] of ce.path.entries()) out.push(`${indent}${String(baseActions + k + 1).padStart(3)}. ${describeAction(action, topology)}`);
    }
    if (saved[i]) out.push(`${indent}saved as ${saved[i]} (replay: mapi-logoff run ${saved[i]})`);
  }
  out.push("");
  out.push("Reachable logoff outcomes (call, input flag: HRESULT and out flags):");
  if (report.outcomes.length === 0) out.push("  none: no StoreLogoff or StoreLogoffTransports call happened");
  const callWidth = Math.max(0, ...report.outcomes.map((o) => o.call.length));
  const flagWidth = Math.max(0, ...report.outcomes.map((o) => o.flag.length));
  for (const o of report.outcomes) {
    const answers = o.outcomes.map((r) => (r.outFlags ? `${r.hresult.text} ${r.outFlags.text}` : r.hresult.text)).join("; ");
    out.push(`  ${o.call.padEnd(callWidth)}  ${o.flag.padEnd(flagWidth)}  ${answers}`);
  }
  return out.join("\n");
}

async function explore(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      "max-depth": { type: "string" },
      "max-states": { type: "string" },
      symmetry: { type: "boolean" },
      "client-misuse": { type: "boolean" },
      property: { type: "string", multiple: true },
      reachable: { type: "string", multiple: true },
      "save-counterexamples": { type: "string" },
    },
  });
  if (positionals.length !== 1) fail("explore takes one scenario file (or - for standard input)");
  const format = option(values, "format", ["text", "json"]) ?? "text";
  const { options, sources } = exploreOptions(values);
  // The options first, on an empty scenario, so that an error is never
  // mistaken for one of the scenario's fields (and costs no exploration).
  try {
    new Explorer({ version: 1 }, options).free();
  } catch (e) {
    if (!isMapiLogoffError(e)) throw e;
    fail(`${optionOf(e.path, values, sources)}: ${e.message}`);
  }
  const dir = values["save-counterexamples"];
  if (dir !== undefined) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      fail(`--save-counterexamples: cannot create ${dir}: ${e.code ?? e.message}`);
    }
  }
  const [path] = positionals;
  const text = readText(path);
  let explorer;
  try {
    explorer = new Explorer(text, options);
  } catch (e) {
    if (!isMapiLogoffError(e)) throw e;
    fail(`${path === "-" ? "standard input" : path}: ${e.message}`);
  }

  const live = process.stderr.isTTY;
  const started = performance.now();
  let shown = started;
  let report = explorer.report();
  // Ctrl-C ends the search, not the process: the loop yields to the event
  // loop between steps (a few milliseconds each) so that the signal is seen,
  // then the report so far is printed.
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
  };
  process.once("SIGINT", interrupt);
  while (!explorer.done && !interrupted) {
    report = explorer.step(STEP_BUDGET);
    await new Promise((resolve) => setImmediate(resolve));
    const now = performance.now();
    if (live && now - shown >= 100) {
      // One line, never wrapped (a wrapped line would not be overwritten).
      process.stderr.write(`\r\x1b[K${progressLine(report, now - started).slice(0, (process.stderr.columns || 80) - 1)}`);
      shown = now;
    }
  }
  process.removeListener("SIGINT", interrupt);
  report = explorer.report();
  const ms = performance.now() - started;
  explorer.free();
  if (live) process.stderr.write("\r\x1b[K");

  // Counterexamples (and the witnesses of reached goals) as scenarios.
  const saved = [];
  if (dir !== undefined) {
    const used = new Map();
    for (const [i, p] of report.properties.entries()) {
      if (!p.counterexample) continue;
      const slug = propertySlug(p.property);
      const n = (used.get(slug) ?? 0) + 1;
      used.set(slug, n);
      const file = join(dir, `${n === 1 ? slug : `${slug}-${n}`}.json`);
      try {
        writeFileSync(file, `${JSON.stringify(p.counterexample.scenario, null, 2)}\n`);
      } catch (e) {
        fail(`--save-counterexamples: cannot write ${file}: ${e.code ?? e.message}`);
      }
      saved[i] = file;
    }
  }

  if (format === "json") console.log(JSON.stringify(report, null, 2));
  else {
    const ce = report.properties.find((p) => p.counterexample)?.counterexample;
    // The names of the parts, for the counterexamples' actions.
    const topology = ce ? new Simulation({ ...ce.scenario, actions: [] }).state().topology : null;
    const baseActions = ce ? ce.scenario.actions.length - ce.path.length : 0;
    console.log(exploreText(path === "-" ? "standard input" : path, report, ms, { saved, topology, baseActions, interrupted }));
  }
  const failed = report.properties.some((p) => p.verdict === "fails" || p.verdict === "unreachable");
  return failed ? 1 : interrupted ? 130 : 0;
}

// ---- main ------------------------------------------------------------

const commands = { check, run, matrix, explore };

async function main(argv) {
  const [command, ...args] = argv;
  if (command === "--version" || command === "-V") {
    console.log(version());
    return 0;
  }
  if (!command || command === "--help" || command === "-h" || command === "help") {
    console.log(HELP);
    return command ? 0 : 2;
  }
  const handler = commands[command];
  if (!handler) fail(`unknown command ${JSON.stringify(command)}; try mapi-logoff --help`);
  return handler(args);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError || isMapiLogoffError(e) || e?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || e?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" || e?.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    console.error(`mapi-logoff: ${e.message}`);
    process.exitCode = 2;
  } else {
    throw e;
  }
}
