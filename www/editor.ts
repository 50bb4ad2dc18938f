// The situation editor: stores, transport providers with their sessions,
// the readings and the provider faults. It edits a draft; every change is
// offered to the host, which asks the engine whether the scenario is valid
// and rebuilds the simulation. The engine's error (with the path of the
// bad field) is shown next to the field.
import { readingFor, readingsOf, settingValue, type ReadingSetting } from "./readings";
import { h, replace, uid } from "./dom";
import type { MessageSpec, Scenario, SessionSpec, StoreFault, StoreSpec, SupportKind, TransportFault, TransportSpec } from "./engine";
import { newUid, type Uids } from "./doc";
import { ruleChip, type Tips } from "./tips";

export interface CommitError {
  message: string;
  path: string;
}

export interface EditorHost {
  tips: Tips;
  /** Offers a new situation; returns the engine's error, or null when it was taken. */
  commit(base: Scenario, uids: Uids): CommitError | null;
}

const STORE_FAULTS: [StoreFault, string][] = [
  ["skipStoreLogoffTransports", "M1"],
  ["storeLogoffTransportsTwice", "M2"],
  ["reuseFlagsVariable", "M3"],
  ["treatNoSupportAsFatal", "M4"],
  ["acceptCallsAfterComplete", "M5"],
];

const TRANSPORT_FAULTS: [TransportFault, string][] = [
  ["releaseSupportFirst", "M6"],
  ["leakMemory", "M7"],
  ["freeChildBlock", "M7"],
  ["freeAddressTypesEarly", "M8"],
  ["failTransportLogoff", "M9"],
  ["logoffNotIdempotent", "M10"],
  ["rejectReservedLogoffFlags", "M11"],
];

const SUPPORT_KINDS: SupportKind[] = ["messageStore", "transport", "addressBook", "configuration"];

/** Consecutive equal messages, edited as "count × type (steps)". */
interface Run {
  addressType: string;
  steps: number;
  count: number;
}

function runsOf(queue: readonly MessageSpec[]): Run[] {
  const runs: Run[] = [];
  for (const m of queue) {
    const steps = m.steps ?? 2;
    const last = runs[runs.length - 1];
    if (last && last.addressType === m.addressType && last.steps === steps) last.count += 1;
    else runs.push({ addressType: m.addressType, steps, count: 1 });
  }
  return runs;
}

function flatten(runs: readonly Run[]): MessageSpec[] {
  const out: MessageSpec[] = [];
  for (const r of runs) for (let i = 0; i < r.count; i++) out.push({ addressType: r.addressType, steps: r.steps });
  return out;
}

const MAX_RUN = 20000;

function num(input: HTMLInputElement): number {
  const v = input.value.trim();
  return v === "" ? Number.NaN : Number(v);
}

export class Editor {
  readonly el: HTMLElement;
  private draft: Scenario = { version: 1, stores: [], transports: [], actions: [] };
  private uids: Uids = { stores: [], transports: [], sessions: [] };
  private readonly errorBox: HTMLElement;
  private readonly body: HTMLElement;
  private readonly open = new Set<number>();
  private readonly host: EditorHost;

  constructor(host: EditorHost) {
    this.host = host;
    this.errorBox = h("div", { class: "editor-error", role: "alert", hidden: true });
    this.body = h("div", { class: "editor-body" });
    this.el = h("div", { class: "editor" }, this.errorBox, this.body);
  }

  /** Shows a situation (after a load, an undo, a preset). */
  show(base: Scenario, uids: Uids): void {
    this.draft = structuredClone(base);
    this.uids = structuredClone(uids);
    // A small situation is shown unfolded; a large one folded.
    const parts = [...uids.stores, ...uids.transports];
    if (parts.length <= 3 && !parts.some((id) => this.open.has(id))) for (const id of parts) this.open.add(id);
    this.setError(null);
    this.render();
  }

