// Types of the values the mapi-logoff API takes and returns, in every module of the package.
// Generated from the Rust types by tests/typescript.rs: do not edit.
// After changing a type: UPDATE_TYPES=1 cargo test --test typescript

/** A versioned scenario document. */
export type Scenario = {
  /** The format's version: 1. */
  version: 1;
  name?: string;
  description?: string;
  settings?: Settings;
  stores?: StoreSpec[];
  transports?: TransportSpec[];
  actions?: Action[];
};

/**
 * The readings chosen where the MAPI docs contradict themselves (see
 * `readings()`), and the explorer's message budget.
 */
export type Settings = {
  /** S4. The names of protocol revision 1, "sampleStore" and "literal", still load. */
  abortReading?: AbortReading | "sampleStore" | "literal";
  /** S13/S17: when the store calls StoreLogoffTransports. */
  storeLogoffTransports?: StoreLogoffTransportsTiming;
  /**
   * How many messages the explorer may create with new-mail actions
   * (client submissions and arrivals), counted over all messages.
   */
  newMessageLimit?: number;
};

/**
 * LOGOFF_ABORT: the page says both "should be stopped before logoff.
 * Control is returned to the client after the activity is stopped and
 * the MAPI spooler has logged off the store" and "if any transport
 * activity is taking place, the logoff does not occur" (S4). Each
 * reading is named by what it does; no public sample shows which one
 * the spooler implements.
 */
export type AbortReading = "stopThenRelease" | "vetoWhileBusy";

/** When the store calls StoreLogoffTransports (S13, S14, S17). */
export type StoreLogoffTransportsTiming = "immediate" | "atFinalRelease";

/** A message store: its name, its sharing, the mail it holds and its faults. */
export type StoreSpec = {
  name: string;
  /** Holds the profile's default Inbox: mail is received into it. */
  defaultInbox?: boolean;
  /** Opened by another process of the same profile (S8). */
  sharedWithOtherProcess?: boolean;
  /** Client references when the scenario starts (1-1000, default 1). */
  references?: number;
  /**
   * Store provider name; stores naming the same provider share it.
   * Defaults to the store's own name.
   */
  provider?: string;
  /** The support object MAPI hands the store (S11); default "messageStore". */
  supportKind?: SupportKind;
  outboundQueue?: MessageSpec[];
  faults?: StoreFault[];
};

/**
 * Which kind of support object a call goes to. Only a message-store
 * support object implements StoreLogoffTransports (S11).
 */
export type SupportKind = "messageStore" | "transport" | "addressBook" | "configuration";

/** A message in a store's outbound queue when the scenario starts. */
export type MessageSpec = {
  addressType: string;
  /** Steps a transport needs to carry it (1-100, default 2). */
  steps?: number;
};

/** Mistakes of message store providers. */
export type StoreFault =
  | "skipStoreLogoffTransports" | "storeLogoffTransportsTwice" | "reuseFlagsVariable"
  | "treatNoSupportAsFatal" | "acceptCallsAfterComplete";

/** A transport provider, with its sessions and faults. */
export type TransportSpec = { name: string; sessions?: SessionSpec[]; faults?: TransportFault[] };

/** A transport logon session, with the address types it carries. */
export type SessionSpec = {
  name: string;
  addressTypes?: string[];
  /** Data blocks from MAPIAllocateBuffer held since logon. */
  memoryBlocks?: number;
  /** MAPIAllocateMore blocks linked to the first data block. */
  childBlocks?: number;
  /** Inbound mail the transport holds when the scenario starts. */
  inbound?: InboundSpec[];
};

/** A message a transport holds for delivery when the scenario starts. */
export type InboundSpec = {
  /** Steps a transport needs to receive it (1-100, default 2). */
  steps?: number;
};

/** Mistakes of transport providers. */
export type TransportFault =
  | "releaseSupportFirst" | "leakMemory" | "freeChildBlock" | "freeAddressTypesEarly"
  | "failTransportLogoff" | "logoffNotIdempotent" | "rejectReservedLogoffFlags"
  | "passReservedLogoffFlags";

