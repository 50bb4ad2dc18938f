// <mapi-logoff-example data-rule="S3" data-example="S3">: one rule's live
// example, computed here by the engine's wasm build. Lighter than the
// playground element: no editor, no state tables, no shadow DOM (the page's
// styles and print styles apply). The engine and the examples file load
// once for the page, on the first example that comes near the viewport;
// each example renders when it scrolls into view, then sets
// data-state="ready" (or "error", with the reason shown).
import init, { Simulation } from "mapi-logoff";
import type { Action, Outcome, Party, Scenario, TraceEvent, Violation } from "mapi-logoff";
import { encodeFragment } from "../../../www/share";

interface Check {
  action: number;
  hresult: string;
  outFlags?: string | null;
}
interface Expectation {
  rule: string;
  title?: string;
  checks?: Check[];
  violations?: string[];
  revision2?: string;
  reading?: {
    setting: string;
    page?: string;
    values: (Expectation & { value: string; label: string; sentence: string; quote: string })[];
  };
}
interface Example {
  id: string;
  rule: string;
  expect: Expectation;
  scenario: Scenario;
}
interface ReadingInfo {
  setting: string;
  value: string;
  label?: string;
  sentence?: string;
  quote?: string;
  aliases?: string[];
}
interface ExamplesFile {
  examples: Example[];
  rules: Record<string, { title: string; docUrl?: string }>;
  readings?: ReadingInfo[];
}

let engineReadings: ReadingInfo[] = [];

/** The engine's description of a reading value (or of the value it is an alias of), if it gives one. */
function readingInfo(setting: string, value: string): ReadingInfo | undefined {
  return engineReadings.find((r) => r.setting === setting && (r.value === value || (r.aliases ?? []).includes(value)));
}

let ready: Promise<Map<string, Example>> | null = null;

