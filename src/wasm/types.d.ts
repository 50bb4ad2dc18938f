// Types of the values the mapi-logoff API takes and returns. They mirror
// the serde shapes of the Rust core exactly; tests/types_mirror.rs checks
// that every name the core can produce appears here.

/** A flag value or HRESULT as the core reports it: the number and how it reads. */
export interface ValueText {
  value: number;
  /** Names joined with " | ", undefined bits in hex, "0" for none. */
  text: string;
}

/** Flags as a caller passes them: a number, or text such as "LOGOFF_ORDERLY" or "0x2". */
export type FlagInput = number | string;

export type StoreLogoffFlagName = "LOGOFF_NO_WAIT" | "LOGOFF_ORDERLY" | "LOGOFF_PURGE" | "LOGOFF_ABORT" | "LOGOFF_QUIET";

/** Rule ids: S stores, T transports, I invariants, M provider mistakes. */
export type RuleId = "S1" | "S2" | "S3" | "S4" | "S5" | "S6" | "S7" | "S8" | "S9" | "S10" | "S11" | "S12" | "S13" | "S14" | "S15" | "S16" | "S17" | "T1" | "T2" | "T3" | "T4" | "T5" | "T6" | "T7" | "T8" | "T9" | "I1" | "I2" | "I3" | "I4" | "I5" | "I6" | "M1" | "M2" | "M3" | "M4" | "M5" | "M6" | "M7" | "M8" | "M9" | "M10" | "M11";

export type FlagSet = "storeLogoff" | "transportLogoff" | "deinit" | "flushQueues" | "transportNotify" | "spoolerNotify" | "status";

export type SupportKind = "messageStore" | "transport" | "addressBook" | "configuration";

export type StoreFault =
  | "skipStoreLogoffTransports"
  | "storeLogoffTransportsTwice"
  | "reuseFlagsVariable"
  | "treatNoSupportAsFatal"
  | "acceptCallsAfterComplete";

export type TransportFault =
  | "releaseSupportFirst"
  | "leakMemory"
  | "freeChildBlock"
  | "freeAddressTypesEarly"
  | "failTransportLogoff"
  | "logoffNotIdempotent"
  | "rejectReservedLogoffFlags"
  | "passReservedLogoffFlags";

/** S4, LOGOFF_ABORT: "stopThenRelease" (default) cancels and completes; "vetoWhileBusy" vetoes while busy. */
export type AbortReading = "stopThenRelease" | "vetoWhileBusy";
/** S13/S14/S17: "immediate" (default) calls StoreLogoffTransports from StoreLogoff; "atFinalRelease" defers it, as the SDK sample store does. */
export type StoreLogoffTransportsTiming = "immediate" | "atFinalRelease";

/** The readings chosen where the MAPI docs contradict themselves (see `readings()`). */
export interface Settings {
  /** S4. The names of protocol revision 1, "sampleStore" and "literal", still load. */
  abortReading?: AbortReading | "sampleStore" | "literal";
  /** S13/S17: when the store calls StoreLogoffTransports. */
  storeLogoffTransports?: StoreLogoffTransportsTiming;
  /** Messages the explorer may create with new-mail actions (total). */
  newMessageLimit?: number;
}

export interface MessageSpec {
  addressType: string;
  /** Steps a transport needs to carry it (1-100, default 2). */
  steps?: number;
}

export interface StoreSpec {
  name: string;
  defaultInbox?: boolean;
  /** Opened by another process of the same profile (S8). */
  sharedWithOtherProcess?: boolean;
  /** Client references at the start (1-1000, default 1). */
  references?: number;
  /** Store provider name; stores naming the same provider share it. */
  provider?: string;
  supportKind?: SupportKind;
  outboundQueue?: MessageSpec[];
  faults?: StoreFault[];
}

export interface SessionSpec {
  name: string;
  addressTypes?: string[];
  memoryBlocks?: number;
  childBlocks?: number;
  inbound?: { steps?: number }[];
}

