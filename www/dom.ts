// Tiny DOM builders. Text always goes in through text nodes (never
// innerHTML), attributes through setAttribute, styles through the CSSOM
// (a `style` attribute would be blocked by the Content-Security-Policy).

export type Child = Node | string | number | null | undefined | false | Child[];

type Handler = (ev: any) => void;
export type Attrs = {
  [key: string]: string | number | boolean | null | undefined | Handler | Record<string, string>;
};

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
  } else if (typeof child === "string" || typeof child === "number") {
    parent.appendChild(document.createTextNode(String(child)));
  } else {
    parent.appendChild(child);
  }
}

function setAttrs(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    } else if (key === "style" && typeof value === "object") {
      const style = (el as HTMLElement | SVGElement).style;
      for (const [prop, v] of Object.entries(value)) style.setProperty(prop, v);
    } else if (key === "value" && "value" in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (key === "checked" && el instanceof HTMLInputElement) {
      el.checked = Boolean(value);
    } else if (key === "selected" && el instanceof HTMLOptionElement) {
      el.selected = Boolean(value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else if (typeof value !== "function" && typeof value !== "object") {
      el.setAttribute(key, String(value));
    }
  }
}

/** An HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes and children. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Replaces all children of `el`. */
export function replace(el: Element | ShadowRoot, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let idCounter = 0;
/** A document-unique id with a readable prefix. */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** `0x0004000B`-style hex of an unsigned 32-bit value. */
export function hex(n: number): string {
  return "0x" + (n >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

/** Message ids as compact ranges: [0,1,2,5] -> "0–2, 5". */
export function idRanges(ids: readonly number[], max = 12): string {
  if (ids.length === 0) return "—";
  const parts: string[] = [];
  let start = ids[0]!;
  let prev = start;
  const flush = () => parts.push(start === prev ? String(start) : prev === start + 1 ? `${start}, ${prev}` : `${start}–${prev}`);
  for (let i = 1; i < ids.length; i++) {
    const id = ids[i]!;
    if (id === prev + 1) {
      prev = id;
      continue;
    }
    flush();
    start = prev = id;
  }
  flush();
  const shown = parts.length > max ? [...parts.slice(0, max), `… (${parts.length - max} more runs)`] : parts;
  // The count only when ranges hide it.
  return shown.join(", ") + (ids.length > 2 && ids.length !== shown.length ? ` (${ids.length} messages)` : "");
}

/** Whether a keyboard event comes from a control that uses keys itself. */
export function isTyping(ev: KeyboardEvent): boolean {
  const t = ev.composedPath()[0];
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  if (t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  if (t instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(t.type);
  }
  return false;
}

/**
 * Makes `parent`'s children exactly `els`, in order, moving as little as it
 * can: elements already in place stay, the others are inserted or removed.
 */
export function reconcile(parent: Element, els: readonly Element[]): void {
  const keep = new Set<Element>(els);
  let node = parent.firstElementChild;
  for (const el of els) {
    while (node && node !== el && !keep.has(node)) {
      const gone = node;
      node = node.nextElementSibling;
      gone.remove();
    }
    if (node === el) node = node.nextElementSibling;
    else parent.insertBefore(el, node);
  }
  while (node) {
    const gone = node;
    node = node.nextElementSibling;
    gone.remove();
  }
}
