//! The trace file format: JSON Lines, one call per line, for logs of real
//! providers and for the engine's own traces (`Simulation::trace_jsonl`).
//!
//! ```text
//! {"format":"mapi-logoff-trace","version":1}
//! {"caller":{"kind":"client"},"object":{"kind":"store","id":"Mailbox"},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_ORDERLY","hresult":"S_OK","outFlags":"0x00010000"}
//! {"caller":{"kind":"store","id":"Mailbox"},"object":{"kind":"storeSupport","id":"Mailbox"},"method":"IMAPISupport::StoreLogoffTransports","flags":2,"hresult":0,"outFlags":65536,"depth":1}
//! ```
//!
//! The header line is optional; when present its version must be 1. Each
//! call names the object called (`object`: kind and id) and, when known, the
//! caller. Flags and HRESULTs are numbers, hex strings (`"0x8004010F"`) or
//! names (`"LOGOFF_ORDERLY | LOGOFF_QUIET"`, `"MAPI_E_NO_SUPPORT"`); flag
//! names are read in the flag set of the method. Optional fields, where they
//! matter: `block` (the buffer of MAPIAllocateBuffer/More/FreeBuffer, `null`
//! for MAPIFreeBuffer(NULL)), `parent` (MAPIAllocateMore), `purpose`
//! (`"addressTypes"` on the allocation of an AddressTypes array), `message`
//! (transfers), `refCount` (what AddRef/Release returned), `provider` (the
//! transport provider of a session object), `process` and `profile` (who
//! opened a store, S8), `depth` (call nesting; calls made inside a call
//! follow it with a larger depth). docs/trace-format.md describes every
//! field.

use crate::engine::Simulation;
use crate::error::{ErrorCode, InputError};
use crate::flags::FlagSet;
use crate::hresult::HResult;
use crate::json::{self, Fields};
use crate::memory::BlockKind;
use crate::trace::{Event, Method, PartyKind};
use serde_json::Value;
use std::fmt::Write as _;

pub const TRACE_FORMAT: &str = "mapi-logoff-trace";
pub const TRACE_VERSION: u32 = 1;

json::string_enum! {
    /// The kinds of object a trace line can name.
    pub enum ObjectKind {
        Client = "client",
        Spooler = "spooler",
        Mapi = "mapi",
        Store = "store",
        StoreSupport = "storeSupport",
        StoreProvider = "storeProvider",
        Session = "session",
        SessionSupport = "sessionSupport",
        Transport = "transport",
        Block = "block",
    }
}

/// An object: its kind and its id in the log (a name or a number, kept as
/// text), and for a session the transport provider it belongs to.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub id: String,
    pub provider: Option<String>,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.id.is_empty() { f.write_str(self.kind.as_str()) } else { write!(f, "{} {}", self.kind.as_str(), self.id) }
    }
}

/// One call read from a trace line.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Call {
    /// 1-based line number in the file.
    pub line: u64,
    pub caller: Option<ObjectRef>,
    pub object: ObjectRef,
    pub method: String,
    pub flags: Option<u32>,
    pub out_flags: Option<u32>,
    pub hresult: Option<HResult>,
    pub depth: Option<u32>,
    /// `Some(None)` is an explicit `"block": null` (MAPIFreeBuffer(NULL)).
    pub block: Option<Option<u64>>,
    pub parent: Option<u64>,
    pub purpose: Option<String>,
    pub message: Option<u64>,
    pub ref_count: Option<u32>,
    pub provider: Option<String>,
    pub process: Option<u64>,
    pub profile: Option<String>,
}

/// What one line of a trace file is.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Line {
    Header,
    Blank,
    Call(Box<Call>),
}

/// The flag set a method's `flags` and `outFlags` are read in.
pub fn flag_set_of(method: &str) -> Option<FlagSet> {
    Some(match Method::parse(method)? {
        Method::StoreLogoff | Method::StoreLogoffTransports => FlagSet::StoreLogoff,
        Method::TransportLogoff => FlagSet::TransportLogoff,
        Method::XpProviderShutdown => FlagSet::Deinit,
        Method::FlushQueues => FlagSet::FlushQueues,
        Method::TransportNotify => FlagSet::TransportNotify,
        Method::SpoolerNotify => FlagSet::SpoolerNotify,
        _ => return None,
    })
}

