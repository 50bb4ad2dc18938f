// The "Explore" tab: every order in which things can happen from the
// playground's current state, explored by the explorer (mapi-logoff/explore,
// its own wasm module) in a worker (www/explore.worker.ts), so the page
// stays responsive and a run can be cancelled. Shows the progress, the
// verdict of each property with the shortest counterexample (opened in the
// playground or shared as a link), and what each logoff call can return.
// This file and the worker are loaded when the tab is first opened.
import type { ExploreOptions, ExploreReport, OutcomeGoal, PropertyInput, PropertyName, PropertyResult, StopReason, Verdict } from "mapi-logoff/explore";
import { h, replace, uid, type Child } from "./dom";
import { actionLabel, constants } from "./engine";
import type { Action, Scenario, Topology } from "./engine";
import type { FromWorker, ToWorker } from "./explore-protocol";
import { ruleChip, type Tips } from "./tips";

/** What the tab needs of the playground. */
export interface ExploreHost {
  tips: Tips;
  /** The playground's situation with the actions applied so far, and its parts' names. */
  current(): { scenario: Scenario; name: string; applied: number; topology: Topology; messages: number };
  /** Opens a scenario in the playground at its last step and shows the playground. */
  open(scenario: Scenario, label: string): void;
  /** A share link to a scenario at a position. */
  shareUrl(scenario: Scenario, position: number): Promise<string>;
}

const DEFAULT_DEPTH = 12;
const MAX_DEPTH = 1000;
const DEFAULT_STATES = 200_000;
const MAX_STATES = 20_000_000;
const MAX_GOALS = 16;
/** New messages a run may add at most (each multiplies the states). */
const MAX_NEW_MESSAGES = 100;
/** The screen reader hears the progress at most this often (ms); the numbers on screen follow every report. */
const ANNOUNCE_EVERY = 5000;

const STORE_FLAGS = ["LOGOFF_NO_WAIT", "LOGOFF_ORDERLY", "LOGOFF_PURGE", "LOGOFF_ABORT", "LOGOFF_QUIET"] as const;
const OUT_FLAGS = ["LOGOFF_COMPLETE", "LOGOFF_INBOUND", "LOGOFF_OUTBOUND", "LOGOFF_OUTBOUND_QUEUE"] as const;

/** The named properties: label, what they check in plain words, and the rules behind them. */
const PROPERTIES: { name: PropertyName; label: string; hint: string; rules: string[]; always?: boolean }[] = [
  { name: "invariants", label: "Invariants I1–I6", hint: "Checked in every state; the explorer always checks them.", rules: ["I1", "I2", "I3", "I4", "I5", "I6"], always: true },
  { name: "storesReleased", label: "Stores released", hint: "Every store that was logged off is eventually released by the spooler.", rules: ["S3", "S4", "S5", "S6", "S7", "S14"] },
  { name: "noMessageLost", label: "No message lost", hint: "No message is ever lost or duplicated.", rules: ["I1"] },
  { name: "storeLogoffTransportsOnce", label: "StoreLogoffTransports once", hint: "Called exactly once per store shutdown.", rules: ["I5", "S10", "S14"] },
];

/** The rules a "reachable" goal is about (docs/protocol.md, section 8). */
const GOAL_RULES = ["S2", "S3", "S4", "S5", "S6", "S7"];

const VERDICTS: Record<Verdict, { icon: string; text: string; cls: string; explain: string }> = {
  holds: { icon: "✓", text: "Holds", cls: "v-ok", explain: "in every state within the bounds" },
  holdsSoFar: { icon: "…", text: "Holds so far", cls: "v-warn", explain: "no failure in the states seen, but not every state was seen" },
  fails: { icon: "✗", text: "Fails", cls: "v-bad", explain: "a shortest path to a failure is below" },
  reachable: { icon: "✓", text: "Reachable", cls: "v-ok", explain: "a shortest path to it is below" },
  unreachable: { icon: "–", text: "Unreachable", cls: "v-none", explain: "no path within the bounds gives this outcome" },
  notFoundSoFar: { icon: "…", text: "Not found so far", cls: "v-warn", explain: "not in the states seen, but not every state was seen" },
};

type State = "loading" | "idle" | "running" | StopReason | "cancelled" | "error";

interface Run {
  id: number;
  scenario: Scenario;
  /** The scenario as JSON: whether the playground still shows it. */
  key: string;
  name: string;
  applied: number;
  topology: Topology;
  maxDepth: number;
  maxStates: number;
  progressShown: number;
  lastAnnounce: number;
  cancelling: boolean;
}

const num = (n: number) => n.toLocaleString("en-US");

function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function callName(call: string | undefined): string {
  return call === "storeLogoff" ? "StoreLogoff" : "StoreLogoffTransports";
}

