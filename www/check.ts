// The "Check a trace" tab: paste, open or drop a trace recorded from a real
// provider (docs/trace-format.md), run the engine's checker on it (its own
// wasm module, mapi-logoff/check, loaded with this file when the tab is
// first opened), list the diagnostics and draw the calls. Selecting a
// diagnostic selects its line's call in the diagram.
import init, { TraceChecker, checkTrace } from "mapi-logoff/check";
import type { CheckReport, Diagnostic } from "mapi-logoff/check";
import { h, replace, uid } from "./dom";
import { errorText, ruleInfo } from "./engine";
import { SequenceView } from "./sequence";
import { DOCS_TRACE_FORMAT_PAGE, type Tips } from "./tips";
import { traceCalls, type TraceCall } from "./tracecalls";
import { TraceEditor } from "./trace-editor";
import cleanSample from "./samples/clean.jsonl?raw";
// The format's reference ships with the site (an asset), so the link works offline.
import traceFormatFile from "../docs/trace-format.md?url";
import mistakesSample from "./samples/mistakes.jsonl?raw";
import malformedSample from "./samples/malformed.jsonl?raw";
// Two logs of real providers' logoff, from the conformance corpus (each
// line's source is cited in its tests/corpus sidecar).
import wrapPstSample from "../tests/corpus/wrappst-orderly-through-wrapper.jsonl?raw";
import kopanoSample from "../tests/corpus/kopano-transport-logoff-keeps-memory.jsonl?raw";

/** The docs site's page for the trace format when the build has the docs site, else the Markdown file itself. */
function traceFormatHref(): string {
  return import.meta.env.VITE_DOCS_SITE === "1" ? new URL(DOCS_TRACE_FORMAT_PAGE, document.baseURI).href : traceFormatFile;
}

const SAMPLES: { id: string; title: string; text: string }[] = [
  { id: "clean", title: "A clean store and transport logoff", text: cleanSample },
  { id: "mistakes", title: "Mistakes M1 and M7 (no StoreLogoffTransports, a leaked block)", text: mistakesSample },
  { id: "malformed", title: "Lines that are not calls, an unknown method, M3", text: malformedSample },
  { id: "wrappst", title: "Real provider: the wrapped-PST sample store logs off through its wrapper (clean)", text: wrapPstSample },
  { id: "kopano", title: "Real provider: Kopano's TransportLogoff keeps the session's memory (T5, M7)", text: kopanoSample },
];

/** Text fed to the checker per slice; the page gets a frame between slices. */
const CHUNK = 128 * 1024;
/** Calls drawn in the diagram at most. */
const MAX_DRAWN = 5000;
/** Diagnostics listed at most (the checker keeps 10,000). */
const MAX_LISTED = 1000;
const MAX_FILE = 64 * 1024 * 1024;

let ready: Promise<unknown> | null = null;

/** Instantiates the checker's wasm module (once). */
export function loadChecker(): Promise<unknown> {
  ready ??= init();
  return ready;
}

const nextFrame = () => new Promise<void>((r) => setTimeout(r, 0));

/** Checks `text` in slices cut at line ends, so a large paste never blocks the page for long. */
async function checkInSlices(text: string, progress: (done: number, slices: number) => void, cancelled: () => boolean): Promise<CheckReport | null> {
  if (text.length <= CHUNK) {
    progress(1, 1);
    return checkTrace(text);
  }
  const checker = new TraceChecker();
  try {
    let at = 0;
    let slices = 0;
    while (at < text.length) {
      let end = Math.min(text.length, at + CHUNK);
      if (end < text.length) {
        const nl = text.lastIndexOf("\n", end);
        if (nl >= at) end = nl + 1;
      }
      checker.feed(text.slice(at, end));
      at = end;
      progress(at / text.length, ++slices);
      await nextFrame();
      if (cancelled()) return null;
    }
    return checker.finish();
  } finally {
    checker.free();
  }
}

/**
 * The checker decides what a call is: a line it reports as malformed is
 * not drawn either, so the diagram's count is the summary's.
 */
