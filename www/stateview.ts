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

/** A table with one column per part and one row per field. */
function transposed(caption: string, testid: string, corner: string, fields: string[], cols: { head: HTMLElement; cells: HTMLElement[] }[]): HTMLTableElement {
  return h(
    "table",
    { class: "grid-table state-table", "data-testid": testid },
    h("caption", null, caption),
    h("thead", null, h("tr", null, h("td", { class: "corner" }, corner), cols.map((c) => c.head))),
    h(
      "tbody",
      null,
      fields.map((f, r) => h("tr", null, h("th", { scope: "row" }, f), cols.map((c) => c.cells[r]!))),
    ),
  );
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

  constructor(tips: Tips, backToCurrent: () => void) {
    this.tips = tips;
    this.backToCurrent = backToCurrent;
    this.badges = h("ul", { class: "badges", "aria-label": "Invariants", "data-testid": "invariants" });
    this.banner = h("div", { class: "after-banner", hidden: true, role: "status" });
    this.body = h("div", { class: "state-body", "data-testid": "state" });
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
    this.renderBadges(view.violations);
    const topo = view.topology;
    const st = view.state;
    // One column per store, one row per field: fits a narrow column at any width (field names read in full).
    const storeCols = st.stores.map((s, i) => {
      const info = topo.stores[i];
      const tags = info
        ? [info.defaultInbox ? "default Inbox" : "", info.sharedWithOtherProcess ? "other process" : "", info.supportKind !== "messageStore" ? `${info.supportKind} support` : "", ...info.faults].filter(Boolean)
        : [];
      const act = view.storeActivity[i];
      const slt = s.storeLogoffTransports;
      return {
        head: h("th", { scope: "col", "data-testid": `store-${i}` }, info?.name ?? `store ${i}`, tags.length ? h("div", { class: "tags" }, tags.map((t) => h("span", { class: "tag" }, t))) : null),
        cells: [
          h("td", { "data-testid": `store-${i}-phase` }, s.phase),
          h("td", { "data-testid": `store-${i}-refs` }, String(s.refs)),
          h("td", { "data-testid": `store-${i}-spooler` }, s.spooler),
          h("td", { class: "mono", "data-testid": `store-${i}-saved` }, s.savedFlag ?? "—"),
          h("td", { class: "mono", "data-testid": `store-${i}-activity` }, act ? act.text : "—"),
          h("td", { class: "mono", "data-testid": `store-${i}-queue` }, idRanges(s.queue)),
          h("td", { class: "mono", "data-testid": `store-${i}-inbox` }, idRanges(s.inbox)),
          h("td", { class: "mono", "data-testid": `store-${i}-sent` }, idRanges(s.sent)),
          h("td", { "data-testid": `store-${i}-support` }, yesNo(s.supportReleased)),
          h(
            "td",
            { class: "mono" },
            `${slt.completions} completed, ${slt.refusals} refused`,
            slt.completions + slt.refusals > 0 ? h("div", { class: "muted" }, `flags ${formatFlags("storeLogoff", slt.flags)}`) : null,
            slt.refusals > 0 ? h("div", { class: "muted" }, `last refusal ${slt.lastRefusal.text}`) : null,
          ),
        ],
      };
    });
    const stores = transposed("Message stores", "stores-table", "Store", ["Phase", "Client refs", "Spooler logon", "Saved flag", "Activity (S2)", "Outbound queue", "Inbox", "Sent", "Support released", "StoreLogoffTransports"], storeCols);
    const blocksBySession = new Map<number, number>();
    for (const b of st.memory.blocks) if (!b.freed) blocksBySession.set(b.owner, (blocksBySession.get(b.owner) ?? 0) + 1);
    const sessionCols = st.sessions.map((s, i) => {
      const info = topo.sessions[i];
      const status = view.sessionStatus[i];
      return {
        head: h("th", { scope: "col", "data-testid": `session-${i}` }, info?.name ?? `session ${i}`, info ? h("div", { class: "muted" }, topo.transports[info.transport]?.name ?? "") : null),
        cells: [
          h("td", { "data-testid": `session-${i}-phase` }, s.phase),
          h("td", { class: "mono", "data-testid": `session-${i}-status` }, status ? [status.text, h("div", { class: "muted" }, hex(status.value))] : "—"),
          h("td", { class: "mono" }, info ? addressTypes(info.addressTypes, topo) : "—"),
          h("td", null, yesNo(s.routing)),
          h("td", { class: "mono", "data-testid": `session-${i}-sending` }, transfer(s.sending)),
          h("td", { class: "mono", "data-testid": `session-${i}-receiving` }, transfer(s.receiving)),
          h("td", { class: "mono", "data-testid": `session-${i}-held` }, idRanges(s.held)),
          h("td", { class: "mono" }, s.flushing ? formatFlags("flushQueues", s.flushing) : "—"),
          h("td", null, yesNo(s.invalid)),
          h("td", { "data-testid": `session-${i}-support` }, yesNo(s.supportReleased)),
          h("td", { "data-testid": `session-${i}-blocks` }, String(blocksBySession.get(i) ?? 0)),
        ],
      };
    });
    const sessions = transposed("Transport sessions (IXPLogon)", "sessions-table", "Session", ["Phase", "Status row (PR_STATUS_CODE)", "Address types", "Routing", "Sending", "Receiving", "Held mail", "Flushing", "Invalidated", "Support released", "Blocks allocated"], sessionCols);
    const providers = h(
      "div",
      { class: "providers" },
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
    const blocks = st.memory.blocks;
    const memory = h(
      "details",
      { class: "memory" },
      h("summary", null, `Memory blocks (${blocks.length}, ${blocks.filter((b) => !b.freed).length} allocated)`),
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
    const viol = view.violations;
    replace(
      this.body,
      h(
        "div",
        { class: "violations-now" },
        h("h4", null, `Violations in this state (${viol.length})`),
        viol.length ? h("ul", { class: "violations", "data-testid": "violations" }, viol.map((v) => violationItem(v, this.tips))) : h("p", { class: "muted" }, "None: every invariant holds."),
      ),
      h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": "Message stores table" }, storeCols.length ? stores : h("p", { class: "muted" }, "No message stores.")),
      h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": "Transport sessions table" }, sessionCols.length ? sessions : h("p", { class: "muted" }, "No transport sessions.")),
      providers,
      memory,
      h("p", { class: "muted small-print" }, `${st.messages.length} message${st.messages.length === 1 ? "" : "s"} in the scenario · state after step ${view.step}`),
    );
  }
}
