//! The trace file format: JSON Lines, one call per line, for logs of real
//! providers and for the engine's own traces (`Simulation::trace_jsonl`).
//!
//! ```text
//! {"format":"mapi-logoff-trace","version":2}
//! {"caller":{"kind":"client"},"object":{"kind":"store","id":"Mailbox"},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_ORDERLY","hresult":"S_OK","outFlags":"0x00010000"}
//! {"thread":7,"call":1,"caller":{"kind":"client"},"object":{"kind":"store","id":"0x7ff6a0c01230"},"method":"IMsgStore::Release"}
//! {"thread":7,"caller":{"kind":"store","id":"0x7ff6a0c01230"},"object":{"kind":"storeSupport","id":"0x7ff6a0c01230"},"method":"IMAPISupport::Release","hresult":0}
//! {"thread":7,"return":1,"hresult":0,"refCount":0}
//! ```
//!
//! Version 2 adds, without changing any version 1 line (a version 1 file is
//! a valid version 2 file): pointers as hex strings of any size
//! (`"0x7ff6a0c01230"`, above 2^53 too); calls written as an entry line
//! (`"call": id`, before the calls made inside) and a return line
//! (`"return": id` with the results); `thread`, so that overlapping calls of
//! several threads can be written; `owner` on an allocation (who must free
//! memory MAPI allocated for someone else); and `declare` lines for a
//! provider that wraps another or implements a support object itself.
//! Flags and HRESULTs are numbers, hex strings (`"0x8004010F"`) or names
//! (`"LOGOFF_ORDERLY | LOGOFF_QUIET"`, `"MAPI_E_NO_SUPPORT"`); flag names are
//! read in the flag set of the method. docs/trace-format.md describes every
//! field.

use crate::engine::Simulation;
use crate::error::{ErrorCode, InputError};
use crate::flags::FlagSet;
use crate::hresult::HResult;
use crate::json::{self, Fields};
use crate::memory::BlockKind;
use crate::trace::{ArgText, Event, Method, PartyKind};
use serde_json::Value;
use std::fmt::Write as _;

pub const TRACE_FORMAT: &str = "mapi-logoff-trace";
/// The version the engine writes; this build reads 1 and 2.
pub const TRACE_VERSION: u32 = 2;

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
    /// 1-based line number in the file: for a call written as an entry and
    /// a return line, the return line, where its results became known.
    pub line: u64,
    /// The line where the call began: its entry line, or `line`.
    pub start_line: u64,
    /// The thread that made the call (`""` when the log names none).
    pub thread: String,
    /// The id of an entry line (`"call"`), whose return line comes later.
    pub call_id: Option<String>,
    /// Who must free the block of an allocation, when not the caller.
    pub owner: Option<ObjectRef>,
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

/// The results a return line adds to the call its entry line began.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Return {
    pub line: u64,
    pub thread: String,
    pub call_id: String,
    pub out_flags: Option<u32>,
    pub hresult: Option<HResult>,
    pub block: Option<Option<u64>>,
    pub ref_count: Option<u32>,
}

impl Return {
    /// The call its entry line began, completed with these results.
    pub fn complete(self, mut call: Call) -> Call {
        self.complete_into(&mut call);
        call
    }

    /// [`Return::complete`], in place.
    pub fn complete_into(&self, call: &mut Call) {
        call.line = self.line;
        call.out_flags = self.out_flags.or(call.out_flags);
        call.hresult = self.hresult.or(call.hresult);
        call.block = self.block.or(call.block);
        call.ref_count = self.ref_count.or(call.ref_count);
        call.call_id = None;
    }
}

/// What a `declare` line says of an object.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Declaration {
    pub line: u64,
    pub object: ObjectRef,
    /// A store or session of a provider that wraps another provider's.
    pub wraps: Option<ObjectRef>,
    /// A support object the provider implements itself, forwarding to
    /// MAPI's: the calls it forwards are judged where they reach MAPI.
    pub forwards_to: Option<ObjectRef>,
}

/// What one line of a trace file is.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Line {
    Header,
    Blank,
    Call(Box<Call>),
    Return(Box<Return>),
    Declare(Box<Declaration>),
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

/// The longest id, name or method a line may carry, in characters.
pub const ID_LEN: usize = 256;