export interface TransportSpec {
  name: string;
  sessions?: SessionSpec[];
  faults?: TransportFault[];
}

/** A versioned scenario document. */
export interface Scenario {
  version: 1;
  name?: string;
  description?: string;
  settings?: Settings;
  stores?: StoreSpec[];
  transports?: TransportSpec[];
  actions?: Action[];
}

/** Everything that can happen. Indexes refer to the scenario's lists; sessions are numbered across transports. */
export type Action =
  | { type: "openStore"; store: number }
  | { type: "addRef"; store: number }
  | { type: "release"; store: number }
  | { type: "storeLogoff"; store: number; flags: FlagInput }
  /** `addressType`: a name of `state().topology.addressTypes` ("SMTP", case-insensitive), or its index there. */
  | { type: "submitMessage"; store: number; addressType: string | number; steps?: number }
  | { type: "storeLogoffTransports"; store: number; flags: FlagInput; support?: SupportKind }
  | { type: "spoolerStep" }
  | { type: "runUntilIdle" }
  | { type: "beginSend"; session: number }
  | { type: "beginReceive"; session: number }
  | { type: "progress"; session: number; direction: "send" | "receive" }
  | { type: "finishStoreLogoff"; store: number }
  | { type: "endFlush"; session: number }
  | { type: "logoffSession"; session: number; flags?: FlagInput }
  | { type: "releaseSession"; session: number }
  | { type: "shutdownProvider"; transport: number; flags?: FlagInput }
  | { type: "flushQueues"; session: number; flags: FlagInput }
  | { type: "mailArrives"; session: number; steps?: number }
  | { type: "allocate"; session: number; parent?: number }
  | { type: "free"; session: number; block?: number | null };

export type ActionType = Action["type"];

export interface Violation {
  rule: RuleId;
  /** The provider mistake (M1-M11) this is a symptom of, when known. */
  mistake?: RuleId;
  subject: string;
  message: string;
}

/** A JSON value: what a field of the state holds. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One field an action changed: its path in `StateView.state` and its value before and after (null: absent). */
export interface Change {
  path: string;
  before: JsonValue;
  after: JsonValue;
}

/** What one action did. */
export interface Outcome {
  step: number;
  action: Action;
  hresult: ValueText;
  /** Out flags of StoreLogoff / StoreLogoffTransports, when written. */
  outFlags?: ValueText;
  rules: RuleId[];
  explanation: string;
  firstEvent: number;
  eventCount: number;
  /** The id of the block an `allocate` made; pass it to `free` or as a `parent`. */
  block?: number;
  changes: Change[];
  newViolations: Violation[];
}

export type PartyKind = "client" | "store" | "mapi" | "spooler" | "session" | "transport" | "storeProvider";

export interface Party {
  kind: PartyKind;
  index?: number;
  name: string;
}

export type MethodName =
  | "IMAPISession::OpenMsgStore"
  | "IMsgStore::AddRef"
  | "IMsgStore::Release"
  | "IMsgStore::StoreLogoff"
  | "IMessage::SubmitMessage"
  | "IMsgStore::NotifyNewMail"
  | "IMAPISupport::StoreLogoffTransports"
  | "IMAPISupport::SpoolerNotify"
  | "IMAPISupport::MakeInvalid"
  | "IMAPISupport::Release"
  | "IMSLogon::Logoff"
  | "IMSLogon::Release"
  | "IMSProvider::Shutdown"
  | "IMSProvider::Release"
  | "IXPLogon::TransportNotify"
  | "IXPLogon::TransportLogoff"
  | "IXPLogon::FlushQueues"
  | "IXPLogon::SubmitMessage"
  | "IXPLogon::EndMessage"
  | "IXPLogon::StartMessage"
  | "IXPLogon::Release"
  | "IXPProvider::Shutdown"
  | "IXPProvider::Release"
  | "MAPIAllocateBuffer"
  | "MAPIAllocateMore"
  | "MAPIFreeBuffer"
  | "Spooler::DiscardAddressTypes"
  | "Spooler::RequeueMessage"
  | "Spooler::ReleaseStoreLogon"
  | "MAPI::RemoveStatusRow";

