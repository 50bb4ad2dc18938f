// The whole state as the engine reports it (sim.state()), with the
// invariant badges I1..I6 computed from its violations.
import { h, hex, idRanges, replace, type Child } from "./dom";
import { formatFlags, ruleInfo } from "./engine";
import type { StateView, Topology, Transfer, Violation } from "./engine";
import { violationItem } from "./result";
import { ruleContent, type Tips } from "./tips";

const INVARIANTS = ["I1", "I2", "I3", "I4", "I5", "I6"] as const;
const MAX_BLOCKS = 300;

function yesNo(b: boolean): string {
  return b ? "yes" : "no";
}

function th(text: string): HTMLTableCellElement {
  return h("th", { scope: "col" }, text);
}

function transfer(t: Transfer | null): string {
  return t ? `message ${t.message} (${t.remaining} step${t.remaining === 1 ? "" : "s"} left)` : "—";
}

function addressTypes(mask: number, topo: Topology): string {
  const names = topo.addressTypes.filter((_, i) => i < 32 && (mask >>> i) & 1);
  return names.length ? names.join(", ") : "—";
}

/** A cell of a state table: what it shows (its key) and how to build it. */
interface Cell {
  key: string;
  build(): HTMLElement;
}

/** A cell whose content is `parts` (text, then lines under it), with attributes. */
function cell(tag: "td" | "th", attrs: Record<string, string> | null, text: string, ...lines: (string | null)[]): Cell {
  const below = lines.filter((l): l is string => l !== null);
  return {
    key: JSON.stringify([tag, attrs, text, below]),
    build: () => h(tag, attrs, text, below.map((l) => h("div", { class: "muted" }, l))),
  };
}

/**
 * A table with one column per part and one row per field. A step changes a
 * few cells: `update` replaces only those, so that the browser restyles and
 * lays out a few cells, not the tables, on every step.
 */
class TransposedTable {
  readonly el: HTMLTableElement;
  private readonly head: HTMLTableRowElement;
  private readonly rows: HTMLTableRowElement[];
  /** Per column, its header and its cells, as drawn: [head, ...cells]. */
  private drawn: { key: string; el: HTMLElement }[][] = [];

  constructor(caption: string, testid: string, corner: string, fields: string[]) {
    this.head = h("tr", null, h("td", { class: "corner" }, corner));
    this.rows = fields.map((f) => h("tr", null, h("th", { scope: "row" }, f)));
    this.el = h("table", { class: "grid-table state-table", "data-testid": testid }, h("caption", null, caption), h("thead", null, this.head), h("tbody", null, this.rows));
  }

  update(cols: { head: Cell; cells: Cell[] }[]): void {
    cols.forEach((col, c) => {
      const drawn = (this.drawn[c] ??= []);
      [col.head, ...col.cells].forEach((cl, r) => {
        const old = drawn[r];
        if (old && old.key === cl.key) return;
        const el = cl.build();
        if (old) old.el.replaceWith(el);
        else (r === 0 ? this.head : this.rows[r - 1]!).append(el);
        drawn[r] = { key: cl.key, el };
      });
    });
    // Parts that are gone.
    for (const col of this.drawn.splice(cols.length)) for (const d of col) d.el.remove();
  }
}

export interface AfterEvent {
  seq: number;
  step: number;
  label: string;
}

export class StateViewPanel {
  readonly el: HTMLElement;
  readonly badges: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly body: HTMLElement;
  private readonly tips: Tips;
  private readonly backToCurrent: () => void;
  private readonly violationsBox: HTMLElement;
  private readonly stores = new TransposedTable("Message stores", "stores-table", "Store", ["Phase", "Client refs", "Spooler logon", "Saved flag", "Activity (S2)", "Outbound queue", "Inbox", "Sent", "Support released", "StoreLogoffTransports"]);
  private readonly sessions = new TransposedTable("Transport sessions (IXPLogon)", "sessions-table", "Session", ["Phase", "Status row (PR_STATUS_CODE)", "Address types", "Routing", "Sending", "Receiving", "Held mail", "Flushing", "Invalidated", "Support released", "Blocks allocated"]);
  private readonly storesWrap: HTMLElement;
  private readonly sessionsWrap: HTMLElement;
  private readonly noStores: HTMLElement = h("p", { class: "muted" }, "No message stores.");
  private readonly noSessions: HTMLElement = h("p", { class: "muted" }, "No transport sessions.");
  private readonly providersBox: HTMLElement = h("div", { class: "providers" });
  private readonly memorySummary: HTMLElement = h("summary", null, "");
  private readonly memoryBody: HTMLElement = h("div");
  private readonly memory: HTMLDetailsElement;
  private readonly smallPrint: HTMLElement = h("p", { class: "muted small-print" });
  /** What the parts that are redrawn whole showed last (they are redrawn only when it changes). */
  private violationsKey: string | null = null;
  private providersKey = "";
  private memoryKey = "";