/// `0x` followed by 1 to 16 hex digits, any case.
fn hex_u64(text: &str) -> Option<u64> {
    let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))?;
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// Ids in a log are names or pointers. A pointer may be written as a hex
/// string of any case and padding (`"0x00007FF6A0C01230"`): it is kept in
/// one canonical form, so the same pointer is the same object however a
/// logger printed it. Numbers are kept as written.
fn id_text(v: &Value, path: &str, code: ErrorCode) -> Result<String, InputError> {
    match v {
        Value::Number(n) => Ok(n.to_string()),
        _ => {
            let text = short_text(v, path, code)?;
            Ok(match hex_u64(&text) {
                Some(n) => format!("0x{n:x}"),
                None => text,
            })
        }
    }
}

fn short_text(v: &Value, path: &str, code: ErrorCode) -> Result<String, InputError> {
    json::bounded_string(v, path, code, ID_LEN)
}

fn object(v: &Value, path: &str, code: ErrorCode) -> Result<ObjectRef, InputError> {
    let f = Fields::of(v, path, code, "an object reference", &["kind", "id", "provider"])?;
    let kind = f.required("kind", |v, p, c| json::name(v, p, c, ObjectKind::NAMES))?;
    let id = f.or("id", String::new(), id_text)?;
    let provider = f.optional("provider", short_text)?;
    Ok(ObjectRef { kind, id, provider })
}

fn hresult(v: &Value, path: &str, code: ErrorCode) -> Result<HResult, InputError> {
    match v {
        Value::String(s) => HResult::parse(s).ok_or_else(|| InputError::new(code, path, format!("{s:?} is not an HRESULT name or number"))),
        _ => json::u32_(v, path, code).map(HResult),
    }
}

/// A number, or a pointer written as a hex string (`"0x7ff6a0c01230"`, up
/// to 64 bits: JSON numbers above 2^53 lose digits in JavaScript loggers).
fn number(v: &Value, path: &str, code: ErrorCode) -> Result<u64, InputError> {
    match v {
        Value::String(s) => hex_u64(s).ok_or_else(|| InputError::new(code, path, format!("{s:?} is not a number or a 0x hex pointer"))),
        _ => v.as_u64().ok_or_else(|| InputError::new(code, path, "expected a non-negative integer or a 0x hex string".to_string())),
    }
}

/// A thread or call id: a number or a short string, kept as text.
fn token(v: &Value, path: &str, code: ErrorCode) -> Result<String, InputError> {
    match v {
        Value::Number(n) if n.is_u64() => Ok(n.to_string()),
        _ => short_text(v, path, code),
    }
}

/// Flags of a method outside the known flag sets: a number or a hex string.
fn plain_flags(v: &Value, path: &str, code: ErrorCode) -> Result<u32, InputError> {
    match v {
        Value::String(s) => hex_u64(s.trim())
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| InputError::new(ErrorCode::InvalidFlags, path, format!("{s:?} is not a 32-bit number or 0x hex value"))),
        _ => json::u32_(v, path, code),
    }
}

const CALL_FIELDS: &[&str] = &[
    "caller", "object", "method", "flags", "outFlags", "hresult", "depth", "block", "parent", "purpose", "message", "refCount", "provider",
    "process", "profile", "seq", "step", "note", "rules", "thread", "call", "owner",
];

const RETURN_FIELDS: &[&str] = &["return", "thread", "hresult", "outFlags", "block", "refCount"];

const DECLARE_FIELDS: &[&str] = &["declare", "wraps", "forwardsTo"];

/// Reads one line. Blank lines and the header are not calls; anything else
/// that is not a call object is an error naming the field.
pub fn parse_line(text: &str, line: u64) -> Result<Line, InputError> {
    parse_line_reusing(text, line, &mut None)
}

/// [`parse_line`], writing a call into `spare` when there is one: the
/// checker hands back the calls it is done with, so that reading a line
/// allocates nothing.
pub(crate) fn parse_line_reusing(text: &str, line: u64, spare: &mut Option<Box<Call>>) -> Result<Line, InputError> {
    // A line of a log begins with `{`; only other lines can be blank.
    if text.as_bytes().first() != Some(&b'{') && text.trim().is_empty() {
        return Ok(Line::Blank);
    }
    if let Some(quick) = quick::line(text, line, spare) {
        return Ok(quick);
    }
    parse_value_line(text, line)
}