export interface Arg {
  name: string;
  value: number;
  text: string;
}

/** One call (or internal step) in the trace. */
export interface TraceEvent {
  seq: number;
  step: number;
  depth: number;
  caller: Party;
  callee: Party;
  method: MethodName;
  args: Arg[];
  /** null for internal steps (methods named Spooler:: or MAPI::). */
  hresult: ValueText | null;
  outFlags?: ValueText;
  rules: RuleId[];
  note?: string;
}

export interface StoreInfo {
  name: string;
  defaultInbox: boolean;
  sharedWithOtherProcess: boolean;
  supportKind: SupportKind;
  provider: number;
  faults: StoreFault[];
}

export interface SessionInfo {
  name: string;
  transport: number;
  /** Bit mask over topology.addressTypes. */
  addressTypes: number;
}

export interface Topology {
  stores: StoreInfo[];
  storeProviders: string[];
  transports: { name: string; faults: TransportFault[] }[];
  sessions: SessionInfo[];
  addressTypes: string[];
}

export interface Transfer {
  message: number;
  remaining: number;
}

export interface StoreState {
  refs: number;
  phase: "open" | "invalidated" | "destroyed";
  savedFlag: StoreLogoffFlagName | null;
  storeLogoffTransports: { completions: number; refusals: number; flags: number; lastRefusal: ValueText };
  spooler: "serving" | "drainingNoWait" | "drainingOrderly" | "released";
  supportReleased: boolean;
  queue: number[];
  inbox: number[];
  sent: number[];
}

export interface SessionState {
  phase: "loggedOn" | "loggedOff" | "released";
  routing: boolean;
  inboundEnabled: boolean;
  outboundEnabled: boolean;
  flushing: number;
  sending: Transfer | null;
  receiving: Transfer | null;
  held: number[];
  invalid: boolean;
  supportReleased: boolean;
  addressTypesBlock: number;
}

export interface Message {
  origin: number | null;
  addressType: number;
  steps: number;
}

export interface Block {
  owner: number;
  parent: number | null;
  kind: "addressTypes" | "data";
  freed: boolean;
}

export interface State {
  stores: StoreState[];
  storeProviders: ("active" | "shutDown")[];
  transports: ("active" | "shutDown")[];
  sessions: SessionState[];
  messages: Message[];
  memory: { blocks: Block[] };
}

/** The state with what is derived from it. */
export interface StateView {
  step: number;
  topology: Topology;
  state: State;
  /** PR_STATUS_CODE of each session's status row. */
  sessionStatus: ValueText[];
  /** S2 activity bits of each store. */
  storeActivity: ValueText[];
  violations: Violation[];
}

export interface RunReport {
  state: State;
  trace: TraceEvent[];
  violations: Violation[];
}

export interface Situation {
  inbound: boolean;
  outbound: boolean;
  queued: boolean;
  shared: boolean;
}

export interface MatrixCell {
  flag: StoreLogoffFlagName;
  situation: Situation;
  hresult: ValueText;
  outFlags?: ValueText;
  rules: RuleId[];
  explanation: string;
  releasedAtReturn: boolean;
  scenario: Scenario;
}

