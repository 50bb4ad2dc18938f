// Issue 12, part 3: what a first-time user tripped over when writing
// scenarios from the README and the package README alone. One test per
// friction point, through the installed package.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Simulation, argsByName, isMapiLogoffError } from "mapi-logoff";
import { SCENARIO_DIR, goldenScenarios } from "./support.mjs";

const CLI = join(process.cwd(), "node_modules", "mapi-logoff", "bin", "mapi-logoff.mjs");

const MAILBOX = {
  version: 1,
  stores: [{ name: "Mailbox", defaultInbox: true, outboundQueue: [{ addressType: "SMTP" }] }],
  transports: [{ name: "Internet", sessions: [{ name: "smtp", addressTypes: ["SMTP", "X400"], memoryBlocks: 1 }] }],
};

function caught(call) {
  try {
    call();
  } catch (e) {
    assert.ok(isMapiLogoffError(e), `a MapiLogoffError, got ${e}`);
    return e;
  }
  assert.fail("expected an error");
}

test("1. submitMessage takes the address type by name, as outboundQueue does (the index still works)", () => {
  const sim = new Simulation(MAILBOX);
  assert.deepEqual(sim.state().topology.addressTypes, ["SMTP", "X400"]);
  const byName = sim.apply({ type: "submitMessage", store: 0, addressType: "X400" });
  const byIndex = sim.apply({ type: "submitMessage", store: 0, addressType: 1 });
  assert.equal(byName.hresult.text, "S_OK");
  assert.deepEqual(byName.action, byIndex.action, "the name and the index read as one action");
  assert.equal(sim.apply({ type: "submitMessage", store: 0, addressType: "smtp" }).action.addressType, 0, "any case");
  // In a scenario's actions too, and in run().
  const scenario = { ...MAILBOX, actions: [{ type: "submitMessage", store: 0, addressType: "X400" }] };
  assert.equal(new Simulation(scenario).toScenario().actions[0].addressType, 1);
  assert.equal(new Simulation(MAILBOX).run([{ type: "submitMessage", store: 0, addressType: "SMTP" }])[0].hresult.text, "S_OK");
  const e = caught(() => sim.apply({ type: "submitMessage", store: 0, addressType: "FAX" }));
  assert.equal(e.code, "invalidAction");
  assert.equal(e.path, "addressType");
  assert.match(e.message, /unknown address type "FAX"; this scenario has SMTP, X400/);
  const inRun = caught(() => sim.run([{ type: "addRef", store: 0 }, { type: "submitMessage", store: 0, addressType: "FAX" }]));
  assert.equal(inRun.path, "[1].addressType");
  const inScenario = caught(() => new Simulation({ ...MAILBOX, actions: [{ type: "submitMessage", store: 0, addressType: "FAX" }] }));
  assert.equal(inScenario.path, "actions[0].addressType");
});

test("2. allocate returns the new block's id, ready for free and for a child's parent", () => {
  const sim = new Simulation(MAILBOX);
  const root = sim.apply({ type: "allocate", session: 0 });
  assert.equal(typeof root.block, "number");
  assert.equal(sim.state().state.memory.blocks[root.block].parent ?? null, null, "a root block");
  const child = sim.apply({ type: "allocate", session: 0, parent: root.block });
  assert.equal(child.block, root.block + 1);
  assert.equal(sim.state().state.memory.blocks[child.block].parent, root.block);
  const freed = sim.apply({ type: "free", session: 0, block: root.block });
  assert.equal(freed.hresult.text, "S_OK");
  assert.equal(freed.block, undefined, "only allocate reports a block");
  const refused = sim.apply({ type: "allocate", session: 0, parent: root.block });
  assert.notEqual(refused.hresult.text, "S_OK", "a child of a freed root is refused (T9)");
  assert.equal(refused.block, undefined, "a refused allocation made no block");
});