/// Reads one line through a JSON tree: every line the quick reader leaves
/// (headers, declarations, escapes, null where a value is required, any
/// mistake), with the error naming the field.
fn parse_value_line(text: &str, line: u64) -> Result<Line, InputError> {
    const CODE: ErrorCode = ErrorCode::InvalidJson;
    let v = json::parse(text, CODE)?;
    if let Some(format) = v.get("format") {
        let f = Fields::of(&v, "", CODE, "a trace header", &["format", "version"])?;
        let name = json::string(format, "format", CODE)?;
        if name != TRACE_FORMAT {
            return Err(InputError::new(CODE, "format", format!("{name:?} is not {TRACE_FORMAT:?}")));
        }
        let version = f.required("version", json::u32_)?;
        if !(1..=TRACE_VERSION).contains(&version) {
            let msg = format!("trace format version {version} is not supported; this build reads versions 1 and {TRACE_VERSION}");
            return Err(InputError::new(ErrorCode::UnsupportedVersion, "version", msg));
        }
        return Ok(Line::Header);
    }
    let block = match v.get("block") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(b) => Some(Some(number(b, "block", CODE)?)),
    };
    if v.get("return").is_some() {
        let f = Fields::of(&v, "", CODE, "a return line", RETURN_FIELDS)?;
        return Ok(Line::Return(Box::new(Return {
            line,
            thread: f.or("thread", String::new(), token)?,
            call_id: f.required("return", token)?,
            out_flags: f.optional("outFlags", |v, p, c| json::flags(v, p, c, FlagSet::StoreLogoff))?,
            hresult: f.optional("hresult", hresult)?,
            block,
            ref_count: f.optional("refCount", json::u32_)?,
        })));
    }
    if v.get("declare").is_some() {
        let f = Fields::of(&v, "", CODE, "a declaration", DECLARE_FIELDS)?;
        let declaration = Declaration {
            line,
            object: f.required("declare", object)?,
            wraps: f.optional("wraps", object)?,
            forwards_to: f.optional("forwardsTo", object)?,
        };
        if declaration.wraps.is_none() && declaration.forwards_to.is_none() {
            return Err(InputError::new(CODE, "declare", "a declaration says what the object `wraps` or `forwardsTo`".to_string()));
        }
        return Ok(Line::Declare(Box::new(declaration)));
    }
    let f = Fields::of(&v, "", CODE, "a call", CALL_FIELDS)?;
    let method = f.required("method", short_text)?;
    let set = flag_set_of(&method);
    let flags = |v: &Value, p: &str, c| match set {
        Some(set) => json::flags(v, p, c, set),
        None => plain_flags(v, p, c),
    };
    Ok(Line::Call(Box::new(Call {
        line,
        start_line: line,
        thread: f.or("thread", String::new(), token)?,
        call_id: f.optional("call", token)?,
        owner: f.optional("owner", object)?,
        caller: f.optional("caller", object)?,
        object: f.required("object", object)?,
        flags: f.optional("flags", flags)?,
        out_flags: f.optional("outFlags", |v, p, c| json::flags(v, p, c, FlagSet::StoreLogoff))?,
        hresult: f.optional("hresult", hresult)?,
        depth: f.optional("depth", json::u32_)?,
        block,
        parent: f.optional("parent", number)?,
        purpose: f.optional("purpose", short_text)?,
        message: f.optional("message", number)?,
        ref_count: f.optional("refCount", json::u32_)?,
        provider: match (f.optional("provider", short_text)?, v.get("object").and_then(|o| o.get("provider"))) {
            (Some(p), _) => Some(p),
            (None, Some(p)) => Some(short_text(p, "object.provider", CODE)?),
            (None, None) => None,
        },
        process: f.optional("process", number)?,
        profile: f.optional("profile", short_text)?,
        method,
    })))
}

/// The quick reader of the lines a log is made of: a call or a return line
/// whose strings have no escapes, whose numbers are plain integers, and
/// whose fields are each the kind their reader takes. It reads the text
/// once, without building a JSON tree, and gives exactly the line
/// [`parse_value_line`] gives; anything else (a header, a declaration, an
/// escape, a float, a null where a value is required, an unknown field,
/// any mistake) it leaves to that reader, which names the error.
/// `tests/check_scale.rs` compares the two on generated and mutated lines.
mod quick {
    use super::*;

    #[derive(Clone, Copy)]
    enum Scalar<'a> {
        Str(&'a str),
        Num(u64),
        Null,
    }