/**
 * Everything that can happen. Indexes refer to the scenario's lists
 * (`store: 0` is `stores[0]`; sessions are numbered across transports in
 * order). Flags are raw `u32` wherever a caller passes flags (in JSON, a
 * number or text such as `"LOGOFF_ORDERLY"`), so bad flags are
 * representable and get the protocol's answer.
 */
export type Action =
  | { type: "openStore"; store: number }
  | { type: "addRef"; store: number }
  | { type: "release"; store: number }
  | { type: "storeLogoff"; store: number; flags: FlagInput }
  | { type: "submitMessage"; store: number; addressType: AddressTypeInput; steps?: number }
  | { type: "storeLogoffTransports"; store: number; flags: FlagInput; support?: SupportKind }
  | { type: "spoolerStep" }
  | { type: "runUntilIdle" }
  | { type: "beginSend"; session: number }
  | { type: "beginReceive"; session: number }
  | { type: "progress"; session: number; direction: Direction }
  | { type: "finishStoreLogoff"; store: number }
  | { type: "endFlush"; session: number }
  | { type: "logoffSession"; session: number; flags?: FlagInput }
  | { type: "releaseSession"; session: number }
  | { type: "shutdownProvider"; transport: number; flags?: FlagInput }
  | { type: "flushQueues"; session: number; flags: FlagInput }
  | { type: "mailArrives"; session: number; steps?: number }
  | { type: "allocate"; session: number; parent?: number }
  | { type: "free"; session: number; block?: number | null };

/**
 * Flags as a caller passes them: a number, or text such as
 * "LOGOFF_ORDERLY" or "0x2".
 */
export type FlagInput = number | string;

/**
 * An address type as a `submitMessage` gives it: a name of
 * `state().topology.addressTypes` ("SMTP", case-insensitive), or its index there.
 */
export type AddressTypeInput = string | number;

/** Which half of a session's traffic. */
export type Direction = "send" | "receive";

/** What one action did. */
export type Outcome = {
  /** 1 for the first action applied. */
  step: number;
  action: Action;
  hresult: ValueText;
  /**
   * Out flags of StoreLogoff / StoreLogoffTransports; absent when the
   * method has none or refused the call before writing them.
   */
  outFlags?: ValueText;
  rules: RuleId[];
  /** One sentence on why, citing the rules. */
  explanation: string;
  /** The trace events this action produced: `trace[firstEvent..firstEvent + eventCount]`. */
  firstEvent: number;
  eventCount: number;
  /**
   * The id of the block an `allocate` action made (MAPIAllocateBuffer
   * or MAPIAllocateMore succeeded): pass it to `free` or as a `parent`.
   */
  block?: number;
  /**
   * What changed in the protocol state. The StoreLogoffTransports
   * record and the breach log are audit data, not protocol state: they
   * show up as violations, not here.
   */
  changes: Change[];
  /** Violations present after this action that were not present before. */
  newViolations: Violation[];
};

/**
 * A flag value or HRESULT as the core reports it: the number and how it
 * reads (`{ value, text }`, how every flag value and HRESULT appears in JSON).
 */
export type ValueText = {
  value: number;
  /** Names joined with " | ", undefined bits in hex, "0" for none. */
  text: string;
};

/** Rule ids: S stores, T transports, I invariants, M provider mistakes. */
export type RuleId =
  | "S1" | "S2" | "S3" | "S4" | "S5" | "S6" | "S7" | "S8" | "S9" | "S10" | "S11" | "S12" | "S13"
  | "S14" | "S15" | "S16" | "S17" | "T1" | "T2" | "T3" | "T4" | "T5" | "T6" | "T7" | "T8" | "T9"
  | "I1" | "I2" | "I3" | "I4" | "I5" | "I6" | "M1" | "M2" | "M3" | "M4" | "M5" | "M6" | "M7" | "M8"
  | "M9" | "M10" | "M11";

