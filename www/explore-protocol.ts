// The messages between the Explore tab (www/explore.ts) and its worker
// (www/explore.worker.ts). Types only: importing this file loads nothing.
import type { ExploreOptions, ExploreReport, Scenario } from "mapi-logoff/explore";

/** Main thread to worker. */
export type ToWorker =
  /** Explore `scenario` (from the state its actions lead to); a run in progress is cancelled first. */
  | { type: "start"; id: number; scenario: Scenario; options: ExploreOptions }
  /** Stop run `id` at its next pause; the worker then posts its final report with `cancelled: true`. */
  | { type: "cancel"; id: number };

/** Worker to main thread. */
export type FromWorker =
  /** The explorer's wasm module is instantiated. */
  | { type: "ready"; version: string }
  /** The wasm module could not be loaded: the worker cannot run anything. */
  | { type: "loadError"; message: string }
  /** Where run `id` is (posted about every 100 ms of exploring). */
  | { type: "progress"; id: number; report: ExploreReport; budget: number }
  /** Run `id` ended: done (`report.done`), or cancelled (`report.done` false, "so far" verdicts). */
  | { type: "final"; id: number; report: ExploreReport; cancelled: boolean }
  /** Run `id` did not start or stopped: the explorer's message, with the path of the bad input field when known. */
  | { type: "error"; id: number; message: string; path: string; code: string };
