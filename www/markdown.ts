import { readingFor } from "./readings";
// "Copy as Markdown": a summary of the scenario, the current outcome and
// the trace (traceText(), as a fenced block).
import { actionLabel } from "./engine";
import type { Outcome, Scenario, StateView } from "./engine";

function fenceFor(text: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return "`".repeat(Math.max(3, longest + 1));
}

/** Keeps user text from being read as Markdown structure. */
function inline(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, "\\$1").replace(/\s+/g, " ").trim();
}

export function toMarkdown(scenario: Scenario, view: StateView, outcome: Outcome | undefined, traceText: string, url: string): string {
  const topo = view.topology;
  const lines: string[] = [];
  lines.push(`### ${inline(scenario.name || "MAPI logoff scenario")}`, "");
  if (scenario.description) lines.push(inline(scenario.description), "");
  const settings = scenario.settings ?? {};
  const abort = readingFor("abortReading", settings.abortReading);
  const slt = readingFor("storeLogoffTransports", settings.storeLogoffTransports);
  lines.push(`- Readings: abortReading \`${abort.value}\` (${abort.label}), storeLogoffTransports \`${slt.value}\` (${slt.label})`);
  for (const st of scenario.stores ?? []) {
    const bits = [
      st.defaultInbox ? "default Inbox" : "",
      st.sharedWithOtherProcess ? "open in another process" : "",
      `${st.references ?? 1} reference${(st.references ?? 1) === 1 ? "" : "s"}`,
      `${(st.outboundQueue ?? []).length} queued`,
      st.supportKind && st.supportKind !== "messageStore" ? `${st.supportKind} support` : "",
      (st.faults ?? []).length ? `faults: ${(st.faults ?? []).join(", ")}` : "",
    ].filter(Boolean);
    lines.push(`- Store **${inline(st.name)}**: ${bits.join(", ")}`);
  }
  for (const t of scenario.transports ?? []) {
    const sessions = (t.sessions ?? []).map((s) => `${inline(s.name)} [${(s.addressTypes ?? []).map(inline).join(", ")}]${(s.inbound ?? []).length ? `, ${(s.inbound ?? []).length} inbound` : ""}`);
    lines.push(`- Transport **${inline(t.name)}**: ${sessions.join("; ") || "no sessions"}${(t.faults ?? []).length ? `; faults: ${(t.faults ?? []).join(", ")}` : ""}`);
  }
  const actions = scenario.actions ?? [];
  if (actions.length) {
    lines.push("", "Steps:", "");
    actions.forEach((a, i) => lines.push(`${i + 1}. \`${actionLabel(a, topo).replace(/`/g, "'")}\``));
  }
  if (outcome) {
    lines.push(
      "",
      `Last step: \`${outcome.hresult.text}\` (${"0x" + (outcome.hresult.value >>> 0).toString(16).toUpperCase().padStart(8, "0")})${outcome.outFlags ? `, out flags \`${outcome.outFlags.text}\`` : ""} — ${inline(outcome.explanation)}`,
    );
  }
  if (view.violations.length) {
    lines.push("", "Violations:", "");
    for (const v of view.violations) lines.push(`- ${v.rule}${v.mistake ? ` (${v.mistake})` : ""} ${inline(v.subject)}: ${inline(v.message)}`);
  }
  const fence = fenceFor(traceText);
  lines.push("", `${fence}text`, traceText.replace(/\n+$/, ""), fence, "", `[Open in the mapi-logoff playground](${url.replace(/\)/g, "%29")})`, "");
  return lines.join("\n");
}