/**
 * One field that an action changed: its path in `StateView::state`
 * (`stores[0].phase`) and its value before and after, as JSON values
 * (`"open"` -> `"invalidated"`; `null` for a field that was or became absent).
 *
 * An item added at the end of a list is a change of its own, `null`
 * before: a new message is `messages[1200]`, a message queued is
 * `stores[0].queue[49]`. Any other edit of a message list (the spooler
 * taking a message from a queue) gives the list whole, before and after.
 * So an outcome's size follows what the action did, not how many messages
 * the scenario holds.
 */
export type Change = { path: string; before: JsonValue; after: JsonValue };

export type JsonValue =
  | number
  | string
  | boolean
  | JsonValue[]
  | { [key in string]: JsonValue }
  | null;

/**
 * A broken invariant or rule. For violations seen in the state (I1, I2,
 * I6), `mistake` names the provider fault that explains them when the
 * scenario switched that kind of fault on.
 */
export type Violation = {
  rule: RuleId;
  /** The provider mistake (M1-M11) this is a symptom of, when known. */
  mistake?: RuleId;
  /** The object concerned, by name (`session smtp`, `block 3`). */
  subject: string;
  message: string;
};

/**
 * The state as the playground and the JS API show it: the state itself
 * plus what is derived from it (status rows, store activity, violations).
 */
export type StateView = {
  step: number;
  topology: Topology;
  state: State;
  /** PR_STATUS_CODE of each session's status row. */
  sessionStatus: ValueText[];
  /** S2 activity bits of each store. */
  storeActivity: ValueText[];
  violations: Violation[];
};

/** Everything about a scenario that no action changes. */
export type Topology = {
  stores: StoreInfo[];
  storeProviders: string[];
  transports: TransportInfo[];
  sessions: SessionInfo[];
  addressTypes: string[];
};

export type StoreInfo = {
  name: string;
  defaultInbox: boolean;
  /** Opened by another process of the same profile (S8). */
  sharedWithOtherProcess: boolean;
  /** The support object MAPI handed the store (S11). */
  supportKind: SupportKind;
  provider: number;
  faults: StoreFault[];
};

export type TransportInfo = { name: string; faults: TransportFault[] };

export type SessionInfo = {
  name: string;
  transport: number;
  /**
   * The address types it carries: a bit mask over the topology's list
   * (`Topology::address_types`), bit i for the i-th.
   */
  addressTypes: number;
};

/** Everything that changes. */
export type State = {
  stores: StoreState[];
  storeProviders: ProviderPhase[];
  transports: ProviderPhase[];
  sessions: SessionState[];
  messages: Message[];
  memory: Allocator;
};

export type StoreState = {
  /** Client references (the spooler's logon is counted apart). */
  refs: number;
  phase: StorePhase;
  /** The flag of the last StoreLogoff (S12). */
  savedFlag: StoreLogoffFlagName | null;
  storeLogoffTransports: StoreLogoffTransportsRecord;
  spooler: SpoolerLogon;
  supportReleased: boolean;
  /** Outbound queue (the Outbox). */
  queue: number[];
  /** Received mail (only the default-Inbox store receives). */
  inbox: number[];
  /** Mail a transport finished sending. */
  sent: number[];
};

export type StorePhase = "open" | "invalidated" | "destroyed";

/** The input flag of StoreLogoff and StoreLogoffTransports, by name: exactly one of five (S1). */
export type StoreLogoffFlagName =
  | "LOGOFF_NO_WAIT" | "LOGOFF_ORDERLY" | "LOGOFF_PURGE" | "LOGOFF_ABORT" | "LOGOFF_QUIET";

/**
 * What StoreLogoffTransports calls on this store's support object did in
 * the current shutdown; read when the store is destroyed to check I5.
 */
