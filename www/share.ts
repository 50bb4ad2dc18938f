// Share links: the whole scenario with its history and position, as JSON,
// compressed with deflate-raw and written in base64url after "#v1=".
// Decoding treats the fragment as hostile: bounded sizes, strict alphabet,
// and a message a person can act on for every way it can be wrong.
import type { Scenario } from "./engine";

export const FRAGMENT_VERSION = 1;
/** Longest fragment read (characters). Real links are a few KB. */
export const MAX_FRAGMENT = 2 * 1024 * 1024;
/** Largest decompressed document (bytes): the engine's own JSON limit. */
export const MAX_JSON = 16 * 1024 * 1024;

export interface Shared {
  scenario: Scenario;
  position: number;
}

export class ShareError extends Error {
  override name = "ShareError";
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    bin += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pump(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ShareError(`The link unpacks to more than ${Math.round(limit / 1024 / 1024)} MB, more than any scenario the engine reads.`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function transform(bytes: Uint8Array, t: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  const input = new Blob([bytes as BlobPart]).stream();
  return pump(input.pipeThrough(t as unknown as ReadableWritablePair<Uint8Array, Uint8Array>), limit);
}

/** `v1=...` (without "#") for a scenario and position. */
export async function encodeFragment(shared: Shared): Promise<string> {
  const json = JSON.stringify({ scenario: shared.scenario, position: shared.position });
  const packed = await transform(new TextEncoder().encode(json), new CompressionStream("deflate-raw"), Number.MAX_SAFE_INTEGER);
  return `v${FRAGMENT_VERSION}=${toBase64Url(packed)}`;
}

function sizeText(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} characters`;
}

/**
 * Reads a fragment (with or without "#"). Returns null for an empty one;
 * throws a ShareError with a readable message for anything malformed.
 */
export async function decodeFragment(fragment: string): Promise<Shared | null> {
  const text = fragment.startsWith("#") ? fragment.slice(1) : fragment;
  if (text === "") return null;
  if (text.length > MAX_FRAGMENT) {
    throw new ShareError(`This link is ${sizeText(text.length)} long; the playground reads links up to ${sizeText(MAX_FRAGMENT)}. It was not opened.`);
  }
  const m = /^v(\d{1,6})=/.exec(text);
  if (!m) {
    throw new ShareError("This link does not hold a playground scenario (its part after # should start with “v1=”).");
  }
  const version = Number(m[1]);
  if (version !== FRAGMENT_VERSION) {
    throw new ShareError(`This link was made by another version of the playground (format v${version}); this one reads v${FRAGMENT_VERSION} links.`);
  }
  const body = text.slice(m[0].length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) {
    throw new ShareError("This link is damaged: it contains characters a playground link never has (was it cut or edited?).");
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(body);
  } catch {
    throw new ShareError("This link is damaged: its data is not valid base64url.");
  }
  let json: Uint8Array;
  try {
    json = await transform(bytes, new DecompressionStream("deflate-raw"), MAX_JSON);
  } catch (e) {
    if (e instanceof ShareError) throw e;
    throw new ShareError("This link is damaged: its data does not unpack (was it cut short?).");
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(json));
  } catch {
    throw new ShareError("This link is damaged: it does not unpack to JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ShareError("This link does not hold a scenario.");
  }
  const o = value as Record<string, unknown>;
  const scenario = o.scenario;
  if (typeof scenario !== "object" || scenario === null || Array.isArray(scenario)) {
    throw new ShareError("This link does not hold a scenario.");
  }
  const actions = (scenario as { actions?: unknown }).actions;
  const count = Array.isArray(actions) ? actions.length : 0;
  const p = o.position;
  const position = typeof p === "number" && Number.isInteger(p) && p >= 0 ? Math.min(p, count) : count;
  return { scenario: scenario as Scenario, position };
}
