// Types of the trace checker (mapi-logoff/check).
// Generated from the Rust types by tests/typescript.rs: do not edit.
// After changing a type: UPDATE_TYPES=1 cargo test --test typescript

export type CheckReport = {
  lines: number;
  calls: number;
  errors: number;
  warnings: number;
  /** Diagnostics past `MAX_DIAGNOSTICS`, counted but not kept. */
  omitted: number;
  diagnostics: Diagnostic[];
};

/** One finding. */
export type Diagnostic = {
  /** The rule (S1..T9, I1..I6); absent for lines that are not usable. */
  rule?: RuleId;
  /** The mistake (M1..M11) behind it, when one applies. */
  mistake?: RuleId;
  severity: Severity;
  /** Who broke the rule; absent for lines that are not usable. */
  party?: ResponsibleParty;
  /** `malformedLine`, `notUnderstood`, or the rule id. */
  code: string;
  /** 1-based line where the breach became certain. */
  line: number;
  /** Other lines involved (the call that started what went wrong). */
  related: number[];
  objects: string[];
  message: string;
  /** The documentation page the rule cites, when a page says it. */
  docUrl?: string;
};

export type Severity = "error" | "warning" | "info";

/** Who broke the rule. */
export type ResponsibleParty = "client" | "storeProvider" | "mapi" | "transportProvider";
