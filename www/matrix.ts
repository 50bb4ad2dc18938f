// The outcome matrix: outcomeMatrix(settings), five input flags against
// sixteen situations, each cell computed by the engine; a cell opens its
// scenario in the playground.
import { readingFor, readingsOf, settingValue, type ReadingSetting } from "./readings";
import { h, hex, replace, uid } from "./dom";
import { outcomeMatrix } from "./engine";
import type { MatrixCell, Scenario, Settings, StoreLogoffFlagName } from "./engine";
import { ruleContent, type Tips } from "./tips";

export interface MatrixHost {
  tips: Tips;
  open(scenario: Scenario): void;
  settings(): Settings;
}

const FLAGS: StoreLogoffFlagName[] = ["LOGOFF_NO_WAIT", "LOGOFF_ORDERLY", "LOGOFF_PURGE", "LOGOFF_ABORT", "LOGOFF_QUIET"];

function short(text: string): string {
  return text.replace(/LOGOFF_/g, "").replace(/MAPI_E_/g, "E_");
}

export class MatrixView {
  readonly el: HTMLElement;
  private readonly host: MatrixHost;
  private readonly abortSel: HTMLSelectElement;
  private readonly sltSel: HTMLSelectElement;
  private readonly table: HTMLElement;
  private key = "";

  constructor(host: MatrixHost) {
    this.host = host;
    const a = uid("m");
    const b = uid("m");
    // The same labels as the situation's reading choices; the sentence is each option's title.
    const options = (setting: ReadingSetting) => readingsOf(setting).map((r) => h("option", { value: r.value, title: r.sentence }, r.label));
    this.abortSel = h("select", { id: a, "data-testid": "matrix-abort" }, options("abortReading"));
    this.sltSel = h("select", { id: b, "data-testid": "matrix-slt" }, options("storeLogoffTransports"));
    this.abortSel.addEventListener("change", () => this.render(true));
    this.sltSel.addEventListener("change", () => this.render(true));
    this.table = h("div", { class: "matrix-wrap", tabindex: 0, role: "region", "aria-label": "Outcome matrix table" });
    this.el = h(
      "div",
      { class: "matrix" },
      h(
        "p",
        { class: "lead" },
        "What StoreLogoffTransports answers for each input flag in each situation of the store: a receive into it in progress, a send of its mail in progress, mail queued, and another process of the profile having it open (S8). Every cell is computed by the engine under the readings chosen here; choose a cell to open that situation in the playground.",
      ),
      h(
        "div",
        { class: "row2 matrix-controls" },
        h("div", { class: "field" }, h("label", { for: a }, "LOGOFF_ABORT reading (S4)"), this.abortSel),
        h("div", { class: "field" }, h("label", { for: b }, "StoreLogoffTransports timing (S13, S17)"), this.sltSel),
      ),
      this.table,
      h(
        "p",
        { class: "muted legend" },
        h("span", { class: "cell-sample c-complete" }, "COMPLETE"),
        " returned · ",
        h("span", { class: "cell-sample c-veto" }, "no COMPLETE"),
        " activity reported instead · ",
        h("span", { class: "cell-sample c-error" }, "error"),
        " an error HRESULT · ",
        h("em", null, "held"),
        ": when the call returned the spooler still held its logon on the store (see the cell's explanation)",
      ),
    );
  }

  /** Renders for the given settings (from the playground unless chosen here). */
  show(): void {
    if (!this.key) this.syncSettings();
    this.render(false);
  }

  syncSettings(): void {
    const s = this.host.settings();
    this.abortSel.value = readingFor("abortReading", s.abortReading).value;
    this.sltSel.value = readingFor("storeLogoffTransports", s.storeLogoffTransports).value;
  }

