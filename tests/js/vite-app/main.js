// A tiny app bundled by `vite build`: the package resolves through its
// exports map like any dependency, Vite emits the .wasm as an asset, and
// one golden trace (inlined with ?raw, copied in by the test) must match.
import init, { LOGOFF_ORDERLY, Simulation, isMapiLogoffError, runScenario } from "mapi-logoff";
import scenario from "./golden/scenario.json?raw";
import expected from "./golden/trace.json?raw";

async function run() {
  await init();
  let guard = false;
  try {
    runScenario("{");
  } catch (e) {
    guard = isMapiLogoffError(e) && e.name === "MapiLogoffError" && e.code === "invalidJson";
  }
  return {
    traceJson: new Simulation(scenario).traceJson() === expected,
    runScenario: JSON.stringify(runScenario(JSON.parse(scenario)).trace) === expected,
    orderly: LOGOFF_ORDERLY,
    guard,
  };
}

run().then(
  (result) => {
    window.__result = result;
    document.getElementById("out").textContent = JSON.stringify(result);
  },
  (e) => {
    window.__result = { failed: String(e && e.stack ? e.stack : e) };
  },
);
