// Presets that teach: the project's reviewed golden scenarios
// (tests/scenarios, each with a description citing its rules) plus a few
// of the playground's own (www/presets). Each description is the
// one-paragraph explanation the page shows.
import type { Scenario } from "./engine";

const golden = import.meta.glob<Scenario>(["../tests/scenarios/*.json", "!../tests/scenarios/*.trace.json"], { eager: true, import: "default" });
const own = import.meta.glob<Scenario>("./presets/*.json", { eager: true, import: "default" });

export interface Preset {
  id: string;
  title: string;
  group: string;
  scenario: Scenario;
}

const LIST: [group: string, id: string, title: string][] = [
  ["Input flags", "no-wait-idle", "LOGOFF_NO_WAIT, idle store"],
  ["Input flags", "no-wait-busy", "LOGOFF_NO_WAIT, busy store"],
  ["Input flags", "orderly-idle", "LOGOFF_ORDERLY, idle store"],
  ["Input flags", "orderly-busy", "LOGOFF_ORDERLY, busy store"],
  ["Input flags", "purge-idle", "LOGOFF_PURGE, idle store"],
  ["Input flags", "purge-busy", "LOGOFF_PURGE, busy store"],
  ["Input flags", "abort-idle", "LOGOFF_ABORT, idle store"],
  ["Input flags", "abort-busy", "LOGOFF_ABORT, busy store"],
  ["Input flags", "abort-busy-literal", "LOGOFF_ABORT, busy store, veto-while-busy reading"],
  ["Input flags", "quiet-idle", "LOGOFF_QUIET, idle store"],
  ["Input flags", "quiet-busy", "LOGOFF_QUIET, busy store"],
  ["Sharing and release", "shared-store", "A store shared by two clients"],
  ["Sharing and release", "other-process-store", "A store another process has open"],
  ["Sharing and release", "release-without-store-logoff", "Release without StoreLogoff"],
  ["Sharing and release", "immediate-reading", "QUIET vetoed, then QUIET again once the mail is sent"],
  ["Transports", "transport-logoff-mid-send", "Transport logoff in the middle of a send"],
  ["Transports", "release-session-without-logoff", "Release a session without TransportLogoff"],
  ["Transports", "shutdown-with-open-sessions", "Provider shutdown with open sessions"],
  ["Provider faults", "fault-skip-store-logoff-transports", "M1 skipStoreLogoffTransports"],
  ["Provider faults", "fault-store-logoff-transports-twice", "M2 storeLogoffTransportsTwice"],
  ["Provider faults", "fault-reuse-flags-variable", "M3 reuseFlagsVariable"],
  ["Provider faults", "fault-treat-no-support-as-fatal", "M4 treatNoSupportAsFatal"],
  ["Provider faults", "fault-accept-calls-after-complete", "M5 acceptCallsAfterComplete"],
  ["Provider faults", "fault-release-support-first", "M6 releaseSupportFirst"],
  ["Provider faults", "fault-leak-memory", "M7 leakMemory"],
  ["Provider faults", "fault-free-child-block", "M7 freeChildBlock"],
  ["Provider faults", "fault-free-address-types-early", "M8 freeAddressTypesEarly"],
  ["Provider faults", "fault-fail-transport-logoff", "M9 failTransportLogoff"],
  ["Provider faults", "fault-logoff-not-idempotent", "M10 logoffNotIdempotent"],
  ["Provider faults", "fault-reject-reserved-logoff-flags", "M9 rejectReservedLogoffFlags (and the spooler's M11)"],
  ["Provider faults", "fault-pass-reserved-logoff-flags", "M11 passReservedLogoffFlags"],
  ["Load", "big-queue", "1,000 queued messages"],
];

function find(id: string): Scenario | undefined {
  return golden[`../tests/scenarios/${id}.json`] ?? own[`./presets/${id}.json`];
}

export const PRESETS: Preset[] = LIST.flatMap(([group, id, title]) => {
  const scenario = find(id);
  return scenario ? [{ id, title, group, scenario }] : [];
});

export const DEFAULT_PRESET = "quiet-busy";

export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