test("3. changes[].before and after are JSON values, not JSON inside strings", () => {
  const sim = new Simulation(MAILBOX);
  const send = sim.apply({ type: "beginSend", session: 0 });
  const sending = send.changes.find((c) => c.path === "sessions[0].sending");
  assert.ok(sending, JSON.stringify(send.changes));
  assert.equal(sending.before, null);
  assert.deepEqual(sending.after, { message: 0, remaining: 2 });
  const logoff = sim.apply({ type: "storeLogoff", store: 0, flags: "LOGOFF_NO_WAIT" });
  for (const c of logoff.changes) assert.notEqual(typeof c.before === "string" && /^[[{]/.test(c.before), true, c.path);
});

test("4. the clients' phase of a logged-off store still held by the spooler reads `invalidated`", () => {
  const sim = new Simulation(MAILBOX);
  sim.apply({ type: "beginSend", session: 0 });
  const o = sim.apply({ type: "storeLogoff", store: 0, flags: "LOGOFF_NO_WAIT" });
  assert.equal(o.outFlags.text.includes("LOGOFF_COMPLETE"), true, o.outFlags.text);
  const store = sim.state().state.stores[0];
  assert.equal(store.phase, "invalidated", "invalid for its clients (S9)");
  assert.notEqual(store.spooler, "released", "while the spooler still holds its logon (S16)");
  assert.deepEqual(o.changes.find((c) => c.path === "stores[0].phase"), { path: "stores[0].phase", before: "open", after: "invalidated" });
});

test("5. every explanation of every golden scenario says what happened (MAPIFreeBuffer(NULL) is a no-op)", () => {
  for (const g of goldenScenarios()) {
    const scenario = JSON.parse(readFileSync(join(SCENARIO_DIR, `${g.name}.json`), "utf8"));
    const sim = new Simulation({ ...scenario, actions: [] });
    for (const action of scenario.actions ?? []) {
      const o = sim.apply(action);
      const trace = sim.trace().slice(o.firstEvent, o.firstEvent + o.eventCount);
      if (action.type === "free" && action.block === undefined) {
        assert.match(o.explanation, /does nothing/, `${g.name} step ${o.step}: ${o.explanation}`);
        assert.doesNotMatch(o.explanation, /are freed/, `${g.name} step ${o.step}`);
      }
      if (/are freed/.test(o.explanation)) assert.ok(o.changes.some((c) => c.path.startsWith("memory")), `${g.name} step ${o.step}: "${o.explanation}" but no block changed`);
      if (o.hresult.text !== "S_OK") assert.ok(trace.some((e) => e.hresult?.text === o.hresult.text) || o.eventCount === 0 || /refus|not|fail|invalid|busy|veto/i.test(o.explanation), `${g.name} step ${o.step}: ${o.hresult.text} "${o.explanation}"`);
      for (const rule of o.rules) assert.ok(o.explanation.includes(rule), `${g.name} step ${o.step}: the explanation cites ${rule}`);
    }
  }
  const sim = new Simulation(MAILBOX);
  const noop = sim.apply({ type: "free", session: 0 });
  assert.match(noop.explanation, /^MAPIFreeBuffer\(NULL\) does nothing/);
  assert.deepEqual(noop.changes, []);
});

test("6. run --format trace-json prints the trace byte for byte as traceJson() and the golden files", () => {
  for (const g of goldenScenarios().slice(0, 6)) {
    const file = join(SCENARIO_DIR, `${g.name}.json`);
    const r = spawnSync(process.execPath, [CLI, "run", file, "--format", "trace-json"], { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(SCENARIO_DIR, `${g.name}.trace.json`), "utf8"), g.name);
    assert.equal(r.stdout, new Simulation(readFileSync(file, "utf8")).traceJson(), g.name);
  }
});

test("7. argsByName: a trace event's arguments keyed by name", () => {
  const sim = new Simulation(MAILBOX);
  sim.apply({ type: "storeLogoff", store: 0, flags: "LOGOFF_ORDERLY" });
  const call = sim.trace().find((e) => e.method === "IMAPISupport::StoreLogoffTransports");
  assert.ok(call, "the store called StoreLogoffTransports");
  const args = argsByName(call);
  assert.equal(args.ulFlags.text, call.args.find((a) => a.name === "ulFlags").text);
  assert.equal(args.ulFlags.value, 2, "LOGOFF_ORDERLY");
  assert.equal(args.nothing, undefined);
  assert.equal(Object.getPrototypeOf(args), null, "no inherited names (toString, __proto__)");
});

test("8. error paths: deep nesting is shortened, apply(null) speaks of the action", () => {
  let deep = [];
  for (let i = 0; i < 200; i++) deep = [deep];
  const sim = new Simulation(MAILBOX);
  const e = caught(() => sim.run(deep));
  assert.equal(e.code, "invalidJson");
  assert.match(e.path, /^(\[0\]){8}\.\.\.\(depth 128\)$/, e.path);
  assert.ok(e.message.length < 120, e.message);
  const n = caught(() => sim.apply(null));
  assert.equal(n.code, "invalidAction");
  assert.equal(n.path, "", "the argument as a whole, not a field `type`");
  assert.equal(n.message, "expected an action (an object), got null");
  for (const v of [3, "addRef", []]) assert.match(caught(() => sim.apply(v)).message, /^expected an action \(an object\), got /);
});
