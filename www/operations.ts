// The operations: every call a client, a store provider, the spooler or
// MAPI can make, as forms. Each builds an Action and hands it to the host;
// what happens is the engine's business.
import { h, hex, uid } from "./dom";
import { actionLabel, constants, isSpoolerWork } from "./engine";
import type { Action, FlagInput, SupportKind, Topology } from "./engine";
import type { Tips } from "./tips";
import { ruleChip } from "./tips";

export interface OpsHost {
  tips: Tips;
  perform(action: Action): void;
  /** Shows a message when a form cannot build an action. */
  formError(message: string): void;
}

interface Chooser {
  el: HTMLElement;
  /** The chosen flags, or null (and a message shown) when the raw field is empty. */
  value(): FlagInput | null;
  choose(index: number): void;
}

/** Radio buttons for named flag values plus a raw field for anything else. */
function flagChooser(legend: string, options: { label: string; value: FlagInput; hex?: number }[], testid: string, rawHint: string): Chooser {
  const name = uid("flag");
  const radios: HTMLInputElement[] = [];
  const rawId = uid("raw");
  const raw = h("input", {
    id: rawId,
    type: "text",
    class: "raw",
    placeholder: rawHint,
    autocomplete: "off",
    spellcheck: "false",
    "data-testid": `${testid}-raw`,
  });
  const rawRadioId = uid("o");
  const rawRadio = h("input", { id: rawRadioId, type: "radio", name, value: "raw", "data-testid": `${testid}-raw-radio` });
  raw.addEventListener("input", () => {
    rawRadio.checked = true;
  });
  const items = options.map((o, i) => {
    const id = uid("o");
    const r = h("input", { id, type: "radio", name, value: String(i), checked: i === 0, "data-testid": `${testid}-${typeof o.value === "string" ? o.value : o.value}` });
    radios.push(r);
    return h("div", { class: "check" }, r, h("label", { for: id }, o.label, o.hex !== undefined ? h("span", { class: "hexnote" }, ` ${hex(o.hex)}`) : null));
  });
  const el = h(
    "fieldset",
    { class: "flags" },
    h("legend", null, legend),
    items,
    h("div", { class: "check raw-row" }, rawRadio, h("label", { for: rawRadioId }, "Raw value"), h("label", { for: rawId, class: "sr-only" }, `${legend}: raw value`), raw),
  );
  return {
    el,
    value() {
      if (rawRadio.checked) {
        const v = raw.value.trim();
        return v === "" ? null : v;
      }
      const i = radios.findIndex((r) => r.checked);
      return options[i < 0 ? 0 : i]!.value;
    },
    choose(index: number) {
      const r = radios[index];
      if (r) {
        r.checked = true;
        r.focus();
      }
    },
  };
}

function select(label: string, testid: string): { wrap: HTMLElement; sel: HTMLSelectElement } {
  const id = uid("s");
  const sel = h("select", { id, "data-testid": testid });
  return { wrap: h("div", { class: "field" }, h("label", { for: id }, label), sel), sel };
}

/** Replaces a select's options, keeping the selected index when it still exists. */
function setOptions(sel: HTMLSelectElement, labels: string[]): void {
  const keep = sel.selectedIndex;
  const same = sel.options.length === labels.length && labels.every((l, i) => sel.options[i]!.text === l);
  if (same) return;
  sel.replaceChildren(...labels.map((l, i) => h("option", { value: String(i) }, l)));
  sel.selectedIndex = keep >= 0 && keep < labels.length ? keep : labels.length ? 0 : -1;
  sel.disabled = labels.length === 0;
}

export class Operations {
  readonly el: HTMLElement;
  private readonly host: OpsHost;
  private readonly storeSel: HTMLSelectElement;
  private readonly sltStoreSel: HTMLSelectElement;
  private readonly supportSel: HTMLSelectElement;
  private readonly addrSel: HTMLSelectElement;
  private readonly sessionSel: HTMLSelectElement;
  private readonly transportSel: HTMLSelectElement;
  private readonly storeFlags: Chooser;
  private readonly sltFlags: Chooser;
  private readonly xpFlags: Chooser;
  private readonly deinitFlags: Chooser;
  private readonly flushBoxes: HTMLInputElement[] = [];
  private readonly submitSteps: HTMLInputElement;
  private readonly arriveSteps: HTMLInputElement;
  private readonly parentBlock: HTMLInputElement;
  private readonly freeBlock: HTMLInputElement;
  private readonly workList: HTMLElement;
  private workKey = "";
  private workTopo: Topology | null = null;
  private readonly storeGroup: HTMLElement;
  private readonly sessionGroup: HTMLElement;
  private readonly transportGroup: HTMLElement;
  private topo: Topology | null = null;