  constructor(tips: Tips, backToCurrent: () => void) {
    this.tips = tips;
    this.backToCurrent = backToCurrent;
    this.badges = h("ul", { class: "badges", "aria-label": "Invariants", "data-testid": "invariants" });
    this.banner = h("div", { class: "after-banner", hidden: true, role: "status" });
    this.violationsBox = h("div", { class: "violations-now" });
    this.storesWrap = h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": "Message stores table" });
    this.sessionsWrap = h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": "Transport sessions table" });
    this.memory = h("details", { class: "memory" }, this.memorySummary, this.memoryBody);
    this.body = h("div", { class: "state-body", "data-testid": "state" }, this.violationsBox, this.storesWrap, this.sessionsWrap, this.providersBox, this.memory, this.smallPrint);
    this.el = h("div", { class: "stateview" }, this.banner, this.badges, this.body);
  }

  private renderBadges(violations: readonly Violation[]): void {
    replace(
      this.badges,
      INVARIANTS.map((id) => {
        const broken = violations.filter((v) => v.rule === id);
        const ok = broken.length === 0;
        const title = ruleInfo(id)?.title ?? id;
        const b = h(
          "button",
          {
            type: "button",
            class: `badge ${ok ? "badge-ok" : "badge-bad"}`,
            "data-testid": `badge-${id}`,
            "data-state": ok ? "ok" : "broken",
          },
          h("span", { "aria-hidden": "true" }, ok ? "✓ " : "✗ "),
          id,
          ok ? null : h("span", { class: "count" }, ` ${broken.length}`),
          h("span", { class: "sr-only" }, ok ? ` holds: ${title}` : ` broken ${broken.length === 1 ? "once" : `${broken.length} times`}: ${title}`),
        );
        const content = (): Child => [
          ruleContent(id),
          broken.length ? h("ul", { class: "tip-list" }, broken.map((v) => h("li", null, `${v.subject}: ${v.message}`))) : h("div", null, "Holds in this state."),
        ];
        this.tips.attach(b, content);
        b.addEventListener("click", () => this.tips.show(b, content()));
        return h("li", null, b);
      }),
    );
  }

