// The playground: a document (situation + history + position), the
// engine's Simulation at that position, and the views. Every protocol
// answer on the page is the engine's; this file only decides what to
// replay and what to redraw.
import { h, isTyping, replace, uid } from "./dom";
import {
  Simulation,
  actionLabel,
  engineVersionText,
  errorText,
  isSpoolerWork,
  stateAfter,
  topologyOf,
} from "./engine";
import type { Action, Outcome, Scenario, Settings, StateView, Topology, TraceEvent } from "./engine";
import {
  EMPTY_SCENARIO,
  describeEdit,
  freshUids,
  fullScenario,
  normalizeBase,
  outcomeOf,
  remapActions,
  repair,
  simulationAt,
  type Doc,
  type Dropped,
  type Uids,
} from "./doc";
import { Editor, type CommitError } from "./editor";
import { Operations } from "./operations";
import { ResultView } from "./result";
import { StateViewPanel, type AfterEvent } from "./stateview";
import { SequenceView, eventSummary } from "./sequence";
import { Timeline } from "./timeline";
import { History, stretch, type Row, type StretchKind } from "./history";
import { MatrixView } from "./matrix";
import { DEFAULT_PRESET, PRESETS, presetById, type Preset } from "./presets";
import { Tips, rulesIndex, setDocsBase, withRuleChips } from "./tips";
import { decodeFragment, encodeFragment, ShareError } from "./share";
import { toMarkdown } from "./markdown";

export type Theme = "light" | "dark" | "auto";

export interface PlaygroundOptions {
  /** Compact, without the page chrome (?embed, and the custom element). */
  embed: boolean;
  /** Inside <mapi-logoff-playground>: no URL sync, keys only when focused inside. */
  element: boolean;
  theme: Theme;
  /** Address of the full playground page, for "Open in the playground". */
  pageUrl: string;
  /** Compact embed: only the result, the diagram and the operations the scenario uses. */
  compact?: boolean;
  /** Address of element.js, for the Embed snippet (default: next to the page). */
  elementUrl?: string;
}

/** The one-line description of the project (also the page's meta description). */
export const TAGLINE = "The executable reference for how Microsoft MAPI logs off message stores and transport providers: build a situation, call StoreLogoff and TransportLogoff, see every call.";

/** The first experiment suggested on the landing preset: each step with what it shows. */
const FIRST_EXPERIMENT: { actions: Action[]; button: string; text: string }[] = [
  {
    actions: [{ type: "beginSend", session: 0 }, { type: "beginReceive", session: 0 }, { type: "storeLogoff", store: 0, flags: "LOGOFF_QUIET" }],
    button: "Make the store busy, then call StoreLogoff(LOGOFF_QUIET)",
    text: "Try this first: a send and a receive begin, so this store is busy; then the client calls StoreLogoff(LOGOFF_QUIET) on it.",
  },
  {
    actions: [{ type: "storeLogoff", store: 0, flags: "LOGOFF_NO_WAIT" }],
    button: "Call StoreLogoff(LOGOFF_NO_WAIT)",
    text: "QUIET was vetoed: the out flags name the activity, and the store is still usable. Now log off without waiting:",
  },
  {
    actions: [{ type: "runUntilIdle" }],
    button: "Run the spooler until idle",
    text: "NO_WAIT completed: the spooler finishes the transfers, then releases the store. Let it run:",
  },
];

type Tab = "playground" | "matrix" | "explore" | "check";

/** Tab order, for the arrow keys. */
const TAB_ORDER: Tab[] = ["playground", "matrix", "explore", "check"];

/** The "Check a trace" tab's view (www/check.ts, loaded with its wasm module when the tab first opens). */
type CheckModule = typeof import("./check");
type CheckViewLike = InstanceType<CheckModule["CheckView"]>;
/** The "Explore" tab's view (www/explore.ts, with its worker and wasm module, loaded when the tab first opens). */
type ExploreModule = typeof import("./explore");
type ExploreViewLike = InstanceType<ExploreModule["ExploreView"]>;

const MAX_FILE = 16 * 1024 * 1024;

const SHORTCUTS: [string, string][] = [
  ["?", "Show this list"],
  ["Ctrl+Z or [", "Undo: go to the row before in the history"],
  ["Ctrl+Shift+Z, Ctrl+Y or ]", "Redo: go to the row after"],
  ["{ and }", "Go to the first / last row of the history"],
  ["1 … 5", "Choose the StoreLogoff flag (NO_WAIT, ORDERLY, PURGE, ABORT, QUIET)"],
  ["L", "Call StoreLogoff with the chosen flag"],
  ["S", "One spooler step"],
  ["R", "Run the spooler until idle"],
  ["D", "Focus the sequence diagram (then ↑ ↓ Home End, Enter shows the state after a call)"],
  ["P / M / E / C", "Playground / outcome matrix / explore / check a trace tab"],
  ["Esc", "Close a dialog or tooltip, leave the state-after-call view"],
];

export class Playground {
  readonly root: HTMLElement;
  readonly tips: Tips;
  private readonly opts: PlaygroundOptions;
  /** The history: every change as a row, and the current row (www/history.ts). */
  private readonly hist: History;
  private sim: Simulation;
  private topo: Topology;
  private view!: StateView;
  private after: AfterEvent | null = null;
  private tab: Tab = "playground";
  private traceTask = 0;
  private traceNeedsReset = true;
  private pendingAppend: { first: number; steps: number } | null = null;
  private shareTimer = 0;
  private lastFragment = "";
  private textTraceOpen = false;
  /** Counts changes; the root's data-change / data-shared tell tests when the URL caught up. */
  private changeSeq = 0;

  // views
  private readonly editor: Editor;
  private readonly ops: Operations;
  private readonly result: ResultView;
  private readonly stateView: StateViewPanel;
  private readonly sequence: SequenceView;
  private readonly timeline: Timeline;
  private readonly matrix: MatrixView;
  private readonly banner: HTMLElement;
  private readonly toast: HTMLElement;
  private readonly about: HTMLElement;
  private readonly presetSel: HTMLSelectElement;
  private readonly undoBtn: HTMLButtonElement;
  private readonly redoBtn: HTMLButtonElement;
  private readonly helpDialog: HTMLDialogElement;
  private readonly copyDialog: HTMLDialogElement;
  private readonly copyText: HTMLTextAreaElement;
  private readonly fileInput: HTMLInputElement;
  private readonly textTrace: HTMLPreElement;
  private readonly textToggle: HTMLButtonElement;
  private readonly tabs = new Map<Tab, { tab: HTMLButtonElement; panel: HTMLElement }>();
  private readonly checkPanel: HTMLElement;
  private checkLoad: Promise<CheckViewLike | null> | null = null;
  private readonly explorePanel: HTMLElement;
  private exploreLoad: Promise<ExploreViewLike | null> | null = null;
  private exploreView: ExploreViewLike | null = null;
  private readonly themeBtn: HTMLButtonElement | null;
  private readonly openLink: HTMLAnchorElement;
  private readonly statePlace: HTMLElement;
  private readonly stateHome: HTMLElement;
  private readonly resultBar: HTMLElement;
  private readonly suggest: HTMLElement;
  private readonly embedDialog: HTMLDialogElement;
  private readonly embedText: HTMLTextAreaElement;
  private readonly embedKind: HTMLSelectElement;
  private toastTimer = 0;
  /** Whether the spooler has anything to do at the current position (from the last enabledActions()). */
  private spoolerHasWork = false;
  /** The compact embed's operations: the scenario's own actions, as buttons. */
  private readonly compactOps: HTMLElement = h("div", { class: "compact-ops", "data-testid": "compact-ops" });