  constructor(host: OpsHost) {
    this.host = host;
    const c = constants();
    const tips = host.tips;
    const btn = (label: string, testid: string, make: () => Action | null, cls = "") =>
      h(
        "button",
        {
          type: "button",
          class: `op ${cls}`,
          "data-testid": testid,
          onclick: () => {
            const a = make();
            if (a) this.host.perform(a);
          },
        },
        label,
      );

    // ---- client -> store ----
    const st = select("Store", "op-store");
    this.storeSel = st.sel;
    const storeFlagNames = ["LOGOFF_NO_WAIT", "LOGOFF_ORDERLY", "LOGOFF_PURGE", "LOGOFF_ABORT", "LOGOFF_QUIET"] as const;
    this.storeFlags = flagChooser(
      "StoreLogoff ulFlags",
      storeFlagNames.map((n) => ({ label: n, value: n, hex: c[n] })),
      "storelogoff-flag",
      "e.g. 0x102 or LOGOFF_QUIET | LOGOFF_ABORT",
    );
    const store = () => this.storeIndex(this.storeSel);
    const addr = select("Address type", "op-addrtype");
    this.addrSel = addr.sel;
    this.submitSteps = h("input", { type: "number", min: 1, max: 100, value: 2, id: uid("n"), "data-testid": "op-submit-steps" });
    this.storeGroup = h(
      "section",
      { class: "ops-group", "aria-labelledby": "ops-client" },
      h("h3", { id: "ops-client" }, "Client → IMsgStore"),
      st.wrap,
      this.storeFlags.el,
      h(
        "div",
        { class: "buttons" },
        btn("StoreLogoff", "op-storelogoff", () => {
          const s = store();
          const f = this.storeFlags.value();
          if (s === null) return null;
          if (f === null) return this.fail("Type a raw ulFlags value first (for example 0x102).");
          return { type: "storeLogoff", store: s, flags: f };
        }, "primary"),
        btn("Release", "op-release", () => (store() === null ? null : { type: "release", store: store()! })),
        btn("AddRef", "op-addref", () => (store() === null ? null : { type: "addRef", store: store()! })),
        btn("OpenMsgStore", "op-openstore", () => (store() === null ? null : { type: "openStore", store: store()! })),
      ),
      h(
        "div",
        { class: "inline-form" },
        addr.wrap,
        h("div", { class: "field field-num" }, h("label", { for: this.submitSteps.id }, "Steps"), this.submitSteps),
        btn("Queue outbound mail (SubmitMessage)", "op-submit", () => {
          const s = store();
          if (s === null) return null;
          if (this.addrSel.selectedIndex < 0) return this.fail("No address type: give a session an address type first.");
          return { type: "submitMessage", store: s, addressType: this.addrSel.selectedIndex, steps: Number(this.submitSteps.value) };
        }),
      ),
    );

    // ---- store provider -> MAPI ----
    const sl = select("Store", "op-slt-store");
    this.sltStoreSel = sl.sel;
    this.sltFlags = flagChooser(
      "StoreLogoffTransports ulFlags",
      storeFlagNames.map((n) => ({ label: n, value: n, hex: c[n] })),
      "slt-flag",
      "e.g. LOGOFF_NO_WAIT | LOGOFF_COMPLETE",
    );
    const sup = select("Support object kind", "op-slt-support");
    this.supportSel = sup.sel;
    const kinds: SupportKind[] = ["messageStore", "transport", "addressBook", "configuration"];
    this.supportSel.replaceChildren(...kinds.map((k) => h("option", { value: k }, k)));
    const sltGroup = h(
      "section",
      { class: "ops-group", "aria-labelledby": "ops-provider" },
      h("h3", { id: "ops-provider" }, "Store provider → IMAPISupport ", ruleChip("S11", tips)),
      h("div", { class: "row2" }, sl.wrap, sup.wrap),
      this.sltFlags.el,
      h(
        "div",
        { class: "buttons" },
        btn("StoreLogoffTransports", "op-slt", () => {
          const s = this.storeIndex(this.sltStoreSel);
          const f = this.sltFlags.value();
          if (s === null) return null;
          if (f === null) return this.fail("Type a raw ulFlags value first.");
          return { type: "storeLogoffTransports", store: s, flags: f, support: this.supportSel.value as SupportKind };
        }),
      ),
    );

    // ---- spooler ----
    this.workList = h("div", { class: "buttons work", "data-testid": "spooler-work" });
    const spoolerGroup = h(
      "section",
      { class: "ops-group", "aria-labelledby": "ops-spooler" },
      h("h3", { id: "ops-spooler" }, "Spooler"),
      h(
        "div",
        { class: "buttons" },
        btn("Spooler step", "op-step", () => ({ type: "spoolerStep" })),
        btn("Run until idle", "op-idle", () => ({ type: "runUntilIdle" })),
      ),
      h("div", { class: "subhead", id: "ops-work" }, "Spooler work possible now"),
      this.workList,
    );

    // ---- sessions ----
    const se = select("Session", "op-session");
    this.sessionSel = se.sel;
    const session = () => this.sessionIndex();
    this.xpFlags = flagChooser(
      "TransportLogoff ulFlags",
      [
        { label: "0 (what the spooler passes)", value: 0 },
        { label: "LOGOFF_NORMAL", value: "LOGOFF_NORMAL", hex: c.LOGOFF_NORMAL },
        { label: "LOGOFF_HURRY", value: "LOGOFF_HURRY", hex: c.LOGOFF_HURRY },
      ],
      "xp-flag",
      "e.g. 0x4",
    );
    const flushNames = ["FLUSH_UPLOAD", "FLUSH_DOWNLOAD", "FLUSH_FORCE", "FLUSH_NO_UI", "FLUSH_ASYNC_OK"] as const;
    const flushSet = h(
      "fieldset",
      { class: "flags" },
      h("legend", null, "FlushQueues ulFlags"),
      flushNames.map((n, i) => {
        const id = uid("fl");
        const box = h("input", { id, type: "checkbox", value: n, checked: i === 0, "data-testid": `flush-${n}` });
        this.flushBoxes.push(box);
        return h("div", { class: "check" }, box, h("label", { for: id }, n, h("span", { class: "hexnote" }, ` ${hex(c[n])}`)));
      }),
    );
    this.arriveSteps = h("input", { type: "number", min: 1, max: 100, value: 2, id: uid("n"), "data-testid": "op-arrive-steps" });
    this.parentBlock = h("input", { type: "number", min: 0, id: uid("n"), placeholder: "none", "data-testid": "op-parent" });
    this.freeBlock = h("input", { type: "number", min: 0, id: uid("n"), placeholder: "NULL", "data-testid": "op-block" });
    const blockOf = (input: HTMLInputElement): number | null | undefined => {
      const v = input.value.trim();
      if (v === "") return null;
      const n = Number(v);
      return Number.isInteger(n) && n >= 0 ? n : undefined;
    };
    this.sessionGroup = h(
      "section",
      { class: "ops-group", "aria-labelledby": "ops-session" },
      h("h3", { id: "ops-session" }, "Spooler → IXPLogon (a session)"),
      se.wrap,
      h(
        "div",
        { class: "buttons" },
        btn("Begin send", "op-beginsend", () => (session() === null ? null : { type: "beginSend", session: session()! })),
        btn("Begin receive", "op-beginreceive", () => (session() === null ? null : { type: "beginReceive", session: session()! })),
      ),
      this.xpFlags.el,
      h(
        "div",
        { class: "buttons" },
        btn("LogoffSession (TransportLogoff)", "op-logoffsession", () => {
          const s = session();
          const f = this.xpFlags.value();
          if (s === null) return null;
          if (f === null) return this.fail("Type a raw ulFlags value first.");
          return { type: "logoffSession", session: s, flags: f };
        }, "primary"),
        btn("ReleaseSession (no TransportLogoff)", "op-releasesession", () => (session() === null ? null : { type: "releaseSession", session: session()! })),
      ),
      flushSet,
      h(
        "div",
        { class: "buttons" },
        btn("FlushQueues", "op-flush", () => {
          const s = session();
          if (s === null) return null;
          const names = this.flushBoxes.filter((b) => b.checked).map((b) => b.value);
          return { type: "flushQueues", session: s, flags: names.length ? names.join(" | ") : 0 };
        }),
      ),
      h(
        "div",
        { class: "inline-form" },
        h("div", { class: "field field-num" }, h("label", { for: this.arriveSteps.id }, "Steps"), this.arriveSteps),
        btn("Mail arrives", "op-mailarrives", () => (session() === null ? null : { type: "mailArrives", session: session()!, steps: Number(this.arriveSteps.value) })),
      ),
      h(
        "div",
        { class: "inline-form" },
        h("div", { class: "field field-num" }, h("label", { for: this.parentBlock.id }, "Parent block"), this.parentBlock),
        btn("Allocate", "op-allocate", () => {
          const s = session();
          if (s === null) return null;
          const p = blockOf(this.parentBlock);
          if (p === undefined) return this.fail("A parent block is a block number (0, 1, …) or empty.");
          return p === null ? { type: "allocate", session: s } : { type: "allocate", session: s, parent: p };
        }),
        h("div", { class: "field field-num" }, h("label", { for: this.freeBlock.id }, "Block"), this.freeBlock),
        btn("Free", "op-free", () => {
          const s = session();
          if (s === null) return null;
          const b = blockOf(this.freeBlock);
          if (b === undefined) return this.fail("A block is a block number (0, 1, …) or empty for NULL.");
          return { type: "free", session: s, block: b };
        }),
      ),
    );

    // ---- transport providers ----
    const tr = select("Transport provider", "op-transport");
    this.transportSel = tr.sel;
    this.deinitFlags = flagChooser(
      "IXPProvider::Shutdown ulFlags",
      [
        { label: "DEINIT_NORMAL", value: "DEINIT_NORMAL", hex: c.DEINIT_NORMAL },
        { label: "DEINIT_HURRY", value: "DEINIT_HURRY", hex: c.DEINIT_HURRY },
      ],
      "deinit-flag",
      "e.g. 0x0",
    );
    this.transportGroup = h(
      "section",
      { class: "ops-group", "aria-labelledby": "ops-transport" },
      h("h3", { id: "ops-transport" }, "MAPI → IXPProvider"),
      tr.wrap,
      this.deinitFlags.el,
      h(
        "div",
        { class: "buttons" },
        btn("ShutdownProvider", "op-shutdown", () => {
          const t = this.transportSel.selectedIndex;
          const f = this.deinitFlags.value();
          if (t < 0) return null;
          if (f === null) return this.fail("Type a raw ulFlags value first.");
          return { type: "shutdownProvider", transport: t, flags: f };
        }),
      ),
    );

    this.el = h("div", { class: "ops" }, this.storeGroup, sltGroup, spoolerGroup, this.sessionGroup, this.transportGroup);
  }

