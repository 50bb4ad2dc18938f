//! The trace checker: replays a log of calls (the JSON Lines format of
//! `tracefile`) against the protocol and reports diagnostics. Each names the
//! rule, the provider mistake when one applies, who broke the rule (the
//! client, the store provider, MAPI or its spooler, the transport
//! provider), a severity that follows the page's words ("must" is an
//! error, "should" or "typically" a warning, what only the model chose an
//! info), the earliest line where the breach became certain, the objects
//! involved, a one-line message and the page behind the rule.
//!
//! The checker only observes calls: it does not run the model. That makes
//! cross-validation meaningful: a simulated run with well-behaved providers
//! must give no diagnostic, and a run with a provider fault switched on
//! must give exactly that fault's mistake (tests/check.rs). It blames only
//! what breaks every reading of the pages (docs/protocol.md, section 7): it
//! accepts StoreLogoffTransports from StoreLogoff or from the final Release,
//! a second call after a veto or none, NO_WAIT and ORDERLY answered at once
//! or after the work, both readings of LOGOFF_ABORT. A log may start and
//! end anywhere: what it cannot show (a block allocated before its first
//! line, a Release after its last) is never an error.
//!
//! It streams: the work per line does not grow with the log or with the
//! objects it names (every table is hashed; nothing scans the objects),
//! memory grows with the objects still alive in it (finished ones are
//! retired and forgotten [`RETIRED_WINDOW`] retirements later), at most
//! [`MAX_OPEN_CALLS`] calls in progress are kept per thread and at most
//! [`MAX_DIAGNOSTICS`] diagnostics (the rest are counted), and a call line
//! is read into the buffers of the last call the checker is done with.

use crate::fingerprint::BuildFingerprint;
use crate::flags::{FlagSet, StoreLogoffFlag, StoreLogoffOutFlags, TransportNotifyFlags};
use crate::hresult::HResult;
use crate::rules::RuleId::{self, *};
use crate::tracefile::{Call, Declaration, Line, ObjectKind, ObjectRef, Return, parse_line_reusing};
use serde::Serialize;
use std::borrow::{Borrow, Cow};
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;

pub mod workload;

/// Diagnostics kept in a report; more are counted in `omitted`.
pub const MAX_DIAGNOSTICS: usize = 10_000;

crate::json::string_enum! {
    pub enum Severity {
        Error = "error",
        Warning = "warning",
        Info = "info",
    }
}

crate::json::string_enum! {
    /// Who broke the rule.
    #[cfg_attr(not(target_arch = "wasm32"), ts(rename = "ResponsibleParty"))]
    pub enum Party {
        /// The application calling the store (or a provider acting as one
        /// of another's clients).
        Client = "client",
        StoreProvider = "storeProvider",
        /// MAPI or its spooler.
        Mapi = "mapi",
        TransportProvider = "transportProvider",
    }
}

/// One finding.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// The rule (S1..T9, I1..I6); absent for lines that are not usable.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub rule: Option<RuleId>,
    /// The mistake (M1..M11) behind it, when one applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub mistake: Option<RuleId>,
    pub severity: Severity,
    /// Who broke the rule; absent for lines that are not usable.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub party: Option<Party>,
    /// `malformedLine`, `notUnderstood`, or the rule id.
    pub code: String,
    /// 1-based line where the breach became certain.
    pub line: u64,
    /// Other lines involved (the call that started what went wrong).
    pub related: Vec<u64>,
    pub objects: Vec<String>,
    pub message: String,
    /// The documentation page the rule cites, when a page says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub doc_url: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(not(target_arch = "wasm32"), ts(rename = "CheckReport"))]
pub struct Report {
    pub lines: u64,
    pub calls: u64,
    pub errors: u64,
    pub warnings: u64,
    /// Diagnostics past [`MAX_DIAGNOSTICS`], counted but not kept.
    pub omitted: u64,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }
}

/// What the checker learns about one store object (per process: two
/// processes that hold the same store hold two objects).
#[derive(Default)]
struct StoreTrack {
    /// The process of this copy of the store, when its OpenMsgStore said.
    process: Option<u64>,
    /// The flag and line of the client's last valid StoreLogoff.
    saved_flag: Option<(u32, u64)>,
    /// StoreLogoffTransports calls that ended this shutdown: COMPLETE,
    /// MAPI_E_NO_SUPPORT, or a veto during the final release.
    completions: u32,
    first_flags: Option<u32>,
    last_result: Option<HResult>,
    /// COMPLETE was returned at this line: only Release should follow.
    invalid_since: Option<u64>,
    final_release: Option<u64>,
    /// IMsgStore::Release calls of this store in progress.
    in_release: u32,
    /// A StoreLogoffTransports call before the final release was vetoed:
    /// "a call has occurred" (S14), so none at the release also conforms.
    vetoed_before_release: bool,
    /// The completing call was made inside the final release (S14's ABORT).
    completed_in_release: bool,
    support_released: bool,
    destroyed: bool,
}

#[derive(Default)]
struct SessionTrack {
    provider: Option<String>,
    /// Counted in `Checker::provider_sessions` (until it is finished).
    counted: bool,
    address_types_block: Option<u64>,
    logoff_line: Option<u64>,
    logoff_failed: bool,
    /// Inside TransportLogoff: where it began, MakeInvalid and the first
    /// free inside it (T6's order).
    in_logoff: Option<u64>,
    make_invalid_at: Option<u64>,
    first_free_in_logoff: Option<u64>,
    /// The provider did some cleanup (MakeInvalid, a free, the support
    /// release) inside TransportLogoff: a failed logoff it did not take
    /// for a veto.
    cleaned_in_logoff: bool,
    traffic_ended: bool,
    /// The spooler discarded the AddressTypes (T2): the array may go now.
    address_types_discarded: bool,
    support_released_at: Option<u64>,
    cleanup_after_support_reported: bool,
    /// The last Release returned 0 (or gave no count) at this line.
    released_at: Option<u64>,
    /// IXPLogon::Release calls of this session in progress.
    in_release: u32,
    /// The final Release is over and what it left was judged.
    destroyed: bool,
    /// Sends in progress (message ids) that TransportLogoff must stop (T4).
    sending: Vec<u64>,
    /// Receives in progress.
    receiving: Vec<u64>,
    /// Root blocks the session still owns.
    live_blocks: HashSet<u64, BuildFingerprint>,
    /// The blocks left at the end of TransportLogoff were reported (T5).
    leak_reported: bool,
    /// A send TransportLogoff did not stop was reported (T4).
    unstopped_reported: bool,
}

#[derive(Default)]
struct BlockTrack {
    owner: String,
    parent: Option<u64>,
    children: Vec<u64>,
    freed: bool,
}

/// A call whose nested calls may follow: an entry line waiting for its
/// return, or a complete line with a depth.
struct Frame {
    /// The call, complete (a version 1 line) or waiting for its return.
    call: Box<Call>,
    waiting: bool,
}

/// Finished objects of each kind (stores, sessions, blocks, transport
/// providers) the checker still remembers, the most recently finished
/// first: a call on one of them is judged as a call on a released object
/// (I3, I4). An object finished longer ago is forgotten, so that memory
/// grows with the objects alive in the log, not with every object it ever
/// named; a call on it is then judged as a call on an object the log first
/// shows in the middle, which is never blamed.
pub const RETIRED_WINDOW: usize = 8_192;

/// One object of a [`Table`]: the order it first appeared in, and whether
/// (with which stamp) it is finished.
struct Slot<T> {
    seq: u64,
    retired: u64,
    value: T,
}

/// Objects of one kind by their id in the log: one hashed lookup finds an
/// object. An object that is finished is retired and forgotten
/// [`RETIRED_WINDOW`] retirements later (its slot is reused); what must be
/// judged in the order the objects appeared (at the end of the log) is
/// sorted by that order then.
struct Table<K, T> {
    index: HashMap<K, usize, BuildFingerprint>,
    slots: Vec<Slot<T>>,
    /// Slots of forgotten objects, to reuse.
    free: Vec<usize>,
    /// Keys of retired objects, oldest first, with their stamp (an object
    /// revived and retired again has a newer one).
    retired: VecDeque<(K, u64)>,
    next: u64,
    live: usize,
}

