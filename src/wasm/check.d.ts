// Types of the trace checker (src/wasm/check.rs).

export type Severity = "error" | "warning" | "info";

/** One finding of the trace checker. */
/** Who broke the rule: the client (or a provider acting as another's client), the store provider, MAPI or its spooler, the transport provider. */
export type ResponsibleParty = "client" | "storeProvider" | "mapi" | "transportProvider";

export interface Diagnostic {
  /** The rule (S1..T9, I1..I6); absent for lines that are not usable. */
  rule?: RuleId;
  /** The mistake (M1..M11) behind it, when one applies. */
  mistake?: RuleId;
  /** "error" for what a page says must happen, "warning" for should or typically, "info" for the model's own choices. */
  severity: Severity;
  /** Who broke the rule; absent for lines that are not usable. */
  party?: ResponsibleParty;
  /** "malformedLine", "notUnderstood", "notReturned", or the rule id. */
  code: string;
  /** 1-based line where the breach became certain (the return line of a call written on two lines). */
  line: number;
  related: number[];
  objects: string[];
  message: string;
  docUrl?: string;
}

export interface CheckReport {
  lines: number;
  calls: number;
  errors: number;
  warnings: number;
  /** Diagnostics past the first 10,000, counted but not kept. */
  omitted: number;
  diagnostics: Diagnostic[];
}