fn object(v: &Value, path: &str, code: ErrorCode) -> Result<ObjectRef, InputError> {
    let f = Fields::of(v, path, code, "an object reference", &["kind", "id", "provider"])?;
    let kind = f.required("kind", |v, p, c| json::name(v, p, c, ObjectKind::NAMES))?;
    let id = f.or("id", String::new(), |v, p, c| match v {
        Value::Number(n) => Ok(n.to_string()),
        _ => json::string(v, p, c),
    })?;
    let provider = f.optional("provider", json::string)?;
    Ok(ObjectRef { kind, id, provider })
}

fn hresult(v: &Value, path: &str, code: ErrorCode) -> Result<HResult, InputError> {
    match v {
        Value::String(s) => HResult::parse(s).ok_or_else(|| InputError::new(code, path, format!("{s:?} is not an HRESULT name or number"))),
        _ => json::u32_(v, path, code).map(HResult),
    }
}

fn number(v: &Value, path: &str, code: ErrorCode) -> Result<u64, InputError> {
    v.as_u64().ok_or_else(|| InputError::new(code, path, "expected a non-negative integer".to_string()))
}

const CALL_FIELDS: &[&str] = &[
    "caller", "object", "method", "flags", "outFlags", "hresult", "depth", "block", "parent", "purpose", "message", "refCount", "provider",
    "process", "profile", "seq", "step", "note", "rules",
];

/// Reads one line. Blank lines and the header are not calls; anything else
/// that is not a call object is an error naming the field.
pub fn parse_line(text: &str, line: u64) -> Result<Line, InputError> {
    const CODE: ErrorCode = ErrorCode::InvalidJson;
    if text.trim().is_empty() {
        return Ok(Line::Blank);
    }
    let v = json::parse(text, CODE)?;
    if let Some(format) = v.get("format") {
        let f = Fields::of(&v, "", CODE, "a trace header", &["format", "version"])?;
        let name = json::string(format, "format", CODE)?;
        if name != TRACE_FORMAT {
            return Err(InputError::new(CODE, "format", format!("{name:?} is not {TRACE_FORMAT:?}")));
        }
        let version = f.required("version", json::u32_)?;
        if version != TRACE_VERSION {
            let msg = format!("trace format version {version} is not supported; this build reads version {TRACE_VERSION}");
            return Err(InputError::new(ErrorCode::UnsupportedVersion, "version", msg));
        }
        return Ok(Line::Header);
    }
    let f = Fields::of(&v, "", CODE, "a call", CALL_FIELDS)?;
    let method = f.required("method", json::string)?;
    let set = flag_set_of(&method);
    let flags = |v: &Value, p: &str, c| match set {
        Some(set) => json::flags(v, p, c, set),
        None => json::u32_(v, p, c),
    };
    let block = match v.get("block") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(b) => Some(Some(number(b, "block", CODE)?)),
    };
    Ok(Line::Call(Box::new(Call {
        line,
        caller: f.optional("caller", object)?,
        object: f.required("object", object)?,
        flags: f.optional("flags", flags)?,
        out_flags: f.optional("outFlags", |v, p, c| json::flags(v, p, c, FlagSet::StoreLogoff))?,
        hresult: f.optional("hresult", hresult)?,
        depth: f.optional("depth", json::u32_)?,
        block,
        parent: f.optional("parent", number)?,
        purpose: f.optional("purpose", json::string)?,
        message: f.optional("message", number)?,
        ref_count: f.optional("refCount", json::u32_)?,
        provider: match (f.optional("provider", json::string)?, v.get("object").and_then(|o| o.get("provider"))) {
            (Some(p), _) => Some(p),
            (None, Some(p)) => Some(json::string(p, "object.provider", CODE)?),
            (None, None) => None,
        },
        process: f.optional("process", number)?,
        profile: f.optional("profile", json::string)?,
        method,
    })))
}

