// The checker module (mapi-logoff/check) and the command line, from the
// installed package: the checker agrees with the engine on every golden
// scenario, streams, refuses bad input with typed errors; the CLI's exit
// codes and formats, SARIF validated against the SARIF 2.1.0 schema.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkTrace, TraceChecker, isMapiLogoffError } from "mapi-logoff/check";
import { rules } from "mapi-logoff";
import { ROOT, SCENARIO_DIR, goldenScenarios } from "./support.mjs";

const CLI = join(process.cwd(), "node_modules", "mapi-logoff", "bin", "mapi-logoff.mjs");
const golden = goldenScenarios().map((g) => ({
  ...g,
  jsonl: readFileSync(join(SCENARIO_DIR, `${g.name}.trace.jsonl`), "utf8"),
  text: readFileSync(join(SCENARIO_DIR, `${g.name}.trace.txt`), "utf8"),
}));

/** The mistakes the engine named in a golden trace's VIOLATION lines. */
function engineMistakes(text) {
  return [...text.matchAll(/^VIOLATION .*\((M\d+):/gm)].map((m) => m[1]).sort();
}

function cli(args, input) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", input, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scratchFile(name, text) {
  const dir = mkdtempSync(join(tmpdir(), "mapi-logoff-cli-"));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test("the checker agrees with the engine on every golden scenario", () => {
  assert.ok(golden.length >= 20);
  for (const g of golden) {
    const report = checkTrace(g.jsonl);
    // Errors and warnings ("must" and "should" of the pages) are what the
    // engine reports as violations; infos are the model's own choices.
    const errors = report.diagnostics.filter((d) => d.severity !== "info");
    const violations = (g.text.match(/^VIOLATION /gm) ?? []).length;
    assert.equal(errors.length > 0, violations > 0, `${g.name}: ${JSON.stringify(errors)}`);
    const mistakes = [...new Set(errors.map((d) => d.mistake).filter(Boolean))].sort();
    assert.deepEqual(mistakes, [...new Set(engineMistakes(g.text))].sort(), g.name);
    assert.ok(!report.diagnostics.some((d) => d.code === "malformedLine" || d.code === "notUnderstood"), g.name);
  }
});

test("lines as an array, and chunks of any size, give the same report", () => {
  const g = golden.find((x) => x.name === "fault-leak-memory");
  const whole = checkTrace(g.jsonl);
  assert.deepEqual(checkTrace(g.jsonl.trimEnd().split("\n")), whole);
  for (const size of [1, 13, 4096]) {
    const checker = new TraceChecker();
    for (let i = 0; i < g.jsonl.length; i += size) checker.feed(g.jsonl.slice(i, i + size));
    assert.deepEqual(checker.finish(), whole, `chunks of ${size}`);
    checker.free();
  }
});

test("pushChunk: bytes in chunks of any size, cut inside a character or a CRLF, give the report of the text", () => {
  const g = golden.find((x) => x.name === "fault-leak-memory");
  // CRLF line ends, and a call whose store id and method have characters of two to four bytes.
  const odd = '{"caller":{"kind":"client"},"object":{"kind":"transport","id":"Boîte 📬 中文"},"method":"IXPProvider::État"}';
  const text = `${g.jsonl.trimEnd().replaceAll("\n", "\r\n")}\r\n${odd}\r\n\r\n${odd}`;
  const whole = checkTrace(text);
  const noted = whole.diagnostics.find((d) => d.code === "notUnderstood");
  assert.deepEqual([noted?.objects, noted?.message.split(" ")[0]], [["transport Boîte 📬 中文"], "IXPProvider::État"], "the characters read back whole");
  const bytes = new TextEncoder().encode(text);
  for (const size of [1, 2, 3, 5, 7, 4096, bytes.length]) {
    const checker = new TraceChecker();
    for (let i = 0; i < bytes.length; i += size) checker.pushChunk(bytes.subarray(i, i + size));
    assert.deepEqual(checker.finish(), whole, `chunks of ${size}`);
    checker.free();
  }
  // A Buffer is a Uint8Array; text and bytes may be mixed on one checker.
  const mixed = new TraceChecker();
  const half = text.indexOf("\r\n", text.length >> 1);
  mixed.feed(text.slice(0, half + 1));
  mixed.pushChunk(Buffer.from(text.slice(half + 1)));
  assert.deepEqual(mixed.finish(), whole);
  mixed.free();
  // Bytes that are not UTF-8 are read as U+FFFD, as the CLI reads a file.
  const bad = new TraceChecker();
  bad.pushChunk(Uint8Array.of(0x7b, 0xff, 0x0a, 0xe2, 0x82));
  assert.deepEqual(bad.finish(), checkTrace("{\uFFFD\n\uFFFD"));
  bad.free();
});

test("pushChunk refuses what is not a Uint8Array before wasm, reads a Uint8Array by its bytes, and slices large chunks", () => {
  const checker = new TraceChecker();
  const notBytes = ["text", 42, null, undefined, [123, 10], { length: 2, 0: 123, 1: 10 }, new ArrayBuffer(2), new Uint16Array(2),
    new DataView(new ArrayBuffer(2)), new Proxy(new Uint8Array(2), {}), Object.create(Uint8Array.prototype)];
  for (const [i, value] of notBytes.entries()) {
    assert.throws(() => checker.pushChunk(value), (e) => isMapiLogoffError(e) && e.code === "invalidArgument" && e.path === "chunk", `notBytes[${i}]`);
  }
  // Getters that lie or throw are not read: the bytes are.
  const line = new TextEncoder().encode('{"object":{"kind":"store","id":"PST"},"method":"IMsgStore::StoreLogoff","flags":6}\n');
  const liar = new Uint8Array(line);
  Object.defineProperty(liar, "length", { get() { throw new Error("length"); } });
  Object.defineProperty(liar, "byteLength", { value: 1 << 30 });
  Object.defineProperty(liar, "buffer", { get() { throw new Error("buffer"); } });
  checker.pushChunk(liar);
  checker.pushChunk(new Uint8Array(0));
  const report = checker.finish();
  assert.equal(report.lines, 1);
  assert.equal(report.diagnostics[0].code, "S1");
  assert.throws(() => checker.pushChunk(line), (e) => e.code === "invalidArgument" && e.path === "pushChunk", "finished");
  checker.free();
  // A chunk of 8 MiB is handed to wasm in slices: memory does not grow by its size.
  const stats = createRequire(import.meta.url)("mapi-logoff/check").__wasmStats;
  const big = new TextEncoder().encode(`${golden[0].jsonl}${" ".repeat(8 << 20)}\n`);
  const warm = new TraceChecker();
  warm.pushChunk(big.subarray(0, 1 << 20));
  warm.free();
  const before = stats().memoryBytes;
  const sliced = new TraceChecker();
  sliced.pushChunk(big);
  assert.deepEqual(sliced.finish(), checkTrace(new TextDecoder().decode(big)));
  sliced.free();
  assert.ok(stats().memoryBytes - before < 4 << 20, `wasm memory grew by ${stats().memoryBytes - before} bytes`);
});

test("check reads a file or standard input in chunks of bytes: CRLF and characters across 64 KiB give the report of the text", () => {
  const g = golden.find((x) => x.name === "fault-free-child-block");
  const odd = '{"caller":{"kind":"client"},"object":{"kind":"transport","id":"Boîte 📬"},"method":"IXPProvider::État"}';
  // Padding lines put the odd line's characters across the 64 KiB boundaries.
  let text = "";
  for (let pad = 0; text.length < 3 * 65536; pad++) text += `${" ".repeat(pad % 97)}\r\n${odd}\r\n`;
  text += g.jsonl.replaceAll("\n", "\r\n");
  const path = scratchFile("crlf.jsonl", text);
  const fromFile = cli(["check", path, "--format", "json"]);
  const fromStdin = cli(["check", "-", "--format", "json"], text);
  assert.equal(fromFile.status, 1, fromFile.stderr);
  assert.deepEqual(JSON.parse(fromFile.stdout), checkTrace(text));
  assert.deepEqual(JSON.parse(fromStdin.stdout), checkTrace(text));
});

test("bad input is a typed error and the checker stays usable", () => {
  const expectError = (fn, path) => {
    assert.throws(fn, (e) => isMapiLogoffError(e) && e instanceof Error && e.code === "invalidArgument" && e.path === path);
  };
  expectError(() => checkTrace(42), "trace");
  expectError(() => checkTrace(undefined), "trace");
  expectError(() => checkTrace(["{}", 7]), "[1]");
  expectError(() => checkTrace([{ method: "x" }]), "[0]");
  const checker = new TraceChecker();
  expectError(() => checker.feed(42), "chunk");
  expectError(() => checker.feed(null), "chunk");
  expectError(() => checker.feed(10n), "chunk");
  checker.feed(golden[0].jsonl);
  assert.equal(typeof checker.finish().lines, "number", "usable after the errors");
  expectError(() => checker.finish(), "finish");
  expectError(() => checker.feed("{}"), "feed");
  // Malformed lines are diagnostics, not exceptions.
  const report = checkTrace("not json\n{\"method\":1}\n" + "[".repeat(100000));
  assert.deepEqual(report.diagnostics.map((d) => [d.code, d.line]), [["malformedLine", 1], ["malformedLine", 2], ["malformedLine", 3]]);
  // A 20 MB line does not crash the module.
  const big = checkTrace(`{"method":"${"x".repeat(20 << 20)}"}`);
  assert.equal(big.diagnostics[0].code, "malformedLine");
});

test("check: exit 0 clean, 1 with errors, 2 when unusable", () => {
  const clean = golden.find((g) => g.name === "quiet-busy");
  const faulty = golden.find((g) => g.name === "fault-skip-store-logoff-transports");
  assert.equal(cli(["check", scratchFile("clean.jsonl", clean.jsonl)]).status, 0);
  const bad = cli(["check", scratchFile("faulty.jsonl", faulty.jsonl)]);
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /faulty\.jsonl:\d+: error \[S14 M1\] store Mailbox released its support object/);
  assert.match(bad.stdout, /^  > +\d+ \| \{/m, "the offending call is shown");
  assert.match(bad.stdout, /rule: https:\/\/learn\.microsoft\.com\//);
  assert.equal(cli(["check", "-"], faulty.jsonl).status, 1, "standard input");
  assert.equal(cli(["check", join(tmpdir(), "no-such-trace.jsonl")]).status, 2, "missing file");
  assert.equal(cli(["check", scratchFile("garbage.txt", "garbage\nmore garbage\n")]).status, 2, "not a trace");
  assert.equal(cli(["check", scratchFile("v3.jsonl", '{"format":"mapi-logoff-trace","version":3}\n')]).status, 2, "another version");
  assert.equal(cli(["check"]).status, 2, "no file");
  assert.equal(cli(["check", "a", "--format", "xml"]).status, 2, "bad format");
  assert.equal(cli(["frobnicate"]).status, 2, "unknown command");
  assert.equal(cli(["--version"]).stdout.trim(), JSON.parse(readFileSync(join(process.cwd(), "node_modules", "mapi-logoff", "package.json"))).version);
});

test("check --format json is the checker's report", () => {
  const faulty = golden.find((g) => g.name === "fault-release-support-first");
  const r = cli(["check", scratchFile("t.jsonl", faulty.jsonl), "--format", "json"]);
  assert.equal(r.status, 1);
  assert.deepEqual(JSON.parse(r.stdout), checkTrace(faulty.jsonl));
});

test("check --format sarif is valid SARIF 2.1.0 with one result per diagnostic", () => {
  const require = createRequire(join(ROOT, "package.json"));
  const Ajv = require("ajv-draft-04");
  const schema = JSON.parse(readFileSync(join(ROOT, "tests", "fixtures", "sarif-schema-2.1.0.json"), "utf8"));
  // unicodeRegExp: false for the one pattern of the 2.1.0 schema written for
  // ECMAScript's non-unicode syntax (the language tag of a SARIF log).
  const validate = new (Ajv.default ?? Ajv)({ allErrors: true, strict: false, unicodeRegExp: false }).compile(schema);
  for (const name of ["fault-free-child-block", "quiet-busy", "fault-reject-reserved-logoff-flags"]) {
    const g = golden.find((x) => x.name === name);
    const path = scratchFile(`${name}.jsonl`, g.jsonl);
    const r = cli(["check", path, "--format", "sarif"]);
    const log = JSON.parse(r.stdout);
    assert.ok(validate(log), `${name}: ${JSON.stringify(validate.errors, null, 2)}`);
    const report = checkTrace(g.jsonl);
    assert.equal(log.runs[0].results.length, report.diagnostics.length, name);
    for (const [i, d] of report.diagnostics.entries()) {
      const res = log.runs[0].results[i];
      assert.equal(res.ruleId, d.code);
      assert.equal(res.locations[0].physicalLocation.region.startLine, d.line);
      assert.equal(log.runs[0].tool.driver.rules[res.ruleIndex].id, d.code);
    }
  }
  // A document that is not SARIF fails the schema (the validator works).
  assert.equal(validate({ version: "2.1.0", runs: [{}] }), false);
});

test("run prints the golden traces: text byte for byte, JSON, Mermaid", () => {
  for (const g of golden) {
    const path = join(SCENARIO_DIR, `${g.name}.json`);
    const r = cli(["run", path]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, g.text, g.name);
  }
  const g = golden.find((x) => x.name === "purge-busy");
  const json = JSON.parse(cli(["run", join(SCENARIO_DIR, "purge-busy.json"), "--format", "json"]).stdout);
  assert.equal(JSON.stringify(json.trace), g.trace);
  const mermaid = cli(["run", join(SCENARIO_DIR, "purge-busy.json"), "--format", "mermaid"]).stdout;
  assert.ok(mermaid.startsWith("sequenceDiagram\n"));
  const calls = JSON.parse(g.trace).filter((e) => e.hresult !== null).length;
  assert.equal((mermaid.match(/->>\+/g) ?? []).length, calls, "an arrow per call");
  assert.equal((mermaid.match(/-->>-/g) ?? []).length, calls, "a reply per call");
  assert.equal(cli(["run", scratchFile("bad.json", '{"version":1,"stores":[{"name":""}]}')]).status, 2);
});

test("run --format mermaid: participants, nested calls closed by their replies, notes", () => {
  const scenario = JSON.stringify({
    version: 1,
    stores: [{ name: "Mailbox", outboundQueue: [{ addressType: "SMTP", steps: 1 }] }],
    transports: [{ name: "Internet", sessions: [{ name: "smtp", addressTypes: ["SMTP"] }] }],
    actions: [{ type: "storeLogoffTransports", store: 0, flags: "LOGOFF_PURGE" }],
  });
  const expected = `sequenceDiagram
    participant store0 as store Mailbox
    participant mapi as MAPI
    participant spooler as spooler
    participant session0 as session smtp
    store0->>+mapi: IMAPISupport::StoreLogoffTransports(ulFlags=LOGOFF_PURGE)
    spooler->>+session0: IXPLogon::FlushQueues(ulFlags=FLUSH_UPLOAD)
    session0-->>-spooler: S_OK [S7]
    spooler->>+session0: IXPLogon::SubmitMessage(lpMessage=message 0)
    session0-->>-spooler: S_OK [S2]
    spooler->>+session0: IXPLogon::EndMessage(ulMsgRef=message 0)
    session0-->>-spooler: S_OK [S2]
    spooler->>+session0: IXPLogon::TransportNotify(ulFlags=NOTIFY_END_OUTBOUND_FLUSH)
    session0-->>-spooler: S_OK [S7]
    Note over spooler: Spooler::ReleaseStoreLogon the spooler releases its logon on the store
    mapi-->>-store0: S_OK, LOGOFF_COMPLETE [S7]
`;
  assert.equal(cli(["run", "-", "--format", "mermaid"], scenario).stdout, expected);
});

test("matrix: text, Markdown and JSON from the engine, under both readings", () => {
  const json = JSON.parse(cli(["matrix", "--format", "json"]).stdout);
  assert.equal(json.length, 80);
  const literal = JSON.parse(cli(["matrix", "--format", "json", "--abort-reading", "literal"]).stdout);
  const busyAbort = (cells) => cells.find((c) => c.flag === "LOGOFF_ABORT" && c.situation.queued && !c.situation.shared && !c.situation.inbound && !c.situation.outbound);
  assert.equal(busyAbort(json).outFlags.text, "LOGOFF_COMPLETE");
  assert.equal(busyAbort(literal).outFlags.text, "LOGOFF_OUTBOUND_QUEUE", "the literal reading vetoes (S4)");
  const md = cli(["matrix", "--format", "markdown"]).stdout;
  assert.match(md, /^\| situation \| LOGOFF_NO_WAIT \|/);
  assert.equal(md.split("\n").filter((l) => l.startsWith("| ")).length, 1 + 16);
  assert.equal(cli(["matrix", "--abort-reading", "sometimes"]).status, 2);
});

test("the rules the CLI cites exist", () => {
  const ids = new Set(rules().map((r) => r.id));
  for (const id of ["S14", "T1", "I2", "M1", "M11"]) assert.ok(ids.has(id));
  assert.ok(execFileSync(process.execPath, [CLI, "--help"], { encoding: "utf8" }).includes("mapi-logoff check"));
});
