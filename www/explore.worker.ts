// The Explore tab's worker: runs the explorer (mapi-logoff/explore, its
// own wasm module, instantiated here and never on the page's thread) in
// slices of `step(budget)` states, posts the progress after each slice and
// returns to its event loop in between, so that a cancel message is seen
// within one slice. The budget adapts so that a slice takes about 100 ms.
import init, { Explorer, isMapiLogoffError, version } from "mapi-logoff/explore";
import type { ExploreReport } from "mapi-logoff/explore";
import type { FromWorker, ToWorker } from "./explore-protocol";

/** What this file needs of DedicatedWorkerGlobalScope (www/ is type-checked with the DOM library). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: "message", listener: (ev: MessageEvent<ToWorker>) => void): void;
}
const scope = self as unknown as WorkerScope;

/** Milliseconds of exploring between two progress reports. */
const SLICE_MS = 100;
const MIN_BUDGET = 16;
const MAX_BUDGET = 4_000_000;

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

function post(message: FromWorker): void {
  scope.postMessage(message);
}

const ready: Promise<boolean> = init().then(
  () => {
    post({ type: "ready", version: version() });
    return true;
  },
  (e: unknown) => {
    post({ type: "loadError", message: messageOf(e) });
    return false;
  },
);

/** A pause that lets queued messages (a cancel) run first: a task posted behind them. */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
function pause(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

interface Job {
  id: number;
  cancelled: boolean;
}

let current: Job | null = null;
/** States in a run's first slice: small, since a state of one scenario may cost far more than one of another. */
const FIRST_BUDGET = 256;

/** The next budget after a slice of `budget` states took `ms`. */
function adapt(budget: number, ms: number): number {
  const factor = ms <= 0.5 ? 4 : Math.min(4, Math.max(0.25, SLICE_MS / ms));
  // Damped when shrinking: a slice that ran into a garbage collection does not halve the next one.
  const next = budget * (factor >= 1 ? factor : (1 + factor) / 2);
  return Math.round(Math.min(MAX_BUDGET, Math.max(MIN_BUDGET, next)));
}

async function run(start: Extract<ToWorker, { type: "start" }>): Promise<void> {
  const job: Job = { id: start.id, cancelled: false };
  current = job;
  if (!(await ready)) {
    if (current === job) current = null;
    post({ type: "error", id: job.id, message: "the explorer's WebAssembly module could not be loaded", path: "", code: "loadError" });
    return;
  }
  let explorer: Explorer;
  try {
    explorer = new Explorer(start.scenario, start.options);
  } catch (e) {
    if (current === job) current = null;
    post(isMapiLogoffError(e) ? { type: "error", id: job.id, message: e.message, path: e.path, code: e.code } : { type: "error", id: job.id, message: messageOf(e), path: "", code: "internal" });
    return;
  }
  let budget = FIRST_BUDGET;
  try {
    for (;;) {
      if (job.cancelled) {
        post({ type: "final", id: job.id, report: explorer.report(), cancelled: true });
        return;
      }
      const asked = budget;
      const t0 = performance.now();
      const report: ExploreReport = explorer.step(asked);
      const ms = performance.now() - t0;
      if (report.done) {
        post({ type: "final", id: job.id, report, cancelled: false });
        return;
      }
      post({ type: "progress", id: job.id, report, budget: asked });
      budget = adapt(asked, ms);
      await pause();
    }
  } catch (e) {
    post({ type: "error", id: job.id, message: `the explorer stopped: ${messageOf(e)}`, path: "", code: "internal" });
  } finally {
    try {
      explorer.free();
    } catch {
      /* after a trap the module is unusable anyway: the page starts a new worker */
    }
    if (current === job) current = null;
  }
}

scope.addEventListener("message", (ev) => {
  const m = ev.data;
  if (m.type === "start") {
    if (current) current.cancelled = true;
    void run(m);
  } else if (m.type === "cancel") {
    if (current && current.id === m.id) current.cancelled = true;
  }
});
