// <mapi-logoff-playground>: the playground for documentation pages. One
// module script defines it:
//
//   <script type="module" src="element.js"></script>
//   <mapi-logoff-playground preset="quiet-busy" compact></mapi-logoff-playground>
//
// What it opens, the first that is given: `preset` (a preset id, shown at
// its end, or at `step`), `scenario` (a scenario's JSON, or a playground link or its
// fragment "#v1=…"), or a child <script type="application/json"> holding
// a scenario. `compact` shows only the result, the diagram and the
// operations the scenario uses. Without `theme` it follows
// prefers-color-scheme. `page` may name the full playground page (default:
// index.html next to this script). The element takes the height its host
// gives it and scrolls inside it; without one it is as tall as its content.
import css from "./styles.css?inline";
import { loadEngine, errorText } from "./engine";
import { Playground, type Theme } from "./app";
import { presetById } from "./presets";

let sheet: CSSStyleSheet | null = null;
function styles(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
  }
  return sheet;
}

const PAGE = "index.html";

function themeOf(v: string | null): Theme {
  return v === "light" || v === "dark" ? v : "auto";
}

export class MapiLogoffPlaygroundElement extends HTMLElement {
  static observedAttributes = ["scenario", "theme", "preset", "step", "compact"];
  private pg: Playground | null = null;
  private starting = false;

  connectedCallback(): void {
    if (this.pg || this.starting) return;
    this.starting = true;
    const root = this.shadowRoot ?? this.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [styles()];
    const loading = document.createElement("p");
    loading.className = "mlp-loading";
    loading.setAttribute("role", "status");
    loading.textContent = "Loading the MAPI logoff playground…";
    root.replaceChildren(loading);
    loadEngine().then(
      () => {
        root.replaceChildren();
        const page = this.getAttribute("page") ?? new URL(PAGE, import.meta.url).href;
        this.start(root, page);
        this.load();
        this.dataset.ready = "1";
        this.dispatchEvent(new Event("ready"));
      },
      (e: unknown) => {
        loading.textContent = `The MAPI logoff engine could not be loaded: ${errorText(e)}`;
        loading.setAttribute("role", "alert");
      },
    );
  }

  private start(root: ShadowRoot, page: string): void {
    this.pg?.destroy();
    root.replaceChildren();
    this.pg = new Playground(root, { embed: true, element: true, compact: this.hasAttribute("compact"), theme: themeOf(this.getAttribute("theme")), pageUrl: page, elementUrl: import.meta.url });
  }

  attributeChangedCallback(name: string, oldValue: string | null, value: string | null): void {
    if (!this.pg || oldValue === value) return;
    if (name === "theme") this.pg.applyTheme(themeOf(value));
    else if (name === "compact") {
      // Another layout: a new playground with the same attributes.
      if (this.shadowRoot) this.start(this.shadowRoot, this.getAttribute("page") ?? new URL(PAGE, import.meta.url).href);
      this.load();
    } else this.load();
  }

  /** The scenario in a child <script type="application/json">, if any. */
  private childScenario(): string | null {
    const script = this.querySelector(':scope > script[type="application/json"]');
    return script ? (script.textContent ?? "").trim() : null;
  }

  private load(): void {
    const pg = this.pg;
    if (!pg) return;
    const presetId = this.getAttribute("preset");
    if (presetId !== null) {
      if (!presetById(presetId.trim())) {
        pg.loadEmpty();
        pg.showBanner(`there is no preset "${presetId.slice(0, 60)}" (the preset attribute takes a preset id, such as quiet-busy).`);
      } else {
        const step = this.getAttribute("step");
        const n = step === null ? undefined : Number(step);
        if (n !== undefined && !(Number.isInteger(n) && n >= 0)) pg.showBanner(`step="${(step ?? "").slice(0, 20)}" is not a step number (0, 1, 2, …); the preset is shown at its end.`);
        pg.loadPreset(presetId.trim(), false, n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined);
      }
      pg.resetUndo();
      return;
    }
    const text = (this.getAttribute("scenario") ?? this.childScenario() ?? "").trim();
    if (text === "") {
      pg.loadEmpty();
    } else if (text.startsWith("{")) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        pg.showBanner(`the scenario attribute is not JSON (${errorText(e)}).`);
        pg.loadEmpty();
        pg.resetUndo();
        return;
      }
      if (!pg.loadScenario(value, undefined, null)) pg.loadEmpty();
    } else {
      const at = text.indexOf("#");
      void pg.openFragment(at >= 0 ? text.slice(at + 1) : text).then(() => pg.resetUndo());
      return;
    }
    pg.resetUndo();
  }
}

if (!customElements.get("mapi-logoff-playground")) {
  customElements.define("mapi-logoff-playground", MapiLogoffPlaygroundElement);
}