/// Writes a JSON string literal.
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One line of the file, written field by field (the engine exports whole
/// traces; building `serde_json::Value`s for each line would cost the wasm
/// module more than this does).
struct LineWriter {
    out: String,
    first: bool,
}

impl LineWriter {
    fn new() -> Self {
        LineWriter { out: String::from("{"), first: true }
    }
    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        quote(&mut self.out, key);
        self.out.push(':');
    }
    fn text(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        quote(&mut self.out, value);
        self
    }
    fn number(&mut self, key: &str, value: u64) -> &mut Self {
        self.key(key);
        let _ = write!(self.out, "{value}");
        self
    }
    fn null(&mut self, key: &str) -> &mut Self {
        self.key(key);
        self.out.push_str("null");
        self
    }
    /// An object reference: `{"kind":..,"id":..,"provider":..}`.
    fn object(&mut self, key: &str, kind: &str, id: Option<&str>, provider: Option<&str>) -> &mut Self {
        self.key(key);
        let mut inner = LineWriter::new();
        inner.text("kind", kind);
        if let Some(id) = id {
            inner.text("id", id);
        }
        if let Some(p) = provider {
            inner.text("provider", p);
        }
        self.out.push_str(&inner.finish());
        self
    }
    fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Writes the engine's trace in the file format, so that every simulated
/// run is also a valid input of the checker. The first lines describe what
/// existed when the scenario starts (what each session allocated at logon,
/// stores another process of the profile has open); then one line per event.
pub fn export(sim: &Simulation) -> String {
    let topo = sim.topology();
    let mut out = format!("{{\"format\":\"{TRACE_FORMAT}\",\"version\":{TRACE_VERSION}}}\n");
    let provider_of = |i: usize| topo.transports[usize::from(topo.sessions[i].transport)].name.as_str();
    let mut push = |line: String| {
        out.push_str(&line);
        out.push('\n');
    };

    // The prelude: the scenario's starting point, as the calls that made it.
    let (_, initial) = sim.to_scenario().build().expect("a running simulation's scenario builds");
    for (id, b) in initial.memory.blocks.iter().enumerate() {
        let owner = usize::from(b.owner);
        let mut w = LineWriter::new();
        w.object("caller", "session", Some(&topo.sessions[owner].name), Some(provider_of(owner)));
        w.object("object", "block", Some(&id.to_string()), None);
        w.text("method", if b.parent.is_some() { "MAPIAllocateMore" } else { "MAPIAllocateBuffer" });
        w.number("block", id as u64).text("hresult", "S_OK");
        if let Some(p) = b.parent {
            w.number("parent", u64::from(p));
        }
        if b.kind == BlockKind::AddressTypes {
            w.text("purpose", "addressTypes");
        }
        push(w.finish());
    }
    for (i, s) in topo.stores.iter().enumerate() {
        let opens: &[u64] = if s.shared_with_other_process { &[1, 2] } else { &[1] };
        for &process in opens {
            let mut w = LineWriter::new();
            w.object("caller", "client", None, None).object("object", "store", Some(&s.name), None);
            w.text("method", "IMAPISession::OpenMsgStore").text("hresult", "S_OK");
            if process == 1 {
                w.number("refCount", u64::from(initial.stores[i].refs));
            }
            w.number("process", process).text("profile", "default");
            push(w.finish());
        }
    }

    // The events, with what the file format needs that events keep in
    // their arguments: the block a call names, message ids, reference counts.
    let mut refs: Vec<u32> = initial.stores.iter().map(|s| u32::from(s.refs)).collect();
    let mut next_block = initial.memory.blocks.len() as u64;
    for e in sim.trace() {
        push(event_line(topo, e, &mut refs, &mut next_block));
    }
    out
}

fn kind_name(kind: PartyKind) -> &'static str {
    match kind {
        PartyKind::Client => "client",
        PartyKind::Store => "store",
        PartyKind::Mapi => "mapi",
        PartyKind::Spooler => "spooler",
        PartyKind::Session => "session",
        PartyKind::Transport => "transport",
        PartyKind::StoreProvider => "storeProvider",
    }
}

