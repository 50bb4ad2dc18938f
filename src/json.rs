//! A small reader for the input documents (scenarios, actions, settings)
//! that names the path of every bad field: `stores[2].name`,
//! `actions[4].flags`.
//!
//! Why not `#[derive(Deserialize)]`: the derived code, with path tracking
//! and the buffering that internally tagged enums need, was nearly half of
//! the wasm module (45 KB of its 100 KB gzip budget). This reader is plain,
//! non-generic code over `serde_json::Value`, and it runs the same natively
//! and in wasm, so error messages are identical on both. Output still uses
//! serde's derived `Serialize`; `string_enum!` keeps each enum's JSON names
//! in one table that both directions use.

use crate::error::{ErrorCode, InputError};
use crate::flags::FlagSet;
use serde_json::{Map, Value};

pub(crate) type Result<T> = std::result::Result<T, InputError>;

/// Defines a fieldless enum whose JSON form is a fixed string per variant,
/// with the table used for reading and writing. Its TypeScript type is the
/// union of those strings.
macro_rules! string_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        // The TS derive first: `$meta` may hold `#[ts(...)]` (a rename).
        #[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* #[cfg_attr(not(target_arch = "wasm32"), ts(rename = $text))] $variant),* }

        impl $name {
            /// JSON names, in declaration order.
            pub const NAMES: &'static [(&'static str, $name)] = &[$(($text, $name::$variant)),*];
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

/// TypeScript for a type whose JSON form is another type's (a flag set is
/// a `ValueText`, a fault set an array of faults): fields of this type
/// name the other type, and this one has no declaration of its own.
macro_rules! ts_as {
    ($($ty:ty),+ => $as:ty) => {$(
        #[cfg(not(target_arch = "wasm32"))]
        impl ts_rs::TS for $ty {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn name(cfg: &ts_rs::Config) -> String {
                <$as as ts_rs::TS>::name(cfg)
            }
            fn inline(cfg: &ts_rs::Config) -> String {
                <$as as ts_rs::TS>::inline(cfg)
            }
            fn visit_dependencies(v: &mut impl ts_rs::TypeVisitor) {
                v.visit::<$as>();
                <$as as ts_rs::TS>::visit_generics(v);
            }
        }
    )+};
}
pub(crate) use ts_as;

/// TypeScript for a type whose JSON form is one of a list of strings,
/// declared as the union of those strings, taken from the table the
/// serializer uses.
macro_rules! ts_string_union {
    ($ty:ty, $ts_name:literal, $doc:literal, $names:expr) => {
        #[cfg(not(target_arch = "wasm32"))]
        impl ts_rs::TS for $ty {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn docs() -> Option<String> {
                Some(format!("/** {} */\n", $doc))
            }
            fn name(_: &ts_rs::Config) -> String {
                $ts_name.to_string()
            }
            fn inline(_: &ts_rs::Config) -> String {
                $names.map(|n: &str| format!("{n:?}")).collect::<Vec<_>>().join(" | ")
            }
            fn decl(cfg: &ts_rs::Config) -> String {
                format!("type {} = {};", $ts_name, <Self as ts_rs::TS>::inline(cfg))
            }
            fn decl_concrete(cfg: &ts_rs::Config) -> String {
                <Self as ts_rs::TS>::decl(cfg)
            }
            fn output_path() -> Option<std::path::PathBuf> {
                Some(std::path::PathBuf::from(concat!($ts_name, ".ts")))
            }
        }
    };
}
pub(crate) use ts_string_union;

/// The JSON text of a core output type. Its `Serialize` cannot fail (no
/// map has a non-string key, no impl raises an error), so a failure is a
/// bug; it panics with a fixed message rather than `expect`, because
/// formatting `serde_json::Error` would bring every message of serde_json's
/// parser and of `std::io::ErrorKind` into each wasm module (1.6 KB gzipped).
pub(crate) fn to_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_string(value) {
        Ok(text) => text,
        Err(_) => panic!("a core output type failed to serialise"),
    }
}

/// [`to_text`], indented.
pub(crate) fn to_pretty_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(text) => text,
        Err(_) => panic!("a core output type failed to serialise"),
    }
}

/// [`to_text`] as a JSON tree.
#[cfg(any(target_arch = "wasm32", test))]
pub(crate) fn to_tree<T: serde::Serialize + ?Sized>(value: &T) -> Value {
    match serde_json::to_value(value) {
        Ok(tree) => tree,
        Err(_) => panic!("a core output type failed to serialise"),
    }
}

/// Parses JSON text into a tree, or an error with line and column.
pub(crate) fn parse(text: &str, code: ErrorCode) -> Result<Value> {
    if text.len() > crate::scenario::limits::JSON_BYTES {
        let message = format!("{} bytes of JSON; the limit is {}", text.len(), crate::scenario::limits::JSON_BYTES);
        return Err(InputError::new(ErrorCode::TooLarge, "", message));
    }
    serde_json::from_str(text).map_err(|e| InputError::new(code, "", format!("not valid JSON: {e}")))
}

