// The "Check a trace" editor: CodeMirror 6 with line numbers and its lint
// gutter, loaded with the tab (this module is only imported by check.ts).
//
// CSP: CodeMirror styles itself through style-mod, which writes a <style>
// element into a document (blocked by the page's `style-src 'self'`) but
// uses a constructed stylesheet (adoptedStyleSheets) inside a shadow root.
// So the editor lives in a shadow root of its own, and the page's CSP stays
// `style-src 'self'`: no 'unsafe-inline', and no nonce (a static page can
// only have a fixed nonce, which protects nothing).
import { EditorState, RangeSetBuilder, StateEffect, StateField } from "@codemirror/state";
import { Decoration, type DecorationSet, EditorView, drawSelection, highlightActiveLineGutter, keymap, lineNumbers, placeholder } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { lintGutter, setDiagnostics, type Diagnostic as CmDiagnostic } from "@codemirror/lint";

export interface TraceMark {
  line: number;
  severity: "error" | "warning" | "info";
  message: string;
}

export interface TraceEditorOptions {
  label: string;
  placeholder: string;
  testid: string;
  /** Ctrl+Enter (Cmd+Enter). */
  run(): void;
  /** A file dropped on the editor. */
  dropFile(file: File): void;
}

const setMarked = StateEffect.define<number | null>();

/** The line chosen from a diagnostic, highlighted whether or not the editor has focus. */
const markedLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setMarked)) continue;
      if (e.value === null || e.value > tr.state.doc.lines) return Decoration.none;
      const b = new RangeSetBuilder<Decoration>();
      b.add(tr.state.doc.line(e.value).from, tr.state.doc.line(e.value).from, Decoration.line({ class: "cm-marked-line" }));
      return b.finish();
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** The editor's look, in the playground's colours (custom properties cross the shadow boundary). */
const look = EditorView.theme({
  "&": {
    border: "1px solid var(--border, #c3cad4)",
    borderRadius: "6px",
    backgroundColor: "var(--bg, #fff)",
    color: "var(--text, #1a1f26)",
    font: '0.85rem/1.5 ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace',
    height: "16em",
  },
  "&.cm-focused": { outline: "3px solid var(--focus, #c2410c)", outlineOffset: "1px" },
  "&.drop-target": { outline: "3px dashed var(--accent, #0a58a8)" },
  ".cm-scroller": { fontFamily: "inherit" },
  ".cm-gutters": { backgroundColor: "var(--surface, #f4f6f9)", color: "var(--muted, #4a5361)", borderRight: "1px solid var(--border, #c3cad4)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--surface-2, #e9edf2)", color: "var(--text, #1a1f26)" },
  ".cm-marked-line": { backgroundColor: "var(--hl, #fff3bf)" },
  ".cm-placeholder": { color: "var(--muted, #4a5361)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text, #1a1f26)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground": { backgroundColor: "var(--sel, #cfe3ff)" },
  ".cm-tooltip": { backgroundColor: "var(--bg, #fff)", color: "var(--text, #1a1f26)", border: "1px solid var(--border, #c3cad4)" },
});

const SHEET = ":host { display: block; }";

let sheet: CSSStyleSheet | null = null;

export class TraceEditor {
  /** The host element; its `value` property is the text, as for a textarea. */
  readonly el: HTMLElement & { value: string };
  private readonly view: EditorView;

  constructor(opts: TraceEditorOptions) {
    const host = document.createElement("div") as unknown as HTMLElement & { value: string };
    host.className = "trace-editor";
    host.dataset.testid = `${opts.testid}-host`;
    const shadow = host.attachShadow({ mode: "open" });
    sheet ??= new CSSStyleSheet();
    sheet.replaceSync(SHEET);
    shadow.adoptedStyleSheets = [sheet];
    const parent = document.createElement("div");
    shadow.append(parent);
    const markDrop = (on: boolean) => this.view.dom.classList.toggle("drop-target", on);
    this.view = new EditorView({
      parent,
      root: shadow,
      state: EditorState.create({
        doc: "",
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          lintGutter(),
          history(),
          drawSelection(),
          markedLine,
          look,
          placeholder(opts.placeholder),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ tabindex: "0", "aria-label": opts.label, "data-testid": opts.testid, spellcheck: "false", autocorrect: "off", autocapitalize: "off" }),
          keymap.of([
            {
              key: "Mod-Enter",
              run: () => {
                opts.run();
                return true;
              },
            },
            ...defaultKeymap,
            ...historyKeymap,
          ]),
          EditorView.domEventHandlers({
            dragover: (ev) => {
              if (!ev.dataTransfer?.types.includes("Files")) return false;
              ev.preventDefault();
              ev.dataTransfer.dropEffect = "copy";
              markDrop(true);
              return true;
            },
            dragleave: () => {
              markDrop(false);
              return false;
            },
            drop: (ev) => {
              markDrop(false);
              const file = ev.dataTransfer?.files[0];
              if (!file) return false;
              ev.preventDefault();
              opts.dropFile(file);
              return true;
            },
          }),
        ],
      }),
    });
    Object.defineProperty(host, "value", {
      get: () => this.value,
      set: (v: string) => (this.value = v),
    });
    this.el = host;
  }

  get value(): string {
    return this.view.state.doc.toString();
  }

  set value(text: string) {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text }, effects: setMarked.of(null) });
    this.view.dispatch(setDiagnostics(this.view.state, []));
    delete this.el.dataset.markedLine;
  }

  focus(): void {
    this.view.focus();
  }

  /** The checker's diagnostics as gutter markers and underlines, one per line they name. */
  setMarks(marks: readonly TraceMark[]): void {
    const doc = this.view.state.doc;
    const list: CmDiagnostic[] = [];
    for (const m of marks) {
      if (m.line < 1 || m.line > doc.lines) continue;
      const line = doc.line(m.line);
      list.push({ from: line.from, to: line.to, severity: m.severity, message: m.message });
    }
    this.view.dispatch(setDiagnostics(this.view.state, list));
    this.el.dataset.marks = String(list.length);
  }

  /** Marks line `line` (1-based) and scrolls it into the editor's view, leaving the focus where it is. */
  markLine(line: number): void {
    const doc = this.view.state.doc;
    if (line < 1 || line > doc.lines) return;
    const at = doc.line(line);
    this.view.dispatch({ effects: [setMarked.of(line), EditorView.scrollIntoView(at.from, { y: "center" })] });
    this.el.dataset.markedLine = String(line);
  }

  destroy(): void {
    this.view.destroy();
  }
}
