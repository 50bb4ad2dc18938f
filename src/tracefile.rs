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

/// Writes the engine's trace in the file format, so that every simulated
/// run is also a valid input of the checker. The first lines describe what
/// existed when the scenario starts (what each session allocated at logon,
/// stores another process of the profile has open); then one line per event.
pub fn export(sim: &Simulation) -> String {
    let topo = sim.topology();
    let mut out = format!("{{\"format\":\"{TRACE_FORMAT}\",\"version\":{TRACE_VERSION}}}\n");
    let mut line = |v: Value| {
        out.push_str(&v.to_string());
        out.push('\n');
    };
    let party = |kind: PartyKind, name: &str| -> Value {
        let kind = match kind {
            PartyKind::Client => "client",
            PartyKind::Store => "store",
            PartyKind::Mapi => "mapi",
            PartyKind::Spooler => "spooler",
            PartyKind::Session => "session",
            PartyKind::Transport => "transport",
            PartyKind::StoreProvider => "storeProvider",
        };
        match kind {
            "client" | "mapi" | "spooler" => serde_json::json!({ "kind": kind }),
            _ => serde_json::json!({ "kind": kind, "id": name }),
        }
    };
    let session_ref = |i: usize| serde_json::json!({ "kind": "session", "id": topo.sessions[i].name, "provider": topo.transports[usize::from(topo.sessions[i].transport)].name });

    // The prelude: the scenario's starting point, as the calls that made it.
    let (_, initial) = sim.to_scenario().build().expect("a running simulation's scenario builds");
    for (id, b) in initial.memory.blocks.iter().enumerate() {
        let mut v = serde_json::json!({
            "caller": session_ref(usize::from(b.owner)),
            "object": { "kind": "block", "id": id.to_string() },
            "method": if b.parent.is_some() { "MAPIAllocateMore" } else { "MAPIAllocateBuffer" },
            "block": id,
            "hresult": "S_OK",
        });
        if let Some(p) = b.parent {
            v["parent"] = p.into();
        }
        if b.kind == BlockKind::AddressTypes {
            v["purpose"] = "addressTypes".into();
        }
        line(v);
    }
    for (i, s) in topo.stores.iter().enumerate() {
        let refs = initial.stores[i].refs;
        line(
            serde_json::json!({ "caller": { "kind": "client" }, "object": { "kind": "store", "id": s.name }, "method": "IMAPISession::OpenMsgStore", "hresult": "S_OK", "refCount": refs, "process": 1, "profile": "default" }),
        );
        if s.shared_with_other_process {
            line(
                serde_json::json!({ "caller": { "kind": "client" }, "object": { "kind": "store", "id": s.name }, "method": "IMAPISession::OpenMsgStore", "hresult": "S_OK", "process": 2, "profile": "default" }),
            );
        }
    }

    // The events, with what the file format needs that events keep in
    // their arguments: the block a call names, message ids, reference counts.
    let mut refs: Vec<u32> = initial.stores.iter().map(|s| u32::from(s.refs)).collect();
    let mut next_block = initial.memory.blocks.len() as u64;
    for e in sim.trace() {
        line(event_line(topo, e, &mut refs, &mut next_block, &party, &session_ref));
    }
    out
}

fn event_line(
    topo: &crate::state::Topology,
    e: &Event,
    refs: &mut [u32],
    next_block: &mut u64,
    party: &dyn Fn(PartyKind, &str) -> Value,
    session_ref: &dyn Fn(usize) -> Value,
) -> Value {
    let who = |p: &crate::trace::Party| match (p.kind, p.index) {
        (PartyKind::Session, Some(i)) => session_ref(usize::from(i)),
        _ => party(p.kind, &p.name),
    };
    let caller = who(&e.caller);
    let arg = |name: &str| e.args.iter().find(|a| a.name == name);
    let support_of = |p: &crate::trace::Party| match p.kind {
        PartyKind::Store => serde_json::json!({ "kind": "storeSupport", "id": p.name }),
        _ => serde_json::json!({ "kind": "sessionSupport", "id": p.name }),
    };
    let mut v = serde_json::json!({ "caller": caller, "method": e.method.as_str(), "depth": e.depth });
    let object = match e.method {
        Method::StoreLogoffTransports | Method::SpoolerNotify | Method::MakeInvalid | Method::SupportRelease => support_of(&e.caller),
        Method::AllocateBuffer | Method::AllocateMore => {
            if e.hresult == Some(HResult::S_OK) {
                v["block"] = (*next_block).into();
                *next_block += 1;
            }
            if let Some(p) = arg("lpObject") {
                v["parent"] = p.value.into();
            }
            serde_json::json!({ "kind": "block", "id": v.get("block").map(|b| b.to_string()).unwrap_or_default() })
        }
        Method::FreeBuffer => {
            let block = arg("lpBuffer").filter(|a| a.text != "NULL").map(|a| a.value);
            v["block"] = block.map(Value::from).unwrap_or(Value::Null);
            serde_json::json!({ "kind": "block", "id": block.map(|b| b.to_string()).unwrap_or_default() })
        }
        Method::DiscardAddressTypes => session_ref(arg("session").map_or(0, |a| a.value as usize)),
        _ => who(&e.callee),
    };
    v["object"] = object;
    if let Some(flags) = arg("ulFlags") {
        v["flags"] = flags.value.into();
    }
    for name in ["lpMessage", "lpulMsgRef", "ulMsgRef", "lpNotification", "message"] {
        if let Some(m) = arg(name) {
            v["message"] = m.value.into();
        }
    }
    if let Some(hr) = e.hresult {
        v["hresult"] = hr.0.into();
    }
    if let Some(out) = e.out_flags {
        v["outFlags"] = out.bits().into();
    }
    if let (PartyKind::Store, Some(i)) = (e.callee.kind, e.callee.index) {
        let i = usize::from(i);
        let ok = e.hresult.is_some_and(HResult::is_success);
        match e.method {
            Method::StoreAddRef if ok => refs[i] += 1,
            Method::StoreRelease if ok => refs[i] = refs[i].saturating_sub(1),
            Method::OpenMsgStore if ok => refs[i] += 1,
            _ => {}
        }
        if matches!(e.method, Method::StoreAddRef | Method::StoreRelease) && ok {
            v["refCount"] = refs[i].into();
        }
    }
    if e.method == Method::OpenMsgStore {
        // OpenMsgStore is called on MAPI; the object is the store it opens.
        let store = arg("store").map_or(0, |a| a.value as usize);
        let ok = e.hresult.is_some_and(HResult::is_success);
        if ok {
            refs[store] += 1;
        }
        v["object"] = serde_json::json!({ "kind": "store", "id": topo.stores[store].name });
        v["refCount"] = refs[store].into();
        v["process"] = 1.into();
        v["profile"] = "default".into();
    }
    v
}