export type ConstantName =
  | "LOGOFF_NO_WAIT"
  | "LOGOFF_ORDERLY"
  | "LOGOFF_PURGE"
  | "LOGOFF_ABORT"
  | "LOGOFF_QUIET"
  | "LOGOFF_COMPLETE"
  | "LOGOFF_INBOUND"
  | "LOGOFF_OUTBOUND"
  | "LOGOFF_OUTBOUND_QUEUE"
  | "LOGOFF_NORMAL"
  | "LOGOFF_HURRY"
  | "DEINIT_NORMAL"
  | "DEINIT_HURRY"
  | "FLUSH_UPLOAD"
  | "FLUSH_DOWNLOAD"
  | "FLUSH_FORCE"
  | "FLUSH_NO_UI"
  | "FLUSH_ASYNC_OK"
  | "NOTIFY_BEGIN_INBOUND"
  | "NOTIFY_BEGIN_OUTBOUND"
  | "NOTIFY_BEGIN_INBOUND_FLUSH"
  | "NOTIFY_BEGIN_OUTBOUND_FLUSH"
  | "NOTIFY_END_INBOUND"
  | "NOTIFY_END_OUTBOUND"
  | "NOTIFY_END_INBOUND_FLUSH"
  | "NOTIFY_END_OUTBOUND_FLUSH"
  | "NOTIFY_ABORT_DEFERRED"
  | "NOTIFY_CANCEL_MESSAGE"
  | "NOTIFY_NEWMAIL"
  | "NOTIFY_READYTOSEND"
  | "NOTIFY_SENTDEFERRED"
  | "NOTIFY_CRITSEC"
  | "NOTIFY_NONCRIT"
  | "NOTIFY_CONFIG_CHANGE"
  | "NOTIFY_CRITICAL_ERROR"
  | "NOTIFY_NEWMAIL_RECEIVED"
  | "STATUS_AVAILABLE"
  | "STATUS_OFFLINE"
  | "STATUS_FAILURE"
  | "STATUS_INBOUND_ENABLED"
  | "STATUS_INBOUND_ACTIVE"
  | "STATUS_INBOUND_FLUSH"
  | "STATUS_OUTBOUND_ENABLED"
  | "STATUS_OUTBOUND_ACTIVE"
  | "STATUS_OUTBOUND_FLUSH"
  | "S_OK"
  | "MAPI_W_CANCEL_MESSAGE"
  | "MAPI_E_CALL_FAILED"
  | "MAPI_E_INTERFACE_NOT_SUPPORTED"
  | "MAPI_E_NOT_ENOUGH_MEMORY"
  | "MAPI_E_INVALID_PARAMETER"
  | "MAPI_E_NO_ACCESS"
  | "MAPI_E_NO_SUPPORT"
  | "MAPI_E_BAD_CHARWIDTH"
  | "MAPI_E_UNKNOWN_FLAGS"
  | "MAPI_E_INVALID_OBJECT"
  | "MAPI_E_BUSY"
  | "MAPI_E_NOT_FOUND"
  | "MAPI_E_USER_CANCEL"
  | "MAPI_E_UNABLE_TO_ABORT"
  | "MAPI_E_END_OF_SESSION"
  | "MAPI_E_NOT_IN_QUEUE"
  | "MAPI_E_NOT_INITIALIZED";

/** Every flag and HRESULT name with its header value. */
export type Constants = { readonly [K in ConstantName]: number };

/**
 * Thrown for malformed input; protocol refusals are outcomes, never exceptions.
 * Also: "inputThrew" when the caller's own code (a getter, a Proxy trap, a
 * toJSON) threw while an input was read, with that exception as `cause`;
 * "freed" for a method called on an object after free(); "busy" for free()
 * called from inside one of the object's own calls. The module stays usable
 * after every one of them.
 */
export interface MapiLogoffError extends Error {
  name: "MapiLogoffError";
  code:
    | "invalidJson"
    | "invalidScenario"
    | "unsupportedVersion"
    | "invalidAction"
    | "notEnabled"
    | "invalidFlags"
    | "tooLarge"
    | "invalidArgument"
    | "inputThrew"
    | "freed"
    | "busy";
  /** The path of the offending field, e.g. "stores[2].name" or "actions[3].flags"; "" for the whole input. */
  path: string;
  /** For "inputThrew": what the caller's code threw. */
  cause?: unknown;
}
