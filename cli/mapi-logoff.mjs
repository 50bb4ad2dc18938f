#!/usr/bin/env node
// The mapi-logoff command line: check a provider's trace, run a scenario,
// print the outcome matrix. It runs the same wasm modules as the npm
// package (no native binary), so its answers are the engine's.
//
// Exit status: 0 clean; 1 errors found (check); 2 unusable input (missing
// file, not a trace or scenario, bad option).

import { createReadStream, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Simulation, outcomeMatrix, rules, version, isMapiLogoffError } from "mapi-logoff";
import { TraceChecker } from "mapi-logoff/check";

const HELP = `mapi-logoff ${version()}: the executable reference for MAPI logoff

Usage:
  mapi-logoff check <trace.jsonl | -> [--format text|json|sarif] [--context N]
  mapi-logoff run <scenario.json> [--format text|json|mermaid]
  mapi-logoff matrix [--format text|json|markdown] [--abort-reading sampleStore|literal]
                     [--store-logoff-transports atFinalRelease|immediate]
  mapi-logoff --version | --help

check     reads a JSON Lines trace of the calls your provider made and received
          (docs/trace-format.md) and reports where it breaks the protocol, with
          the rule id (S1..T9, I1..I6) and the provider mistake (M1..M11).
          Exit 0 when clean, 1 when there are errors, 2 when the input is unusable.
run       runs a scenario and prints its trace: text, JSON, or a Mermaid sequence
          diagram for Markdown documents.
matrix    every StoreLogoffTransports flag against every mix of activity and sharing.`;

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
  const format = option(values, "format", ["text", "json", "mermaid"]) ?? "text";
  const sim = new Simulation(readText(positionals[0]));
  const violations = sim.violations();
  if (format === "json") console.log(JSON.stringify({ trace: sim.trace(), violations, state: sim.state().state }, null, 2));
  else if (format === "mermaid") process.stdout.write(mermaid(sim.trace()));
  else {
    process.stdout.write(sim.traceText());
    // The same lines as the Rust example and the golden .trace.txt files.
    const titles = new Map(rules().map((r) => [r.id, r.title]));
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

// ---- main ------------------------------------------------------------

const commands = { check, run, matrix };

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