  show(view: StateView, after: AfterEvent | null): void {
    if (after) {
      this.banner.hidden = false;
      replace(
        this.banner,
        `Showing the state after step ${after.step} (event #${after.seq}: ${after.label}). `,
        h("button", { type: "button", class: "small", onclick: () => this.backToCurrent(), "data-testid": "back-to-current" }, "Show the current state"),
      );
    } else {
      this.banner.hidden = true;
      this.banner.replaceChildren();
    }
    const viol = view.violations;
    const violationsKey = JSON.stringify(viol);
    if (violationsKey !== this.violationsKey) {
      this.violationsKey = violationsKey;
      this.renderBadges(viol);
      replace(
        this.violationsBox,
        h("h4", null, `Violations in this state (${viol.length})`),
        viol.length ? h("ul", { class: "violations", "data-testid": "violations" }, viol.map((v) => violationItem(v, this.tips))) : h("p", { class: "muted" }, "None: every invariant holds."),
      );
    }
    const topo = view.topology;
    const st = view.state;
    // One column per store, one row per field: fits a narrow column at any width (field names read in full).
    const storeCols = st.stores.map((s, i) => {
      const info = topo.stores[i];
      const tags = info
        ? [info.defaultInbox ? "default Inbox" : "", info.sharedWithOtherProcess ? "other process" : "", info.supportKind !== "messageStore" ? `${info.supportKind} support` : "", ...info.faults].filter(Boolean)
        : [];
      const name = info?.name ?? `store ${i}`;
      const act = view.storeActivity[i];
      const slt = s.storeLogoffTransports;
      const td = (field: string | null, text: string, mono = false) => cell("td", { ...(mono ? { class: "mono" } : {}), ...(field ? { "data-testid": `store-${i}-${field}` } : {}) }, text);
      return {
        head: {
          key: JSON.stringify([i, name, tags]),
          build: () => h("th", { scope: "col", "data-testid": `store-${i}` }, name, tags.length ? h("div", { class: "tags" }, tags.map((t) => h("span", { class: "tag" }, t))) : null),
        },
        cells: [
          td("phase", s.phase),
          td("refs", String(s.refs)),
          td("spooler", s.spooler),
          td("saved", s.savedFlag ?? "—", true),
          td("activity", act ? act.text : "—", true),
          td("queue", idRanges(s.queue), true),
          td("inbox", idRanges(s.inbox), true),
          td("sent", idRanges(s.sent), true),
          td("support", yesNo(s.supportReleased)),
          cell(
            "td",
            { class: "mono" },
            `${slt.completions} completed, ${slt.refusals} refused`,
            slt.completions + slt.refusals > 0 ? `flags ${formatFlags("storeLogoff", slt.flags)}` : null,
            slt.refusals > 0 ? `last refusal ${slt.lastRefusal.text}` : null,
          ),
        ],
      };
    });
    this.stores.update(storeCols);
    this.show1(this.storesWrap, storeCols.length ? this.stores.el : this.noStores);
    const blocksBySession = new Map<number, number>();
    for (const b of st.memory.blocks) if (!b.freed) blocksBySession.set(b.owner, (blocksBySession.get(b.owner) ?? 0) + 1);
    const sessionCols = st.sessions.map((s, i) => {
      const info = topo.sessions[i];
      const status = view.sessionStatus[i];
      const name = info?.name ?? `session ${i}`;
      const transport = info ? (topo.transports[info.transport]?.name ?? "") : null;
      const td = (field: string | null, text: string, mono = false, ...lines: string[]) => cell("td", { ...(mono ? { class: "mono" } : {}), ...(field ? { "data-testid": `session-${i}-${field}` } : {}) }, text, ...lines);
      return {
        head: cell("th", { scope: "col", "data-testid": `session-${i}` }, name, transport),
        cells: [
          td("phase", s.phase),
          status ? td("status", status.text, true, hex(status.value)) : td("status", "—", true),
          td(null, info ? addressTypes(info.addressTypes, topo) : "—", true),
          td(null, yesNo(s.routing)),
          td("sending", transfer(s.sending), true),
          td("receiving", transfer(s.receiving), true),
          td("held", idRanges(s.held), true),
          td(null, s.flushing ? formatFlags("flushQueues", s.flushing) : "—", true),
          td(null, yesNo(s.invalid)),
          td("support", yesNo(s.supportReleased)),
          td("blocks", String(blocksBySession.get(i) ?? 0)),
        ],
      };
    });
    this.sessions.update(sessionCols);
    this.show1(this.sessionsWrap, sessionCols.length ? this.sessions.el : this.noSessions);

    const providersKey = JSON.stringify([topo.storeProviders, st.storeProviders, topo.transports, st.transports]);
    if (providersKey !== this.providersKey) {
      this.providersKey = providersKey;
      replace(
        this.providersBox,
        h(
          "div",
          null,
          h("h4", null, "Store providers (IMSProvider)"),
          topo.storeProviders.length
            ? h("ul", { class: "plain" }, topo.storeProviders.map((name, i) => h("li", { "data-testid": `storeprovider-${i}` }, h("strong", null, name), ": ", st.storeProviders[i] ?? "?")))
            : h("p", { class: "muted" }, "None."),
        ),
        h(
          "div",
          null,
          h("h4", null, "Transport providers (IXPProvider)"),
          topo.transports.length
            ? h(
                "ul",
                { class: "plain" },
                topo.transports.map((t, i) =>
                  h("li", { "data-testid": `transport-${i}` }, h("strong", null, t.name), ": ", st.transports[i] ?? "?", t.faults.length ? h("span", { class: "tags" }, t.faults.map((f) => h("span", { class: "tag" }, f))) : null),
                ),
              )
            : h("p", { class: "muted" }, "None."),
        ),
      );
    }

    // The memory blocks: folded (the visitor's choice is kept); redrawn when they change.
    const blocks = st.memory.blocks;
    const memoryKey = JSON.stringify([blocks.length <= MAX_BLOCKS ? blocks : blocks.slice(0, MAX_BLOCKS), blocks.length, topo.sessions.map((x) => x.name)]);
    if (memoryKey !== this.memoryKey) {
      this.memoryKey = memoryKey;
      this.memorySummary.textContent = `Memory blocks (${blocks.length}, ${blocks.filter((b) => !b.freed).length} allocated)`;
      replace(
        this.memoryBody,
        blocks.length
          ? h(
              "table",
              { class: "grid-table", "data-testid": "blocks-table" },
              h("thead", null, h("tr", null, ["Block", "Owner", "Parent", "Kind", "Freed"].map(th))),
              h(
                "tbody",
                null,
                blocks.slice(0, MAX_BLOCKS).map((b, i) =>
                  h(
                    "tr",
                    null,
                    h("td", null, String(i)),
                    h("td", null, topo.sessions[b.owner]?.name ?? String(b.owner)),
                    h("td", null, b.parent === null ? "—" : String(b.parent)),
                    h("td", null, b.kind),
                    h("td", null, yesNo(b.freed)),
                  ),
                ),
              ),
            )
          : h("p", { class: "muted" }, "No blocks."),
        blocks.length > MAX_BLOCKS ? h("p", { class: "muted" }, `… and ${blocks.length - MAX_BLOCKS} more.`) : null,
      );
    }
    const small = `${st.messages.length} message${st.messages.length === 1 ? "" : "s"} in the scenario · state after step ${view.step}`;
    if (this.smallPrint.textContent !== small) this.smallPrint.textContent = small;
  }

  /** `wrap` shows `child` and nothing else (left alone when it already does). */
  private show1(wrap: HTMLElement, child: HTMLElement): void {
    if (wrap.firstChild !== child || wrap.childNodes.length !== 1) wrap.replaceChildren(child);
  }
}