  private fail(message: string): null {
    this.host.formError(message);
    return null;
  }

  private storeIndex(sel: HTMLSelectElement): number | null {
    if (sel.selectedIndex < 0) {
      this.host.formError("There is no store: add one in the situation first.");
      return null;
    }
    return sel.selectedIndex;
  }

  private sessionIndex(): number | null {
    if (this.sessionSel.selectedIndex < 0) {
      this.host.formError("There is no session: add a transport provider with a session first.");
      return null;
    }
    return this.sessionSel.selectedIndex;
  }

  /** Chooses the n-th StoreLogoff flag (keyboard shortcuts 1-5). */
  chooseStoreFlag(n: number): void {
    this.storeFlags.choose(n);
  }

  /** Focuses the StoreLogoff button (shortcut). */
  storeLogoffButton(): HTMLButtonElement | null {
    return this.el.querySelector<HTMLButtonElement>('[data-testid="op-storelogoff"]');
  }

  /** Updates names from the topology and the list of possible spooler work. */
  update(topo: Topology, enabled: readonly Action[]): void {
    if (topo !== this.topo) {
      this.topo = topo;
      const stores = topo.stores.map((s, i) => `${i}: ${s.name}`);
      setOptions(this.storeSel, stores);
      setOptions(this.sltStoreSel, stores);
      setOptions(this.addrSel, topo.addressTypes);
      setOptions(
        this.sessionSel,
        topo.sessions.map((s, i) => `${i}: ${s.name} (${topo.transports[s.transport]?.name ?? "?"})`),
      );
      setOptions(this.transportSel, topo.transports.map((t, i) => `${i}: ${t.name}`));
      for (const b of this.el.querySelectorAll<HTMLButtonElement>("button.op")) {
        const group = b.closest(".ops-group");
        b.disabled =
          (group === this.storeGroup && topo.stores.length === 0) ||
          (group === this.sessionGroup && topo.sessions.length === 0) ||
          (group === this.transportGroup && topo.transports.length === 0) ||
          (b.dataset.testid === "op-slt" && topo.stores.length === 0);
      }
    }
    const work = enabled.filter(isSpoolerWork);
    // A spooler with nothing to do would only add a step that changes nothing.
    for (const id of ["op-step", "op-idle"]) {
      const b = this.el.querySelector<HTMLButtonElement>(`[data-testid="${id}"]`);
      if (b) {
        b.disabled = work.length === 0;
        b.title = work.length ? "" : "The spooler has nothing to do now.";
      }
    }
    // Redrawn only when the possible work changes (most steps leave it as it is).
    const workKey = JSON.stringify(work);
    if (workKey === this.workKey && topo === this.workTopo) return;
    this.workKey = workKey;
    this.workTopo = topo;
    this.workList.replaceChildren(
      ...(work.length
        ? work.map((a, i) =>
            h(
              "button",
              { type: "button", class: "op small", "data-testid": `work-${i}`, onclick: () => this.host.perform(a) },
              actionLabel(a, topo).replace(/^Spooler: /, ""),
            ),
          )
        : [h("span", { class: "muted" }, "None possible now.")]),
    );
  }
}