fn party(w: &mut LineWriter, key: &str, topo: &crate::state::Topology, p: &crate::trace::Party) {
    match (p.kind, p.index) {
        (PartyKind::Client | PartyKind::Mapi | PartyKind::Spooler, _) => w.object(key, kind_name(p.kind), None, None),
        (PartyKind::Session, Some(i)) => {
            let provider = &topo.transports[usize::from(topo.sessions[usize::from(i)].transport)].name;
            w.object(key, "session", Some(&p.name), Some(provider))
        }
        _ => w.object(key, kind_name(p.kind), Some(&p.name), None),
    };
}

fn event_line(topo: &crate::state::Topology, e: &Event, refs: &mut [u32], next_block: &mut u64) -> String {
    let arg = |name: &str| e.args.iter().find(|a| a.name == name);
    let ok = e.hresult.is_some_and(HResult::is_success);
    let mut w = LineWriter::new();
    party(&mut w, "caller", topo, &e.caller);
    match e.method {
        Method::StoreLogoffTransports | Method::SpoolerNotify | Method::MakeInvalid | Method::SupportRelease => {
            let kind = if e.caller.kind == PartyKind::Store { "storeSupport" } else { "sessionSupport" };
            w.object("object", kind, Some(&e.caller.name), None);
        }
        Method::AllocateBuffer | Method::AllocateMore => {
            let block = (e.hresult == Some(HResult::S_OK)).then(|| {
                *next_block += 1;
                *next_block - 1
            });
            w.object("object", "block", Some(&block.map(|b| b.to_string()).unwrap_or_default()), None);
            if let Some(b) = block {
                w.number("block", b);
            }
            if let Some(p) = arg("lpObject") {
                w.number("parent", u64::from(p.value));
            }
        }
        Method::FreeBuffer => {
            let block = arg("lpBuffer").filter(|a| a.text != "NULL").map(|a| u64::from(a.value));
            w.object("object", "block", Some(&block.map(|b| b.to_string()).unwrap_or_default()), None);
            match block {
                Some(b) => w.number("block", b),
                None => w.null("block"),
            };
        }
        Method::DiscardAddressTypes => {
            let i = arg("session").map_or(0, |a| a.value as usize);
            let provider = &topo.transports[usize::from(topo.sessions[i].transport)].name;
            w.object("object", "session", Some(&topo.sessions[i].name), Some(provider));
        }
        Method::OpenMsgStore => {
            // Called on MAPI; the object is the store it opens.
            let store = arg("store").map_or(0, |a| a.value as usize);
            if ok {
                refs[store] += 1;
            }
            w.object("object", "store", Some(&topo.stores[store].name), None);
            w.number("refCount", u64::from(refs[store])).number("process", 1).text("profile", "default");
        }
        _ => party(&mut w, "object", topo, &e.callee),
    }
    w.text("method", e.method.as_str()).number("depth", u64::from(e.depth));
    if let Some(flags) = arg("ulFlags") {
        w.number("flags", u64::from(flags.value));
    }
    if let Some(m) = ["lpMessage", "lpulMsgRef", "ulMsgRef", "lpNotification", "message"].iter().find_map(|n| arg(n)) {
        w.number("message", u64::from(m.value));
    }
    if let Some(hr) = e.hresult {
        w.number("hresult", u64::from(hr.0));
    }
    if let Some(out) = e.out_flags {
        w.number("outFlags", u64::from(out.bits()));
    }
    if let (PartyKind::Store, Some(i), true) = (e.callee.kind, e.callee.index, ok) {
        let i = usize::from(i);
        match e.method {
            Method::StoreAddRef => {
                refs[i] += 1;
                w.number("refCount", u64::from(refs[i]));
            }
            Method::StoreRelease => {
                refs[i] = refs[i].saturating_sub(1);
                w.number("refCount", u64::from(refs[i]));
            }
            _ => {}
        }
    }
    w.finish()
}