  constructor(mount: HTMLElement | ShadowRoot, opts: PlaygroundOptions) {
    this.opts = opts;
    if (opts.elementUrl) setDocsBase(new URL(".", opts.elementUrl).href);
    this.root = h("div", { class: `mlp${opts.embed ? " embed" : ""}`, "data-testid": "playground" });
    this.applyTheme(opts.theme);
    this.tips = new Tips(this.root);

    this.sim = new Simulation({ ...EMPTY_SCENARIO });
    this.topo = this.sim.state().topology;
    this.hist = new History(stretch({ base: EMPTY_SCENARIO, uids: freshUids(EMPTY_SCENARIO), actions: [], pos: 0, outcomes: [] }, "open", "Empty playground", null, this.topo));

    this.editor = new Editor({ tips: this.tips, commit: (base, uids) => this.commitBase(base, uids) });
    this.ops = new Operations({ tips: this.tips, perform: (a) => this.perform(a), formError: (m) => this.result.setNotice("Not applied:", m) });
    this.result = new ResultView(this.tips);
    this.stateView = new StateViewPanel(this.tips, () => this.selectEvent(null));
    this.sequence = new SequenceView({ tips: this.tips, select: (e) => this.selectEvent(e), stepLabel: (s) => this.stepLabel(s) });
    this.timeline = new Timeline({
      goTo: (id, pos) => {
        const s = this.hist.find(id);
        if (s >= 0) this.goToRow({ s, pos });
      },
      undo: () => this.undo(),
      redo: () => this.redo(),
      first: () => this.goToRow(this.hist.first()),
      last: () => this.goToRow(this.hist.last()),
      topologyOf: (s) => this.topologyOfStretch(s),
    });
    this.matrix = new MatrixView({ tips: this.tips, open: (sc) => this.openMatrixCell(sc), settings: () => this.doc.base.settings ?? {} });

    this.banner = h("div", { class: "banner", role: "alert", hidden: true, "data-testid": "banner" });
    this.toast = h("div", { class: "toast", role: "status", "aria-live": "polite", "data-testid": "toast" });
    this.about = h("div", { class: "about", "data-testid": "about" });

    // ---- toolbar ----
    const presetId = uid("preset");
    this.presetSel = h(
      "select",
      { id: presetId, "data-testid": "preset" },
      h("option", { value: "" }, "Choose a preset…"),
      h("option", { value: "__empty" }, "Empty playground"),
      [...new Set(PRESETS.map((p) => p.group))].map((g) => h("optgroup", { label: g }, PRESETS.filter((p) => p.group === g).map((p) => h("option", { value: p.id }, p.title)))),
    );
    // Arrow keys on a closed select change its value at once: browsing the
    // list must not load every preset passed, so a keyboard choice loads on
    // Enter (or when focus leaves), a mouse choice at once.
    let arrowed = false;
    const loadChosen = () => {
      arrowed = false;
      const v = this.presetSel.value;
      if (v === (this.hist.current.preset ?? "")) return;
      if (v === "__empty") this.loadScenario(EMPTY_SCENARIO, 0, "Empty playground");
      else if (v) {
        const p = presetById(v);
        if (p) this.loadPreset(p.id, true, 0);
      }
    };
    this.presetSel.addEventListener("keydown", (ev) => {
      if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"].includes(ev.key) || (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey)) arrowed = true;
      else if (ev.key === "Enter") {
        ev.preventDefault();
        loadChosen();
      }
    });
    this.presetSel.addEventListener("change", () => {
      if (!arrowed) loadChosen();
    });
    this.presetSel.addEventListener("blur", () => {
      if (arrowed) loadChosen();
    });
    // Undo and Redo move through the history (the panel beside the diagram): the row before, the row after.
    this.undoBtn = h("button", { type: "button", "data-testid": "undo", "aria-keyshortcuts": "Control+Z", title: "Undo: the row before in the history (Ctrl+Z)", onclick: () => this.undo() }, "↶ Undo");
    this.redoBtn = h("button", { type: "button", "data-testid": "redo", "aria-keyshortcuts": "Control+Shift+Z", title: "Redo: the row after in the history (Ctrl+Shift+Z)", onclick: () => this.redo() }, "↷ Redo");
    this.fileInput = h("input", { type: "file", accept: ".json,application/json", class: "sr-only", tabindex: -1, "aria-hidden": "true", "data-testid": "file-input" });
    this.fileInput.addEventListener("change", () => void this.openFile());
    this.themeBtn = opts.element ? null : h("button", { type: "button", "data-testid": "theme", onclick: () => this.cycleTheme() }, "");
    this.updateThemeButton();
    this.openLink = h("a", { href: opts.pageUrl, target: "_blank", rel: "noopener", class: "button-link", "data-testid": "open-full" }, "Open in the playground ↗");

    const helpBtn = h("button", { type: "button", "aria-keyshortcuts": "Shift+Slash", "data-testid": "help", onclick: () => this.showHelp() }, "? Keys");
    const header = h(
      "header",
      { class: "top" },
      h(
        "div",
        { class: "brand" },
        h("h1", null, "mapi-logoff ", h("span", { class: "thin" }, "playground")),
        h("span", { class: "version muted" }, `engine ${engineVersionText()}`),
        opts.embed ? null : h("p", { class: "tagline", "data-testid": "tagline" }, TAGLINE),
      ),
      h(
        "div",
        { class: "toolbar", role: "toolbar", "aria-label": "Playground" },
        h("div", { class: "field inline chrome-full" }, h("label", { for: presetId }, "Preset"), this.presetSel),
        this.undoBtn,
        this.redoBtn,
        h("button", { type: "button", class: "chrome-full", "data-testid": "copy-link", onclick: () => void this.copyLink() }, "Copy link"),
        h("button", { type: "button", class: "chrome-full", "data-testid": "copy-md", onclick: () => void this.copyMarkdown() }, "Copy as Markdown"),
        h("button", { type: "button", class: "chrome-full", "data-testid": "download", onclick: () => this.download() }, "Download JSON"),
        h("button", { type: "button", class: "chrome-full", "data-testid": "open-file", onclick: () => this.fileInput.click() }, "Open JSON…"),
        h("button", { type: "button", class: "chrome-full", "data-testid": "embed", onclick: () => void this.showEmbed() }, "Embed…"),
        this.fileInput,
        opts.embed ? this.openLink : null,
        this.themeBtn,
        helpBtn,
        this.toast,
      ),
    );

    // ---- tabs ----
    const tabList = h("div", { class: "tabs chrome-full", role: "tablist", "aria-label": "Views" });
    const panels = h("div", { class: "panels" });
    const addTab = (id: Tab, label: string, panel: HTMLElement) => {
      const tabId = uid("tab");
      const panelId = uid("panel");
      const tab = h(
        "button",
        {
          type: "button",
          role: "tab",
          id: tabId,
          "aria-controls": panelId,
          "aria-selected": id === "playground" ? "true" : "false",
          tabindex: id === "playground" ? 0 : -1,
          "data-testid": `tab-${id}`,
          onclick: () => this.showTab(id),
        },
        label,
      );
      panel.id = panelId;
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tabId);
      panel.hidden = id !== "playground";
      tabList.append(tab);
      panels.append(panel);
      this.tabs.set(id, { tab, panel });
    };
    tabList.addEventListener("keydown", (ev) => {
      const order = TAB_ORDER;
      const i = order.indexOf(this.tab);
      let next = -1;
      if (ev.key === "ArrowRight") next = (i + 1) % order.length;
      else if (ev.key === "ArrowLeft") next = (i + order.length - 1) % order.length;
      else if (ev.key === "Home") next = 0;
      else if (ev.key === "End") next = order.length - 1;
      if (next >= 0) {
        ev.preventDefault();
        this.showTab(order[next]!);
        this.tabs.get(order[next]!)!.tab.focus();
      }
    });

