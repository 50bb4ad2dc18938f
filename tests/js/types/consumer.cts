// A CommonJS TypeScript consumer (`require`, resolved through the exports
// map's node.require types, node/mapi_logoff.d.ts).
import mapi = require("mapi-logoff");

const orderly: 2 = mapi.LOGOFF_ORDERLY;
const sim: mapi.Simulation = new mapi.Simulation({ version: 1, stores: [{ name: "A" }] });
const outcome: mapi.Outcome = sim.apply({ type: "storeLogoff", store: 0, flags: mapi.LOGOFF_ORDERLY });
const report: mapi.RunReport = mapi.runScenario({ version: 1 });
try {
  sim.apply({ type: "addRef", store: 1 });
} catch (e) {
  if (mapi.isMapiLogoffError(e)) {
    const path: string = e.path;
    void path;
  }
}
// @ts-expect-error LOGOFF_ORDERLY is exactly 2
const notFour: 4 = mapi.LOGOFF_ORDERLY;
// @ts-expect-error a flag value is a number
mapi.formatStoreLogoffFlags("LOGOFF_ORDERLY");
void [orderly, outcome, report, notFour];