function goalText(g: OutcomeGoal): string {
  const returns = g.hresult === undefined ? "any HRESULT" : String(g.hresult);
  const out = g.outFlags === undefined ? "" : ` with out flags exactly ${String(g.outFlags)}`;
  return `${callName(g.call)}(${String(g.flag)}) returns ${returns}${out}`;
}

/** The parts of a scenario in a few words. */
function partsText(sc: Scenario): string {
  const stores = sc.stores ?? [];
  const transports = sc.transports ?? [];
  const sessions = transports.reduce((n, t) => n + (t.sessions ?? []).length, 0);
  const queued = stores.reduce((n, s) => n + (s.outboundQueue ?? []).length, 0);
  const names = (xs: { name: string }[]) => (xs.length ? ` (${xs.slice(0, 4).map((x) => x.name).join(", ")}${xs.length > 4 ? ", …" : ""})` : "");
  return [
    `${plural(stores.length, "store")}${names(stores)}`,
    `${plural(transports.length, "transport provider")}`,
    `${plural(sessions, "session")}${names(transports.flatMap((t) => t.sessions ?? []))}`,
    queued ? `${plural(queued, "queued message")}` : "",
  ]
    .filter(Boolean)
    .join(", ");
}

export class ExploreView {
  readonly el: HTMLElement;
  /** Settles when the worker has loaded the explorer (rejects when it cannot). */
  readonly ready: Promise<void>;
  private readonly host: ExploreHost;
  private worker: Worker | null = null;
  private workerReady: Promise<Worker> | null = null;
  private settleReady: { resolve: (w: Worker) => void; reject: (e: Error) => void } | null = null;
  private run: Run | null = null;
  private runSeq = 0;
  /** Run button presses, including those refused before a run started (tests wait on it). */
  private attempts = 0;
  private last: { run: Run; report: ExploreReport; cancelled: boolean } | null = null;
  private goals: OutcomeGoal[] = [];

  private readonly from: HTMLElement;
  private readonly depthInput: HTMLInputElement;
  private readonly statesInput: HTMLInputElement;
  private readonly newMailInput: HTMLInputElement;
  /** The situation the controls were last set for (the new-messages field follows the situation's own setting). */
  private shownKey = "";
  private readonly symmetryBox: HTMLInputElement;
  private readonly misuseBox: HTMLInputElement;
  private readonly propBoxes = new Map<PropertyName, HTMLInputElement>();
  private readonly goalCall: HTMLSelectElement;
  private readonly goalFlag: HTMLSelectElement;
  private readonly goalHresult: HTMLSelectElement;
  private readonly goalOut: HTMLInputElement[] = [];
  private readonly goalAdd: HTMLButtonElement;
  private readonly goalList: HTMLUListElement;
  private readonly goalNote: HTMLElement;
  private readonly runBtn: HTMLButtonElement;
  private readonly cancelBtn: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly errorBox: HTMLElement;
  private readonly progressBox: HTMLElement;
  private readonly counts: Record<"unique" | "explored" | "transitions" | "depth" | "rate", HTMLElement>;
  private readonly bar: HTMLProgressElement;
  private readonly barText: HTMLElement;
  private readonly results: HTMLElement;