  private render(force: boolean): void {
    const settings: Settings = {
      abortReading: settingValue("abortReading", this.abortSel.value),
      storeLogoffTransports: settingValue("storeLogoffTransports", this.sltSel.value),
    };
    const key = JSON.stringify(settings);
    if (key === this.key && !force) return;
    this.key = key;
    const cells = outcomeMatrix(settings);
    const byKey = new Map<string, MatrixCell>();
    const sitKey = (c: MatrixCell["situation"]) => `${+c.inbound}${+c.outbound}${+c.queued}${+c.shared}`;
    const situations: MatrixCell["situation"][] = [];
    for (const c of cells) {
      const k = sitKey(c.situation);
      if (!situations.some((s) => sitKey(s) === k)) situations.push(c.situation);
      byKey.set(`${c.flag}/${k}`, c);
    }
    const yes = (b: boolean, what: string) => h("td", { class: `sit ${b ? "on" : "off"}`, "aria-label": `${what}: ${b ? "yes" : "no"}` }, b ? "●" : "·");
    const table = h(
      "table",
      { class: "matrix-table", "data-testid": "matrix-table" },
      h("caption", null, "StoreLogoffTransports: HRESULT and out flags per input flag and situation"),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          h("th", { scope: "col" }, "Receiving"),
          h("th", { scope: "col" }, "Sending"),
          h("th", { scope: "col" }, "Queued"),
          h("th", { scope: "col" }, "Other process (S8)"),
          FLAGS.map((f) => h("th", { scope: "col", class: "flag-col" }, f)),
        ),
      ),
      h(
        "tbody",
        null,
        situations.map((sit, row) =>
          h(
            "tr",
            null,
            yes(sit.inbound, "Receiving"),
            yes(sit.outbound, "Sending"),
            yes(sit.queued, "Queued"),
            yes(sit.shared, "Other process"),
            FLAGS.map((f) => {
              const c = byKey.get(`${f}/${sitKey(sit)}`);
              if (!c) return h("td", null, "—");
              const fail = (c.hresult.value >>> 0) >= 0x80000000;
              const complete = !!c.outFlags && c.outFlags.text.includes("LOGOFF_COMPLETE");
              const cls = fail ? "c-error" : complete ? "c-complete" : "c-veto";
              const out = c.outFlags ? c.outFlags.text : "not written";
              const situationText = c.scenario.name ?? "";
              const btn = h(
                "button",
                {
                  type: "button",
                  class: `cell ${cls}`,
                  "data-testid": `cell-${f}-${row}`,
                  "data-summary": `${c.hresult.text}, out flags ${out}`,
                  onclick: () => this.host.open(c.scenario),
                },
                h("span", { class: "sr-only" }, `${situationText}: ${c.hresult.text}, out flags ${out}. Shown as: `),
                h("span", { class: "cell-line" }, h("span", { class: "cell-hr" }, short(c.hresult.text)), " ", h("span", { class: "cell-out" }, c.outFlags ? short(c.outFlags.text) : "—")),
                h(
                  "span",
                  { class: "cell-line" },
                  h("span", { class: "cell-hex" }, `${hex(c.hresult.value)}${c.outFlags ? ` · ${hex(c.outFlags.value)}` : ""}`),
                  !c.releasedAtReturn ? [" ", h("em", { class: "cell-later" }, "held")] : null,
                ),
                h("span", { class: "sr-only" }, !c.releasedAtReturn ? " (when the call returned the spooler still held its logon on the store). Opens in the playground." : ". Opens in the playground."),
              );
              const tip = () => [
                h("div", { class: "tip-title" }, h("strong", null, situationText)),
                h("div", null, "HRESULT: ", h("strong", null, c.hresult.text), " ", hex(c.hresult.value)),
                h("div", null, "Out flags: ", h("strong", null, out), c.outFlags ? ` ${hex(c.outFlags.value)}` : ""),
                h("div", null, c.explanation),
                h("div", { class: "muted" }, c.releasedAtReturn ? "The spooler had released the store when the call returned." : "The spooler had not released the store when the call returned."),
                c.rules.map((r) => h("div", null, ruleContent(r))),
              ];
              this.host.tips.attach(btn, tip);
              return h("td", null, btn);
            }),
          ),
        ),
      ),
    );
    replace(this.table, table);
  }
}
