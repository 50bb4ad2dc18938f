// Runs every golden scenario in the browser through the package's web build
// and publishes the results on window.__results for the test driver.
import init, * as mapi from "mapi-logoff";

async function run() {
  await init(); // fetches mapi_logoff_bg.wasm next to mapi_logoff.js
  const names = await (await fetch("/scenarios/index.json")).json();
  const golden = [];
  for (const name of names) {
    const [scenario, expected] = await Promise.all([
      fetch(`/scenarios/${name}.json`).then((r) => r.text()),
      fetch(`/scenarios/${name}.trace.json`).then((r) => r.text()),
    ]);
    golden.push({
      name,
      traceJson: new mapi.Simulation(scenario).traceJson() === expected,
      runScenario: JSON.stringify(mapi.runScenario(JSON.parse(scenario)).trace) === expected,
    });
  }
  let error = null;
  try {
    new mapi.Simulation({ version: 1, stores: [{ name: "A" }] }).apply({ type: "addRef", store: 7 });
  } catch (e) {
    error = { name: e.name, code: e.code, path: e.path, isError: e instanceof Error, guard: mapi.isMapiLogoffError(e) };
  }
  const outcome = new mapi.Simulation({ version: 1, stores: [{ name: "A" }] }).apply({ type: "storeLogoff", store: 0, flags: 0x100 });
  return {
    golden,
    error,
    refusal: outcome.hresult.value === mapi.MAPI_E_UNKNOWN_FLAGS,
    constants: Object.entries(mapi.constants()).every(([k, v]) => mapi[k] === v),
    version: mapi.version(),
  };
}

run().then(
  (results) => {
    window.__results = results;
    document.getElementById("out").textContent = JSON.stringify(results, null, 2);
  },
  (e) => {
    window.__results = { failed: String(e && e.stack ? e.stack : e) };
  },
);