    /// `{"kind": .., "id": .., "provider": ..}`.
    #[derive(Clone, Copy, Default)]
    struct Object<'a> {
        kind: Option<Scalar<'a>>,
        id: Option<Scalar<'a>>,
        provider: Option<Scalar<'a>>,
    }

    #[derive(Clone, Copy)]
    enum Raw<'a> {
        Scalar(Scalar<'a>),
        Object(Object<'a>),
    }

    /// The fields a call or a return line may have (see `field`).
    const FIELDS: usize = 19;
    const CALLER: usize = 0;
    const OBJECT: usize = 1;
    const OWNER: usize = 2;
    const METHOD: usize = 3;
    const FLAGS: usize = 4;
    const OUT_FLAGS: usize = 5;
    const HRESULT: usize = 6;
    const DEPTH: usize = 7;
    const BLOCK: usize = 8;
    const PARENT: usize = 9;
    const PURPOSE: usize = 10;
    const MESSAGE: usize = 11;
    const REF_COUNT: usize = 12;
    const PROVIDER: usize = 13;
    const PROCESS: usize = 14;
    const PROFILE: usize = 15;
    const THREAD: usize = 16;
    const CALL: usize = 17;
    const RETURN: usize = 18;
    /// The index of a field.
    fn field(key: &str) -> Option<usize> {
        Some(match key {
            "caller" => CALLER,
            "object" => OBJECT,
            "owner" => OWNER,
            "method" => METHOD,
            "flags" => FLAGS,
            "outFlags" => OUT_FLAGS,
            "hresult" => HRESULT,
            "depth" => DEPTH,
            "block" => BLOCK,
            "parent" => PARENT,
            "purpose" => PURPOSE,
            "message" => MESSAGE,
            "refCount" => REF_COUNT,
            "provider" => PROVIDER,
            "process" => PROCESS,
            "profile" => PROFILE,
            "thread" => THREAD,
            "call" => CALL,
            "return" => RETURN,
            _ => return None,
        })
    }
    /// The fields of a return line.
    const RETURN_ONLY: [usize; 6] = [RETURN, THREAD, HRESULT, OUT_FLAGS, BLOCK, REF_COUNT];

    struct Scan<'a> {
        text: &'a str,
        at: usize,
    }

    impl<'a> Scan<'a> {
        #[inline(always)]
        fn peek(&self) -> Option<u8> {
            self.text.as_bytes().get(self.at).copied()
        }

        #[inline(always)]
        fn ws(&mut self) {
            while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
                self.at += 1;
            }
        }

        #[inline(always)]
        fn eat(&mut self, byte: u8) -> Option<()> {
            self.ws();
            (self.peek()? == byte).then(|| self.at += 1)
        }

        /// A string without escapes or control characters.
        #[inline(always)]
        fn string(&mut self) -> Option<&'a str> {
            self.eat(b'"')?;
            let start = self.at;
            let bytes = self.text.as_bytes();
            loop {
                match *bytes.get(self.at)? {
                    b'"' => break,
                    b'\\' | 0..0x20 => return None,
                    _ => self.at += 1,
                }
            }
            self.at += 1;
            self.text.get(start..self.at - 1)
        }

        /// A non-negative integer that fits 64 bits, as JSON writes it.
        #[inline(always)]
        fn number(&mut self) -> Option<u64> {
            let start = self.at;
            let mut n: u64 = 0;
            while let Some(d @ b'0'..=b'9') = self.peek() {
                // Nineteen digits always fit; only a twentieth can overflow.
                n = if self.at - start < 19 {
                    n * 10 + u64::from(d - b'0')
                } else {
                    n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?
                };
                self.at += 1;
            }
            let leading_zero = self.text.as_bytes()[start] == b'0' && self.at - start > 1;
            if leading_zero || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
                return None;
            }
            Some(n)
        }

        #[inline(always)]
        fn scalar(&mut self) -> Option<Scalar<'a>> {
            self.ws();
            Some(match self.peek()? {
                b'"' => Scalar::Str(self.string()?),
                b'0'..=b'9' => Scalar::Num(self.number()?),
                b'n' if self.text[self.at..].starts_with("null") => {
                    self.at += 4;
                    Scalar::Null
                }
                _ => return None,
            })
        }

        /// `{"key": value, ...}`, each value read by `field`.
        fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
            self.eat(b'{')?;
            loop {
                let key = self.string()?;
                self.eat(b':')?;
                field(self, key)?;
                self.ws();
                match self.peek()? {
                    b',' => self.at += 1,
                    b'}' => {
                        self.at += 1;
                        return Some(());
                    }
                    _ => return None,
                }
            }
        }

        fn object_ref(&mut self) -> Option<Raw<'a>> {
            self.ws();
            if self.peek()? != b'{' {
                return self.scalar().map(Raw::Scalar);
            }
            let mut o = Object::default();
            self.object(|scan, key| {
                let slot = match key {
                    "kind" => &mut o.kind,
                    "id" => &mut o.id,
                    "provider" => &mut o.provider,
                    _ => return None,
                };
                if slot.is_some() {
                    return None;
                }
                *slot = Some(scan.scalar()?);
                Some(())
            })?;
            Some(Raw::Object(o))
        }
    }

    /// A field that may be absent or null: `Some(None)`; `None` when it
    /// is there but `read` does not take it.
    fn optional<'a, T>(raw: Option<Raw<'a>>, read: impl FnOnce(Scalar<'a>) -> Option<T>) -> Option<Option<T>> {
        match raw {
            None | Some(Raw::Scalar(Scalar::Null)) => Some(None),
            Some(Raw::Scalar(s)) => read(s).map(Some),
            Some(Raw::Object(_)) => None,
        }
    }

    fn required<'a, T>(raw: Option<Raw<'a>>, read: impl FnOnce(Scalar<'a>) -> Option<T>) -> Option<T> {
        optional(raw, read)?
    }

    /// A text the line gives: as written, or a number written the way the
    /// tree reader keeps it (decimal, or a pointer as `0x` and lower case).
    #[derive(Clone, Copy)]
    enum Text<'a> {
        Str(&'a str),
        Dec(u64),
        Hex(u64),
    }

    /// A value read from a line, written into the field it fills, reusing
    /// that field's buffers: reading a line allocates nothing once the
    /// checker's spare calls have their buffers.
    trait Fill: Sized {
        type Field;
        /// Replaces `out` with the value, in its buffers.
        fn put(self, out: &mut Self::Field);
        fn owned(self) -> Self::Field;
    }

    /// Replaces an optional field, in its buffers when it has them.
    fn put_optional<T: Fill>(out: &mut Option<T::Field>, value: Option<T>) {
        match (out.as_mut(), value) {
            (_, None) => *out = None,
            (Some(buffer), Some(value)) => value.put(buffer),
            (None, Some(value)) => *out = Some(value.owned()),
        }
    }

    impl Fill for Text<'_> {
        type Field = String;

        fn put(self, out: &mut String) {
            out.clear();
            let (prefix, mut n, radix) = match self {
                Text::Str(text) => return out.push_str(text),
                Text::Dec(n) => ("", n, 10),
                Text::Hex(n) => ("0x", n, 16),
            };
            let mut buffer = [0u8; 20];
            let mut at = buffer.len();
            loop {
                at -= 1;
                buffer[at] = b"0123456789abcdef"[(n % radix) as usize];
                n /= radix;
                if n == 0 {
                    break;
                }
            }
            out.push_str(prefix);
            out.push_str(std::str::from_utf8(&buffer[at..]).unwrap_or_default());
        }

        fn owned(self) -> String {
            let mut out = String::new();
            self.put(&mut out);
            out
        }
    }

    fn short_text<'a>(s: Scalar<'a>) -> Option<&'a str> {
        let Scalar::Str(text) = s else { return None };
        (text.len() <= ID_LEN || text.chars().count() <= ID_LEN).then_some(text)
    }

    fn short<'a>(s: Scalar<'a>) -> Option<Text<'a>> {
        short_text(s).map(Text::Str)
    }

    fn id<'a>(s: Scalar<'a>) -> Option<Text<'a>> {
        match s {
            Scalar::Num(n) => Some(Text::Dec(n)),
            // A pointer as `id_text` keeps it: `0x`, lower case, no leading zero.
            Scalar::Str(text)
                if text.len() > 2
                    && text.len() <= 18
                    && text.starts_with("0x")
                    && !text[2..].starts_with('0')
                    && text[2..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
            {
                Some(Text::Str(text))
            }
            Scalar::Str(text) => match hex_u64(text) {
                Some(n) => Some(Text::Hex(n)),
                None => short(s),
            },
            Scalar::Null => None,
        }
    }

    fn token<'a>(s: Scalar<'a>) -> Option<Text<'a>> {
        match s {
            Scalar::Num(n) => Some(Text::Dec(n)),
            _ => short(s),
        }
    }

    fn u32_(s: Scalar) -> Option<u32> {
        match s {
            Scalar::Num(n) => u32::try_from(n).ok(),
            _ => None,
        }
    }

    fn number(s: Scalar) -> Option<u64> {
        match s {
            Scalar::Str(text) => hex_u64(text),
            Scalar::Num(n) => Some(n),
            Scalar::Null => None,
        }
    }

    fn flags(s: Scalar, set: Option<FlagSet>) -> Option<u32> {
        match (s, set) {
            (Scalar::Str(text), Some(set)) => set.parse(text).ok(),
            (Scalar::Str(text), None) => hex_u64(text.trim()).and_then(|n| u32::try_from(n).ok()),
            _ => u32_(s),
        }
    }

    fn hresult(s: Scalar) -> Option<HResult> {
        match s {
            Scalar::Str(text) => HResult::parse(text),
            _ => u32_(s).map(HResult),
        }
    }

    /// An object reference, read.
    #[derive(Clone, Copy)]
    struct ObjectText<'a> {
        kind: ObjectKind,
        id: Text<'a>,
        provider: Option<&'a str>,
    }

    impl Fill for ObjectText<'_> {
        type Field = ObjectRef;

        fn put(self, out: &mut ObjectRef) {
            out.kind = self.kind;
            self.id.put(&mut out.id);
            put_optional(&mut out.provider, self.provider.map(Text::Str));
        }

        fn owned(self) -> ObjectRef {
            let mut out = ObjectRef { kind: self.kind, id: String::new(), provider: None };
            self.put(&mut out);
            out
        }
    }

    fn object<'a>(raw: Raw<'a>) -> Option<ObjectText<'a>> {
        let Raw::Object(o) = raw else { return None };
        let kind = required(o.kind.map(Raw::Scalar), |s| match s {
            Scalar::Str(text) => ObjectKind::NAMES.iter().find(|(n, _)| *n == text).map(|(_, k)| *k),
            _ => None,
        })?;
        Some(ObjectText {
            kind,
            id: optional(o.id.map(Raw::Scalar), id)?.unwrap_or(Text::Str("")),
            provider: optional(o.provider.map(Raw::Scalar), short_text)?,
        })
    }

    fn optional_object<'a>(raw: Option<Raw<'a>>) -> Option<Option<ObjectText<'a>>> {
        match raw {
            None | Some(Raw::Scalar(Scalar::Null)) => Some(None),
            Some(raw) => object(raw).map(Some),
        }
    }

    /// `"block"`: absent, `null` (MAPIFreeBuffer(NULL)), or a pointer.
    fn block(raw: Option<Raw>) -> Option<Option<Option<u64>>> {
        match raw {
            None => Some(None),
            Some(Raw::Scalar(Scalar::Null)) => Some(Some(None)),
            Some(Raw::Scalar(s)) => Some(Some(Some(number(s)?))),
            Some(Raw::Object(_)) => None,
        }
    }

    /// The line, or `None` for the reader with the JSON tree. A call is
    /// written into `spare` when there is one (its texts' buffers reused).
    pub(super) fn line(text: &str, line: u64, spare: &mut Option<Box<Call>>) -> Option<Line> {
        if text.len() > crate::scenario::limits::JSON_BYTES {
            return None;
        }
        let mut raws: [Option<Raw>; FIELDS] = [None; FIELDS];
        let mut scan = Scan { text, at: 0 };
        scan.object(|scan, key| {
            let at = field(key)?;
            if raws[at].is_some() {
                return None;
            }
            raws[at] = Some(match at {
                CALLER | OBJECT | OWNER => scan.object_ref()?,
                _ => Raw::Scalar(scan.scalar()?),
            });
            Some(())
        })?;
        scan.ws();
        if scan.at != text.len() {
            return None;
        }
        if raws[RETURN].is_some() {
            if (0..FIELDS).any(|at| raws[at].is_some() && !RETURN_ONLY.contains(&at)) {
                return None;
            }
            return Some(Line::Return(Box::new(Return {
                line,
                thread: optional(raws[THREAD], token)?.map_or_else(String::new, Text::owned),
                call_id: required(raws[RETURN], token)?.owned(),
                out_flags: optional(raws[OUT_FLAGS], |s| flags(s, Some(FlagSet::StoreLogoff)))?,
                hresult: optional(raws[HRESULT], hresult)?,
                block: block(raws[BLOCK])?,
                ref_count: optional(raws[REF_COUNT], u32_)?,
            })));
        }
        let method = required(raws[METHOD], short_text)?;
        // Flag names are read in the method's set; numbers need no set.
        let set = match raws[FLAGS] {
            Some(Raw::Scalar(Scalar::Str(_))) => flag_set_of(method),
            _ => None,
        };
        let object_raw = raws[OBJECT]?;
        let object = object(object_raw)?;
        let provider = match (optional(raws[PROVIDER], short_text)?, object_raw) {
            (Some(p), _) => Some(p),
            (None, Raw::Object(Object { provider: Some(p), .. })) => Some(short_text(p)?),
            (None, _) => None,
        };
        let thread = optional(raws[THREAD], token)?.unwrap_or(Text::Str(""));
        let call_id = optional(raws[CALL], token)?;
        let owner = optional_object(raws[OWNER])?;
        let caller = optional_object(raws[CALLER])?;
        let purpose = optional(raws[PURPOSE], short)?;
        let profile = optional(raws[PROFILE], short)?;
        let flags_value = optional(raws[FLAGS], |s| flags(s, set))?;
        let out_flags = optional(raws[OUT_FLAGS], |s| flags(s, Some(FlagSet::StoreLogoff)))?;
        let hresult = optional(raws[HRESULT], hresult)?;
        let depth = optional(raws[DEPTH], u32_)?;
        let block = block(raws[BLOCK])?;
        let parent = optional(raws[PARENT], number)?;
        let message = optional(raws[MESSAGE], number)?;
        let ref_count = optional(raws[REF_COUNT], u32_)?;
        let process = optional(raws[PROCESS], number)?;
        // Everything is read: the call is written now, into the spare's buffers.
        let mut call = spare.take().unwrap_or_else(|| {
            Box::new(Call {
                line,
                start_line: line,
                thread: String::new(),
                call_id: None,
                owner: None,
                caller: None,
                object: ObjectRef { kind: ObjectKind::Client, id: String::new(), provider: None },
                method: String::new(),
                flags: None,
                out_flags: None,
                hresult: None,
                depth: None,
                block: None,
                parent: None,
                purpose: None,
                message: None,
                ref_count: None,
                provider: None,
                process: None,
                profile: None,
            })
        });
        let c = &mut *call;
        (c.line, c.start_line) = (line, line);
        (c.flags, c.out_flags, c.hresult, c.depth, c.block) = (flags_value, out_flags, hresult, depth, block);
        (c.parent, c.message, c.ref_count, c.process) = (parent, message, ref_count, process);
        thread.put(&mut c.thread);
        put_optional(&mut c.call_id, call_id);
        put_optional(&mut c.owner, owner);
        put_optional(&mut c.caller, caller);
        object.put(&mut c.object);
        Text::Str(method).put(&mut c.method);
        put_optional(&mut c.purpose, purpose);
        put_optional(&mut c.provider, provider.map(Text::Str));
        put_optional(&mut c.profile, profile);
        Some(Line::Call(call))
    }
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
    // The client's process is the one every other line speaks for, so its
    // opens name no process; another process of the profile (S8) is 2.
    for (i, s) in topo.stores.iter().enumerate() {
        let opens: &[Option<u64>] = if s.shared_with_other_process { &[None, Some(2)] } else { &[None] };
        for &process in opens {
            let mut w = LineWriter::new();
            w.object("caller", "client", None, None).object("object", "store", Some(&s.name), None);
            w.text("method", "IMAPISession::OpenMsgStore").text("hresult", "S_OK");
            match process {
                None => w.number("refCount", u64::from(initial.stores[i].refs)),
                Some(p) => w.number("process", p),
            };
            w.text("profile", "default");
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
            let block = arg("lpBuffer").filter(|a| a.text != ArgText::Block(None)).map(|a| u64::from(a.value));
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
            w.number("refCount", u64::from(refs[store])).text("profile", "default");
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Lines of every trace in the repository (the corpus, the golden
    /// scenarios' traces) and of the checker's workload.
    fn sample_lines() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut lines = Vec::new();
        for dir in ["corpus", "scenarios"] {
            let mut files: Vec<_> = std::fs::read_dir(root.join(dir)).expect("tests/ is there").flatten().map(|e| e.path()).collect();
            files.sort();
            for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "jsonl")) {
                lines.extend(std::fs::read_to_string(file).expect("readable").lines().map(str::to_string));
            }
        }
        lines.extend(crate::check::workload::trace(200).lines().map(str::to_string));
        lines
    }

    /// What the quick reader gives, the reader with the JSON tree gives.
    fn agree(text: &str) -> bool {
        match quick::line(text, 7, &mut None) {
            Some(quick) => {
                assert_eq!(parse_value_line(text, 7).as_ref(), Ok(&quick), "{text}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn the_quick_reader_reads_every_call_and_return_line_of_the_samples_as_the_tree_does() {
        let (mut quick, mut all) = (0, 0);
        for line in sample_lines() {
            if line.trim().is_empty() || line.contains("\"format\"") || line.contains("\"declare\"") {
                continue;
            }
            all += 1;
            quick += usize::from(agree(&line));
        }
        // Only lines with escapes or fields of the tree reader's alone
        // (seq, step, note, rules) go the slow way.
        assert!(all > 900 && quick * 100 >= all * 95, "{quick} of {all} lines read quickly");
    }

    /// A line read into the buffers of another line's call is read whole:
    /// nothing of the other stays.
    #[test]
    fn a_call_read_into_a_spare_is_the_call_read_afresh() {
        let lines = sample_lines();
        for (i, text) in lines.iter().enumerate() {
            for other in [&lines[(i * 7 + 3) % lines.len()], &lines[(i + 1) % lines.len()]] {
                let mut spare = match parse_line(other, 1) {
                    Ok(Line::Call(call)) => Some(call),
                    _ => None,
                };
                assert_eq!(parse_line_reusing(text, 9, &mut spare), parse_line(text, 9), "{text} after {other}");
            }
        }
    }

    /// Every value of every sample line replaced, one at a time, by each
    /// kind of value a field may wrongly (or rightly) hold.
    #[test]
    fn the_quick_reader_agrees_with_the_tree_on_every_value_replaced() {
        let values = [
            "null",
            "0",
            "-1",
            "1.5",
            "4294967296",
            "\"x\"",
            "\"0x1F\"",
            "\"\"",
            "{}",
            "[]",
            "true",
            "\"a\\nb\"",
            "\"LOGOFF_QUIET\"",
            "{\"kind\":\"session\",\"id\":\"s\",\"provider\":null}",
        ];
        let (mut quick, mut all) = (0, 0);
        for line in sample_lines().iter().step_by(3) {
            for (colon, _) in line.match_indices(':') {
                let stop = line[colon + 1..].find([',', '}']).map_or(line.len(), |c| colon + 1 + c);
                for value in values {
                    let text = format!("{}{value}{}", &line[..=colon], &line[stop..]);
                    all += 1;
                    quick += usize::from(agree(&text));
                }
            }
        }
        assert!(quick > all / 10 && quick < all, "{quick} of {all} read quickly");
    }

    /// Pieces that make lines the quick reader must refuse or read right:
    /// nulls, floats, signs, escapes, leading zeros, big numbers, other
    /// kinds of value, names of flags, HRESULTs, kinds, fields.
    const PIECES: &[&str] = &[
        "null",
        "0",
        "00",
        "-1",
        "1.5",
        "1e3",
        "4294967295",
        "4294967296",
        "18446744073709551615",
        "18446744073709551616",
        "\"\"",
        "\"x\"",
        "\"\\u0041\"",
        "\"a\\\"b\"",
        "\"0x7FF6A0C01230\"",
        "\"0x\"",
        "\"0X1f\"",
        "\"0x00000000000000001\"",
        "\"LOGOFF_ORDERLY\"",
        "\"LOGOFF_ORDERLY | LOGOFF_QUIET\"",
        "\" 0x10 \"",
        "\"S_OK\"",
        "\"MAPI_E_NO_SUPPORT\"",
        "\"0x80040102\"",
        "true",
        "[]",
        "{}",
        "{\"kind\":\"session\"}",
        "{\"kind\":\"block\",\"id\":null}",
        "{\"kind\":\"store\",\"id\":5,\"provider\":null}",
        "{\"kind\":\"nope\"}",
        "{\"id\":\"x\"}",
        "{\"kind\":\"session\",\"kind\":\"store\"}",
        "\"method\"",
        "\"flags\"",
        "\"block\"",
        "\"return\"",
        "\"call\"",
        "\"thread\"",
        "\"object\"",
        "\"provider\"",
        "\"note\"",
        "\"format\"",
        ",",
        ":",
        "{",
        "}",
        " ",
        "\t",
        "é",
        "\u{2028}",
    ];

    fn mutated() -> impl Strategy<Value = String> {
        let lines = sample_lines();
        let n = lines.len();
        (0..n, prop::collection::vec((any::<prop::sample::Index>(), 0usize..5, prop::sample::select(PIECES), 0usize..3), 1..4)).prop_map(
            move |(at, edits, ..)| {
                let mut text = lines[at].clone();
                for (place, how, piece, span) in edits {
                    let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
                    let start = bounds[place.index(bounds.len())];
                    let end = bounds.iter().copied().find(|&i| i >= start + span).unwrap_or(text.len());
                    match how {
                        0 => text.insert_str(start, piece),
                        1 => text.replace_range(start..end, piece),
                        2 => text.replace_range(start..end, ""),
                        _ => {
                            // A value replaced: after a colon (any of them), up to the next comma or brace.
                            let colons: Vec<usize> = text.match_indices(':').map(|(i, _)| i + 1).collect();
                            if !colons.is_empty() {
                                let colon = colons[place.index(colons.len())];
                                let stop = text[colon..].find([',', '}']).map_or(text.len(), |c| colon + c);
                                text.replace_range(colon..stop, piece);
                            }
                        }
                    }
                }
                text
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]
        #[test]
        fn the_quick_reader_never_reads_a_line_otherwise_than_the_tree(text in mutated()) {
            agree(&text);
        }
    }
}