export type StoreLogoffTransportsRecord = {
  /**
   * Calls that ended the spooler's part of the shutdown (COMPLETE, S8,
   * or a veto at the final release, after which the store is gone).
   */
  completions: number;
  /** Calls MAPI refused (bad flags, S1; again after COMPLETE, S10). */
  refusals: number;
  /** The flags of the first completing call. */
  flags: number;
  lastRefusal: ValueText;
  /**
   * The last call was a veto: before the final release (the store stays
   * usable, and "a call has occurred" for S14), or at it (the call that
   * ended the shutdown). Either way the spooler keeps its logon by design.
   */
  vetoed: boolean;
};

/**
 * The spooler's own logon on a store (S3-S7): "the spooler releases the
 * store" means this goes to `Released`.
 */
export type SpoolerLogon = "serving" | "drainingNoWait" | "drainingOrderly" | "released";

export type ProviderPhase = "active" | "shutDown";

export type SessionState = {
  phase: SessionPhase;
  /** The spooler routes by this session's AddressTypes (cleared by T2). */
  routing: boolean;
  inboundEnabled: boolean;
  outboundEnabled: boolean;
  /** FLUSH_UPLOAD / FLUSH_DOWNLOAD while a FlushQueues runs. */
  flushing: number;
  sending: Transfer | null;
  receiving: Transfer | null;
  /** Inbound mail the transport holds and has not delivered yet. */
  held: number[];
  /** MakeInvalid was called on the logon object. */
  invalid: boolean;
  supportReleased: boolean;
  /** The AddressTypes array, allocated at logon (T5). */
  addressTypesBlock: number;
};

export type SessionPhase = "loggedOn" | "loggedOff" | "released";

/** A message being sent or received, and how many steps it still needs. */
export type Transfer = { message: number; remaining: number };

export type Message = {
  /** The store whose outbound queue it came from; none (null) for inbound mail. */
  origin: number | null;
  addressType: number;
  /** Steps a transport needs to send or receive it. */
  steps: number;
};

export type Allocator = { blocks: Block[] };

export type Block = {
  /** The transport session that allocated it. */
  owner: number;
  /** For a MAPIAllocateMore child, its root block; none (null) for a root. */
  parent: number | null;
  kind: BlockKind;
  freed: boolean;
};

export type BlockKind = "addressTypes" | "data";

/** The result of running a whole scenario. */
export type RunReport = { state: State; trace: TraceEvent[]; violations: Violation[] };

/** One call (or internal step) in the trace. */
export type TraceEvent = {
  /** Position in the whole trace, from 0. */
  seq: number;
  /** The action that caused it, from 1 (the n-th applied action). */
  step: number;
  /**
   * Call nesting: 0 for the call the action made, 1 for calls made
   * inside it, and so on.
   */
  depth: number;
  caller: Party;
  callee: Party;
  method: MethodName;
  args: Arg[];
  /**
   * What the callee returned; none (null) for internal steps (the
   * methods named `Spooler::` or `MAPI::`).
   */
  hresult: ValueText | null;
  /** The out flags of StoreLogoff and StoreLogoffTransports. */
  outFlags?: ValueText;
  /** The rules that decided this call's behaviour. */
  rules: RuleId[];
  note?: string;
};

/**
 * One side of a call: a kind, an index among parts of that kind, and the
 * scenario's name for it.
 */
export type Party = { kind: PartyKind; index?: number; name: string };

/**
 * The kinds of part that make and receive calls. Each is one lane of the
 * sequence diagram (stores, sessions and providers one lane per object).
 */
export type PartyKind =
  | "client" | "store" | "mapi" | "spooler" | "session" | "transport" | "storeProvider";

/**
 * `Interface::Method` of every call the model makes; `Spooler::` and `MAPI::` name internal steps.
 */