pub(crate) fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {}", number_text(n)),
        Value::String(s) if s.chars().count() > 40 => "a long string".into(),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A number as messages show it: integers exactly, others to six decimals
/// ("…" when that rounds). Not with Display, whose float formatter and its
/// tables would add 2 KB to every wasm module, for error messages only.
fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or_default();
    let sign = if f < 0.0 { "-" } else { "" };
    if f.abs() >= 1e15 {
        return format!("{sign}1e15 or more in size");
    }
    let scaled = (f.abs() * 1e6).round();
    let (whole, frac) = ((scaled / 1e6) as u64, (scaled as u64) % 1_000_000);
    let mut text = format!("{sign}{whole}");
    if frac != 0 {
        text.push('.');
        text.push_str(format!("{frac:06}").trim_end_matches('0'));
    }
    if scaled / 1e6 != f.abs() {
        text.push('…');
    }
    text
}

fn fail<T>(code: ErrorCode, path: &str, message: String) -> Result<T> {
    Err(InputError::new(code, path, message))
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// The fields of one JSON object, checked against the names it may have.
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
    pub code: ErrorCode,
}

impl<'a> Fields<'a> {
    /// `known`: every field the object may have; any other is an error.
    pub fn of(v: &'a Value, path: &'a str, code: ErrorCode, what: &str, known: &[&str]) -> Result<Fields<'a>> {
        let Some(map) = v.as_object() else {
            return fail(code, path, format!("expected {what} (an object), got {}", kind(v)));
        };
        if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return fail(code, &join(path, key), format!("unknown field `{key}`; {what} has {}", known.join(", ")));
        }
        Ok(Fields { map, path, code })
    }

    /// A field that must be present (and not null).
    pub fn required<T>(&self, key: &str, read: impl FnOnce(&'a Value, &str, ErrorCode) -> Result<T>) -> Result<T> {
        match self.map.get(key) {
            Some(v) if !v.is_null() => read(v, &join(self.path, key), self.code),
            _ => fail(self.code, &join(self.path, key), format!("missing field `{key}`")),
        }
    }

    /// A field that may be absent or null.
    pub fn optional<T>(&self, key: &str, read: impl FnOnce(&'a Value, &str, ErrorCode) -> Result<T>) -> Result<Option<T>> {
        match self.map.get(key) {
            Some(v) if !v.is_null() => read(v, &join(self.path, key), self.code).map(Some),
            _ => Ok(None),
        }
    }

    /// An optional field with a default.
    pub fn or<T>(&self, key: &str, default: T, read: impl FnOnce(&'a Value, &str, ErrorCode) -> Result<T>) -> Result<T> {
        Ok(self.optional(key, read)?.unwrap_or(default))
    }
}

pub(crate) fn string(v: &Value, path: &str, code: ErrorCode) -> Result<String> {
    match v.as_str() {
        Some(s) => Ok(s.to_string()),
        None => fail(code, path, format!("expected a string, got {}", kind(v))),
    }
}

pub(crate) fn boolean(v: &Value, path: &str, code: ErrorCode) -> Result<bool> {
    match v.as_bool() {
        Some(b) => Ok(b),
        None => fail(code, path, format!("expected true or false, got {}", kind(v))),
    }
}

fn integer(v: &Value, path: &str, code: ErrorCode, max: u64) -> Result<u64> {
    match v.as_u64() {
        Some(n) if n <= max => Ok(n),
        _ => fail(code, path, format!("expected an integer from 0 to {max}, got {}", kind(v))),
    }
}

pub(crate) fn u8_(v: &Value, path: &str, code: ErrorCode) -> Result<u8> {
    integer(v, path, code, u8::MAX.into()).map(|n| n as u8)
}

pub(crate) fn u16_(v: &Value, path: &str, code: ErrorCode) -> Result<u16> {
    integer(v, path, code, u16::MAX.into()).map(|n| n as u16)
}

pub(crate) fn u32_(v: &Value, path: &str, code: ErrorCode) -> Result<u32> {
    integer(v, path, code, u32::MAX.into()).map(|n| n as u32)
}

/// Flags as a number or as text in the set's names (`"LOGOFF_ORDERLY"`,
/// `"0x2"`, `"FLUSH_UPLOAD | FLUSH_DOWNLOAD"`).
pub(crate) fn flags(v: &Value, path: &str, code: ErrorCode, set: FlagSet) -> Result<u32> {
    match v {
        Value::String(text) => set.parse(text).map_err(|e| InputError::new(ErrorCode::InvalidFlags, path, e.to_string())),
        Value::Number(_) => u32_(v, path, code),
        other => fail(
            code,
            path,
            format!("expected {} flags as a number or a text such as {:?}, got {}", set.name(), set.table()[0].0, kind(other)),
        ),
    }
}

pub(crate) fn list<'a, T>(
    v: &'a Value,
    path: &str,
    code: ErrorCode,
    read: impl Fn(&'a Value, &str, ErrorCode) -> Result<T>,
) -> Result<Vec<T>> {
    let Some(items) = v.as_array() else {
        return fail(code, path, format!("expected an array, got {}", kind(v)));
    };
    items.iter().enumerate().map(|(i, item)| read(item, &format!("{path}[{i}]"), code)).collect()
}

/// One of a fixed set of names.
pub(crate) fn name<T: Copy>(v: &Value, path: &str, code: ErrorCode, table: &[(&str, T)]) -> Result<T> {
    name_or_alias(v, path, code, table, &[])
}

/// One of a fixed set of names, or an older name that still loads (saved
/// scenarios and shared links outlive a rename). Errors list only the
/// current names.
pub(crate) fn name_or_alias<T: Copy>(v: &Value, path: &str, code: ErrorCode, table: &[(&str, T)], aliases: &[(&str, T)]) -> Result<T> {
    let expected = || table.iter().map(|(n, _)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
    let Some(text) = v.as_str() else {
        return fail(code, path, format!("expected one of {}, got {}", expected(), kind(v)));
    };
    match table.iter().chain(aliases).find(|(n, _)| *n == text) {
        Some((_, value)) => Ok(*value),
        None => fail(code, path, format!("unknown value {text:?}; expected one of {}", expected())),
    }
}

/// A string of at most `max` characters; longer is `tooLarge`, so that no
/// input field can carry megabytes into every copy of the state.
pub(crate) fn bounded_string(v: &Value, path: &str, code: ErrorCode, max: usize) -> Result<String> {
    let text = string(v, path, code)?;
    let chars = text.chars().count();
    if chars > max {
        return fail(ErrorCode::TooLarge, path, format!("{chars} characters; at most {max} are allowed"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_store(text: &str) -> Result<u16> {
        let v = parse(text, ErrorCode::InvalidJson)?;
        let f = Fields::of(&v, "actions[3]", ErrorCode::InvalidAction, "an action", &["store"])?;
        f.required("store", u16_)
    }

    #[test]
    fn errors_name_the_path_and_what_was_wrong() {
        let e = read_store(r#"{"store": "zero"}"#).unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.message.as_str()),
            ("actions[3].store", "expected an integer from 0 to 65535, got the string \"zero\"")
        );
        let e = read_store(r#"{"store": 70000}"#).unwrap_err();
        assert_eq!(e.path, "actions[3].store");
        let e = read_store(r#"{"store": -1}"#).unwrap_err();
        assert_eq!(e.message, "expected an integer from 0 to 65535, got the number -1");
        let e = read_store(r#"{"store": 1.5}"#).unwrap_err();
        assert_eq!(e.message, "expected an integer from 0 to 65535, got the number 1.5");
        let e = read_store(r#"{}"#).unwrap_err();
        assert_eq!((e.path.as_str(), e.message.as_str()), ("actions[3].store", "missing field `store`"));
        let e = read_store(r#"{"store": 1, "stor": 2}"#).unwrap_err();
        assert_eq!((e.path.as_str(), e.code), ("actions[3].stor", ErrorCode::InvalidAction));
        let e = read_store(r#"[1]"#).unwrap_err();
        assert_eq!(e.message, "expected an action (an object), got an array");
        assert_eq!(read_store(r#"{"store": 7}"#), Ok(7));
    }

    #[test]
    fn numbers_in_messages_read_as_written_or_say_they_are_rounded() {
        let text = |json: &str| match parse(json, ErrorCode::InvalidJson).unwrap() {
            Value::Number(n) => number_text(&n),
            other => panic!("{other:?}"),
        };
        assert_eq!(text("7"), "7");
        assert_eq!(text("-1"), "-1");
        assert_eq!(text("18446744073709551615"), "18446744073709551615");
        assert_eq!(text("1.5"), "1.5");
        assert_eq!(text("-0.25"), "-0.25");
        assert_eq!(text("2.0"), "2");
        assert_eq!(text("0.1"), "0.1");
        assert_eq!(text("0.3333333333"), "0.333333…");
        assert_eq!(text("1e-9"), "0…");
        assert_eq!(text("1e300"), "1e15 or more in size");
        assert_eq!(text("-1e300"), "-1e15 or more in size");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(parse(&deep, ErrorCode::InvalidJson).unwrap_err().code, ErrorCode::InvalidJson);
    }

    #[test]
    fn flags_accept_numbers_and_names() {
        let v = parse(r#"["LOGOFF_QUIET", 2, "0x4", true, "LOGOFF_SOON"]"#, ErrorCode::InvalidJson).unwrap();
        let items = v.as_array().unwrap();
        assert_eq!(flags(&items[0], "f", ErrorCode::InvalidAction, FlagSet::StoreLogoff), Ok(0x10));
        assert_eq!(flags(&items[1], "f", ErrorCode::InvalidAction, FlagSet::StoreLogoff), Ok(2));
        assert_eq!(flags(&items[2], "f", ErrorCode::InvalidAction, FlagSet::StoreLogoff), Ok(4));
        assert_eq!(flags(&items[3], "f", ErrorCode::InvalidAction, FlagSet::StoreLogoff).unwrap_err().code, ErrorCode::InvalidAction);
        assert_eq!(flags(&items[4], "f", ErrorCode::InvalidAction, FlagSet::StoreLogoff).unwrap_err().code, ErrorCode::InvalidFlags);
    }
}
