// The readings: where the MAPI pages contradict each other, the engine
// follows one reading per setting. Each is shown with a label, one sentence
// and the sentence of the page that supports it, as the engine's table
// (src/readings.rs) says through the catalogue docs/rules.json; the table
// here only fills what the catalogue would lack.
import catalogue from "../docs/rules.json";
import type { Settings } from "./engine";

export type ReadingSetting = "abortReading" | "storeLogoffTransports";

export interface Reading {
  setting: ReadingSetting;
  /** The value the page writes into settings. */
  value: string;
  label: string;
  sentence: string;
  quote: string;
  source?: string;
  /** Other values that mean the same (older names, still accepted in links). */
  aliases: string[];
  isDefault: boolean;
}

interface EngineReading {
  setting: string;
  value: string;
  label?: string;
  sentence?: string;
  quote?: string;
  source?: string;
  aliases?: string[];
  isDefault?: boolean;
}

const LOCAL: Omit<Reading, "isDefault">[] = [
  {
    setting: "abortReading",
    value: "stopThenRelease",
    label: "Stop, then release",
    sentence: "ABORT cancels the store's transfers (nothing is lost), the spooler releases the store, COMPLETE.",
    quote: "Any transport provider activity for this store should be stopped before logoff. Control is returned to the client after the activity is stopped and the MAPI spooler has logged off the store.",
    aliases: ["sampleStore"],
  },
  {
    setting: "abortReading",
    value: "vetoWhileBusy",
    label: "Veto while busy",
    sentence: "ABORT with activity vetoes like QUIET and reports the activity.",
    quote: "If any transport activity is taking place, the logoff does not occur and no change in the MAPI spooler or transport provider behavior occurs.",
    aliases: ["literal"],
  },
  {
    setting: "storeLogoffTransports",
    value: "immediate",
    label: "From StoreLogoff (immediate)",
    sentence: "StoreLogoff calls StoreLogoffTransports at once and returns its answer.",
    quote: "StoreLogoffTransports is typically called from a store provider's IMsgStore::StoreLogoff method.",
    aliases: [],
  },
  {
    setting: "storeLogoffTransports",
    value: "atFinalRelease",
    label: "At the final Release (deferred)",
    sentence: "StoreLogoff saves the flag and returns COMPLETE; StoreLogoffTransports runs when the last reference is released, as the SDK sample store does.",
    quote: "However, it can also be called from the IUnknown::Release method of the message store.",
    aliases: [],
  },
];

let table: Reading[] | null = null;

/** The readings, from the catalogue (docs/rules.json, kept equal to the engine's table by tests/citations.rs). */
export function readings(): Reading[] {
  if (table) return table;
  table = (catalogue.readings as EngineReading[])
    .filter((r): r is EngineReading & { setting: ReadingSetting } => r.setting === "abortReading" || r.setting === "storeLogoffTransports")
    .map((r) => {
      const local = LOCAL.find((l) => l.setting === r.setting && (l.value === r.value || l.aliases.includes(r.value)));
      return {
        setting: r.setting,
        value: r.value,
        label: r.label ?? local?.label ?? r.value,
        sentence: r.sentence ?? local?.sentence ?? "",
        quote: r.quote ?? local?.quote ?? "",
        source: r.source,
        aliases: r.aliases ?? local?.aliases ?? [],
        isDefault: r.isDefault ?? false,
      };
    });
  return table;
}

export function readingsOf(setting: ReadingSetting): Reading[] {
  return readings().filter((r) => r.setting === setting);
}

/** The reading a settings value names (any of its names), or the default when it names none. */
export function readingFor(setting: ReadingSetting, value: string | undefined): Reading {
  const list = readingsOf(setting);
  const named = value === undefined ? undefined : list.find((r) => r.value === value || r.aliases.includes(value));
  return named ?? list.find((r) => r.isDefault) ?? list[0]!;
}

/** The value to write in settings for a reading (typed as the engine's settings field). */
export function settingValue<K extends ReadingSetting>(_setting: K, value: string): Settings[K] {
  return value as string as Settings[K];
}