export type MethodName =
  | "IMAPISession::OpenMsgStore" | "IMsgStore::AddRef" | "IMsgStore::Release"
  | "IMsgStore::StoreLogoff" | "IMessage::SubmitMessage" | "IMsgStore::NotifyNewMail"
  | "IMAPISupport::StoreLogoffTransports" | "IMAPISupport::SpoolerNotify"
  | "IMAPISupport::MakeInvalid" | "IMAPISupport::Release" | "IMSLogon::Logoff"
  | "IMSLogon::Release" | "IMSProvider::Shutdown" | "IMSProvider::Release"
  | "IXPLogon::TransportNotify" | "IXPLogon::TransportLogoff" | "IXPLogon::FlushQueues"
  | "IXPLogon::SubmitMessage" | "IXPLogon::EndMessage" | "IXPLogon::StartMessage"
  | "IXPLogon::Release" | "IXPProvider::Shutdown" | "IXPProvider::Release" | "MAPIAllocateBuffer"
  | "MAPIAllocateMore" | "MAPIFreeBuffer" | "Spooler::DiscardAddressTypes"
  | "Spooler::RequeueMessage" | "Spooler::ReleaseStoreLogon" | "MAPI::RemoveStatusRow";

/**
 * An argument: its name in the SDK signature, its raw value and how it
 * reads (`{ "name": "ulFlags", "value": 2, "text": "LOGOFF_ORDERLY" }`).
 */
export type Arg = { name: string; value: number; text: string };

export type MatrixCell = {
  flag: StoreLogoffFlagName;
  situation: Situation;
  hresult: ValueText;
  outFlags: ValueText | null;
  rules: RuleId[];
  explanation: string;
  /**
   * Whether the spooler had released the store when the call returned
   * (NO_WAIT and ORDERLY release it in later steps).
   */
  releasedAtReturn: boolean;
  /** The scenario that reproduces the cell. */
  scenario: Scenario;
};

/** The situation of one cell. */
export type Situation = {
  /** A message is being received into the store (LOGOFF_INBOUND). */
  inbound: boolean;
  /** A message of the store is being sent (LOGOFF_OUTBOUND). */
  outbound: boolean;
  /** Mail waits in the store's outbound queue (LOGOFF_OUTBOUND_QUEUE). */
  queued: boolean;
  /** Another process of the profile has the store open (S8). */
  shared: boolean;
};

/** A rule id with its one-line summary and the Microsoft page behind it. */
export type RuleInfo = {
  id: RuleId;
  title: string;
  /** The Microsoft page the rule cites; absent for samples and model choices. */
  docUrl?: string;
  source: RuleSource;
};

/** Where a rule comes from. */
export type RuleSource = {
  kind: SourceKind;
  /**
   * The page's file name under `docs/outlook/mapi/`, or the sample's or
   * header's file name.
   */
  page?: string;
  /**
   * The page's own words, verbatim (English reference). Not in the wasm
   * modules (their size budget): `mapi-logoff/rules.json` has it.
   */
  quote?: string;
  /**
   * What the model adds to the source, or why nothing public says it.
   * Not in the wasm modules either.
   */
  note?: string;
};

/** What kind of source a rule cites. */
export type SourceKind = "referencePage" | "otherPage" | "header" | "sdkSample" | "modelChoice";

/**
 * Names the flag sets, for generic parsing and formatting (the bindings
 * and the CLI expose one parse and one format function per set).
 */
export type FlagSet =
  | "storeLogoff" | "transportLogoff" | "deinit" | "flushQueues" | "transportNotify"
  | "spoolerNotify" | "status";

