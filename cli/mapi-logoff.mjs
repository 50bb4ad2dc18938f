#!/usr/bin/env node
// The mapi-logoff command line: check a provider's trace, run a scenario,
// print the outcome matrix, explore every interleaving. It runs the same
// wasm build as the npm package (no native binary), so its answers are the
// engine's.
//
// Exit status: 0 clean; 1 errors found (check) or a property fails
// (explore); 2 unusable input (missing file, not a trace or scenario, bad
// option).

import { createReadStream, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Simulation, outcomeMatrix, rules, version, isMapiLogoffError } from "mapi-logoff";
import { TraceChecker, Explorer, traceJsonl, traceMermaid } from "mapi-logoff/analysis";

const HELP = `mapi-logoff ${version()}: the executable reference for MAPI logoff

Usage:
  mapi-logoff check <trace.jsonl | -> [--format text|json|sarif] [--context N]
  mapi-logoff run <scenario.json> [--format text|json|jsonl|mermaid]
  mapi-logoff matrix [--format text|json|markdown] [--abort-reading sampleStore|literal]
                     [--store-logoff-transports atFinalRelease|immediate]
  mapi-logoff explore <scenario.json> [--max-depth N] [--max-states N] [--symmetry]
                     [--client-misuse] [--property NAME]... [--reachable FLAG[:OUT[:HRESULT]]]...
                     [--format text|json]
  mapi-logoff --version | --help

check     reads a JSON Lines trace of the calls your provider made and received
          (docs/trace-format.md) and reports where it breaks the protocol, with
          the rule id (S1..T9, I1..I6) and the provider mistake (M1..M11).
          Exit 0 when clean, 1 when there are errors, 2 when the input is unusable.
run       runs a scenario and prints its trace: text, JSON, JSON Lines (the
          trace format check reads) or a Mermaid sequence diagram.
matrix    every StoreLogoffTransports flag against every mix of activity and sharing.
explore   every interleaving of a scenario's actions, checking I1-I6 and the chosen
          properties (storesReleased, noMessageLost, storeLogoffTransportsOnce, or
          --reachable LOGOFF_QUIET:LOGOFF_OUTBOUND); exit 1 when a property fails.`;

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

async function checkTraceFile(path) {
  const checker = new TraceChecker();
  try {
    const stream = path === "-" ? process.stdin : createReadStream(path, { encoding: "utf8" });
    if (path === "-") stream.setEncoding("utf8");
    for await (const chunk of stream) checker.feed(chunk);
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
    const text = code === "malformedLine" ? "A line that is not a call of the trace format" : "A method the checker does not understand";
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

function run(args) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: "string" } } });
  if (positionals.length !== 1) fail("run takes one scenario file (or - for standard input)");
  const format = option(values, "format", ["text", "json", "jsonl", "mermaid"]) ?? "text";
  const text = readText(positionals[0]);
  const sim = new Simulation(text);
  const violations = sim.violations();
  if (format === "json") console.log(JSON.stringify({ trace: sim.trace(), violations, state: sim.state().state }, null, 2));
  else if (format === "jsonl") process.stdout.write(traceJsonl(text));
  else if (format === "mermaid") process.stdout.write(traceMermaid(text));
  else {
    process.stdout.write(sim.traceText());
    for (const v of violations) console.log(`VIOLATION ${v.rule} ${v.subject}: ${v.message}${v.mistake ? ` (${v.mistake})` : ""}`);
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
    abortReading: option(values, "abort-reading", ["sampleStore", "literal"]) ?? "sampleStore",
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

function goal(text) {
  const [flag, outFlags, hresult] = text.split(":");
  const g = { flag };
  if (outFlags) g.outFlags = outFlags;
  if (hresult) g.hresult = hresult;
  return { reachable: g };
}

function explore(args) {
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
    },
  });
  if (positionals.length !== 1) fail("explore takes one scenario file");
  const format = option(values, "format", ["text", "json"]) ?? "text";
  const options = {
    maxDepth: count(values, "max-depth"),
    maxStates: count(values, "max-states"),
    symmetry: values.symmetry ?? false,
    clientMisuse: values["client-misuse"] ?? false,
    properties: [...(values.property ?? []), ...(values.reachable ?? []).map(goal)],
  };
  const started = performance.now();
  const explorer = new Explorer(readText(positionals[0]), options);
  let report = explorer.report();
  let lastPrint = started;
  while (!explorer.isDone()) {
    report = explorer.step(20000);
    const now = performance.now();
    if (format === "text" && process.stderr.isTTY && now - lastPrint > 500) {
      process.stderr.write(`\r${report.uniqueStates} states, depth ${report.maxDepth}...`);
      lastPrint = now;
    }
  }
  report = explorer.report();
  explorer.free();
  const seconds = (performance.now() - started) / 1000;
  const failed = report.properties.some((p) => p.verdict === "fails" || p.verdict === "unreachable");
  if (format === "json") {
    console.log(JSON.stringify({ ...report, seconds, statesPerSecond: Math.round(report.uniqueStates / seconds) }, null, 2));
    return failed ? 1 : 0;
  }
  if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  const out = [];
  out.push(
    `${report.uniqueStates} unique states (${report.statesExplored} explored, ${report.transitions} transitions), depth ${report.maxDepth}, ${seconds.toFixed(2)} s, ${Math.round(report.uniqueStates / seconds)} states/s: ${report.stopped === "complete" ? "complete" : "stopped at the state budget"}${report.depthBoundHits ? ` (${report.depthBoundHits} states at the depth bound)` : ""}`,
  );
  out.push("");
  for (const p of report.properties) {
    out.push(`${p.verdict.padEnd(13)} ${p.description}`);
    if (p.counterexample) {
      out.push(`              ${p.counterexample.message}`);
      out.push(`              after: ${p.counterexample.path.map((a) => JSON.stringify(a)).join(", ") || "(the scenario's own actions)"}`);
    }
  }
  out.push("");
  out.push("Reachable logoff outcomes:");
  for (const o of report.outcomes) {
    const results = o.outcomes.map((r) => `${r.hresult.text}${r.outFlags ? ` ${r.outFlags.text}` : ""}`).join("; ");
    out.push(`  ${o.call} ${o.flag}: ${results}`);
  }
  console.log(out.join("\n"));
  return failed ? 1 : 0;
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