    // ---- playground panel ----
    this.textTrace = h("pre", { class: "trace-text", hidden: true, tabindex: 0, "aria-label": "Trace as text", "data-testid": "trace-text" });
    this.textToggle = h("button", { type: "button", class: "small", "aria-expanded": "false", "data-testid": "trace-text-toggle", onclick: () => this.toggleTextTrace() }, "Show as text");
    const editorBox = opts.embed
      ? h("details", { class: "embed-editor" }, h("summary", null, "Situation (edit the stores, transports, readings and faults)"), this.editor.el)
      : this.editor.el;
    // The state after a chosen diagram row is shown under that row; its section says where it went.
    this.stateHome = h("div", { class: "state-home" }, this.stateView.el);
    this.statePlace = h("p", { class: "muted state-away", hidden: true, "data-testid": "state-away" }, "The state after the chosen call is shown in the sequence diagram, under its row. ", h("button", { type: "button", class: "small", onclick: () => this.selectEvent(null) }, "Show the current state here"));
    this.resultBar = h("a", { class: "result-bar", href: "#h-result", hidden: true, "data-testid": "result-bar", onclick: (ev: Event) => this.jump(ev, "h-result") });
    this.suggest = h("div", { class: "suggest", hidden: true, "data-testid": "suggest" });
    const heading = (id: string, text: string) => h("h2", { id, tabindex: -1 }, text);
    const playground = h(
      "div",
      { class: `pg${opts.compact ? " compact" : ""}` },
      this.about,
      h(
        "div",
        { class: "pg-grid" },
        h("section", { class: "col col-ops", "aria-labelledby": "h-ops" }, heading("h-ops", "Operations"), opts.compact ? this.compactOps : this.ops.el),
        h(
          "div",
          { class: "col-out" },
          h("section", { class: "col col-result", "aria-labelledby": "h-result" }, heading("h-result", "Result"), this.result.el),
          h("section", { class: "col col-state", "aria-labelledby": "h-state" }, heading("h-state", "State and invariants"), this.statePlace, this.stateHome),
        ),
        h(
          "div",
          { class: "col-seq" },
          h(
            "section",
            { class: "col col-diagram", "aria-labelledby": "h-seq" },
            h("div", { class: "seq-title" }, heading("h-seq", "Sequence diagram"), this.textToggle),
            this.sequence.el,
            this.textTrace,
          ),
          h("section", { class: "col col-tl", "aria-labelledby": "h-history" }, heading("h-history", "History"), this.timeline.el),
        ),
        h("section", { class: "col col-edit", "aria-labelledby": "h-situation" }, heading("h-situation", "Situation"), editorBox),
      ),
      opts.embed ? null : this.rulesBox(),
      this.resultBar,
    );
    addTab("playground", "Playground", playground);
    addTab("matrix", "Outcome matrix", this.matrix.el);
    this.explorePanel = h("div", { class: "explore-panel", "data-testid": "explore-panel" });
    addTab("explore", "Explore", this.explorePanel);
    this.checkPanel = h("div", { class: "check-panel", "data-testid": "check-panel" });
    addTab("check", "Check a trace", this.checkPanel);