  constructor(host: ExploreHost) {
    this.host = host;
    const tips = host.tips;
    this.from = h("p", { class: "explore-from", "data-testid": "explore-from" });

    // ---- bounds ----
    const depthId = uid("ex");
    const statesId = uid("ex");
    const depthHint = uid("ex");
    const statesHint = uid("ex");
    this.depthInput = h("input", { type: "number", id: depthId, min: 0, max: MAX_DEPTH, step: 1, value: DEFAULT_DEPTH, inputmode: "numeric", "aria-describedby": depthHint, "data-testid": "explore-depth" });
    this.statesInput = h("input", { type: "number", id: statesId, min: 1, max: MAX_STATES, step: 1000, value: DEFAULT_STATES, class: "wide", inputmode: "numeric", "aria-describedby": statesHint, "data-testid": "explore-states" });
    const mailId = uid("ex");
    const mailHint = uid("ex");
    this.newMailInput = h("input", { type: "number", id: mailId, min: 0, max: MAX_NEW_MESSAGES, step: 1, value: 0, inputmode: "numeric", "aria-describedby": mailHint, "data-testid": "explore-new-mail" });
    const bounds = h(
      "fieldset",
      { class: "ex-box" },
      h("legend", null, "Bounds"),
      h("div", { class: "field" }, h("label", { for: depthId }, "Maximum depth"), this.depthInput, h("span", { class: "hint", id: depthHint }, `Actions after the starting state (0–${num(MAX_DEPTH)}).`)),
      h("div", { class: "field" }, h("label", { for: statesId }, "Maximum states"), this.statesInput, h("span", { class: "hint", id: statesHint }, `Unique states kept at most (1–${num(MAX_STATES)}); the run stops there.`)),
      h(
        "div",
        { class: "field" },
        h("label", { for: mailId }, "New messages"),
        this.newMailInput,
        h("span", { class: "hint", id: mailHint }, `Messages that may appear during the run: a client submitting mail, or mail arriving at a session (0–${MAX_NEW_MESSAGES}; each one multiplies the states).`),
      ),
    );

    // ---- options ----
    const box = (testid: string, label: string, hint: string): [HTMLInputElement, HTMLElement] => {
      const id = uid("ex");
      const hintId = uid("ex");
      const input = h("input", { type: "checkbox", id, "aria-describedby": hintId, "data-testid": testid });
      return [input, h("div", { class: "ex-check" }, h("div", { class: "check" }, input, h("label", { for: id }, label)), h("span", { class: "hint", id: hintId }, hint))];
    };
    const [symmetryBox, symmetryRow] = box("explore-symmetry", "Symmetry", "Count identical stores (same settings, faults and support kind) once: fewer states, the same verdicts.");
    const [misuseBox, misuseRow] = box("explore-misuse", "Client misuse", "Also let the client call StoreLogoff again after LOGOFF_COMPLETE, a client mistake (S9).");
    this.symmetryBox = symmetryBox;
    this.misuseBox = misuseBox;
    const options = h("fieldset", { class: "ex-box" }, h("legend", null, "Options"), symmetryRow, misuseRow);

    // ---- properties ----
    const props = h(
      "fieldset",
      { class: "ex-box" },
      h("legend", null, "Properties to check"),
      PROPERTIES.map((p) => {
        const id = uid("ex");
        const hintId = uid("ex");
        const input = h("input", { type: "checkbox", id, checked: true, disabled: p.always ?? false, "aria-describedby": hintId, "data-testid": `explore-prop-${p.name}` });
        this.propBoxes.set(p.name, input);
        return h(
          "div",
          { class: "ex-check" },
          h("div", { class: "check" }, input, h("label", { for: id }, p.label)),
          h("span", { class: "hint" }, h("span", { id: hintId }, p.hint), " ", h("span", { class: "rules" }, p.rules.map((r) => ruleChip(r, tips)))),
        );
      }),
    );

    // ---- reachable outcomes ----
    const callId = uid("ex");
    const flagId = uid("ex");
    const hrId = uid("ex");
    this.goalCall = h(
      "select",
      { id: callId, "data-testid": "goal-call" },
      h("option", { value: "storeLogoffTransports" }, "IMAPISupport::StoreLogoffTransports"),
      h("option", { value: "storeLogoff" }, "IMsgStore::StoreLogoff"),
    );
    this.goalFlag = h("select", { id: flagId, "data-testid": "goal-flag" }, STORE_FLAGS.map((f) => h("option", { value: f }, f)));
    const hresults = Object.keys(constants())
      .filter((n) => /^(S_|MAPI_[EW]_)/.test(n))
      .sort((a, b) => (a === "S_OK" ? -1 : b === "S_OK" ? 1 : a.localeCompare(b)));
    this.goalHresult = h("select", { id: hrId, "data-testid": "goal-hresult" }, h("option", { value: "" }, "Any HRESULT"), hresults.map((n) => h("option", { value: n }, n)));
    const outBoxes = OUT_FLAGS.map((f) => {
      const id = uid("ex");
      const input = h("input", { type: "checkbox", id, value: f, "data-testid": `goal-out-${f}` });
      this.goalOut.push(input);
      return h("div", { class: "check" }, input, h("label", { for: id }, f));
    });
    this.goalAdd = h("button", { type: "button", "data-testid": "goal-add", onclick: () => this.addGoal() }, "Add goal");
    this.goalList = h("ul", { class: "goal-list", "aria-label": "Goals", "data-testid": "goal-list" });
    this.goalNote = h("p", { class: "hint goal-note", role: "status", "data-testid": "goal-note" });
    const goals = h(
      "fieldset",
      { class: "ex-box ex-goals" },
      h("legend", null, "Reachable outcomes to look for"),
      h("p", { class: "hint" }, "Ask whether a logoff call can give a particular answer from here; the explorer finds the shortest way to it, or says it cannot happen within the bounds."),
      h(
        "div",
        { class: "goal-form" },
        h("div", { class: "field" }, h("label", { for: callId }, "Call"), this.goalCall),
        h("div", { class: "field" }, h("label", { for: flagId }, "Input flag"), this.goalFlag),
        h("div", { class: "field" }, h("label", { for: hrId }, "Returns"), this.goalHresult),
      ),
      h("fieldset", { class: "goal-out" }, h("legend", null, "With exactly these out flags (none ticked: any)"), h("div", { class: "goal-out-boxes" }, outBoxes)),
      h("div", { class: "buttons" }, this.goalAdd),
      this.goalNote,
      this.goalList,
    );

    // ---- run ----
    this.runBtn = h("button", { type: "button", class: "primary", "data-testid": "explore-run", onclick: () => void this.start() }, "Run");
    this.cancelBtn = h("button", { type: "button", disabled: true, "data-testid": "explore-cancel", onclick: () => this.cancel() }, "Cancel");
    this.status = h("p", { class: "explore-status", role: "status", "aria-live": "polite", "data-testid": "explore-status" });
    this.errorBox = h("div", { class: "explore-error", role: "alert", hidden: true, "data-testid": "explore-error" });
    const count = (key: keyof ExploreView["counts"], label: string) => {
      const dd = h("dd", { "data-testid": `explore-count-${key}` }, "0");
      return { dd, el: h("div", { class: "sum-item" }, h("dt", null, label), dd) };
    };
    const unique = count("unique", "Unique states");
    const explored = count("explored", "Explored");
    const transitions = count("transitions", "Transitions");
    const depth = count("depth", "Depth");
    const rate = count("rate", "States/s");
    this.counts = { unique: unique.dd, explored: explored.dd, transitions: transitions.dd, depth: depth.dd, rate: rate.dd };
    const barId = uid("ex");
    this.bar = h("progress", { id: barId, max: DEFAULT_STATES, value: 0, "data-testid": "explore-bar" });
    this.barText = h("span", { class: "bar-text", "data-testid": "explore-bar-text" });
    this.progressBox = h(
      "div",
      { class: "explore-progress", hidden: true, "data-testid": "explore-progress" },
      h("dl", { class: "check-summary explore-counts" }, unique.el, explored.el, transitions.el, depth.el, rate.el),
      h("div", { class: "bar-row" }, h("label", { for: barId }, "State budget used"), this.bar, this.barText),
    );
    this.results = h("div", { class: "explore-results", hidden: true, "data-testid": "explore-results" });

    this.el = h(
      "div",
      { class: "explore", "data-testid": "explore-view", "data-state": "loading" },
      h("h2", null, "Explore"),
      h(
        "p",
        { class: "explore-intro" },
        "What can happen from here, in any order? The explorer tries every interleaving of client calls, spooler work, transport logoffs and new mail from the playground's current state, visits each state once, checks the properties in every state, and keeps the shortest path to each failure. It runs in the background in your browser; nothing is sent anywhere.",
      ),
      this.from,
      h("div", { class: "explore-form" }, bounds, options, props, goals),
      h("div", { class: "toolbar explore-toolbar", role: "group", "aria-label": "Exploration" }, this.runBtn, this.cancelBtn),
      this.status,
      this.errorBox,
      this.progressBox,
      this.results,
    );
    this.renderGoals();
    this.ready = this.ensureWorker().then(() => this.setState("idle"));
  }

