// The result of the action at the current position: HRESULT, out flags,
// the engine's explanation with its rule ids, what changed and the new
// violations. Or why an action was not applied.
import { h, hex, replace, type Child } from "./dom";
import { actionLabel } from "./engine";
import type { Outcome, Topology, Violation } from "./engine";
import type { Dropped } from "./doc";
import { ruleChip, ruleChips, withRuleChips, type Tips } from "./tips";

const MAX_CHANGES = 200;

export function violationItem(v: Violation, tips: Tips): HTMLElement {
  return h(
    "li",
    { class: "violation" },
    ruleChip(v.rule, tips),
    v.mistake ? [" ", ruleChip(v.mistake, tips)] : null,
    " ",
    h("strong", null, v.subject),
    ": ",
    v.message,
  );
}

export class ResultView {
  readonly el: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly body: HTMLElement;
  private readonly tips: Tips;

  constructor(tips: Tips) {
    this.tips = tips;
    this.notice = h("div", { class: "notice", role: "alert", hidden: true, "data-testid": "notice" });
    this.body = h("div", { class: "result-body", "data-testid": "result" });
    this.el = h("div", { class: "result" }, this.notice, this.body);
  }

  /** A message about something that was not applied; null clears it. */
  setNotice(title: string | null, detail?: Child, dropped: readonly Dropped[] = []): void {
    if (title === null) {
      this.notice.hidden = true;
      this.notice.replaceChildren();
      return;
    }
    this.notice.hidden = false;
    replace(
      this.notice,
      h("strong", null, title),
      detail ? [" ", detail] : null,
      dropped.length
        ? h(
            "ul",
            { class: "dropped" },
            dropped.map((d) => h("li", null, h("span", { class: "mono" }, d.label), " — ", d.reason)),
          )
        : null,
      h("button", { type: "button", class: "small dismiss", onclick: () => this.setNotice(null), "aria-label": "Dismiss this message" }, "Dismiss"),
    );
  }

  show(outcome: Outcome | undefined, pos: number, topo: Topology): void {
    if (pos === 0 || !outcome) {
      replace(
        this.body,
        h("p", { class: "muted" }, pos === 0 ? "No action yet: call an operation to see what it returns." : "The outcome of this step is not available."),
      );
      return;
    }
    const hr = outcome.hresult;
    const failed = (hr.value >>> 0) >= 0x80000000;
    const changes = outcome.changes;
    replace(
      this.body,
      h("div", { class: "result-head" }, h("span", { class: "step" }, `Step ${outcome.step}`), " ", h("span", { class: "mono", "data-testid": "result-action" }, actionLabel(outcome.action, topo))),
      h(
        "dl",
        { class: "kv" },
        h("dt", null, "HRESULT"),
        h(
          "dd",
          null,
          h("span", { class: `hr ${failed ? "hr-fail" : "hr-ok"}`, "data-testid": "hresult-name" }, hr.text),
          " ",
          h("span", { class: "mono muted", "data-testid": "hresult-hex" }, hex(hr.value)),
        ),
        h("dt", null, "Out flags"),
        h(
          "dd",
          null,
          outcome.outFlags
            ? [
                h("span", { class: "mono", "data-testid": "outflags-names" }, outcome.outFlags.text),
                " ",
                h("span", { class: "mono muted", "data-testid": "outflags-hex" }, hex(outcome.outFlags.value)),
              ]
            : h("span", { class: "muted", "data-testid": "outflags-names" }, "not written"),
        ),
        h("dt", null, "Why"),
        h("dd", { "data-testid": "explanation" }, withRuleChips(outcome.explanation, this.tips)),
        h("dt", null, "Rules"),
        h("dd", null, outcome.rules.length ? ruleChips(outcome.rules, this.tips) : h("span", { class: "muted" }, "none cited")),
      ),
      h(
        "details",
        { class: "changes", open: changes.length > 0 && changes.length <= 12 },
        h("summary", null, `What changed (${changes.length})`),
        changes.length
          ? h(
              "table",
              { class: "grid-table", "data-testid": "changes" },
              h("thead", null, h("tr", null, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Before"), h("th", { scope: "col" }, "After"))),
              h(
                "tbody",
                null,
                changes.slice(0, MAX_CHANGES).map((c) => h("tr", null, h("td", { class: "mono" }, c.path), h("td", { class: "mono" }, c.before), h("td", { class: "mono" }, c.after))),
              ),
            )
          : h("p", { class: "muted" }, "Nothing in the protocol state changed."),
        changes.length > MAX_CHANGES ? h("p", { class: "muted" }, `… and ${changes.length - MAX_CHANGES} more.`) : null,
      ),
      h(
        "div",
        { class: "new-violations" },
        h("h4", null, `New violations (${outcome.newViolations.length})`),
        outcome.newViolations.length
          ? h("ul", { class: "violations", "data-testid": "new-violations" }, outcome.newViolations.map((v) => violationItem(v, this.tips)))
          : h("p", { class: "muted" }, "None."),
      ),
    );
  }
}