    // ---- dialogs ----
    const helpTitle = uid("h");
    this.helpDialog = h(
      "dialog",
      { class: "dialog", "aria-labelledby": helpTitle, "data-testid": "help-dialog" },
      h("h2", { id: helpTitle }, "Keyboard shortcuts"),
      h(
        "table",
        { class: "grid-table keys" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "Keys"), h("th", { scope: "col" }, "Does"))),
        h("tbody", null, SHORTCUTS.map(([k, d]) => h("tr", null, h("td", null, h("kbd", null, k)), h("td", null, d)))),
      ),
      h("p", { class: "muted" }, opts.element ? "In an embedded playground the keys work while focus is inside it." : "Keys are ignored while you type in a field."),
      h("form", { method: "dialog" }, h("button", { type: "submit", class: "primary", "data-testid": "help-close" }, "Close")),
    );
    const copyTitle = uid("h");
    this.copyText = h("textarea", { readonly: true, rows: 8, "aria-labelledby": copyTitle, "data-testid": "copy-text" });
    this.copyDialog = h(
      "dialog",
      { class: "dialog", "aria-labelledby": copyTitle },
      h("h2", { id: copyTitle }, "Copy this text"),
      h("p", { class: "muted" }, "The clipboard is not available here; select the text and copy it."),
      this.copyText,
      h("form", { method: "dialog" }, h("button", { type: "submit", class: "primary" }, "Close")),
    );

    const skip = (target: string, text: string) => h("a", { href: `#${target}`, onclick: (ev: Event) => this.jump(ev, target) }, text);
    const skipLinks = h(
      "nav",
      { class: "skip-links", "aria-label": "Skip to", "data-testid": "skip-links" },
      skip("h-situation", "Situation"),
      skip("h-ops", "Operations"),
      skip("ops-session", "Session operations"),
      skip("h-result", "Result"),
      skip("h-seq", "Diagram"),
    );
    const embedTitle = uid("h");
    const embedKindId = uid("k");
    this.embedKind = h("select", { id: embedKindId, "data-testid": "embed-kind" }, h("option", { value: "element" }, "Custom element (full)"), h("option", { value: "compact" }, "Custom element (compact: result, diagram, the scenario's operations)"), h("option", { value: "iframe" }, "iframe"));
    this.embedKind.addEventListener("change", () => void this.fillEmbed());
    this.embedText = h("textarea", { readonly: true, rows: 8, "aria-labelledby": embedTitle, "data-testid": "embed-text" });
    this.embedDialog = h(
      "dialog",
      { class: "dialog", "aria-labelledby": embedTitle, "data-testid": "embed-dialog" },
      h("h2", { id: embedTitle }, "Embed this scenario"),
      h("p", { class: "muted" }, "Paste this into a documentation page. The page's CSP must allow 'wasm-unsafe-eval' in script-src. The attributes are described in the playground's README (www/README.md)."),
      h("div", { class: "field" }, h("label", { for: embedKindId }, "As"), this.embedKind),
      this.embedText,
      h(
        "div",
        { class: "dialog-buttons" },
        h("button", { type: "button", "data-testid": "embed-copy", onclick: () => void this.copy(this.embedText.value, "Embed snippet") }, "Copy"),
        h("form", { method: "dialog" }, h("button", { type: "submit", class: "primary" }, "Close")),
      ),
    );

    replace(
      this.root,
      opts.embed ? null : skipLinks,
      header,
      this.banner,
      tabList,
      panels,
      opts.embed ? null : h("footer", { class: "foot chrome-full" }, `mapi-logoff ${engineVersionText()} · every answer on this page is computed by the engine (Rust, compiled to WebAssembly) in your browser; nothing is sent anywhere.`),
      this.helpDialog,
      this.copyDialog,
      this.embedDialog,
      this.tips.el,
    );

    mount.appendChild(this.root);
    // The result bar only while the result itself is out of view.
    if (typeof IntersectionObserver !== "undefined") {
      const section = this.result.el.closest("section");
      if (section) new IntersectionObserver((entries) => this.resultBar.classList.toggle("result-in-view", entries.some((e) => e.isIntersecting))).observe(section);
    }

    // ---- keys ----
    const keyTarget: EventTarget = opts.element ? this.root : document;
    keyTarget.addEventListener("keydown", (ev) => this.onKey(ev as KeyboardEvent));
  }

  // ------------------------------------------------------------------ theme

  private theme: Theme = "auto";

  applyTheme(theme: Theme): void {
    this.theme = theme;
    if (theme === "auto") delete this.root.dataset.theme;
    else this.root.dataset.theme = theme;
    this.updateThemeButton();
  }

  private cycleTheme(): void {
    const next: Theme = this.theme === "auto" ? "light" : this.theme === "light" ? "dark" : "auto";
    this.applyTheme(next);
    try {
      localStorage.setItem("mapi-logoff-theme", next);
    } catch {
      /* storage may be unavailable */
    }
  }

  private updateThemeButton(): void {
    if (!this.themeBtn) return;
    this.themeBtn.textContent = `Theme: ${this.theme}`;
    this.themeBtn.title = "Colour theme: auto (as the system), light or dark";
  }

  // ------------------------------------------------------------------ loading

  /** Shows a problem with what was asked to be opened; the playground stays usable. */
  showBanner(message: string | null): void {
    if (message === null) {
      this.banner.hidden = true;
      this.banner.replaceChildren();
      return;
    }
    this.banner.hidden = false;
    replace(this.banner, h("strong", null, "Could not open this: "), message, " ", h("button", { type: "button", class: "small", onclick: () => this.showBanner(null) }, "Dismiss"));
  }

  /** Opens a share fragment (`#v1=…`). Returns false when it was not usable. */
  async openFragment(fragment: string): Promise<boolean> {
    try {
      const shared = await decodeFragment(fragment);
      if (!shared) return false;
      this.lastFragment = fragment.replace(/^#/, "");
      return this.loadScenario(shared.scenario, shared.position, null, true);
    } catch (e) {
      this.showBanner(e instanceof ShareError ? e.message : `This link could not be read (${errorText(e)}).`);
      this.loadEmpty();
      return false;
    }
  }

  /** Forgets the history before the current scenario (after the first load): Undo starts there. */
  resetUndo(): void {
    this.hist.forgetOthers();
    this.renderHistory();
  }

  loadEmpty(): void {
    this.startStretch({ base: EMPTY_SCENARIO, uids: freshUids(EMPTY_SCENARIO), actions: [], pos: 0, outcomes: [] }, "open", "Empty playground");
  }

  /**
   * Opens a scenario (a preset, a file, a link) as a new row of the history.
   * Returns false (and says why) when the engine rejects it.
   */
  loadScenario(input: unknown, position: number | undefined, label: string | null, fromLink = false, preset: Preset | null = null): boolean {
    let base: Scenario;
    try {
      if (typeof input !== "object" || input === null || Array.isArray(input)) throw new Error("expected a scenario object");
      base = normalizeBase(input as Scenario);
    } catch (e) {
      this.showBanner(`${fromLink ? "the link's scenario" : "the scenario"} is not valid: ${errorText(e)}`);
      if (fromLink) this.loadEmpty();
      return false;
    }
    const rawActions = (input as { actions?: unknown }).actions;
    const actions = (Array.isArray(rawActions) ? rawActions : []) as Action[];
    let topo: Topology;
    let fixed: { actions: Action[]; pos: number; dropped: Dropped[] };
    try {
      topo = topologyOf(base);
      fixed = repair(base, actions, position ?? actions.length, topo);
    } catch (e) {
      this.showBanner(`the scenario is not valid: ${errorText(e)}`);
      if (fromLink) this.loadEmpty();
      return false;
    }
    this.showBanner(null);
    const row = preset ? `${preset.id} (preset)` : label ?? (base.name || (fromLink ? "a shared scenario" : "a scenario"));
    this.startStretch({ base, uids: freshUids(base), actions: fixed.actions, pos: fixed.pos, outcomes: [] }, "open", row, preset?.id ?? null, topo);
    if (fixed.dropped.length) this.result.setNotice(`${fixed.dropped.length} action${fixed.dropped.length > 1 ? "s" : ""} of the history could not be applied and ${fixed.dropped.length > 1 ? "were" : "was"} dropped:`, undefined, fixed.dropped);
    else if (label) this.flash(`Opened ${label}`);
    return true;
  }

  private openMatrixCell(sc: Scenario): void {
    this.loadScenario(sc, undefined, sc.name ?? "matrix cell");
    this.showTab("playground");
  }

  // ------------------------------------------------------------------ changes

  /** Offers a new situation from the editor (returns the engine's error, if any). */
  private commitBase(next: Scenario, uids: Uids): CommitError | null {
    let base: Scenario;
    let newTopo: Topology;
    try {
      base = normalizeBase(next);
      newTopo = topologyOf(base);
    } catch (e) {
      const path = typeof e === "object" && e !== null && "path" in e ? String((e as { path: unknown }).path) : "";
      return { message: errorText(e), path };
    }
    // The same situation (a field set to the value it had): no new row in the history.
    if (JSON.stringify(base) === JSON.stringify(this.doc.base) && JSON.stringify(uids) === JSON.stringify(this.doc.uids)) return null;
    const remapped = remapActions(this.doc, this.topo, uids, newTopo);
    let fixed: { actions: Action[]; pos: number; dropped: Dropped[] };
    try {
      fixed = repair(base, remapped.actions, remapped.pos, newTopo);
    } catch (e) {
      return { message: errorText(e), path: "" };
    }
    const dropped = [...remapped.dropped, ...fixed.dropped];
    const what = describeEdit(this.doc.base, base, this.topo, newTopo) + (dropped.length ? ` (${dropped.length} step${dropped.length > 1 ? "s" : ""} dropped)` : "");
    this.startStretch({ base, uids, actions: fixed.actions, pos: fixed.pos, outcomes: [] }, "edit", what, null, newTopo, true);
    if (dropped.length) {
      this.result.setNotice(`The situation changed: ${dropped.length} action${dropped.length > 1 ? "s" : ""} no longer appl${dropped.length > 1 ? "y" : "ies"} and ${dropped.length > 1 ? "were" : "was"} dropped:`, undefined, dropped);
    }
    return null;
  }

  /**
   * Applies one action at the current position: a new row of the history.
   * The rows after the current one (what Redo would have restored) are dropped.
   */
  perform(action: Action): void {
    if ((action.type === "spoolerStep" || action.type === "runUntilIdle") && !this.spoolerHasWork) {
      // A step that changes nothing would only lengthen the history.
      this.result.setNotice("Not applied:", "the spooler has nothing to do now.");
      return;
    }
    let outcome: Outcome;
    try {
      outcome = this.sim.apply(action);
    } catch (e) {
      this.result.setNotice("Not applied:", errorText(e));
      return;
    }
    const d = this.doc;
    const next: Doc = {
      base: d.base,
      uids: d.uids,
      actions: [...d.actions.slice(0, d.pos), action],
      pos: d.pos + 1,
      outcomes: [...d.outcomes.slice(0, d.pos), outcome],
    };
    this.hist.dropAfter();
    this.doc = next;
    this.result.setNotice(null);
    this.afterChange({ outcome, appendFrom: outcome.firstEvent });
  }

  /** The current stretch's document (the situation, its steps, the position). */
  private get doc(): Doc {
    return this.hist.doc;
  }

  private set doc(d: Doc) {
    this.hist.doc = d;
  }

  /** Undo: the row before the current one in the history. */
  undo(): void {
    const r = this.hist.prev();
    if (r) this.goToRow(r);
  }

  /** Redo: the row after the current one in the history. */
  redo(): void {
    const r = this.hist.next();
    if (r) this.goToRow(r);
  }

  /** Goes to a row of the history: a position of the current scenario, or of another stretch. */
  goToRow(r: Row): void {
    if (r.s === this.hist.cur) {
      this.goTo(r.pos);
      return;
    }
    const from = this.doc.base;
    this.hist.cur = r.s;
    const d = this.doc;
    this.doc = { ...d, pos: Math.max(this.hist.current.from, Math.min(r.pos, d.actions.length)) };
    const baseChanged = d.base !== from;
    this.result.setNotice(null);
    this.rebuildSim();
    if (baseChanged) this.editor.show(d.base, d.uids);
    this.afterChange({ outcome: undefined, reset: true, baseChanged });
  }

  /** Moves to position `pos` of the current stretch (one of its rows). */
  goTo(pos: number): void {
    const d = this.doc;
    const target = Math.max(this.hist.current.from, Math.min(pos, d.actions.length));
    if (target === d.pos) return;
    if (target > d.pos) {
      const outcomes = d.outcomes.slice();
      let p = d.pos;
      let error: string | null = null;
      while (p < target) {
        try {
          outcomes[p] = this.sim.apply(d.actions[p]!);
          p++;
        } catch (e) {
          error = errorText(e);
          break;
        }
      }
      if (error !== null) {
        const dropped = d.actions.slice(p).map((a, i) => ({ label: `step ${p + i + 1}: ${actionLabel(a, this.topo)}`, reason: i === 0 ? error! : "follows a step that failed" }));
        this.doc = { ...d, actions: d.actions.slice(0, p), outcomes: outcomes.slice(0, p), pos: p };
        this.result.setNotice("A replayed step could not be applied; the rest of the history was dropped:", undefined, dropped);
      } else {
        this.doc = { ...d, pos: p, outcomes };
      }
      const first = outcomes[d.pos];
      this.afterChange({ outcome: this.doc.outcomes[this.doc.pos - 1], appendFrom: first ? first.firstEvent : undefined });
    } else {
      this.doc = { ...d, pos: target };
      this.rebuildSim();
      this.afterChange({ outcome: undefined, reset: true });
    }
  }

  /** A new situation (opened, or changed in the editor): a new stretch of the history after the current row. */
  private startStretch(doc: Doc, kind: StretchKind, label: string, preset: string | null = null, topo: Topology | null = null, fromEditor = false): void {
    this.hist.push(stretch(doc, kind, label, preset, topo));
    this.result.setNotice(null);
    this.rebuildSim();
    if (!fromEditor) this.editor.show(doc.base, doc.uids);
    this.afterChange({ outcome: undefined, reset: true, baseChanged: true });
  }

  /** The topology of stretch number `s` (its rows' labels name its parts). */
  private topologyOfStretch(s: number): Topology {
    const st = this.hist.stretches[s]!;
    if (!st.topo) {
      try {
        st.topo = topologyOf(st.doc.base);
      } catch {
        st.topo = this.topo;
      }
    }
    return st.topo;
  }

  /** The history panel and the toolbar's Undo and Redo, from the history. */
  private renderHistory(): void {
    this.timeline.render(this.hist);
    this.undoBtn.disabled = this.hist.prev() === null;
    this.redoBtn.disabled = this.hist.next() === null;
  }

  /**
   * A simulation at the document's position. When outcomes of applied steps
   * are unknown (after a load or an edit) and replaying them with outcomes
   * is cheap, the replay also fills them in (for the timeline and the
   * diagram's step headings).
   */
  private rebuildSim(): void {
    const d = this.doc;
    let missing = false;
    for (let i = 0; i < d.pos; i++) if (!d.outcomes[i]) missing = true;
    const messages = (d.base.stores ?? []).reduce((n, s) => n + (s.outboundQueue?.length ?? 0), 0) + (d.base.transports ?? []).reduce((n, t) => n + (t.sessions ?? []).reduce((m, s) => m + (s.inbound?.length ?? 0), 0), 0);
    let sim: Simulation | null = null;
    if (missing && d.pos * (1 + messages / 50) <= 400) {
      sim = new Simulation({ ...d.base, actions: [] });
      try {
        const outs = sim.run(d.actions.slice(0, d.pos) as Action[]);
        const outcomes = d.outcomes.slice();
        outs.forEach((o, i) => (outcomes[i] = o));
        this.doc = { ...d, outcomes };
      } catch {
        sim.free();
        sim = null;
      }
    }
    sim ??= simulationAt(d);
    this.sim.free();
    this.sim = sim;
  }

  /** Redraws what depends on the position; the trace follows in the next frame. */
  private afterChange(c: { outcome: Outcome | undefined; appendFrom?: number; reset?: boolean; baseChanged?: boolean }): void {
    if (this.after) this.sequence.setSelected(-1);
    this.after = null;
    this.changeSeq += 1;
    this.root.dataset.change = String(this.changeSeq);
    this.view = this.sim.state();
    // The topology depends on the situation only: the same object while it is unchanged, so views can tell.
    if (c.baseChanged) {
      this.topo = this.view.topology;
      this.hist.current.topo = this.topo;
      this.sequence.setTopology(this.topo);
    }
    const d = this.doc;
    let outcome = c.outcome;
    if (!outcome && d.pos > 0) {
      outcome = outcomeOf(d, d.pos - 1);
      if (outcome && !d.outcomes[d.pos - 1]) {
        const outcomes = d.outcomes.slice();
        outcomes[d.pos - 1] = outcome;
        this.doc = { ...d, outcomes };
      }
    }
    this.result.show(outcome, this.doc.pos, this.topo);
    this.placeState(null);
    this.stateView.show(this.view, null);
    const preset = this.hist.current.preset ?? "";
    if (this.presetSel.value !== preset) this.presetSel.value = preset;
    this.renderGuide();
    this.updateResultBar(outcome);
    if (this.opts.compact) this.renderCompactOps();
    const enabled = this.sim.enabledActions();
    this.spoolerHasWork = enabled.some(isSpoolerWork);
    this.ops.update(this.topo, enabled);
    this.renderHistory();
    if (c.baseChanged) this.renderAbout();
    if (c.baseChanged && this.tab === "matrix") this.matrix.syncSettings();
    if (this.tab === "explore") this.exploreView?.show();
    // The trace: appended or replaced after this frame is painted.
    if (c.reset || this.traceNeedsReset) {
      this.traceNeedsReset = true;
      this.pendingAppend = null;
    } else if (c.appendFrom !== undefined) {
      this.pendingAppend = this.pendingAppend ? { first: Math.min(this.pendingAppend.first, c.appendFrom), steps: this.doc.pos } : { first: c.appendFrom, steps: this.doc.pos };
    }
    this.scheduleTrace();
    this.scheduleShare();
  }

  private scheduleTrace(): void {
    if (this.traceTask) return;
    this.traceTask = requestAnimationFrame(() => {
      // After the frame with the result is painted.
      setTimeout(() => {
        this.traceTask = 0;
        this.updateTrace();
      }, 0);
    });
  }

  /** Brings the diagram up to date (also called by tests through the DOM event). */
  private updateTrace(): void {
    if (this.traceNeedsReset) {
      this.traceNeedsReset = false;
      this.pendingAppend = null;
      this.sequence.reset(this.sim.trace(), this.doc.pos);
    } else if (this.pendingAppend) {
      const { first, steps } = this.pendingAppend;
      this.pendingAppend = null;
      this.sequence.append(this.eventsFrom(first), steps);
    }
    if (this.textTraceOpen) this.textTrace.textContent = this.sim.traceText();
    this.root.dataset.traceEvents = String(this.sequence.eventCount());
  }

  /** Trace events from index `first` on, without converting the whole trace to objects. */
  private eventsFrom(first: number): TraceEvent[] {
    const json = this.sim.traceJson();
    // `{"seq":N,` can only occur as the start of an event: inside JSON strings a quote is always escaped.
    const at = json.indexOf(`{"seq":${first},`);
    if (at < 0) return [];
    return JSON.parse("[" + json.slice(at)) as TraceEvent[];
  }

  private stepLabel(step: number): string {
    const a = this.doc.actions[step - 1];
    if (!a) return "";
    const o = this.doc.outcomes[step - 1];
    return `${actionLabel(a, this.topo)}${o ? ` → ${o.hresult.text}${o.outFlags ? `, ${o.outFlags.text}` : ""}` : ""}`;
  }

  private selectEvent(e: TraceEvent | null): void {
    if (!e) {
      this.after = null;
      this.sequence.setSelected(-1);
      this.placeState(null);
      this.stateView.show(this.view, null);
      return;
    }
    const view = stateAfter(this.doc.base, this.doc.actions.slice(0, e.step) as Action[]);
    this.after = { seq: e.seq, step: e.step, label: eventSummary(e) };
    this.stateView.show(view, this.after);
    this.placeState(e.seq);
  }

  /** The state panel: under the chosen diagram row (event `seq`), or back in its own section (null). */
  private placeState(seq: number | null): void {
    if (seq === null) {
      if (this.stateView.el.parentElement !== this.stateHome) {
        this.sequence.showDetail(null);
        this.stateHome.append(this.stateView.el);
      }
      this.statePlace.hidden = true;
      return;
    }
    this.sequence.showDetail(this.stateView.el, seq);
    this.statePlace.hidden = false;
  }

  private renderAbout(): void {
    const b = this.doc.base;
    replace(
      this.about,
      h("h2", { class: "scenario-name", "data-testid": "scenario-name" }, b.name || "Untitled scenario"),
      // The suggested experiment before the description: on a phone it must show without scrolling.
      this.suggest,
      b.description ? h("p", { class: "scenario-desc" }, withRuleChips(b.description, this.tips)) : h("p", { class: "muted" }, this.doc.base.stores?.length ? "" : "An empty playground: add a store and a transport provider in the situation, or choose a preset."),
    );
  }

  // ------------------------------------------------------------------ tabs

  showTab(id: Tab): void {
    this.tab = id;
    for (const [k, { tab, panel }] of this.tabs) {
      const on = k === id;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      panel.hidden = !on;
    }
    if (id === "matrix") this.matrix.show();
    if (id === "playground") this.sequence.renderNow();
    if (id === "check") void this.loadCheck();
    if (id === "explore") {
      if (this.exploreView) this.exploreView.show();
      else void this.loadExplore();
    }
    this.tips.hide();
  }

  /** Loads the Explore tab (its code, its worker and the explorer's wasm module) the first time it opens. */
  private loadExplore(): Promise<ExploreViewLike | null> {
    if (this.exploreLoad) return this.exploreLoad;
    const panel = this.explorePanel;
    panel.setAttribute("aria-busy", "true");
    replace(panel, h("div", { class: "check-loading", role: "status", "aria-live": "polite", "data-testid": "explore-loading" }, h("h2", null, "Explore"), h("p", null, "Loading the explorer…")));
    this.exploreLoad = import("./explore")
      .then(async (m) => {
        const view = new m.ExploreView({
          tips: this.tips,
          current: () => ({
            scenario: { ...this.doc.base, actions: this.doc.actions.slice(0, this.doc.pos) as Action[] },
            name: this.doc.base.name || "Untitled scenario",
            applied: this.doc.pos,
            topology: this.topo,
            messages: this.view.state.messages.length,
          }),
          open: (sc, label) => this.openExplored(sc, label),
          shareUrl: async (sc, position) => `${this.opts.pageUrl}#${await encodeFragment({ scenario: sc, position })}`,
        });
        try {
          await view.ready;
        } catch (e) {
          view.destroy();
          throw e;
        }
        replace(panel, view.el);
        panel.removeAttribute("aria-busy");
        panel.dataset.ready = "1";
        this.exploreView = view;
        view.show();
        return view;
      })
      .catch((e: unknown) => {
        this.exploreLoad = null;
        panel.removeAttribute("aria-busy");
        replace(
          panel,
          h(
            "div",
            { role: "alert", class: "check-error", "data-testid": "explore-load-error" },
            h("h2", null, "Explore"),
            h("p", null, `The explorer could not be loaded: ${errorText(e)}.`),
            h("button", { type: "button", onclick: () => void this.loadExplore() }, "Try again"),
          ),
        );
        return null;
      });
    return this.exploreLoad;
  }

  /** A counterexample (or the way to a goal) from the Explore tab: opened at its last step, in the playground. */
  private openExplored(sc: Scenario, label: string): void {
    if (!this.loadScenario(sc, (sc.actions ?? []).length, `${label} (step ${(sc.actions ?? []).length})`)) return;
    this.showTab("playground");
    this.tabs.get("playground")?.tab.focus();
  }

  /** Loads the trace checker (its code and wasm module) the first time the tab opens. */
  private loadCheck(): Promise<CheckViewLike | null> {
    if (this.checkLoad) return this.checkLoad;
    const panel = this.checkPanel;
    panel.setAttribute("aria-busy", "true");
    replace(panel, h("div", { class: "check-loading", role: "status", "aria-live": "polite", "data-testid": "check-loading" }, h("h2", null, "Check a trace"), h("p", null, "Loading the trace checker…")));
    this.checkLoad = import("./check")
      .then(async (m) => {
        await m.loadChecker();
        const view = new m.CheckView(this.tips);
        replace(panel, view.el);
        panel.removeAttribute("aria-busy");
        panel.dataset.ready = "1";
        return view;
      })
      .catch((e: unknown) => {
        this.checkLoad = null;
        panel.removeAttribute("aria-busy");
        replace(
          panel,
          h(
            "div",
            { role: "alert", class: "check-error", "data-testid": "check-load-error" },
            h("h2", null, "Check a trace"),
            h("p", null, `The trace checker could not be loaded: ${errorText(e)}.`),
            h("button", { type: "button", onclick: () => void this.loadCheck() }, "Try again"),
          ),
        );
        return null;
      });
    return this.checkLoad;
  }

  // ------------------------------------------------------------------ sharing

  private async fragment(): Promise<string> {
    return encodeFragment({ scenario: fullScenario(this.doc), position: this.doc.pos });
  }

  private scheduleShare(): void {
    if (this.opts.element) {
      void this.fragment().then((f) => (this.openLink.href = `${this.opts.pageUrl}#${f}`));
      return;
    }
    clearTimeout(this.shareTimer);
    const seq = this.changeSeq;
    this.shareTimer = window.setTimeout(async () => {
      const f = await this.fragment();
      if (seq !== this.changeSeq) return;
      this.lastFragment = f;
      this.openLink.href = `${this.opts.pageUrl}#${f}`;
      history.replaceState(history.state, "", `#${f}`);
      this.root.dataset.shared = String(seq);
    }, 250);
  }

  /** Whether a hash change is one this page wrote itself. */
  isOwnFragment(fragment: string): boolean {
    return fragment.replace(/^#/, "") === this.lastFragment;
  }

  async shareUrl(): Promise<string> {
    return `${this.opts.pageUrl}#${await this.fragment()}`;
  }

  private async copy(text: string, what: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.flash(`${what} copied to the clipboard`);
    } catch {
      this.copyText.value = text;
      this.copyDialog.showModal();
      this.copyText.focus();
      this.copyText.select();
    }
  }

  private async copyLink(): Promise<void> {
    await this.copy(await this.shareUrl(), "Link");
  }

  private async copyMarkdown(): Promise<void> {
    const md = toMarkdown(this.sim.toScenario(), this.view, this.doc.outcomes[this.doc.pos - 1], this.sim.traceText(), await this.shareUrl());
    this.root.dataset.lastMarkdown = String(md.length);
    await this.copy(md, "Markdown");
  }

  private download(): void {
    const sc = this.sim.toScenario();
    const blob = new Blob([JSON.stringify(sc, null, 2) + "\n"], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: `${(sc.name || "scenario").replace(/[^\w.-]+/g, "-").slice(0, 60)}.json`, hidden: true });
    this.root.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  private async openFile(): Promise<void> {
    const file = this.fileInput.files?.[0];
    this.fileInput.value = "";
    if (!file) return;
    if (file.size > MAX_FILE) {
      this.showBanner(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; the engine reads scenarios up to 16 MB.`);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(await file.text());
    } catch (e) {
      this.showBanner(`${file.name} is not JSON (${errorText(e)}).`);
      return;
    }
    this.loadScenario(value, undefined, file.name);
  }

  /** A short confirmation in the header, beside the toolbar: it covers nothing and fades soon. */
  private flash(text: string): void {
    this.toast.textContent = text;
    this.toast.classList.add("show");
    clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => {
      this.toast.classList.remove("show");
      this.toast.textContent = "";
    }, 1500);
  }

  /** The index of all rules, folded; its 43 links are made when it is first opened. */
  private rulesBox(): HTMLElement {
    const box = h("details", { class: "col rules-box", "data-testid": "rules-box" }, h("summary", null, h("h2", { id: "h-rules", class: "inline-h" }, "All rules (S, T, I, M)")));
    box.addEventListener("toggle", () => {
      if (box.open && !box.querySelector(".rules-index")) box.append(rulesIndex(this.tips));
    });
    return box;
  }

  /** A skip link: focus the region's heading (in a shadow root, links to #ids do nothing by themselves). */
  private jump(ev: Event, id: string): void {
    const target = this.root.querySelector<HTMLElement>(`#${CSS.escape(id)}`);
    if (!target) return;
    ev.preventDefault();
    if (this.tab !== "playground") this.showTab("playground");
    if (!target.hasAttribute("tabindex")) target.tabIndex = -1;
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
  }

  /**
   * Opens a preset at step `step` (the chooser and the landing open at 0:
   * the preset is named, its steps wait in the history to be redone or
   * replaced, and the guide suggests a first experiment), or at its end
   * when `step` is undefined (an embed's `preset` attribute without `step`).
   */
  loadPreset(id: string, announce = true, step?: number): boolean {
    const p = presetById(id);
    if (!p) return false;
    if (!this.loadScenario(p.scenario, step, null, false, p)) return false;
    if (announce) this.flash(`Opened the preset ${p.title}`);
    return true;
  }

  /** Goes forward through `actions`: Redo when they are the history's next steps, else each is applied. */
  private advance(actions: readonly Action[]): void {
    const d = this.doc;
    const ahead = d.actions.slice(d.pos, d.pos + actions.length);
    if (ahead.length === actions.length && JSON.stringify(ahead) === JSON.stringify(actions)) this.goTo(d.pos + actions.length);
    else for (const a of actions) this.perform(a);
  }

  /**
   * The next suggestion of the guide, while the visitor follows it: on the
   * landing preset, the first experiment (QUIET, then NO_WAIT, then the
   * spooler); on any other preset, replaying its steps up to its first
   * logoff call, then to its end. Null when there is none.
   */
  private nextSuggestion(): { key: string; text: string; button: string; run: () => void } | null {
    const st = this.hist.current;
    if (!st.preset || st.kind !== "open") return null;
    const d = st.doc;
    if (st.preset === DEFAULT_PRESET) {
      // Which suggestion comes next: the steps applied so far must be the suggested ones, in order.
      const done = d.actions.slice(0, d.pos);
      let k = 0;
      let at = 0;
      while (k < FIRST_EXPERIMENT.length) {
        const want = FIRST_EXPERIMENT[k]!.actions;
        if (at + want.length > done.length) break;
        if (JSON.stringify(done.slice(at, at + want.length)) !== JSON.stringify(want)) break;
        at += want.length;
        k++;
      }
      const next = FIRST_EXPERIMENT[k];
      if (at !== done.length || !next) return null;
      return { key: `${st.id}:landing:${k}`, text: next.text, button: next.button, run: () => this.advance(next.actions) };
    }
    // Another preset, with its own steps still in the history.
    if (d.actions !== st.opened || d.actions.length === 0) return null;
    const n = d.actions.length;
    const calls = ["storeLogoff", "storeLogoffTransports", "logoffSession", "shutdownProvider"];
    let i = d.actions.findIndex((a) => calls.includes(a.type));
    let what = "its first logoff call";
    if (i < 0) {
      i = d.actions.findIndex((a) => a.type === "release" || a.type === "releaseSession");
      what = "its first Release";
    }
    if (i < 0) {
      i = n - 1;
      what = "its last step";
    }
    const k = i + 1;
    const label = actionLabel(d.actions[i]!, this.topo);
    if (d.pos < k) {
      return {
        key: `${st.id}:key:${d.pos}`,
        text: `Try this first: replay this preset up to ${what}, ${label} (step ${k} of ${n}), and compare what it returns with the description below.`,
        button: `Replay to step ${k}: ${label}`,
        run: () => this.goTo(k),
      };
    }
    if (d.pos < n) {
      return {
        key: `${st.id}:rest:${d.pos}`,
        text: `Then see how it ends: ${n - d.pos} more step${n - d.pos > 1 ? "s" : ""} of the preset are waiting in the history.`,
        button: `Replay to the end (step ${n})`,
        run: () => this.goTo(n),
      };
    }
    return null;
  }

  private guideKey = "";

  /** The suggestion of the guide (under the scenario's name), redrawn only when it changes. */
  private renderGuide(): void {
    const next = this.nextSuggestion();
    if (!next) {
      this.suggest.hidden = true;
      this.guideKey = "";
      return;
    }
    this.suggest.hidden = false;
    if (next.key === this.guideKey) return;
    this.guideKey = next.key;
    replace(
      this.suggest,
      h("span", { class: "suggest-text" }, next.text),
      " ",
      h(
        "button",
        {
          type: "button",
          class: "primary",
          "data-testid": "suggest-run",
          onclick: () => {
            next.run();
            this.revealResult();
          },
        },
        next.button,
      ),
    );
  }

  /** After an action on a narrow screen, the result is far below: the bar shows it, and leads there. */
  private updateResultBar(outcome: Outcome | undefined): void {
    if (!outcome || this.doc.pos === 0) {
      this.resultBar.hidden = true;
      return;
    }
    this.resultBar.hidden = false;
    replace(
      this.resultBar,
      h("span", { class: "rb-step" }, `Step ${outcome.step}`),
      " ",
      h("span", { class: `hr ${(outcome.hresult.value >>> 0) >= 0x80000000 ? "hr-fail" : "hr-ok"}` }, outcome.hresult.text),
      outcome.outFlags ? [" ", h("span", { class: "mono" }, outcome.outFlags.text)] : null,
      outcome.newViolations.length ? [" ", h("span", { class: "rb-bad" }, `${outcome.newViolations.length} new violation${outcome.newViolations.length > 1 ? "s" : ""}`)] : null,
      h("span", { class: "rb-go" }, " · see the result"),
    );
  }

  /** Brings the result into view when it is off screen (phones), without taking the focus away. */
  private revealResult(): void {
    const el = this.result.el.closest("section") ?? this.result.el;
    const r = el.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight - 80) el.scrollIntoView({ block: "start" });
  }

  // ------------------------------------------------------------------ embedding

  /** Each distinct action of the scenario once, in the order it first appears, as a button that applies it here. */
  private renderCompactOps(): void {
    const seen = new Set<string>();
    const actions: Action[] = [];
    for (const a of this.doc.actions) {
      const key = JSON.stringify(a);
      if (!seen.has(key)) {
        seen.add(key);
        actions.push(a);
      }
    }
    replace(
      this.compactOps,
      actions.length
        ? h(
            "div",
            { class: "buttons" },
            actions.map((a, i) =>
              h("button", { type: "button", class: "op", "data-testid": `cop-${i}`, onclick: () => this.perform(a) }, actionLabel(a, this.topo)),
            ),
          )
        : h("p", { class: "muted" }, "This scenario has no steps to replay."),
      h("p", { class: "muted small-print" }, "The scenario's own calls, applied at the current step. Open it in the playground for every operation and the situation."),
    );
  }

  private async embedSnippet(kind: string): Promise<string> {
    const page = new URL(this.opts.pageUrl, location.href);
    const element = this.opts.elementUrl ?? new URL("element.js", page).href;
    const fragment = await this.fragment();
    if (kind === "iframe") {
      const src = new URL(page.href);
      src.search = "?embed";
      src.hash = fragment;
      return `<iframe src="${attr(src.href)}" title="mapi-logoff playground: ${attr(this.doc.base.name || "scenario")}" width="100%" height="720" loading="lazy"></iframe>`;
    }
    const compact = kind === "compact" ? " compact" : "";
    // The preset's id when the document is still the preset (its steps unchanged), at the step shown.
    const preset = this.hist.current.preset;
    const p = preset ? presetById(preset) : undefined;
    const asPreset = p && JSON.stringify(this.doc.actions) === JSON.stringify(p.scenario.actions ?? []);
    const source = asPreset ? `preset="${attr(p.id)}"${this.doc.pos < this.doc.actions.length ? ` step="${this.doc.pos}"` : ""}` : `scenario="#${attr(fragment)}"`;
    return `<script type="module" src="${attr(element)}"></script>\n<mapi-logoff-playground ${source}${compact}></mapi-logoff-playground>`;
  }

  private async fillEmbed(): Promise<void> {
    this.embedText.value = await this.embedSnippet(this.embedKind.value);
  }

  private async showEmbed(): Promise<void> {
    await this.fillEmbed();
    if (!this.embedDialog.open) this.embedDialog.showModal();
    this.embedText.focus();
    this.embedText.select();
  }

  // ------------------------------------------------------------------ misc

  private toggleTextTrace(): void {
    this.textTraceOpen = !this.textTraceOpen;
    this.textTrace.hidden = !this.textTraceOpen;
    this.sequence.el.hidden = this.textTraceOpen;
    this.textToggle.textContent = this.textTraceOpen ? "Show as diagram" : "Show as text";
    this.textToggle.setAttribute("aria-expanded", String(this.textTraceOpen));
    if (this.textTraceOpen) this.textTrace.textContent = this.sim.traceText();
    else this.sequence.renderNow();
  }

  private showHelp(): void {
    if (!this.helpDialog.open) this.helpDialog.showModal();
  }

  settings(): Settings {
    return this.doc.base.settings ?? {};
  }

  private onKey(ev: KeyboardEvent): void {
    if (ev.defaultPrevented) return;
    if (this.helpDialog.open || this.copyDialog.open) return;
    const typing = isTyping(ev);
    const mod = ev.ctrlKey || ev.metaKey;
    if (mod && !ev.altKey && (ev.key === "z" || ev.key === "Z")) {
      if (typing) return;
      ev.preventDefault();
      if (ev.shiftKey) this.redo();
      else this.undo();
      return;
    }
    if (mod && !ev.altKey && (ev.key === "y" || ev.key === "Y")) {
      if (typing) return;
      ev.preventDefault();
      this.redo();
      return;
    }
    if (mod || ev.altKey || typing) return;
    const target = ev.composedPath()[0];
    const inDiagram = target instanceof Element && target.closest(".seq-body");
    const onTab = target instanceof Element && target.getAttribute("role") === "tab";
    switch (ev.key) {
      case "?":
        this.showHelp();
        break;
      case "[":
        this.undo();
        break;
      case "]":
        this.redo();
        break;
      case "{":
        this.goToRow(this.hist.first());
        break;
      case "}":
        this.goToRow(this.hist.last());
        break;
      case "1":
      case "2":
      case "3":
      case "4":
      case "5":
        if (this.tab !== "playground") return;
        this.ops.chooseStoreFlag(Number(ev.key) - 1);
        break;
      case "l":
      case "L":
        if (this.tab !== "playground") return;
        this.ops.storeLogoffButton()?.click();
        break;
      case "s":
      case "S":
        if (this.tab !== "playground") return;
        this.perform({ type: "spoolerStep" });
        break;
      case "r":
      case "R":
        if (this.tab !== "playground") return;
        this.perform({ type: "runUntilIdle" });
        break;
      case "d":
      case "D":
        if (this.tab !== "playground" || inDiagram) return;
        (this.sequence.el.querySelector(".seq-body") as HTMLElement | null)?.focus();
        break;
      case "p":
      case "P":
        if (this.opts.embed) return;
        this.showTab("playground");
        break;
      case "m":
      case "M":
        if (this.opts.embed) return;
        this.showTab("matrix");
        break;
      case "c":
      case "C":
        if (this.opts.embed) return;
        this.showTab("check");
        break;
      case "e":
      case "E":
        if (this.opts.embed) return;
        this.showTab("explore");
        break;
      case "Escape":
        if (this.after) this.selectEvent(null);
        else this.tips.hide();
        return;
      default:
        if (onTab) return;
        return;
    }
    ev.preventDefault();
  }

  destroy(): void {
    this.exploreView?.destroy();
    this.sim.free();
    this.root.remove();
  }
}

/** Text for an HTML attribute value in double quotes. */
function attr(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