  private setError(err: CommitError | null): void {
    for (const el of this.el.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    if (!err) {
      this.errorBox.hidden = true;
      this.errorBox.replaceChildren();
      return;
    }
    this.errorBox.hidden = false;
    replace(this.errorBox, h("strong", null, "Not applied: "), err.message, h("div", { class: "muted" }, "The simulation keeps the last valid situation until this is fixed."));
    // The most specific field the engine's path names.
    let path = err.path;
    while (path) {
      const field = this.el.querySelector(`[data-path="${CSS.escape(path)}"]`);
      if (field) {
        field.setAttribute("aria-invalid", "true");
        break;
      }
      path = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
    }
  }

  /** Offers the draft to the host. `rerender` after structural changes. */
  private changed(rerender = false): void {
    if (rerender) this.render();
    const err = this.host.commit(structuredClone(this.draft), structuredClone(this.uids));
    this.setError(err);
  }

  private stores(): StoreSpec[] {
    return (this.draft.stores ??= []);
  }

  private transports(): TransportSpec[] {
    return (this.draft.transports ??= []);
  }

  private render(): void {
    // Re-rendering replaces every control: keep the keyboard where it was
    // (the same control, or the one now in its place when it was removed).
    const root = this.el.getRootNode() as Document | ShadowRoot;
    const active = root.activeElement;
    const focusables = () => [...this.body.querySelectorAll<HTMLElement>("button, input, select, textarea, summary")];
    let key: string | null = null;
    let index = -1;
    if (active instanceof HTMLElement && this.body.contains(active)) {
      key = focusKey(active);
      index = focusables().indexOf(active);
    }
    replace(this.body, this.renderScenario(), this.renderSettings(), this.renderStores(), this.renderTransports());
    if (key === null) return;
    const now = focusables();
    let same: HTMLElement | undefined;
    for (const [i, el] of now.entries()) if (focusKey(el) === key && (!same || Math.abs(i - index) < Math.abs(now.indexOf(same) - index))) same = el;
    (same ?? now[Math.min(index, now.length - 1)])?.focus();
  }

  private textField(label: string, path: string, value: string, set: (v: string) => void, opts: { placeholder?: string; multiline?: boolean; hint?: string } = {}): HTMLElement {
    const id = uid("f");
    const input = opts.multiline
      ? h("textarea", { id, rows: 3, "data-path": path, placeholder: opts.placeholder })
      : h("input", { id, type: "text", "data-path": path, placeholder: opts.placeholder, autocomplete: "off", spellcheck: "false" });
    input.value = value;
    input.addEventListener("change", () => {
      set(input.value);
      this.changed();
    });
    return h("div", { class: "field" }, h("label", { for: id }, label), input, opts.hint ? h("div", { class: "hint" }, opts.hint) : null);
  }

  private numberField(label: string, path: string, value: number, min: number, max: number, set: (v: number) => void): HTMLElement {
    const id = uid("f");
    const input = h("input", { id, type: "number", min, max, step: 1, "data-path": path, inputmode: "numeric" });
    input.value = String(value);
    input.addEventListener("change", () => {
      set(num(input));
      this.changed();
    });
    return h("div", { class: "field field-num" }, h("label", { for: id }, label), input);
  }

  private checkbox(label: string, path: string, checked: boolean, set: (v: boolean) => void, chip?: string): HTMLElement {
    const id = uid("c");
    const input = h("input", { id, type: "checkbox", "data-path": path, checked });
    input.addEventListener("change", () => {
      set(input.checked);
      this.changed();
    });
    return h("div", { class: "check" }, input, h("label", { for: id }, label), chip ? ruleChip(chip, this.host.tips) : null);
  }

  private button(label: string, onClick: () => void, cls = "small", ariaLabel?: string): HTMLButtonElement {
    return h("button", { type: "button", class: cls, onclick: onClick, "aria-label": ariaLabel }, label);
  }

  private section(title: string, ...children: (HTMLElement | null)[]): HTMLElement {
    return h("section", { class: "ed-section" }, h("h3", null, title), children);
  }

  private details(key: number, summary: string, ...children: (HTMLElement | null)[]): HTMLDetailsElement {
    const d = h("details", { class: "part", open: this.open.has(key) || undefined }, h("summary", null, summary), h("div", { class: "part-body" }, children));
    d.addEventListener("toggle", () => {
      if (d.open) this.open.add(key);
      else this.open.delete(key);
    });
    return d;
  }

  private renderScenario(): HTMLElement {
    return this.section(
      "Scenario",
      this.textField("Name", "name", this.draft.name ?? "", (v) => {
        if (v.trim()) this.draft.name = v;
        else delete this.draft.name;
      }),
      this.textField(
        "Description",
        "description",
        this.draft.description ?? "",
        (v) => {
          if (v.trim()) this.draft.description = v;
          else delete this.draft.description;
        },
        { multiline: true },
      ),
    );
  }

  private renderSettings(): HTMLElement {
    const settings = (this.draft.settings ??= {});
    return this.section(
      "Readings",
      this.readingChoice("LOGOFF_ABORT while busy (S4)", "abortReading", settings.abortReading, (v) => (settings.abortReading = settingValue("abortReading", v))),
      this.readingChoice("When StoreLogoffTransports runs (S13, S17)", "storeLogoffTransports", settings.storeLogoffTransports, (v) => (settings.storeLogoffTransports = settingValue("storeLogoffTransports", v))),
    );
  }

  /** One reading per radio: its label, the sentence saying what it does, and the page's words behind it. */
  private readingChoice(legend: string, setting: ReadingSetting, value: string | undefined, set: (v: string) => void): HTMLElement {
    const name = uid("r");
    const chosen = readingFor(setting, value);
    return h(
      "fieldset",
      { class: "radios readings", "data-testid": `reading-${setting}` },
      h("legend", null, legend),
      readingsOf(setting).map((r) => {
        const id = uid("o");
        const descId = uid("d");
        const input = h("input", { id, type: "radio", name, value: r.value, checked: r === chosen, "data-path": `settings.${setting}`, "aria-describedby": descId, "data-testid": `reading-${setting}-${r.value}` });
        input.addEventListener("change", () => {
          if (input.checked) {
            set(r.value);
            this.changed();
          }
        });
        return h(
          "div",
          { class: "check reading" },
          input,
          h("label", { for: id }, r.label, r.isDefault ? h("span", { class: "muted" }, " (default)") : null),
          h("div", { id: descId, class: "reading-text" }, h("span", { class: "reading-sentence" }, r.sentence), r.quote ? h("q", { class: "reading-quote" }, r.quote) : null),
        );
      }),
    );
  }

  private runsEditor(pathBase: string, runs: Run[], withType: boolean, apply: (runs: Run[]) => void, what: string): HTMLElement {
    const rows = runs.map((r, i) => {
      const countId = uid("n");
      const count = h("input", { id: countId, type: "number", min: 0, max: MAX_RUN, step: 1, "data-path": `${pathBase}[${i}]`, inputmode: "numeric" });
      count.value = String(r.count);
      count.addEventListener("change", () => {
        const n = num(count);
        r.count = Number.isFinite(n) ? Math.max(0, Math.min(MAX_RUN, Math.trunc(n))) : r.count;
        count.value = String(r.count);
        apply(runs.filter((x) => x.count > 0));
        this.changed(r.count === 0);
      });
      const typeId = uid("t");
      const type = h("input", { id: typeId, type: "text", class: "short", autocomplete: "off", spellcheck: "false", "data-path": `${pathBase}[${i}].addressType` });
      type.value = r.addressType;
      type.addEventListener("change", () => {
        r.addressType = type.value.trim();
        apply(runs);
        this.changed();
      });
      const stepsId = uid("s");
      const steps = h("input", { id: stepsId, type: "number", min: 1, max: 100, step: 1, "data-path": `${pathBase}[${i}].steps`, inputmode: "numeric" });
      steps.value = String(r.steps);
      steps.addEventListener("change", () => {
        r.steps = num(steps);
        apply(runs);
        this.changed();
      });
      return h(
        "div",
        { class: "run" },
        h("label", { for: countId, class: "sr-only" }, `Number of ${what}, group ${i + 1}`),
        count,
        h("span", { "aria-hidden": "true" }, "×"),
        withType ? [h("label", { for: typeId, class: "sr-only" }, `Address type, group ${i + 1}`), type] : null,
        h("label", { for: stepsId }, "steps"),
        steps,
        this.button("✕", () => {
          runs.splice(i, 1);
          apply(runs);
          this.changed(true);
        }, "small icon", `Remove ${what} group ${i + 1}`),
      );
    });
    return h("div", { class: "runs" }, rows.length ? rows : h("div", { class: "muted" }, `No ${what}.`));
  }

  private renderStores(): HTMLElement {
    const stores = this.stores();
    const list = stores.map((st, i) => {
      const key = this.uids.stores[i] ?? -1;
      const runs = runsOf(st.outboundQueue ?? []);
      const setQueue = (rs: Run[]) => {
        const q = flatten(rs);
        if (q.length) st.outboundQueue = q;
        else delete st.outboundQueue;
      };
      const faults = new Set(st.faults ?? []);
      const summaryBits = [st.defaultInbox ? "default Inbox" : "", st.sharedWithOtherProcess ? "other process" : "", `${(st.outboundQueue ?? []).length} queued`, faults.size ? `${faults.size} fault${faults.size > 1 ? "s" : ""}` : ""].filter(Boolean);
      return this.details(
        key,
        `Store ${i}: ${st.name} — ${summaryBits.join(", ")}`,
        this.textField("Name", `stores[${i}].name`, st.name, (v) => (st.name = v)),
        this.checkbox("Holds the profile's default Inbox", `stores[${i}].defaultInbox`, !!st.defaultInbox, (v) => (v ? (st.defaultInbox = true) : delete st.defaultInbox)),
        this.checkbox("Opened by another process of the profile", `stores[${i}].sharedWithOtherProcess`, !!st.sharedWithOtherProcess, (v) => (v ? (st.sharedWithOtherProcess = true) : delete st.sharedWithOtherProcess), "S8"),
        this.numberField("Client references", `stores[${i}].references`, st.references ?? 1, 1, 1000, (v) => (st.references = v)),
        this.textField("Store provider", `stores[${i}].provider`, st.provider ?? "", (v) => (v.trim() ? (st.provider = v) : delete st.provider), {
          placeholder: st.name,
          hint: "Stores naming the same provider share it.",
        }),
        (() => {
          const id = uid("k");
          const sel = h("select", { id, "data-path": `stores[${i}].supportKind` }, SUPPORT_KINDS.map((k) => h("option", { value: k, selected: (st.supportKind ?? "messageStore") === k }, k)));
          sel.addEventListener("change", () => {
            st.supportKind = sel.value as SupportKind;
            this.changed();
          });
          return h("div", { class: "field" }, h("label", { for: id }, "Support object MAPI gave the store (S11)"), sel);
        })(),
        h(
          "fieldset",
          { class: "sub" },
          h("legend", null, "Outbound queue"),
          this.runsEditor(`stores[${i}].outboundQueue`, runs, true, setQueue, "messages"),
          this.button("Add messages", () => {
            runs.push({ addressType: runs[runs.length - 1]?.addressType ?? this.firstAddressType(), steps: 2, count: 1 });
            setQueue(runs);
            this.changed(true);
          }),
        ),
        h(
          "fieldset",
          { class: "sub" },
          h("legend", null, "Provider faults"),
          STORE_FAULTS.map(([f, m]) =>
            this.checkbox(f, `stores[${i}].faults`, faults.has(f), (v) => {
              if (v) faults.add(f);
              else faults.delete(f);
              const list = STORE_FAULTS.map(([x]) => x).filter((x) => faults.has(x));
              if (list.length) st.faults = list;
              else delete st.faults;
            }, m),
          ),
        ),
        this.button(`Remove store ${st.name}`, () => {
          stores.splice(i, 1);
          this.uids.stores.splice(i, 1);
          this.changed(true);
        }, "small danger"),
      );
    });
    return this.section(
      "Message stores",
      h("div", { class: "parts" }, list.length ? list : h("p", { class: "muted" }, "No stores yet.")),
      this.button("Add store", () => this.addStore(), "small"),
    );
  }

  private firstAddressType(): string {
    for (const t of this.transports()) for (const s of t.sessions ?? []) if (s.addressTypes?.[0]) return s.addressTypes[0];
    return "SMTP";
  }

  private uniqueName(base: string, taken: string[]): string {
    if (!taken.includes(base)) return base;
    for (let i = 2; ; i++) if (!taken.includes(`${base} ${i}`)) return `${base} ${i}`;
  }

  private addStore(): void {
    const stores = this.stores();
    const name = this.uniqueName(stores.length ? "Store" : "Mailbox", stores.map((s) => s.name));
    const spec: StoreSpec = { name, references: 1 };
    if (!stores.some((s) => s.defaultInbox)) spec.defaultInbox = true;
    stores.push(spec);
    const id = newUid();
    this.uids.stores.push(id);
    this.open.add(id);
    this.changed(true);
    this.focusLast(`stores[${stores.length - 1}].name`);
  }

  private addTransport(): void {
    const ts = this.transports();
    const name = this.uniqueName(ts.length ? "Transport" : "Internet", ts.map((t) => t.name));
    ts.push({ name, sessions: [{ name: this.uniqueName("smtp", this.sessionNames()), addressTypes: ["SMTP"] }] });
    const id = newUid();
    this.uids.transports.push(id);
    this.uids.sessions.push([newUid()]);
    this.open.add(id);
    this.changed(true);
    this.focusLast(`transports[${ts.length - 1}].name`);
  }

  private sessionNames(): string[] {
    return this.transports().flatMap((t) => (t.sessions ?? []).map((s) => s.name));
  }

  private focusLast(path: string): void {
    const el = this.el.querySelector<HTMLElement>(`[data-path="${CSS.escape(path)}"]`);
    el?.focus();
  }

  private renderTransports(): HTMLElement {
    const ts = this.transports();
    const list = ts.map((t, ti) => {
      const key = this.uids.transports[ti] ?? -1;
      const faults = new Set(t.faults ?? []);
      const sessions = (t.sessions ??= []);
      const sessionEls = sessions.map((se, si) => this.renderSession(t, ti, se, si));
      return this.details(
        key,
        `Transport ${ti}: ${t.name} — ${sessions.length} session${sessions.length === 1 ? "" : "s"}${faults.size ? `, ${faults.size} fault${faults.size > 1 ? "s" : ""}` : ""}`,
        this.textField("Name", `transports[${ti}].name`, t.name, (v) => (t.name = v)),
        h(
          "fieldset",
          { class: "sub" },
          h("legend", null, "Provider faults"),
          TRANSPORT_FAULTS.map(([f, m]) =>
            this.checkbox(f, `transports[${ti}].faults`, faults.has(f), (v) => {
              if (v) faults.add(f);
              else faults.delete(f);
              const list = TRANSPORT_FAULTS.map(([x]) => x).filter((x) => faults.has(x));
              if (list.length) t.faults = list;
              else delete t.faults;
            }, m),
          ),
        ),
        h("div", { class: "sessions" }, sessionEls),
        this.button(`Add session to ${t.name}`, () => {
          sessions.push({ name: this.uniqueName("session", this.sessionNames()), addressTypes: [this.firstAddressType()] });
          (this.uids.sessions[ti] ??= []).push(newUid());
          this.changed(true);
          this.focusLast(`transports[${ti}].sessions[${sessions.length - 1}].name`);
        }),
        this.button(`Remove transport ${t.name}`, () => {
          ts.splice(ti, 1);
          this.uids.transports.splice(ti, 1);
          this.uids.sessions.splice(ti, 1);
          this.changed(true);
        }, "small danger"),
      );
    });
    return this.section(
      "Transport providers",
      h("div", { class: "parts" }, list.length ? list : h("p", { class: "muted" }, "No transport providers yet.")),
      this.button("Add transport provider", () => this.addTransport(), "small"),
    );
  }

  private renderSession(t: TransportSpec, ti: number, se: SessionSpec, si: number): HTMLElement {
    const p = `transports[${ti}].sessions[${si}]`;
    const inboundRuns: Run[] = runsOf((se.inbound ?? []).map((m) => ({ addressType: "", steps: m.steps ?? 2 })));
    const setInbound = (rs: Run[]) => {
      const list = flatten(rs).map((m) => ({ steps: m.steps ?? 2 }));
      if (list.length) se.inbound = list;
      else delete se.inbound;
    };
    return h(
      "fieldset",
      { class: "session" },
      h("legend", null, `Session ${se.name}`),
      this.textField("Name", `${p}.name`, se.name, (v) => (se.name = v)),
      this.textField("Address types", `${p}.addressTypes`, (se.addressTypes ?? []).join(", "), (v) => {
        se.addressTypes = v
          .split(/[,\s]+/)
          .map((x) => x.trim())
          .filter(Boolean);
      }, { hint: "Comma-separated, e.g. SMTP, X400" }),
      h(
        "div",
        { class: "row2" },
        this.numberField("Memory blocks", `${p}.memoryBlocks`, se.memoryBlocks ?? 0, 0, 64, (v) => (se.memoryBlocks = v)),
        this.numberField("Child blocks", `${p}.childBlocks`, se.childBlocks ?? 0, 0, 64, (v) => (se.childBlocks = v)),
      ),
      h(
        "fieldset",
        { class: "sub" },
        h("legend", null, "Inbound mail held by the transport"),
        this.runsEditor(`${p}.inbound`, inboundRuns, false, setInbound, "inbound messages"),
        this.button("Add inbound mail", () => {
          inboundRuns.push({ addressType: "", steps: 2, count: 1 });
          setInbound(inboundRuns);
          this.changed(true);
        }),
      ),
      this.button(`Remove session ${se.name}`, () => {
        (t.sessions ?? []).splice(si, 1);
        this.uids.sessions[ti]?.splice(si, 1);
        this.changed(true);
      }, "small danger"),
    );
  }
}

/** What identifies a control across re-renders: its field path, or its label. */
function focusKey(el: HTMLElement): string {
  return `${el.tagName}|${el.dataset.path ?? ""}|${el.getAttribute("aria-label") ?? ""}|${el.tagName === "BUTTON" || el.tagName === "SUMMARY" ? el.textContent : ""}`;
}
