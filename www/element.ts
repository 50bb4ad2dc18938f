// <mapi-logoff-playground scenario="…" theme="light|dark">: the playground
// in compact form for documentation pages. One module script defines it:
//
//   <script type="module" src="element.js"></script>
//   <mapi-logoff-playground scenario='{"version":1,...}'></mapi-logoff-playground>
//
// `scenario` is a scenario's JSON, or a playground link or its fragment
// ("#v1=…"). Without `theme` it follows prefers-color-scheme. `page` may
// name the full playground page (default: index.html next to this script).
import css from "./styles.css?inline";
import { loadEngine, errorText } from "./engine";
import { Playground, type Theme } from "./app";

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
  static observedAttributes = ["scenario", "theme"];
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
        this.pg = new Playground(root, { embed: true, element: true, theme: themeOf(this.getAttribute("theme")), pageUrl: page });
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

  attributeChangedCallback(name: string, oldValue: string | null, value: string | null): void {
    if (!this.pg || oldValue === value) return;
    if (name === "theme") this.pg.applyTheme(themeOf(value));
    else this.load();
  }

  private load(): void {
    const pg = this.pg;
    if (!pg) return;
    const text = (this.getAttribute("scenario") ?? "").trim();
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
