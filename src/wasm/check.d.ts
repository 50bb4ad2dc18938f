// Types of the trace checker (src/wasm/check.rs).

export type Severity = "error" | "warning" | "info";

/** One finding of the trace checker. */
export interface Diagnostic {
  /** The rule (S1..T9, I1..I6); absent for lines that are not usable. */
  rule?: RuleId;
  /** The provider mistake (M1..M11) behind it, when one applies. */
  mistake?: RuleId;
  severity: Severity;
  /** "malformedLine", "notUnderstood", or the rule id. */
  code: string;
  /** 1-based line of the call that showed the problem. */
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