impl<K, T> Default for Table<K, T> {
    fn default() -> Self {
        Table { index: HashMap::default(), slots: Vec::new(), free: Vec::new(), retired: VecDeque::new(), next: 0, live: 0 }
    }
}

impl<K: Hash + Eq + Clone, T: Default> Table<K, T> {
    fn entry<Q>(&mut self, key: &Q) -> &mut T
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(&at) = self.index.get(key) {
            return &mut self.slots[at].value;
        }
        self.next += 1;
        self.live += 1;
        let slot = Slot { seq: self.next, retired: 0, value: T::default() };
        let at = match self.free.pop() {
            Some(at) => {
                self.slots[at] = slot;
                at
            }
            None => {
                self.slots.push(slot);
                self.slots.len() - 1
            }
        };
        self.index.insert(key.to_owned(), at);
        &mut self.slots[at].value
    }

    fn get<Q>(&self, key: &Q) -> Option<&T>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        self.index.get(key).map(|&at| &self.slots[at].value)
    }

    fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut T>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        self.index.get(key).map(|&at| &mut self.slots[at].value)
    }

    /// The object is finished: it is remembered for [`RETIRED_WINDOW`]
    /// more retirements. Returns the object forgotten to make room.
    fn retire<Q>(&mut self, key: &Q) -> Option<(K, T)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let &at = self.index.get(key)?;
        let slot = &mut self.slots[at];
        if slot.retired != 0 {
            return None;
        }
        self.next += 1;
        slot.retired = self.next;
        self.live -= 1;
        self.retired.push_back((key.to_owned(), self.next));
        if self.retired.len() <= RETIRED_WINDOW {
            return None;
        }
        let (old, stamp) = self.retired.pop_front()?;
        let at = self.index.remove(old.borrow())?;
        if self.slots[at].retired != stamp {
            // Revived since: alive again, not forgotten.
            self.index.insert(old, at);
            return None;
        }
        self.free.push(at);
        let value = std::mem::take(&mut self.slots[at].value);
        Some((old, value))
    }

    /// A retired object starts a new life (a store opened again, a block
    /// id the allocator hands out again).
    fn revive<Q>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(&at) = self.index.get(key)
            && self.slots[at].retired != 0
        {
            self.slots[at].retired = 0;
            self.live += 1;
        }
    }

    /// Every object remembered, in the order they first appeared.
    fn in_order(&self) -> Vec<(&K, &T)> {
        let mut all: Vec<(u64, &K, &T)> = self.index.iter().map(|(k, &at)| (self.slots[at].seq, k, &self.slots[at].value)).collect();
        all.sort_unstable_by_key(|&(seq, _, _)| seq);
        all.into_iter().map(|(_, k, t)| (k, t)).collect()
    }

    fn counts(&self) -> (usize, usize) {
        (self.live, self.index.len() - self.live)
    }
}

/// One finding, before it is counted and kept.
struct Finding {
    rule: RuleId,
    mistake: Option<RuleId>,
    severity: Severity,
    party: Party,
    line: u64,
    related: Vec<u64>,
    objects: Vec<String>,
    message: String,
}

impl Finding {
    fn new(rule: RuleId, severity: Severity, party: Party, line: u64, object: String, message: String) -> Finding {
        Finding { rule, mistake: None, severity, party, line, related: Vec::new(), objects: vec![object], message }
    }
    fn mistake(mut self, m: RuleId) -> Finding {
        self.mistake = Some(m);
        self
    }
    fn related(mut self, line: u64) -> Finding {
        self.related.push(line);
        self
    }
}

use Severity::{Error, Info, Warning};

/// The checker. Feed it lines, chunks of text or chunks of bytes, then call
/// `finish`.
#[derive(Default)]
pub struct Checker {
    report: Report,
    stores: Table<String, StoreTrack>,
    /// Who opened each store (by its id): (process, profile) pairs (S8),
    /// while a copy of the store in that process is remembered.
    openers: HashMap<String, Vec<(Option<u64>, String)>, BuildFingerprint>,
    sessions: Table<String, SessionTrack>,
    /// Transport provider -> its sessions not yet finished: its shutdown
    /// is remembered while one of them may still be judged by it (I6).
    provider_sessions: HashMap<String, u32, BuildFingerprint>,
    blocks: Table<u64, BlockTrack>,
    /// Message id -> the session transferring it.
    transfers: HashMap<u64, String, BuildFingerprint>,
    /// Per thread, the calls in progress.
    frames: HashMap<String, Vec<Frame>, BuildFingerprint>,
    /// Threads in `frames` past which those with no call in progress go.
    frames_swept_at: usize,
    /// Support objects a provider implements itself, forwarding to MAPI's.
    forwarders: HashSet<(ObjectKind, String), BuildFingerprint>,
    /// Store id -> the store of a wrapping provider that wraps it.
    wrapped_by: HashMap<String, String, BuildFingerprint>,
    /// Calls written without a depth whose end the log does not show.
    open_ended: Vec<Call>,
    /// Transport providers shut down, with the line.
    providers_shut_down: Table<String, u64>,
    not_understood: HashSet<String, BuildFingerprint>,
    /// The bytes of the line being read, when a chunk ended inside it (at
    /// most [`MAX_LINE`] and the few bytes that say where a character ends).
    partial: Vec<u8>,
    /// A call the checker is done with, whose buffers the next line is
    /// read into.
    spare: Option<Box<Call>>,
}

/// Longest line read, in bytes of UTF-8; the rest of a longer line is
/// dropped (it is then reported as malformed), so that memory stays bounded
/// however the input is cut. Real trace lines are well under 1 KB.
pub const MAX_LINE: usize = 1 << 20;

/// Calls in progress kept per thread; past that, the oldest is given up
/// (a logger that loses its return lines must not make memory grow).
pub const MAX_OPEN_CALLS: usize = 1024;

/// What the checker holds at a point of the log, for tests that memory and
/// per-line work follow the objects alive in the log, not its length.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Tracked {
    /// Stores, sessions, blocks and transport providers not finished.
    pub live: usize,
    /// Finished ones still remembered (at most [`RETIRED_WINDOW`] of each kind).
    pub retired: usize,
    /// Calls in progress, on every thread.
    pub open_calls: usize,
    /// Messages in transfer, threads (those with calls in progress, and at
    /// most as many again, or 64, whose calls are over), transport
    /// providers with sessions alive.
    pub other: usize,
    /// Stores whose openers (process, profile) are remembered, for S8: as
    /// long as a copy of the store is (alive, or finished and remembered).
    pub openers: usize,
    /// Diagnostics kept (at most [`MAX_DIAGNOSTICS`]).
    pub diagnostics: usize,
}

/// The line `text` is cut to: at most [`MAX_LINE`] bytes, at a character
/// boundary.
fn cut(text: &[u8]) -> &[u8] {
    if text.len() <= MAX_LINE {
        return text;
    }
    let mut end = MAX_LINE;
    // A byte 0b10xxxxxx continues a character (at most three do).
    while end > MAX_LINE - 3 && text[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    &text[..end]
}

/// The methods of IXPLogon, for calls that need only the I3 check.
const IXPLOGON: &[&str] = &[
    "IXPLogon::AddressTypes",
    "IXPLogon::RegisterOptions",
    "IXPLogon::Idle",
    "IXPLogon::Poll",
    "IXPLogon::OpenStatusEntry",
    "IXPLogon::ValidateState",
    "IXPLogon::FlushQueues",
    "IXPLogon::AddRef",
    "IXPLogon::QueryInterface",
];

const KNOWN_OTHER: &[&str] = &[
    "IMSLogon::Logoff",
    "IMSLogon::Release",
    "IMSProvider::Shutdown",
    "IMSProvider::Release",
    "IXPProvider::Release",
    "IXPLogon::FlushQueues",
    "IXPLogon::AddressTypes",
    "IXPLogon::Poll",
    "IUnknown::QueryInterface",
    "IUnknown::AddRef",
    "MAPI::RemoveStatusRow",
    "Spooler::ReleaseStoreLogon",
];

/// Calls on a store that stay valid after COMPLETE: Release, and AddRef
/// and QueryInterface, which COM requires to work (S9).
const STORE_CALLS_ALWAYS_VALID: &[&str] = &[
    "IMsgStore::Release",
    "IMsgStore::AddRef",
    "IMsgStore::QueryInterface",
    "IUnknown::Release",
    "IUnknown::AddRef",
    "IUnknown::QueryInterface",
];

/// A block or message as a provider author finds it in the log: small ids
/// as numbers, pointers in hex.
fn pointer_text(id: u64) -> String {
    if id > u64::from(u32::MAX) { format!("0x{id:x}") } else { id.to_string() }
}

fn flags_text(f: u32) -> String {
    FlagSet::StoreLogoff.format(f)
}

/// The key of a store object: its id, per process when the line says which
/// process made the call.
fn store_key(process: Option<u64>, id: &str) -> Cow<'_, str> {
    match process {
        Some(p) => Cow::Owned(format!("{p}/{id}")),
        None => Cow::Borrowed(id),
    }
}

