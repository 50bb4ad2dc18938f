// The result of the action at the current position: HRESULT, out flags,
// the engine's explanation with its rule ids, what changed and the new
// violations. Or why an action was not applied.
import { h, hex, idRanges, replace, type Child } from "./dom";
import { actionLabel } from "./engine";
import type { Outcome, Topology, Violation } from "./engine";
import type { Dropped } from "./doc";
import { ruleChip, ruleChips, withRuleChips, type Tips } from "./tips";

const MAX_CHANGES = 200;

/** "storeLogoffTransports" -> "StoreLogoffTransports" stays; "supportReleased" -> "support released". */
function words(key: string): string {
  if (/^[A-Z]/.test(key) || /^(storeLogoffTransports|savedFlag)$/.test(key)) return key === "savedFlag" ? "saved flag" : key.charAt(0).toUpperCase() + key.slice(1);
  return key.replace(/([a-z])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`);
}

/** An engine path (`sessions[0].sending`) in the words of the state tables (`session smtp · sending`). */
export function changeField(path: string, topo: Topology): string {
  const names: Record<string, (i: number) => string | undefined> = {
    stores: (i) => (topo.stores[i] ? `store ${topo.stores[i]!.name}` : undefined),
    sessions: (i) => (topo.sessions[i] ? `session ${topo.sessions[i]!.name}` : undefined),
    transports: (i) => (topo.transports[i] ? `transport ${topo.transports[i]!.name}` : undefined),
    storeProviders: (i) => (topo.storeProviders[i] !== undefined ? `store provider ${topo.storeProviders[i]}` : undefined),
    blocks: (i) => `block ${i}`,
    messages: (i) => `message ${i}`,
  };
  const parts: string[] = [];
  for (const seg of path.split(".")) {
    const m = /^(\w+)\[(\d+)\]$/.exec(seg);
    // A message list's item (an item added at its end): its position, from 0.
    if (m) parts.push(names[m[1]!]?.(Number(m[2])) ?? `${words(m[1]!)}, position ${m[2]}`);
    else if (seg !== "state" && seg !== "memory") parts.push(words(seg));
  }
  return parts.join(" · ") || path;
}

/** A value of the engine's change list as the state tables show it; a message in the scenario's names. */
export function changeValue(value: unknown, topo?: Topology): string {
  if (topo && isMessage(value)) {
    const type = topo.addressTypes[value.addressType] ?? `address type ${value.addressType}`;
    const from = value.origin === null ? "inbound" : `from ${topo.stores[value.origin]?.name ?? `store ${value.origin}`}`;
    return `${type}, ${from}, ${value.steps} step${value.steps === 1 ? "" : "s"}`;
  }
  return plain(value);
}

type Change = Outcome["changes"][number];

/** A row of the change table: its field (and engine path, as a title), before and after. */
interface ChangeRow {
  path: string;
  field: string;
  before: string;
  after: string;
}

/**
 * The rows of the change table. The engine reports each item added at the
 * end of a list as a change of its own (`stores[0].sent[7]`); a run of them
 * on one list (runUntilIdle sending a thousand messages) reads as one row,
 * "sent, positions 7–1006", with the ids as ranges.
 */
export function changeRows(changes: readonly Change[], topo: Topology): ChangeRow[] {
  const rows: ChangeRow[] = [];
  const appended = (c: Change | undefined, list: string, index: number) => c !== undefined && c.path === `${list}[${index}]` && c.before === null && typeof c.after === "number";
  for (let i = 0; i < changes.length; ) {
    const c = changes[i]!;
    const m = /^(.+)\[(\d+)\]$/.exec(c.path);
    if (m && appended(c, m[1]!, Number(m[2]))) {
      const first = Number(m[2]);
      let j = i + 1;
      while (appended(changes[j], m[1]!, first + (j - i))) j++;
      if (j - i > 1) {
        const last = first + (j - i - 1);
        const ids = changes.slice(i, j).map((x) => x.after as number);
        rows.push({ path: `${m[1]}[${first}..${last}]`, field: `${changeField(m[1]!, topo)}, positions ${first}–${last}`, before: "—", after: idRanges(ids) });
        i = j;
        continue;
      }
    }
    rows.push({ path: c.path, field: changeField(c.path, topo), before: changeValue(c.before, topo), after: changeValue(c.after, topo) });
    i++;
  }
  return rows;
}

function isMessage(v: unknown): v is { addressType: number; origin: number | null; steps: number } {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.addressType === "number" && (o.origin === null || typeof o.origin === "number") && typeof o.steps === "number";
}

function plain(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number" || typeof v === "string") return String(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return "—";
    if (v.every((x) => typeof x === "number" && Number.isInteger(x))) return idRanges(v as number[]);
    return v.map(plain).join(", ");
  }
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.message === "number" && typeof o.remaining === "number") return `message ${o.message}, ${o.remaining} step${o.remaining === 1 ? "" : "s"} left`;
    if (typeof o.text === "string" && typeof o.value === "number") return o.text;
    return Object.entries(o)
      .map(([k, x]) => `${words(k)} ${plain(x)}`)
      .join(", ");
  }
  return String(v);
}

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
  /** The sections last drawn for an outcome and what each showed (a section is redrawn only when that changes). */
  private drawn: { topo: Topology; keys: unknown[]; els: HTMLElement[] } | null = null;

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
      this.drawn = null;
      replace(
        this.body,
        h("p", { class: "muted" }, pos === 0 ? "No action yet: call an operation to see what it returns." : "The outcome of this step is not available."),
      );
      return;
    }
    const hr = outcome.hresult;
    const failed = (hr.value >>> 0) >= 0x80000000;
    const changes = outcome.changes;
    // Four sections, each with what it shows; consecutive steps often share some (the rules, no new violation).
    const sections: [unknown, () => HTMLElement][] = [
      [
        JSON.stringify([outcome.step, outcome.action]),
        () => h("div", { class: "result-head" }, h("span", { class: "step" }, `Step ${outcome.step}`), " ", h("span", { class: "mono", "data-testid": "result-action" }, actionLabel(outcome.action, topo))),
      ],
      [
        JSON.stringify([hr, outcome.outFlags, outcome.explanation, outcome.rules]),
        () =>
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
      ],
      [
        // Redrawn for each outcome, so that the table opens or folds by its size.
        outcome,
        () => {
          const rows = changeRows(changes, topo);
          return h(
            "details",
            { class: "changes", open: rows.length > 0 && rows.length <= 12 },
            h("summary", null, `What changed (${changes.length})`),
            changes.length
              ? h(
                  "table",
                  { class: "grid-table changes-table", "data-testid": "changes" },
                  h("thead", null, h("tr", null, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Before"), h("th", { scope: "col" }, "After"))),
                  h(
                    "tbody",
                    null,
                    rows.slice(0, MAX_CHANGES).map((r) => h("tr", null, h("th", { scope: "row", title: r.path }, r.field), h("td", null, r.before), h("td", null, r.after))),
                  ),
                )
              : h("p", { class: "muted" }, "Nothing in the protocol state changed."),
            rows.length > MAX_CHANGES ? h("p", { class: "muted" }, `… and ${rows.length - MAX_CHANGES} more rows.`) : null,
          );
        },
      ],
      [
        JSON.stringify(outcome.newViolations),
        () =>
          h(
            "div",
            { class: "new-violations" },
            h("h4", null, `New violations (${outcome.newViolations.length})`),
            outcome.newViolations.length
              ? h("ul", { class: "violations", "data-testid": "new-violations" }, outcome.newViolations.map((v) => violationItem(v, this.tips)))
              : h("p", { class: "muted" }, "None."),
          ),
      ],
    ];
    const d = this.drawn;
    if (!d || d.topo !== topo || d.els.some((el) => el.parentNode !== this.body)) {
      const els = sections.map(([, build]) => build());
      replace(this.body, els);
      this.drawn = { topo, keys: sections.map(([k]) => k), els };
      return;
    }
    sections.forEach(([key, build], i) => {
      if (d.keys[i] === key) return;
      const el = build();
      d.els[i]!.replaceWith(el);
      d.els[i] = el;
      d.keys[i] = key;
    });
  }
}