/** The engine and the examples, loaded once for the whole page. */
function load(): Promise<Map<string, Example>> {
  ready ??= (async () => {
    const root = document.body.dataset.root ?? "";
    const [file] = await Promise.all([
      fetch(`${root}examples.json`).then((r) => {
        if (!r.ok) throw new Error(`examples.json: HTTP ${r.status}`);
        return r.json() as Promise<ExamplesFile>;
      }),
      init(),
    ]);
    engineReadings = Array.isArray(file.readings) ? file.readings : [];
    return new Map(file.examples.map((e) => [e.id, e]));
  })();
  return ready;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** An action as a call a reader recognises. */
function actionText(a: Action): string {
  const parts = Object.entries(a)
    .filter(([k]) => k !== "type")
    .map(([k, v]) => `${k} ${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${a.type}(${parts.join(", ")})`;
}

function partyLabel(p: Party): string {
  return p.name;
}

/** A small sequence diagram: one lane per party, one row per call. */
function diagram(events: TraceEvent[], caption: string): HTMLElement {
  const figure = el("figure", "seq");
  const lanes: string[] = [];
  const laneOf = (p: Party): number => {
    const key = partyLabel(p);
    let i = lanes.indexOf(key);
    if (i < 0) i = lanes.push(key) - 1;
    return i;
  };
  for (const e of events) {
    laneOf(e.caller);
    laneOf(e.callee);
  }
  const grid = el("ol", "seq-grid");
  grid.style.gridTemplateColumns = `repeat(${Math.max(lanes.length, 1)}, minmax(0, 1fr))`;
  const head = el("li", "seq-head");
  head.setAttribute("aria-hidden", "true");
  head.style.gridColumn = `1 / ${lanes.length + 1}`;
  head.style.gridRow = "1";
  head.style.gridTemplateColumns = grid.style.gridTemplateColumns;
  for (const name of lanes) head.append(el("span", "seq-lane", name));
  grid.append(head);
  // Explicit rows: auto-placement would put a call on the row of the one before when their lanes do not overlap.
  events.forEach((e, i) => {
    const from = laneOf(e.caller);
    const to = laneOf(e.callee);
    const row = el("li", `seq-row ${from === to ? "self" : from < to ? "right" : "left"}`);
    row.style.gridColumn = `${Math.min(from, to) + 1} / ${Math.max(from, to) + 2}`;
    row.style.gridRow = String(i + 2);
    const args = e.args.map((a) => `${a.name}=${a.text}`).join(", ");
    const result = e.hresult ? ` = ${e.hresult.text}${e.outFlags ? `, ${e.outFlags.text}` : ""}` : "";
    const who = from === to ? `${partyLabel(e.caller)}: ` : `${partyLabel(e.caller)} → ${partyLabel(e.callee)}: `;
    row.append(el("span", "visually-hidden", who));
    row.append(el("span", "seq-call", `${e.method}(${args})${result}`));
    if (e.rules.length) row.append(el("span", "seq-rules", e.rules.join(" ")));
    grid.append(row);
  });
  figure.append(grid, el("figcaption", "seq-caption", caption));
  return figure;
}

interface Run {
  outcomes: Outcome[];
  trace: TraceEvent[];
  violations: Violation[];
}

function run(scenario: Scenario): Run {
  const sim = new Simulation({ ...scenario, actions: [] });
  try {
    const outcomes = (scenario.actions ?? []).map((a) => sim.apply(a));
    return { outcomes, trace: sim.trace(), violations: sim.violations() };
  } finally {
    sim.free();
  }
}

function violationText(v: Violation): string {
  return v.mistake ? `${v.rule} ${v.mistake}` : v.rule;
}

/** The headline answer: the call, its HRESULT and out flags, and why. */
function resultBlock(outcome: Outcome, check: Check): HTMLElement {
  const box = el("div", "ex-result");
  box.dataset.hresult = outcome.hresult.text;
  box.dataset.expected = check.hresult;
  const call = el("p", "ex-call");
  call.append(el("span", "ex-label", "Call "), el("code", "", actionText(outcome.action)));
  const dl = el("dl", "ex-answer");
  dl.append(el("dt", "", "HRESULT"), el("dd", `ex-hresult ${outcome.hresult.value >= 0x80000000 ? "fail" : "ok"}`, outcome.hresult.text));
  dl.append(el("dt", "", "Out flags"), el("dd", "ex-flags", outcome.outFlags?.text ?? "none written"));
  box.append(call, dl, el("p", "ex-why", outcome.explanation));
  if (outcome.hresult.text !== check.hresult) {
    box.append(el("p", "ex-mismatch", `The documented answer is ${check.hresult}: this example no longer shows its rule.`));
  }
  return box;
}

function stepsList(run: Run, checks: Check[]): HTMLElement {
  const ol = el("ol", "ex-steps");
  run.outcomes.forEach((o, i) => {
    const li = el("li", checks.some((c) => c.action === i) ? "checked" : "");
    li.append(el("code", "", actionText(o.action)), document.createTextNode(" → "), el("span", "ex-step-hr", o.hresult.text));
    if (o.outFlags) li.append(document.createTextNode(`, ${o.outFlags.text}`));
    ol.append(li);
  });
  return ol;
}

function violationsBlock(run: Run): HTMLElement {
  if (!run.violations.length) return el("p", "ex-clean", "No violation: every invariant holds.");
  const box = el("div", "ex-violations");
  box.append(el("p", "ex-label", "Violations (what the checker reports):"));
  const ul = el("ul");
  for (const v of run.violations) ul.append(el("li", "", `${violationText(v)} — ${v.subject}: ${v.message}`));
  box.append(ul);
  return box;
}

function playgroundLink(scenario: Scenario): HTMLAnchorElement {
  const a = el("a", "ex-open", "Open in playground");
  const root = document.body.dataset.root ?? "";
  a.href = `${root}../index.html`;
  const position = scenario.actions?.length ?? 0;
  void encodeFragment({ scenario, position }).then((f) => {
    a.href = `${root}../index.html#${f}`;
  });
  return a;
}

/** One column (or the whole body) for a scenario and its expectation. */
function body(scenario: Scenario, expect: Expectation): HTMLElement {
  const wrap = el("div", "ex-body");
  const r = run(scenario);
  const checks = expect.checks ?? [];
  const headline = checks[0];
  const outcome = headline ? r.outcomes[headline.action] : undefined;
  if (!headline || !outcome) throw new Error("the example names no call to show");
  wrap.append(resultBlock(outcome, headline));
  const events = r.trace.slice(outcome.firstEvent, outcome.firstEvent + outcome.eventCount);
  wrap.append(diagram(events, `The calls made by step ${headline.action + 1}, ${actionText(outcome.action)}.`));
  const details = el("details", "ex-more");
  details.append(el("summary", "", `All ${r.outcomes.length} steps, ${r.trace.length} calls`));
  details.append(stepsList(r, checks), diagram(r.trace, "Every call of the scenario."));
  wrap.append(details, violationsBlock(r));
  return wrap;
}

export class MapiLogoffExample extends HTMLElement {
  private started = false;

  connectedCallback(): void {
    if (this.started) return;
    this.dataset.state ??= "waiting";
    observer().observe(this);
  }

  disconnectedCallback(): void {
    observer().unobserve(this);
  }

  async render(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.dataset.state = "loading";
    this.setAttribute("aria-busy", "true");
    try {
      const examples = await load();
      const id = this.dataset.example ?? this.dataset.rule ?? "";
      const example = examples.get(id);
      if (!example) throw new Error(`no example ${id}`);
      this.replaceChildren(this.build(example));
      this.dataset.state = "ready";
    } catch (e) {
      this.replaceChildren(el("p", "ex-error", `This example could not run: ${e instanceof Error ? e.message : String(e)}`));
      this.dataset.state = "error";
    } finally {
      this.removeAttribute("aria-busy");
    }
  }

  private build(example: Example): HTMLElement {
    const { scenario, expect } = example;
    const box = el("section", "example");
    box.setAttribute("aria-label", `Live example for ${example.rule}: ${scenario.name ?? expect.title ?? ""}`);
    const head = el("header", "ex-head");
    head.append(el("p", "ex-kicker", expect.reading ? `Both readings, side by side · ${example.rule}` : `Live example · ${example.rule}`));
    head.append(el("p", "ex-title", scenario.name ?? expect.title ?? example.id));
    if (scenario.description) head.append(el("p", "ex-desc", scenario.description));
    if (expect.revision2) head.append(el("p", "ex-rev", expect.revision2));
    box.append(head);
    if (expect.reading) {
      const cols = el("div", "ex-readings");
      for (const v of expect.reading.values) {
        const col = el("div", "ex-reading");
        col.dataset.reading = v.value;
        const info = readingInfo(expect.reading.setting, v.value);
        col.append(el("p", "ex-reading-label", info?.label ?? v.label), el("p", "ex-reading-sentence", info?.sentence ?? v.sentence));
        const quote = el("blockquote", "ex-quote");
        quote.append(el("p", "", `“${info?.quote ?? v.quote}”`));
        if (expect.reading.page) {
          const cite = el("a", "", expect.reading.page.replace(/^.*\//, ""));
          cite.href = expect.reading.page;
          cite.rel = "external";
          const p = el("p", "ex-cite", "— ");
          p.append(cite);
          quote.append(p);
        }
        col.append(quote);
        const s: Scenario = { ...scenario, settings: { ...scenario.settings, [expect.reading.setting]: v.value } };
        col.append(body(s, v), playgroundLink(s));
        cols.append(col);
      }
      box.append(cols);
    } else {
      box.append(body(scenario, expect), playgroundLink(scenario));
    }
    return box;
  }
}

let io: IntersectionObserver | null = null;
function observer(): IntersectionObserver {
  io ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        io?.unobserve(entry.target);
        void (entry.target as MapiLogoffExample).render();
      }
    },
    { rootMargin: "400px 0px" },
  );
  return io;
}

/** Print: every example is rendered before the page is printed. */
export function renderAll(): Promise<void> {
  const all = [...document.querySelectorAll<MapiLogoffExample>("mapi-logoff-example")];
  return Promise.all(all.map((e) => e.render())).then(() => undefined);
}

if (!customElements.get("mapi-logoff-example")) customElements.define("mapi-logoff-example", MapiLogoffExample);
addEventListener("beforeprint", () => void renderAll());