fn is_spooler_or_mapi(r: Option<&ObjectRef>) -> bool {
    r.is_some_and(|r| matches!(r.kind, ObjectKind::Spooler | ObjectKind::Mapi))
}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    /// Feeds a chunk of text; lines may span chunks.
    pub fn feed(&mut self, chunk: &str) {
        self.push_bytes(chunk.as_bytes());
    }

    /// Feeds a chunk of bytes of UTF-8 text; lines, and the bytes of a
    /// character, may span chunks. A line is the text between two line
    /// feeds, a trailing `\r` dropped; bytes that are not UTF-8 are read
    /// as U+FFFD. The work is one pass over the bytes, without a copy of
    /// the lines a chunk holds whole.
    pub fn push_bytes(&mut self, mut bytes: &[u8]) {
        if !self.partial.is_empty() {
            let Some(at) = bytes.iter().position(|&b| b == b'\n') else {
                self.keep(bytes);
                return;
            };
            self.keep(&bytes[..at]);
            let line = std::mem::take(&mut self.partial);
            self.bytes_line(&line);
            self.partial = line;
            self.partial.clear();
            bytes = &bytes[at + 1..];
        }
        let Some(last) = bytes.iter().rposition(|&b| b == b'\n') else {
            self.keep(bytes);
            return;
        };
        let (whole, rest) = (&bytes[..last], &bytes[last + 1..]);
        match std::str::from_utf8(whole) {
            Ok(text) => text.split('\n').for_each(|line| self.text_line(line)),
            Err(_) => whole.split(|&b| b == b'\n').for_each(|line| self.bytes_line(line)),
        }
        self.keep(rest);
    }

    /// Appends to the line being read, up to [`MAX_LINE`] bytes (and the
    /// bytes that say whether the cut falls inside a character).
    fn keep(&mut self, bytes: &[u8]) {
        let room = (MAX_LINE + 4).saturating_sub(self.partial.len());
        self.partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn bytes_line(&mut self, bytes: &[u8]) {
        match String::from_utf8_lossy(cut(bytes)) {
            Cow::Borrowed(text) => self.line(text.strip_suffix('\r').unwrap_or(text)),
            Cow::Owned(text) => self.line(text.strip_suffix('\r').unwrap_or(&text)),
        }
    }

    fn text_line(&mut self, text: &str) {
        // A prefix that `cut` keeps of UTF-8 text ends at a character boundary.
        let text = text.get(..cut(text.as_bytes()).len()).unwrap_or_default();
        self.line(text.strip_suffix('\r').unwrap_or(text));
    }

    /// What the checker holds now (see [`Tracked`]).
    pub fn tracked(&self) -> Tracked {
        let tables = [self.stores.counts(), self.sessions.counts(), self.blocks.counts(), self.providers_shut_down.counts()];
        Tracked {
            live: tables.iter().map(|c| c.0).sum(),
            retired: tables.iter().map(|c| c.1).sum(),
            open_calls: self.frames.values().map(Vec::len).sum::<usize>() + self.open_ended.len(),
            other: self.transfers.len() + self.frames.len() + self.provider_sessions.len(),
            openers: self.openers.len(),
            diagnostics: self.report.diagnostics.len(),
        }
    }

    /// Checks one line of the file.
    pub fn line(&mut self, text: &str) {
        self.report.lines += 1;
        let number = self.report.lines;
        match parse_line_reusing(text, number, &mut self.spare) {
            Ok(Line::Call(call)) => {
                self.report.calls += 1;
                self.begin(call);
            }
            Ok(Line::Return(ret)) => self.returned(*ret),
            Ok(Line::Declare(d)) => self.declare(*d),
            Ok(Line::Header | Line::Blank) => {}
            Err(e) => self.malformed(number, format!("line {number} is not a call: {e}")),
        }
    }

    fn malformed(&mut self, line: u64, message: String) {
        self.push(Diagnostic {
            rule: None,
            mistake: None,
            severity: Error,
            party: None,
            code: "malformedLine".into(),
            line,
            related: Vec::new(),
            objects: Vec::new(),
            message,
            doc_url: None,
        });
    }

    fn push(&mut self, d: Diagnostic) {
        match d.severity {
            Error => self.report.errors += 1,
            Warning => self.report.warnings += 1,
            Info => {}
        }
        if self.report.diagnostics.len() < MAX_DIAGNOSTICS {
            self.report.diagnostics.push(d);
        } else {
            self.report.omitted += 1;
        }
    }

    fn report(&mut self, f: Finding) {
        let doc = f.mistake.unwrap_or(f.rule);
        self.push(Diagnostic {
            rule: Some(f.rule),
            mistake: f.mistake,
            severity: f.severity,
            party: Some(f.party),
            code: f.rule.as_str().into(),
            line: f.line,
            related: f.related,
            objects: f.objects,
            message: f.message,
            doc_url: doc.doc_url().or_else(|| f.rule.doc_url()),
        });
    }

    // ---- nesting -------------------------------------------------------

    /// A call line: an entry line waits for its return; a complete line
    /// is judged now, and with a depth it stays open for the calls nested
    /// in it (a version 1 log writes a call before the calls it makes).
    fn begin(&mut self, call: Box<Call>) {
        if let Some(depth) = call.depth {
            self.close_complete_frames(&call.thread, Some(depth));
        }
        if call.call_id.is_some() {
            self.enter(&call);
            self.push_frame(Frame { call, waiting: true });
            return;
        }
        if call.depth.is_some() {
            self.enter(&call);
            self.judge(&call);
            self.push_frame(Frame { call, waiting: false });
            return;
        }
        // Without a depth, where the calls it made end is unknown: what
        // must be judged when it is over waits for the end of the log.
        self.judge(&call);
        if matches!(call.method.as_str(), "IXPLogon::TransportLogoff" | "IXPLogon::Release") {
            self.open_ended.push(*call);
        } else {
            self.spare = Some(call);
        }
    }

    /// A call stays open on its thread. Past [`MAX_OPEN_CALLS`] the oldest
    /// is given up: ended if it was complete, dropped if it was waiting for
    /// a return line (as the calls still waiting at the end of the log).
    fn push_frame(&mut self, frame: Frame) {
        let Some(stack) = self.frames.get_mut(frame.call.thread.as_str()) else {
            // Threads whose calls are all over keep their (empty) stack until
            // there are as many again as threads with calls in progress.
            if self.frames.len() >= self.frames_swept_at {
                self.frames.retain(|_, stack| !stack.is_empty());
                self.frames_swept_at = (2 * self.frames.len()).max(64);
            }
            self.frames.insert(frame.call.thread.clone(), vec![frame]);
            return;
        };
        let oldest = (stack.len() >= MAX_OPEN_CALLS).then(|| stack.remove(0));
        stack.push(frame);
        if let Some(oldest) = oldest.filter(|f| !f.waiting) {
            self.end(&oldest.call);
        }
    }

    /// Ends the complete frames of a thread that a line at `depth` leaves
    /// (all of them for `None`, at the end of the log).
    fn close_complete_frames(&mut self, thread: &str, depth: Option<u32>) {
        loop {
            let Some(stack) = self.frames.get_mut(thread) else { return };
            let Some(top) = stack.last() else { return };
            let leaves = !top.waiting && depth.is_none_or(|d| top.call.depth.is_some_and(|t| t >= d));
            if !leaves {
                return;
            }
            let frame = stack.pop().expect("checked");
            self.end(&frame.call);
            self.spare = Some(frame.call);
        }
    }

    fn returned(&mut self, ret: Return) {
        let thread = ret.thread.as_str();
        self.close_complete_frames(thread, None);
        let stack = self.frames.get_mut(thread);
        let found = stack.and_then(|stack| {
            let at = stack.iter().rposition(|f| f.waiting && f.call.call_id.as_deref() == Some(ret.call_id.as_str()))?;
            // Calls begun inside it that never returned end with it.
            let inner: Vec<Frame> = stack.drain(at + 1..).collect();
            let frame = stack.pop().expect("found");
            Some((frame, inner))
        });
        let Some((frame, inner)) = found else {
            let message = format!(
                "line {} returns call {:?}{}, which no entry line began (or it already returned)",
                ret.line,
                ret.call_id,
                if thread.is_empty() { String::new() } else { format!(" of thread {thread}") }
            );
            self.malformed(ret.line, message);
            return;
        };
        for f in inner {
            self.push(Diagnostic {
                rule: None,
                mistake: None,
                severity: Info,
                party: None,
                code: "notReturned".into(),
                line: f.call.line,
                related: vec![ret.line],
                objects: vec![f.call.object.to_string()],
                message: format!("{} began at line {} and never returned before its caller did", f.call.method, f.call.line),
                doc_url: None,
            });
        }
        let mut call = frame.call;
        ret.complete_into(&mut call);
        self.judge(&call);
        self.end(&call);
        self.spare = Some(call);
    }

    fn declare(&mut self, d: Declaration) {
        if d.forwards_to.is_some() {
            self.forwarders.insert((d.object.kind, d.object.id.clone()));
        }
        if let Some(inner) = &d.wraps {
            self.wrapped_by.insert(inner.id.clone(), d.object.id.clone());
        }
    }

    /// Whether this call is one a provider's own support object forwards
    /// to MAPI's: it is judged where it reaches MAPI, not twice.
    fn is_forwarded_copy(&self, c: &Call) -> bool {
        !self.forwarders.is_empty() && self.forwarders.contains(&(c.object.kind, c.object.id.clone()))
    }

    /// A call begins: what the calls nested in it need to know.
    fn enter(&mut self, c: &Call) {
        match (c.object.kind, c.method.as_str()) {
            (ObjectKind::Store, "IMsgStore::Release") => {
                self.store(c.process, &c.object.id).in_release += 1;
            }
            (ObjectKind::Session, "IXPLogon::TransportLogoff") => {
                let s = self.session(c);
                s.in_logoff = Some(c.start_line);
                s.first_free_in_logoff = None;
                s.cleaned_in_logoff = false;
            }
            (ObjectKind::Session, "IXPLogon::Release") => {
                self.session(c).in_release += 1;
            }
            // The transfer is in progress from the moment SubmitMessage or
            // StartMessage begins: a TransportLogoff on another thread that
            // returns before it does must still stop it (T4).
            (ObjectKind::Session, "IXPLogon::SubmitMessage" | "IXPLogon::StartMessage") => self.begin_transfer(c),
            _ => {}
        }
    }

    fn begin_transfer(&mut self, c: &Call) {
        let Some(m) = c.message else { return };
        let sending = c.method == "IXPLogon::SubmitMessage";
        let s = self.session(c);
        let list = if sending { &mut s.sending } else { &mut s.receiving };
        if !list.contains(&m) {
            list.push(m);
        }
        self.transfers.insert(m, c.object.id.clone());
    }

    /// A call and everything it called are over.
    fn end(&mut self, c: &Call) {
        match (c.object.kind, c.method.as_str()) {
            (ObjectKind::Store, "IMsgStore::Release") => {
                if let Some(s) = self.stores.get_mut(&*store_key(c.process, &c.object.id)) {
                    s.in_release = s.in_release.saturating_sub(1);
                }
            }
            (ObjectKind::Session, "IXPLogon::TransportLogoff") => self.transport_logoff_ended(c),
            (ObjectKind::Session, "IXPLogon::Release") => {
                let s = self.session(c);
                s.in_release = s.in_release.saturating_sub(1);
                if c.ref_count.is_none_or(|n| n == 0) && !s.destroyed {
                    s.destroyed = true;
                    let line = s.released_at.unwrap_or(c.line);
                    self.session_destroyed(&c.object.id, line);
                    self.retire_session(&c.object.id);
                }
            }
            _ => {}
        }
    }

    // ---- judging one call ----------------------------------------------

    fn judge(&mut self, c: &Call) {
        use ObjectKind as K;
        if self.is_forwarded_copy(c) {
            return;
        }
        let method = c.method.as_str();
        let ok = c.hresult.is_none_or(HResult::is_success);
        match (c.object.kind, method) {
            (K::Store, "IMAPISession::OpenMsgStore") => self.open_store(c),
            (K::Store, "IMsgStore::StoreLogoff") => self.store_logoff(c, ok),
            (K::Store, "IMsgStore::Release") => self.store_release(c),
            (K::Store, "IMsgStore::NotifyNewMail") => self.end_transfer(c),
            (K::Store, _) => {
                self.store_call_after_complete(c, ok);
            }
            (K::StoreSupport, "IMAPISupport::StoreLogoffTransports") => self.store_logoff_transports(c, ok),
            (K::StoreSupport, "IMAPISupport::Release") => self.store_support_release(c),
            (K::StoreSupport, _) => self.call_on_store_support(c),
            (K::Session, "IXPLogon::TransportNotify") => self.transport_notify(c),
            (K::Session, "IXPLogon::TransportLogoff") => self.transport_logoff(c, ok),
            (K::Session, "IXPLogon::Release") => self.session_release(c),
            (K::Session, "IXPLogon::SubmitMessage" | "IXPLogon::StartMessage") => {
                let _ = self.session_call(c);
                self.begin_transfer(c);
            }
            (K::Session, "IXPLogon::EndMessage") => {
                let _ = self.session_call(c);
                self.end_transfer(c);
            }
            (_, "Spooler::RequeueMessage") => self.end_transfer(c),
            (K::Session, "Spooler::DiscardAddressTypes") => {
                self.session(c).address_types_discarded = true;
            }
            (K::Session, _) if IXPLOGON.contains(&method) || method.starts_with("Spooler::") => {
                let _ = self.session_call(c);
            }
            (K::SessionSupport, "IMAPISupport::Release") => self.session_support_release(c),
            (K::SessionSupport, _) => self.call_on_session_support(c),
            (K::Block, "MAPIAllocateBuffer" | "MAPIAllocateMore") => self.allocate(c),
            (K::Block, "MAPIFreeBuffer") => self.free(c),
            (K::Transport, "IXPProvider::Shutdown") => self.provider_shutdown(c),
            _ if KNOWN_OTHER.contains(&method) => {}
            _ => {
                if !self.not_understood.contains(method) {
                    self.not_understood.insert(method.to_string());
                    self.push(Diagnostic {
                        rule: None,
                        mistake: None,
                        severity: Info,
                        party: None,
                        code: "notUnderstood".into(),
                        line: c.line,
                        related: Vec::new(),
                        objects: vec![c.object.to_string()],
                        message: format!(
                            "{method} on a {} is not a call this checker understands; such lines are skipped",
                            c.object.kind.as_str()
                        ),
                        doc_url: None,
                    });
                }
            }
        }
        if let Some(caller) = &c.caller {
            self.check_session_cleanup_order(caller, c);
        }
    }

    // ---- stores --------------------------------------------------------

    /// The party that calls a store as its client: the application, or a
    /// wrapping provider's store that forwards to it.
    fn client_of(&self, store_id: &str) -> (Party, String) {
        match self.wrapped_by.get(store_id) {
            Some(wrapper) => (Party::Client, format!("the wrapping store {wrapper}")),
            None => (Party::Client, "the client".to_string()),
        }
    }

    fn store(&mut self, process: Option<u64>, id: &str) -> &mut StoreTrack {
        self.stores.entry(&*store_key(process, id))
    }

    /// A store released to zero whose support object is released too is
    /// finished: only a call on it after that can still be judged.
    fn retire_store_if_finished(&mut self, key: &str) {
        if !self.stores.get(key).is_some_and(|s| s.destroyed && s.support_released) {
            return;
        }
        let Some((key, store)) = self.stores.retire(key) else { return };
        // Forgotten: so is who had this copy open.
        let id = store.process.and_then(|p| key.strip_prefix(&format!("{p}/"))).unwrap_or(&key);
        if let Some(openers) = self.openers.get_mut(id) {
            openers.retain(|(p, _)| *p != store.process);
            if openers.is_empty() {
                self.openers.remove(id);
            }
        }
    }

    fn open_store(&mut self, c: &Call) {
        let key = store_key(c.process, &c.object.id);
        let store = self.stores.entry(&*key);
        if store.destroyed {
            *store = StoreTrack::default();
            self.stores.revive(&*key);
        }
        if let Some(profile) = &c.profile {
            self.store(c.process, &c.object.id).process = c.process;
            if !self.openers.contains_key(c.object.id.as_str()) {
                self.openers.insert(c.object.id.clone(), Vec::new());
            }
            let openers = self.openers.get_mut(c.object.id.as_str()).expect("inserted");
            if !openers.iter().any(|(p, f)| *p == c.process && f == profile) {
                openers.push((c.process, profile.clone()));
            }
        }
    }

    /// Two different processes have the store open for the same profile (S8).
    fn shared_across_processes(&self, id: &str) -> bool {
        self.openers.get(id).is_some_and(|o| o.iter().enumerate().any(|(i, (p, f))| o[i + 1..].iter().any(|(q, g)| q != p && g == f)))
    }

    fn store_call_on_destroyed(&mut self, c: &Call) -> bool {
        let key = store_key(c.process, &c.object.id);
        let destroyed = self.stores.get(&*key).is_some_and(|s| s.destroyed);
        if destroyed && !is_spooler_or_mapi(c.caller.as_ref()) {
            let party = self.client_of(&c.object.id).0;
            let message = format!("{} reached store {} after its last reference was released", c.method, c.object.id);
            self.report(Finding::new(I3, Error, party, c.line, c.object.to_string(), message));
        }
        destroyed
    }

    /// S9: after COMPLETE only Release should be called. Returns whether
    /// the call came after COMPLETE.
    fn store_call_after_complete(&mut self, c: &Call, ok: bool) -> bool {
        // MAPI and its spooler call through their own logon, which MAPI
        // keeps until the spooler lets go (S16): not the client's object.
        if is_spooler_or_mapi(c.caller.as_ref()) {
            return false;
        }
        if self.store_call_on_destroyed(c) {
            return true;
        }
        let key = store_key(c.process, &c.object.id);
        let Some(since) = self.stores.get(&*key).and_then(|s| s.invalid_since) else { return false };
        if since >= c.start_line {
            return false;
        }
        let object = c.object.to_string();
        if STORE_CALLS_ALWAYS_VALID.contains(&c.method.as_str()) {
            return false;
        }
        let (party, who) = self.client_of(&c.object.id);
        let message =
            format!("{who} called {} on store {} after LOGOFF_COMPLETE; only Release should be called now", c.method, c.object.id);
        self.report(Finding::new(I3, Warning, party, c.line, object.clone(), message).mistake(M5).related(since));
        if ok && c.hresult.is_some() {
            let message = format!(
                "store {} accepted {} after returning LOGOFF_COMPLETE; the object has been invalidated (the model answers MAPI_E_INVALID_OBJECT)",
                c.object.id, c.method
            );
            self.report(Finding::new(S9, Warning, Party::StoreProvider, c.line, object, message).mistake(M5).related(since));
        }
        true
    }

    fn store_logoff(&mut self, c: &Call, ok: bool) {
        // A store that wrongly accepts StoreLogoff after COMPLETE (M5) still
        // saved the new flag, so go on recording it.
        if self.store_call_after_complete(c, ok) && !ok {
            return;
        }
        let object = c.object.to_string();
        if c.hresult == Some(HResult::MAPI_E_NO_SUPPORT) {
            let message = format!(
                "store {} passed MAPI_E_NO_SUPPORT from StoreLogoffTransports on to its caller; it should treat it as normal (the support object does not implement the call)",
                c.object.id
            );
            self.report(Finding::new(S11, Warning, Party::StoreProvider, c.line, object, message).mistake(M4));
            return;
        }
        let flags = c.flags.unwrap_or(0);
        if StoreLogoffFlag::from_raw(flags).is_err() {
            // The caller's mistake first: "a caller must specify only one
            // flag per call" (IMsgStore::StoreLogoff).
            let (party, who) = self.client_of(&c.object.id);
            let output_bits = flags & StoreLogoffOutFlags::DEFINED != 0;
            let message = format!(
                "{who} called StoreLogoff on store {} with {}{}",
                c.object.id,
                flags_text(flags),
                if output_bits {
                    ": output bits passed back as input (an in/out variable reused from an earlier call)"
                } else {
                    "; exactly one input flag is allowed"
                }
            );
            self.report(Finding::new(S1, Error, party, c.line, object.clone(), message).mistake(M3));
            if ok && c.hresult.is_some() {
                let message = format!(
                    "store {} accepted StoreLogoff with {}; the model's store refuses it with MAPI_E_INVALID_PARAMETER",
                    c.object.id,
                    flags_text(flags)
                );
                self.report(Finding::new(S1, Warning, Party::StoreProvider, c.line, object, message).mistake(M3));
            }
            // A store that accepted remembers the value it will pass on.
            if ok {
                self.store(c.process, &c.object.id).saved_flag = Some((flags, c.line));
            }
            return;
        }
        if !ok {
            return;
        }
        let store = self.store(c.process, &c.object.id);
        store.saved_flag = Some((flags, c.line));
        if c.out_flags.is_some_and(|f| f & StoreLogoffOutFlags::LOGOFF_COMPLETE.bits() != 0) {
            store.invalid_since = Some(store.invalid_since.map_or(c.line, |l| l.min(c.line)));
        }
    }

    fn store_release(&mut self, c: &Call) {
        let key = store_key(c.process, &c.object.id);
        let store = self.stores.entry(&*key);
        if store.destroyed {
            let message = format!("Release on store {} after its last reference was released", c.object.id);
            let party = self.client_of(&c.object.id).0;
            self.report(Finding::new(I4, Error, party, c.line, c.object.to_string(), message));
            return;
        }
        if c.ref_count == Some(0) {
            store.final_release = Some(c.line);
            store.destroyed = true;
            self.retire_store_if_finished(&key);
        }
    }

    fn store_logoff_transports(&mut self, c: &Call, ok: bool) {
        let id = c.object.id.as_str();
        let key = store_key(c.process, id);
        let object = || format!("store {id}");
        let store = self.stores.entry(&*key);
        if store.support_released {
            let message = format!("StoreLogoffTransports on the support object of store {id}, which was already released");
            self.report(Finding::new(I3, Error, Party::StoreProvider, c.line, object(), message));
            return;
        }
        let flags = c.flags.unwrap_or(0);
        let result = c.hresult;
        store.last_result = result;
        if result == Some(HResult::MAPI_E_NO_SUPPORT) {
            store.completions += 1;
            return;
        }
        if store.completions > 0 {
            let message = format!(
                "store {id} called StoreLogoffTransports again after it completed; it \"must be called once during the shutdown process\""
            );
            self.report(Finding::new(S10, Error, Party::StoreProvider, c.line, object(), message).mistake(M2));
            return;
        }
        let in_release = store.in_release > 0 || store.final_release.is_some();
        let saved = store.saved_flag;
        let shared = self.shared_across_processes(id);
        if StoreLogoffFlag::from_raw(flags).is_err() {
            let output_bits = flags & StoreLogoffOutFlags::DEFINED != 0;
            // Passing on the client's bad flags unchanged is still the
            // store's call, but the client's mistake came first.
            let from_client = saved.filter(|(f, _)| *f == flags);
            let message = format!(
                "store {id} passed {} to StoreLogoffTransports{}{}",
                flags_text(flags),
                if output_bits {
                    ": output bits passed back as input (a reused in/out variable)"
                } else {
                    "; exactly one input flag is allowed"
                },
                if from_client.is_some() { ", as the client gave them to StoreLogoff" } else { "" }
            );
            let severity = if from_client.is_some() { Warning } else { Error };
            let mut finding = Finding::new(S1, severity, Party::StoreProvider, c.line, object(), message).mistake(M3);
            if let Some((_, line)) = from_client {
                finding = finding.related(line);
            }
            self.report(finding);
            // S8 comes first: a call MAPI ignored ended the shutdown anyway.
            let ignored = ok && c.out_flags == Some(StoreLogoffOutFlags::LOGOFF_COMPLETE.bits());
            if !ignored {
                return;
            }
        }
        let out = c.out_flags.unwrap_or(0);
        let complete = ok && out & StoreLogoffOutFlags::LOGOFF_COMPLETE.bits() != 0;
        if shared && !(ok && out == StoreLogoffOutFlags::LOGOFF_COMPLETE.bits()) {
            let message = format!(
                "store {id} is open in another process of the same profile, so MAPI ignores the call: S_OK and exactly LOGOFF_COMPLETE"
            );
            self.report(Finding::new(S8, Warning, Party::Mapi, c.line, object(), message));
        }
        let store = self.stores.entry(&*key);
        // A veto during the final release still ends this shutdown: the
        // store goes away either way, so another call is a repeat.
        if complete || (ok && in_release) {
            store.completions += 1;
            store.first_flags.get_or_insert(flags);
            store.invalid_since.get_or_insert(c.line);
            store.completed_in_release = in_release;
        } else if ok {
            store.vetoed_before_release = true;
        }
    }

    /// The store releases its support object: the end of its shutdown.
    /// StoreLogoffTransports must have been called (S14, I5), with the
    /// client's flag or LOGOFF_ABORT (S12).
    fn store_support_release(&mut self, c: &Call) {
        let id = c.object.id.as_str();
        let key = store_key(c.process, id);
        let object = || format!("store {id}");
        let store = self.stores.entry(&*key);
        if store.support_released {
            let message = format!("the support object of store {id} was released twice");
            self.report(Finding::new(I4, Error, Party::StoreProvider, c.line, object(), message));
            return;
        }
        store.support_released = true;
        let store = &*store;
        let (saved, saved_line) = store.saved_flag.map_or((None, None), |(f, l)| (Some(f), Some(l)));
        let expected = saved.filter(|f| StoreLogoffFlag::from_raw(*f).is_ok()).unwrap_or(StoreLogoffFlag::Abort.bits());
        let (completions, first, last) = (store.completions, store.first_flags, store.last_result);
        let (vetoed, in_release) = (store.vetoed_before_release, store.completed_in_release);
        if completions == 0 {
            let refused = last.is_some_and(|r| !r.is_success());
            // S14: after a veto "a call has occurred": a second call and
            // none both conform.
            if !refused && !vetoed {
                let message = format!(
                    "store {id} released its support object without calling StoreLogoffTransports (it should have passed {}); it \"must be called once during the shutdown process\"",
                    flags_text(expected)
                );
                self.report(Finding::new(S14, Error, Party::StoreProvider, c.line, object(), message).mistake(M1));
            }
        } else if let Some(first) = first
            && last != Some(HResult::MAPI_E_NO_SUPPORT)
            && first != expected
            && !(in_release && first == StoreLogoffFlag::Abort.bits())
            && StoreLogoffFlag::from_raw(first).is_ok()
        {
            let message = format!(
                "store {id} called StoreLogoffTransports with {} but the client gave {}; it should pass the client's flag",
                flags_text(first),
                flags_text(expected)
            );
            let mut finding = Finding::new(I5, Warning, Party::StoreProvider, c.line, object(), message);
            if let Some(l) = saved_line {
                finding = finding.related(l);
            }
            self.report(finding);
        }
        self.retire_store_if_finished(&key);
    }

    fn call_on_store_support(&mut self, c: &Call) {
        let key = store_key(c.process, &c.object.id);
        if self.stores.get(&*key).is_some_and(|s| s.support_released) {
            let message = format!("{} on the support object of store {}, which was already released", c.method, c.object.id);
            self.report(Finding::new(I3, Error, Party::StoreProvider, c.line, format!("store {}", c.object.id), message));
        }
    }

    // ---- sessions ------------------------------------------------------

    fn session(&mut self, c: &Call) -> &mut SessionTrack {
        self.session_of(&c.object.id, c.provider.as_ref().or(c.object.provider.as_ref()))
    }

    /// A session, with its transport provider when the line names it.
    fn session_of(&mut self, id: &str, provider: Option<&String>) -> &mut SessionTrack {
        let s = self.sessions.entry(id);
        if s.provider.is_none()
            && let Some(p) = provider
        {
            s.provider = Some(p.clone());
            if !s.destroyed {
                s.counted = true;
                *self.provider_sessions.entry(p.clone()).or_default() += 1;
            }
        }
        s
    }

    /// Calls that may not reach a released or invalidated logon (I3).
    /// Returns whether the call reached a logon that was already released.
    fn session_call(&mut self, c: &Call) -> bool {
        // Only what happened before the call began counts: a TransportLogoff
        // judged at its return line made the MakeInvalid inside it.
        let start = c.start_line;
        let s = self.session(c);
        let released = s.released_at.filter(|&at| at < start);
        let invalid = s.make_invalid_at.is_some_and(|at| at < start);
        // A logon's calls on itself (the T8 logoff inside its own Release)
        // are part of the call that released it, not calls reaching it.
        let self_call = c.caller.as_ref().is_some_and(|r| r.kind == ObjectKind::Session && r.id == c.object.id);
        let object = c.object.to_string();
        if let (Some(at), false) = (released, self_call) {
            let message = format!("{} reached session {} after it was released", c.method, c.object.id);
            self.report(Finding::new(I3, Error, Party::Mapi, c.line, object, message).related(at));
            return true;
        } else if invalid && !self_call && !c.method.starts_with("Spooler::") {
            let message =
                format!("{} reached session {} after MakeInvalid; only AddRef, Release and QueryInterface may", c.method, c.object.id);
            self.report(Finding::new(I3, Error, Party::Mapi, c.line, object, message));
        }
        false
    }

    fn transport_notify(&mut self, c: &Call) {
        if self.session_call(c) {
            return;
        }
        let end = (TransportNotifyFlags::NOTIFY_END_INBOUND | TransportNotifyFlags::NOTIFY_END_OUTBOUND).bits();
        if c.flags.unwrap_or(0) & end == end {
            self.session(c).traffic_ended = true;
        }
    }

    fn transport_logoff(&mut self, c: &Call, ok: bool) {
        if self.session_call(c) {
            return;
        }
        let flags = c.flags.unwrap_or(0);
        let from_spooler = c.caller.as_ref().is_some_and(|r| r.kind == ObjectKind::Spooler);
        let object = c.object.to_string();
        // T1: ulFlags is "Reserved; must be zero". Anything else is the
        // caller's mistake (M11), never the provider's; the provider may
        // ignore the bits or refuse them, and cleans up either way (T7).
        if flags != 0 {
            let own = c.caller.as_ref().is_some_and(|r| r.kind == ObjectKind::Session && r.id == c.object.id)
                || c.caller.as_ref().is_some_and(|r| r.kind == ObjectKind::Transport);
            let (party, who, severity) = match &c.caller {
                _ if own => (Party::TransportProvider, format!("session {} itself", c.object.id), Warning),
                Some(r) if r.kind == ObjectKind::Spooler => (Party::Mapi, "the spooler".to_string(), Error),
                Some(r) => (Party::Client, r.to_string(), Error),
                None => (Party::Mapi, "its caller".to_string(), Error),
            };
            let message = format!(
                "{who} called TransportLogoff on session {} with ulFlags {}; ulFlags is reserved and must be zero (the caller's mistake)",
                c.object.id,
                FlagSet::TransportLogoff.format(flags)
            );
            self.report(Finding::new(T1, severity, party, c.line, object.clone(), message).mistake(M11));
        }
        if from_spooler && !self.session(c).traffic_ended {
            let message = format!(
                "the spooler called TransportLogoff on session {} without first ending its traffic with TransportNotify (the model's order)",
                c.object.id
            );
            self.report(Finding::new(T3, Info, Party::Mapi, c.line, object, message));
        }
        let s = self.session(c);
        // A failure (or a refusal of reserved flags) logs the session off
        // all the same (T7): whether the provider cleaned up shows below.
        s.logoff_line.get_or_insert(c.start_line);
        if s.in_logoff.is_none() {
            s.in_logoff = Some(c.start_line);
        }
        if !ok {
            s.logoff_failed = true;
        }
    }

    /// TransportLogoff is over, with everything it called: the provider
    /// must have stopped its sends (T4), freed its memory (T5) and released
    /// its support object last, after MakeInvalid (T6).
    fn transport_logoff_ended(&mut self, c: &Call) {
        let id = c.object.id.as_str();
        let object = || format!("session {id}");
        let Some(s) = self.sessions.get_mut(id) else { return };
        let began = s.in_logoff.take().unwrap_or(c.start_line);
        let make_invalid = s.make_invalid_at.filter(|&at| at >= began);
        let (first_free, support) = (s.first_free_in_logoff, s.support_released_at);
        // Failing (or refusing reserved flags, which T1 allows) and then
        // doing nothing is taking the failure for a veto (M9).
        let failed = s.logoff_failed && !s.cleaned_in_logoff;
        let mut findings = Vec::new();
        if !s.unstopped_reported && !s.sending.is_empty() {
            s.unstopped_reported = true;
            let list = s.sending.iter().map(|&m| pointer_text(m)).collect::<Vec<_>>().join(", ");
            let message = format!(
                "session {id} returned from TransportLogoff with message {list} still being sent; it should stop the sending process"
            );
            findings.push(Finding::new(T4, Warning, Party::TransportProvider, c.line, object(), message).related(began));
        }
        if !s.leak_reported && !s.live_blocks.is_empty() {
            s.leak_reported = true;
            let mut list: Vec<u64> = s.live_blocks.iter().copied().collect();
            list.sort_unstable();
            let list = list.iter().map(|&b| pointer_text(b)).collect::<Vec<_>>().join(", ");
            let (mistake, why) = if failed {
                (M9, "after failing it, as if the failure kept the session")
            } else {
                (M7, "it must free its memory during TransportLogoff")
            };
            let message = format!("session {id} returned from TransportLogoff with block {list} still allocated; {why}");
            findings.push(Finding::new(T5, Error, Party::TransportProvider, c.line, object(), message).mistake(mistake).related(began));
        }
        if let Some(support) = support.filter(|&at| at > began) {
            // MakeInvalid after the support release is M6, reported where
            // it reached the released object.
            let late = match (make_invalid, first_free) {
                (None, _) => Some("without calling MakeInvalid first"),
                (Some(mi), Some(free)) if mi > free && mi < support => Some("after freeing memory: MakeInvalid should come first"),
                _ => None,
            };
            if let Some(why) = late {
                let message = format!(
                    "session {id} released its support object in TransportLogoff {why} (\"a provider should first invalidate its logon object\")"
                );
                findings.push(Finding::new(T6, Warning, Party::TransportProvider, support, object(), message).related(began));
            }
        }
        for f in findings {
            self.report(f);
        }
    }

    fn session_release(&mut self, c: &Call) {
        let s = self.session(c);
        if let Some(at) = s.released_at {
            let message = format!("Release on session {} after it was released", c.object.id);
            self.report(Finding::new(I4, Error, Party::Mapi, c.line, c.object.to_string(), message).related(at));
            return;
        }
        // Only the Release that returns 0 destroys the logon; a log that
        // gives no count is read as the final one.
        // What it still holds is judged when the Release is over: a logon
        // released without TransportLogoff does its logoff work inside (T8).
        if c.ref_count.is_none_or(|n| n == 0) {
            s.released_at = Some(c.line);
        }
    }

    /// The logon is gone: what it still held is a leak (I2), and a message
    /// still in transfer on it is stranded (I1).
    fn session_destroyed(&mut self, id: &str, line: u64) {
        let Some(s) = self.sessions.get_mut(id) else { return };
        let object = format!("session {id}");
        // Why the cleanup did not happen: a failed (or refused) logoff the
        // provider believed kept the session, or no logoff work at all.
        let cause = if s.logoff_failed && !s.cleaned_in_logoff {
            Some(M9)
        } else if s.logoff_line.is_none() {
            Some(M10)
        } else {
            None
        };
        let mut findings = Vec::new();
        if !s.leak_reported && !s.live_blocks.is_empty() {
            s.leak_reported = true;
            let mut list: Vec<u64> = s.live_blocks.iter().copied().collect();
            list.sort_unstable();
            let list = list.iter().map(|&b| pointer_text(b)).collect::<Vec<_>>().join(", ");
            let message = format!("session {id} was logged off with memory still allocated: block {list}");
            let mut f = Finding::new(I2, Error, Party::TransportProvider, line, object.clone(), message);
            f.mistake = cause.or(Some(M7));
            findings.push(f);
        }
        if s.support_released_at.is_none() {
            let message = format!("session {id} was logged off without releasing its support object");
            let mut f = Finding::new(I2, Error, Party::TransportProvider, line, object.clone(), message);
            f.mistake = cause;
            findings.push(f);
        }
        if !s.unstopped_reported {
            for &m in &s.sending {
                let message = format!("message {m} was still being sent on session {id} when it was released");
                findings.push(Finding::new(I1, Warning, Party::TransportProvider, line, object.clone(), message));
            }
        }
        // What it held goes with it: its transfers, and its memory, which
        // is judged no more (a later free of it is not blamed).
        let mut transfers = std::mem::take(&mut s.sending);
        transfers.append(&mut s.receiving);
        let mut blocks: Vec<u64> = std::mem::take(&mut s.live_blocks).into_iter().collect();
        blocks.sort_unstable();
        for m in transfers {
            if self.transfers.get(&m).is_some_and(|t| t == id) {
                self.transfers.remove(&m);
            }
        }
        for b in blocks {
            self.retire_block(b);
        }
        for f in findings {
            self.report(f);
        }
    }

    /// The session's final Release is over and judged: it is finished, and
    /// with its last session gone, so is its provider's shutdown (I6).
    fn retire_session(&mut self, id: &str) {
        let Some(s) = self.sessions.get_mut(id) else { return };
        let provider = if s.counted { s.provider.clone() } else { None };
        s.counted = false;
        self.sessions.retire(id);
        if let Some(p) = provider
            && let Some(n) = self.provider_sessions.get_mut(p.as_str())
        {
            *n -= 1;
            if *n == 0 {
                self.provider_sessions.remove(p.as_str());
                self.providers_shut_down.retire(p.as_str());
            }
        }
    }

    /// A root block and its MAPIAllocateMore children are finished.
    fn retire_block(&mut self, id: u64) {
        let children = self.blocks.get(&id).map(|b| b.children.clone()).unwrap_or_default();
        for child in children {
            self.blocks.retire(&child);
        }
        self.blocks.retire(&id);
    }

    fn session_support_release(&mut self, c: &Call) {
        let s = self.sessions.entry(c.object.id.as_str());
        if let Some(at) = s.support_released_at {
            let message = format!("the support object of session {} was released twice", c.object.id);
            self.report(Finding::new(I4, Error, Party::TransportProvider, c.line, format!("session {}", c.object.id), message).related(at));
            return;
        }
        s.support_released_at = Some(c.line);
        if s.in_logoff.is_some() {
            s.cleaned_in_logoff = true;
        }
    }

    fn call_on_session_support(&mut self, c: &Call) {
        let s = self.sessions.entry(c.object.id.as_str());
        if c.method == "IMAPISupport::MakeInvalid" {
            s.make_invalid_at.get_or_insert(c.line);
        }
        if s.in_logoff.is_some() {
            s.cleaned_in_logoff = true;
        }
        if let Some(at) = s.support_released_at {
            let message = format!("{} on the support object of session {}, which it already released", c.method, c.object.id);
            self.report(
                Finding::new(I3, Error, Party::TransportProvider, c.line, format!("session {}", c.object.id), message)
                    .mistake(M6)
                    .related(at),
            );
        }
    }

    /// T6: the support object goes last. A session that keeps cleaning up
    /// (freeing memory) after releasing it made mistake M6.
    fn check_session_cleanup_order(&mut self, caller: &ObjectRef, c: &Call) {
        if caller.kind != ObjectKind::Session || c.object.kind != ObjectKind::Block {
            return;
        }
        let Some(s) = self.sessions.get_mut(caller.id.as_str()) else { return };
        if let (Some(at), false) = (s.support_released_at, s.cleanup_after_support_reported) {
            if s.released_at.is_none() {
                s.cleanup_after_support_reported = true;
                let message = format!(
                    "session {} went on cleaning up ({}) after releasing its support object, which must go last",
                    caller.id, c.method
                );
                self.report(
                    Finding::new(T6, Error, Party::TransportProvider, c.line, format!("session {}", caller.id), message)
                        .mistake(M6)
                        .related(at),
                );
            }
        }
    }

    fn end_transfer(&mut self, c: &Call) {
        if let Some(m) = c.message
            && let Some(session) = self.transfers.remove(&m)
            && let Some(s) = self.sessions.get_mut(session.as_str())
        {
            s.sending.retain(|&x| x != m);
            s.receiving.retain(|&x| x != m);
        }
    }

    // ---- memory --------------------------------------------------------

    fn allocate(&mut self, c: &Call) {
        let Some(Some(id)) = c.block else { return };
        // Who must free it: the caller, unless the line names an owner
        // (memory MAPI allocated for a provider).
        let owner_ref = c.owner.as_ref().or(c.caller.as_ref());
        let owner = owner_ref.filter(|r| r.kind == ObjectKind::Session).map(|r| r.id.clone()).unwrap_or_default();
        if let Some(r) = owner_ref.filter(|r| r.kind == ObjectKind::Session) {
            self.session_of(&r.id, r.provider.as_ref());
        }
        if c.purpose.as_deref() == Some("addressTypes") && !owner.is_empty() {
            self.sessions.entry(owner.as_str()).address_types_block = Some(id);
        }
        let released = self.sessions.get(owner.as_str()).and_then(|s| s.released_at);
        if let Some(at) = released {
            let message = format!("{} was called for session {owner} after the spooler released it", c.method);
            self.report(Finding::new(I3, Error, Party::TransportProvider, c.line, format!("session {owner}"), message).related(at));
        }
        // A block id the allocator hands out again starts a new block.
        *self.blocks.entry(&id) = BlockTrack { owner: owner.clone(), parent: c.parent, children: Vec::new(), freed: false };
        self.blocks.revive(&id);
        match c.parent {
            Some(p) => self.blocks.entry(&p).children.push(id),
            None if !owner.is_empty() && released.is_none() => {
                self.sessions.entry(owner.as_str()).live_blocks.insert(id);
            }
            None => {}
        }
    }

    fn free(&mut self, c: &Call) {
        let Some(Some(id)) = c.block else { return };
        let shown = || pointer_text(id);
        let object = || format!("block {}", shown());
        if let Some(caller) = c.caller.as_ref().filter(|r| r.kind == ObjectKind::Session)
            && let Some(s) = self.sessions.get_mut(caller.id.as_str())
            && s.in_logoff.is_some()
        {
            s.first_free_in_logoff.get_or_insert(c.line);
            s.cleaned_in_logoff = true;
        }
        let Some(block) = self.blocks.get(&id) else {
            // A block this log never saw allocated may predate the log:
            // blamed only when MAPI itself refused to free it.
            if c.hresult.is_some_and(|h| !h.is_success()) {
                let message = format!("MAPIFreeBuffer on {}, which MAPI refused: it never allocated that pointer", shown());
                self.report(Finding::new(T9, Error, Party::TransportProvider, c.line, object(), message).mistake(M7));
            }
            return;
        };
        if block.freed {
            let message = format!("MAPIFreeBuffer on block {}, which was already freed", shown());
            self.report(Finding::new(T9, Error, Party::TransportProvider, c.line, object(), message).mistake(M7));
            return;
        }
        if block.parent.is_some() {
            let message = format!("MAPIFreeBuffer on block {}, a MAPIAllocateMore child; free its root instead", shown());
            self.report(Finding::new(T9, Error, Party::TransportProvider, c.line, object(), message).mistake(M7));
            return;
        }
        let owner = block.owner.clone();
        let children = block.children.clone();
        if let Some(s) = self.sessions.get(owner.as_str())
            && s.address_types_block == Some(id)
            && !s.address_types_discarded
            && s.logoff_line.is_none()
            && s.in_logoff.is_none()
            && s.in_release == 0
            && s.released_at.is_none()
        {
            let message = format!("session {owner} freed its AddressTypes array (block {}) before TransportLogoff", shown());
            self.report(Finding::new(T5, Error, Party::TransportProvider, c.line, object(), message).mistake(M8));
        }
        for child in children {
            if let Some(b) = self.blocks.get_mut(&child) {
                b.freed = true;
                self.blocks.retire(&child);
            }
        }
        if let Some(b) = self.blocks.get_mut(&id) {
            b.freed = true;
            b.children = Vec::new();
            self.blocks.retire(&id);
        }
        if let Some(s) = self.sessions.get_mut(owner.as_str()) {
            s.live_blocks.remove(&id);
        }
    }

    fn provider_shutdown(&mut self, c: &Call) {
        if let Some(at) = self.providers_shut_down.get(c.object.id.as_str()) {
            let message = format!("IXPProvider::Shutdown on transport {} after it was shut down", c.object.id);
            self.report(Finding::new(I3, Error, Party::Mapi, c.line, c.object.to_string(), message).related(*at));
            return;
        }
        *self.providers_shut_down.entry(c.object.id.as_str()) = c.line;
        // Remembered while a session of it may still be judged by it (I6).
        if !self.provider_sessions.contains_key(c.object.id.as_str()) {
            self.providers_shut_down.retire(c.object.id.as_str());
        }
    }

    /// Ends the check: what can only be judged once every call was seen.
    pub fn finish(mut self) -> Report {
        // A last line without a line feed counts unless it is blank.
        let rest = std::mem::take(&mut self.partial);
        if !String::from_utf8_lossy(cut(&rest)).trim().is_empty() {
            self.bytes_line(&rest);
        }
        let mut threads: Vec<String> = self.frames.keys().cloned().collect();
        threads.sort_unstable();
        for t in threads {
            self.close_complete_frames(&t, None);
        }
        for call in std::mem::take(&mut self.open_ended) {
            self.end(&call);
        }
        self.finish_stores();
        self.finish_sessions();
        self.report
    }

    fn finish_stores(&mut self) {
        let mut found = Vec::new();
        for (key, s) in self.stores.in_order() {
            let id = key.rsplit('/').next().unwrap_or(key);
            if let Some(line) = s.final_release
                && !s.support_released
                && !self.wrapped_store_released_support(key, id)
            {
                let object = format!("store {id}");
                found.push(if s.last_result == Some(HResult::MAPI_E_NO_SUPPORT) {
                    let message = format!(
                        "store {id} stopped its teardown at MAPI_E_NO_SUPPORT and never released its support object, so MAPI never logs it off"
                    );
                    Finding::new(S11, Warning, Party::StoreProvider, line, object, message).mistake(M4)
                } else {
                    let message = format!("store {id} was released to zero but never released its support object, so MAPI never logs it off");
                    Finding::new(S16, Error, Party::StoreProvider, line, object, message)
                });
            }
        }
        for f in found {
            self.report(f);
        }
    }

    /// A wrapping store holds no support object of its own that MAPI
    /// watches: MAPI's is reached through the store it wraps (the
    /// wrapped-PST sample's CSupport), so the wrapped store's release of it
    /// ends the pair's shutdown (S16).
    fn wrapped_store_released_support(&self, key: &str, id: &str) -> bool {
        let process = key.strip_suffix(id).unwrap_or_default();
        self.wrapped_by
            .iter()
            .filter(|(_, wrapper)| wrapper.as_str() == id)
            .any(|(inner, _)| self.stores.get(format!("{process}{inner}").as_str()).is_some_and(|s| s.support_released))
    }

    fn finish_sessions(&mut self) {
        let mut found = Vec::new();
        for (id, s) in self.sessions.in_order() {
            if s.released_at.is_some() {
                continue;
            }
            if let Some(provider) = &s.provider
                && let Some(&line) = self.providers_shut_down.get(provider.as_str())
                && s.logoff_line.is_none()
            {
                let message = format!("transport {provider} was shut down while its logon {id} was still open");
                found.push(Finding::new(I6, Error, Party::TransportProvider, line, format!("session {id}"), message).mistake(M10));
            }
        }
        for f in found {
            self.report(f);
        }
    }
}

/// Checks a whole trace text.
pub fn check_trace(text: &str) -> Report {
    let mut checker = Checker::new();
    checker.feed(text);
    checker.finish()
}