function withoutMalformed(drawn: ReturnType<typeof traceCalls>, report: CheckReport): ReturnType<typeof traceCalls> {
  const malformed = new Set(report.diagnostics.filter((d) => d.code === "malformedLine").map((d) => d.line));
  if (malformed.size === 0) return drawn;
  const calls = drawn.calls.filter((c) => !malformed.has(c.seq));
  const removed = drawn.calls.length - calls.length;
  return { ...drawn, calls, total: drawn.total - removed, skipped: drawn.skipped + removed };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

export class CheckView {
  readonly el: HTMLElement;
  private readonly input: TraceEditor;
  private readonly fileInput: HTMLInputElement;
  private readonly sampleSel: HTMLSelectElement;
  private readonly runBtn: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly diagHeading: HTMLElement;
  private readonly diagList: HTMLOListElement;
  private readonly diagNote: HTMLElement;
  private readonly seqNote: HTMLElement;
  private readonly selection: HTMLElement;
  private readonly results: HTMLElement;
  private readonly sequence: SequenceView<TraceCall>;
  private runId = 0;
  private diagnostics: Diagnostic[] = [];
  private buttons: HTMLButtonElement[] = [];
  private eventOfLine = new Map<number, number>();
  private calls: TraceCall[] = [];
  private current = -1;

  constructor(tips: Tips) {
    const inputId = uid("trace");
    const sampleId = uid("sample");
    const hintId = uid("hint");
    this.input = new TraceEditor({
      label: "Trace (JSON Lines). Ctrl+Enter checks.",
      testid: "check-input",
      placeholder: '{"format":"mapi-logoff-trace","version":1}\n{"caller":{"kind":"client"},"object":{"kind":"store","id":"PST"},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_ORDERLY","hresult":"S_OK","outFlags":"LOGOFF_COMPLETE"}',
      run: () => void this.run(),
      dropFile: (file) => void this.openFile(file),
    });

    this.fileInput = h("input", { type: "file", accept: ".jsonl,.json,.log,.txt,application/x-ndjson,application/json,text/plain", class: "sr-only", tabindex: -1, "aria-hidden": "true", "data-testid": "check-file" });
    this.fileInput.addEventListener("change", () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = "";
      if (file) void this.openFile(file);
    });
    this.sampleSel = h(
      "select",
      { id: sampleId, "data-testid": "check-sample" },
      h("option", { value: "" }, "Choose a sample…"),
      SAMPLES.map((s) => h("option", { value: s.id }, s.title)),
    );
    this.sampleSel.addEventListener("change", () => {
      const sample = SAMPLES.find((s) => s.id === this.sampleSel.value);
      this.sampleSel.value = "";
      if (!sample) return;
      this.input.value = sample.text;
      void this.run(`Sample: ${sample.title}`);
    });
    this.runBtn = h("button", { type: "button", class: "primary", "aria-keyshortcuts": "Control+Enter", "data-testid": "check-run", onclick: () => void this.run() }, "Check");

    this.status = h("p", { class: "check-status", role: "status", "aria-live": "polite", "data-testid": "check-status" });
    this.summary = h("dl", { class: "check-summary", "data-testid": "check-summary" });
    const diagHeadingId = uid("h");
    this.diagHeading = h("h3", { id: diagHeadingId }, "Diagnostics");
    this.diagList = h("ol", { class: "diag-list", "aria-labelledby": diagHeadingId, "data-testid": "check-diagnostics" });
    this.diagList.addEventListener("keydown", (ev) => this.onListKey(ev));
    this.diagNote = h("p", { class: "muted", hidden: true, "data-testid": "check-diag-note" });
    this.seqNote = h("p", { class: "muted", "data-testid": "check-seq-note" });
    this.selection = h("p", { class: "check-selection", "aria-live": "polite", "data-testid": "check-selected" });
    this.sequence = new SequenceView<TraceCall>({
      tips,
      unit: "line",
      chooseHint: "Click or press Enter to select this call and its diagnostics.",
      stepLabel: () => "",
      select: (e) => this.callChosen(e),
    });
    const seqHeadingId = uid("h");
    this.results = h(
      "div",
      { class: "check-results", hidden: true },
      this.summary,
      h(
        "div",
        { class: "check-grid" },
        h("section", { class: "check-diags", "aria-labelledby": diagHeadingId }, this.diagHeading, this.diagNote, this.diagList),
        h("section", { class: "check-calls", "aria-labelledby": seqHeadingId }, h("h3", { id: seqHeadingId }, "Calls"), this.seqNote, this.selection, this.sequence.el),
      ),
    );

    this.el = h(
      "div",
      { class: "tcheck", "data-testid": "check-view" },
      h("h2", null, "Check a trace"),
      h(
        "p",
        { class: "check-intro" },
        "Log the calls your provider makes and receives around logoff, one JSON object per line (",
        h("a", { href: traceFormatHref(), target: "_blank", rel: "noopener", "data-testid": "trace-format-link" }, "the trace format"),
        "), and the engine's checker tells you where the handling breaks the protocol. The trace is checked in your browser; nothing is sent anywhere.",
      ),
      h("p", { id: inputId, class: "check-label" }, "Trace (JSON Lines)"),
      this.input.el,
      h("p", { id: hintId, class: "muted check-hint" }, "Paste a trace, drop a .jsonl file on the box, or open one. Ctrl+Enter checks. Line numbers and markers in the margin show where the checker found something."),
      h(
        "div",
        { class: "toolbar check-toolbar", role: "group", "aria-label": "Trace" },
        this.runBtn,
        h("button", { type: "button", "data-testid": "check-open", onclick: () => this.fileInput.click() }, "Open a .jsonl file…"),
        this.fileInput,
        h("div", { class: "field inline" }, h("label", { for: sampleId }, "Sample"), this.sampleSel),
        h("button", { type: "button", "data-testid": "check-clear", onclick: () => this.clear() }, "Clear"),
      ),
      this.status,
      this.results,
    );
  }

  focus(): void {
    this.input.focus();
  }

  private clear(): void {
    this.runId++;
    this.input.value = "";
    this.results.hidden = true;
    this.status.textContent = "";
    delete this.el.dataset.checked;
    this.input.focus();
  }

  private async openFile(file: File): Promise<void> {
    if (file.size > MAX_FILE) {
      this.status.textContent = `${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; the page checks files up to ${MAX_FILE / 1024 / 1024} MB (use the command line, mapi-logoff check, for larger logs).`;
      return;
    }
    let text: string;
    try {
      text = await file.text();
    } catch (e) {
      this.status.textContent = `${file.name} could not be read: ${errorText(e)}.`;
      return;
    }
    this.input.value = text;
    await this.run(file.name);
  }

  /** Checks the text in the box and shows the report. */
  async run(source?: string): Promise<void> {
    const id = ++this.runId;
    const text = this.input.value;
    delete this.el.dataset.checked;
    this.el.dataset.checking = "1";
    this.runBtn.disabled = true;
    this.status.textContent = "Checking…";
    const started = performance.now();
    let report: CheckReport | null;
    try {
      report = await checkInSlices(
        text,
        (done, slices) => {
          if (id !== this.runId) return;
          this.status.textContent = `Checking… ${Math.round(done * 100)}%`;
          this.el.dataset.slices = String(slices);
        },
        () => id !== this.runId,
      );
    } catch (e) {
      if (id !== this.runId) return;
      this.runBtn.disabled = false;
      delete this.el.dataset.checking;
      this.status.textContent = `The checker stopped: ${errorText(e)}`;
      return;
    }
    if (!report || id !== this.runId) return;
    const drawn = withoutMalformed(traceCalls(text, MAX_DRAWN), report);
    const ms = performance.now() - started;
    this.show(report, drawn, source);
    this.runBtn.disabled = false;
    delete this.el.dataset.checking;
    this.el.dataset.checked = String(id);
    this.el.dataset.checkMs = String(Math.round(ms));
  }

  private show(report: CheckReport, drawn: ReturnType<typeof traceCalls>, source: string | undefined): void {
    const verdict =
      report.errors === 0 && report.warnings === 0
        ? "no errors or warnings"
        : [report.errors ? plural(report.errors, "error") : "", report.warnings ? plural(report.warnings, "warning") : ""].filter(Boolean).join(" and ");
    this.status.textContent = `${source ? `${source}: ` : ""}checked ${plural(report.lines, "line")}, ${plural(report.calls, "call")}: ${verdict}.`;
    const item = (label: string, value: number, cls = "") =>
      h("div", { class: `sum-item ${cls}` }, h("dt", null, label), h("dd", { "data-testid": `check-${label}` }, value.toLocaleString("en-US")));
    replace(
      this.summary,
      item("lines", report.lines),
      item("calls", report.calls),
      item("errors", report.errors, report.errors ? "sum-bad" : "sum-ok"),
      item("warnings", report.warnings, report.warnings ? "sum-warn" : "sum-ok"),
      report.omitted ? item("omitted", report.omitted) : null,
    );

    // Diagnostics, also as markers in the editor's gutter.
    this.diagnostics = report.diagnostics;
    this.input.setMarks(report.diagnostics.map((d) => ({ line: d.line, severity: d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "info", message: `${d.code}${d.rule ? ` ${d.rule}` : ""}${d.mistake ? ` ${d.mistake}` : ""}: ${d.message}` })));
    const listed = report.diagnostics.slice(0, MAX_LISTED);
    this.diagHeading.textContent = `Diagnostics (${report.diagnostics.length + report.omitted})`;
    const hidden = report.diagnostics.length - listed.length + report.omitted;
    this.diagNote.hidden = hidden === 0;
    this.diagNote.textContent = hidden ? `The first ${listed.length.toLocaleString("en-US")} are listed; ${plural(hidden, "more diagnostic")} ${hidden === 1 ? "is" : "are"} not shown${report.omitted ? " (the checker keeps the first 10,000)" : ""}.` : "";
    this.buttons = [];
    replace(
      this.diagList,
      listed.length ? listed.map((d, i) => this.diagItem(d, i)) : h("li", { class: "diag-none" }, "No diagnostics: every call in the trace follows the rules the checker knows."),
    );
    this.current = -1;

    // Calls.
    this.calls = drawn.calls;
    this.eventOfLine = new Map(drawn.calls.map((c, i) => [c.seq, i]));
    const codes = new Map<number, Set<string>>();
    for (const d of report.diagnostics) {
      const set = codes.get(d.line) ?? new Set<string>();
      if (d.rule) set.add(d.rule);
      if (d.mistake) set.add(d.mistake);
      if (!d.rule && !d.mistake) set.add(d.code);
      codes.set(d.line, set);
    }
    for (const c of drawn.calls) c.rules = [...(codes.get(c.seq) ?? [])];
    this.sequence.setLanes(drawn.lanes);
    this.sequence.reset(drawn.calls, 0);
    const scroller = this.sequence.el.querySelector(".seq-scroller");
    if (scroller) scroller.scrollTop = 0;
    const notes: string[] = [];
    if (drawn.total > drawn.calls.length) notes.push(`The diagram shows the first ${drawn.calls.length.toLocaleString("en-US")} of ${drawn.total.toLocaleString("en-US")} calls.`);
    else notes.push(`${plural(drawn.total, "call")}, one row per line (L = line number).`);
    if (drawn.skipped) notes.push(`${plural(drawn.skipped, "line")} that ${drawn.skipped === 1 ? "is" : "are"} not a call ${drawn.skipped === 1 ? "is" : "are"} not drawn.`);
    this.seqNote.textContent = notes.join(" ");
    this.selection.textContent = "";
    this.results.hidden = false;
    this.sequence.renderNow();
  }

  private diagItem(d: Diagnostic, i: number): HTMLLIElement {
    // Mistakes' titles start with "Mistake:"; the id already says so.
    const title = (id: string | undefined) => (id ? ruleInfo(id)?.title.replace(/^Mistake:\s*/, "") : undefined);
    const ruleTitle = title(d.rule);
    const mistakeTitle = title(d.mistake);
    const btn = h(
      "button",
      {
        type: "button",
        class: `diag diag-${d.severity}`,
        "aria-pressed": "false",
        "data-testid": `diag-${i}`,
        "data-index": i,
        onclick: () => this.choose(i, false),
      },
      h(
        "span",
        { class: "diag-head" },
        h("span", { class: `sev sev-${d.severity}`, "data-testid": "diag-severity" }, d.severity),
        h("span", { class: "diag-code", "data-testid": "diag-code" }, d.code),
        d.mistake ? h("span", { class: "diag-mistake", "data-testid": "diag-mistake" }, d.mistake) : null,
        h("span", { class: "diag-line", "data-testid": "diag-line" }, `line ${d.line}`),
      ),
      ruleTitle || mistakeTitle
        ? h(
            "span",
            { class: "diag-title" },
            ruleTitle ? `${d.rule}: ${ruleTitle}` : null,
            ruleTitle && mistakeTitle ? " · " : null,
            mistakeTitle ? `${d.mistake}: ${mistakeTitle}` : null,
          )
        : null,
      h("span", { class: "diag-msg", "data-testid": "diag-message" }, d.message),
      d.objects.length ? h("span", { class: "diag-objects", "data-testid": "diag-objects" }, `Objects: ${d.objects.join(", ")}`) : null,
      d.related.length ? h("span", { class: "diag-related" }, `Related lines: ${d.related.join(", ")}`) : null,
    );
    this.buttons.push(btn);
    const url = d.docUrl && /^https:\/\//.test(d.docUrl) ? d.docUrl : null;
    return h(
      "li",
      { "data-line": d.line },
      btn,
      url ? h("span", { class: "diag-doc" }, "Documentation: ", h("a", { href: url, target: "_blank", rel: "noopener noreferrer", "data-testid": "diag-doc" }, url)) : null,
    );
  }

  /** Selects diagnostic i: marks it and selects its line's call in the diagram. */
  private choose(i: number, focus: boolean): void {
    const d = this.diagnostics[i];
    const btn = this.buttons[i];
    if (!d || !btn) return;
    this.mark(i);
    this.markLine(d.line);
    if (focus) btn.focus();
    const ev = this.eventOfLine.get(d.line);
    if (ev !== undefined) {
      this.sequence.reveal(ev);
      this.selection.textContent = `Line ${d.line} is selected in the diagram.`;
    } else {
      this.sequence.setSelected(-1);
      this.selection.textContent = this.calls.length && d.line > this.calls[this.calls.length - 1]!.seq && this.calls.length >= MAX_DRAWN ? `Line ${d.line} is past the calls the diagram shows.` : `Line ${d.line} is not a call, so the diagram has no row for it.`;
    }
    this.el.dataset.selectedLine = String(d.line);
  }

  /** Marks line `line` (1-based) of the trace in the editor and scrolls it into the editor's view. */
  private markLine(line: number): void {
    this.input.markLine(line);
  }

  private mark(i: number): void {
    if (this.current >= 0) this.buttons[this.current]?.setAttribute("aria-pressed", "false");
    this.current = i;
    this.buttons[i]?.setAttribute("aria-pressed", "true");
  }

  /** A call chosen in the diagram: marks its first diagnostic, if any. */
  private callChosen(e: TraceCall | null): void {
    if (!e) {
      if (this.current >= 0) this.buttons[this.current]?.setAttribute("aria-pressed", "false");
      this.current = -1;
      this.selection.textContent = "";
      return;
    }
    this.el.dataset.selectedLine = String(e.seq);
    const i = this.diagnostics.findIndex((d, k) => k < this.buttons.length && d.line === e.seq);
    if (i >= 0) {
      this.mark(i);
      this.buttons[i]!.scrollIntoView({ block: "nearest" });
      this.selection.textContent = `Line ${e.seq} is selected; its diagnostic is marked in the list.`;
    } else {
      if (this.current >= 0) this.buttons[this.current]?.setAttribute("aria-pressed", "false");
      this.current = -1;
      this.selection.textContent = `Line ${e.seq} is selected; the checker found nothing on it.`;
    }
  }

  /** Up, Down, Home, End move between the diagnostics. */
  private onListKey(ev: KeyboardEvent): void {
    const t = ev.target;
    if (!(t instanceof HTMLButtonElement) || !this.buttons.length) return;
    const i = Number(t.dataset.index);
    let next = -1;
    if (ev.key === "ArrowDown") next = Math.min(this.buttons.length - 1, i + 1);
    else if (ev.key === "ArrowUp") next = Math.max(0, i - 1);
    else if (ev.key === "Home") next = 0;
    else if (ev.key === "End") next = this.buttons.length - 1;
    else return;
    ev.preventDefault();
    this.choose(next, true);
  }
}