/** A flag or HRESULT name of the MAPI headers: a key of `constants()`. */
export type ConstantName =
  | "LOGOFF_NO_WAIT" | "LOGOFF_ORDERLY" | "LOGOFF_PURGE" | "LOGOFF_ABORT" | "LOGOFF_QUIET"
  | "LOGOFF_COMPLETE" | "LOGOFF_INBOUND" | "LOGOFF_OUTBOUND" | "LOGOFF_OUTBOUND_QUEUE"
  | "LOGOFF_NORMAL" | "LOGOFF_HURRY" | "DEINIT_NORMAL" | "DEINIT_HURRY" | "FLUSH_UPLOAD"
  | "FLUSH_DOWNLOAD" | "FLUSH_FORCE" | "FLUSH_NO_UI" | "FLUSH_ASYNC_OK" | "NOTIFY_BEGIN_INBOUND"
  | "NOTIFY_BEGIN_OUTBOUND" | "NOTIFY_BEGIN_INBOUND_FLUSH" | "NOTIFY_BEGIN_OUTBOUND_FLUSH"
  | "NOTIFY_END_INBOUND" | "NOTIFY_END_OUTBOUND" | "NOTIFY_END_INBOUND_FLUSH"
  | "NOTIFY_END_OUTBOUND_FLUSH" | "NOTIFY_ABORT_DEFERRED" | "NOTIFY_CANCEL_MESSAGE"
  | "NOTIFY_NEWMAIL" | "NOTIFY_READYTOSEND" | "NOTIFY_SENTDEFERRED" | "NOTIFY_CRITSEC"
  | "NOTIFY_NONCRIT" | "NOTIFY_CONFIG_CHANGE" | "NOTIFY_CRITICAL_ERROR" | "NOTIFY_NEWMAIL_RECEIVED"
  | "STATUS_AVAILABLE" | "STATUS_OFFLINE" | "STATUS_FAILURE" | "STATUS_INBOUND_ENABLED"
  | "STATUS_INBOUND_ACTIVE" | "STATUS_INBOUND_FLUSH" | "STATUS_OUTBOUND_ENABLED"
  | "STATUS_OUTBOUND_ACTIVE" | "STATUS_OUTBOUND_FLUSH" | "S_OK" | "MAPI_W_CANCEL_MESSAGE"
  | "MAPI_E_CALL_FAILED" | "MAPI_E_INTERFACE_NOT_SUPPORTED" | "MAPI_E_NOT_ENOUGH_MEMORY"
  | "MAPI_E_INVALID_PARAMETER" | "MAPI_E_NO_ACCESS" | "MAPI_E_NO_SUPPORT" | "MAPI_E_BAD_CHARWIDTH"
  | "MAPI_E_UNKNOWN_FLAGS" | "MAPI_E_INVALID_OBJECT" | "MAPI_E_BUSY" | "MAPI_E_NOT_FOUND"
  | "MAPI_E_USER_CANCEL" | "MAPI_E_UNABLE_TO_ABORT" | "MAPI_E_END_OF_SESSION"
  | "MAPI_E_NOT_IN_QUEUE" | "MAPI_E_NOT_INITIALIZED";

/** A stable, machine-readable error code (also the `code` of the JS error). */
export type ErrorCode =
  | "invalidJson" | "invalidScenario" | "unsupportedVersion" | "invalidAction" | "notEnabled"
  | "invalidFlags" | "tooLarge";

/** Every flag and HRESULT name with its header value. */
export type Constants = { readonly [K in ConstantName]: number };

/** The `type` of every action. */
export type ActionType = Action["type"];

/**
 * Thrown for malformed input; protocol refusals are outcomes, never exceptions.
 * Besides the core's codes: "invalidArgument" for an argument of the wrong
 * kind; "inputThrew" when the caller's own code (a getter, a Proxy trap, a
 * toJSON) threw while an input was read, with that exception as `cause`;
 * "freed" for a method called on an object after free(); "busy" for free()
 * called from inside one of the object's own calls. The module stays usable
 * after every one of them.
 */
export interface MapiLogoffError extends Error {
  name: "MapiLogoffError";
  code: ErrorCode | "invalidArgument" | "inputThrew" | "freed" | "busy";
  /** The path of the offending field, e.g. "stores[2].name" or "actions[3].flags"; "" for the whole input. */
  path: string;
  /** For "inputThrew": what the caller's code threw. */
  cause?: unknown;
}