  // ------------------------------------------------------------------ worker

  private ensureWorker(): Promise<Worker> {
    if (this.workerReady) return this.workerReady;
    const worker = new Worker(new URL("./explore.worker.ts", import.meta.url), { type: "module", name: "mapi-logoff-explorer" });
    this.worker = worker;
    this.workerReady = new Promise<Worker>((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    worker.addEventListener("message", (ev: MessageEvent<FromWorker>) => this.onMessage(worker, ev.data));
    worker.addEventListener("error", (ev: ErrorEvent) => {
      ev.preventDefault();
      this.workerFailed(worker, ev.message ? `the explorer's worker failed: ${ev.message}` : "the explorer's worker could not be started");
    });
    return this.workerReady;
  }

  private dropWorker(worker: Worker): void {
    if (worker !== this.worker) return;
    worker.terminate();
    this.worker = null;
    this.workerReady = null;
  }

  /** The worker is unusable: say so, and start a new one on the next run. */
  private workerFailed(worker: Worker, message: string): void {
    if (worker !== this.worker) return;
    this.dropWorker(worker);
    this.settleReady?.reject(new Error(message));
    this.settleReady = null;
    if (this.run) this.fail(message, "");
  }

  private onMessage(worker: Worker, m: FromWorker): void {
    if (worker !== this.worker) return;
    switch (m.type) {
      case "ready":
        this.el.dataset.version = m.version;
        this.settleReady?.resolve(worker);
        this.settleReady = null;
        return;
      case "loadError":
        this.workerFailed(worker, m.message);
        return;
      case "progress":
        if (this.run && m.id === this.run.id) {
          this.el.dataset.slice = String(m.budget);
          this.progress(this.run, m.report);
        }
        return;
      case "final":
        if (this.run && m.id === this.run.id) this.finish(this.run, m.report, m.cancelled);
        return;
      case "error":
        if (this.run && m.id === this.run.id) this.fail(m.message, m.path);
        // The module may be left broken by whatever stopped it (out of memory): the next run gets a new worker.
        if (m.code === "internal" || m.code === "loadError") this.dropWorker(worker);
        return;
    }
  }

  private post(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  /** Ends the worker (the tab's playground is going away). */
  destroy(): void {
    this.worker?.terminate();
    this.worker = null;
    this.workerReady = null;
    this.run = null;
  }

  // ------------------------------------------------------------------ view

  /** Brings the "starts from" line up to date (the tab was opened or the playground changed). */
  show(): void {
    const cur = this.host.current();
    const key = JSON.stringify({ ...cur.scenario, actions: [] });
    if (key !== this.shownKey) {
      // Another situation (not only another step): the field shows how many new messages its own setting allows.
      this.shownKey = key;
      this.newMailInput.value = String(this.ownNewMessages(cur));
      this.newMailInput.removeAttribute("aria-invalid");
    }
    replace(
      this.from,
      "Starts from ",
      h("strong", { "data-testid": "explore-from-name" }, cur.name),
      cur.applied ? `, after step ${num(cur.applied)} of its history` : ", at its start (no step applied)",
      `: ${partsText(cur.scenario)}. Change the situation or the history in the Playground tab to explore from elsewhere.`,
    );
    this.markStale();
  }

  /** New messages the scenario's own setting allows from its current state (settings.newMessageLimit counts every message). */
  private ownNewMessages(cur: { scenario: Scenario; messages: number }): number {
    return Math.max(0, (cur.scenario.settings?.newMessageLimit ?? 0) - cur.messages);
  }

  private markStale(): void {
    const note = this.results.querySelector<HTMLElement>(".stale-note");
    if (!note || !this.last) return;
    note.hidden = JSON.stringify(this.host.current().scenario) === this.last.run.key;
  }

  private setState(state: State): void {
    this.el.dataset.state = state;
  }

  private clearErrors(): void {
    this.errorBox.hidden = true;
    this.errorBox.replaceChildren();
    for (const el of this.el.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }

  // ------------------------------------------------------------------ goals

  private addGoal(): void {
    const goal: OutcomeGoal = { call: this.goalCall.value === "storeLogoff" ? "storeLogoff" : "storeLogoffTransports", flag: this.goalFlag.value };
    if (this.goalHresult.value) goal.hresult = this.goalHresult.value;
    const out = this.goalOut.filter((b) => b.checked).map((b) => b.value);
    if (out.length) goal.outFlags = out.join(" | ");
    const text = goalText(goal);
    if (this.goals.some((g) => goalText(g) === text)) {
      this.goalNote.textContent = `Already in the list: ${text}.`;
      return;
    }
    if (this.goals.length >= MAX_GOALS) {
      this.goalNote.textContent = `At most ${MAX_GOALS} goals; remove one first.`;
      return;
    }
    this.goals.push(goal);
    this.goalNote.textContent = `Added: ${text}.`;
    this.renderGoals();
  }

  private removeGoal(i: number): void {
    const [gone] = this.goals.splice(i, 1);
    this.renderGoals();
    this.goalNote.textContent = gone ? `Removed: ${goalText(gone)}.` : "";
    const buttons = this.goalList.querySelectorAll<HTMLButtonElement>("button");
    (buttons[Math.min(i, buttons.length - 1)] ?? this.goalAdd).focus();
  }

  private renderGoals(): void {
    replace(
      this.goalList,
      this.goals.length
        ? this.goals.map((g, i) =>
            h(
              "li",
              { "data-testid": `goal-${i}` },
              h("span", { class: "mono goal-text" }, goalText(g)),
              h("button", { type: "button", class: "small", "aria-label": `Remove goal: ${goalText(g)}`, "data-testid": `goal-remove-${i}`, onclick: () => this.removeGoal(i) }, "Remove"),
            ),
          )
        : h("li", { class: "muted goal-none" }, "No goals yet. Every outcome the explorer meets is listed after a run anyway."),
    );
  }

  // ------------------------------------------------------------------ running

  /** The explorer's options from the controls; numbers are passed as typed, so the explorer names a bad one. */
  private options(): { options: ExploreOptions; maxDepth: number; maxStates: number } {
    const number = (input: HTMLInputElement, fallback: number) => {
      const t = input.value.trim();
      if (t === "") {
        input.value = String(fallback);
        return fallback;
      }
      return Number(t);
    };
    const maxDepth = number(this.depthInput, DEFAULT_DEPTH);
    const maxStates = number(this.statesInput, DEFAULT_STATES);
    const properties: PropertyInput[] = PROPERTIES.filter((p) => p.always || this.propBoxes.get(p.name)?.checked).map((p) => p.name);
    for (const g of this.goals) properties.push({ reachable: g });
    const options: ExploreOptions = { maxDepth, maxStates, symmetry: this.symmetryBox.checked, clientMisuse: this.misuseBox.checked, properties };
    return { options, maxDepth, maxStates };
  }

  private async start(): Promise<void> {
    if (this.run) return;
    this.attempts += 1;
    this.el.dataset.attempt = String(this.attempts);
    this.clearErrors();
    const cur = this.host.current();
    const mailText = this.newMailInput.value.trim();
    const extra = mailText === "" ? this.ownNewMessages(cur) : Number(mailText);
    if (!Number.isInteger(extra) || extra < 0 || extra > MAX_NEW_MESSAGES) {
      this.newMailInput.setAttribute("aria-invalid", "true");
      this.setState("error");
      this.status.textContent = "The exploration did not run.";
      this.errorBox.hidden = false;
      replace(this.errorBox, h("p", null, h("strong", null, "New messages: "), `enter a whole number from 0 to ${MAX_NEW_MESSAGES}.`));
      this.newMailInput.focus();
      return;
    }
    // Only a changed number touches the scenario: its own setting otherwise, so counterexamples keep it as it was.
    const scenario: Scenario =
      extra === this.ownNewMessages(cur) ? cur.scenario : { ...cur.scenario, settings: { ...cur.scenario.settings, newMessageLimit: cur.messages + extra } };
    const { options, maxDepth, maxStates } = this.options();
    const run: Run = {
      id: ++this.runSeq,
      scenario,
      key: JSON.stringify(cur.scenario),
      name: cur.name,
      applied: cur.applied,
      topology: cur.topology,
      maxDepth,
      maxStates,
      progressShown: 0,
      lastAnnounce: performance.now(),
      cancelling: false,
    };
    this.run = run;
    const hadFocus = this.focused() === this.runBtn;
    this.runBtn.disabled = true;
    this.cancelBtn.disabled = false;
    if (hadFocus) this.cancelBtn.focus();
    this.setState("running");
    this.el.dataset.run = String(run.id);
    this.el.dataset.progressShown = "0";
    this.status.textContent = `Exploring ${run.name}…`;
    this.results.hidden = true;
    this.progressBox.hidden = false;
    this.bar.max = Number.isFinite(maxStates) && maxStates > 0 ? maxStates : DEFAULT_STATES;
    this.showCounts(null, run);
    let worker: Worker;
    try {
      worker = await this.ensureWorker();
    } catch (e) {
      if (this.run === run) this.fail(e instanceof Error ? e.message : String(e), "");
      return;
    }
    if (this.run !== run) return;
    worker.postMessage({ type: "start", id: run.id, scenario: run.scenario, options } satisfies ToWorker);
  }

  private cancel(): void {
    const run = this.run;
    if (!run || run.cancelling) return;
    run.cancelling = true;
    this.status.textContent = "Cancelling…";
    this.post({ type: "cancel", id: run.id });
  }

  /** The focused element, in the page or in the custom element's shadow root. */
  private focused(): Element | null {
    const root = this.el.getRootNode();
    return root instanceof Document || root instanceof ShadowRoot ? root.activeElement : null;
  }

  private endRun(): void {
    // The Cancel button is about to be disabled: focus goes back to Run rather than to the page.
    const refocus = this.focused() === this.cancelBtn;
    this.run = null;
    this.runBtn.disabled = false;
    this.cancelBtn.disabled = true;
    if (refocus) this.runBtn.focus();
  }

  private showCounts(r: ExploreReport | null, run: Run): void {
    const c = this.counts;
    c.unique.textContent = num(r?.uniqueStates ?? 0);
    c.explored.textContent = num(r?.statesExplored ?? 0);
    c.transitions.textContent = num(r?.transitions ?? 0);
    c.depth.textContent = `${num(r?.maxDepth ?? 0)} of ${num(run.maxDepth)}`;
    c.rate.textContent = r && r.elapsedMs > 0 ? num(Math.round(r.statesPerSecond)) : "—";
    const unique = r?.uniqueStates ?? 0;
    this.bar.value = Math.min(unique, this.bar.max);
    this.barText.textContent = `${num(unique)} of ${num(run.maxStates)} states (${Math.min(100, Math.floor((unique / Math.max(1, run.maxStates)) * 100))} %)`;
  }

  private progress(run: Run, r: ExploreReport): void {
    run.progressShown += 1;
    this.el.dataset.progressShown = String(run.progressShown);
    this.showCounts(r, run);
    const now = performance.now();
    if (!run.cancelling && now - run.lastAnnounce >= ANNOUNCE_EVERY) {
      run.lastAnnounce = now;
      const failing = r.properties.filter((p) => p.verdict === "fails").length;
      this.status.textContent = `Exploring ${run.name}: ${plural(r.uniqueStates, "unique state")} so far${failing ? `, ${plural(failing, "property", "properties")} failing already` : ""}.`;
    }
  }

  private finish(run: Run, r: ExploreReport, cancelled: boolean): void {
    this.endRun();
    this.showCounts(r, run);
    this.last = { run, report: r, cancelled };
    const state: State = cancelled || !r.done ? "cancelled" : (r.stopped ?? "complete");
    this.status.textContent = this.shortSummary(r, state);
    this.renderResults(run, r, state);
    this.setState(state);
  }

  private fail(message: string, path: string): void {
    const run = this.run;
    this.endRun();
    this.progressBox.hidden = true;
    this.setState("error");
    this.status.textContent = "The exploration did not run.";
    const field = path === "maxDepth" ? this.depthInput : path === "maxStates" ? this.statesInput : null;
    field?.setAttribute("aria-invalid", "true");
    const goal = /^properties\[(\d+)\]/.exec(path);
    let where = "";
    if (field) where = field === this.depthInput ? "Maximum depth" : "Maximum states";
    else if (goal) where = "a goal in the list of reachable outcomes";
    else if (path) where = `the playground's scenario, at ${path}`;
    this.errorBox.hidden = false;
    replace(
      this.errorBox,
      h("p", null, h("strong", null, "The explorer could not run: "), message.endsWith(".") ? message : `${message}.`),
      path || where ? h("p", { class: "muted" }, "Where: ", where ? `${where} ` : "", path ? h("code", { "data-testid": "explore-error-path" }, path) : null) : null,
      run && !path ? h("p", { class: "muted" }, "Run it again to retry.") : null,
    );
    field?.focus();
  }

  /** The one line the screen reader hears at the end of a run. */
  private shortSummary(r: ExploreReport, state: State): string {
    const how = state === "cancelled" ? "Cancelled" : state === "stateBudget" ? "Stopped at the state budget" : "Complete";
    const failing = r.properties.filter((p) => p.verdict === "fails").length;
    const checked = r.properties.filter((p) => p.property.kind !== "reachable").length;
    const verdict = failing
      ? `${plural(failing, "property", "properties")} ${failing === 1 ? "fails" : "fail"}`
      : state === "complete"
        ? checked === 1
          ? "the property holds"
          : `all ${checked} properties hold`
        : "no failure so far";
    return `${how}: ${plural(r.uniqueStates, "unique state")}; ${verdict}.`;
  }

  private summary(run: Run, r: ExploreReport, state: State): string {
    const time = seconds(r.elapsedMs);
    if (state === "cancelled") return `Cancelled after ${plural(r.uniqueStates, "unique state")} (${time}). The verdicts below cover only the states seen (“so far”).`;
    if (state === "stateBudget") return `Stopped at the state budget: ${plural(r.uniqueStates, "unique state")} were found (${time}) before every state was seen. The verdicts below cover only those states (“so far”); raise the maximum number of states to look further.`;
    const bound = r.depthBoundHits
      ? ` ${plural(r.depthBoundHits, "state")} at the depth bound ${r.depthBoundHits === 1 ? "was" : "were"} not expanded: what can happen after more than ${plural(run.maxDepth, "action")} is not covered.`
      : " No state was left unexpanded: this is everything that can happen from here.";
    return `Complete: every state within ${plural(run.maxDepth, "action")} of the start was explored, ${plural(r.uniqueStates, "unique state")} at most ${plural(r.maxDepth, "action")} deep (${time}).${bound}`;
  }

  // ------------------------------------------------------------------ results

  private renderResults(run: Run, r: ExploreReport, state: State): void {
    const propsHeading = uid("h");
    const outHeading = uid("h");
    replace(
      this.results,
      h("h3", null, "Results"),
      h("p", { class: `explore-summary sum-${state}`, "data-testid": "explore-summary" }, this.summary(run, r, state)),
      h("p", { class: "muted stale-note", hidden: true, "data-testid": "explore-stale" }, "The playground has changed since this run: run again to explore its current state."),
      h(
        "section",
        { "aria-labelledby": propsHeading },
        h("h4", { id: propsHeading }, "Properties"),
        h("ol", { class: "prop-list", "data-testid": "explore-properties" }, r.properties.map((p, i) => this.propertyItem(run, p, i))),
      ),
      h(
        "section",
        { "aria-labelledby": outHeading },
        h("h4", { id: outHeading }, "What the logoff calls can return from here"),
        this.outcomesTable(r, state),
      ),
    );
    this.results.hidden = false;
    this.markStale();
  }

  private propertyItem(run: Run, p: PropertyResult, i: number): HTMLLIElement {
    const v = VERDICTS[p.verdict];
    const named = PROPERTIES.find((x) => x.name === p.property.kind);
    const label = named ? named.label : "Reachable outcome";
    const ce = p.counterexample;
    return h(
      "li",
      { class: `prop ${v.cls}`, "data-testid": `prop-${i}`, "data-kind": p.property.kind, "data-verdict": p.verdict },
      h(
        "div",
        { class: "prop-head" },
        h("span", { class: `verdict ${v.cls}` }, h("span", { "aria-hidden": "true" }, `${v.icon} `), h("span", { "data-testid": "prop-verdict" }, v.text)),
        h("span", { class: "prop-name", "data-testid": "prop-name" }, label),
        h("span", { class: "rules" }, (named ? named.rules : GOAL_RULES).map((id) => ruleChip(id, this.host.tips))),
      ),
      h("p", { class: "prop-desc" }, h("span", { "data-testid": "prop-desc" }, p.description.charAt(0).toUpperCase() + p.description.slice(1)), h("span", { class: "muted" }, ` — ${v.explain}.`)),
      ce ? this.counterexample(run, p, ce, label) : null,
    );
  }

  private counterexample(run: Run, p: PropertyResult, ce: NonNullable<PropertyResult["counterexample"]>, label: string): HTMLElement {
    const reached = p.verdict === "reachable";
    const path = ce.path as Action[];
    const scenario = ce.scenario as Scenario;
    const steps = (scenario.actions ?? []).length;
    const first = run.applied + 1;
    const linkId = uid("ex");
    const copyStatus = h("p", { class: "copy-status", role: "status", "data-testid": "cex-copy-status" });
    const linkField = h("input", { type: "text", id: linkId, readonly: true, class: "mono cex-link", "data-testid": "cex-link" });
    const linkRow = h("div", { class: "field cex-link-row", hidden: true }, h("label", { for: linkId }, "Link to this scenario"), linkField);
    const copy = async () => {
      copyStatus.textContent = "Making the link…";
      const url = await this.host.shareUrl(scenario, steps);
      linkField.value = url;
      linkRow.hidden = false;
      try {
        await navigator.clipboard.writeText(url);
        copyStatus.textContent = "Link copied to the clipboard. It opens this scenario at its last step.";
      } catch {
        copyStatus.textContent = "The clipboard is not available here: the link is selected in the field below, copy it from there.";
        linkField.focus();
        linkField.select();
      }
    };
    return h(
      "div",
      { class: `cex${reached ? " cex-witness" : ""}`, "data-testid": "cex" },
      h("p", { class: "cex-msg" }, h("strong", null, reached ? "Reached: " : "What goes wrong: "), h("span", { "data-testid": "cex-message" }, ce.message)),
      path.length
        ? [
            h("p", { class: "cex-lead" }, `Shortest path: ${plural(path.length, "action")}${run.applied ? `, after the ${plural(run.applied, "step")} already applied in the playground` : " from the start"}:`),
            h(
              "ol",
              { class: "cex-path", start: first, "data-testid": "cex-path" },
              path.map((a) => h("li", { class: "mono" }, actionLabel(a, run.topology))),
            ),
          ]
        : h("p", { class: "cex-lead" }, reached ? "The starting state already gives it: no action is needed." : "The starting state already shows it: no action is needed."),
      h(
        "div",
        { class: "buttons" },
        h(
          "button",
          {
            type: "button",
            class: "primary",
            "data-testid": "cex-load",
            "aria-label": `Load in playground: ${label}`,
            onclick: () => this.host.open(scenario, `${reached ? "the way to" : "the counterexample of"} “${label}”`),
          },
          "Load in playground",
        ),
        h("button", { type: "button", "data-testid": "cex-copy", "aria-label": `Copy link: ${label}`, onclick: () => void copy() }, "Copy link"),
      ),
      copyStatus,
      linkRow,
    );
  }

  private outcomesTable(r: ExploreReport, state: State): Child {
    if (!r.outcomes.length) return h("p", { class: "muted" }, "No logoff call was made in the states explored.");
    const soFar = state !== "complete";
    return h(
      "div",
      { class: "table-wrap", tabindex: 0, role: "region", "aria-label": "Reachable outcomes table" },
      h(
        "table",
        { class: "grid-table explore-outcomes", "data-testid": "explore-outcomes" },
        h("caption", null, `Every answer each call gave, per input flag, in the states ${soFar ? "seen so far" : "explored"}.`),
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "Call"), h("th", { scope: "col" }, "Input flag"), h("th", { scope: "col" }, "Outcomes"))),
        h(
          "tbody",
          null,
          r.outcomes.map((o) =>
            h(
              "tr",
              { "data-testid": `outcome-${o.call}-${o.flag}` },
              h("td", null, callName(o.call)),
              h("td", { class: "mono" }, o.flag),
              h(
                "td",
                { class: "mono" },
                o.outcomes.length
                  ? h("ul", { class: "plain" }, o.outcomes.map((x) => h("li", null, `${x.hresult.text}${x.outFlags ? `, ${x.outFlags.text}` : ""}`)))
                  : h("span", { class: "muted" }, soFar ? "not called so far" : "never called within the bounds"),
              ),
            ),
          ),
        ),
      ),
    );
  }
}
